#!/bin/sh
# SPDX-License-Identifier: MIT
#
# One input, one output, no rewrite: every packet the generator sends
# arrives once at the sink, and mcrd's own counters agree.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=5000
RATE=10000
GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1

step "Starting relay"
start_mcrd relay --stats-interval 500 -r "cam1=$RELAY_IN,$GROUP -> $(topo_out 1)"

step "Starting sink"
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2

step "Starting emitter: $COUNT packets at $RATE pps"
run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_json "$GEN_JSON" .sent -eq $COUNT
expect_json "$GEN_JSON" .errors -eq 0
expect_sink_exact "$SINK_JSON" $COUNT
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "cam1") | .packets_in' -eq $COUNT
expect_json "$SUMMARY" '.rules[] | select(.name == "cam1") | .outputs[0].packets_out' -eq $COUNT
expect_json "$SUMMARY" .totals.packets_in -eq $COUNT
expect_json "$SUMMARY" .totals.packets_out -eq $COUNT
expect_json "$SUMMARY" .totals.malformed -eq 0
expect_relay_clean "$SUMMARY"

pass
