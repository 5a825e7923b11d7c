#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The cost of a rule change at scale, on the e2e topology (needs root):
# e2e 56 with RULES rules (default 4,095, so that the adds reach the
# 4,096-rule limit), CHANGES mcrctl add/remove (default 100) of other rules
# while a RATE pps stream (default 20000) runs on a rule nobody touches.
#
#   bench/churn.sh                     one run, one worker, l2 egress
#   RULES=2000 WORKERS=2 bench/churn.sh
#   MCRD_EXTRA_ARGS="--egress udp" bench/churn.sh
#
# Prints, per change: the mcrctl command's wall time (process start to
# answer), the supervisor's time from request to the last worker's commit,
# and the longest any worker's loop stood still preparing or committing it
# (its receive ring must absorb that); then the untouched stream's packets
# sent, lost and dropped at the receive ring.  Percentiles are nearest-rank.
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
LOG=$(mktemp "${TMPDIR:-/tmp}/mcr-churn.XXXXXX") || exit 1
trap 'rm -f "$LOG"' EXIT

RULES=${RULES:-4095} CHANGES=${CHANGES:-100} RATE=${RATE:-20000} LIMIT_MS=${LIMIT_MS:-100000} \
	CHURN_LOG=$LOG BUILD=$BUILD "$TOP/tests/e2e/56-churn-untouched.sh"
rc=$?
[ -s "$LOG" ] || { echo "churn: no measurements (e2e 56 exited $rc)" >&2; exit 1; }

# pct COLUMN: p50, p90, p99 and max of the numbers read, in the units given.
pct()
{
	sort -n | awk -v unit="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "none"; exit }
		printf "p50 %d %s, p90 %d %s, p99 %d %s, max %d %s (%d changes)\n",
			v[int((NR * 50 + 99) / 100)], unit, v[int((NR * 90 + 99) / 100)], unit,
			v[int((NR * 99 + 99) / 100)], unit, v[NR], unit, NR }'
}

echo "churn: ${RULES:-4095} rules, ${CHANGES:-100} changes, ${RATE:-20000} pps untouched stream" \
	"${MCRD_EXTRA_ARGS:+($MCRD_EXTRA_ARGS)}"
printf '  mcrctl add/remove wall time:     '
awk '$1 == "add" || $1 == "remove" { print $2 }' "$LOG" | pct ms
printf '  supervisor, request to commit:   '
awk '$1 == "change" { print int($2 / 1000) }' "$LOG" | pct ms
printf '  worker loop stall, prepare:      '
awk '$1 == "change" { print $3 }' "$LOG" | pct us
printf '  worker loop stall, commit:       '
awk '$1 == "change" { print $4 }' "$LOG" | pct us
awk '$1 == "stream" { printf "  untouched stream: %d sent, %d lost, %d kernel_drops\n", $2, $3, $4 }' "$LOG"
echo "  e2e 56 verdict (zero loss, no file leaked): $([ $rc -eq 0 ] && echo pass || echo "FAIL ($rc)")"
exit $rc
