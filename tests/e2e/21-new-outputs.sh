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
stream_during_control "$REQ" "$TMPD/new.out" $RATE 30

step "Analyzing"
expect_stream_intact "$TMPD/new.out" $((2 * NEW))
expect_json "$SUMMARY" '.totals.buffer_exhaustion' -eq 0 "buffer exhaustion"
expect_json "$SUMMARY" '[.inputs[].kernel_drops] | add' -eq 0 "kernel drops"

pass
