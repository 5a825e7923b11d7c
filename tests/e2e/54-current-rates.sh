#!/bin/sh
# SPDX-License-Identifier: MIT
#
# "mcrctl stats" shows current rates, not averages since the start: while a
# stream runs at a known rate, a one-shot "stats --json" has the rule, its
# output and its input near that rate (packets and payload bits per second,
# and the interval they span); once the stream stops the rates fall to zero
# while the totals stay.  "watch" into a file draws no escape codes.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GROUP=239.1.5.4:5000
RATE=2000
SIZE=500
SECS=6

e2e_init
require_bins mcrd mcrgen mcrctl

step "Creating world"
topo_standard 1
start_mcrd relay -r "rates=$RELAY_IN,$GROUP -> $(topo_out 1)"

ctl() { nsx relay "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

# within VALUE WANT PCT DESCRIPTION: VALUE (a number) is within PCT % of WANT.
within()
{
	_lo=$(($2 * (100 - $3) / 100))
	_hi=$(($2 * (100 + $3) / 100))
	_v=$(printf '%.0f' "$1")
	expect "$_v" -ge "$_lo" "$4 (want $2 +- $3 %)"
	expect "$_v" -le "$_hi" "$4 (want $2 +- $3 %)"
}

step "$RATE pps of $SIZE-byte datagrams for $SECS s; stats while it runs"
start_gen src -i "$SRC_IF" -g $GROUP -r $RATE -s $SIZE -d $SECS
# Two seconds in, the interval of the rates (0.5 to 1.5 s) lies wholly
# inside the stream, and so do the watches that follow (with time to spare
# for a slow start of mcrctl under a sanitizer).
sleep 2
ctl --json stats >"$TMPD/during.json" || fail "mcrctl stats failed"
ctl --json watch --interval 300 --count 2 >"$TMPD/watch.json" || fail "mcrctl watch --json failed"
ctl watch --interval 300 --count 2 >"$TMPD/watch.txt" || fail "mcrctl watch failed"
wait_gen
SENT=$(json_get "$GEN_JSON" .sent)

D=$TMPD/during.json
expect_json "$D" '.rate_interval_s * 1000 | floor' -ge 500 "rate interval (ms)"
expect_json "$D" '.rate_interval_s * 1000 | floor' -le 1600 "rate interval (ms)"
within "$(json_get "$D" '.rules[0].pps_in')" $RATE 25 "rule pps_in"
within "$(json_get "$D" '.rules[0].outputs[0].pps_out')" $RATE 25 "output pps_out"
within "$(json_get "$D" '.totals.pps_out')" $RATE 25 "totals pps_out"
within "$(json_get "$D" '.rules[0].bps_in')" $((RATE * SIZE * 8)) 25 "rule bps_in (payload bit/s)"
within "$(json_get "$D" '.rules[0].outputs[0].bps_out')" $((RATE * SIZE * 8)) 25 "output bps_out"
within "$(json_get "$D" '[.inputs[].pps] | add')" $RATE 25 "input pps"

step "watch into a file: plain blocks, no escape codes"
expect "$(tr -cd '\033' <"$TMPD/watch.txt" | wc -c)" -eq 0 "ESC bytes in the watch output"
expect "$(grep -c 'rates over' "$TMPD/watch.txt")" -eq 2 "blocks (one per interval)"
expect_grep "$TMPD/watch.txt" " kpps " "the packet rate in human units"
expect_grep "$TMPD/watch.txt" " Mbit/s" "the bit rate in human units"
expect "$(jq -s length "$TMPD/watch.json")" -eq 2 "watch --json lines"
within "$(jq -s '.[1].rules[0].pps_in' "$TMPD/watch.json")" $RATE 35 "watch --json pps_in"

step "After the stream: rates at zero, totals kept"
# The rates span at most 1.5 s.
sleep 1.7
ctl --json stats >"$TMPD/after.json" || fail "mcrctl stats failed"
A=$TMPD/after.json
expect_json "$A" '.rules[0].pps_in | floor' -eq 0 "rule pps_in after the stop"
expect_json "$A" '.rules[0].outputs[0].pps_out | floor' -eq 0 "output pps_out after the stop"
expect_json "$A" '.totals.bps_out | floor' -eq 0 "totals bps_out after the stop"
expect_json "$A" '.rules[0].packets_in' -eq "$SENT" "rule packets_in (all $SENT sent)"
expect_json "$A" '.rules[0].outputs[0].packets_out' -eq "$SENT" "output packets_out"
expect_json "$A" '.rules[0].bytes_in' -eq $((SENT * SIZE)) "rule bytes_in"

stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
pass
