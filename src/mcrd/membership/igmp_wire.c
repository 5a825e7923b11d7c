// SPDX-License-Identifier: MIT
/*
 * IGMP decoding and query encoding.  A packet arrives from an AF_PACKET
 * socket as the host received it: nothing has checked it yet, so every
 * field that gives a length is compared with what is there before use.
 */
#include <errno.h>
#include <string.h>

#include "mcrd/membership/igmp_wire.h"

#define IPV4_MIN_HDR	20
#define IGMP_MIN_LEN	8
#define V3_REPORT_HDR	8
#define V3_RECORD_HDR	8

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct in_addr get_addr(const uint8_t *p)
{
	struct in_addr a;

	memcpy(&a.s_addr, p, 4);
	return a;
}

struct in_addr igmp_source(const uint8_t *sources, size_t i)
{
	return get_addr(sources + 4 * i);
}

uint16_t igmp_checksum(const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(buf + i);
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t igmp_value_from_code(uint8_t code)
{
	if (code < 128)
		return code;
	return (uint32_t)((code & 0x0f) | 0x10) << (((code >> 4) & 0x07) + 3);
}

uint8_t igmp_code_from_value(uint32_t value)
{
	if (value < 128)
		return (uint8_t)value;
	/* The smallest exponent whose mantissa holds the value (rounded down). */
	for (unsigned int exp = 0; exp < 8; exp++) {
		uint32_t mant = value >> (exp + 3);

		if (mant < 0x20)
			return (uint8_t)(0x80 | exp << 4 | (mant & 0x0f));
	}
	return 0xff;
}

static int decode_query(const uint8_t *m, size_t len, struct igmp_msg *ret)
{
	ret->group = get_addr(m + 4);
	if (len == IGMP_MIN_LEN) {
		/* RFC 3376 7.1: code 0 is a v1 query (10 s), else v2 (tenths). */
		ret->version = m[1] ? 2 : 1;
		ret->max_resp_ms = m[1] ? m[1] * 100u : 10000;
		return 0;
	}
	if (len < IGMP_V3_QUERY_LEN)
		return -EBADMSG;
	ret->version = 3;
	ret->max_resp_ms = igmp_value_from_code(m[1]) * 100;
	ret->is_suppress = m[8] & 0x08;
	ret->qrv = m[8] & 0x07;
	ret->qqi_s = igmp_value_from_code(m[9]);
	ret->n_sources = get16(m + 10);
	if ((size_t)ret->n_sources * 4 > len - IGMP_V3_QUERY_LEN)
		return -EBADMSG;
	ret->sources = m + IGMP_V3_QUERY_LEN;
	return 0;
}

static int decode_v3_report(const uint8_t *m, size_t len, struct igmp_msg *ret)
{
	size_t n = get16(m + 6), off = V3_REPORT_HDR;

	if (len < V3_REPORT_HDR)
		return -EBADMSG;
	if (n > IGMP_MAX_RECORDS)
		return -EMSGSIZE;
	for (size_t i = 0; i < n; i++) {
		struct igmp_record *r = &ret->records[i];
		size_t body;

		if (len - off < V3_RECORD_HDR)
			return -EBADMSG;
		r->type = (enum igmp_record_type)m[off];
		r->n_sources = get16(m + off + 2);
		r->group = get_addr(m + off + 4);
		/* Sources, then aux data in 32-bit words: both inside the message. */
		body = (size_t)r->n_sources * 4 + (size_t)m[off + 1] * 4;
		if (body > len - off - V3_RECORD_HDR)
			return -EBADMSG;
		if (r->type < IGMP_MODE_IS_INCLUDE || r->type >= IGMP_RECORD_TYPE_MAX)
			return -EBADMSG;
		r->sources = m + off + V3_RECORD_HDR;
		off += V3_RECORD_HDR + body;
	}
	ret->n_records = n;
	return 0;
}

/* The IPv4 header: returns its length, or -EBADMSG. */
static int check_ip(const uint8_t *pkt, size_t len, size_t *ret_total)
{
	size_t ihl, total;

	if (len < IPV4_MIN_HDR || pkt[0] >> 4 != 4)
		return -EBADMSG;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	total = get16(pkt + 2);
	if (ihl < IPV4_MIN_HDR || total < ihl || total > len)
		return -EBADMSG;
	/* Fragments: IGMP fits one packet; a fragment is not ours to reassemble. */
	if (pkt[9] != IPPROTO_IGMP || (get16(pkt + 6) & 0x3fff) != 0)
		return -EBADMSG;
	if (igmp_checksum(pkt, ihl) != 0)
		return -EBADMSG;
	*ret_total = total;
	return (int)ihl;
}

int igmp_decode(const uint8_t *pkt, size_t len, struct igmp_msg *ret)
{
	const uint8_t *m;
	size_t total, mlen;
	int ihl = check_ip(pkt, len, &total);

	if (ihl < 0)
		return ihl;
	m = pkt + ihl;
	mlen = total - (size_t)ihl;
	if (mlen < IGMP_MIN_LEN || igmp_checksum(m, mlen) != 0)
		return -EBADMSG;
	memset(ret, 0, offsetof(struct igmp_msg, records));
	ret->type = m[0];
	ret->src = get_addr(pkt + 12);
	ret->dst = get_addr(pkt + 16);
	switch (m[0]) {
	case IGMP_TYPE_QUERY:
		return decode_query(m, mlen, ret);
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
	case IGMP_TYPE_V2_LEAVE:
		ret->group = get_addr(m + 4);
		return 0;
	case IGMP_TYPE_V3_REPORT:
		return decode_v3_report(m, mlen, ret);
	default:
		return -EPROTONOSUPPORT;
	}
}

int igmp_encode_source_query(uint8_t *buf, size_t cap, struct in_addr group,
			     const struct in_addr *sources, size_t n_sources, uint32_t max_resp_ms,
			     uint8_t qrv, uint32_t qqi_s)
{
	size_t len = IGMP_V3_QUERY_LEN + 4 * n_sources;
	uint16_t sum;

	if (n_sources > IGMP_QUERY_SOURCES_MAX)
		return -EINVAL;
	if (cap < len)
		return -ENOSPC;
	memset(buf, 0, IGMP_V3_QUERY_LEN);
	buf[0] = IGMP_TYPE_QUERY;
	buf[1] = igmp_code_from_value(max_resp_ms / 100);
	memcpy(buf + 4, &group.s_addr, 4);
	/* RFC 3376 4.1.6: a QRV over 7 is sent as 0. */
	buf[8] = qrv <= 7 ? qrv : 0;
	buf[9] = igmp_code_from_value(qqi_s);
	buf[10] = (uint8_t)(n_sources >> 8);
	buf[11] = (uint8_t)n_sources;
	for (size_t i = 0; i < n_sources; i++)
		memcpy(buf + IGMP_V3_QUERY_LEN + 4 * i, &sources[i].s_addr, 4);
	sum = igmp_checksum(buf, len);
	buf[2] = (uint8_t)(sum >> 8);
	buf[3] = (uint8_t)sum;
	return (int)len;
}

int igmp_encode_query(uint8_t *buf, size_t cap, struct in_addr group, uint32_t max_resp_ms,
		      uint8_t qrv, uint32_t qqi_s)
{
	return igmp_encode_source_query(buf, cap, group, NULL, 0, max_resp_ms, qrv, qqi_s);
}
