#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Signals: SIGUSR1 prints a one-line JSON snapshot on stdout while mcrd
# keeps running; SIGTERM and SIGINT each end it with exit status 0 and the
# final JSON summary, whose counters include every packet relayed.  The
# periodic stats lines go to stderr and name the rule.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=2000
RATE=10000
GROUP=239.1.1.1:5000
INPUT_KEYS='["interface","frames","bytes","malformed","fragments","not_udp","unmatched",
	"buffer_exhaustion","kernel_drops"]'
OUTPUT_KEYS='["interface","group","port","packets_out","bytes_out","send_errors","retries",
	"drops","ttl_expired","pps_out"]'
TOTAL_KEYS='["packets_in","packets_out","send_errors","drops","malformed","buffer_exhaustion"]'

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1
RULE="sigtest=$RELAY_IN,$GROUP -> $(topo_out 1)"

for sig in TERM INT; do
	step "Starting relay (to be stopped with SIG$sig)"
	start_mcrd relay --stats-interval 200 -r "$RULE"
	start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2
	run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
	wait_sink
	expect_sink_exact "$SINK_JSON" $COUNT

	step "SIGUSR1: snapshot while running"
	expect "$(json_count "$MCRD_OUT")" -eq 0 "JSON values on stdout before SIGUSR1"
	kill -USR1 "$MCRD_PID" || fail "cannot signal mcrd"
	i=0
	while [ "$(json_count "$MCRD_OUT")" -lt 1 ] && [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	expect "$(json_count "$MCRD_OUT")" -eq 1 "JSON values on stdout after SIGUSR1"
	expect "$(wc -l <"$MCRD_OUT")" -eq 1 "lines of the snapshot"
	SNAP=$TMPD/snapshot-$sig.json
	cp "$MCRD_OUT" "$SNAP"
	expect_json "$SNAP" '.rules[0].packets_in' -eq $COUNT "snapshot packets_in"
	expect_json "$SNAP" '.rules[0].outputs[0].packets_out' -eq $COUNT "snapshot packets_out"
	sleep 0.3
	pid_alive "$MCRD_PID" || fail "mcrd exited after SIGUSR1"
	info "ok   mcrd still running after SIGUSR1"

	step "SIG$sig: final summary"
	stop_mcrd_sig $sig
	expect "$MCRD_RC" -eq 0 "mcrd exit status after SIG$sig"
	expect "$(json_count "$MCRD_OUT")" -eq 2 "JSON values on stdout (snapshot + summary)"
	read_summary
	expect_json_str "$SUMMARY" .version 0.1.0 "summary version"
	expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
	expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $COUNT
	expect_json "$SUMMARY" '.totals.packets_out' -eq $COUNT
	expect_json "$SUMMARY" '.inputs | length' -eq 1 "summary inputs"
	expect_json_str "$SUMMARY" '.uptime_s > 0' true "summary uptime_s > 0"
	expect_json "$SUMMARY" "$INPUT_KEYS - (.inputs[0] | keys) | length" -eq 0 \
		"documented fields missing from inputs[0]"
	expect_json "$SUMMARY" "$OUTPUT_KEYS - (.rules[0].outputs[0] | keys) | length" -eq 0 \
		"documented fields missing from rules[0].outputs[0]"
	expect_json "$SUMMARY" "$TOTAL_KEYS - (.totals | keys) | length" -eq 0 \
		"documented fields missing from totals"
	expect_relay_clean "$SUMMARY"
	expect_grep "$MCRD_ERR" "sigtest" "periodic stats on stderr name the rule"
done

pass
