#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make bench: short throughput figures for mcrd on this machine, measured
# inside network namespaces this script creates (and always deletes).
#
# For each fan-out it runs mcrgen as fast as it can for DURATION seconds
# (pinned to CPU 0) through mcrd (pinned to CPU 1), and counts delivery on
# the sink side's interface counters, which cost the receiver no CPU.  The
# same run first measures the sender alone into a veth (the ceiling), so the
# figures are ratios against a baseline taken on the same machine, minutes
# apart, not absolute claims.
#
#   bench/run.sh [-d SECONDS] [-s PAYLOAD] [FANOUT...]     (default: 1 50)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DURATION=5
SIZE=100
while getopts d:s:h opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	*) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
FANOUTS=${*:-"1 50"}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }

P=mcrb$$
NS_SRC=${P}s NS_RLY=${P}r NS_SNK=${P}k
TMP=$(mktemp -d)
MCRD_PID=

cleanup() {
	[ -z "$MCRD_PID" ] || kill "$MCRD_PID" 2>/dev/null || true
	for ns in $NS_SRC $NS_RLY $NS_SNK; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# rx packets of every sink-side interface, summed
sink_rx() {
	ip -n "$NS_SNK" -s -j link show | jq '[.[] | select(.ifname != "lo") | .stats64.rx.packets] | add // 0'
}

topology() {
	n=$1
	for ns in $NS_SRC $NS_RLY $NS_SNK; do
		ip netns del "$ns" 2>/dev/null || true
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip link add ${P}i netns $NS_SRC type veth peer name ${P}j netns $NS_RLY
	ip -n $NS_SRC addr add 198.18.0.1/24 dev ${P}i
	ip -n $NS_RLY addr add 198.18.0.2/24 dev ${P}j
	ip -n $NS_SRC link set ${P}i up
	ip -n $NS_RLY link set ${P}j up
	: >"$TMP/batch"
	i=1
	while [ "$i" -le "$n" ]; do
		echo "link add o$i netns $NS_RLY type veth peer name k$i netns $NS_SNK" >>"$TMP/batch"
		i=$((i + 1))
	done
	ip -batch "$TMP/batch"
	: >"$TMP/rb"; : >"$TMP/kb"
	i=1
	while [ "$i" -le "$n" ]; do
		hi=$((i / 250)) lo=$((i % 250 + 1))
		echo "addr add 198.19.$hi.$lo/32 dev o$i" >>"$TMP/rb"
		echo "link set o$i up" >>"$TMP/rb"
		echo "link set k$i up" >>"$TMP/kb"
		i=$((i + 1))
	done
	ip -n $NS_RLY -batch "$TMP/rb"
	ip -n $NS_SNK -batch "$TMP/kb"
}

# Offer traffic for DURATION s; print "offered_pps delivered_pps"
measure() {
	before=$(sink_rx)
	ip netns exec $NS_SRC taskset -c 0 "$BUILD/mcrgen" -i ${P}i -g 239.1.1.1:5000 \
		-r 0 -d "$DURATION" -c 10000000000 -s "$SIZE" --json >"$TMP/gen.json"
	sleep 0.5
	after=$(sink_rx)
	jq -r --argjson d "$(jq .duration_s "$TMP/gen.json")" \
		--argjson n $((after - before)) '"\(.pps|floor) \(($n / $d)|floor)"' "$TMP/gen.json"
}

echo "mcr bench: ${DURATION}s per row, ${SIZE}-byte payloads, sender on CPU 0, relay on CPU 1"
echo
printf '| %-8s | %12s | %14s | %14s | %8s | %10s | %10s |\n' fan-out offered_pps \
	delivered/out total_egress loss exhaustion relay/ceil
printf '|%s|%s|%s|%s|%s|%s|%s|\n' ---------- -------------- ---------------- \
	---------------- ---------- ------------ ------------

topology 1
# The ceiling: the sender alone into the veth, nobody relaying.
set -- $(measure)
ceiling=$1
printf '| %-8s | %12s | %14s | %14s | %8s | %10s | %10s |\n' "ceiling" "$1" "-" "-" "-" "-" "1.00"

for n in $FANOUTS; do
	topology "$n"
	outs="o1"
	i=2
	while [ "$i" -le "$n" ]; do outs="$outs; o$i"; i=$((i + 1)); done
	ip netns exec $NS_RLY taskset -c 1 "$BUILD/mcrd" --stats-interval 0 \
		--ready-file "$TMP/ready" -r "${P}j,239.1.1.1:5000 -> $outs" \
		>"$TMP/mcrd.json" 2>"$TMP/mcrd.err" &
	MCRD_PID=$!
	t=0
	while [ ! -e "$TMP/ready" ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
	[ -e "$TMP/ready" ] || { cat "$TMP/mcrd.err" >&2; exit 1; }
	set -- $(measure)
	offered=$1 delivered=$2
	kill -TERM "$MCRD_PID"
	wait "$MCRD_PID" || true
	MCRD_PID=
	rm -f "$TMP/ready"
	in=$(jq .totals.packets_in "$TMP/mcrd.json")
	exh=$(jq .totals.buffer_exhaustion "$TMP/mcrd.json")
	sent=$(jq .sent "$TMP/gen.json")
	per_out=$((delivered / n))
	loss=$(echo "$sent $in" | awk '{ printf "%.2f%%", $1 ? 100 * ($1 - $2) / $1 : 0 }')
	ratio=$(echo "$per_out $ceiling" | awk '{ printf "%.2f", $1 / $2 }')
	printf '| %-8s | %12s | %14s | %14s | %8s | %10s | %10s |\n' "1:$n" "$offered" \
		"$per_out" "$delivered" "$loss" "$exh" "$ratio"
	rm -f "$TMP/mcrd.json"
done
echo
echo "delivered/out: packets per second counted on each sink interface; loss: offered packets"
echo "mcrd never received (kernel drops at ingress); relay/ceil: delivered per output / sender alone"
