#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
# (the default one only: what is tested is the supervisor's membership
# tables and marks, the same whatever a worker receives with)
#
# Source following beyond one IGMPv3 (S,G) join.  EXCLUDE mode (RFC 3376
# 6.4): a real socket that joins 239.8.6.1 but blocks the rule's source
# (MCAST_BLOCK_SOURCE) makes the group listened to, yet the rule's stream
# does not flow ("mcrctl groups" shows the source excluded); a second
# socket that blocks another sender unblocks it (its kernel's ALLOW), and
# when it closes (BLOCK) the stream stops after the last member query time.
# MLDv2 (RFC 3810 7.4): an IPv6 SSM rule's output follows an
# MCAST_JOIN_SOURCE_GROUP on ff3e::86:1 from its source, not from another.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"
# shellcheck source=mldlib.sh
. "$(dirname "$0")/mldlib.sh"
# shellcheck source=v6lib.sh
. "$(dirname "$0")/v6lib.sh"
# shellcheck source=ssmlib.sh
. "$(dirname "$0")/ssmlib.sh"

G4=239.8.6.1
G6=ff3e::86:1
PORT=5000
OTHER4=198.18.0.99
OTHER6=2001:db8::99
LMQT_MS=200
IGMP='.interfaces[0]'
MLD='.interfaces[0].mld'

e2e_init
require_bins mcrd mcrgen mcrctl tests/ssmlisten

step "Creating world (IPv4 and IPv6, fixed link-local addresses on the output's link)"
topo_v6 1
SINK_IF=$(topo_sinkif 1)
mld_link relay "$(topo_out 1)" fe80::5
mld_link sink "$SINK_IF" fe80::9

step "Starting relay: a source-specific rule of each family, outputs following listeners"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS \
	-r "v4=$RELAY_IN,$G4:$PORT,source=$SRC_ADDR -> $(topo_out 1),source=keep,when=joined" \
	-r "v6=$RELAY_IN,[$G6]:$PORT,source=$V6_SRC -> $(topo_out 1),source=keep,when=joined"
start_gen src -i "$SRC_IF" -g $G4:$PORT -r 2000 -c 9000 -d 20

step "A socket joins $G4 but blocks $SRC_ADDR: listened to, yet no stream"
ssm_listen block sink "$SINK_IF" $G4 $PORT -b $SRC_ADDR
ssm_wait_listened "$IGMP" $G4 3000
expect_still sink "$SINK_IF" 400
ssm_wait "$IGMP" $G4 true $SRC_ADDR 1000
expect_json_str "$GJSON" "$(ssm_group "$IGMP" $G4).mode" exclude
ctl groups | tee "$TMPD/groups.txt"
grep -Eq "IGMP +$G4 +yes +exclude .*\* except $SRC_ADDR" "$TMPD/groups.txt" ||
	fail "mcrctl groups does not show $SRC_ADDR excluded from $G4"

step "A second socket joins $G4 blocking $OTHER4 only: $SRC_ADDR flows"
watch_flow_start sink "$SINK_IF" 3000
ssm_listen open sink "$SINK_IF" $G4 $PORT -b $OTHER4
watch_flow_wait
ssm_wait "$IGMP" $G4 true "" 2000
queries=$(json_get "$GJSON" "$IGMP.querier.queries_sent")

step "It closes (BLOCK $SRC_ADDR): a group-and-source query, the stream stops"
t_leave=$(now_ms)
ssm_stop open
wait_still sink "$SINK_IF" 3000
leave_ms=$((STILL_AT - t_leave))
info "the stream stopped $leave_ms ms after the BLOCK (last member query time $LMQT_MS ms)"
expect "$leave_ms" -lt $((LMQT_MS + 800)) "leave latency (ms)"
ssm_wait "$IGMP" $G4 true $SRC_ADDR 2000
expect_json "$GJSON" "$IGMP.querier.queries_sent" -ge $((queries + 2)) \
	"queries sent (RV group-and-source queries)"
expect_json "$TMPD/open.json" ".from[\"$SRC_ADDR\"]" -gt 100 "packets the open socket received"
ssm_stop block
expect_json "$TMPD/block.json" .received -eq 0 "packets the blocking socket received"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen

step "MLDv2: a socket asks for $G6 from $OTHER6, then from $V6_SRC"
start_gen src -i "$SRC_IF" -g "[$G6]:$PORT" --source $V6_SRC -r 2000 -c 8000 -d 20
ssm_listen other6 sink "$SINK_IF" $G6 $PORT -s $OTHER6
ssm_wait "$MLD" $G6 false $OTHER6 3000
expect_still sink "$SINK_IF" 400
watch_flow_start sink "$SINK_IF" 3000
ssm_listen right6 sink "$SINK_IF" $G6 $PORT -s $V6_SRC
watch_flow_wait
ssm_wait "$MLD" $G6 false "$V6_SRC,$OTHER6" 2000
queries=$(json_get "$GJSON" "$MLD.querier.queries_sent")
t_leave=$(now_ms)
ssm_stop right6
wait_still sink "$SINK_IF" 3000
info "MLDv2: the stream stopped $((STILL_AT - t_leave)) ms after the BLOCK"
expect $((STILL_AT - t_leave)) -lt $((LMQT_MS + 800)) "MLDv2 leave latency (ms)"
ssm_wait "$MLD" $G6 false $OTHER6 2000
expect_json "$GJSON" "$MLD.querier.queries_sent" -ge $((queries + 2)) \
	"MLD queries sent (RV address-and-source queries)"
expect_json "$TMPD/right6.json" ".from[\"$V6_SRC\"]" -gt 100 "packets the ($V6_SRC, $G6) socket received"
ssm_stop other6

step "Stopping"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
