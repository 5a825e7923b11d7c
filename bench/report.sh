#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bench/report.sh RAW.jsonl META.json OUTDIR NAME: from the raw
# measurements of one run of bench/run.sh, write OUTDIR/NAME.json (medians,
# ratios, searches, ablation), OUTDIR/NAME.md (the tables, also printed) and
# OUTDIR/NAME.png (the chart).  Can be re-run on kept work files
# (BENCH_KEEP=1) to redo the tables without measuring again.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 RAW.jsonl META.json OUTDIR NAME" >&2; exit 2; }
raw=$1 meta=$2 out=$3 name=$4
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mcr-bench-report.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$out"
jq -n --slurpfile raw "$raw" --slurpfile meta "$meta" -f "$here/summarize.jq" |
	jq --arg chart "$name.png" '. + {chart: $chart}' >"$work/results.json"

# Chart data: one file per relay and payload (1 stream), full-speed rows and
# moderate-rate rows apart, so that the line does not join the two kinds.
payloads=$(jq -r '[.rows[] | select(.relay != "ceiling") | .payload] | unique | map(tostring) | join(" ")' \
	"$work/results.json")
ceilings=""
for p in $payloads; do
	for r in mcr kernel socat; do
		jq -r --arg r "$r" --argjson p "$p" '.rows[] | select(.relay == $r and .payload == $p
			and .streams == 1 and .status == "ok" and .rate_mode == "max")
			| "\(.fanout) \(.median.total_egress_pps) \(.median.per_output_pps)"' "$work/results.json" |
			sort -n >"$work/$r-$p.dat"
		jq -r --arg r "$r" --argjson p "$p" '.rows[] | select(.relay == $r and .payload == $p
			and .streams == 1 and .status == "ok" and .rate_mode == "moderate")
			| "\(.fanout) \(.median.total_egress_pps) \(.median.per_output_pps)"' "$work/results.json" |
			sort -n >"$work/$r-$p-mod.dat"
	done
	c=$(jq --argjson p "$p" '[.rows[] | select(.relay == "ceiling" and .payload == $p and .streams == 1
		and .status == "ok") | .median.total_egress_pps] | .[0] // 0' "$work/results.json")
	ceilings="$ceilings $c"
done
# Capacity per set-up and relay, and the overload rows.
setups=$(jq -r '.settings.setups // ["veth"] | join(" ")' "$work/results.json")
for s in $setups; do
	for r in mcr kernel; do
		jq -r --arg s "$s" --arg r "$r" '.zero_loss[]? | select(.setup == $s and .relay == $r
			and .zero_loss_offered_pps > 0) | "\(.fanout) \(.zero_loss_offered_pps)"' \
			"$work/results.json" | sort -n >"$work/cap-$s-$r.dat"
	done
done
for r in mcr kernel; do
	jq -r --arg r "$r" '.overload[]? | select(.relay == $r) | "\(.fanout) \(.median.per_output_pps)"' \
		"$work/results.json" | sort -n >"$work/ovl-$r.dat"
done
flag() { if [ -n "$(cat "$@" 2>/dev/null)" ]; then echo 1; else echo 0; fi; }
has_full=$(flag "$work"/mcr-*[0-9].dat)
has_mod=$(flag "$work"/mcr-*-mod.dat)
has_cap=$(flag "$work"/cap-*.dat)
sub=$(jq -r '"\(.date), \(.host.cpus) CPUs, Linux \(.host.kernel), mcr \(.versions.git);"
	+ " medians of \(.settings.runs) run(s); sender on CPU \(.settings.sender_cpu), relay on CPU \(.settings.relay_cpu)"' \
	"$work/results.json")
if [ -n "$payloads$setups" ]; then
	[ -n "$payloads" ] || payloads=100
	gnuplot -e "dir='$work'; out='$work/chart.png'; payloads='$payloads'; ceilings='${ceilings# }';
		subtitle='$sub'; has_full=$has_full; has_mod=$has_mod; has_cap=$has_cap; setups='$setups'" \
		"$here/chart.gp" 2>"$work/gnuplot.err" ||
		{ cat "$work/gnuplot.err" >&2; exit 1; }
	grep -v 'Skipping data file with no valid points\|^ *$\|^ *plot\|^ *\^' "$work/gnuplot.err" >&2 || true
	mv "$work/chart.png" "$out/$name.png"
fi
jq -r -f "$here/markdown.jq" "$work/results.json" >"$work/results.md"
mv "$work/results.json" "$out/$name.json"
mv "$work/results.md" "$out/$name.md"
cat "$out/$name.md"
