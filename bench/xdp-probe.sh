#!/bin/bash
# SPDX-License-Identifier: MIT
#
# --ingress xdp against --ingress ring in the one-relay-core set-up, A/B
# interleaved (the machine is shared and noisy): the input veth's receive
# on the relay CPU (GRO on, threaded NAPI pinned there, RPS there; the
# sender without TSO so that its frames go through that NAPI), the sender
# alone on the other CPU, one worker on the relay CPU, outputs that cost
# nothing to transmit (empty bridges, mcast_snooping 0).  Per trial: what
# mcrd took in and sent out (mcrctl stats), its input drops, and for the
# latency rows a veth sink's p50/p99.  Namespaces only (xp<PID>-*), every
# address in 198.18.0.0/15, every run bounded; the EXIT trap cleans up.
#
#   bench/xdp-probe.sh [ROUNDS]       (root; build/ must hold mcrd, mcrgen,
#                                      mcrsink, mcrctl)
# Env: RELAY_CPU (1), SENDER_CPU (0), TRIAL_S (2), RATES_1 and RATES_16
# (the offered rates per fan-out), MODES ("ring xdp"), PROFILE (1: perf of the
# relay CPU in each trial, its top symbols).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/build}
ROUNDS=${1:-2}
RELAY_CPU=${RELAY_CPU:-1}
SENDER_CPU=${SENDER_CPU:-0}
TRIAL_S=${TRIAL_S:-2}
RATES_1=${RATES_1:-"100000 150000 200000 250000"}
RATES_16=${RATES_16:-"30000 45000 60000 80000"}
MODES=${MODES:-"ring xdp"}
P=xp$$
NS_SRC=$P-src NS_RLY=$P-rly NS_SNK=$P-snk
TMP=$(mktemp -d /tmp/xdp-probe.XXXXXX)
MCRD_PID=""

cleanup()
{
	[ -z "$MCRD_PID" ] || { kill "$MCRD_PID" 2>/dev/null; wait "$MCRD_PID" 2>/dev/null; }
	for ns in $NS_SRC $NS_RLY $NS_SNK; do ip netns del "$ns" 2>/dev/null; done
	[ "${KEEP:-}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

rly() { ip netns exec "$NS_RLY" "$@"; }

setup()
{
	local i
	for ns in $NS_SRC $NS_RLY $NS_SNK; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
	ip -n "$NS_SRC" link add gen type veth peer name rin netns "$NS_RLY"
	ip -n "$NS_SRC" addr add 198.18.0.1/30 dev gen
	ip -n "$NS_RLY" addr add 198.18.0.2/30 dev rin
	ip -n "$NS_RLY" link add o1 type veth peer name k1 netns "$NS_SNK"
	ip -n "$NS_RLY" addr add 198.19.0.1/30 dev o1
	ip -n "$NS_SNK" addr add 198.19.0.2/30 dev k1
	for i in $(seq 1 16); do
		ip -n "$NS_RLY" link add "b$i" type bridge mcast_snooping 0
		ip -n "$NS_RLY" addr add "198.19.1.$((i * 4 + 1))/30" dev "b$i"
		ip -n "$NS_RLY" link set "b$i" up
	done
	ip -n "$NS_SRC" link set gen up
	ip -n "$NS_RLY" link set rin up
	ip -n "$NS_RLY" link set o1 up
	ip -n "$NS_SNK" link set k1 up
	ip netns exec "$NS_SRC" ethtool -K gen tso off >/dev/null 2>&1
	rly ethtool -K rin gro on >/dev/null 2>&1
	napi_snapshot
	rly sh -c "echo 1 >/sys/class/net/rin/threaded"
	rly sh -c "printf '%x' $((1 << RELAY_CPU)) >/sys/class/net/rin/queues/rx-0/rps_cpus"
	pin_napi
	sleep 2
}

# rin's NAPI thread (napi/rin-ID) is re-created when XDP is attached or
# detached.  Other runs on this machine may have an interface named rin
# too: pin only the threads that appeared since napi_snapshot, never theirs.
napi_threads()
{
	local p c
	for p in /proc/[0-9]*; do
		read -r c 2>/dev/null <"$p/comm" || continue
		case $c in napi/rin-*) echo "${p#/proc/}" ;; esac
	done
}

napi_snapshot()
{
	NAPI_BEFORE=" $(napi_threads | tr '\n' ' ') "
}

pin_napi()
{
	local p
	for p in $(napi_threads); do
		[ "${NAPI_BEFORE#* "$p" }" = "$NAPI_BEFORE" ] || continue
		taskset -pc "$RELAY_CPU" "$p" >/dev/null 2>&1
	done
}

# start MODE N: one worker on the relay CPU, rin -> b1..bN (N = 0: o1, the sink).
start()
{
	local outs="" i
	if [ "$2" -eq 0 ]; then outs=o1; else
		for i in $(seq 1 "$2"); do outs="$outs${outs:+; }b$i"; done
	fi
	napi_snapshot
	# Not through rly: "rly ... &" would make $! a subshell, not mcrd.
	ip netns exec "$NS_RLY" taskset -c "$RELAY_CPU" "$BIN/mcrd" --workers 1 --ingress "$1" --stats-interval 0 \
		--control "$TMP/sock" --ready-file "$TMP/ready" -r "r=rin,239.1.1.1:5000 -> $outs" \
		>"$TMP/mcrd.out" 2>"$TMP/mcrd.err" &
	MCRD_PID=$!
	for i in $(seq 50); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
	[ -e "$TMP/ready" ] || { echo "mcrd did not start: $(tail -3 "$TMP/mcrd.err")" >&2; exit 1; }
	pin_napi
	sleep 0.5
}

# Stop mcrd and wait (5 s at most) until nothing of it runs in the relay namespace.
stop()
{
	local i
	napi_snapshot
	kill "$MCRD_PID"
	wait "$MCRD_PID" 2>/dev/null
	for i in $(seq 50); do [ -z "$(ip netns pids "$NS_RLY")" ] && break; sleep 0.1; done
	pin_napi
	MCRD_PID=""
	rm -f "$TMP/ready" "$TMP/sock"
}

# trial RATE: offer RATE pps (0: flat out) for TRIAL_S s to a fresh mcrd;
# sets SENT, IN, OUT, DROPS from mcrgen and mcrd's final summary.
trial()
{
	if [ "${PROFILE:-0}" = 1 ]; then
		(sleep 0.5; perf record -q -C "$RELAY_CPU" -o "$TMP/perf.data" -- sleep 1 >/dev/null 2>&1) &
	fi
	SENT=$(timeout 30 ip netns exec "$NS_SRC" taskset -c "$SENDER_CPU" "$BIN/mcrgen" --json \
		-i gen -g 239.1.1.1:5000 -r "$1" -d "$TRIAL_S" | jq .sent)
	sleep 0.5
	stop
	read -r IN OUT DROPS <<<"$(jq -s '.[-1]' "$TMP/mcrd.out" |
		jq -r '"\(.totals.packets_in) \(.totals.packets_out) \([.inputs[].kernel_drops] | add)"')"
}

# latency RATE: 1:1 to the veth sink, 3 s; prints "p50 p99 lost".
latency()
{
	local n=$(($1 * 3))
	ip netns exec "$NS_SNK" taskset -c "$SENDER_CPU" "$BIN/mcrsink" --json -j k1,239.1.1.1:5000 \
		-d 8 --idle-exit 1 >"$TMP/sink.json" 2>/dev/null &
	local spid=$!
	sleep 0.5
	ip netns exec "$NS_SRC" taskset -c "$SENDER_CPU" "$BIN/mcrgen" -i gen -g 239.1.1.1:5000 \
		-r "$1" -c "$n" --batch 1 --quiet
	wait "$spid"
	jq -r --argjson n "$n" '"\(.latency_us.p50) \(.latency_us.p99) \($n - .unique)"' "$TMP/sink.json"
}

setup
echo "# xdp-probe: $(date -u +%FT%TZ) $(uname -r), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# set-up: GRO on rin, threaded NAPI pinned to CPU $RELAY_CPU, RPS to CPU $RELAY_CPU; sender on CPU $SENDER_CPU; ${TRIAL_S}s trials"
echo "round mode fanout rate sent in out input_drops delivered_pps loss_pct"
for r in $(seq 1 "$ROUNDS"); do
	for n in 1 16; do
		if [ "$n" -eq 1 ]; then rates="$RATES_1 0"; else rates="$RATES_16 0"; fi
		for rate in $rates; do
			for mode in $MODES; do
				start "$mode" "$n"
				trial "$rate"
				echo "$r $mode 1:$n $rate $SENT $IN $OUT $DROPS $((OUT / n / TRIAL_S))" \
					"$(awk -v s="$SENT" -v o="$OUT" -v n="$n" 'BEGIN { printf "%.2f", s ? 100 * (1 - o / n / s) : 0 }')"
				# PROFILE=1: where the relay CPU's time went in this trial.
				if [ "${PROFILE:-0}" = 1 ] && [ -e "$TMP/perf.data" ]; then
					perf report -q -i "$TMP/perf.data" --sort comm,sym --stdio 2>/dev/null |
						grep -v '^$' | head -n 12 | sed "s/^/#   $mode 1:$n $rate /"
					rm -f "$TMP/perf.data"
				fi
			done
		done
	done
	for rate in 1093 9973; do
		for mode in $MODES; do
			start "$mode" 0
			echo "$r $mode latency $rate p50/p99/lost_us: $(latency "$rate")"
			stop
		done
	done
	echo "# round $r done, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
