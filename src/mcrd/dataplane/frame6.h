/* SPDX-License-Identifier: MIT */
/*
 * Frame headers for IPv6 L2 egress, frame.h's counterpart: the Ethernet +
 * IPv6 + UDP header an output sends in front of a relayed payload, built
 * once per output as a template and patched per packet (payload length,
 * traffic class and flow label as received, hop limit, with "source":
 * "keep" the source address, ports and the UDP checksum).  IPv6 has no
 * header checksum, and its UDP checksum is mandatory (RFC 8200 8.1): it is
 * carried over from the received datagram by incremental update (RFC
 * 1624) for the new pseudo-header and port, never summed over the payload,
 * and a sum of zero goes out as 0xffff.  The received extension headers
 * are not sent on: the relayed datagram is the fixed header and UDP.
 * Pure functions, no I/O; not wired to an output yet (issue 12).
 */
#ifndef MCR_FRAME6_H
#define MCR_FRAME6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "mcrd/dataplane/frame.h"

#define FRAME6_IP_LEN	40
#define FRAME6_HDR_LEN	(FRAME_ETH_LEN + FRAME6_IP_LEN + FRAME_UDP_LEN)	/* 62 on the wire */
#define FRAME6_SEND_LEN	(FRAME_VNET_LEN + FRAME6_HDR_LEN)		/* 72 written per send */

#define FRAME6_OFF_IP	(FRAME_OFF_ETH + FRAME_ETH_LEN)
#define FRAME6_OFF_UDP	(FRAME6_OFF_IP + FRAME6_IP_LEN)

/* One output's header, built once. */
struct frame6_tmpl {
	uint8_t hdr[FRAME6_HDR_LEN];	/* per-packet fields zero */
	uint32_t addr_sum;		/* word sum of its source (unless kept) and destination */
	uint16_t dport;			/* host order; 0 = the packet's port */
	bool is_keep_source;		/* the received source address, per packet */
};

/* What every output needs from one received IPv6 datagram, computed once per packet. */
struct frame6_pkt {
	uint32_t csum_base;	/* FULL: ~check + ~(old addresses, port); PARTIAL: proto + len */
	uint32_t saddr_sum;	/* the received source's eight 16-bit words, summed */
	struct in6_addr saddr;	/* the received source */
	uint32_t vtcfl;		/* the first word as received: version, traffic class, flow label */
	uint16_t sport;		/* host order */
	uint16_t dport;		/* host order */
	uint16_t udp_len;	/* UDP header + payload */
	uint8_t csum;		/* enum frame_csum; never FRAME_CSUM_NONE for a parsed datagram */
	uint8_t hop_limit;	/* the received hop limit */
};

/**
 * frame6_tmpl_init() - build an output's IPv6 header template
 * @t: the template to fill
 * @dst_mac: destination MAC (33:33 and the group's last four bytes, RFC 2464)
 * @src_mac: the output interface's MAC
 * @saddr: IPv6 source, or :: to send each packet from its received source
 * @daddr: IPv6 destination (the output group)
 * @dport: UDP destination port, host order; 0 keeps each packet's port
 */
void frame6_tmpl_init(struct frame6_tmpl *t, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		      const struct in6_addr *saddr, const struct in6_addr *daddr, uint16_t dport);

/*
 * @ip: the received IPv6 fixed header; @udp: its UDP header (after any
 * extension headers), both as packet_parse() found them.
 */
void frame6_pkt_init(struct frame6_pkt *p, const uint8_t ip[FRAME6_IP_LEN],
		     const uint8_t udp[FRAME_UDP_LEN]);

/**
 * frame6_build() - write one send's header
 * @dst: FRAME6_SEND_LEN bytes: virtio-net header, then Ethernet, IPv6, UDP
 * @t: the output's template
 * @p: the datagram, from frame6_pkt_init()
 * @hop_limit: for this frame (the output's policy applied to p->hop_limit)
 */
void frame6_build(uint8_t dst[FRAME6_SEND_LEN], const struct frame6_tmpl *t,
		  const struct frame6_pkt *p, uint8_t hop_limit);

/* The Ethernet address RFC 2464 7 maps an IPv6 group to: 33:33 and its last four bytes. */
void frame6_multicast_mac(const struct in6_addr *group, uint8_t ret_mac[6]);

#endif
