#!/bin/sh
# SPDX-License-Identifier: MIT
#
# MLDv1 and the querier election (RFC 3810 7.6.2).  The sink's kernel is
# held to MLDv1: a socket's join reaches "mcrctl groups" as a v1 report,
# its leave as a done, and the group is gone within the last listener
# query time.  Then two queriers on the link: mcrd (fe80::5) stays the
# querier when it hears a higher address, falls silent while a lower one
# (fe80::1) is heard, and queries again once that one has been silent for
# the other querier present interval.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"
# shellcheck source=mldlib.sh
. "$(dirname "$0")/mldlib.sh"

IN=239.1.1.1:5000
OUT=239.2.2.2:6000
GROUP=ff3e::81:1
MCRD_LL=fe80::5
SINK_LL=fe80::9
LOWER=fe80::1
HIGHER=fe80::9:1
# Other querier present interval: 2 x 1000 + 500 / 2 = 2250 ms.
OQPI_MS=2250

e2e_init
require_bins mcrd mcrctl tests/mldsend
command -v socat >/dev/null || skip "needs socat"

step "Creating world: the sink speaks MLDv1"
topo_standard 1
SINK_IF=$(topo_sinkif 1)
mld_link relay "$(topo_out 1)" $MCRD_LL
mld_link sink "$SINK_IF" $SINK_LL 1

step "Starting relay: MLD querier on $(topo_out 1) ($MCRD_LL)"
start_mcrd relay --igmp-query-interval 1000 --igmp-response 500 --igmp-last-member 100 \
	-r "cam1=$RELAY_IN,$IN -> $(topo_out 1),$OUT,when=joined"
t0=$(now_ms)
while :; do
	groups_json start
	[ "$(json_get "$GJSON" '.interfaces[0].mld.querier.querier')" = $MCRD_LL ] && break
	[ $(($(now_ms) - t0)) -lt 3000 ] || fail "mcrd did not become the MLD querier as $MCRD_LL"
	sleep 0.05
done
expect_json_str "$GJSON" '.interfaces[0].mld.querier.is_us' true

step "An MLDv1 listener joins $GROUP and leaves"
mld_listen sink "$SINK_IF" $GROUP
mld_wait $GROUP true 2000
info "MLDv1 join seen by polling $(($(now_ms) - LISTEN_STARTED_AT)) ms after the listener started"
expect_json "$GJSON" '.interfaces[0].mld.reports' -ge 1 "MLD reports"
expect_json "$GJSON" '.interfaces[0].mld.dones' -eq 0 "MLD dones before the leave"
t_leave=$(now_ms)
mld_unlisten "$LISTEN_PID"
mld_wait $GROUP false 2000
info "MLDv1 leave: gone $(($(now_ms) - t_leave)) ms after the socket closed"
expect_json "$GJSON" '.interfaces[0].mld.dones' -ge 1 "MLD dones after the leave"
expect_json "$GJSON" '.interfaces[0].mld.leaves' -eq 1

step "A query from a higher address ($HIGHER) does not silence mcrd"
mldsend sink -i "$SINK_IF" --src $HIGHER --kind query-v2
sleep 0.2
groups_json higher
expect_json_str "$GJSON" '.interfaces[0].mld.querier.is_us' true
expect_json "$GJSON" '.interfaces[0].mld.querier.queries_received' -eq 1

step "Queries from a lower address ($LOWER) win the election"
# Every 250 ms for 1 s: however slowly the checks below run, the lower querier stays present.
ip netns exec "$(ns sink)" "$MLDSEND" -i "$SINK_IF" --src $LOWER --kind query-v1 -c 5 \
	--interval-ms 250 >>"$TMPD/mldsend.out" 2>&1 &
LOWER_PID=$!
track_pid "$LOWER_PID"
sleep 0.2
groups_json lower
expect_json_str "$GJSON" '.interfaces[0].mld.querier.is_us' false
expect_json_str "$GJSON" '.interfaces[0].mld.querier.querier' $LOWER
expect_json "$GJSON" '.interfaces[0].mld.querier.other_querier_expires_ms' -le $OQPI_MS
expect_json_str "$GJSON" '.interfaces[0].querier.is_us' true "IGMP's election is its own"
sent=$(json_get "$GJSON" '.interfaces[0].mld.querier.queries_sent')
ctl groups

step "While the lower querier is heard, mcrd sends no MLD query"
wait "$LOWER_PID" || fail "mldsend (the lower querier) failed"
untrack_pid "$LOWER_PID"
t0=$(now_ms)
groups_json silent
expect_json "$GJSON" '.interfaces[0].mld.querier.queries_sent' -eq "$sent" \
	"MLD queries mcrd sent while another querier had a lower address"

step "The lower querier went silent: mcrd takes over after $OQPI_MS ms"
while :; do
	groups_json poll
	[ "$(json_get "$GJSON" '.interfaces[0].mld.querier.is_us')" = true ] && break
	[ $(($(now_ms) - t0)) -lt $((OQPI_MS + 3000)) ] || fail "mcrd did not take over as MLD querier"
	sleep 0.1
done
info "mcrd queries again $(($(now_ms) - t0)) ms after the last lower query (at most $OQPI_MS + polling)"
sleep 0.1
groups_json after
expect_json "$GJSON" '.interfaces[0].mld.querier.queries_sent' -gt "$sent" "MLD queries after the take-over"

step "Stopping"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
