/* SPDX-License-Identifier: MIT */
/*
 * A worker: one process, one io_uring, doing ingress, fan-out and egress in
 * a single loop with no hand-off.  Every operation's completion comes back
 * through the same ring, tagged in user_data with what it was (dp.h).  The
 * worker owns the loop, its signals, the channel to the supervisor and the
 * stop; the data path it drives is a struct dp.
 */
#ifndef MCR_WORKER_H
#define MCR_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/signalfd.h>

#include "config/config.h"
#include "mcrd/chan.h"
#include "mcrd/dataplane/dp.h"
#include "mcrd/keep.h"

struct privs;

struct worker_opts {
	const struct privs *privs;	/* dropped once the ring exists; NULL: keep all */
	unsigned int n_workers;		/* the daemon's, for advice on limits they share */
	int chan_fd;			/* socketpair end to the supervisor */
	int fanout_base;		/* PACKET_FANOUT id base (ingress.h), or -1 for none */
	unsigned int id;		/* worker number, for logs */
	int keep_fd;			/* where the ingress sockets go to outlive us (keep.h), or -1 */
	struct keep_set *adopt;		/* a dead predecessor's sockets (ours now), or NULL */
};

#define WORKER_CHAN_READ_SIZE 65536	/* a configuration image comes in few reads */

struct worker {
	struct dp dp;			/* the data path this loop drives */
	unsigned int coalesce_us;	/* wait this long for a batch of completions */
	struct generation *pending;	/* prepared, awaiting commit or abort */
	uint64_t pending_txn;
	int sig_fd;
	struct signalfd_siginfo siginfo;
	int chan_fd;
	struct chan_buf chan_in;
	json_t *chan_req;		/* a request waiting for its binary data */
	size_t chan_req_bytes;
	char chan_rx[WORKER_CHAN_READ_SIZE];
	char *chan_out;			/* replies being sent, or NULL */
	size_t chan_out_len;
	size_t chan_out_off;
	char *chan_queue;		/* replies waiting for that send to finish */
	size_t chan_queue_len;
	uint64_t stop_deadline_ns;	/* once dp.is_stopping: when to give up on sends */
	uint64_t layout_gen;		/* the generation the supervisor has the layout of */
	bool has_sent_layout;		/* layout_gen is meaningful */
	int keep_fd;			/* opts->keep_fd */
	struct keep_set kept;		/* what the supervisor holds (our fds, not owned here) */
};

/*
 * Set everything up for the resolved configuration cfg, whose rules move
 * into the worker (cfg is left empty), dropping privileges (opts->privs)
 * once what needs locked memory exists.  Logs and returns -errno on failure.
 */
int worker_init(struct worker *w, struct mcr_config *cfg, const struct worker_opts *opts);
/*
 * Relay until SIGTERM, a "stop" request or the supervisor's end of the
 * channel closing; then finish in-flight sends and send the final
 * statistics up the channel.  Returns 0 or -errno.
 */
int worker_run(struct worker *w, const struct worker_opts *opts);
void worker_exit(struct worker *w);

#endif
