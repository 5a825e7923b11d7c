/* SPDX-License-Identifier: MIT */
/*
 * Allocation of ranges in a worker's io_uring fixed-file table.  The table
 * is registered sparse once; sockets of each rule generation take a
 * contiguous range (so a send finds its socket at base + index) and give it
 * back when the generation retires.  The allocator is pure bookkeeping;
 * file_slots_register() and file_slots_clear() put sockets in the ring's
 * table and take them out.
 */
#ifndef MCR_FILESLOTS_H
#define MCR_FILESLOTS_H

#include <liburing.h>
#include <stdint.h>

struct file_slots {
	uint64_t *used;		/* one bit per slot */
	unsigned int n;
};

int file_slots_init(struct file_slots *fs, unsigned int n);
void file_slots_exit(struct file_slots *fs);
/* First fit; returns the base index or -ENOSPC.  count 0 returns 0. */
int file_slots_alloc(struct file_slots *fs, unsigned int count);
void file_slots_release(struct file_slots *fs, unsigned int base, unsigned int count);

/* Register fds[0..n) as ring's fixed files base..base+n; logs, 0 or -errno. */
int file_slots_register(struct io_uring *ring, unsigned int base, const int *fds, unsigned int n);
/*
 * Replace ring's fixed files base..base+n by -1, which drops the ring's
 * reference, and release the range.
 */
void file_slots_clear(struct file_slots *fs, struct io_uring *ring, unsigned int base,
		      unsigned int n);

#endif
