#!/bin/sh
# SPDX-License-Identifier: MIT
#
# igmp_join off: with --no-igmp-join mcrd relays a stream exactly while the
# relay's IP stack holds no membership of the group on the input interface
# (/proc/net/igmp) and the NIC's multicast filter still lists the group's
# MAC address.  Then, so that the check is known to be able to fail, a run
# from a file with the default shows the membership, a reload to
# "igmp_join": false drops it and a reload back to true makes it again.
#
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=3000
RATE=10000
GROUP=239.1.1.1:5000
# 239.1.1.1 as /proc/net/igmp prints it (a __be32 in %08X, so the bytes
# read reversed on little-endian hosts), and its Ethernet address.
GROUP_HEX_LE=010101EF
GROUP_HEX_BE=EF010101
GROUP_MAC=01:00:5e:01:01:01

e2e_init
require_bins mcrd mcrgen mcrsink

# igmp_member IFACE: the relay's IP stack is a member of the group on IFACE.
igmp_member()
{
	nsx relay cat /proc/net/igmp | awk -v ifn="$1" -v le=$GROUP_HEX_LE -v be=$GROUP_HEX_BE '
		/^[0-9]/ { dev = $2; sub(/:$/, "", dev); next }
		dev == ifn && ($1 == le || $1 == be) { found = 1 }
		END { exit !found }'
}

expect_igmp()
{
	if igmp_member "$RELAY_IN"; then
		_got=joined
	else
		_got="not joined"
	fi
	expect_str "$_got" "$1" "IGMP membership of 239.1.1.1 on $RELAY_IN ($2)"
}

expect_nic_filter()
{
	if ip -n "$(ns relay)" maddr show dev "$RELAY_IN" | grep -qi "link  *$GROUP_MAC"; then
		info "ok   NIC filter on $RELAY_IN lists $GROUP_MAC ($1)"
	else
		fail "NIC filter on $RELAY_IN lacks $GROUP_MAC ($1): $(ip -n "$(ns relay)" maddr show dev "$RELAY_IN")"
	fi
}

step "Creating world"
topo_standard 1

step "Starting relay with --no-igmp-join"
start_mcrd relay --workers 2 --stats-interval 0 --no-igmp-join \
	-r "cam1=$RELAY_IN,$GROUP -> $(topo_out 1)"
expect_igmp "not joined" "--no-igmp-join"
expect_nic_filter "--no-igmp-join"

step "Starting sink"
start_sink sink -j "$(topo_sinkif 1),$GROUP" --count $COUNT -d 20 --idle-exit 2

step "Starting emitter: $COUNT packets at $RATE pps"
run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
wait_sink
expect_igmp "not joined" "--no-igmp-join, after the stream"
stop_mcrd

step "Analyzing the --no-igmp-join run"
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_json "$GEN_JSON" .sent -eq $COUNT
expect_sink_exact "$SINK_JSON" $COUNT
read_summary
expect_json "$SUMMARY" '.rules[] | select(.name == "cam1") | .packets_in' -eq $COUNT
expect_json "$SUMMARY" .totals.packets_out -eq $COUNT
expect_relay_clean "$SUMMARY"
expect_igmp "not joined" "after mcrd exited"

step "Starting relay from a file with the default igmp_join"
CONF=$TMPD/mcrd.json
write_conf()
{
	# $1: extra top-level fields, each followed by a comma
	cat >"$CONF" <<EOC
{$1 "stats_interval_ms": 0, "rules": [
 {"name": "cam1", "input": {"interface": "$RELAY_IN", "group": "239.1.1.1", "port": 5000},
  "outputs": [{"interface": "$(topo_out 1)"}]}]}
EOC
}
write_conf ""
start_mcrd relay --workers 2 -c "$CONF"
expect_igmp joined "default"

# reload N: SIGHUP, then wait for the Nth "reload: ... in force" line.
reload()
{
	kill -HUP "$MCRD_PID" || fail "cannot signal mcrd"
	i=0
	while [ "$(grep -c "reload: 1 rules in force" "$MCRD_ERR")" -lt "$1" ]; do
		[ $i -lt 50 ] || fail "reload $1 did not complete: $(tail -n 3 "$MCRD_ERR")"
		sleep 0.1
		i=$((i + 1))
	done
}

step "Reloading with \"igmp_join\": false"
write_conf '"igmp_join": false,'
reload 1
expect_igmp "not joined" "reloaded to false"
expect_nic_filter "reloaded to false"

step "Reloading with \"igmp_join\": true"
write_conf '"igmp_join": true,'
reload 2
expect_igmp joined "reloaded to true"
stop_mcrd
expect "$MCRD_RC" -eq 0 "mcrd exit status"
expect_igmp "not joined" "after mcrd exited"

pass
