#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A datagram too big for an output's link: a frame cannot be fragmented, so
# that output counts it as too_big and a drop (not as a send error), while
# an output whose link has room relays it.  o2's link has an MTU of 1000; 1200-byte payloads
# reach o1 only, 900-byte payloads reach both.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

BIG=300
SMALL=400
RATE=5000
GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink
case "${MCRD_EXTRA_ARGS:-}" in
*"egress udp"*) skip "UDP egress fragments what the link cannot carry: nothing to check" ;;
esac

step "Creating world: $(topo_out 2) with an MTU of 1000"
topo_standard 2
ip -n "$(ns relay)" link set "$(topo_out 2)" mtu 1000 || fail "cannot set the MTU"
ip -n "$(ns sink)" link set "$(topo_sinkif 2)" mtu 1000 || fail "cannot set the MTU"

step "Starting relay: 1 -> 2"
start_mcrd relay --stats-interval 0 -r "fan=$RELAY_IN,$GROUP -> $(topo_out 1); $(topo_out 2)"

expect_mtu_split "$GROUP" $RATE $BIG $SMALL
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $((BIG + SMALL)) "o1 packets out"
expect_json "$SUMMARY" '.rules[0].outputs[0].drops' -eq 0 "o1 drops"
expect_json "$SUMMARY" '.rules[0].outputs[1].packets_out' -eq $SMALL "o2 packets out"
expect_json "$SUMMARY" '.rules[0].outputs[1].too_big' -eq $BIG "o2 too_big"
expect_json "$SUMMARY" '.rules[0].outputs[1].send_errors' -eq 0 "o2 send errors"
expect_json "$SUMMARY" '.rules[0].outputs[1].drops' -eq $BIG "o2 drops (too big)"

pass
