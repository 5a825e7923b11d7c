// SPDX-License-Identifier: MIT
/*
 * Unit tests for filter_build(), run by the kernel's own BPF engine without
 * root: the program is attached to one end of an AF_UNIX datagram socketpair,
 * where socket filters also run and see each datagram as the packet.  A frame
 * sent from the other end is readable only if the program accepted it, and
 * delivery happens inside send(), so a non-blocking recv() right after it
 * tells the verdict.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "mcrd/dataplane/filter.h"

#define ETYPE_IPV4	0x0800
#define ETYPE_ARP	0x0806
#define ETYPE_IPV6	0x86dd
#define TPID_8021Q	0x8100
#define TPID_8021AD	0x88a8

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define T_SADDR		IP(198, 18, 0, 1)
#define T_GROUP_A	IP(239, 1, 1, 1)
#define T_GROUP_B	IP(239, 2, 2, 2)
#define T_UNICAST	IP(198, 18, 0, 9)
#define T_OTHER		IP(239, 9, 9, 9)
#define T_MANY_BASE	IP(239, 10, 0, 0)

#define FRAME_MAX	256
#define PROG_CAP	(FILTER_MAX_DESTS + 64)
#define PROG_CAP6	BPF_MAXINSNS

struct frame_spec {
	uint16_t tpid;		/* 0: untagged, else one tag with this TPID */
	uint16_t ethertype;	/* 0: IPv4 */
	uint8_t proto;		/* 0: UDP */
	uint16_t ip_id;
	uint32_t saddr;		/* host order; 0: T_SADDR */
	uint32_t daddr;		/* host order */
};

struct sock_pair {
	int tx;
	int rx;
};

static size_t put16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)v;
	return off + 2;
}

static size_t put32(uint8_t *p, size_t off, uint32_t v)
{
	off = put16(p, off, (uint16_t)(v >> 16));
	return put16(p, off, (uint16_t)v);
}

/* Ethernet [+ tag] + IPv4 (IHL 5) + UDP + 4 bytes of payload; returns the length. */
static size_t frame_build(uint8_t *buf, const struct frame_spec *s)
{
	static const uint8_t macs[12] = { 0x01, 0x00, 0x5e, 0x01, 0x01, 0x01,
					  0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	size_t off;

	memcpy(buf, macs, sizeof(macs));
	off = sizeof(macs);
	if (s->tpid) {
		off = put16(buf, off, s->tpid);
		off = put16(buf, off, 100);
	}
	off = put16(buf, off, s->ethertype ? s->ethertype : ETYPE_IPV4);
	off = put16(buf, off, 0x4500);
	off = put16(buf, off, 20 + 8 + 4);
	off = put16(buf, off, s->ip_id);
	off = put16(buf, off, 0);
	buf[off++] = 64;
	buf[off++] = s->proto ? s->proto : PROTO_UDP;
	off = put16(buf, off, 0);
	off = put32(buf, off, s->saddr ? s->saddr : T_SADDR);
	off = put32(buf, off, s->daddr);
	off = put16(buf, off, 40000);
	off = put16(buf, off, 5000);
	off = put16(buf, off, 8 + 4);
	off = put16(buf, off, 0);
	return put32(buf, off, 0xdeadbeef);
}

static int pair_setup(void **state)
{
	struct sock_pair *sp = malloc(sizeof(*sp));
	int sv[2];

	if (!sp)
		return -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(sp);
		return -1;
	}
	sp->tx = sv[0];
	sp->rx = sv[1];
	*state = sp;
	return 0;
}

static int pair_teardown(void **state)
{
	struct sock_pair *sp = *state;

	(void)close(sp->tx);
	(void)close(sp->rx);
	free(sp);
	return 0;
}

/* Build for host-order addresses and attach; returns the instruction count. */
static int attach(const struct sock_pair *sp, const uint32_t *dests_host, size_t n)
{
	struct sock_filter *prog = calloc(PROG_CAP, sizeof(*prog));
	uint32_t *dests = calloc(n, sizeof(*dests));
	struct sock_fprog fprog;
	size_t i;
	int len;

	assert_non_null(prog);
	assert_non_null(dests);
	for (i = 0; i < n; i++)
		dests[i] = htonl(dests_host[i]);
	len = filter_build(dests, n, prog, PROG_CAP);
	assert_true(len > 0);
	fprog.len = (unsigned short)len;
	fprog.filter = prog;
	if (setsockopt(sp->rx, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		fail_msg("SO_ATTACH_FILTER with %d instructions: %s", len, strerror(errno));
	free(dests);
	free(prog);
	return len;
}

/* Whether the attached program let the frame through, in full. */
static bool passes(const struct sock_pair *sp, const uint8_t *frame, size_t len)
{
	uint8_t got[FRAME_MAX + 1];
	ssize_t r;

	r = send(sp->tx, frame, len, MSG_DONTWAIT);
	if (r < 0)
		fail_msg("send: %s", strerror(errno));
	assert_int_equal(r, len);
	r = recv(sp->rx, got, sizeof(got), MSG_DONTWAIT);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			fail_msg("recv: %s", strerror(errno));
		return false;
	}
	/* An accepted frame must not be trimmed by the returned snap length. */
	assert_int_equal(r, len);
	assert_memory_equal(got, frame, len);
	return true;
}

static bool spec_passes(const struct sock_pair *sp, const struct frame_spec *s)
{
	uint8_t buf[FRAME_MAX];

	return passes(sp, buf, frame_build(buf, s));
}

static bool dest_passes(const struct sock_pair *sp, uint32_t daddr)
{
	struct frame_spec s = { .daddr = daddr };

	return spec_passes(sp, &s);
}

/* Which frames a filter for A, B and a unicast address lets through. */
static void t_frames_by_header(void **state)
{
	static const uint32_t dests[] = { T_GROUP_A, T_GROUP_B, T_UNICAST };
	static const struct {
		const char *name;
		struct frame_spec spec;
		bool want;
	} cases[] = {
		{ "group A", { .daddr = T_GROUP_A }, true },
		{ "group B", { .daddr = T_GROUP_B }, true },
		{ "unicast destination", { .daddr = T_UNICAST }, true },
		{ "other group", { .daddr = T_OTHER }, false },
		{ "neighbour of group A", { .daddr = T_GROUP_A + 1 }, false },
		/* The source address must not be mistaken for the destination. */
		{ "member as source", { .saddr = T_GROUP_A, .daddr = T_OTHER }, false },
		{ "ICMP to group A", { .proto = PROTO_ICMP, .daddr = T_GROUP_A }, false },
		{ "TCP to group A", { .proto = PROTO_TCP, .daddr = T_GROUP_A }, false },
		{ "ARP ethertype", { .ethertype = ETYPE_ARP, .daddr = T_GROUP_A }, false },
		{ "IPv6 ethertype", { .ethertype = ETYPE_IPV6, .daddr = T_GROUP_A }, false },
		{ "802.1Q to group A", { .tpid = TPID_8021Q, .daddr = T_GROUP_A }, true },
		{ "802.1Q to group B", { .tpid = TPID_8021Q, .daddr = T_GROUP_B }, true },
		{ "802.1Q to other group", { .tpid = TPID_8021Q, .daddr = T_OTHER }, false },
		/*
		 * Tagged, the untagged daddr offset holds the source and the
		 * untagged protocol offset holds the low byte of the IP ID: both
		 * prove the tagged path reads 4 bytes further.
		 */
		{ "802.1Q, member as source", { .tpid = TPID_8021Q, .saddr = T_GROUP_A,
		  .daddr = T_OTHER }, false },
		{ "802.1Q ICMP, ID low byte 17", { .tpid = TPID_8021Q, .proto = PROTO_ICMP,
		  .ip_id = PROTO_UDP, .daddr = T_GROUP_A }, false },
		{ "802.1Q ARP", { .tpid = TPID_8021Q, .ethertype = ETYPE_ARP,
		  .daddr = T_GROUP_A }, false },
		{ "802.1Q IPv6", { .tpid = TPID_8021Q, .ethertype = ETYPE_IPV6,
		  .daddr = T_GROUP_A }, false },
		/* Only one 802.1Q tag is handled in the kernel. */
		{ "802.1ad tag", { .tpid = TPID_8021AD, .daddr = T_GROUP_A }, false },
	};
	struct sock_pair *sp = *state;
	size_t i;

	attach(sp, dests, ARRAY_SIZE(dests));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bool got = spec_passes(sp, &cases[i].spec);

		if (got != cases[i].want)
			fail_msg("case \"%s\": %s", cases[i].name, got ? "accepted" : "dropped");
	}
}

/* Loads past the end of a short frame make the program drop it. */
static void t_truncated_frames_dropped(void **state)
{
	static const uint32_t dests[] = { T_GROUP_A };
	struct frame_spec spec = { .daddr = T_GROUP_A };
	struct sock_pair *sp = *state;
	uint8_t buf[FRAME_MAX];
	size_t len = frame_build(buf, &spec);
	size_t l;

	attach(sp, dests, ARRAY_SIZE(dests));
	assert_true(passes(sp, buf, len));
	/* The destination address ends at byte 34; anything shorter cannot match. */
	for (l = 0; l < 34; l++)
		if (passes(sp, buf, l))
			fail_msg("frame cut to %zu bytes accepted", l);
}

/*
 * Long lists need more than one chunk of compares; sizes around the chunk
 * size (256) catch off-by-one jump offsets.  Every member must pass and
 * addresses just outside the list must not.
 */
static void t_many_dests(void **state)
{
	static const size_t sizes[] = { 1, 2, 255, 256, 257, 300, 511, 512, 513,
					FILTER_MAX_DESTS };
	struct sock_pair *sp = *state;
	uint32_t *dests = calloc(FILTER_MAX_DESTS, sizeof(*dests));
	size_t i, j;

	assert_non_null(dests);
	for (i = 0; i < FILTER_MAX_DESTS; i++)
		dests[i] = T_MANY_BASE + 1 + (uint32_t)i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];

		attach(sp, dests, n);
		for (j = 0; j < n; j++)
			if (!dest_passes(sp, dests[j]))
				fail_msg("%zu dests: member %zu dropped", n, j);
		if (dest_passes(sp, T_MANY_BASE))
			fail_msg("%zu dests: address below the list accepted", n);
		if (dest_passes(sp, T_MANY_BASE + 1 + (uint32_t)n))
			fail_msg("%zu dests: address after the list accepted", n);
		if (dest_passes(sp, T_OTHER))
			fail_msg("%zu dests: unrelated group accepted", n);
	}
	free(dests);
}

/* The order of destinations does not matter, nor do repeats. */
static void t_dest_order_and_repeats(void **state)
{
	static const uint32_t dests[] = { T_GROUP_B, T_UNICAST, T_GROUP_B, T_GROUP_A };
	struct sock_pair *sp = *state;

	attach(sp, dests, ARRAY_SIZE(dests));
	assert_true(dest_passes(sp, T_GROUP_A));
	assert_true(dest_passes(sp, T_GROUP_B));
	assert_true(dest_passes(sp, T_UNICAST));
	assert_false(dest_passes(sp, T_OTHER));
}

static void t_capacity_limits(void **state)
{
	struct sock_filter *prog = calloc(PROG_CAP, sizeof(*prog));
	uint32_t *dests = calloc(FILTER_MAX_DESTS + 1, sizeof(*dests));
	size_t sizes[] = { 1, 300, FILTER_MAX_DESTS };
	size_t i;

	(void)state;
	assert_non_null(prog);
	assert_non_null(dests);
	for (i = 0; i <= FILTER_MAX_DESTS; i++)
		dests[i] = htonl(T_MANY_BASE + (uint32_t)i);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		int len = filter_build(dests, sizes[i], prog, PROG_CAP);

		assert_true(len > (int)sizes[i]);
		assert_true(len <= BPF_MAXINSNS);
		/* Exactly enough room works, one less does not. */
		assert_int_equal(filter_build(dests, sizes[i], prog, (size_t)len), len);
		assert_int_equal(filter_build(dests, sizes[i], prog, (size_t)len - 1), -E2BIG);
		/* Whatever was written ends in a return. */
		assert_int_equal(BPF_CLASS(prog[len - 1].code), BPF_RET);
	}
	assert_int_equal(filter_build(dests, 1, prog, 0), -E2BIG);
	assert_int_equal(filter_build(dests, FILTER_MAX_DESTS + 1, prog, PROG_CAP), -E2BIG);
	assert_int_equal(filter_build(dests, 0, prog, PROG_CAP), -EINVAL);
	free(dests);
	free(prog);
}

/* ---- IPv6 (filter_build_dual) ---- */

static struct in6_addr v6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* Ethernet [+ 802.1Q tag] + IPv6 to @dst with next header @nh + 16 bytes. */
static size_t v6_frame(uint8_t *buf, const struct in6_addr *dst, uint16_t tpid, uint8_t nh)
{
	static const uint8_t macs[12] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01,
					  0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	size_t off;

	memset(buf, 0, 128);
	memcpy(buf, macs, sizeof(macs));
	off = sizeof(macs);
	if (tpid) {
		off = put16(buf, off, tpid);
		off = put16(buf, off, 100);
	}
	off = put16(buf, off, ETYPE_IPV6);
	buf[off] = 0x60;
	put16(buf, off + 4, 16);
	buf[off + 6] = nh;
	buf[off + 7] = 9;
	buf[off + 9] = 0x20;
	memcpy(buf + off + 24, dst, 16);
	return off + 40 + 16;
}

static int attach_dual(const struct sock_pair *sp, const uint32_t *dests_host, size_t n,
		       const struct in6_addr *dests6, size_t n6)
{
	struct sock_filter *prog = calloc(PROG_CAP6, sizeof(*prog));
	uint32_t dests[8];
	struct sock_fprog fprog;
	int len;

	assert_non_null(prog);
	assert_true(n <= ARRAY_SIZE(dests));
	for (size_t i = 0; i < n; i++)
		dests[i] = htonl(dests_host[i]);
	len = filter_build_dual(dests, n, dests6, n6, prog, PROG_CAP6);
	assert_true(len > 0);
	fprog.len = (unsigned short)len;
	fprog.filter = prog;
	if (setsockopt(sp->rx, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		fail_msg("SO_ATTACH_FILTER with %d instructions: %s", len, strerror(errno));
	free(prog);
	return len;
}

static bool v6_passes(const struct sock_pair *sp, const char *dst, uint16_t tpid, uint8_t nh)
{
	struct in6_addr d = v6(dst);
	uint8_t buf[128];

	return passes(sp, buf, v6_frame(buf, &d, tpid, nh));
}

/*
 * IPv6 frames to a configured destination pass whatever their next header
 * (userspace counts fragments and extension-header damage); IPv4 ones go on
 * to the IPv4 program as before.
 */
static void t_ipv6_frames(void **state)
{
	static const uint32_t dests[] = { T_GROUP_A };
	struct in6_addr dests6[] = { v6("ff3e::1"), v6("ff0e::1:2") };
	struct sock_pair *sp = *state;

	attach_dual(sp, dests, ARRAY_SIZE(dests), dests6, ARRAY_SIZE(dests6));
	assert_true(v6_passes(sp, "ff3e::1", 0, PROTO_UDP));
	assert_true(v6_passes(sp, "ff0e::1:2", 0, PROTO_UDP));
	assert_true(v6_passes(sp, "ff3e::1", TPID_8021Q, PROTO_UDP));
	assert_true(v6_passes(sp, "ff3e::1", 0, 44));	/* a fragment header */
	assert_true(v6_passes(sp, "ff3e::1", 0, 0));	/* hop-by-hop options */
	/* Each word of the address counts. */
	assert_false(v6_passes(sp, "ff3e::2", 0, PROTO_UDP));
	assert_false(v6_passes(sp, "ff3e:0:0:1::1", 0, PROTO_UDP));
	assert_false(v6_passes(sp, "ff3e:0:1::1", 0, PROTO_UDP));
	assert_false(v6_passes(sp, "ff3f::1", 0, PROTO_UDP));
	assert_false(v6_passes(sp, "ff0e::1:2", TPID_8021AD, PROTO_UDP));
	/* IPv4 still passes by its own destinations. */
	assert_true(dest_passes(sp, T_GROUP_A));
	assert_false(dest_passes(sp, T_GROUP_B));
	{
		struct frame_spec tagged = { .tpid = TPID_8021Q, .daddr = T_GROUP_A };

		assert_true(spec_passes(sp, &tagged));
	}
}

/* Only IPv6 destinations: IPv4 frames are dropped; many blocks reach the IPv4 part. */
static void t_ipv6_only_and_many(void **state)
{
	static const uint32_t dests[] = { T_GROUP_A };
	struct in6_addr many[FILTER_MAX_DESTS6];
	struct sock_pair *sp = *state;
	char s[64];

	attach_dual(sp, NULL, 0, (struct in6_addr[]){ v6("ff3e::1") }, 1);
	assert_true(v6_passes(sp, "ff3e::1", 0, PROTO_UDP));
	assert_false(dest_passes(sp, T_GROUP_A));

	for (size_t i = 0; i < ARRAY_SIZE(many); i++) {
		(void)snprintf(s, sizeof(s), "ff3e::%zx:1", i + 1);
		many[i] = v6(s);
	}
	attach_dual(sp, dests, 1, many, ARRAY_SIZE(many));
	assert_true(v6_passes(sp, "ff3e::1:1", 0, PROTO_UDP));
	(void)snprintf(s, sizeof(s), "ff3e::%zx:1", ARRAY_SIZE(many));
	assert_true(v6_passes(sp, s, TPID_8021Q, PROTO_UDP));
	assert_false(v6_passes(sp, "ff3e::1", 0, PROTO_UDP));
	/* The IPv4 program sits past a jump longer than 255. */
	assert_true(dest_passes(sp, T_GROUP_A));
	assert_false(dest_passes(sp, T_GROUP_B));
}

static void t_ipv6_limits(void **state)
{
	static struct sock_filter prog[PROG_CAP6];
	struct in6_addr d = v6("ff3e::1");
	uint32_t a = htonl(T_GROUP_A);

	(void)state;
	assert_int_equal(filter_build_dual(&a, 1, &d, FILTER_MAX_DESTS6 + 1, prog, PROG_CAP6), -E2BIG);
	assert_int_equal(filter_build_dual(&a, 1, &d, 1, prog, 12), -E2BIG);
	assert_int_equal(filter_build_dual(NULL, 0, NULL, 0, prog, PROG_CAP6), -EINVAL);
	/* No IPv6 destination: exactly filter_build()'s program. */
	assert_int_equal(filter_build_dual(&a, 1, NULL, 0, prog, PROG_CAP6),
			 filter_build(&a, 1, prog, PROG_CAP6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_frames_by_header, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(t_truncated_frames_dropped, pair_setup,
						pair_teardown),
		cmocka_unit_test_setup_teardown(t_many_dests, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(t_dest_order_and_repeats, pair_setup,
						pair_teardown),
		cmocka_unit_test(t_capacity_limits),
		cmocka_unit_test_setup_teardown(t_ipv6_frames, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(t_ipv6_only_and_many, pair_setup, pair_teardown),
		cmocka_unit_test(t_ipv6_limits),
	};

	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
