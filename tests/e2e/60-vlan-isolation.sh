#!/bin/sh
# SPDX-License-Identifier: MIT
#
# VLAN isolation (issue 9): frames of a VLAN trunked to the input must not
# come out of the outputs untagged.  Two rules take the same group and
# port: "plain" (no vlan: untagged frames) relays to link 1, "v666"
# ("vlan": 666) to link 2.  rawframe injects, on the input, untagged
# frames, priority-tagged ones (VID 0), VLAN 666, VLAN 100, QinQ (802.1ad
# 666 over 802.1Q 666), two 802.1Q tags, and a priority tag over VLAN 666.
# Link 1 must get exactly the untagged and VID 0 frames, link 2 exactly the
# VLAN 666 ones, and every other frame counts as vlan_dropped on the input.
# The whole round runs twice: with the input's rx-vlan offload on (the tag
# reaches mcrd as metadata) and off.  mcrctl shows and checks the field,
# and /metrics exports the counter.
#
# Before the fix, every tagged frame was relayed untagged on link 1.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

N=100
RATE=2000
GROUP=239.1.1.1:5000
METRICS=9460
# kind name, then rawframe's --tag options (none: untagged)
RELAYED_PLAIN="untagged prio"
RELAYED_666="v666"
DROPPED="v100 qinq dot1q2 prio666"

e2e_init
require_bins mcrd mcrctl mcrsink tests/rawframe
command -v ethtool >/dev/null 2>&1 || skip "needs ethtool"
command -v curl >/dev/null 2>&1 || skip "needs curl"

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

tags_of()
{
	case $1 in
	untagged) ;;
	prio) echo "--tag 0" ;;
	v666) echo "--tag 666" ;;
	v100) echo "--tag 100" ;;
	qinq) echo "--tag 88a8:666 --tag 666" ;;
	dot1q2) echo "--tag 666 --tag 100" ;;
	prio666) echo "--tag 0 --tag 666" ;;
	*) fail "internal: unknown kind $1" ;;
	esac
}

inject()
{
	# shellcheck disable=SC2046 # the tag options are words
	nsx src "$RAWFRAME" -i "$SRC_IF" --dst-group $GROUP --kind good -c $N --rate $RATE \
		$(tags_of "$1") >>"$TMPD/rawframe.out" 2>&1 || fail "rawframe ($1) failed"
}

input_counter()
{
	ctl --json stats | jq -r ".inputs[] | select(.interface == \"$RELAY_IN\") | .$1"
}

# round LABEL: inject every kind once; check what each link got.
ROUND=0
round()
{
	ROUND=$((ROUND + 1))
	step "Round $ROUND: $1"
	start_sink sink -j "$(topo_sinkif 1),$GROUP" -j "$(topo_sinkif 2),$GROUP" -d 15 \
		--idle-exit 1
	for k in $RELAYED_PLAIN $RELAYED_666 $DROPPED; do
		inject "$k"
	done
	wait_sink
	pid_alive "$MCRD_PID" || fail "mcrd died during the injection"
	expect_json "$SINK_JSON" '.listeners[0].received' -eq $((2 * N)) \
		"link 1 (untagged rule): untagged + VID 0 frames"
	expect_json "$SINK_JSON" '.listeners[1].received' -eq $N \
		"link 2 (vlan 666 rule): VLAN 666 frames"
	expect "$(input_counter vlan_dropped)" -eq $((ROUND * 4 * N)) \
		"input vlan_dropped (VLAN 100, QinQ, two tags, VID 0 over 666)"
	expect "$(input_counter unmatched)" -eq 0 "input unmatched"
}

step "Creating world"
topo_standard 2

step "Starting relay"
start_mcrd relay --metrics $METRICS \
	-r "plain=$RELAY_IN,$GROUP -> $(topo_out 1)" \
	-r "v666=$RELAY_IN,$GROUP,vlan=666 -> $(topo_out 2)"

step "The vlan field through mcrctl"
expect "$(ctl --json list | jq '.rules[] | select(.name == "v666") | .input.vlan')" -eq 666 \
	"list --json: v666's input.vlan"
expect_str "$(ctl --json list | jq -r '.rules[] | select(.name == "plain") | .input.vlan')" null \
	"list --json: plain has no vlan"
expect_str "$(ctl list | awk '$1 == "v666" { print $3 }')" 666 "list: v666's VLAN column"
ctl add --input-interface "$RELAY_IN" --input-group 239.1.1.2 --vlan 4095 \
	--output "$(topo_out 1)" >"$TMPD/add.out" 2>&1 && fail "mcrctl add --vlan 4095 was accepted"
expect_grep "$TMPD/add.out" "vlan: 4095 is not a VLAN ID (1..4094" "the refusal names the value"
expect "$(ctl --json list | jq '.rules | length')" -eq 2 "rules after the refused add"

nsx relay ethtool -K "$RELAY_IN" rxvlan on >/dev/null 2>&1 || true
round "rx-vlan offload: $(nsx relay ethtool -k "$RELAY_IN" | awk '/^rx-vlan-offload/ { print $2 }')"

nsx relay ethtool -K "$RELAY_IN" rxvlan off || fail "cannot turn rx-vlan offload off"
round "rx-vlan offload: $(nsx relay ethtool -k "$RELAY_IN" | awk '/^rx-vlan-offload/ { print $2 }')"

step "Prometheus"
nsx relay curl -sS --max-time 3 "http://127.0.0.1:$METRICS/metrics" >"$TMPD/metrics.txt" ||
	fail "cannot fetch /metrics"
expect_grep "$TMPD/metrics.txt" "mcr_input_vlan_dropped_total{interface=\"$RELAY_IN\"} $((8 * N))" \
	"/metrics counts the dropped frames"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.inputs[0].vlan_dropped' -eq $((8 * N)) "summary vlan_dropped"
expect_json "$SUMMARY" '.rules[] | select(.name == "plain") | .packets_in' -eq $((4 * N))
expect_json "$SUMMARY" '.rules[] | select(.name == "v666") | .packets_in' -eq $((2 * N))
expect_json "$SUMMARY" '.inputs[0].frames' -eq $((14 * N)) "input frames (every kind passed the filter)"
expect_relay_clean "$SUMMARY"

pass
