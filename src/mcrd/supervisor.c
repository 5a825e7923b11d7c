// SPDX-License-Identifier: MIT
/*
 * Supervisor: worker processes, their life cycle, and the sum of their
 * statistics.  Everything here is control plane; a blocking wait of up to a
 * second for the workers' replies is acceptable, a stall in a worker is not,
 * so all waiting happens on this side.
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
#include "mcrd/commands.h"
#include "mcrd/stats_merge.h"
#include "mcrd/supervisor.h"
#include "mcrd/worker.h"

static const struct control_ops control_ops = { .handle = commands_handle };

static const char *const state_names[WORKER_STATE_MAX] = {
	[WORKER_RUNNING] = "running",
	[WORKER_BACKOFF] = "restarting",
	[WORKER_STOPPED] = "stopped",
};

/* Epoll tags: the signalfd, the control socket, or a worker's pidfd. */
#define TAG_SIGNAL	0
#define TAG_CONTROL	1
#define TAG_WORKER	2	/* + worker id */
#define TAG_NETLINK	(UINT64_C(1) << 32)

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

/* In the child: become a worker and never return. */
static void __attribute__((noreturn)) worker_main(struct supervisor *s, struct worker_slot *ws)
{
	struct worker_opts opts = {
		.chan_fd = ws->chan_fd,
		.fanout_id = s->fanout_id,
		.id = ws->id,
	};
	struct worker w;
	sigset_t none;
	int ret;

	/* Die with the supervisor rather than relay unsupervised. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1)
		_exit(EXIT_FAILURE);
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (&s->workers[i] != ws && s->workers[i].chan_fd >= 0)
			(void)close(s->workers[i].chan_fd);
	(void)close(s->sig_fd);
	(void)close(s->epoll_fd);
	if (s->has_control)
		control_forget(&s->ctl);
	if (s->has_ifwatch)
		ifwatch_exit(&s->ifw);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	pin_to_cpu(ws->cpu);
	if (privs_drop(&s->opts.privs) < 0)
		_exit(EXIT_FAILURE);

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

static int worker_spawn(struct supervisor *s, struct worker_slot *ws)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_err_errno(errno, "worker %u: socketpair", ws->id);
		return -errno;
	}
	ws->chan_fd = sv[1];
	(void)fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_err_errno(errno, "worker %u: fork", ws->id);
		(void)close(sv[0]);
		(void)close(sv[1]);
		ws->chan_fd = -1;
		return -errno;
	}
	if (pid == 0) {
		(void)close(sv[1]);
		ws->chan_fd = sv[0];
		worker_main(s, ws);
	}
	(void)close(sv[0]);
	chan_buf_free(&ws->in);
	ws->pid = pid;
	ws->started_ns = now_ns();
	ws->state = WORKER_RUNNING;
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
	ev.data.u64 = TAG_WORKER + ws->id;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, ws->pidfd, &ev) < 0) {
		log_err_errno(errno, "worker %u: epoll_ctl", ws->id);
		return -errno;
	}
	log_debug("worker %u: pid %d on CPU %d", ws->id, (int)pid, ws->cpu);
	return 0;
}

/*
 * Read from a worker until a message with the given key arrives or the
 * deadline passes.  Returns the value under that key (new reference), or
 * NULL on timeout or EOF.  Other messages (a late "ready") are skipped.
 */
static json_t *worker_await(struct worker_slot *ws, const char *key, uint64_t deadline_ns)
{
	for (;;) {
		json_t *msg, *val;
		char buf[65536];
		struct pollfd pfd = { .fd = ws->chan_fd, .events = POLLIN };
		uint64_t now = now_ns();
		ssize_t n;
		int ret;

		while ((ret = chan_buf_next(&ws->in, &msg)) != 0) {
			if (ret < 0)
				continue;
			val = json_object_get(msg, key);
			if (val) {
				json_incref(val);
				json_decref(msg);
				return val;
			}
			json_decref(msg);
		}
		if (now >= deadline_ns)
			return NULL;
		ret = poll(&pfd, 1, (int)((deadline_ns - now) / NSEC_PER_MSEC) + 1);
		if (ret < 0 && errno != EINTR)
			return NULL;
		if (ret <= 0)
			continue;
		n = recv(ws->chan_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return NULL;
		if (n > 0 && chan_buf_append(&ws->in, buf, (size_t)n) < 0)
			return NULL;
	}
}

static void worker_request(struct worker_slot *ws, const char *cmd)
{
	json_t *req = json_pack("{s:s}", "cmd", cmd);

	if (req && chan_send_json(ws->chan_fd, req) < 0)
		log_debug("worker %u: cannot send \"%s\"", ws->id, cmd);
	json_decref(req);
}

/* Fold a dead incarnation's last report into the totals. */
static void worker_bury(struct supervisor *s, struct worker_slot *ws)
{
	if (ws->last_stats) {
		if (!s->dead_totals)
			s->dead_totals = json_object();
		if (s->dead_totals)
			(void)stats_merge(s->dead_totals, ws->last_stats);
		json_decref(ws->last_stats);
		ws->last_stats = NULL;
	}
	if (ws->pidfd >= 0) {
		(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, ws->pidfd, NULL);
		(void)close(ws->pidfd);
		ws->pidfd = -1;
	}
	if (ws->chan_fd >= 0) {
		(void)close(ws->chan_fd);
		ws->chan_fd = -1;
	}
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		(void)snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			       strsignal(WTERMSIG(status)));
	else
		(void)snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

static void worker_reap(struct supervisor *s, struct worker_slot *ws)
{
	uint64_t now = now_ns(), delay_ms = 0;
	char how[96];
	int status = 0;

	if (waitpid(ws->pid, &status, WNOHANG) <= 0)
		return;
	worker_bury(s, ws);
	describe_exit(status, how, sizeof(how));
	if (s->is_stopping) {
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
	ws->restart_at_ns = now + delay_ms * NSEC_PER_MSEC;
	ws->state = WORKER_BACKOFF;
	log_warn("worker %u (pid %d) %s; restarting in %" PRIu64 " ms", ws->id, (int)ws->pid,
		 how, delay_ms);
}

static void worker_restart_due(struct supervisor *s)
{
	uint64_t now = now_ns();

	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];

		if (ws->state != WORKER_BACKOFF || now < ws->restart_at_ns)
			continue;
		ws->restarts++;
		if (worker_spawn(s, ws) < 0) {
			ws->state = WORKER_BACKOFF;
			ws->restart_at_ns = now + WORKER_BACKOFF_MAX_MS * NSEC_PER_MSEC;
			continue;
		}
		log_info("worker %u restarted as pid %d (restart #%u)", ws->id, (int)ws->pid,
			 ws->restarts);
	}
}

json_t *supervisor_workers_json(const struct supervisor *s)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; arr && i < s->n_workers; i++) {
		const struct worker_slot *ws = &s->workers[i];

		(void)json_array_append_new(
			arr, json_pack("{s:i, s:i, s:i, s:i, s:s}", "id", (int)ws->id, "cpu",
				       ws->cpu, "pid", (int)ws->pid, "restarts", (int)ws->restarts,
				       "state", state_names[ws->state]));
	}
	return arr;
}

/*
 * Ask every running worker for its counters (or, with cmd "stop", for its
 * final ones) and add them up with what died before.  A worker that does
 * not answer in time counts with its previous report.
 */
static json_t *collect(struct supervisor *s, const char *cmd, const char *key,
		       unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * NSEC_PER_MSEC;
	json_t *sum = s->dead_totals ? json_deep_copy(s->dead_totals) : json_object();

	if (!sum)
		return NULL;
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i].state == WORKER_RUNNING)
			worker_request(&s->workers[i], cmd);
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];
		json_t *doc;

		if (ws->state != WORKER_RUNNING)
			continue;
		doc = worker_await(ws, key, deadline);
		if (doc) {
			json_decref(ws->last_stats);
			ws->last_stats = doc;
		}
		if (ws->last_stats)
			(void)stats_merge(sum, ws->last_stats);
	}
	(void)json_object_set_new(sum, "version", json_string(MCR_VERSION));
	if (!json_object_get(sum, "rules"))
		(void)json_object_set_new(sum, "rules", json_array());
	(void)ifwatch_add_waiting(json_object_get(sum, "rules"), s->cfg);
	(void)stats_finish(sum, (double)(now_ns() - s->start_ns) / (double)NSEC_PER_SEC);
	(void)json_object_set_new(sum, "workers", supervisor_workers_json(s));
	return sum;
}

/* When workers setting up cfg's outputs must have answered, from base_ms. */
static uint64_t setup_deadline(const struct mcr_config *cfg, unsigned int base_ms)
{
	uint64_t ms = base_ms;

	for (size_t r = 0; r < cfg->n_rules; r++)
		ms += SETUP_MS_PER_OUTPUT * (uint64_t)cfg->rules[r].n_outputs;
	return now_ns() + ms * NSEC_PER_MSEC;
}

/*
 * Send the current configuration to every running worker and wait for each
 * to switch.  A worker that refuses (an interface vanished between the
 * supervisor's check and its own) keeps its old rules; the first such error
 * is returned in err.  Workers started later fork with s->cfg as it is.
 */
int supervisor_push_config(struct supervisor *s, struct config_error *err)
{
	uint64_t deadline = setup_deadline(s->cfg, CONFIG_APPLY_TIMEOUT_MS);
	json_t *doc = config_to_json(s->cfg), *req;
	int ret = 0;

	req = doc ? json_pack("{s:s, s:o}", "cmd", "config", "config", doc) : NULL;
	if (!req)
		return -ENOMEM;
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i].state == WORKER_RUNNING &&
		    chan_send_json(s->workers[i].chan_fd, req) < 0)
			log_warn("worker %u: cannot send the new configuration", i);
	json_decref(req);
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];
		json_t *applied;
		const char *msg;

		if (ws->state != WORKER_RUNNING)
			continue;
		applied = worker_await(ws, "applied", deadline);
		msg = json_string_value(json_object_get(applied, "error"));
		if (!applied || msg) {
			if (ret == 0)
				(void)snprintf(err->msg, sizeof(err->msg), "worker %u: %s", i,
					       msg ? msg : "no answer");
			ret = -EIO;
		}
		json_decref(applied);
	}
	return ret;
}

json_t *supervisor_collect_stats(struct supervisor *s)
{
	return collect(s, "stats", "stats", STATS_REPLY_TIMEOUT_MS);
}

void supervisor_broadcast_log_level(struct supervisor *s, int level)
{
	json_t *req = json_pack("{s:s, s:i}", "cmd", "log-level", "level", level);

	for (unsigned int i = 0; req && i < s->n_workers; i++)
		if (s->workers[i].state == WORKER_RUNNING)
			(void)chan_send_json(s->workers[i].chan_fd, req);
	json_decref(req);
}

static const json_t *find_rule(const json_t *doc, const char *name)
{
	const json_t *rule;
	size_t i;

	json_array_foreach(json_object_get(doc, "rules"), i, rule) {
		const char *other = json_string_value(json_object_get(rule, "name"));

		if (name && other && strcmp(other, name) == 0)
			return rule;
	}
	return NULL;
}

static json_int_t rule_out(const json_t *rule, const char *key)
{
	const json_t *o;
	json_int_t sum = 0;
	size_t i;

	json_array_foreach(json_object_get(rule, "outputs"), i, o)
		sum += json_integer_value(json_object_get(o, key));
	return sum;
}

/* One line per rule, with rates since the previous sum. */
static void print_lines(const json_t *cur, const json_t *prev, double dt)
{
	const json_t *totals = json_object_get(cur, "totals"), *rule;
	size_t i;

	json_array_foreach(json_object_get(cur, "rules"), i, rule) {
		const char *name = json_string_value(json_object_get(rule, "name"));
		const json_t *old = prev ? find_rule(prev, name) : NULL;
		json_int_t in = json_integer_value(json_object_get(rule, "packets_in"));
		json_int_t out = rule_out(rule, "packets_out");
		json_int_t in0 = old ? json_integer_value(json_object_get(old, "packets_in")) : 0;
		json_int_t out0 = old ? rule_out(old, "packets_out") : 0;

		(void)fprintf(stderr,
			      "mcrd: stats %s: in %lld (%.0f pps) out %lld (%.0f pps) drops %lld"
			      " errors %lld exhaustion %lld malformed %lld\n",
			      name, (long long)in, dt > 0 ? (double)(in - in0) / dt : 0.0,
			      (long long)out, dt > 0 ? (double)(out - out0) / dt : 0.0,
			      (long long)rule_out(rule, "drops"),
			      (long long)rule_out(rule, "send_errors"),
			      (long long)json_integer_value(json_object_get(totals, "buffer_exhaustion")),
			      (long long)json_integer_value(json_object_get(totals, "malformed")));
	}
}

static void periodic_poll(struct supervisor *s)
{
	uint64_t now = now_ns();
	unsigned int ms = s->cfg->stats_interval_ms ? s->cfg->stats_interval_ms : 1000;
	json_t *cur;

	if (now < s->next_poll_ns)
		return;
	s->next_poll_ns = now + ms * NSEC_PER_MSEC;
	cur = collect(s, "stats", "stats", STATS_REPLY_TIMEOUT_MS);
	if (!cur)
		return;
	if (s->cfg->stats_interval_ms)
		print_lines(cur, s->prev, (double)(now - s->prev_ns) / (double)NSEC_PER_SEC);
	json_decref(s->prev);
	s->prev = cur;
	s->prev_ns = now;
}

static void print_json(const json_t *doc, size_t flags)
{
	if (!doc || json_dumpf(doc, stdout, flags | JSON_REAL_PRECISION(6)) < 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
		log_warn("cannot write statistics to stdout, ignoring");
}

int supervisor_reload(struct supervisor *s, struct config_error *err)
{
	struct mcr_config next;
	int ret;

	if (!s->opts.load) {
		(void)snprintf(err->msg, sizeof(err->msg),
			       "mcrd was not started with --config: nothing to re-read");
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
	config_free(s->cfg);
	*s->cfg = next;
	ret = supervisor_push_config(s, err);
	if (ret < 0)
		log_err("reload: %s", err->msg);
	else
		log_info("reload: %zu rules in force", s->cfg->n_rules);
	return ret;
}

static void on_signal(struct supervisor *s)
{
	struct config_error err;
	struct signalfd_siginfo si;
	json_t *doc;

	if (read(s->sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping the workers", strsignal((int)si.ssi_signo));
		s->is_stopping = true;
		break;
	case SIGUSR1:
		doc = collect(s, "stats", "stats", STATS_REPLY_TIMEOUT_MS);
		print_json(doc, JSON_COMPACT);
		json_decref(doc);
		break;
	case SIGHUP:
		(void)supervisor_reload(s, &err);
		break;
	case SIGCHLD:
		/* Workers without a pidfd; for the others the pidfd got there first. */
		for (unsigned int i = 0; i < s->n_workers; i++)
			if (s->workers[i].state == WORKER_RUNNING)
				worker_reap(s, &s->workers[i]);
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
	uint64_t deadline = setup_deadline(s->cfg, WORKER_READY_TIMEOUT_MS);

	for (unsigned int i = 0; i < s->n_workers; i++) {
		json_t *ready = worker_await(&s->workers[i], "ready", deadline);

		if (!ready) {
			log_err("worker %u did not start; see the messages above", i);
			return -EIO;
		}
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
	uint64_t now = now_ns(), next = s->next_poll_ns;

	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i].state == WORKER_BACKOFF && s->workers[i].restart_at_ns < next)
			next = s->workers[i].restart_at_ns;
	int ms = next <= now ? 0 : (int)((next - now) / NSEC_PER_MSEC) + 1;

	if (s->has_control) {
		int c = control_next_timeout_ms(&s->ctl);

		if (c >= 0 && c < ms)
			ms = c;
	}
	if (s->has_ifwatch) {
		int c = ifwatch_timeout_ms(&s->ifw, now);

		if (c >= 0 && c < ms)
			ms = c;
	}
	return ms;
}

/* Interfaces the rules name changed: the workers get the rules resolved again. */
static void follow_interfaces(struct supervisor *s)
{
	struct config_error err = { "" };

	if (!s->has_ifwatch || !ifwatch_resolve(&s->ifw, s->cfg, now_ns()))
		return;
	if (supervisor_push_config(s, &err) < 0) {
		log_warn("interfaces changed, but %s; retrying in %d ms", err.msg, IFWATCH_RETRY_MS);
		ifwatch_retry(&s->ifw, now_ns());
	}
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
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == TAG_SIGNAL)
				on_signal(s);
			else if (evs[i].data.u64 == TAG_CONTROL)
				(void)control_dispatch(&s->ctl);
			else if (evs[i].data.u64 == TAG_NETLINK)
				ifwatch_read(&s->ifw, s->cfg);
			else
				worker_reap(s, &s->workers[evs[i].data.u64 - TAG_WORKER]);
		}
		/* Idle clients expire on time, whether or not anything arrived. */
		if (s->has_control && control_next_timeout_ms(&s->ctl) == 0)
			(void)control_dispatch(&s->ctl);
		worker_restart_due(s);
		follow_interfaces(s);
		periodic_poll(s);
	}
}

/* Reap ws within ms milliseconds; false if it is still running then. */
static bool worker_wait_exit(const struct worker_slot *ws, int ms, int *status)
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
	doc = collect(s, "stop", "final", WORKER_STOP_TIMEOUT_MS);
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];
		int status;

		if (ws->state != WORKER_RUNNING)
			continue;
		/* It sent its final counters and is on its way out: let it go. */
		if (!worker_wait_exit(ws, WORKER_EXIT_GRACE_MS, &status)) {
			log_warn("worker %u did not stop in time, killing it", ws->id);
			(void)kill(ws->pid, SIGKILL);
			(void)waitpid(ws->pid, &status, 0);
		}
		ws->state = WORKER_STOPPED;
		json_decref(ws->last_stats);
		ws->last_stats = NULL;
		worker_bury(s, ws);
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
	s->sig_fd = s->epoll_fd = -1;
	s->start_ns = s->prev_ns = now_ns();
	s->next_poll_ns = s->start_ns + (cfg->stats_interval_ms ? cfg->stats_interval_ms : 1000) *
						NSEC_PER_MSEC;
	s->n_workers = opts->n_workers ? opts->n_workers : n_cpus;
	/* Each flow hashes to one worker; a single worker needs no group. */
	s->fanout_id = s->n_workers > 1 ? (int)(getpid() & 0xffff) : -1;
	s->workers = calloc(s->n_workers, sizeof(*s->workers));
	if (!s->workers)
		return -ENOMEM;
	for (unsigned int i = 0; i < s->n_workers; i++) {
		s->workers[i].id = i;
		s->workers[i].cpu = cpus[i % n_cpus];
		s->workers[i].pidfd = s->workers[i].chan_fd = -1;
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
	if (!opts->control_path)
		return 0;
	ret = control_init(&s->ctl, opts->control_path, MCRD_CONTROL_MODE, &control_ops, s);
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

static void supervisor_exit(struct supervisor *s)
{
	if (s->has_control)
		control_exit(&s->ctl);
	if (s->has_ifwatch)
		ifwatch_exit(&s->ifw);
	for (unsigned int i = 0; s->workers && i < s->n_workers; i++) {
		worker_bury(s, &s->workers[i]);
		chan_buf_free(&s->workers[i].in);
	}
	free(s->workers);
	json_decref(s->dead_totals);
	json_decref(s->prev);
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

	ret = supervisor_init(&s, cfg, opts);
	for (unsigned int i = 0; ret == 0 && i < s.n_workers; i++)
		ret = worker_spawn(&s, &s.workers[i]);
	if (ret == 0)
		ret = wait_ready(&s);
	if (ret == 0) {
		log_info("relaying with %u worker%s: %zu rules", s.n_workers,
			 s.n_workers == 1 ? "" : "s", cfg->n_rules);
		create_ready_file(opts->ready_file);
		event_loop(&s);
	}
	summary = stop_workers(&s);
	if (ret == 0)
		print_json(summary, JSON_INDENT(2));
	json_decref(summary);
	supervisor_exit(&s);
	return ret;
}
