// SPDX-License-Identifier: MIT
/*
 * Switching a worker to new rules while it relays, in two steps.  Prepare
 * does everything that can fail (building the table, opening sockets,
 * registering them) and keeps the result pending, in force nowhere; commit
 * updates the input sockets and makes it current with a pointer assignment
 * between two completions, so no packet ever sees half a configuration; abort
 * drops it.  The previous generation lives on until its last send completes.
 */
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "mcrd/dataplane/worker.h"

static int files_set(struct worker *w, unsigned int base, const int *fds, unsigned int n)
{
	int ret;

	if (n == 0)
		return 0;
	ret = io_uring_register_files_update(&w->ring, base, fds, n);
	if (ret < 0) {
		log_err_errno(ret, "cannot register %u sockets with io_uring", n);
		return ret;
	}
	return 0;
}

/* Replace registered files by -1, which drops the ring's reference. */
static void files_clear(struct worker *w, unsigned int base, unsigned int n)
{
	int *none = malloc((n ? n : 1) * sizeof(*none));

	if (!none)
		return;
	for (unsigned int i = 0; i < n; i++)
		none[i] = -1;
	(void)files_set(w, base, none, n);
	free(none);
	file_slots_release(&w->files, base, n);
}

static int gen_register(struct worker *w, struct generation *g)
{
	unsigned int n = (unsigned int)g->egress.n_fds;
	int base = file_slots_alloc(&w->files, n);
	int ret;

	if (base < 0) {
		log_err("no room for %u more sockets in the io_uring file table", n);
		return base;
	}
	ret = files_set(w, (unsigned int)base, g->egress.fds, n);
	if (ret < 0) {
		file_slots_release(&w->files, (unsigned int)base, n);
		return ret;
	}
	g->file_base = (unsigned int)base;
	return 0;
}

static void gen_retire(struct worker *w, struct generation *g)
{
	/* Sends that completed after the switch counted here: hand them on. */
	if (w->gen && w->gen != g)
		gen_move_counters(w->gen, g);
	files_clear(w, g->file_base, (unsigned int)g->egress.n_fds);
	gen_free(g);
}

void worker_gen_put(struct worker *w, struct generation *g)
{
	struct generation **pp;

	if (--g->refs || g == w->gen)
		return;
	for (pp = &w->retired; *pp; pp = &(*pp)->next_retired) {
		if (*pp == g) {
			*pp = g->next_retired;
			break;
		}
	}
	gen_retire(w, g);
}

/* Register and start receiving on ports ingress_update() opened. */
static void start_new_ports(struct worker *w)
{
	for (size_t i = 0; i < w->ingress.n; i++) {
		struct ingress_port *p = &w->ingress.ports[i];
		int slot;

		if (!ingress_port_is_open(p) || p->file >= 0)
			continue;
		slot = file_slots_alloc(&w->files, 1);
		if (slot < 0 || files_set(w, (unsigned int)slot, &p->fd, 1) < 0) {
			log_err("%s: cannot register the input socket, closing it", p->ifname);
			if (slot >= 0)
				file_slots_release(&w->files, (unsigned int)slot, 1);
			ingress_port_close(p);
			continue;
		}
		p->file = slot;
		if (!w->is_stopping)
			worker_arm_recv(w, i);
	}
}

void worker_close_idle_ports(struct worker *w)
{
	for (size_t i = 0; i < w->ingress.n; i++) {
		struct ingress_port *p = &w->ingress.ports[i];

		if (!ingress_port_is_open(p) || !p->is_closing || p->is_armed)
			continue;
		if (p->file >= 0)
			files_clear(w, (unsigned int)p->file, 1);
		ingress_port_close(p);
	}
}

int worker_prepare(struct worker *w, struct mcr_config *cfg, struct generation **ret_gen)
{
	struct generation *g;
	int ret;

	/* A rule waiting for an interface relays nothing; the supervisor shows it. */
	(void)config_drop_waiting(cfg);
	ret = gen_new(cfg, w->next_gen_id, w->gen ? &w->gen->egress : NULL, &g);
	if (ret < 0)
		return ret;
	ret = gen_register(w, g);
	if (ret < 0) {
		gen_free(g);
		return ret;
	}
	ret = ingress_prepare(&w->ingress, &g->cfg);
	if (ret < 0) {
		files_clear(w, g->file_base, (unsigned int)g->egress.n_fds);
		gen_free(g);
		return ret;
	}
	w->next_gen_id++;
	*ret_gen = g;
	return 0;
}

void worker_abort(struct worker *w, struct generation *g)
{
	if (!g)
		return;
	ingress_abort(&w->ingress);
	files_clear(w, g->file_base, (unsigned int)g->egress.n_fds);
	gen_free(g);
}

int worker_commit(struct worker *w, struct generation *g)
{
	struct generation *old = w->gen;
	int ret;

	/* The only step that touches what is in force; it changes nothing when it fails. */
	ret = ingress_update(&w->ingress, &g->cfg);
	if (ret < 0) {
		worker_abort(w, g);
		return ret;
	}
	/* The current generation holds a reference of its own while current. */
	g->refs = 1;
	w->gen = g;
	worker_fit_buffers(w);
	start_new_ports(w);
	if (old) {
		gen_move_counters(g, old);
		old->next_retired = w->retired;
		w->retired = old;
		worker_gen_put(w, old);
	}
	return 0;
}

int worker_apply(struct worker *w, struct mcr_config *cfg)
{
	struct generation *g;
	int ret = worker_prepare(w, cfg, &g);

	return ret < 0 ? ret : worker_commit(w, g);
}

void worker_free_generations(struct worker *w)
{
	while (w->retired) {
		struct generation *g = w->retired;

		w->retired = g->next_retired;
		gen_free(g);
	}
	gen_free(w->gen);
	w->gen = NULL;
}
