/* SPDX-License-Identifier: MIT */
/*
 * Allocation of ranges in a worker's io_uring fixed-file table.  The table
 * is registered sparse once; sockets of each rule generation take a
 * contiguous range (so a send finds its socket at base + index) and give it
 * back when the generation retires.  Pure bookkeeping: no syscalls.
 */
#ifndef MCR_FILESLOTS_H
#define MCR_FILESLOTS_H

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

#endif
