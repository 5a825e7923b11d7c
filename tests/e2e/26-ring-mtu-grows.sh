#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# The receive ring follows its input's MTU.  Its slots are fixed-size
# (TPACKET_V2), sized for the MTU the input had when the ring was set up:
# 1500 here.  Once the input's MTU is raised to 9000 while mcrd runs, the
# worker sets the ring up again with bigger slots (it says so in its log),
# and 8,900-byte payloads are relayed whole, none lost and none counted as
# too_big.  A ring left with its 1500-byte slots would cut each of them
# short and count it as too_big.
#
# The ring is named explicitly, whatever MCRD_EXTRA_ARGS says: a multishot
# receive has no ring to set up again (e2e 23 covers its jumbo frames).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=300
RATE=3000
SIZE=8900
GROUP=239.26.0.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world: MTU 9000 on the output, 1500 on the input"
topo_standard 1
ip -n "$(ns relay)" link set "$(topo_out 1)" mtu 9000 || fail "cannot set an MTU"
ip -n "$(ns sink)" link set "$(topo_sinkif 1)" mtu 9000 || fail "cannot set an MTU"
topo_settle

start_mcrd relay --ingress ring --workers 1 --stats-interval 0 \
	-r "jumbo=$RELAY_IN,$GROUP -> $(topo_out 1)"

step "Raising the input's MTU to 9000 while mcrd runs"
ip -n "$(ns src)" link set "$SRC_IF" mtu 9000 || fail "cannot set the MTU of $SRC_IF"
ip -n "$(ns relay)" link set "$RELAY_IN" mtu 9000 || fail "cannot set the MTU of $RELAY_IN"
_i=0
until grep -q "$RELAY_IN: receive ring set up again for MTU 9000" "$MCRD_ERR"; do
	[ $_i -lt 50 ] || fail "the worker did not set its ring up again within 5 s: $(tail -n 3 "$MCRD_ERR")"
	sleep 0.1
	_i=$((_i + 1))
done
info "the ring was set up again for MTU 9000"

step "$COUNT payloads of $SIZE bytes"
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 10 --idle-exit 1
run_gen src -i "$SRC_IF" -g $GROUP -s $SIZE -r $RATE -c $COUNT -d 5
wait_sink
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $COUNT
read_summary
# The rule's and the totals' counters, not the input's: right after the
# MTU change the final summary has been seen without its inputs section.
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
expect_json "$SUMMARY" .totals.too_big -eq 0
expect_json "$SUMMARY" .totals.kernel_drops -eq 0
expect_relay_clean "$SUMMARY"
pass
