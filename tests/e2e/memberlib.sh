# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# Helpers for the group membership tests (70-72, 87-88): an interface's received
# packet count, read from sysfs inside its namespace, and the moments a
# stream starts and stops arriving there, polled every 10 ms and bounded,
# and a listener's join and leave latencies measured from them.
# Sourced after lib.sh.

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

# Short timers, so that a join, a leave and an election take well under a second.
# shellcheck disable=SC2034 # used by the tests that source this file
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

# The polls below run in one shell inside the namespace, every 10 ms, so
# that what they measure is the stream and not "ip netns exec" starting up.
# poll_rx IFACE LIMIT_MS flow|still: prints the wall clock (ms) when IFACE's
# stream was first seen (flow: 5 packets within one poll), or last seen
# before 300 ms without it (still); exits 1 past LIMIT_MS.
# shellcheck disable=SC2016 # expanded by the shell inside the namespace
POLL_RX='f=/sys/class/net/$1/statistics/rx_packets
t0=$(($(date +%s%N) / 1000000)); last=$t0; prev=$(cat "$f")
while :; do
	sleep 0.01
	cur=$(cat "$f"); t=$(($(date +%s%N) / 1000000))
	if [ "$3" = flow ]; then
		[ $((cur - prev)) -lt 5 ] || { echo "$t"; exit 0; }
	else
		[ $((cur - prev)) -lt 3 ] || last=$t
		[ $((t - last)) -lt 300 ] || { echo "$last"; exit 0; }
	fi
	[ $((t - t0)) -lt "$2" ] || exit 1
	prev=$cur
done'

# watch_flow_start NS IFACE LIMIT_MS: in the background, note when a stream
# starts on IFACE; watch_flow_wait then sets FLOW_AT (wall clock, ms) or fails.
watch_flow_start()
{
	ip netns exec "$(ns "$1")" sh -c "$POLL_RX" sh "$2" "$3" flow >"$TMPD/flow.at" &
	WATCH_PID=$!
	track_pid "$WATCH_PID"
	WATCH_IF=$2
}

watch_flow_wait()
{
	wait "$WATCH_PID" || fail "no stream on $WATCH_IF"
	untrack_pid "$WATCH_PID"
	FLOW_AT=$(cat "$TMPD/flow.at")
}

# wait_flow NS IFACE LIMIT_MS: wait until IFACE receives a stream; FLOW_MS
# gets the milliseconds it took, or it fails.
wait_flow()
{
	_t0=$(now_ms)
	watch_flow_start "$1" "$2" "$3"
	watch_flow_wait
	# shellcheck disable=SC2034 # for the caller
	FLOW_MS=$((FLOW_AT - _t0))
}

# wait_still NS IFACE LIMIT_MS: wait until IFACE receives no stream any more;
# STILL_AT gets the wall clock (ms) of the last poll that saw the stream, and
# STILL_MS the milliseconds from the call to then, or it fails.
wait_still()
{
	_t0=$(now_ms)
	STILL_AT=$(ip netns exec "$(ns "$1")" sh -c "$POLL_RX" sh "$2" "$3" still) ||
		fail "the stream on $2 still flows after $3 ms"
	# shellcheck disable=SC2034 # for the caller
	STILL_MS=$((STILL_AT - _t0))
}

# join_measure NS IFACE MCRSINK_ARGS...: mcrsink in NS joins (its
# arguments) while IFACE is watched; JOIN_MS is the time from the join (its
# ready file, written once joined) to the stream on IFACE, or it fails
# after 5 s.
join_measure()
{
	_jn=$1
	watch_flow_start "$1" "$2" 5000
	shift 2
	start_sink "$_jn" "$@"
	watch_flow_wait
	# shellcheck disable=SC2034 # for the caller
	JOIN_MS=$((FLOW_AT - $(mtime_ms "$TMPD/sink$SINK_N.ready")))
}

# leave_measure NS IFACE: the latest mcrsink leaves (SIGTERM); LEAVE_MS is
# the time from then to the last packet of the stream on IFACE (3 s at most).
leave_measure()
{
	_t=$(now_ms)
	kill -TERM "$(cat "$TMPD/sink$SINK_N.pid")"
	wait_still "$1" "$2" 3000
	# shellcheck disable=SC2034 # for the caller
	LEAVE_MS=$((STILL_AT - _t))
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

# groups_json NAME: "mcrctl --json groups" into $TMPD/NAME.json; GJSON names it.
groups_json()
{
	GJSON=$TMPD/$1.json
	ctl --json groups >"$GJSON" || fail "mcrctl groups failed"
}
