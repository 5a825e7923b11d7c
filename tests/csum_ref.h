/* SPDX-License-Identifier: MIT */
/*
 * The tests' own Internet checksum (RFC 1071), written plainly and apart
 * from dataplane/csum.h on purpose: the unit tests and the fuzz harnesses
 * check the relay's incremental updates (RFC 1624) against a full re-sum
 * by this code, so it must not share the code it checks.  Header-only:
 * every test and harness includes it without a link step of its own.
 */
#ifndef MCR_TESTS_CSUM_REF_H
#define MCR_TESTS_CSUM_REF_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* A big-endian 16-bit word. */
static inline uint16_t ref_load16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The one's-complement sum of @len bytes as 16-bit words on top of @sum,
 * unfolded; an odd last byte is padded with 0.
 */
static inline uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += ref_load16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header's sum for a UDP datagram in the IPv4 header at @ip (RFC 768). */
static inline uint32_t ref_pseudo4_sum(const uint8_t *ip, uint16_t udp_len)
{
	return ref_sum(0, ip + 12, 8) + IPPROTO_UDP + udp_len;
}

/* The pseudo-header's sum for a UDP datagram in the IPv6 header at @ip (RFC 8200 8.1). */
static inline uint32_t ref_pseudo6_sum(const uint8_t *ip, uint16_t udp_len)
{
	return ref_sum(0, ip + 8, 32) + IPPROTO_UDP + udp_len;
}

#endif
