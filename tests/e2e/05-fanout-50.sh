#!/bin/sh
# SPDX-License-Identifier: MIT
#
# One input relayed out of fifty interfaces, beyond the 32 VIFs the kernel's
# multicast routing allows: one mcrsink listens on all fifty sink-side
# interfaces and each listener gets every packet exactly once at a moderate
# rate (COUNT x N packets leave the relay).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

N=50
COUNT=2000
RATE=2000
GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard $N

step "Starting relay: 1 -> $N"
rule="fan=$RELAY_IN,$GROUP -> $(topo_out 1)"
joins="-j $(topo_sinkif 1),$GROUP"
i=2
while [ $i -le $N ]; do
	rule="$rule; $(topo_out $i)"
	joins="$joins -j $(topo_sinkif $i),$GROUP"
	i=$((i + 1))
done
start_mcrd relay -r "$rule"

step "Starting sink on $N interfaces"
# shellcheck disable=SC2086 # $joins is a list of options
start_sink sink $joins --count $COUNT -d 20 --idle-exit 2

step "Starting emitter: $COUNT packets at $RATE pps"
run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $((N * COUNT))
expect_json "$SINK_JSON" '.listeners | length' -eq $N "sink listeners"
expect_json "$SINK_JSON" "[.listeners[] | select(.received == $COUNT and .lost == 0)] | length" \
	-eq $N "listeners with all $COUNT packets and no loss"
read_summary
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
expect_json "$SUMMARY" '.rules[0].outputs | length' -eq $N "summary outputs"
expect_json "$SUMMARY" "[.rules[0].outputs[] | select(.packets_out == $COUNT)] | length" \
	-eq $N "outputs that sent all $COUNT packets"
expect_json "$SUMMARY" .totals.packets_out -eq $((N * COUNT))
expect_relay_clean "$SUMMARY"

pass
