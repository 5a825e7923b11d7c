# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# Helpers for the source-following tests (85, 86): a real source-filtered
# listener (tests/tools/ssmlisten: (S,G) joins, or a group joined with
# sources blocked) and "mcrctl groups" polled for a group's sources.
# Sourced after lib.sh and memberlib.sh.

SSMLISTEN=$BIN/tests/ssmlisten

# ssm_listen NAME NS IFACE GROUP PORT -s|-b SOURCE...: a socket in NS on
# IFACE joins (SOURCE, GROUP) for each -s, or joins GROUP and blocks each
# -b (its kernel sends the IGMPv3/MLDv2 report); returns once it has.
# $TMPD/NAME.json gets what it received when it stops.
ssm_listen()
{
	_name=$1
	_ns=$2
	shift 2
	_if=$1
	_g=$2
	_p=$3
	shift 3
	ip netns exec "$(ns "$_ns")" "$SSMLISTEN" -i "$_if" -g "$_g" -p "$_p" -d 20 \
		-r "$TMPD/$_name.ready" "$@" >"$TMPD/$_name.json" 2>"$TMPD/$_name.err" &
	_pid=$!
	track_pid "$_pid"
	echo "$_pid" >"$TMPD/$_name.pid"
	wait_file "$TMPD/$_name.ready" "$_pid" ||
		fail "ssmlisten $_name did not join: $(cat "$TMPD/$_name.err")"
}

# ssm_stop NAME: the socket closes (its kernel sends the BLOCK or TO_IN).
ssm_stop()
{
	_pid=$(cat "$TMPD/$1.pid")
	kill -TERM "$_pid"
	wait "$_pid" || fail "ssmlisten $1 failed: $(cat "$TMPD/$1.err")"
	untrack_pid "$_pid"
}

# ssm_group TABLE GROUP: the jq path of GROUP in TABLE (".interfaces[0]"
# for IGMP's, ".interfaces[0].mld" for MLD's) of $GJSON.
ssm_group()
{
	printf '[%s.groups[] | select(.group == "%s")][0]' "$1" "$2"
}

# ssm_sources TABLE GROUP true|false: GROUP's excluded (true) or other
# sources in $GJSON, sorted and comma-separated.
ssm_sources()
{
	json_get "$GJSON" "$(ssm_group "$1" "$2").sources | map(select(.excluded == $3) | .source) |
		sort | join(\",\")"
}

# ssm_wait TABLE GROUP true|false LIST LIMIT_MS: poll "mcrctl groups" until
# ssm_sources says LIST.
ssm_wait()
{
	_t0=$(now_ms)
	while :; do
		groups_json poll
		[ "$(ssm_sources "$1" "$2" "$3")" = "$4" ] && return 0
		[ $(($(now_ms) - _t0)) -lt "$5" ] ||
			fail "$2's sources (excluded: $3) are '$(ssm_sources "$1" "$2" "$3")', not '$4'"
		sleep 0.02
	done
}

# ssm_wait_listened TABLE GROUP LIMIT_MS: poll "mcrctl groups" until GROUP
# has listeners in TABLE.
ssm_wait_listened()
{
	_t0=$(now_ms)
	while :; do
		groups_json poll
		[ "$(json_get "$GJSON" "$(ssm_group "$1" "$2").has_listeners")" = true ] && return 0
		[ $(($(now_ms) - _t0)) -lt "$3" ] || fail "$2 has no listeners after $3 ms"
		sleep 0.02
	done
}
