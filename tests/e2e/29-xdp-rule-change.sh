#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# --ingress xdp keeps the XDP program's rule map in step with the rules.
# With rule A (239.1.1.1:5000) only, group B (239.1.1.2:5000) would pass to
# the relay's IP stack (e2e 27 shows a non-matching port doing so).  Once B
# is added with mcrctl, B is relayed and no longer reaches the stack (a
# listener there gets nothing).  Once A is removed, A passes to the stack
# again (the listener gets all of it) and is no longer relayed.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=1000
RATE=10000
A=239.1.1.1:5000
B=239.1.1.2:5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

# phase GROUP: COUNT packets to GROUP, with a sink behind the relay and a
# listener on the relay host; sets OUT_JSON, HOST_JSON and STACK (what the
# relay's IP stack received meanwhile).
phase()
{
	start_sink sink -j "$(topo_sinkif 1),$1" -d 2 --idle-exit 1
	OUT_JSON=$SINK_JSON
	start_sink relay -j "$RELAY_IN,$1" -d 2 --idle-exit 1
	HOST_JSON=$SINK_JSON
	_m0=$(stack_mcast_in relay)
	run_gen src -i "$SRC_IF" -g "$1" -r $RATE -c $COUNT -d 10
	wait_sink
	STACK=$(($(stack_mcast_in relay) - _m0))
	info "$1: relayed $(json_get "$OUT_JSON" .received), host $(json_get "$HOST_JSON" .received)," \
		"stack $STACK"
}

step "Creating world"
topo_standard 1

step "Starting relay with --ingress xdp and rule A ($A)"
start_mcrd relay --ingress xdp -r "A=$RELAY_IN,$A -> $(topo_out 1)"

step "Adding rule B: relayed, past the stack"
ctl add --name B --input-interface "$RELAY_IN" --input-group "${B%:*}" --input-port "${B#*:}" \
	--output "$(topo_out 1)" >/dev/null 2>"$TMPD/change.err" || fail "add B: $(cat "$TMPD/change.err")"
phase $B
expect_sink_exact "$OUT_JSON" $COUNT
expect_json "$HOST_JSON" .received -eq 0 "B on the relay host once B is a rule"
expect "$STACK" -lt $((COUNT / 10)) "B packets the relay's stack received once B is a rule"

step "Removing rule A: to the relay's stack again, not relayed"
ctl remove A >/dev/null 2>"$TMPD/change.err" || fail "remove A: $(cat "$TMPD/change.err")"
phase $A
expect_json "$OUT_JSON" .received -eq 0 "A relayed after its removal"
expect_sink_exact "$HOST_JSON" $COUNT
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

pass
