#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Twenty concurrent streams on consecutive ports (239.1.1.1:5000..5019),
# relayed by one any-port rule that keeps each packet's port.  The sink has a
# listener per port and every stream arrives complete.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STREAMS=20
COUNT=500
RATE=10000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1

step "Starting relay: any port of 239.1.1.1"
start_mcrd relay -r "anyport=$RELAY_IN,239.1.1.1 -> $(topo_out 1)"

step "Starting sink: $STREAMS listeners, ports 5000..$((5000 + STREAMS - 1))"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -n $STREAMS --step port \
	--count $COUNT -d 20 --idle-exit 2

step "Starting emitter: $STREAMS streams x $COUNT packets"
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -n $STREAMS --step port -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd

step "Analyzing"
TOTAL=$((STREAMS * COUNT))
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_json "$GEN_JSON" .sent -eq $TOTAL
expect_json "$GEN_JSON" .streams -eq $STREAMS
expect_sink_exact "$SINK_JSON" $TOTAL
expect_json "$SINK_JSON" '.listeners | length' -eq $STREAMS "sink listeners"
expect_json "$SINK_JSON" \
	"[.listeners[] | select(.received == $COUNT and .unique == $COUNT and .lost == 0)] | length" \
	-eq $STREAMS "streams complete without loss"
expect_json "$SINK_JSON" "[.listeners[].port] | unique | length" -eq $STREAMS \
	"distinct listener ports"
read_summary
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $TOTAL
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $TOTAL
expect_json "$SUMMARY" '[.inputs[].unmatched] | add' -eq 0 "summary inputs unmatched"
expect_relay_clean "$SUMMARY"

pass
