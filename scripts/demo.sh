#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make demo: watch mcrd relay one multicast stream to four interfaces on a
# throwaway topology of network namespaces, then tear it all down.
#
#   [src] --demosrc/demoin--> [relay: mcrd] --demoo1..4/demok1..4--> [sink]
#
# mcrgen sends 239.1.1.1:5000 into the relay; examples/demo.json relays it
# out of four interfaces (two of them with a new group or port); mcrsink
# counts what arrives.  Needs root, for the namespaces.  Nothing outside the
# namespaces is touched, and they are deleted on exit, even on Ctrl-C.
# DEMO_RATE (packets/s) and DEMO_SECONDS change the traffic.

# mcrgen, mcrd and mcrsink share the machine's CPUs; on a small one the
# sink alone can starve the relay at 50k pps x 4 outputs.
if [ "$(nproc 2>/dev/null || echo 1)" -ge 4 ]; then
	RATE=${DEMO_RATE:-50000}
else
	RATE=${DEMO_RATE:-20000}
fi
SECS=${DEMO_SECONDS:-5}
COUNT=$((RATE * SECS))

TOP=$(cd "$(dirname "$0")/.." && pwd)
CONF=$TOP/examples/demo.json

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root to create network namespaces; try 'sudo make demo'" >&2
	exit 1
fi

TOPO_TAG=demo
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating a throwaway topology: src -> relay -> 4 links -> sink"
topo_standard 4
info "namespaces: $(ns src), $(ns relay), $(ns sink)"

step "Checking $CONF"
run_mcrd relay --check-config -c "$CONF"
[ "$MCRD_RC" -eq 0 ] || fail "mcrd rejected the demo configuration: $(cat "$MCRD_ERR")"
info "$(cat "$MCRD_OUT")"

step "Starting mcrd in the relay namespace (a stats line per second follows)"
start_mcrd relay -c "$CONF"
tail -n +1 -f "$MCRD_ERR" &
TAIL_PID=$!
track_pid $TAIL_PID

step "Starting mcrsink on the four sink interfaces"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -j "$(topo_sinkif 2),239.2.2.2:6000" \
	-j "$(topo_sinkif 3),239.1.1.1:5003" -j "$(topo_sinkif 4),239.4.4.4:5000" \
	--count $COUNT -d $((SECS + 15)) --idle-exit 2

step "Sending $COUNT packets to 239.1.1.1:5000 at $RATE pps for $SECS s"
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r "$RATE" -c $COUNT -d $((SECS * 2))
wait_sink
sleep 1
reap_pid $TAIL_PID

step "What mcrsink received, per interface"
jq -r '.listeners[] | "   \(.interface)  \(.group):\(.port)  received \(.received)  lost \(.lost)" +
	"  duplicates \(.duplicates)  reordered \(.reordered)"' "$SINK_JSON"
jq -r '"   total: received \(.received), lost \(.lost); latency (us): \(.latency_us | tostring)"' \
	"$SINK_JSON"

step "Stopping mcrd (SIGTERM): its final summary"
stop_mcrd
[ "$MCRD_RC" -eq 0 ] || fail "mcrd exited with status $MCRD_RC"
read_summary
jq . "$SUMMARY"

step "Tearing down the topology"
say "Done: $(json_get "$SINK_JSON" .received) packets received over the four sinks," \
	"$(json_get "$SINK_JSON" .lost) lost.  See 'build/mcrd -h' and examples/demo.json."
