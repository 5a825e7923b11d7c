/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the frames ingress receives: Ethernet (with up to two 802.1Q /
 * 802.1ad tags), IPv4 (with options) and UDP.  Every length is validated
 * against what was captured; nothing is trusted.  Pure and allocation-free:
 * it runs once per received frame on the hot path.
 */
#ifndef MCR_PACKET_H
#define MCR_PACKET_H

#include <stddef.h>
#include <stdint.h>

enum pkt_verdict {
	PKT_OK = 0,
	PKT_NOT_IPV4,		/* another ethertype: not ours, not an error */
	PKT_NOT_UDP,		/* IPv4 but another protocol */
	PKT_FRAGMENT,		/* any IPv4 fragment: cannot relay a partial datagram */
	PKT_MALFORMED,		/* truncated or inconsistent headers */
	PKT_VERDICT_MAX
};

struct pkt_info {
	uint32_t saddr;		/* network order */
	uint32_t daddr;		/* network order */
	uint16_t sport;		/* host order */
	uint16_t dport;		/* host order */
	uint16_t ip_off;	/* offset of the IPv4 header in the frame */
	uint16_t payload_off;	/* offset of the UDP payload in the frame */
	uint16_t payload_len;	/* UDP payload bytes (from the UDP length) */
	uint8_t ttl;
	uint8_t vlan_depth;	/* 802.1Q/802.1ad tags seen */
};

/*
 * Parse one Ethernet frame of len captured bytes.  On PKT_OK, ret is filled
 * in; on any other verdict its contents are unspecified.
 */
enum pkt_verdict packet_parse(const uint8_t *frame, size_t len, struct pkt_info *ret);

#endif
