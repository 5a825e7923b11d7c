/* SPDX-License-Identifier: MIT */
/*
 * The supervisor: the process the user starts.  It owns the configuration,
 * relays no traffic itself, and runs one worker process per CPU, each pinned
 * and running the unified io_uring loop.  It notices a worker's death at
 * once (pidfd) and a frozen one by its heartbeat, restarts it with the
 * committed rules, backing off when a worker keeps crashing, and adds up
 * the workers' statistics.  It never blocks on a worker: every send is
 * queued and flushed as the channel takes it, every answer is awaited in
 * the event loop, and a change is a transaction (change.h).
 */
#ifndef MCR_SUPERVISOR_H
#define MCR_SUPERVISOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mcrd/chan.h"
#include "config/config.h"
#include "config/config_diff.h"
#include "mcrd/supervisor/control.h"
#include "mcrd/supervisor/ifwatch.h"
#include "mcrd/supervisor/inlock.h"
#include "mcrd/supervisor/metrics_http.h"
#include "mcrd/keep.h"
#include "mcrd/supervisor/stats_round.h"
#include "mcrd/privs.h"

#define SUPERVISOR_MAX_WORKERS	MCR_MAX_WORKERS
#define WORKER_READY_TIMEOUT_MS	5000
#define WORKER_STOP_TIMEOUT_MS	3000	/* a worker's own grace is 2 s */
#define STATS_REPLY_TIMEOUT_MS	1000
#define CONFIG_APPLY_TIMEOUT_MS	3000
/* A worker silent this long is pinged; one silent past the timeout is replaced. */
#define HEARTBEAT_INTERVAL_MS	500
#define HEARTBEAT_TIMEOUT_MS	2000
/* Bytes queued to a worker that does not read them, before it is replaced. */
#define WORKER_OUT_MAX		(64 << 20)
/*
 * Added to both per output: setting up an interface's TX ring waits for an
 * RCU grace period in the kernel (packet_set_ring()), 5 to 10 ms each on a
 * busy virtual machine, one after the other.
 */
#define SETUP_MS_PER_OUTPUT	20
#define WORKER_EXIT_GRACE_MS	1000	/* from its final counters to its exit */
/* A worker that lived this long before dying restarts at once. */
#define WORKER_STABLE_NS	(5 * 1000000000ULL)
#define WORKER_BACKOFF_MAX_MS	10000

enum worker_state {
	WORKER_RUNNING,
	WORKER_BACKOFF,		/* died; waiting to be restarted */
	WORKER_STOPPED,
	WORKER_STATE_MAX
};

/*
 * What an event in the supervisor's epoll set is: the signalfd, the control
 * socket, or a worker's pidfd or channel (with the worker's id added).  A
 * new source takes the next small number, or a new kind << 32.
 */
#define TAG_SIGNAL	0
#define TAG_CONTROL	1
#define TAG_METRICS	3
#define TAG_PIDFD	(1ULL << 32)	/* + worker id */
#define TAG_CHAN	(2ULL << 32)	/* + worker id */
#define TAG_KEEP	(3ULL << 32)	/* + worker id */
#define TAG_MEMBER	(4ULL << 32)	/* + ifindex: membership/follow.h */
#define TAG_KIND(t)	((t) & ~0xffffffffULL)

/* A worker's part in the change under way (struct change). */
enum worker_txn {
	TXN_NONE,
	TXN_PREPARING,		/* sent "prepare", awaiting "prepared" */
	TXN_PREPARED,		/* said yes; awaiting our decision */
	TXN_COMMITTING,		/* sent "commit", awaiting "committed" */
	TXN_MAX
};

struct worker_slot {
	unsigned int id;
	int cpu;
	pid_t pid;
	int pidfd;
	int chan_fd;		/* our end of the socketpair, non-blocking */
	struct chan_buf in;
	char *out;		/* queued for the worker: out[out_off..out_len) */
	size_t out_off, out_len;
	bool is_out_watched;	/* EPOLLOUT registered */
	bool is_ready;		/* said "ready" since its spawn */
	bool is_stats_due;	/* owes the current stats round an answer */
	bool is_killed;		/* we sent SIGKILL (frozen, or it failed a commit) */
	enum worker_txn txn;
	uint64_t heard_ns;	/* last message from it (or its spawn) */
	uint64_t ping_ns;	/* when the outstanding ping went, 0: none */
	uint64_t cfg_version;	/* the configuration it was given */
	enum worker_state state;
	unsigned int restarts;
	unsigned int crash_streak;
	uint64_t started_ns;
	uint64_t restart_at_ns;
	struct stats_slot st;	/* its latest counters, kept for when it dies */
	json_t *in_msg;		/* a message whose data has not all arrived */
	size_t in_bytes;	/* how much data in_msg has */
	int keep_fd;		/* our end of the socketpair its input sockets come up (keep.h) */
	struct keep_set held;	/* those sockets: they outlive it for its successor */
};

struct member;

/* Load and resolve the configuration again (SIGHUP, "reload"). */
typedef int (*supervisor_load_fn)(void *ctx, struct mcr_config *ret, struct config_error *err);

struct supervisor_opts {
	unsigned int n_workers;	/* 0 = one per CPU we may run on */
	supervisor_load_fn load;	/* NULL when there is no file to re-read */
	void *load_ctx;
	const char *ready_file;
	const char *pid_file;		/* NULL: none */
	const char *control_path;	/* NULL: no control socket */
	struct privs privs;	/* what the workers drop to */
};

/* Called once when a change is over: ret 0 (committed) or -errno with why. */
struct supervisor;
typedef void (*supervisor_change_fn)(struct supervisor *s, void *ctx, int ret, const char *why);

/* The change under way, if any: one at a time. */
struct change {
	bool is_active;
	bool is_committed;		/* phase two: s->cfg is next already */
	uint64_t txn;
	struct mcr_config next;		/* owned until committed */
	uint64_t start_ns;
	uint64_t deadline_ns;
	supervisor_change_fn done;
	void *ctx;
	int ret;
	char why[512];			/* the first refusal, naming its worker */
	uint64_t prepare_us;		/* the slowest worker's time to prepare */
	uint64_t commit_us;		/* and to commit: its loop stood still so long */
};

/* The stats request under way: answered when every running worker has. */
#define STATS_WAITERS_MAX	MCR_CONTROL_MAX_CLIENTS
struct stats_round {
	bool is_active;
	bool wants_lines;		/* the periodic stats line */
	bool wants_stdout;		/* SIGUSR1 */
	uint64_t deadline_ns;
	size_t n_waiters;
	uint64_t waiters[STATS_WAITERS_MAX];	/* control tickets */
};

struct supervisor {
	struct mcr_config *cfg;		/* not owned; changes only at a commit */
	uint64_t cfg_version;		/* bumped at every commit */
	struct change change;
	struct stats_round stats;
	bool is_reload_due;		/* SIGHUP during a change: reload after it */
	struct supervisor_opts opts;
	struct worker_slot *workers;
	unsigned int n_workers;
	int fanout_id;			/* per-input fanout ids' base; -1: one worker */
	int sig_fd;
	int epoll_fd;
	uint64_t start_ns;
	uint64_t next_poll_ns;
	struct stats_store counters;	/* stats_round.c */
	struct control ctl;
	bool has_control;
	struct ifwatch ifw;		/* interfaces the rules name */
	bool has_ifwatch;
	struct inlocks inl;		/* our inputs, to notice another relay of one */
	bool is_stopping;
	struct metrics_server metrics;	/* service.c: the /metrics endpoint */
	bool has_metrics;
	uint64_t watchdog_ns;		/* service.c: how often the manager wants WATCHDOG=1; 0: never */
	uint64_t next_watchdog_ns;
	struct member *member;		/* membership/follow.h: IGMP listeners */
	uint64_t member_cfg_version;	/* the rules it watches interfaces for */
};

/*
 * Start the workers and supervise them until SIGTERM/SIGINT; then stop
 * them, print the final summary on stdout.  Returns 0 or -errno (logged).
 */
int supervisor_run(struct mcr_config *cfg, const struct supervisor_opts *opts);

/**
 * supervisor_change() - make next the configuration, on every worker or none
 * @s: the supervisor
 * @next: resolved; its contents move in (it is left empty in every case)
 * @done: called exactly once from the event loop when the change is over
 *	(never from inside this call), with 0 once every worker committed, or
 *	-EIO/-ETIMEDOUT/-ECANCELED and the refusing worker and its reason
 * @ctx: for @done
 * @err: filled in when this returns an error
 *
 * The single entry point for a change (add, remove, reload, a re-resolve
 * after an interface changed).  Checks the workers' limits (limits.h), then
 * runs two phases: every running worker prepares the new rules; on every
 * yes, all commit and s->cfg becomes next; on a refusal or a timeout, those
 * that prepared abort and nothing changes anywhere.
 *
 * Returns 0 when the change is under way, -EBUSY while another one is (retry
 * after it), or -E2BIG/-EINVAL/-ENOMEM when next breaks a limit.
 */
int supervisor_change(struct supervisor *s, struct mcr_config *next, supervisor_change_fn done,
		      void *ctx, struct config_error *err);
/*
 * Re-read the configuration file and make it a change; @done as above.  The
 * file (and --rule) is the whole truth: rules added with mcrctl and not in
 * it are removed.  Once committed, every rule added, changed and removed and
 * every setting changed is logged by name.  *ret_diff (when not NULL) points
 * to that list until @done has returned.  Returns 0 (under way), -ENOENT
 * without a file, -EINVAL (bad file), -EBUSY, -ENOMEM or a limit's error,
 * with err filled in.
 */
int supervisor_reload(struct supervisor *s, supervisor_change_fn done, void *ctx,
		      const struct config_diff **ret_diff, struct config_error *err);
/*
 * Answer control ticket with the workers' counters, summed, once every
 * running worker has sent its own (or after STATS_REPLY_TIMEOUT_MS, with
 * the previous report of those that did not).
 */
void supervisor_stats_request(struct supervisor *s, uint64_t ticket);
json_t *supervisor_workers_json(const struct supervisor *s);
void supervisor_broadcast_log_level(struct supervisor *s, int level);
/* Queue msg to a worker without blocking; a worker that reads nothing is replaced. */
void supervisor_send(struct supervisor *s, struct worker_slot *ws, const json_t *msg);
/* The same with len bytes of data after the line, which gets "bytes": len. */
void supervisor_send_data(struct supervisor *s, struct worker_slot *ws, json_t *msg,
			  const char *data, size_t len);
/* How long workers setting up cfg's outputs may take: base_ms and 20 ms per output. */
uint64_t supervisor_setup_ms(const struct mcr_config *cfg, unsigned int base_ms);
/* Replace a worker: SIGKILL now; its death restarts it with the committed rules. */
void supervisor_kill_worker(struct supervisor *s, struct worker_slot *ws, const char *why);

#define MCRD_DEFAULT_CONTROL	"/run/mcr/mcrd.sock"

#endif
