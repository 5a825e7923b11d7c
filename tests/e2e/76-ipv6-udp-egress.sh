#!/bin/sh
# SPDX-License-Identifier: MIT
#
# IPv6 through UDP sockets (issue 12): with --egress udp an IPv6 rule
# relays to a group (rewritten, hop limit set by the output) and to a
# unicast address, and keeping the received hop limit, with zero loss.
# On the wire (tcpdump at the sink): the output's hop limit (5) or the
# received one (16, mcrgen's) and the traffic class as received (0xb8).
# The UDP checksum is the kernel's here (the sinks take every packet).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=v6lib.sh
. "$(dirname "$0")/v6lib.sh"
# shellcheck source-path=SCRIPTDIR source=hdrlib.sh
. "$(dirname "$0")/hdrlib.sh"

COUNT=2000
RATE=4000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world: IPv6 on 3 output links"
topo_v6 3

step "Starting relay, egress udp"
start_mcrd relay --egress udp \
	-r "mc=$RELAY_IN,[ff3e::1]:5000 -> $(topo_out 1),[ff3e::2]:6000,ttl=5" \
	-r "uni=$RELAY_IN,[ff3e::3]:5000 -> $(topo_out 2),[2001:db8:1:2::2]:7000" \
	-r "keep=$RELAY_IN,[ff3e::4]:5000 -> $(topo_out 3),ttl=keep"

step "Starting sinks"
start_sink sink -j "$(topo_sinkif 1),[ff3e::2]:6000" --count $COUNT -d 20 --idle-exit 2
MC_JSON=$SINK_JSON
start_sink sink -j "$(topo_sinkif 2),[2001:db8:1:2::2]:7000" --count $COUNT -d 20 --idle-exit 2
UNI_JSON=$SINK_JSON
start_sink sink -j "$(topo_sinkif 3),[ff3e::4]:5000" --count $COUNT -d 20 --idle-exit 2
KEEP_JSON=$SINK_JSON

cap_start sink "$(topo_sinkif 1)" 20 mc
cap_start sink "$(topo_sinkif 3)" 20 keep
cap_ready

step "Sending $COUNT packets to each group (traffic class 0xb8)"
start_gen src -i "$SRC_IF" -g "[ff3e::3]:5000" --source $V6_SRC --tos 184 -r $RATE -c $COUNT -d 10
G2=$GEN_JSON
start_gen src -i "$SRC_IF" -g "[ff3e::4]:5000" --source $V6_SRC --tos 184 -r $RATE -c $COUNT -d 10
G3=$GEN_JSON
run_gen src -i "$SRC_IF" -g "[ff3e::1]:5000" --source $V6_SRC --tos 184 -r $RATE -c $COUNT -d 10
wait_gen
wait_sink
cap_wait mc
cap_wait keep
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
for g in "$GEN_JSON" "$G2" "$G3"; do
	expect_json "$g" .errors -eq 0
done
expect_sink_exact "$MC_JSON" $COUNT
expect_sink_exact "$UNI_JSON" $COUNT
expect_sink_exact "$KEEP_JSON" $COUNT
# tcpdump -v: "IP6 (class 0xb8, flowlabel ..., hlim 5, next-header UDP (17) ...) A.P > G.P: [udp sum ok] UDP, ..."
for c in "mc 5 ff3e::2.6000" "keep 16 ff3e::4.5000"; do
	# shellcheck disable=SC2086 # c is split into its three words on purpose
	set -- $c
	n=$(grep -c "class 0xb8, .*hlim $2, next-header UDP" "$TMPD/cap-$1.txt")
	expect "$n" -eq 20 "capture $1: packets with class 0xb8 and hop limit $2"
	n=$(grep -c "> $3: " "$TMPD/cap-$1.txt")
	expect "$n" -eq 20 "capture $1: packets to $3"
	info "     $(grep -m 1 -A 1 "hlim $2" "$TMPD/cap-$1.txt" | tr -s ' \n' ' ')"
done
read_summary
for r in mc uni keep; do
	expect_json "$SUMMARY" ".rules[] | select(.name == \"$r\") | .outputs[0].packets_out" -eq $COUNT
done
expect_relay_clean "$SUMMARY"

pass
