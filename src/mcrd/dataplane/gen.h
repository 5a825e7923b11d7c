/* SPDX-License-Identifier: MIT */
/*
 * A rule generation: everything a worker derives from one configuration
 * (the forwarding table, per-rule and per-output counters, the egress
 * sockets).  A rule change builds a new generation and makes it current;
 * the old one stays alive, untouched, until the last send or back-logged
 * packet that uses it is done, so a change never disturbs packets in
 * flight, and rules that did not change keep relaying without a gap.
 */
#ifndef MCR_GEN_H
#define MCR_GEN_H

#include <stdint.h>

#include "config/config.h"
#include "mcrd/dataplane/egress.h"
#include "mcrd/dataplane/rule.h"
#include "mcrd/dataplane/stats.h"

struct dp;

struct generation {
	uint64_t id;
	struct mcr_config cfg;		/* owned */
	struct rule_table *table;	/* owned; indexes cfg.rules */
	struct mcr_stats *stats;	/* owned; rules and outputs of cfg */
	struct egress egress;		/* owned */
	unsigned int file_base;		/* egress.fds[i] is fixed file file_base + i */
	uint32_t refs;			/* sends in flight and back-logged packets */
	struct generation *next_retired;
};

/*
 * Build a generation from cfg, which must be resolved; its contents move
 * into the generation (cfg is left empty).  prev is the egress of the rules
 * in force (or NULL): its packet sockets are shared, see egress_init_from().
 * Logs and returns -errno.
 */
int gen_new(struct mcr_config *cfg, uint64_t id, const struct egress *prev,
	    struct generation **ret);
void gen_free(struct generation *g);

/*
 * Move the counters of every rule and output that also exists in `to`
 * (same rule name; same interface, group and port) from `from` into `to`,
 * leaving them zero in `from`: whatever `from` counts after this (its sends
 * still in flight) is a delta to add again when it retires.
 */
void gen_move_counters(struct generation *to, struct generation *from);

/*
 * Drop a reference to g (a send completed, a back-logged packet is done).
 * A retired generation whose last reference goes is retired for good: its
 * late counters move to the rules in force, its sockets leave the ring's
 * file table, and it is freed.
 */
void gen_put(struct dp *dp, struct generation *g);
/* Free the generation in force and every retired one, in use or not. */
void gen_free_all(struct dp *dp);

#endif
