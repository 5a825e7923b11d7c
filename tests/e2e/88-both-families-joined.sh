#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# Both families on one sink link at once: an IPv4 rule and an IPv6 rule,
# each with a "when": "joined" output on the same interface, both streams
# running.  An IPv4 listener (IGMP) makes only the IPv4 stream flow there,
# an IPv6 listener (MLD) only the IPv6 one; "mcrctl groups" lists both
# groups on the interface, one under IGMP and one under MLD.
# First, the relay's link-local address on that link goes through
# duplicate address detection (1.5 s): while it is tentative mcrd's MLD
# querier does not take it (RFC 3810 5.1.14) and sends nothing, and says
# once why it waits; then it takes it and queries.
# What is tested here is the supervisor's, not a receive path's (87 runs on
# every path): it runs once, on the default path (ring), to keep CI short.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"
# shellcheck source=mldlib.sh
. "$(dirname "$0")/mldlib.sh"
# shellcheck source=v6lib.sh
. "$(dirname "$0")/v6lib.sh"

G4=239.88.0.1
G6=ff3e::88:1
MCRD_LL=fe80::5
SINK_LL=fe80::9

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

step "Creating world: IPv4 and IPv6 on one output link"
topo_v6 1
OUT_IF=$(topo_out 1)
SINK_IF=$(topo_sinkif 1)
mld_link sink "$SINK_IF" $SINK_LL
# Duplicate address detection on the relay's side: 3 probes 500 ms apart,
# without the random delay before the first.  No link-local address yet.
nsx relay sysctl -qw "net.ipv6.conf.$OUT_IF.accept_dad=1" "net.ipv6.conf.$OUT_IF.dad_transmits=3" \
	"net.ipv6.neigh.$OUT_IF.retrans_time_ms=500" \
	"net.ipv6.conf.$OUT_IF.router_solicitation_delay=0" || fail "cannot set DAD sysctls of $OUT_IF"
nsx relay ip -6 addr flush dev "$OUT_IF" scope link || fail "cannot flush $OUT_IF's link-local addresses"

step "Starting relay: cam4 and cam6, both following listeners on $OUT_IF"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS --stats-interval 100 \
	-r "cam4=$RELAY_IN,239.1.1.1:5000 -> $OUT_IF,$G4:6000,when=joined" \
	-r "cam6=$RELAY_IN,[ff3e::1]:5000 -> $OUT_IF,[$G6]:6000,when=joined"

step "Streaming both families, nobody listening"
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r 2000 -c 20000 -d 20
GEN4=$GEN_N
start_gen src -i "$SRC_IF" -g "[ff3e::1]:5000" --source $V6_SRC -r 2000 -c 20000 -d 20
GEN6=$GEN_N

step "$MCRD_LL appears on $OUT_IF, tentative for 1.5 s: the MLD querier waits"
rx0=$(rx_packets sink "$SINK_IF")
nsx relay ip -6 addr add $MCRD_LL/64 dev "$OUT_IF" || fail "cannot add $MCRD_LL to $OUT_IF"
is_tentative()
{
	nsx relay ip -6 addr show dev "$OUT_IF" | grep -q "inet6 $MCRD_LL/64 .*tentative"
}
is_tentative || fail "$MCRD_LL is not tentative right after it was added (is DAD on?)"
polls=0
while is_tentative; do
	groups_json tentative
	# Taken only if it was still tentative after the reply.
	if is_tentative; then
		[ "$(json_get "$GJSON" '.interfaces[0].mld.querier.address')" != $MCRD_LL ] ||
			fail "mcrd took $MCRD_LL for its MLD queries while it was tentative"
		expect_json "$GJSON" '.interfaces[0].mld.querier.queries_sent' -eq 0 \
			"MLD queries sent while $MCRD_LL is tentative" >/dev/null
		polls=$((polls + 1))
	fi
	[ $polls -lt 500 ] || fail "$MCRD_LL still tentative after 500 polls"
	sleep 0.05
done
expect "$polls" -ge 2 "polls of mcrctl groups while $MCRD_LL was tentative, no address taken"
# Both streams ran all along (4000/s in all): nothing of them on the link.
expect $(($(rx_packets sink "$SINK_IF") - rx0)) -lt 20 \
	"packets on $SINK_IF without listeners, while $MCRD_LL was tentative"
expect_grep "$MCRD_ERR" "the MLD querier waits: our link-local address $MCRD_LL is tentative" \
	"mcrd's log says why its querier waits"
expect_json "$GJSON" '.interfaces | length' -eq 1 "interfaces watched (one for both families)"

# out_pkts RULE: what RULE's output has sent so far (mcrctl stats).
out_pkts()
{
	ctl --json stats | jq -r --arg r "$1" '.rules[] | select(.name == $r) | .outputs[0].packets_out'
}

# flows_only RULE OTHER: over 500 ms RULE's output sends the stream (2000/s)
# and OTHER's nothing.
flows_only()
{
	_a=$(out_pkts "$1")
	_b=$(out_pkts "$2")
	sleep 0.5
	expect $(($(out_pkts "$1") - _a)) -gt 500 "packets $1 relayed in 500 ms"
	expect $(($(out_pkts "$2") - _b)) -eq 0 "packets $2 relayed in 500 ms"
}

step "An IPv4 listener joins $G4: only cam4 flows"
start_sink sink -j "$SINK_IF,$G4:6000" -d 20
SINK4=$SINK_N
wait_flow sink "$SINK_IF" 3000
sleep 0.2
flows_only cam4 cam6

step "An IPv6 listener joins $G6 as well: both listed"
# Our address is looked up once a second: taken by now, or soon.
mld_wait_addr $MCRD_LL 1500
start_sink sink -j "$SINK_IF,[$G6]:6000" -d 20
SINK6=$SINK_N
mld_wait $G6 true 3000
ctl groups | tee "$TMPD/groups.txt"
grep -Eq "^$OUT_IF +IGMP +$G4 +yes " "$TMPD/groups.txt" || fail "mcrctl groups does not list $G4 under IGMP"
grep -Eq "^$OUT_IF +MLD +$G6 +yes " "$TMPD/groups.txt" || fail "mcrctl groups does not list $G6 under MLD"
info "ok   mcrctl groups: $G4 (IGMP) and $G6 (MLD) on $OUT_IF"

step "The IPv4 listener leaves: only cam6 flows"
kill -TERM "$(cat "$TMPD/sink$SINK4.pid")"
t0=$(now_ms)
while :; do
	groups_json left4
	[ "$(jq -r --arg g $G4 '[.interfaces[0].groups[] | select(.group == $g and .has_listeners)] | length' \
		"$GJSON")" = 0 ] && break
	[ $(($(now_ms) - t0)) -lt 3000 ] || fail "$G4 still has listeners 3 s after the leave"
	sleep 0.02
done
sleep 0.3
flows_only cam6 cam4

step "Stopping"
kill -TERM "$(cat "$TMPD/sink$SINK6.pid")"
kill -TERM "$(cat "$TMPD/gen$GEN4.pid")" "$(cat "$TMPD/gen$GEN6.pid")"
wait_gen
wait_sink
expect_json "$TMPD/sink$SINK4.json" .received -gt 500 "IPv4 listener's packets"
expect_json "$TMPD/sink$SINK6.json" .received -gt 500 "IPv6 listener's packets"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
