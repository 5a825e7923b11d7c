// SPDX-License-Identifier: MIT
/*
 * The unified worker loop.  One pass: fan out what waits in the back-log,
 * re-arm idle receives, give recycled buffers back to the kernel, submit
 * and wait, then dispatch the batch of completions by the kind of operation
 * user_data names.  The loop drives the data path (struct dp) and keeps
 * only what is the worker process's own: its signals, the channel to the
 * supervisor (requests, replies, the change transaction's pending
 * generation) and the stop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "config/cfgwire.h"
#include "mcrd/dataplane/apply.h"
#include "mcrd/dataplane/fwd.h"
#include "mcrd/dataplane/gen.h"
#include "mcrd/dataplane/rx.h"
#include "mcrd/dataplane/worker.h"

/* How long SIGTERM waits for in-flight sends before giving up on them. */
#define STOP_GRACE_NS (2 * NSEC_PER_SEC)

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

int worker_init(struct worker *w, struct mcr_config *cfg, const struct worker_opts *opts)
{
	const struct dp_opts dp_opts = {
		.privs = opts->privs,
		.n_workers = opts->n_workers,
		.fanout_base = opts->fanout_base,
	};
	int ret;

	memset(w, 0, sizeof(*w));
	w->coalesce_us = cfg->coalesce_us;
	w->sig_fd = -1;
	w->chan_fd = opts->chan_fd;
	w->keep_fd = opts->keep_fd;
	keep_init(&w->kept);

	ret = signals_init(w);
	if (ret < 0)
		goto out_adopt;
	ret = dp_init(&w->dp, cfg, &dp_opts);
	if (ret < 0)
		goto out_signals;
	w->dp.ingress.adopt = opts->adopt;
	ret = apply_config(&w->dp, cfg);
	w->dp.ingress.adopt = NULL;
	if (ret < 0)
		goto out_dp;
	/* Sockets of interfaces no rule uses any more: nobody reads them. */
	if (opts->adopt)
		keep_close(opts->adopt);
	return 0;

out_dp:
	dp_exit(&w->dp);
out_signals:
	(void)close(w->sig_fd);
out_adopt:
	if (opts->adopt)
		keep_close(opts->adopt);
	return ret;
}

void worker_exit(struct worker *w)
{
	apply_abort(&w->dp, w->pending);
	w->pending = NULL;
	dp_exit(&w->dp);
	if (w->sig_fd >= 0)
		(void)close(w->sig_fd);
	chan_buf_free(&w->chan_in);
	json_decref(w->chan_req);
	free(w->chan_out);
	free(w->chan_queue);
}

/*
 * Hand the supervisor our input sockets whenever the set changed, so that
 * they outlive us (keep.h).  A message the channel would not take now is
 * tried again on the next pass.
 */
static void keep_sync(struct worker *w)
{
	const struct ingress *in = &w->dp.ingress;
	struct keep_set now;
	bool is_same;
	int ret;

	if (w->keep_fd < 0)
		return;
	now.n = 0;
	for (size_t i = 0; i < in->n && now.n < KEEP_MAX; i++) {
		if (!ingress_port_is_open(&in->ports[i]))
			continue;
		now.ifindex[now.n] = in->ports[i].ifindex;
		now.fd[now.n++] = in->ports[i].fd;
	}
	is_same = now.n == w->kept.n;
	for (size_t i = 0; is_same && i < now.n; i++)
		is_same = now.fd[i] == w->kept.fd[i] && now.ifindex[i] == w->kept.ifindex[i];
	if (is_same)
		return;
	ret = keep_send(w->keep_fd, &now);
	if (ret == -EAGAIN)
		return;
	if (ret < 0) {
		log_warn_errno(ret, "worker: cannot hand the input sockets to the supervisor; a "
				    "restart will lose what arrives meanwhile, continuing");
		w->keep_fd = -1;
		return;
	}
	w->kept.n = now.n;
	memcpy(w->kept.ifindex, now.ifindex, now.n * sizeof(now.ifindex[0]));
	memcpy(w->kept.fd, now.fd, now.n * sizeof(now.fd[0]));
}

static void arm_signal_read(struct worker *w)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&w->dp.ring);

	if (!sqe)
		return;
	io_uring_prep_read(sqe, w->sig_fd, &w->siginfo, sizeof(w->siginfo), 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_SIGNAL, 0));
}

static void arm_chan_read(struct worker *w)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&w->dp.ring);

	if (!sqe)
		return;
	io_uring_prep_recv(sqe, w->chan_fd, w->chan_rx, sizeof(w->chan_rx), 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_CHAN_READ, 0));
}

/*
 * A counters report as it goes on the channel: the line
 * {"<key>": {"layout": L}, "bytes": N}, then N bytes: the report
 * (stats_wire_put()) and, when L > 0, the image of the rules it counts
 * (cfgwire.h), L bytes of it.  The image goes with the first report of each
 * generation, or when the supervisor asks (it lost track), so that a
 * report is plain counters at every other time.  NULL on ENOMEM.
 */
static char *counters_message(struct worker *w, const char *key, bool wants_layout,
			      size_t *ret_len)
{
	const struct generation *g = w->dp.gen;
	const struct ingress *in = &w->dp.ingress;
	size_t n_inputs = 0, report_len, layout_len = 0, line_len;
	char *layout = NULL, *line = NULL, *msg = NULL, *rec;
	json_t *head;

	if (wants_layout || !w->has_sent_layout || w->layout_gen != g->id)
		if (cfgwire_encode(&g->cfg, &layout, &layout_len) < 0)
			return NULL;
	ingress_collect_drops(&w->dp.ingress);
	for (size_t i = 0; i < in->n; i++)
		n_inputs += ingress_port_is_open(&in->ports[i]);
	report_len = stats_wire_size(g->stats, n_inputs);
	head = json_pack("{s:{s:I}, s:I}", key, "layout", (json_int_t)layout_len, "bytes",
			 (json_int_t)(report_len + layout_len));
	if (head)
		line = chan_format(head, &line_len);
	json_decref(head);
	if (line)
		msg = realloc(line, line_len + report_len + layout_len);
	if (!msg) {
		free(line);
		free(layout);
		return NULL;
	}
	rec = stats_wire_put(g->stats, g->id, n_inputs, msg + line_len);
	for (size_t i = 0; i < in->n; i++) {
		const struct ingress_port *p = &in->ports[i];
		struct stats_wire_input one = { .st = p->st };

		if (!ingress_port_is_open(p))
			continue;
		/* After the line the records are not aligned: copied, never pointed into. */
		(void)snprintf(one.ifname, sizeof(one.ifname), "%s", p->ifname);
		memcpy(rec, &one, sizeof(one));
		rec += sizeof(one);
	}
	if (layout_len) {
		memcpy(msg + line_len + report_len, layout, layout_len);
		w->layout_gen = g->id;
		w->has_sent_layout = true;
	}
	free(layout);
	*ret_len = line_len + report_len + layout_len;
	return msg;
}

/* Send what waits in chan_queue, unless a send is already in flight. */
static void chan_kick(struct worker *w)
{
	struct io_uring_sqe *sqe;

	if (w->chan_out || !w->chan_queue)
		return;
	sqe = ring_get_sqe(&w->dp.ring);
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

/* Queue len bytes (whole messages) behind what is being sent. */
static void send_bytes(struct worker *w, const char *data, size_t len)
{
	char *grown;

	if (w->chan_queue_len + len > CHAN_MAX_LINE) {
		log_warn("worker: the supervisor does not read its channel, dropping a reply");
		return;
	}
	grown = realloc(w->chan_queue, w->chan_queue_len + len);
	if (!grown)
		return;
	memcpy(grown + w->chan_queue_len, data, len);
	w->chan_queue = grown;
	w->chan_queue_len += len;
	chan_kick(w);
}

static void send_reply(struct worker *w, const json_t *msg)
{
	size_t len;
	char *line = msg ? chan_format(msg, &len) : NULL;

	if (!line)
		return;
	send_bytes(w, line, len);
	free(line);
}

static void send_counters(struct worker *w, bool wants_layout)
{
	size_t len;
	char *msg = counters_message(w, "stats", wants_layout, &len);

	if (!msg) {
		log_warn("worker: out of memory for a statistics report, skipping it");
		return;
	}
	send_bytes(w, msg, len);
	free(msg);
}

static void begin_stop(struct worker *w, const char *why)
{
	if (w->dp.is_stopping)
		return;
	log_info("%s: stopping, finishing in-flight sends", why);
	w->dp.is_stopping = true;
	w->stop_deadline_ns = now_ns() + STOP_GRACE_NS;
	for (size_t i = 0; i < w->dp.ingress.n; i++)
		rx_cancel(&w->dp, i);
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
	if (!w->dp.is_stopping)
		arm_signal_read(w);
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
	uint64_t t0 = now_ns();
	struct mcr_config cfg;
	json_int_t us;
	int ret;

	apply_abort(&w->dp, w->pending);
	w->pending = NULL;
	config_init(&cfg);
	ret = decode_config(data, len, &cfg, &err);
	if (ret == 0) {
		ret = apply_prepare(&w->dp, &cfg, &w->pending);
		if (ret < 0)
			(void)snprintf(err.msg, sizeof(err.msg), "cannot set up the new rules: %s",
				       strerror(-ret));
	}
	config_free(&cfg);
	/* How long the loop stood still for it: the supervisor logs it (debug). */
	us = (json_int_t)((now_ns() - t0) / 1000);
	if (ret < 0) {
		log_err("worker: new configuration refused: %s", err.msg);
		return json_pack("{s:{s:I, s:s, s:I}}", "prepared", "txn", txn, "error", err.msg,
				 "us", us);
	}
	w->pending_txn = (uint64_t)txn;
	return json_pack("{s:{s:I, s:I}}", "prepared", "txn", txn, "us", us);
}

/* Phase two: the pending generation goes in force (or, at "abort", away). */
static json_t *commit_request(struct worker *w, const json_t *req, bool is_commit)
{
	json_int_t txn = json_integer_value(json_object_get(req, "txn"));
	struct generation *g = w->pending;
	uint64_t t0 = now_ns();
	int ret;

	if (!g || w->pending_txn != (uint64_t)txn)
		return is_commit ? json_pack("{s:{s:I, s:s}}", "committed", "txn", txn, "error",
					     "nothing prepared") :
				   NULL;
	w->pending = NULL;
	if (!is_commit) {
		apply_abort(&w->dp, g);
		return NULL;
	}
	ret = apply_commit(&w->dp, g);
	if (ret < 0)
		return json_pack("{s:{s:I, s:s}}", "committed", "txn", txn, "error",
				 strerror(-ret));
	for (size_t i = 0; i < w->dp.ingress.n; i++)
		if (w->dp.ingress.ports[i].is_closing)
			rx_cancel(&w->dp, i);
	rx_close_idle_ports(&w->dp);
	return json_pack("{s:{s:I, s:I, s:I}}", "committed", "txn", txn, "generation",
			 (json_int_t)w->dp.gen->id, "us", (json_int_t)((now_ns() - t0) / 1000));
}

static void on_chan_request(struct worker *w, const json_t *req, const char *data, size_t len)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *msg = NULL;

	if (!cmd)
		cmd = "";
	if (strcmp(cmd, "stats") == 0)
		send_counters(w, json_is_true(json_object_get(req, "layout")));
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
	if (res > 0 && w->chan_out_off < w->chan_out_len && (sqe = ring_get_sqe(&w->dp.ring))) {
		io_uring_prep_send(sqe, w->chan_fd, w->chan_out + w->chan_out_off,
				   w->chan_out_len - w->chan_out_off, MSG_NOSIGNAL);
		io_uring_sqe_set_data64(sqe, OP_DATA(OP_CHAN_WRITE, 0));
		return;
	}
	free(w->chan_out);
	w->chan_out = NULL;
	chan_kick(w);
}

static void dispatch(struct worker *w, const struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	uint64_t idx = data & ((1ULL << OP_SHIFT) - 1);

	switch ((enum op_kind)(data >> OP_SHIFT)) {
	case OP_RECV:
		rx_done(&w->dp, (size_t)idx, cqe);
		break;
	case OP_XSK:
		rx_xsk_done(&w->dp, (size_t)idx, cqe);
		break;
	case OP_SEND:
		fwd_send_done(&w->dp, (uint32_t)idx, cqe->res);
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
		fwd_retry_fire(&w->dp);
		break;
	case OP_KICK:
		fwd_kick_done(&w->dp, (struct txring *)(uintptr_t)idx, cqe->res);
		break;
	case OP_CANCEL:
	case OP_KIND_MAX:
		break;
	}
}

static bool is_done(const struct worker *w)
{
	if (!w->dp.is_stopping)
		return false;
	if (now_ns() > w->stop_deadline_ns) {
		log_warn("%u sends still in flight after the grace period, abandoning them",
			 w->dp.fwd.in_flight);
		return true;
	}
	for (size_t i = 0; i < w->dp.ingress.n; i++)
		if (ingress_port_is_armed(&w->dp.ingress.ports[i]))
			return false;
	return fwd_is_idle(&w->dp.fwd) && !w->chan_out && !w->chan_queue;
}

static int wait_completions(struct worker *w)
{
	struct io_uring_cqe *cqe;
	int ret;

	w->dp.fwd.queued = 0;
	if (!w->dp.is_stopping && rx_has_pending(&w->dp)) {
		/*
		 * Frames wait for the next pass: collect what completed, do not
		 * sleep.  get_events, not a plain submit: under DEFER_TASKRUN
		 * completions (the channel's reads: the heartbeat) are only
		 * posted when we ask for events.
		 */
		ret = io_uring_submit_and_get_events(&w->dp.ring);
	} else if (!w->dp.is_stopping && w->coalesce_us && ring_has_min_wait(&w->dp.ring)) {
		ret = ring_submit_and_wait_min(&w->dp.ring, w->dp.send_batch, w->coalesce_us);
	} else if (!w->dp.is_stopping) {
		ret = io_uring_submit_and_wait(&w->dp.ring, 1);
	} else {
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 100 * NSEC_PER_MSEC };

		ret = io_uring_submit_and_wait_timeout(&w->dp.ring, &cqe, 1, &ts, NULL);
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
	size_t len;
	/* With the rules' image, whatever went before: the last word must be readable alone. */
	char *msg = counters_message(w, "final", true, &len);
	int ret;

	if (!msg)
		return -ENOMEM;
	if (w->chan_out || w->chan_queue) {
		/* Still writing a reply after the grace period: do not interleave. */
		log_warn("worker: final statistics not sent, the channel is busy");
		free(msg);
		return 0;
	}
	ret = chan_send_raw(w->chan_fd, msg, len);
	free(msg);
	if (ret < 0 && ret != -EPIPE)
		log_warn_errno(ret, "cannot send the final statistics to the supervisor");
	return 0;
}

int worker_run(struct worker *w, const struct worker_opts *opts)
{
	json_t *ready;
	int ret;

	for (size_t i = 0; i < w->dp.ingress.n; i++)
		if (ingress_port_is_open(&w->dp.ingress.ports[i]) && !w->dp.ingress.ports[i].is_armed)
			rx_arm(&w->dp, i);
	arm_signal_read(w);
	arm_chan_read(w);
	ret = io_uring_submit(&w->dp.ring);
	if (ret < 0) {
		log_err_errno(ret, "io_uring_submit");
		return ret;
	}
	keep_sync(w);
	log_info("worker %u: relaying: %zu rules, %zu inputs, %zu outputs", opts->id,
		 w->dp.gen->cfg.n_rules, w->dp.ingress.n, w->dp.gen->egress.n);
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

		fwd_drain_backlog(&w->dp);
		rx_drain_pending(&w->dp);
		fwd_flush_kicks(&w->dp);
		rx_arm_idle(&w->dp);
		ring_bufs_publish(&w->dp.bufs);
		ret = wait_completions(w);
		if (ret < 0) {
			log_err_errno(ret, "io_uring_submit_and_wait");
			return ret;
		}
		io_uring_for_each_cqe(&w->dp.ring, head, cqe) {
			dispatch(w, cqe);
			count++;
		}
		io_uring_cq_advance(&w->dp.ring, count);
		keep_sync(w);
	}
	return send_final_stats(w);
}
