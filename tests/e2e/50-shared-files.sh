#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Files mcrd and mcrctl create in shared directories (/tmp, /run) never
# follow a symbolic link a local user planted: --ready-file through a link
# leaves the link's target intact (it used to be truncated), and
# `mcrctl config save` refuses a link and otherwise writes a file mcrd loads.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
require_bins mcrd mcrctl

ctl() { "$MCRCTL" --socket "$SOCK" "$@"; }

step "Creating world"
topo_standard 1
VICTIM=$TMPD/victim
printf 'precious\n' >"$VICTIM"
ln -s "$VICTIM" "$TMPD/ready-link"
ln -s "$VICTIM" "$TMPD/save-link.json"
SOCK=$TMPD/mcrd.sock
ERR=$TMPD/mcrd.err

step "Starting mcrd with its ready file at a planted link"
ip netns exec "$(ns relay)" "$MCRD" --workers 1 --control "$SOCK" \
	--ready-file "$TMPD/ready-link" -r "A=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)" \
	>"$TMPD/mcrd.out" 2>"$ERR" &
PID=$!
track_pid "$PID"
i=0
# It logs "relaying with" just before it creates the ready file.
until grep -q "relaying with" "$ERR" 2>/dev/null; do
	pid_alive "$PID" || fail "mcrd exited"
	[ $i -lt 50 ] || fail "mcrd did not start relaying within 5 s"
	sleep 0.1
	i=$((i + 1))
done
sleep 0.2
expect_str "$(cat "$VICTIM")" precious "the link's target after mcrd started"
expect_grep "$ERR" "symbolic link" "mcrd's warning"
ctl ping >/dev/null || fail "mcrd does not answer after refusing the link"

step "mcrctl config save refuses a link, writes a loadable file otherwise"
ctl config save "$TMPD/save-link.json" 2>"$TMPD/save.err" && fail "config save wrote through a link"
expect_grep "$TMPD/save.err" "symbolic link" "mcrctl's message"
expect_str "$(cat "$VICTIM")" precious "the link's target after config save"
ctl config save "$TMPD/saved.json" >/dev/null || fail "config save to a plain path failed"
expect "$(find "$TMPD" -name '*.tmp*' -o -name '.saved.json.*' | wc -l)" -eq 0 "temporary files left"
ip netns exec "$(ns relay)" "$MCRD" --check-config --config "$TMPD/saved.json" >/dev/null 2>&1 ||
	fail "the saved configuration does not load"
kill -TERM "$PID"
wait_pid_exit "$PID" 50 || fail "mcrd did not stop"
untrack_pid "$PID"
pass
