#!/bin/sh
# SPDX-License-Identifier: MIT
#
# IPv6, the first steps of issue 12: mcrgen and mcrsink carry IPv6 groups
# ([ff3e::1]:5000, streams stepping in the group), with zero loss over a
# veth; mcrd reads IPv6 rules in both forms, refuses a rule that mixes
# IPv4 and IPv6 naming both values, on mcrctl add, while its IPv4 rules go
# on relaying.  (IPv6 relaying itself: tests 74-76.)  Addresses: 2001:db8::/32 (documentation) on
# the test's own veths, groups ff3e::/ff0e:: inside the namespaces.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=1000
RATE=5000
STREAMS=3

e2e_init
require_bins mcrd mcrctl mcrgen mcrsink

step "Creating world"
topo_ns src
topo_ns relay
topo_ns sink
# No duplicate address detection: a tentative address cannot send.
for _n in src relay sink; do
	nsx "$_n" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 ||
		fail "cannot turn off DAD in $(ns "$_n")"
done
topo_link src "$SRC_IF" $SRC_ADDR/30 relay "$RELAY_IN" $RELAY_ADDR/30
topo_link relay "$(topo_out 1)" "$(topo_out_addr 1 1)/30" sink "$(topo_sinkif 1)" "$(topo_out_addr 1 2)/30"
ip -n "$(ns src)" addr add 2001:db8::1/64 dev "$SRC_IF" nodad || fail "cannot address $SRC_IF (IPv6)"
ip -n "$(ns relay)" addr add 2001:db8::2/64 dev "$RELAY_IN" nodad || fail "cannot address $RELAY_IN (IPv6)"
topo_settle

step "mcrgen -> mcrsink over IPv6: $STREAMS streams from [ff3e::1]:5000, stepping the group"
start_sink relay -j "$RELAY_IN,[ff3e::1]:5000" -n $STREAMS --step group --count $COUNT -d 15 \
	--idle-exit 2
run_gen src -i "$SRC_IF" -g "[ff3e::1]:5000" -n $STREAMS --step group --source 2001:db8::1 \
	-r $RATE -c $COUNT -d 10
wait_sink
expect_json "$GEN_JSON" .sent -eq $((COUNT * STREAMS))
expect_json "$GEN_JSON" .errors -eq 0
expect_json "$SINK_JSON" '.listeners | length' -eq $STREAMS
expect_json_str "$SINK_JSON" '[.listeners[].group] | sort | join(" ")' "ff3e::1 ff3e::2 ff3e::3" \
	"the listeners' groups"
expect_sink_exact "$SINK_JSON" $((COUNT * STREAMS))

step "mcrd: an IPv6 rule is read and taken"
run_mcrd relay --check-config -r "v6=$RELAY_IN,[ff3e::1]:5000,source=2001:db8::1 -> $(topo_out 1),[ff3e::2]:6000"
expect "$MCRD_RC" -eq 0 "IPv6 rule: --check-config exit status"

step "mcrctl add of a rule mixing the families is refused; the IPv4 rule keeps relaying"
start_mcrd relay -r "cam1=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
# A rule mixing the families is refused naming both values.
if "$MCRCTL" --socket "$MCRD_SOCK" add --name mix --input-interface "$RELAY_IN" \
	--input-group 239.1.1.2 --output "$(topo_out 1),[ff3e::2]:6000" >"$TMPD/mix.out" 2>"$TMPD/mix.err"; then
	fail "mcrctl add of a rule mixing IPv4 and IPv6 succeeded"
fi
expect_grep "$TMPD/mix.err" "(\"mix\"): the input group 239.1.1.2 is IPv4 but outputs[0]'s group ff3e::2 is IPv6" \
	"mixed rule: stderr"
"$MCRCTL" --socket "$MCRD_SOCK" list >"$TMPD/list.out" 2>&1 || fail "mcrctl list failed"
expect_grep "$TMPD/list.out" "cam1" "mcrctl list"
if grep -qE "^mix " "$TMPD/list.out"; then
	fail "a refused rule is listed"
fi
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 15 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $COUNT

pass
