#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# Many workers under a small locked-memory limit.  Each worker's io_uring
# (and, in multishot mode, its buffer ring) is locked memory, and every
# process of a user counts against one RLIMIT_MEMLOCK: with 24 workers the
# default 8 MiB ran out when the workers dropped CAP_IPC_LOCK before
# creating their rings ("cannot create an io_uring ... Cannot allocate
# memory").  Workers now create their rings first, so 24 workers (more
# than the CPUs) start under a 256 KiB limit, as root and with --user, in
# both ingress modes, and relay without loss.  Without CAP_IPC_LOCK the
# limit does apply, and the error says which limit to raise and to what.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

WORKERS=24
MEMLOCK=262144		# bytes: less than one worker's ring
COUNT=200		# per flow
FLOWS=8
GROUP=239.24.0.1

e2e_init
require_bins mcrd mcrgen mcrsink
command -v prlimit >/dev/null 2>&1 || skip "needs prlimit (util-linux)"
command -v setpriv >/dev/null 2>&1 || skip "needs setpriv (util-linux)"
id nobody >/dev/null 2>&1 || skip "no user 'nobody' on this system"

step "Creating world"
topo_standard 1
RULE="w=$RELAY_IN,$GROUP -> $(topo_out 1)"
OLD_MEMLOCK=$(prlimit --pid $$ --memlock --noheadings --output SOFT --raw)
OLD_MEMLOCK_HARD=$(prlimit --pid $$ --memlock --noheadings --output HARD --raw)

# cell INGRESS [--user nobody]
cell()
{
	_mode=$1
	shift
	step "$WORKERS workers, ingress $_mode${*:+ $*}, RLIMIT_MEMLOCK $((MEMLOCK >> 10)) KiB"
	# mcrd inherits the (soft) limit from this shell; put it back afterwards.
	prlimit --pid $$ --memlock="$MEMLOCK:$OLD_MEMLOCK_HARD" || fail "cannot lower RLIMIT_MEMLOCK"
	start_mcrd relay --ingress "$_mode" --workers $WORKERS --stats-interval 0 "$@" -r "$RULE"
	prlimit --pid $$ --memlock="$OLD_MEMLOCK:$OLD_MEMLOCK_HARD" ||
		fail "cannot restore RLIMIT_MEMLOCK"
	expect "$(grep -c 'relaying: 1 rules' "$MCRD_ERR")" -eq $WORKERS "workers relaying"
	start_sink sink -j "$(topo_sinkif 1),$GROUP:5000" -n $FLOWS --count $COUNT -d 15 \
		--idle-exit 2
	run_gen src -i "$SRC_IF" -g "$GROUP:5000" -n $FLOWS -r 8000 -c $COUNT -d 10
	wait_sink
	stop_mcrd
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
	expect_str "$(jq -r '"\(.received) \(.unique) \(.lost) \(.duplicates)"' "$SINK_JSON")" \
		"$((FLOWS * COUNT)) $((FLOWS * COUNT)) 0 0" "sink received, unique, lost, duplicates"
}

cell ring
cell multishot --user nobody

step "Without CAP_IPC_LOCK the limit applies, and the error says what to raise"
prlimit --pid $$ --memlock="$MEMLOCK:$OLD_MEMLOCK_HARD" || fail "cannot lower RLIMIT_MEMLOCK"
timeout -k 2 10 ip netns exec "$(ns relay)" setpriv --bounding-set -ipc_lock \
	"$MCRD" --no-control --workers 2 --stats-interval 0 -r "$RULE" \
	>"$TMPD/nolock.out" 2>"$TMPD/nolock.err"
rc=$?
prlimit --pid $$ --memlock="$OLD_MEMLOCK:$OLD_MEMLOCK_HARD" || fail "cannot restore RLIMIT_MEMLOCK"
expect "$rc" -eq 1 "mcrd exit status without CAP_IPC_LOCK"
expect_grep "$TMPD/nolock.err" "out of locked memory" "error cause"
expect_grep "$TMPD/nolock.err" "RLIMIT_MEMLOCK (256 KiB)" "the limit and its value"
expect_grep "$TMPD/nolock.err" "LimitMEMLOCK=" "the systemd setting"
expect_grep "$TMPD/nolock.err" "ulimit -l" "the shell setting"
grep -q "raise it to at least [0-9]* KiB" "$TMPD/nolock.err" ||
	fail "the error does not say how far to raise the limit: $(cat "$TMPD/nolock.err")"
info "ok   $(grep -o 'raise it to at least [0-9]* KiB' "$TMPD/nolock.err" | head -n 1)"
pass
