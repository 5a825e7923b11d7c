/* SPDX-License-Identifier: MIT */
/*
 * A worker: one thread, one io_uring, doing ingress, fan-out and egress in
 * a single loop with no hand-off.  Every operation's completion comes back
 * through the same ring, tagged in user_data with what it was.
 */
#ifndef MCR_WORKER_H
#define MCR_WORKER_H

#include <linux/time_types.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/signalfd.h>

#include "mcrd/chan.h"
#include "config/config.h"
#include "mcrd/dataplane/fileslots.h"
#include "mcrd/dataplane/fwd.h"
#include "mcrd/dataplane/gen.h"
#include "mcrd/dataplane/ingress.h"
#include "mcrd/dataplane/ring.h"

/* What a completion belongs to: the top byte of user_data. */
enum op_kind {
	OP_RECV = 1,		/* low bits: ingress port */
	OP_SEND,		/* low bits: send slot */
	OP_SIGNAL,
	OP_CHAN_READ,		/* a request from the supervisor */
	OP_CHAN_WRITE,		/* our reply went out */
	OP_RETRY_TIMER,
	OP_KICK,		/* low bits: the struct txring's address */
	OP_CANCEL,
	OP_KIND_MAX
};

#define OP_SHIFT 56
#define OP_DATA(op, idx) (((uint64_t)(op) << OP_SHIFT) | (uint64_t)(idx))

struct privs;

struct worker_opts {
	const struct privs *privs;	/* dropped once the ring exists; NULL: keep all */
	unsigned int n_workers;		/* the daemon's, for advice on limits they share */
	int chan_fd;			/* socketpair end to the supervisor */
	int fanout_base;		/* PACKET_FANOUT id base (ingress.h), or -1 for none */
	unsigned int id;		/* worker number, for logs */
};

#define WORKER_CHAN_READ_SIZE 65536	/* a configuration image comes in few reads */

struct worker {
	unsigned int send_batch;	/* sends queued before a submit */
	unsigned int coalesce_us;	/* wait this long for a batch of completions */
	struct io_uring ring;
	unsigned int ring_flags;	/* IORING_SETUP_* that took */
	struct ring_bufs bufs;
	struct file_slots files;	/* the sparse fixed-file table */
	struct ingress ingress;
	struct fwd fwd;
	struct generation *gen;		/* the rules in force */
	struct generation *retired;	/* older ones, until their last send completes */
	struct generation *pending;	/* prepared, awaiting commit or abort */
	uint64_t pending_txn;
	uint64_t next_gen_id;
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
	struct __kernel_timespec retry_ts;
	bool is_retry_armed;
	bool is_stopping;
	uint64_t stop_deadline_ns;
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

/* Fixed files in the table at once; more than any configuration can use. */
#define WORKER_MAX_FILES 16384

/*
 * apply.c: switching rule generations.  worker_prepare() builds a
 * generation from cfg (whose rules move into it) without putting it in
 * force; worker_commit() puts it in force, or on failure (logged) frees it
 * and leaves the rules in force as they were; worker_abort() frees it.
 * worker_apply() is both at once.  All return 0 or -errno.
 */
int worker_prepare(struct worker *w, struct mcr_config *cfg, struct generation **ret_gen);
int worker_commit(struct worker *w, struct generation *g);
void worker_abort(struct worker *w, struct generation *g);
int worker_apply(struct worker *w, struct mcr_config *cfg);
void worker_gen_put(struct worker *w, struct generation *g);
void worker_close_idle_ports(struct worker *w);
void worker_free_generations(struct worker *w);

/* worker.c */
void worker_arm_recv(struct worker *w, size_t port);
/*
 * Size the receive buffers for the largest MTU of the inputs in use: after
 * every change of the inputs.  An MTU that grows later (without a change)
 * makes longer frames count as too_big until the next one.
 */
void worker_fit_buffers(struct worker *w);

#endif
