/* SPDX-License-Identifier: MIT */
/*
 * The supervisor: the process the user starts.  It owns the configuration,
 * relays no traffic itself, and runs one worker process per CPU, each pinned
 * and running the unified io_uring loop.  It notices a worker's death at
 * once (pidfd), restarts it with the current rules, backing off when a
 * worker keeps crashing, and adds up the workers' statistics.
 */
#ifndef MCR_SUPERVISOR_H
#define MCR_SUPERVISOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mcrd/chan.h"
#include "mcrd/config.h"
#include "mcrd/control.h"
#include "mcrd/ifwatch.h"
#include "mcrd/privs.h"

#define SUPERVISOR_MAX_WORKERS	MCR_MAX_WORKERS
#define WORKER_READY_TIMEOUT_MS	5000
#define WORKER_STOP_TIMEOUT_MS	3000	/* a worker's own grace is 2 s */
#define STATS_REPLY_TIMEOUT_MS	1000
#define CONFIG_APPLY_TIMEOUT_MS	3000
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

struct worker_slot {
	unsigned int id;
	int cpu;
	pid_t pid;
	int pidfd;
	int chan_fd;		/* our end of the socketpair */
	struct chan_buf in;
	enum worker_state state;
	unsigned int restarts;
	unsigned int crash_streak;
	uint64_t started_ns;
	uint64_t restart_at_ns;
	json_t *last_stats;	/* its latest report, kept for when it dies */
};

/* Load and resolve the configuration again (SIGHUP, "reload"). */
typedef int (*supervisor_load_fn)(void *ctx, struct mcr_config *ret, struct config_error *err);

struct supervisor_opts {
	unsigned int n_workers;	/* 0 = one per CPU we may run on */
	supervisor_load_fn load;	/* NULL when there is no file to re-read */
	void *load_ctx;
	const char *ready_file;
	const char *control_path;	/* NULL: no control socket */
	struct privs privs;	/* what the workers drop to */
};

struct supervisor {
	struct mcr_config *cfg;		/* not owned */
	struct supervisor_opts opts;
	struct worker_slot *workers;
	unsigned int n_workers;
	int fanout_id;			/* -1 with a single worker */
	int sig_fd;
	int epoll_fd;
	uint64_t start_ns;
	uint64_t next_poll_ns;
	json_t *dead_totals;		/* counters of worker incarnations that died */
	json_t *prev;			/* the previous sum, for rates */
	uint64_t prev_ns;
	struct control ctl;
	bool has_control;
	struct ifwatch ifw;		/* interfaces the rules name */
	bool has_ifwatch;
	bool is_stopping;
};

/*
 * Start the workers and supervise them until SIGTERM/SIGINT; then stop
 * them, print the final summary on stdout.  Returns 0 or -errno (logged).
 */
int supervisor_run(struct mcr_config *cfg, const struct supervisor_opts *opts);

/* Push s->cfg to the workers; 0, or -EIO with err naming a refusing worker. */
int supervisor_push_config(struct supervisor *s, struct config_error *err);
/*
 * Re-read the configuration; on an error in it the running rules stay.
 * Returns 0, -ENOENT without a file, -EINVAL (bad file) or -EIO (a worker
 * refused), with err filled in.
 */
int supervisor_reload(struct supervisor *s, struct config_error *err);
/* The workers' counters, summed (new reference; NULL on ENOMEM). */
json_t *supervisor_collect_stats(struct supervisor *s);
json_t *supervisor_workers_json(const struct supervisor *s);
void supervisor_broadcast_log_level(struct supervisor *s, int level);

#define MCRD_DEFAULT_CONTROL	"/run/mcr/mcrd.sock"
#define MCRD_CONTROL_MODE	0660

#endif
