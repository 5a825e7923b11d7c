// SPDX-License-Identifier: MIT
/*
 * Supervisor: worker processes, their life cycle, and the sum of their
 * statistics.  One epoll loop waits on signals, the control socket, each
 * worker's pidfd and channel; nothing in it blocks.  Messages to a worker
 * queue up and go out as its channel takes them; its answers are handled
 * as they arrive: "ready", a heartbeat's "pong", a stats report, a change's
 * "prepared" and "committed" (change.c).  Only start-up (waiting for the
 * first "ready") and the final stop wait, bounded, for the workers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/safefile.h"
#include "common/util.h"
#include "mcrd/membership/follow.h"
#include "mcrd/supervisor/change.h"
#include "mcrd/supervisor/commands.h"
#include "mcrd/supervisor/service.h"
#include "mcrd/supervisor/supervisor.h"
#include "mcrd/supervisor/wchan.h"
#include "mcrd/dataplane/worker.h"

static const struct control_ops control_ops = { .handle = commands_handle };

static const char *const state_names[WORKER_STATE_MAX] = {
	[WORKER_RUNNING] = "running",
	[WORKER_BACKOFF] = "restarting",
	[WORKER_STOPPED] = "stopped",
};

/* Beside the tags of supervisor.h: the interface watch's netlink socket. */
#define TAG_NETLINK	2
#define TAG_INLOCK	4

static int pidfd_open_compat(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* The CPUs we may run on, in order; the workers are pinned round-robin. */
static unsigned int allowed_cpus(int *cpus, unsigned int max)
{
	cpu_set_t set;
	unsigned int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		cpus[0] = 0;
		return 1;
	}
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n ? n : 1;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		log_warn_errno(errno, "cannot pin to CPU %d, ignoring", cpu);
}

/*
 * Before the worker drops its privileges: SCHED_FIFO needs CAP_SYS_NICE.
 * Reset on fork, so that nothing a worker might start inherits it.
 */
static void set_worker_sched(unsigned int id, unsigned int rt_priority)
{
	struct sched_param sp = { .sched_priority = (int)rt_priority };

	if (rt_priority == 0)
		return;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
		log_warn_errno(errno, "worker %u: cannot run SCHED_FIFO at worker_rt_priority %u "
				      "(needs CAP_SYS_NICE), running with the normal policy",
			       id, rt_priority);
}

/* In the child: become a worker and never return. */
static void __attribute__((noreturn)) become_worker(struct supervisor *s, struct worker_slot *ws)
{
	struct worker_opts opts = {
		.privs = &s->opts.privs,
		.n_workers = s->n_workers,
		.chan_fd = ws->chan_fd,
		.fanout_base = s->fanout_id,
		.id = ws->id,
		.keep_fd = ws->keep_fd,
		.adopt = ws->held.n ? &ws->held : NULL,
	};
	struct worker w;
	sigset_t none;
	int ret;

	/* Die with the supervisor rather than relay unsupervised. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1)
		_exit(EXIT_FAILURE);
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *other = &s->workers[i];

		if (other == ws)
			continue;
		if (other->chan_fd >= 0)
			(void)close(other->chan_fd);
		if (other->keep_fd >= 0)
			(void)close(other->keep_fd);
		/* A sibling's sockets left open here would never be read. */
		keep_close(&other->held);
	}
	(void)close(s->sig_fd);
	(void)close(s->epoll_fd);
	if (s->has_control)
		control_forget(&s->ctl);
	if (s->has_ifwatch)
		ifwatch_exit(&s->ifw);
	inlocks_forget(&s->inl);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	pin_to_cpu(ws->cpu);
	set_worker_sched(ws->id, s->cfg->worker_rt_priority);
	/* It drops privileges itself, once its ring exists (locked memory). */
	ret = worker_init(&w, s->cfg, &opts);
	if (ret == 0) {
		ret = worker_run(&w, &opts);
		worker_exit(&w);
	} else {
		log_err_errno(ret, "worker %u: set-up failed", ws->id);
	}
	(void)fflush(NULL);
	_exit(ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int slot_spawn(struct supervisor *s, struct worker_slot *ws)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int sv[2], kv[2], err;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_err_errno(errno, "worker %u: socketpair", ws->id);
		return -errno;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, kv) < 0) {
		err = errno;
		log_err_errno(err, "worker %u: socketpair", ws->id);
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -err;
	}
	ws->chan_fd = sv[1];
	ws->keep_fd = kv[1];
	(void)fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = errno;
		log_err_errno(err, "worker %u: fork", ws->id);
		(void)close(sv[0]);
		(void)close(sv[1]);
		(void)close(kv[0]);
		(void)close(kv[1]);
		ws->chan_fd = ws->keep_fd = -1;
		return -err;
	}
	if (pid == 0) {
		(void)close(sv[1]);
		(void)close(kv[1]);
		ws->chan_fd = sv[0];
		ws->keep_fd = kv[0];
		become_worker(s, ws);
	}
	(void)close(sv[0]);
	(void)close(kv[0]);
	chan_buf_free(&ws->in);
	json_decref(ws->in_msg);
	ws->in_msg = NULL;
	ws->pid = pid;
	ws->started_ns = ws->heard_ns = now_ns();
	ws->ping_ns = 0;
	ws->state = WORKER_RUNNING;
	ws->is_ready = ws->is_stats_due = ws->is_killed = false;
	ws->txn = TXN_NONE;
	ws->cfg_version = s->cfg_version;
	ws->out_off = ws->out_len = 0;
	ws->is_out_watched = false;
	ev.data.u64 = TAG_CHAN + ws->id;
	if (fcntl(ws->chan_fd, F_SETFL, O_NONBLOCK) < 0 ||
	    epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, ws->chan_fd, &ev) < 0) {
		log_err_errno(errno, "worker %u: cannot watch its channel", ws->id);
		return -errno;
	}
	ev.data.u64 = TAG_KEEP + ws->id;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, ws->keep_fd, &ev) < 0) {
		log_err_errno(errno, "worker %u: cannot watch its socket hand-over", ws->id);
		return -errno;
	}
	ws->pidfd = pidfd_open_compat(pid);
	if (ws->pidfd < 0 && errno == ENOSYS) {
		/* Before Linux 5.3, or under valgrind: SIGCHLD tells of its death. */
		log_debug("worker %u: no pidfd_open, relying on SIGCHLD", ws->id);
		return 0;
	}
	if (ws->pidfd < 0) {
		log_err_errno(errno, "worker %u: pidfd_open", ws->id);
		return -errno;
	}
	ev.data.u64 = TAG_PIDFD + ws->id;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, ws->pidfd, &ev) < 0) {
		log_err_errno(errno, "worker %u: epoll_ctl", ws->id);
		return -errno;
	}
	log_debug("worker %u: pid %d on CPU %d", ws->id, (int)pid, ws->cpu);
	return 0;
}

uint64_t supervisor_setup_ms(const struct mcr_config *cfg, unsigned int base_ms)
{
	uint64_t ms = base_ms;

	for (size_t r = 0; r < cfg->n_rules; r++)
		ms += SETUP_MS_PER_OUTPUT * (uint64_t)cfg->rules[r].n_outputs;
	return ms;
}

static void slot_keep_stop(struct supervisor *s, struct worker_slot *ws)
{
	if (ws->keep_fd < 0)
		return;
	(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, ws->keep_fd, NULL);
	(void)close(ws->keep_fd);
	ws->keep_fd = -1;
}

/*
 * The worker's input sockets as it last reported them (keep.h) replace the
 * ones we held: those of its predecessor, or its own from before a change.
 */
static void slot_keep_read(struct supervisor *s, struct worker_slot *ws)
{
	struct keep_set *next = malloc(sizeof(*next));
	int ret;

	if (!next) {
		log_warn("worker %u: out of memory taking its input sockets, ignoring", ws->id);
		return;
	}
	while (ws->keep_fd >= 0 && (ret = keep_recv(ws->keep_fd, next)) != 0) {
		if (ret == -EBADMSG) {
			log_warn("worker %u: a malformed hand-over of its input sockets, ignoring",
				 ws->id);
			continue;
		}
		if (ret < 0) {
			/* Its end closed (it died), or the socket failed: nothing more comes. */
			if (ret != -ECONNRESET)
				log_warn_errno(ret, "worker %u: cannot take its input sockets; a "
						    "restart will lose what arrives meanwhile, "
						    "continuing", ws->id);
			slot_keep_stop(s, ws);
			break;
		}
		keep_close(&ws->held);
		memcpy(&ws->held, next, sizeof(*next));
	}
	free(next);
}

/* Fold a dead incarnation's last report into the totals. */
static void slot_bury(struct supervisor *s, struct worker_slot *ws)
{
	stats_bury(s, ws);
	json_decref(ws->in_msg);
	ws->in_msg = NULL;
	if (ws->pidfd >= 0) {
		(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, ws->pidfd, NULL);
		(void)close(ws->pidfd);
		ws->pidfd = -1;
	}
	if (ws->chan_fd >= 0) {
		(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, ws->chan_fd, NULL);
		(void)close(ws->chan_fd);
		ws->chan_fd = -1;
	}
	slot_keep_stop(s, ws);
	free(ws->out);
	ws->out = NULL;
	ws->out_off = ws->out_len = 0;
	ws->is_out_watched = false;
	ws->is_stats_due = false;
	ws->is_ready = false;
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		(void)snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			       strsignal(WTERMSIG(status)));
	else
		(void)snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

static void slot_reap(struct supervisor *s, struct worker_slot *ws)
{
	uint64_t now = now_ns(), delay_ms = 0;
	char how[96];
	int status = 0;

	if (waitpid(ws->pid, &status, WNOHANG) <= 0)
		return;
	change_on_worker_gone(s, ws);
	slot_keep_read(s, ws);
	slot_bury(s, ws);
	describe_exit(status, how, sizeof(how));
	if (s->is_stopping) {
		keep_close(&ws->held);
		ws->state = WORKER_STOPPED;
		return;
	}
	/* A crash loop must not become a fork loop: back off exponentially. */
	if (now - ws->started_ns >= WORKER_STABLE_NS)
		ws->crash_streak = 0;
	if (ws->crash_streak > 0) {
		delay_ms = 100ULL << (ws->crash_streak - 1 < 7 ? ws->crash_streak - 1 : 7);
		if (delay_ms > WORKER_BACKOFF_MAX_MS)
			delay_ms = WORKER_BACKOFF_MAX_MS;
	}
	ws->crash_streak++;
	/*
	 * Its successor takes over its input sockets only when it starts at
	 * once: during a back-off they would hold their share of the flows
	 * from the other workers, and one we killed for being frozen has a
	 * ring full of stale frames.
	 */
	if (delay_ms > 0 || ws->is_killed)
		keep_close(&ws->held);
	ws->restart_at_ns = now + delay_ms * NSEC_PER_MSEC;
	ws->state = WORKER_BACKOFF;
	log_warn("worker %u (pid %d) %s; restarting in %" PRIu64 " ms", ws->id, (int)ws->pid,
		 how, delay_ms);
}

static void slot_restart_due(struct supervisor *s)
{
	uint64_t now = now_ns();

	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];

		if (ws->state != WORKER_BACKOFF || now < ws->restart_at_ns)
			continue;
		ws->restarts++;
		if (slot_spawn(s, ws) < 0) {
			keep_close(&ws->held);
			ws->state = WORKER_BACKOFF;
			ws->restart_at_ns = now + WORKER_BACKOFF_MAX_MS * NSEC_PER_MSEC;
			continue;
		}
		log_info("worker %u restarted as pid %d (restart #%u)", ws->id, (int)ws->pid,
			 ws->restarts);
	}
}

/* "running" only for a worker that is set up and answers its heartbeat. */
static const char *slot_state_name(const struct worker_slot *ws, uint64_t now)
{
	if (ws->state != WORKER_RUNNING)
		return state_names[ws->state];
	if (ws->is_killed)
		return "restarting";
	if (!ws->is_ready)
		return "starting";
	if (ws->ping_ns && now - ws->ping_ns > HEARTBEAT_INTERVAL_MS * NSEC_PER_MSEC)
		return "unresponsive";
	return state_names[ws->state];
}

json_t *supervisor_workers_json(const struct supervisor *s)
{
	json_t *arr = json_array();
	uint64_t now = now_ns();

	for (unsigned int i = 0; arr && i < s->n_workers; i++) {
		const struct worker_slot *ws = &s->workers[i];

		(void)json_array_append_new(
			arr, json_pack("{s:i, s:i, s:i, s:i, s:s}", "id", (int)ws->id, "cpu",
				       ws->cpu, "pid", (int)ws->pid, "restarts", (int)ws->restarts,
				       "state", slot_state_name(ws, now)));
	}
	return arr;
}

/*
 * At the stop: ask every running worker for its final counters and wait
 * for them, bounded; a worker that does not answer counts with its
 * previous report.
 */
static json_t *collect_final(struct supervisor *s, unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * NSEC_PER_MSEC;

	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i].state == WORKER_RUNNING)
			wchan_request(s, &s->workers[i], "stop");
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];
		json_t *doc;

		if (ws->state != WORKER_RUNNING || ws->is_killed)
			continue;
		/* A worker that already missed its heartbeat is not waited for. */
		if (ws->ping_ns && now_ns() - ws->ping_ns > HEARTBEAT_INTERVAL_MS * NSEC_PER_MSEC) {
			supervisor_kill_worker(s, ws, "does not answer at the stop");
			continue;
		}
		/* What the channel would not take at once goes now, or never. */
		if (ws->out_off < ws->out_len) {
			struct pollfd pfd = { .fd = ws->chan_fd, .events = POLLOUT };
			uint64_t now = now_ns();

			if (now < deadline &&
			    poll(&pfd, 1, (int)((deadline - now) / NSEC_PER_MSEC) + 1) > 0)
				wchan_flush(s, ws);
		}
		doc = wchan_await(s, ws, "final", deadline);
		json_decref(doc);
	}
	return stats_doc(s);
}

static void print_json(const json_t *doc, size_t flags);

void supervisor_broadcast_log_level(struct supervisor *s, int level)
{
	json_t *req = json_pack("{s:s, s:i}", "cmd", "log-level", "level", level);

	for (unsigned int i = 0; req && i < s->n_workers; i++)
		supervisor_send(s, &s->workers[i], req);
	json_decref(req);
}

static void print_json(const json_t *doc, size_t flags)
{
	if (!doc || json_dumpf(doc, stdout, flags | JSON_REAL_PRECISION(6)) < 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
		log_warn("cannot write statistics to stdout, ignoring");
}

/* One line per rule a reload added, changed or removed. */
static void log_reload(const struct config_diff *d, size_t n_rules)
{
	for (size_t i = 0; i < d->added.n; i++)
		log_info("reload: rule \"%s\" added", d->added.names[i]);
	for (size_t i = 0; i < d->changed.n; i++)
		log_info("reload: rule \"%s\" changed", d->changed.names[i]);
	for (size_t i = 0; i < d->removed.n; i++)
		log_info("reload: rule \"%s\" removed (not in the configuration any more)",
			 d->removed.names[i]);
	for (size_t i = 0; i < d->settings.n; i++)
		log_info("reload: setting %s changed", d->settings.names[i]);
	log_info("reload: %zu rules in force (%zu added, %zu changed, %zu removed, %zu unchanged)",
		 n_rules, d->added.n, d->changed.n, d->removed.n, d->n_unchanged);
}

/* A reload under way: what it changes, and whom to tell when it is over. */
struct reload_txn {
	struct config_diff diff;
	supervisor_change_fn done;
	void *ctx;
};

/* The change is over: log what it changed (once committed), then tell the caller. */
static void reload_over(struct supervisor *s, void *ctx, int ret, const char *why)
{
	struct reload_txn *r = ctx;

	if (ret == 0)
		log_reload(&r->diff, s->cfg->n_rules);
	service_reloaded(s);
	r->done(s, r->ctx, ret, why);
	config_diff_free(&r->diff);
	free(r);
}

int supervisor_reload(struct supervisor *s, supervisor_change_fn done, void *ctx,
		      const struct config_diff **ret_diff, struct config_error *err)
{
	struct reload_txn *r;
	struct mcr_config next;
	int ret;

	if (!s->opts.load) {
		(void)snprintf(err->msg, sizeof(err->msg),
			       "mcrd was started with --rule and no --config: nothing to re-read");
		log_warn("reload: %s", err->msg);
		return -ENOENT;
	}
	config_init(&next);
	ret = s->opts.load(s->opts.load_ctx, &next, err);
	if (ret < 0) {
		log_err("reload: %s; keeping the running rules", err->msg);
		config_free(&next);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || config_diff(s->cfg, &next, &r->diff) < 0) {
		(void)snprintf(err->msg, sizeof(err->msg), "out of memory");
		log_err("reload: %s; keeping the running rules", err->msg);
		free(r);
		config_free(&next);
		return -ENOMEM;
	}
	r->done = done;
	r->ctx = ctx;
	service_reloading();
	ret = supervisor_change(s, &next, reload_over, r, err);
	if (ret < 0) {
		service_reloaded(s);
		log_err("reload: %s; keeping the running rules", err->msg);
		config_diff_free(&r->diff);
		free(r);
		return ret;
	}
	if (ret_diff)
		*ret_diff = &r->diff;
	return 0;
}

static void reload_logged(struct supervisor *s, void *ctx, int ret, const char *why)
{
	(void)s;
	(void)ctx;
	if (ret < 0)
		log_err("reload: %s; keeping the running rules", why);
}

static void reload_by_signal(struct supervisor *s)
{
	struct config_error err;

	/* One change at a time: a SIGHUP during one re-reads after it. */
	if (s->change.is_active) {
		s->is_reload_due = true;
		return;
	}
	s->is_reload_due = false;
	(void)supervisor_reload(s, reload_logged, NULL, NULL, &err);
}

static void on_signal(struct supervisor *s)
{
	struct signalfd_siginfo si;

	if (read(s->sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping the workers", strsignal((int)si.ssi_signo));
		s->is_stopping = true;
		break;
	case SIGUSR1:
		s->stats.wants_stdout = true;
		stats_round_start(s);
		break;
	case SIGHUP:
		reload_by_signal(s);
		break;
	case SIGCHLD:
		/* Workers without a pidfd; for the others the pidfd got there first. */
		for (unsigned int i = 0; i < s->n_workers; i++)
			if (s->workers[i].state == WORKER_RUNNING)
				slot_reap(s, &s->workers[i]);
		break;
	default:
		break;
	}
}

static int signals_init(struct supervisor *s)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	(void)signal(SIGPIPE, SIG_IGN);
	s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sig_fd < 0 ? -errno : 0;
}

static int wait_ready(struct supervisor *s)
{
	uint64_t deadline = now_ns() + supervisor_setup_ms(s->cfg, WORKER_READY_TIMEOUT_MS) * NSEC_PER_MSEC;

	for (unsigned int i = 0; i < s->n_workers; i++) {
		json_t *ready = wchan_await(s, &s->workers[i], "ready", deadline);

		if (!ready) {
			log_err("worker %u did not start; see the messages above", i);
			return -EIO;
		}
		s->workers[i].is_ready = true;
		s->workers[i].heard_ns = now_ns();
		json_decref(ready);
	}
	return 0;
}

/* Never through a link: the ready file often lives in a shared directory. */
static void create_ready_file(const char *path)
{
	int ret;

	if (!path)
		return;
	ret = safefile_touch(path, 0644);
	if (ret == -ELOOP)
		log_warn("the ready file %s is a symbolic link; not following it, ignoring", path);
	else if (ret < 0)
		log_warn_errno(ret, "cannot create the ready file %s, ignoring", path);
}

static int next_timeout_ms(const struct supervisor *s)
{
	uint64_t now = now_ns(), next = stats_next_ns(s);

	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i].state == WORKER_BACKOFF && s->workers[i].restart_at_ns < next)
			next = s->workers[i].restart_at_ns;
	if (change_deadline(s) < next)
		next = change_deadline(s);
	int ms = next <= now ? 0 : (int)((next - now) / NSEC_PER_MSEC) + 1;

	/* The heartbeat looks a few times per interval. */
	if (ms > HEARTBEAT_INTERVAL_MS / 4)
		ms = HEARTBEAT_INTERVAL_MS / 4;
	if (s->has_control) {
		int c = control_next_timeout_ms(&s->ctl);

		if (c >= 0 && c < ms)
			ms = c;
	}
	{
		int c = service_timeout_ms(s, now);

		if (c >= 0 && c < ms)
			ms = c;
	}
	/* During a change, its end wakes the loop: a due re-resolve waits for it. */
	if (s->has_ifwatch && !s->change.is_active) {
		int c = ifwatch_timeout_ms(&s->ifw, now);

		if (c >= 0 && c < ms)
			ms = c;
	}
	{
		int c = follow_timeout_ms(s);

		if (c >= 0 && c < ms)
			ms = c;
	}
	return ms;
}

/* A re-resolve after interfaces changed is over: a refused one is tried again. */
static void interfaces_followed(struct supervisor *s, void *ctx, int ret, const char *why)
{
	(void)ctx;
	if (ret == 0)
		ifwatch_pushed(&s->ifw);
	else
		log_warn("interfaces changed, but %s; retrying in %u ms", why,
			 ifwatch_retry(&s->ifw, now_ns()));
}

/*
 * Interfaces the rules name changed: a change with the rules' interfaces
 * looked up again.  One change at a time: while another runs, this waits.
 */
static void follow_interfaces(struct supervisor *s)
{
	struct config_error err = { "" };
	uint64_t now = now_ns();
	struct mcr_config next;

	if (!s->has_ifwatch || !ifwatch_is_due(&s->ifw, now) || s->change.is_active)
		return;
	if (change_config_dup(&next, s->cfg) < 0) {
		log_warn("interfaces changed, but out of memory; retrying in %u ms",
			 ifwatch_retry(&s->ifw, now));
		return;
	}
	if (!ifwatch_resolve(&s->ifw, &next, now)) {
		config_free(&next);
		return;
	}
	if (supervisor_change(s, &next, interfaces_followed, NULL, &err) < 0) {
		log_warn("interfaces changed, but %s; retrying in %u ms", err.msg,
			 ifwatch_retry(&s->ifw, now));
	}
}

static void on_event(struct supervisor *s, const struct epoll_event *ev)
{
	uint64_t tag = ev->data.u64;

	if (tag == TAG_SIGNAL)
		on_signal(s);
	else if (tag == TAG_CONTROL)
		(void)control_dispatch(&s->ctl);
	else if (tag == TAG_METRICS)
		service_on_metrics(s);
	else if (tag == TAG_INLOCK)
		inlocks_dispatch(&s->inl);
	else if (tag == TAG_NETLINK)
		ifwatch_read(&s->ifw, s->cfg, s->change.is_active ? &s->change.next : NULL);
	else if (TAG_KIND(tag) == TAG_PIDFD)
		slot_reap(s, &s->workers[tag - TAG_PIDFD]);
	else if (TAG_KIND(tag) == TAG_CHAN)
		wchan_on_event(s, &s->workers[tag - TAG_CHAN], ev->events);
	else if (TAG_KIND(tag) == TAG_KEEP)
		slot_keep_read(s, &s->workers[tag - TAG_KEEP]);
	else if (follow_is_tag(tag))
		follow_on_event(s, tag);
}

static void event_loop(struct supervisor *s)
{
	while (!s->is_stopping) {
		struct epoll_event evs[16];
		int n = epoll_wait(s->epoll_fd, evs, ARRAY_SIZE(evs), next_timeout_ms(s));

		if (n < 0 && errno != EINTR) {
			log_err_errno(errno, "epoll_wait");
			return;
		}
		for (int i = 0; i < n; i++)
			on_event(s, &evs[i]);
		/* Idle clients expire on time, whether or not anything arrived. */
		if (s->has_control && control_next_timeout_ms(&s->ctl) == 0)
			(void)control_dispatch(&s->ctl);
		/* A change times out before its silent worker is replaced: it is refused. */
		change_tick(s);
		inlocks_sync(&s->inl, s->cfg, s->cfg_version);
		wchan_heartbeat(s);
		stats_round_tick(s);
		if (s->is_reload_due && !s->change.is_active)
			reload_by_signal(s);
		slot_restart_due(s);
		follow_interfaces(s);
		follow_tick(s);
		stats_poll(s);
		service_tick(s, now_ns());
	}
	change_cancel(s);
	s->stats.deadline_ns = 0;
	stats_round_tick(s);
}

/* Reap ws within ms milliseconds; false if it is still running then. */
static bool slot_wait_exit(const struct worker_slot *ws, int ms, int *status)
{
	struct pollfd pfd = { .fd = ws->pidfd, .events = POLLIN };
	uint64_t deadline = now_ns() + (uint64_t)ms * NSEC_PER_MSEC;

	if (ws->pidfd >= 0) {
		(void)poll(&pfd, 1, ms);
		return waitpid(ws->pid, status, WNOHANG) != 0;
	}
	/* No pidfd: look every few milliseconds. */
	while (waitpid(ws->pid, status, WNOHANG) == 0) {
		if (now_ns() >= deadline)
			return false;
		(void)poll(NULL, 0, 5);
	}
	return true;
}

/* Stop every worker, collect the final counters, reap them. */
static json_t *stop_workers(struct supervisor *s)
{
	json_t *doc;

	s->is_stopping = true;
	doc = collect_final(s, WORKER_STOP_TIMEOUT_MS);
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];
		int status;

		if (ws->state != WORKER_RUNNING)
			continue;
		/* It sent its final counters and is on its way out: let it go. */
		if (!slot_wait_exit(ws, WORKER_EXIT_GRACE_MS, &status)) {
			log_warn("worker %u did not stop in time, killing it", ws->id);
			(void)kill(ws->pid, SIGKILL);
			(void)waitpid(ws->pid, &status, 0);
		}
		ws->state = WORKER_STOPPED;
		slot_bury(s, ws);
		keep_close(&ws->held);
	}
	if (doc)
		(void)json_object_set_new(doc, "workers", supervisor_workers_json(s));
	return doc;
}

static int supervisor_init(struct supervisor *s, struct mcr_config *cfg,
			   const struct supervisor_opts *opts)
{
	int cpus[SUPERVISOR_MAX_WORKERS];
	unsigned int n_cpus = allowed_cpus(cpus, SUPERVISOR_MAX_WORKERS);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_SIGNAL };
	int ret;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->opts = *opts;
	s->sig_fd = s->epoll_fd = s->inl.epfd = -1;
	s->start_ns = now_ns();
	s->next_poll_ns = s->start_ns + (cfg->stats_interval_ms && cfg->stats_interval_ms < STATS_POLL_MS ?
						 cfg->stats_interval_ms : STATS_POLL_MS) * NSEC_PER_MSEC;
	s->n_workers = opts->n_workers ? opts->n_workers : n_cpus;
	/*
	 * Each flow hashes to one worker; a single worker needs no group.  The
	 * pid is the base of the per-input group ids (ingress.h), so two
	 * daemons never share a group on one interface.
	 */
	s->fanout_id = s->n_workers > 1 ? (int)(getpid() & 0xffff) : -1;
	s->workers = calloc(s->n_workers, sizeof(*s->workers));
	if (!s->workers || stats_store_init(s) < 0)
		return -ENOMEM;
	for (unsigned int i = 0; i < s->n_workers; i++) {
		s->workers[i].id = i;
		s->workers[i].cpu = cpus[i % n_cpus];
		s->workers[i].pidfd = s->workers[i].chan_fd = s->workers[i].keep_fd = -1;
		s->workers[i].state = WORKER_STOPPED;
	}
	ret = signals_init(s);
	if (ret < 0) {
		log_err_errno(ret, "cannot set up signal handling");
		return ret;
	}
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epoll_fd < 0 || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->sig_fd, &ev) < 0) {
		log_err_errno(errno, "epoll");
		return -errno;
	}
	if (ifwatch_init(&s->ifw, cfg) == 0) {
		s->has_ifwatch = true;
		ev.data.u64 = TAG_NETLINK;
		if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, ifwatch_fd(&s->ifw), &ev) < 0) {
			log_err_errno(errno, "epoll");
			return -errno;
		}
	} else {
		log_warn("rules will not follow interfaces that come and go, continuing");
	}
	ret = inlocks_init(&s->inl);
	ev.data.u64 = TAG_INLOCK;
	if (ret < 0 || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, inlocks_fd(&s->inl), &ev) < 0) {
		log_err_errno(ret < 0 ? ret : errno, "epoll");
		return ret < 0 ? ret : -errno;
	}
	inlocks_sync(&s->inl, cfg, s->cfg_version);
	ret = follow_init(s);
	if (ret < 0)
		return ret;
	if (!opts->control_path)
		return 0;
	ret = control_init(&s->ctl, opts->control_path, service_control_mode(s), &control_ops, s);
	if (ret < 0)
		return ret;
	s->has_control = true;
	ev.data.u64 = TAG_CONTROL;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, control_fd(&s->ctl), &ev) < 0) {
		log_err_errno(errno, "epoll");
		return -errno;
	}
	return 0;
}

/* The control socket (if any), then what the host sees of mcrd. */
static int supervisor_open(struct supervisor *s, struct mcr_config *cfg,
			   const struct supervisor_opts *opts)
{
	int ret = supervisor_init(s, cfg, opts);

	return ret < 0 ? ret : service_init(s);
}

static void supervisor_exit(struct supervisor *s)
{
	service_exit(s);
	if (s->has_control)
		control_exit(&s->ctl);
	if (s->has_ifwatch)
		ifwatch_exit(&s->ifw);
	inlocks_exit(&s->inl);
	follow_exit(s);
	for (unsigned int i = 0; s->workers && i < s->n_workers; i++) {
		slot_bury(s, &s->workers[i]);
		keep_close(&s->workers[i].held);
		chan_buf_free(&s->workers[i].in);
	}
	config_free(&s->change.next);
	stats_store_exit(s);
	free(s->workers);
	if (s->epoll_fd >= 0)
		(void)close(s->epoll_fd);
	if (s->sig_fd >= 0)
		(void)close(s->sig_fd);
}

int supervisor_run(struct mcr_config *cfg, const struct supervisor_opts *opts)
{
	struct supervisor s;
	json_t *summary;
	int ret;

	ret = supervisor_open(&s, cfg, opts);
	for (unsigned int i = 0; ret == 0 && i < s.n_workers; i++)
		ret = slot_spawn(&s, &s.workers[i]);
	if (ret == 0)
		ret = wait_ready(&s);
	if (ret == 0) {
		log_info("relaying with %u worker%s: %zu rules", s.n_workers,
			 s.n_workers == 1 ? "" : "s", cfg->n_rules);
		create_ready_file(opts->ready_file);
		service_ready(&s);
		event_loop(&s);
	}
	summary = stop_workers(&s);
	if (ret == 0)
		print_json(summary, JSON_INDENT(2));
	json_decref(summary);
	supervisor_exit(&s);
	return ret;
}
