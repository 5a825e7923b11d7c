#!/bin/sh
# SPDX-License-Identifier: MIT
#
# MLDv2: mcrd queries and listens for MLD on the interface of a "when":
# "joined" output, beside IGMP.  A socket on the sink's link joins an IPv6
# group (IPV6_JOIN_GROUP: the sink's kernel sends the MLDv2 report); the
# group shows in "mcrctl groups" within one query response interval, with
# the listener's link-local address as reporter; once the socket closes it
# is gone within the last listener query time (plus polling), far sooner
# than a group without reports expires.  The
# counters reach /metrics as mcr_mld_*, which promtool accepts.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"
# shellcheck source=mldlib.sh
. "$(dirname "$0")/mldlib.sh"

IN=239.1.1.1:5000
OUT=239.2.2.2:6000
GROUP=ff3e::80:1
MCRD_LL=fe80::5
SINK_LL=fe80::9
RESPONSE_MS=1000
LMQT_MS=200

e2e_init
require_bins mcrd mcrctl
for t in socat curl promtool; do
	command -v $t >/dev/null || skip "needs $t"
done

step "Creating world: fixed link-local addresses on the output's link"
topo_standard 1
SINK_IF=$(topo_sinkif 1)
mld_link relay "$(topo_out 1)" $MCRD_LL
mld_link sink "$SINK_IF" $SINK_LL

step "Starting relay: $(topo_out 1) follows its listeners"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS --metrics 9480 \
	-r "cam1=$RELAY_IN,$IN -> $(topo_out 1),$OUT,when=joined"
mld_wait_addr $MCRD_LL 3000
expect_json_str "$GJSON" '.interfaces[0].mld.listening' true
expect_json_str "$GJSON" '.interfaces[0].mld.querier.is_us' true
expect_json_str "$GJSON" '.interfaces[0].mld.querier.querier' $MCRD_LL
expect_json "$GJSON" '.interfaces[0].mld.groups | length' -eq 0 "IPv6 groups at start"

step "A socket on the sink joins $GROUP (MLDv2)"
mld_listen sink "$SINK_IF" $GROUP
mld_wait $GROUP true 3000
# When mcrd's table took the group: the reply's age of it, read against the
# clock after the reply, from the clock before the listener started: an
# upper bound however slowly the polls run (it includes socat's start).
age=$(json_get "$GJSON" "[.interfaces[0].mld.groups[] | select(.group == \"$GROUP\")][0].listeners_for_ms")
join_ms=$((POLLED_AT - age - LISTEN_STARTED_AT))
info "join latency: mcrd listed $GROUP at most $join_ms ms after the listener started" \
	"(query response interval $RESPONSE_MS ms; seen by polling after $WAITED_MS ms)"
expect "$join_ms" -lt "$RESPONSE_MS" "join latency (ms)"
ctl groups | tee "$TMPD/groups.txt"
grep -Eq "^$(topo_out 1) +MLD +$GROUP +yes +exclude" "$TMPD/groups.txt" ||
	fail "mcrctl groups does not list $GROUP with listeners"
expect_json_str "$GJSON" \
	"[.interfaces[0].mld.groups[] | select(.group == \"$GROUP\")][0].last_reporter" $SINK_LL
expect_json_str "$GJSON" \
	"[.interfaces[0].mld.groups[] | select(.group == \"$GROUP\")][0].mode" exclude
expect_json "$GJSON" '.interfaces[0].mld.reports' -ge 1
expect_json "$GJSON" '.interfaces[0].mld.joins' -eq 1
expect_json "$GJSON" '.interfaces[0].groups | length' -eq 0 "IPv4 groups (IGMP's table)"

step "The socket leaves"
sleep 0.3
t_leave=$(now_ms)
mld_unlisten "$LISTEN_PID"
mld_wait $GROUP false 3000
leave_ms=$(($(now_ms) - t_leave))
info "leave latency: $GROUP gone $leave_ms ms after the socket closed" \
	"(last listener query time $LMQT_MS ms)"
# Polled: the bound leaves room for slow polls, and is far below the 5 s a
# group lives without reports, which is what a leave not acted on would take.
expect "$leave_ms" -lt $((LMQT_MS + 1300)) "leave latency (ms)"
expect_json "$GJSON" '.interfaces[0].mld.leaves' -eq 1
expect_json "$GJSON" '.interfaces[0].mld.querier.queries_sent' -ge 3 \
	"MLD queries sent (startup and last listener)"

step "The counters in /metrics"
sleep 1.2
SCRAPE=$TMPD/metrics.txt
ip netns exec "$(ns relay)" curl -sS --max-time 5 -o "$SCRAPE" http://127.0.0.1:9480/metrics ||
	fail "cannot scrape /metrics"
promtool check metrics <"$SCRAPE" >"$TMPD/promtool.out" 2>&1 || {
	cat "$TMPD/promtool.out"
	fail "promtool check metrics refuses the scrape"
}
metric() { sed -n "s/^$1 //p" "$SCRAPE"; }
expect "$(metric mcr_mld_joins_total)" -eq 1 "mcr_mld_joins_total"
expect "$(metric mcr_mld_leaves_total)" -eq 1 "mcr_mld_leaves_total"
expect "$(metric mcr_mld_reports_total)" -ge 1 "mcr_mld_reports_total"
expect "$(metric mcr_mld_malformed_total)" -eq 0 "mcr_mld_malformed_total"
expect "$(metric mcr_mld_queries_sent_total)" -ge 3 "mcr_mld_queries_sent_total"

step "Stopping"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
echo "$join_ms $leave_ms" >"$TMPD/latency.txt"
pass
