#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The relayed latency of one low-rate stream, 1:1, through the kernel
# (smcrouted), through mcrd and through a second mcrd binary (a build of
# another commit, to compare receive paths), interleaved round by round
# (ABCABC...) so that a noisy machine hurts each alike.  mcrsink's one-way
# latency, sender to receiver, across the namespaces of bench/lib.sh.
# Needs root.
#
#   bench/latency-probe.sh [-r RUNS] [-c COUNT] [-o OTHER_MCRD] [RATE...]
#
# Prints one line per measurement: relay, rate, p50, p90, p99, max (us),
# lost.  RATE defaults to 1093 and 9973 pps: rates that do not divide 1 ms.
# MCRD_ARGS applies to every mcrd (e.g. --ingress multishot); OTHER_ARGS to
# the other binary only.
set -euo pipefail
cd "$(dirname "$0")/.."
PROBE=latency-probe
RUNS=3
COUNT=3000
PROBE_OPT=c PROBE_VAR=COUNT
# shellcheck source=bench/abprobe.sh
. bench/abprobe.sh
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(1093 9973)
b_topo 1

# one KIND RATE: one stream of COUNT packets at RATE through the relay KIND.
one()
{
	local kind=$1 rate=$2 spid rf=$B_TMP/lat.ready i
	# Never while another benchmark measures (bench/lib.sh's lock).
	b_lock
	case $kind in
	kernel) relay_start kernel 1 1 || b_die "$RELAY_ERROR" ;;
	mcr) MCRD=$OWN_MCRD relay_start mcr 1 1 || b_die "$RELAY_ERROR" ;;
	other)
		# shellcheck disable=SC2086 # OTHER_ARGS is split on purpose
		MCRD=$B_TMP/bin/mcrd-other relay_start mcr 1 1 ${OTHER_ARGS:-} ||
			b_die "$RELAY_ERROR" ;;
	esac
	rm -f "$rf"
	ip netns exec "$NS_SNK" "$MCRSINK" -j "k1,$B_GROUP:$B_PORT" --count "$COUNT" \
		-d $((COUNT / rate + 10)) --ready-file "$rf" --json --quiet >"$B_TMP/lat.json" \
		2>"$B_TMP/lat.err" &
	spid=$!
	b_track "$spid"
	for ((i = 0; i < 50; i++)); do
		[ ! -e "$rf" ] || break
		sleep 0.1
	done
	b_gen -r "$rate" -c "$COUNT" -s 100 >/dev/null 2>&1 || true
	for ((i = 0; i < 30; i++)); do
		b_alive "$spid" || break
		sleep 0.1
	done
	b_reap 10 "$spid"
	relay_stop
	b_unlock
	jq -r --arg k "$kind" --arg r "$rate" '.latency_us as $l |
		"\($k) \($r) pps: p50 \($l.p50) p90 \($l.p90) p99 \($l.p99) max \($l.max) lost \(.lost)"' \
		"$B_TMP/lat.json"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((run = 1; run <= RUNS; run++)); do
	for rate in "${RATES[@]}"; do
		one kernel "$rate"
		one mcr "$rate"
		[ -z "$OTHER" ] || one other "$rate"
	done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
