// SPDX-License-Identifier: MIT
/*
 * Frame parser for ingress: walks Ethernet, at most two VLAN tags, IPv4 or
 * IPv6 (and its extension headers) and UDP, and reports where the UDP
 * payload is.  Every field that steers a read
 * is checked against the captured length first, because frames come straight
 * off the wire.  It runs once per frame on the hot path, so it does not
 * allocate, log or call into libc beyond memcpy.
 *
 * Checksums are deliberately not verified.  The NIC has already checked the
 * Ethernet FCS, so a bad IP or UDP checksum here means corruption inside a
 * host or forgery, and a forger can compute a valid checksum anyway.  The UDP
 * checksum covers the whole payload, so checking it would touch every byte
 * of every datagram, the largest per-frame cost we could add.  And frames
 * sent by this host or over a veth usually carry only a partial (pseudo-
 * header) UDP checksum because of checksum offload, so checking would drop
 * valid traffic.
 */
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "mcrd/dataplane/packet.h"

#define PKT_VLAN_HLEN		4
#define PKT_MAX_VLAN_TAGS	2
#define PKT_IPV4_MIN_HLEN	20
#define PKT_UDP_HLEN		8
#define PKT_IPV6_HLEN		40
#define PKT_IPV6_EXT_MIN	8	/* an extension header's length unit and minimum */

/* IPv4 frag_off field: more-fragments flag and the 13-bit offset; DF is not a fragment. */
#define PKT_IP_MF		0x2000
#define PKT_IP_OFFMASK		0x1fff

static inline uint16_t load_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline bool is_vlan_tpid(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

/*
 * Walks an IPv6 datagram's extension headers from @off (just after the
 * fixed header) to its UDP header, within @end (the end of the payload the
 * header's length announces).  RFC 8200 4: hop-by-hop options only first;
 * routing and destination options anywhere, each at most PKT_IPV6_MAX_EXT
 * in all; a fragment header ends the walk, whatever its offset.  On
 * PKT_OK_IPV6, *ret_off is the UDP header's offset.
 */
static enum pkt_verdict ipv6_walk(const uint8_t *ip, size_t end, uint8_t nh, size_t *ret_off)
{
	size_t off = PKT_IPV6_HLEN, hlen;

	for (unsigned int n = 0;; n++) {
		switch (nh) {
		case IPPROTO_UDP:
			*ret_off = off;
			return PKT_OK_IPV6;
		case IPPROTO_HOPOPTS:
			if (n > 0)
				return PKT_MALFORMED;
			break;
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			break;
		case IPPROTO_FRAGMENT:
			/* Truncated, it is damage; whole, a fragment. */
			return end - off < PKT_IPV6_EXT_MIN ? PKT_MALFORMED : PKT_FRAGMENT;
		default:
			return PKT_NOT_UDP;
		}
		if (n == PKT_IPV6_MAX_EXT || end - off < PKT_IPV6_EXT_MIN)
			return PKT_MALFORMED;
		hlen = ((size_t)ip[off + 1] + 1) * PKT_IPV6_EXT_MIN;
		if (hlen > end - off)
			return PKT_MALFORMED;
		nh = ip[off];
		off += hlen;
	}
}

/*
 * An IPv6 datagram at @off of the frame: fixed header, extension headers,
 * UDP.  A payload length of 0 (a jumbogram's) and a UDP checksum of 0
 * (forbidden in IPv6, RFC 8200 8.1; receivers drop it) are malformed.
 */
static enum pkt_verdict parse_ipv6(const uint8_t *frame, size_t len, size_t off,
				   struct pkt_info *ret)
{
	const uint8_t *ip = frame + off, *udp;
	size_t ip_avail = len - off, end, udp_off = 0, udp_len;
	enum pkt_verdict v;

	if (ip_avail < PKT_IPV6_HLEN || ip[0] >> 4 != 6)
		return PKT_MALFORMED;
	/* Bytes past the payload length are Ethernet padding of a short frame. */
	end = PKT_IPV6_HLEN + (size_t)load_be16(ip + 4);
	if (end == PKT_IPV6_HLEN || end > ip_avail)
		return PKT_MALFORMED;
	v = ipv6_walk(ip, end, ip[6], &udp_off);
	if (v != PKT_OK_IPV6)
		return v;
	if (end - udp_off < PKT_UDP_HLEN)
		return PKT_MALFORMED;
	udp = ip + udp_off;
	udp_len = load_be16(udp + 4);
	if (udp_len < PKT_UDP_HLEN || udp_len > end - udp_off || load_be16(udp + 6) == 0)
		return PKT_MALFORMED;
	/* Offsets are 16 bits: a frame that large is no Ethernet frame. */
	if (off + udp_off + PKT_UDP_HLEN > UINT16_MAX)
		return PKT_MALFORMED;

	memcpy(&ret->saddr6, ip + 8, sizeof(ret->saddr6));
	memcpy(&ret->daddr6, ip + 24, sizeof(ret->daddr6));
	ret->sport = load_be16(udp);
	ret->dport = load_be16(udp + 2);
	ret->ip_off = (uint16_t)off;
	ret->udp_off = (uint16_t)(off + udp_off);
	ret->payload_off = (uint16_t)(off + udp_off + PKT_UDP_HLEN);
	ret->payload_len = (uint16_t)(udp_len - PKT_UDP_HLEN);
	ret->ttl = ip[7];
	return PKT_OK_IPV6;
}

enum pkt_verdict packet_parse(const uint8_t *frame, size_t len, struct pkt_info *ret)
{
	const uint8_t *ip, *udp;
	size_t off, ip_avail, ip_hlen, ip_tot, udp_len;
	uint16_t type, frag, tci = 0;
	uint8_t depth = 0;

	if (len < ETH_HLEN)
		return PKT_MALFORMED;
	type = load_be16(frame + ETH_ALEN * 2);
	off = ETH_HLEN;

	/*
	 * Each tag is the TCI followed by the next ethertype.  A third tag is
	 * treated as an ethertype we do not handle rather than as damage.
	 */
	while (is_vlan_tpid(type) && depth < PKT_MAX_VLAN_TAGS) {
		if (len - off < PKT_VLAN_HLEN)
			return PKT_MALFORMED;
		if (depth == 0)
			tci = load_be16(frame + off);
		type = load_be16(frame + off + 2);
		off += PKT_VLAN_HLEN;
		depth++;
	}
	if (type == ETH_P_IPV6) {
		ret->vlan_depth = depth;
		ret->vlan_tci = tci;
		return parse_ipv6(frame, len, off, ret);
	}
	if (type != ETH_P_IP)
		return PKT_NOT_IPV4;

	ip = frame + off;
	ip_avail = len - off;
	if (ip_avail < PKT_IPV4_MIN_HLEN)
		return PKT_MALFORMED;
	if (ip[0] >> 4 != 4)
		return PKT_MALFORMED;
	ip_hlen = (size_t)(ip[0] & 0x0f) * 4;
	if (ip_hlen < PKT_IPV4_MIN_HLEN)
		return PKT_MALFORMED;
	/*
	 * ip_hlen <= ip_tot <= ip_avail also proves the options were captured.
	 * Bytes past the total length are Ethernet padding of a short frame.
	 */
	ip_tot = load_be16(ip + 2);
	if (ip_tot < ip_hlen || ip_tot > ip_avail)
		return PKT_MALFORMED;

	/* Only the first fragment has a UDP header, and none has the whole datagram. */
	frag = load_be16(ip + 6);
	if (frag & (PKT_IP_MF | PKT_IP_OFFMASK))
		return PKT_FRAGMENT;
	if (ip[9] != IPPROTO_UDP)
		return PKT_NOT_UDP;

	if (ip_tot - ip_hlen < PKT_UDP_HLEN)
		return PKT_MALFORMED;
	udp = ip + ip_hlen;
	udp_len = load_be16(udp + 4);
	if (udp_len < PKT_UDP_HLEN || udp_len > ip_tot - ip_hlen)
		return PKT_MALFORMED;

	memcpy(&ret->saddr, ip + 12, sizeof(ret->saddr));
	memcpy(&ret->daddr, ip + 16, sizeof(ret->daddr));
	ret->sport = load_be16(udp);
	ret->dport = load_be16(udp + 2);
	/* At most 14 + 2 * 4 + 60 + 8 bytes, so the offsets fit in 16 bits. */
	ret->ip_off = (uint16_t)off;
	ret->payload_off = (uint16_t)(off + ip_hlen + PKT_UDP_HLEN);
	ret->payload_len = (uint16_t)(udp_len - PKT_UDP_HLEN);
	ret->ttl = ip[8];
	ret->vlan_depth = depth;
	ret->vlan_tci = tci;
	return PKT_OK;
}
