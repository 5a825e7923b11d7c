#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# Jumbo frames: with MTU 9000 on the input and on two outputs, 8,900-byte
# payloads are relayed 1:2 without loss, on both egress paths (l2 frames in
# the TX ring, udp sockets) and every ingress mode (receive ring, multishot
# receives into provided buffers, xdp, whose program passes frames longer
# than an AF_XDP frame on to the packet socket's ring).  A third output at MTU 1500 cannot carry
# them: an l2 output counts each as too_big (not as a send error, and the
# input counts nothing as malformed); a udp output leaves them to the
# kernel, which fragments them unless they must not be.
#
# Before the receive buffers were sized from the inputs' MTU, every such
# frame was counted as malformed and dropped.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=300
RATE=3000
SIZE=8900
GROUP=239.23.0.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

step "Creating world: MTU 9000 on the input and outputs 1, 2; 1500 on output 3"
topo_standard 3
ip -n "$(ns src)" link set "$SRC_IF" mtu 9000 || fail "cannot set the MTU of $SRC_IF"
ip -n "$(ns relay)" link set "$RELAY_IN" mtu 9000 || fail "cannot set the MTU of $RELAY_IN"
for i in 1 2; do
	ip -n "$(ns relay)" link set "$(topo_out $i)" mtu 9000 || fail "cannot set an MTU"
	ip -n "$(ns sink)" link set "$(topo_sinkif $i)" mtu 9000 || fail "cannot set an MTU"
done
topo_settle

# cell INGRESS EGRESS
cell()
{
	step "ingress $1, egress $2: $COUNT payloads of $SIZE bytes, 1:3"
	start_mcrd relay --ingress "$1" --egress "$2" --workers 1 --stats-interval 0 \
		-r "jumbo=$RELAY_IN,$GROUP -> $(topo_out 1); $(topo_out 2); $(topo_out 3)"
	start_sink sink -j "$(topo_sinkif 1),$GROUP" -j "$(topo_sinkif 2),$GROUP" \
		-d 10 --idle-exit 1
	run_gen src -i "$SRC_IF" -g $GROUP -s $SIZE -r $RATE -c $COUNT -d 5
	wait_sink
	stop_mcrd
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
	expect_str "$(jq -r '[.listeners[] | "\(.received)/\(.lost)"] | join(" ")' "$SINK_JSON")" \
		"$COUNT/0 $COUNT/0" "received/lost on the two MTU 9000 outputs"
	expect_json "$SINK_JSON" .duplicates -eq 0
	expect_json "$SINK_JSON" .malformed -eq 0
	read_summary
	expect_str "$(jq -r '.inputs[0] | "\(.frames) \(.malformed) \(.too_big) \(.kernel_drops)"' \
		"$SUMMARY")" "$COUNT 0 0 0" "input frames, malformed, too_big, kernel_drops"
	expect_str "$(jq -r '[.rules[0].outputs[0, 1] | "\(.packets_out)/\(.bytes_out)"] |
		join(" ")' "$SUMMARY")" "$COUNT/$((COUNT * SIZE)) $COUNT/$((COUNT * SIZE))" \
		"packets/bytes out on the MTU 9000 outputs"
	expect_json "$SUMMARY" '[.rules[0].outputs[].send_errors] | add' -eq 0 "send errors"
	_o3=$(jq -r '.rules[0].outputs[2] | "\(.packets_out) \(.too_big) \(.drops)"' "$SUMMARY")
	if [ "$2" = l2 ]; then
		expect_str "$_o3" "0 $COUNT $COUNT" "MTU 1500 l2 output: packets_out, too_big, drops"
		expect_json "$SUMMARY" .totals.too_big -eq $COUNT "totals too_big"
	else
		# Fragmented by the kernel (sent), or refused as too big: never lost silently.
		_sent=${_o3%% *}
		_big=${_o3#* }
		_big=${_big%% *}
		expect $((_sent + _big)) -eq $COUNT "MTU 1500 udp output: packets_out + too_big"
	fi
}

for ingress in ring multishot xdp; do
	for egress in l2 udp; do
		cell $ingress $egress
	done
done

step "mcrctl stats -v shows the too_big counters"
start_mcrd relay --egress l2 --workers 1 --stats-interval 0 \
	-r "jumbo=$RELAY_IN,$GROUP -> $(topo_out 3)"
run_gen src -i "$SRC_IF" -g $GROUP -s $SIZE -r $RATE -c 10 -d 5
sleep 0.2
"$MCRCTL" --socket "$MCRD_SOCK" stats -v >"$TMPD/stats.txt" || fail "mcrctl stats -v failed"
expect_grep "$TMPD/stats.txt" "TOO BIG" "mcrctl stats -v header"
# A rule line ends with the TOO BIG and TTL EXPIRED columns.
expect_str "$(awk '$1 == "jumbo" { print $(NF - 1) }' "$TMPD/stats.txt")" 10 "jumbo's TOO BIG column"
stop_mcrd

step "The input's MTU raised at run time: the rules follow it, jumbo frames relay"
ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }
ip -n "$(ns relay)" link set "$RELAY_IN" mtu 1500 || fail "cannot set the MTU of $RELAY_IN"
start_mcrd relay --egress l2 --workers 1 --stats-interval 0 \
	-r "jumbo=$RELAY_IN,$GROUP -> $(topo_out 1)"
# The MTU change is a change of the rules' interfaces: the buffers grow with it (netlink).
ip -n "$(ns relay)" link set "$RELAY_IN" mtu 9000 || fail "cannot set the MTU of $RELAY_IN"
sleep 0.5
# A multishot receive may already hold a buffer at the old size: one frame to take it.
run_gen src -i "$SRC_IF" -g $GROUP -s $SIZE -c 1
sleep 0.2
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count 20 -d 10 --idle-exit 1
run_gen src -i "$SRC_IF" -g $GROUP -s $SIZE -r $RATE -c 20 -d 5
wait_sink
expect_sink_exact "$SINK_JSON" 20
ctl --json stats >"$TMPD/late.json" || fail "mcrctl stats failed"
# At most the one frame sent into the old buffer is lost (too_big, or truncated: malformed).
expect_json "$TMPD/late.json" '.inputs[0].too_big + .inputs[0].malformed' -le 1 \
	"input too_big + malformed after the MTU change"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

step "An input MTU above 9216: a warning that names it"
ip -n "$(ns relay)" link set "$RELAY_IN" mtu 9500 || fail "cannot set the MTU of $RELAY_IN"
start_mcrd relay --workers 1 --stats-interval 0 -r "jumbo=$RELAY_IN,$GROUP -> $(topo_out 1)"
stop_mcrd
expect_grep "$MCRD_ERR" "input $RELAY_IN: MTU 9500 is above the 9216" "warning"
pass
