// SPDX-License-Identifier: MIT
/*
 * Unit tests for the L2 egress frame headers: the template's fixed fields,
 * the fields carried from the received header (TOS, DF, a kept source),
 * and the per-packet patching checked against a full recomputation.  The
 * random cases use a fixed-seed generator so that a failure reproduces.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "common/util.h"
#include "mcrd/dataplane/egress.h"
#include "mcrd/dataplane/frame.h"
#include "../csum_ref.h"

#define T_RANDOM_CASES	20000
#define T_MAX_PAYLOAD	1472

static const uint8_t T_DST_MAC[6] = { 0x01, 0x00, 0x5e, 0x02, 0x02, 0x02 };
static const uint8_t T_SRC_MAC[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

/* A received datagram: what frame_pkt_init() and the reference need. */
struct t_dgram {
	uint32_t saddr;		/* network order */
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint16_t check;
	uint8_t tos;
	uint8_t ttl;
	bool is_df;
	size_t len;		/* payload bytes */
	uint8_t payload[T_MAX_PAYLOAD];
};

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64: plenty for test data, and the seed makes it repeatable. */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The UDP checksum RFC 768 defines for this datagram, 0 sent as 0xffff. */
static uint16_t ref_udp_check(uint32_t saddr_be, uint32_t daddr_be, uint16_t sport,
			      uint16_t dport, const uint8_t *payload, size_t len)
{
	uint8_t pseudo[12], udp[8];
	uint16_t udp_len = (uint16_t)(8 + len);
	uint16_t check;

	memcpy(pseudo, &saddr_be, 4);
	memcpy(pseudo + 4, &daddr_be, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	pseudo[10] = (uint8_t)(udp_len >> 8);
	pseudo[11] = (uint8_t)udp_len;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = pseudo[10];
	udp[5] = pseudo[11];
	udp[6] = 0;
	udp[7] = 0;
	check = (uint16_t)~ref_fold(ref_sum(ref_sum(ref_sum(0, pseudo, 12), udp, 8), payload, len));
	return check ? check : 0xffff;
}

/* The folded pseudo-header sum a sender's checksum offload leaves in the field. */
static uint16_t ref_pseudo(uint32_t saddr_be, uint32_t daddr_be, size_t len)
{
	uint8_t pseudo[12] = { [9] = IPPROTO_UDP };

	memcpy(pseudo, &saddr_be, 4);
	memcpy(pseudo + 4, &daddr_be, 4);
	pseudo[10] = (uint8_t)((8 + len) >> 8);
	pseudo[11] = (uint8_t)(8 + len);
	return ref_fold(ref_sum(0, pseudo, 12));
}

static void dgram_udp_header(const struct t_dgram *d, uint8_t udp[8])
{
	uint16_t len = (uint16_t)(8 + d->len);

	udp[0] = (uint8_t)(d->sport >> 8);
	udp[1] = (uint8_t)d->sport;
	udp[2] = (uint8_t)(d->dport >> 8);
	udp[3] = (uint8_t)d->dport;
	udp[4] = (uint8_t)(len >> 8);
	udp[5] = (uint8_t)len;
	udp[6] = (uint8_t)(d->check >> 8);
	udp[7] = (uint8_t)d->check;
}

/* The received IPv4 header, as far as frame_pkt_init() reads it. */
static void dgram_ip_header(const struct t_dgram *d, uint8_t ip[20])
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = d->tos;
	ip[6] = d->is_df ? 0x40 : 0;
	ip[8] = d->ttl;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &d->saddr, 4);
	memcpy(ip + 16, &d->daddr, 4);
}

static void dgram_random(struct t_dgram *d, uint64_t *rng)
{
	d->saddr = (uint32_t)rng_next(rng);
	d->daddr = htonl(0xe0000000u | ((uint32_t)rng_next(rng) & 0x0fffffffu));
	d->sport = (uint16_t)rng_next(rng);
	d->dport = (uint16_t)rng_next(rng);
	d->len = rng_next(rng) % (T_MAX_PAYLOAD + 1);
	d->tos = (uint8_t)rng_next(rng);
	d->ttl = (uint8_t)rng_next(rng);
	d->is_df = rng_next(rng) & 1;
	/* All of it, so that a test may lengthen the payload afterwards. */
	for (size_t i = 0; i < T_MAX_PAYLOAD; i++)
		d->payload[i] = (uint8_t)rng_next(rng);
	d->check = ref_udp_check(d->saddr, d->daddr, d->sport, d->dport, d->payload, d->len);
}

/*
 * Build the template and the frame for one output; returns the wire header.
 * src_be 0 keeps the received source ("source": "keep").
 */
static const uint8_t *build(uint8_t out[FRAME_SEND_LEN], const struct t_dgram *d,
			    uint32_t src_be, uint32_t group_be, uint16_t port, uint8_t ttl,
			    uint16_t ip_id, struct frame_pkt *ret_pkt)
{
	struct frame_tmpl t;
	struct in_addr src = { .s_addr = src_be }, group = { .s_addr = group_be };
	uint8_t ip[20], udp[8];

	frame_tmpl_init(&t, T_DST_MAC, T_SRC_MAC, src, group, port);
	dgram_ip_header(d, ip);
	dgram_udp_header(d, udp);
	frame_pkt_init(ret_pkt, ip, udp);
	frame_build(out, &t, ret_pkt, ip_id, ttl);
	return out + FRAME_OFF_ETH;
}

/* The source a frame goes out from: the template's, or the received one. */
static uint32_t sent_src(uint32_t src_be, const struct t_dgram *d)
{
	return src_be ? src_be : d->saddr;
}

static struct virtio_net_hdr vnet_of(const uint8_t out[FRAME_SEND_LEN])
{
	struct virtio_net_hdr v;

	memcpy(&v, out, sizeof(v));
	return v;
}

/* t_template_fields: every fixed header field is where RFC 791/768 put it. */
static void t_template_fields(void **state)
{
	struct t_dgram d = { .saddr = htonl(0xc6120001u), .daddr = htonl(0xef010101u),
			     .sport = 40000, .dport = 5000, .check = 0, .len = 100 };
	uint8_t out[FRAME_SEND_LEN];
	struct frame_pkt p;
	const uint8_t *eth, *ip, *udp;
	uint32_t a;

	(void)state;
	eth = build(out, &d, htonl(0xc6130001u), htonl(0xef020202u), 6000, 8, 0x1234, &p);
	ip = eth + FRAME_ETH_LEN;
	/* TOS 0 and DF clear as received here; see t_received_fields_kept. */
	udp = ip + FRAME_IP_LEN;
	assert_memory_equal(eth, T_DST_MAC, 6);
	assert_memory_equal(eth + 6, T_SRC_MAC, 6);
	assert_int_equal(get16(eth + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0);			/* TOS */
	assert_int_equal(get16(ip + 2), 20 + 8 + 100);	/* total length */
	assert_int_equal(get16(ip + 4), 0x1234);	/* id */
	assert_int_equal(get16(ip + 6), 0);		/* DF clear, no fragment */
	assert_int_equal(ip[8], 8);			/* TTL */
	assert_int_equal(ip[9], IPPROTO_UDP);
	memcpy(&a, ip + 12, 4);
	assert_int_equal(ntohl(a), 0xc6130001u);
	memcpy(&a, ip + 16, 4);
	assert_int_equal(ntohl(a), 0xef020202u);
	assert_int_equal(get16(udp), 40000);		/* the sender's port */
	assert_int_equal(get16(udp + 2), 6000);
	assert_int_equal(get16(udp + 4), 8 + 100);
	assert_int_equal(get16(udp + 6), 0);		/* no checksum in, none out */
	assert_int_equal(vnet_of(out).flags, 0);
}

/*
 * t_received_fields_kept: TOS (DSCP and ECN), DF and, with "keep", the
 * source go out as received; the TTL is the one given; the rest of the
 * flags word (fragment offset, MF) is zero; the checksum verifies.
 */
static void t_received_fields_kept(void **state)
{
	static const struct {
		uint8_t tos;
		bool is_df;
		uint8_t ttl;
		uint32_t src;	/* host order; 0 keeps the received source */
	} cases[] = {
		{ 0xb8, true, 15, 0xc6130001u },	/* EF, DF, a decremented TTL */
		{ 0x2a, false, 64, 0xc6130001u },	/* AF11 + ECT(0), no DF */
		{ 0x03, true, 1, 0 },			/* CE, DF, kept source */
		{ 0xff, false, 255, 0 },
		{ 0x00, false, 1, 0x0a000001u },	/* a given source */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct t_dgram d = { .saddr = htonl(0xc6120001u), .daddr = htonl(0xef010101u),
				     .sport = 40000, .dport = 5000, .len = 64,
				     .tos = cases[i].tos, .is_df = cases[i].is_df, .ttl = 99 };
		uint8_t out[FRAME_SEND_LEN];
		struct frame_pkt p;
		const uint8_t *ip, *udp;
		uint32_t a, src = htonl(cases[i].src);

		d.check = ref_udp_check(d.saddr, d.daddr, d.sport, d.dport, d.payload, d.len);
		ip = build(out, &d, src, htonl(0xef020202u), 6000, cases[i].ttl, 7, &p) +
		     FRAME_ETH_LEN;
		udp = ip + FRAME_IP_LEN;
		assert_int_equal(p.ttl, 99);
		assert_int_equal(ip[1], cases[i].tos);
		assert_int_equal(get16(ip + 6), cases[i].is_df ? 0x4000 : 0);
		assert_int_equal(ip[8], cases[i].ttl);
		memcpy(&a, ip + 12, 4);
		assert_int_equal(a, sent_src(src, &d));
		assert_int_equal(ref_fold(ref_sum(0, ip, FRAME_IP_LEN)), 0xffff);
		assert_int_equal(get16(udp + 6), ref_udp_check(sent_src(src, &d), htonl(0xef020202u),
							       d.sport, 6000, d.payload, d.len));
	}
}

/*
 * t_ttl_policy: the TTL an output sends with, from the received one: set
 * (whatever came), kept (0 expires), decremented (1 and 0 expire, as a
 * router forwards only TTL > 1).
 */
static void t_ttl_policy(void **state)
{
	struct egress_out set = { .ttl_mode = TTL_SET, .ttl = 8 };
	struct egress_out keep = { .ttl_mode = TTL_KEEP, .ttl = 8 };
	struct egress_out dec = { .ttl_mode = TTL_DECREMENT, .ttl = 8 };

	(void)state;
	assert_int_equal(egress_ttl(&set, 0), 8);
	assert_int_equal(egress_ttl(&set, 1), 8);
	assert_int_equal(egress_ttl(&set, 255), 8);
	assert_int_equal(egress_ttl(&keep, 0), 0);
	assert_int_equal(egress_ttl(&keep, 1), 1);
	assert_int_equal(egress_ttl(&keep, 255), 255);
	assert_int_equal(egress_ttl(&dec, 0), 0);
	assert_int_equal(egress_ttl(&dec, 1), 0);
	assert_int_equal(egress_ttl(&dec, 2), 1);
	assert_int_equal(egress_ttl(&dec, 255), 254);
}

/* t_port_kept_or_rewritten: dport 0 in the template keeps each packet's port. */
static void t_port_kept_or_rewritten(void **state)
{
	static const struct {
		uint16_t tmpl_port;
		uint16_t pkt_port;
		uint16_t want;
	} cases[] = {
		{ 0, 5000, 5000 },
		{ 0, 65535, 65535 },
		{ 6000, 5000, 6000 },
		{ 1, 5000, 1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct t_dgram d = { .saddr = htonl(0xc6120001u), .daddr = htonl(0xef010101u),
				     .sport = 1234, .dport = cases[i].pkt_port, .len = 10 };
		uint8_t out[FRAME_SEND_LEN];
		struct frame_pkt p;
		const uint8_t *udp;

		d.check = ref_udp_check(d.saddr, d.daddr, d.sport, d.dport, d.payload, d.len);
		udp = build(out, &d, htonl(0xc6130001u), htonl(0xef020202u), cases[i].tmpl_port,
			    1, 0, &p) + FRAME_ETH_LEN + FRAME_IP_LEN;
		assert_int_equal(get16(udp + 2), cases[i].want);
		assert_int_equal(get16(udp + 6),
				 ref_udp_check(htonl(0xc6130001u), htonl(0xef020202u), 1234,
					       cases[i].want, d.payload, d.len));
	}
}

/* t_ip_checksum_verifies: the IPv4 header sums to 0xffff for any length and id. */
static void t_ip_checksum_verifies(void **state)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int i = 0; i < T_RANDOM_CASES; i++) {
		struct t_dgram d;
		uint8_t out[FRAME_SEND_LEN];
		struct frame_pkt p;
		const uint8_t *ip;
		uint8_t copy[FRAME_IP_LEN];

		dgram_random(&d, &rng);
		ip = build(out, &d, (uint32_t)rng_next(&rng), d.daddr, (uint16_t)rng_next(&rng),
			   (uint8_t)rng_next(&rng), (uint16_t)rng_next(&rng), &p) +
		     FRAME_ETH_LEN;
		assert_int_equal(ref_fold(ref_sum(0, ip, FRAME_IP_LEN)), 0xffff);
		/* And it is the very value a full recomputation gives. */
		memcpy(copy, ip, sizeof(copy));
		copy[10] = 0;
		copy[11] = 0;
		assert_int_equal(get16(ip + 10),
				 (uint16_t)~ref_fold(ref_sum(0, copy, sizeof(copy))));
	}
}

/*
 * t_udp_full_matches_recompute: a complete checksum, updated for new
 * addresses (including 0.0.0.0) and port, equals the one computed afresh.
 */
static void t_udp_full_matches_recompute(void **state)
{
	uint64_t rng = 0x0123456789abcdefull;
	int n_full = 0;

	(void)state;
	for (int i = 0; i < T_RANDOM_CASES; i++) {
		struct t_dgram d;
		uint8_t out[FRAME_SEND_LEN];
		struct frame_pkt p;
		uint32_t src = (i % 7 == 0) ? 0 : (uint32_t)rng_next(&rng);
		uint32_t group = htonl(0xe0000000u | ((uint32_t)rng_next(&rng) & 0x0fffffffu));
		uint16_t port = (i % 3 == 0) ? 0 : (uint16_t)rng_next(&rng);
		const uint8_t *udp;

		dgram_random(&d, &rng);
		udp = build(out, &d, src, group, port, 16, (uint16_t)i, &p) + FRAME_ETH_LEN +
		      FRAME_IP_LEN;
		assert_int_equal(get16(udp + 6),
				 ref_udp_check(sent_src(src, &d), group, d.sport,
					       port ? port : d.dport, d.payload, d.len));
		/* A complete checksum equal to the pseudo-header sum is read as partial. */
		if (d.check == ref_pseudo(d.saddr, d.daddr, d.len))
			continue;
		assert_int_equal(p.csum, FRAME_CSUM_FULL);
		assert_int_equal(vnet_of(out).flags, 0);
		n_full++;
	}
	assert_true(n_full > T_RANDOM_CASES - 10);
}

/*
 * Fill the last two payload bytes so that the datagram's checksum, sent
 * from src to dst port dport, comes out as `want` (0xffff: the sum was 0).
 */
static void force_check(struct t_dgram *d, uint32_t src, uint32_t dst, uint16_t dport,
			uint16_t want)
{
	uint16_t have;

	d->payload[d->len - 2] = 0;
	d->payload[d->len - 1] = 0;
	have = ref_udp_check(src, dst, d->sport, dport, d->payload, d->len);
	/* Adding w to the sum lowers the complement by w (ones' complement). */
	{
		uint32_t w = ref_fold((uint32_t)have + (0xffffu - want));

		d->payload[d->len - 2] = (uint8_t)(w >> 8);
		d->payload[d->len - 1] = (uint8_t)w;
	}
}

/* t_udp_full_ffff_edges: a received 0xffff, and a result that must be 0xffff. */
static void t_udp_full_ffff_edges(void **state)
{
	uint64_t rng = 42;
	uint32_t src = htonl(0xc6130001u), group = htonl(0xef020202u);

	(void)state;
	for (int i = 0; i < 200; i++) {
		struct t_dgram d;
		uint8_t out[FRAME_SEND_LEN];
		struct frame_pkt p;
		const uint8_t *udp;

		dgram_random(&d, &rng);
		d.len = 2 + 2 * (d.len / 2 % 700);	/* even, at least two bytes to steer */
		if (i % 2 == 0)
			force_check(&d, d.saddr, d.daddr, d.dport, 0xffff);
		else
			force_check(&d, src, group, 6000, 0xffff);
		d.check = ref_udp_check(d.saddr, d.daddr, d.sport, d.dport, d.payload, d.len);
		if (i % 2 == 0)
			assert_int_equal(d.check, 0xffff);
		udp = build(out, &d, src, group, 6000, 1, 0, &p) + FRAME_ETH_LEN + FRAME_IP_LEN;
		assert_int_equal(get16(udp + 6),
				 ref_udp_check(src, group, d.sport, 6000, d.payload, d.len));
		if (i % 2 == 1)
			assert_int_equal(get16(udp + 6), 0xffff);
	}
}

/* t_udp_zero_kept: a datagram sent without checksum is relayed without one. */
static void t_udp_zero_kept(void **state)
{
	uint64_t rng = 7;

	(void)state;
	for (int i = 0; i < 100; i++) {
		struct t_dgram d;
		uint8_t out[FRAME_SEND_LEN];
		struct frame_pkt p;
		const uint8_t *udp;

		dgram_random(&d, &rng);
		d.check = 0;
		udp = build(out, &d, (uint32_t)rng_next(&rng), htonl(0xef000001u),
			    (uint16_t)rng_next(&rng), 1, 0, &p) + FRAME_ETH_LEN + FRAME_IP_LEN;
		assert_int_equal(p.csum, FRAME_CSUM_NONE);
		assert_int_equal(get16(udp + 6), 0);
		assert_int_equal(vnet_of(out).flags, 0);
	}
}

/*
 * t_udp_partial_completed: a partial checksum goes out as the new pseudo-
 * header sum with "needs checksum"; completing it as a NIC (or the kernel's
 * skb_checksum_help) does gives the checksum computed afresh.
 */
static void t_udp_partial_completed(void **state)
{
	uint64_t rng = 0xfeedfacecafebeefull;

	(void)state;
	for (int i = 0; i < T_RANDOM_CASES / 4; i++) {
		struct t_dgram d;
		uint8_t out[FRAME_SEND_LEN];
		struct frame_pkt p;
		struct virtio_net_hdr v;
		uint32_t src = (i % 5 == 0) ? 0 : (uint32_t)rng_next(&rng);
		uint32_t group = htonl(0xe0000000u | ((uint32_t)rng_next(&rng) & 0x0fffffffu));
		uint16_t port = (i % 2) ? 0 : (uint16_t)rng_next(&rng);
		const uint8_t *eth;
		uint16_t done;

		dgram_random(&d, &rng);
		d.check = ref_pseudo(d.saddr, d.daddr, d.len);
		eth = build(out, &d, src, group, port, 1, 0, &p);
		assert_int_equal(p.csum, FRAME_CSUM_PARTIAL);
		v = vnet_of(out);
		assert_int_equal(v.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(v.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		assert_int_equal(v.csum_start, FRAME_ETH_LEN + FRAME_IP_LEN);
		assert_int_equal(v.csum_offset, 6);
		assert_int_equal(get16(eth + v.csum_start + v.csum_offset),
				 ref_pseudo(sent_src(src, &d), group, d.len));
		done = (uint16_t)~ref_fold(ref_sum(ref_sum(0, eth + v.csum_start, FRAME_UDP_LEN),
						   d.payload, d.len));
		if (done == 0)
			done = 0xffff;
		assert_int_equal(done, ref_udp_check(sent_src(src, &d), group, d.sport,
						     port ? port : d.dport, d.payload, d.len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_template_fields),
		cmocka_unit_test(t_received_fields_kept),
		cmocka_unit_test(t_ttl_policy),
		cmocka_unit_test(t_port_kept_or_rewritten),
		cmocka_unit_test(t_ip_checksum_verifies),
		cmocka_unit_test(t_udp_full_matches_recompute),
		cmocka_unit_test(t_udp_full_ffff_edges),
		cmocka_unit_test(t_udp_zero_kept),
		cmocka_unit_test(t_udp_partial_completed),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
