#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The ingress filter of one input interface holds at most 256 IPv6 groups
# beside its IPv4 ones, and the supervisor measures it before a change
# reaches any worker: with 256 IPv6 groups and one IPv4 group on the input,
# mcrctl add of a 257th IPv6 group is refused naming the interface, both
# counts and the limits, no worker is asked, and an IPv4 and an IPv6 stream
# on the interface lose nothing.  A second IPv4 group still fits (the
# families have limits of their own), and so does a new port on a group
# the filter already has.  (Before, the supervisor read an IPv6 group's
# first four bytes as an IPv4 address, counting ff3e::1:N as one group, and
# the workers refused the change at prepare.)
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=v6lib.sh
. "$(dirname "$0")/v6lib.sh"

LIMIT6=256
LIMIT4=1000
COUNT=4000
RATE=2000

e2e_init
require_bins mcrd mcrctl mcrgen mcrsink

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

step "Creating world: 1 input with $LIMIT6 IPv6 groups and 1 IPv4 group"
topo_v6 1
jq -n --arg in "$RELAY_IN" --arg out "$(topo_out 1)" --argjson n $LIMIT6 '{rules: ([range(1; $n + 1) |
	{name: "v6_\(.)", input: {interface: $in, group: "ff3e::1:\(. | tostring)", port: 5000},
	 outputs: [{interface: $out}]}] + [{name: "v4", input: {interface: $in,
	 group: "239.1.1.1", port: 5000}, outputs: [{interface: $out}]}])}' >"$TMPD/mcrd.json" ||
	fail "cannot write the configuration"
start_mcrd relay --stats-interval 0 -c "$TMPD/mcrd.json"
expect "$(ctl --json list | jq '.rules | length')" -eq $((LIMIT6 + 1)) "rules in force"

step "Streaming IPv4 and IPv6 on the full interface"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2
SINK4=$SINK_JSON
start_sink sink -j "$(topo_sinkif 1),[ff3e::1:1]:5000" --count $COUNT -d 20 --idle-exit 2
SINK6=$SINK_JSON
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
GEN4=$GEN_JSON
start_gen src -i "$SRC_IF" -g "[ff3e::1:1]:5000" --source $V6_SRC -r $RATE -c $COUNT -d 10
GEN6=$GEN_JSON
sleep 0.5

step "mcrctl add of IPv6 group $((LIMIT6 + 1)) is refused by the supervisor"
if ctl add --name over --input-interface "$RELAY_IN" --input-group ff3e::2:1 --input-port 5000 \
	--output "$(topo_out 1)" >"$TMPD/add.out" 2>"$TMPD/add.err"; then
	fail "mcrctl add of IPv6 group $((LIMIT6 + 1)) on $RELAY_IN succeeded"
fi
expect_grep "$TMPD/add.err" "input interface $RELAY_IN: 1 IPv4 and $((LIMIT6 + 1)) IPv6 groups" \
	"the add's error names the interface and both counts"
expect_grep "$TMPD/add.err" "at most $LIMIT4 distinct input groups of IPv4 and $LIMIT6 of IPv6" \
	"the add's error names the limits"
expect_grep "$TMPD/add.err" "spread the groups over more interfaces" "the add's error says what to do"
if grep -q "refused" "$MCRD_ERR"; then
	fail "a worker was asked to prepare the change: $(grep refused "$MCRD_ERR" | head -n 1)"
fi
info "ok   no worker saw the change"

step "What still fits: a second IPv4 group, a new port on a present IPv6 group"
ctl add --name v4b --input-interface "$RELAY_IN" --input-group 239.1.1.2 --input-port 5000 \
	--output "$(topo_out 1)" >/dev/null 2>"$TMPD/add4.err" ||
	fail "mcrctl add of a second IPv4 group failed: $(cat "$TMPD/add4.err")"
ctl add --name v6port --input-interface "$RELAY_IN" --input-group ff3e::1:2 --input-port 5001 \
	--output "$(topo_out 1)" >/dev/null 2>"$TMPD/add6.err" ||
	fail "mcrctl add of a new port on ff3e::1:2 failed: $(cat "$TMPD/add6.err")"
expect "$(ctl --json list | jq '.rules | length')" -eq $((LIMIT6 + 3)) "rules after the adds"
expect "$(ctl --json list | jq '[.rules[] | select(.name == "over")] | length')" -eq 0 \
	"the refused rule is not listed"

if pid_alive "$(cat "$TMPD/gen$GEN_N.pid")"; then
	info "ok   the changes went through while both streams ran"
else
	info "note: the streams ended before the last change (a slow machine)"
fi

step "Analyzing: neither stream lost a packet"
wait_gen
wait_sink
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_json "$GEN4" .sent -eq $COUNT
expect_json "$GEN6" .sent -eq $COUNT
expect_sink_exact "$SINK4" $COUNT
expect_sink_exact "$SINK6" $COUNT

pass
