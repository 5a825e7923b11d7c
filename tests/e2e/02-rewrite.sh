#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Group and port rewrite: 239.1.1.1:5000 in, 239.2.2.2:6000 out.  A sink on
# the new group:port gets everything; one on the old group:port, on the same
# sink interface, gets nothing, so the relay sends the rewritten copy only.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=4000
RATE=10000
IN_GROUP=239.1.1.1:5000
OUT_GROUP=239.2.2.2:6000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1

step "Starting relay: $IN_GROUP -> $OUT_GROUP"
start_mcrd relay -r "rw=$RELAY_IN,$IN_GROUP -> $(topo_out 1),$OUT_GROUP,ttl=8"

step "Starting sinks on the new and the old group"
start_sink sink -j "$(topo_sinkif 1),$OUT_GROUP" --count $COUNT -d 20 --idle-exit 2
NEW=$SINK_JSON
start_sink sink -j "$(topo_sinkif 1),$IN_GROUP" -d 3
OLD=$SINK_JSON

step "Starting emitter: $COUNT packets at $RATE pps"
run_gen src -i "$SRC_IF" -g $IN_GROUP -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_json "$GEN_JSON" .sent -eq $COUNT
expect_sink_exact "$NEW" $COUNT
expect_json "$OLD" .received -eq 0 "sink on the old $IN_GROUP: received"
read_summary
expect_json_str "$SUMMARY" '.rules[0].outputs[0].group' 239.2.2.2 "summary output group"
expect_json "$SUMMARY" '.rules[0].outputs[0].port' -eq 6000 "summary output port"
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $COUNT
expect_relay_clean "$SUMMARY"

pass
