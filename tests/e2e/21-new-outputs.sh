#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Rules that bring new output interfaces do not disturb other flows.  A new
# l2 output interface costs its worker a TX ring, whose set-up waits for an
# RCU grace period in the kernel while the worker relays nothing; rule A's
# stream (20,000 packets/s) must still lose nothing while twelve rules, each
# on an interface no rule used before, are added one after the other and
# then removed.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

NEW=12
RATE=20000

e2e_init
require_bins mcrd mcrgen mcrsink
command -v socat >/dev/null || skip "socat is not installed"

step "Creating world"
topo_standard $((NEW + 1))

step "Starting relay with rule A only"
start_mcrd relay --workers 2 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"

REQ=$TMPD/new.jsonl
i=1
while [ $i -le $NEW ]; do
	printf '{"v":1,"id":%d,"cmd":"add","rule":{"name":"N%d","input":{"interface":"%s","group":"239.3.0.%d","port":7000},"outputs":[{"interface":"%s"}]}}\n' \
		"$i" "$i" "$RELAY_IN" "$i" "$(topo_out $((i + 1)))" >>"$REQ"
	i=$((i + 1))
done
i=1
while [ $i -le $NEW ]; do
	printf '{"v":1,"id":%d,"cmd":"remove","name":"N%d"}\n' $((NEW + i)) "$i" >>"$REQ"
	i=$((i + 1))
done

step "Streaming on A at $RATE pps while $NEW rules on new interfaces come and go"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -d 60 --idle-exit 2
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c 100000000 -d 40
sleep 1
T0=$(date +%s%N)
timeout 30 socat -t 10 - "UNIX-CONNECT:$MCRD_SOCK" <"$REQ" >"$TMPD/new.out" ||
	fail "the control session did not complete"
T1=$(date +%s%N)
info "$((2 * NEW)) changes took $(((T1 - T0) / 1000000)) ms"
sleep 1
kill -TERM "$(cat "$TMPD/gen1.pid")"
wait_gen
wait_sink
stop_mcrd
SENT=$(jq .sent "$GEN_JSON")
info "stream A: $SENT packets sent"

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect "$(wc -l <"$TMPD/new.out")" -eq $((2 * NEW)) "responses"
expect "$(jq -c 'select(.ok != true)' "$TMPD/new.out" | wc -l)" -eq 0 "failed changes"
expect_sink_exact "$SINK_JSON" "$SENT"
expect_json "$SINK_JSON" .reordered -eq 0
read_summary
expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq "$SENT" "rule A packets out"
expect_json "$SUMMARY" '.totals.buffer_exhaustion' -eq 0 "buffer exhaustion"
expect_json "$SUMMARY" '[.inputs[].kernel_drops] | add' -eq 0 "kernel drops"

pass
