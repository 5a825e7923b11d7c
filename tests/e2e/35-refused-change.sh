#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A change that a worker refuses commits nowhere.  Its workers run under a
# low descriptor limit (prlimit --nofile, lowered once they are up) with UDP
# egress, so a rule with many outputs passes every check of the supervisor
# but a worker cannot open its sockets.  The add fails naming the worker and why; the rule is in neither
# mcrctl list nor mcrctl config; the rules in force keep relaying; a later,
# smaller add works; a reload (mcrctl, SIGHUP) that brings the same rule is
# refused the same way; and a worker killed afterwards comes back once,
# with the committed rules, instead of crash-looping on the refused one.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=300
RATE=3000
HEADROOM=20
BIG_OUTPUTS=100

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl
command -v prlimit >/dev/null || skip "prlimit (util-linux) is not installed"

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

step "Creating world"
topo_standard 2

step "Starting relay, 2 workers, UDP egress; $HEADROOM descriptors to spare in each worker"
jq -n --arg in "$RELAY_IN" --arg out "$(topo_out 1)" '{rules: [{name: "A",
	input: {interface: $in, group: "239.1.1.1"}, outputs: [{interface: $out}]}]}' \
	>"$TMPD/mcrd.json" || fail "cannot write the configuration"
start_mcrd relay --workers 2 --egress udp --stats-interval 0 -c "$TMPD/mcrd.json"
for w in $(pgrep -P "$MCRD_PID"); do
	n=$(ls "/proc/$w/fd" | wc -l)
	prlimit --pid "$w" --nofile=$((n + HEADROOM)) || fail "prlimit on worker $w failed"
	info "worker $w: $n descriptors open, limit $((n + HEADROOM))"
done

step "Adding a rule with $BIG_OUTPUTS UDP outputs: a worker cannot open them"
set -- --name BIG --input-interface "$RELAY_IN" --input-group 239.5.5.5 --input-port 5000
i=1
while [ $i -le $BIG_OUTPUTS ]; do
	set -- "$@" --output "$(topo_out 2),239.6.6.6:$((6000 + i))"
	i=$((i + 1))
done
T0=$(date +%s%N)
ctl add "$@" >"$TMPD/add.out" 2>"$TMPD/add.err"
RC=$?
T1=$(date +%s%N)
info "add: exit $RC after $(((T1 - T0) / 1000000)) ms: $(cat "$TMPD/add.err")"
expect "$RC" -ne 0 "mcrctl add exit status"
X
expect_grep "$TMPD/add.err" "Too many open files" "the add's error says why"

step "No trace of it: list, config"
expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules listed"
expect "$(ctl --json list | jq '[.rules[] | select(.name == "BIG")] | length')" -eq 0 \
	"refused rules listed"
ctl --json config show >"$TMPD/config.json" || fail "mcrctl config show failed"
expect "$(jq '[.rules[] | select(.name == "BIG")] | length' "$TMPD/config.json")" -eq 0 \
	"refused rules in the running configuration"

step "Rule A (any port: its flows spread over both workers) still relays"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -n 4 --count $((COUNT / 4)) -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -n 4 -r $RATE -c $((COUNT / 4)) -d 10
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT

step "A later small add works and relays"
ctl add --name B --input-interface "$RELAY_IN" --input-group 239.7.7.7 --input-port 7000 \
	--output "$(topo_out 2)" >/dev/null 2>"$TMPD/addb.err" ||
	fail "a later add failed: $(cat "$TMPD/addb.err")"
start_sink sink -j "$(topo_sinkif 2),239.7.7.7:7000" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.7.7.7:7000 -r $RATE -c $COUNT -d 10
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT

step "A reload that brings the big rule is refused the same way"
jq --arg in "$RELAY_IN" --arg out "$(topo_out 2)" --argjson n $BIG_OUTPUTS '.rules += [{
	name: "BIG", input: {interface: $in, group: "239.5.5.5", port: 5000},
	outputs: [range(0; $n) | {interface: $out, group: "239.6.6.6", port: (6001 + .)}]}]' \
	"$TMPD/mcrd.json" >"$TMPD/big.json" || fail "cannot write the big configuration"
mv "$TMPD/big.json" "$TMPD/mcrd.json"
ctl reload >/dev/null 2>"$TMPD/reload.err"
expect $? -ne 0 "mcrctl reload exit status"
grep -Eq "worker [01] refused" "$TMPD/reload.err" ||
	fail "the reload's error names no worker: $(cat "$TMPD/reload.err")"
expect "$(ctl --json list | jq '[.rules[] | select(.name == "BIG")] | length')" -eq 0 \
	"refused rules listed after the reload"
kill -HUP "$MCRD_PID"
i=0
while [ $i -lt 50 ] && [ "$(grep -c "reload: .*refused" "$MCRD_ERR")" -lt 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "$(grep -c "reload: .*refused" "$MCRD_ERR")" -ge 2 "refused reloads logged (mcrctl, SIGHUP)"
expect "$(ctl --json list | jq '[.rules[] | select(.name == "BIG")] | length')" -eq 0 \
	"refused rules listed after SIGHUP"

step "A killed worker restarts once with the committed rules"
VICTIM=$(pgrep -P "$MCRD_PID" | head -n 1)
kill -KILL "$VICTIM"
sleep 2
expect "$(ctl --json workers | jq '[.workers[].restarts] | add')" -eq 1 "restarts 2 s after one kill"
expect "$(ctl --json workers | jq '[.workers[] | select(.state == "running")] | length')" -eq 2 \
	"workers running"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_grep "$MCRD_ERR" "change refused, nothing changed" "supervisor log"

pass
