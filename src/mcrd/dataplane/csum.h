/* SPDX-License-Identifier: MIT */
/*
 * The arithmetic the IPv4 and IPv6 frame builders (frame.c, frame6.c) share
 * for headers and the Internet checksum: 16-bit big-endian words read and
 * written at any alignment, and a 32-bit one's-complement sum folded to 16.
 */
#ifndef MCR_CSUM_H
#define MCR_CSUM_H

#include <stdint.h>

static inline uint16_t load16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif
