#!/bin/sh
# SPDX-License-Identifier: MIT
#
# An output interface deleted and created again while packets flow: rule A
# relays to o1, rule B to o2, both from the same input.  o1's veth pair is
# deleted and re-created (a new ifindex) in the middle of both streams.
# B, which does not use o1, loses nothing; A relays to the new o1 within a
# second of it coming up, through a new TX ring, without a restart or an
# unrelated change to wake it.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RATE=2000
COUNT_B=8000		# 4 s of B
WINDOW=2		# seconds A's new listener listens
GROUP_A=239.1.1.1:5000
GROUP_B=239.1.1.2:5000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 2
O1=$(topo_out 1)
K1=$(topo_sinkif 1)

step "Starting relay: A -> $O1, B -> $(topo_out 2)"
start_mcrd relay --stats-interval 0 \
	-r "A=$RELAY_IN,$GROUP_A -> $O1" -r "B=$RELAY_IN,$GROUP_B -> $(topo_out 2)"

step "Streaming A and B at $RATE pps each"
start_sink sink -j "$(topo_sinkif 2),$GROUP_B" --count $COUNT_B -d 20 --idle-exit 3
start_gen src -i "$SRC_IF" -g $GROUP_B -r $RATE -c $COUNT_B -d 15
start_gen src -i "$SRC_IF" -g $GROUP_A -r $RATE -c $COUNT_B -d 15
sleep 1

FDS_BEFORE=$(worker_fds)
step "Deleting $O1 and creating it again"
OLD_INDEX=$(nsx relay cat "/sys/class/net/$O1/ifindex")
ip -n "$(ns relay)" link del "$O1" || fail "cannot delete $O1"
sleep 0.5
topo_link relay "$O1" "$(topo_out_addr 1 1)/30" sink "$K1" "$(topo_out_addr 1 2)/30"
topo_settle
NEW_INDEX=$(nsx relay cat "/sys/class/net/$O1/ifindex")
info "$O1: ifindex $OLD_INDEX, now $NEW_INDEX"
expect "$NEW_INDEX" -ne "$OLD_INDEX" "a new interface index"

step "A's listener on the new $K1 for $WINDOW s"
start_sink sink -j "$K1,$GROUP_A" -d $WINDOW
A_JSON=$SINK_JSON
wait_gen
wait_sink

step "Analyzing"
expect_sink_exact "$TMPD/sink1.json" $COUNT_B
# Resumed within 1 s: at least the last WINDOW - 1 seconds arrived, in one run.
expect_json "$A_JSON" .received -ge $((RATE * (WINDOW - 1))) "A packets on the new $O1"
expect_json "$A_JSON" '.listeners[0].streams[0] | .last_seq - .first_seq + 1 - .unique' \
	-eq 0 "A packets missing after it resumed"
expect "$(worker_fds)" -eq "$FDS_BEFORE" "workers' open files (the old $O1's closed)"
ctl_json=$TMPD/stats.json
nsx relay "$MCRCTL" --socket "$MCRD_SOCK" --json stats >"$ctl_json" || fail "mcrctl stats failed"
expect_json "$ctl_json" '[.rules[] | select(.waiting)] | length' -eq 0 "rules waiting"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "B") | .outputs[0].packets_out' \
	-eq $COUNT_B "B packets out"
expect_json "$SUMMARY" '.rules[] | select(.name == "B") | .outputs[0].drops' -eq 0 "B drops"
expect_json "$SUMMARY" '[.inputs[].kernel_drops] | add' -eq 0 "kernel drops"
expect_grep "$MCRD_ERR" "rule \"A\": interface $O1 is gone" "A waits while $O1 is missing"
expect "$(grep -c 'error' "$MCRD_ERR")" -eq 0 "errors logged"

pass
