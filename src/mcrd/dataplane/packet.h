/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the frames ingress receives: Ethernet (with up to two 802.1Q /
 * 802.1ad tags), IPv4 (with options) or IPv6 (with extension headers) and UDP, and the VLAN a frame belongs
 * to (the tags in its bytes plus the one the kernel may have taken off).  Every length is validated
 * against what was captured; nothing is trusted.  Pure and allocation-free:
 * it runs once per received frame on the hot path.
 */
#ifndef MCR_PACKET_H
#define MCR_PACKET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pkt_verdict {
	PKT_OK = 0,
	PKT_NOT_IPV4,		/* another ethertype: not ours, not an error */
	PKT_NOT_UDP,		/* IPv4 or IPv6 but another protocol (or none) */
	/*
	 * Any IPv4 fragment, and any IPv6 datagram with a fragment header
	 * (first, later or atomic): cannot relay a partial datagram.
	 */
	PKT_FRAGMENT,
	PKT_MALFORMED,		/* truncated or inconsistent headers */
	/*
	 * An IPv6 UDP datagram: ret's addr6 fields, ports, offsets and ttl
	 * (the hop limit) are filled in; saddr and daddr are not.
	 */
	PKT_OK_IPV6,
	PKT_VERDICT_MAX
};

struct pkt_info {
	uint32_t saddr;		/* network order */
	uint32_t daddr;		/* network order */
	uint16_t sport;		/* host order */
	uint16_t dport;		/* host order */
	uint16_t ip_off;	/* offset of the IPv4 (or IPv6) header in the frame */
	uint16_t payload_off;	/* offset of the UDP payload in the frame */
	uint16_t payload_len;	/* UDP payload bytes (from the UDP length) */
	uint16_t vlan_tci;	/* the outermost in-band tag's TCI; vlan_depth 0: 0 */
	uint8_t ttl;		/* IPv6: the hop limit */
	uint8_t vlan_depth;	/* 802.1Q/802.1ad tags seen in the frame's bytes */
	uint16_t udp_off;	/* PKT_OK_IPV6: offset of the UDP header (after extensions) */
	struct in6_addr saddr6;	/* PKT_OK_IPV6 only */
	struct in6_addr daddr6;	/* PKT_OK_IPV6 only */
};

/* Extension headers packet_parse() walks before an IPv6 datagram's UDP header. */
#define PKT_IPV6_MAX_EXT	8

#define PKT_VID_MASK		0x0fff
/* packet_vlan()'s answer for a frame with two tags or more (QinQ). */
#define PKT_VLAN_STACKED	0xffff

/*
 * The VLAN a parsed frame belongs to, from the tag the kernel took off
 * (has_outer, outer_tci: the packet socket's TP_STATUS_VLAN_VALID and
 * tp_vlan_tci) and the tags left in its bytes (info's).  0 for an untagged
 * or priority-tagged (VID 0) frame, the VID (1..4095) for a frame with one
 * tag, and PKT_VLAN_STACKED for two tags or more, which no rule takes.
 */
static inline uint16_t packet_vlan(const struct pkt_info *info, bool has_outer,
				   uint16_t outer_tci)
{
	unsigned int tags = info->vlan_depth + (has_outer ? 1u : 0u);

	if (tags == 0)
		return 0;
	if (tags > 1)
		return PKT_VLAN_STACKED;
	return (uint16_t)((has_outer ? outer_tci : info->vlan_tci) & PKT_VID_MASK);
}

/*
 * Parse one Ethernet frame of len captured bytes.  On PKT_OK, ret is filled
 * in; on any other verdict its contents are unspecified.
 */
enum pkt_verdict packet_parse(const uint8_t *frame, size_t len, struct pkt_info *ret);

#endif
