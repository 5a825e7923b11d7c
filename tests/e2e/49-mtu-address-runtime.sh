#!/bin/sh
# SPDX-License-Identifier: MIT
#
# An output's MTU lowered while mcrd runs takes effect without a reload
# (bug 9): rule "fan" relays to o1 and o2; once o2's MTU drops from 1500
# to 1000, 1200-byte datagrams reach o1 only and o2 counts each as too big
# (and dropped) instead of sending frames its link cannot carry, while 900-byte ones
# still reach both.  Then o1's IPv4 address changes: the frames on its
# wire carry the new source address.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

BIG=300
SMALL=400
RATE=5000
GROUP=239.1.1.1:5000
NEW_ADDR=198.19.99.1
CAPTURED=50

e2e_init
require_bins mcrd mcrgen mcrsink
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
case "${MCRD_EXTRA_ARGS:-}" in
*"egress udp"*) skip "UDP egress fragments what the link cannot carry: nothing to check" ;;
esac

step "Creating world"
topo_standard 2
O2=$(topo_out 2)

step "Starting relay: 1 -> 2, all at MTU 1500"
start_mcrd relay --stats-interval 0 -r "fan=$RELAY_IN,$GROUP -> $(topo_out 1); $O2"

step "Lowering $O2's MTU to 1000 at run time"
ip -n "$(ns relay)" link set "$O2" mtu 1000 || fail "cannot set the MTU"
ip -n "$(ns sink)" link set "$(topo_sinkif 2)" mtu 1000 || fail "cannot set the MTU"
sleep 0.3

expect_mtu_split "$GROUP" $RATE $BIG $SMALL

step "$(topo_out 1)'s address changes to $NEW_ADDR: frames leave from it"
ip -n "$(ns relay)" addr flush dev "$(topo_out 1)" || fail "cannot remove the address"
ip -n "$(ns relay)" addr add "$NEW_ADDR/24" dev "$(topo_out 1)" || fail "cannot add the address"
sleep 0.3
CAP=$TMPD/o1.pcap
ip netns exec "$(ns sink)" timeout 10 tcpdump -i "$(topo_sinkif 1)" -n -U -c $CAPTURED \
	-w "$CAP" udp and dst port 5000 2>"$TMPD/tcpdump.err" &
CAP_PID=$!
track_pid $CAP_PID
i=0
while ! grep -q "listening on" "$TMPD/tcpdump.err" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
run_gen src -i "$SRC_IF" -g $GROUP -r 1000 -c $CAPTURED
wait_pid_exit $CAP_PID 100 || fail "tcpdump did not see $CAPTURED frames"
untrack_pid $CAP_PID
FROM_NEW=$(tcpdump -r "$CAP" -n 2>/dev/null | grep -c "IP $NEW_ADDR\.")
expect "$FROM_NEW" -eq $CAPTURED "frames from $NEW_ADDR"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $((BIG + SMALL + CAPTURED)) \
	"o1 packets out"
expect_json "$SUMMARY" '.rules[0].outputs[0].drops' -eq 0 "o1 drops"
expect_json "$SUMMARY" '.rules[0].outputs[1].packets_out' -eq $((SMALL + CAPTURED)) \
	"o2 packets out"
expect_json "$SUMMARY" '.rules[0].outputs[1].drops' -eq $BIG "o2 drops (too big)"
expect_json "$SUMMARY" '.rules[0].outputs[1].too_big' -eq $BIG "o2 too_big"
expect_json "$SUMMARY" '.rules[0].outputs[1].send_errors' -eq 0 "o2 send errors"

pass
