#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# --ingress xdp takes relayed frames out of the relay's IP stack and leaves
# everything else to it.  While mcrd relays 239.1.1.1:5000, its XDP program
# is on the input; the relayed packets never reach the relay's own IP stack
# (IpExtInMcastPkts does not move by them, where under --ingress ring every
# one of them is received a second time there); a listener on the relay
# host for the same group on another port (5001) still gets every packet,
# and so does one for unicast UDP to the relay's input address.  After mcrd
# exits the input has no XDP program left.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=3000
OTHER=1000
RATE=10000
INGRESS=${XDP_TEST_INGRESS:-xdp}

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1

step "Starting relay with --ingress $INGRESS"
start_mcrd relay --ingress "$INGRESS" -r "cam1=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
XDP_ON=$(xdp_prog_id relay "$RELAY_IN" | wc -l)

step "Relaying $COUNT packets next to $OTHER for a listener on the relay host"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2
RELAYED=$SINK_JSON
start_sink relay -j "$RELAY_IN,239.1.1.1:5001" --count $OTHER -d 20 --idle-exit 2
HOST=$SINK_JSON
start_sink relay -j "$RELAY_IN,$RELAY_ADDR:6000" --count $OTHER -d 20 --idle-exit 2
UNICAST=$SINK_JSON
M0=$(stack_mcast_in relay)
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
start_gen src -i "$SRC_IF" -g 239.1.1.1:5001 -r $((RATE / 4)) -c $OTHER -d 10
start_gen src -i "$SRC_IF" -g "$RELAY_ADDR:6000" -r $((RATE / 4)) -c $OTHER -d 10
wait_gen
wait_sink
M1=$(stack_mcast_in relay)
info "relay IpExtInMcastPkts: $M0 -> $M1"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$RELAYED" $COUNT
expect_sink_exact "$HOST" $OTHER
expect_sink_exact "$UNICAST" $OTHER
# The host listener's own packets are received by the stack, and little
# else (an IGMP report, say); the relayed ones would add $COUNT.
expect $((M1 - M0)) -lt $((OTHER + COUNT / 10)) "multicast packets the relay's IP stack received"
expect "$XDP_ON" -eq 1 "XDP programs on $RELAY_IN while relaying"
read_summary
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
expect_json "$SUMMARY" .totals.packets_out -eq $COUNT
expect_relay_clean "$SUMMARY"
expect "$(xdp_prog_id relay "$RELAY_IN" | wc -l)" -eq 0 "XDP programs on $RELAY_IN after mcrd exited"

pass
