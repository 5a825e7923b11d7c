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
stream_during_control "$REQ" "$TMPD/churn.out" $RATE 200

step "Analyzing"
expect_stream_intact "$TMPD/churn.out" $((2 * CYCLES))
expect_json "$SUMMARY" '.rules | length' -eq 1
expect_json "$SUMMARY" '.rules[0].packets_in' -eq "$SENT"

pass
