#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Every input on every worker: 1, 2 and 3 input interfaces, each with its
# own rule, relayed by 1, 2 and 3 workers (3 is more than CI's 2 CPUs), a
# stream on every input at once, and not one packet lost on any of them.
# Each input needs a PACKET_FANOUT group of its own; with one id for all,
# mcrd refused to start with two inputs and two workers.  Then, with two
# workers, a rule on a second input is added at run time with mcrctl and
# relays without loss too.
#
# One topology serves the whole matrix; mcrd is restarted for each cell.
# Each stream is 4 flows (ports 5000..5003) so that the workers share it.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

MAX=3
COUNT=250		# packets per flow
FLOWS=4
RATE=4000		# per input, over its flows

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }
group() { printf '239.22.0.%d' "$1"; }

# cell INPUTS WORKERS: rules on inputs 1..INPUTS, streams on all at once.
cell()
{
	step "$1 input(s), $2 worker(s)"
	_rules=""
	_joins=""
	_i=1
	while [ "$_i" -le "$1" ]; do
		_rules="$_rules -r in$_i=$(topo_in "$_i"),$(group "$_i")->$(topo_out "$_i")"
		_joins="$_joins -j $(topo_sinkif "$_i"),$(group "$_i"):5000"
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2086 # lists of options
	start_mcrd relay --workers "$2" --stats-interval 0 $_rules
	grep -F 'fanout' "$MCRD_ERR" && fail "mcrd warned about its fanout groups"
	# shellcheck disable=SC2086
	start_sink sink $_joins -n $FLOWS --count $COUNT -d 15 --idle-exit 2
	_i=1
	while [ "$_i" -le "$1" ]; do
		start_gen src -i "$(topo_in_src "$_i")" -g "$(group "$_i"):5000" -n $FLOWS \
			-r $RATE -c $COUNT -d 10
		_i=$((_i + 1))
	done
	wait_gen
	wait_sink
	stop_mcrd
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
	# One jq per report keeps a cell fast: received, unique, lost, dup, malformed.
	_n=$(($1 * FLOWS * COUNT))
	expect_str "$(jq -r '"\(.received) \(.unique) \(.lost) \(.duplicates) \(.malformed)"' \
		"$SINK_JSON")" "$_n $_n 0 0 0" "sink received, unique, lost, duplicates, malformed"
	read_summary
	expect_str "$(jq -r '[.rules[].packets_in] + [.totals.drops, .totals.send_errors,
		.totals.buffer_exhaustion, ([.inputs[].kernel_drops] | add)] | map(tostring) |
		join(" ")' "$SUMMARY")" "$(per_rule "$1") 0 0 0 0" \
		"packets_in per rule, drops, send errors, buffer exhaustion, kernel drops"
	expect "$(grep -c "relaying: $1 rules, $1 inputs" "$MCRD_ERR")" -eq "$2" \
		"workers that opened all $1 inputs"
}

# per_rule N: what each of N rules should have counted in.
per_rule()
{
	_l=""
	_i=1
	while [ "$_i" -le "$1" ]; do
		_l="$_l${_l:+ }$((FLOWS * COUNT))"
		_i=$((_i + 1))
	done
	printf '%s' "$_l"
}

step "Creating world"
topo_standard $MAX
topo_inputs $MAX

for inputs in 1 2 3; do
	for workers in 1 2 3; do
		cell $inputs $workers
	done
done

step "2 workers: a rule on a second input added at run time"
start_mcrd relay --workers 2 --stats-interval 0 -r "in1=$(topo_in 1),$(group 1)->$(topo_out 1)"
ctl add --name in2 --input-interface "$(topo_in 2)" --input-group "$(group 2)" \
	--output "$(topo_out 2)" || fail "mcrctl add of a rule on a second input failed"
start_sink sink -j "$(topo_sinkif 1),$(group 1):5000" -j "$(topo_sinkif 2),$(group 2):5000" \
	-n $FLOWS --count $COUNT -d 15 --idle-exit 2
start_gen src -i "$(topo_in_src 1)" -g "$(group 1):5000" -n $FLOWS -r $RATE -c $COUNT -d 10
start_gen src -i "$(topo_in_src 2)" -g "$(group 2):5000" -n $FLOWS -r $RATE -c $COUNT -d 10
wait_gen
wait_sink
expect "$(ctl --json stats | jq '.rules[] | select(.name == "in2") | .packets_in')" \
	-eq $((FLOWS * COUNT)) "in2 packets_in in mcrctl stats"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $((2 * FLOWS * COUNT))
read_summary
expect_relay_clean "$SUMMARY"
pass
