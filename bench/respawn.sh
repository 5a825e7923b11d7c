#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The worker death gap: what a kill -9 of a worker costs its flows, on the
# e2e topology (needs root).  For each ingress path (ring, multishot) a
# steady stream of RATE packets/s in STREAMS flows runs through mcrd with
# WORKERS workers; a worker is killed with SIGKILL KILLS times, INTERVAL
# seconds apart (after its replacement said it is relaying; the workers in
# turn, each at most every 5 s, since a second death within 5 s is a crash
# loop that backs off), and mcrsink counts what arrived.  Prints one line per ingress path:
#
#   bench/respawn.sh [KILLS]            (default 10)
#
#   lost      packets sent and never relayed, over all kills
#   per kill  lost / KILLS
#   gap       per kill, in ms of the killed worker's share of the flows:
#             lost / KILLS / (RATE / WORKERS)
#   restart   the kill to the replacement's "relaying" line, median (ms)
#
# Environment: RATE (default 20000), STREAMS (16), WORKERS (2), INTERVAL (3),
# PATHS ("ring multishot"), BUILD.
TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2034 # read by lib.sh: interface names rspbin, rspbo1, ...
TOPO_TAG=rspb
# shellcheck source=tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"

KILLS=${1:-10}
RATE=${RATE:-20000}
STREAMS=${STREAMS:-16}
WORKERS=${WORKERS:-2}
INTERVAL=${INTERVAL:-3}
PATHS=${PATHS:-ring multishot}
GROUP=239.1.1.1
PORT=5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl
topo_standard 1

# one_path INGRESS: the kills on that ingress path; prints the result line.
one_path()
{
	start_mcrd relay --ingress "$1" --workers "$WORKERS" --stats-interval 0 \
		-r "A=$RELAY_IN,$GROUP -> $(topo_out 1)"
	secs=$((KILLS * INTERVAL + 3))
	start_sink sink -j "$(topo_sinkif 1),$GROUP:$PORT" -n "$STREAMS" -d $((secs + 5)) --idle-exit 1
	start_gen src -i "$SRC_IF" -g "$GROUP:$PORT" -n "$STREAMS" -r "$RATE" -d "$secs"
	sleep 1
	k=1
	seen=$WORKERS
	: >"$TMPD/restart.$1"
	while [ $k -le "$KILLS" ]; do
		# The workers in turn, so that every slot's flows are hit.
		slot=$(((k - 1) % WORKERS))
		victim=$(nsx relay "$MCRCTL" --socket "$MCRD_SOCK" --json workers |
			jq ".workers[$slot].pid")
		t0=$(date +%s%N)
		kill -KILL "$victim"
		seen=$((seen + 1))
		wait_relaying $seen
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$TMPD/restart.$1"
		sleep "$INTERVAL"
		k=$((k + 1))
	done
	wait_gen
	wait_sink
	stop_mcrd
	sent=$(json_get "$GEN_JSON" .sent)
	got=$(json_get "$SINK_JSON" '[.listeners[].unique] | add')
	dups=$(json_get "$SINK_JSON" '[.listeners[].duplicates] | add')
	drops=$(json_get "$MCRD_OUT" '[.inputs[].kernel_drops] | add')
	restart=$(sort -n "$TMPD/restart.$1" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }')
	awk -v p="$1" -v s="$sent" -v g="$got" -v k="$KILLS" -v r="$RATE" -v w="$WORKERS" \
		-v rs="$restart" -v d="$dups" -v kd="$drops" 'BEGIN {
		lost = s - g
		printf "   %-9s %d workers, %d pps, %d kills: sent %d, lost %d, per kill %.1f, gap %.1f ms, restart %s ms (median), duplicates %d, kernel drops %d\n",
			p, w, r, k, s, lost, lost / k, lost / k / (r / w) * 1000, rs, d, kd
	}'
}

step "kill -9 of a worker under $RATE pps in $STREAMS flows, $KILLS times per ingress path"
for path in $PATHS; do
	one_path "$path"
done
pass
