#!/bin/sh
# SPDX-License-Identifier: MIT
#
# An output link that goes down while packets flow must not disturb the
# other outputs: one rule sends to o1 and o2, o2 is set down for a while in
# the middle of the stream.  o1's listener gets every packet; mcrd keeps
# running, counts what o2 could not send as drops (none of them still
# counted as sent), and o2 relays again once it is back up.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=6000
RATE=3000
AFTER=1000
GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 2
O2=$(topo_out 2)

step "Starting relay: 1 -> 2"
start_mcrd relay --stats-interval 0 -r "fan=$RELAY_IN,$GROUP -> $(topo_out 1); $O2"

step "Streaming $COUNT packets at $RATE pps; $O2 down from 0.5 s to 1.5 s"
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2
start_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
sleep 0.5
ip -n "$(ns relay)" link set "$O2" down || fail "cannot set $O2 down"
sleep 1
ip -n "$(ns relay)" link set "$O2" up || fail "cannot set $O2 up"
wait_gen
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT
pid_alive "$MCRD_PID" || fail "mcrd died when an output went down"

step "After $O2 is back: $AFTER packets reach it"
topo_settle
start_sink sink -j "$(topo_sinkif 2),$GROUP" --count $AFTER -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $AFTER -d 10
wait_sink
expect_sink_exact "$SINK_JSON" $AFTER
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
TOTAL=$((COUNT + AFTER))
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $TOTAL "packets in"
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $TOTAL "o1 packets out"
expect_json "$SUMMARY" '.rules[0].outputs[0].drops' -eq 0 "o1 drops"
expect_json "$SUMMARY" '.rules[0].outputs[1].drops' -gt 0 "o2 drops while down"
# Every packet is either sent or dropped on o2, never both, never neither.
expect_json "$SUMMARY" '.rules[0].outputs[1].packets_out + .rules[0].outputs[1].drops' \
	-eq $TOTAL "o2 packets out + drops"
expect_json "$SUMMARY" '.totals.buffer_exhaustion' -eq 0 "buffer exhaustion"

pass
