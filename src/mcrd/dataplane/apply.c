// SPDX-License-Identifier: MIT
/*
 * Switching the data path to new rules while it relays, in two steps.
 * Prepare does everything that can fail (building the table, opening
 * sockets, registering them) and keeps the result pending, in force
 * nowhere; commit updates the input sockets and makes it current with a
 * pointer assignment between two completions, so no packet ever sees half a
 * configuration; abort drops it.  The previous generation lives on until its
 * last send completes (gen_put()).
 */
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "mcrd/dataplane/apply.h"
#include "mcrd/dataplane/dp.h"
#include "mcrd/dataplane/gen.h"
#include "mcrd/dataplane/rx.h"

/* Give g's egress sockets a range of the fixed-file table. */
static int register_egress(struct dp *dp, struct generation *g)
{
	unsigned int n = (unsigned int)g->egress.n_fds;
	int base = file_slots_alloc(&dp->files, n);
	int ret;

	if (base < 0) {
		log_err("no room for %u more sockets in the io_uring file table", n);
		return base;
	}
	ret = file_slots_register(&dp->ring, (unsigned int)base, g->egress.fds, n);
	if (ret < 0) {
		file_slots_release(&dp->files, (unsigned int)base, n);
		return ret;
	}
	g->file_base = (unsigned int)base;
	return 0;
}

/* Register and start receiving on ports ingress_update() opened. */
static void start_new_ports(struct dp *dp)
{
	for (size_t i = 0; i < dp->ingress.n; i++) {
		struct ingress_port *p = &dp->ingress.ports[i];
		int slot;

		if (!ingress_port_is_open(p) || p->file >= 0)
			continue;
		slot = file_slots_alloc(&dp->files, 1);
		if (slot < 0 || file_slots_register(&dp->ring, (unsigned int)slot, &p->fd, 1) < 0) {
			log_err("%s: cannot register the input socket, closing it", p->ifname);
			if (slot >= 0)
				file_slots_release(&dp->files, (unsigned int)slot, 1);
			ingress_port_close(p);
			continue;
		}
		p->file = slot;
		if (!dp->is_stopping)
			rx_arm(dp, i);
	}
}

int apply_prepare(struct dp *dp, struct mcr_config *cfg, struct generation **ret_gen)
{
	struct generation *g;
	int ret;

	/* A rule waiting for an interface relays nothing; the supervisor shows it. */
	(void)config_drop_waiting(cfg);
	/* Nor does an output whose group has no listeners ("when": "joined"). */
	(void)config_drop_idle(cfg);
	ret = gen_new(cfg, dp->next_gen_id, dp->gen ? &dp->gen->egress : NULL, &g);
	if (ret < 0)
		return ret;
	ret = register_egress(dp, g);
	if (ret < 0) {
		gen_free(g);
		return ret;
	}
	ret = ingress_prepare(&dp->ingress, &g->cfg);
	if (ret < 0) {
		file_slots_clear(&dp->files, &dp->ring, g->file_base,
				 (unsigned int)g->egress.n_fds);
		gen_free(g);
		return ret;
	}
	dp->next_gen_id++;
	*ret_gen = g;
	return 0;
}

void apply_abort(struct dp *dp, struct generation *g)
{
	if (!g)
		return;
	ingress_abort(&dp->ingress);
	file_slots_clear(&dp->files, &dp->ring, g->file_base, (unsigned int)g->egress.n_fds);
	gen_free(g);
}

int apply_commit(struct dp *dp, struct generation *g)
{
	struct generation *old = dp->gen;
	int ret;

	/* The only step that touches what is in force; it changes nothing when it fails. */
	ret = ingress_update(&dp->ingress, &g->cfg);
	if (ret < 0) {
		apply_abort(dp, g);
		return ret;
	}
	/* The current generation holds a reference of its own while current. */
	g->refs = 1;
	if (old)
		egress_take_over(&g->egress, &old->egress);
	dp->gen = g;
	rx_fit_buffers(dp);
	start_new_ports(dp);
	if (old) {
		gen_move_counters(g, old);
		old->next_retired = dp->retired;
		dp->retired = old;
		gen_put(dp, old);
	}
	return 0;
}

int apply_config(struct dp *dp, struct mcr_config *cfg)
{
	struct generation *g;
	int ret = apply_prepare(dp, cfg, &g);

	return ret < 0 ? ret : apply_commit(dp, g);
}
