#!/bin/sh
# SPDX-License-Identifier: MIT
#
# IPv6 relaying (issue 12), one mcrd, all at once: [ff3e::1]:5000 to 50
# outputs (1:1 on the first), 20 streams rewritten from ff3e::1:1.. to
# [ff0e::2:1]:6000.., and a source-specific rule on ff3e::9 that takes
# 2001:db8::1's stream and counts 2001:db8::3's as unmatched.  Every
# listener gets every packet once; the counters agree.  The inputs are
# joined with MLD (the ssm rule's source-specific).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=v6lib.sh
. "$(dirname "$0")/v6lib.sh"

N=50
COUNT=1000
RATE=4000
STREAMS=20

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world: 1 input, $N outputs, IPv6"
topo_v6 $N
ip -n "$(ns src)" addr add 2001:db8::3/64 dev "$SRC_IF" nodad || fail "cannot add 2001:db8::3"

fan="fan=$RELAY_IN,[ff3e::1]:5000 -> $(topo_out 1)"
joins="-j $(topo_sinkif 1),[ff3e::1]:5000"
i=2
while [ $i -le $N ]; do
	fan="$fan; $(topo_out $i)"
	joins="$joins -j $(topo_sinkif $i),[ff3e::1]:5000"
	i=$((i + 1))
done
set -- -r "$fan"
i=1
while [ $i -le $STREAMS ]; do
	h=$(printf '%x' $i)
	set -- "$@" -r "s$i=$RELAY_IN,[ff3e::1:$h]:5000 -> $(topo_out 2),[ff0e::2:$h]:6000"
	i=$((i + 1))
done
set -- "$@" -r "ssm=$RELAY_IN,[ff3e::9]:5000,source=$V6_SRC -> $(topo_out 3),[ff3e::9]:5000,source=keep"

step "Starting relay: $((STREAMS + 2)) IPv6 rules"
start_mcrd relay "$@"

step "MLD joins for the inputs: any source, and source-specific for ssm"
v6_joined relay "$RELAY_IN" ff3e::1 || fail "no MLD membership of ff3e::1 on $RELAY_IN"
v6_joined relay "$RELAY_IN" ff3e::1:14 || fail "no MLD membership of ff3e::1:14 on $RELAY_IN"
v6_joined_ssm relay "$RELAY_IN" ff3e0000000000000000000000000009 20010db8000000000000000000000001 ||
	fail "no source-specific MLD membership of ff3e::9 from $V6_SRC on $RELAY_IN"
info "ok   MLD memberships of ff3e::1, ff3e::1:14 and (ff3e::9, $V6_SRC)"

step "Starting sinks"
# shellcheck disable=SC2086 # joins is split into words on purpose
start_sink sink $joins --count $COUNT -d 20 --idle-exit 2
FAN_JSON=$SINK_JSON
start_sink sink -j "$(topo_sinkif 2),[ff0e::2:1]:6000" -n $STREAMS --step group --count $COUNT \
	-d 20 --idle-exit 2
STREAMS_JSON=$SINK_JSON
start_sink sink -j "$(topo_sinkif 3),[ff3e::9]:5000" --count $COUNT -d 20 --idle-exit 2
SSM_JSON=$SINK_JSON

step "Sending: 1:$N, $STREAMS streams, and ff3e::9 from two sources"
start_gen src -i "$SRC_IF" -g "[ff3e::1:1]:5000" -n $STREAMS --step group --source $V6_SRC \
	-r $((RATE * 2)) -c $COUNT -d 10
GEN_STREAMS=$GEN_JSON
start_gen src -i "$SRC_IF" -g "[ff3e::9]:5000" --source 2001:db8::3 -r $RATE -c $COUNT -d 10
GEN_OTHER=$GEN_JSON
start_gen src -i "$SRC_IF" -g "[ff3e::9]:5000" --source $V6_SRC -r $RATE -c $COUNT -d 10
GEN_SSM=$GEN_JSON
run_gen src -i "$SRC_IF" -g "[ff3e::1]:5000" --source $V6_SRC -r $RATE -c $COUNT -d 10
wait_gen
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
for g in "$GEN_JSON" "$GEN_STREAMS" "$GEN_OTHER" "$GEN_SSM"; do
	expect_json "$g" .errors -eq 0
done
expect_json "$FAN_JSON" '.listeners | length' -eq $N
expect_sink_exact "$FAN_JSON" $((COUNT * N))
expect_json "$FAN_JSON" '[.listeners[] | select(.received == '$COUNT')] | length' -eq $N \
	"fan-out listeners with every packet"
expect_sink_exact "$STREAMS_JSON" $((COUNT * STREAMS))
expect_json_str "$STREAMS_JSON" '[.listeners[].group] | sort | .[0:2] | join(" ")' \
	"ff0e::2:1 ff0e::2:10" "the rewritten streams' groups"
# Only 2001:db8::1's stream: the rule names that source.
expect_sink_exact "$SSM_JSON" $COUNT
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "fan") | .packets_in' -eq $COUNT
expect_json "$SUMMARY" '[.rules[] | select(.name == "fan") | .outputs[].packets_out] | add' \
	-eq $((COUNT * N))
expect_json "$SUMMARY" '[.rules[] | select(.name | test("^s[0-9]+$")) | .packets_in] | add' \
	-eq $((COUNT * STREAMS))
expect_json "$SUMMARY" '.rules[] | select(.name == "ssm") | .packets_in' -eq $COUNT
expect_json "$SUMMARY" '.rules[] | select(.name == "ssm") | .outputs[0].packets_out' -eq $COUNT
expect_json "$SUMMARY" '[.inputs[].unmatched] | add' -eq $COUNT "unmatched (2001:db8::3's ff3e::9)"
expect_json "$SUMMARY" '[.inputs[].malformed] | add' -eq 0 "inputs malformed"
expect_json "$SUMMARY" .totals.malformed -eq 0
expect_relay_clean "$SUMMARY"

pass
