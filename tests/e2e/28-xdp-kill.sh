#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# --ingress xdp and killed processes: the XDP program belongs to a worker
# through a BPF link, so the kernel detaches it when the worker dies, even
# by SIGKILL, and the replacement attaches its own.  A worker killed with
# SIGKILL is replaced, the input has one program again, and a batch after
# the restart is relayed complete and past the relay's IP stack.  Then the
# worker is frozen (SIGSTOP) while more packets arrive than its AF_XDP ring
# holds: the rest is dropped before the stack (the early drop) and counted
# as input drops, every packet either relayed or counted.  Last the
# supervisor itself is killed with SIGKILL: its worker follows it, and no
# XDP program is left on the input.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=2000
RATE=10000
# More than the AF_XDP receive ring's 8,192 frames (XSK_RX_SIZE).
FLOOD=12000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

step "Creating world"
topo_standard 1

step "Starting relay with --ingress xdp, one worker"
start_mcrd relay --ingress xdp --workers 1 -r "cam1=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
XDP_FIRST=$(xdp_prog_id relay "$RELAY_IN" | wc -l)
PROG1=$(xdp_prog_id relay "$RELAY_IN")

step "Killing the worker with SIGKILL"
kill_worker_wait 0 2
XDP_AGAIN=$(xdp_prog_id relay "$RELAY_IN" | wc -l)
PROG2=$(xdp_prog_id relay "$RELAY_IN")
info "XDP program id before the kill: $PROG1, after: $PROG2"

step "A batch through the replacement"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2
M0=$(stack_mcast_in relay)
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
wait_sink
M1=$(stack_mcast_in relay)

step "$FLOOD packets to a frozen worker"
WORKER=$(pgrep -P "$MCRD_PID")
# stat_count JQ_EXPR: a number from mcrctl --json stats, asked again (up to
# 5 s) while the answer is not one: a reply lost under load must not read as 0.
stat_count()
{
	_i=0
	while :; do
		_v=$("$MCRCTL" --socket "$MCRD_SOCK" --json stats 2>/dev/null | jq "$1")
		case $_v in
		'' | *[!0-9]*) ;;
		*) echo "$_v"; return ;;
		esac
		[ $_i -lt 50 ] || fail "mcrctl stats gave no number for $1 (last: '$_v')"
		sleep 0.1
		_i=$((_i + 1))
	done
}
IN0=$(stat_count '.rules[0].packets_in')
DROPS0=$(stat_count '[.inputs[].kernel_drops] | add')
M2=$(stack_mcast_in relay)
kill -STOP "$WORKER" || fail "cannot stop worker $WORKER"
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r 40000 -c $FLOOD -d 10
kill -CONT "$WORKER"
M3=$(stack_mcast_in relay)
sleep 1.5
IN1=$(stat_count '.rules[0].packets_in')
DROPS1=$(stat_count '[.inputs[].kernel_drops] | add')
info "frozen worker: relayed $((IN1 - IN0)), early drops $((DROPS1 - DROPS0)), stack $((M3 - M2))"

step "Killing the supervisor with SIGKILL"

kill -KILL "$MCRD_PID" || fail "cannot kill mcrd"
wait_pid_exit "$MCRD_PID" 30 || fail "mcrd still running after SIGKILL"
untrack_pid "$MCRD_PID"
MCRD_PID=""
for w in $WORKER; do
	wait_pid_exit "$w" 50 || fail "worker $w still running 5 s after its supervisor died"
done
XDP_LEFT=$(xdp_prog_id relay "$RELAY_IN" | wc -l)

step "Analyzing"
expect "$XDP_FIRST" -eq 1 "XDP programs on $RELAY_IN at the start"
expect "$XDP_AGAIN" -eq 1 "XDP programs on $RELAY_IN after the worker's restart"
if [ -z "$PROG1" ] || [ -z "$PROG2" ] || [ "$PROG1" = "$PROG2" ]; then
	fail "the replacement did not attach a program of its own ($PROG1 -> $PROG2)"
fi
expect_sink_exact "$SINK_JSON" $COUNT
expect $((M1 - M0)) -lt $((COUNT / 10)) "multicast packets the relay's IP stack received"
expect $((IN1 - IN0 + DROPS1 - DROPS0)) -eq $FLOOD "packets to the frozen worker relayed or counted as input drops"
expect $((DROPS1 - DROPS0)) -ge $((FLOOD - 8192)) "early drops while the worker was frozen"
expect $((M3 - M2)) -lt $((FLOOD / 10)) "multicast packets the relay's IP stack received meanwhile"
expect "$XDP_LEFT" -eq 0 "XDP programs on $RELAY_IN after mcrd was killed"

pass
