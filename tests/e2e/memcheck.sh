#!/bin/sh
# SPDX-License-Identifier: MIT
#
# mcrd under valgrind, supervisor and worker alike, while it relays: no
# memory error and no definite leak, through the receive ring and through
# the multishot receive, to an l2 output (its TX ring) and a udp output.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=2000
RATE=2000
GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl
command -v valgrind >/dev/null || skip "valgrind is not installed"

step "Creating world"
topo_standard 2
# Something listening for the unicast output, so that its sends are not refused.
ip netns exec "$(ns sink)" socat -u "UDP4-RECV:6000,bind=$(topo_out_addr 2 2)" /dev/null &
track_pid $!

for MODE in ring multishot; do
	step "mcrd --ingress $MODE under valgrind"
	VG=$TMPD/vg-$MODE.log
	READY=$TMPD/vg-$MODE.ready
	# o1 gets l2 frames; o2 a unicast destination, so a UDP socket.
	ip netns exec "$(ns relay)" valgrind --quiet --error-exitcode=9 --leak-check=full \
		--errors-for-leak-kinds=definite --log-file="$VG" "$MCRD" --control "$TMPD/vg.sock" \
		--ready-file "$READY" --workers 1 --ingress "$MODE" --stats-interval 0 \
		-r "fan=$RELAY_IN,$GROUP -> $(topo_out 1); $(topo_out 2),$(topo_out_addr 2 2):6000" \
		>"$TMPD/vg-$MODE.out" 2>"$TMPD/vg-$MODE.err" &
	VPID=$!
	track_pid "$VPID"
	# valgrind starts slowly: give it 30 s.
	i=0
	while [ ! -e "$READY" ] && [ $i -lt 300 ] && pid_alive "$VPID"; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$READY" ] || fail "mcrd under valgrind did not become ready: $(tail -n 3 "$TMPD/vg-$MODE.err")"
	start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 30 --idle-exit 3
	run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
	wait_sink
	expect_sink_exact "$SINK_JSON" $COUNT
	# A change through the control socket: prepare, commit and a deferred answer.
	"$MCRCTL" --socket "$TMPD/vg.sock" add --name extra --input-interface "$RELAY_IN" \
		--input-group 239.9.9.9 --output "$(topo_out 1)" >/dev/null ||
		fail "mcrctl add failed under valgrind"
	"$MCRCTL" --socket "$TMPD/vg.sock" remove extra >/dev/null ||
		fail "mcrctl remove failed under valgrind"
	# An IPv6 one (MLD joins, the dual filter, frame6 templates), any source and SSM.
	"$MCRCTL" --socket "$TMPD/vg.sock" add --name extra6 --input-interface "$RELAY_IN" \
		--input-group ff3e::9 --output "$(topo_out 1)" >/dev/null ||
		fail "mcrctl add of an IPv6 rule failed under valgrind"
	"$MCRCTL" --socket "$TMPD/vg.sock" add --name ssm6 --input-interface "$RELAY_IN" \
		--input-group ff3e::9 --source 2001:db8::1 --output "$(topo_out 1),[ff3e::a]:6000" \
		>/dev/null || fail "mcrctl add of an IPv6 SSM rule failed under valgrind"
	"$MCRCTL" --socket "$TMPD/vg.sock" remove extra6 >/dev/null ||
		fail "mcrctl remove of an IPv6 rule failed under valgrind"
	kill -TERM "$VPID"
	wait_pid_exit "$VPID" 300 || fail "mcrd under valgrind still running 30 s after SIGTERM"
	wait "$VPID"
	RC=$?
	untrack_pid "$VPID"
	expect "$RC" -eq 0 "mcrd exit status under valgrind (9: valgrind found errors)"
	# "==PID==" lines are findings; "--PID--" ones are valgrind's own notes
	# (it does not know pidfd_open, which mcrd then does without).
	if grep -q '^==' "$VG"; then
		fail "valgrind reported: $(grep '^==' "$VG" | head -c 2000)"
	fi
	info "ok   valgrind reported no error and no definite leak"
	expect_json "$TMPD/vg-$MODE.out" '.totals.packets_out' -eq $((2 * COUNT)) "packets out"
done

pass
