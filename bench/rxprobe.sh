#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Ingress, two ways, on the benchmark's topology: mcrd's multishot io_uring
# receive into provided buffers against a TPACKET_V3 ring (bench/rxprobe.c),
# each receiving the sender's full rate on the relay CPU.  Needs root.
#
#   bench/rxprobe.sh [-d SECONDS] [-r RUNS] [-s PAYLOAD]
#
# Per run and mode it prints the sender's rate (the kernel's delivery to the
# socket runs on the sender's CPU, so a cheaper delivery shows as a higher
# rate), the frames the probe received per second, and the probe's CPU time
# per frame on the relay CPU.  Lower CPU per frame at the same or a higher
# sender rate is better.  BENCH_RPS=1 steers the receive to the relay CPU,
# as for bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD

usage()
{
	sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

DURATION=4 RUNS=3 PAYLOAD=100
[ "${1:-}" != --help ] || { usage; exit 0; }
while getopts d:r:s:h opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	s) PAYLOAD=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "rxprobe: needs root (network namespaces)" >&2; exit 1; }

SENDER_CPU=0
RELAY_CPU=1
BENCH_LOCK=${BENCH_LOCK-/tmp/mcr-bench.lock}
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$TOP/$BUILD ;;
esac
[ -x "$BIN/bench/rxprobe" ] || { echo "rxprobe: run 'make $BUILD/bench/rxprobe' first" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. bench/lib.sh

b_init "$BIN"
cp "$BIN/bench/rxprobe" "$B_TMP/bin/rxprobe"
b_lock
b_topo 1
RELAY_KIND=probe
RELAY_N=1

printf '%-10s %4s %14s %14s %16s\n' mode run "sender pps" "received pps" "CPU ns / frame"
for ((run = 1; run <= RUNS; run++)); do
	for mode in multishot v3; do
		ip netns exec "$NS_RLY" taskset -c "$RELAY_CPU" "$B_TMP/bin/rxprobe" -i rin \
			-m "$mode" -d "$DURATION" >"$B_TMP/probe.json" 2>"$B_TMP/probe.err" &
		ppid=$!
		b_track "$ppid"
		sleep 0.3
		b_gen -r 0 -d "$(awk -v d="$DURATION" 'BEGIN { print d - 0.5 }')" -s "$PAYLOAD" \
			>"$B_TMP/gen.json" 2>"$B_TMP/gen.err" || b_die "mcrgen: $(tail -n 1 "$B_TMP/gen.err")"
		wait "$ppid" || b_die "rxprobe $mode: $(tail -n 1 "$B_TMP/probe.err")"
		b_untrack "$ppid"
		printf '%-10s %4d %14.0f %14.0f %16.0f\n' "$mode" "$run" \
			"$(jq '.sent / .duration_s' "$B_TMP/gen.json")" \
			"$(jq -s '.[0].frames / .[1].duration_s' "$B_TMP/probe.json" "$B_TMP/gen.json")" \
			"$(jq .cpu_ns_per_frame "$B_TMP/probe.json")"
	done
done
