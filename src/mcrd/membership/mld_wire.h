/* SPDX-License-Identifier: MIT */
/*
 * MLD messages on the wire (RFC 2710 MLDv1, RFC 3810 MLDv2): decoding an
 * IPv6 packet that carries one (hop-by-hop and destination options headers
 * walked, every length and the ICMPv6 checksum checked), and encoding the
 * whole IPv6 packet of a query a querier sends: link-local source, hop
 * limit 1, the router alert hop-by-hop option, the checksum.  Pure
 * functions: no sockets, no logging, no allocation.
 */
#ifndef MCR_MLD_WIRE_H
#define MCR_MLD_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcrd/membership/igmp_wire.h"

#define MLD_TYPE_QUERY		130
#define MLD_TYPE_V1_REPORT	131
#define MLD_TYPE_V1_DONE	132
#define MLD_TYPE_V2_REPORT	143

/* MLDv2 record types are IGMPv3's (enum igmp_record_type, RFC 3810 5.2.12). */

/* A 1500-byte packet holds at most 73 empty records; more is refused. */
#define MLD_MAX_RECORDS		128
#define MLD_V1_LEN		24	/* query, report, done */
#define MLD_V2_QUERY_LEN	28	/* without sources */
#define MLD_QUERY_SOURCES_MAX	32	/* sources an encoded query carries at most */
#define MLD_IPV6_HDR		40
#define MLD_HBH_LEN		8	/* router alert + padding */
#define MLD_QUERY_PACKET_MAX \
	(MLD_IPV6_HDR + MLD_HBH_LEN + MLD_V2_QUERY_LEN + 16 * MLD_QUERY_SOURCES_MAX)

struct mld_record {
	enum igmp_record_type type;
	struct in6_addr group;
	uint16_t n_sources;
	const uint8_t *sources;		/* n_sources addresses, in the decoded packet */
};

struct mld_msg {
	uint8_t type;			/* MLD_TYPE_* */
	struct in6_addr src, dst;	/* from the IPv6 header */
	uint8_t hop_limit;
	bool has_router_alert;
	/* Queries */
	unsigned int version;		/* 1 or 2 */
	uint32_t max_resp_ms;
	bool is_suppress;		/* v2 S flag */
	uint8_t qrv;
	uint32_t qqi_s;
	/* Queries, v1 reports, dones: the group (:: for a general query) */
	struct in6_addr group;
	/* v2 queries: sources; v2 reports: records */
	uint16_t n_sources;
	const uint8_t *sources;
	size_t n_records;
	struct mld_record records[MLD_MAX_RECORDS];
};

/*
 * Decode the IPv6 packet pkt[0..len) into *ret.  Returns 0; -EBADMSG when
 * a length, the IP version, an extension header, the checksum or a record
 * does not add up, or the message breaks RFC 3810 5.1.14/5.2.13 (hop limit
 * not 1, a source that is not link-local); -EPROTONOSUPPORT when the packet
 * is no MLD message (other ICMPv6, other extension headers); -EMSGSIZE for
 * more than MLD_MAX_RECORDS records.  Sources point into pkt.
 */
int mld_decode(const uint8_t *pkt, size_t len, struct mld_msg *ret);

/* Source i of a record or query, i < n_sources. */
struct in6_addr mld_source(const uint8_t *sources, size_t i);

/*
 * The whole IPv6 packet of an MLDv2 query from @src (our link-local
 * address) to @dst (ff02::1 for a general query, the group otherwise),
 * for @group (:: for general) and @n_sources sources (at most
 * MLD_QUERY_SOURCES_MAX), into buf.  Returns its length or -ENOSPC/-EINVAL.
 */
int mld_encode_query(uint8_t *buf, size_t cap, const struct in6_addr *src,
		     const struct in6_addr *dst, const struct in6_addr *group,
		     const struct in6_addr *sources, size_t n_sources, uint32_t max_resp_ms,
		     uint8_t qrv, uint32_t qqi_s);

/* RFC 3810 5.1.3 Maximum Response Code, milliseconds. */
uint16_t mld_code_from_ms(uint32_t ms);
uint32_t mld_ms_from_code(uint16_t code);

/* The ICMPv6 checksum of msg[0..len) between src and dst (RFC 2460 8.1). */
uint16_t mld_checksum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *msg,
		      size_t len);

#endif
