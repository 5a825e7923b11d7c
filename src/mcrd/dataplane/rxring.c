// SPDX-License-Identifier: MIT
/*
 * TPACKET_V2 receive ring bookkeeping.  A slot's tp_status is the
 * hand-over: TP_STATUS_USER once the kernel has filled it (read with
 * acquire ordering, so the frame is visible), TP_STATUS_KERNEL when we give
 * it back (release ordering, so we are done reading first).  The kernel
 * fills slots in ring order, and drops a frame rather than skip a slot we
 * still hold, so we read them in ring order too.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "mcrd/dataplane/pktdiag.h"
#include "mcrd/dataplane/rxring.h"

/*
 * Where the kernel puts a frame in its slot: after the header and the
 * sockaddr_ll, aligned so that the network header (after 14 bytes of
 * Ethernet) starts on TPACKET_ALIGNMENT.  Room for two VLAN tags left in the
 * frame follows the MTU.
 */
#define RXRING_HDR_ROOM		TPACKET_ALIGN(TPACKET2_HDRLEN + 16u)
#define RXRING_L2_ROOM		(14u + 8u)
/* The kernel's, 65535 on lo: slots are not sized past what a worker keeps. */
#define RXRING_MAX_MTU		9216u

struct rxring_geometry {
	unsigned int frame_size;
	unsigned int frames_per_block;
	unsigned int n_blocks;
};

static struct rxring_geometry geometry_for(unsigned int mtu, unsigned int n_blocks)
{
	struct rxring_geometry g;

	if (mtu == 0)
		mtu = 1500;
	if (mtu > RXRING_MAX_MTU)
		mtu = RXRING_MAX_MTU;
	g.frame_size = (unsigned int)TPACKET_ALIGN(RXRING_HDR_ROOM + RXRING_L2_ROOM + mtu);
	g.frames_per_block = RXRING_BLOCK_SIZE / g.frame_size;
	g.n_blocks = n_blocks;
	return g;
}

/* Map the ring the kernel set up on fd; on failure r is left zeroed. */
static int map_ring(struct rxring *r, int fd, struct rxring_geometry g)
{
	r->map_len = (size_t)RXRING_BLOCK_SIZE * g.n_blocks;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (r->map == MAP_FAILED) {
		int ret = -errno;

		memset(r, 0, sizeof(*r));
		return ret;
	}
	r->frame_size = g.frame_size;
	r->frames_per_block = g.frames_per_block;
	r->n_blocks = g.n_blocks;
	r->n_frames = g.frames_per_block * g.n_blocks;
	r->mtu = g.frame_size - RXRING_HDR_ROOM - RXRING_L2_ROOM;
	r->frame = 0;
	r->is_held = false;
	return 0;
}

static int set_ring(int fd, struct rxring_geometry g)
{
	struct tpacket_req req = {
		.tp_block_size = RXRING_BLOCK_SIZE,
		.tp_block_nr = g.n_blocks,
		.tp_frame_size = g.frame_size,
		.tp_frame_nr = g.frames_per_block * g.n_blocks,
	};

	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -errno;
	return 0;
}

int rxring_init(struct rxring *r, int fd, unsigned int mtu, unsigned int n_blocks)
{
	int version = RXRING_VERSION, ret;
	struct rxring_geometry g = geometry_for(mtu, n_blocks);

	memset(r, 0, sizeof(*r));
	if (n_blocks == 0)
		return -EINVAL;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		return -errno;
	ret = set_ring(fd, g);
	if (ret < 0)
		return ret;
	return map_ring(r, fd, g);
}

static struct tpacket2_hdr *frame_at(const struct rxring *r, unsigned int i)
{
	return (struct tpacket2_hdr *)(r->map +
				       (size_t)(i / r->frames_per_block) * RXRING_BLOCK_SIZE +
				       (size_t)(i % r->frames_per_block) * r->frame_size);
}

static bool frame_is_ours(const struct rxring *r, unsigned int i)
{
	return __atomic_load_n(&frame_at(r, i)->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

static unsigned int next_index(const struct rxring *r, unsigned int i)
{
	return i + 1 == r->n_frames ? 0 : i + 1;
}

/*
 * The slot the kernel filled last: the one with the newest receive time
 * (a slot given back keeps its header).
 */
static unsigned int newest_frame(const struct rxring *r)
{
	unsigned int newest = r->n_frames - 1;
	uint64_t newest_ns = 0;

	for (unsigned int i = 0; i < r->n_frames; i++) {
		const struct tpacket2_hdr *h = frame_at(r, i);
		uint64_t ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;

		if (ns > newest_ns) {
			newest_ns = ns;
			newest = i;
		}
	}
	return newest;
}

/*
 * The slots handed over and not given back form one run in ring order, and
 * the kernel goes on filling at its end while we look, so the run's start
 * is the one slot that is ours after one that is not.  With no such slot
 * the ring is empty or full: either way reading starts where the kernel
 * writes next, after the slot it filled last.
 */
static unsigned int oldest_frame(const struct rxring *r)
{
	unsigned int after_newest = next_index(r, newest_frame(r));
	bool was_ours = frame_is_ours(r, r->n_frames - 1);

	for (unsigned int i = 0; i < r->n_frames; i++) {
		bool is_ours = frame_is_ours(r, i);

		if (is_ours && !was_ours)
			return i;
		was_ours = is_ours;
	}
	return after_newest;
}

int rxring_adopt(struct rxring *r, int fd)
{
	struct rxring_geometry g;
	struct pktdiag_ring pr;
	int ret;

	memset(r, 0, sizeof(*r));
	/* Set up for the MTU of its day, which may not be today's: ask the kernel. */
	ret = pktdiag_rx_ring(fd, &pr);
	if (ret < 0)
		return ret;
	if (pr.block_size != RXRING_BLOCK_SIZE || pr.frame_size == 0 ||
	    pr.frame_nr != pr.block_size / pr.frame_size * pr.block_nr)
		return -EPROTOTYPE;
	g.frame_size = pr.frame_size;
	g.frames_per_block = pr.block_size / pr.frame_size;
	g.n_blocks = pr.block_nr;
	ret = map_ring(r, fd, g);
	if (ret < 0)
		return ret;
	r->frame = oldest_frame(r);
	return 0;
}

int rxring_resize(struct rxring *r, int fd, unsigned int mtu)
{
	struct rxring_geometry old = {
		.frame_size = r->frame_size,
		.frames_per_block = r->frames_per_block,
		.n_blocks = r->n_blocks,
	};
	struct rxring_geometry g = geometry_for(mtu, r->n_blocks);
	struct tpacket_req none = { 0 };
	int ret;

	if (old.n_blocks == 0)
		return -EINVAL;
	rxring_exit(r);
	/* The kernel replaces a ring only through none, and only once it is unmapped. */
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof(none)) < 0)
		return -errno;
	ret = set_ring(fd, g);
	if (ret == 0)
		return map_ring(r, fd, g);
	if (set_ring(fd, old) == 0)
		(void)map_ring(r, fd, old);
	return ret;
}

void rxring_exit(struct rxring *r)
{
	if (r->map)
		(void)munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}

int rxring_next(struct rxring *r, struct rxring_frame *f)
{
	const struct tpacket2_hdr *h;

	if (r->is_held) {
		__atomic_store_n(&frame_at(r, r->frame)->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		r->frame = next_index(r, r->frame);
		r->is_held = false;
	}
	if (!frame_is_ours(r, r->frame))
		return 0;
	h = frame_at(r, r->frame);
	f->data = (const uint8_t *)h + h->tp_mac;
	f->len = h->tp_snaplen;
	f->is_cut = h->tp_len > h->tp_snaplen;
	f->has_vlan = h->tp_status & TP_STATUS_VLAN_VALID;
	f->vlan_tci = h->tp_vlan_tci;
	r->is_held = true;
	return 1;
}

bool rxring_has_frame(const struct rxring *r)
{
	return frame_is_ours(r, r->is_held ? next_index(r, r->frame) : r->frame);
}
