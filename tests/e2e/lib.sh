# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# Shared helpers for the mcr end-to-end tests.  A test sources this file,
# builds a small world of network namespaces joined by veth pairs, starts
# mcrd, mcrgen and mcrsink in them, and checks what each program reports.
# Nothing here touches the host's own interfaces, routes or sysctls: every
# address lives in 198.18.0.0/15 inside namespaces this test creates, and
# the EXIT trap removes them again, whatever happened.
#
# Exit codes follow automake: 0 pass, 77 skip, 99 fail.  Under CI=true a
# skip counts as a failure, since a skipped network test proves nothing.
#
# Addressing (scales to TOPO_MAX_LINKS output links):
#   src <-> relay      198.18.0.1/30 (src)  198.18.0.2/30 (relay)
#   relay <-> sink i   198.19.H.L/30: relay .L+1, sink .L+2, with 4*i = 256*H + L
#   unroutable sources 198.19.254.0/24 (never configured on the relay side)

OK=0
SKIP=77
FAIL=99

TOPO_MAX_LINKS=1000
# How long a daemon or sink may take to say it is ready, in tenths of a second.
READY_TIMEOUT=50
# How long wait_sink and wait_gen wait for the programs to finish, in seconds.
SINK_TIMEOUT=30
GEN_TIMEOUT=60

TEST_NAME=$(basename "$0" .sh)
# The repository root; scripts outside tests/e2e set TOP before sourcing.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$TOP/$BUILD ;;
esac
MCRD=$BIN/mcrd
MCRGEN=$BIN/mcrgen
MCRCTL=$BIN/mcrctl
MCRSINK=$BIN/mcrsink
# shellcheck disable=SC2034 # used by the tests that inject frames
RAWFRAME=$BIN/tests/rawframe

# A short tag from the script name ("05-fanout-50" -> "t05") keeps interface
# names readable and under IFNAMSIZ; namespaces also carry the shell's PID so
# that two runs of the same test never collide.  A caller (the demo) may
# set TOPO_TAG itself.
if [ -z "${TOPO_TAG:-}" ]; then
	TOPO_TAG=t$(printf '%s' "$TEST_NAME" | sed 's/^\([0-9]*\).*/\1/')
	[ "$TOPO_TAG" != t ] || TOPO_TAG=tx
fi
TOPO_PREFIX=mcr$$-$TOPO_TAG
TOPO_NSLIST=""
TEST_PIDS=""
TMPD=""
SINK_N=0
GEN_N=0
MCRD_N=0
MCRD_PID=""

# ---------------------------------------------------------------- reporting

say()
{
	printf '%s\n' "$*"
}

# A lab-notebook heading: "Creating world", "Starting relay", "Analyzing".
step()
{
	printf '\n== %s\n' "$*"
}

info()
{
	printf '   %s\n' "$*"
}

# Print the last lines of every log this test wrote, so that a failure in CI
# can be understood from the test's output alone.
dump_logs()
{
	[ -n "$TMPD" ] && [ -d "$TMPD" ] || return 0
	for _f in "$TMPD"/*.err "$TMPD"/*.out "$TMPD"/*.json; do
		[ -s "$_f" ] || continue
		printf -- '--- %s (last 15 lines)\n' "$(basename "$_f")"
		tail -n 15 "$_f"
	done
}

fail()
{
	printf '\nFAIL: %s: %s\n' "$TEST_NAME" "$*"
	dump_logs
	exit $FAIL
}

skip()
{
	if [ "${CI:-}" = true ]; then
		printf '\nFAIL: %s: would skip under CI: %s\n' "$TEST_NAME" "$*"
		exit $FAIL
	fi
	printf '\nSKIP: %s: %s\n' "$TEST_NAME" "$*"
	exit $SKIP
}

pass()
{
	printf '\nPASS: %s\n' "$TEST_NAME"
	exit $OK
}

# ------------------------------------------------------------ preconditions

require_root()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
	command -v ip >/dev/null 2>&1 || skip "needs ip (iproute2)"
	ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"
	command -v jq >/dev/null 2>&1 || skip "needs jq"
	command -v timeout >/dev/null 2>&1 || skip "needs timeout (coreutils)"
}

# Missing programs are a failure, not a skip: "make e2e" builds them first.
require_bins()
{
	for _b in "$@"; do
		[ -x "$BIN/$_b" ] || fail "$BIN/$_b is missing; run 'make' (or 'make e2e') first"
	done
}

# ------------------------------------------------------------ process control

track_pid()
{
	TEST_PIDS="$TEST_PIDS $1"
}

untrack_pid()
{
	_keep=""
	for _p in $TEST_PIDS; do
		[ "$_p" = "$1" ] || _keep="$_keep $_p"
	done
	TEST_PIDS=$_keep
}

# True while PID runs.  A child that exited but was not reaped yet is a
# zombie and still answers kill -0, so read its state instead.
pid_alive()
{
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# wait_pid_exit PID TENTHS: wait at most TENTHS/10 s for PID to exit.
wait_pid_exit()
{
	_i=0
	while pid_alive "$1"; do
		[ "$_i" -lt "$2" ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

# Stop one of our children: SIGTERM, then SIGKILL after two seconds.
reap_pid()
{
	if pid_alive "$1"; then
		kill -TERM "$1" 2>/dev/null
		wait_pid_exit "$1" 20 || kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	untrack_pid "$1"
}

# wait_file PATH PID: wait (READY_TIMEOUT) until PATH exists, while PID lives.
wait_file()
{
	_i=0
	while [ ! -e "$1" ]; do
		pid_alive "$2" || return 1
		[ "$_i" -lt "$READY_TIMEOUT" ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

cleanup()
{
	_rc=$?
	trap - EXIT INT TERM HUP
	# If our reader went away (| head), output fails; cleanup must not.
	trap '' PIPE
	for _p in $TEST_PIDS; do
		reap_pid "$_p"
	done
	# Anything still running inside our namespaces was started by this test
	# (a grandchild the PID list missed): stop it before the namespace goes.
	for _ns in $TOPO_NSLIST; do
		for _p in $(ip netns pids "$_ns" 2>/dev/null); do
			kill -KILL "$_p" 2>/dev/null
		done
		ip netns del "$_ns" 2>/dev/null
	done
	if [ -n "$TMPD" ] && [ -d "$TMPD" ]; then
		if [ "${E2E_KEEP:-}" = 1 ]; then
			printf 'kept logs in %s\n' "$TMPD"
		else
			rm -rf "$TMPD"
		fi
	fi
	exit "$_rc"
}

# Called by every test first: checks, temp dir, traps.
e2e_init()
{
	require_root
	TMPD=$(mktemp -d "${TMPDIR:-/tmp}/mcr-e2e-$TOPO_TAG.XXXXXX") || fail "mktemp failed"
	trap cleanup EXIT
	trap 'exit $FAIL' INT TERM HUP PIPE
	say "$TEST_NAME: namespaces $TOPO_PREFIX-*, logs in $TMPD"
}

# ---------------------------------------------------------------- topology

# Full namespace name for a short one ("relay" -> "mcr1234-t01-relay").
ns()
{
	printf '%s-%s' "$TOPO_PREFIX" "$1"
}

# nsx NS CMD...: run CMD in the foreground inside namespace NS.  Not for
# background jobs: "nsx ... &" would make $! a subshell, not CMD.
nsx()
{
	_n=$1
	shift
	ip netns exec "$(ns "$_n")" "$@"
}

topo_ns()
{
	ip netns add "$(ns "$1")" || fail "cannot create namespace $(ns "$1")"
	TOPO_NSLIST="$TOPO_NSLIST $(ns "$1")"
	ip -n "$(ns "$1")" link set lo up || fail "cannot bring up lo in $(ns "$1")"
}

# topo_link NS_A IF_A ADDR_A NS_B IF_B ADDR_B: one veth pair, addressed, up.
topo_link()
{
	if [ ${#2} -gt 15 ] || [ ${#5} -gt 15 ]; then
		fail "interface name too long: $2 / $5"
	fi
	ip -n "$(ns "$1")" link add name "$2" type veth peer name "$5" netns "$(ns "$4")" ||
		fail "cannot create veth $2 <-> $5"
	ip -n "$(ns "$1")" addr add "$3" dev "$2" || fail "cannot address $2"
	ip -n "$(ns "$4")" addr add "$6" dev "$5" || fail "cannot address $5"
	ip -n "$(ns "$1")" link set "$2" up || fail "cannot bring up $2"
	ip -n "$(ns "$4")" link set "$5" up || fail "cannot bring up $5"
}

# topo_settle: wait (at most 5 s) until every interface of every namespace
# is operationally up.  Until a veth sees carrier its queue discards what is
# sent, which would show up as loss in the first packets of a test.
topo_settle()
{
	_i=0
	while :; do
		_down=""
		for _ns in $TOPO_NSLIST; do
			_down="$_down$(ip -n "$_ns" -br link | awk '$1 != "lo" && $2 != "UP" { print $1 }')"
		done
		[ -n "$_down" ] || return 0
		[ "$_i" -lt 50 ] || fail "interfaces still down after 5 s: $_down"
		sleep 0.1
		_i=$((_i + 1))
	done
}

# Interface names of the standard topology.
SRC_IF=${TOPO_TAG}src
RELAY_IN=${TOPO_TAG}in
SRC_ADDR=198.18.0.1
RELAY_ADDR=198.18.0.2

topo_out()
{
	printf '%so%s' "$TOPO_TAG" "$1"
}

topo_sinkif()
{
	printf '%sk%s' "$TOPO_TAG" "$1"
}

# topo_out_addr I SIDE: address of output link I on the relay (1) or sink (2) side.
topo_out_addr()
{
	_b=$(($1 * 4))
	printf '198.19.%d.%d' $((_b / 256)) $((_b % 256 + $2))
}

# topo_standard N: namespaces src, relay and sink; one link src->relay and N
# links relay->sink.  The N links go through one "ip -batch" per namespace,
# so fifty links take well under a second.
topo_standard()
{
	_n=$1
	if [ "$_n" -lt 1 ] || [ "$_n" -gt $TOPO_MAX_LINKS ]; then
		fail "topo_standard: 1..$TOPO_MAX_LINKS links, not $_n"
	fi
	topo_ns src
	topo_ns relay
	topo_ns sink
	topo_link src "$SRC_IF" $SRC_ADDR/30 relay "$RELAY_IN" $RELAY_ADDR/30

	_rb=$TMPD/topo-relay.batch
	_sb=$TMPD/topo-sink.batch
	: >"$_rb"
	: >"$_sb"
	_i=1
	while [ "$_i" -le "$_n" ]; do
		_o=$(topo_out "$_i")
		_k=$(topo_sinkif "$_i")
		printf 'link add name %s type veth peer name %s netns %s\n' "$_o" "$_k" "$(ns sink)" >>"$_rb"
		printf 'addr add %s/30 dev %s\nlink set %s up\n' "$(topo_out_addr "$_i" 1)" "$_o" "$_o" >>"$_rb"
		printf 'addr add %s/30 dev %s\nlink set %s up\n' "$(topo_out_addr "$_i" 2)" "$_k" "$_k" >>"$_sb"
		_i=$((_i + 1))
	done
	ip -n "$(ns relay)" -batch "$_rb" || fail "cannot create the relay->sink links"
	ip -n "$(ns sink)" -batch "$_sb" || fail "cannot configure the sink side"
	topo_settle
	info "src $SRC_IF $SRC_ADDR -> relay $RELAY_IN $RELAY_ADDR;" \
		"relay $(topo_out 1)..$(topo_out "$_n") -> sink $(topo_sinkif 1)..$(topo_sinkif "$_n")"
}

# Input link I of topo_inputs: the relay side (I = 1 is RELAY_IN), the
# source side (I = 1 is SRC_IF) and the source side's address.
topo_in()
{
	if [ "$1" -eq 1 ]; then printf '%s' "$RELAY_IN"; else printf '%si%s' "$TOPO_TAG" "$1"; fi
}

topo_in_src()
{
	if [ "$1" -eq 1 ]; then printf '%s' "$SRC_IF"; else printf '%ss%s' "$TOPO_TAG" "$1"; fi
}

topo_in_src_addr()
{
	if [ "$1" -eq 1 ]; then printf '%s' "$SRC_ADDR"; else printf '198.18.1.%d' $(($1 * 4 + 1)); fi
}

# topo_inputs N: after topo_standard, input links 2..N from src to relay
# (198.18.1.4i+1/30 on src, .4i+2 on the relay), named by topo_in and
# topo_in_src, so that a test can feed N input interfaces at once.
topo_inputs()
{
	_i=2
	while [ "$_i" -le "$1" ]; do
		[ "$_i" -le 60 ] || fail "topo_inputs: at most 60 inputs"
		topo_link src "$(topo_in_src "$_i")" "$(topo_in_src_addr "$_i")/30" \
			relay "$(topo_in "$_i")" "198.18.1.$((_i * 4 + 2))/30"
		_i=$((_i + 1))
	done
	topo_settle
	info "inputs: src $(topo_in_src 1)..$(topo_in_src "$1") -> relay $(topo_in 1)..$(topo_in "$1")"
}

# ---------------------------------------------------------------- programs

# start_mcrd NS ARGS...: run mcrd in NS in the background and wait until it
# says it is relaying (--ready-file).  Sets MCRD_PID, MCRD_OUT, MCRD_ERR and
# MCRD_SOCK (its control socket, for mcrctl).
# MCRD_EXTRA_ARGS from the environment go first ("--egress udp" runs the
# whole suite on the other egress path).
# SIGINT is reset to its default first: a shell starts background jobs with
# SIGINT ignored, and the tests want to send it.
start_mcrd()
{
	_n=$1
	shift
	MCRD_N=$((MCRD_N + 1))
	MCRD_OUT=$TMPD/mcrd$MCRD_N.out
	MCRD_ERR=$TMPD/mcrd$MCRD_N.err
	_ready=$TMPD/mcrd$MCRD_N.ready
	# Each daemon gets its own control socket, never the system's default.
	MCRD_SOCK=$TMPD/mcrd$MCRD_N.sock
	# shellcheck disable=SC2086 # MCRD_EXTRA_ARGS is split into words on purpose
	ip netns exec "$(ns "$_n")" env --default-signal=INT "$MCRD" --ready-file "$_ready" \
		--control "$MCRD_SOCK" ${MCRD_EXTRA_ARGS:-} "$@" \
		>"$MCRD_OUT" 2>"$MCRD_ERR" &
	MCRD_PID=$!
	track_pid "$MCRD_PID"
	if ! wait_file "$_ready" "$MCRD_PID"; then
		pid_alive "$MCRD_PID" && fail "mcrd did not become ready within $((READY_TIMEOUT / 10)) s"
		wait "$MCRD_PID"
		fail "mcrd exited with status $? before it was ready"
	fi
	# The signals the tests send must reach mcrd itself, not a wrapper.
	[ "$(cat "/proc/$MCRD_PID/comm" 2>/dev/null)" = mcrd ] ||
		fail "internal: pid $MCRD_PID is not mcrd"
	info "mcrd running in $(ns "$_n") as pid $MCRD_PID"
}

# stop_mcrd_sig SIGNAL: signal mcrd and wait up to 5 s for it to exit.
# Sets MCRD_RC; the final summary is in MCRD_OUT.
stop_mcrd_sig()
{
	[ -n "$MCRD_PID" ] || fail "stop_mcrd: mcrd is not running"
	pid_alive "$MCRD_PID" || fail "mcrd died while the test was running"
	kill "-$1" "$MCRD_PID" || fail "cannot signal mcrd"
	wait_pid_exit "$MCRD_PID" 50 || fail "mcrd still running 5 s after SIG$1"
	wait "$MCRD_PID"
	MCRD_RC=$?
	untrack_pid "$MCRD_PID"
	MCRD_PID=""
	info "mcrd exited with status $MCRD_RC after SIG$1"
}

stop_mcrd()
{
	stop_mcrd_sig TERM
}

# run_mcrd NS ARGS...: run mcrd in the foreground (bounded to 10 s) for the
# modes that exit by themselves.  Sets MCRD_RC, MCRD_OUT, MCRD_ERR.
run_mcrd()
{
	_n=$1
	shift
	MCRD_N=$((MCRD_N + 1))
	MCRD_OUT=$TMPD/mcrd$MCRD_N.out
	MCRD_ERR=$TMPD/mcrd$MCRD_N.err
	MCRD_SOCK=$TMPD/mcrd$MCRD_N.sock
	timeout -k 2 10 ip netns exec "$(ns "$_n")" "$MCRD" --control "$MCRD_SOCK" "$@" \
		>"$MCRD_OUT" 2>"$MCRD_ERR"
	MCRD_RC=$?
}

# start_sink NS ARGS...: mcrsink in the background with --json, waiting
# until every listener has joined.  SINK_JSON names its report.
start_sink()
{
	_n=$1
	shift
	SINK_N=$((SINK_N + 1))
	SINK_JSON=$TMPD/sink$SINK_N.json
	_ready=$TMPD/sink$SINK_N.ready
	ip netns exec "$(ns "$_n")" "$MCRSINK" --json --ready-file "$_ready" "$@" \
		>"$SINK_JSON" 2>"$TMPD/sink$SINK_N.err" &
	_pid=$!
	track_pid "$_pid"
	echo "$_pid" >"$TMPD/sink$SINK_N.pid"
	if ! wait_file "$_ready" "$_pid"; then
		fail "mcrsink $SINK_N ($*) did not become ready"
	fi
	info "mcrsink $SINK_N listening in $(ns "$_n"): $*"
}

# wait_sink: wait for every sink started so far to exit (bounded by
# SINK_TIMEOUT) and check that each wrote a JSON report.  mcrsink exits 1
# when it counted losses; that is for the test's assertions to judge, but
# any other failure is fatal here.
wait_sink()
{
	_k=1
	while [ "$_k" -le "$SINK_N" ]; do
		if [ ! -e "$TMPD/sink$_k.rc" ]; then
			_pid=$(cat "$TMPD/sink$_k.pid")
			wait_pid_exit "$_pid" $((SINK_TIMEOUT * 10)) ||
				fail "mcrsink $_k still running after $SINK_TIMEOUT s"
			wait "$_pid"
			_rc=$?
			echo "$_rc" >"$TMPD/sink$_k.rc"
			untrack_pid "$_pid"
			[ "$_rc" -le 1 ] || fail "mcrsink $_k exited with status $_rc"
			jq -e . "$TMPD/sink$_k.json" >/dev/null 2>&1 ||
				fail "mcrsink $_k did not write a JSON report"
		fi
		_k=$((_k + 1))
	done
}

# start_gen NS ARGS...: mcrgen with --json in the background; GEN_JSON
# names its report.  wait_gen collects it.
start_gen()
{
	_n=$1
	shift
	GEN_N=$((GEN_N + 1))
	GEN_JSON=$TMPD/gen$GEN_N.json
	info "mcrgen $*"
	ip netns exec "$(ns "$_n")" "$MCRGEN" --json "$@" >"$GEN_JSON" 2>"$TMPD/gen$GEN_N.err" &
	_pid=$!
	track_pid "$_pid"
	echo "$_pid" >"$TMPD/gen$GEN_N.pid"
}

# wait_gen: wait (GEN_TIMEOUT at most) for every mcrgen started so far; one
# that fails or writes no report fails the test.
wait_gen()
{
	_k=1
	while [ "$_k" -le "$GEN_N" ]; do
		if [ ! -e "$TMPD/gen$_k.rc" ]; then
			_pid=$(cat "$TMPD/gen$_k.pid")
			wait_pid_exit "$_pid" $((GEN_TIMEOUT * 10)) ||
				fail "mcrgen $_k still running after $GEN_TIMEOUT s"
			wait "$_pid"
			_rc=$?
			echo "$_rc" >"$TMPD/gen$_k.rc"
			untrack_pid "$_pid"
			[ "$_rc" -eq 0 ] || fail "mcrgen $_k exited with status $_rc"
			jq -e . "$TMPD/gen$_k.json" >/dev/null 2>&1 ||
				fail "mcrgen $_k did not write a JSON report"
			info "mcrgen $_k sent $(json_get "$TMPD/gen$_k.json" .sent) packets" \
				"in $(json_get "$TMPD/gen$_k.json" .duration_s) s"
		fi
		_k=$((_k + 1))
	done
}

# run_gen NS ARGS...: mcrgen in the foreground, as far as the test sees.
run_gen()
{
	start_gen "$@"
	wait_gen
}

# expect_mtu_split GROUP RATE BIG SMALL: with output 2's MTU at 1000 and
# output 1's at 1500, BIG datagrams of 1200 bytes reach sink 1 only (none
# fragmented or lost there), then SMALL ones of 900 bytes reach both.
expect_mtu_split()
{
	step "$3 datagrams of 1200 bytes: o1 only"
	start_sink sink -j "$(topo_sinkif 1),$1" --count "$3" -d 20 --idle-exit 2
	run_gen src -i "$SRC_IF" -g "$1" -r "$2" -c "$3" -s 1200
	wait_sink
	expect_sink_exact "$SINK_JSON" "$3"

	step "$4 datagrams of 900 bytes: both"
	start_sink sink -j "$(topo_sinkif 1),$1" -j "$(topo_sinkif 2),$1" \
		--count "$4" -d 20 --idle-exit 2
	run_gen src -i "$SRC_IF" -g "$1" -r "$2" -c "$4" -s 900
	wait_sink
	expect_sink_exact "$SINK_JSON" $((2 * $4))
}

# wait_relaying N: wait up to 3 s until N workers in all have logged
# "relaying" since mcrd started (the first start's lines count too).
wait_relaying()
{
	local i=0

	while [ "$(grep -c ': relaying:' "$MCRD_ERR")" -lt "$1" ]; do
		[ $i -lt 300 ] || fail "no worker relaying again 3 s after the kill"
		sleep 0.01
		i=$((i + 1))
	done
}

# kill_worker_wait IDX N: SIGKILL worker IDX of the relay's mcrd (its pid
# left in VICTIM), then wait_relaying N.
kill_worker_wait()
{
	VICTIM=$(nsx relay "$MCRCTL" --socket "$MCRD_SOCK" --json workers | jq ".workers[$1].pid")
	kill -KILL "$VICTIM" || fail "cannot kill worker $VICTIM"
	wait_relaying "$2"
}

# worker_fds: the open files of mcrd's workers (in the relay namespace),
# summed; a socket of a deleted interface that was never closed shows here.
worker_fds()
{
	_n=0
	for _p in $(nsx relay "$MCRCTL" --socket "$MCRD_SOCK" --json workers | jq '.workers[].pid'); do
		_n=$((_n + $(find "/proc/$_p/fd" -mindepth 1 -maxdepth 1 | wc -l)))
	done
	echo "$_n"
}

# stack_mcast_in NS: the multicast datagrams NS's IP stack has received
# (IpExtInMcastPkts); --ingress xdp keeps relayed ones out of it.
stack_mcast_in()
{
	# shellcheck disable=SC2016 # awk's own variables
	nsx "$1" awk '/^IpExt:/ { if (!n) { for (i = 1; i <= NF; i++) if ($i == "InMcastPkts") c = i; n = 1 }
		else print $c }' /proc/net/netstat
}

# xdp_prog_id NS IFACE: the id of the XDP program on IFACE, empty when none.
xdp_prog_id()
{
	ip -n "$(ns "$1")" -d link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}

# ---------------------------------------------------------------- analysis

# json_get FILE JQ_EXPR: print one value ("null" when absent).
json_get()
{
	jq -r "$2" "$1" 2>/dev/null
}

# expect VALUE OP WANT DESCRIPTION: a numeric assertion (OP as for test(1):
# -eq -ne -lt -le -gt -ge), printed either way so the log reads as a record.
expect()
{
	case $1 in
	'' | *[!0-9]*) fail "$4: got '$1', not a count" ;;
	esac
	if test "$1" "$2" "$3"; then
		info "ok   $4: $1 ($2 $3)"
	else
		fail "$4: got $1, want $2 $3"
	fi
}

# expect_json FILE JQ_EXPR OP WANT [DESCRIPTION]
expect_json()
{
	_v=$(json_get "$1" "$2")
	expect "$_v" "$3" "$4" "${5:-$(basename "$1" .json) $2}"
}

# json_count FILE: how many JSON values FILE holds (0 if it is not JSON yet).
json_count()
{
	jq -s length "$1" 2>/dev/null || echo 0
}

# read_summary: put mcrd's final summary (the last JSON value it printed to
# stdout, after any SIGUSR1 snapshots) in the file SUMMARY, for expect_json.
read_summary()
{
	SUMMARY=$TMPD/mcrd$MCRD_N-summary.json
	jq -s '.[-1]' "$MCRD_OUT" >"$SUMMARY" 2>/dev/null
	jq -e .totals "$SUMMARY" >/dev/null 2>&1 || fail "no final JSON summary from mcrd on stdout"
}

# expect_str VALUE WANT DESCRIPTION: string equality.
expect_str()
{
	if [ "$1" = "$2" ]; then
		info "ok   $3: $1"
	else
		fail "$3: got '$1', want '$2'"
	fi
}

# expect_json_str FILE JQ_EXPR WANT [DESCRIPTION]
expect_json_str()
{
	expect_str "$(json_get "$1" "$2")" "$3" "${4:-$(basename "$1" .json) $2}"
}

# expect_sink_exact FILE COUNT: the sink got exactly COUNT packets, each once,
# none lost, none damaged.
expect_sink_exact()
{
	expect_json "$1" .received -eq "$2"
	expect_json "$1" .unique -eq "$2"
	expect_json "$1" .lost -eq 0
	expect_json "$1" .duplicates -eq 0
	expect_json "$1" .malformed -eq 0
}

# expect_relay_clean FILE: no drop, send error or exhausted buffer anywhere.
expect_relay_clean()
{
	expect_json "$1" .totals.drops -eq 0 "summary totals.drops"
	expect_json "$1" .totals.send_errors -eq 0 "summary totals.send_errors"
	expect_json "$1" .totals.buffer_exhaustion -eq 0 "summary totals.buffer_exhaustion"
	expect_json "$1" '[.inputs[].kernel_drops] | add' -eq 0 "summary inputs kernel_drops"
}

# expect_grep FILE PATTERN DESCRIPTION: FILE contains the fixed string PATTERN.
expect_grep()
{
	if grep -qF -- "$2" "$1"; then
		info "ok   $3: found \"$2\""
	else
		fail "$3: \"$2\" not found in $(basename "$1"): $(tail -n 3 "$1")"
	fi
}

# ---------------------------------------------------------------- scenarios

# stream_during_control REQ OUT RATE LIMIT: stream 239.1.1.1:5000 at RATE
# from the source to the first sink link, send the requests in REQ over
# mcrd's control socket meanwhile (responses in OUT, LIMIT seconds at most),
# then stop the stream, the sink and mcrd.  Sets SENT.
stream_during_control()
{
	_req=$1
	_out=$2
	start_sink sink -j "$(topo_sinkif 1),239.1.1.1:5000" -d $(($4 + 80)) --idle-exit 2
	start_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r "$3" -c 100000000 -d $(($4 + 50))
	sleep 1
	_t0=$(date +%s%N)
	timeout "$4" socat -t 30 - "UNIX-CONNECT:$MCRD_SOCK" <"$_req" >"$_out" ||
		fail "the control session did not complete"
	_t1=$(date +%s%N)
	info "$(wc -l <"$_req") changes took $(((_t1 - _t0) / 1000000)) ms"
	sleep 1
	# The stream outlasted the changes; stop it and count what it sent.
	kill -TERM "$(cat "$TMPD/gen$GEN_N.pid")"
	wait_gen
	wait_sink
	stop_mcrd
	SENT=$(jq .sent "$GEN_JSON")
	info "stream: $SENT packets sent during the changes"
}

# expect_stream_intact OUT N: mcrd exited cleanly, all N changes in OUT
# succeeded, and the stream of stream_during_control arrived whole, in
# order, through rule 0's first output.
expect_stream_intact()
{
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
	expect "$(wc -l <"$1")" -eq "$2" "responses"
	expect "$(jq -c 'select(.ok != true)' "$1" | wc -l)" -eq 0 "failed changes"
	expect_sink_exact "$SINK_JSON" "$SENT"
	expect_json "$SINK_JSON" .reordered -eq 0
	read_summary
	expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq "$SENT" "rule 0 packets out"
}

# fanout_scenario: relay GROUP from one input to N outputs (N, COUNT, RATE
# and GROUP set by the caller), one mcrsink listening on every sink-side
# interface; every listener and every output must see all COUNT packets.
fanout_scenario()
{
	e2e_init
	require_bins mcrd mcrgen mcrsink

	step "Creating world"
	topo_standard $N

	step "Starting relay: 1 -> $N"
	rule="fan=$RELAY_IN,$GROUP -> $(topo_out 1)"
	joins="-j $(topo_sinkif 1),$GROUP"
	i=2
	while [ $i -le $N ]; do
		rule="$rule; $(topo_out $i)"
		joins="$joins -j $(topo_sinkif $i),$GROUP"
		i=$((i + 1))
	done
	start_mcrd relay -r "$rule"

	step "Starting sink on $N interfaces"
	# shellcheck disable=SC2086 # $joins is a list of options
	start_sink sink $joins --count $COUNT -d 20 --idle-exit 2

	step "Starting emitter: $COUNT packets at $RATE pps"
	run_gen src -i "$SRC_IF" -g $GROUP -r $RATE -c $COUNT -d 10
	wait_sink
	stop_mcrd

	step "Analyzing"
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
	expect_sink_exact "$SINK_JSON" $((N * COUNT))
	expect_json "$SINK_JSON" '.listeners | length' -eq $N "sink listeners"
	expect_json "$SINK_JSON" "[.listeners[] | select(.received == $COUNT and .lost == 0)] | length" \
		-eq $N "listeners with all $COUNT packets and no loss"
	read_summary
	expect_json "$SUMMARY" '.rules[0].packets_in' -eq $COUNT
	expect_json "$SUMMARY" '.rules[0].outputs | length' -eq $N "summary outputs"
	expect_json "$SUMMARY" "[.rules[0].outputs[] | select(.packets_out == $COUNT)] | length" \
		-eq $N "outputs that sent all $COUNT packets"
	expect_json "$SUMMARY" .totals.packets_out -eq $((N * COUNT))
	expect_relay_clean "$SUMMARY"
}
