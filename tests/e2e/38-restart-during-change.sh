#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A worker that dies while a change is pending comes back with the rules
# that end up committed.  With two workers, one is frozen so that an add
# stays pending; the other is killed meanwhile and restarts with the rules
# of before the change.  The frozen worker is then let go: the change
# commits, the restarted worker is sent the committed rules, and the new
# rule relays on every flow, whichever worker it hashes to.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STREAMS=8
COUNT=200
RATE=4000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

step "Creating world"
topo_standard 2

step "Starting relay with two workers"
start_mcrd relay --workers 2 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1 -> $(topo_out 1)"
FROZEN=$(pgrep -P "$MCRD_PID" | sed -n 1p)
VICTIM=$(pgrep -P "$MCRD_PID" | sed -n 2p)

step "Freezing worker $FROZEN, adding rule B (any port), killing worker $VICTIM"
kill -STOP "$FROZEN"
ctl add --name B --input-interface "$RELAY_IN" --input-group 239.7.7.7 \
	--output "$(topo_out 2)" >"$TMPD/add.out" 2>"$TMPD/add.err" &
ADD_PID=$!
track_pid $ADD_PID
sleep 0.3
kill -KILL "$VICTIM"
i=0
while [ $i -lt 30 ] && [ "$(grep -c ': relaying:' "$MCRD_ERR")" -lt 3 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect "$(grep -c ': relaying:' "$MCRD_ERR")" -ge 3 "worker starts, the replacement included"
pid_alive $ADD_PID || fail "the add finished before the frozen worker answered"

step "Letting the frozen worker go: the change commits"
kill -CONT "$FROZEN"
wait_pid_exit $ADD_PID 50 || fail "the add was still pending 5 s after the worker resumed"
wait $ADD_PID
RC=$?
untrack_pid $ADD_PID
expect "$RC" -eq 0 "mcrctl add exit status ($(cat "$TMPD/add.err"))"

step "Rule B relays every flow, on both workers"
start_sink sink -j "$(topo_sinkif 2),239.7.7.7:7000" -n $STREAMS --count $COUNT -d 20 \
	--idle-exit 2
run_gen src -i "$SRC_IF" -g 239.7.7.7:7000 -n $STREAMS -r $RATE -c $COUNT -d 10
wait_sink
expect_sink_exact "$SINK_JSON" $((STREAMS * COUNT))
expect_grep "$MCRD_ERR" "started during a change: sending it the committed rules" \
	"supervisor log"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '[.workers[].restarts] | add' -eq 1

pass
