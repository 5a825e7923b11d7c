# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# Helpers for the tests that check relayed headers on the wire (30-34):
# tcpdump in a sink namespace, bounded by a packet count and a timeout, its
# verbose lines reduced to one line per packet with the fields we assert.
# Sourced after lib.sh.

CAP_TIMEOUT=${CAP_TIMEOUT:-15}

command -v tcpdump >/dev/null 2>&1 || skip "needs tcpdump"

# cap_start NS IFACE COUNT NAME: capture COUNT UDP packets arriving on IFACE
# in namespace NS (at most CAP_TIMEOUT seconds), into $TMPD/cap-NAME.txt.
# cap_ready waits until every capture started so far listens.
cap_start()
{
	_cf=$TMPD/cap-$4
	ip netns exec "$(ns "$1")" timeout -k 1 "$CAP_TIMEOUT" \
		tcpdump -l -n -v -Q in -i "$2" -c "$3" udp >"$_cf.txt" 2>"$_cf.err" &
	_cp=$!
	track_pid "$_cp"
	echo "$_cp" >"$_cf.pid"
	CAP_NAMES="${CAP_NAMES:-} $4"
}

cap_ready()
{
	for _c in $CAP_NAMES; do
		_i=0
		until grep -q 'listening on' "$TMPD/cap-$_c.err" 2>/dev/null; do
			pid_alive "$(cat "$TMPD/cap-$_c.pid")" ||
				fail "tcpdump $_c exited: $(cat "$TMPD/cap-$_c.err")"
			[ "$_i" -lt 100 ] || fail "tcpdump $_c not listening after 10 s"
			sleep 0.1
			_i=$((_i + 1))
		done
	done
}

# cap_wait NAME: wait for capture NAME to end (its count reached, or its timeout).
cap_wait()
{
	_cp=$(cat "$TMPD/cap-$1.pid")
	wait_pid_exit "$_cp" $(((CAP_TIMEOUT + 2) * 10)) || fail "tcpdump $1 still running"
	wait "$_cp" 2>/dev/null
	untrack_pid "$_cp"
}

# cap_fields NAME: one line per captured packet,
#   "tos=0xb8 ttl=15 flags=DF src=198.19.0.5 dst=239.1.1.1:5000"
# from tcpdump -v's two lines per packet; "cksum=bad" is added to a packet
# whose IPv4 header checksum tcpdump found wrong.
cap_fields()
{
	awk '
	/ IP \(tos / {
		tos = $0; sub(/.*\(tos /, "", tos); sub(/[,)].*/, "", tos)
		ttl = $0; sub(/.* ttl /, "", ttl); sub(/,.*/, "", ttl)
		fl = $0; sub(/.* flags \[/, "", fl); sub(/\].*/, "", fl)
		bad = ($0 ~ /bad cksum/) ? " cksum=bad" : ""
		hdr = 1
		next
	}
	hdr && / > / {
		src = $1; sub(/\.[0-9]+$/, "", src)
		dst = $3; sub(/:$/, "", dst); sub(/\.[0-9]+$/, ":&", dst); sub(/:\./, ":", dst)
		printf "tos=%s ttl=%s flags=%s src=%s dst=%s%s\n", tos, ttl, fl, src, dst, bad
		hdr = 0
	}' "$TMPD/cap-$1.txt"
}

# expect_cap NAME DST COUNT WANT: capture NAME holds COUNT packets to DST
# (GROUP:PORT), every one reading WANT (as cap_fields prints it, without its
# " dst=..." part).  Prints one raw tcpdump line pair for the record.
expect_cap()
{
	cap_fields "$1" | grep -F " dst=$2" | sed 's/ dst=[^ ]*//' >"$TMPD/cap-$1-$2.lst"
	_got=$(wc -l <"$TMPD/cap-$1-$2.lst")
	[ "$_got" -eq "$3" ] ||
		fail "capture $1: $_got packets to $2, want $3: $(head -n 4 "$TMPD/cap-$1.txt")"
	_other=$(grep -vxF -- "$4" "$TMPD/cap-$1-$2.lst" | sort | uniq -c | head -n 3)
	[ -z "$_other" ] || fail "capture $1 to $2: want every packet \"$4\", got: $_other"
	_port=${2##*:}
	info "ok   capture $1: $3 packets to $2, each $4"
	grep -B 1 -m 1 "\.$_port: UDP" "$TMPD/cap-$1.txt" | sed 's/^ */     /' |
		while read -r _l; do info "     $_l"; done
}

# headers_scenario EGRESS DF2: one rule, three multicast outputs with the
# three TTL and source modes and a unicast one (always a UDP socket) with the
# defaults, relayed by egress EGRESS (l2 or udp), three streams at once:
#   :5000  TOS 0xb9 (EF, ECT(1)), DF set, TTL 16
#   :5001  TOS 0x02 (ECT(0)), DF clear, TTL 1: expires on the decrementing outputs
#   :5002  TOS 0, DF clear, TTL 64
# DF2 is the flags stream :5001 must leave with: "none", as it came.
headers_scenario()
{
	_eg=$1
	_df2=$2
	e2e_init
	require_bins mcrd mcrgen mcrsink mcrctl

	step "Creating world"
	topo_standard 4
	K1=$(topo_sinkif 1)
	K2=$(topo_sinkif 2)
	K3=$(topo_sinkif 3)
	K4=$(topo_sinkif 4)
	RELAY_O1=$(topo_out_addr 1 1)
	RELAY_O4=$(topo_out_addr 4 1)
	U=$(topo_out_addr 4 2)
	GIVEN=198.18.200.9
	G=239.1.1.1
	N=40

	step "Starting relay (egress $_eg): o1 default, o2 ttl/source keep, o3 ttl 7 from $GIVEN, o4 to $U"
	start_mcrd relay --egress "$_eg" --stats-interval 0 \
		-r "hdr=${RELAY_IN:?},$G -> $(topo_out 1); $(topo_out 2),ttl=keep,source=keep; $(topo_out 3),ttl=7,source=$GIVEN; $(topo_out 4),$U"

	step "Streams :5000 (TOS 0xb9, DF, TTL 16), :5001 (TOS 0x02, no DF, TTL 1), :5002 (no DF, TTL 64)"
	start_sink sink -j "$K1,$G:5000" -j "$K2,$G:5000" -j "$K3,$G:5000" -j "$K4,$U:5000" \
		-j "$K2,$G:5001" -j "$K3,$G:5001" \
		-j "$K1,$G:5002" -j "$K2,$G:5002" -j "$K3,$G:5002" -j "$K4,$U:5002" \
		--count $N -d 15 --idle-exit 2
	cap_start sink "$K1" $((2 * N)) o1
	cap_start sink "$K2" $((3 * N)) o2
	cap_start sink "$K3" $((3 * N)) o3
	cap_start sink "$K4" $((2 * N)) o4
	cap_ready
	start_gen src -i "$SRC_IF" -g $G:5000 -r 1000 -c $N --tos 185 --ttl 16
	start_gen src -i "$SRC_IF" -g $G:5001 -r 1000 -c $N --tos 2 --no-df --ttl 1
	start_gen src -i "$SRC_IF" -g $G:5002 -r 1000 -c $N --no-df --ttl 64
	wait_gen
	cap_wait o1
	cap_wait o2
	cap_wait o3
	cap_wait o4
	wait_sink
	"$MCRCTL" --socket "$MCRD_SOCK" stats >"$TMPD/stats.txt" || fail "mcrctl stats failed"
	stop_mcrd

	step "Analyzing"
	expect "$MCRD_RC" -eq 0 "mcrd exit status"
	expect "$(awk '$1 == "hdr" { print $NF }' "$TMPD/stats.txt")" -eq $((2 * N)) \
		"mcrctl stats: TTL EXPIRED of rule hdr"
	expect_cap o1 $G:5000 $N "tos=0xb9 ttl=15 flags=DF src=$RELAY_O1"
	expect_cap o1 $G:5001 0 ""
	expect_cap o1 $G:5002 $N "tos=0x0 ttl=63 flags=$_df2 src=$RELAY_O1"
	expect_cap o2 $G:5000 $N "tos=0xb9 ttl=16 flags=DF src=$SRC_ADDR"
	expect_cap o2 $G:5001 $N "tos=0x2 ttl=1 flags=$_df2 src=$SRC_ADDR"
	expect_cap o2 $G:5002 $N "tos=0x0 ttl=64 flags=$_df2 src=$SRC_ADDR"
	expect_cap o3 $G:5000 $N "tos=0xb9 ttl=7 flags=DF src=$GIVEN"
	expect_cap o3 $G:5001 $N "tos=0x2 ttl=7 flags=$_df2 src=$GIVEN"
	expect_cap o3 $G:5002 $N "tos=0x0 ttl=7 flags=$_df2 src=$GIVEN"
	expect_cap o4 "$U:5000" $N "tos=0xb9 ttl=15 flags=DF src=$RELAY_O4"
	expect_cap o4 "$U:5002" $N "tos=0x0 ttl=63 flags=$_df2 src=$RELAY_O4"
	# Sockets take only datagrams whose UDP checksum is right for the new source.
	expect_sink_exact "$SINK_JSON" $((10 * N))
	read_summary
	expect_json "$SUMMARY" '.rules[0].packets_in' -eq $((3 * N))
	expect_json "$SUMMARY" '.rules[0].outputs[0].packets_out' -eq $((2 * N)) "o1 (decrement) packets_out"
	expect_json "$SUMMARY" '.rules[0].outputs[0].ttl_expired' -eq $N "o1 (decrement) ttl_expired"
	expect_json "$SUMMARY" '.rules[0].outputs[1].packets_out' -eq $((3 * N)) "o2 (keep) packets_out"
	expect_json "$SUMMARY" '.rules[0].outputs[1].ttl_expired' -eq 0 "o2 (keep) ttl_expired"
	expect_json "$SUMMARY" '.rules[0].outputs[2].packets_out' -eq $((3 * N)) "o3 (ttl 7) packets_out"
	expect_json "$SUMMARY" '.rules[0].outputs[3].packets_out' -eq $((2 * N)) "o4 (unicast) packets_out"
	expect_json "$SUMMARY" '.rules[0].outputs[3].ttl_expired' -eq $N "o4 (unicast) ttl_expired"
	expect_relay_clean "$SUMMARY"
}
