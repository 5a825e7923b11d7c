#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The same group out of another interface, from a JSON configuration whose
# output names only the interface: the output keeps the input's group and
# port, and the sink on that group:port behind the relay gets everything.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=4000
RATE=10000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1

step "Writing configuration"
CONF=$TMPD/mcrd.json
cat >"$CONF" <<JSON
{
	"stats_interval_ms": 500,
	"rules": [
		{
			"name": "same",
			"input": { "interface": "$RELAY_IN", "group": "239.1.1.1", "port": 5000 },
			"outputs": [ { "interface": "$(topo_out 1)" } ]
		}
	]
}
JSON
run_mcrd relay --check-config -c "$CONF"
expect "$MCRD_RC" -eq 0 "mcrd --check-config on the file"

step "Starting relay"
start_mcrd relay -c "$CONF"

step "Starting sink on 239.1.1.1:5000 behind the relay"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2

step "Starting emitter: $COUNT packets at $RATE pps"
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $COUNT
read_summary
expect_json_str "$SUMMARY" '.rules[0].outputs[0].interface' "$(topo_out 1)" \
	"summary output interface"
expect_json_str "$SUMMARY" '.rules[0].outputs[0].group' 239.1.1.1 "summary output group"
expect_json "$SUMMARY" '.rules[0].outputs[0].port' -eq 5000 "summary output port"
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $COUNT
expect_relay_clean "$SUMMARY"

pass
