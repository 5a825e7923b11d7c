#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run the end-to-end tests: every tests/e2e/[0-9]*.sh, or the ones named on
# the command line (as paths or as "05", "05-fanout-50").  Each test gets a
# timeout, one result line (PASS/SKIP/FAIL and its duration), and the log of
# a failed test is shown.  The last line is the summary:
#
#   e2e: N passed, N failed, N skipped
#
# Under CI=true a skip counts as a failure.  Exits non-zero on any failure.

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
export BUILD
TEST_TIMEOUT=${E2E_TIMEOUT:-120}
case $BUILD in
/*) LOGDIR=$BUILD/e2e-logs ;;
*) LOGDIR=$TOP/$BUILD/e2e-logs ;;
esac

find_test()
{
	if [ -f "$1" ]; then
		printf '%s\n' "$1"
		return 0
	fi
	for _t in "$HERE/$1".sh "$HERE/$1"-*.sh; do
		if [ -f "$_t" ]; then
			printf '%s\n' "$_t"
			return 0
		fi
	done
	return 1
}

# A test whose header says "e2e: chooses its own ingress paths" runs every
# path it names itself, whatever MCRD_EXTRA_ARGS says: a pass of the whole
# suite with another --ingress (CI runs one per path) leaves it to the
# default pass, where it runs once, instead of running it again unchanged.
chooses_own_ingress()
{
	case " ${MCRD_EXTRA_ARGS:-} " in
	*" --ingress "* | *" --ingress="*) ;;
	*) return 1 ;;
	esac
	grep -q '^# e2e: chooses its own ingress paths' "$1"
}

tests=""
others=""
if [ $# -eq 0 ]; then
	for t in "$HERE"/[0-9]*.sh; do
		[ -f "$t" ] || continue
		if chooses_own_ingress "$t"; then
			others="$others $(basename "$t" .sh)"
		else
			tests="$tests $t"
		fi
	done
	[ -z "$others" ] ||
		echo "e2e: left to the default pass (they choose their own ingress paths):$others"
else
	for arg in "$@"; do
		t=$(find_test "$arg") || {
			echo "e2e: no test named '$arg'" >&2
			exit 2
		}
		tests="$tests $t"
	done
fi
[ -n "$tests" ] || {
	echo "e2e: no tests found in $HERE" >&2
	exit 2
}

mkdir -p "$LOGDIR" || exit 1
passed=0 failed=0 skipped=0

for t in $tests; do
	name=$(basename "$t" .sh)
	log=$LOGDIR/$name.log
	start=$(date +%s)
	timeout -k 10 "$TEST_TIMEOUT" sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0)
		result=PASS
		passed=$((passed + 1))
		;;
	77)
		if [ "${CI:-}" = true ]; then
			result="FAIL (skipped under CI)"
			failed=$((failed + 1))
		else
			result=SKIP
			skipped=$((skipped + 1))
		fi
		;;
	124 | 137)
		result="FAIL (timed out after ${TEST_TIMEOUT} s)"
		failed=$((failed + 1))
		;;
	*)
		result="FAIL (exit $rc)"
		failed=$((failed + 1))
		;;
	esac
	printf '%-28s %-6s %4d s\n' "$name" "$result" "$secs"
	case $result in
	SKIP) sed -n 's/^SKIP: [^:]*: /    reason: /p' "$log" ;;
	FAIL*)
		printf -- '---- %s ----\n' "$log"
		cat "$log"
		printf -- '---- end of %s ----\n' "$name"
		;;
	esac
done

echo "e2e: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
