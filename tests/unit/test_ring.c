// SPDX-License-Identifier: MIT
/*
 * Unit tests for the receive buffer pool's sizing: the buffer size for an
 * input MTU (never below a 1500-byte MTU's, never above RING_MAX_MTU's, and
 * always with a byte to spare that only a cut-short frame fills), resizing
 * a provided-buffer ring in place, the checks of ring_bufs_init(), and the
 * locked-memory figure the error message quotes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "mcrd/dataplane/ring.h"

static void t_size_for_mtu(void **state)
{
	static const struct {
		unsigned int mtu, size;
	} cases[] = {
		{ 0, RING_BUF_SIZE },
		{ 576, RING_BUF_SIZE },
		{ 1500, RING_BUF_SIZE },
		{ 2025, RING_BUF_SIZE },	/* 14 + 8 + 2025 + 1 = 2048 */
		{ 2026, 2112 },
		{ 9000, 9024 },
		{ RING_MAX_MTU, 9280 },
		{ 65535, 9280 },	/* capped: longer frames count as too_big */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int size = ring_bufs_size_for_mtu(cases[i].mtu);

		assert_int_equal(size, cases[i].size);
		assert_int_equal(size % 64, 0);
		/* A full frame of that MTU, two VLAN tags on, leaves a byte free. */
		if (cases[i].mtu <= RING_MAX_MTU)
			assert_true(14 + 8 + cases[i].mtu < size);
	}
	assert_true(RING_BUF_STRIDE >= 14 + 8 + RING_MAX_MTU + 1);
	assert_int_equal(RING_BUF_STRIDE % 4096, 0);
}

static void t_init_checks(void **state)
{
	struct ring_bufs b;

	(void)state;
	assert_int_equal(ring_bufs_init(&b, NULL, 100, RING_BUF_SIZE, true), -EINVAL);
	assert_int_equal(ring_bufs_init(&b, NULL, 64, 0, true), -EINVAL);
	assert_int_equal(ring_bufs_init(&b, NULL, 64, RING_BUF_STRIDE + 1, true), -EINVAL);
}

/* Our own pool: buffers RING_BUF_STRIDE apart whatever the size in use. */
static void t_own_pool_resize(void **state)
{
	struct ring_bufs b;

	(void)state;
	assert_int_equal(ring_bufs_init(&b, NULL, 64, RING_BUF_SIZE, true), 0);
	assert_int_equal(ring_buf(&b, 1) - ring_buf(&b, 0), RING_BUF_STRIDE);
	ring_bufs_resize(&b, ring_bufs_size_for_mtu(9000));
	assert_int_equal(b.size, 9024);
	/* Every byte of the last buffer's room is ours to write. */
	memset(ring_buf(&b, 63), 0xab, RING_BUF_STRIDE);
	ring_bufs_resize(&b, RING_BUF_STRIDE * 2);
	assert_int_equal(b.size, RING_BUF_STRIDE);
	/* Buffers start on a page: a small frame touches one. */
	assert_int_equal((uintptr_t)ring_buf(&b, 5) % 4096, 0);
	ring_bufs_exit(&b, NULL);
}

/* A provided-buffer ring: every entry takes the new length at once. */
static void t_kernel_ring_resize(void **state)
{
	struct io_uring ring;
	struct ring_bufs b;
	unsigned int flags;
	int ret;

	(void)state;
	ret = ring_init(&ring, 8, 64, &flags);
	if (ret < 0)
		skip();		/* io_uring disabled here; mcrd would not run either */
	ret = ring_bufs_init(&b, &ring, 64, RING_BUF_SIZE, false);
	if (ret == -EINVAL || ret == -EOPNOTSUPP) {
		io_uring_queue_exit(&ring);
		skip();		/* provided buffer rings need Linux 5.19 */
	}
	assert_int_equal(ret, 0);
	for (unsigned int i = 0; i < b.n; i++)
		assert_int_equal(b.br->bufs[i].len, RING_BUF_SIZE);
	ring_bufs_resize(&b, 9024);
	for (unsigned int i = 0; i < b.n; i++) {
		assert_int_equal(b.br->bufs[i].len, 9024);
		assert_ptr_equal((uintptr_t)b.br->bufs[i].addr,
				 (uintptr_t)ring_buf(&b, b.br->bufs[i].bid));
	}
	ring_bufs_exit(&b, &ring);
	io_uring_queue_exit(&ring);
}

static void t_locked_bytes(void **state)
{
	(void)state;
	/* The defaults: 1024 SQEs of 64 bytes, 16384 CQEs of 16, the header and index array. */
	assert_int_equal(ring_locked_bytes(1024, 16384, 0), 270336 + 65536);
	/* Multishot adds the buffer ring: 4096 entries of 16 bytes. */
	assert_int_equal(ring_locked_bytes(1024, 16384, 4096) - ring_locked_bytes(1024, 16384, 0),
			 65536);
	assert_int_equal(ring_locked_bytes(8, 64, 0) % 4096, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_size_for_mtu),
		cmocka_unit_test(t_init_checks),
		cmocka_unit_test(t_own_pool_resize),
		cmocka_unit_test(t_kernel_ring_resize),
		cmocka_unit_test(t_locked_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
