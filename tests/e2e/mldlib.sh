# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# Helpers for the MLD tests (80-82, 87-88): fixed link-local addresses without
# duplicate address detection (usable at once, and an election between
# known addresses), a real IPv6 listener (socat's IPV6_JOIN_GROUP, so the
# listener's kernel sends the MLD), mldsend, and polling "mcrctl groups".
# Sourced after lib.sh and memberlib.sh.

MLDSEND=$BIN/tests/mldsend

# mld_link NS IFACE LLADDR [MLD_VERSION]: IFACE in NS gets LLADDR as its
# only link-local address, at once (no DAD); MLD_VERSION 1 makes its
# kernel speak MLDv1 (0, the default, MLDv2).  Inside the test's namespace.
mld_link()
{
	nsx "$1" sysctl -qw "net.ipv6.conf.$2.accept_dad=0" "net.ipv6.conf.$2.force_mld_version=${4:-0}" ||
		fail "cannot set IPv6 sysctls of $2 in $1"
	nsx "$1" ip -6 addr flush dev "$2" scope link || fail "cannot flush $2's link-local addresses"
	nsx "$1" ip -6 addr add "$3/64" dev "$2" nodad || fail "cannot add $3 to $2"
}

# mld_hex GROUP: GROUP as /proc/net/igmp6 writes it (32 hex digits).
mld_hex()
{
	_h=$(printf '%s' "$1" | awk -F: '{
		n = NF; out = ""
		for (i = 1; i <= NF; i++) {
			if ($i == "" && i > 1 && i < NF) { for (k = 0; k < 9 - n; k++) out = out "0000"; continue }
			if ($i == "") { out = out "0000"; continue }
			out = out sprintf("%04s", $i)
		}
		gsub(/ /, "0", out); print out }')
	printf "%s" "$_h"
}

# mld_listen NS IFACE GROUP: a socket in NS joins GROUP on IFACE (until
# mld_unlisten or the test's end); LISTEN_PID is the listener,
# LISTEN_STARTED_AT the wall clock (ms) just before it started (no later
# than the join), and it returns once NS's kernel lists the membership
# (polled every 10 ms inside NS).
mld_listen()
{
	_hex=$(mld_hex "$3")
	# shellcheck disable=SC2016 # expanded by the shell inside the namespace
	ip netns exec "$(ns "$1")" sh -c 'i=0; while [ $i -lt 500 ]; do
		grep -q "$1 *$2" /proc/net/igmp6 && { echo $(($(date +%s%N) / 1000000)); exit 0; }
		sleep 0.01; i=$((i + 1)); done; exit 1' sh "$2" "$_hex" >"$TMPD/joined.at" &
	_w=$!
	# shellcheck disable=SC2034 # for the caller
	LISTEN_STARTED_AT=$(now_ms)
	ip netns exec "$(ns "$1")" timeout 20 socat -u \
		"UDP6-RECV:7000,reuseaddr,ipv6-join-group=[$3]:$2" /dev/null \
		>>"$TMPD/socat.out" 2>&1 &
	LISTEN_PID=$!
	track_pid "$LISTEN_PID"
	wait "$_w" || fail "the listener's kernel did not list $3 on $2"
}

# mld_unlisten PID: the listener leaves (its socket closes).
mld_unlisten()
{
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	untrack_pid "$1"
}

# mldsend NS ARGS...: inject MLD from namespace NS (tests/tools/mldsend.c).
mldsend()
{
	_n=$1
	shift
	nsx "$_n" "$MLDSEND" "$@" >>"$TMPD/mldsend.out" 2>&1 || fail "mldsend $* failed"
}

# mld_wait_addr ADDR LIMIT_MS: poll "mcrctl groups" every 50 ms until
# mcrd's MLD querier on the first watched interface sends from ADDR (it
# looks its address up once a second); GJSON then holds the reply.
mld_wait_addr()
{
	_t0=$(now_ms)
	while :; do
		groups_json start
		[ "$(json_get "$GJSON" '.interfaces[0].mld.querier.address')" = "$1" ] && return 0
		[ $(($(now_ms) - _t0)) -lt "$2" ] || fail "mcrd did not take $1 as its MLD address in $2 ms"
		sleep 0.05
	done
}

# mld_has GROUP: "true" or "false": the first watched interface's MLD
# table in $GJSON has GROUP with listeners.
mld_has()
{
	jq -r --arg g "$1" \
		'[.interfaces[0].mld.groups[] | select(.group == $g and .has_listeners)] | length > 0' \
		"$GJSON"
}

# mld_wait GROUP true|false LIMIT_MS: poll "mcrctl groups" every 20 ms until
# GROUP has listeners (true) or none (false); WAITED_MS is how long it took,
# POLLED_AT the wall clock (ms) right after the reply that showed it.
mld_wait()
{
	_t0=$(now_ms)
	while :; do
		groups_json poll
		# shellcheck disable=SC2034 # for the caller
		POLLED_AT=$(now_ms)
		[ "$(mld_has "$1")" = "$2" ] && break
		[ $(($(now_ms) - _t0)) -lt "$3" ] || fail "$1 has_listeners is not $2 after $3 ms"
		sleep 0.02
	done
	# shellcheck disable=SC2034 # for the caller
	WAITED_MS=$(($(now_ms) - _t0))
}
