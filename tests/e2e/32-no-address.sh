#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Bug 7: an output interface without an IPv4 address.  Sending from "the
# relay's address" there used to put 0.0.0.0 in every frame, which receivers
# drop.  Such a rule is now refused, at start (--check-config too) and by
# mcrctl add, naming the rule and the interface; with "source": "keep" or a
# given address the same output relays, and never from 0.0.0.0.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=hdrlib.sh
. "$(dirname "$0")/hdrlib.sh"

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

N=40
e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

step "Creating world; output 2 loses its address"
topo_standard 2
O2=$(topo_out 2)
K2=$(topo_sinkif 2)
ip -n "$(ns relay)" addr flush dev "$O2" || fail "cannot remove $O2's address"
WANT="rules[0] (\"nb\").outputs[0]: interface \"$O2\" has no IPv4 address"

step "A rule sending from the relay's address on $O2 is refused"
run_mcrd relay --check-config -r "nb=$RELAY_IN,239.1.1.2:5000 -> $O2"
expect "$MCRD_RC" -eq 2 "--check-config exit status"
expect_grep "$MCRD_ERR" "$WANT" "--check-config names rule and interface"
expect_grep "$MCRD_ERR" '"source" to an address or to "keep"' "--check-config says what to do"
run_mcrd relay -r "nb=$RELAY_IN,239.1.1.2:5000 -> $O2"
expect "$MCRD_RC" -eq 2 "start exit status"
expect_grep "$MCRD_ERR" "$WANT" "start names rule and interface"
info "     $(head -n 1 "$MCRD_ERR")"

step "mcrctl add of such a rule is refused; with source keep or an address it is not"
start_mcrd relay --stats-interval 0 -r "ok=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
if ctl add --name nb --input-interface "$RELAY_IN" --input-group 239.1.1.2 --input-port 5000 \
	--output "$O2" >"$TMPD/add.out" 2>"$TMPD/add.err"; then
	fail "mcrctl add of a rule sending from no address succeeded"
fi
expect_grep "$TMPD/add.err" "interface \"$O2\" has no IPv4 address" "mcrctl add refusal"
info "     $(head -n 1 "$TMPD/add.err")"
expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules after the refused add"
ctl add --name kept --input-interface "$RELAY_IN" --input-group 239.1.1.2 --input-port 5000 \
	--output "$O2" --output-source keep || fail "mcrctl add with --output-source keep failed"
ctl add --name given --input-interface "$RELAY_IN" --input-group 239.1.1.3 --input-port 5000 \
	--output "$O2" --output-source 198.18.200.9 || fail "mcrctl add with a given source failed"

step "Both relay, from the sender's and from the given address"
start_sink sink -j "$K2,239.1.1.2:5000" -j "$K2,239.1.1.3:5000" --count $N -d 15 --idle-exit 2
cap_start sink "$K2" $((2 * N)) o2
cap_ready
start_gen src -i "$SRC_IF" -g 239.1.1.2:5000 -r 1000 -c $N
run_gen src -i "$SRC_IF" -g 239.1.1.3:5000 -r 1000 -c $N
cap_wait o2
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_cap o2 239.1.1.2:5000 $N "tos=0x0 ttl=15 flags=DF src=$SRC_ADDR"
expect_cap o2 239.1.1.3:5000 $N "tos=0x0 ttl=15 flags=DF src=198.18.200.9"
expect "$(cap_fields o2 | grep -c 'src=0.0.0.0')" -eq 0 "packets from 0.0.0.0"
expect_sink_exact "$SINK_JSON" $((2 * N))
pass
