// SPDX-License-Identifier: MIT
/*
 * Unit tests for mld_wire.c: the queries mcrd sends decode as sent, every
 * MLD message mcrd reads decodes, and packets whose lengths, checksums or
 * headers do not add up are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "mcrd/membership/mld_wire.h"

static struct mld_msg msg;

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/*
 * An IPv6 packet from fe80::2 to dst, hop limit 1, a hop-by-hop header with
 * router alert, around the ICMPv6 message m[0..mlen), checksum filled.
 */
static size_t make_packet(uint8_t *pkt, const char *dst, const uint8_t *m, size_t mlen)
{
	static const uint8_t hbh[8] = { 58, 0, 5, 2, 0, 0, 1, 0 };
	struct in6_addr s = a6("fe80::2"), d = a6(dst);
	uint16_t sum;

	memset(pkt, 0, 48);
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)((8 + mlen) >> 8);
	pkt[5] = (uint8_t)(8 + mlen);
	pkt[6] = 0;
	pkt[7] = 1;
	memcpy(pkt + 8, &s, 16);
	memcpy(pkt + 24, &d, 16);
	memcpy(pkt + 40, hbh, sizeof(hbh));
	memcpy(pkt + 48, m, mlen);
	pkt[50] = pkt[51] = 0;
	sum = mld_checksum(&s, &d, pkt + 48, mlen);
	pkt[50] = (uint8_t)(sum >> 8);
	pkt[51] = (uint8_t)sum;
	return 48 + mlen;
}

/* A v2 report: two records, one with two sources and one aux word. */
static const uint8_t v2_report[] = {
	143, 0, 0, 0, 0, 0, 0, 2,
	IGMP_MODE_IS_INCLUDE, 1, 0, 2, 0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	9, 9, 9, 9,
	IGMP_CHANGE_TO_EXCLUDE, 0, 0, 0, 0xff, 0x1e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42,
};

static void t_v2_report(void **state)
{
	uint8_t pkt[256];
	size_t len = make_packet(pkt, "ff02::16", v2_report, sizeof(v2_report));
	struct in6_addr s1 = a6("2001:db8::2");

	(void)state;
	assert_int_equal(mld_decode(pkt, len, &msg), 0);
	assert_int_equal(msg.type, MLD_TYPE_V2_REPORT);
	assert_true(msg.has_router_alert);
	assert_int_equal(msg.n_records, 2);
	assert_int_equal(msg.records[0].type, IGMP_MODE_IS_INCLUDE);
	assert_int_equal(msg.records[0].n_sources, 2);
	assert_memory_equal(&msg.records[0].group, a6("ff3e::1").s6_addr, 16);
	s1 = mld_source(msg.records[0].sources, 1);
	assert_memory_equal(&s1, a6("2001:db8::2").s6_addr, 16);
	assert_int_equal(msg.records[1].type, IGMP_CHANGE_TO_EXCLUDE);
	assert_memory_equal(&msg.records[1].group, a6("ff1e::42").s6_addr, 16);
}

static void t_v1_report_done(void **state)
{
	uint8_t m[24] = { 131 }, pkt[128];
	struct in6_addr g = a6("ff3e::7");
	size_t len;

	(void)state;
	memcpy(m + 8, &g, 16);
	len = make_packet(pkt, "ff3e::7", m, sizeof(m));
	assert_int_equal(mld_decode(pkt, len, &msg), 0);
	assert_int_equal(msg.type, MLD_TYPE_V1_REPORT);
	assert_memory_equal(&msg.group, &g, 16);
	m[0] = 132;
	len = make_packet(pkt, "ff02::2", m, sizeof(m));
	assert_int_equal(mld_decode(pkt, len, &msg), 0);
	assert_int_equal(msg.type, MLD_TYPE_V1_DONE);
	assert_memory_equal(&msg.group, &g, 16);
}

static void t_v1_query(void **state)
{
	uint8_t m[24] = { 130, 0, 0, 0, 0x27, 0x10 }, pkt[128];
	size_t len = make_packet(pkt, "ff02::1", m, sizeof(m));

	(void)state;
	assert_int_equal(mld_decode(pkt, len, &msg), 0);
	assert_int_equal(msg.type, MLD_TYPE_QUERY);
	assert_int_equal(msg.version, 1);
	assert_int_equal(msg.max_resp_ms, 10000);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&msg.group));
}

/* What mld_encode_query() builds, mld_decode() reads back field by field. */
static void t_query_roundtrip(void **state)
{
	struct in6_addr src = a6("fe80::1"), dst = a6("ff3e::5"), group = a6("ff3e::5");
	struct in6_addr sources[2] = { a6("2001:db8::1"), a6("2001:db8::9") };
	uint8_t pkt[MLD_QUERY_PACKET_MAX];
	int len = mld_encode_query(pkt, sizeof(pkt), &src, &dst, &group, sources, 2, 1000, 2, 125);
	struct in6_addr s;

	(void)state;
	assert_int_equal(len, 40 + 8 + 28 + 32);
	assert_int_equal(mld_decode(pkt, (size_t)len, &msg), 0);
	assert_int_equal(msg.type, MLD_TYPE_QUERY);
	assert_int_equal(msg.version, 2);
	assert_int_equal(msg.hop_limit, 1);
	assert_true(msg.has_router_alert);
	assert_int_equal(msg.max_resp_ms, 1000);
	assert_int_equal(msg.qrv, 2);
	assert_int_equal(msg.qqi_s, 125);
	assert_memory_equal(&msg.src, &src, 16);
	assert_memory_equal(&msg.group, &group, 16);
	assert_int_equal(msg.n_sources, 2);
	s = mld_source(msg.sources, 1);
	assert_memory_equal(&s, &sources[1], 16);
	assert_int_equal(mld_encode_query(pkt, 60, &src, &dst, &group, NULL, 0, 1, 2, 1), -ENOSPC);
}

/*
 * A multicast-address-and-source-specific query (RFC 3810 5.1.10) with 0 to
 * MLD_QUERY_SOURCES_MAX sources: each length exact, read back source by
 * source; one byte short is -ENOSPC, one source too many -EINVAL.
 */
static void t_source_query_lengths(void **state)
{
	struct in6_addr src = a6("fe80::1"), group = a6("ff3e::85:1");
	struct in6_addr sources[MLD_QUERY_SOURCES_MAX + 1];
	uint8_t pkt[MLD_QUERY_PACKET_MAX];

	(void)state;
	for (size_t i = 0; i <= MLD_QUERY_SOURCES_MAX; i++) {
		sources[i] = a6("2001:db8::");
		sources[i].s6_addr[15] = (uint8_t)(i + 1);
	}
	for (size_t n = 0; n <= MLD_QUERY_SOURCES_MAX; n++) {
		size_t len = MLD_IPV6_HDR + MLD_HBH_LEN + MLD_V2_QUERY_LEN + 16 * n;

		assert_int_equal(mld_encode_query(pkt, len - 1, &src, &group, &group, sources, n,
						  200, 2, 2), -ENOSPC);
		assert_int_equal(mld_encode_query(pkt, len, &src, &group, &group, sources, n, 200,
						  2, 2), (int)len);
		assert_int_equal(mld_decode(pkt, len, &msg), 0);
		assert_int_equal(msg.version, 2);
		assert_int_equal(msg.max_resp_ms, 200);
		assert_memory_equal(&msg.group, &group, 16);
		assert_int_equal(msg.n_sources, n);
		for (size_t i = 0; i < n; i++) {
			struct in6_addr s = mld_source(msg.sources, i);

			assert_memory_equal(&s, &sources[i], 16);
		}
	}
	assert_int_equal(mld_encode_query(pkt, sizeof(pkt), &src, &group, &group, sources,
					  MLD_QUERY_SOURCES_MAX + 1, 200, 2, 2), -EINVAL);
}

static void t_code(void **state)
{
	(void)state;
	assert_int_equal(mld_code_from_ms(10000), 10000);
	assert_int_equal(mld_ms_from_code(mld_code_from_ms(32767)), 32767);
	/* Above 32767 ms the exponential form, rounded down to what it holds. */
	for (uint32_t ms = 32768; ms < 8000000; ms = ms * 3 / 2) {
		uint32_t back = mld_ms_from_code(mld_code_from_ms(ms));

		assert_true(back <= ms);
		assert_true(back > ms - ms / 4096 - 1024);
	}
	assert_int_equal(mld_ms_from_code(0xffff), (uint32_t)0x1fff << 10);
}

static void t_malformed(void **state)
{
	uint8_t m[24] = { 131 }, q26[26] = { 130 }, pkt[256];
	struct in6_addr g = a6("ff3e::7");
	size_t len;

	(void)state;
	memcpy(m + 8, &g, 16);
	len = make_packet(pkt, "ff3e::7", m, sizeof(m));
	/* Every cut short. */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(mld_decode(pkt, cut, &msg), -EBADMSG);
	/* Payload length beyond the packet. */
	pkt[5]++;
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
	pkt[5]--;
	/* Checksum. */
	pkt[60] ^= 1;
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
	pkt[60] ^= 1;
	assert_int_equal(mld_decode(pkt, len, &msg), 0);
	/* Hop limit 2: not link-scoped. */
	pkt[7] = 2;
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
	pkt[7] = 1;
	/* A group that is not multicast. */
	m[8] = 0x20;
	len = make_packet(pkt, "ff3e::7", m, sizeof(m));
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
	/* A v2 query of 26 bytes (q26: 24-byte m cannot lend 26). */
	len = make_packet(pkt, "ff02::1", q26, sizeof(q26));
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
	/* Hop-by-hop option whose length runs past its header. */
	memset(m, 0, sizeof(m));
	m[0] = 130;
	len = make_packet(pkt, "ff02::1", m, 24);
	pkt[43] = 9;
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
}

static void t_bad_report(void **state)
{
	uint8_t r[sizeof(v2_report)], pkt[256];
	size_t len;

	(void)state;
	memcpy(r, v2_report, sizeof(r));
	/* A record's sources run past the message. */
	r[11] = 9;
	len = make_packet(pkt, "ff02::16", r, sizeof(r));
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
	/* An unknown record type. */
	memcpy(r, v2_report, sizeof(r));
	r[8] = 7;
	len = make_packet(pkt, "ff02::16", r, sizeof(r));
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
	/* More records than are there. */
	memcpy(r, v2_report, sizeof(r));
	r[7] = 3;
	len = make_packet(pkt, "ff02::16", r, sizeof(r));
	assert_int_equal(mld_decode(pkt, len, &msg), -EBADMSG);
	r[6] = 0xff;
	len = make_packet(pkt, "ff02::16", r, sizeof(r));
	assert_int_equal(mld_decode(pkt, len, &msg), -EMSGSIZE);
}

static void t_not_mld(void **state)
{
	uint8_t ns[24] = { 135 }, pkt[256];
	size_t len = make_packet(pkt, "ff02::1:ff00:1", ns, sizeof(ns));

	(void)state;
	/* Neighbour solicitation: ICMPv6, not MLD. */
	assert_int_equal(mld_decode(pkt, len, &msg), -EPROTONOSUPPORT);
	/* UDP after the hop-by-hop header. */
	pkt[40] = 17;
	assert_int_equal(mld_decode(pkt, len, &msg), -EPROTONOSUPPORT);
	/* A routing header: nothing MLD carries. */
	pkt[6] = 43;
	assert_int_equal(mld_decode(pkt, len, &msg), -EPROTONOSUPPORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_v2_report),
		cmocka_unit_test(t_v1_report_done),
		cmocka_unit_test(t_v1_query),
		cmocka_unit_test(t_query_roundtrip),
		cmocka_unit_test(t_source_query_lengths),
		cmocka_unit_test(t_code),
		cmocka_unit_test(t_malformed),
		cmocka_unit_test(t_bad_report),
		cmocka_unit_test(t_not_mld),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
