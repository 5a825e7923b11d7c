#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Issue 9, "churn loses packets of untouched rules".  With RULES rules on
# one input, one steady stream on a rule nobody touches, and CHANGES
# mcrctl add/remove of other rules meanwhile: every change answers within
# LIMIT_MS, the untouched stream arrives whole (no loss, no kernel_drops at
# the receive ring), its rule's counters carried over every change, and
# the workers hold as many files as before.
# A change used to rebuild the whole generation inside the worker's loop
# (hundreds of ms at 2,000 rules), overflowing the ring.
#
# RULES, CHANGES, RATE, LIMIT_MS and WORKERS may be set from the
# environment (bench/churn.sh runs this with 4,096 rules); CHURN_LOG names
# a file to get the measurements: one "add|remove MS" line per change (the
# mcrctl command's wall time), one "change US PREPARE_US COMMIT_US" line per
# change from mcrd's debug log (the supervisor's time from request to the
# last commit, and the longest any worker's loop spent preparing and
# committing it), and "stream SENT LOST KERNEL_DROPS".
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RULES=${RULES:-2000}
CHANGES=${CHANGES:-20}
RATE=${RATE:-20000}
LIMIT_MS=${LIMIT_MS:-2000}
WORKERS=${WORKERS:-1}

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

step "Creating world"
topo_standard 1

# The untouched rule "keep" takes 239.1.1.1:5000; the others share 999
# groups over as many ports as they need (the ingress filter takes at most
# 1,000 groups per interface).
jq -n --arg in "$RELAY_IN" --arg out "$(topo_out 1)" --argjson n "$RULES" '{rules: (
	[{name: "keep", input: {interface: $in, group: "239.1.1.1", port: 5000},
	  outputs: [{interface: $out}]}] +
	[range(1; $n) | {name: "r\(.)", input: {interface: $in,
		group: "239.20.\(((. % 999) / 250) | floor).\(((. % 999) % 250) + 1)",
		port: (6000 + ((. / 999) | floor))},
	 outputs: [{interface: $out}]}])}' >"$TMPD/mcrd.json" || fail "cannot write the configuration"

step "Starting relay: $RULES rules on $RELAY_IN, $WORKERS worker(s)"
start_mcrd relay --workers "$WORKERS" --stats-interval 0 --log-level debug -c "$TMPD/mcrd.json"
expect "$(ctl --json list | jq '.rules | length')" -eq "$RULES" "rules in force"

FDS0=$(worker_fds)

step "A stream on \"keep\" at $RATE pps while $CHANGES adds and removes run"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -d 120 --idle-exit 1
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r "$RATE" -c 100000000 -d 100
sleep 1
: >"$TMPD/changes"
worst=0
i=1
while [ $i -le "$CHANGES" ]; do
	name=c$(((i + 1) / 2))
	t0=$(now_ms)
	if [ $((i % 2)) -eq 1 ]; then
		op=add
		ctl add --name "$name" --input-interface "$RELAY_IN" \
			--input-group 239.20.0.1 --input-port $((7000 + i)) \
			--output "$(topo_out 1)" >/dev/null 2>"$TMPD/change.err" ||
			fail "add $name: $(cat "$TMPD/change.err")"
	else
		op=remove
		ctl remove "$name" >/dev/null 2>"$TMPD/change.err" ||
			fail "remove $name: $(cat "$TMPD/change.err")"
	fi
	ms=$(($(now_ms) - t0))
	echo "$op $ms" >>"$TMPD/changes"
	[ "$ms" -le "$worst" ] || worst=$ms
	i=$((i + 1))
done
info "changes (ms): $(awk '{print $2}' "$TMPD/changes" | sort -n | tr '\n' ' ')"
sleep 1
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
wait_sink
SENT=$(jq .sent "$GEN_JSON")
expect "$(ctl --json list | jq '.rules | length')" -eq "$RULES" "rules in force after the changes"
# The sockets a change carries over are neither leaked nor closed twice.
expect "$(worker_fds)" -eq "$FDS0" "workers' open files after the changes"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

step "Every change answered in time; the untouched stream is whole"
read_summary
if [ -n "${CHURN_LOG:-}" ]; then
	cp "$TMPD/changes" "$CHURN_LOG"
	sed -n 's/.*change [0-9]*: committed after \([0-9]*\) us.*prepare \([0-9]*\) us, commit \([0-9]*\) us/change \1 \2 \3/p' \
		"$MCRD_ERR" >>"$CHURN_LOG"
	echo "stream $SENT $(jq .lost "$SINK_JSON") $(jq '[.inputs[].kernel_drops] | add' "$SUMMARY")" \
		>>"$CHURN_LOG"
fi
expect "$worst" -le "$LIMIT_MS" "slowest change (ms)"
expect_json "$SUMMARY" '[.inputs[].kernel_drops] | add' -eq 0 "kernel_drops at the receive ring"
expect_sink_exact "$SINK_JSON" "$SENT"
expect_json "$SUMMARY" '.rules[] | select(.name == "keep") | .outputs[0].packets_out' \
	-eq "$SENT" "\"keep\" packets out"

pass
