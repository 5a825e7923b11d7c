#!/bin/sh
# SPDX-License-Identifier: MIT
#
# IPv6 frames mcrd must not relay are counted and dropped while a good
# IPv6 stream relays whole (issue 12).  rawframe injects, to the stream's
# group and port: eight kinds of damage (truncated, a bad IP version, a
# payload length or UDP length past the frame, a UDP checksum of 0, nine
# extension headers, hop-by-hop after another header, an options header
# longer than the datagram) counted as malformed, two fragment headers
# counted as fragments, and TCP counted as not_udp (the kernel filter
# passes any IPv6 frame to the group: the parser judges).  A valid chain
# (hop-by-hop, destination options, UDP) on another port is relayed, its
# extension headers dropped and its checksum right: the sink's kernel
# takes every one.  With --no-igmp-join the input is not joined with MLD.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=v6lib.sh
. "$(dirname "$0")/v6lib.sh"

COUNT=4000
RATE=4000
BAD=100
BAD_RATE=2000
MALFORMED_KINDS="truncated bad-ihl bad-total-len bad-udp-len zero-csum ext-too-long ext-hbh-late ext-truncated"
FRAGMENT_KINDS="fragment-first fragment-later"

e2e_init
require_bins mcrd mcrgen mcrsink tests/rawframe

inject()
{
	nsx src "$RAWFRAME" -i "$SRC_IF" --dst-group "[ff3e::1]:$2" --source $V6_SRC --kind "$1" \
		-c "$3" --rate $BAD_RATE >>"$TMPD/rawframe.out" 2>&1 || fail "rawframe --kind $1 failed"
	info "$(tail -n 1 "$TMPD/rawframe.out")"
}

step "Creating world"
topo_v6 1

step "Starting relay"
start_mcrd relay --no-igmp-join -r "good=$RELAY_IN,[ff3e::1]:5000 -> $(topo_out 1)" \
	-r "chain=$RELAY_IN,[ff3e::1]:5001 -> $(topo_out 1)"
# igmp_join off: the NIC filter only, no MLD membership (a veth passes the frames anyway).
if v6_joined relay "$RELAY_IN" ff3e::1; then
	fail "--no-igmp-join: $RELAY_IN holds an MLD membership of ff3e::1"
fi

step "Starting sinks"
start_sink sink -j "$(topo_sinkif 1),[ff3e::1]:5000" --count $COUNT -d 20 --idle-exit 2
GOOD_JSON=$SINK_JSON
start_sink sink -j "$(topo_sinkif 1),[ff3e::1]:5001" --count $BAD -d 20 --idle-exit 2
CHAIN_JSON=$SINK_JSON

step "Sending $COUNT good packets with $BAD frames of each bad kind in between"
start_gen src -i "$SRC_IF" -g "[ff3e::1]:5000" --source $V6_SRC -r $RATE -c $COUNT -d 10
for kind in $MALFORMED_KINDS $FRAGMENT_KINDS non-udp; do
	inject "$kind" 5000 $BAD
done
inject ext-chain 5001 $BAD
wait_gen
wait_sink
pid_alive "$MCRD_PID" || fail "mcrd died during the injection"
stop_mcrd

step "Analyzing"
# shellcheck disable=SC2086 # count the words of each list
N_MALFORMED=$(($(set -- $MALFORMED_KINDS && echo $#) * BAD))
# shellcheck disable=SC2086
N_FRAGMENTS=$(($(set -- $FRAGMENT_KINDS && echo $#) * BAD))
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$GOOD_JSON" $COUNT
expect_sink_exact "$CHAIN_JSON" $BAD
read_summary
expect_json "$SUMMARY" '.inputs[0].malformed' -eq $N_MALFORMED "input malformed"
expect_json "$SUMMARY" '.inputs[0].fragments' -eq $N_FRAGMENTS "input fragments"
expect_json "$SUMMARY" '.inputs[0].not_udp' -eq $BAD "input not_udp (TCP over IPv6)"
expect_json "$SUMMARY" '.inputs[0].unmatched' -eq 0 "input unmatched"
expect_json "$SUMMARY" '.inputs[0].frames' -eq $((COUNT + N_MALFORMED + N_FRAGMENTS + 2 * BAD)) \
	"input frames (good + malformed + fragments + not_udp + chain)"
expect_json "$SUMMARY" '.rules[] | select(.name == "good") | .outputs[0].packets_out' -eq $COUNT
expect_json "$SUMMARY" '.rules[] | select(.name == "chain") | .outputs[0].packets_out' -eq $BAD
expect_relay_clean "$SUMMARY"

pass
