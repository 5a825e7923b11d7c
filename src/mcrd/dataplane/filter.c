// SPDX-License-Identifier: MIT
/*
 * Builder for the classic BPF program on each ingress AF_PACKET socket.  It
 * keeps every frame that is not IPv4 UDP to a configured destination in the
 * kernel, so userspace only wakes up for traffic it will relay.
 *
 * The program has a fixed prologue that finds the IPv4 header (untagged, or
 * behind one 802.1Q tag, leaving the offset in X) and checks for UDP, then a
 * linear run of destination compares.  Conditional jumps reach at most 255
 * instructions ahead, so the compares are cut into chunks of at most
 * FILTER_CHUNK, each followed by its own "accept" return:
 *
 *	jeq #d0, ACCEPT_0, next	   ... jeq #d255, ACCEPT_0, +1
 *	ACCEPT_0: ret #FILTER_SNAPLEN
 *	jeq #d256, ACCEPT_1, next  ...
 *	ACCEPT_k: ret #FILTER_SNAPLEN
 *	ret #0
 *
 * The last compare of each chunk skips its accept when false, which lands on
 * the next chunk or, after the last chunk, on the final drop.
 *
 * IPv6 destinations (filter_build_dual()) come first, in a section of
 * their own that hands every other frame on to the IPv4 program:
 *
 *	ldx #0; ld ethertype; IPv6? -> V6; 802.1Q? no -> TO_V4
 *	ld inner ethertype; IPv6? no -> TO_V4; ldx #4; ja V6
 *	TO_V4: ja V4 (a 32-bit offset: the blocks may be long)
 *	V6: per destination: four word compares, each false one skipping
 *	    to the next block, then ret #FILTER_SNAPLEN
 *	ret #0
 *	V4: filter_build()'s program, or ret #0 without IPv4 destinations
 *
 * VLANs are left to userspace on purpose.  The kernel has taken a frame's
 * outer tag off before the program runs (the bytes show at most an inner
 * one, which the prologue steps over), so a frame of any VLAN to a
 * configured destination passes; the receive path then relays it only to
 * a rule of its VLAN and counts the rest as vlan_dropped.  Dropping tagged
 * frames here (SKF_AD_VLAN_TAG_PRESENT) would cost that count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

#include "mcrd/dataplane/filter.h"

/*
 * Bytes to keep of an accepted frame.  An IPv4 datagram can be 65535 bytes
 * and up to 22 bytes of link-layer header precede it, so 0xffff would cut the
 * largest ones; any larger value means "the whole frame".
 */
#define FILTER_SNAPLEN		0x40000u

/* Compares sharing one accept: the first of them jumps 255 ahead, the limit. */
#define FILTER_CHUNK		256

#define FILTER_VLAN_HLEN	4
#define FILTER_IP_PROTO_OFF	9
#define FILTER_IP_DADDR_OFF	16
#define FILTER_IP6_DADDR_OFF	24

/* Instruction indices of the prologue, so jump offsets can be computed. */
enum filter_prologue {
	FP_LDX_UNTAGGED,
	FP_LD_ETHERTYPE,
	FP_IS_IPV4,
	FP_IS_VLAN,
	FP_LD_INNER_TYPE,
	FP_INNER_IS_IPV4,
	FP_LDX_TAGGED,
	FP_LD_PROTO,
	FP_IS_UDP,
	FP_DROP,
	FP_LD_DADDR,
	FP_MAX
};

/* Offset for a jump at index from to land on index to. */
#define FP_JMP(from, to)	((to) - (from) - 1)

static size_t filter_len(size_t n)
{
	size_t chunks = (n + FILTER_CHUNK - 1) / FILTER_CHUNK;

	return FP_MAX + n + chunks + 1;
}

_Static_assert(FP_MAX + FILTER_MAX_DESTS + (FILTER_MAX_DESTS + FILTER_CHUNK - 1) / FILTER_CHUNK + 1
	       <= BPF_MAXINSNS, "FILTER_MAX_DESTS does not fit in a classic BPF program");

/**
 * filter_build() - build the ingress socket filter for a set of destinations
 * @dests: IPv4 destination addresses in network order
 * @n: number of entries in dests, 1..FILTER_MAX_DESTS
 * @prog: where to write the program
 * @cap: room in prog, in instructions
 *
 * Returns the number of instructions written, -E2BIG when n exceeds
 * FILTER_MAX_DESTS or the program would not fit in cap, or -EINVAL when
 * there is no destination at all.
 */
int filter_build(const uint32_t *dests, size_t n, struct sock_filter *prog, size_t cap)
{
	const struct sock_filter prologue[FP_MAX] = {
		[FP_LDX_UNTAGGED] = BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, 0),
		[FP_LD_ETHERTYPE] = BPF_STMT(BPF_LD | BPF_H | BPF_ABS, ETH_ALEN * 2),
		[FP_IS_IPV4] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP,
					FP_JMP(FP_IS_IPV4, FP_LD_PROTO), 0),
		[FP_IS_VLAN] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_8021Q,
					0, FP_JMP(FP_IS_VLAN, FP_DROP)),
		[FP_LD_INNER_TYPE] = BPF_STMT(BPF_LD | BPF_H | BPF_ABS,
					      ETH_ALEN * 2 + FILTER_VLAN_HLEN),
		[FP_INNER_IS_IPV4] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP,
					      0, FP_JMP(FP_INNER_IS_IPV4, FP_DROP)),
		[FP_LDX_TAGGED] = BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, FILTER_VLAN_HLEN),
		[FP_LD_PROTO] = BPF_STMT(BPF_LD | BPF_B | BPF_IND, ETH_HLEN + FILTER_IP_PROTO_OFF),
		[FP_IS_UDP] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP,
				       FP_JMP(FP_IS_UDP, FP_LD_DADDR), 0),
		[FP_DROP] = BPF_STMT(BPF_RET | BPF_K, 0),
		[FP_LD_DADDR] = BPF_STMT(BPF_LD | BPF_W | BPF_IND, ETH_HLEN + FILTER_IP_DADDR_OFF),
	};
	size_t len, pc, i;
	int ret;

	if (!dests || !prog)
		return -EINVAL;
	ret = filter_len_dual(n, 0);
	if (ret < 0)
		return ret;
	len = (size_t)ret;
	if (len > cap)
		return -E2BIG;

	for (pc = 0; pc < FP_MAX; pc++)
		prog[pc] = prologue[pc];

	for (i = 0; i < n; i += FILTER_CHUNK) {
		size_t k = n - i < FILTER_CHUNK ? n - i : FILTER_CHUNK;
		size_t p;

		for (p = 0; p < k; p++) {
			/* BPF_LD loads big-endian values into host-order A. */
			uint32_t addr = ntohl(dests[i + p]);
			uint8_t jt = (uint8_t)(k - p - 1);
			uint8_t jf = p == k - 1 ? 1 : 0;

			prog[pc++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, addr,
								  jt, jf);
		}
		prog[pc++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, FILTER_SNAPLEN);
	}
	prog[pc++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);

	return (int)pc;
}

/* Instruction indices of the IPv6 section's prologue. */
enum filter_v6_prologue {
	F6_LDX_UNTAGGED,
	F6_LD_ETHERTYPE,
	F6_IS_IPV6,
	F6_IS_VLAN,
	F6_LD_INNER_TYPE,
	F6_INNER_IS_IPV6,
	F6_LDX_TAGGED,
	F6_JA_V6,
	F6_TO_V4,
	F6_MAX
};

_Static_assert(F6_MAX + FILTER_MAX_DESTS6 * FILTER_V6_BLOCK + 1 + FP_MAX + FILTER_MAX_DESTS +
		       (FILTER_MAX_DESTS + FILTER_CHUNK - 1) / FILTER_CHUNK + 1 <= BPF_MAXINSNS,
	       "FILTER_MAX_DESTS6 does not fit in a classic BPF program");

/**
 * filter_len_dual() - the length of filter_build_dual()'s program
 * @n: distinct IPv4 destinations
 * @n6: distinct IPv6 destinations
 *
 * The builders size their program with this function, and the supervisor
 * checks a change with it before any worker sees it.
 *
 * Returns the instruction count, -E2BIG past FILTER_MAX_DESTS,
 * FILTER_MAX_DESTS6 or BPF_MAXINSNS, or -EINVAL when n + n6 == 0.
 */
int filter_len_dual(size_t n, size_t n6)
{
	size_t len;

	if (n == 0 && n6 == 0)
		return -EINVAL;
	if (n > FILTER_MAX_DESTS || n6 > FILTER_MAX_DESTS6)
		return -E2BIG;
	if (n6 == 0)
		len = filter_len(n);
	else
		len = F6_MAX + n6 * FILTER_V6_BLOCK + 1 + (n ? filter_len(n) : 1);
	return len > BPF_MAXINSNS ? -E2BIG : (int)len;
}

/* One IPv6 destination: its four words compared, each mismatch skipping to the next block. */
static void v6_block(struct sock_filter *p, const struct in6_addr *d)
{
	for (unsigned int w = 0; w < 4; w++) {
		uint32_t word;

		memcpy(&word, d->s6_addr + 4 * w, sizeof(word));
		p[2 * w] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_IND,
							ETH_HLEN + FILTER_IP6_DADDR_OFF + 4 * w);
		p[2 * w + 1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(word),
							    0, (uint8_t)(FILTER_V6_BLOCK - 2 * w - 2));
	}
	p[8] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, FILTER_SNAPLEN);
}

int filter_build_dual(const uint32_t *dests, size_t n, const struct in6_addr *dests6, size_t n6,
		      struct sock_filter *prog, size_t cap)
{
	const size_t v4_at = F6_MAX + n6 * FILTER_V6_BLOCK + 1;
	const struct sock_filter prologue[F6_MAX] = {
		[F6_LDX_UNTAGGED] = BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, 0),
		[F6_LD_ETHERTYPE] = BPF_STMT(BPF_LD | BPF_H | BPF_ABS, ETH_ALEN * 2),
		[F6_IS_IPV6] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6,
					FP_JMP(F6_IS_IPV6, F6_MAX), 0),
		[F6_IS_VLAN] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_8021Q, 0,
					FP_JMP(F6_IS_VLAN, F6_TO_V4)),
		[F6_LD_INNER_TYPE] = BPF_STMT(BPF_LD | BPF_H | BPF_ABS,
					      ETH_ALEN * 2 + FILTER_VLAN_HLEN),
		[F6_INNER_IS_IPV6] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0,
					      FP_JMP(F6_INNER_IS_IPV6, F6_TO_V4)),
		[F6_LDX_TAGGED] = BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, FILTER_VLAN_HLEN),
		[F6_JA_V6] = BPF_STMT(BPF_JMP | BPF_JA, FP_JMP(F6_JA_V6, F6_MAX)),
		[F6_TO_V4] = BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)FP_JMP(F6_TO_V4, v4_at)),
	};
	int v4, len;

	if (n6 == 0)
		return filter_build(dests, n, prog, cap);
	if (!dests6 || !prog || (n && !dests))
		return -EINVAL;
	len = filter_len_dual(n, n6);
	if (len < 0)
		return len;
	if ((size_t)len > cap)
		return -E2BIG;
	memcpy(prog, prologue, sizeof(prologue));
	for (size_t i = 0; i < n6; i++)
		v6_block(prog + F6_MAX + i * FILTER_V6_BLOCK, &dests6[i]);
	prog[v4_at - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	if (n == 0) {
		prog[v4_at] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
		return (int)(v4_at + 1);
	}
	v4 = filter_build(dests, n, prog + v4_at, cap - v4_at);
	return v4 < 0 ? v4 : (int)v4_at + v4;
}
