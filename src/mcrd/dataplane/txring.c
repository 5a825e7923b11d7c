// SPDX-License-Identifier: MIT
/*
 * PACKET_TX_RING set-up and slot bookkeeping (TPACKET_V2).  A slot's
 * tp_status is the hand-over: we write the data and tp_len, then publish
 * TP_STATUS_SEND_REQUEST with release ordering; the kernel sets it to
 * TP_STATUS_AVAILABLE again when the device has released the frame.  The
 * kernel reads nothing else of the header on this path, so tp_snaplen
 * carries the caller's tag.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcrd/dataplane/txring.h"

#define TXRING_BLOCK_SIZE	(64u << 10)
#define TXRING_HDR_LEN		TPACKET_ALIGN(sizeof(struct tpacket2_hdr))

static struct tpacket2_hdr *slot_hdr(const struct txring *r, unsigned int i)
{
	unsigned int block = i / r->frames_per_block;
	unsigned int k = i % r->frames_per_block;

	return (struct tpacket2_hdr *)(r->map + (size_t)block * r->block_size +
				       (size_t)k * r->frame_size);
}

static uint32_t slot_status(const struct tpacket2_hdr *h)
{
	return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

unsigned int txring_frame_capacity(const struct txring *r)
{
	return r->frame_size - (unsigned int)TXRING_HDR_LEN;
}

int txring_init(struct txring *r, int fd, unsigned int frame_data, unsigned int n_frames,
		unsigned int kick_batch)
{
	struct tpacket_req req;
	int version = TPACKET_V2, loss = 1;
	unsigned int blocks;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->block_size = TXRING_BLOCK_SIZE;
	if (frame_data > r->block_size - TXRING_HDR_LEN)
		return -EMSGSIZE;
	r->frame_size = (unsigned int)TPACKET_ALIGN(TXRING_HDR_LEN + frame_data);
	if (r->frame_size > r->block_size)
		return -EMSGSIZE;
	r->frames_per_block = r->block_size / r->frame_size;
	blocks = (n_frames + r->frames_per_block - 1) / r->frames_per_block;
	if (blocks == 0)
		blocks = 1;
	r->n_frames = blocks * r->frames_per_block;
	r->kick_batch = kick_batch < r->n_frames / 2 ? kick_batch : r->n_frames / 2;
	if (r->kick_batch == 0)
		r->kick_batch = 1;

	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
		return -errno;
	/*
	 * A frame the kernel refuses is skipped and its slot freed; without
	 * PACKET_LOSS the kernel's head would stay on it and the ring stall.
	 */
	if (setsockopt(fd, SOL_PACKET, PACKET_LOSS, &loss, sizeof(loss)) < 0)
		return -errno;
	req = (struct tpacket_req){
		.tp_block_size = r->block_size,
		.tp_block_nr = blocks,
		.tp_frame_size = r->frame_size,
		.tp_frame_nr = r->n_frames,
	};
	if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
		return -errno;
	r->map_len = (size_t)blocks * r->block_size;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0) {
		int ret = -errno;

		txring_exit(r);
		return ret;
	}
	r->refs = 1;
	return 0;
}

void txring_exit(struct txring *r)
{
	if (r->map)
		(void)munmap(r->map, r->map_len);
	if (r->fd >= 0)
		(void)close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

uint8_t *txring_frame(struct txring *r)
{
	struct tpacket2_hdr *h = slot_hdr(r, r->head);

	if (slot_status(h) != TP_STATUS_AVAILABLE)
		return NULL;
	return (uint8_t *)h + TXRING_HDR_LEN;
}

bool txring_commit(struct txring *r, unsigned int len, uint32_t tag)
{
	struct tpacket2_hdr *h = slot_hdr(r, r->head);

	h->tp_len = len;
	h->tp_snaplen = tag;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	r->head = r->head + 1 == r->n_frames ? 0 : r->head + 1;
	return ++r->pending >= r->kick_batch;
}

unsigned int txring_discard(struct txring *r, void (*drop)(uint32_t tag, void *arg), void *arg)
{
	unsigned int n = 0, i = r->head;

	/* Waiting slots are the contiguous run just behind our head. */
	while (n < r->n_frames) {
		unsigned int prev = i == 0 ? r->n_frames - 1 : i - 1;

		if (slot_status(slot_hdr(r, prev)) != TP_STATUS_SEND_REQUEST)
			break;
		i = prev;
		n++;
	}
	r->head = i;
	for (unsigned int k = 0; k < n; k++) {
		struct tpacket2_hdr *h = slot_hdr(r, (i + k) % r->n_frames);

		drop(h->tp_snaplen, arg);
		__atomic_store_n(&h->tp_status, TP_STATUS_AVAILABLE, __ATOMIC_RELEASE);
	}
	r->pending = 0;
	return n;
}
