#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# An IPv6 rule with a "downstream" list whose second interface does not
# exist yet: the rule does not wait for it (mcrctl list names no missing
# interface) and relays to the first as soon as a listener there joins
# with MLD; when the second link appears, mcrd listens and queries there
# too, and a listener's join brings the stream to it, while the first
# keeps its own.
# It names no ingress path: what it tests is the rule's list and interfaces
# that come, not a receive path, and 83 runs on every path; CI runs it once.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"
# shellcheck source=mldlib.sh
. "$(dirname "$0")/mldlib.sh"
# shellcheck source-path=SCRIPTDIR source=v6lib.sh
. "$(dirname "$0")/v6lib.sh"

GROUP=ff3e::84:1
RESPONSE_MS=1000

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

step "Creating world: IPv6, one output link of the two the rule lists"
topo_v6 1
O1=$(topo_out 1)
O2=$(topo_out 2)
K1=$(topo_sinkif 1)
K2=$(topo_sinkif 2)
mld_link relay "$O1" fe80::5
mld_link sink "$K1" fe80::9

step "Checking: the missing $O2 is named, the rule does not wait"
ip netns exec "$(ns relay)" "$MCRD" --check-config -r "tv6=$RELAY_IN,[$GROUP]:5000 -> downstream=$O1+$O2" \
	>"$TMPD/check.txt" || fail "mcrd --check-config refused the rule"
expect_grep "$TMPD/check.txt" "rule \"tv6\": downstream interface $O2 does not exist" \
	"--check-config names the missing interface"
grep -q "waits" "$TMPD/check.txt" && fail "--check-config says the rule waits: $(cat "$TMPD/check.txt")"

step "Starting relay: downstream $O1 and $O2 ($O2 missing)"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS -r "tv6=$RELAY_IN,[$GROUP]:5000 -> downstream=$O1+$O2"
ctl list | tee "$TMPD/list.txt"
expect_grep "$TMPD/list.txt" " downstream=$O1+$O2" "mcrctl list shows the list"
ctl --json list >"$TMPD/list.json" || fail "mcrctl list failed"
expect_json_str "$TMPD/list.json" '.rules[0].waiting' null "the rule waits for nothing"
expect_grep "$TMPD/mcrd1.err" "rule \"tv6\": downstream interface $O2 does not exist" \
	"mcrd's log names the missing interface"

step "Streaming [$GROUP]:5000; a listener on link 1 joins (MLDv2)"
start_gen src -i "$SRC_IF" -g "[$GROUP]:5000" --source $V6_SRC -r 2000 -c 16000 -d 20
sleep 0.3
expect_still sink "$K1" 300
watch_flow_start sink "$K1" 5000
start_sink sink -j "$K1,[$GROUP]:5000" -d 20
watch_flow_wait
join_ms=$((FLOW_AT - $(mtime_ms "$TMPD/sink$SINK_N.ready")))
info "join latency on link 1: $join_ms ms (query response interval $RESPONSE_MS ms)"
expect "$join_ms" -lt "$RESPONSE_MS" "join latency on link 1 (ms)"

step "Link 2 appears; a listener there joins"
ip -n "$(ns relay)" link add name "$O2" type veth peer name "$K2" netns "$(ns sink)" ||
	fail "cannot create $O2"
nsx sink sysctl -qw "net.ipv6.conf.$K2.accept_dad=0" || fail "cannot turn off DAD on $K2"
mld_link relay "$O2" fe80::6
mld_link sink "$K2" fe80::a
ip -n "$(ns relay)" link set "$O2" up || fail "cannot bring up $O2"
ip -n "$(ns sink)" link set "$K2" up || fail "cannot bring up $K2"
topo_settle
# mcrd resolves the rules again 50 ms after the interface appears; then it
# watches the new link.  Poll "mcrctl groups" rather than sleep.
t0=$(now_ms)
while :; do
	groups_json poll
	[ "$(jq "[.interfaces[] | select(.interface == \"$O2\")] | length" "$GJSON")" -eq 1 ] && break
	[ $(($(now_ms) - t0)) -lt 3000 ] || fail "mcrd does not watch $O2 3 s after it appeared"
	sleep 0.05
done
info "ok   mcrd watches $O2 $(($(now_ms) - t0)) ms after it appeared"
expect_still sink "$K2" 200
watch_flow_start sink "$K2" 5000
start_sink sink -j "$K2,[$GROUP]:5000" -d 20
watch_flow_wait
join2_ms=$((FLOW_AT - $(mtime_ms "$TMPD/sink$SINK_N.ready")))
info "join latency on link 2: $join2_ms ms"
expect "$join2_ms" -lt "$RESPONSE_MS" "join latency on link 2 (ms)"
expect_flowing sink "$K1"
ctl groups | tee "$TMPD/groups.txt"

step "Stopping"
kill -TERM "$(cat "$TMPD/sink1.pid")" "$(cat "$TMPD/sink2.pid")"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
wait_sink
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
