#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A worker under overload stays in touch with its supervisor.  One worker
# relays one input to sixteen outputs while the sender sends as fast as it
# can, far more than sixteen copies of each frame can leave: the receive
# ring never runs dry.  The worker must still answer its heartbeat (it is
# not killed and replaced), mcrctl stats must still be answered, and once
# the flood is over a counted stream is relayed in full.  (The worker used
# to take frames from its ring for as long as there were any, and under
# overload there always were: it missed its heartbeat and was killed.)
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

N=16
FLOOD_S=5
COUNT=1000
RATE=2000
GROUP=239.5.5.5:5000

e2e_init
require_bins mcrd mcrgen mcrsink mcrctl

ctl() { "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

step "Creating world"
topo_standard $N

step "Starting relay: one worker, 1 -> $N"
rule="fan=$RELAY_IN,$GROUP -> $(topo_out 1)"
i=2
while [ $i -le $N ]; do
	rule="$rule; $(topo_out $i)"
	i=$((i + 1))
done
start_mcrd relay --workers 1 --stats-interval 0 -r "$rule"
WORKER=$(pgrep -P "$MCRD_PID" | head -n 1)
[ -n "$WORKER" ] || fail "no worker process under mcrd $MCRD_PID"

step "Flooding for ${FLOOD_S}s at the sender's full speed"
start_gen src -i "$SRC_IF" -g $GROUP -r 0 -d $FLOOD_S
_i=0
_answered=0
while [ $_i -lt $FLOOD_S ]; do
	sleep 1
	if timeout 2 "$MCRCTL" --socket "$MCRD_SOCK" --json stats >"$TMPD/stats.json" 2>/dev/null; then
		_answered=$((_answered + 1))
	fi
	_i=$((_i + 1))
done
wait_gen
info "stats answered $_answered of $FLOOD_S times during the flood"
expect "$_answered" -eq $FLOOD_S "mcrctl stats answered during the flood"
expect "$(grep -c 'did not answer' "$MCRD_ERR")" -eq 0 "workers killed for a missed heartbeat"
expect "$(pgrep -P "$MCRD_PID" | head -n 1)" -eq "$WORKER" "the worker's pid after the flood"
expect "$(jq '.rules[0].packets_in' "$TMPD/stats.json")" -gt 0 "packets in during the flood"

step "After the flood: $COUNT packets at $RATE pps to every output"
sleep 1
joins=""
i=1
while [ $i -le $N ]; do
	joins="$joins -j $(topo_sinkif $i),$GROUP"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # $joins is a list of options
start_sink sink $joins --count $COUNT -d 15 --idle-exit 2
run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
wait_sink
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_sink_exact "$SINK_JSON" $((N * COUNT))
pass
