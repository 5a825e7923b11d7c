// SPDX-License-Identifier: MIT
/*
 * Unit tests for the PACKET_TX_RING wrapper: the ring geometry txring_init()
 * asks for, filling and committing slots, taking waiting slots back with
 * txring_discard(), a real batch sent by one kick and received intact, and
 * teardown after success and after a failed set-up.  Everything runs in a
 * private network namespace entered in main(): the kicks go out on that
 * namespace's own loopback, so nothing ever reaches the host's interfaces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/util.h"
#include "mcrd/dataplane/txring.h"
#include "netns_helpers.h"

/* Not a divisor of the 64 KiB block, so each block ends in a gap the layout must skip. */
#define FRAME_DATA	2100u
#define BLOCK_SIZE	(64u << 10)
/* Where the kernel reads a TPACKET_V2 TX frame's data from (no PACKET_TX_HAS_OFF). */
#define SLOT_DATA_OFF	TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
#define VNET_LEN	sizeof(struct virtio_net_hdr)
#define PAYLOAD_LEN	60u
#define ETH_LEN		(ETH_HLEN + PAYLOAD_LEN)
#define N_SEND		5u
#define TAG_BASE	100u

struct drops {
	uint32_t tags[256];
	unsigned int n;
};

static void record_drop(uint32_t tag, void *arg)
{
	struct drops *d = arg;

	assert_true(d->n < ARRAY_SIZE(d->tags));
	d->tags[d->n++] = tag;
}

/* A send-only packet socket set up as the relay does it; bound to lo when asked. */
static int tx_socket(bool on_lo)
{
	int one = 1;
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)), 0);
	if (on_lo)
		bind_to_lo(fd, 0);
	return fd;
}

/*
 * Sees what lo receives.  Outgoing copies are ignored so that each frame
 * sent is seen once, as it comes back in.
 */
static int rx_socket(void)
{
	struct timeval tv = { .tv_sec = 2 };
	int one = 1;
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)),
			 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	bind_to_lo(fd, ETH_P_ALL);
	return fd;
}

/*
 * The set-up of the cases that send on lo: a receiver (first, so that it is
 * there before anything is sent), and a ring on a send socket bound to lo.
 */
static void lo_ring_open(struct txring *r, int *ret_fd, int *ret_rx, unsigned int frame_data,
			 unsigned int kick_batch)
{
	*ret_rx = rx_socket();
	*ret_fd = tx_socket(true);
	assert_int_equal(txring_init(r, *ret_fd, frame_data, 1, kick_batch), 0);
}

/* Undoes lo_ring_open(); the ring holds its own socket reference, so all three go. */
static void lo_ring_close(struct txring *r, int fd, int rx)
{
	txring_exit(r);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(rx), 0);
}

/* Sends what is waiting in the ring, as the worker's queued kick does; returns the bytes sent. */
static ssize_t kick(const struct txring *r)
{
	ssize_t sent = send(r->fd, NULL, 0, 0);

	if (sent < 0)
		fail_msg("kick: %s", strerror(errno));
	return sent;
}

/* The Ethernet frame numbered seq: a fixed header and a payload that differs per seq. */
static void make_eth(uint8_t *eth, uint32_t seq)
{
	put_test_header(eth, seq);
	for (unsigned int i = TEST_HDR_LEN - ETH_HLEN; i < PAYLOAD_LEN; i++)
		eth[ETH_HLEN + i] = (uint8_t)(seq * 7 + i);
}

/*
 * Writes a slot's data as the relay does: a virtio-net header whose hdr_len
 * covers the whole frame (so the kernel copies it rather than pointing into
 * the ring), then the frame.  Returns the length to commit.
 */
static unsigned int write_frame(uint8_t *data, uint32_t seq)
{
	struct virtio_net_hdr vh;

	memset(&vh, 0, sizeof(vh));
	vh.hdr_len = ETH_LEN;
	vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	memcpy(data, &vh, sizeof(vh));
	make_eth(data + VNET_LEN, seq);
	return VNET_LEN + ETH_LEN;
}

/* Waits for the next test frame on rx and checks it is frame seq, byte for byte. */
static void expect_frame(int rx, uint32_t seq)
{
	uint8_t want[ETH_LEN], buf[2048];

	make_eth(want, seq);
	/* lo is ours alone, but skip anything that is not a test frame all the same. */
	for (int tries = 0; tries < 64; tries++) {
		struct sockaddr_ll from;
		socklen_t from_len = sizeof(from);
		ssize_t n;

		n = recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
		if (n < 0)
			fail_msg("frame %u: recvfrom: %s", seq, strerror(errno));
		if (n < ETH_HLEN || buf[12] != (ETH_P_TEST >> 8) || buf[13] != (ETH_P_TEST & 0xff))
			continue;
		assert_int_equal(from.sll_pkttype, PACKET_MULTICAST);
		assert_int_equal(n, ETH_LEN);
		assert_memory_equal(buf, want, ETH_LEN);
		return;
	}
	fail_msg("frame %u: too many other frames on lo", seq);
}

/* Commits test frames from head until the ring is full; returns how many. */
static unsigned int fill_ring(struct txring *r, uint32_t first_seq)
{
	unsigned int n = 0;
	uint8_t *f;

	while ((f = txring_frame(r)) != NULL) {
		assert_true(n < r->n_frames);
		(void)txring_commit(r, write_frame(f, first_seq + n), first_seq + n);
		n++;
	}
	return n;
}

/* Commits n test frames, numbered and tagged from first, that the ring must have room for. */
static void commit_frames(struct txring *r, uint32_t first, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *f = txring_frame(r);

		assert_non_null(f);
		(void)txring_commit(r, write_frame(f, first + i), first + i);
	}
}

/* Where slot i's data must be for the kernel, which lays frames out block by block. */
static uint8_t *slot_data(const struct txring *r, unsigned int i)
{
	return r->map + (size_t)(i / r->frames_per_block) * r->block_size +
	       (size_t)(i % r->frames_per_block) * r->frame_size + SLOT_DATA_OFF;
}

static unsigned int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	assert_int_equal(closedir(d), 0);
	return n;
}

static void t_geometry_whole_blocks(void **state)
{
	struct {
		unsigned int n_frames, kick_batch;
		unsigned int want_blocks, want_batch;	/* want_batch 0: half the ring */
	} cases[] = {
		{ 1, 64, 1, 0 },	/* batch capped at half of one block's frames */
		{ 0, 4, 1, 4 },		/* no frames asked: still a block */
		{ 31, 4, 2, 4 },	/* one frame past a block: a second block */
		{ 60, 1000, 2, 0 },	/* exactly two blocks, batch capped */
		{ 30, 0, 1, 1 },	/* a batch of 0 would never kick */
	};
	/* 32 bytes of header plus 2100 of data, aligned to 16: 2144-byte slots, 30 a block. */
	const unsigned int fpb = 30;

	(void)state;
	need_netns();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int want_n = cases[i].want_blocks * fpb;
		unsigned int want_batch = cases[i].want_batch ? cases[i].want_batch : want_n / 2;
		struct txring r;
		int fd = tx_socket(false);

		assert_int_equal(txring_init(&r, fd, FRAME_DATA, cases[i].n_frames,
					     cases[i].kick_batch), 0);
		assert_int_equal(r.frames_per_block, fpb);
		assert_int_equal(r.n_frames, want_n);
		assert_int_equal(r.map_len, (size_t)cases[i].want_blocks * BLOCK_SIZE);
		assert_int_equal(r.kick_batch, want_batch);
		assert_true(txring_frame_capacity(&r) >= FRAME_DATA);
		/* The capacity must not run into the next slot. */
		assert_true(txring_frame_capacity(&r) + SLOT_DATA_OFF <= r.frame_size);
		assert_int_equal(r.head, 0);
		assert_int_equal(r.pending, 0);
		assert_int_equal(r.refs, 1);
		assert_ptr_equal(txring_frame(&r), slot_data(&r, 0));
		txring_exit(&r);
		assert_int_equal(close(fd), 0);
	}
}

static void t_fill_until_full(void **state)
{
	struct txring r;
	unsigned int n = 0, kicks = 0;
	int fd;
	uint8_t *f;

	(void)state;
	need_netns();
	fd = tx_socket(false);
	/* Two blocks, so that the walk crosses a block boundary. */
	assert_int_equal(txring_init(&r, fd, FRAME_DATA, 31, 4), 0);
	assert_int_equal(r.kick_batch, 4);
	while ((f = txring_frame(&r)) != NULL) {
		bool is_due;

		assert_true(n < r.n_frames);
		assert_ptr_equal(f, slot_data(&r, n));
		memset(f, 0xa5, txring_frame_capacity(&r));
		is_due = txring_commit(&r, VNET_LEN + ETH_LEN, n);
		n++;
		assert_int_equal(r.head, n % r.n_frames);
		/* True exactly on the commit that brings pending to the batch... */
		assert_int_equal(is_due, r.pending == r.kick_batch);
		assert_true(r.pending <= r.kick_batch);
		if (is_due) {
			/* ...after which the worker queues a kick and starts counting again. */
			r.pending = 0;
			kicks++;
		}
	}
	assert_int_equal(n, r.n_frames);
	assert_int_equal(kicks, r.n_frames / r.kick_batch);
	assert_int_equal(r.pending, r.n_frames % r.kick_batch);
	/* Nothing was sent, so the ring stays full. */
	assert_null(txring_frame(&r));
	txring_exit(&r);
	assert_int_equal(close(fd), 0);
}

static void t_commit_due_without_reset(void **state)
{
	struct txring r;
	int fd;

	(void)state;
	need_netns();
	fd = tx_socket(false);
	assert_int_equal(txring_init(&r, fd, FRAME_DATA, 1, 3), 0);
	/* A kick that could not be queued leaves pending up: every commit asks again. */
	for (unsigned int i = 1; i <= 6; i++) {
		uint8_t *f = txring_frame(&r);

		assert_non_null(f);
		assert_int_equal(txring_commit(&r, write_frame(f, i), i), i >= 3);
	}
	txring_exit(&r);
	assert_int_equal(close(fd), 0);
}

static void t_discard_rewinds_head(void **state)
{
	const unsigned int k = 7;
	struct drops d = { .n = 0 };
	struct txring r;
	uint8_t *first;
	int fd;

	(void)state;
	need_netns();
	fd = tx_socket(false);
	assert_int_equal(txring_init(&r, fd, FRAME_DATA, 1, 64), 0);
	assert_true(k < r.kick_batch);

	/* Nothing waiting: nothing to give back. */
	assert_int_equal(txring_discard(&r, record_drop, &d), 0);
	assert_int_equal(d.n, 0);

	first = txring_frame(&r);
	assert_non_null(first);
	for (unsigned int i = 0; i < k; i++) {
		uint8_t *f = txring_frame(&r);

		assert_non_null(f);
		assert_false(txring_commit(&r, write_frame(f, i), TAG_BASE + i));
	}
	assert_int_equal(txring_discard(&r, record_drop, &d), k);
	assert_int_equal(d.n, k);
	for (unsigned int i = 0; i < k; i++)
		assert_int_equal(d.tags[i], TAG_BASE + i);
	assert_int_equal(r.pending, 0);
	assert_ptr_equal(txring_frame(&r), first);
	assert_int_equal(fill_ring(&r, 0), r.n_frames);

	/* A full ring: every slot is given back, the oldest (at head) first. */
	d.n = 0;
	assert_int_equal(txring_discard(&r, record_drop, &d), r.n_frames);
	assert_int_equal(d.n, r.n_frames);
	for (unsigned int i = 0; i < r.n_frames; i++)
		assert_int_equal(d.tags[i], i);
	assert_ptr_equal(txring_frame(&r), first);
	assert_int_equal(fill_ring(&r, 0), r.n_frames);
	txring_exit(&r);
	assert_int_equal(close(fd), 0);
}

static void t_send_batch_on_lo(void **state)
{
	struct txring r;
	unsigned int total = 0;
	int fd, rx;

	(void)state;
	need_netns();
	lo_ring_open(&r, &fd, &rx, ETH_FRAME_LEN + VNET_LEN, 64);
	assert_true(N_SEND < r.kick_batch);
	for (unsigned int i = 0; i < N_SEND; i++) {
		uint8_t *f = txring_frame(&r);
		unsigned int len;

		assert_non_null(f);
		len = write_frame(f, i);
		assert_false(txring_commit(&r, len, TAG_BASE + i));
		total += len - VNET_LEN;
	}
	/* The kick reports the bytes that went on the wire: virtio-net headers excluded. */
	assert_int_equal(kick(&r), total);
	for (unsigned int i = 0; i < N_SEND; i++)
		expect_frame(rx, i);

	/* A blocking kick returns once lo has released every frame. */
	assert_ptr_equal(txring_frame(&r), slot_data(&r, N_SEND));
	assert_int_equal(fill_ring(&r, 1000), r.n_frames);
	lo_ring_close(&r, fd, rx);
}

/*
 * PACKET_LOSS: a frame the kernel refuses is skipped and its slot handed
 * back, and the rest of the batch still goes out.  Without it the kernel
 * would stop at the bad frame and the frames behind it would wait forever.
 */
static void t_malformed_frame_skipped(void **state)
{
	struct virtio_net_hdr vh;
	struct txring r;
	int fd, rx;

	(void)state;
	need_netns();
	lo_ring_open(&r, &fd, &rx, FRAME_DATA, 64);
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t *f = txring_frame(&r);
		unsigned int len;

		assert_non_null(f);
		len = write_frame(f, i);
		if (i == 1) {
			/* A header longer than the frame: the kernel rejects it with EINVAL. */
			memcpy(&vh, f, sizeof(vh));
			vh.hdr_len = ETH_LEN + 1;
			memcpy(f, &vh, sizeof(vh));
		}
		(void)txring_commit(&r, len, i);
	}
	assert_int_equal(kick(&r), 2 * ETH_LEN);
	expect_frame(rx, 0);
	expect_frame(rx, 2);
	/* Every slot, the refused one included, is free again. */
	r.pending = 0;
	assert_int_equal(fill_ring(&r, 0), r.n_frames);
	lo_ring_close(&r, fd, rx);
}

/*
 * After a kick that sent part of the ring, the frames committed since wrap
 * past the end.  A discard must give back just those, and leave our head
 * where the kernel's stopped, or the next kick would send the wrong slots.
 */
static void t_discard_wraps_and_matches_kernel(void **state)
{
	struct drops d = { .n = 0 };
	unsigned int sent_first, waiting = 10;
	struct txring r;
	int fd, rx;

	(void)state;
	need_netns();
	lo_ring_open(&r, &fd, &rx, FRAME_DATA, 1000);
	sent_first = r.n_frames - waiting / 2;
	commit_frames(&r, 0, sent_first);
	assert_int_equal(kick(&r), (ssize_t)sent_first * ETH_LEN);
	r.pending = 0;
	for (unsigned int i = 0; i < sent_first; i++)
		expect_frame(rx, i);

	commit_frames(&r, TAG_BASE, waiting);
	assert_int_equal(r.head, waiting - waiting / 2);
	assert_int_equal(txring_discard(&r, record_drop, &d), waiting);
	assert_int_equal(d.n, waiting);
	for (unsigned int i = 0; i < waiting; i++)
		assert_int_equal(d.tags[i], TAG_BASE + i);
	assert_int_equal(r.head, sent_first);

	/* The kernel resumes at the same slot: these and only these go out. */
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t *f = txring_frame(&r);

		assert_ptr_equal(f, slot_data(&r, (sent_first + i) % r.n_frames));
		(void)txring_commit(&r, write_frame(f, 500 + i), 500 + i);
	}
	assert_int_equal(kick(&r), 3 * ETH_LEN);
	for (unsigned int i = 0; i < 3; i++)
		expect_frame(rx, 500 + i);
	lo_ring_close(&r, fd, rx);
}

static void t_exit_releases_everything(void **state)
{
	unsigned int maps_before = count_socket_maps();
	struct txring r;
	int fd, dup_fd;

	(void)state;
	need_netns();
	fd = tx_socket(false);
	assert_int_equal(txring_init(&r, fd, FRAME_DATA, 1, 4), 0);
	dup_fd = r.fd;
	assert_true(dup_fd >= 0 && dup_fd != fd);
	/* The kicks must not leak into a program the relay starts. */
	assert_int_equal(fcntl(dup_fd, F_GETFD), FD_CLOEXEC);
	assert_int_equal(count_socket_maps(), maps_before + 1);

	txring_exit(&r);
	errno = 0;
	assert_int_equal(fcntl(dup_fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(count_socket_maps(), maps_before);
	assert_int_equal(r.fd, -1);
	assert_null(r.map);
	/* The caller's socket is its own. */
	assert_true(fcntl(fd, F_GETFD) >= 0);
	/* A second exit (a ring put twice by mistake) closes nothing else. */
	txring_exit(&r);
	assert_true(fcntl(fd, F_GETFD) >= 0);
	assert_int_equal(close(fd), 0);
}

static void t_failed_init_leaves_nothing(void **state)
{
	unsigned int fds_before, maps_before = count_socket_maps();
	struct txring r;
	int ret, udp, fd;

	(void)state;
	need_netns();
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(udp >= 0);
	fds_before = count_open_fds();
	ret = txring_init(&r, udp, FRAME_DATA, 1, 4);
	assert_true(ret < 0);
	assert_int_equal(ret, -ENOPROTOOPT);
	assert_int_equal(r.fd, -1);
	assert_null(r.map);
	assert_int_equal(count_open_fds(), fds_before);
	assert_int_equal(count_socket_maps(), maps_before);
	txring_exit(&r);
	assert_int_equal(count_open_fds(), fds_before);
	assert_int_equal(close(udp), 0);

	/* A frame bigger than a block is refused before the socket is touched. */
	fd = tx_socket(false);
	assert_int_equal(txring_init(&r, fd, BLOCK_SIZE, 1, 4), -EMSGSIZE);
	assert_int_equal(r.fd, -1);
	assert_null(r.map);
	txring_exit(&r);
	/* Untouched indeed: a ring can still be set up on it. */
	assert_int_equal(txring_init(&r, fd, FRAME_DATA, 1, 4), 0);
	txring_exit(&r);
	assert_int_equal(close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_geometry_whole_blocks),
		cmocka_unit_test(t_fill_until_full),
		cmocka_unit_test(t_commit_due_without_reset),
		cmocka_unit_test(t_discard_rewinds_head),
		cmocka_unit_test(t_send_batch_on_lo),
		cmocka_unit_test(t_malformed_frame_skipped),
		cmocka_unit_test(t_discard_wraps_and_matches_kernel),
		cmocka_unit_test(t_exit_releases_everything),
		cmocka_unit_test(t_failed_init_leaves_nothing),
	};

	if (netns_init("txring") < 0)
		return 1;
	return cmocka_run_group_tests_name("txring", tests, NULL, NULL);
}
