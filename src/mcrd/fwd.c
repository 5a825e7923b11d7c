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
 * An l2 output's send is a sendmsg of two pieces on its interface's packet
 * socket: the slot's own header (built from the output's template when the
 * slot is taken, so a retry resends the same frame) and the payload,
 * still in the receive buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/worker.h"

#define NO_SLOT UINT32_MAX

_Static_assert(sizeof(struct send_slot) == 192, "a send slot is three cache lines");

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

static void buf_unref(struct worker *w, uint16_t bid)
{
	if (--w->bufs.refs[bid] == 0)
		ring_buf_recycle(&w->bufs, bid);
}

/* Submit once a batch is queued, so the kernel starts sending early. */
static void note_queued(struct worker *w)
{
	if (++w->fwd.queued >= w->send_batch) {
		(void)io_uring_submit(&w->ring);
		w->fwd.queued = 0;
	}
}

static bool slot_submit(struct worker *w, uint32_t i)
{
	struct send_slot *s = &w->fwd.slots[i];
	const struct egress *eg = &s->gen->egress;
	const struct egress_out *eo = &eg->outs[s->out];
	struct io_uring_sqe *sqe = ring_get_sqe(&w->ring);
	unsigned int file = s->gen->file_base + eo->file;
	uint8_t *data = ring_buf(&w->bufs, s->bid) + s->off;

	if (!sqe)
		return false;
	if (eo->is_l2) {
		/* The socket is bound to the interface: no address needed. */
		s->iov[0].iov_base = s->frame;
		s->iov[0].iov_len = FRAME_SEND_LEN;
		s->iov[1].iov_base = data;
		s->iov[1].iov_len = s->len;
		s->msg.msg_name = NULL;
		s->msg.msg_namelen = 0;
		s->msg.msg_iovlen = 2;
		io_uring_prep_sendmsg(sqe, (int)file, &s->msg, 0);
	} else if (egress_is_connected(eg, s->out)) {
		io_uring_prep_send(sqe, (int)file, data, s->len, 0);
	} else {
		s->dst = eo->dst;
		s->dst.sin_port = htons(s->dport);
		s->iov[0].iov_base = data;
		s->iov[0].iov_len = s->len;
		s->msg.msg_name = &s->dst;
		s->msg.msg_namelen = sizeof(s->dst);
		s->msg.msg_iovlen = 1;
		io_uring_prep_sendmsg(sqe, (int)file, &s->msg, 0);
	}
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_SEND, i));
	note_queued(w);
	return true;
}

/* The output gets nothing of this packet: count it and drop our reference. */
static void send_abandon(struct worker *w, struct generation *g, uint32_t out, uint16_t bid)
{
	g->stats->outputs[out].drops++;
	buf_unref(w, bid);
	worker_gen_put(w, g);
}

/* Queue sends for outputs [p->next_out, n) while slots last. */
static bool fan_out(struct worker *w, struct pending_pkt *p)
{
	const struct mcr_rule *rule = &p->gen->cfg.rules[p->rule];
	size_t base = p->gen->stats->out_base[p->rule];

	while (p->next_out < rule->n_outputs) {
		uint32_t i = slot_get(&w->fwd);
		struct egress_out *eo;
		struct send_slot *s;

		if (i == NO_SLOT)
			return false;
		s = &w->fwd.slots[i];
		s->out = (uint32_t)(base + p->next_out);
		s->bid = p->bid;
		s->off = p->off;
		s->len = p->len;
		s->dport = p->frame.dport;
		s->attempts = 0;
		s->gen = p->gen;
		eo = &p->gen->egress.outs[s->out];
		if (eo->is_l2)
			frame_build(s->frame, &eo->tmpl, &p->frame, eo->ip_id++);
		p->next_out++;
		if (!slot_submit(w, i)) {
			slot_put(&w->fwd, i);
			send_abandon(w, p->gen, s->out, p->bid);
		}
	}
	return true;
}

static void backlog_push(struct fwd *f, const struct pending_pkt *p)
{
	/* Never full: it holds at most one entry per receive buffer. */
	f->backlog[(f->backlog_head + f->backlog_len) % f->n_backlog] = *p;
	f->backlog_len++;
}

void fwd_packet(struct worker *w, uint16_t bid, const struct pkt_info *info, uint32_t rule)
{
	struct pending_pkt p = {
		.rule = rule,
		.bid = bid,
		.off = info->payload_off,
		.len = info->payload_len,
	};

	/* packet_parse() checked that the UDP header lies before the payload. */
	frame_pkt_init(&p.frame, ring_buf(&w->bufs, bid) + info->payload_off - FRAME_UDP_LEN,
		       info->saddr, info->daddr);
	/* One reference per output, on the buffer and on the rules alike. */
	p.gen = w->gen;
	w->bufs.refs[bid] = (uint16_t)p.gen->cfg.rules[rule].n_outputs;
	p.gen->refs += p.gen->cfg.rules[rule].n_outputs;
	if (w->fwd.backlog_len || !fan_out(w, &p))
		backlog_push(&w->fwd, &p);
}

void fwd_drain_backlog(struct worker *w)
{
	struct fwd *f = &w->fwd;

	while (f->backlog_len) {
		if (!fan_out(w, &f->backlog[f->backlog_head]))
			return;
		f->backlog_head = (f->backlog_head + 1) % f->n_backlog;
		f->backlog_len--;
	}
}

static void arm_retry_timer(struct worker *w, uint8_t attempts)
{
	struct io_uring_sqe *sqe;
	uint64_t us = (uint64_t)FWD_RETRY_BASE_US << attempts;

	if (w->is_retry_armed)
		return;
	sqe = ring_get_sqe(&w->ring);
	if (!sqe)
		return;
	w->retry_ts.tv_sec = 0;
	w->retry_ts.tv_nsec = (long long)(us * 1000);
	io_uring_prep_timeout(sqe, &w->retry_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_RETRY_TIMER, 0));
	w->is_retry_armed = true;
}

static void warn_send_error(struct worker *w, const struct send_slot *s, int res)
{
	uint64_t now = now_ns();

	if (now - w->fwd.warned_ns < NSEC_PER_SEC)
		return;
	w->fwd.warned_ns = now;
	log_warn_errno(res, "send on output %u failed (further errors this second are only counted)",
		       s->out);
}

void fwd_send_done(struct worker *w, uint32_t i, int res)
{
	struct send_slot *s = &w->fwd.slots[i];
	struct generation *g = s->gen;
	struct output_stats *os = &g->stats->outputs[s->out];

	if (likely(res >= 0)) {
		/* Payload bytes, as for udp: a frame's count includes our headers. */
		os->packets++;
		os->bytes += s->len;
	} else if ((res == -EAGAIN || res == -ENOBUFS || res == -EINTR) &&
		   s->attempts < FWD_MAX_ATTEMPTS && !w->is_stopping) {
		os->retries++;
		s->attempts++;
		s->next_free = w->fwd.retry_head;
		w->fwd.retry_head = i;
		w->fwd.retry_count++;
		arm_retry_timer(w, s->attempts);
		return;
	} else {
		os->send_errors++;
		os->drops++;
		warn_send_error(w, s, res);
	}
	buf_unref(w, s->bid);
	slot_put(&w->fwd, i);
	worker_gen_put(w, g);
}

void fwd_retry_fire(struct worker *w)
{
	uint32_t i = w->fwd.retry_head;

	w->is_retry_armed = false;
	w->fwd.retry_head = NO_SLOT;
	w->fwd.retry_count = 0;
	while (i != NO_SLOT) {
		struct send_slot *s = &w->fwd.slots[i];
		uint32_t next = s->next_free;

		if (!slot_submit(w, i)) {
			send_abandon(w, s->gen, s->out, s->bid);
			slot_put(&w->fwd, i);
		}
		i = next;
	}
}
