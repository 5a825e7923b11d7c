#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Issue 9, duplicates: two mcrd (each with its own control socket) in one
# network namespace relaying the same input double the traffic of the
# outputs they share.  Each must say so, naming the rule, the input and the
# other daemon's pid; a rule of the second on another port of the group is
# no duplicate and draws no warning, nor does one of the same group on a
# VLAN (until the first relays that VLAN too); once the first daemon drops the rule, the second's next change says
# it is the only relay again.
# Under --ingress xdp an interface takes one XDP program: the second relay
# says (at debug level) that the hook is held, relays the input through its
# packet socket only and never sees the first's rule traffic, so nothing
# arrives twice; the warnings are the same.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=500
RATE=2000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl
INGRESS=$(e2e_ingress)
# Under xdp the second relay's reason for not attaching is a debug message.
LOG2=
[ "$INGRESS" != xdp ] || LOG2="--log-level debug"

# wait_grep FILE TEXT: until FILE holds TEXT (3 s at most).
wait_grep()
{
	_i=0
	while ! grep -qF -- "$2" "$1"; do
		[ $_i -lt 30 ] || break
		sleep 0.1
		_i=$((_i + 1))
	done
	expect_grep "$1" "$2" "$3"
}

step "Creating world"
topo_standard 2

step "Starting the first relay, then a second one with the same input"
start_mcrd relay --workers 1 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
PID1=$MCRD_PID
ERR1=$MCRD_ERR
SOCK1=$MCRD_SOCK
# shellcheck disable=SC2086 # LOG2 is empty or two words
start_mcrd relay --workers 1 --stats-interval 0 $LOG2 \
	-r "B=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)" \
	-r "C=$RELAY_IN,239.1.1.1:6000 -> $(topo_out 2)" \
	-r "V=$RELAY_IN,239.1.1.1:5000,vlan=100 -> $(topo_out 2)"
PID2=$MCRD_PID
ERR2=$MCRD_ERR
SOCK2=$MCRD_SOCK

step "Both say so"
wait_grep "$ERR2" "rule \"B\": pid $PID1 (another mcrd?) already relays input $RELAY_IN 239.1.1.1:5000 from any source" \
	"the second relay's warning"
wait_grep "$ERR1" "rule \"A\": pid $PID2 (another mcrd?) relays input $RELAY_IN 239.1.1.1:5000 from any source too" \
	"the first relay's warning"
expect "$(grep -c "6000" "$ERR1" "$ERR2" | awk -F: '{ n += $2 } END { print n }')" -eq 0 \
	"warnings about the other port"
expect "$(grep -c "rule \"V\"\|VLAN" "$ERR1" "$ERR2" | awk -F: '{ n += $2 } END { print n }')" -eq 0 \
	"warnings about the same group on VLAN 100"

step "The same group on VLAN 100 in both: that is a duplicate too"
"$MCRCTL" --socket "$SOCK1" add --name W --input-interface "$RELAY_IN" --input-group 239.1.1.1 \
	--input-port 5000 --vlan 100 --output "$(topo_out 2)" >/dev/null || fail "mcrctl add W failed"
wait_grep "$ERR1" "rule \"W\": pid $PID2 (another mcrd?) already relays input $RELAY_IN 239.1.1.1:5000 from any source on VLAN 100" \
	"the first relay's warning about VLAN 100"
"$MCRCTL" --socket "$SOCK1" remove W >/dev/null || fail "mcrctl remove W failed"

if [ "$INGRESS" = xdp ]; then
	step "Under xdp the first relay holds the XDP hook: nothing arrives twice"
	wait_grep "$ERR2" "$RELAY_IN: another worker (or program) holds its XDP hook" \
		"the second relay's reason for not attaching"
	expect "$(xdp_prog_id relay "$RELAY_IN" | wc -w)" -eq 1 "XDP programs on $RELAY_IN"
	DUPS=0
else
	step "What they warn about: every packet arrives twice"
	DUPS=$COUNT
fi
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $((2 * COUNT)) -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT
wait_sink
expect_json "$SINK_JSON" .unique -eq $COUNT
expect_json "$SINK_JSON" .duplicates -eq $DUPS

step "The first relay drops A; the second's next change finds the input free"
# The first relay's worker still runs: it must not hold the name on its own.
"$MCRCTL" --socket "$SOCK1" remove A >/dev/null || fail "mcrctl remove A failed"
"$MCRCTL" --socket "$SOCK2" add --name D --input-interface "$RELAY_IN" --input-group 239.1.1.2 \
	--output "$(topo_out 2)" >/dev/null || fail "mcrctl add D failed"
wait_grep "$ERR2" "rule \"B\": no other process relays input $RELAY_IN 239.1.1.1:5000 from any source any more" \
	"the second relay's all-clear"
for MCRD_PID in $PID1 $PID2; do
	stop_mcrd
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
done

pass
