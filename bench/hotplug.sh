#!/bin/sh
# SPDX-License-Identifier: MIT
#
# How fast relaying resumes on an interface that was deleted and created
# again, on the e2e topology (needs root).  Prints one line per run:
#
#   bench/hotplug.sh [RUNS]
#
# - output: a 10k pps stream runs throughout; o1 is deleted and re-created
#   (down), a capture starts on the sink side, then o1 is set up: the time
#   from "ip link set up" to the first relayed frame on the wire.
# - input: "in" is deleted and re-created, then a 10k pps stream starts from
#   the new link at once: the packets lost before the first relayed one.
TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2034 # read by lib.sh: interface names hpbin, hpbo1, ...
TOPO_TAG=hpb
# shellcheck source=tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"

RUNS=${1:-5}
RATE=10000
GROUP=239.1.1.1:5000

e2e_init
require_bins mcrd mcrgen mcrsink
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
topo_standard 1
O1=$(topo_out 1)
K1=$(topo_sinkif 1)
start_mcrd relay --stats-interval 0 -r "A=$RELAY_IN,$GROUP -> $O1"

step "Output $O1 re-created while a $RATE pps stream runs"
start_gen src -i "$SRC_IF" -g $GROUP -r $RATE -d 60
sleep 0.5
run=1
while [ $run -le "$RUNS" ]; do
	ip -n "$(ns relay)" link del "$O1" || fail "cannot delete $O1"
	sleep 0.3
	ip -n "$(ns relay)" link add name "$O1" type veth peer name "$K1" netns "$(ns sink)" ||
		fail "cannot create $O1"
	ip -n "$(ns relay)" addr add "$(topo_out_addr 1 1)/30" dev "$O1"
	ip -n "$(ns sink)" link set "$K1" up
	ip netns exec "$(ns sink)" timeout 5 tcpdump -i "$K1" -tt -n -c 1 udp dst port 5000 \
		>"$TMPD/cap$run" 2>"$TMPD/cap$run.err" &
	cap=$!
	i=0
	while ! grep -q "listening on" "$TMPD/cap$run.err" && [ $i -lt 100 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	t0=$(date +%s.%N)
	ip -n "$(ns relay)" link set "$O1" up
	wait $cap
	say "   output run $run: first frame $(awk -v t0="$t0" '{ printf "%.1f", ($1 - t0) * 1000; exit }' \
		"$TMPD/cap$run") ms after the re-created $O1 was set up"
	run=$((run + 1))
done
kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
wait_gen

step "Input $RELAY_IN re-created, then a $RATE pps stream from it"
run=1
while [ $run -le "$RUNS" ]; do
	ip -n "$(ns relay)" link del "$RELAY_IN" || fail "cannot delete $RELAY_IN"
	sleep 0.3
	start_sink sink -j "$K1,$GROUP" -d 10 --idle-exit 1
	topo_link src "$SRC_IF" "$SRC_ADDR/30" relay "$RELAY_IN" "$RELAY_ADDR/30"
	run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $RATE
	wait_sink
	first=$(json_get "$SINK_JSON" '.listeners[0].streams[0].first_seq')
	say "   input run $run: $first packets lost before the first relayed one" \
		"($(json_get "$SINK_JSON" .received) of $RATE received)"
	run=$((run + 1))
done
stop_mcrd
pass
