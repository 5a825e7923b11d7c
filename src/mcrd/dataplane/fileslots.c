// SPDX-License-Identifier: MIT
/* Fixed-file range allocation; see fileslots.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "mcrd/dataplane/fileslots.h"

static bool is_used(const struct file_slots *fs, unsigned int i)
{
	return fs->used[i / 64] & (1ULL << (i % 64));
}

static void mark(struct file_slots *fs, unsigned int base, unsigned int count, bool is_set)
{
	for (unsigned int i = base; i < base + count; i++) {
		if (is_set)
			fs->used[i / 64] |= 1ULL << (i % 64);
		else
			fs->used[i / 64] &= ~(1ULL << (i % 64));
	}
}

int file_slots_init(struct file_slots *fs, unsigned int n)
{
	fs->n = n;
	fs->used = calloc((n + 63) / 64, sizeof(*fs->used));
	return fs->used ? 0 : -ENOMEM;
}

void file_slots_exit(struct file_slots *fs)
{
	free(fs->used);
	memset(fs, 0, sizeof(*fs));
}

int file_slots_alloc(struct file_slots *fs, unsigned int count)
{
	unsigned int run = 0;

	if (count == 0)
		return 0;
	for (unsigned int i = 0; i < fs->n; i++) {
		run = is_used(fs, i) ? 0 : run + 1;
		if (run == count) {
			mark(fs, i + 1 - count, count, true);
			return (int)(i + 1 - count);
		}
	}
	return -ENOSPC;
}

void file_slots_release(struct file_slots *fs, unsigned int base, unsigned int count)
{
	if (base + count <= fs->n)
		mark(fs, base, count, false);
}

int file_slots_register(struct io_uring *ring, unsigned int base, const int *fds, unsigned int n)
{
	int ret;

	if (n == 0)
		return 0;
	ret = io_uring_register_files_update(ring, base, fds, n);
	if (ret < 0) {
		log_err_errno(ret, "cannot register %u sockets with io_uring", n);
		return ret;
	}
	return 0;
}

void file_slots_clear(struct file_slots *fs, struct io_uring *ring, unsigned int base,
		      unsigned int n)
{
	int *none = malloc((n ? n : 1) * sizeof(*none));

	if (!none)
		return;
	for (unsigned int i = 0; i < n; i++)
		none[i] = -1;
	(void)file_slots_register(ring, base, none, n);
	free(none);
	file_slots_release(fs, base, n);
}
