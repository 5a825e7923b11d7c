#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Traffic that fails the kernel's reverse-path check is still relayed.  The
# relay namespace runs strict rp_filter and has no route back to
# 198.19.254.0/24.  A witness socket inside the relay namespace, joined to
# the group on the ingress interface, shows what the kernel itself accepts:
# everything from the connected source 198.18.0.1 (control), nothing from
# 198.19.254.1, whose drops the kernel counts as IPReversePathFilter.  mcrd
# reads frames before the IP layer and relays both batches completely.
# Under --ingress xdp the rule's frames are redirected before the IP stack:
# the witness gets none of either batch and rp_filter counts none of them.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=3000
RATE=10000
GROUP=239.1.1.1:5000
FOREIGN=198.19.254.1

# The relay namespace's count of packets dropped by rp_filter.
rpf_drops()
{
	nsx relay cat /proc/net/netstat | awk '
		$1 == "TcpExt:" && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == "TcpExt:" && hdr { print $col["IPReversePathFilter"] + 0 }'
}

e2e_init
require_bins mcrd mcrgen mcrsink
INGRESS=$(e2e_ingress)
# A witness that receives nothing waits for its whole duration.
WITNESS_D=20
[ "$INGRESS" != xdp ] || WITNESS_D=3

step "Creating world"
topo_standard 1
ip -n "$(ns src)" addr add $FOREIGN/24 dev "$SRC_IF" || fail "cannot add $FOREIGN"
nsx relay sysctl -qw net.ipv4.conf.all.rp_filter=1 || fail "cannot set rp_filter"
nsx relay sysctl -qw "net.ipv4.conf.$RELAY_IN.rp_filter=1" || fail "cannot set rp_filter"
info "relay namespace: rp_filter=1, route to $FOREIGN: $(nsx relay ip -o route get $FOREIGN 2>&1)"

step "Starting relay"
start_mcrd relay -r "rpf=$RELAY_IN,$GROUP -> $(topo_out 1)"

step "Control: $COUNT packets from the connected source $SRC_ADDR"
start_sink relay -j "$RELAY_IN,$GROUP" -d $WITNESS_D --idle-exit 2
WITNESS1=$SINK_JSON
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2
SINK1=$SINK_JSON
run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
wait_sink

step "Test: $COUNT packets from $FOREIGN, which fails the reverse-path check"
before=$(rpf_drops)
start_sink relay -j "$RELAY_IN,$GROUP" -d 3
WITNESS2=$SINK_JSON
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2
SINK2=$SINK_JSON
run_gen src -i "$SRC_IF" -g $GROUP --source $FOREIGN -r $RATE -c $COUNT -d 10
wait_sink
after=$(rpf_drops)
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
if [ "$INGRESS" = xdp ]; then
	# The XDP program takes the rule's frames before the IP stack sees them.
	expect_json "$WITNESS1" .received -eq 0 "kernel socket in relay ns under xdp, control source: received"
	expect $((after - before)) -eq 0 "IPReversePathFilter drops in the relay namespace under xdp"
else
	expect_json "$WITNESS1" .received -eq $COUNT "kernel socket in relay ns, control source: received"
	expect $((after - before)) -ge $COUNT "IPReversePathFilter drops in the relay namespace"
fi
expect_sink_exact "$SINK1" $COUNT
expect_json "$WITNESS2" .received -eq 0 "kernel socket in relay ns, foreign source: received"
expect_sink_exact "$SINK2" $COUNT
read_summary
expect_json "$SUMMARY" '.rules[0].packets_in' -eq $((2 * COUNT))
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $((2 * COUNT))
expect_relay_clean "$SUMMARY"

pass
