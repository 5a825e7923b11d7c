// SPDX-License-Identifier: MIT
/*
 * TPACKET_V3 receive ring bookkeeping.  A block's block_status is the
 * hand-over: TP_STATUS_USER when the kernel has closed it for us (read with
 * acquire ordering, so its frames are visible), TP_STATUS_KERNEL when we
 * give it back (release ordering, so we are done reading first).  The
 * kernel fills blocks in ring order, so we read them in ring order too.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "mcrd/dataplane/rxring.h"

/* TPACKET_V3 frames are variable-sized; tp_frame_size only has to divide a block. */
#define RXRING_FRAME_SIZE	2048u

/* Map the ring the kernel set up on fd; on failure r is left zeroed. */
static int map_ring(struct rxring *r, int fd, unsigned int block_size, unsigned int n_blocks)
{
	r->map_len = (size_t)block_size * n_blocks;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (r->map == MAP_FAILED) {
		int ret = -errno;

		memset(r, 0, sizeof(*r));
		return ret;
	}
	r->block_size = block_size;
	r->n_blocks = n_blocks;
	return 0;
}

int rxring_init(struct rxring *r, int fd, unsigned int block_size, unsigned int n_blocks,
		unsigned int timeout_ms)
{
	int version = TPACKET_V3;
	struct tpacket_req3 req = {
		.tp_block_size = block_size,
		.tp_block_nr = n_blocks,
		.tp_frame_size = RXRING_FRAME_SIZE,
		.tp_frame_nr = block_size / RXRING_FRAME_SIZE * n_blocks,
		.tp_retire_blk_tov = timeout_ms,
	};

	memset(r, 0, sizeof(*r));
	if (block_size < RXRING_FRAME_SIZE || n_blocks == 0)
		return -EINVAL;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -errno;
	return map_ring(r, fd, block_size, n_blocks);
}

static struct tpacket_block_desc *block_at(const struct rxring *r, unsigned int i)
{
	return (struct tpacket_block_desc *)(r->map + (size_t)i * r->block_size);
}

static bool block_is_ours(const struct tpacket_block_desc *bd);

/*
 * The kernel numbers each block as it opens it for filling.  The oldest one
 * handed to user space and not given back is where reading resumes; with
 * none, the one it fills now (the highest number).
 */
static unsigned int oldest_block(const struct rxring *r)
{
	unsigned int best = 0, newest = 0;
	uint64_t best_seq = UINT64_MAX, newest_seq = 0;

	for (unsigned int i = 0; i < r->n_blocks; i++) {
		const struct tpacket_block_desc *bd = block_at(r, i);
		uint64_t seq = bd->hdr.bh1.seq_num;

		if (block_is_ours(bd) && seq < best_seq) {
			best_seq = seq;
			best = i;
		}
		if (seq >= newest_seq) {
			newest_seq = seq;
			newest = i;
		}
	}
	return best_seq != UINT64_MAX ? best : newest;
}

int rxring_adopt(struct rxring *r, int fd, unsigned int block_size, unsigned int n_blocks)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = map_ring(r, fd, block_size, n_blocks);
	if (ret < 0)
		return ret;
	r->block = oldest_block(r);
	return 0;
}

void rxring_exit(struct rxring *r)
{
	if (r->map)
		(void)munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}

static struct tpacket_block_desc *current_block(const struct rxring *r)
{
	return (struct tpacket_block_desc *)(r->map + (size_t)r->block * r->block_size);
}

static bool block_is_ours(const struct tpacket_block_desc *bd)
{
	return __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

int rxring_next(struct rxring *r, struct rxring_frame *f)
{
	for (;;) {
		struct tpacket_block_desc *bd = current_block(r);
		const struct tpacket3_hdr *h;

		if (!block_is_ours(bd))
			return 0;
		if (r->pkt_done == bd->hdr.bh1.num_pkts) {
			__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
					 __ATOMIC_RELEASE);
			r->block = r->block + 1 == r->n_blocks ? 0 : r->block + 1;
			r->pkt_done = 0;
			r->pkt_off = 0;
			continue;
		}
		if (r->pkt_done == 0)
			r->pkt_off = bd->hdr.bh1.offset_to_first_pkt;
		h = (const struct tpacket3_hdr *)((const uint8_t *)bd + r->pkt_off);
		f->data = (const uint8_t *)h + h->tp_mac;
		f->len = h->tp_snaplen;
		f->has_vlan = h->tp_status & TP_STATUS_VLAN_VALID;
		f->vlan_tci = h->hv1.tp_vlan_tci;
		r->pkt_done++;
		r->pkt_off += h->tp_next_offset;
		return 1;
	}
}

bool rxring_has_frame(const struct rxring *r)
{
	const struct tpacket_block_desc *bd = current_block(r);
	unsigned int next;

	if (!block_is_ours(bd))
		return false;
	if (r->pkt_done < bd->hdr.bh1.num_pkts)
		return true;
	/* This one is used up: the answer is the next block's (none in a ring of one). */
	next = (r->block + 1) % r->n_blocks;
	return r->n_blocks > 1 &&
	       block_is_ours((const struct tpacket_block_desc *)(r->map +
								  (size_t)next * r->block_size));
}
