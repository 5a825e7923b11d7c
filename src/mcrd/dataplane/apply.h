/* SPDX-License-Identifier: MIT */
/*
 * Switching the data path to new rules while it relays, in two steps.
 * apply_prepare() builds a generation from cfg (whose rules move into it)
 * without putting it in force; apply_commit() puts it in force, or on
 * failure (logged) frees it and leaves the rules in force as they were;
 * apply_abort() frees it.  apply_config() is both at once.
 */
#ifndef MCR_APPLY_H
#define MCR_APPLY_H

#include "config/config.h"

struct dp;
struct generation;

/* Returns 0 or -errno (logged). */
int apply_prepare(struct dp *dp, struct mcr_config *cfg, struct generation **ret_gen);
/* Returns 0 or -errno (logged); g is in force or freed. */
int apply_commit(struct dp *dp, struct generation *g);
/* Drop a prepared generation; NULL is a no-op. */
void apply_abort(struct dp *dp, struct generation *g);
/* Prepare and commit; 0 or -errno. */
int apply_config(struct dp *dp, struct mcr_config *cfg);

#endif
