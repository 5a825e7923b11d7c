// SPDX-License-Identifier: MIT
/*
 * The unified worker loop.  One pass: fan out what waits in the back-log,
 * re-arm idle receives, give recycled buffers back to the kernel, submit
 * and wait, then dispatch the batch of completions by the kind of operation
 * user_data names.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/worker.h"

/* How long SIGTERM waits for in-flight sends before giving up on them. */
#define STOP_GRACE_NS (2 * NSEC_PER_SEC)

static unsigned int next_pow2(unsigned int v)
{
	unsigned int p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static int register_files(struct worker *w)
{
	size_t n = w->ingress.n + w->egress.n;
	int *fds = malloc(n * sizeof(*fds));
	int ret;

	if (!fds)
		return -ENOMEM;
	for (size_t i = 0; i < w->ingress.n; i++)
		fds[i] = w->ingress.ports[i].fd;
	memcpy(fds + w->ingress.n, w->egress.fds, w->egress.n * sizeof(*fds));
	w->egress_file_base = (unsigned int)w->ingress.n;
	/* Fixed files spare the kernel an fd lookup and refcount per send. */
	ret = io_uring_register_files(&w->ring, fds, (unsigned int)n);
	free(fds);
	if (ret < 0)
		log_err_errno(ret, "cannot register %zu sockets with io_uring (raise RLIMIT_NOFILE?)",
			      n);
	return ret;
}

static int signals_init(struct worker *w)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
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

int worker_init(struct worker *w, const struct mcr_config *cfg, const struct rule_table *table,
		struct mcr_stats *stats)
{
	/* Every send slot and every buffer can post a completion at once. */
	unsigned int n_slots = 4 * cfg->queue_depth;
	unsigned int cq = next_pow2(n_slots + cfg->buffers + 64);
	int ret;

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->table = table;
	w->stats = stats;
	w->sig_fd = -1;
	if (cq > 65536)
		cq = 65536;

	ret = signals_init(w);
	if (ret < 0)
		return ret;
	ret = ring_init(&w->ring, cfg->queue_depth, cq, &w->ring_flags);
	if (ret < 0) {
		log_err_errno(ret, "cannot create an io_uring of %u entries (Linux 6.0 or later "
				   "with io_uring enabled is needed)",
			      cfg->queue_depth);
		goto out_signals;
	}
	ret = ring_bufs_init(&w->bufs, &w->ring, cfg->buffers, RING_BUF_SIZE);
	if (ret < 0) {
		log_err_errno(ret, "cannot register %u ingress buffers (provided buffer rings "
				   "need Linux 5.19)",
			      cfg->buffers);
		goto out_ring;
	}
	ret = fwd_init(&w->fwd, n_slots, cfg->buffers);
	if (ret < 0)
		goto out_bufs;
	ret = ingress_init(&w->ingress, cfg);
	if (ret < 0)
		goto out_fwd;
	for (size_t i = 0; i < w->ingress.n; i++)
		stats_set_input(stats, i, w->ingress.ports[i].ifname);
	ret = egress_init(&w->egress, cfg);
	if (ret < 0)
		goto out_ingress;
	ret = register_files(w);
	if (ret < 0)
		goto out_egress;
	log_debug("io_uring: %u SQ / %u CQ entries, flags %#x, %u buffers, %u send slots",
		  cfg->queue_depth, cq, w->ring_flags, cfg->buffers, n_slots);
	return 0;

out_egress:
	egress_exit(&w->egress);
out_ingress:
	ingress_exit(&w->ingress);
out_fwd:
	fwd_exit(&w->fwd);
out_bufs:
	ring_bufs_exit(&w->bufs, &w->ring);
out_ring:
	io_uring_queue_exit(&w->ring);
out_signals:
	(void)close(w->sig_fd);
	return ret;
}

void worker_exit(struct worker *w)
{
	egress_exit(&w->egress);
	ingress_exit(&w->ingress);
	fwd_exit(&w->fwd);
	ring_bufs_exit(&w->bufs, &w->ring);
	io_uring_queue_exit(&w->ring);
	if (w->sig_fd >= 0)
		(void)close(w->sig_fd);
}

static void arm_recv(struct worker *w, size_t port)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&w->ring);

	if (!sqe)
		return;
	io_uring_prep_recv_multishot(sqe, (int)port, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
	sqe->buf_group = RING_BGID;
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
	for (size_t i = 0; i < w->ingress.n; i++)
		if (!w->ingress.ports[i].is_armed)
			arm_recv(w, i);
}

static void arm_signal_read(struct worker *w)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&w->ring);

	if (!sqe)
		return;
	io_uring_prep_read(sqe, w->sig_fd, &w->siginfo, sizeof(w->siginfo), 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_SIGNAL, 0));
}

static void arm_stats_timer(struct worker *w)
{
	struct io_uring_sqe *sqe;
	uint64_t ms = w->cfg->stats_interval_ms;

	if (ms == 0 || !(sqe = ring_get_sqe(&w->ring)))
		return;
	w->stats_ts.tv_sec = (long long)(ms / 1000);
	w->stats_ts.tv_nsec = (long long)((ms % 1000) * NSEC_PER_MSEC);
	io_uring_prep_timeout(sqe, &w->stats_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, OP_DATA(OP_STATS_TIMER, 0));
}

static void print_json(struct worker *w, size_t flags)
{
	json_t *doc;

	ingress_collect_drops(&w->ingress, w->stats);
	doc = stats_to_json(w->stats, now_ns());
	if (!doc) {
		log_err("cannot build the statistics document: out of memory");
		return;
	}
	if (json_dumpf(doc, stdout, flags) < 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF)
		log_warn_errno(errno, "cannot write statistics to stdout, ignoring");
	json_decref(doc);
}

static void begin_stop(struct worker *w, const char *why)
{
	if (w->is_stopping)
		return;
	log_info("%s: stopping, finishing in-flight sends", why);
	w->is_stopping = true;
	w->stop_deadline_ns = now_ns() + STOP_GRACE_NS;
	for (size_t i = 0; i < w->ingress.n; i++) {
		struct io_uring_sqe *sqe;

		if (!w->ingress.ports[i].is_armed || !(sqe = ring_get_sqe(&w->ring)))
			continue;
		io_uring_prep_cancel64(sqe, OP_DATA(OP_RECV, i), 0);
		io_uring_sqe_set_data64(sqe, OP_DATA(OP_CANCEL, i));
	}
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
		case SIGINT:
			begin_stop(w, "SIGINT");
			break;
		case SIGUSR1:
			print_json(w, JSON_COMPACT | JSON_REAL_PRECISION(6));
			break;
		case SIGHUP:
			log_info("SIGHUP: configuration reload is not supported yet, ignoring");
			break;
		default:
			break;
		}
	}
	if (!w->is_stopping)
		arm_signal_read(w);
}

static void on_recv(struct worker *w, size_t port, const struct io_uring_cqe *cqe)
{
	struct ingress_port *p = &w->ingress.ports[port];
	struct input_stats *is = &w->stats->inputs[port];
	struct pkt_info info;
	uint16_t bid;
	int rule;

	if (!(cqe->flags & IORING_CQE_F_MORE))
		p->is_armed = false;
	if (cqe->res < 0) {
		if (cqe->res == -ENOBUFS)
			is->buffer_exhaustion++;
		else if (cqe->res != -ECANCELED)
			log_warn_errno(cqe->res, "%s: receive failed, re-arming", p->ifname);
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_BUFFER))
		return;
	bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	w->bufs.in_use++;
	if (unlikely(w->is_stopping))
		goto out_recycle;

	is->frames++;
	is->bytes += (uint64_t)cqe->res;
	switch (packet_parse(ring_buf(&w->bufs, bid), (size_t)cqe->res, &info)) {
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
	rule = rule_table_lookup(w->table, p->ifindex, info.daddr, info.dport, info.saddr);
	if (rule < 0) {
		is->unmatched++;
		goto out_recycle;
	}
	w->stats->rules[rule].packets++;
	w->stats->rules[rule].bytes += info.payload_len;
	fwd_packet(w, bid, &info, (uint32_t)rule);
	return;

out_recycle:
	ring_buf_recycle(&w->bufs, bid);
}

static void on_stats_timer(struct worker *w)
{
	ingress_collect_drops(&w->ingress, w->stats);
	stats_print_lines(w->stats, stderr, now_ns());
	if (!w->is_stopping)
		arm_stats_timer(w);
}

static void dispatch(struct worker *w, const struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	uint64_t idx = data & ((1ULL << OP_SHIFT) - 1);

	switch ((enum op_kind)(data >> OP_SHIFT)) {
	case OP_RECV:
		on_recv(w, (size_t)idx, cqe);
		break;
	case OP_SEND:
		fwd_send_done(w, (uint32_t)idx, cqe->res);
		break;
	case OP_SIGNAL:
		on_signal(w, cqe->res);
		break;
	case OP_STATS_TIMER:
		on_stats_timer(w);
		break;
	case OP_RETRY_TIMER:
		fwd_retry_fire(w);
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
	return fwd_is_idle(&w->fwd);
}

static int wait_completions(struct worker *w)
{
	struct io_uring_cqe *cqe;
	int ret;

	w->fwd.queued = 0;
	if (!w->is_stopping) {
		ret = io_uring_submit_and_wait(&w->ring, 1);
	} else {
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 100 * NSEC_PER_MSEC };

		ret = io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
	}
	if (ret < 0 && ret != -EINTR && ret != -ETIME && ret != -EAGAIN && ret != -EBUSY)
		return ret;
	return 0;
}

static void create_ready_file(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn_errno(errno, "cannot create the ready file %s, ignoring", path);
		return;
	}
	(void)close(fd);
}

int worker_run(struct worker *w, const struct worker_opts *opts)
{
	int ret;

	for (size_t i = 0; i < w->ingress.n; i++)
		arm_recv(w, i);
	arm_signal_read(w);
	arm_stats_timer(w);
	ret = io_uring_submit(&w->ring);
	if (ret < 0) {
		log_err_errno(ret, "io_uring_submit");
		return ret;
	}
	log_info("relaying: %zu rules, %zu inputs, %zu outputs", w->cfg->n_rules, w->ingress.n,
		 w->egress.n);
	create_ready_file(opts->ready_file);

	while (!is_done(w)) {
		struct io_uring_cqe *cqe;
		unsigned int head, count = 0;

		fwd_drain_backlog(w);
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
	print_json(w, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	return 0;
}
