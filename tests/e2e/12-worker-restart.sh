#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A worker killed with SIGKILL while traffic flows is restarted by the
# supervisor within a second with the same rules; the supervisor and the
# other worker keep going, and a second batch afterwards arrives complete.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STREAMS=8
COUNT=500
RATE=8000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1

step "Starting relay with two workers (any-port rule, so the flows spread)"
start_mcrd relay --workers 2 --stats-interval 0 -r "cam1=$RELAY_IN,239.1.1.1 -> $(topo_out 1)"
WORKERS=$(pgrep -P "$MCRD_PID" | tr '\n' ' ')
[ "$(echo "$WORKERS" | wc -w)" -eq 2 ] || fail "expected 2 worker processes, got: $WORKERS"
VICTIM=$(echo "$WORKERS" | cut -d' ' -f1)
info "workers: $WORKERS"

step "Killing worker $VICTIM with SIGKILL while traffic flows"
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -n $STREAMS -r $RATE -d 2 -c 100000
sleep 0.5
T0=$(date +%s%N)
kill -KILL "$VICTIM"
# The replacement logs "worker N: relaying" once its ring is armed.
T1=""
i=0
while [ $i -lt 300 ]; do
	if [ "$(grep -c ': relaying:' "$MCRD_ERR")" -ge 3 ]; then
		T1=$(date +%s%N)
		break
	fi
	sleep 0.01
	i=$((i + 1))
done
[ -n "$T1" ] || fail "no worker relaying again 3 s after the kill"
RESTART_MS=$(((T1 - T0) / 1000000))
info "relaying again after ${RESTART_MS} ms"
expect "$RESTART_MS" -lt 1000 "restart time in ms"
wait_gen
pid_alive "$MCRD_PID" || fail "the supervisor died with its worker"
expect "$(pgrep -P "$MCRD_PID" | wc -l)" -eq 2 "worker processes after the restart"
pgrep -P "$MCRD_PID" | grep -qx "$VICTIM" && fail "the killed worker is still there"

step "A second batch after the restart arrives complete on every stream"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -n $STREAMS --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -n $STREAMS -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $((COUNT * STREAMS))
read_summary
expect_json "$SUMMARY" '[.workers[].restarts] | add' -eq 1
expect_json "$SUMMARY" '.workers | length' -eq 2
expect_grep "$MCRD_ERR" "killed by signal 9" "supervisor log"

pass
