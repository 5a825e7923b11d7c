// SPDX-License-Identifier: MIT
/*
 * io_uring and buffer-ring set-up.  liburing 2.3 (bookworm) predates
 * io_uring_setup_buf_ring(), so the buffer ring is mapped and registered by
 * hand here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mcrd/dataplane/ring.h"

_Static_assert(RING_BUF_STRIDE >= 14 + 8 + RING_MAX_MTU + 1, "a buffer holds the largest frame");

#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

int ring_init(struct io_uring *ring, unsigned int sq_entries, unsigned int cq_entries,
	      unsigned int *ret_flags)
{
	/*
	 * Best first: DEFER_TASKRUN (6.1) runs completions only when we ask
	 * for them, so the kernel never interrupts the loop; COOP_TASKRUN
	 * (5.19) at least avoids IPIs; plain set-up works back to 5.x.
	 */
	static const unsigned int tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
		0,
	};
	int ret = -EINVAL;

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		struct io_uring_params p;

		memset(&p, 0, sizeof(p));
		p.flags = tries[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = cq_entries;
		ret = io_uring_queue_init_params(sq_entries, ring, &p);
		if (ret == 0) {
			*ret_flags = p.flags;
			return 0;
		}
		if (ret != -EINVAL)
			break;
	}
	return ret;
}

static size_t page_round(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

size_t ring_locked_bytes(unsigned int sq_entries, unsigned int cq_entries, unsigned int n_bufs)
{
	/* The SQ and CQ rings with their header and the SQ index array; the SQEs. */
	size_t rings = page_round(4096 + (size_t)cq_entries * sizeof(struct io_uring_cqe) +
				  (size_t)sq_entries * sizeof(uint32_t));
	size_t sqes = page_round((size_t)sq_entries * sizeof(struct io_uring_sqe));

	return rings + sqes + page_round((size_t)n_bufs * sizeof(struct io_uring_buf));
}

/* Our own pool: every buffer free, nothing registered. */
static int own_pool_init(struct ring_bufs *b)
{
	b->free_ids = malloc(b->n * sizeof(*b->free_ids));
	if (!b->free_ids)
		return -ENOMEM;
	for (unsigned int i = 0; i < b->n; i++)
		b->free_ids[i] = (uint16_t)(b->n - 1 - i);
	b->n_free = b->n;
	return 0;
}

/* Hand every buffer to the kernel as a registered provided-buffer ring. */
static int kernel_ring_init(struct ring_bufs *b, struct io_uring *ring)
{
	struct io_uring_buf_reg reg;
	int ret;

	b->br_bytes = (size_t)b->n * sizeof(struct io_uring_buf);
	b->br = mmap(NULL, b->br_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
		     -1, 0);
	if (b->br == MAP_FAILED) {
		b->br = NULL;
		return -errno;
	}
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)b->br;
	reg.ring_entries = b->n;
	reg.bgid = RING_BGID;
	ret = io_uring_register_buf_ring(ring, &reg, 0);
	if (ret < 0)
		return ret;
	b->is_registered = true;

	io_uring_buf_ring_init(b->br);
	for (unsigned int i = 0; i < b->n; i++)
		io_uring_buf_ring_add(b->br, ring_buf(b, (uint16_t)i), b->size, (uint16_t)i,
				      io_uring_buf_ring_mask(b->n), (int)i);
	io_uring_buf_ring_advance(b->br, (int)b->n);
	return 0;
}

int ring_bufs_init(struct ring_bufs *b, struct io_uring *ring, unsigned int n,
		   unsigned int size, bool is_own_pool)
{
	int ret;

	memset(b, 0, sizeof(*b));
	if (n == 0 || (n & (n - 1)) || n > 32768 || size == 0 || size > RING_BUF_STRIDE)
		return -EINVAL;
	b->n = n;
	b->size = size;
	b->mem_bytes = (size_t)n * RING_BUF_STRIDE;
	/* Pages are committed as frames touch them: a 1500-byte MTU touches one per buffer. */
	b->mem = mmap(NULL, b->mem_bytes, PROT_READ | PROT_WRITE,
		      MAP_ANONYMOUS | MAP_PRIVATE | MAP_NORESERVE, -1, 0);
	if (b->mem == MAP_FAILED) {
		b->mem = NULL;
		return -errno;
	}
	b->refs = calloc(n, sizeof(*b->refs));
	if (!b->refs) {
		ret = -ENOMEM;
		goto out_unmap;
	}
	ret = is_own_pool ? own_pool_init(b) : kernel_ring_init(b, ring);
	if (ret < 0)
		goto out_unmap;
	return 0;

out_unmap:
	ring_bufs_exit(b, ring);
	return ret;
}

unsigned int ring_bufs_size_for_mtu(unsigned int mtu)
{
	unsigned int size;

	if (mtu > RING_MAX_MTU)
		mtu = RING_MAX_MTU;
	/* Ethernet header, two VLAN tags, and a byte that only a cut-short frame fills. */
	size = RING_BUF_ALIGN(14 + 8 + mtu + 1);
	return size < RING_BUF_SIZE ? RING_BUF_SIZE : size;
}

void ring_bufs_resize(struct ring_bufs *b, unsigned int size)
{
	b->size = size < RING_BUF_STRIDE ? size : RING_BUF_STRIDE;
	if (!b->br)
		return;
	/*
	 * Entries the kernel has not taken yet get the new length at once.  It
	 * reads an entry's len once, when it picks the buffer, and either
	 * value fits the buffer's room; entries it took are rewritten whole
	 * when their buffers are recycled.
	 */
	for (unsigned int i = 0; i < b->n; i++)
		__atomic_store_n(&b->br->bufs[i].len, b->size, __ATOMIC_RELAXED);
}

void ring_bufs_exit(struct ring_bufs *b, struct io_uring *ring)
{
	if (b->is_registered)
		(void)io_uring_unregister_buf_ring(ring, RING_BGID);
	if (b->mem)
		(void)munmap(b->mem, b->mem_bytes);
	if (b->br)
		(void)munmap(b->br, b->br_bytes);
	free(b->refs);
	free(b->free_ids);
	memset(b, 0, sizeof(*b));
}

struct io_uring_sqe *ring_get_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	/* A full SQ is normal under fan-out: flush it and take a fresh one. */
	for (int tries = 0; !sqe && tries < 3; tries++) {
		if (io_uring_submit(ring) < 0)
			continue;
		sqe = io_uring_get_sqe(ring);
	}
	return sqe;
}

/* Kernel 6.12: io_uring_getevents_arg's pad became min_wait_usec. */
#ifndef IORING_FEAT_MIN_TIMEOUT
#define IORING_FEAT_MIN_TIMEOUT (1U << 15)
#endif

bool ring_has_min_wait(const struct io_uring *ring)
{
	return ring->features & IORING_FEAT_MIN_TIMEOUT;
}

int ring_submit_and_wait_min(struct io_uring *ring, unsigned int wait_nr,
			     unsigned int min_wait_us)
{
	/*
	 * The overall timeout only keeps the min timeout from ending the
	 * wait when nothing arrived: past it the kernel sleeps until the
	 * first completion, as an idle worker should.
	 */
	struct __kernel_timespec forever = { .tv_sec = 3600 };
	struct io_uring_getevents_arg arg = {
		.pad = min_wait_us,
		.ts = (uint64_t)(uintptr_t)&forever,
	};
	long ret;

	ret = io_uring_submit(ring);
	if (ret < 0)
		return (int)ret;
	if (io_uring_cq_ready(ring))
		return 0;
	ret = syscall(__NR_io_uring_enter, ring->ring_fd, 0, wait_nr,
		      IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
	return ret < 0 ? -errno : 0;
}
