#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A rule with a "downstream" list (igmpproxy's downstream interfaces):
# one rule lists both sink links and relays to each only while the group
# has listeners there.  Nobody listens: nothing on either link; a socket
# joins on link 1: the stream arrives there within one query response
# interval, and not on link 2; a socket joins on link 2: both links; the
# one on link 1 leaves: only link 2, after the last member query time.
# "mcrctl list", "config save" and "groups" show the list as written.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"

IN=239.1.1.1:5000
OUT=239.2.2.2:6000
RESPONSE_MS=1000
LMQT_MS=200

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

# expect_flowing NS IFACE: IFACE receives the stream (2000/s) now.
expect_flowing()
{
	_a=$(rx_packets "$1" "$2")
	sleep 0.3
	_b=$(rx_packets "$1" "$2")
	expect $((_b - _a)) -gt 200 "packets on $2 in 300 ms with a listener"
}

step "Creating world"
topo_standard 2
O1=$(topo_out 1)
O2=$(topo_out 2)
K1=$(topo_sinkif 1)
K2=$(topo_sinkif 2)

step "Starting relay: one rule, downstream $O1 and $O2"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS -r "tv=$RELAY_IN,$IN -> downstream=$O1+$O2,$OUT"
ctl list | tee "$TMPD/list.txt"
expect_grep "$TMPD/list.txt" " downstream=$O1+$O2,$OUT" "mcrctl list shows the list"
ctl --json list >"$TMPD/list.json" || fail "mcrctl list failed"
expect_json_str "$TMPD/list.json" '.rules[0].downstream.interfaces | join(" ")' "$O1 $O2" \
	"the control protocol's rule"
expect_json_str "$TMPD/list.json" '.rules[0].outputs' null "outputs of a list-only rule"
ctl config save "$TMPD/saved.json" >/dev/null || fail "mcrctl config save failed"
expect_json_str "$TMPD/saved.json" '.rules[0].downstream.interfaces | join(" ")' "$O1 $O2" \
	"the saved file's list"
"$MCRCTL" config check "$TMPD/saved.json" || fail "the saved file does not load again"
groups_json groups0
expect_json "$GJSON" '.interfaces | length' -eq 2 "interfaces watched"

step "Streaming $IN, nobody listening downstream"
start_gen src -i "$SRC_IF" -g $IN -r 2000 -c 16000 -d 20
sleep 0.2
expect_still sink "$K1" 300
expect_still sink "$K2" 100

step "A socket on link 1 joins $OUT"
watch_flow_start sink "$K1" 5000
start_sink sink -j "$K1,$OUT" -d 20
SINK1=$SINK_N
watch_flow_wait
join_ms=$((FLOW_AT - $(mtime_ms "$TMPD/sink$SINK1.ready")))
info "join latency on link 1: $join_ms ms (query response interval $RESPONSE_MS ms)"
expect "$join_ms" -lt "$RESPONSE_MS" "join latency on link 1 (ms)"
expect_still sink "$K2" 300

step "A socket on link 2 joins $OUT: both links"
watch_flow_start sink "$K2" 5000
start_sink sink -j "$K2,$OUT" -d 20
watch_flow_wait
join2_ms=$((FLOW_AT - $(mtime_ms "$TMPD/sink$SINK_N.ready")))
info "join latency on link 2: $join2_ms ms"
expect "$join2_ms" -lt "$RESPONSE_MS" "join latency on link 2 (ms)"
expect_flowing sink "$K1"
ctl groups | tee "$TMPD/groups.txt"

step "The socket on link 1 leaves: only link 2"
t_leave=$(now_ms)
kill -TERM "$(cat "$TMPD/sink$SINK1.pid")"
wait_still sink "$K1" 3000
leave_ms=$((STILL_AT - t_leave))
info "leave latency on link 1: $leave_ms ms (last member query time $LMQT_MS ms)"
expect "$leave_ms" -lt $((LMQT_MS + 800)) "leave latency on link 1 (ms)"
expect_flowing sink "$K2"
groups_json groups1
expect_json "$GJSON" "[.interfaces[] | select(.interface == \"$O2\") | .groups[] | select(.has_listeners)] | length" \
	-eq 1 "listened groups on $O2"
expect_json "$GJSON" "[.interfaces[] | select(.interface == \"$O1\") | .groups[] | select(.has_listeners)] | length" \
	-eq 0 "listened groups on $O1 after the leave"

step "Stopping"
kill -TERM "$(cat "$TMPD/sink$SINK_N.pid")"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
wait_sink
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
