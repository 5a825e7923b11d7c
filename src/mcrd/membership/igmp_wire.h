/* SPDX-License-Identifier: MIT */
/*
 * IGMP messages on the wire (RFC 2236 v2, RFC 3376 v3): decoding an IPv4
 * packet that carries one, every length and the checksum checked, and
 * encoding the queries a querier sends.  Pure functions: no sockets, no
 * logging, no allocation.
 */
#ifndef MCR_IGMP_WIRE_H
#define MCR_IGMP_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IGMP_TYPE_QUERY		0x11
#define IGMP_TYPE_V1_REPORT	0x12
#define IGMP_TYPE_V2_REPORT	0x16
#define IGMP_TYPE_V2_LEAVE	0x17
#define IGMP_TYPE_V3_REPORT	0x22

/* IGMPv3 group record types (RFC 3376 4.2.12). */
enum igmp_record_type {
	IGMP_MODE_IS_INCLUDE = 1,
	IGMP_MODE_IS_EXCLUDE = 2,
	IGMP_CHANGE_TO_INCLUDE = 3,
	IGMP_CHANGE_TO_EXCLUDE = 4,
	IGMP_ALLOW_NEW_SOURCES = 5,
	IGMP_BLOCK_OLD_SOURCES = 6,
	IGMP_RECORD_TYPE_MAX
};

/* A 1500-byte packet holds at most 183 empty records; more is refused. */
#define IGMP_MAX_RECORDS	256
#define IGMP_V3_QUERY_LEN	12	/* without sources */
#define IGMP_QUERY_SOURCES_MAX	32	/* sources an encoded query carries at most */
/* IPv4 + router alert + query */
#define IGMP_QUERY_PACKET_MAX	(24 + IGMP_V3_QUERY_LEN + 4 * IGMP_QUERY_SOURCES_MAX)

struct igmp_record {
	enum igmp_record_type type;
	struct in_addr group;
	uint16_t n_sources;
	const uint8_t *sources;		/* n_sources addresses, in the decoded packet */
};

struct igmp_msg {
	uint8_t type;			/* IGMP_TYPE_* */
	struct in_addr src, dst;	/* from the IPv4 header */
	/* Queries */
	unsigned int version;		/* 1, 2 or 3 */
	uint32_t max_resp_ms;		/* maximum response time */
	bool is_suppress;		/* v3 S flag */
	uint8_t qrv;			/* v3 querier's robustness variable */
	uint32_t qqi_s;			/* v3 querier's query interval, seconds */
	/* Queries, v1/v2 reports, leaves: the group (0 for a general query) */
	struct in_addr group;
	/* v3 queries: sources; v3 reports: records */
	uint16_t n_sources;
	const uint8_t *sources;
	size_t n_records;
	struct igmp_record records[IGMP_MAX_RECORDS];
};

/*
 * Decode the IPv4 packet pkt[0..len) into *ret.  Returns 0, or -EBADMSG
 * when any length, the IP version, protocol or header checksum, the IGMP
 * checksum or a record does not add up, -EPROTONOSUPPORT for an IGMP type
 * this module does not handle (DVMRP, mtrace...) and -EMSGSIZE for more
 * than IGMP_MAX_RECORDS records.  Sources point into pkt.
 */
int igmp_decode(const uint8_t *pkt, size_t len, struct igmp_msg *ret);

/* Source i of a record or query, i < n_sources. */
struct in_addr igmp_source(const uint8_t *sources, size_t i);

/*
 * An IGMPv3 query without sources (general when group is 0) into buf:
 * cap >= IGMP_V3_QUERY_LEN.  Returns its length or -ENOSPC.  The IP header
 * is the socket's.
 */
int igmp_encode_query(uint8_t *buf, size_t cap, struct in_addr group, uint32_t max_resp_ms,
		      uint8_t qrv, uint32_t qqi_s);

/*
 * A group-and-source-specific IGMPv3 query (RFC 3376 4.1.9) for @group and
 * @n_sources sources (1 to IGMP_QUERY_SOURCES_MAX; 0 makes it
 * igmp_encode_query()'s) into buf.  Returns its length, -ENOSPC when cap
 * is short of IGMP_V3_QUERY_LEN + 4 * n_sources, -EINVAL for too many.
 */
int igmp_encode_source_query(uint8_t *buf, size_t cap, struct in_addr group,
			     const struct in_addr *sources, size_t n_sources, uint32_t max_resp_ms,
			     uint8_t qrv, uint32_t qqi_s);

/* RFC 3376 4.1.1 codes: value in tenths (Max Resp Code) or seconds (QQIC). */
uint8_t igmp_code_from_value(uint32_t value);
uint32_t igmp_value_from_code(uint8_t code);

/* The Internet checksum of buf (RFC 1071). */
uint16_t igmp_checksum(const uint8_t *buf, size_t len);

#endif
