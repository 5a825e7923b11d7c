/* SPDX-License-Identifier: MIT */
/*
 * io_uring set-up for a worker, and the provided-buffer pool that ingress
 * receives into.  A buffer is referenced by every send of the packet it holds
 * and goes back to the kernel when the last of those sends completes, so a
 * packet is never copied, whatever the fan-out.
 */
#ifndef MCR_RING_H
#define MCR_RING_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#define RING_BGID	0	/* the one buffer group a worker uses */
#define RING_BUF_SIZE	2048	/* the least a buffer holds: a 1500-byte MTU's frame */
#define RING_MAX_MTU	9216	/* the largest input MTU whose frames fit a buffer */
/*
 * A buffer's place in the pool: room for a frame of RING_MAX_MTU with two
 * VLAN tags and a byte to spare, in whole pages, so that a buffer starts
 * on a page and a 1500-byte MTU's frame touches one page, not two.
 */
#define RING_BUF_STRIDE	(3u * 4096u)
#define RING_BUF_ALIGN(n) (((n) + 63u) & ~63u)

struct ring_bufs {
	struct io_uring_buf_ring *br;	/* shared with the kernel, mmap()ed */
	uint8_t *mem;			/* n * RING_BUF_STRIDE bytes, reserved */
	size_t br_bytes;
	size_t mem_bytes;
	unsigned int n;
	unsigned int size;		/* bytes of a buffer in use: the inputs' largest frame */
	uint16_t *refs;			/* sends still using each buffer */
	uint16_t *free_ids;		/* a pool of our own: free buffers, a stack */
	unsigned int n_free;
	unsigned int unpublished;	/* recycled but not yet visible to the kernel */
	unsigned int in_use;		/* buffers the kernel has handed us */
	bool is_registered;
};

/*
 * Create the ring with sq_entries submission and cq_entries completion
 * entries, asking for the cheapest task-running mode the kernel supports.
 * Returns 0 or a negative errno; *ret_flags tells which set-up flags took.
 */
int ring_init(struct io_uring *ring, unsigned int sq_entries, unsigned int cq_entries,
	      unsigned int *ret_flags);

/*
 * n must be a power of two; returns 0 or a negative errno.  The buffers go
 * to the kernel as a provided-buffer ring for multishot receives, or, with
 * is_own_pool, stay with us (ring_buf_take()) for a receive ring's frames.
 *
 * Each buffer has room for a frame of RING_MAX_MTU, but only its first
 * size bytes (ring_bufs_size_for_mtu()) are used, so the memory a pool
 * touches follows the inputs' MTU, not the largest possible one.
 */
int ring_bufs_init(struct ring_bufs *b, struct io_uring *ring, unsigned int n,
		   unsigned int size, bool is_own_pool);
void ring_bufs_exit(struct ring_bufs *b, struct io_uring *ring);

/* The buffer size for frames of an input MTU (capped at RING_MAX_MTU's). */
unsigned int ring_bufs_size_for_mtu(unsigned int mtu);

/*
 * Use size bytes of each buffer from now on (at most RING_BUF_STRIDE).  A
 * multishot receive's buffers take the new size as they come back: until
 * each has gone round once, a frame larger than its old size is cut short
 * (and counted as too big).
 */
void ring_bufs_resize(struct ring_bufs *b, unsigned int size);

static inline uint8_t *ring_buf(const struct ring_bufs *b, uint16_t bid)
{
	return b->mem + (size_t)bid * RING_BUF_STRIDE;
}

/* Give a buffer back; it reaches the kernel at the next ring_bufs_publish(). */
static inline void ring_buf_recycle(struct ring_bufs *b, uint16_t bid)
{
	b->in_use--;
	if (b->free_ids) {
		b->free_ids[b->n_free++] = bid;
		return;
	}
	io_uring_buf_ring_add(b->br, ring_buf(b, bid), b->size, bid,
			      io_uring_buf_ring_mask(b->n), (int)b->unpublished);
	b->unpublished++;
}

/* A free buffer of our own pool, or -1 when all are in use. */
static inline int ring_buf_take(struct ring_bufs *b)
{
	if (b->n_free == 0)
		return -1;
	b->in_use++;
	return b->free_ids[--b->n_free];
}

static inline void ring_bufs_publish(struct ring_bufs *b)
{
	if (b->unpublished) {
		io_uring_buf_ring_advance(b->br, (int)b->unpublished);
		b->unpublished = 0;
	}
}

/*
 * The locked memory a worker's ring and buffer ring take (n_bufs: 0 when
 * the buffers stay in our own pool), as the kernel charges it to
 * RLIMIT_MEMLOCK when the creator lacks CAP_IPC_LOCK: whole pages.
 */
size_t ring_locked_bytes(unsigned int sq_entries, unsigned int cq_entries, unsigned int n_bufs);

/* Does the kernel take a minimum wait (6.12+)? */
bool ring_has_min_wait(const struct io_uring *ring);

/*
 * Submit what is queued, then wait for wait_nr completions, but no longer
 * than min_wait_us once at least one has arrived.  Each packet that arrives
 * while the worker sleeps costs the receiving CPU a wake-up (an IPI, dear on
 * a virtual machine); waiting for a few lets one wake-up carry a batch.
 * Needs ring_has_min_wait().  Returns 0 or a negative errno.
 */
int ring_submit_and_wait_min(struct io_uring *ring, unsigned int wait_nr,
			     unsigned int min_wait_us);

/*
 * A free SQE, submitting what is queued if the SQ is full.  NULL only when
 * the kernel refuses submissions (the caller drops and counts).
 */
struct io_uring_sqe *ring_get_sqe(struct io_uring *ring);

#endif
