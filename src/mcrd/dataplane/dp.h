/* SPDX-License-Identifier: MIT */
/*
 * The data path's owner: one per worker.  It holds the io_uring, the
 * buffer pool, the fixed-file table, the ingress ports, the fan-out state
 * and the rule generations (the one in force and the retired ones still in
 * use).  The worker loop drives it; the receive path (rx.c), the fan-out
 * (fwd.c) and the generation switch (apply.c, gen.c) work on it, never on
 * the worker.
 */
#ifndef MCR_DP_H
#define MCR_DP_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "mcrd/dataplane/fileslots.h"
#include "mcrd/dataplane/fwd.h"
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
	OP_XSK,			/* low bits: ingress port; its AF_XDP socket is readable */
	OP_KIND_MAX
};

#define OP_SHIFT 56
#define OP_DATA(op, idx) (((uint64_t)(op) << OP_SHIFT) | (uint64_t)(idx))

/* Fixed files in the table at once; more than any configuration can use. */
#define DP_MAX_FILES 16384

struct privs;

struct dp_opts {
	const struct privs *privs;	/* dropped once the ring exists; NULL: keep all */
	unsigned int n_workers;		/* the daemon's, for advice on limits they share */
	int fanout_base;		/* PACKET_FANOUT id base (ingress.h), or -1 for none */
};

struct dp {
	unsigned int send_batch;	/* sends queued before a submit */
	struct io_uring ring;
	unsigned int ring_flags;	/* IORING_SETUP_* that took */
	struct ring_bufs bufs;
	struct file_slots files;	/* the sparse fixed-file table */
	struct ingress ingress;
	struct fwd fwd;
	struct generation *gen;		/* the rules in force */
	struct generation *retired;	/* older ones, until their last send completes */
	uint64_t next_gen_id;
	bool is_stopping;		/* set by the loop: arm no receive, retry no send */
};

/*
 * Create the ring and the buffer pool sized by cfg, drop privileges
 * (opts->privs) once what needs locked memory exists, then the fan-out
 * state, the fixed-file table and the (empty) ingress.  No rules are in
 * force yet: apply_config() puts the first ones in.  Logs and returns
 * -errno on failure.
 */
int dp_init(struct dp *dp, const struct mcr_config *cfg, const struct dp_opts *opts);
/* Free everything, the generations included; the ring goes last. */
void dp_exit(struct dp *dp);

#endif
