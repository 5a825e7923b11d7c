// SPDX-License-Identifier: MIT
/*
 * Setting up and tearing down the data path's owner (dp.h): the ring and
 * its buffer pool first, while the worker may still lock memory, then what
 * relaying needs besides the rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "common/log.h"
#include "mcrd/dataplane/dp.h"
#include "mcrd/dataplane/gen.h"
#include "mcrd/privs.h"

static unsigned int next_pow2(unsigned int v)
{
	unsigned int p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/*
 * The ring or the buffer ring could not be locked in memory: say which
 * limit, how far to raise it, and the other ways out.  Every process of a
 * user counts against one RLIMIT_MEMLOCK, so all the workers count.
 */
static void log_memlock_advice(const char *what, size_t per_worker, const struct dp_opts *opts)
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
static int ring_setup(struct dp *dp, const struct mcr_config *cfg, unsigned int cq,
		      const struct dp_opts *opts)
{
	bool is_own_pool = cfg->ingress != INGRESS_MULTISHOT;
	size_t locked = ring_locked_bytes(cfg->queue_depth, cq, is_own_pool ? 0 : cfg->buffers);
	int ret;

	ret = ring_init(&dp->ring, cfg->queue_depth, cq, &dp->ring_flags);
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
	ret = ring_bufs_init(&dp->bufs, &dp->ring, cfg->buffers, RING_BUF_SIZE, is_own_pool);
	if (ret == -ENOMEM)
		log_memlock_advice("register the ingress buffer ring", locked, opts);
	else if (ret < 0)
		log_err_errno(ret, "cannot register %u ingress buffers (provided buffer rings "
				   "need Linux 5.19)",
			      cfg->buffers);
	if (ret < 0)
		io_uring_queue_exit(&dp->ring);
	return ret;
}

int dp_init(struct dp *dp, const struct mcr_config *cfg, const struct dp_opts *opts)
{
	/* Every send slot and every buffer can post a completion at once. */
	unsigned int n_slots = 4 * cfg->queue_depth;
	unsigned int cq = next_pow2(n_slots + cfg->buffers + 64);
	int ret;

	memset(dp, 0, sizeof(*dp));
	dp->send_batch = cfg->send_batch;
	if (cq > 65536)
		cq = 65536;

	ret = ring_setup(dp, cfg, cq, opts);
	if (ret < 0)
		return ret;
	if (opts->privs && (ret = privs_drop(opts->privs)) < 0)
		goto out_bufs;
	ret = fwd_init(&dp->fwd, n_slots, cfg->buffers);
	if (ret < 0)
		goto out_bufs;
	/* Fixed files spare the kernel an fd lookup and refcount per send. */
	ret = file_slots_init(&dp->files, DP_MAX_FILES);
	if (ret == 0)
		ret = io_uring_register_files_sparse(&dp->ring, DP_MAX_FILES);
	if (ret < 0) {
		log_err_errno(ret, "cannot create a table of %d io_uring files (raise "
				   "RLIMIT_NOFILE; sparse tables need Linux 5.19)",
			      DP_MAX_FILES);
		goto out_fwd;
	}
	ret = ingress_init(&dp->ingress, opts->fanout_base, cfg->ingress);
	if (ret < 0)
		goto out_files;
	log_debug("io_uring: %u SQ / %u CQ entries, flags %#x, %u buffers, %u send slots",
		  cfg->queue_depth, cq, dp->ring_flags, cfg->buffers, n_slots);
	return 0;

out_files:
	file_slots_exit(&dp->files);
out_fwd:
	fwd_exit(&dp->fwd);
out_bufs:
	ring_bufs_exit(&dp->bufs, &dp->ring);
	io_uring_queue_exit(&dp->ring);
	return ret;
}

void dp_exit(struct dp *dp)
{
	gen_free_all(dp);
	ingress_exit(&dp->ingress);
	file_slots_exit(&dp->files);
	fwd_exit(&dp->fwd);
	ring_bufs_exit(&dp->bufs, &dp->ring);
	io_uring_queue_exit(&dp->ring);
}
