#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make bench: mcrd against the kernel's multicast forwarding (smcrouted),
# socat and the bare sender, measured on this machine inside network
# namespaces this script creates and always deletes.  Needs root.
#
#   bench/run.sh            the full suite (about 25 minutes of measuring on 2 CPUs)
#   QUICK=1 bench/run.sh    fewer rows, one run, 1 s windows (about 6 minutes)
#   BENCH_SETUPS=onecore6 bench/run.sh
#                           the IPv6 rows alone (about 3 minutes; QUICK=1: 1.5)
#   BENCH_SETUPS="onecore free" BENCH_PHASES="search overload latency" bench/run.sh
#                           the figures of issue 10 only (about 7 minutes)
#   bench/run.sh [-d SECONDS] [-s PAYLOAD] [FANOUT...]
#                           just those rows, one run, 1 stream, no mcrsink
#                           check, windows of SECONDS (default 5)
#
# Results go to bench/results/latest.{md,json,png} (QUICK=1: quick.*, rows
# chosen on the command line: custom.*, some set-ups only: latest-SETUP...*,
# e.g. latest-onecore6.*), and the Markdown is printed too.
# What is measured, in up to four set-ups (BENCH_SETUPS, default all four;
# bench/lib.sh has the details):
#
#   veth      today's rows: veth sinks, the ingress's receive on the
#             sender's CPU (matrix, search, ablation)
#   onecore   one relay core: all of the relay host's receive work on the
#             relay CPU (GRO + threaded NAPI pinned there + RPS), one mcrd
#             worker there, the sender alone on its CPU (search, latency)
#   free      one relay core with free outputs: empty bridges instead of
#             veth sinks (overload, search)
#   onecore6  one relay core over IPv6: group ff3e::1, the kernel through
#             smcrouted's IPv6 mroute (search at 1:1 and 1:16, latency with
#             the ingress paths of BENCH_INGRESS6)
#
# and the phases (BENCH_PHASES), each where it applies:
#
#   matrix    fan-out 1:1 .. 1:1000 x payload 100/1316 B x 1/20 streams, for
#             mcr, the kernel (up to its 31 outputs; past that the attempt
#             and smcrouted's error are recorded), socat (1:1) and the
#             ceiling (the sender straight into a counter).  Each row is a
#             steady-state window read from interface counters; medians of
#             RUNS runs (one for the moderate-rate rows from 1:200, whose
#             fixed rate every run delivers alike).  Run 1 also lets mcrsink
#             count loss and order on the first and last output at a rate it
#             can follow.
#   search    the highest offered rate with zero loss (RFC 2544 style binary
#             search) at 1:1, 1:4 and 1:16 (IPv6: 1:1 and 1:16), 100 B, in
#             every set-up.
#   ablation  mcrd's queue depth 128/1024 x send buffer default/4 MB.
#   overload  the sender flat out at 1:1, 1:4 and 1:16 (free set-up): what
#             each relay delivers, against its zero-loss capacity.
#   latency   sender -> relay -> mcrsink, 1:1, at rates that do not divide
#             1 ms (1,093 and 9,973 pps): p50/p99/max for the kernel and for
#             mcr with each ingress path of BENCH_INGRESS (onecore set-up;
#             onecore6: BENCH_INGRESS6).
#
# Environment:
#   MCRD_ARGS        extra mcrd options for every mcrd run (e.g. --egress udp)
#   QUICK=1          the short development subset
#   BENCH_RUNS, BENCH_WINDOW, BENCH_FANOUTS, BENCH_PAYLOADS, BENCH_STREAMS,
#   BENCH_SEARCH_FANOUTS, BENCH_OVERLOAD_FANOUTS, BENCH_SEARCH6_FANOUTS ("1 16"),
#   BENCH_SETUPS ("veth onecore free onecore6"),
#   BENCH_PHASES ("matrix search ablation overload latency"),
#   BENCH_INGRESS (mcr's ingress paths for the latency table, "ring multishot xdp"),
#   BENCH_INGRESS6 (the same for the IPv6 latency table, "ring"),
#   BENCH_LAT_RATES ("1093 9973"), BENCH_LAT_SECONDS (3),
#   BENCH_BUDGET (seconds after which remaining rows are skipped,
#   default 1800), BENCH_RPS=1 (steer the
#   ingress receive to the relay CPU; see bench/lib.sh), BENCH_IGMP_JOIN=1
#   (mcrd sends IGMP joins, as it does by default outside the benchmark), BENCH_KEEP=1 (keep work files),
#   BENCH_LOCK (flock file, default /tmp/mcr-bench.lock; empty = no lock),
#   BENCH_OUT (results directory), BUILD (where the programs are).
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD

usage()
{
	sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

[ "${1:-}" != --help ] || { usage; exit 0; }
CUSTOM=0
while getopts d:s:h opt; do
	case $opt in
	d) BENCH_WINDOW=$OPTARG CUSTOM=1 ;;
	s) BENCH_PAYLOADS=$OPTARG CUSTOM=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { BENCH_FANOUTS=$*; CUSTOM=1; }

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs two CPUs (sender and relay)" >&2; exit 1; }
bench/deps.sh

BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$TOP/$BUILD ;;
esac

QUICK=${QUICK:-0}
SENDER_CPU=0
RELAY_CPU=1
if [ "$CUSTOM" = 1 ]; then
	RUNS=${BENCH_RUNS:-1}
	FANOUTS=${BENCH_FANOUTS:-"1 50"}
	BENCH_WINDOW=${BENCH_WINDOW:-5}
	BENCH_STREAMS=${BENCH_STREAMS:-1}
	BENCH_PAYLOADS=${BENCH_PAYLOADS:-100}
	BENCH_PHASES=${BENCH_PHASES:-matrix}
	SINK_CHECK=${BENCH_SINK_CHECK:-0}
	SEARCH_FANOUTS=${BENCH_SEARCH_FANOUTS:-1}
	ABLATION_FANOUT=1
	SETUPS=${BENCH_SETUPS:-veth}
	NAME=custom
elif [ "$QUICK" = 1 ]; then
	RUNS=${BENCH_RUNS:-1}
	FANOUTS=${BENCH_FANOUTS:-"1 4"}
	SEARCH_FANOUTS=${BENCH_SEARCH_FANOUTS:-"1 16"}
	ABLATION_FANOUT=4
	BENCH_WINDOW=${BENCH_WINDOW:-1}
	BENCH_PAYLOADS=${BENCH_PAYLOADS:-100}
	BENCH_STREAMS=${BENCH_STREAMS:-1}
	BENCH_LAT_SECONDS=${BENCH_LAT_SECONDS:-1}
	SEARCH_STEPS=${BENCH_SEARCH_STEPS:-5}
	NAME=quick
else
	RUNS=${BENCH_RUNS:-3}
	FANOUTS=${BENCH_FANOUTS:-"1 4 16 31 50 200 1000"}
	SEARCH_FANOUTS=${BENCH_SEARCH_FANOUTS:-"1 4 16"}
	ABLATION_FANOUT=16
	NAME=latest
fi
ALL_SETUPS="veth onecore free onecore6"
SETUPS=${SETUPS:-${BENCH_SETUPS:-$ALL_SETUPS}}
# A full-length run of some set-ups only keeps the committed results of all
# of them: it writes latest-SETUP[-SETUP...].* instead.
SETUPS_WORDS=$(tr -s ' \t' '  ' <<<"$SETUPS" | sed 's/^ //; s/ $//')
if [ "$NAME" = latest ] && [ "$SETUPS_WORDS" != "$ALL_SETUPS" ]; then
	NAME=latest-${SETUPS_WORDS// /-}
fi
SEARCH6_FANOUTS=${BENCH_SEARCH6_FANOUTS:-"1 16"}
INGRESS6_LIST=${BENCH_INGRESS6:-ring}
OVERLOAD_FANOUTS=${BENCH_OVERLOAD_FANOUTS:-$SEARCH_FANOUTS}
INGRESS_LIST=${BENCH_INGRESS:-"ring multishot xdp"}
LAT_RATES=${BENCH_LAT_RATES:-"1093 9973"}
LAT_SECONDS=${BENCH_LAT_SECONDS:-3}
PAYLOADS=${BENCH_PAYLOADS:-"100 1316"}
STREAMS_LIST=${BENCH_STREAMS:-"1 20"}
PHASES=${BENCH_PHASES:-"matrix search ablation overload latency"}
OUT=${BENCH_OUT:-$TOP/bench/results}
BENCH_LOCK=${BENCH_LOCK-/tmp/mcr-bench.lock}
BUDGET=${BENCH_BUDGET:-1800}

# Seconds: warm-up before the window, the measured window per row.
WARM=0.5
WINDOW=${BENCH_WINDOW:-2}
# Fan-outs from here on are offered MODERATE_EGRESS / N packets per second
# instead of all the sender can: at full speed the relay would drop almost
# every packet and the row would measure only its drop path.
MODERATE_FROM=200
MODERATE_EGRESS=100000
# mcrsink's check: SINK_SECONDS at min(SINK_RATE, SINK_EGRESS / N) pps.
SINK_CHECK=${SINK_CHECK:-${BENCH_SINK_CHECK:-1}}
SINK_SECONDS=1
SINK_RATE=10000
SINK_EGRESS=50000
# The zero-loss search: steps of SEARCH_TRIAL seconds at SEARCH_PAYLOAD bytes,
# each followed by SEARCH_DRAIN seconds for the packets in flight.
SEARCH_STEPS=${SEARCH_STEPS:-7}
SEARCH_TRIAL=2
SEARCH_DRAIN=0.2
SEARCH_PAYLOAD=100
# The kernel's limit: MAXVIFS (32) virtual interfaces, the input's included.
KERNEL_MAX_OUT=31
# The ablation always uses UDP egress, the data path of the seed finding,
# and offers ABLATION_RATE packets/s in (x ABLATION_FANOUT out).
ABLATION_EGRESS=${ABLATION_EGRESS:-udp}
ABLATION_RATE=${ABLATION_RATE:-10000}

# shellcheck source=bench/lib.sh
. bench/lib.sh

TRUNCATED=0

# b_budget_ok WHAT: false (and a note) once the time budget is spent.
b_budget_ok()
{
	[ "$(b_worked)" -ge "$BUDGET" ] || return 0
	[ "$TRUNCATED" = 1 ] || b_log "time budget of $BUDGET s spent: skipping the rest ($1 on)"
	TRUNCATED=1
	return 1
}

# b_record JSON: one measurement, tagged with the set-up in force.
b_record()
{
	jq -c --arg setup "$B_SETUP" --argjson fam "$B_FAMILY" '{setup: $setup, family: $fam} + .' \
		<<<"$1" >>"$B_TMP/raw.jsonl"
}

fmt_row()
{
	jq -r '"offered \(.offered_pps) pps, egress \(.total_egress_pps) pps (\(.per_output_pps)/output),"
		+ " loss \(.loss * 1000 | round / 10)%, relay CPU \(.relay_cpu_pct // "-")%,"
		+ " CPU\('"$RELAY_CPU"') \(.cpu1_busy_pct)% (softirq \(.cpu1_softirq_pct)%)"
		+ (if .buffer_exhaustion != null then ", exhaustion \(.buffer_exhaustion)" else "" end)
		+ (if (.worker_restarts // 0) > 0 then ", \(.worker_restarts) worker restart(s)" else "" end)' <<<"$1"
}

declare -A KERNEL_NA

# record_na RELAY N ERROR: the relay cannot do any row at fan-out N.
record_na()
{
	local payload streams
	for payload in $PAYLOADS; do
		for streams in $STREAMS_LIST; do
			b_record "$(jq -nc --arg relay "$1" --argjson n "$2" --argjson p "$payload" \
				--argjson s "$streams" --arg err "$3" \
				'{kind: "row", relay: $relay, fanout: $n, payload: $p, streams: $s, run: 1,
				  status: "n/a", error: $err}')"
		done
	done
}

# do_row RELAY N PAYLOAD STREAMS RUN: one measurement, appended to raw.jsonl.
do_row()
{
	local relay=$1 n=$2 payload=$3 streams=$4 run=$5 rate=0 mode=max sink=null m srate
	if [ "$n" -ge "$MODERATE_FROM" ]; then
		rate=$((MODERATE_EGRESS / n))
		mode=moderate
	fi
	local key="1:$n ${payload}B x$streams $relay run $run"
	[ "$relay" != ceiling ] || key="ceiling ${payload}B x$streams run $run"
	if ! relay_start "$relay" "$n" "$streams"; then
		b_log "$key: not measured: $RELAY_ERROR"
		b_record "$(jq -nc --arg relay "$relay" --argjson n "$n" --argjson p "$payload" \
			--argjson s "$streams" --argjson run "$run" --arg err "$RELAY_ERROR" \
			'{kind: "row", relay: $relay, fanout: $n, payload: $p, streams: $s, run: $run,
			  status: "n/a", error: $err}')"
		return 0
	fi
	if [ "$run" -eq 1 ] && [ "$SINK_CHECK" = 1 ]; then
		srate=$((SINK_EGRESS / n))
		[ "$srate" -le "$SINK_RATE" ] || srate=$SINK_RATE
		[ "$srate" -ge 1 ] || srate=1
		sink=$(sink_check "$payload" "$streams" "$srate")
	fi
	m=$(measure_window "$payload" "$streams" "$rate")
	relay_stop
	m=$(jq -c --arg relay "$relay" --argjson n "$n" --argjson p "$payload" \
		--argjson s "$streams" --argjson run "$run" --arg mode "$mode" \
		--argjson rate "$rate" --argjson sink "$sink" --slurpfile t "$B_TMP/relay.totals" \
		'{kind: "row", relay: $relay, fanout: $n, payload: $p, streams: $s, run: $run,
		  status: "ok", rate_mode: $mode, target_pps: $rate} + .
		 + {buffer_exhaustion: $t[0].buffer_exhaustion, kernel_drops: $t[0].kernel_drops,
		    worker_restarts: $t[0].worker_restarts,
		    relay_in: $t[0].packets_in, relay_out: $t[0].packets_out, sink: $sink}' <<<"$m")
	b_record "$m"
	b_log "$key: $(fmt_row "$m")"
}

phase_matrix()
{
	local run n payload streams relays r k
	for ((run = 1; run <= RUNS; run++)); do
		b_log "matrix run $run of $RUNS"
		for payload in $PAYLOADS; do
			for streams in $STREAMS_LIST; do
				b_budget_ok "ceiling run $run" || return 0
				b_lock
				do_row ceiling 1 "$payload" "$streams" "$run"
				b_unlock
			done
		done
		for n in $FANOUTS; do
			# The moderate-rate rows offer a fixed rate that every run
			# delivers alike; one run of them leaves time for the search
			# and the ablation within the suite's 15 minutes.
			[ "$run" -eq 1 ] || [ "$n" -lt "$MODERATE_FROM" ] || continue
			relays=(mcr)
			[ "$n" -gt "$KERNEL_MAX_OUT" ] || relays+=(kernel)
			[ "$n" -ne 1 ] || relays+=(socat)
			# Past MAXVIFS the kernel is tried once per fan-out, to record why
			# it cannot do these rows (should it one day succeed, it is measured).
			if [ "$n" -gt "$KERNEL_MAX_OUT" ]; then
				if [ "$run" -eq 1 ]; then
					KERNEL_NA[$n]=""
					if relay_start kernel "$n" 1; then
						relay_stop
					else
						KERNEL_NA[$n]=$RELAY_ERROR
						b_log "1:$n kernel: $RELAY_ERROR"
					fi
				fi
				if [ -n "${KERNEL_NA[$n]}" ]; then
					[ "$run" -ne 1 ] || record_na kernel "$n" "${KERNEL_NA[$n]}"
				else
					relays+=(kernel)
				fi
			fi
			for payload in $PAYLOADS; do
				for streams in $STREAMS_LIST; do
					b_budget_ok "1:$n run $run" || return 0
					b_lock
					# Rotate the order by run, so that no relay always goes first.
					for ((k = 0; k < ${#relays[@]}; k++)); do
						r=${relays[$(((k + run - 1) % ${#relays[@]}))]}
						do_row "$r" "$n" "$payload" "$streams" "$run"
					done
					b_unlock
				done
			done
		done
	done
}

# The sender's own maximum at PAYLOAD, 1 stream (median of the ceiling rows).
ceiling_pps()
{
	jq -s --argjson p "$1" '[.[] | select(.kind == "row" and .relay == "ceiling" and .status == "ok"
		and .payload == $p and .streams == 1) | .offered_pps] | sort
		| if length == 0 then 0 else .[length / 2 | floor] end' "$B_TMP/raw.jsonl"
}

# search_start_pps: where the zero-loss searches start, the sender's maximum
# (for IPv6 measured anew, over IPv6).
search_start_pps()
{
	local hi=0
	[ "$B_FAMILY" != 4 ] || hi=$(ceiling_pps "$SEARCH_PAYLOAD")
	if [ "$hi" -le 0 ]; then
		b_lock
		RELAY_KIND=ceiling
		RELAY_N=1
		hi=$(measure_window "$SEARCH_PAYLOAD" 1 0 | jq .offered_pps)
		b_unlock
		b_log "the sender alone (IPv$B_FAMILY, ${SEARCH_PAYLOAD} B): $hi pps"
	fi
	echo "$hi"
}

# overloaded_delivered RELAY N: the per-output rate RELAY delivered at 1:N
# with the sender flat out, in this set-up's matrix or overload rows (median
# of its runs, search payload, 1 stream), or 0.
overloaded_delivered()
{
	jq -s --arg r "$1" --argjson n "$2" --argjson p "$SEARCH_PAYLOAD" --arg setup "$B_SETUP" \
		'[.[] | select((.kind == "row" or .kind == "overload") and .setup == $setup
		  and .relay == $r and .status == "ok" and .fanout == $n and .payload == $p
		  and .streams == 1 and (.rate_mode // "max") == "max") | .per_output_pps] | sort
		| if length == 0 then 0 else .[length / 2 | floor] end | floor' "$B_TMP/raw.jsonl"
}

# zero_loss_search N START [CAPACITY]: search, with the relay already
# running, for the highest rate at which all N outputs get every packet.
# The first trial is at START (the sender's maximum); when it fails, the
# second is at CAPACITY (what the relay delivered per output when
# overloaded, if known and lower; else what it delivered in the first
# trial), and the rest bisect below it or, when it
# passes, up to a quarter above it: the steps are spent near the relay's
# limit rather than halving from the top.
# Sets ZL_BEST (target pps), ZL_OFFERED (what the sender managed at it),
# ZL_FIRST (1 when the first trial, at START, passed), ZL_TRIALS (JSON) and
# ZL_CPU (per-CPU accounting of the best passing trial, JSON).
zero_loss_search()
{
	local n=$1 lo=0 top=$2 rate=$2 cap=${3:-0} step pass off sent min
	ZL_BEST=0
	ZL_OFFERED=0
	ZL_FIRST=0
	ZL_TRIALS="[]"
	ZL_CPU=null
	for ((step = 1; step <= SEARCH_STEPS; step++)); do
		read -r pass off sent min < <(search_trial "$n" "$SEARCH_PAYLOAD" "$rate")
		# Where the work landed: at the best passing trial, else the first.
		if [ "$pass" = 1 ] || [ "$step" -eq 1 ]; then
			ZL_CPU=$(cat "$B_TMP/trial.cpu")
		fi
		ZL_TRIALS=$(jq -c --argjson r "$rate" --argjson o "$off" --argjson s "$sent" \
			--argjson m "$min" --argjson p "$pass" \
			'. + [{target_pps: $r, offered_pps: $o, sent: $s, min_output: $m,
			       zero_loss: ($p == 1)}]' <<<"$ZL_TRIALS")
		if [ "$pass" = 1 ]; then
			ZL_BEST=$rate
			[ "$off" -le "$ZL_OFFERED" ] || ZL_OFFERED=$off
			lo=$rate
			[ "$step" -ne 1 ] || { ZL_FIRST=1; break; }
			# At its overloaded rate the relay keeps up: its limit is near.
			if [ "$step" -eq 2 ] && [ "$rate" -eq "$cap" ] && [ $((cap + cap / 4)) -lt "$top" ]; then
				top=$((cap + cap / 4))
			fi
		else
			top=$rate
			# Without a rate from an overloaded window, the first trial's
			# own delivery (at the sender's full speed) is one.
			if [ "$step" -eq 1 ] && [ "$cap" -le 0 ] && [ "$sent" -gt 0 ]; then
				cap=$(awk -v m="$min" -v o="$off" -v s="$sent" 'BEGIN { printf "%d", m * o / s }')
			fi
		fi
		rate=$(((lo + top) / 2))
		if [ "$step" -eq 1 ] && [ "$cap" -gt 0 ] && [ "$cap" -lt "$top" ]; then
			rate=$cap
		fi
	done
}

phase_search()
{
	local n relay hi fanouts=$SEARCH_FANOUTS
	[ "$B_FAMILY" = 4 ] || fanouts=$SEARCH6_FANOUTS
	hi=$(search_start_pps)
	for n in $fanouts; do
		for relay in mcr kernel socat; do
			[ "$relay" != socat ] || { [ "$n" -eq 1 ] && [ "$B_SETUP" = veth ]; } || continue
			b_budget_ok "search 1:$n $relay" || return 0
			b_lock
			if ! relay_start "$relay" "$n" 1; then
				b_log "search 1:$n $relay: $RELAY_ERROR"
				b_unlock
				continue
			fi
			zero_loss_search "$n" "$hi" "$(overloaded_delivered "$relay" "$n")"
			relay_stop
			b_unlock
			# The kernel's own count of the packets its route matched, over all
			# the trials: proof that the kernel used it at all.
			b_record "$(jq -nc --arg relay "$relay" --argjson n "$n" \
				--argjson p "$SEARCH_PAYLOAD" --argjson best "$ZL_BEST" \
				--argjson off "$ZL_OFFERED" --argjson top "$hi" --argjson first "$ZL_FIRST" \
				--argjson t "$ZL_TRIALS" --argjson cpu "$ZL_CPU" \
				--slurpfile tot "$B_TMP/relay.totals" \
				'{kind: "search", relay: $relay, fanout: $n, payload: $p, streams: 1,
				  zero_loss_pps: $best, zero_loss_offered_pps: $off, start_pps: $top,
				  sender_limited: ($first == 1), trials: $t, at_best: $cpu}
				 + if $tot[0].route_packets then {kernel_route_packets: $tot[0].route_packets,
				      sent_in_trials: ($t | map(.sent) | add)} else {} end')"
			b_log "search 1:$n $relay: zero loss up to $ZL_BEST pps (offered $ZL_OFFERED)" \
				"$([ "$ZL_FIRST" = 0 ] || echo '(the sender maximum)')"
			if [ "$relay" = kernel ] && [ "$(jq '.route_packets // -1' "$B_TMP/relay.totals")" = 0 ]; then
				b_log "WARNING: the kernel's route matched no packet (IPv$B_FAMILY, 1:$n):" \
					"smcrouted's route is in place, so the kernel dropped every packet before it"
			fi
		done
	done
}

# ablation_start Q S: mcrd for the ablation with queue depth Q, send buffer S.
ablation_start()
{
	relay_start mcr "$ABLATION_FANOUT" 1 --egress "$ABLATION_EGRESS" --queue-depth "$1" \
		--sndbuf "$2"
}

# Each setting gets RUNS windows at the fixed rate ABLATION_RATE: the same
# load for all four, near the UDP egress path's capacity.  (At the sender's
# full speed the relay CPU drowns in receive work, and that, not the
# setting, decides the figure.)
phase_ablation()
{
	local run q s m def label
	def=$(($(cat /proc/sys/net/core/wmem_default) / 2))
	for ((run = 1; run <= RUNS; run++)); do
		for q in 1024 128; do
			for s in 4194304 "$def"; do
				b_budget_ok "ablation" || return 0
				label="queue $q, sndbuf $([ "$s" = 4194304 ] && echo 4MB || echo default)"
				b_lock
				if ! ablation_start "$q" "$s"; then
					b_log "ablation $label: $RELAY_ERROR"
					b_unlock
					continue
				fi
				m=$(measure_window 100 1 "$ABLATION_RATE")
				relay_stop
				b_unlock
				m=$(jq -c --argjson q "$q" --argjson s "$s" --argjson dflt "$def" \
					--argjson run "$run" --argjson n "$ABLATION_FANOUT" \
					--arg eg "$ABLATION_EGRESS" --argjson rate "$ABLATION_RATE" \
					--slurpfile t "$B_TMP/relay.totals" \
					'{kind: "ablation", fanout: $n, payload: 100, streams: 1, run: $run,
					  queue_depth: $q, sndbuf: (if $s == $dflt then "default" else $s end),
					  egress: $eg, target_pps: $rate} + .
					 + {buffer_exhaustion: $t[0].buffer_exhaustion,
					    kernel_drops: $t[0].kernel_drops, relay_in: $t[0].packets_in}' <<<"$m")
				b_record "$m"
				b_log "ablation 1:$ABLATION_FANOUT $label run $run: $(fmt_row "$m")"
			done
		done
	done
}

# The sender flat out at each fan-out, RUNS windows per relay: what a relay
# still delivers when offered more than it can relay (the report sets it
# against the same set-up's zero-loss capacity).
phase_overload()
{
	local run n k r relays=(mcr kernel) m
	for ((run = 1; run <= RUNS; run++)); do
		for n in $OVERLOAD_FANOUTS; do
			b_budget_ok "overload 1:$n run $run" || return 0
			b_lock
			for ((k = 0; k < ${#relays[@]}; k++)); do
				r=${relays[$(((k + run - 1) % ${#relays[@]}))]}
				if ! relay_start "$r" "$n" 1; then
					b_log "overload 1:$n $r: $RELAY_ERROR"
					continue
				fi
				m=$(measure_window "$SEARCH_PAYLOAD" 1 0)
				relay_stop
				m=$(jq -c --arg relay "$r" --argjson n "$n" --argjson p "$SEARCH_PAYLOAD" \
					--argjson run "$run" --slurpfile t "$B_TMP/relay.totals" \
					'{kind: "overload", relay: $relay, fanout: $n, payload: $p, streams: 1,
					  run: $run, status: "ok", rate_mode: "max"} + .
					 + {buffer_exhaustion: $t[0].buffer_exhaustion,
					    kernel_drops: $t[0].kernel_drops,
					    worker_restarts: $t[0].worker_restarts}' <<<"$m")
				b_record "$m"
				b_log "overload 1:$n $r run $run: $(fmt_row "$m")"
			done
			b_unlock
		done
	done
}

# lat_measure RATE: mcrsink on k1 (pinned to the sender's CPU, which is
# otherwise idle at these rates) takes LAT_SECONDS of traffic at RATE.
# Prints mcrsink's figures as a JSON object.
lat_measure()
{
	local rate=$1 count spid rf=$B_TMP/lat.ready i
	count=$(awk -v r="$rate" -v d="$LAT_SECONDS" 'BEGIN { c = int(r * d); print c < 1 ? 1 : c }')
	rm -f "$rf"
	ip netns exec "$NS_SNK" taskset -c "$SENDER_CPU" "$MCRSINK" -j "k1,$(b_dest)" \
		--count "$count" -d "$(awk -v d="$LAT_SECONDS" 'BEGIN { print d + 5 }')" \
		--ready-file "$rf" --json --quiet >"$B_TMP/lat.json" 2>"$B_TMP/lat.err" &
	spid=$!
	b_track "$spid"
	for ((i = 0; i < 50; i++)); do
		[ ! -e "$rf" ] || break
		sleep 0.1
	done
	b_gen -r "$rate" -c "$count" -s "$SEARCH_PAYLOAD" >"$B_TMP/latgen.json" \
		2>"$B_TMP/latgen.err" || b_log "mcrgen: $(tail -n 1 "$B_TMP/latgen.err")"
	for ((i = 0; i < 60; i++)); do
		b_alive "$spid" || break
		sleep 0.1
	done
	b_reap 10 "$spid"
	jq -c --argjson rate "$rate" --argjson exp "$count" \
		'{target_pps: $rate, expected: $exp, received, lost, reordered,
		  p50_us: .latency_us.p50, p90_us: .latency_us.p90, p99_us: .latency_us.p99,
		  max_us: .latency_us.max}' "$B_TMP/lat.json" 2>/dev/null ||
		jq -nc --argjson rate "$rate" --arg err "$(tail -n 1 "$B_TMP/lat.err")" \
			'{target_pps: $rate, error: "no mcrsink report: \($err)"}'
}

# Latency at 1:1 through each relay: the kernel, and mcr with each ingress
# path of INGRESS_LIST (a new path slots in by name).
phase_latency()
{
	local run rate spec relay ingress m paths=$INGRESS_LIST
	[ "$B_FAMILY" = 4 ] || paths=$INGRESS6_LIST
	for ((run = 1; run <= RUNS; run++)); do
		for rate in $LAT_RATES; do
			b_budget_ok "latency run $run" || return 0
			b_lock
			for spec in kernel $paths; do
				if [ "$spec" = kernel ]; then
					relay=kernel ingress=""
					relay_start kernel 1 1 || { b_log "latency kernel: $RELAY_ERROR"; continue; }
				else
					relay=mcr ingress=$spec
					relay_start mcr 1 1 --ingress "$ingress" ||
						{ b_log "latency mcr $ingress: $RELAY_ERROR"; continue; }
				fi
				m=$(lat_measure "$rate")
				relay_stop
				m=$(jq -c --arg relay "$relay" --arg ing "$ingress" --argjson run "$run" \
					'{kind: "latency", relay: $relay,
					  ingress: (if $ing == "" then null else $ing end), fanout: 1, run: $run} + .' \
					<<<"$m")
				b_record "$m"
				b_log "latency $relay${ingress:+ ($ingress)} at $rate pps run $run: $(jq -r \
					'if .error then .error else "p50 \(.p50_us) us, p99 \(.p99_us) us, max \(.max_us) us, lost \(.lost) of \(.expected)" end' <<<"$m")"
			done
			b_unlock
		done
	done
}

# setup_phases SETUP: the phases that apply to it, in order.
setup_phases()
{
	case $1 in
	veth) echo matrix search ablation ;;
	onecore | onecore6) echo search latency ;;
	free) echo overload search ;;
	esac
}

# run_setup SETUP: switch to it and run its phases from PHASES, timing each.
run_setup()
{
	local phase t0 how
	b_setup "$1"
	b_record "$(jq -nc --arg note "$B_STEER_NOTE" --arg steer "$B_STEER" --arg out "$B_OUT_PFX" \
		--arg args "${B_SETUP_MCRD_ARGS[*]}" \
		'{kind: "setup", steering: $steer, steering_note: $note,
		  outputs: (if $out == "b" then "bridge" else "veth" end), mcrd_args: $args}')"
	how=$B_STEER_NOTE
	[ -n "$how" ] || how="no steering: the receive of rin runs on the sending CPU"
	b_log "set-up $1: $how"
	for phase in $(setup_phases "$1"); do
		case " $PHASES " in *" $phase "*) ;; *) continue ;; esac
		t0=$(b_worked)
		"phase_$phase"
		b_record "$(jq -nc --arg phase "$phase" --argjson s $(($(b_worked) - t0)) \
			'{kind: "timing", phase: $phase, seconds: $s}')"
		b_log "set-up $1, $phase: $(($(b_worked) - t0)) s"
	done
}

write_meta()
{
	jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" \
		--arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
		--argjson ncpu "$(nproc)" --arg mcrd "$("$MCRD" --version 2>&1 | head -n 1)" \
		--arg git "$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)" \
		--arg smc "$(smcrouted -v 2>&1 | head -n 1)" \
		--arg socat "$(socat -V 2>/dev/null | awk '/socat version/ { print $3; exit }')" \
		--arg args "${MCRD_ARGS:-} ${B_MCRD_BASE[*]}" --argjson quick "$([ "$QUICK" = 1 ] && echo true || echo false)" \
		--argjson runs "$RUNS" --argjson window "$WINDOW" --argjson warm "$WARM" \
		--argjson mfrom "$MODERATE_FROM" --argjson megress "$MODERATE_EGRESS" \
		--argjson ssec "$SINK_SECONDS" --argjson srate "$SINK_RATE" --argjson segress "$SINK_EGRESS" \
		--argjson steps "$SEARCH_STEPS" --argjson trial "$SEARCH_TRIAL" --argjson drain "$SEARCH_DRAIN" \
		--argjson scpu "$SENDER_CPU" --argjson rcpu "$RELAY_CPU" \
		--argjson rps "$([ "${BENCH_RPS:-0}" = 1 ] && echo true || echo false)" \
		--arg setups "$SETUPS" --arg ingress "$INGRESS_LIST" --arg latrates "$LAT_RATES" \
		--arg ingress6 "$INGRESS6_LIST" --arg fan6 "$SEARCH6_FANOUTS" \
		--argjson latsec "$LAT_SECONDS" \
		--argjson wdef "$(cat /proc/sys/net/core/wmem_default)" \
		--argjson secs "$(b_worked)" --argjson waited "$B_LOCK_WAITED" --argjson trunc "$([ "$TRUNCATED" = 1 ] && echo true || echo false)" \
		--arg abl "$ABLATION_EGRESS" --argjson ablrate "$ABLATION_RATE" \
		'{date: $date, host: {kernel: $kernel, cpu: $cpu, cpus: $ncpu},
		  versions: {mcrd: $mcrd, git: $git, smcroute: $smc, socat: $socat},
		  mcrd_args: $args, quick: $quick, duration_s: $secs, lock_wait_s: $waited,
		  truncated: $trunc,
		  settings: {runs: $runs, window_s: $window, warm_s: $warm, sender_cpu: $scpu,
		    relay_cpu: $rcpu, rps_to_relay_cpu: $rps, moderate_from_fanout: $mfrom,
		    moderate_egress_pps: $megress, sink_seconds: $ssec, sink_rate_max_pps: $srate,
		    sink_egress_pps: $segress, search_steps: $steps, search_trial_s: $trial, search_drain_s: $drain,
		    wmem_default: $wdef, ablation_egress: $abl, ablation_rate_pps: $ablrate, ttl: 16, group: "239.1.1.1",
		    group6: "ff3e::1", search6_fanouts: ($fan6 | split(" ") | map(select(. != "") | tonumber)),
		    ingress_paths6: ($ingress6 | split(" ") | map(select(. != ""))),
		    setups: ($setups | split(" ") | map(select(. != ""))),
		    ingress_paths: ($ingress | split(" ") | map(select(. != ""))),
		    latency_rates_pps: ($latrates | split(" ") | map(select(. != "") | tonumber)),
		    latency_seconds: $latsec}}' \
		>"$B_TMP/meta.json"
}

main()
{
	local maxn=1 maxfree=0 n setup all=$SEARCH_FANOUTS
	b_init "$BIN"
	# Only the rows this run measures decide the topology's size (a
	# thousand veths take a minute to create).
	case " $SETUPS " in
	*" veth "*)
		case " $PHASES " in *" matrix "*) all+=" $FANOUTS" ;; esac
		case " $PHASES " in *" ablation "*) all+=" $ABLATION_FANOUT" ;; esac
		;;
	esac
	case " $SETUPS " in *" onecore "*) all+=" 1" ;; esac
	case " $SETUPS " in
	*" onecore6 "*)
		all+=" 1"
		for n in $SEARCH6_FANOUTS; do
			[ "$n" -le "$B_N6" ] || B_N6=$n
		done
		[ "$B_N6" -ge 1 ] || B_N6=1
		all+=" $B_N6"
		;;
	esac
	for n in $all; do
		[ "$n" -le "$maxn" ] || maxn=$n
	done
	case " $SETUPS " in
	*" free "*)
		for n in $SEARCH_FANOUTS $OVERLOAD_FANOUTS; do
			[ "$n" -le "$maxfree" ] || maxfree=$n
		done ;;
	esac
	b_log "mcr bench: runs $RUNS, ${WINDOW}s windows, fan-outs $FANOUTS, sender on CPU $SENDER_CPU," \
		"relay on CPU $RELAY_CPU${MCRD_ARGS:+, MCRD_ARGS=$MCRD_ARGS}"
	b_log "topology: 1 input, $maxn outputs, $maxfree free outputs (namespaces $B_PFX-*)"
	for phase in $PHASES; do
		case $phase in
		matrix | search | ablation | overload | latency) ;;
		*) b_die "unknown phase $phase" ;;
		esac
	done
	b_topo "$maxn" "$maxfree"
	# Let the work that creating many interfaces leaves behind settle.
	[ "$maxn" -lt 100 ] || sleep 3
	for setup in $SETUPS; do
		run_setup "$setup"
	done
	write_meta
	mkdir -p "$OUT"
	bench/report.sh "$B_TMP/raw.jsonl" "$B_TMP/meta.json" "$OUT" "$NAME"
	# A full run into the committed results also renews README's figures.
	if [ "$NAME" = latest ] && [ "$OUT" = "$TOP/bench/results" ] && [ "$TRUNCATED" = 0 ]; then
		bench/readme.sh "bench/results/latest.json" README.md >&2
	fi
	b_log "done in $(b_worked) s (+ $B_LOCK_WAITED s waiting for the lock): $OUT/$NAME.md, $OUT/$NAME.json, $OUT/$NAME.png"
}

main
