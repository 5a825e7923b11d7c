#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A relay loop dies out because the TTL is decremented by default: two rules
# relay 239.9.9.9 around a ring of two veth pairs inside one namespace
# (x -> y, its peer z -> w, its peer x again).  A packet sent into x with
# TTL 16 arrives at x with TTL 16, 14, .., 2 and at z with 15, 13, .., 1,
# where it expires: 8 passes per rule, counted once as ttl_expired.  With a
# fixed TTL (the old behaviour) the packets would circle until mcrd stops.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

N=10
G=239.9.9.9:5000
e2e_init
require_bins mcrd mcrgen

step "Creating world: a ring x -> y ~ z -> w ~ x in one namespace"
topo_ns relay
X=${TOPO_TAG}x
W=${TOPO_TAG}w
Y=${TOPO_TAG}y
Z=${TOPO_TAG}z
topo_link relay "$W" 198.18.33.1/30 relay "$X" 198.18.33.2/30
topo_link relay "$Y" 198.18.33.5/30 relay "$Z" 198.18.33.6/30
topo_settle

step "Starting relay: x -> y and z -> w, the TTL decremented (the default)"
# One worker: the ring needs nothing more, and the loop stays in one process.
start_mcrd relay --workers 1 --stats-interval 0 -r "a=$X,$G -> $Y" -r "b=$Z,$G -> $W"

step "Sending $N packets with TTL 16 into x"
run_gen relay -i "$W" -g $G -r 1000 -c $N --ttl 16
sleep 1
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $((8 * N)) "a: packets_in (TTL 16, 14 .. 2)"
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $((8 * N)) "a: packets_out"
expect_json "$SUMMARY" '.rules[0].outputs[0].ttl_expired' -eq 0 "a: ttl_expired"
expect_json "$SUMMARY" '.rules[1].packets_in' -eq $((8 * N)) "b: packets_in (TTL 15, 13 .. 1)"
expect_json "$SUMMARY" '.rules[1].outputs[0].packets_out' -eq $((7 * N)) "b: packets_out"
expect_json "$SUMMARY" '.rules[1].outputs[0].ttl_expired' -eq $N "b: ttl_expired (arrived with TTL 1)"
expect_relay_clean "$SUMMARY"
pass
