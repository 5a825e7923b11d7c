// SPDX-License-Identifier: MIT
/*
 * IPv6 L2 egress frame headers.  The sums work as in frame.c: 16-bit words
 * in host order in a 32-bit accumulator, folded at the end, "subtracting"
 * a word by adding 0xffff - word (RFC 1624, eqn. 3).  An IPv6 pseudo-header
 * holds the two 128-bit addresses, the 32-bit UDP length and the next
 * header (RFC 8200 8.1); only the addresses and the destination port
 * change between the received datagram and a relayed one.
 */
#include <linux/if_ether.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "mcrd/dataplane/csum.h"
#include "mcrd/dataplane/frame6.h"

#define IP6_OFF		FRAME_ETH_LEN
#define UDP6_OFF	(FRAME_ETH_LEN + FRAME6_IP_LEN)
/* The eight words of one address, each "subtracted" once: 8 * 0xffff - sum. */
#define ADDR6_WORDS	8

/* An address's eight 16-bit words, summed (at most 8 * 0xffff: no overflow). */
static uint32_t addr6_words(const uint8_t a[16])
{
	uint32_t sum = 0;

	for (int i = 0; i < 16; i += 2)
		sum += load16(a + i);
	return sum;
}

void frame6_multicast_mac(const struct in6_addr *group, uint8_t ret_mac[6])
{
	ret_mac[0] = 0x33;
	ret_mac[1] = 0x33;
	memcpy(ret_mac + 2, group->s6_addr + 12, 4);
}

void frame6_tmpl_init(struct frame6_tmpl *t, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		      const struct in6_addr *saddr, const struct in6_addr *daddr, uint16_t dport)
{
	uint8_t *ip = t->hdr + IP6_OFF;
	uint8_t *udp = t->hdr + UDP6_OFF;

	memset(t, 0, sizeof(*t));
	memcpy(t->hdr, dst_mac, ETH_ALEN);
	memcpy(t->hdr + ETH_ALEN, src_mac, ETH_ALEN);
	put16(t->hdr + 2 * ETH_ALEN, ETH_P_IPV6);

	/* The first word, payload length and hop limit come with each packet. */
	ip[6] = IPPROTO_UDP;
	memcpy(ip + 8, saddr, 16);
	memcpy(ip + 24, daddr, 16);
	t->is_keep_source = IN6_IS_ADDR_UNSPECIFIED(saddr);
	t->addr_sum = addr6_words(ip + 8) + addr6_words(ip + 24);

	put16(udp + 2, dport);
	t->dport = dport;
}

void frame6_pkt_init(struct frame6_pkt *p, const uint8_t ip[FRAME6_IP_LEN],
		     const uint8_t udp[FRAME_UDP_LEN])
{
	uint16_t check = load16(udp + 6);
	uint32_t old_addrs = addr6_words(ip + 8) + addr6_words(ip + 24);

	memcpy(&p->saddr, ip + 8, 16);
	p->saddr_sum = addr6_words(ip + 8);
	memcpy(&p->vtcfl, ip, 4);
	p->hop_limit = ip[7];
	p->sport = load16(udp);
	p->dport = load16(udp + 2);
	p->udp_len = load16(udp + 4);
	/* A check of 0 is forbidden in IPv6; packet_parse() drops it before it gets here. */
	p->csum = (uint8_t)frame_csum_carry(check, old_addrs, 2 * ADDR6_WORDS, p->udp_len,
					    p->dport, &p->csum_base);
}

void frame6_build(uint8_t dst[FRAME6_SEND_LEN], const struct frame6_tmpl *t,
		  const struct frame6_pkt *p, uint8_t hop_limit)
{
	/* As in frame_build(): the whole frame in the socket buffer's linear part. */
	struct virtio_net_hdr vnet = {
		.hdr_len = (uint16_t)(FRAME_ETH_LEN + FRAME6_IP_LEN + p->udp_len),
	};
	uint8_t *ip = dst + FRAME6_OFF_IP;
	uint8_t *udp = dst + FRAME6_OFF_UDP;
	uint16_t dport = t->dport ? t->dport : p->dport;
	uint32_t src_sum = t->is_keep_source ? p->saddr_sum : 0;
	uint16_t check;

	memcpy(dst + FRAME_OFF_ETH, t->hdr, FRAME6_HDR_LEN);
	/* Version, traffic class and flow label as received, as a router sends them on. */
	memcpy(ip, &p->vtcfl, 4);
	put16(ip + 4, p->udp_len);
	ip[7] = hop_limit;
	if (t->is_keep_source)
		memcpy(ip + 8, &p->saddr, 16);

	put16(udp, p->sport);
	put16(udp + 2, dport);
	put16(udp + 4, p->udp_len);
	if (p->csum == FRAME_CSUM_PARTIAL) {
		check = csum_fold(p->csum_base + t->addr_sum + src_sum);
		vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vnet.csum_start = FRAME_ETH_LEN + FRAME6_IP_LEN;
		vnet.csum_offset = 6;
	} else {
		check = (uint16_t)~csum_fold(p->csum_base + t->addr_sum + src_sum + dport);
		/* Never 0 in IPv6: a sum of zero is sent as 0xffff (RFC 8200 8.1). */
		if (check == 0)
			check = 0xffff;
	}
	put16(udp + 6, check);
	memcpy(dst, &vnet, FRAME_VNET_LEN);
}
