#!/bin/sh
# SPDX-License-Identifier: MIT
# Run each cmocka unit-test binary given on the command line and print one
# summary line ("N passed, N failed") over all of their test cases.
set -u
passed=0 failed=0 bad_bins=""
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		# Crashed before cmocka could count: one failure for the binary.
		failed=$((failed + 1))
		bad_bins="$bad_bins $bin"
	fi
done
[ -z "$bad_bins" ] || echo "unit: binaries that crashed:$bad_bins"
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
