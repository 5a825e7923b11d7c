# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# shellcheck disable=SC2034 # RUNS, OWN_MCRD ...: the probe that sources this reads them
#
# The start the interleaved A/B probes share (latency-probe.sh, rx-ab.sh),
# sourced from the repository's top after `set -euo pipefail`: options,
# root, bench/lib.sh, the namespaces' tools, and the other mcrd binary.
#
# The probe sets first: PROBE (its name, for messages), RUNS and its own
# option's default, PROBE_OPT (that option's letter) and PROBE_VAR (the
# variable it sets), and PROBE_NEEDS_OTHER=1 when -o is required.  Then
# -r RUNS, -o OTHER_MCRD and -PROBE_OPT VALUE are parsed from the probe's
# arguments, which are left in "$@"; -h or a wrong option prints the
# probe's header comment.  After it: OWN_MCRD (this build's mcrd), OTHER
# (the other binary, or empty) copied to $B_TMP/bin/mcrd-other, and
# bench/lib.sh ready (b_init done, the lock's path in BENCH_LOCK).

OTHER=""
while getopts "r:o:$PROBE_OPT:" opt; do
	case $opt in
	r) RUNS=$OPTARG ;;
	o) OTHER=$OPTARG ;;
	"$PROBE_OPT") printf -v "$PROBE_VAR" '%s' "$OPTARG" ;;
	*) sed -n '3,/^set -euo/p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ "${PROBE_NEEDS_OTHER:-0}" = 1 ] && [ -z "$OTHER" ]; then
	echo "$PROBE: -o OTHER_MCRD is required" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "$PROBE: needs root" >&2; exit 1; }
BUILD=${BUILD:-build}
SENDER_CPU=${SENDER_CPU:-0}
RELAY_CPU=${RELAY_CPU:-1}
BENCH_LOCK=${BENCH_LOCK-/tmp/mcr-bench.lock}
# shellcheck source=bench/lib.sh
. bench/lib.sh
b_init "$BUILD"
# b_init's probe of --help can lose to SIGPIPE under pipefail: say it outright,
# or an mcrd takes the host's default control socket.
B_MCRD_BASE=(--no-control --no-igmp-join)
OWN_MCRD=$MCRD
[ -z "$OTHER" ] || cp "$OTHER" "$B_TMP/bin/mcrd-other"
