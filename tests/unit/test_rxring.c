// SPDX-License-Identifier: MIT
/*
 * Unit tests for the TPACKET_V3 receive ring wrapper: the checks and clean
 * failures of rxring_init(), real frames sent on loopback read back in order
 * and byte for byte, a ring that wraps around several times without losing a
 * frame, a block handed back only once the call after its last frame comes,
 * and rxring_has_frame() agreeing with rxring_next() throughout.  Everything
 * runs in a private network namespace entered in main(), so the frames stay
 * on that namespace's own lo.  The test reads the block descriptors itself
 * to know what the kernel has handed over, rather than trusting the code
 * under test for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "mcrd/dataplane/rxring.h"
#include "netns_helpers.h"

#define BLOCK_SIZE	(8u << 10)
#define N_BLOCKS	4u
/*
 * At least one block per frame a case sends at once: should the retire
 * timer close a block after every frame (a loaded machine), the kernel still
 * never runs out of blocks and drops.
 */
#define ROOMY_BLOCKS	16u
#define TIMEOUT_MS	1u
#define SMALL_LEN	60u
/* Big enough that a block holds only a handful, so that a few dozen fill many blocks. */
#define BIG_LEN		1000u
#define MAX_LEN		(BIG_LEN + 64u)
/* How long a wait for the kernel may take before the case fails rather than hangs. */
#define WAIT_MAX_NS	(1000u * NSEC_PER_MSEC)

static struct tpacket_block_desc *block_desc(const struct rxring *r, unsigned int i)
{
	return (struct tpacket_block_desc *)(r->map + (size_t)i * r->block_size);
}

static uint32_t block_status(const struct rxring *r, unsigned int i)
{
	return __atomic_load_n(&block_desc(r, i)->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
}

static bool block_is_user(const struct rxring *r, unsigned int i)
{
	return block_status(r, i) & TP_STATUS_USER;
}

/* Blocks the kernel has closed and not yet been given back. */
static unsigned int user_blocks(const struct rxring *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->n_blocks; i++)
		n += block_is_user(r, i);
	return n;
}

/*
 * Frames handed over and not yet taken: those left in the block being read,
 * then the whole of each closed block after it in ring order.
 */
static unsigned int ready_frames(const struct rxring *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->n_blocks; i++) {
		unsigned int b = (r->block + i) % r->n_blocks;

		if (!block_is_user(r, b))
			break;
		n += block_desc(r, b)->hdr.bh1.num_pkts;
		if (i == 0)
			n -= r->pkt_done;
	}
	return n;
}

/*
 * Waits until the kernel has handed over at least want frames.  Blocks are
 * closed by the retire timer, so a poll() may say readable for an earlier
 * block while our last frames still sit in the open one: then give the
 * timer a moment instead of spinning.
 */
static void wait_ready(int fd, const struct rxring *r, unsigned int want)
{
	const struct timespec nap = { .tv_nsec = 200 * 1000 };
	uint64_t deadline = now_ns() + WAIT_MAX_NS;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (ready_frames(r) < want) {
		int n;

		if (now_ns() > deadline)
			fail_msg("only %u of %u frames handed over", ready_frames(r), want);
		n = poll(&pfd, 1, 2);
		if (n < 0)
			fail_msg("poll: %s", strerror(errno));
		if (n > 0 && nanosleep(&nap, NULL) < 0)
			fail_msg("nanosleep: %s", strerror(errno));
	}
}

/* The Ethernet frame numbered seq, len bytes long, with a payload that differs per seq. */
static void make_frame(uint8_t *eth, uint32_t seq, unsigned int len)
{
	put_test_header(eth, seq);
	for (unsigned int i = TEST_HDR_LEN; i < len; i++)
		eth[i] = (uint8_t)(seq * 13 + i);
}

/* Lengths differ from one frame to the next, so a frame cut short or run on shows. */
static unsigned int frame_len(uint32_t seq, unsigned int base)
{
	return base + seq % 61;
}

static void send_frame(int tx, uint32_t seq, unsigned int len)
{
	uint8_t buf[MAX_LEN];
	ssize_t n;

	assert_true(len <= sizeof(buf));
	make_frame(buf, seq, len);
	n = send(tx, buf, len, 0);
	if (n < 0)
		fail_msg("send frame %u: %s", seq, strerror(errno));
	assert_int_equal(n, len);
}

/* Checks that f is frame seq, byte for byte, and lies inside the ring. */
static void check_frame(const struct rxring *r, const struct rxring_frame *f, uint32_t seq,
			unsigned int len)
{
	uint8_t want[MAX_LEN];

	make_frame(want, seq, len);
	assert_non_null(f->data);
	assert_true(f->data >= r->map && f->data + f->len <= r->map + r->map_len);
	if (f->len >= TEST_HDR_LEN) {
		uint32_t got;

		memcpy(&got, f->data + ETH_HLEN, sizeof(got));
		if (ntohl(got) != seq)
			fail_msg("frame %u expected, frame %u read", seq, ntohl(got));
	}
	assert_int_equal(f->len, len);
	assert_memory_equal(f->data, want, len);
}

/* Which block of the ring a frame lies in. */
static unsigned int block_of(const struct rxring *r, const struct rxring_frame *f)
{
	return (unsigned int)((size_t)(f->data - r->map) / r->block_size);
}

/*
 * A receiving packet socket on lo with a ring of n_blocks set up before the
 * bind.  Bound to the test ethertype only: such a socket sees what lo
 * receives, never the outgoing copies a ETH_P_ALL socket would also get, so
 * each frame shows up once without PACKET_IGNORE_OUTGOING.
 */
static int rx_open(struct rxring *r, unsigned int n_blocks)
{
	int fd;

	/* Protocol 0: nothing arrives before the ring is there to take it. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(rxring_init(r, fd, BLOCK_SIZE, n_blocks, TIMEOUT_MS), 0);
	bind_to_lo(fd, ETH_P_TEST);
	return fd;
}

/* A send-only packet socket on lo (protocol 0: it receives nothing). */
static int tx_open(void)
{
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	bind_to_lo(fd, 0);
	return fd;
}

/* Reading the counters resets them, so this is everything since the last call. */
static struct tpacket_stats_v3 rx_stats(int fd)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	assert_int_equal(getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len), 0);
	assert_int_equal(len, sizeof(st));
	return st;
}

static int packet_version(int fd)
{
	socklen_t len = sizeof(int);
	int version = -1;

	assert_int_equal(getsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, &len), 0);
	return version;
}

static void assert_nothing_mapped(const struct rxring *r)
{
	assert_null(r->map);
	assert_int_equal(r->map_len, 0);
	assert_int_equal(r->n_blocks, 0);
}

/* Bad geometry is refused up front, and a failed set-up leaves nothing to undo. */
static void t_init_rejects_and_fails_cleanly(void **state)
{
	const struct {
		unsigned int block_size, n_blocks;
	} bad[] = {
		{ 0, N_BLOCKS },
		{ 1024, N_BLOCKS },
		{ 2047, N_BLOCKS },
		{ BLOCK_SIZE, 0 },
	};
	unsigned int maps_before = count_socket_maps();
	struct rxring r, other;
	int ret, udp, fd;

	(void)state;
	need_netns();
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&r, 0xa5, sizeof(r));
		assert_int_equal(rxring_init(&r, fd, bad[i].block_size, bad[i].n_blocks,
					     TIMEOUT_MS), -EINVAL);
		assert_nothing_mapped(&r);
		rxring_exit(&r);
	}
	assert_int_equal(count_socket_maps(), maps_before);
	/* Refused before the socket was touched: it still has the default frame format. */
	assert_int_equal(packet_version(fd), TPACKET_V1);

	/* A block the kernel refuses (not a whole number of pages): its error, nothing mapped. */
	memset(&r, 0xa5, sizeof(r));
	ret = rxring_init(&r, fd, BLOCK_SIZE + 2048, N_BLOCKS, TIMEOUT_MS);
	assert_int_equal(ret, -EINVAL);
	assert_nothing_mapped(&r);
	rxring_exit(&r);

	/* The refusals left the socket fit for a ring, and the ring starts out empty. */
	assert_int_equal(rxring_init(&r, fd, BLOCK_SIZE, N_BLOCKS, TIMEOUT_MS), 0);
	assert_int_equal(packet_version(fd), TPACKET_V3);
	assert_non_null(r.map);
	assert_int_equal(r.map_len, (size_t)BLOCK_SIZE * N_BLOCKS);
	assert_int_equal(r.block_size, BLOCK_SIZE);
	assert_int_equal(r.n_blocks, N_BLOCKS);
	assert_int_equal(r.block, 0);
	assert_int_equal(r.pkt_done, 0);
	assert_int_equal(count_socket_maps(), maps_before + 1);
	for (unsigned int i = 0; i < N_BLOCKS; i++)
		assert_int_equal(block_status(&r, i), TP_STATUS_KERNEL);
	assert_false(rxring_has_frame(&r));

	/* A second ring on the same socket: the kernel's EBUSY, and the first one untouched. */
	ret = rxring_init(&other, fd, BLOCK_SIZE, N_BLOCKS, TIMEOUT_MS);
	assert_int_equal(ret, -EBUSY);
	assert_nothing_mapped(&other);
	rxring_exit(&other);
	assert_int_equal(count_socket_maps(), maps_before + 1);

	rxring_exit(&r);
	assert_nothing_mapped(&r);
	assert_int_equal(count_socket_maps(), maps_before);
	/* A second exit (a ring put twice by mistake) must not unmap anything again. */
	rxring_exit(&r);
	assert_nothing_mapped(&r);
	assert_int_equal(close(fd), 0);

	/* Not a packet socket: the kernel's own error, passed on. */
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(udp >= 0);
	memset(&r, 0xa5, sizeof(r));
	ret = rxring_init(&r, udp, BLOCK_SIZE, N_BLOCKS, TIMEOUT_MS);
	assert_int_equal(ret, -ENOPROTOOPT);
	assert_nothing_mapped(&r);
	assert_int_equal(count_socket_maps(), maps_before);
	rxring_exit(&r);
	rxring_exit(&r);
	assert_nothing_mapped(&r);
	assert_int_equal(close(udp), 0);
}

static void t_frames_in_order_and_intact(void **state)
{
	const unsigned int n_send = 10;
	struct rxring_frame f;
	struct tpacket_stats_v3 st;
	struct rxring r;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, ROOMY_BLOCKS);
	tx = tx_open();
	memset(&f, 0, sizeof(f));
	assert_false(rxring_has_frame(&r));
	assert_int_equal(rxring_next(&r, &f), 0);

	for (unsigned int i = 0; i < n_send; i++)
		send_frame(tx, i, frame_len(i * 3, SMALL_LEN));
	wait_ready(rx, &r, n_send);
	for (unsigned int i = 0; i < n_send; i++) {
		assert_true(rxring_has_frame(&r));
		assert_int_equal(rxring_next(&r, &f), 1);
		check_frame(&r, &f, i, frame_len(i * 3, SMALL_LEN));
	}
	assert_false(rxring_has_frame(&r));
	assert_int_equal(rxring_next(&r, &f), 0);
	/* Still nothing on asking again, and every block is the kernel's once more. */
	assert_false(rxring_has_frame(&r));
	assert_int_equal(rxring_next(&r, &f), 0);
	assert_int_equal(user_blocks(&r), 0);
	/* Each frame once: no outgoing copy came in as well. */
	st = rx_stats(rx);
	assert_int_equal(st.tp_packets, n_send);
	assert_int_equal(st.tp_drops, 0);

	rxring_exit(&r);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/*
 * Rounds of big frames, each drained before the next, through more blocks
 * than the ring has, so that it wraps around at least twice.  A block not
 * given back would freeze the kernel's queue and show as drops.
 */
static void t_wraps_without_loss(void **state)
{
	const unsigned int n_total = 72, batch = 18;
	unsigned int sent = 0, got = 0, blocks_seen = 0, last_block = 0;
	struct tpacket_stats_v3 st;
	struct rxring_frame f;
	struct rxring r;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, N_BLOCKS);
	tx = tx_open();
	while (sent < n_total) {
		/*
		 * Keep the open block and one free one, whatever the retire
		 * timer does meanwhile, so that the kernel never runs out of
		 * blocks because of how the test sends.
		 */
		for (unsigned int n = 0; n < batch && sent < n_total; n++) {
			if (user_blocks(&r) > N_BLOCKS - 2)
				break;
			send_frame(tx, sent, frame_len(sent, BIG_LEN));
			sent++;
		}
		wait_ready(rx, &r, sent - got);
		while (rxring_has_frame(&r)) {
			unsigned int b;

			assert_int_equal(rxring_next(&r, &f), 1);
			assert_true(got < sent);
			check_frame(&r, &f, got, frame_len(got, BIG_LEN));
			got++;
			b = block_of(&r, &f);
			if (blocks_seen == 0 || b != last_block) {
				/* Blocks come in ring order. */
				if (blocks_seen > 0)
					assert_int_equal(b, (last_block + 1) % N_BLOCKS);
				else
					assert_int_equal(b, 0);
				blocks_seen++;
				last_block = b;
			}
		}
		assert_int_equal(rxring_next(&r, &f), 0);
		assert_int_equal(got, sent);
		/* Every block read is back with the kernel, which also bounds this loop. */
		assert_int_equal(user_blocks(&r), 0);
	}
	assert_int_equal(got, n_total);
	/* Around the ring twice and into a third pass. */
	assert_true(blocks_seen > 2 * N_BLOCKS);
	st = rx_stats(rx);
	assert_int_equal(st.tp_drops, 0);
	assert_int_equal(st.tp_packets, n_total);

	rxring_exit(&r);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/*
 * The last frame of a block is still being read when rxring_next() hands
 * it out: the block may only go back on the call after.
 */
static void t_block_returned_on_next_call(void **state)
{
	const unsigned int half = 3;
	struct tpacket_block_desc *first;
	struct rxring_frame f;
	struct rxring r;
	unsigned int k;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, ROOMY_BLOCKS);
	tx = tx_open();
	/* Two sends, each waited for, put the second lot in a later block than the first. */
	for (unsigned int i = 0; i < half; i++)
		send_frame(tx, i, frame_len(i, SMALL_LEN));
	wait_ready(rx, &r, half);
	for (unsigned int i = half; i < 2 * half; i++)
		send_frame(tx, i, frame_len(i, SMALL_LEN));
	wait_ready(rx, &r, 2 * half);
	assert_true(user_blocks(&r) >= 2);

	first = block_desc(&r, 0);
	k = first->hdr.bh1.num_pkts;
	assert_true(k >= 1 && k <= half);
	for (unsigned int i = 0; i < k; i++) {
		assert_int_equal(rxring_next(&r, &f), 1);
		check_frame(&r, &f, i, frame_len(i, SMALL_LEN));
		assert_int_equal(block_of(&r, &f), 0);
	}
	/* f still points into the first block: it must still be ours. */
	assert_true(block_is_user(&r, 0));
	assert_true(rxring_has_frame(&r));
	assert_true(block_is_user(&r, 0));

	assert_int_equal(rxring_next(&r, &f), 1);
	check_frame(&r, &f, k, frame_len(k, SMALL_LEN));
	assert_int_equal(block_of(&r, &f), 1);
	assert_int_equal(block_status(&r, 0), TP_STATUS_KERNEL);
	assert_true(block_is_user(&r, 1));

	for (unsigned int i = k + 1; i < 2 * half; i++) {
		assert_int_equal(rxring_next(&r, &f), 1);
		check_frame(&r, &f, i, frame_len(i, SMALL_LEN));
	}
	assert_int_equal(rxring_next(&r, &f), 0);
	assert_int_equal(user_blocks(&r), 0);
	assert_int_equal(rx_stats(rx).tp_drops, 0);

	rxring_exit(&r);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/*
 * rxring_has_frame() must answer what rxring_next() then does, also for a
 * ring of one block, whose "next block" is the one just used up.  One frame
 * a round: with a single block, a second frame arriving after the timer has
 * closed the block would be dropped by the kernel.
 */
static void t_has_frame_single_block(void **state)
{
	struct rxring_frame f;
	struct rxring r;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, 1);
	tx = tx_open();
	for (unsigned int round = 0; round < 3; round++) {
		send_frame(tx, round, frame_len(round, SMALL_LEN));
		wait_ready(rx, &r, 1);
		assert_true(rxring_has_frame(&r));
		assert_int_equal(rxring_next(&r, &f), 1);
		check_frame(&r, &f, round, frame_len(round, SMALL_LEN));
		/* The only block is used up: the next call gives it back and has nothing. */
		assert_false(rxring_has_frame(&r));
		assert_int_equal(rxring_next(&r, &f), 0);
		assert_int_equal(block_status(&r, 0), TP_STATUS_KERNEL);
	}
	assert_int_equal(rx_stats(rx).tp_drops, 0);

	rxring_exit(&r);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/*
 * A ring taken over from a reader that died (rxring_adopt): the frames it
 * had read and given back are not read again, the ones the kernel handed
 * over meanwhile come first and in order, and what arrives afterwards
 * follows without a drop.  Mapping a socket without a ring fails cleanly.
 */
static void read_seq(struct rxring *r, uint32_t from, uint32_t to)
{
	struct rxring_frame f;

	for (uint32_t seq = from; seq < to; seq++) {
		assert_int_equal(rxring_next(r, &f), 1);
		check_frame(r, &f, seq, frame_len(seq, BIG_LEN));
	}
	assert_int_equal(rxring_next(r, &f), 0);
}

static void t_adopt_resumes_at_oldest(void **state)
{
	struct tpacket_stats_v3 st;
	struct rxring r, r2;
	uint32_t seq = 0;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, ROOMY_BLOCKS);
	tx = tx_open();
	/* The first reader reads and gives back a few blocks' worth... */
	for (; seq < 10; seq++)
		send_frame(tx, seq, frame_len(seq, BIG_LEN));
	wait_ready(rx, &r, 10);
	read_seq(&r, 0, 10);
	/* ...then dies with ten more handed over and unread. */
	for (; seq < 20; seq++)
		send_frame(tx, seq, frame_len(seq, BIG_LEN));
	wait_ready(rx, &r, 10);
	rxring_exit(&r);

	assert_int_equal(rxring_adopt(&r2, rx, BLOCK_SIZE, ROOMY_BLOCKS), 0);
	read_seq(&r2, 10, 20);
	for (; seq < 25; seq++)
		send_frame(tx, seq, frame_len(seq, BIG_LEN));
	wait_ready(rx, &r2, 5);
	read_seq(&r2, 20, 25);
	st = rx_stats(rx);
	assert_int_equal(st.tp_drops, 0);
	assert_int_equal(st.tp_packets, 25);

	/* No ring on the send socket: nothing mapped, the error returned. */
	assert_true(rxring_adopt(&r, tx, BLOCK_SIZE, ROOMY_BLOCKS) < 0);
	assert_nothing_mapped(&r);
	/* The geometry must be the ring's own. */
	assert_true(rxring_adopt(&r, rx, BLOCK_SIZE, ROOMY_BLOCKS / 2) < 0);
	assert_nothing_mapped(&r);

	rxring_exit(&r2);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_init_rejects_and_fails_cleanly),
		cmocka_unit_test(t_frames_in_order_and_intact),
		cmocka_unit_test(t_wraps_without_loss),
		cmocka_unit_test(t_block_returned_on_next_call),
		cmocka_unit_test(t_has_frame_single_block),
		cmocka_unit_test(t_adopt_resumes_at_oldest),
	};

	if (netns_init("rxring") < 0)
		return 1;
	return cmocka_run_group_tests_name("rxring", tests, NULL, NULL);
}
