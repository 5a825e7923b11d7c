#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Limits of the control socket and of workers (mcrd(8) LIMITS): with 64
# connections held, the 65th (root's too) is refused with a line saying
# why, and the slots come back when the holder goes; a request of exactly
# 1 MiB is answered, one byte more gets too_large (the client reads it; its
# sending does not fail first) while another client is served; --workers
# takes 256 and refuses 257 with the limit in the message.  A stream keeps
# flowing, whole, throughout.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RATE=2000
MAX_LINE=1048576

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl tests/ctlhold
CTLHOLD=$BIN/tests/ctlhold
command -v socat >/dev/null || skip "socat is not installed"

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }
# request FILE: send FILE as it is, print the response line.
request() { timeout 10 socat -t 5 - "UNIX-CONNECT:$MCRD_SOCK" <"$1"; }
# ping_line FILE BYTES: a ping request of BYTES bytes before its '\n', padded in its id.
ping_line()
{
	_head='{"v":1,"cmd":"ping","id":"'
	{
		printf '%s' "$_head"
		head -c $(($2 - ${#_head} - 2)) /dev/zero | tr '\0' 'x'
		printf '"}\n'
	} >"$1"
	expect "$(head -n 1 "$1" | tr -d '\n' | wc -c)" -eq "$2" "bytes in $(basename "$1")"
}

step "Creating world"
topo_standard 1

step "--workers: 256 is the most"
run_mcrd relay --check-config --workers 256 -r "$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
expect "$MCRD_RC" -eq 0 "--check-config --workers 256"
run_mcrd relay --check-config --workers 257 -r "$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
expect "$MCRD_RC" -eq 2 "--check-config --workers 257"
expect_grep "$MCRD_ERR" "257 is not between 0 (one per CPU) and 256" "the message names the limit"

step "Starting relay and a stream through it"
start_mcrd relay --workers 1 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -d 40 --idle-exit 3
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c 1000000 -d 30

step "65 connections from root: the last is refused, saying why"
"$CTLHOLD" --socket "$MCRD_SOCK" --silent 65 --max-s 20 --ready-file "$TMPD/hold.ready" \
	>"$TMPD/hold.out" 2>"$TMPD/hold.err" &
HOLD_PID=$!
track_pid $HOLD_PID
wait_file "$TMPD/hold.ready" $HOLD_PID || fail "ctlhold did not connect: $(cat "$TMPD/hold.err")"
expect "$(cut -d' ' -f1 "$TMPD/hold.ready")" -eq 64 "connections held"
expect "$(cut -d' ' -f2 "$TMPD/hold.ready")" -eq 1 "connections refused with too_many_clients"
ctl ping >/dev/null 2>"$TMPD/full.err"
expect $? -eq 1 "mcrctl exit status with every slot taken"
expect_grep "$TMPD/full.err" "too many clients (at most 64)" "mcrctl says why"
reap_pid $HOLD_PID
ctl ping >/dev/null || fail "mcrctl ping failed once the connections were gone"

step "Request size: 1 MiB is answered, one byte more is refused"
ping_line "$TMPD/max.req" $MAX_LINE
ping_line "$TMPD/over.req" $((MAX_LINE + 1))
_r=$(request "$TMPD/max.req")
expect_str "$(echo "$_r" | jq -r .ok)" true "answer to a request of $MAX_LINE bytes"
# The oversize request and another client's, side by side.
request "$TMPD/over.req" >"$TMPD/over.resp" &
OVER_PID=$!
track_pid $OVER_PID
ctl ping >/dev/null || fail "mcrctl ping failed beside an oversize request"
wait_pid_exit $OVER_PID 100 || fail "the oversize request got no answer in 10 s"
wait $OVER_PID
untrack_pid $OVER_PID
expect_str "$(jq -r .error.code "$TMPD/over.resp")" too_large \
	"error code for $((MAX_LINE + 1)) bytes ($(cut -c1-120 "$TMPD/over.resp"))"
expect_grep "$TMPD/over.resp" "request too large (more than $MAX_LINE bytes)" "its message"
expect "$(ctl --json list | jq '.rules | length')" -eq 1 "rules afterwards"

step "Analyzing the stream"
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen
wait_sink
SENT=$(jq .sent "$GEN_JSON")
expect "$SENT" -gt 0 "packets sent meanwhile"
expect_sink_exact "$SINK_JSON" "$SENT"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"

pass
