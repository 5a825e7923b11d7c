#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Rules name interfaces, so a rename counts: rule A relays to o1.  When o1
# is renamed away, A waits for an interface called o1 and sends nothing to
# the renamed one; when o2 is renamed to o1, A relays through it.  Rule B,
# on o3, streams throughout and loses nothing.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RATE=2000
COUNT_B=8000		# 4 s of B
COUNT_A=2000
GROUP_A=239.1.1.1:5000
GROUP_B=239.1.1.2:5000

e2e_init
require_bins mcrd mcrgen mcrsink
ctl() { nsx relay "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }
# rename OLD NEW: an interface must be down to be renamed.
rename() {
	ip -n "$(ns relay)" link set "$1" down || fail "cannot set $1 down"
	ip -n "$(ns relay)" link set "$1" name "$2" || fail "cannot rename $1 to $2"
	ip -n "$(ns relay)" link set "$2" up || fail "cannot set $2 up"
}

step "Creating world"
topo_standard 3
O1=$(topo_out 1)
AWAY=${TOPO_TAG}away

step "Starting relay: A -> $O1, B -> $(topo_out 3)"
start_mcrd relay --stats-interval 0 \
	-r "A=$RELAY_IN,$GROUP_A -> $O1" -r "B=$RELAY_IN,$GROUP_B -> $(topo_out 3)"

step "Streaming B at $RATE pps while interfaces are renamed"
start_sink sink -j "$(topo_sinkif 3),$GROUP_B" --count $COUNT_B -d 20 --idle-exit 2
B_JSON=$SINK_JSON
start_gen src -i "$SRC_IF" -g $GROUP_B -r $RATE -c $COUNT_B
sleep 0.5

step "Renaming $O1 to $AWAY: A waits"
rename "$O1" "$AWAY"
topo_settle
sleep 0.3
ctl --json list >"$TMPD/list.json" || fail "mcrctl list failed"
expect_json_str "$TMPD/list.json" '.rules[] | select(.name == "A") | .waiting' "$O1" "A waits for"
start_sink sink -j "$(topo_sinkif 1),$GROUP_A" -d 1.5
AWAY_JSON=$SINK_JSON
start_gen src -i "$SRC_IF" -g $GROUP_A -r $RATE -c $COUNT_A
sleep 1.2

step "Renaming $(topo_out 2) to $O1: A relays through it"
rename "$(topo_out 2)" "$O1"
topo_settle
sleep 0.3
start_sink sink -j "$(topo_sinkif 2),$GROUP_A" --count $COUNT_A -d 20 --idle-exit 2
A_JSON=$SINK_JSON
run_gen src -i "$SRC_IF" -g $GROUP_A -r $RATE -c $COUNT_A
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_json "$AWAY_JSON" .received -eq 0 "A packets on the renamed $AWAY"
expect_sink_exact "$A_JSON" $COUNT_A
expect_sink_exact "$B_JSON" $COUNT_B
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "B") | .outputs[0].packets_out' \
	-eq $COUNT_B "B packets out"
expect_grep "$MCRD_ERR" "rule \"A\": interface $O1 is gone" "A waits after the rename"

pass
