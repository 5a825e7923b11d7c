#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bench/readme.sh [RESULTS.json [README]]: put the benchmark's summary (the
# set-ups, the zero-loss capacity per set-up, the overload and latency
# tables, the veth-sink table and the chart) from RESULTS.json (default
# bench/results/latest.json) into README (default README.md), between the
# lines <!-- bench:begin --> and <!-- bench:end -->, so that the README's
# figures always come from the results committed with them.  bench/run.sh
# calls it after a full run; `make bench-readme` runs it alone.
set -euo pipefail
cd "$(dirname "$0")/.."
res=${1:-bench/results/latest.json}
readme=${2:-README.md}
[ -r "$res" ] || { echo "bench/readme.sh: no results in $res; run 'make bench' first" >&2; exit 1; }
grep -q '^<!-- bench:begin -->$' "$readme" && grep -q '^<!-- bench:end -->$' "$readme" ||
	{ echo "bench/readme.sh: $readme has no <!-- bench:begin --> / <!-- bench:end --> lines" >&2; exit 1; }
dir=$(dirname "$res")
block=$(mktemp "${TMPDIR:-/tmp}/mcr-readme.XXXXXX")
trap 'rm -f "$block" "$block.new"' EXIT
{
	jq -r '"Latest run (\(.date | split("T")[0]), \(.host.cpus)-CPU machine, Linux \(.host.kernel), mcr \(.versions.git);"
		+ " medians of \(.settings.runs) run(s)), generated from [\(input_filename)](\(input_filename))"
		+ " by `make bench-readme`; every table names its set-up:"' "$res"
	echo
	# The results file's summary sections (not the per-row detail tables,
	# the ablation or the legend), one heading level down, the chart's path
	# made relative to the README.
	jq -r -f bench/markdown.jq "$res" |
		awk '/^## / { on = /^## (Set-ups|Zero-loss|Overload|Latency|Total egress)/ } on' |
		sed -e 's/^## /#### /' -e "s|^\(!\[[^]]*\]\)(\([^)/]*\))|\1($dir/\2)|"
} >"$block"
awk -v f="$block" '
	/^<!-- bench:begin -->$/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
	/^<!-- bench:end -->$/ { skip = 0 }
	!skip' "$readme" >"$block.new"
cat "$block.new" >"$readme"
echo "bench/readme.sh: $readme updated from $res"
