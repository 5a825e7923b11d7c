// SPDX-License-Identifier: MIT
/*
 * rxprobe: the receive half of a relay, alone, two ways, so that they can be
 * compared on the same traffic (bench/rxprobe.sh):
 *
 *   multishot  what mcrd does: a multishot io_uring receive on an AF_PACKET
 *              socket into a registered provided-buffer ring (mcrd's own
 *              ring.c), with mcrd's batched waits
 *   v3         what mcrd does by default: a TPACKET_V3 receive ring (mcrd's
 *              own rxring.c, same geometry); the kernel copies each frame
 *              into shared blocks and wakes the reader once per block (full,
 *              or after the retire timeout); the loop waits on a multishot
 *              io_uring poll of the socket
 *
 * Either way every frame's UDP header is read, as a relay's parser would.
 * Prints one JSON line: frames, seconds, the process's CPU time and the CPU
 * nanoseconds per frame.  The cost the kernel's delivery puts on the
 * sender's CPU shows in the sender's rate, which the script measures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mcrd/dataplane/ring.h"
#include "mcrd/dataplane/rxring.h"

#define PROBE_BUFS		4096
#define PROBE_BATCH		64

struct probe {
	struct io_uring ring;
	int fd;
	uint64_t frames;
	uint64_t sum;		/* of the ports read, so the reads stay */
	uint64_t deadline_ns;
	struct __kernel_timespec stop_ts;	/* wakes the loop at the deadline */
	unsigned int coalesce_us;
	struct ring_bufs bufs;	/* multishot */
	struct rxring rx;	/* v3 */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* The UDP ports of an untagged IPv4 frame, as a parser would read them. */
static void touch_frame(struct probe *p, const uint8_t *eth, size_t len)
{
	size_t ihl;

	if (len < ETH_HLEN + 20 + 8)
		return;
	ihl = (size_t)(eth[ETH_HLEN] & 0x0f) * 4;
	if (len < ETH_HLEN + ihl + 8)
		return;
	p->sum += (uint64_t)eth[ETH_HLEN + ihl + 2] << 8 | eth[ETH_HLEN + ihl + 3];
	p->frames++;
}

static int open_socket(const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = (int)if_nametoindex(ifname),
	};
	int fd;

	if (sll.sll_ifindex == 0) {
		fprintf(stderr, "rxprobe: no interface %s\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0) {
		perror("rxprobe: socket(AF_PACKET)");
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("rxprobe: bind");
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int wait_some(struct probe *p)
{
	int ret;

	if (p->coalesce_us && ring_has_min_wait(&p->ring))
		ret = ring_submit_and_wait_min(&p->ring, PROBE_BATCH, p->coalesce_us);
	else
		ret = io_uring_submit_and_wait(&p->ring, 1);
	return ret == -EINTR || ret == -ETIME ? 0 : ret;
}

/* How one receive path arms, handles its completions, and drains after a batch. */
struct probe_path {
	void (*arm)(struct probe *p);
	void (*on_cqe)(struct probe *p, const struct io_uring_cqe *cqe);
	void (*after_batch)(struct probe *p);
};

#define PROBE_OP_RECV	1	/* the deadline's timeout has user_data 0 */

/* Until the deadline: wait, handle every completion, re-arm what ended. */
static int run_loop(struct probe *p, const struct probe_path *path)
{
	int ret = 0;

	path->arm(p);
	while (mono_ns() < p->deadline_ns) {
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;
		bool rearm = false;

		ret = wait_some(p);
		if (ret < 0)
			break;
		io_uring_for_each_cqe(&p->ring, head, cqe) {
			n++;
			if (io_uring_cqe_get_data64(cqe) != PROBE_OP_RECV)
				continue;
			if (!(cqe->flags & IORING_CQE_F_MORE))
				rearm = true;
			path->on_cqe(p, cqe);
		}
		io_uring_cq_advance(&p->ring, n);
		path->after_batch(p);
		if (rearm)
			path->arm(p);
	}
	return ret < 0 ? ret : 0;
}

static void ms_arm(struct probe *p)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&p->ring);

	io_uring_prep_recv_multishot(sqe, p->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RING_BGID;
	io_uring_sqe_set_data64(sqe, PROBE_OP_RECV);
}

static void ms_on_cqe(struct probe *p, const struct io_uring_cqe *cqe)
{
	uint16_t bid;

	if (cqe->res <= 0 || !(cqe->flags & IORING_CQE_F_BUFFER))
		return;
	bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	p->bufs.in_use++;
	touch_frame(p, ring_buf(&p->bufs, bid), (size_t)cqe->res);
	ring_buf_recycle(&p->bufs, bid);
}

static void ms_after_batch(struct probe *p)
{
	ring_bufs_publish(&p->bufs);
}

static int run_multishot(struct probe *p)
{
	static const struct probe_path path = { ms_arm, ms_on_cqe, ms_after_batch };
	int ret = ring_bufs_init(&p->bufs, &p->ring, PROBE_BUFS, RING_BUF_SIZE, false);

	if (ret < 0) {
		fprintf(stderr, "rxprobe: buffer ring: %s\n", strerror(-ret));
		return ret;
	}
	ret = run_loop(p, &path);
	ring_bufs_exit(&p->bufs, &p->ring);
	return ret;
}

static void v3_arm(struct probe *p)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&p->ring);

	io_uring_prep_poll_multishot(sqe, p->fd, POLLIN);
	io_uring_sqe_set_data64(sqe, PROBE_OP_RECV);
}

static void v3_on_cqe(struct probe *p, const struct io_uring_cqe *cqe)
{
	(void)p;
	(void)cqe;
}

/* Every frame the kernel has handed over. */
static void v3_drain(struct probe *p)
{
	struct rxring_frame f;

	while (rxring_next(&p->rx, &f))
		touch_frame(p, f.data, f.len);
}

static int run_v3(struct probe *p)
{
	static const struct probe_path path = { v3_arm, v3_on_cqe, v3_drain };
	int ret = rxring_init(&p->rx, p->fd, 1500, RXRING_BLOCKS);

	if (ret < 0) {
		fprintf(stderr, "rxprobe: TPACKET_V3 ring: %s\n", strerror(-ret));
		return ret;
	}
	ret = run_loop(p, &path);
	rxring_exit(&p->rx);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rxprobe -i IFACE -m multishot|v3 [-d SECONDS] [-w COALESCE_US]\n");
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *mode = NULL;
	struct probe p;
	unsigned int flags = 0;
	double seconds = 5, cpu0;
	uint64_t t0;
	int opt, ret;

	memset(&p, 0, sizeof(p));
	p.coalesce_us = 50;
	while ((opt = getopt(argc, argv, "i:m:d:w:h")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'm': mode = optarg; break;
		case 'd': seconds = atof(optarg); break;
		case 'w': p.coalesce_us = (unsigned int)atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!ifname || !mode || seconds <= 0 ||
	    (strcmp(mode, "multishot") != 0 && strcmp(mode, "v3") != 0)) {
		usage(stderr);
		return 2;
	}
	p.fd = open_socket(ifname);
	if (p.fd < 0)
		return 1;
	ret = ring_init(&p.ring, 1024, 8192, &flags);
	if (ret < 0) {
		fprintf(stderr, "rxprobe: io_uring: %s\n", strerror(-ret));
		return 1;
	}
	t0 = mono_ns();
	cpu0 = cpu_seconds();
	p.deadline_ns = t0 + (uint64_t)(seconds * 1e9);
	p.stop_ts.tv_sec = (long long)seconds;
	p.stop_ts.tv_nsec = (long long)((seconds - (double)(long long)seconds) * 1e9);
	io_uring_prep_timeout(ring_get_sqe(&p.ring), &p.stop_ts, 0, 0);
	ret = strcmp(mode, "v3") == 0 ? run_v3(&p) : run_multishot(&p);
	if (ret < 0) {
		fprintf(stderr, "rxprobe: %s\n", strerror(-ret));
		return 1;
	}
	{
		double secs = (double)(mono_ns() - t0) / 1e9, cpu = cpu_seconds() - cpu0;

		printf("{\"mode\":\"%s\",\"frames\":%llu,\"seconds\":%.3f,\"cpu_s\":%.3f,"
		       "\"pps\":%.0f,\"cpu_ns_per_frame\":%.0f,\"check\":%llu}\n",
		       mode, (unsigned long long)p.frames, secs, cpu, (double)p.frames / secs,
		       p.frames ? cpu * 1e9 / (double)p.frames : 0.0,
		       (unsigned long long)p.sum);
	}
	io_uring_queue_exit(&p.ring);
	(void)close(p.fd);
	return 0;
}
