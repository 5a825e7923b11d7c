#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Malformed frames are counted and dropped, and the relay carries on.  While
# mcrgen sends good traffic, rawframe injects broken frames to the same
# group and port: four kinds of bad headers (counted as malformed), two
# kinds of fragments (counted as fragments) and non-UDP frames (stopped by
# the kernel filter, never seen).  The good traffic arrives complete, and
# mcrd exits cleanly afterwards.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=8000
RATE=5000
BAD=200
BAD_RATE=1000
GROUP=239.1.1.1:5000
MALFORMED_KINDS="truncated bad-ihl bad-total-len bad-udp-len"
FRAGMENT_KINDS="fragment-first fragment-later"

e2e_init
require_bins mcrd mcrgen mcrsink tests/rawframe

inject()
{
	nsx src "$RAWFRAME" -i "$SRC_IF" --dst-group $GROUP --kind "$1" -c $BAD \
		--rate $BAD_RATE >>"$TMPD/rawframe.out" 2>&1 || fail "rawframe --kind $1 failed"
	info "$(tail -n 1 "$TMPD/rawframe.out")"
}

step "Creating world"
topo_standard 1

step "Starting relay"
start_mcrd relay -r "good=$RELAY_IN,$GROUP -> $(topo_out 1)"

step "Starting sink"
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2

step "Sending $COUNT good packets with $BAD broken frames of each kind in between"
start_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
for kind in $MALFORMED_KINDS $FRAGMENT_KINDS non-udp; do
	inject "$kind"
done
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
expect_sink_exact "$SINK_JSON" $COUNT
read_summary
expect_json "$SUMMARY" '.inputs[0].malformed' -eq $N_MALFORMED "input malformed"
expect_json "$SUMMARY" '.inputs[0].fragments' -eq $N_FRAGMENTS "input fragments"
expect_json "$SUMMARY" '.inputs[0].not_udp' -eq 0 "input not_udp (filtered in the kernel)"
expect_json "$SUMMARY" '.inputs[0].frames' -eq $((COUNT + N_MALFORMED + N_FRAGMENTS)) \
	"input frames (good + malformed + fragments)"
expect_json "$SUMMARY" .totals.malformed -eq $N_MALFORMED "totals malformed"
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $COUNT
expect_relay_clean "$SUMMARY"

pass
