#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The supervisor never waits on a worker.  One of two workers is frozen
# (SIGSTOP) and a change is started: while it is pending, ping is answered
# within 100 ms and mcrctl workers does not call the frozen one running;
# within a few seconds the frozen worker is replaced (heartbeat), the change
# completes, and its rule relays; SIGTERM then stops mcrd promptly.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=300
RATE=3000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

step "Creating world"
topo_standard 2

step "Starting relay with two workers"
start_mcrd relay --workers 2 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1 -> $(topo_out 1)"
VICTIM=$(pgrep -P "$MCRD_PID" | head -n 1)

step "Freezing worker $VICTIM, then adding a rule"
kill -STOP "$VICTIM"
T0=$(date +%s%N)
ctl add --name B --input-interface "$RELAY_IN" --input-group 239.7.7.7 --input-port 7000 \
	--output "$(topo_out 2)" >"$TMPD/add.out" 2>"$TMPD/add.err" &
ADD_PID=$!
track_pid $ADD_PID

step "While the change is pending: ping answers within 100 ms"
# The heartbeat finds the frozen worker silent after a second at most.
sleep 1.2
pid_alive $ADD_PID || fail "the add finished, with a worker frozen and no replacement yet"
: >"$TMPD/ping.ms"
i=0
while [ $i -lt 5 ]; do
	P0=$(date +%s%N)
	ctl ping >/dev/null || fail "ping failed while a change was pending"
	P1=$(date +%s%N)
	echo $(((P1 - P0) / 1000000)) >>"$TMPD/ping.ms"
	i=$((i + 1))
done
# The median: one mcrctl process start on a loaded machine can be slow.
MS=$(sort -n "$TMPD/ping.ms" | sed -n 3p)
info "ping round trips (mcrctl start included), ms: $(tr '\n' ' ' <"$TMPD/ping.ms")"
expect "$MS" -lt 100 "median ping in ms while a worker is frozen and a change pending"
pid_alive $ADD_PID || fail "the change was over before the pings"
ctl --json workers >"$TMPD/workers.json" || fail "mcrctl workers failed"
expect "$(jq "[.workers[] | select(.pid == $VICTIM and .state == \"running\")] | length" \
	"$TMPD/workers.json")" -eq 0 "frozen worker shown as running"

step "The frozen worker is replaced and the change completes"
wait_pid_exit $ADD_PID 100 || fail "the add was still pending 10 s later"
wait $ADD_PID
RC=$?
untrack_pid $ADD_PID
T1=$(date +%s%N)
info "add: exit $RC after $(((T1 - T0) / 1000000)) ms: $(cat "$TMPD/add.err")"
expect "$RC" -eq 0 "mcrctl add exit status"
pgrep -P "$MCRD_PID" | grep -qx "$VICTIM" && fail "the frozen worker is still there"
expect_grep "$MCRD_ERR" "did not answer" "supervisor log"
expect "$(ctl --json workers | jq '[.workers[] | select(.state == "running")] | length')" -eq 2 \
	"workers running"
start_sink sink -j "$(topo_sinkif 2),239.7.7.7:7000" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.7.7.7:7000 -r $RATE -c $COUNT -d 10
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT

step "SIGTERM with a worker frozen stops mcrd"
VICTIM=$(pgrep -P "$MCRD_PID" | head -n 1)
kill -STOP "$VICTIM"
stop_mcrd

pass
