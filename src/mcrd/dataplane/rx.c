// SPDX-License-Identifier: MIT
/*
 * The receive path; see rx.h.  Hot: relay_frame() runs for every frame, and
 * neither allocates nor logs.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/dataplane/dp.h"
#include "mcrd/dataplane/gen.h"
#include "mcrd/dataplane/rx.h"

void rx_fit_buffers(struct dp *dp)
{
	const char *ifname;
	unsigned int mtu = ingress_max_mtu(&dp->ingress, &ifname);
	unsigned int size = ring_bufs_size_for_mtu(mtu);

	if (mtu > RING_MAX_MTU)
		log_warn("input %s: MTU %u is above the %u mcrd receives: its longer frames are "
			 "counted as too_big, not relayed; lower the MTU to %u",
			 ifname, mtu, RING_MAX_MTU, RING_MAX_MTU);
	if (size == dp->bufs.size)
		return;
	log_debug("receive buffers: %u bytes each, for an input MTU of %u", size, mtu);
	ring_bufs_resize(&dp->bufs, size);
}

void rx_arm(struct dp *dp, size_t port)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&dp->ring);

	if (!sqe)
		return;
	if (dp->ingress.ports[port].rx.map) {
		/* The kernel wakes us once per block it closes. */
		io_uring_prep_poll_multishot(sqe, dp->ingress.ports[port].file, POLLIN);
		sqe->flags |= IOSQE_FIXED_FILE;
	} else {
		io_uring_prep_recv_multishot(sqe, dp->ingress.ports[port].file, NULL, 0, 0);
		sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
		sqe->buf_group = RING_BGID;
	}
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_RECV, port));
	dp->ingress.ports[port].is_armed = true;
}

/*
 * Re-arm a receive that ended (for lack of buffers, usually) only once an
 * eighth of the pool is free again: re-arming on the first free buffer
 * would end it again at once and spin.
 */
void rx_arm_idle(struct dp *dp)
{
	if (dp->is_stopping || dp->bufs.n - dp->bufs.in_use < dp->bufs.n / 8)
		return;
	for (size_t i = 0; i < dp->ingress.n; i++) {
		const struct ingress_port *p = &dp->ingress.ports[i];

		if (ingress_port_is_open(p) && !p->is_closing && !p->is_armed && p->file >= 0)
			rx_arm(dp, i);
	}
}

void rx_cancel(struct dp *dp, size_t port)
{
	struct io_uring_sqe *sqe;

	if (!dp->ingress.ports[port].is_armed || !(sqe = ring_get_sqe(&dp->ring)))
		return;
	io_uring_prep_cancel64(sqe, OP_DATA(OP_RECV, port), 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_CANCEL, port));
}

void rx_close_idle_ports(struct dp *dp)
{
	for (size_t i = 0; i < dp->ingress.n; i++) {
		struct ingress_port *p = &dp->ingress.ports[i];

		if (!ingress_port_is_open(p) || !p->is_closing || p->is_armed)
			continue;
		if (p->file >= 0)
			file_slots_clear(&dp->files, &dp->ring, (unsigned int)p->file, 1);
		ingress_port_close(p);
	}
}

/* Count, parse, match and relay the frame of len bytes in buffer bid; takes the buffer. */
static void relay_frame(struct dp *dp, struct ingress_port *p, uint16_t bid, size_t len)
{
	struct input_stats *is = &p->st;
	struct pkt_info info;
	int rule;

	if (unlikely(dp->is_stopping || p->is_closing))
		goto out_recycle;
	is->frames++;
	is->bytes += len;
	switch (packet_parse(ring_buf(&dp->bufs, bid), len, &info)) {
	case PKT_OK:
		break;
	case PKT_FRAGMENT:
		is->fragments++;
		goto out_recycle;
	case PKT_MALFORMED:
		is->malformed++;
		goto out_recycle;
	default:
		is->not_udp++;
		goto out_recycle;
	}
	rule = rule_table_lookup(dp->gen->table, p->ifindex, info.daddr, info.dport, info.saddr);
	if (rule < 0) {
		is->unmatched++;
		goto out_recycle;
	}
	dp->gen->stats->rules[rule].packets++;
	dp->gen->stats->rules[rule].bytes += info.payload_len;
	fwd_packet(dp, bid, &info, (uint32_t)rule);
	return;

out_recycle:
	ring_buf_recycle(&dp->bufs, bid);
}

/*
 * Take every frame the port's receive ring holds, each copied into a buffer
 * of our own (a UDP output's send and a back-logged packet read it later,
 * while the ring's block must go back to the kernel).  Without a free
 * buffer the rest waits in the ring, counted once as buffer exhaustion, and
 * the next pass of the loop goes on from there.
 */
static void drain_ring(struct dp *dp, struct ingress_port *p)
{
	struct rxring_frame f;

	p->is_ring_starved = false;
	for (;;) {
		int bid;

		if (dp->bufs.n_free == 0) {
			if (rxring_has_frame(&p->rx)) {
				p->st.buffer_exhaustion++;
				p->is_ring_starved = true;
			}
			return;
		}
		if (!rxring_next(&p->rx, &f))
			return;
		if (unlikely(f.len > dp->bufs.size)) {
			p->st.too_big++;
			continue;
		}
		bid = ring_buf_take(&dp->bufs);
		memcpy(ring_buf(&dp->bufs, (uint16_t)bid), f.data, f.len);
		relay_frame(dp, p, (uint16_t)bid, f.len);
	}
}

/* Ports whose ring waited for buffers: go on once some are free again. */
void rx_drain_starved(struct dp *dp)
{
	if (dp->bufs.n_free == 0)
		return;
	for (size_t i = 0; i < dp->ingress.n; i++) {
		struct ingress_port *p = &dp->ingress.ports[i];

		if (p->is_ring_starved && ingress_port_is_open(p))
			drain_ring(dp, p);
	}
}

static void on_recv(struct dp *dp, size_t port, const struct io_uring_cqe *cqe)
{
	struct ingress_port *p = &dp->ingress.ports[port];
	uint16_t bid;

	if (!(cqe->flags & IORING_CQE_F_MORE))
		p->is_armed = false;
	if (cqe->res < 0) {
		if (cqe->res == -ENOBUFS)
			p->st.buffer_exhaustion++;
		else if (cqe->res != -ECANCELED)
			log_warn_errno(cqe->res, "input interface %s: receive failed, re-arming",
				       p->ifname);
		return;
	}
	if (p->rx.map) {
		drain_ring(dp, p);
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_BUFFER))
		return;
	bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	dp->bufs.in_use++;
	/* A frame that fills its buffer was cut short: only a byte to spare was left. */
	if (unlikely((unsigned int)cqe->res >= dp->bufs.size)) {
		p->st.too_big++;
		ring_buf_recycle(&dp->bufs, bid);
		return;
	}
	relay_frame(dp, p, bid, (size_t)cqe->res);
}

/* A port that lost its rules closes once its last receive has ended. */
void rx_done(struct dp *dp, size_t port, const struct io_uring_cqe *cqe)
{
	const struct ingress_port *p = &dp->ingress.ports[port];

	on_recv(dp, port, cqe);
	if (p->is_closing && !p->is_armed)
		rx_close_idle_ports(dp);
}
