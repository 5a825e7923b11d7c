#!/bin/sh
# SPDX-License-Identifier: MIT
#
# An input interface deleted and created again while another input streams:
# rule A takes 239.1.1.1 from "in", rule B 239.1.1.2 from "in2".  The
# in/src veth pair is deleted and re-created (a new ifindex) while B's
# stream runs.  B loses nothing; A relays from the new "in" within a second
# (a new receive socket and ring; the old one closed quietly), again after
# the new "in" went down and up, and a rule added afterwards is accepted.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RATE=2000
COUNT_B=6000		# 3 s of B
COUNT_A=3000		# 1.5 s of A after the re-creation
GROUP_A=239.1.1.1:5000
GROUP_B=239.1.1.2:5000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world: a second input link"
topo_standard 2
SRC2=${TOPO_TAG}src2
IN2=${TOPO_TAG}in2
topo_link src "$SRC2" 198.18.0.5/30 relay "$IN2" 198.18.0.6/30
topo_settle

step "Starting relay: A $RELAY_IN -> $(topo_out 1), B $IN2 -> $(topo_out 2)"
# Two workers: each input has its fanout group, and the new "in" (a new ifindex) a new one.
start_mcrd relay --stats-interval 0 --workers 2 \
	-r "A=$RELAY_IN,$GROUP_A -> $(topo_out 1)" -r "B=$IN2,$GROUP_B -> $(topo_out 2)"

step "Streaming B at $RATE pps"
start_sink sink -j "$(topo_sinkif 2),$GROUP_B" --count $COUNT_B -d 20 --idle-exit 3
B_JSON=$SINK_JSON
start_gen src -i "$SRC2" -g $GROUP_B -r $RATE -c $COUNT_B -d 15
sleep 1

FDS_BEFORE=$(worker_fds)
step "Deleting $RELAY_IN and creating it again"
OLD_INDEX=$(nsx relay cat "/sys/class/net/$RELAY_IN/ifindex")
ip -n "$(ns relay)" link del "$RELAY_IN" || fail "cannot delete $RELAY_IN"
sleep 0.5
topo_link src "$SRC_IF" $SRC_ADDR/30 relay "$RELAY_IN" $RELAY_ADDR/30
topo_settle
NEW_INDEX=$(nsx relay cat "/sys/class/net/$RELAY_IN/ifindex")
info "$RELAY_IN: ifindex $OLD_INDEX, now $NEW_INDEX"
expect "$NEW_INDEX" -ne "$OLD_INDEX" "a new interface index"

step "A: $COUNT_A packets at $RATE pps from the new $RELAY_IN"
start_sink sink -j "$(topo_sinkif 1),$GROUP_A" -d 10 --idle-exit 1
A_JSON=$SINK_JSON
run_gen src -i "$SRC_IF" -g $GROUP_A -r $RATE -c $COUNT_A
wait_sink

step "$RELAY_IN down and up again: A relays"
ip -n "$(ns relay)" link set "$RELAY_IN" down || fail "cannot set $RELAY_IN down"
sleep 0.2
ip -n "$(ns relay)" link set "$RELAY_IN" up || fail "cannot set $RELAY_IN up"
topo_settle
sleep 0.2
start_sink sink -j "$(topo_sinkif 1),$GROUP_A" --count 1000 -d 10 --idle-exit 1
UP_JSON=$SINK_JSON
run_gen src -i "$SRC_IF" -g $GROUP_A -r $RATE -c 1000
wait_sink

expect "$(worker_fds)" -eq "$FDS_BEFORE" "workers' open files (the old $RELAY_IN's closed)"

step "Adding rule C afterwards"
nsx relay "$MCRCTL" --socket "$MCRD_SOCK" add --name C --input-interface "$RELAY_IN" \
	--input-group 239.1.1.3 --input-port 5000 --output "$(topo_out 1)" >"$TMPD/add.out" 2>&1 ||
	fail "adding C after the re-creation failed: $(cat "$TMPD/add.out")"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$B_JSON" $COUNT_B
# Resumed within 1 s of the first packet sent: at most RATE packets missing, then none.
expect_json "$A_JSON" .received -ge $((COUNT_A - RATE)) "A packets from the new $RELAY_IN"
expect_json "$A_JSON" '.listeners[0].streams[0] | .last_seq - .first_seq + 1 - .unique' \
	-eq 0 "A packets missing after it resumed"
expect_json "$A_JSON" '.listeners[0].streams[0].last_seq' -eq $((COUNT_A - 1)) "A's last packet"
expect_sink_exact "$UP_JSON" 1000
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "B") | .outputs[0].packets_out' \
	-eq $COUNT_B "B packets out"
expect_json "$SUMMARY" '[.inputs[] | select(.interface == "'"$IN2"'") | .kernel_drops] | add' \
	-eq 0 "kernel drops on $IN2"
expect_grep "$MCRD_ERR" "rule \"A\": every interface it names is there" "A resumed"
expect "$(grep -c 'error' "$MCRD_ERR")" -eq 0 "errors logged"

pass
