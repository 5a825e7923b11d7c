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
			| "\(.fanout) \(.median.total_egress_pps)"' "$work/results.json" | sort -n >"$work/$r-$p.dat"
		jq -r --arg r "$r" --argjson p "$p" '.rows[] | select(.relay == $r and .payload == $p
			and .streams == 1 and .status == "ok" and .rate_mode == "moderate")
			| "\(.fanout) \(.median.total_egress_pps)"' "$work/results.json" | sort -n >"$work/$r-$p-mod.dat"
	done
	c=$(jq --argjson p "$p" '[.rows[] | select(.relay == "ceiling" and .payload == $p and .streams == 1
		and .status == "ok") | .median.total_egress_pps] | .[0] // 0' "$work/results.json")
	ceilings="$ceilings $c"
done
sub=$(jq -r '"\(.date), \(.host.cpus) CPUs, Linux \(.host.kernel), mcr \(.versions.git);"
	+ " medians of \(.settings.runs) run(s); sender on CPU \(.settings.sender_cpu), relay on CPU \(.settings.relay_cpu)"' \
	"$work/results.json")
if [ -n "$payloads" ]; then
	gnuplot -e "dir='$work'; out='$work/chart.png'; payloads='$payloads'; ceilings='${ceilings# }'; subtitle='$sub'" \
		"$here/chart.gp" 2>"$work/gnuplot.err" ||
		{ cat "$work/gnuplot.err" >&2; exit 1; }
	grep -v 'Skipping data file with no valid points\|^ *$\|^ *plot\|^ *\^' "$work/gnuplot.err" >&2 || true
	mv "$work/chart.png" "$out/$name.png"
fi
jq -r -f "$here/markdown.jq" "$work/results.json" >"$work/results.md"
mv "$work/results.json" "$out/$name.json"
mv "$work/results.md" "$out/$name.md"
cat "$out/$name.md"
