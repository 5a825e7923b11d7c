#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e: chooses its own ingress paths
#
# The worker death gap: a worker killed with SIGKILL under a steady stream
# costs its flows nothing.  Its input socket outlives it (the supervisor
# holds a copy), so what arrives while the replacement starts waits in the
# socket's ring or queue, or rolls over to the other worker once that is
# full; the replacement takes the socket over.  Before, the dead worker's
# socket stayed in the fanout group until the kernel tore its io_uring down
# and everything hashed to it meanwhile was lost: about 30 ms of its flows.
#
# The receive ring is named explicitly, whatever MCRD_EXTRA_ARGS says: with
# --ingress multishot the frames the dying worker had already taken from
# the socket die with it (tens, see bench/respawn.sh), so zero holds only
# for the ring, whose frames stay in the socket until a block is given back.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STREAMS=16
RATE=10000
SECONDS_SENT=4

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

step "Creating world"
topo_standard 1

step "Starting relay with two workers (any-port rule, so the flows spread)"
start_mcrd relay --ingress ring --workers 2 --stats-interval 0 -r "cam1=$RELAY_IN,239.1.1.1 -> $(topo_out 1)"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -n $STREAMS -d 20 --idle-exit 2

step "Killing a worker with SIGKILL under $RATE pps in $STREAMS flows"
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -n $STREAMS -r $RATE -d $SECONDS_SENT
sleep 1
kill_worker_wait 0 3
info "worker $VICTIM killed; its replacement is relaying"
wait_gen
wait_sink
stop_mcrd

step "Analyzing"
SENT=$(json_get "$GEN_JSON" .sent)
GOT=$(json_get "$SINK_JSON" '[.listeners[].unique] | add')
info "sent $SENT, relayed $GOT (unique), duplicates $(json_get "$SINK_JSON" '[.listeners[].duplicates] | add')"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '[.workers[].restarts] | add' -eq 1
expect_grep "$MCRD_ERR" "killed by signal 9" "supervisor log"
expect "$((SENT - GOT))" -eq 0 "packets lost to the kill"

pass
