#!/bin/sh
# SPDX-License-Identifier: MIT
#
# An output with "when": "joined" follows its listeners: nothing reaches
# the sink's link until a socket there joins the group; then the stream
# arrives within one query response interval; once it leaves, the stream
# stops within the last member query time (plus polling).  mcrd is the
# link's querier, and "mcrctl groups" shows the listener and its reporter.
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

step "Creating world"
topo_standard 1
SINK_IF=$(topo_sinkif 1)
SINK_ADDR=$(topo_out_addr 1 2)

step "Starting relay: the output follows listeners"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS -r "cam1=$RELAY_IN,$IN -> $(topo_out 1),$OUT,when=joined"
ctl --json groups >"$TMPD/groups0.json" || fail "mcrctl groups failed"
expect_json "$TMPD/groups0.json" '.interfaces | length' -eq 1 "interfaces watched"
expect_json_str "$TMPD/groups0.json" '.interfaces[0].interface' "$(topo_out 1)"
expect_json_str "$TMPD/groups0.json" '.interfaces[0].querier.is_us' true
expect_json "$TMPD/groups0.json" '.interfaces[0].groups | length' -eq 0 "groups at start"
ctl list | tee "$TMPD/list.txt" >/dev/null
expect_grep "$TMPD/list.txt" "when=joined" "mcrctl list shows when=joined"

step "Streaming $IN, nobody listening on the output's link"
start_gen src -i "$SRC_IF" -g $IN -r 2000 -c 12000 -d 20
sleep 0.5
expect_still sink "$SINK_IF" 400

step "A socket on the sink joins $OUT"
join_measure sink "$SINK_IF" -j "$SINK_IF,$OUT" -d 20
join_ms=$JOIN_MS
info "join latency: the stream arrived $join_ms ms after the join" \
	"(query response interval $RESPONSE_MS ms)"
expect "$join_ms" -lt "$RESPONSE_MS" "join latency (ms)"
ctl groups | tee "$TMPD/groups.txt"
ctl --json groups >"$TMPD/groups1.json"
expect_json_str "$TMPD/groups1.json" '.interfaces[0].groups[0].group' "${OUT%:*}"
expect_json_str "$TMPD/groups1.json" '.interfaces[0].groups[0].has_listeners' true
expect_json_str "$TMPD/groups1.json" '.interfaces[0].groups[0].last_reporter' "$SINK_ADDR"
expect_json "$TMPD/groups1.json" '.interfaces[0].joins' -eq 1

step "The socket leaves"
sleep 0.5
leave_measure sink "$SINK_IF"
leave_ms=$LEAVE_MS
info "leave latency: the stream stopped $leave_ms ms after the leave (last member query time $LMQT_MS ms)"
expect "$leave_ms" -lt $((LMQT_MS + 800)) "leave latency (ms)"
wait_sink
expect_json "$SINK_JSON" .received -gt 0 "packets the listener received"
ctl --json groups >"$TMPD/groups2.json"
expect_json "$TMPD/groups2.json" '[.interfaces[0].groups[] | select(.has_listeners)] | length' -eq 0 \
	"groups with listeners after the leave"
expect_json "$TMPD/groups2.json" '.interfaces[0].leaves' -eq 1
expect_json "$TMPD/groups2.json" '.interfaces[0].querier.queries_sent' -ge 2

step "Stopping"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
echo "$join_ms $leave_ms" >"$TMPD/latency.txt"
pass
