#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Profile one relay under load, in the benchmark's own topology: where does
# the relay CPU's time go?  Needs root and perf.
#
#   bench/profile.sh [-d SECONDS] [-s PAYLOAD] [-k mcr|kernel] [-c CPUS] [-u SETUP] [FANOUT]
#
#   -d  seconds of traffic (default 5), the sender at full speed
#   -s  payload bytes (default 100)
#   -k  the relay: mcr (default) or kernel (smcrouted)
#   -c  the CPUs to sample, perf's -C list (default the relay CPU, 1)
#   -u  the set-up, as for bench/run.sh: veth (default), onecore, free or onecore6
#
# Prints the hottest symbols (children excluded) and the window's figures,
# and leaves perf.data in /tmp/mcr-profile.data (PROFILE_OUT) for `perf report -i`.
# MCRD_ARGS and BENCH_RPS work as for bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD

usage()
{
	sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

DURATION=5 PAYLOAD=100 KIND=mcr CPUS=1 SETUP=veth
[ "${1:-}" != --help ] || { usage; exit 0; }
while getopts d:s:k:c:u:h opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	s) PAYLOAD=$OPTARG ;;
	k) KIND=$OPTARG ;;
	c) CPUS=$OPTARG ;;
	u) SETUP=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
N=${1:-1}
[ "$(id -u)" -eq 0 ] || { echo "profile: needs root (network namespaces)" >&2; exit 1; }
command -v perf >/dev/null || { echo "profile: needs perf (apt-get install linux-perf)" >&2; exit 1; }

SENDER_CPU=0
RELAY_CPU=1
WARM=0.5
WINDOW=$DURATION
BENCH_LOCK=${BENCH_LOCK-/tmp/mcr-bench.lock}
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$TOP/$BUILD ;;
esac
OUT=${PROFILE_OUT:-/tmp/mcr-profile.data}

# shellcheck source=bench/lib.sh
. bench/lib.sh

b_init "$BIN"
b_lock
b_topo "$N" "$([ "$SETUP" = free ] && echo "$N" || echo 0)"
# The IPv6 set-up turns IPv6 on for the links it uses: the N outputs.
B_N6=$N
b_setup "$SETUP"
relay_start "$KIND" "$N" 1 || b_die "$KIND: $RELAY_ERROR"
total=$(awk -v w="$WARM" -v d="$WINDOW" 'BEGIN { print w + d + 1 }')
b_gen -r 0 -d "$total" -s "$PAYLOAD" -n 1 >"$B_TMP/gen.json" 2>"$B_TMP/gen.err" &
gpid=$!
b_track "$gpid"
sleep "$WARM"
b_sample a "${RELAY_PIDS[@]}"
perf record -q -o "$OUT" -C "$CPUS" -e cpu-clock -g -- sleep "$WINDOW" 2>"$B_TMP/perf.err" ||
	b_die "perf record failed: $(tail -n 1 "$B_TMP/perf.err")"
b_sample b "${RELAY_PIDS[@]}"
wait "$gpid" || true
b_untrack "$gpid"
m=$(b_window_json gen)
relay_stop
echo "1:$N $KIND ($SETUP${B_STEER_NOTE:+: $B_STEER_NOTE}): $m"
perf report -i "$OUT" --no-children --sort sym -g none --stdio -q 2>/dev/null |
	grep -E '^ +[0-9]' | head -n "${PROFILE_TOP:-40}"
