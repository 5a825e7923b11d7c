#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Traffic no rule asks for is not relayed, while matching traffic keeps
# flowing next to it.  The rule is 239.1.1.1:5000.  Another group
# (239.1.1.2:5000) never passes the kernel filter, so mcrd does not even see
# it; another port (239.1.1.1:5001) passes the filter (same destination
# address), is parsed and counted as unmatched.  Sinks behind the relay on
# the two wrong destinations get nothing.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=4000
OTHER=2000
RATE=8000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1
K=$(topo_sinkif 1)

step "Starting relay: only 239.1.1.1:5000"
start_mcrd relay -r "only=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"

step "Starting sinks on the matching and the two non-matching destinations"
start_sink sink -j "$K,239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2
GOOD=$SINK_JSON
start_sink sink -j "$K,239.1.1.2:5000" -d 3
OTHER_GROUP=$SINK_JSON
start_sink sink -j "$K,239.1.1.1:5001" -d 3
OTHER_PORT=$SINK_JSON

step "Starting three emitters at once"
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
start_gen src -i "$SRC_IF" -g 239.1.1.2:5000 -r $RATE -c $OTHER -d 10
start_gen src -i "$SRC_IF" -g 239.1.1.1:5001 -r $RATE -c $OTHER -d 10
wait_gen
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$GOOD" $COUNT
expect_json "$OTHER_GROUP" .received -eq 0 "sink on 239.1.1.2:5000: received"
expect_json "$OTHER_PORT" .received -eq 0 "sink on 239.1.1.1:5001: received"
read_summary
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $COUNT
expect_json "$SUMMARY" .totals.packets_out -eq $COUNT
expect_json "$SUMMARY" '.inputs[0].unmatched' -eq $OTHER "input unmatched (wrong port)"
expect_json "$SUMMARY" '.inputs[0].frames' -eq $((COUNT + OTHER)) \
	"input frames (matching + wrong port; the wrong group is filtered in the kernel)"
expect_json "$SUMMARY" '.inputs[0].malformed' -eq 0 "input malformed"
expect_relay_clean "$SUMMARY"

pass
