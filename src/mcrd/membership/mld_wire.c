// SPDX-License-Identifier: MIT
/*
 * MLD decoding and query encoding.  A packet arrives from an AF_PACKET
 * socket as the host received it: nothing has checked it yet, so every
 * field that gives a length is compared with what is there before use.
 */
#include <errno.h>
#include <string.h>

#include "mcrd/membership/mld_wire.h"

#define IPPROTO_HOPOPTS_	0
#define IPPROTO_DSTOPTS_	60
#define IPPROTO_ICMPV6_		58
#define MAX_EXT_HEADERS		4
#define V2_REPORT_HDR		8
#define V2_RECORD_HDR		20
#define OPT_PAD1		0
#define OPT_ROUTER_ALERT	5

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static struct in6_addr get_addr(const uint8_t *p)
{
	struct in6_addr a;

	memcpy(&a, p, sizeof(a));
	return a;
}

struct in6_addr mld_source(const uint8_t *sources, size_t i)
{
	return get_addr(sources + 16 * i);
}

static uint32_t sum16(uint32_t sum, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(buf + i);
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	return sum;
}

uint16_t mld_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *msg,
		      size_t len)
{
	uint8_t pseudo[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			      (uint8_t)len, 0, 0, 0, IPPROTO_ICMPV6_ };
	uint32_t sum = 0;

	sum = sum16(sum, src->s6_addr, 16);
	sum = sum16(sum, dst->s6_addr, 16);
	sum = sum16(sum, pseudo, sizeof(pseudo));
	sum = sum16(sum, msg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t mld_ms_from_code(uint16_t code)
{
	if (code < 0x8000)
		return code;
	return (uint32_t)((code & 0x0fff) | 0x1000) << (((code >> 12) & 0x07) + 3);
}

uint16_t mld_code_from_ms(uint32_t ms)
{
	if (ms < 0x8000)
		return (uint16_t)ms;
	/* The smallest exponent whose mantissa holds the value (rounded down). */
	for (unsigned int exp = 0; exp < 8; exp++) {
		uint32_t mant = ms >> (exp + 3);

		if (mant < 0x2000)
			return (uint16_t)(0x8000 | exp << 12 | (mant & 0x0fff));
	}
	return 0xffff;
}

/* The options of a hop-by-hop or destination options header, opts[0..len). */
static int walk_options(const uint8_t *opts, size_t len, bool *has_ra)
{
	for (size_t i = 0; i < len;) {
		if (opts[i] == OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + opts[i + 1] > len)
			return -EBADMSG;
		/* Value 0: the datagram carries an MLD message (RFC 2711). */
		if (opts[i] == OPT_ROUTER_ALERT && opts[i + 1] == 2 && get16(opts + i + 2) == 0)
			*has_ra = true;
		i += 2 + (size_t)opts[i + 1];
	}
	return 0;
}

/* Past the extension headers to the ICMPv6 message: its offset, or -errno. */
static int skip_ext_headers(const uint8_t *pkt, size_t len, struct mld_msg *ret)
{
	uint8_t next = pkt[6];
	size_t off = MLD_IPV6_HDR;

	for (int i = 0; i < MAX_EXT_HEADERS; i++) {
		size_t hlen;

		if (next == IPPROTO_ICMPV6_)
			return (int)off;
		/* Hop-by-hop only first (RFC 8200 4.1); nothing else comes with MLD. */
		if (!(next == IPPROTO_HOPOPTS_ && i == 0) && next != IPPROTO_DSTOPTS_)
			return -EPROTONOSUPPORT;
		if (off + 2 > len)
			return -EBADMSG;
		hlen = ((size_t)pkt[off + 1] + 1) * 8;
		if (off + hlen > len || walk_options(pkt + off + 2, hlen - 2,
						     &ret->has_router_alert) < 0)
			return -EBADMSG;
		next = pkt[off];
		off += hlen;
	}
	return -EPROTONOSUPPORT;
}

static bool is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static int decode_query(const uint8_t *m, size_t len, struct mld_msg *ret)
{
	/* The group is read first: a query shorter than MLDv1's has none. */
	if (len < MLD_V1_LEN)
		return -EBADMSG;
	ret->group = get_addr(m + 8);
	if (!IN6_IS_ADDR_UNSPECIFIED(&ret->group) && !is_multicast(m + 8))
		return -EBADMSG;
	if (len == MLD_V1_LEN) {
		ret->version = 1;
		ret->max_resp_ms = get16(m + 4);
		return 0;
	}
	if (len < MLD_V2_QUERY_LEN)
		return -EBADMSG;
	ret->version = 2;
	ret->max_resp_ms = mld_ms_from_code(get16(m + 4));
	ret->is_suppress = m[24] & 0x08;
	ret->qrv = m[24] & 0x07;
	ret->qqi_s = igmp_value_from_code(m[25]);
	ret->n_sources = get16(m + 26);
	if (MLD_V2_QUERY_LEN + 16 * (size_t)ret->n_sources > len)
		return -EBADMSG;
	ret->sources = m + MLD_V2_QUERY_LEN;
	return 0;
}

static int decode_v2_report(const uint8_t *m, size_t len, struct mld_msg *ret)
{
	size_t n = get16(m + 6), off = V2_REPORT_HDR;

	if (n > MLD_MAX_RECORDS)
		return -EMSGSIZE;
	for (size_t i = 0; i < n; i++) {
		struct mld_record *r = &ret->records[i];
		size_t rlen;

		if (off + V2_RECORD_HDR > len)
			return -EBADMSG;
		if (m[off] < IGMP_MODE_IS_INCLUDE || m[off] >= IGMP_RECORD_TYPE_MAX ||
		    !is_multicast(m + off + 4))
			return -EBADMSG;
		r->type = (enum igmp_record_type)m[off];
		r->n_sources = get16(m + off + 2);
		r->group = get_addr(m + off + 4);
		rlen = V2_RECORD_HDR + 16 * (size_t)r->n_sources + 4 * (size_t)m[off + 1];
		if (off + rlen > len)
			return -EBADMSG;
		r->sources = m + off + V2_RECORD_HDR;
		off += rlen;
	}
	ret->n_records = n;
	return 0;
}

static int decode_message(const uint8_t *m, size_t len, struct mld_msg *ret)
{
	switch (ret->type) {
	case MLD_TYPE_QUERY:
		return decode_query(m, len, ret);
	case MLD_TYPE_V1_REPORT:
	case MLD_TYPE_V1_DONE:
		if (len < MLD_V1_LEN || !is_multicast(m + 8))
			return -EBADMSG;
		ret->group = get_addr(m + 8);
		return 0;
	default:
		if (len < V2_REPORT_HDR)
			return -EBADMSG;
		return decode_v2_report(m, len, ret);
	}
}

int mld_decode(const uint8_t *pkt, size_t len, struct mld_msg *ret)
{
	const uint8_t *m;
	size_t mlen;
	int off;

	ret->n_records = 0;
	ret->n_sources = 0;
	ret->sources = NULL;
	ret->has_router_alert = false;
	ret->version = 0;
	ret->group = in6addr_any;
	if (len < MLD_IPV6_HDR || pkt[0] >> 4 != 6)
		return -EBADMSG;
	if (MLD_IPV6_HDR + (size_t)get16(pkt + 4) > len)
		return -EBADMSG;
	len = MLD_IPV6_HDR + get16(pkt + 4);	/* a frame's padding is not the message */
	ret->hop_limit = pkt[7];
	ret->src = get_addr(pkt + 8);
	ret->dst = get_addr(pkt + 24);
	off = skip_ext_headers(pkt, len, ret);
	if (off < 0)
		return off;
	m = pkt + off;
	mlen = len - (size_t)off;
	if (mlen < 4)
		return -EBADMSG;
	ret->type = m[0];
	if (ret->type != MLD_TYPE_QUERY && ret->type != MLD_TYPE_V1_REPORT &&
	    ret->type != MLD_TYPE_V1_DONE && ret->type != MLD_TYPE_V2_REPORT)
		return -EPROTONOSUPPORT;	/* neighbour discovery and the rest of ICMPv6 */
	if (mld_checksum(&ret->src, &ret->dst, m, mlen) != 0)
		return -EBADMSG;
	/* RFC 3810 5.1.14, 5.2.13: link-scoped, from a link-local address (a report also from ::). */
	if (ret->hop_limit != 1)
		return -EBADMSG;
	if (!IN6_IS_ADDR_LINKLOCAL(&ret->src) &&
	    !(ret->type == MLD_TYPE_V2_REPORT && IN6_IS_ADDR_UNSPECIFIED(&ret->src)))
		return -EBADMSG;
	return decode_message(m, mlen, ret);
}

int mld_encode_query(uint8_t *buf, size_t cap, const struct in6_addr *src,
		     const struct in6_addr *dst, const struct in6_addr *group,
		     const struct in6_addr *sources, size_t n_sources, uint32_t max_resp_ms,
		     uint8_t qrv, uint32_t qqi_s)
{
	/* Next header ICMPv6, length 0; router alert (MLD); PadN of 0 bytes. */
	static const uint8_t hbh[MLD_HBH_LEN] = { IPPROTO_ICMPV6_, 0, OPT_ROUTER_ALERT, 2, 0, 0,
						  1, 0 };
	size_t mlen = MLD_V2_QUERY_LEN + 16 * n_sources;
	size_t total = MLD_IPV6_HDR + MLD_HBH_LEN + mlen;
	uint8_t *m = buf + MLD_IPV6_HDR + MLD_HBH_LEN;

	if (n_sources > MLD_QUERY_SOURCES_MAX)
		return -EINVAL;
	if (cap < total)
		return -ENOSPC;
	memset(buf, 0, total);
	buf[0] = 0x60;
	put16(buf + 4, (uint16_t)(MLD_HBH_LEN + mlen));
	buf[6] = IPPROTO_HOPOPTS_;
	buf[7] = 1;
	memcpy(buf + 8, src, 16);
	memcpy(buf + 24, dst, 16);
	memcpy(buf + MLD_IPV6_HDR, hbh, sizeof(hbh));
	m[0] = MLD_TYPE_QUERY;
	put16(m + 4, mld_code_from_ms(max_resp_ms));
	memcpy(m + 8, group, 16);
	m[24] = qrv <= 7 ? qrv : 0;	/* RFC 3810 5.1.8: 0 when it does not fit */
	m[25] = igmp_code_from_value(qqi_s);
	put16(m + 26, (uint16_t)n_sources);
	for (size_t i = 0; i < n_sources; i++)
		memcpy(m + MLD_V2_QUERY_LEN + 16 * i, &sources[i], 16);
	put16(m + 2, mld_checksum(src, dst, m, mlen));
	return (int)total;
}
