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
GROUP=ff3e::82:3
S1=2001:db8::1
S2=2001:db8::2
LMQT_MS=200
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

sources() { json_get "$GJSON" "[.interfaces[0].mld.groups[] | select(.group == \"$GROUP\")][0].sources | map(.source) | join(\",\")"; }

step "A host asks for $GROUP from $S1 and $S2"
mldsend sink -i "$SINK_IF" --src $SINK_LL --group $GROUP --source $S1 --kind allow
mldsend sink -i "$SINK_IF" --src $SINK_LL --group $GROUP --source $S2 --kind allow
mld_wait $GROUP true 1000
sleep 0.1
groups_json both
expect_json_str "$GJSON" "[.interfaces[0].mld.groups[] | select(.group == \"$GROUP\")][0].mode" include
expect_str "$(sources)" "$S1,$S2" "sources of $GROUP"
ctl groups | tee "$TMPD/groups.txt"
grep -Eq "MLD +$GROUP +yes +include .*$S1 \(.*$S2 \(" "$TMPD/groups.txt" ||
	fail "mcrctl groups does not list $GROUP with both sources"

leaves=$(json_get "$GJSON" '.interfaces[0].mld.leaves')
step "It blocks $S1: $GROUP keeps its listeners through $S2"
mldsend sink -i "$SINK_IF" --src $SINK_LL --group $GROUP --source $S1 --kind block
sleep 0.6
groups_json one
expect_str "$(mld_has $GROUP)" true "$GROUP has listeners"
expect_str "$(sources)" "$S2" "sources of $GROUP after $S1 is blocked"
expect_json "$GJSON" '.interfaces[0].mld.leaves' -eq "$leaves" "leaves after one source is blocked"

step "It blocks $S2: $GROUP loses its listeners"
t0=$(now_ms)
mldsend sink -i "$SINK_IF" --src $SINK_LL --group $GROUP --source $S2 --kind block
mld_wait $GROUP false 3000
gone_ms=$(($(now_ms) - t0))
info "$GROUP lost its listeners $gone_ms ms after the last source was blocked (LLQT $LMQT_MS ms)"
# Far below the 5 s a source lives without reports.
expect "$gone_ms" -lt $((LMQT_MS + 1300)) "ms until the group lost its listeners"
expect_json "$GJSON" '.interfaces[0].mld.leaves' -eq $((leaves + 1)) "leaves after both are blocked"
expect_json "$GJSON" '.interfaces[0].mld.querier.queries_sent' -ge 4 \
	"MLD queries sent (startup and the blocks' group-specific ones)"

step "Stopping"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
