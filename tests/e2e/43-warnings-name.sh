#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A warning from the data path names the rule, the output and the
# interface, so that an operator with many rules knows where to look: an
# output set down while a stream runs, on both egress paths (l2: the kick
# of the interface's ring fails; udp: the send fails).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen

step "Creating world"
topo_standard 2
O2=$(topo_out 2)
RULE="fan=$RELAY_IN,$GROUP -> $(topo_out 1); $O2"

for egress in l2 udp; do
	step "Egress $egress: $O2 goes down during a stream"
	start_mcrd relay --egress $egress -r "$RULE"
	start_gen src -i "$SRC_IF" -g $GROUP -r 2000 -c 1600 -d 10
	sleep 0.3
	ip -n "$(ns relay)" link set "$O2" down || fail "cannot set $O2 down"
	sleep 0.3
	ip -n "$(ns relay)" link set "$O2" up || fail "cannot set $O2 up"
	wait_gen
	topo_settle
	stop_mcrd
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
	read_summary
	expect_json "$SUMMARY" '.rules[0].outputs[1].drops' -gt 0 "$O2 drops while down"
	expect_grep "$MCRD_ERR" "rule \"fan\" output 2 ($O2 239.1.1.1:5000)" "warning names it"
done

pass
