/* SPDX-License-Identifier: MIT */
/*
 * Frame headers for L2 egress: the Ethernet + IPv4 + UDP header an output
 * sends in front of a relayed payload, built once per output as a template
 * and patched per packet (lengths, IP id, TOS, DF, TTL, with "source":
 * "keep" the source address, both checksums, ports).  The UDP
 * checksum is carried over from the received datagram by incremental update
 * (RFC 1624), so the payload is never summed.  Pure functions, no I/O.
 *
 * The header is preceded by a virtio-net header because the egress packet
 * socket uses PACKET_VNET_HDR: a datagram that arrived with a partial
 * checksum (a local sender with checksum offload, e.g. over a veth) is sent
 * on with "needs checksum", and the kernel or the NIC completes it, just as
 * for a datagram sent through a UDP socket.
 */
#ifndef MCR_FRAME_H
#define MCR_FRAME_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define FRAME_VNET_LEN	10	/* struct virtio_net_hdr */
#define FRAME_ETH_LEN	14
#define FRAME_IP_LEN	20
#define FRAME_UDP_LEN	8
#define FRAME_HDR_LEN	(FRAME_ETH_LEN + FRAME_IP_LEN + FRAME_UDP_LEN)	/* 42 on the wire */
#define FRAME_SEND_LEN	(FRAME_VNET_LEN + FRAME_HDR_LEN)	/* 52 written per send */

/* Offsets in the FRAME_SEND_LEN bytes frame_build() writes. */
#define FRAME_OFF_ETH	FRAME_VNET_LEN
#define FRAME_OFF_IP	(FRAME_OFF_ETH + FRAME_ETH_LEN)
#define FRAME_OFF_UDP	(FRAME_OFF_IP + FRAME_IP_LEN)

/* What the received datagram's UDP checksum field holds. */
enum frame_csum {
	FRAME_CSUM_NONE = 0,	/* 0: the sender did not checksum; neither do we */
	FRAME_CSUM_FULL,	/* a complete checksum: updated incrementally */
	FRAME_CSUM_PARTIAL,	/* only the pseudo-header sum: the kernel/NIC completes it */
	FRAME_CSUM_MAX
};

/* One output's header, built once. */
struct frame_tmpl {
	uint8_t hdr[FRAME_HDR_LEN];	/* per-packet fields zero */
	uint32_t ip_sum;		/* 16-bit word sum of hdr's IPv4 header */
	uint32_t addr_sum;		/* word sum of its source (unless kept) and destination */
	uint16_t dport;			/* host order; 0 = the packet's port */
	bool is_keep_source;		/* the received source address, per packet */
};

/* What every output needs from one received datagram, computed once per packet. */
struct frame_pkt {
	uint32_t csum_base;	/* FULL: ~check + ~(old addresses, port); PARTIAL: proto + len */
	uint32_t saddr_be;	/* the received IPv4 source, network order */
	uint32_t saddr_sum;	/* its two 16-bit words, summed */
	uint16_t sport;		/* host order */
	uint16_t dport;		/* host order */
	uint16_t udp_len;	/* UDP header + payload */
	uint8_t csum;		/* enum frame_csum */
	uint8_t tos;		/* the received TOS byte: DSCP and ECN, sent on as they came */
	uint8_t ttl;		/* the received TTL */
	bool is_df;		/* the received don't-fragment flag, sent on as it came */
};

/**
 * frame_tmpl_init() - build an output's header template
 * @t: the template to fill
 * @dst_mac: destination MAC (the group's multicast MAC)
 * @src_mac: the output interface's MAC
 * @saddr: IPv4 source (the interface's or a given address), or INADDR_ANY
 *	to send each packet from its received source ("source": "keep")
 * @daddr: IPv4 destination (the output group)
 * @dport: UDP destination port, host order; 0 keeps each packet's port
 *
 * The TTL, TOS and DF come with each packet: see frame_build().
 */
void frame_tmpl_init(struct frame_tmpl *t, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		     struct in_addr saddr, struct in_addr daddr, uint16_t dport);

/**
 * frame_csum_carry() - how a received UDP checksum is carried over to an output
 * @check: the received checksum field
 * @old_addrs: the unfolded sum of the received pseudo-header's address words
 * @n_addr_words: how many 16-bit words those are: 4 for IPv4, 16 for IPv6
 * @udp_len: the UDP length
 * @dport: the received destination port, host order
 * @ret_base: set to what frame_build() and frame6_build() add the new words to
 *
 * Shared by frame_pkt_init() and frame6_pkt_init().
 *
 * Returns FRAME_CSUM_NONE for a check of 0, FRAME_CSUM_PARTIAL when the
 * field holds only the pseudo-header's sum (checksum offload), or
 * FRAME_CSUM_FULL.
 */
enum frame_csum frame_csum_carry(uint16_t check, uint32_t old_addrs, unsigned int n_addr_words,
				 uint16_t udp_len, uint16_t dport, uint32_t *ret_base);

/**
 * frame_pkt_init() - summarize a received datagram for frame_build()
 * @p: filled in
 * @ip: the datagram's IPv4 header, as received (its first 20 bytes are read)
 * @udp: the datagram's 8-byte UDP header, as received
 *
 * A checksum field equal to the pseudo-header sum is taken as partial (what
 * a sender's checksum offload leaves); a complete checksum that happens to
 * equal it is then completed by the kernel instead, with the same result.
 */
void frame_pkt_init(struct frame_pkt *p, const uint8_t ip[FRAME_IP_LEN],
		    const uint8_t udp[FRAME_UDP_LEN]);

/**
 * frame_build() - write one send's header
 * @dst: FRAME_SEND_LEN bytes: virtio-net header, then Ethernet, IPv4, UDP
 * @t: the output's template
 * @p: the datagram, from frame_pkt_init()
 * @ip_id: IPv4 identification for this frame
 * @ttl: IPv4 TTL for this frame (the output's policy applied to p->ttl)
 *
 * The TOS byte and the DF flag are the received ones (p->tos, p->is_df).
 */
void frame_build(uint8_t dst[FRAME_SEND_LEN], const struct frame_tmpl *t,
		 const struct frame_pkt *p, uint16_t ip_id, uint8_t ttl);

#endif
