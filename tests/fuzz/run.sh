#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Run each libFuzzer harness given for FUZZ_SECONDS (default 60), FUZZ_JOBS
# (default 1) at a time, each on its seed corpus (tests/fuzz/corpus/NAME,
# read only) with its dictionary (tests/fuzz/NAME.dict) when it has one,
# plus a working corpus in $FUZZ_BUILD/corpus/NAME that collects what it
# finds, so that the repository's corpus never grows by itself.
# A crash, leak, timeout or broken check leaves its input in
# $FUZZ_BUILD/crashes/NAME-* and fails the run; the log is in
# $FUZZ_BUILD/logs/NAME.log.  Prints one line per harness with its
# executions, and a summary.
#
#   tests/fuzz/run.sh build/fuzz/fuzz_frame ...
#   FUZZ_SECONDS=20 tests/fuzz/run.sh build/fuzz/fuzz_config
set -u
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
OUT=${FUZZ_BUILD:-build/fuzz}
# ASan's default 256 MiB quarantine costs the allocation-heavy harnesses
# (config, control) half their speed in page faults and holds 500 MB each on
# a shared machine; 16 MiB still catches a use after a recent free.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}

# The longest input worth trying, per harness: a jumbo frame's headers fit in
# far less, an MLD packet no more than mcrd reads; configurations and
# control lines need room for a few rules.
max_len() {
	case "$1" in
	fuzz_frame) echo 1600 ;;
	fuzz_mld) echo 2048 ;;
	fuzz_rule_spec) echo 1024 ;;
	fuzz_config) echo 16384 ;;
	*) echo 8192 ;;
	esac
}

# What else a harness needs: mcrctl (fuzz_reply) complains on stderr about
# every bad answer, which would fill the log; libFuzzer keeps its own and the
# sanitizers' reports when it closes the harness's stdout and stderr.
close_mask() {
	case "$1" in
	fuzz_reply) echo 3 ;;
	*) echo 1 ;;
	esac
}

# One harness; returns its exit status.
run_one() {
	local bin=$1 name rc
	name=$(basename "$bin")
	mkdir -p "$OUT/corpus/$name" "$OUT/crashes" "$OUT/logs"
	local dict=()
	[ ! -f "tests/fuzz/$name.dict" ] || dict=(-dict="tests/fuzz/$name.dict")
	"$bin" "${dict[@]}" -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$name")" -timeout=10 \
		-rss_limit_mb=2048 -close_fd_mask="$(close_mask "$name")" -print_final_stats=1 \
		-artifact_prefix="$OUT/crashes/$name-" \
		"$OUT/corpus/$name" "tests/fuzz/corpus/$name" >"$OUT/logs/$name.log" 2>&1
	rc=$?
	local execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/logs/$name.log")
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz: %-16s ok, %s executions in %s s\n' "$name" "${execs:-?}" "$SECONDS_EACH"
	else
		printf 'fuzz: %-16s FAILED (exit %d); log %s:\n' "$name" "$rc" "$OUT/logs/$name.log"
		# The report's first lines, a broken check's message, and where the input went.
		grep -E '^==[0-9]+==ERROR|runtime error|^SUMMARY|^tests/fuzz/.*:[0-9]+: | in [a-z_0-9]+ .*/(src|tests)/|Test unit written' \
			"$OUT/logs/$name.log" | head -12
	fi
	return "$rc"
}

[ $# -gt 0 ] || { echo "usage: $0 HARNESS..." >&2; exit 2; }
failed=0
pids=()
for bin in "$@"; do
	run_one "$bin" &
	pids+=($!)
	# At most JOBS at a time: wait for the oldest before starting another.
	if [ "${#pids[@]}" -ge "$JOBS" ]; then
		wait "${pids[0]}" || failed=$((failed + 1))
		pids=("${pids[@]:1}")
	fi
done
for pid in "${pids[@]}"; do
	wait "$pid" || failed=$((failed + 1))
done
if [ "$failed" -gt 0 ]; then
	echo "fuzz: $failed of $# harnesses failed; inputs in $OUT/crashes"
	exit 1
fi
echo "fuzz: all $# harnesses ran ${SECONDS_EACH} s without a finding"
