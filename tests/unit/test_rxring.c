// SPDX-License-Identifier: MIT
/*
 * Unit tests for the TPACKET_V2 receive ring wrapper: the checks and clean
 * failures of rxring_init(), real frames sent on loopback read back in order
 * and byte for byte, a ring that wraps around several times without losing a
 * frame, a slot handed back only once the call after its frame comes, a
 * frame longer than its slot reported as cut, a ring set up again for a
 * bigger MTU, and a dead reader's ring taken over.  Everything runs in a
 * private network namespace entered in main(), so the frames stay on that
 * namespace's own lo.  The test reads the slot headers itself to know what
 * the kernel has handed over, rather than trusting the code under test.
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

#define MTU		1500u
#define N_BLOCKS	1u	/* 20 slots of a 1500-byte MTU: a few dozen frames wrap */
#define ROOMY_BLOCKS	4u
#define SMALL_LEN	60u
#define BIG_LEN		1000u
#define HUGE_LEN	4000u	/* longer than a slot for MTU, shorter than lo's MTU */
#define MAX_LEN		(HUGE_LEN + 64u)
/* How long a wait for the kernel may take before the case fails rather than hangs. */
#define WAIT_MAX_NS	(1000u * NSEC_PER_MSEC)

static struct tpacket2_hdr *slot(const struct rxring *r, unsigned int i)
{
	return (struct tpacket2_hdr *)(r->map +
				       (size_t)(i / r->frames_per_block) * RXRING_BLOCK_SIZE +
				       (size_t)(i % r->frames_per_block) * r->frame_size);
}

static uint32_t slot_status(const struct rxring *r, unsigned int i)
{
	return __atomic_load_n(&slot(r, i)->tp_status, __ATOMIC_ACQUIRE);
}

static bool slot_is_user(const struct rxring *r, unsigned int i)
{
	return slot_status(r, i) & TP_STATUS_USER;
}

/* Slots the kernel has filled and not yet been given back. */
static unsigned int user_slots(const struct rxring *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->n_frames; i++)
		n += slot_is_user(r, i);
	return n;
}

/* Frames handed over and not yet taken: the filled slots from the reader's on. */
static unsigned int ready_frames(const struct rxring *r)
{
	unsigned int n = 0, first = r->is_held ? r->frame + 1 : r->frame;

	while (n < r->n_frames && slot_is_user(r, (first + n) % r->n_frames))
		n++;
	return n;
}

/* Waits until the kernel has handed over at least want frames. */
static void wait_ready(int fd, const struct rxring *r, unsigned int want)
{
	uint64_t deadline = now_ns() + WAIT_MAX_NS;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (ready_frames(r) < want) {
		if (now_ns() > deadline)
			fail_msg("only %u of %u frames handed over", ready_frames(r), want);
		if (poll(&pfd, 1, 2) < 0)
			fail_msg("poll: %s", strerror(errno));
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

/* Checks that f is frame seq, byte for byte, whole, and lies inside the ring. */
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
	assert_false(f->is_cut);
	assert_int_equal(f->len, len);
	assert_memory_equal(f->data, want, len);
}

/* Which slot of the ring a frame lies in. */
static unsigned int slot_of(const struct rxring *r, const struct rxring_frame *f)
{
	size_t off = (size_t)(f->data - r->map);

	return (unsigned int)(off / RXRING_BLOCK_SIZE * r->frames_per_block +
			      off % RXRING_BLOCK_SIZE / r->frame_size);
}

/*
 * A receiving packet socket on lo with a ring set up before the bind.  Bound
 * to the test ethertype only: such a socket sees what lo receives, never the
 * outgoing copies a ETH_P_ALL socket would also get, so each frame shows up
 * once without PACKET_IGNORE_OUTGOING.
 */
static int rx_open(struct rxring *r, unsigned int n_blocks)
{
	int fd;

	/* Protocol 0: nothing arrives before the ring is there to take it. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(rxring_init(r, fd, MTU, n_blocks), 0);
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
static struct tpacket_stats rx_stats(int fd)
{
	struct tpacket_stats st;
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
	assert_int_equal(r->n_frames, 0);
}

/* Read frames from..to-1 of base length len, then find nothing more. */
static void read_seq(struct rxring *r, uint32_t from, uint32_t to, unsigned int len)
{
	struct rxring_frame f;

	for (uint32_t seq = from; seq < to; seq++) {
		assert_true(rxring_has_frame(r));
		assert_int_equal(rxring_next(r, &f), 1);
		check_frame(r, &f, seq, frame_len(seq, len));
	}
	assert_false(rxring_has_frame(r));
	assert_int_equal(rxring_next(r, &f), 0);
}

/* No blocks is refused up front, and a failed set-up leaves nothing to undo. */
static void t_init_rejects_and_fails_cleanly(void **state)
{
	unsigned int maps_before = count_socket_maps();
	struct rxring r, other;
	int ret, udp, fd;

	(void)state;
	need_netns();
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(rxring_init(&r, fd, MTU, 0), -EINVAL);
	assert_nothing_mapped(&r);
	rxring_exit(&r);
	assert_int_equal(count_socket_maps(), maps_before);
	/* Refused before the socket was touched: it still has the default frame format. */
	assert_int_equal(packet_version(fd), TPACKET_V1);

	/* The ring starts out empty, its slots big enough for the MTU. */
	assert_int_equal(rxring_init(&r, fd, MTU, ROOMY_BLOCKS), 0);
	assert_int_equal(packet_version(fd), TPACKET_V2);
	assert_non_null(r.map);
	assert_int_equal(r.map_len, (size_t)RXRING_BLOCK_SIZE * ROOMY_BLOCKS);
	assert_true(r.mtu >= MTU && r.frame_size > r.mtu + ETH_HLEN);
	assert_int_equal(r.n_frames, RXRING_BLOCK_SIZE / r.frame_size * ROOMY_BLOCKS);
	assert_int_equal(r.frame, 0);
	assert_false(r.is_held);
	assert_int_equal(count_socket_maps(), maps_before + 1);
	assert_int_equal(user_slots(&r), 0);
	assert_false(rxring_has_frame(&r));

	/* A second ring on the same socket: the kernel's EBUSY, and the first one untouched. */
	ret = rxring_init(&other, fd, MTU, ROOMY_BLOCKS);
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
	ret = rxring_init(&r, udp, MTU, ROOMY_BLOCKS);
	assert_int_equal(ret, -ENOPROTOOPT);
	assert_nothing_mapped(&r);
	assert_int_equal(count_socket_maps(), maps_before);
	rxring_exit(&r);
	assert_int_equal(close(udp), 0);
}

static void t_frames_in_order_and_intact(void **state)
{
	const unsigned int n_send = 10;
	struct rxring_frame f;
	struct tpacket_stats st;
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
		assert_false(f.has_vlan);
	}
	assert_false(rxring_has_frame(&r));
	assert_int_equal(rxring_next(&r, &f), 0);
	/* Still nothing on asking again, and every slot is the kernel's once more. */
	assert_false(rxring_has_frame(&r));
	assert_int_equal(rxring_next(&r, &f), 0);
	assert_int_equal(user_slots(&r), 0);
	/* Each frame once: no outgoing copy came in as well. */
	st = rx_stats(rx);
	assert_int_equal(st.tp_packets, n_send);
	assert_int_equal(st.tp_drops, 0);

	rxring_exit(&r);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/*
 * Rounds of big frames, each drained before the next, through more slots
 * than the ring has, so that it wraps around at least three times.  A slot
 * not given back would stop the kernel and show as drops.
 */
static void t_wraps_without_loss(void **state)
{
	const unsigned int batch = 13;
	unsigned int n_total, sent = 0, got = 0, last = 0;
	struct tpacket_stats st;
	struct rxring_frame f;
	struct rxring r;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, N_BLOCKS);
	tx = tx_open();
	assert_true(r.n_frames > batch);
	n_total = 3 * r.n_frames + batch;
	while (sent < n_total) {
		for (unsigned int n = 0; n < batch && sent < n_total; n++, sent++)
			send_frame(tx, sent, frame_len(sent, BIG_LEN));
		wait_ready(rx, &r, sent - got);
		while (rxring_has_frame(&r)) {
			assert_int_equal(rxring_next(&r, &f), 1);
			assert_true(got < sent);
			check_frame(&r, &f, got, frame_len(got, BIG_LEN));
			/* Slots come in ring order. */
			assert_int_equal(slot_of(&r, &f), got ? (last + 1) % r.n_frames : 0);
			last = slot_of(&r, &f);
			got++;
		}
		assert_int_equal(rxring_next(&r, &f), 0);
		assert_int_equal(got, sent);
		/* Every slot read is back with the kernel, which also bounds this loop. */
		assert_int_equal(user_slots(&r), 0);
	}
	assert_int_equal(got, n_total);
	st = rx_stats(rx);
	assert_int_equal(st.tp_drops, 0);
	assert_int_equal(st.tp_packets, n_total);

	rxring_exit(&r);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/* A frame is still being read when rxring_next() hands it out: its slot goes back on the call after. */
static void t_slot_returned_on_next_call(void **state)
{
	struct rxring_frame f;
	struct rxring r;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, ROOMY_BLOCKS);
	tx = tx_open();
	for (unsigned int i = 0; i < 2; i++)
		send_frame(tx, i, frame_len(i, SMALL_LEN));
	wait_ready(rx, &r, 2);

	assert_int_equal(rxring_next(&r, &f), 1);
	check_frame(&r, &f, 0, frame_len(0, SMALL_LEN));
	assert_true(slot_is_user(&r, 0));
	assert_true(rxring_has_frame(&r));
	assert_true(slot_is_user(&r, 0));

	assert_int_equal(rxring_next(&r, &f), 1);
	check_frame(&r, &f, 1, frame_len(1, SMALL_LEN));
	assert_int_equal(slot_status(&r, 0), TP_STATUS_KERNEL);
	assert_true(slot_is_user(&r, 1));
	assert_false(rxring_has_frame(&r));
	/* The last one too stays ours until the call that finds nothing. */
	assert_true(slot_is_user(&r, 1));
	assert_int_equal(rxring_next(&r, &f), 0);
	assert_int_equal(user_slots(&r), 0);
	assert_int_equal(rx_stats(rx).tp_drops, 0);

	rxring_exit(&r);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/*
 * A frame longer than its slot (the input's MTU grew) is reported cut, not
 * taken for a whole one; set up again for the bigger MTU, the ring takes
 * such frames whole, and the socket keeps receiving.
 */
static void t_cut_then_resized(void **state)
{
	unsigned int maps_before = count_socket_maps();
	struct rxring_frame f;
	struct rxring r;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, ROOMY_BLOCKS);
	tx = tx_open();
	assert_true(r.mtu < HUGE_LEN);
	send_frame(tx, 0, HUGE_LEN);
	wait_ready(rx, &r, 1);
	assert_int_equal(rxring_next(&r, &f), 1);
	assert_true(f.is_cut);
	assert_true(f.len < HUGE_LEN);
	assert_true(f.data + f.len <= r.map + r.map_len);
	assert_int_equal(rxring_next(&r, &f), 0);

	assert_int_equal(rxring_resize(&r, rx, 9000), 0);
	assert_true(r.mtu >= 9000);
	assert_int_equal(r.n_blocks, ROOMY_BLOCKS);
	assert_int_equal(count_socket_maps(), maps_before + 1);
	for (uint32_t seq = 1; seq < 4; seq++)
		send_frame(tx, seq, frame_len(seq, HUGE_LEN - 61));
	wait_ready(rx, &r, 3);
	read_seq(&r, 1, 4, HUGE_LEN - 61);
	assert_int_equal(rx_stats(rx).tp_drops, 0);

	rxring_exit(&r);
	assert_int_equal(count_socket_maps(), maps_before);
	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/*
 * A ring taken over from a reader that died (rxring_adopt): the frames it
 * had read and given back are not read again, the one it held and those the
 * kernel handed over meanwhile come first and in order, and what arrives
 * afterwards follows without a drop.  Also with nothing waiting, after the
 * kernel has wrapped around: the successor finds where the kernel writes
 * next.  Mapping a socket without a ring, or with another geometry, fails
 * cleanly.
 */
static void t_adopt_resumes_at_oldest(void **state)
{
	struct rxring_frame f;
	struct rxring r, r2;
	uint32_t seq = 0;
	int rx, tx;

	(void)state;
	need_netns();
	rx = rx_open(&r, N_BLOCKS);
	tx = tx_open();
	/* The first reader goes round the ring and a bit, giving every frame back... */
	while (seq < r.n_frames + 5) {
		uint32_t from = seq;

		for (; seq < from + 5; seq++)
			send_frame(tx, seq, frame_len(seq, BIG_LEN));
		wait_ready(rx, &r, 5);
		read_seq(&r, from, seq, BIG_LEN);
	}
	/* ...then dies with nothing waiting: the successor starts where the kernel writes. */
	rxring_exit(&r);
	assert_int_equal(rxring_adopt(&r2, rx), 0);
	assert_int_equal(r2.frame, 5);
	for (uint32_t from = seq; seq < from + 3; seq++)
		send_frame(tx, seq, frame_len(seq, BIG_LEN));
	wait_ready(rx, &r2, 3);
	read_seq(&r2, seq - 3, seq, BIG_LEN);

	/* This one dies holding a frame, with more handed over after it. */
	for (uint32_t from = seq; seq < from + 6; seq++)
		send_frame(tx, seq, frame_len(seq, BIG_LEN));
	wait_ready(rx, &r2, 6);
	assert_int_equal(rxring_next(&r2, &f), 1);
	assert_int_equal(rxring_next(&r2, &f), 1);
	check_frame(&r2, &f, seq - 5, frame_len(seq - 5, BIG_LEN));
	rxring_exit(&r2);
	assert_int_equal(rxring_adopt(&r, rx), 0);
	read_seq(&r, seq - 5, seq, BIG_LEN);
	for (uint32_t from = seq; seq < from + 4; seq++)
		send_frame(tx, seq, frame_len(seq, BIG_LEN));
	wait_ready(rx, &r, 4);
	read_seq(&r, seq - 4, seq, BIG_LEN);
	assert_int_equal(rx_stats(rx).tp_drops, 0);
	rxring_exit(&r);

	/* No ring on the send socket: nothing mapped, the error returned. */
	assert_int_equal(rxring_adopt(&r, tx), -ENOENT);
	assert_nothing_mapped(&r);
	/* Not a packet socket at all. */
	assert_true(rxring_adopt(&r, STDERR_FILENO) < 0);
	assert_nothing_mapped(&r);

	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

/*
 * The geometry comes from the kernel, not from today's MTU: a ring set up
 * for jumbo frames is taken over with its own slot size, and one that is
 * not an rxring's (another block size) is refused.
 */
static void t_adopt_own_geometry(void **state)
{
	struct tpacket_req other = {
		.tp_block_size = 4096, .tp_block_nr = 4, .tp_frame_size = 2048, .tp_frame_nr = 8,
	};
	struct rxring r, r2;
	int rx, tx, fd;

	(void)state;
	need_netns();
	rx = rx_open(&r, ROOMY_BLOCKS);
	tx = tx_open();
	assert_int_equal(rxring_resize(&r, rx, 9000), 0);
	send_frame(tx, 0, frame_len(0, HUGE_LEN - 61));
	wait_ready(rx, &r, 1);
	assert_int_equal(rxring_adopt(&r2, rx), 0);
	assert_int_equal(r2.frame_size, r.frame_size);
	assert_int_equal(r2.n_frames, r.n_frames);
	assert_int_equal(r2.map_len, r.map_len);
	rxring_exit(&r);
	read_seq(&r2, 0, 1, HUGE_LEN - 61);
	rxring_exit(&r2);

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &(int){ TPACKET_V2 },
				    sizeof(int)), 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &other, sizeof(other)), 0);
	assert_int_equal(rxring_adopt(&r, fd), -EPROTOTYPE);
	assert_nothing_mapped(&r);
	assert_int_equal(close(fd), 0);

	assert_int_equal(close(tx), 0);
	assert_int_equal(close(rx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_init_rejects_and_fails_cleanly),
		cmocka_unit_test(t_frames_in_order_and_intact),
		cmocka_unit_test(t_wraps_without_loss),
		cmocka_unit_test(t_slot_returned_on_next_call),
		cmocka_unit_test(t_cut_then_resized),
		cmocka_unit_test(t_adopt_resumes_at_oldest),
		cmocka_unit_test(t_adopt_own_geometry),
	};

	if (netns_init("rxring") < 0)
		return 1;
	return cmocka_run_group_tests_name("rxring", tests, NULL, NULL);
}
