#!/bin/sh
# SPDX-License-Identifier: MIT
#
# With --user, the workers run as that user and keep only CAP_NET_RAW (and
# CAP_NET_ADMIN when the send buffer needs it), and still relay everything.
# Under --ingress xdp they keep exactly CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN
# and CAP_IPC_LOCK besides (to load, attach and map the inputs that appear
# later; see docs/design.md, "Receiving through AF_XDP").
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=2000
RATE=10000
GROUP=239.1.1.1:5000
CAP_NET_ADMIN=0x1000
CAP_NET_RAW=0x2000
CAP_IPC_LOCK=0x4000
CAP_PERFMON=0x4000000000
CAP_BPF=0x8000000000

e2e_init
require_bins mcrd mcrgen mcrsink
id nobody >/dev/null 2>&1 || skip "no user 'nobody' on this system"
XDP_CAPS=$((CAP_BPF | CAP_PERFMON | CAP_NET_ADMIN | CAP_IPC_LOCK))

step "Creating world"
topo_standard 1

step "Starting relay with workers as nobody"
start_mcrd relay --user nobody --workers 2 --stats-interval 0 \
	-r "cam1=$RELAY_IN,$GROUP -> $(topo_out 1)"
for w in $(pgrep -P "$MCRD_PID"); do
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$w/status")
	capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$w/status")
	expect "$uid" -eq "$(id -u nobody)" "worker $w real uid"
	if [ "$(e2e_ingress)" = xdp ]; then
		# Exactly CAP_NET_RAW and the documented four.
		expect $((0x$capeff)) -eq $((CAP_NET_RAW | XDP_CAPS)) "worker $w capabilities under xdp (0x$capeff)"
	else
		# Nothing but CAP_NET_RAW and possibly CAP_NET_ADMIN may remain.
		expect $((0x$capeff & ~(CAP_NET_RAW | CAP_NET_ADMIN))) -eq 0 "worker $w extra capabilities"
	fi
	expect $((0x$capeff & CAP_NET_RAW)) -ne 0 "worker $w has CAP_NET_RAW"
done
expect "$(awk '/^Uid:/ { print $2 }' "/proc/$MCRD_PID/status")" -eq 0 "supervisor uid"

step "Relaying $COUNT packets"
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $COUNT
read_summary
expect_json "$SUMMARY" .totals.packets_out -eq $COUNT

step "An unknown user is a usage error"
run_mcrd relay --user no-such-user-mcr -r "$RELAY_IN,$GROUP -> $(topo_out 1)"
expect "$MCRD_RC" -eq 2 "exit status for an unknown user"
expect_grep "$MCRD_ERR" 'cannot find user "no-such-user-mcr"' "error message"

pass
