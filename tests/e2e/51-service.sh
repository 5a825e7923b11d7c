#!/bin/sh
# SPDX-License-Identifier: MIT
#
# mcrd as a service sees it: the notify protocol spoken to a NOTIFY_SOCKET
# this test serves (READY once relaying, RELOADING then READY around a
# reload, STATUS with rates, STOPPING at the end), the control socket's
# group and mode (a member of the group may use mcrctl, anyone else is told
# which group to join), and the /metrics endpoint: promtool accepts a live
# scrape, and mcr_output_packets_total equals what the sink received.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=1500
RATE=3000
GROUP=239.51.0.1

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl
for t in socat curl promtool setpriv; do
	command -v $t >/dev/null || skip "needs $t"
done
getent group nogroup >/dev/null || skip "needs the group nogroup"

step "Creating world"
topo_standard 1
# The socket's directory must let an unprivileged client reach the socket.
chmod 0755 "$TMPD"
NOTIFY=$TMPD/notify.sock
NLOG=$TMPD/notify.log
socat -u "UNIX-RECV:$NOTIFY" "OPEN:$NLOG,creat,append" &
track_pid $!
i=0
while [ ! -S "$NOTIFY" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$NOTIFY" ] || fail "the notify socket did not appear"
CFG=$TMPD/mcrd.json
printf '{"rules": [{"name": "cam", "input": {"interface": "%s", "group": "%s", "port": 5000},
  "outputs": [{"interface": "%s"}]}]}\n' "$RELAY_IN" "$GROUP" "$(topo_out 1)" >"$CFG"

step "Starting mcrd under a notify socket, with metrics and a control group"
PIDFILE=$TMPD/mcrd.pid
NOTIFY_SOCKET=$NOTIFY start_mcrd relay --workers 2 --config "$CFG" --metrics 9464 \
	--control-group nogroup --control-mode 0660 --pidfile "$PIDFILE"
ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }
expect_grep "$NLOG" "READY=1" "notify"
expect_str "$(cat "$PIDFILE")" "$MCRD_PID" "the pid file"
expect_grep "$NLOG" "STATUS=relaying: 1 rule, 2 workers" "notify"
expect_str "$(stat -c '%a %G' "$MCRD_SOCK")" "660 nogroup" "control socket mode and group"

step "Control: a member of the group may, anyone else is told which group to join"
setpriv --reuid nobody --regid nogroup --clear-groups "$MCRCTL" --socket "$MCRD_SOCK" ping \
	>/dev/null 2>"$TMPD/member.err" || fail "a member of nogroup cannot use mcrctl"
setpriv --reuid nobody --regid daemon --clear-groups "$MCRCTL" --socket "$MCRD_SOCK" ping \
	>/dev/null 2>"$TMPD/other.err" && fail "a non-member could use mcrctl"
expect_grep "$TMPD/other.err" 'member of "nogroup"' "mcrctl's refusal"

expect_str "$(ctl log-level)" info "mcrctl log-level without a level"
ctl log-level debug >/dev/null || fail "mcrctl log-level debug failed"
expect_str "$(ctl log-level)" debug "mcrctl log-level after setting debug"
ctl log-level info >/dev/null || fail "mcrctl log-level info failed"

step "Relaying a stream, then scraping /metrics"
start_sink sink -j "$(topo_sinkif 1),$GROUP:5000" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g $GROUP:5000 -r $RATE -c $COUNT -d 10
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT
# The endpoint serves the statistics of the last round (one a second).
sleep 1.5
SCRAPE=$TMPD/metrics.txt
ip netns exec "$(ns relay)" curl -sS --max-time 5 -o "$SCRAPE" -w '%{http_code} %{content_type}\n' \
	http://127.0.0.1:9464/metrics >"$TMPD/curl.out" || fail "cannot scrape /metrics"
expect_grep "$TMPD/curl.out" "200 text/plain; version=0.0.4" "HTTP status and type"
promtool check metrics <"$SCRAPE" >"$TMPD/promtool.out" 2>&1 || {
	cat "$TMPD/promtool.out"
	fail "promtool check metrics refuses the scrape"
}
info "promtool check metrics: clean"
OUT=$(sed -n 's/^mcr_output_packets_total{rule="cam",.*} \([0-9]*\)$/\1/p' "$SCRAPE")
expect "${OUT:-0}" -eq "$(json_get "$SINK_JSON" .received)" \
	"mcr_output_packets_total against what the sink received"
for line in 'mcr_rules 1' 'mcr_rules_waiting 0' 'mcr_workers 2' 'mcr_worker_up{worker="1"} 1' \
	'mcr_input_frames_total{interface="'"$RELAY_IN"'"} '"$COUNT"; do
	grep -qxF "$line" "$SCRAPE" || fail "the scrape has no line \"$line\""
	info "ok   scrape: $line"
done
ip netns exec "$(ns relay)" curl -s --max-time 5 -o /dev/null -w '%{http_code}\n' \
	http://127.0.0.1:9464/nothing >"$TMPD/curl404.out"
expect_str "$(cat "$TMPD/curl404.out")" 404 "HTTP status of another path"
ctl ping >/dev/null || fail "the control socket stopped answering after scrapes"
grep -q "STATUS=relaying: 1 rule, 2 workers, [0-9]* pps in, [0-9]* pps out" "$NLOG" ||
	fail "no STATUS line with rates in the notifications: $(tail -n 3 "$NLOG")"
info "ok   notify: STATUS with rates"

step "Reload and stop: RELOADING, READY again, STOPPING"
kill -HUP "$MCRD_PID"
i=0
until grep -q "RELOADING=1" "$NLOG" && [ "$(grep -c 'READY=1' "$NLOG")" -ge 2 ]; do
	[ $i -lt 50 ] || fail "no RELOADING then READY within 5 s of SIGHUP"
	sleep 0.1
	i=$((i + 1))
done
info "RELOADING=1 and READY=1 again after SIGHUP"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_grep "$NLOG" "STOPPING=1" "notify"
[ ! -e "$PIDFILE" ] || fail "the pid file is still there after mcrd stopped"
info "ok   the pid file is gone"
pass
