#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runtime control through mcrctl: rules are added, listed and removed while
# mcrd runs; traffic starts when its rule is added and stops when it is
# removed; stats and workers answer; every bad request gets a clear error
# and leaves the daemon (and its other rules) running.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=1000
RATE=5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl
command -v socat >/dev/null || skip "socat is not installed"

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }
# raw LINE: send one protocol line as is, print the response line
raw() { printf '%s\n' "$1" | timeout 5 socat -t 2 - "UNIX-CONNECT:$MCRD_SOCK"; }
expect_error() # REQUEST CODE MESSAGE-SUBSTRING
{
	_r=$(raw "$1")
	[ "$(echo "$_r" | jq -r .ok)" = false ] || fail "request $1 did not fail: $_r"
	expect_str "$(echo "$_r" | jq -r .error.code)" "$2" "error code for $1"
	echo "$_r" | jq -r .error.message | grep -qF -- "$3" ||
		fail "error for $1 does not say \"$3\": $_r"
}

step "Creating world"
topo_standard 2

step "Starting relay with rule A"
start_mcrd relay --workers 2 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
ctl ping >/dev/null || fail "mcrctl ping failed"
expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules at start"
expect "$(ctl --json workers | jq '.workers | length')" -eq 2 "workers"

step "Nothing for B before it is added"
start_sink sink -j "$(topo_sinkif 2),239.7.7.7:7000" -d 3 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.7.7.7:7000 -r $RATE -c 500 -d 5
wait_sink
expect_json "$SINK_JSON" .received -eq 0

step "Adding B with mcrctl: its traffic flows"
ctl add --name B --input-interface "$RELAY_IN" --input-group 239.7.7.7 --input-port 7000 \
	--output "$(topo_out 2)" --ttl 8 || fail "mcrctl add failed"
ctl list | grep -q "239.7.7.7" || fail "mcrctl list does not show B"
start_sink sink -j "$(topo_sinkif 2),239.7.7.7:7000" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.7.7.7:7000 -r $RATE -c $COUNT -d 10
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT
expect "$(ctl --json stats | jq '.rules[] | select(.name == "B") | .packets_in')" -eq $COUNT \
	"B packets_in in mcrctl stats"

step "Removing B: its traffic stops, A is untouched"
ctl remove B || fail "mcrctl remove failed"
expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules after remove"
start_sink sink -j "$(topo_sinkif 2),239.7.7.7:7000" -d 3 --idle-exit 2
SINK_B=$SINK_JSON
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2
SINK_A=$SINK_JSON
start_gen src -i "$SRC_IF" -g 239.7.7.7:7000 -r $RATE -c 500 -d 5
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
wait_sink
expect_json "$SINK_B" .received -eq 0
expect_sink_exact "$SINK_A" $COUNT

step "Bad requests get errors; the daemon stays up"
expect_error 'this is not json' bad_json "JSON"
expect_error '{"v":1,"cmd":"frobnicate"}' unknown_command "frobnicate"
expect_error '{"v":1,"cmd":"remove","name":"nope"}' no_such_rule "nope"
expect_error '{"v":1,"cmd":"add","rule":{"name":"A","input":{"interface":"'"$RELAY_IN"'","group":"239.9.9.9"},"outputs":[{"interface":"'"$(topo_out 1)"'"}]}}' duplicate_rule '"A"'
expect_error '{"v":1,"cmd":"add","rule":{"name":"C","input":{"interface":"no/such","group":"239.9.9.9"},"outputs":[{"interface":"'"$(topo_out 1)"'"}]}}' invalid_rule no/such
expect_error '{"v":1,"cmd":"add","rule":{"name":"C","input":{"interface":"'"$RELAY_IN"'","group":"239.9.9"},"outputs":[{"interface":"'"$(topo_out 1)"'"}]}}' invalid_rule '"239.9.9"'
expect_error '{"v":2,"cmd":"ping"}' unsupported_version "2"
# A line over the 1 MiB limit.
head -c 1100000 /dev/zero | tr '\0' 'x' >"$TMPD/big"
printf '\n' >>"$TMPD/big"
_r=$(timeout 5 socat -t 2 - "UNIX-CONNECT:$MCRD_SOCK" <"$TMPD/big")
expect_str "$(echo "$_r" | jq -r .error.code)" too_large "error code for a huge line"
# Clients that connect and say nothing, many at once, do not block others.
i=0
SILENT=""
while [ $i -lt 40 ]; do
	timeout 3 socat -u /dev/null "UNIX-CONNECT:$MCRD_SOCK" >/dev/null 2>&1 &
	SILENT="$SILENT $!"
	timeout 3 socat -u EXEC:"sleep 3" "UNIX-CONNECT:$MCRD_SOCK" >/dev/null 2>&1 &
	SILENT="$SILENT $!"
	i=$((i + 1))
done
sleep 0.3
ctl ping >/dev/null || fail "mcrctl ping failed with silent clients connected"
for p in $SILENT; do
	wait "$p" 2>/dev/null
done
expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules after the bad requests"
expect_str "$(ctl --json list | jq -r '.rules[0].name')" A "the remaining rule"

step "mcrctl errors: missing daemon, bad usage"
"$MCRCTL" --socket "$TMPD/none.sock" ping 2>"$TMPD/ctl.err"
expect $? -eq 1 "mcrctl exit status without a daemon"
expect_grep "$TMPD/ctl.err" "cannot reach mcrd" "mcrctl message"
"$MCRCTL" --socket "$MCRD_SOCK" add --input-group 239.1.1.1 2>/dev/null
expect $? -eq 2 "mcrctl exit status for bad usage"

step "Shutdown through mcrctl"
ctl shutdown >/dev/null || fail "mcrctl shutdown failed"
wait_pid_exit "$MCRD_PID" 50 || fail "mcrd still running after shutdown"
wait "$MCRD_PID"
MCRD_RC=$?
untrack_pid "$MCRD_PID"
MCRD_PID=""
expect "$MCRD_RC" -eq 0 "mcrd exit status after shutdown"
[ ! -e "$MCRD_SOCK" ] || fail "the control socket was left behind"

pass
