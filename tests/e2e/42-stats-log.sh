#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The periodic statistics line is off by default; when turned on (with
# --stats-interval or stats_interval_ms) it goes through the logger at info
# level, so --log-level and --syslog apply to it.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 1
RULE="fan=$RELAY_IN,$GROUP -> $(topo_out 1)"

# run_for SECONDS ARGS...: mcrd with ARGS runs for SECONDS, then stops.  The
# lines come whether or not traffic flows.
run_for()
{
	_s=$1
	shift
	start_mcrd relay -r "$RULE" "$@"
	sleep "$_s"
	stop_mcrd
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
}

count_stats() { grep -c 'stats fan: in' "$1"; }

step "Default: no statistics lines (1.1 s)"
run_for 1.1
expect "$(count_stats "$MCRD_ERR")" -eq 0 "stats lines on stderr"

step "--stats-interval 200: lines at info level, naming the rule"
run_for 0.7 --stats-interval 200
expect "$(count_stats "$MCRD_ERR")" -ge 2 "stats lines on stderr"
expect_grep "$MCRD_ERR" "mcrd: stats fan: in " "line format"

step "--stats-interval 200 --log-level warning: none"
run_for 0.7 --stats-interval 200 --log-level warning
expect "$(count_stats "$MCRD_ERR")" -eq 0 "stats lines on stderr"

step "--stats-interval 200 --syslog: none on stderr"
run_for 0.7 --stats-interval 200 --syslog
expect "$(count_stats "$MCRD_ERR")" -eq 0 "stats lines on stderr"

step "stats_interval_ms in the file: the same lines"
printf '{"stats_interval_ms": 200}\n' >"$TMPD/stats.json"
run_for 0.7 -c "$TMPD/stats.json"
expect "$(count_stats "$MCRD_ERR")" -ge 2 "stats lines on stderr"

pass
