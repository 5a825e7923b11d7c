#!/bin/sh
# SPDX-License-Identifier: MIT
#
# An IPv6 output with "when": "joined" follows a real MLD listener, with
# real traffic: mcrgen streams [ff3e::1]:5000, mcrd relays it rewritten to
# [ff3e::87:1]:6000 on the sink's link only while a socket there listens.
# Nothing reaches the link before; mcrsink joins (IPV6_JOIN_GROUP: the
# sink's kernel sends the MLDv2 report) and the stream arrives within one
# query response interval; it closes and the stream stops within the last
# listener query time (plus polling).  Both latencies are printed and
# written to $TMPD/latency.txt, as in 70 and 80.  The suite's ingress and
# egress paths apply (MCRD_EXTRA_ARGS: --ingress multishot|xdp, --egress udp).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"
# shellcheck source=mldlib.sh
. "$(dirname "$0")/mldlib.sh"
# shellcheck source=v6lib.sh
. "$(dirname "$0")/v6lib.sh"

IN="[ff3e::1]:5000"
GROUP=ff3e::87:1
OUT="[$GROUP]:6000"
MCRD_LL=fe80::5
SINK_LL=fe80::9
RESPONSE_MS=1000
LMQT_MS=200

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

step "Creating world: IPv6, fixed link-local addresses on the output's link"
topo_v6 1
SINK_IF=$(topo_sinkif 1)
mld_link relay "$(topo_out 1)" $MCRD_LL
mld_link sink "$SINK_IF" $SINK_LL

step "Starting relay: $IN -> $(topo_out 1) $OUT while joined"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS --stats-interval 100 -r "cam6=$RELAY_IN,$IN -> $(topo_out 1),$OUT,when=joined"
mld_wait_addr $MCRD_LL 3000
expect_json_str "$GJSON" '.interfaces[0].mld.querier.is_us' true
expect_json "$GJSON" '.interfaces[0].mld.groups | length' -eq 0 "IPv6 groups at start"

step "Streaming $IN, nobody listening on the output's link"
start_gen src -i "$SRC_IF" -g "$IN" --source $V6_SRC -r 2000 -c 16000 -d 20
sleep 0.5
expect_still sink "$SINK_IF" 400

step "mcrsink on the sink joins $OUT"
join_measure sink "$SINK_IF" -j "$SINK_IF,$OUT" -d 20
join_ms=$JOIN_MS
info "join latency: the stream arrived $join_ms ms after the join" \
	"(query response interval $RESPONSE_MS ms)"
expect "$join_ms" -lt "$RESPONSE_MS" "join latency (ms)"
groups_json joined
expect_str "$(mld_has $GROUP)" true "$GROUP has listeners in mcrctl groups"
expect_json_str "$GJSON" \
	"[.interfaces[0].mld.groups[] | select(.group == \"$GROUP\")][0].last_reporter" $SINK_LL
expect_json "$GJSON" '.interfaces[0].mld.joins' -eq 1

step "The socket leaves"
sleep 0.5
leave_measure sink "$SINK_IF"
leave_ms=$LEAVE_MS
info "leave latency: the stream stopped $leave_ms ms after the leave" \
	"(last listener query time $LMQT_MS ms)"
expect "$leave_ms" -lt $((LMQT_MS + 800)) "leave latency (ms)"
wait_sink
expect_json "$SINK_JSON" .received -gt 0 "packets the listener received"
expect_json "$SINK_JSON" .malformed -eq 0 "malformed packets at the listener"
groups_json left
expect_str "$(mld_has $GROUP)" false "$GROUP has listeners after the leave"
expect_json "$GJSON" '.interfaces[0].mld.leaves' -eq 1

step "Stopping"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
# The output left the workers at the leave; what they had reported of it
# by then (every 100 ms) still counts: the supervisor keeps it; not 0.
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -gt $(($(json_get "$SINK_JSON" .received) / 3)) \
	"packets relayed while joined, after the leave (a third of what the listener got, at least)"
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -lt "$(json_get "$GEN_JSON" .sent)" \
	"packets relayed (fewer than sent: none before the join or after the leave)"
expect_json "$SUMMARY" '.rules[0].packets_in' -gt 0 "packets the rule took in while joined"
expect_json_str "$SUMMARY" '.rules[0].outputs[0].group' $GROUP "the output's group in the summary"
expect_json "$SUMMARY" .totals.send_errors -eq 0 "summary totals.send_errors"
echo "$join_ms $leave_ms" >"$TMPD/latency.txt"
pass
