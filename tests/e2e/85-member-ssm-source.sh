#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
# (the default one only: what is tested is the supervisor's membership
# tables and marks, the same whatever a worker receives with)
#
# A source-specific rule's "when": "joined" output follows the listeners of
# its source (IGMPv3, RFC 3376 6.4): a real socket on the sink's link that
# asks for 232.1.1.1 from another sender (MCAST_JOIN_SOURCE_GROUP) does not
# make the stream flow; one that asks for it from the rule's source does,
# within one query response interval, and receives it from that source
# (the output keeps it); when that socket closes, its kernel sends a BLOCK,
# mcrd asks with a group-and-source-specific query naming the source (seen
# on the wire), and the stream stops after the last member query time
# while the group keeps its other listener.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"
# shellcheck source=ssmlib.sh
. "$(dirname "$0")/ssmlib.sh"

GROUP=232.1.1.1
PORT=5000
OTHER=198.18.0.99	# a source nobody sends from
RESPONSE_MS=1000
LMQT_MS=200
IGMP='.interfaces[0]'

e2e_init
require_bins mcrd mcrgen mcrctl tests/ssmlisten
command -v tcpdump >/dev/null || skip "needs tcpdump"

step "Creating world"
topo_standard 1
SINK_IF=$(topo_sinkif 1)

step "Starting relay: an SSM rule whose output follows listeners of its source"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS \
	-r "ssm=$RELAY_IN,$GROUP:$PORT,source=$SRC_ADDR -> $(topo_out 1),source=keep,when=joined"
ip netns exec "$(ns sink)" timeout 20 tcpdump -i "$SINK_IF" -n -U --immediate-mode -w "$TMPD/igmp.pcap" igmp \
	2>"$TMPD/tcpdump.err" &
TCPDUMP_PID=$!
track_pid "$TCPDUMP_PID"
i=0
until grep -q "listening on" "$TMPD/tcpdump.err"; do
	[ $i -lt 100 ] || fail "tcpdump did not start: $(cat "$TMPD/tcpdump.err")"
	sleep 0.02
	i=$((i + 1))
done
start_gen src -i "$SRC_IF" -g $GROUP:$PORT -r 2000 -c 16000 -d 20

step "A socket on the sink asks for $GROUP from $OTHER only"
ssm_listen other sink "$SINK_IF" $GROUP $PORT -s $OTHER
ssm_wait "$IGMP" $GROUP false $OTHER 3000
expect_json_str "$GJSON" "$(ssm_group "$IGMP" $GROUP).mode" include
expect_json_str "$GJSON" "$(ssm_group "$IGMP" $GROUP).has_listeners" true
expect_still sink "$SINK_IF" 400

step "Another socket asks for $GROUP from $SRC_ADDR: the stream flows"
watch_flow_start sink "$SINK_IF" 5000
ssm_listen right sink "$SINK_IF" $GROUP $PORT -s $SRC_ADDR
watch_flow_wait
join_ms=$((FLOW_AT - $(mtime_ms "$TMPD/right.ready")))
info "join latency: the stream arrived $join_ms ms after the (S,G) join" \
	"(query response interval $RESPONSE_MS ms)"
expect "$join_ms" -lt "$RESPONSE_MS" "join latency (ms)"
ssm_wait "$IGMP" $GROUP false "$SRC_ADDR,$OTHER" 2000
ctl groups | tee "$TMPD/groups.txt"
grep -Eq "IGMP +$GROUP +yes +include .*$SRC_ADDR \(" "$TMPD/groups.txt" ||
	fail "mcrctl groups does not list $GROUP with $SRC_ADDR"
queries=$(json_get "$GJSON" '.interfaces[0].querier.queries_sent')

step "The $SRC_ADDR socket closes: BLOCK, a group-and-source query, the stream stops"
sleep 0.2
t_leave=$(now_ms)
ssm_stop right
wait_still sink "$SINK_IF" 3000
leave_ms=$((STILL_AT - t_leave))
info "leave latency: the stream stopped $leave_ms ms after the BLOCK" \
	"(last member query time $LMQT_MS ms)"
expect "$leave_ms" -lt $((LMQT_MS + 800)) "leave latency (ms)"
expect_json "$TMPD/right.json" .received -gt 100 "packets the (S,G) listener received"
expect_json "$TMPD/right.json" ".from[\"$SRC_ADDR\"]" -eq "$(json_get "$TMPD/right.json" .received)" \
	"of them from $SRC_ADDR"
ssm_wait "$IGMP" $GROUP false $OTHER 2000
expect_json_str "$GJSON" "$(ssm_group "$IGMP" $GROUP).has_listeners" true
expect_json "$GJSON" '.interfaces[0].querier.queries_sent' -ge $((queries + 2)) \
	"queries sent (RV group-and-source queries)"

step "The group-and-source query on the wire"
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID"
untrack_pid "$TCPDUMP_PID"
tcpdump -r "$TMPD/igmp.pcap" -n -vv 2>/dev/null >"$TMPD/igmp.out"
grep -A1 "igmp query v3" "$TMPD/igmp.out" | grep "gaddr $GROUP { $SRC_ADDR }" | tee "$TMPD/gsq.txt"
expect "$(wc -l <"$TMPD/gsq.txt")" -ge 2 "group-and-source queries for ($SRC_ADDR, $GROUP) seen"
expect "$(grep -c "gaddr $GROUP block { $SRC_ADDR }" "$TMPD/igmp.out")" -ge 1 \
	"BLOCK records from the sink's kernel seen"

step "Stopping"
ssm_stop other
expect_json "$TMPD/other.json" .received -eq 0 "packets the $OTHER listener received"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
echo "$join_ms $leave_ms" >"$TMPD/latency.txt"
pass
