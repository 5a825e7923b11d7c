#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Issue 9, control socket exhaustion: 64 connections from a local user who
# sends nothing, or only blank lines, must not lock root's mcrctl out.  The
# 64th is refused with a line saying why (the last slot is root's), root's
# mcrctl answers at once, every idle connection is closed within the idle
# timeout (5 s) whatever blank lines it sends, the user gets slots again
# afterwards, a half-closed request without a trailing newline is answered,
# and a stream through mcrd loses nothing meanwhile.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RATE=2000
IDLE_S=5
HOLDERS=64	# one more than a user who is not root may hold

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl tests/ctlhold
CTLHOLD=$BIN/tests/ctlhold
command -v socat >/dev/null || skip "socat is not installed"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }
# as_user CMD...: run CMD as nobody, who may use the socket (mode 0666) but is not root
as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

step "Creating world"
topo_standard 1
# nobody must reach the socket in our directory, without reading the logs.
chmod 0711 "$TMPD"
mkdir "$TMPD/nobody" || fail "cannot make a directory for nobody"
chown 65534:65534 "$TMPD/nobody" || fail "cannot give nobody a directory"
READY=$TMPD/nobody/hold.ready

step "Starting relay and a stream through it"
start_mcrd relay --workers 1 --stats-interval 0 --control-mode 0666 \
	-r "A=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -d 40 --idle-exit 3
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c 1000000 -d 30
as_user "$MCRCTL" --socket "$MCRD_SOCK" ping >/dev/null || fail "nobody cannot use the socket"

step "Filling the control socket: $HOLDERS idle connections from nobody"
# Half silent, half sending a blank line every 200 ms; mcrd must count neither as activity.
as_user "$CTLHOLD" --socket "$MCRD_SOCK" --silent $((HOLDERS / 2)) --blank $((HOLDERS / 2)) \
	--max-s $((IDLE_S + 10)) --ready-file "$READY" >"$TMPD/hold.json" 2>"$TMPD/hold.err" &
HOLD_PID=$!
track_pid $HOLD_PID
wait_file "$READY" $HOLD_PID || fail "ctlhold did not connect: $(cat "$TMPD/hold.err")"
info "held, refused: $(cat "$READY")"

step "Root's mcrctl answers at once"
t0=$(date +%s%N)
ctl ping >/dev/null 2>"$TMPD/root.err" || fail "mcrctl ping as root failed: $(cat "$TMPD/root.err")"
t1=$(date +%s%N)
# A gross bound: this machine may be busy; a refusal would come at once.
expect $(((t1 - t0) / 1000000)) -lt 3000 "ms for root's ping with $HOLDERS idle clients"
expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules listed by root"

step "The user's connection past 63 was refused with a reason"
expect "$(cut -d' ' -f2 "$READY")" -eq 1 "idle connections refused with too_many_clients"
expect "$(cut -d' ' -f1 "$READY")" -eq $((HOLDERS - 1)) "idle connections held"
as_user "$MCRCTL" --socket "$MCRD_SOCK" ping >/dev/null 2>"$TMPD/user.err"
expect $? -eq 1 "nobody's mcrctl exit status while the slots are full"
expect_grep "$TMPD/user.err" "too many clients" "nobody's mcrctl says why"
expect_grep "$TMPD/user.err" "kept for root" "and that the last slot is root's"

step "A half-closed request without a newline is answered"
_r=$(printf '{"v":1,"id":7,"cmd":"ping"}' | timeout 5 socat -t 3 - "UNIX-CONNECT:$MCRD_SOCK")
expect_str "$(echo "$_r" | jq -r .ok)" true "answer to the half-closed request ($_r)"
expect_str "$(echo "$_r" | jq -r .id)" 7 "its id"

step "Every idle connection is closed within the timeout ($IDLE_S s)"
wait_pid_exit $HOLD_PID $(((IDLE_S + 12) * 10)) || fail "ctlhold did not finish"
wait $HOLD_PID || fail "ctlhold failed: $(cat "$TMPD/hold.err")"
untrack_pid $HOLD_PID
info "$(cat "$TMPD/hold.json")"
expect_json "$TMPD/hold.json" .still_open -eq 0 "idle connections still open $((IDLE_S + 10)) s later"
# Counted from when all were made (the first a little earlier) to mcrd's close.
expect_json "$TMPD/hold.json" .first_closed_ms -ge $(((IDLE_S - 2) * 1000)) "ms until the first was closed"
expect_json "$TMPD/hold.json" .last_closed_ms -le $(((IDLE_S + 3) * 1000)) "ms until the last was closed"
as_user "$MCRCTL" --socket "$MCRD_SOCK" ping >/dev/null ||
	fail "nobody's mcrctl still refused after the idle connections were closed"

step "Analyzing the stream"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
wait_sink
SENT=$(jq .sent "$GEN_JSON")
expect "$SENT" -gt $((RATE * 3)) "packets sent meanwhile"
expect_sink_exact "$SINK_JSON" "$SENT"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_relay_clean "$SUMMARY"

pass
