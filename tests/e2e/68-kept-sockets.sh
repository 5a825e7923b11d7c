#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The input sockets the supervisor holds for a worker's successor (keep.c)
# are the workers' own, never one more: after a kill -9 the replacement
# relays through the same socket (no third one appears on the input), a
# rule removed takes its input's sockets with it, supervisor copies
# included (a forgotten one would stay in the fanout group and swallow its
# share of the flows once the input is used again), and the rule added
# back relays every packet.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

# in_sockets: packet sockets bound to the relay's input (/proc/net/packet column 5).
in_sockets()
{
	# shellcheck disable=SC2016 # awk's fields, not the shell's
	nsx relay awk -v ifx="$IN_IFX" 'NR > 1 && $5 == ifx { n++ } END { print n + 0 }' /proc/net/packet
}

sup_fds()
{
	find "/proc/$MCRD_PID/fd" -mindepth 1 -maxdepth 1 | wc -l
}

ctl()
{
	nsx relay "$MCRCTL" --socket "$MCRD_SOCK" "$@"
}

step "Creating world"
topo_standard 1
IN_IFX=$(ip -n "$(ns relay)" -o link show "$RELAY_IN" | cut -d: -f1)

step "Starting relay with two workers"
start_mcrd relay --workers 2 --stats-interval 0 -r "A=$RELAY_IN,239.1.1.1 -> $(topo_out 1)"
expect "$(in_sockets)" -eq 2 "packet sockets on $RELAY_IN"
FDS0=$(sup_fds)

step "A worker killed: its successor takes its socket over"
kill_worker_wait 0 3
sleep 0.2
expect "$(in_sockets)" -eq 2 "packet sockets on $RELAY_IN after the restart"
expect "$(sup_fds)" -eq "$FDS0" "supervisor's open files after the restart"

step "Rule removed: no socket left on its input"
ctl remove A >/dev/null || fail "remove A failed"
i=0
while [ "$(in_sockets)" -ne 0 ] && [ $i -lt 50 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect "$(in_sockets)" -eq 0 "packet sockets on $RELAY_IN without a rule"

step "Rule added back: every packet relayed"
ctl add --name A --input-interface "$RELAY_IN" --input-group 239.1.1.1 --output "$(topo_out 1)" \
	>/dev/null || fail "add A failed"
expect "$(in_sockets)" -eq 2 "packet sockets on $RELAY_IN again"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -n 8 --count 500 -d 15 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -n 8 -r 8000 -c 500 -d 10
wait_sink
expect "$(sup_fds)" -eq "$FDS0" "supervisor's open files at the end"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" 4000

pass
