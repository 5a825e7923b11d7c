#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Rule changes do not disturb other flows: a continuous stream on rule A
# loses nothing while rules B..Z are added and removed a thousand times
# each over the control socket, one request after the other.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

CYCLES=${CHURN_CYCLES:-1000}
RATE=5000

e2e_init
require_bins mcrd mcrgen mcrsink
command -v socat >/dev/null || skip "socat is not installed"

step "Creating world"
topo_standard 2

step "Starting relay with rule A only"
start_mcrd relay --workers 2 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"

step "Writing $CYCLES add/remove cycles over rules B..Z"
REQ=$TMPD/churn.jsonl
i=0
while [ $i -lt $CYCLES ]; do
	# B..Z: 25 names, groups 239.3.0.1..25, all out of the second link.
	k=$((i % 25))
	name=$(printf "\\$(printf '%03o' $((66 + k)))")
	printf '{"v":1,"id":%d,"cmd":"add","rule":{"name":"%s","input":{"interface":"%s","group":"239.3.0.%d","port":7000},"outputs":[{"interface":"%s"}]}}\n' \
		$((2 * i)) "$name" "$RELAY_IN" $((k + 1)) "$(topo_out 2)" >>"$REQ"
	printf '{"v":1,"id":%d,"cmd":"remove","name":"%s"}\n' $((2 * i + 1)) "$name" >>"$REQ"
	i=$((i + 1))
done

step "Streaming on A while the rules churn"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -d 280 --idle-exit 2
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c 100000000 -d 250
sleep 1
T0=$(date +%s)
timeout 200 socat -t 30 - "UNIX-CONNECT:$MCRD_SOCK" <"$REQ" >"$TMPD/churn.out" ||
	fail "the control session did not complete"
T1=$(date +%s)
info "$((2 * CYCLES)) changes took $((T1 - T0)) s"
sleep 1
# The stream outlasted the churn; stop it and count what it sent.
kill -TERM "$(cat "$TMPD/gen1.pid")"
wait_gen
wait_sink
stop_mcrd
SENT=$(jq .sent "$GEN_JSON")
info "stream A: $SENT packets sent during the churn"

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect "$(wc -l <"$TMPD/churn.out")" -eq $((2 * CYCLES)) "responses"
expect "$(jq -c 'select(.ok != true)' "$TMPD/churn.out" | wc -l)" -eq 0 "failed changes"
expect_sink_exact "$SINK_JSON" "$SENT"
expect_json "$SINK_JSON" .reordered -eq 0
read_summary
expect_json "$SUMMARY" '.rules | length' -eq 1
expect_json "$SUMMARY" '.rules[0].packets_in' -eq "$SENT"
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq "$SENT"

pass
