// SPDX-License-Identifier: MIT
/*
 * The receive path; see rx.h.  Hot: relay_frame() runs for every frame, and
 * neither allocates nor logs.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/dataplane/dp.h"
#include "mcrd/dataplane/gen.h"
#include "mcrd/dataplane/rx.h"

/*
 * Frames one port hands over in one pass of the worker's loop: enough to
 * amortise a pass, few enough that the loop comes back to its channel (the
 * heartbeat) within milliseconds even at a wide fan-out.
 */
#define RX_DRAIN_BUDGET 512u

/*
 * Where a multishot receive puts the frame in its buffer: after the
 * io_uring_recvmsg_out header, no address and the control room
 * (INGRESS_AUX_SPACE), whatever the kernel filled of it.
 */
#define RX_MSG_HDR	(sizeof(struct io_uring_recvmsg_out) + INGRESS_AUX_SPACE)

void rx_fit_buffers(struct dp *dp)
{
	const char *ifname;
	unsigned int mtu = ingress_max_mtu(&dp->ingress, &ifname);
	unsigned int size = ring_bufs_size_for_mtu(mtu);

	if (dp->ingress.mode == INGRESS_MULTISHOT)
		size = RING_BUF_ALIGN(size + (unsigned int)RX_MSG_HDR);

	ingress_fit_rings(&dp->ingress);
	if (mtu > RING_MAX_MTU)
		log_warn("input %s: MTU %u is above the %u mcrd receives: its longer frames are "
			 "counted as too_big, not relayed; lower the MTU to %u",
			 ifname, mtu, RING_MAX_MTU, RING_MAX_MTU);
	if (size == dp->bufs.size)
		return;
	log_debug("receive buffers: %u bytes each, for an input MTU of %u", size, mtu);
	ring_bufs_resize(&dp->bufs, size);
}

/* Wait for the port's AF_XDP socket (not a fixed file: libxdp owns it). */
static void arm_xsk(struct dp *dp, size_t port)
{
	struct xsk_port *x = dp->ingress.ports[port].xsk;
	struct io_uring_sqe *sqe;

	if (!x || xsk_port_is_armed(x) || !(sqe = ring_get_sqe(&dp->ring)))
		return;
	io_uring_prep_poll_multishot(sqe, xsk_port_fd(x), POLLIN);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_XSK, port));
	xsk_port_set_armed(x, true);
}

void rx_arm(struct dp *dp, size_t port)
{
	struct io_uring_sqe *sqe;

	arm_xsk(dp, port);
	if (dp->ingress.ports[port].is_armed || !(sqe = ring_get_sqe(&dp->ring)))
		return;
	if (dp->ingress.mode != INGRESS_MULTISHOT) {
		/*
		 * A ring (under xdp too, for what its program passes on): the
		 * kernel wakes us per frame, and we take all that are there.
		 */
		io_uring_prep_poll_multishot(sqe, dp->ingress.ports[port].file, POLLIN);
		sqe->flags |= IOSQE_FIXED_FILE;
	} else {
		/* recvmsg, not recv: the frame's VLAN tag comes as a control message. */
		io_uring_prep_recvmsg_multishot(sqe, dp->ingress.ports[port].file,
						&dp->ingress.rx_msg, 0);
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

		if (ingress_port_is_open(p) && !p->is_closing && p->file >= 0 &&
		    (!p->is_armed || (p->xsk && !xsk_port_is_armed(p->xsk))))
			rx_arm(dp, i);
	}
}

void rx_cancel(struct dp *dp, size_t port)
{
	const struct ingress_port *p = &dp->ingress.ports[port];
	struct io_uring_sqe *sqe;

	if (p->xsk && xsk_port_is_armed(p->xsk) && (sqe = ring_get_sqe(&dp->ring))) {
		io_uring_prep_cancel64(sqe, OP_DATA(OP_XSK, port), 0);
		io_uring_sqe_set_data64(sqe, OP_DATA(OP_CANCEL, port));
	}
	if (!p->is_armed || !(sqe = ring_get_sqe(&dp->ring)))
		return;
	io_uring_prep_cancel64(sqe, OP_DATA(OP_RECV, port), 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_CANCEL, port));
}

void rx_close_idle_ports(struct dp *dp)
{
	for (size_t i = 0; i < dp->ingress.n; i++) {
		struct ingress_port *p = &dp->ingress.ports[i];

		if (!ingress_port_is_open(p) || !p->is_closing || ingress_port_is_armed(p))
			continue;
		if (p->file >= 0)
			file_slots_clear(&dp->files, &dp->ring, (unsigned int)p->file, 1);
		ingress_port_close(p);
	}
}

/*
 * The tag the kernel took off a frame before we saw it: it moves the outer
 * VLAN tag of every received frame into the packet's metadata, so the
 * frame's bytes look untagged (or show only the inner tag of two).
 */
struct rx_tag {
	bool is_present;
	uint16_t tci;
};

/*
 * Count, parse, match and relay the frame of len bytes at off in buffer
 * bid, which the kernel received with tag; takes the buffer.  A frame of a
 * VLAN no rule names, or with two tags, is counted and dropped: relayed
 * untagged, it would leak that VLAN onto the outputs.
 */
static void relay_frame(struct dp *dp, struct ingress_port *p, uint16_t bid, size_t off,
			size_t len, struct rx_tag tag)
{
	struct input_stats *is = &p->st;
	struct pkt_info info;
	enum pkt_verdict v;
	uint16_t vlan = 0;
	int rule;

	if (unlikely(dp->is_stopping || p->is_closing))
		goto out_recycle;
	is->frames++;
	is->bytes += len;
	switch (v = packet_parse(ring_buf(&dp->bufs, bid) + off, len, &info)) {
	case PKT_OK:
	case PKT_OK_IPV6:
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
	if (unlikely(tag.is_present || info.vlan_depth)) {
		vlan = packet_vlan(&info, tag.is_present, tag.tci);
		if (vlan == PKT_VLAN_STACKED) {
			is->vlan_dropped++;
			goto out_recycle;
		}
	}
	/* The fan-out finds the headers from the buffer's start. */
	info.ip_off = (uint16_t)(info.ip_off + off);
	info.payload_off = (uint16_t)(info.payload_off + off);
	info.udp_off = (uint16_t)(info.udp_off + off);
	if (v == PKT_OK_IPV6)
		rule = rule_table_lookup6(dp->gen->table, p->ifindex, &info.daddr6, info.dport,
					  &info.saddr6, vlan);
	else
		rule = rule_table_lookup(dp->gen->table, p->ifindex, info.daddr, info.dport,
					 info.saddr, vlan);
	if (rule < 0) {
		if (vlan)
			is->vlan_dropped++;
		else
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
 * the next pass of the loop goes on from there.  So it does after
 * RX_DRAIN_BUDGET frames: under overload the kernel refills the ring as fast
 * as we empty it, and a drain that ran until the ring was empty would never
 * end (the worker would miss its heartbeat and be killed).
 */
static void drain_ring(struct dp *dp, struct ingress_port *p)
{
	struct rxring_frame f;

	p->has_ring_frames = false;
	if (unlikely(!p->rx.map))
		return;
	for (unsigned int budget = RX_DRAIN_BUDGET;; budget--) {
		int bid;

		if (budget == 0) {
			if (rxring_has_frame(&p->rx))
				p->has_ring_frames = true;
			return;
		}

		if (dp->bufs.n_free == 0) {
			if (rxring_has_frame(&p->rx)) {
				p->st.buffer_exhaustion++;
				p->has_ring_frames = true;
			}
			return;
		}
		if (!rxring_next(&p->rx, &f))
			return;
		if (unlikely(f.is_cut || f.len > dp->bufs.size)) {
			p->st.too_big++;
			continue;
		}
		bid = ring_buf_take(&dp->bufs);
		memcpy(ring_buf(&dp->bufs, (uint16_t)bid), f.data, f.len);
		relay_frame(dp, p, (uint16_t)bid, 0, f.len,
			    (struct rx_tag){ .is_present = f.has_vlan, .tci = f.vlan_tci });
	}
}

/* Frames an AF_XDP socket hands over at a time. */
#define RX_XSK_BATCH 64u

/*
 * Take what the port's AF_XDP socket received, copied into buffers of our
 * own as drain_ring() does, so that the fan-out and egress are the ring's.
 * The XDP program saw the frame's bytes, tag included, so the tag is in the
 * frame (packet_parse() reads it) and none comes beside it.
 */
static void drain_xsk(struct dp *dp, struct ingress_port *p)
{
	struct xsk_port *x = p->xsk;

	xsk_port_set_starved(x, false);
	for (unsigned int budget = RX_DRAIN_BUDGET / RX_XSK_BATCH;; budget--) {
		unsigned int max = dp->bufs.n_free < RX_XSK_BATCH ? dp->bufs.n_free : RX_XSK_BATCH;
		unsigned int n;
		uint32_t idx;

		/* As drain_ring(): a pass ends after its budget, even under overload. */
		if (budget == 0) {
			if (xsk_port_has_frame(x))
				xsk_port_set_starved(x, true);
			return;
		}
		if (max == 0) {
			if (xsk_port_has_frame(x)) {
				p->st.buffer_exhaustion++;
				xsk_port_set_starved(x, true);
			}
			return;
		}
		n = xsk_port_peek(x, max, &idx);
		if (n == 0)
			return;
		for (unsigned int i = 0; i < n; i++) {
			uint32_t len;
			const uint8_t *data = xsk_port_frame(x, idx + i, &len);
			int bid;

			if (unlikely(len > dp->bufs.size)) {
				p->st.too_big++;
				continue;
			}
			bid = ring_buf_take(&dp->bufs);
			memcpy(ring_buf(&dp->bufs, (uint16_t)bid), data, len);
			relay_frame(dp, p, (uint16_t)bid, 0, len, (struct rx_tag){ 0 });
		}
		xsk_port_release(x, n);
	}
}

bool rx_has_pending(const struct dp *dp)
{
	if (dp->bufs.n_free == 0)
		return false;
	for (size_t i = 0; i < dp->ingress.n; i++) {
		const struct ingress_port *p = &dp->ingress.ports[i];

		if (!ingress_port_is_open(p))
			continue;
		if (p->has_ring_frames || (p->xsk && xsk_port_is_starved(p->xsk)))
			return true;
	}
	return false;
}

/* Ports whose ring or AF_XDP socket holds frames not yet taken: take them, a budget each. */
void rx_drain_pending(struct dp *dp)
{
	if (dp->bufs.n_free == 0)
		return;
	for (size_t i = 0; i < dp->ingress.n; i++) {
		struct ingress_port *p = &dp->ingress.ports[i];

		if (p->has_ring_frames && ingress_port_is_open(p))
			drain_ring(dp, p);
		if (p->xsk && xsk_port_is_starved(p->xsk) && ingress_port_is_open(p))
			drain_xsk(dp, p);
	}
}

void rx_xsk_done(struct dp *dp, size_t port, const struct io_uring_cqe *cqe)
{
	struct ingress_port *p = &dp->ingress.ports[port];

	if (!p->xsk)
		return;
	if (!(cqe->flags & IORING_CQE_F_MORE))
		xsk_port_set_armed(p->xsk, false);
	if (cqe->res < 0 && cqe->res != -ECANCELED)
		log_warn_errno(cqe->res, "input interface %s: AF_XDP poll failed, re-arming",
			       p->ifname);
	/* Taken at the next pass, as a ring's frames are (on_recv()). */
	if (cqe->res > 0)
		xsk_port_set_starved(p->xsk, true);
	if (p->is_closing && !ingress_port_is_armed(p))
		rx_close_idle_ports(dp);
}

/*
 * The tag in a multishot receive's PACKET_AUXDATA message.  Without one
 * the frame's VLAN is unknown: report a tag no rule can name (VID 4095),
 * so the frame is counted as vlan_dropped rather than taken for untagged.
 */
static struct rx_tag recvmsg_tag(struct io_uring_recvmsg_out *o, struct msghdr *msg)
{
	struct rx_tag unknown = { .is_present = true, .tci = PKT_VID_MASK };
	struct cmsghdr *c;

	if (unlikely(o->flags & MSG_CTRUNC))
		return unknown;
	for (c = io_uring_recvmsg_cmsg_firsthdr(o, msg); c;
	     c = io_uring_recvmsg_cmsg_nexthdr(o, msg, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		return (struct rx_tag){ .is_present = aux.tp_status & TP_STATUS_VLAN_VALID,
					.tci = aux.tp_vlan_tci };
	}
	return unknown;
}

/* A multishot receive's buffer bid, of res bytes: header, control message, frame. */
static void recvmsg_frame(struct dp *dp, struct ingress_port *p, uint16_t bid, int res)
{
	struct msghdr *msg = &dp->ingress.rx_msg;
	struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(ring_buf(&dp->bufs, bid), res,
								    msg);

	if (unlikely(!o)) {
		p->st.malformed++;
		ring_buf_recycle(&dp->bufs, bid);
		return;
	}
	/* A frame longer than the buffer's room was cut short. */
	if (unlikely(o->flags & MSG_TRUNC)) {
		p->st.too_big++;
		ring_buf_recycle(&dp->bufs, bid);
		return;
	}
	relay_frame(dp, p, bid, RX_MSG_HDR, io_uring_recvmsg_payload_length(o, res, msg),
		    recvmsg_tag(o, msg));
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
	if (dp->ingress.mode != INGRESS_MULTISHOT) {
		/*
		 * Taken at the top of the next pass (rx_drain_pending()), once
		 * per pass however many wake-ups came in: a completion queue
		 * full of them must not each drain a budget.
		 */
		p->has_ring_frames = true;
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_BUFFER))
		return;
	bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	dp->bufs.in_use++;
	recvmsg_frame(dp, p, bid, cqe->res);
}

/* A port that lost its rules closes once its last receive has ended. */
void rx_done(struct dp *dp, size_t port, const struct io_uring_cqe *cqe)
{
	const struct ingress_port *p = &dp->ingress.ports[port];

	on_recv(dp, port, cqe);
	if (p->is_closing && !ingress_port_is_armed(p))
		rx_close_idle_ports(dp);
}
