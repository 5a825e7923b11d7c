/* SPDX-License-Identifier: MIT */
/*
 * Fan-out: turns one received packet into a send per output, all pointing
 * into the same receive buffer.  Owns the send slots (the per-send state a
 * completion needs), the back-log of packets waiting for free slots, and
 * the retry list for transient send failures.
 */
#ifndef MCR_FWD_H
#define MCR_FWD_H

#include <linux/time_types.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "mcrd/dataplane/frame.h"
#include "mcrd/dataplane/frame6.h"
#include "mcrd/dataplane/packet.h"

#define FWD_MAX_ATTEMPTS	5	/* a transient error is retried this often */
#define FWD_RETRY_BASE_US	50	/* back-off doubles from here */

struct generation;
struct dp;

/*
 * Ancillary data of one udp send: IP_TOS, IP_TTL (ints) and IP_PKTINFO, or
 * for IPv6 IPV6_TCLASS, IPV6_HOPLIMIT and IPV6_PKTINFO (the larger).
 */
#define FWD_CMSG_LEN	(2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo)))

/*
 * The state one udp output's send needs until its completion: four cache
 * lines.  l2 outputs need none: their frames go into the interface's TX
 * ring, payload copied, and are done with the packet at once.
 */
struct send_slot {
	union {			/* unconnected udp outputs: the destination */
		struct sockaddr_in dst;
		struct sockaddr_in6 dst6;	/* an IPv6 rule's */
	};
	struct in6_addr saddr6;	/* IPv6: the received source, for "source": "keep" */
	uint16_t bid;		/* the buffer this send reads from */
	uint16_t off;		/* payload offset in the buffer */
	uint16_t len;		/* payload bytes */
	uint16_t dport;		/* the packet's port, for unconnected udp outputs */
	uint32_t out;		/* flat output index */
	uint32_t next_free;	/* free-list link, or retry-list link */
	uint32_t saddr_be;	/* the received source, for "source": "keep" */
	uint8_t attempts;
	uint8_t tos;		/* the received TOS byte */
	uint8_t ttl;		/* the TTL to send with */
	bool is_df;		/* it came with DF: the output's own socket, else the no-DF one */
	bool is_v6;		/* an IPv6 rule's: dst6, saddr6, IPv6 control messages */
	struct generation *gen;	/* whose egress and counters; holds a reference */
	struct msghdr msg;	/* sendmsg: unconnected udp outputs, and ancillary data */
	struct iovec iov[1];
	uint8_t cmsg[FWD_CMSG_LEN] __attribute__((aligned(8)));
} __attribute__((aligned(64)));

/* A packet whose fan-out is waiting for send slots, in arrival order. */
struct pending_pkt {
	struct generation *gen;	/* the rules it matched */
	uint32_t rule;
	uint32_t next_out;
	uint16_t bid;
	uint16_t off;
	uint16_t len;
	bool is_v6;		/* an IPv6 rule's datagram: frame6, else frame */
	union {			/* header fields and checksum state, for every output */
		struct frame_pkt frame;
		struct frame6_pkt frame6;
	};
};

struct fwd {
	struct send_slot *slots;
	uint32_t n_slots;
	uint32_t free_head;		/* UINT32_MAX when none */
	uint32_t in_flight;
	uint32_t retry_head;		/* slots waiting for the retry timer */
	uint32_t retry_count;
	struct pending_pkt *backlog;	/* ring of n_backlog entries */
	uint32_t n_backlog;
	uint32_t backlog_head;
	uint32_t backlog_len;
	uint32_t queued;		/* SQEs since the last submit */
	struct txring *dirty;		/* rings with frames written since their last kick */
	uint32_t kicks_in_flight;
	uint64_t warned_ns;		/* rate limit for hot-path warnings */
	struct __kernel_timespec retry_ts;	/* the retry timer's, read by the kernel */
	bool is_retry_armed;		/* a retry timer is pending */
};

int fwd_init(struct fwd *f, uint32_t n_slots, uint32_t n_backlog);
void fwd_exit(struct fwd *f);

/* Relay a parsed packet in buffer bid by rule; takes over the buffer. */
void fwd_packet(struct dp *dp, uint16_t bid, const struct pkt_info *info, uint32_t rule);
/* Fan out back-logged packets while slots are free. */
void fwd_drain_backlog(struct dp *dp);
void fwd_send_done(struct dp *dp, uint32_t slot, int res);
/* The retry timer fired: send the waiting slots again. */
void fwd_retry_fire(struct dp *dp);
/* Kick every ring written since its last kick: before the loop sleeps. */
void fwd_flush_kicks(struct dp *dp);
/* A kick completed: res is the bytes the kernel sent, or -errno. */
void fwd_kick_done(struct dp *dp, struct txring *tx, int res);

static inline bool fwd_is_idle(const struct fwd *f)
{
	return f->in_flight == 0 && f->backlog_len == 0 && f->retry_count == 0 &&
	       f->kicks_in_flight == 0 && !f->dirty;
}

#endif
