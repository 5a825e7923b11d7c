# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# shellcheck disable=SC2034 # RELAY_ERROR and friends are read by bench/run.sh
#
# The benchmark's machinery, sourced by bench/run.sh: the namespace
# topology, starting and stopping each relay under test (mcrd, the kernel
# through smcrouted, socat, or none for the ceiling), and the three kinds of
# measurement (a saturation window read from interface counters, an mcrsink
# check of loss and order at a rate it can follow, and one trial of the
# zero-loss search).  Every measurement appends one JSON object to
# $B_TMP/raw.jsonl; bench/report.sh turns those into the results.
#
# Nothing here touches the host's own interfaces, routes or sysctls: the
# veth pairs are created inside three namespaces this file makes (addresses
# in 198.18.0.0/15, group 239.1.1.1), every sysctl is written inside one of
# them, and b_cleanup kills what we started and deletes the namespaces.
#
# Topology (built once, for the largest fan-out; a row with N outputs uses
# o1..oN and leaves the rest idle):
#
#   [src] gen  198.18.0.1/30 ----- rin 198.18.0.2/30 [relay] o1..oN --- k1..kN [sink]
#         genc 198.18.0.5/30 ------------------------------------------ kc 198.18.0.6/30
#
#   relay side of output i: 198.19.H.L+1/30, sink side .L+2, with 4*i = 256*H + L.
#   genc -> kc is the ceiling: the sender straight into a counter, no relay.
#
# By default nothing is steered, as in the issue that set the targets: the
# receive processing of rin runs on the sender's CPU, so the kernel relay
# forwards there in softirq (its sink-side receive too), and mcr's AF_PACKET
# delivery costs the sender's CPU as well, while mcrd itself has the relay
# CPU.  BENCH_RPS=1 steers rin's receive processing to the relay CPU
# instead, so that every relay does all its work there; a relay that cannot
# keep up then also pays for receiving what it drops (receive livelock),
# which the kernel suffers from as much as mcrd.  kc is never steered.
#
# The set-ups of bench/run.sh (b_setup): "veth" is the above; "onecore"
# gives the relay host one CPU for all of its receive work: GRO on and
# threaded NAPI on rin (so that veth's NAPI runs in a kernel thread, which
# is pinned to the relay CPU, instead of in the sender's softirq), and RPS
# to the relay CPU as well; "free" is onecore with free outputs: empty
# bridges b1..bN in the relay namespace (no ports, mcast_snooping 0), whose
# transmit costs nothing beyond the relay's own work, counted by their tx
# counters.  Every window records per-CPU busy and softirq time and the
# NET_RX/NET_TX softirq counts, which show where the work landed.
#
# "onecore6" is onecore over IPv6 (b_family 6): IPv6 is turned on for the
# links that set-up uses only (everywhere else it stays off), with
# addresses in 2001:db8::/32 and the group ff3e::1 (source 2001:db8::1):
#
#   gen 2001:db8::1/64 --- rin 2001:db8::2/64; genc 2001:db8:0:1::1/64 --- kc ::2
#   output i: 2001:db8:1:<i in hex>::1/64 (relay) --- ::2 (sink)
#
# The kernel relay is smcrouted again: its phyint lines make MIFs as well as
# VIFs, and its IPv6 mroute (MRT6_ADD_MFC) is an (S,G) route; the kernel
# forwards once MRT6_INIT has set mc_forwarding (all.forwarding is not
# needed for that, but the relay namespace gets it like a router, which also
# keeps its interfaces from sending router solicitations).

B_GROUP=239.1.1.1
B_PORT=5000
B_SRC_ADDR=198.18.0.1
B_GROUP6=ff3e::1
B_SRC_ADDR6=2001:db8::1
# The address family of the set-up in force (b_family), and how many output
# links get IPv6 in the IPv6 set-up (bench/run.sh sets it).
B_FAMILY=4
B_N6=0
B_TTL=16
B_PIDS=()
B_NSLIST=()
B_CLK_TCK=$(getconf CLK_TCK)
B_T0=$EPOCHREALTIME
# The set-up in force (b_setup): its name, the output interfaces' prefix
# (o: veths to the sink, b: empty bridges), mcrd options it adds, the
# steering of rin's receive and how that went (a sentence for the results).
B_SETUP=veth
B_OUT_PFX=o
B_SETUP_MCRD_ARGS=()
B_STEER=off
B_STEER_NOTE=""
B_NAPI_PIDS=()
B_NFREE=0

# ---------------------------------------------------------------- output

b_elapsed()
{
	awk -v a="$B_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }'
}

# Seconds spent working, that is without waiting for the lock.
b_worked()
{
	echo $(($(b_elapsed) - B_LOCK_WAITED))
}

b_log()
{
	printf '[%4ss] %s\n' "$(b_elapsed)" "$*" >&2
}

b_die()
{
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# ---------------------------------------------------------------- life cycle

b_track()
{
	B_PIDS+=("$@")
}

b_untrack()
{
	local keep=() p q
	for p in "${B_PIDS[@]}"; do
		for q in "$@"; do
			[ "$p" != "$q" ] || continue 2
		done
		keep+=("$p")
	done
	B_PIDS=("${keep[@]}")
}

b_alive()
{
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# b_reap TENTHS PID...: SIGTERM, then SIGKILL after TENTHS/10 s; reap.
b_reap()
{
	local tenths=$1 p i
	shift
	for p in "$@"; do
		b_alive "$p" && kill -TERM "$p" 2>/dev/null
	done
	for p in "$@"; do
		i=0
		while b_alive "$p" && [ "$i" -lt "$tenths" ]; do
			sleep 0.1
			i=$((i + 1))
		done
		b_alive "$p" && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null || true
	done
	b_untrack "$@"
}

b_cleanup()
{
	local rc=$? ns p
	trap - EXIT INT TERM HUP
	trap '' PIPE
	[ "${#B_PIDS[@]}" -eq 0 ] || b_reap 20 "${B_PIDS[@]}"
	# Anything left in our namespaces is a child of ours the list missed.
	for ns in "${B_NSLIST[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	b_unlock
	if [ -n "${B_TMP:-}" ] && [ -d "$B_TMP" ]; then
		if [ "${BENCH_KEEP:-0}" = 1 ]; then
			printf 'bench: kept work files in %s\n' "$B_TMP" >&2
		else
			rm -rf "$B_TMP"
		fi
	fi
	exit "$rc"
}

# b_init BUILD_DIR: temp dir, traps, and private copies of the programs, so
# that a rebuild in the work tree during a run cannot change them under us.
b_init()
{
	local b
	B_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mcr-bench.XXXXXX") || b_die "mktemp failed"
	trap b_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	mkdir -p "$B_TMP/bin"
	for b in mcrd mcrgen mcrsink; do
		[ -x "$1/$b" ] || b_die "$1/$b is missing; run 'make' first"
		cp "$1/$b" "$B_TMP/bin/$b"
	done
	MCRD=$B_TMP/bin/mcrd
	# Options every mcrd run gets: no control socket (it would live in the
	# host's /run, shared by every instance), where this mcrd has one.
	# The help is read whole before it is searched: grep -q in a pipe stops
	# reading at its match, and under pipefail mcrd's SIGPIPE would read as
	# "no such option" (and mcrd would take the host's control socket).
	B_MCRD_BASE=()
	local help
	help=$("$MCRD" --help 2>&1) || b_die "$MCRD --help failed"
	if grep -q -- --no-control <<<"$help"; then
		B_MCRD_BASE+=(--no-control)
	fi
	# Like smcrouted without an mgroup line, mcrd sends no IGMP join: on a
	# veth nothing needs the report, and a join would make the relay
	# namespace's IP stack take every packet for local delivery too, on
	# the sender's CPU, which the kernel relay does not pay.
	if [ "${BENCH_IGMP_JOIN:-0}" != 1 ] && grep -q -- --no-igmp-join <<<"$help"; then
		B_MCRD_BASE+=(--no-igmp-join)
	fi
	MCRGEN=$B_TMP/bin/mcrgen
	MCRSINK=$B_TMP/bin/mcrsink
	B_PFX=mb$$
	NS_SRC=$B_PFX-src
	NS_RLY=$B_PFX-relay
	NS_SNK=$B_PFX-sink
	: >"$B_TMP/raw.jsonl"
}

# ---------------------------------------------------------------- the lock

# Another engineer benchmarks on this machine: each row of measurements
# holds an exclusive flock, so that no two measurements ever overlap.
# BENCH_LOCK= (empty) turns it off, for a caller that holds the lock itself.
B_LOCKED=0
B_LOCK_WAITED=0

b_lock()
{
	[ -n "${BENCH_LOCK:-}" ] || return 0
	[ "$B_LOCKED" = 0 ] || return 0
	exec {B_LOCK_FD}>>"$BENCH_LOCK"
	if ! flock -n "$B_LOCK_FD"; then
		local t0=$EPOCHREALTIME
		b_log "waiting for $BENCH_LOCK (another benchmark is measuring)"
		flock -w "${BENCH_LOCK_WAIT:-900}" "$B_LOCK_FD" ||
			b_die "could not take $BENCH_LOCK within ${BENCH_LOCK_WAIT:-900} s;" \
				"if you hold it yourself, run with BENCH_LOCK="
		B_LOCK_WAITED=$(awk -v w="$B_LOCK_WAITED" -v a="$t0" -v b="$EPOCHREALTIME" \
			'BEGIN { printf "%d", w + b - a }')
	fi
	B_LOCKED=1
}

b_unlock()
{
	[ "$B_LOCKED" = 1 ] || return 0
	flock -u "$B_LOCK_FD"
	exec {B_LOCK_FD}>&-
	B_LOCKED=0
}

# ---------------------------------------------------------------- topology

b_ns()
{
	ip netns add "$1" || b_die "cannot create namespace $1"
	B_NSLIST+=("$1")
	ip -n "$1" link set lo up
	# No IPv6 (until b_family 6 turns it on for the links the IPv6 set-up
	# uses): its neighbour discovery and MLD would add packets to the sink
	# counters that the relay never sent.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

# b_out_addr I SIDE: address of output link I on the relay (1) or sink (2) side.
b_out_addr()
{
	local b=$(($1 * 4))
	printf '198.19.%d.%d' $((b / 256)) $((b % 256 + $2))
}

# b_out_addr6 I SIDE: IPv6 address of output link I on the relay (1) or sink (2) side.
b_out_addr6()
{
	printf '2001:db8:1:%x::%d' "$1" "$2"
}

# b_free_addr I: address of free output (bridge) I in the relay namespace.
b_free_addr()
{
	local b=$(($1 * 4))
	printf '198.19.%d.%d' $((128 + b / 256)) $((b % 256 + 1))
}

# b_topo N [NFREE]: the three namespaces, the ingress link, the ceiling link,
# N output links and NFREE free outputs (empty bridges), all up.
b_topo()
{
	local n=$1 i rb=$B_TMP/relay.batch kb=$B_TMP/sink.batch
	B_NFREE=${2:-0}
	b_ns "$NS_SRC"
	b_ns "$NS_RLY"
	b_ns "$NS_SNK"
	ip -n "$NS_SRC" link add gen type veth peer name rin netns "$NS_RLY"
	ip -n "$NS_SRC" link add genc type veth peer name kc netns "$NS_SNK"
	ip -n "$NS_SRC" addr add 198.18.0.1/30 dev gen
	ip -n "$NS_SRC" addr add 198.18.0.5/30 dev genc
	ip -n "$NS_RLY" addr add 198.18.0.2/30 dev rin
	ip -n "$NS_SNK" addr add 198.18.0.6/30 dev kc
	: >"$rb"
	: >"$kb"
	for ((i = 1; i <= n; i++)); do
		printf 'link add name o%d type veth peer name k%d netns %s\n' "$i" "$i" "$NS_SNK" >>"$rb"
		printf 'addr add %s/30 dev o%d\nlink set o%d up\n' "$(b_out_addr "$i" 1)" "$i" "$i" >>"$rb"
		printf 'addr add %s/30 dev k%d\nlink set k%d up\n' "$(b_out_addr "$i" 2)" "$i" "$i" >>"$kb"
	done
	# A bridge without ports floods a frame to nobody: its transmit counts
	# the frame and frees it, like a NIC that is never busy.
	for ((i = 1; i <= B_NFREE; i++)); do
		printf 'link add name b%d type bridge mcast_snooping 0\n' "$i" >>"$rb"
		printf 'addr add %s/30 dev b%d\nlink set b%d up\n' "$(b_free_addr "$i")" "$i" "$i" >>"$rb"
	done
	ip -n "$NS_RLY" -batch "$rb" || b_die "cannot create the output links"
	ip -n "$NS_SNK" -batch "$kb" || b_die "cannot configure the sink side"
	ip -n "$NS_SRC" link set gen up
	ip -n "$NS_SRC" link set genc up
	ip -n "$NS_RLY" link set rin up
	ip -n "$NS_SNK" link set kc up
	# Forwarding for the kernel relay (smcrouted sets mc_forwarding itself);
	# rp_filter off so that socat, whose receive goes through the IP stack,
	# is judged on the same packets as the others.  Namespace-local.
	ip netns exec "$NS_RLY" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.rin.rp_filter=0 >/dev/null
	B_GRO0=$(ip netns exec "$NS_RLY" ethtool -k rin 2>/dev/null |
		awk '$1 == "generic-receive-offload:" { print $2 }')
	if [ "${BENCH_RPS:-0}" = 1 ]; then
		b_rps on || b_die "cannot steer rin to CPU $RELAY_CPU (RPS)"
	fi
	b_settle
}

# b_rps on|off: rin's receive processing steered to the relay CPU, or not.
b_rps()
{
	local mask=0
	[ "$1" = off ] || mask=$(printf '%x' $((1 << RELAY_CPU)))
	ip netns exec "$NS_RLY" sh -c "echo $mask >/sys/class/net/rin/queues/rx-0/rps_cpus"
}

# b_napi_threads: PIDs of the kernel's NAPI threads for an interface named rin
# (any namespace: the caller compares the lists before and after).
b_napi_threads()
{
	local p c
	for p in /proc/[0-9]*; do
		read -r c 2>/dev/null <"$p/comm" || continue
		case $c in napi/rin-*) echo "${p#/proc/}" ;; esac
	done
}

# b_steer on|off: the one-core steering of rin (see the top of this file),
# or none.  What could not be arranged is said loudly, in the log and in
# B_STEER_NOTE for the results, and the rest is kept: never a silent
# fallback.
b_steer()
{
	local before after p note="" ns=$NS_RLY
	[ "$1" != "$B_STEER" ] || return 0
	B_STEER=$1
	if [ "$1" = off ]; then
		ip netns exec "$ns" sh -c 'echo 0 >/sys/class/net/rin/threaded' 2>/dev/null || true
		[ "$B_GRO0" != off ] || ip netns exec "$ns" ethtool -K rin gro off >/dev/null 2>&1 || true
		ip netns exec "$NS_SRC" ethtool -K gen tso on >/dev/null 2>&1 || true
		if [ "${BENCH_RPS:-0}" = 1 ]; then b_rps on; else b_rps off; fi ||
			b_log "WARNING: could not reset rin's RPS"
		B_NAPI_PIDS=()
		B_STEER_NOTE=""
		return 0
	fi
	# veth runs NAPI (and so can thread it) only with GRO or XDP on, and
	# hands a frame to it only when GRO could apply: from a sender without
	# TSO (UDP GRO forwarding would do as well, but it merges a flow's
	# datagrams and so changes what every relay forwards).
	ip netns exec "$ns" ethtool -K rin gro on >/dev/null 2>&1 ||
		note+="GRO could not be turned on for rin; "
	ip netns exec "$NS_SRC" ethtool -K gen tso off >/dev/null 2>&1 ||
		note+="TSO could not be turned off on gen (frames then bypass rin's NAPI); "
	before=" $(b_napi_threads | tr '\n' ' ') "
	if ip netns exec "$ns" sh -c 'echo 1 >/sys/class/net/rin/threaded' 2>/dev/null; then
		B_NAPI_PIDS=()
		after=$(b_napi_threads)
		for p in $after; do
			[ "${before#* "$p" }" != "$before" ] || B_NAPI_PIDS+=("$p")
		done
		if [ "${#B_NAPI_PIDS[@]}" -eq 0 ]; then
			note+="threaded NAPI is on but its thread was not found (not pinned); "
		fi
		for p in "${B_NAPI_PIDS[@]}"; do
			taskset -pc "$RELAY_CPU" "$p" >/dev/null 2>&1 ||
				note+="NAPI thread $p could not be pinned to CPU $RELAY_CPU; "
		done
	else
		note+="threaded NAPI is not available on rin (veth NAPI then runs in the sender's softirq); "
	fi
	b_rps on || note+="RPS to CPU $RELAY_CPU failed; "
	if [ -n "$note" ]; then
		B_STEER_NOTE="fallback: ${note%; }"
		b_log "WARNING: one-core set-up incomplete: ${note%; }"
	else
		B_STEER_NOTE="GRO on, threaded NAPI (thread ${B_NAPI_PIDS[*]}) pinned to CPU $RELAY_CPU, RPS to CPU $RELAY_CPU, the sender's TSO off"
	fi
}

# b_setup NAME: switch to set-up veth, onecore or free (see the top of this file).
b_setup()
{
	B_SETUP=$1
	case $1 in
	veth)
		b_steer off
		B_OUT_PFX=o
		B_SETUP_MCRD_ARGS=()
		;;
	onecore | free | onecore6)
		b_steer on
		B_OUT_PFX=o
		[ "$1" != free ] || B_OUT_PFX=b
		B_SETUP_MCRD_ARGS=(--workers 1)
		;;
	*) b_die "unknown set-up $1" ;;
	esac
	if [ "$1" = onecore6 ]; then b_family 6; else b_family 4; fi
}

# b_ipv6_links: "NS IFACE" for every link the IPv6 set-up uses: the
# ingress, the ceiling and output links 1..B_N6, both ends.
b_ipv6_links()
{
	local i
	printf '%s %s\n' "$NS_SRC" gen "$NS_SRC" genc "$NS_RLY" rin "$NS_SNK" kc
	for ((i = 1; i <= B_N6; i++)); do
		printf '%s o%d\n%s k%d\n' "$NS_RLY" "$i" "$NS_SNK" "$i"
	done
}

# b_family 4|6: the address family of the set-up in force.  6 turns IPv6
# on for the links of b_ipv6_links, with duplicate address detection and
# router solicitations off, and waits until they are quiet (the MLD reports
# for their solicited-node and all-routers groups would otherwise count as
# output packets); 4 turns it off on them again.
b_family()
{
	local ns ifn i q
	[ "$1" != "$B_FAMILY" ] || return 0
	B_FAMILY=$1
	if [ "$1" = 4 ]; then
		while read -r ns ifn; do
			ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifn.disable_ipv6=1" >/dev/null ||
				b_log "WARNING: could not turn IPv6 off on $ifn"
		done < <(b_ipv6_links)
		return 0
	fi
	# Forwarding first: it makes every interface join ff02::2 as it comes up.
	ip netns exec "$NS_RLY" sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null ||
		b_die "cannot turn IPv6 forwarding on in $NS_RLY"
	# The MLD reports' repeats 10 ms apart instead of up to 1 s: the links
	# are quiet sooner.
	while read -r ns ifn; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifn.accept_dad=0" \
			"net.ipv6.conf.$ifn.router_solicitations=0" \
			"net.ipv6.conf.$ifn.mldv2_unsolicited_report_interval=10" \
			"net.ipv6.conf.$ifn.disable_ipv6=0" >/dev/null ||
			b_die "cannot turn IPv6 on for $ifn in $ns"
	done < <(b_ipv6_links)
	{
		echo "addr add $B_SRC_ADDR6/64 dev gen nodad"
		echo "addr add 2001:db8:0:1::1/64 dev genc nodad"
	} >"$B_TMP/src6.batch"
	echo "addr add 2001:db8::2/64 dev rin nodad" >"$B_TMP/relay6.batch"
	echo "addr add 2001:db8:0:1::2/64 dev kc nodad" >"$B_TMP/sink6.batch"
	for ((i = 1; i <= B_N6; i++)); do
		echo "addr add $(b_out_addr6 "$i" 1)/64 dev o$i nodad" >>"$B_TMP/relay6.batch"
		echo "addr add $(b_out_addr6 "$i" 2)/64 dev k$i nodad" >>"$B_TMP/sink6.batch"
	done
	for ns in src relay sink; do
		case $ns in src) i=$NS_SRC ;; relay) i=$NS_RLY ;; sink) i=$NS_SNK ;; esac
		ip -n "$i" -batch "$B_TMP/${ns}6.batch" ||
			b_die "cannot give the links in $i their IPv6 addresses"
	done
	# Quiet: no sink-side interface counted a packet for 1.5 s (at most 15 s).
	q=0
	b_dev "$NS_SNK" "$B_TMP/q0.dev"
	for ((i = 0; i < 150 && q < 15; i++)); do
		sleep 0.1
		b_dev "$NS_SNK" "$B_TMP/q1.dev"
		if cmp -s "$B_TMP/q0.dev" "$B_TMP/q1.dev"; then
			q=$((q + 1))
		else
			q=0
			mv "$B_TMP/q1.dev" "$B_TMP/q0.dev"
		fi
	done
	[ "$q" -ge 15 ] || b_log "WARNING: the IPv6 links were not quiet after 15 s"
	b_log "IPv6 on for the ingress and ceiling links and outputs 1..$B_N6; quiet after $((i / 10)).$((i % 10)) s"
}

# b_group: the group of the family in force; b_dest: it as GROUP:PORT
# (IPv6 in brackets), as mcrgen and mcrsink take it.
b_group()
{
	if [ "$B_FAMILY" = 6 ]; then echo "$B_GROUP6"; else echo "$B_GROUP"; fi
}

b_dest()
{
	if [ "$B_FAMILY" = 6 ]; then echo "[$B_GROUP6]:$B_PORT"; else echo "$B_GROUP:$B_PORT"; fi
}

# Until a veth has carrier its queue discards what is sent.
b_settle()
{
	local i down ns
	for ((i = 0; i < 100; i++)); do
		down=""
		for ns in "$NS_SRC" "$NS_RLY" "$NS_SNK"; do
			# An empty bridge has no carrier to report: UNKNOWN is its UP.
			down+=$(ip -n "$ns" -br link |
				awk '$1 != "lo" && $2 != "UP" && !($1 ~ /^b[0-9]+$/ && $2 == "UNKNOWN") { printf "%s ", $1 }')
		done
		[ -n "$down" ] || return 0
		sleep 0.1
	done
	b_die "interfaces still down after 10 s: $down"
}

# ---------------------------------------------------------------- counters

# b_dev NS FILE: the namespace's /proc/net/dev, one read, into FILE.
b_dev()
{
	ip netns exec "$1" cat /proc/net/dev >"$2"
}

# b_out_dev FILE: the counters the outputs are read from, into FILE: the
# sink namespace's (veth outputs, rx of k1..kN; the ceiling's kc) or the
# relay namespace's (free outputs, tx of b1..bN).
b_out_dev()
{
	if [ "$B_OUT_PFX" = b ] && [ "$RELAY_KIND" != ceiling ]; then
		b_dev "$NS_RLY" "$1"
	else
		b_dev "$NS_SNK" "$1"
	fi
}

# b_outputs_delta BEFORE AFTER N: "total min" packets over outputs 1..N
# (rx of k1..kN or, for free outputs, tx of b1..bN).
b_outputs_delta()
{
	local pfx=k col=3
	[ "$B_OUT_PFX" != b ] || { pfx=b; col=11; }
	awk -v n="$3" -v pfx="$pfx" -v col="$col" '
		{ sub(/:/, " ") }
		$1 ~ "^" pfx "[0-9]+$" && substr($1, 2) + 0 <= n {
			if (FNR == NR) { before[$1] = $col; next }
			d = $col - before[$1]; total += d
			if (!seen++ || d < min) min = d
		}
		END { printf "%d %d\n", total, seen ? min : 0 }' "$1" "$2"
}

# b_if_delta BEFORE AFTER IFACE rx|tx: packets (rx) or packets + dropped (tx).
b_if_delta()
{
	awk -v ifn="$3" -v dir="$4" '
		{ sub(/:/, " ") }
		$1 == ifn { v = dir == "rx" ? $3 : $11 + $13; if (FNR == NR) b = v; else a = v }
		END { printf "%d\n", a - b }' "$1" "$2"
}

# b_tree PID...: the PIDs and all their descendants (mcrd runs its workers
# as child processes, whose CPU time the parent's stat does not include).
b_tree()
{
	local p c
	for p in "$@"; do
		echo "$p"
		# The children files hold space-separated PIDs.
		# shellcheck disable=SC2013
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
			b_tree "$c"
		done
	done
}

# b_pid_ticks PID...: utime + stime of all and their descendants, in clock ticks.
b_pid_ticks()
{
	local p t=0 f
	for p in $(b_tree "$@"); do
		f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		# shellcheck disable=SC2086 # split the stat fields
		set -- $f
		t=$((t + ${12} + ${13}))
	done
	echo "$t"
}

# b_pid_ticks_each PID...: "PID TICKS" for each of them and their descendants.
b_pid_ticks_each()
{
	local p f
	for p in $(b_tree "$@"); do
		f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		# shellcheck disable=SC2086 # split the stat fields
		set -- $f
		echo "$p $((${12} + ${13}))"
	done
}

# b_ticks_delta A B: CPU ticks between two b_pid_ticks_each samples, over
# the processes alive at B (one that died in between, say a worker mcrd
# replaced, takes its ticks with it: its share is not counted).
b_ticks_delta()
{
	awk 'FNR == NR { a[$1] = $2; next } { d += $2 - ($1 in a ? a[$1] : 0) } END { print d + 0 }' "$1" "$2"
}

# b_sample TAG PID...: counters at one instant, into $B_TMP/TAG.*
b_sample()
{
	local tag=$1
	shift
	echo "$EPOCHREALTIME" >"$B_TMP/$tag.t"
	b_out_dev "$B_TMP/$tag.snk"
	b_dev "$NS_SRC" "$B_TMP/$tag.src"
	grep "^cpu$RELAY_CPU " /proc/stat >"$B_TMP/$tag.cpu"
	b_pid_ticks_each "$@" >"$B_TMP/$tag.pid"
	b_cpu_sample "$tag"
}

# b_cpu_sample TAG: every CPU's /proc/stat line, the NET_RX and NET_TX
# softirq counts and the NAPI threads' CPU time, into $B_TMP/TAG.{stat,sirq,napi}.
b_cpu_sample()
{
	grep '^cpu[0-9]' /proc/stat >"$B_TMP/$1.stat"
	grep -E '^ *NET_(RX|TX):' /proc/softirqs >"$B_TMP/$1.sirq"
	if [ "${#B_NAPI_PIDS[@]}" -gt 0 ]; then
		b_pid_ticks "${B_NAPI_PIDS[@]}" >"$B_TMP/$1.napi"
	else
		echo 0 >"$B_TMP/$1.napi"
	fi
}

# b_cpu_json A B SECONDS: where the work landed between samples A and B:
# {"cpus": [{cpu, busy_pct, softirq_pct, system_pct, net_rx_ps, net_tx_ps}...],
#  "napi_thread_cpu_pct": N|null}.  busy counts user, nice, system, irq
# and softirq; a threaded NAPI's work shows as system time of its thread.
b_cpu_json()
{
	local a=$B_TMP/$1 b=$B_TMP/$2 t=$3 napi=null
	if [ "${#B_NAPI_PIDS[@]}" -gt 0 ]; then
		napi=$(awk -v a="$(cat "$a.napi")" -v b="$(cat "$b.napi")" -v tick="$B_CLK_TCK" -v t="$t" \
			'BEGIN { printf "%.1f", 100 * (b - a) / tick / t }')
	fi
	awk -v t="$t" -v napi="$napi" '
		FNR == 1 { f++ }
		f == 1 || f == 3 { # stat files: 1 before, 3 after
			c = substr($1, 4) + 0; busy = $2 + $3 + $4 + $7 + $8; all = busy + $5 + $6 + $9
			if (f == 1) { b0[c] = busy; a0[c] = all; s0[c] = $8; y0[c] = $4 }
			else { db[c] = busy - b0[c]; da[c] = all - a0[c]; ds[c] = $8 - s0[c]; dy[c] = $4 - y0[c]; n = c + 1 }
		}
		f == 2 || f == 4 { # softirq files
			name = $1; sub(/:/, "", name)
			for (i = 2; i <= NF; i++) {
				if (f == 2) v0[name, i - 2] = $i
				else d[name, i - 2] = $i - v0[name, i - 2]
			}
		}
		END {
			printf "{\"cpus\":["
			for (c = 0; c < n; c++) {
				x = da[c] ? 100 / da[c] : 0
				printf "%s{\"cpu\":%d,\"busy_pct\":%.1f,\"softirq_pct\":%.1f,\"system_pct\":%.1f,", \
					c ? "," : "", c, db[c] * x, ds[c] * x, dy[c] * x
				printf "\"net_rx_ps\":%.0f,\"net_tx_ps\":%.0f}", d["NET_RX", c] / t, d["NET_TX", c] / t
			}
			printf "],\"napi_thread_cpu_pct\":%s}\n", napi
		}' "$a.stat" "$a.sirq" "$b.stat" "$b.sirq"
}

# ---------------------------------------------------------------- relays

# The relay under test: RELAY_KIND (mcr, kernel, socat, ceiling), the PIDs
# whose CPU time counts as the relay's, and, when it could not be set up
# (the kernel past MAXVIFS), RELAY_ERROR.
RELAY_KIND=""
RELAY_PIDS=()
RELAY_ERROR=""
RELAY_N=0

# relay_start KIND N STREAMS [MCRD_EXTRA...]: returns 1 (with RELAY_ERROR)
# when the relay cannot do this row.
relay_start()
{
	RELAY_KIND=$1
	RELAY_N=$2
	RELAY_PIDS=()
	RELAY_ERROR=""
	local streams=$3
	shift 3
	case $RELAY_KIND in
	mcr) relay_start_mcr "$@" ;;
	kernel) relay_start_kernel ;;
	socat) relay_start_socat "$streams" ;;
	ceiling) return 0 ;;
	*) b_die "unknown relay $RELAY_KIND" ;;
	esac
}

relay_start_mcr()
{
	local outs="${B_OUT_PFX}1" i pid rf=$B_TMP/mcrd.ready rgroup=$B_GROUP
	[ "$B_FAMILY" = 4 ] || rgroup="[$B_GROUP6]"
	for ((i = 2; i <= RELAY_N; i++)); do
		outs+="; $B_OUT_PFX$i"
	done
	rm -f "$rf"
	# MCRD_ARGS: extra mcrd options from the caller (word-split on purpose).
	# shellcheck disable=SC2086
	ip netns exec "$NS_RLY" taskset -c "$RELAY_CPU" "$MCRD" --stats-interval 0 \
		--ready-file "$rf" "${B_MCRD_BASE[@]}" "${B_SETUP_MCRD_ARGS[@]}" ${MCRD_ARGS:-} "$@" \
		-r "rin,$rgroup -> $outs" \
		>"$B_TMP/mcrd.out" 2>"$B_TMP/mcrd.err" &
	pid=$!
	b_track "$pid"
	for ((i = 0; i < 300; i++)); do
		[ ! -e "$rf" ] || break
		if ! b_alive "$pid"; then
			wait "$pid" 2>/dev/null || true
			b_untrack "$pid"
			RELAY_ERROR="mcrd exited: $(tail -n 1 "$B_TMP/mcrd.err")"
			return 1
		fi
		sleep 0.1
	done
	if [ ! -e "$rf" ]; then
		b_reap 20 "$pid"
		RELAY_ERROR="mcrd not ready after 30 s: $(tail -n 1 "$B_TMP/mcrd.err")"
		return 1
	fi
	RELAY_PIDS=("$pid")
}

relay_start_kernel()
{
	local conf=$B_TMP/smcroute.conf log=$B_TMP/smcroute.log pidf=$B_TMP/smcroute.pid
	local outs="" i pid vifs err src=$B_SRC_ADDR mr=ip_mr
	# IPv6: the same lines; the kernel's tables are ip6_mr_vif (its MIFs)
	# and ip6_mr_cache.
	[ "$B_FAMILY" = 4 ] || { src=$B_SRC_ADDR6 mr=ip6_mr; }
	{
		echo "phyint rin enable"
		for ((i = 1; i <= RELAY_N; i++)); do
			echo "phyint $B_OUT_PFX$i enable"
			outs+=" $B_OUT_PFX$i"
		done
		echo "mroute from rin source $src group $(b_group) to$outs"
	} >"$conf"
	rm -f "$pidf"
	ip netns exec "$NS_RLY" taskset -c "$RELAY_CPU" smcrouted -n -N -f "$conf" -l debug \
		-u "$B_TMP/smcroute.sock" -P "$pidf" >"$log" 2>&1 &
	pid=$!
	b_track "$pid"
	# smcrouted looks at every interface first: with the matrix's thousand
	# veths (and the bridges) that takes many seconds on a busy machine.
	for ((i = 0; i < 300; i++)); do
		grep -q 'Ready, waiting' "$log" 2>/dev/null && break
		b_alive "$pid" || break
		sleep 0.1
	done
	vifs=$(ip netns exec "$NS_RLY" awk 'NR > 1' "/proc/net/${mr}_vif" | wc -l)
	err=$(grep -m 1 -o 'Not enough available [VM]IFs[^"]*' "$log" || true)
	if [ -n "$err" ] || [ "$vifs" -ne $((RELAY_N + 1)) ]; then
		# Its first complaint says more than its last line (kept with BENCH_KEEP=1).
		cp "$log" "$B_TMP/smcroute.failed.$EPOCHSECONDS"
		[ -n "$err" ] || err=$(grep -m 1 -i -E 'error|fail|cannot|not ' "$log" || true)
		RELAY_ERROR="smcrouted: \"${err:-$(tail -n 1 "$log")}\""
		if b_alive "$pid"; then
			RELAY_ERROR+=" (it runs with $vifs VIFs, the input's included)"
		else
			# smcroute 2.5.6 overflows a stack buffer on a very long mroute line.
			RELAY_ERROR+="; then it exited: \"$(tail -n 1 "$log")\""
		fi
		b_reap 30 "$pid"
		return 1
	fi
	if ! ip netns exec "$NS_RLY" awk 'NR > 1 { n++ } END { exit !n }' "/proc/net/${mr}_cache"; then
		RELAY_ERROR="smcrouted installed no route: $(tail -n 1 "$log")"
		b_reap 30 "$pid"
		return 1
	fi
	RELAY_PIDS=("$pid")
}

# One socat per stream: it relays one group:port to one group:port.
relay_start_socat()
{
	local streams=$1 k port pid i
	[ "$RELAY_N" -eq 1 ] || b_die "socat relays 1:1 only"
	for ((k = 0; k < streams; k++)); do
		port=$((B_PORT + k))
		ip netns exec "$NS_RLY" taskset -c "$RELAY_CPU" socat -u \
			"UDP4-RECV:$port,reuseaddr,ip-add-membership=$B_GROUP:rin" \
			"UDP4-DATAGRAM:$B_GROUP:$port,ip-multicast-if=$(b_out_addr 1 1),ip-multicast-loop=0,ip-multicast-ttl=$B_TTL" \
			2>>"$B_TMP/socat.err" &
		pid=$!
		b_track "$pid"
		RELAY_PIDS+=("$pid")
	done
	for ((i = 0; i < 50; i++)); do
		k=$(ip netns exec "$NS_RLY" ss -Hnlu | awk -v lo="$B_PORT" -v hi=$((B_PORT + streams)) '
			{ n = split($4, a, ":"); if (a[n] >= lo && a[n] < hi) c++ } END { print c + 0 }')
		[ "$k" -lt "$streams" ] || break
		sleep 0.1
	done
	sleep 0.1
}

# relay_stop: stop the relay; for mcrd, $B_TMP/relay.totals gets its final
# totals (or {}); for the kernel, the packets its route matched (the Pkts
# column of ip_mr_cache or ip6_mr_cache) as route_packets.
relay_stop()
{
	local mr=ip_mr
	echo '{}' >"$B_TMP/relay.totals"
	[ "${#RELAY_PIDS[@]}" -gt 0 ] || return 0
	if [ "$RELAY_KIND" = kernel ]; then
		[ "$B_FAMILY" = 4 ] || mr=ip6_mr
		# shellcheck disable=SC2016 # awk's $4, in the relay namespace
		ip netns exec "$NS_RLY" awk 'NR > 1 { n += $4 } END { printf "{\"route_packets\":%d}\n", n }' \
			"/proc/net/${mr}_cache" >"$B_TMP/relay.totals" 2>/dev/null || echo '{}' >"$B_TMP/relay.totals"
	fi
	b_reap 100 "${RELAY_PIDS[@]}"
	if [ "$RELAY_KIND" = mcr ]; then
		jq -s '.[-1].totals // {}' "$B_TMP/mcrd.out" >"$B_TMP/relay.totals" 2>/dev/null ||
			echo '{}' >"$B_TMP/relay.totals"
		# A worker mcrd replaced (say, for missing its heartbeat under
		# overload) is part of what the row measured.
		jq -c --argjson r "$(grep -c 'restarted as pid' "$B_TMP/mcrd.err" || true)" \
			'. + {worker_restarts: $r}' "$B_TMP/relay.totals" >"$B_TMP/relay.totals.new" &&
			mv "$B_TMP/relay.totals.new" "$B_TMP/relay.totals"
	fi
	RELAY_PIDS=()
}

# ---------------------------------------------------------------- measurements

b_gen_if()
{
	if [ "$RELAY_KIND" = ceiling ]; then echo genc; else echo gen; fi
}

# b_gen ARGS...: mcrgen in the source namespace, pinned to the sender CPU,
# bounded by its own -c/-d and by timeout.  JSON report on stdout.
b_gen()
{
	timeout -k 2 "${B_GEN_LIMIT:-60}" ip netns exec "$NS_SRC" taskset -c "$SENDER_CPU" \
		"$MCRGEN" -i "$(b_gen_if)" -g "$(b_dest)" --ttl "$B_TTL" --json --quiet "$@"
}

# measure_window PAYLOAD STREAMS RATE: offer RATE (0 = as fast as the sender
# can) for WARM + WINDOW seconds and read every counter at WARM and at
# WARM + WINDOW, while the traffic is steady: queues that drain after the
# sender stops do not count.  Prints the figures as a JSON object.
measure_window()
{
	local payload=$1 streams=$2 rate=$3 gpid gen_if total
	gen_if=$(b_gen_if)
	total=$(awk -v w="$WARM" -v d="$WINDOW" 'BEGIN { print w + d + 0.4 }')
	b_gen -r "$rate" -d "$total" -s "$payload" -n "$streams" >"$B_TMP/gen.json" \
		2>"$B_TMP/gen.err" &
	gpid=$!
	b_track "$gpid"
	sleep "$WARM"
	b_sample a "${RELAY_PIDS[@]}"
	sleep "$WINDOW"
	b_sample b "${RELAY_PIDS[@]}"
	wait "$gpid" || b_log "mcrgen exited with $? ($(tail -n 1 "$B_TMP/gen.err"))"
	b_untrack "$gpid"
	b_window_json "$gen_if"
}

# b_window_json GEN_IF: the figures between samples a and b.
b_window_json()
{
	local t n=$RELAY_N out offered cpu1 ticks
	t=$(awk '{ t[NR] = $1 } END { printf "%.6f", t[2] - t[1] }' "$B_TMP/a.t" "$B_TMP/b.t")
	if [ "$RELAY_KIND" = ceiling ]; then
		n=1
		out=$(b_if_delta "$B_TMP/a.snk" "$B_TMP/b.snk" kc rx)
		out="$out $out"
	else
		out=$(b_outputs_delta "$B_TMP/a.snk" "$B_TMP/b.snk" "$n")
	fi
	offered=$(b_if_delta "$B_TMP/a.src" "$B_TMP/b.src" "$1" tx)
	cpu1=$(cat "$B_TMP/a.cpu" "$B_TMP/b.cpu" | awk '
		{ busy = $2 + $3 + $4 + $7 + $8; all = busy + $5 + $6 + $9
		  if (NR == 1) { b0 = busy; a0 = all; s0 = $8 } else { db = busy - b0; da = all - a0; ds = $8 - s0 } }
		END { printf "%.1f %.1f", da ? 100 * db / da : 0, da ? 100 * ds / da : 0 }')
	ticks=$(b_ticks_delta "$B_TMP/a.pid" "$B_TMP/b.pid")
	# shellcheck disable=SC2086
	awk -v t="$t" -v n="$n" -v off="$offered" -v tick="$B_CLK_TCK" -v ticks="$ticks" \
		-v npid="${#RELAY_PIDS[@]}" -v out="$out" -v cpu1="$cpu1" 'BEGIN {
		split(out, o, " "); split(cpu1, c, " ")
		op = off / t; tot = o[1] / t; per = tot / n; mn = o[2] / t
		loss = op > 0 ? 1 - per / op : 0; if (loss < 0) loss = 0
		printf "{\"window_s\":%.3f,\"offered_pps\":%.0f,\"total_egress_pps\":%.0f,", t, op, tot
		printf "\"per_output_pps\":%.0f,\"min_output_pps\":%.0f,\"loss\":%.5f,", per, mn, loss
		if (npid > 0) printf "\"relay_cpu_pct\":%.1f,", 100 * ticks / tick / t
		else printf "\"relay_cpu_pct\":null,"
		printf "\"cpu1_busy_pct\":%s,\"cpu1_softirq_pct\":%s}\n", c[1], c[2]
	}' | jq -c --argjson cpu "$(b_cpu_json a b "$t")" '. + $cpu'
}

# sink_check PAYLOAD STREAMS RATE: mcrsink on the first and last output (or
# the ceiling's counter) counts loss, duplicates and reordering of
# SINK_SECONDS of traffic at RATE.  Prints a JSON object.
sink_check()
{
	local payload=$1 streams=$2 rate=$3 count spid joins rf=$B_TMP/sink.ready
	count=$(awk -v r="$rate" -v d="$SINK_SECONDS" -v s="$streams" \
		'BEGIN { c = int(r * d / s); print c < 1 ? 1 : c }')
	if [ "$RELAY_KIND" = ceiling ]; then
		joins=(-j "kc,$(b_dest)")
	else
		joins=(-j "k1,$(b_dest)")
		[ "$RELAY_N" -eq 1 ] || joins+=(-j "k$RELAY_N,$(b_dest)")
	fi
	rm -f "$rf"
	ip netns exec "$NS_SNK" "$MCRSINK" "${joins[@]}" -n "$streams" --count "$count" \
		-d "$(awk -v d="$SINK_SECONDS" 'BEGIN { print d + 5 }')" --ready-file "$rf" \
		--json --quiet >"$B_TMP/sink.json" 2>"$B_TMP/sink.err" &
	spid=$!
	b_track "$spid"
	local i
	for ((i = 0; i < 50; i++)); do
		[ ! -e "$rf" ] || break
		sleep 0.1
	done
	b_gen -r "$rate" -c "$count" -s "$payload" -n "$streams" >"$B_TMP/sinkgen.json" \
		2>"$B_TMP/sinkgen.err" || true
	for ((i = 0; i < 100; i++)); do
		b_alive "$spid" || break
		sleep 0.1
	done
	b_reap 10 "$spid"
	jq -c --argjson rate "$rate" --argjson exp $((count * streams * (${#joins[@]} / 2))) \
		'{rate_pps: $rate, expected: $exp, received, lost, duplicates, reordered,
		  latency_p99_us: .latency_us.p99}' "$B_TMP/sink.json" 2>/dev/null ||
		jq -nc --argjson rate "$rate" '{rate_pps: $rate, error: "no mcrsink report"}'
}

# search_trial N PAYLOAD RATE: offer RATE for SEARCH_TRIAL seconds (a fixed
# count), wait SEARCH_DRAIN seconds for the packets still in flight, and
# read the counters once.  Zero loss means every one of the N outputs
# counted at least as many packets as were sent (fewer than RATE asks for
# when the sender could not keep up within 1.5 times the trial: the rate
# that counts is what it offered).  A relay that falls behind
# and catches up from its buffers later than that fails the trial, so what
# it can buffer flatters its rate by at most SEARCH_DRAIN / SEARCH_TRIAL.
# Prints "PASS OFFERED_PPS SENT MIN_OUTPUT"; $B_TMP/trial.cpu gets where
# the work landed while the sender sent (b_cpu_json).
search_trial()
{
	local n=$1 payload=$2 rate=$3 count sent offered cur
	count=$(awk -v r="$rate" -v d="$SEARCH_TRIAL" 'BEGIN { c = int(r * d); print c < 1 ? 1 : c }')
	b_out_dev "$B_TMP/t0.snk"
	echo "$EPOCHREALTIME" >"$B_TMP/t0.t"
	b_cpu_sample t0
	# Bounded in time too: a relay that holds the sender back (the kernel
	# does, through the sender's socket buffer) must not stretch a trial.
	b_gen -r "$rate" -c "$count" -d "$(awk -v d="$SEARCH_TRIAL" 'BEGIN { print d * 1.5 + 0.5 }')" \
		-s "$payload" >"$B_TMP/trial.json" 2>"$B_TMP/trial.err" || true
	b_cpu_sample t1
	echo "$EPOCHREALTIME" >"$B_TMP/t1.t"
	sleep "$SEARCH_DRAIN"
	b_out_dev "$B_TMP/t1.snk"
	# Where the trial's work landed, for the results (SEARCH_CPU).
	b_cpu_json t0 t1 "$(awk '{ t[NR] = $1 } END { printf "%.6f", t[2] - t[1] }' \
		"$B_TMP/t0.t" "$B_TMP/t1.t")" >"$B_TMP/trial.cpu"
	sent=$(jq -r '.sent // 0' "$B_TMP/trial.json" 2>/dev/null || echo 0)
	offered=$(jq -r '.pps // 0 | floor' "$B_TMP/trial.json" 2>/dev/null || echo 0)
	read -r _ cur < <(b_outputs_delta "$B_TMP/t0.snk" "$B_TMP/t1.snk" "$n")
	if [ "$sent" -gt 0 ] && [ "$cur" -ge "$sent" ]; then
		echo "1 $offered $sent $cur"
	else
		echo "0 $offered $sent $cur"
	fi
}
