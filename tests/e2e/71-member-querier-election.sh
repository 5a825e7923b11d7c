#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Two queriers on one link: the lower address queries, the other is silent
# (RFC 3376 6.6.2).  mcrd (198.19.0.5 on the link) starts as the querier; a
# query from a higher address leaves it so; one from a lower address makes
# it stop querying; once that querier is silent for the other querier
# present interval, mcrd queries again.  Meanwhile it keeps listening: a
# host's join still starts its output.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"

IN=239.1.1.1:5000
OUT=239.2.2.2:6000
# Other querier present interval: 2 x 1000 + 500 / 2 = 2250 ms.
OQPI_MS=2250

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl tests/igmpsend

step "Creating world"
topo_standard 1
SINK_IF=$(topo_sinkif 1)
MCRD_ADDR=$(topo_out_addr 1 1)
LOWER=198.19.0.1
HIGHER=$(topo_out_addr 1 2)

step "Starting relay: querier on $(topo_out 1) ($MCRD_ADDR)"
start_mcrd relay --igmp-query-interval 1000 --igmp-response 500 --igmp-last-member 100 \
	-r "cam1=$RELAY_IN,$IN -> $(topo_out 1),$OUT,when=joined"
groups_json start
expect_json_str "$GJSON" '.interfaces[0].querier.is_us' true
expect_json_str "$GJSON" '.interfaces[0].querier.querier' "$MCRD_ADDR"

step "A query from a higher address ($HIGHER) does not silence mcrd"
igmpsend sink -i "$SINK_IF" --src "$HIGHER" --kind query-v3
sleep 0.2
groups_json higher
expect_json_str "$GJSON" '.interfaces[0].querier.is_us' true
expect_json "$GJSON" '.interfaces[0].querier.queries_received' -eq 1

step "Queries from a lower address ($LOWER) win the election"
# Every 250 ms for 2 s: however slowly the checks below run, the lower querier stays present.
ip netns exec "$(ns sink)" "$IGMPSEND" -i "$SINK_IF" --src "$LOWER" --kind query-v2 -c 9 \
	--interval-ms 250 >>"$TMPD/igmpsend.out" 2>&1 &
LOWER_PID=$!
track_pid "$LOWER_PID"
sleep 0.2
groups_json lower
expect_json_str "$GJSON" '.interfaces[0].querier.is_us' false
expect_json_str "$GJSON" '.interfaces[0].querier.querier' "$LOWER"
expect_json "$GJSON" '.interfaces[0].querier.other_querier_expires_ms' -gt 0
expect_json "$GJSON" '.interfaces[0].querier.other_querier_expires_ms' -le $OQPI_MS
sent=$(json_get "$GJSON" '.interfaces[0].querier.queries_sent')
ctl groups

step "While the lower querier is heard, mcrd sends no query"
wait "$LOWER_PID" || fail "igmpsend (the lower querier) failed"
untrack_pid "$LOWER_PID"
t0=$(now_ms)
groups_json silent
expect_json "$GJSON" '.interfaces[0].querier.queries_sent' -eq "$sent" \
	"queries mcrd sent while another querier had a lower address"
expect_json_str "$GJSON" '.interfaces[0].querier.is_us' false

step "As a non-querier mcrd still listens: a host's join starts the output"
start_gen src -i "$SRC_IF" -g $IN -r 2000 -c 10000 -d 20
start_sink sink -j "$SINK_IF,$OUT" -d 20
wait_flow sink "$SINK_IF" 3000
info "the joined output relays $FLOW_MS ms after the listener was ready"
groups_json joined
expect_json_str "$GJSON" '.interfaces[0].groups[0].has_listeners' true

step "The lower querier went silent: mcrd takes over after $OQPI_MS ms"
while :; do
	groups_json poll
	[ "$(json_get "$GJSON" '.interfaces[0].querier.is_us')" = true ] && break
	[ $(($(now_ms) - t0)) -lt $((OQPI_MS + 3000)) ] || fail "mcrd did not take over as querier"
	sleep 0.1
done
took=$(($(now_ms) - t0))
info "mcrd queries again $took ms after the last lower query was heard (at most $OQPI_MS + polling)"
sleep 0.1
groups_json after
expect_json "$GJSON" '.interfaces[0].querier.queries_sent' -gt "$sent" "queries after the take-over"

step "Stopping"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")" "$(cat "$TMPD/sink$SINK_N.pid")"
wait_gen
wait_sink
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
