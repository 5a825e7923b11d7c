// SPDX-License-Identifier: MIT
/*
 * The unified worker loop.  One pass: fan out what waits in the back-log,
 * re-arm idle receives, give recycled buffers back to the kernel, submit
 * and wait, then dispatch the batch of completions by the kind of operation
 * user_data names.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "config/cfgwire.h"
#include "mcrd/supervisor/privs.h"
#include "mcrd/dataplane/worker.h"

/* How long SIGTERM waits for in-flight sends before giving up on them. */
#define STOP_GRACE_NS (2 * NSEC_PER_SEC)

static unsigned int next_pow2(unsigned int v)
{
	unsigned int p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/*
 * A worker answers only SIGTERM (an administrator stopping it); Ctrl-C,
 * SIGHUP and SIGUSR1 reach the whole process group but are the
 * supervisor's to act on.
 */
static int signals_init(struct worker *w)
{
	static const int ignored[] = { SIGINT, SIGHUP, SIGUSR1, SIGPIPE };
	sigset_t set;

	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
		(void)signal(ignored[i], SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		log_err_errno(errno, "sigprocmask");
		return -errno;
	}
	w->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (w->sig_fd < 0) {
		log_err_errno(errno, "signalfd");
		return -errno;
	}
	return 0;
}

/*
 * The ring or the buffer ring could not be locked in memory: say which
 * limit, how far to raise it, and the other ways out.  Every process of a
 * user counts against one RLIMIT_MEMLOCK, so all the workers count.
 */
static void log_memlock_advice(const char *what, size_t per_worker,
			       const struct worker_opts *opts)
{
	unsigned int n = opts->n_workers ? opts->n_workers : 1;
	struct rlimit rl;
	char limit[32] = "unlimited";

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		(void)snprintf(limit, sizeof(limit), "%llu KiB",
			       (unsigned long long)rl.rlim_cur >> 10);
	log_err("cannot %s: out of locked memory.  Each worker's io_uring locks %zu KiB, "
		"%u workers %zu KiB, and RLIMIT_MEMLOCK (%s) counts all processes of this user "
		"together: raise it to at least %zu KiB plus what this user's other processes "
		"lock (LimitMEMLOCK= in the systemd unit, ulimit -l, prlimit --memlock), start "
		"mcrd with CAP_IPC_LOCK, or lower --workers, --queue-depth or --buffers",
		what, per_worker >> 10, n, (per_worker * n) >> 10, limit,
		((per_worker * n) >> 10) + 1024);
}

/*
 * What the kernel counts as locked memory: the ring and the buffer ring.
 * Created while the worker still holds CAP_IPC_LOCK (as root), they are
 * not charged to RLIMIT_MEMLOCK at all; without it the limit applies.
 */
static int ring_setup(struct worker *w, const struct mcr_config *cfg, unsigned int cq,
		      const struct worker_opts *opts)
{
	bool is_own_pool = cfg->ingress == INGRESS_RING;
	size_t locked = ring_locked_bytes(cfg->queue_depth, cq, is_own_pool ? 0 : cfg->buffers);
	int ret;

	ret = ring_init(&w->ring, cfg->queue_depth, cq, &w->ring_flags);
	if (ret == -ENOMEM) {
		log_memlock_advice("create an io_uring", locked, opts);
		return ret;
	} else if (ret < 0) {
		log_err_errno(ret, "cannot create an io_uring of %u SQ / %u CQ entries (Linux 6.0 "
				   "or later with io_uring enabled is needed)",
			      cfg->queue_depth, cq);
		return ret;
	}
	/* With receive rings, the frames are copied into buffers of our own. */
	ret = ring_bufs_init(&w->bufs, &w->ring, cfg->buffers, RING_BUF_SIZE, is_own_pool);
	if (ret == -ENOMEM)
		log_memlock_advice("register the ingress buffer ring", locked, opts);
	else if (ret < 0)
		log_err_errno(ret, "cannot register %u ingress buffers (provided buffer rings "
				   "need Linux 5.19)",
			      cfg->buffers);
	if (ret < 0)
		io_uring_queue_exit(&w->ring);
	return ret;
}

int worker_init(struct worker *w, struct mcr_config *cfg, const struct worker_opts *opts)
{
	/* Every send slot and every buffer can post a completion at once. */
	unsigned int n_slots = 4 * cfg->queue_depth;
	unsigned int cq = next_pow2(n_slots + cfg->buffers + 64);
	unsigned int queue_depth = cfg->queue_depth, buffers = cfg->buffers;
	int ret;

	memset(w, 0, sizeof(*w));
	w->send_batch = cfg->send_batch;
	w->coalesce_us = cfg->coalesce_us;
	w->sig_fd = -1;
	w->chan_fd = opts->chan_fd;
	if (cq > 65536)
		cq = 65536;

	ret = signals_init(w);
	if (ret < 0)
		return ret;
	ret = ring_setup(w, cfg, cq, opts);
	if (ret < 0)
		goto out_signals;
	if (opts->privs && (ret = privs_drop(opts->privs)) < 0)
		goto out_bufs;
	ret = fwd_init(&w->fwd, n_slots, buffers);
	if (ret < 0)
		goto out_bufs;
	/* Fixed files spare the kernel an fd lookup and refcount per send. */
	ret = file_slots_init(&w->files, WORKER_MAX_FILES);
	if (ret == 0)
		ret = io_uring_register_files_sparse(&w->ring, WORKER_MAX_FILES);
	if (ret < 0) {
		log_err_errno(ret, "cannot create a table of %d io_uring files (raise "
				   "RLIMIT_NOFILE; sparse tables need Linux 5.19)",
			      WORKER_MAX_FILES);
		goto out_fwd;
	}
	ret = ingress_init(&w->ingress, opts->fanout_base, cfg->ingress);
	if (ret < 0)
		goto out_files;
	ret = worker_apply(w, cfg);
	if (ret < 0)
		goto out_ingress;
	log_debug("io_uring: %u SQ / %u CQ entries, flags %#x, %u buffers, %u send slots",
		  queue_depth, cq, w->ring_flags, buffers, n_slots);
	return 0;

out_ingress:
	ingress_exit(&w->ingress);
out_files:
	file_slots_exit(&w->files);
out_fwd:
	fwd_exit(&w->fwd);
out_bufs:
	ring_bufs_exit(&w->bufs, &w->ring);
	io_uring_queue_exit(&w->ring);
out_signals:
	(void)close(w->sig_fd);
	return ret;
}

void worker_exit(struct worker *w)
{
	worker_abort(w, w->pending);
	w->pending = NULL;
	worker_free_generations(w);
	ingress_exit(&w->ingress);
	file_slots_exit(&w->files);
	fwd_exit(&w->fwd);
	ring_bufs_exit(&w->bufs, &w->ring);
	io_uring_queue_exit(&w->ring);
	if (w->sig_fd >= 0)
		(void)close(w->sig_fd);
	chan_buf_free(&w->chan_in);
	json_decref(w->chan_req);
	free(w->chan_out);
	free(w->chan_queue);
}

void worker_fit_buffers(struct worker *w)
{
	const char *ifname;
	unsigned int mtu = ingress_max_mtu(&w->ingress, &ifname);
	unsigned int size = ring_bufs_size_for_mtu(mtu);

	if (mtu > RING_MAX_MTU)
		log_warn("input %s: MTU %u is above the %u mcrd receives: its longer frames are "
			 "counted as too_big, not relayed; lower the MTU to %u",
			 ifname, mtu, RING_MAX_MTU, RING_MAX_MTU);
	if (size == w->bufs.size)
		return;
	log_debug("receive buffers: %u bytes each, for an input MTU of %u", size, mtu);
	ring_bufs_resize(&w->bufs, size);
}

void worker_arm_recv(struct worker *w, size_t port)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&w->ring);

	if (!sqe)
		return;
	if (w->ingress.ports[port].rx.map) {
		/* The kernel wakes us once per block it closes. */
		io_uring_prep_poll_multishot(sqe, w->ingress.ports[port].file, POLLIN);
		sqe->flags |= IOSQE_FIXED_FILE;
	} else {
		io_uring_prep_recv_multishot(sqe, w->ingress.ports[port].file, NULL, 0, 0);
		sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
		sqe->buf_group = RING_BGID;
	}
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_RECV, port));
	w->ingress.ports[port].is_armed = true;
}

/*
 * Re-arm a receive that ended (for lack of buffers, usually) only once an
 * eighth of the pool is free again: re-arming on the first free buffer
 * would end it again at once and spin.
 */
static void arm_idle_recvs(struct worker *w)
{
	if (w->is_stopping || w->bufs.n - w->bufs.in_use < w->bufs.n / 8)
		return;
	for (size_t i = 0; i < w->ingress.n; i++) {
		const struct ingress_port *p = &w->ingress.ports[i];

		if (ingress_port_is_open(p) && !p->is_closing && !p->is_armed && p->file >= 0)
			worker_arm_recv(w, i);
	}
}

static void arm_signal_read(struct worker *w)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&w->ring);

	if (!sqe)
		return;
	io_uring_prep_read(sqe, w->sig_fd, &w->siginfo, sizeof(w->siginfo), 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_SIGNAL, 0));
}

static void arm_chan_read(struct worker *w)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&w->ring);

	if (!sqe)
		return;
	io_uring_prep_recv(sqe, w->chan_fd, w->chan_rx, sizeof(w->chan_rx), 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_CHAN_READ, 0));
}

/* {"<key>": <stats document>}, e.g. {"stats": {...}}; NULL on ENOMEM. */
static json_t *stats_message(struct worker *w, const char *key)
{
	json_t *doc;

	ingress_collect_drops(&w->ingress);
	doc = stats_to_json(w->gen->stats, now_ns());
	if (doc && json_object_set_new(doc, "inputs", ingress_stats_json(&w->ingress)) < 0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc ? json_pack("{s:o}", key, doc) : NULL;
}

/* Send what waits in chan_queue, unless a send is already in flight. */
static void chan_kick(struct worker *w)
{
	struct io_uring_sqe *sqe;

	if (w->chan_out || !w->chan_queue)
		return;
	sqe = ring_get_sqe(&w->ring);
	if (!sqe)
		return;
	/* The buffer in flight never moves: later replies queue behind it. */
	w->chan_out = w->chan_queue;
	w->chan_out_len = w->chan_queue_len;
	w->chan_out_off = 0;
	w->chan_queue = NULL;
	w->chan_queue_len = 0;
	io_uring_prep_send(sqe, w->chan_fd, w->chan_out, w->chan_out_len, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_CHAN_WRITE, 0));
}

static void send_reply(struct worker *w, const json_t *msg)
{
	size_t len;
	char *line = msg ? chan_format(msg, &len) : NULL;
	char *grown;

	if (!line)
		return;
	if (w->chan_queue_len + len > CHAN_MAX_LINE) {
		log_warn("worker: the supervisor does not read its channel, dropping a reply");
		free(line);
		return;
	}
	grown = realloc(w->chan_queue, w->chan_queue_len + len);
	if (!grown) {
		free(line);
		return;
	}
	memcpy(grown + w->chan_queue_len, line, len);
	w->chan_queue = grown;
	w->chan_queue_len += len;
	free(line);
	chan_kick(w);
}

static void cancel_recv(struct worker *w, size_t port)
{
	struct io_uring_sqe *sqe;

	if (!w->ingress.ports[port].is_armed || !(sqe = ring_get_sqe(&w->ring)))
		return;
	io_uring_prep_cancel64(sqe, OP_DATA(OP_RECV, port), 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_CANCEL, port));
}

static void begin_stop(struct worker *w, const char *why)
{
	if (w->is_stopping)
		return;
	log_info("%s: stopping, finishing in-flight sends", why);
	w->is_stopping = true;
	w->stop_deadline_ns = now_ns() + STOP_GRACE_NS;
	for (size_t i = 0; i < w->ingress.n; i++)
		cancel_recv(w, i);
}

static void on_signal(struct worker *w, int res)
{
	if (res != (int)sizeof(w->siginfo)) {
		log_warn("signalfd read returned %d, ignoring", res);
	} else {
		switch (w->siginfo.ssi_signo) {
		case SIGTERM:
			begin_stop(w, "SIGTERM");
			break;
		default:
			break;
		}
	}
	if (!w->is_stopping)
		arm_signal_read(w);
}

/* Count, parse, match and relay the frame of len bytes in buffer bid; takes the buffer. */
static void relay_frame(struct worker *w, struct ingress_port *p, uint16_t bid, size_t len)
{
	struct input_stats *is = &p->st;
	struct pkt_info info;
	int rule;

	if (unlikely(w->is_stopping || p->is_closing))
		goto out_recycle;
	is->frames++;
	is->bytes += len;
	switch (packet_parse(ring_buf(&w->bufs, bid), len, &info)) {
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
	rule = rule_table_lookup(w->gen->table, p->ifindex, info.daddr, info.dport, info.saddr);
	if (rule < 0) {
		is->unmatched++;
		goto out_recycle;
	}
	w->gen->stats->rules[rule].packets++;
	w->gen->stats->rules[rule].bytes += info.payload_len;
	fwd_packet(w, bid, &info, (uint32_t)rule);
	return;

out_recycle:
	ring_buf_recycle(&w->bufs, bid);
}

/*
 * Take every frame the port's receive ring holds, each copied into a buffer
 * of our own (a UDP output's send and a back-logged packet read it later,
 * while the ring's block must go back to the kernel).  Without a free
 * buffer the rest waits in the ring, counted once as buffer exhaustion, and
 * the next pass of the loop goes on from there.
 */
static void drain_ring(struct worker *w, struct ingress_port *p)
{
	struct rxring_frame f;

	p->is_ring_starved = false;
	for (;;) {
		int bid;

		if (w->bufs.n_free == 0) {
			if (rxring_has_frame(&p->rx)) {
				p->st.buffer_exhaustion++;
				p->is_ring_starved = true;
			}
			return;
		}
		if (!rxring_next(&p->rx, &f))
			return;
		if (unlikely(f.len > w->bufs.size)) {
			p->st.too_big++;
			continue;
		}
		bid = ring_buf_take(&w->bufs);
		memcpy(ring_buf(&w->bufs, (uint16_t)bid), f.data, f.len);
		relay_frame(w, p, (uint16_t)bid, f.len);
	}
}

/* Ports whose ring waited for buffers: go on once some are free again. */
static void drain_starved_rings(struct worker *w)
{
	if (w->bufs.n_free == 0)
		return;
	for (size_t i = 0; i < w->ingress.n; i++) {
		struct ingress_port *p = &w->ingress.ports[i];

		if (p->is_ring_starved && ingress_port_is_open(p))
			drain_ring(w, p);
	}
}

static void on_recv(struct worker *w, size_t port, const struct io_uring_cqe *cqe)
{
	struct ingress_port *p = &w->ingress.ports[port];
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
		drain_ring(w, p);
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_BUFFER))
		return;
	bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	w->bufs.in_use++;
	/* A frame that fills its buffer was cut short: only a byte to spare was left. */
	if (unlikely((unsigned int)cqe->res >= w->bufs.size)) {
		p->st.too_big++;
		ring_buf_recycle(&w->bufs, bid);
		return;
	}
	relay_frame(w, p, bid, (size_t)cqe->res);
}

/*
 * The configuration image a "prepare" carries, checked by the supervisor;
 * its interfaces are looked up here again (one may have gone or come back).
 */
static int decode_config(const char *data, size_t len, struct mcr_config *cfg,
			 struct config_error *err)
{
	int ret;

	if (!data) {
		(void)snprintf(err->msg, sizeof(err->msg), "no configuration in the request");
		return -EINVAL;
	}
	ret = cfgwire_decode(data, len, cfg, err);
	if (ret < 0 || cfg->n_rules == 0)
		return ret;	/* every rule removed: relay nothing, stay ready */
	ret = config_resolve_interfaces(cfg);
	if (ret < 0)
		(void)snprintf(err->msg, sizeof(err->msg), "cannot look interfaces up: %s",
			       strerror(-ret));
	return ret;
}

/*
 * Phase one of a change: build the new generation, keep it pending and
 * answer {"prepared": {"txn": N}} or {"prepared": {"txn": N, "error": "..."}}.
 * A pending one from an older transaction is dropped first.
 */
static json_t *prepare_request(struct worker *w, const json_t *req, const char *data,
			       size_t len)
{
	json_int_t txn = json_integer_value(json_object_get(req, "txn"));
	struct config_error err = { "" };
	struct mcr_config cfg;
	int ret;

	worker_abort(w, w->pending);
	w->pending = NULL;
	config_init(&cfg);
	ret = decode_config(data, len, &cfg, &err);
	if (ret == 0) {
		ret = worker_prepare(w, &cfg, &w->pending);
		if (ret < 0)
			(void)snprintf(err.msg, sizeof(err.msg), "cannot set up the new rules: %s",
				       strerror(-ret));
	}
	config_free(&cfg);
	if (ret < 0) {
		log_err("worker: new configuration refused: %s", err.msg);
		return json_pack("{s:{s:I, s:s}}", "prepared", "txn", txn, "error", err.msg);
	}
	w->pending_txn = (uint64_t)txn;
	return json_pack("{s:{s:I}}", "prepared", "txn", txn);
}

/* Phase two: the pending generation goes in force (or, at "abort", away). */
static json_t *commit_request(struct worker *w, const json_t *req, bool is_commit)
{
	json_int_t txn = json_integer_value(json_object_get(req, "txn"));
	struct generation *g = w->pending;
	int ret;

	if (!g || w->pending_txn != (uint64_t)txn)
		return is_commit ? json_pack("{s:{s:I, s:s}}", "committed", "txn", txn, "error",
					     "nothing prepared") :
				   NULL;
	w->pending = NULL;
	if (!is_commit) {
		worker_abort(w, g);
		return NULL;
	}
	ret = worker_commit(w, g);
	if (ret < 0)
		return json_pack("{s:{s:I, s:s}}", "committed", "txn", txn, "error",
				 strerror(-ret));
	for (size_t i = 0; i < w->ingress.n; i++)
		if (w->ingress.ports[i].is_closing)
			cancel_recv(w, i);
	worker_close_idle_ports(w);
	return json_pack("{s:{s:I, s:I}}", "committed", "txn", txn, "generation",
			 (json_int_t)w->gen->id);
}

static void on_chan_request(struct worker *w, const json_t *req, const char *data, size_t len)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *msg = NULL;

	if (!cmd)
		cmd = "";
	if (strcmp(cmd, "stats") == 0)
		msg = stats_message(w, "stats");
	else if (strcmp(cmd, "ping") == 0)
		msg = json_pack("{s:O}", "pong", json_object_get(req, "seq"));
	else if (strcmp(cmd, "stop") == 0)
		begin_stop(w, "stop requested");
	else if (strcmp(cmd, "log-level") == 0)
		log_set_level((int)json_integer_value(json_object_get(req, "level")));
	else if (strcmp(cmd, "prepare") == 0)
		msg = prepare_request(w, req, data, len);
	else if (strcmp(cmd, "commit") == 0 || strcmp(cmd, "abort") == 0)
		msg = commit_request(w, req, cmd[0] == 'c');
	else
		log_warn("worker: unknown request \"%s\" from the supervisor, ignoring", cmd);
	send_reply(w, msg);
	json_decref(msg);
}

/*
 * Handle the next whole request in chan_in; false when there is none yet.
 * A request with {"bytes": N} waits (in chan_req) for its N bytes of data.
 */
static bool take_request(struct worker *w)
{
	const char *data;
	json_t *req;
	int ret;

	if (!w->chan_req) {
		ret = chan_buf_next(&w->chan_in, &req);
		if (ret <= 0)
			return ret < 0;
		w->chan_req = req;
		w->chan_req_bytes = (size_t)json_integer_value(json_object_get(req, "bytes"));
	}
	data = chan_buf_peek(&w->chan_in, w->chan_req_bytes);
	if (!data)
		return false;
	on_chan_request(w, w->chan_req, w->chan_req_bytes ? data : NULL, w->chan_req_bytes);
	chan_buf_drop(&w->chan_in, w->chan_req_bytes);
	json_decref(w->chan_req);
	w->chan_req = NULL;
	return true;
}

static void on_chan_read(struct worker *w, int res)
{
	if (res <= 0) {
		/* The supervisor is gone: nobody would read our counters. */
		if (res != -ECANCELED)
			begin_stop(w, "supervisor channel closed");
		return;
	}
	if (chan_buf_append(&w->chan_in, w->chan_rx, (size_t)res) < 0) {
		begin_stop(w, "supervisor channel overflow");
		return;
	}
	while (take_request(w))
		;
	arm_chan_read(w);
}

static void on_chan_write(struct worker *w, int res)
{
	struct io_uring_sqe *sqe;

	if (res > 0)
		w->chan_out_off += (size_t)res;
	if (res > 0 && w->chan_out_off < w->chan_out_len && (sqe = ring_get_sqe(&w->ring))) {
		io_uring_prep_send(sqe, w->chan_fd, w->chan_out + w->chan_out_off,
				   w->chan_out_len - w->chan_out_off, MSG_NOSIGNAL);
		io_uring_sqe_set_data64(sqe, OP_DATA(OP_CHAN_WRITE, 0));
		return;
	}
	free(w->chan_out);
	w->chan_out = NULL;
	chan_kick(w);
}

/* A port that lost its rules closes once its last receive has ended. */
static void on_recv_done(struct worker *w, size_t port, const struct io_uring_cqe *cqe)
{
	const struct ingress_port *p = &w->ingress.ports[port];

	on_recv(w, port, cqe);
	if (p->is_closing && !p->is_armed)
		worker_close_idle_ports(w);
}

static void dispatch(struct worker *w, const struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	uint64_t idx = data & ((1ULL << OP_SHIFT) - 1);

	switch ((enum op_kind)(data >> OP_SHIFT)) {
	case OP_RECV:
		on_recv_done(w, (size_t)idx, cqe);
		break;
	case OP_SEND:
		fwd_send_done(w, (uint32_t)idx, cqe->res);
		break;
	case OP_SIGNAL:
		on_signal(w, cqe->res);
		break;
	case OP_CHAN_READ:
		on_chan_read(w, cqe->res);
		break;
	case OP_CHAN_WRITE:
		on_chan_write(w, cqe->res);
		break;
	case OP_RETRY_TIMER:
		fwd_retry_fire(w);
		break;
	case OP_KICK:
		fwd_kick_done(w, (struct txring *)(uintptr_t)idx, cqe->res);
		break;
	case OP_CANCEL:
	case OP_KIND_MAX:
		break;
	}
}

static bool is_done(const struct worker *w)
{
	if (!w->is_stopping)
		return false;
	if (now_ns() > w->stop_deadline_ns) {
		log_warn("%u sends still in flight after the grace period, abandoning them",
			 w->fwd.in_flight);
		return true;
	}
	for (size_t i = 0; i < w->ingress.n; i++)
		if (w->ingress.ports[i].is_armed)
			return false;
	return fwd_is_idle(&w->fwd) && !w->chan_out && !w->chan_queue;
}

static int wait_completions(struct worker *w)
{
	struct io_uring_cqe *cqe;
	int ret;

	w->fwd.queued = 0;
	if (!w->is_stopping && w->coalesce_us && ring_has_min_wait(&w->ring)) {
		ret = ring_submit_and_wait_min(&w->ring, w->send_batch, w->coalesce_us);
	} else if (!w->is_stopping) {
		ret = io_uring_submit_and_wait(&w->ring, 1);
	} else {
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 100 * NSEC_PER_MSEC };

		ret = io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
	}
	if (ret < 0 && ret != -EINTR && ret != -ETIME && ret != -EAGAIN && ret != -EBUSY)
		return ret;
	return 0;
}

/*
 * The ring is done with (is_done() waited for any reply in flight): write
 * the last counters synchronously so the supervisor's summary has them all.
 */
static int send_final_stats(struct worker *w)
{
	json_t *msg = stats_message(w, "final");
	int ret;

	if (!msg)
		return -ENOMEM;
	if (w->chan_out || w->chan_queue) {
		/* Still writing a reply after the grace period: do not interleave. */
		log_warn("worker: final statistics not sent, the channel is busy");
		json_decref(msg);
		return 0;
	}
	ret = chan_send_json(w->chan_fd, msg);
	json_decref(msg);
	if (ret < 0 && ret != -EPIPE)
		log_warn_errno(ret, "cannot send the final statistics to the supervisor");
	return 0;
}

int worker_run(struct worker *w, const struct worker_opts *opts)
{
	json_t *ready;
	int ret;

	for (size_t i = 0; i < w->ingress.n; i++)
		if (ingress_port_is_open(&w->ingress.ports[i]) && !w->ingress.ports[i].is_armed)
			worker_arm_recv(w, i);
	arm_signal_read(w);
	arm_chan_read(w);
	ret = io_uring_submit(&w->ring);
	if (ret < 0) {
		log_err_errno(ret, "io_uring_submit");
		return ret;
	}
	log_info("worker %u: relaying: %zu rules, %zu inputs, %zu outputs", opts->id,
		 w->gen->cfg.n_rules, w->ingress.n, w->gen->egress.n);
	ready = json_pack("{s:b}", "ready", 1);
	ret = ready ? chan_send_json(w->chan_fd, ready) : -ENOMEM;
	json_decref(ready);
	if (ret < 0) {
		log_err_errno(ret, "worker %u: cannot report to the supervisor", opts->id);
		return ret;
	}

	while (!is_done(w)) {
		struct io_uring_cqe *cqe;
		unsigned int head, count = 0;

		fwd_drain_backlog(w);
		drain_starved_rings(w);
		fwd_flush_kicks(w);
		arm_idle_recvs(w);
		ring_bufs_publish(&w->bufs);
		ret = wait_completions(w);
		if (ret < 0) {
			log_err_errno(ret, "io_uring_submit_and_wait");
			return ret;
		}
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			dispatch(w, cqe);
			count++;
		}
		io_uring_cq_advance(&w->ring, count);
	}
	return send_final_stats(w);
}
