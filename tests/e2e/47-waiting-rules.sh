#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Rules that name an interface that does not exist yet are accepted and
# wait for it: mcrd starts with rule W relaying to o2, which is missing,
# and rule A relaying to o1.  W shows as waiting (with the interface) in
# "mcrctl list" and "stats"; A relays meanwhile; rules added at run time,
# waiting or not, are accepted; a worker killed meanwhile comes back.  Then
# o2 is created and W relays through it.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RATE=2000
COUNT=2000
GROUP_A=239.1.1.1:5000
GROUP_W=239.1.1.2:5000

e2e_init
require_bins mcrd mcrgen mcrsink
ctl() { nsx relay "$MCRCTL" --socket "$MCRD_SOCK" "$@"; }

step "Creating world: $(topo_out 2) does not exist yet"
topo_standard 1
O2=$(topo_out 2)

step "Starting relay: A -> $(topo_out 1), W -> $O2 (missing)"
start_mcrd relay --stats-interval 0 \
	-r "A=$RELAY_IN,$GROUP_A -> $(topo_out 1)" -r "W=$RELAY_IN,$GROUP_W -> $O2"
ctl --json list >"$TMPD/list.json" || fail "mcrctl list failed"
expect_json_str "$TMPD/list.json" '.rules[] | select(.name == "W") | .waiting' "$O2" "W waits for"
expect_json_str "$TMPD/list.json" '.rules[] | select(.name == "A") | .waiting' null "A waits for"
ctl list >"$TMPD/list.txt" || fail "mcrctl list failed"
expect_grep "$TMPD/list.txt" "W: waiting for interface $O2" "mcrctl list"
ctl --json stats >"$TMPD/stats.json" || fail "mcrctl stats failed"
expect_json_str "$TMPD/stats.json" '[.rules[] | select(.waiting)] | .[0].name' W "stats: waiting rule"
expect_json_str "$TMPD/stats.json" '.rules[] | select(.name == "W") | .waiting' "$O2" \
	"stats: its interface"
expect_json "$TMPD/stats.json" '.rules[] | select(.name == "W") | .packets_in' -eq 0 \
	"stats: its packets"
ctl stats >"$TMPD/stats.txt" || fail "mcrctl stats failed"
expect_grep "$TMPD/stats.txt" "W: waiting for interface $O2" "mcrctl stats"

step "Adding rules at run time: one waiting for ${TOPO_TAG}o3, one that can relay"
ctl --json add --name X --input-interface "$RELAY_IN" --input-group 239.1.1.3 \
	--output "${TOPO_TAG}o3" >"$TMPD/add-x.json" 2>&1 || fail "add X: $(cat "$TMPD/add-x.json")"
expect_json_str "$TMPD/add-x.json" .waiting "${TOPO_TAG}o3" "X waits for"
ctl add --name Z --input-interface "$RELAY_IN" --input-group 239.1.1.5 \
	--output "${TOPO_TAG}o3" >"$TMPD/add-z.out" 2>&1 || fail "add Z: $(cat "$TMPD/add-z.out")"
expect_grep "$TMPD/add-z.out" "added rule Z; it waits for interface ${TOPO_TAG}o3" "mcrctl add"
ctl add --name Y --input-interface "$RELAY_IN" --input-group 239.1.1.4 \
	--output "$(topo_out 1)" >"$TMPD/add-y.out" 2>&1 || fail "add Y: $(cat "$TMPD/add-y.out")"

step "A relays while W waits"
start_sink sink -j "$(topo_sinkif 1),$GROUP_A" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g $GROUP_A -r $RATE -c $COUNT
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT

step "A worker killed while W waits restarts with A (and without W)"
VICTIM=$(pgrep -P "$MCRD_PID" | head -n 1)
RELAYING=$(grep -c ': relaying:' "$MCRD_ERR")
kill -KILL "$VICTIM" || fail "cannot kill worker $VICTIM"
i=0
while [ "$(grep -c ': relaying:' "$MCRD_ERR")" -le "$RELAYING" ] && [ $i -lt 300 ]; do
	sleep 0.01
	i=$((i + 1))
done
expect "$(grep -c ': relaying:' "$MCRD_ERR")" -gt "$RELAYING" "workers relaying after the kill"

step "Creating $O2: W relays"
topo_link relay "$O2" "$(topo_out_addr 2 1)/30" sink "$(topo_sinkif 2)" "$(topo_out_addr 2 2)/30"
topo_settle
sleep 0.3
start_sink sink -j "$(topo_sinkif 2),$GROUP_W" --count $COUNT -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g $GROUP_W -r $RATE -c $COUNT
wait_sink
expect_sink_exact "$SINK_JSON" $COUNT
ctl --json list >"$TMPD/list2.json" || fail "mcrctl list failed"
expect_json "$TMPD/list2.json" '[.rules[] | select(.waiting)] | length' -eq 2 \
	"rules still waiting (X, Z)"
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "W") | .outputs[0].packets_out' \
	-eq $COUNT "W packets out"
expect_grep "$MCRD_ERR" "rule \"W\": interface $O2 does not exist; the rule waits for it" \
	"W waits at start"
expect_grep "$MCRD_ERR" "rule \"W\": every interface it names is there" "W resumed"

pass
