#!/bin/sh
# SPDX-License-Identifier: MIT
#
# At scale the supervisor stays idle: with 4,096 rules on veth outputs (and
# then one rule with 4,096 outputs) and no traffic, mcrd's supervisor uses
# little CPU, and "mcrctl ping" and "mcrctl stats" answer within a second.
# Gross-regression guards with generous bounds, not benchmarks (bench/).
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

N=4096
LINKS=4
# Supervisor CPU over the idle window, in percent of one CPU.
CPU_MAX=${CPU_MAX:-25}
IDLE_S=3

e2e_init
require_bins mcrd mcrctl

step "Creating world"
topo_standard $LINKS
CONF=$TMPD/mcrd.json

# write_rules: N rules 239.2.0.X:500Y (256 groups, the filter allows 1,000), each out of one of the LINKS outputs.
write_rules()
{
	awk -v n=$N -v links=$LINKS -v in_if="$RELAY_IN" -v tag="$TOPO_TAG" 'BEGIN {
		printf "{\"stats_interval_ms\": 0, \"rules\": [\n"
		for (i = 0; i < n; i++)
			printf "%s{\"name\": \"r%d\", \"input\": {\"interface\": \"%s\", \"group\": \"239.2.0.%d\", \"port\": %d}, \"outputs\": [{\"interface\": \"%so%d\"}]}\n", i ? "," : "", i, in_if, i % 256, 5000 + int(i / 256), tag, i % links + 1
		printf "]}\n"
	}' >"$CONF"
}

# write_outputs: one rule with N outputs, 239.3.X.Y:6000 out of the LINKS outputs.
write_outputs()
{
	awk -v n=$N -v links=$LINKS -v in_if="$RELAY_IN" -v tag="$TOPO_TAG" 'BEGIN {
		printf "{\"stats_interval_ms\": 0, \"rules\": [{\"name\": \"wide\", \"input\": {\"interface\": \"%s\", \"group\": \"239.1.1.1\", \"port\": 5000}, \"outputs\": [\n", in_if
		for (i = 0; i < n; i++)
			printf "%s{\"interface\": \"%so%d\", \"group\": \"239.3.%d.%d\", \"port\": 6000}\n", i ? "," : "", tag, i % links + 1, int(i / 256), i % 256
		printf "]}]}\n"
	}' >"$CONF"
}

# cpu_ticks PID: user + system clock ticks of PID so far.
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# ms_of CMD...: run CMD, print how long it took in milliseconds; fail if it fails.
ms_of()
{
	_t0=$(date +%s%N)
	"$@" >"$TMPD/ms_of.out" 2>&1 || fail "$* failed: $(tail -n 2 "$TMPD/ms_of.out")"
	_t1=$(date +%s%N)
	echo $(((_t1 - _t0) / 1000000))
}

# check_idle WHAT: the supervisor's CPU over IDLE_S seconds, then ping and stats latency.
check_idle()
{
	_hz=$(getconf CLK_TCK)
	_c0=$(cpu_ticks "$MCRD_PID")
	sleep $IDLE_S
	_c1=$(cpu_ticks "$MCRD_PID")
	_pct=$(((_c1 - _c0) * 100 / _hz / IDLE_S))
	info "$1: supervisor used $((_c1 - _c0)) ticks ($_pct% of a CPU) in $IDLE_S s idle"
	expect "$_pct" -le "$CPU_MAX" "$1: idle supervisor CPU %"
	_ping=$(ms_of nsx relay timeout 10 "$MCRCTL" --socket "$MCRD_SOCK" ping)
	expect "$_ping" -lt 1000 "$1: mcrctl ping ms"
	_stats=$(ms_of nsx relay timeout 10 "$MCRCTL" --socket "$MCRD_SOCK" --json stats)
	expect "$_stats" -lt 1000 "$1: mcrctl stats ms"
	_n=$(jq '[.rules[].outputs[]] | length' "$TMPD/ms_of.out")
	expect "$_n" -eq $N "$1: outputs in the stats reply"
}

step "$N rules, $LINKS veth outputs, idle"
write_rules
start_mcrd relay --workers 2 -c "$CONF"
check_idle "$N rules"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

step "One rule with $N outputs, idle"
write_outputs
start_mcrd relay --workers 2 -c "$CONF"
check_idle "$N outputs"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

pass
