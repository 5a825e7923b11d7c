#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Two mcrd binaries (A: this build, B: another, e.g. a build of the commit
# before a receive-path change) and the kernel at full sender speed, 100-byte
# payloads, one stream, interleaved round by round (A B kernel A B kernel
# ...) so that a noisy machine hurts each alike.  Each cell is one
# measure_window of bench/lib.sh: what the sender offered and what each
# output delivered in a steady window.  Needs root.
#
#   bench/rx-ab.sh [-r RUNS] [-w SECONDS] -o OTHER_MCRD [FANOUT...]
#
# BENCH_RPS=1 steers the input's receive to the relay CPU (the one-relay-core
# set-up); RATE (default 0: flat out) offers a fixed rate instead.
set -euo pipefail
cd "$(dirname "$0")/.."
PROBE=rx-ab
RUNS=2
WINDOW=3
PROBE_OPT=w PROBE_VAR=WINDOW PROBE_NEEDS_OTHER=1
WARM=1
# shellcheck source=bench/abprobe.sh
. bench/abprobe.sh
FANOUTS=("$@")
[ ${#FANOUTS[@]} -gt 0 ] || FANOUTS=(1 16)
max=0
for n in "${FANOUTS[@]}"; do [ "$n" -le "$max" ] || max=$n; done
b_topo "$max"

cell()
{
	local kind=$1 n=$2
	b_lock
	case $kind in
	A) MCRD=$OWN_MCRD relay_start mcr "$n" 1 || b_die "$RELAY_ERROR" ;;
	B) MCRD=$B_TMP/bin/mcrd-other relay_start mcr "$n" 1 || b_die "$RELAY_ERROR" ;;
	kernel) relay_start kernel "$n" 1 || b_die "$RELAY_ERROR" ;;
	esac
	sleep 0.3
	measure_window 100 1 "${RATE:-0}" |
		jq -r --arg k "$kind" --arg n "$n" '"\($k) 1:\($n) offered \(.offered_pps) per_output \(.per_output_pps) loss \(.loss) relay_cpu \(.relay_cpu_pct)% cpu1_softirq \(.cpu1_softirq_pct)%"'
	relay_stop
	b_unlock
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((run = 1; run <= RUNS; run++)); do
	for n in "${FANOUTS[@]}"; do
		cell A "$n"
		cell B "$n"
		cell kernel "$n"
	done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
