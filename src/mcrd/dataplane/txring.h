/* SPDX-License-Identifier: MIT */
/*
 * A PACKET_TX_RING on an l2 egress packet socket: frames are written into
 * memory shared with the kernel and sent by one "kick" (a zero-length send)
 * per batch, so an output's frame costs no system call, no msghdr copy and
 * no iovec import.  The kernel walks the ring in order from its own head,
 * so frames are filled strictly in ring order too.
 *
 * A ring belongs to one packet socket of one worker and is shared by the
 * rule generations that send through that socket (refs).  It does no I/O
 * besides its set-up; the worker queues the kicks.
 */
#ifndef MCR_TXRING_H
#define MCR_TXRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct txring {
	int fd;				/* our own reference to the socket, for kicks */
	uint8_t *map;			/* the ring, mmap()ed from the socket */
	size_t map_len;
	unsigned int block_size;
	unsigned int frame_size;
	unsigned int frames_per_block;
	unsigned int n_frames;
	unsigned int head;		/* the next frame to fill */
	unsigned int pending;		/* filled since the last kick was queued */
	unsigned int kick_batch;	/* kick at this many pending frames */
	unsigned int refs;		/* generations, queued kicks, the dirty list */
	struct txring *next_dirty;	/* the worker's list of rings to kick */
	bool is_dirty;
};

/* Bytes of frame data a slot holds after its tpacket header. */
unsigned int txring_frame_capacity(const struct txring *r);

/**
 * txring_init() - set up a TX ring on a packet socket
 * @r: filled in; refs starts at 1
 * @fd: a packet socket, PACKET_VNET_HDR already set; the ring keeps a
 *      duplicate, valid for kicks as long as the ring lives
 * @frame_data: the largest frame (virtio-net header included) to be sent
 * @n_frames: wanted slots; rounded to whole blocks, at least one block
 * @kick_batch: pending frames that call for a kick; capped at half the ring
 *
 * Returns 0 or a negative errno (from setsockopt or mmap).
 */
int txring_init(struct txring *r, int fd, unsigned int frame_data, unsigned int n_frames,
		unsigned int kick_batch);
void txring_exit(struct txring *r);

/*
 * The data area of the slot at head when the kernel is done with it, or
 * NULL when the ring is full (slots still waiting to be sent, or sent and
 * not yet released by the device).
 */
uint8_t *txring_frame(struct txring *r);

/*
 * Hand the slot at head to the kernel: len bytes of data were written, tag
 * is kept in the slot for the caller (txring_discard() returns it).
 * Returns true when a kick is due (pending reached kick_batch).
 */
bool txring_commit(struct txring *r, unsigned int len, uint32_t tag);

/*
 * Take back every slot still waiting to be sent, after a kick failed for
 * good (the interface went down): the kernel's head stops at the first of
 * them, and so must ours.  Calls drop(tag, arg) for each, oldest first.
 * Returns how many.
 */
unsigned int txring_discard(struct txring *r, void (*drop)(uint32_t tag, void *arg), void *arg);

#endif
