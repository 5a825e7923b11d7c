#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Relaying out of the input interface: our own frames must not come back in.
# Rule "loop" sends 239.1.1.1:5000 back out of the input link as
# 239.1.1.1:5002; rule "back" would relay 5002 if the relay ever received its
# own frames, so it must count nothing.  Run with --workers 2, so that the
# ingress sockets are in a PACKET_FANOUT group.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=2000
RATE=10000

e2e_init
require_bins mcrd mcrgen

step "Creating world"
topo_standard 1

step "Starting relay: 239.1.1.1:5000 back out of $RELAY_IN as :5002"
start_mcrd relay --workers 2 --stats-interval 0 \
	-r "loop=$RELAY_IN,239.1.1.1:5000 -> $RELAY_IN,239.1.1.1:5002,ttl=4" \
	-r "back=$RELAY_IN,239.1.1.1:5002 -> $(topo_out 1)"

step "Starting emitter: $COUNT packets at $RATE pps"
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT
sleep 1
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT "rule loop packets_in"
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $COUNT "rule loop packets_out"
expect_json "$SUMMARY" '.rules[1].packets_in' -eq 0 "rule back packets_in (our own frames)"
expect_json "$SUMMARY" '.totals.packets_in' -eq $COUNT "totals packets_in"
expect_relay_clean "$SUMMARY"

pass
