// SPDX-License-Identifier: MIT
/*
 * Unit tests for igmp_wire.c: decoding of every IGMP message mcrd reads,
 * and refusal of packets whose lengths or checksums do not add up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "mcrd/membership/igmp_wire.h"

/* An IPv4 header (with router alert) around the IGMP message m[0..mlen), checksums filled. */
static size_t make_packet(uint8_t *pkt, const uint8_t *m, size_t mlen, bool fix_igmp_sum)
{
	static const uint8_t ip[24] = { 0x46, 0xc0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0,
					198, 18, 1, 2, 224, 0, 0, 22, 0x94, 4, 0, 0 };
	uint16_t sum;
	size_t total = sizeof(ip) + mlen;

	memcpy(pkt, ip, sizeof(ip));
	pkt[2] = (uint8_t)(total >> 8);
	pkt[3] = (uint8_t)total;
	sum = igmp_checksum(pkt, sizeof(ip));
	pkt[10] = (uint8_t)(sum >> 8);
	pkt[11] = (uint8_t)sum;
	memcpy(pkt + sizeof(ip), m, mlen);
	if (fix_igmp_sum) {
		pkt[sizeof(ip) + 2] = pkt[sizeof(ip) + 3] = 0;
		sum = igmp_checksum(pkt + sizeof(ip), mlen);
		pkt[sizeof(ip) + 2] = (uint8_t)(sum >> 8);
		pkt[sizeof(ip) + 3] = (uint8_t)sum;
	}
	return total;
}

static struct igmp_msg msg;

/* A v3 report: two records, one with two sources and one aux word. */
static const uint8_t v3_report[] = {
	0x22, 0, 0, 0, 0, 0, 0, 2,
	IGMP_MODE_IS_INCLUDE, 1, 0, 2, 239, 1, 1, 1, 198, 18, 0, 1, 198, 18, 0, 2, 9, 9, 9, 9,
	IGMP_CHANGE_TO_EXCLUDE, 0, 0, 0, 239, 2, 2, 2,
};

static void t_v3_report(void **state)
{
	uint8_t pkt[256];
	size_t len = make_packet(pkt, v3_report, sizeof(v3_report), true);
	char buf[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(igmp_decode(pkt, len, &msg), 0);
	assert_int_equal(msg.type, IGMP_TYPE_V3_REPORT);
	assert_int_equal(msg.n_records, 2);
	assert_int_equal(msg.records[0].type, IGMP_MODE_IS_INCLUDE);
	assert_int_equal(msg.records[0].n_sources, 2);
	struct in_addr s1 = igmp_source(msg.records[0].sources, 1);
	assert_string_equal(inet_ntop(AF_INET, &s1, buf, sizeof(buf)), "198.18.0.2");
	assert_int_equal(msg.records[1].type, IGMP_CHANGE_TO_EXCLUDE);
	assert_int_equal(msg.records[1].group.s_addr, htonl(0xef020202));
	assert_string_equal(inet_ntop(AF_INET, &msg.src, buf, sizeof(buf)), "198.18.1.2");
}

static void t_v2_messages(void **state)
{
	const uint8_t report[] = { 0x16, 0, 0, 0, 239, 1, 1, 1 };
	const uint8_t leave[] = { 0x17, 0, 0, 0, 239, 1, 1, 1 };
	const uint8_t query[] = { 0x11, 100, 0, 0, 0, 0, 0, 0 };
	const uint8_t v1query[] = { 0x11, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t pkt[64];

	(void)state;
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, report, 8, true), &msg), 0);
	assert_int_equal(msg.type, IGMP_TYPE_V2_REPORT);
	assert_int_equal(msg.group.s_addr, htonl(0xef010101));
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, leave, 8, true), &msg), 0);
	assert_int_equal(msg.type, IGMP_TYPE_V2_LEAVE);
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, query, 8, true), &msg), 0);
	assert_int_equal(msg.version, 2);
	assert_int_equal(msg.max_resp_ms, 10000);
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, v1query, 8, true), &msg), 0);
	assert_int_equal(msg.version, 1);
}

static void t_query_round_trip(void **state)
{
	uint8_t q[IGMP_V3_QUERY_LEN], pkt[64];
	struct in_addr g = { htonl(0xef010101) };

	(void)state;
	assert_int_equal(igmp_encode_query(q, sizeof(q), g, 500, 2, 125), IGMP_V3_QUERY_LEN);
	assert_int_equal(igmp_encode_query(q, 11, g, 500, 2, 125), -ENOSPC);
	assert_int_equal(igmp_encode_query(q, sizeof(q), g, 500, 2, 125), IGMP_V3_QUERY_LEN);
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, q, sizeof(q), false), &msg), 0);
	assert_int_equal(msg.version, 3);
	assert_int_equal(msg.max_resp_ms, 500);
	assert_int_equal(msg.qrv, 2);
	assert_int_equal(msg.qqi_s, 125);
	assert_int_equal(msg.group.s_addr, g.s_addr);
}

/*
 * A group-and-source-specific query (RFC 3376 4.1.9): every length from 0
 * to IGMP_QUERY_SOURCES_MAX sources is what igmp_decode() reads back, one
 * byte short is -ENOSPC, one source too many -EINVAL.
 */
static void t_source_query_round_trip(void **state)
{
	uint8_t q[IGMP_QUERY_PACKET_MAX], pkt[IGMP_QUERY_PACKET_MAX + 8];
	struct in_addr g = { htonl(0xe8010101) }, src[IGMP_QUERY_SOURCES_MAX + 1];

	(void)state;
	for (size_t i = 0; i <= IGMP_QUERY_SOURCES_MAX; i++)
		src[i].s_addr = htonl(0xc6120000u + (uint32_t)i + 1);
	for (size_t n = 0; n <= IGMP_QUERY_SOURCES_MAX; n++) {
		size_t len = IGMP_V3_QUERY_LEN + 4 * n;

		assert_int_equal(igmp_encode_source_query(q, len - 1, g, src, n, 200, 2, 2), -ENOSPC);
		assert_int_equal(igmp_encode_source_query(q, len, g, src, n, 200, 2, 2), (int)len);
		assert_int_equal(igmp_decode(pkt, make_packet(pkt, q, len, false), &msg), 0);
		assert_int_equal(msg.type, IGMP_TYPE_QUERY);
		assert_int_equal(msg.version, 3);
		assert_int_equal(msg.max_resp_ms, 200);
		assert_false(msg.is_suppress);
		assert_int_equal(msg.group.s_addr, g.s_addr);
		assert_int_equal(msg.n_sources, n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(igmp_source(msg.sources, i).s_addr, src[i].s_addr);
		/* The same bytes cut one source short no longer add up. */
		if (n)
			assert_int_equal(igmp_decode(pkt, make_packet(pkt, q, len - 4, true), &msg),
					 -EBADMSG);
	}
	assert_int_equal(igmp_encode_source_query(q, sizeof(q), g, src, IGMP_QUERY_SOURCES_MAX + 1,
						  200, 2, 2), -EINVAL);
}

static void t_codes(void **state)
{
	(void)state;
	assert_int_equal(igmp_value_from_code(100), 100);
	/* 0x8f: mant 15, exp 0: (15 | 16) << 3 = 248 */
	assert_int_equal(igmp_value_from_code(0x8f), 248);
	assert_int_equal(igmp_value_from_code(0xff), 31744);
	for (uint32_t v = 0; v < 31744; v += 7) {
		uint32_t back = igmp_value_from_code(igmp_code_from_value(v));

		/* Rounded down, never by more than a mantissa step (1/16). */
		assert_true(back <= v);
		assert_true(v - back <= v / 16 + 1);
	}
}

/* Every malformed form is refused, none is read past its end. */
static void t_malformed(void **state)
{
	uint8_t pkt[256], m[64];
	size_t len;

	(void)state;
	/* Short: less than an IPv4 header; an IGMP message under 8 bytes. */
	len = make_packet(pkt, v3_report, sizeof(v3_report), true);
	assert_int_equal(igmp_decode(pkt, 19, &msg), -EBADMSG);
	memcpy(m, v3_report, 6);
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, 6, true), &msg), -EBADMSG);
	/* Bad IGMP checksum. */
	len = make_packet(pkt, v3_report, sizeof(v3_report), true);
	pkt[24 + 2] ^= 0x55;
	assert_int_equal(igmp_decode(pkt, len, &msg), -EBADMSG);
	/* Bad IP header checksum. */
	len = make_packet(pkt, v3_report, sizeof(v3_report), true);
	pkt[8] = 2;
	assert_int_equal(igmp_decode(pkt, len, &msg), -EBADMSG);
	/* IP total length beyond what arrived; header length under 20. */
	len = make_packet(pkt, v3_report, sizeof(v3_report), true);
	assert_int_equal(igmp_decode(pkt, len - 1, &msg), -EBADMSG);
	pkt[0] = 0x44;
	assert_int_equal(igmp_decode(pkt, len, &msg), -EBADMSG);
	/* A record's sources overflow the message. */
	memcpy(m, v3_report, sizeof(v3_report));
	m[8 + 3] = 5;
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, sizeof(v3_report), true), &msg),
			 -EBADMSG);
	/* Its aux data overflows it. */
	memcpy(m, v3_report, sizeof(v3_report));
	m[8 + 1] = 3;
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, sizeof(v3_report), true), &msg),
			 -EBADMSG);
	/* More records announced than there are. */
	memcpy(m, v3_report, sizeof(v3_report));
	m[7] = 3;
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, sizeof(v3_report), true), &msg),
			 -EBADMSG);
	/* Past the record limit. */
	m[6] = 0x01;
	m[7] = 0x01;
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, sizeof(v3_report), true), &msg),
			 -EMSGSIZE);
	/* An unknown record type. */
	memcpy(m, v3_report, sizeof(v3_report));
	m[8] = 7;
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, sizeof(v3_report), true), &msg),
			 -EBADMSG);
	/* A v3 query whose sources overflow it; a 9-byte query. */
	memset(m, 0, 16);
	m[0] = 0x11;
	m[11] = 2;
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, 16, true), &msg), -EBADMSG);
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, 9, true), &msg), -EBADMSG);
	/* Not IGMP. */
	len = make_packet(pkt, v3_report, sizeof(v3_report), true);
	pkt[9] = 17;
	assert_int_equal(igmp_decode(pkt, len, &msg), -EBADMSG);
	/* Another IGMP type (DVMRP) is not ours. */
	memset(m, 0, 8);
	m[0] = 0x13;
	assert_int_equal(igmp_decode(pkt, make_packet(pkt, m, 8, true), &msg), -EPROTONOSUPPORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_v3_report),
		cmocka_unit_test(t_v2_messages),
		cmocka_unit_test(t_query_round_trip),
		cmocka_unit_test(t_source_query_round_trip),
		cmocka_unit_test(t_codes),
		cmocka_unit_test(t_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
