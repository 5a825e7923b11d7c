/* SPDX-License-Identifier: MIT */
/*
 * A TPACKET_V2 receive ring on an ingress packet socket: the kernel copies
 * each frame that passes the socket's filter into the next fixed-size slot
 * of a ring shared with us and wakes the reader for it, so a frame at a low
 * rate is read as soon as it arrives (a TPACKET_V3 block waits to be full or
 * for its 1 ms retire timer), while at a high rate one wake-up finds many
 * slots ready.  Slots are sized from the input's MTU, and the ring is set up
 * again with bigger ones when that grows.
 *
 * Pure bookkeeping over the mapping; the worker does the waiting (a poll
 * of the socket) and the relaying.
 */
#ifndef MCR_RXRING_H
#define MCR_RXRING_H

#include <linux/if_packet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RXRING_VERSION		TPACKET_V2
#define RXRING_BLOCK_SIZE	(32u << 10)	/* the kernel allocates the ring in these */
#define RXRING_BLOCKS		256u		/* 8 MiB, whatever the MTU */

struct rxring {
	uint8_t *map;			/* NULL: no ring (multishot ingress) */
	size_t map_len;
	unsigned int mtu;		/* the largest input MTU whose frames fit a slot */
	unsigned int frame_size;	/* a slot's bytes, header included */
	unsigned int frames_per_block;
	unsigned int n_blocks;
	unsigned int n_frames;
	unsigned int frame;		/* the next slot to read, or the one held */
	bool is_held;			/* frame was returned last and is still ours */
};

/*
 * One received frame: its bytes, from the Ethernet header on, and the VLAN
 * tag the kernel took off it before we saw it (the outer one, if any).
 */
struct rxring_frame {
	const uint8_t *data;
	uint32_t len;
	bool is_cut;			/* longer than its slot: only len bytes are there */
	bool has_vlan;			/* the kernel says vlan_tci is the frame's tag */
	uint16_t vlan_tci;
};

/*
 * Set up the ring of n_blocks blocks of RXRING_BLOCK_SIZE on fd (a packet
 * socket, before it is bound) with slots for frames of an input MTU of mtu
 * (0: 1500).  Returns 0, -EINVAL for no blocks, or a negative errno from
 * setsockopt or mmap.
 */
int rxring_init(struct rxring *r, int fd, unsigned int mtu, unsigned int n_blocks);
/*
 * Map the ring another process set up on fd (a dead worker's, keep.h), with
 * the geometry the kernel reports for it, and start reading at the oldest
 * frame the kernel has handed over and nobody gave back; the frame that
 * process was reading when it died is read again.  Returns 0 or -errno
 * (-ENOENT: no ring; -EPROTOTYPE: not one rxring_init() set up).
 */
int rxring_adopt(struct rxring *r, int fd);
/*
 * Set the ring on fd up again with slots for mtu, as many blocks as before.  Frames waiting in the old
 * ring are lost.  On failure the old geometry is restored if it can be;
 * returns 0 or -errno (then r->map may be NULL: the port has no ring).
 */
int rxring_resize(struct rxring *r, int fd, unsigned int mtu);
void rxring_exit(struct rxring *r);

/*
 * The next frame the kernel has handed over, or 0 when there is none.
 * Frames come in order; f stays valid until the next call, which gives its
 * slot back to the kernel.
 */
int rxring_next(struct rxring *r, struct rxring_frame *f);
/* Would rxring_next() return a frame? */
bool rxring_has_frame(const struct rxring *r);

#endif
