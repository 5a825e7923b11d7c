# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# IPv6 on the standard topology (tests 74-79): sourced after lib.sh.
# Documentation addresses only: 2001:db8:0::/64 on the source link,
# 2001:db8:1:I::/64 on output link I; groups ff3e::/ff0e:: inside the
# test's namespaces.

V6_SRC=2001:db8::1
V6_RELAY=2001:db8::2

# v6_nodad NS IF...: no duplicate address detection on IF (a tentative
# address cannot send), for the addresses added from now on.
v6_nodad()
{
	_n=$1
	shift
	nsx "$_n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 ||
		fail "cannot turn off DAD in $(ns "$_n")"
	for _if in "$@"; do
		nsx "$_n" sysctl -qw "net.ipv6.conf.$_if.accept_dad=0" ||
			fail "cannot turn off DAD on $_if in $(ns "$_n")"
	done
}

# topo_v6 N: topo_standard N, then IPv6 on every link (no DAD): V6_SRC and
# V6_RELAY on the input link, 2001:db8:1:I::1 (relay) and ::2 (sink) on
# output link I.
topo_v6()
{
	topo_standard "$1"
	v6_nodad src "$SRC_IF"
	v6_nodad relay "$RELAY_IN"
	v6_nodad sink
	ip -n "$(ns src)" addr add $V6_SRC/64 dev "$SRC_IF" nodad || fail "cannot address $SRC_IF (IPv6)"
	ip -n "$(ns relay)" addr add $V6_RELAY/64 dev "$RELAY_IN" nodad ||
		fail "cannot address $RELAY_IN (IPv6)"
	_rb=$TMPD/topo6-relay.batch
	_sb=$TMPD/topo6-sink.batch
	: >"$_rb"
	: >"$_sb"
	_i=1
	while [ "$_i" -le "$1" ]; do
		printf 'addr add 2001:db8:1:%x::1/64 dev %s nodad\n' "$_i" "$(topo_out "$_i")" >>"$_rb"
		printf 'addr add 2001:db8:1:%x::2/64 dev %s nodad\n' "$_i" "$(topo_sinkif "$_i")" >>"$_sb"
		_i=$((_i + 1))
	done
	ip -n "$(ns relay)" -batch "$_rb" || fail "cannot address the relay's outputs (IPv6)"
	ip -n "$(ns sink)" -batch "$_sb" || fail "cannot address the sink side (IPv6)"
}

# v6_joined NS IF GROUP: 0 when IF in NS holds an MLD membership of GROUP.
v6_joined()
{
	nsx "$1" ip -6 maddr show dev "$2" | grep -qE "inet6 $3( |\$)"
}

# v6_joined_ssm NS IF GROUP_HEX SOURCE_HEX: 0 when IF in NS holds a
# source-specific membership (/proc/net/mcfilter6, 32 hex digits each).
v6_joined_ssm()
{
	nsx "$1" cat /proc/net/mcfilter6 |
		awk -v i="$2" -v g="$3" -v s="$4" '$2 == i && $3 == g && $4 == s { f = 1 } END { exit !f }'
}
