#!/bin/sh
# SPDX-License-Identifier: MIT
#
# SIGHUP re-reads the configuration file and applies it: a rule added to the
# file starts relaying, the untouched rule keeps relaying without loss, and
# a broken file is rejected with a logged error while the running rules stay.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=3000
RATE=5000

e2e_init
require_bins mcrd mcrgen mcrsink

step "Creating world"
topo_standard 2
CONF=$TMPD/mcrd.json
write_conf()
{
	# $1: extra rules, as JSON array members after rule A
	cat >"$CONF" <<EOC
{"stats_interval_ms": 0, "rules": [
 {"name": "A", "input": {"interface": "$RELAY_IN", "group": "239.1.1.1", "port": 5000},
  "outputs": [{"interface": "$(topo_out 1)"}]}$1]}
EOC
}
write_conf ""

step "Starting relay with rule A from $CONF"
start_mcrd relay --workers 2 -c "$CONF"

step "Adding rule B to the file and sending SIGHUP while A streams"
start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" --count $COUNT -d 20 --idle-exit 2
start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r $RATE -c $COUNT -d 10
sleep 0.2
write_conf ', {"name": "B", "input": {"interface": "'"$RELAY_IN"'", "group": "239.5.5.5", "port": 5555}, "outputs": [{"interface": "'"$(topo_out 2)"'"}]}'
kill -HUP "$MCRD_PID"
wait_file_grep()
{
	i=0
	while [ $i -lt 50 ] && ! grep -qF -- "$2" "$1"; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -qF -- "$2" "$1" || fail "\"$2\" did not appear in $(basename "$1")"
}
wait_file_grep "$MCRD_ERR" "reload: 2 rules in force"
info "reloaded: 2 rules"
SINK_A=$SINK_JSON
start_sink sink -j "$(topo_sinkif 2),239.5.5.5:5555" --count 1000 -d 20 --idle-exit 2
SINK_B=$SINK_JSON
run_gen src -i "$SRC_IF" -g 239.5.5.5:5555 -r $RATE -c 1000 -d 10
wait_gen
wait_sink
expect_sink_exact "$SINK_A" $COUNT
expect_sink_exact "$SINK_B" 1000

step "A broken file is rejected and the running rules stay"
echo '{"rules": [ {"name": "A", "input": {"interface": "lo", "group": "239.1.1.300"}, "outputs": [{"interface": "lo"}]} ]}' >"$CONF"
kill -HUP "$MCRD_PID"
wait_file_grep "$MCRD_ERR" "keeping the running rules"
expect_grep "$MCRD_ERR" '"239.1.1.300"' "reload error"
start_sink sink -j "$(topo_sinkif 2),239.5.5.5:5555" --count 500 -d 20 --idle-exit 2
run_gen src -i "$SRC_IF" -g 239.5.5.5:5555 -r $RATE -c 500 -d 10
wait_sink
expect_sink_exact "$SINK_JSON" 500
stop_mcrd

step "Analyzing"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
read_summary
expect_json "$SUMMARY" '.rules | length' -eq 2
expect_json "$SUMMARY" '.rules[] | select(.name == "A") | .packets_in' -eq $COUNT
expect_json "$SUMMARY" '.rules[] | select(.name == "B") | .packets_in' -eq 1500

pass
