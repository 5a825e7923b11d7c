/* SPDX-License-Identifier: MIT */
/*
 * The test payload mcrgen writes and mcrsink reads: a fixed header at the
 * start of every UDP payload, big-endian, followed by filler.
 *
 *   0  magic   "MCR1"
 *   4  stream  stream id (0-based)
 *   8  seq     per-stream sequence number, from 0
 *  16  tx_ns   CLOCK_REALTIME nanoseconds at send time
 */
#ifndef MCR_PAYLOAD_H
#define MCR_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define PAYLOAD_MAGIC	0x4d435231u
#define PAYLOAD_HDR_LEN	24

struct payload_hdr {
	uint32_t stream;
	uint64_t seq;
	uint64_t tx_ns;
};

void payload_write(uint8_t *buf, const struct payload_hdr *hdr);
/* Returns 0, or -EINVAL when buf is too short or not ours. */
int payload_read(const uint8_t *buf, size_t len, struct payload_hdr *ret);

#endif
