// SPDX-License-Identifier: MIT
/*
 * Unit tests for packet_parse(): frames are built byte by byte by a small
 * builder below, optionally patched to break one header field, and the
 * verdict and every pkt_info field are checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "mcrd/dataplane/packet.h"

#define T_SADDR		0xc6120001u	/* 198.18.0.1 */
#define T_DADDR		0xef010203u	/* 239.1.2.3 */
#define T_SPORT		40000
#define T_DPORT		5000
#define T_TTL		64
#define T_PAD_BYTE	0xee

#define ETYPE_IPV4	0x0800
#define ETYPE_ARP	0x0806
#define ETYPE_IPV6	0x86dd
#define TPID_8021Q	0x8100
#define TPID_8021AD	0x88a8

#define PROTO_ICMP	1
#define PROTO_TCP	6

/* Untagged, IHL 5, UDP, empty payload: what a zeroed frame_spec builds. */
#define SPEC_PLAIN	{ .ntags = 0 }

#define FRAME_MAX	2048
#define MAX_TAGS	3

struct frame_spec {
	uint16_t tpid[MAX_TAGS];	/* VLAN tag protocols, outermost first */
	unsigned int ntags;
	uint16_t ethertype;		/* 0: IPv4 */
	unsigned int ihl;		/* 0: 5 */
	uint8_t proto;			/* 0: UDP */
	uint16_t frag;			/* IPv4 flags and fragment offset field */
	size_t payload_len;
	size_t pad;			/* bytes after the IP datagram, as Ethernet padding */
};

struct frame {
	uint8_t buf[FRAME_MAX];
	size_t len;
	/* Where the builder put things, for patching and for checking pkt_info. */
	size_t ip_off;
	size_t payload_off;
	size_t payload_len;
};

static uint8_t payload_byte(size_t i)
{
	return (uint8_t)(i * 7 + 0x5a);
}

static size_t put8(uint8_t *p, size_t off, uint8_t v)
{
	p[off] = v;
	return off + 1;
}

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

/*
 * A well-formed frame unless the spec says otherwise.  The fourth layer is
 * always an 8-byte UDP header, also under another protocol number or
 * ethertype, so that only the field under test differs.
 */
static void frame_build(struct frame *f, const struct frame_spec *s)
{
	static const uint8_t dst_mac[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };
	static const uint8_t src_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	unsigned int ihl = s->ihl ? s->ihl : 5;
	size_t ip_tot = ihl * 4 + 8 + s->payload_len;
	size_t off = 0, i;

	assert_true(s->ntags <= MAX_TAGS);
	assert_true(ihl >= 5 && ihl <= 15);
	assert_true(MAX_TAGS * 4 + 14 + ip_tot + s->pad <= FRAME_MAX);
	memset(f, 0, sizeof(*f));

	memcpy(f->buf, dst_mac, sizeof(dst_mac));
	memcpy(f->buf + 6, src_mac, sizeof(src_mac));
	off = 12;
	for (i = 0; i < s->ntags; i++) {
		off = put16(f->buf, off, s->tpid[i]);
		off = put16(f->buf, off, (uint16_t)(100 + i));	/* PCP 0, VID 100+ */
	}
	off = put16(f->buf, off, s->ethertype ? s->ethertype : ETYPE_IPV4);

	f->ip_off = off;
	off = put8(f->buf, off, (uint8_t)(0x40 | ihl));
	off = put8(f->buf, off, 0);				/* DSCP/ECN */
	off = put16(f->buf, off, (uint16_t)ip_tot);
	off = put16(f->buf, off, 0x1234);			/* ID */
	off = put16(f->buf, off, s->frag);
	off = put8(f->buf, off, T_TTL);
	off = put8(f->buf, off, s->proto ? s->proto : IPPROTO_UDP);
	off = put16(f->buf, off, 0xbeef);			/* checksum: never checked */
	off = put32(f->buf, off, T_SADDR);
	off = put32(f->buf, off, T_DADDR);
	for (i = 5; i < ihl; i++)
		off = put32(f->buf, off, 0x01010101);		/* NOP options */

	off = put16(f->buf, off, T_SPORT);
	off = put16(f->buf, off, T_DPORT);
	off = put16(f->buf, off, (uint16_t)(8 + s->payload_len));
	off = put16(f->buf, off, 0);

	f->payload_off = off;
	f->payload_len = s->payload_len;
	for (i = 0; i < s->payload_len; i++)
		off = put8(f->buf, off, payload_byte(i));
	memset(f->buf + off, T_PAD_BYTE, s->pad);
	f->len = off + s->pad;
}

/* One header field a case breaks after building; offsets are from the IP header. */
enum patch_field {
	PATCH_NONE,
	PATCH_VER_IHL,
	PATCH_TOT_LEN,
	PATCH_UDP_LEN,
	PATCH_MAX
};

struct verdict_case {
	const char *name;
	struct frame_spec spec;
	enum patch_field field;
	uint16_t value;
	enum pkt_verdict want;
};

static void frame_patch(struct frame *f, enum patch_field field, uint16_t value)
{
	size_t ihl_bytes = (size_t)(f->buf[f->ip_off] & 0x0f) * 4;

	switch (field) {
	case PATCH_NONE:
		break;
	case PATCH_VER_IHL:
		put8(f->buf, f->ip_off, (uint8_t)value);
		break;
	case PATCH_TOT_LEN:
		put16(f->buf, f->ip_off + 2, value);
		break;
	case PATCH_UDP_LEN:
		put16(f->buf, f->ip_off + ihl_bytes + 4, value);
		break;
	case PATCH_MAX:
		fail_msg("bad patch field");
	}
}

static void run_verdict_cases(const struct verdict_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct verdict_case *c = &cases[i];
		struct pkt_info info;
		struct frame f;
		enum pkt_verdict got;

		frame_build(&f, &c->spec);
		frame_patch(&f, c->field, c->value);
		got = packet_parse(f.buf, f.len, &info);
		if (got != c->want)
			fail_msg("case \"%s\": verdict %d, want %d", c->name, got, c->want);
	}
}

/* Every pkt_info field against what the builder wrote. */
static void check_info(const char *name, const struct frame *f, const struct pkt_info *info,
		       unsigned int ntags)
{
	size_t i;

	if (info->saddr != htonl(T_SADDR) || info->daddr != htonl(T_DADDR))
		fail_msg("case \"%s\": addresses %08x -> %08x", name, info->saddr, info->daddr);
	if (info->sport != T_SPORT || info->dport != T_DPORT)
		fail_msg("case \"%s\": ports %u -> %u", name, info->sport, info->dport);
	if (info->ip_off != f->ip_off || info->payload_off != f->payload_off)
		fail_msg("case \"%s\": ip_off %u payload_off %u, want %zu %zu", name,
			 info->ip_off, info->payload_off, f->ip_off, f->payload_off);
	if (info->payload_len != f->payload_len)
		fail_msg("case \"%s\": payload_len %u, want %zu", name, info->payload_len,
			 f->payload_len);
	if (info->ttl != T_TTL || info->vlan_depth != ntags)
		fail_msg("case \"%s\": ttl %u vlan_depth %u", name, info->ttl, info->vlan_depth);
	/* The outermost tag's TCI: the builder writes VID 100 there. */
	if (info->vlan_tci != (ntags ? 100 : 0))
		fail_msg("case \"%s\": vlan_tci %u", name, info->vlan_tci);
	for (i = 0; i < info->payload_len; i++)
		if (f->buf[info->payload_off + i] != payload_byte(i))
			fail_msg("case \"%s\": payload byte %zu differs", name, i);
}

/* Valid frames of every supported shape parse, and every field is right. */
static void t_valid_frames_fill_every_field(void **state)
{
	static const struct {
		const char *name;
		struct frame_spec spec;
	} cases[] = {
		{ "untagged", { .payload_len = 100 } },
		{ "empty payload", { .payload_len = 0 } },
		{ "full MTU payload", { .payload_len = 1472 } },
		{ "802.1Q tag", { .tpid = { TPID_8021Q }, .ntags = 1, .payload_len = 64 } },
		{ "802.1ad tag", { .tpid = { TPID_8021AD }, .ntags = 1, .payload_len = 64 } },
		{ "QinQ", { .tpid = { TPID_8021AD, TPID_8021Q }, .ntags = 2, .payload_len = 64 } },
		{ "two 802.1Q tags", { .tpid = { TPID_8021Q, TPID_8021Q }, .ntags = 2,
				       .payload_len = 64 } },
		{ "IHL 6", { .ihl = 6, .payload_len = 32 } },
		{ "IHL 15", { .ihl = 15, .payload_len = 32 } },
		{ "QinQ and IHL 15", { .tpid = { TPID_8021AD, TPID_8021Q }, .ntags = 2, .ihl = 15,
				       .payload_len = 32 } },
		{ "DF set", { .frag = 0x4000, .payload_len = 16 } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pkt_info info;
		struct frame f;
		enum pkt_verdict got;

		frame_build(&f, &cases[i].spec);
		memset(&info, 0xa5, sizeof(info));
		got = packet_parse(f.buf, f.len, &info);
		if (got != PKT_OK)
			fail_msg("case \"%s\": verdict %d", cases[i].name, got);
		check_info(cases[i].name, &f, &info, cases[i].spec.ntags);
	}
}

/* The payload shown at the exact offsets an untagged frame with IHL 5 has. */
static void t_untagged_offsets_are_absolute(void **state)
{
	struct frame_spec spec = { .payload_len = 10 };
	struct pkt_info info;
	struct frame f;

	(void)state;
	frame_build(&f, &spec);
	assert_int_equal(packet_parse(f.buf, f.len, &info), PKT_OK);
	assert_int_equal(info.ip_off, 14);
	assert_int_equal(info.payload_off, 42);
	assert_int_equal(info.payload_len, 10);
}

/* A frame below the 60-byte Ethernet minimum arrives padded; the padding is not payload. */
static void t_ethernet_padding_is_ignored(void **state)
{
	static const struct frame_spec specs[] = {
		{ .payload_len = 2, .pad = 16 },
		{ .payload_len = 0, .pad = 18 },
		{ .tpid = { TPID_8021Q }, .ntags = 1, .payload_len = 1, .pad = 13 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		struct pkt_info info;
		struct frame f;

		frame_build(&f, &specs[i]);
		assert_true(f.len >= 60);
		assert_int_equal(packet_parse(f.buf, f.len, &info), PKT_OK);
		check_info("padded", &f, &info, specs[i].ntags);
	}
}

/* UDP length shorter than the IP payload: the UDP length decides the payload. */
static void t_udp_length_bounds_payload(void **state)
{
	struct frame_spec spec = { .payload_len = 40 };
	struct pkt_info info;
	struct frame f;

	(void)state;
	frame_build(&f, &spec);
	frame_patch(&f, PATCH_UDP_LEN, 8 + 25);
	assert_int_equal(packet_parse(f.buf, f.len, &info), PKT_OK);
	assert_int_equal(info.payload_len, 25);
	assert_int_equal(info.payload_off, f.payload_off);
}

/*
 * Every proper prefix of a valid frame is malformed.  Each prefix is copied
 * to a heap block of exactly that size, so ASan and valgrind catch any read
 * past len.
 */
static void t_truncated_at_every_length(void **state)
{
	static const struct frame_spec specs[] = {
		{ .payload_len = 20 },
		{ .tpid = { TPID_8021Q }, .ntags = 1, .ihl = 6, .payload_len = 3 },
		{ .tpid = { TPID_8021AD, TPID_8021Q }, .ntags = 2, .ihl = 15, .payload_len = 5 },
	};
	size_t i, l;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		struct frame f;

		frame_build(&f, &specs[i]);
		for (l = 0; l < f.len; l++) {
			uint8_t *copy = malloc(l);
			struct pkt_info info;
			enum pkt_verdict got;

			assert_non_null(copy);
			memcpy(copy, f.buf, l);
			got = packet_parse(copy, l, &info);
			free(copy);
			if (got != PKT_MALFORMED)
				fail_msg("spec %zu cut to %zu of %zu bytes: verdict %d", i, l,
					 f.len, got);
		}
	}
}

/*
 * An IP datagram too short for a UDP header, with nothing captured after it.
 * The verdict would be the same if the parser read the UDP length from past
 * the capture, so it is the valgrind and ASan runs that catch such a read.
 */
static void t_short_datagram_at_capture_end(void **state)
{
	static const struct frame_spec specs[] = {
		{ .payload_len = 0 },
		{ .tpid = { TPID_8021Q }, .ntags = 1, .ihl = 7 },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		for (k = 0; k < 8; k++) {
			size_t ip_tot = (specs[i].ihl ? specs[i].ihl : 5) * 4 + k;
			struct pkt_info info;
			struct frame f;
			uint8_t *copy;
			size_t len;
			enum pkt_verdict got;

			frame_build(&f, &specs[i]);
			frame_patch(&f, PATCH_TOT_LEN, (uint16_t)ip_tot);
			len = f.ip_off + ip_tot;
			copy = malloc(len);
			assert_non_null(copy);
			memcpy(copy, f.buf, len);
			got = packet_parse(copy, len, &info);
			free(copy);
			if (got != PKT_MALFORMED)
				fail_msg("spec %zu, %zu bytes after IP header: verdict %d", i, k,
					 got);
		}
	}
}

static void t_zero_length_is_malformed(void **state)
{
	static const uint8_t byte;
	struct pkt_info info;

	(void)state;
	assert_int_equal(packet_parse(&byte, 0, &info), PKT_MALFORMED);
}

static void t_bad_ip_header_is_malformed(void **state)
{
	static const struct verdict_case cases[] = {
		{ "IHL 0", SPEC_PLAIN, PATCH_VER_IHL, 0x40, PKT_MALFORMED },
		{ "IHL 4", SPEC_PLAIN, PATCH_VER_IHL, 0x44, PKT_MALFORMED },
		{ "IHL beyond capture", { .payload_len = 0 }, PATCH_VER_IHL, 0x4f, PKT_MALFORMED },
		{ "version 0", SPEC_PLAIN, PATCH_VER_IHL, 0x05, PKT_MALFORMED },
		{ "version 6", SPEC_PLAIN, PATCH_VER_IHL, 0x65, PKT_MALFORMED },
		{ "version 15", SPEC_PLAIN, PATCH_VER_IHL, 0xf5, PKT_MALFORMED },
		{ "total length 0", SPEC_PLAIN, PATCH_TOT_LEN, 0, PKT_MALFORMED },
		{ "total length 19", SPEC_PLAIN, PATCH_TOT_LEN, 19, PKT_MALFORMED },
		{ "total length below IHL 6", { .ihl = 6 }, PATCH_TOT_LEN, 20, PKT_MALFORMED },
		/* 20 + 8 + 100 bytes were captured. */
		{ "total length one past capture", { .payload_len = 100 }, PATCH_TOT_LEN, 129,
		  PKT_MALFORMED },
		{ "total length 65535", { .payload_len = 100 }, PATCH_TOT_LEN, 0xffff,
		  PKT_MALFORMED },
		{ "total length past capture, tagged", { .tpid = { TPID_8021Q }, .ntags = 1,
		  .payload_len = 100 }, PATCH_TOT_LEN, 129, PKT_MALFORMED },
		/* Header checks come before the fragment and protocol verdicts. */
		{ "fragment with IHL 4", { .frag = 0x2000 }, PATCH_VER_IHL, 0x44, PKT_MALFORMED },
		{ "ICMP past capture", { .proto = PROTO_ICMP }, PATCH_TOT_LEN, 200,
		  PKT_MALFORMED },
	};

	(void)state;
	run_verdict_cases(cases, ARRAY_SIZE(cases));
}

static void t_bad_udp_header_is_malformed(void **state)
{
	static const struct verdict_case cases[] = {
		{ "no room for UDP header", SPEC_PLAIN, PATCH_TOT_LEN, 27, PKT_MALFORMED },
		{ "bare IP header", SPEC_PLAIN, PATCH_TOT_LEN, 20, PKT_MALFORMED },
		{ "UDP length 0", { .payload_len = 10 }, PATCH_UDP_LEN, 0, PKT_MALFORMED },
		{ "UDP length 7", { .payload_len = 10 }, PATCH_UDP_LEN, 7, PKT_MALFORMED },
		{ "UDP length one past IP payload", { .payload_len = 10 }, PATCH_UDP_LEN, 19,
		  PKT_MALFORMED },
		{ "UDP length 65535", { .payload_len = 10 }, PATCH_UDP_LEN, 0xffff,
		  PKT_MALFORMED },
		/* The IP total length bounds UDP, not the captured bytes (padding). */
		{ "UDP length reaching into padding", { .payload_len = 2, .pad = 16 },
		  PATCH_UDP_LEN, 8 + 2 + 1, PKT_MALFORMED },
		{ "UDP length 8 is fine", { .payload_len = 10 }, PATCH_UDP_LEN, 8, PKT_OK },
		{ "UDP length exact is fine", { .payload_len = 10 }, PATCH_UDP_LEN, 18, PKT_OK },
	};

	(void)state;
	run_verdict_cases(cases, ARRAY_SIZE(cases));
}

static void t_fragments_are_reported(void **state)
{
	static const struct verdict_case cases[] = {
		{ "first fragment (MF)", { .frag = 0x2000, .payload_len = 64 }, PATCH_NONE, 0,
		  PKT_FRAGMENT },
		{ "middle fragment", { .frag = 0x2000 | 185, .payload_len = 64 }, PATCH_NONE, 0,
		  PKT_FRAGMENT },
		{ "last fragment", { .frag = 185, .payload_len = 64 }, PATCH_NONE, 0,
		  PKT_FRAGMENT },
		{ "largest offset", { .frag = 0x1fff }, PATCH_NONE, 0, PKT_FRAGMENT },
		{ "MF and DF", { .frag = 0x6000 }, PATCH_NONE, 0, PKT_FRAGMENT },
		/* A later fragment has no UDP header, so its short payload is no error. */
		{ "fragment shorter than UDP header", { .frag = 0x0100 }, PATCH_TOT_LEN, 24,
		  PKT_FRAGMENT },
		{ "fragment with bad UDP length", { .frag = 0x0100 }, PATCH_UDP_LEN, 3,
		  PKT_FRAGMENT },
		{ "tagged fragment", { .tpid = { TPID_8021Q }, .ntags = 1, .frag = 0x2000 },
		  PATCH_NONE, 0, PKT_FRAGMENT },
		{ "DF only is whole", { .frag = 0x4000 }, PATCH_NONE, 0, PKT_OK },
	};

	(void)state;
	run_verdict_cases(cases, ARRAY_SIZE(cases));
}

static void t_other_protocols_are_not_udp(void **state)
{
	static const struct verdict_case cases[] = {
		{ "ICMP", { .proto = PROTO_ICMP }, PATCH_NONE, 0, PKT_NOT_UDP },
		{ "TCP", { .proto = PROTO_TCP, .payload_len = 40 }, PATCH_NONE, 0, PKT_NOT_UDP },
		/* Only UDP needs 8 bytes past the IP header. */
		{ "ICMP with 4-byte body", { .proto = PROTO_ICMP }, PATCH_TOT_LEN, 24,
		  PKT_NOT_UDP },
		{ "tagged TCP", { .tpid = { TPID_8021Q }, .ntags = 1, .proto = PROTO_TCP },
		  PATCH_NONE, 0, PKT_NOT_UDP },
	};

	(void)state;
	run_verdict_cases(cases, ARRAY_SIZE(cases));
}

static void t_other_ethertypes_are_not_ipv4(void **state)
{
	/* The bytes after the ethertype are a valid IPv4 UDP packet in each case. */
	static const struct verdict_case cases[] = {
		{ "ARP", { .ethertype = ETYPE_ARP }, PATCH_NONE, 0, PKT_NOT_IPV4 },
		/* IPv6 is parsed now: an IPv4 header behind its ethertype is damage. */
		{ "IPv6", { .ethertype = ETYPE_IPV6 }, PATCH_NONE, 0, PKT_MALFORMED },
		{ "802.3 length", { .ethertype = 0x05dc }, PATCH_NONE, 0, PKT_NOT_IPV4 },
		{ "tagged ARP", { .tpid = { TPID_8021Q }, .ntags = 1, .ethertype = ETYPE_ARP },
		  PATCH_NONE, 0, PKT_NOT_IPV4 },
		{ "QinQ IPv6", { .tpid = { TPID_8021AD, TPID_8021Q }, .ntags = 2,
		  .ethertype = ETYPE_IPV6 }, PATCH_NONE, 0, PKT_MALFORMED },
		/* Three tags are more than we walk: the third TPID is the ethertype. */
		{ "three tags", { .tpid = { TPID_8021AD, TPID_8021Q, TPID_8021Q }, .ntags = 3 },
		  PATCH_NONE, 0, PKT_NOT_IPV4 },
	};

	(void)state;
	run_verdict_cases(cases, ARRAY_SIZE(cases));
}

/* The ethertype alone decides; a 14-byte ARP stub needs no more bytes. */
static void t_not_ipv4_needs_only_ethernet_header(void **state)
{
	struct frame_spec spec = { .ethertype = ETYPE_ARP };
	struct pkt_info info;
	struct frame f;

	(void)state;
	frame_build(&f, &spec);
	assert_int_equal(packet_parse(f.buf, 14, &info), PKT_NOT_IPV4);
	assert_int_equal(packet_parse(f.buf, 13, &info), PKT_MALFORMED);
}

/*
 * The VLAN a frame belongs to, from the tag the kernel took off (if any) and
 * the tags left in its bytes: one tag gives its VID, a priority tag (VID 0)
 * counts as untagged, two or more are "stacked" (QinQ) whichever carries
 * what; PCP and DEI bits never matter.
 */
static void t_vlan_of_frame(void **state)
{
	static const struct {
		const char *name;
		bool has_outer;
		uint16_t outer_tci;
		unsigned int ntags;	/* in-band, the outermost with in_tci */
		uint16_t in_tci;
		uint16_t want;
	} cases[] = {
		{ "untagged", false, 0, 0, 0, 0 },
		{ "kernel tag 666", true, 666, 0, 0, 666 },
		{ "kernel tag 666, PCP 5 DEI 1", true, 0xb000 | 666, 0, 0, 666 },
		{ "kernel priority tag", true, 0xe000, 0, 0, 0 },
		{ "kernel tag VID 4095", true, 0x0fff, 0, 0, 4095 },
		{ "in-band tag 666", false, 0, 1, 666, 666 },
		{ "in-band priority tag", false, 0, 1, 0x6000, 0 },
		{ "kernel tag + in-band tag (QinQ)", true, 100, 1, 666, PKT_VLAN_STACKED },
		{ "kernel priority tag + in-band tag", true, 0, 1, 666, PKT_VLAN_STACKED },
		{ "kernel tag + in-band priority tag", true, 666, 1, 0, PKT_VLAN_STACKED },
		{ "two in-band tags", false, 0, 2, 666, PKT_VLAN_STACKED },
		{ "kernel tag + two in-band tags", true, 1, 2, 2, PKT_VLAN_STACKED },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct frame_spec spec = { .tpid = { TPID_8021AD, TPID_8021Q },
					   .ntags = cases[i].ntags, .payload_len = 16 };
		struct frame f;
		struct pkt_info info;
		uint16_t got;

		frame_build(&f, &spec);
		if (spec.ntags)
			put16(f.buf, 14, cases[i].in_tci);
		assert_int_equal(packet_parse(f.buf, f.len, &info), PKT_OK);
		got = packet_vlan(&info, cases[i].has_outer, cases[i].outer_tci);
		if (got != cases[i].want)
			fail_msg("case \"%s\": VLAN %u, want %u", cases[i].name, got, cases[i].want);
	}
}

/* ---- IPv6 ---- */

#define V6_HLEN		40
#define NH_HOP		0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_DSTOPTS	60
#define NH_NONE		59
#define NH_ICMPV6	58

/* One extension header: its type and its length in 8-byte units beyond the first. */
struct v6_ext {
	uint8_t type;
	uint8_t len8;
};

/*
 * An IPv6 UDP frame to ff3e::1 from 2001:db8::1 behind @ntags 802.1Q tags,
 * with @n extension headers, then @last (UDP, or another protocol), then a
 * UDP header and @payload bytes.  Returns the frame length; *ret_udp is
 * the UDP header's offset.
 */
static size_t v6_build(uint8_t *buf, unsigned int ntags, const struct v6_ext *ext, size_t n,
		       uint8_t last, size_t payload, size_t *ret_udp)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst[16] = { 0xff, 0x3e, [15] = 1 };
	size_t off = 12, ip, p;

	memset(buf, 0, FRAME_MAX);
	for (unsigned int t = 0; t < ntags; t++) {
		off = put16(buf, off, TPID_8021Q);
		off = put16(buf, off, (uint16_t)(100 + t));
	}
	off = put16(buf, off, ETYPE_IPV6);
	ip = off;
	buf[ip] = 0x60;
	buf[ip + 6] = n ? ext[0].type : last;
	buf[ip + 7] = 9;	/* hop limit */
	memcpy(buf + ip + 8, src, 16);
	memcpy(buf + ip + 24, dst, 16);
	p = ip + V6_HLEN;
	for (size_t i = 0; i < n; i++) {
		buf[p] = i + 1 < n ? ext[i + 1].type : last;
		buf[p + 1] = ext[i].len8;
		p += ((size_t)ext[i].len8 + 1) * 8;
	}
	*ret_udp = p;
	put16(buf, p, T_SPORT);
	put16(buf, p + 2, T_DPORT);
	put16(buf, p + 4, (uint16_t)(8 + payload));
	put16(buf, p + 6, 0x1234);
	p += 8 + payload;
	put16(buf, ip + 4, (uint16_t)(p - ip - V6_HLEN));
	return p;
}

static void t_ipv6_udp(void **state)
{
	static const struct v6_ext chain[] = { { NH_HOP, 0 }, { NH_DSTOPTS, 1 }, { NH_ROUTING, 2 },
					       { NH_DSTOPTS, 0 } };
	uint8_t buf[FRAME_MAX];
	struct pkt_info info;
	size_t len, udp;

	(void)state;
	for (size_t n = 0; n <= ARRAY_SIZE(chain); n++) {
		for (unsigned int tags = 0; tags <= 1; tags++) {
			memset(&info, 0, sizeof(info));
			len = v6_build(buf, tags, chain, n, IPPROTO_UDP, 100, &udp);
			assert_int_equal(packet_parse(buf, len, &info), PKT_OK_IPV6);
			assert_int_equal(info.ip_off, 14 + 4 * tags);
			assert_int_equal(info.udp_off, udp);
			assert_int_equal(info.payload_off, udp + 8);
			assert_int_equal(info.payload_len, 100);
			assert_int_equal(info.sport, T_SPORT);
			assert_int_equal(info.dport, T_DPORT);
			assert_int_equal(info.ttl, 9);
			assert_int_equal(info.vlan_depth, tags);
			assert_int_equal(info.daddr6.s6_addr[0], 0xff);
			assert_int_equal(info.daddr6.s6_addr[1], 0x3e);
			assert_int_equal(info.saddr6.s6_addr[1], 0x01);
			/* Ethernet padding after the datagram is not part of it. */
			assert_int_equal(packet_parse(buf, len + 20, &info), PKT_OK_IPV6);
			assert_int_equal(info.payload_len, 100);
			/* Every shorter capture is refused, never read past. */
			for (size_t cut = 0; cut < len; cut++) {
				uint8_t *copy = malloc(cut ? cut : 1);

				memcpy(copy, buf, cut);
				if (packet_parse(copy, cut, &info) == PKT_OK_IPV6)
					fail_msg("%zu ext, %u tags: OK at %zu of %zu bytes", n,
						 tags, cut, len);
				free(copy);
			}
		}
	}
}

/* Any fragment header is a fragment, first or not; a cut one is damage. */
static void t_ipv6_fragments(void **state)
{
	static const struct v6_ext frag[] = { { NH_FRAGMENT, 0 } };
	static const struct v6_ext hop_frag[] = { { NH_HOP, 0 }, { NH_FRAGMENT, 0 } };
	uint8_t buf[FRAME_MAX];
	struct pkt_info info;
	size_t len, udp;

	(void)state;
	len = v6_build(buf, 0, frag, 1, IPPROTO_UDP, 32, &udp);
	assert_int_equal(packet_parse(buf, len, &info), PKT_FRAGMENT);
	/* A later fragment: offset 1185 * 8, more fragments. */
	put16(buf, 14 + V6_HLEN + 2, (uint16_t)(1185 << 3 | 1));
	assert_int_equal(packet_parse(buf, len, &info), PKT_FRAGMENT);
	len = v6_build(buf, 1, hop_frag, 2, IPPROTO_UDP, 0, &udp);
	assert_int_equal(packet_parse(buf, len, &info), PKT_FRAGMENT);
	/* The payload ends inside the fragment header. */
	len = v6_build(buf, 0, frag, 1, IPPROTO_UDP, 0, &udp);
	put16(buf, 14 + 4, 4);
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
}

static void t_ipv6_malformed_and_other(void **state)
{
	static const struct v6_ext hop_late[] = { { NH_DSTOPTS, 0 }, { NH_HOP, 0 } };
	static const struct v6_ext long_ext[] = { { NH_DSTOPTS, 200 } };
	static const struct v6_ext nine[] = { { NH_HOP, 0 },	 { NH_DSTOPTS, 0 }, { NH_DSTOPTS, 0 },
					      { NH_DSTOPTS, 0 }, { NH_DSTOPTS, 0 }, { NH_DSTOPTS, 0 },
					      { NH_DSTOPTS, 0 }, { NH_DSTOPTS, 0 }, { NH_DSTOPTS, 0 } };
	uint8_t buf[FRAME_MAX];
	struct pkt_info info;
	size_t len, udp;

	(void)state;
	/* Hop-by-hop options anywhere but first. */
	len = v6_build(buf, 0, hop_late, 2, IPPROTO_UDP, 10, &udp);
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
	/* An extension header longer than the payload. */
	len = v6_build(buf, 0, long_ext, 1, IPPROTO_UDP, 0, &udp);
	put16(buf, 14 + 4, 64);
	assert_int_equal(packet_parse(buf, 14 + V6_HLEN + 64, &info), PKT_MALFORMED);
	/* A chain longer than PKT_IPV6_MAX_EXT. */
	len = v6_build(buf, 0, nine, PKT_IPV6_MAX_EXT, IPPROTO_UDP, 10, &udp);
	assert_int_equal(packet_parse(buf, len, &info), PKT_OK_IPV6);
	len = v6_build(buf, 0, nine, PKT_IPV6_MAX_EXT + 1, IPPROTO_UDP, 10, &udp);
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
	/* Other protocols, and no next header. */
	len = v6_build(buf, 0, NULL, 0, NH_ICMPV6, 10, &udp);
	assert_int_equal(packet_parse(buf, len, &info), PKT_NOT_UDP);
	len = v6_build(buf, 0, long_ext, 0, NH_NONE, 10, &udp);
	assert_int_equal(packet_parse(buf, len, &info), PKT_NOT_UDP);
	len = v6_build(buf, 0, NULL, 0, IPPROTO_UDP, 10, &udp);
	assert_int_equal(packet_parse(buf, len, &info), PKT_OK_IPV6);
	/* Version 4 in an IPv6 frame, payload length 0 (a jumbogram), past the capture. */
	buf[14] = 0x45;
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
	buf[14] = 0x60;
	put16(buf, 14 + 4, 0);
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
	put16(buf, 14 + 4, (uint16_t)(len - 14 - V6_HLEN + 1));
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
	put16(buf, 14 + 4, (uint16_t)(len - 14 - V6_HLEN));
	/* UDP: a zero checksum, lengths below 8 or past the payload. */
	put16(buf, udp + 6, 0);
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
	put16(buf, udp + 6, 0xffff);
	put16(buf, udp + 4, 7);
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
	put16(buf, udp + 4, 19);
	assert_int_equal(packet_parse(buf, len, &info), PKT_MALFORMED);
	put16(buf, udp + 4, 18);
	assert_int_equal(packet_parse(buf, len, &info), PKT_OK_IPV6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_valid_frames_fill_every_field),
		cmocka_unit_test(t_untagged_offsets_are_absolute),
		cmocka_unit_test(t_ethernet_padding_is_ignored),
		cmocka_unit_test(t_udp_length_bounds_payload),
		cmocka_unit_test(t_truncated_at_every_length),
		cmocka_unit_test(t_short_datagram_at_capture_end),
		cmocka_unit_test(t_zero_length_is_malformed),
		cmocka_unit_test(t_bad_ip_header_is_malformed),
		cmocka_unit_test(t_bad_udp_header_is_malformed),
		cmocka_unit_test(t_fragments_are_reported),
		cmocka_unit_test(t_other_protocols_are_not_udp),
		cmocka_unit_test(t_other_ethertypes_are_not_ipv4),
		cmocka_unit_test(t_not_ipv4_needs_only_ethernet_header),
		cmocka_unit_test(t_vlan_of_frame),
		cmocka_unit_test(t_ipv6_udp),
		cmocka_unit_test(t_ipv6_fragments),
		cmocka_unit_test(t_ipv6_malformed_and_other),
	};

	return cmocka_run_group_tests_name("packet", tests, NULL, NULL);
}
