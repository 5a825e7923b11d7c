// SPDX-License-Identifier: MIT
/*
 * Fan-out and egress completion handling: the hot path.  No allocation and
 * no logging above a rate-limited warning; failures are counted in stats.
 *
 * A packet's buffer carries a reference count equal to the number of sends
 * still to complete.  Sends take a slot from a fixed pool; when the pool is
 * empty the rest of the fan-out waits in the back-log, in arrival order, so
 * an output never sees packets reordered by back-pressure.
 *
 * An l2 output needs no slot: its frame (the output's header template,
 * patched, then the payload) is written straight into its interface's TX
 * ring, and the packet is done with for that output.  A ring is kicked
 * (one zero-length send, which sends every frame written) when send_batch
 * frames wait in it, and before the loop sleeps.  A full ring makes the
 * packet wait in the back-log like a lack of slots does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/util.h"
#include "mcrd/dataplane/dp.h"
#include "mcrd/dataplane/gen.h"

#define NO_SLOT UINT32_MAX

_Static_assert(sizeof(struct send_slot) == 256, "a send slot is four cache lines");

int fwd_init(struct fwd *f, uint32_t n_slots, uint32_t n_backlog)
{
	memset(f, 0, sizeof(*f));
	f->slots = aligned_alloc(_Alignof(struct send_slot), n_slots * sizeof(*f->slots));
	f->backlog = calloc(n_backlog, sizeof(*f->backlog));
	if (!f->slots || !f->backlog) {
		fwd_exit(f);
		return -ENOMEM;
	}
	memset(f->slots, 0, n_slots * sizeof(*f->slots));
	f->n_slots = n_slots;
	f->n_backlog = n_backlog;
	for (uint32_t i = 0; i < n_slots; i++) {
		f->slots[i].next_free = i + 1 < n_slots ? i + 1 : NO_SLOT;
		f->slots[i].msg.msg_iov = f->slots[i].iov;
	}
	f->free_head = 0;
	f->retry_head = NO_SLOT;
	return 0;
}

void fwd_exit(struct fwd *f)
{
	free(f->slots);
	free(f->backlog);
	memset(f, 0, sizeof(*f));
}

static uint32_t slot_get(struct fwd *f)
{
	uint32_t i = f->free_head;

	if (i != NO_SLOT) {
		f->free_head = f->slots[i].next_free;
		f->in_flight++;
	}
	return i;
}

static void slot_put(struct fwd *f, uint32_t i)
{
	f->slots[i].next_free = f->free_head;
	f->free_head = i;
	f->in_flight--;
}

static void buf_unref(struct dp *dp, uint16_t bid)
{
	if (--dp->bufs.refs[bid] == 0)
		ring_buf_recycle(&dp->bufs, bid);
}

/* Submit once a batch is queued, so the kernel starts sending early. */
static void note_queued(struct dp *dp)
{
	if (++dp->fwd.queued >= dp->send_batch) {
		(void)io_uring_submit(&dp->ring);
		dp->fwd.queued = 0;
	}
}

/* Append one control message of len bytes at offset at of s's buffer; returns the new end. */
static size_t cmsg_put(struct send_slot *s, size_t at, int type, const void *data, size_t len)
{
	struct cmsghdr h = { .cmsg_len = CMSG_LEN(len),
			     .cmsg_level = s->is_v6 ? IPPROTO_IPV6 : IPPROTO_IP,
			     .cmsg_type = type };

	memcpy(s->cmsg + at, &h, sizeof(h));
	memcpy(s->cmsg + at + CMSG_LEN(0), data, len);
	return at + CMSG_SPACE(len);
}

/*
 * What the socket cannot set for every packet alike: a TOS other than 0,
 * a TTL that follows the received one, the received source; on the
 * interface's shared no-DF socket also the output's own TTL and source.
 * Returns the control length, 0 when the socket's settings do.
 */
static size_t slot_cmsgs6(struct send_slot *s, const struct egress_out *eo)
{
	size_t n = 0;

	if (s->tos) {
		int v = s->tos;

		n = cmsg_put(s, n, IPV6_TCLASS, &v, sizeof(v));
	}
	if (eo->ttl_mode != TTL_SET) {
		int v = s->ttl;

		n = cmsg_put(s, n, IPV6_HOPLIMIT, &v, sizeof(v));
	}
	if (eo->is_keep_source) {
		struct in6_pktinfo pi = { .ipi6_addr = s->saddr6 };

		n = cmsg_put(s, n, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	return n;
}

static size_t slot_cmsgs(struct send_slot *s, const struct egress_out *eo, bool is_shared)
{
	size_t n = 0;

	/* IPv6 has no DF and so no shared socket; its source is bound. */
	if (s->is_v6)
		return slot_cmsgs6(s, eo);

	if (s->tos) {
		int v = s->tos;

		n = cmsg_put(s, n, IP_TOS, &v, sizeof(v));
	}
	if (is_shared || eo->ttl_mode != TTL_SET) {
		int v = s->ttl;

		n = cmsg_put(s, n, IP_TTL, &v, sizeof(v));
	}
	if (eo->is_keep_source || (is_shared && eo->source.s_addr)) {
		struct in_pktinfo pi = { .ipi_spec_dst.s_addr = eo->is_keep_source ?
									s->saddr_be :
									eo->source.s_addr };

		n = cmsg_put(s, n, IP_PKTINFO, &pi, sizeof(pi));
	}
	return n;
}

/*
 * Queue slot i's send.  A packet that came with DF goes through the output's
 * own socket (connected when the port is fixed), one without through its
 * interface's no-DF socket, addressed per packet.
 */
static bool slot_submit(struct dp *dp, uint32_t i)
{
	struct send_slot *s = &dp->fwd.slots[i];
	const struct egress *eg = &s->gen->egress;
	const struct egress_out *eo = &eg->outs[s->out];
	struct io_uring_sqe *sqe = ring_get_sqe(&dp->ring);
	bool is_connected = s->is_df && egress_is_connected(eg, s->out);
	unsigned int file = s->gen->file_base + (s->is_df ? eo->file : eo->file_nodf);
	uint8_t *data = ring_buf(&dp->bufs, s->bid) + s->off;
	size_t n_cmsg;

	if (!sqe)
		return false;
	n_cmsg = slot_cmsgs(s, eo, !s->is_df);
	if (is_connected && n_cmsg == 0) {
		io_uring_prep_send(sqe, (int)file, data, s->len, 0);
	} else {
		s->msg.msg_name = NULL;
		s->msg.msg_namelen = 0;
		if (!is_connected) {
			s->dst6 = eo->dst6;	/* the larger of the two */
			if (!egress_is_connected(eg, s->out))
				s->dst.sin_port = htons(s->dport);	/* sin6_port alike */
			s->msg.msg_name = &s->dst6;
			s->msg.msg_namelen = s->is_v6 ? sizeof(s->dst6) : sizeof(s->dst);
		}
		s->iov[0].iov_base = data;
		s->iov[0].iov_len = s->len;
		s->msg.msg_iovlen = 1;
		s->msg.msg_control = n_cmsg ? s->cmsg : NULL;
		s->msg.msg_controllen = n_cmsg;
		io_uring_prep_sendmsg(sqe, (int)file, &s->msg, 0);
	}
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_SEND, i));
	note_queued(dp);
	return true;
}

/* The output gets nothing of this packet: count it and drop our reference. */
static void send_abandon(struct dp *dp, struct generation *g, uint32_t out, uint16_t bid)
{
	g->stats->outputs[out].drops++;
	buf_unref(dp, bid);
	gen_put(dp, g);
}

/* Queue a ring's kick; it holds a reference on the ring until it completes. */
static void kick_queue(struct dp *dp, struct txring *tx)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&dp->ring);

	if (!sqe)
		return;
	/* No data: with a TX ring, a send means "send the ring's frames". */
	io_uring_prep_send(sqe, tx->fd, NULL, 0, 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_KICK, (uintptr_t)tx));
	tx->pending = 0;
	tx->refs++;
	dp->fwd.kicks_in_flight++;
}

static void mark_dirty(struct fwd *f, struct txring *tx)
{
	if (tx->is_dirty)
		return;
	tx->is_dirty = true;
	tx->refs++;
	tx->next_dirty = f->dirty;
	f->dirty = tx;
}

void fwd_flush_kicks(struct dp *dp)
{
	while (dp->fwd.dirty) {
		struct txring *tx = dp->fwd.dirty;

		dp->fwd.dirty = tx->next_dirty;
		tx->next_dirty = NULL;
		tx->is_dirty = false;
		if (tx->pending)
			kick_queue(dp, tx);
		egress_ring_put(tx);
	}
}

/* Kick tx and submit at once: the kick runs inline in the submit. */
static void kick_now(struct dp *dp, struct txring *tx)
{
	kick_queue(dp, tx);
	(void)io_uring_submit(&dp->ring);
	dp->fwd.queued = 0;
}

/* A free slot in tx, kicking it first when it is full of frames not yet sent. */
static uint8_t *tx_slot(struct dp *dp, struct txring *tx)
{
	uint8_t *f = txring_frame(tx);

	if (f || !tx->pending)
		return f;
	/* A veth releases its frames during the kick, so the slot is free after it. */
	kick_now(dp, tx);
	return txring_frame(tx);
}

static void arm_retry_timer(struct dp *dp, uint8_t attempts);

/* Write the packet's frame for l2 output out into its ring; false when full. */
static bool l2_send(struct dp *dp, struct pending_pkt *p, uint32_t out)
{
	struct egress_out *eo = &p->gen->egress.outs[out];
	struct output_stats *os = &p->gen->stats->outputs[out];
	struct txring *tx = eo->tx;
	uint8_t ttl = egress_ttl(eo, p->is_v6 ? p->frame6.hop_limit : p->frame.ttl);
	size_t hdr = p->is_v6 ? FRAME6_SEND_LEN : FRAME_SEND_LEN;
	uint8_t *f;

	if (unlikely(ttl == 0)) {
		os->ttl_expired++;
		goto out_done;
	}
	if (unlikely(p->len > eo->max_payload)) {
		/* Too big for the link: a UDP socket fragments one without DF, a frame cannot. */
		os->too_big++;
		os->drops++;
		goto out_done;
	}
	f = tx_slot(dp, tx);
	if (!f) {
		/* Sent but not yet released by the device: look again shortly. */
		arm_retry_timer(dp, 0);
		return false;
	}
	/* The rule's family is its outputs' (config_resolve() refuses a mix). */
	if (p->is_v6)
		frame6_build(f, &eo->tmpl6, &p->frame6, ttl);
	else
		frame_build(f, &eo->tmpl, &p->frame, eo->ip_id++, ttl);
	memcpy(f + hdr, ring_buf(&dp->bufs, p->bid) + p->off, p->len);
	os->packets++;
	os->bytes += p->len;
	if (txring_commit(tx, hdr + p->len, out))
		kick_now(dp, tx);
	else
		mark_dirty(&dp->fwd, tx);
out_done:
	buf_unref(dp, p->bid);
	gen_put(dp, p->gen);
	return true;
}

/* Queue a slot's send for udp output out; false when no slot is free. */
static bool udp_send(struct dp *dp, struct pending_pkt *p, uint32_t out)
{
	uint8_t ttl = egress_ttl(&p->gen->egress.outs[out],
				 p->is_v6 ? p->frame6.hop_limit : p->frame.ttl);
	struct send_slot *s;
	uint32_t i;

	if (unlikely(ttl == 0)) {
		p->gen->stats->outputs[out].ttl_expired++;
		buf_unref(dp, p->bid);
		gen_put(dp, p->gen);
		return true;
	}
	i = slot_get(&dp->fwd);
	if (i == NO_SLOT)
		return false;
	s = &dp->fwd.slots[i];
	s->out = out;
	s->bid = p->bid;
	s->off = p->off;
	s->len = p->len;
	s->ttl = ttl;
	s->is_v6 = p->is_v6;
	if (p->is_v6) {
		s->dport = p->frame6.dport;
		s->saddr6 = p->frame6.saddr;
		s->tos = (uint8_t)(ntohl(p->frame6.vtcfl) >> 20);	/* the traffic class */
		s->is_df = true;	/* no DF bit: the output's own socket, never fragmenting */
	} else {
		s->dport = p->frame.dport;
		s->saddr_be = p->frame.saddr_be;
		s->tos = p->frame.tos;
		s->is_df = p->frame.is_df;
	}
	s->attempts = 0;
	s->gen = p->gen;
	if (!slot_submit(dp, i)) {
		slot_put(&dp->fwd, i);
		send_abandon(dp, p->gen, s->out, p->bid);
	}
	return true;
}

/* Send to outputs [p->next_out, n) while slots and ring space last. */
static bool fan_out(struct dp *dp, struct pending_pkt *p)
{
	const struct mcr_rule *rule = &p->gen->cfg.rules[p->rule];
	size_t base = p->gen->stats->out_base[p->rule];

	while (p->next_out < rule->n_outputs) {
		uint32_t out = (uint32_t)(base + p->next_out);
		bool sent = p->gen->egress.outs[out].is_l2 ? l2_send(dp, p, out)
							   : udp_send(dp, p, out);

		if (!sent)
			return false;
		p->next_out++;
	}
	return true;
}

static void backlog_push(struct fwd *f, const struct pending_pkt *p)
{
	/* Never full: it holds at most one entry per receive buffer. */
	f->backlog[(f->backlog_head + f->backlog_len) % f->n_backlog] = *p;
	f->backlog_len++;
}

void fwd_packet(struct dp *dp, uint16_t bid, const struct pkt_info *info, uint32_t rule)
{
	struct pending_pkt p = {
		.rule = rule,
		.bid = bid,
		.off = info->payload_off,
		.len = info->payload_len,
	};

	const uint8_t *buf = ring_buf(&dp->bufs, bid);

	/* packet_parse() checked both headers: IP at ip_off, UDP right before the payload. */
	p.gen = dp->gen;
	p.is_v6 = addr_ip_is_v6(&p.gen->cfg.rules[rule].in_group);
	if (p.is_v6)
		frame6_pkt_init(&p.frame6, buf + info->ip_off, buf + info->payload_off - FRAME_UDP_LEN);
	else
		frame_pkt_init(&p.frame, buf + info->ip_off, buf + info->payload_off - FRAME_UDP_LEN);
	/* One reference per output, on the buffer and on the rules alike. */
	dp->bufs.refs[bid] = (uint16_t)p.gen->cfg.rules[rule].n_outputs;
	p.gen->refs += p.gen->cfg.rules[rule].n_outputs;
	if (dp->fwd.backlog_len || !fan_out(dp, &p))
		backlog_push(&dp->fwd, &p);
}

void fwd_drain_backlog(struct dp *dp)
{
	struct fwd *f = &dp->fwd;

	while (f->backlog_len) {
		if (!fan_out(dp, &f->backlog[f->backlog_head]))
			return;
		f->backlog_head = (f->backlog_head + 1) % f->n_backlog;
		f->backlog_len--;
	}
}

static void arm_retry_timer(struct dp *dp, uint8_t attempts)
{
	struct io_uring_sqe *sqe;
	uint64_t us = (uint64_t)FWD_RETRY_BASE_US << attempts;

	if (dp->fwd.is_retry_armed)
		return;
	sqe = ring_get_sqe(&dp->ring);
	if (!sqe)
		return;
	dp->fwd.retry_ts.tv_sec = 0;
	dp->fwd.retry_ts.tv_nsec = (long long)(us * 1000);
	io_uring_prep_timeout(sqe, &dp->fwd.retry_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_RETRY_TIMER, 0));
	dp->fwd.is_retry_armed = true;
}

/* At most one hot-path warning a second; the rest are only counted. */
static bool may_warn(struct fwd *f)
{
	uint64_t now = now_ns();

	if (now - f->warned_ns < NSEC_PER_SEC)
		return false;
	f->warned_ns = now;
	return true;
}

/*
 * 'rule "cam1" output 2 (eth1 239.2.2.2:6000)' for output @out (flat over
 * g's rules), so that a warning names the rule, the output and the
 * interface.  A scan over the rules: only the rate-limited warnings call it.
 */
static void describe_output(const struct generation *g, uint32_t out, char *buf, size_t len)
{
	char group[ADDR_IP_STR_MAX];

	for (size_t r = 0; r < g->cfg.n_rules; r++) {
		const struct mcr_rule *rule = &g->cfg.rules[r];
		size_t base = g->stats->out_base[r];
		const struct mcr_output *o;

		if (out < base || out >= base + rule->n_outputs)
			continue;
		o = &rule->outputs[out - base];
		(void)snprintf(buf, len, "rule \"%s\" output %zu (%s %s)", rule->name,
			       out - base + 1, o->ifname, addr_ip_fmt_port(&o->group, o->port, group));
		return;
	}
	(void)snprintf(buf, len, "output %u", out);
}

static void warn_send_error(struct dp *dp, const struct send_slot *s, int res)
{
	char what[MCR_NAME_MAX + IF_NAMESIZE + 64];

	if (!may_warn(&dp->fwd))
		return;
	describe_output(s->gen, s->out, what, sizeof(what));
	log_warn_errno(res, "%s: send failed, packet dropped (further errors this second are only "
		       "counted)", what);
}

void fwd_send_done(struct dp *dp, uint32_t i, int res)
{
	struct send_slot *s = &dp->fwd.slots[i];
	struct generation *g = s->gen;
	struct output_stats *os = &g->stats->outputs[s->out];

	if (likely(res >= 0)) {
		/* Payload bytes, as for udp: a frame's count includes our headers. */
		os->packets++;
		os->bytes += s->len;
	} else if (res == -EMSGSIZE) {
		/* Too big for the output's MTU, and not to be fragmented. */
		os->too_big++;
		os->drops++;
	} else if ((res == -EAGAIN || res == -ENOBUFS || res == -EINTR) &&
		   s->attempts < FWD_MAX_ATTEMPTS && !dp->is_stopping) {
		os->retries++;
		s->attempts++;
		s->next_free = dp->fwd.retry_head;
		dp->fwd.retry_head = i;
		dp->fwd.retry_count++;
		arm_retry_timer(dp, s->attempts);
		return;
	} else {
		os->send_errors++;
		os->drops++;
		warn_send_error(dp, s, res);
	}
	buf_unref(dp, s->bid);
	slot_put(&dp->fwd, i);
	gen_put(dp, g);
}

/* What a failed kick dropped: for the warning, the first frame's output. */
struct kick_drops {
	struct dp *dp;
	const struct txring *tx;	/* the ring that failed */
	uint32_t first_out;
	bool has_first;
};

/* A frame of tx's that will not be sent: take it off its output's count. */
static void l2_drop(uint32_t out, void *arg)
{
	struct kick_drops *kd = arg;
	struct dp *dp = kd->dp;
	const struct egress *eg = &dp->gen->egress;
	struct output_stats *os;

	/*
	 * Only the rules in force count it, and only while the frame's output
	 * index still names an output on this ring: when a rule went (its
	 * interface was deleted, so its ring fails), the index may now be
	 * another rule's output, on another ring.
	 */
	if (out >= eg->n || !eg->outs[out].is_l2 || eg->outs[out].tx != kd->tx)
		return;
	if (!kd->has_first) {
		kd->first_out = out;
		kd->has_first = true;
	}
	os = &dp->gen->stats->outputs[out];
	if (os->packets)
		os->packets--;
	os->send_errors++;
	os->drops++;
}

static void warn_kick_failed(struct dp *dp, const struct kick_drops *kd, unsigned int n, int res)
{
	char what[MCR_NAME_MAX + IF_NAMESIZE + 64];

	if (!may_warn(&dp->fwd))
		return;
	if (kd->has_first)
		describe_output(dp->gen, kd->first_out, what, sizeof(what));
	else
		(void)snprintf(what, sizeof(what), "an output of earlier rules");
	log_warn_errno(res, "%s: sending on the interface failed, %u frames of its ring dropped "
		       "(further failures this second are only counted)", what, n);
}

void fwd_kick_done(struct dp *dp, struct txring *tx, int res)
{
	dp->fwd.kicks_in_flight--;
	if (res == -ENOBUFS || res == -ENOMEM || res == -EINTR || res == -EAGAIN) {
		/* The frames wait in the ring: kick again after a pause. */
		tx->pending = tx->pending ? tx->pending : 1;
		mark_dirty(&dp->fwd, tx);
		arm_retry_timer(dp, 1);
	} else if (res < 0) {
		struct kick_drops kd = { .dp = dp, .tx = tx };
		unsigned int n = txring_discard(tx, l2_drop, &kd);

		if (n)
			warn_kick_failed(dp, &kd, n, res);
	}
	egress_ring_put(tx);
}

void fwd_retry_fire(struct dp *dp)
{
	uint32_t i = dp->fwd.retry_head;

	dp->fwd.is_retry_armed = false;
	dp->fwd.retry_head = NO_SLOT;
	dp->fwd.retry_count = 0;
	while (i != NO_SLOT) {
		struct send_slot *s = &dp->fwd.slots[i];
		uint32_t next = s->next_free;

		if (!slot_submit(dp, i)) {
			send_abandon(dp, s->gen, s->out, s->bid);
			slot_put(&dp->fwd, i);
		}
		i = next;
	}
}
