#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Malformed MLD is counted and ignored: messages cut short, with a wrong
# checksum, a record whose sources run past the message, a hop limit other
# than 1.  None of it changes the table or the querier, and MLD that follows
# (a v1 report and an MLDv2 report, then an MLDv2 leave) still works.  The
# IGMP side counts none of it.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=memberlib.sh
. "$(dirname "$0")/memberlib.sh"
# shellcheck source=mldlib.sh
. "$(dirname "$0")/mldlib.sh"

IN=239.1.1.1:5000
OUT=239.2.2.2:6000
G1=ff3e::82:1
G2=ff15::82:2
SINK_LL=fe80::9
N=5

e2e_init
require_bins mcrd mcrctl tests/mldsend

step "Creating world"
topo_standard 1
SINK_IF=$(topo_sinkif 1)
mld_link relay "$(topo_out 1)" fe80::5
mld_link sink "$SINK_IF" $SINK_LL

step "Starting relay"
# shellcheck disable=SC2086 # MEMBER_ARGS is split into words on purpose
start_mcrd relay $MEMBER_ARGS -r "cam1=$RELAY_IN,$IN -> $(topo_out 1),$OUT,when=joined"

step "$N of each kind of malformed MLD"
for k in short bad-checksum bad-record hop-limit; do
	mldsend sink -i "$SINK_IF" --src $SINK_LL --group $G1 --kind $k -c $N --interval-ms 5
done
sleep 0.3
groups_json malformed
expect_json "$GJSON" '.interfaces[0].mld.malformed' -eq $((4 * N)) "malformed MLD counted"
expect_json "$GJSON" '.interfaces[0].mld.groups | length' -eq 0 "IPv6 groups after malformed MLD"
expect_json "$GJSON" '.interfaces[0].mld.querier.queries_received' -eq 0 "MLD queries taken"
expect_json "$GJSON" '.interfaces[0].malformed' -eq 0 "malformed IGMP"

step "Well-formed MLD after it still works"
mldsend sink -i "$SINK_IF" --src $SINK_LL --group $G1 --kind report-v1
mldsend sink -i "$SINK_IF" --src $SINK_LL --group $G2 --kind report-v2
mld_wait $G1 true 1000
mld_wait $G2 true 1000
mldsend sink -i "$SINK_IF" --src $SINK_LL --group $G2 --kind leave-v2
mld_wait $G2 false 1500
expect_json "$GJSON" '.interfaces[0].mld.malformed' -eq $((4 * N)) "malformed MLD counted"
expect_str "$(mld_has $G1)" true "$G1 still has its listener"

step "Stopping"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
