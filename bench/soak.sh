#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make bench-soak: a long run under churn and worker deaths, on the e2e
# topology (needs root; not part of CI).  An untouched rule relays a steady
# stream 1:FANOUT while another rule is added or removed every second and a
# worker is killed with SIGKILL every KILL_EVERY seconds.  At the end it
# prints what was offered, relayed and lost (per listener of the untouched
# rule, from mcrsink), the worker restarts, and the resident memory and
# open files of the supervisor and the workers at the start and the end.
#
#   bench/soak.sh [SECONDS]         (default 600; SOAK_SECONDS too)
#
# Environment: RATE (default 20000 packets/s), STREAMS (8), FANOUT (8),
# WORKERS (2), KILL_EVERY (60 s), BUILD, MCRD_EXTRA_ARGS (e.g.
# "--ingress multishot").
TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2034 # read by lib.sh: interface names soakin, soako1, ...
TOPO_TAG=soak
# shellcheck source=tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"

SECS=${1:-${SOAK_SECONDS:-600}}
RATE=${RATE:-20000}
STREAMS=${STREAMS:-8}
FANOUT=${FANOUT:-8}
WORKERS=${WORKERS:-2}
KILL_EVERY=${KILL_EVERY:-60}
GROUP=239.1.1.1
PORT=5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl
topo_standard "$FANOUT"

ctl()
{
	nsx relay "$MCRCTL" --socket "$MCRD_SOCK" "$@"
}

# usage LABEL: one line per process: RSS (KiB) and open files.
usage()
{
	for _p in $MCRD_PID $(ctl --json workers | jq '.workers[].pid'); do
		_who=worker
		[ "$_p" != "$MCRD_PID" ] || _who=supervisor
		printf '   %-5s %-10s pid %-7s RSS %6s KiB  open files %s\n' "$1" "$_who" "$_p" \
			"$(awk '/^VmRSS/ { print $2 }' "/proc/$_p/status")" \
			"$(find "/proc/$_p/fd" -mindepth 1 -maxdepth 1 | wc -l)"
	done
}

# churn_step N: add the rule "churn" (odd N, each time to another output) or remove it.
churn_step()
{
	if [ $(($1 % 2)) -eq 1 ]; then
		ctl add --name churn --input-interface "$RELAY_IN" --input-group 239.2.0.1 \
			--output "$(topo_out $((($1 / 2) % FANOUT + 1)))" >/dev/null 2>&1
	else
		ctl remove churn >/dev/null 2>&1
	fi
}

outs=$(topo_out 1)
joins="-j $(topo_sinkif 1),$GROUP:$PORT"
i=2
while [ $i -le "$FANOUT" ]; do
	outs="$outs; $(topo_out $i)"
	joins="$joins -j $(topo_sinkif $i),$GROUP:$PORT"
	i=$((i + 1))
done
step "Soak: $SECS s, $RATE pps 1:$FANOUT, a change every second, a worker killed every $KILL_EVERY s"
start_mcrd relay --workers "$WORKERS" --stats-interval 0 -r "steady=$RELAY_IN,$GROUP -> $outs"
# shellcheck disable=SC2086 # one -j per listener
start_sink sink $joins -n "$STREAMS" -d $((SECS + 30)) --idle-exit 3
start_gen src -i "$SRC_IF" -g "$GROUP:$PORT" -n "$STREAMS" -r "$RATE" -d "$SECS"
sleep 2
usage start >"$TMPD/usage.start"

t0=$(date +%s)
n=0 changes=0 refused=0 kills=0
while [ $(($(date +%s) - t0)) -lt $((SECS - 3)) ]; do
	n=$((n + 1))
	if churn_step "$n"; then changes=$((changes + 1)); else refused=$((refused + 1)); fi
	if [ $((n % KILL_EVERY)) -eq 0 ]; then
		victim=$(ctl --json workers | jq ".workers[$((kills % WORKERS))].pid")
		kill -KILL "$victim" && kills=$((kills + 1))
	fi
	sleep 1
done
usage end >"$TMPD/usage.end"
wait_gen
wait_sink
stop_mcrd

step "Results"
read_summary
sent=$(json_get "$GEN_JSON" .sent)
info "offered: $sent packets in $(json_get "$GEN_JSON" .duration_s) s ($RATE pps, $STREAMS streams)"
info "relayed: $(json_get "$SUMMARY" '.rules[] | select(.name == "steady") | [.outputs[].packets_out] | add') packets out of rule steady" \
	"($(json_get "$SUMMARY" '.totals.packets_in') in, kernel drops $(json_get "$SUMMARY" '[.inputs[].kernel_drops] | add'))"
jq -r --argjson sent "$sent" '.listeners | group_by(.interface)[] |
	{ i: .[0].interface, u: (map(.unique) | add), d: (map(.duplicates) | add),
	  r: (map(.reordered) | add) } |
	"   listener \(.i): received \(.u) unique, lost \($sent - .u), duplicates \(.d), reordered \(.r)"' \
	"$SINK_JSON"
info "changes: $changes done, $refused refused; workers killed: $kills;" \
	"restarts: $(json_get "$SUMMARY" '[.workers[].restarts] | add')"
cat "$TMPD/usage.start" "$TMPD/usage.end"
pass
