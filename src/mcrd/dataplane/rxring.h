/* SPDX-License-Identifier: MIT */
/*
 * A TPACKET_V3 receive ring on an ingress packet socket: the kernel copies
 * each frame that passes the socket's filter into the current block of a
 * ring shared with us, and wakes the reader once per block (when it is full
 * or when the retire timeout runs out), not once per frame.  The reader
 * walks a block's frames, then hands the block back.
 *
 * Pure bookkeeping over the mapping; the worker does the waiting (a poll
 * of the socket) and the relaying.
 */
#ifndef MCR_RXRING_H
#define MCR_RXRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RXRING_BLOCK_SIZE	(32u << 10)
#define RXRING_BLOCKS		128u
#define RXRING_TIMEOUT_MS	1u	/* the longest a frame waits in an open block */

struct rxring {
	uint8_t *map;			/* NULL: no ring (multishot ingress) */
	size_t map_len;
	unsigned int block_size;
	unsigned int n_blocks;
	unsigned int block;		/* the next block to read */
	uint32_t pkt_done;		/* frames of that block already taken */
	uint32_t pkt_off;		/* offset of the next one in the block */
};

/*
 * One received frame: its bytes, from the Ethernet header on, and the VLAN
 * tag the kernel took off it before we saw it (the outer one, if any).
 */
struct rxring_frame {
	const uint8_t *data;
	uint32_t len;
	bool has_vlan;			/* the kernel says vlan_tci is the frame's tag */
	uint16_t vlan_tci;
};

/*
 * Set up the ring on fd (a packet socket, before it is bound).  Returns 0 or
 * a negative errno from setsockopt or mmap.
 */
int rxring_init(struct rxring *r, int fd, unsigned int block_size, unsigned int n_blocks,
		unsigned int timeout_ms);
/*
 * Map the ring another process set up on fd with the same geometry (a dead
 * worker's, keep.h) and start reading at the oldest block the kernel has
 * handed over and nobody gave back.  The block that process was reading
 * when it died is read again from its first frame.  Returns 0 or -errno.
 */
int rxring_adopt(struct rxring *r, int fd, unsigned int block_size, unsigned int n_blocks);
void rxring_exit(struct rxring *r);

/*
 * The next frame the kernel has handed over, or 0 when there is none.
 * Frames come in order; a block goes back to the kernel when its last frame
 * has been taken and the next call moves on.
 */
int rxring_next(struct rxring *r, struct rxring_frame *f);
/* Would rxring_next() return a frame? */
bool rxring_has_frame(const struct rxring *r);

#endif
