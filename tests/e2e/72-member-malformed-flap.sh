#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Malformed IGMP is counted and ignored, and a membership that flaps every
# second costs other rules nothing: rule "steady" relays a stream to link 1
# whole while, on link 2, a listener of rule "flappy"'s "when": "joined"
# output joins and leaves every second (each a rule change on the workers)
# and broken IGMP packets arrive there.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"

STEADY=239.1.1.1:5000
FLAPPY_IN=239.1.1.2:5000
FLAPPY_OUT=239.3.3.3:6000
COUNT=7000
RATE=2000
FLAPS=3

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl tests/igmpsend
command -v curl >/dev/null || skip "needs curl"

step "Creating world"
topo_standard 2
LINK2=$(topo_sinkif 2)

step "Starting relay: steady -> link 1, flappy -> link 2 when joined"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS --metrics 9464 \
	-r "steady=$RELAY_IN,$STEADY -> $(topo_out 1)" \
	-r "flappy=$RELAY_IN,$FLAPPY_IN -> $(topo_out 2),$FLAPPY_OUT,when=joined"

step "Malformed IGMP on link 2: counted, ignored"
for kind in short bad-checksum bad-record bad-ip-len; do
	igmpsend sink -i "$LINK2" --src "$(topo_out_addr 2 2)" --group "${FLAPPY_OUT%:*}" \
		--kind "$kind" -c 2
done
sleep 0.2
groups_json malformed
expect_json "$GJSON" '.interfaces[0].malformed' -eq 8 "malformed IGMP packets counted"
expect_json "$GJSON" '.interfaces[0].groups | length' -eq 0 "groups from malformed reports"
expect_json "$GJSON" '.interfaces[0].joins' -eq 0

step "Streaming both; the listener on link 2 joins and leaves every second"
start_sink sink -j "$(topo_sinkif 1),$STEADY" --count $COUNT -d 20 --idle-exit 2
start_gen src -i "$SRC_IF" -g $STEADY -r $RATE -c $COUNT -d 20
start_gen src -i "$SRC_IF" -g $FLAPPY_IN -r $RATE -c $COUNT -d 20
i=0
while [ $i -lt $FLAPS ]; do
	# Each listener leaves when it exits, half a second after its join.
	nsx sink "$MCRSINK" -j "$LINK2,$FLAPPY_OUT" -d 500ms --quiet >/dev/null 2>&1 ||
		fail "flapping listener $i failed"
	sleep 0.5
	i=$((i + 1))
done
wait_gen
wait_sink
groups_json flapped
ctl groups
nsx relay curl -s --max-time 5 http://127.0.0.1:9464/metrics >"$TMPD/metrics.txt" ||
	fail "cannot read /metrics"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $COUNT
expect_json "$SINK_JSON" .reordered -eq 0
expect_json "$GJSON" '.interfaces[0].joins' -ge $FLAPS "joins while flapping"
expect_json "$GJSON" '.interfaces[0].leaves' -ge $((FLAPS - 1)) "leaves while flapping"
expect_json "$GJSON" '.interfaces[0].malformed' -eq 8 "malformed IGMP packets counted"
expect_grep "$TMPD/metrics.txt" "mcr_igmp_malformed_total 8" "the malformed IGMP metric"
expect "$(awk '/^mcr_igmp_joins_total / { print $2 }' "$TMPD/metrics.txt")" -ge $FLAPS "joins metric"
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "steady") | .outputs[0].packets_out' -eq $COUNT
expect_relay_clean "$SUMMARY"
pass
