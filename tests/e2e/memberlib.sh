# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# Helpers for the group membership tests (70-72): an interface's received
# packet count, read from sysfs inside its namespace, and the moments a
# stream starts and stops arriving there, polled every 20 ms and bounded.
# Sourced after lib.sh.

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

# Short timers, so that a join, a leave and an election take well under a second.
MEMBER_ARGS="--igmp-query-interval 2000 --igmp-response 1000 --igmp-last-member 100"

# rx_packets NS IFACE: packets IFACE has received so far.
rx_packets()
{
	nsx "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# mtime_ms FILE: when FILE was last written (mcrsink's ready file: once joined).
mtime_ms()
{
	stat -c %.3Y "$1" | tr -d .
}

# wait_flow NS IFACE LIMIT_MS: wait until IFACE receives a stream (10 packets
# within one 20 ms poll); FLOW_MS gets the milliseconds it took, or it fails.
wait_flow()
{
	_t0=$(now_ms)
	_prev=$(rx_packets "$1" "$2")
	while :; do
		sleep 0.02
		_cur=$(rx_packets "$1" "$2")
		_t=$(now_ms)
		[ $((_cur - _prev)) -lt 10 ] || break
		[ $((_t - _t0)) -lt "$3" ] || fail "no stream on $2 within $3 ms"
		_prev=$_cur
	done
	FLOW_MS=$((_t - _t0))
}

# wait_still NS IFACE LIMIT_MS: wait until IFACE receives no stream any more
# (fewer than 3 packets, queries and the like, for 300 ms); STILL_MS gets the
# milliseconds from the call to the last poll that saw the stream, or it fails.
wait_still()
{
	_t0=$(now_ms)
	_last=$_t0
	_prev=$(rx_packets "$1" "$2")
	while :; do
		sleep 0.02
		_cur=$(rx_packets "$1" "$2")
		_t=$(now_ms)
		[ $((_cur - _prev)) -lt 3 ] || _last=$_t
		_prev=$_cur
		[ $((_t - _last)) -lt 300 ] || break
		[ $((_t - _t0)) -lt "$3" ] || fail "the stream on $2 still flows after $3 ms"
	done
	STILL_MS=$((_last - _t0))
}

# expect_still NS IFACE MS: IFACE receives no stream for MS ms: fewer than 20
# packets (queries, IPv6 neighbour discovery), where the tests stream 2000/s.
expect_still()
{
	_a=$(rx_packets "$1" "$2")
	sleep "$(awk "BEGIN { print $3 / 1000 }")"
	_b=$(rx_packets "$1" "$2")
	expect $((_b - _a)) -lt 20 "packets on $2 in $3 ms without listeners"
}

IGMPSEND=$BIN/tests/igmpsend

# igmpsend NS ARGS...: inject IGMP from namespace NS (tests/tools/igmpsend.c).
igmpsend()
{
	_n=$1
	shift
	nsx "$_n" "$IGMPSEND" "$@" >>"$TMPD/igmpsend.out" 2>&1 || fail "igmpsend $* failed"
}

# groups_json NAME: "mcrctl --json groups" into $TMPD/NAME.json; GROUPS names it.
groups_json()
{
	GROUPS=$TMPD/$1.json
	ctl --json groups >"$GROUPS" || fail "mcrctl groups failed"
}
