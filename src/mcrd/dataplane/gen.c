// SPDX-License-Identifier: MIT
/* Rule generations; see gen.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "mcrd/dataplane/dp.h"
#include "mcrd/dataplane/gen.h"

int gen_new(struct mcr_config *cfg, uint64_t id, const struct egress *prev,
	    struct generation **ret)
{
	struct generation *g = calloc(1, sizeof(*g));
	size_t dup;
	int r;

	if (!g)
		return -ENOMEM;
	g->id = id;
	g->cfg = *cfg;
	config_init(cfg);
	r = rule_table_new(&g->cfg, &g->table, &dup);
	if (r < 0) {
		log_err_errno(r, "cannot build the forwarding table");
		goto out_free;
	}
	r = stats_new(&g->cfg, &g->stats);
	if (r < 0)
		goto out_free;
	r = egress_init_from(&g->egress, &g->cfg, prev);
	if (r < 0)
		goto out_free;
	*ret = g;
	return 0;

out_free:
	gen_free(g);
	return r;
}

void gen_free(struct generation *g)
{
	if (!g)
		return;
	if (g->egress.fds)
		egress_exit(&g->egress);
	stats_free(g->stats);
	rule_table_free(g->table);
	config_free(&g->cfg);
	free(g);
}

static const struct mcr_rule *find_rule(const struct mcr_config *cfg, const char *name,
					size_t *ret_idx)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		if (strcmp(cfg->rules[r].name, name) == 0) {
			*ret_idx = r;
			return &cfg->rules[r];
		}
	}
	return NULL;
}

static bool is_same_output(const struct mcr_output *a, const struct mcr_output *b)
{
	return strcmp(a->ifname, b->ifname) == 0 && a->group.s_addr == b->group.s_addr &&
	       a->port == b->port;
}

static void add_output(struct output_stats *to, struct output_stats *from)
{
	to->packets += from->packets;
	to->bytes += from->bytes;
	to->send_errors += from->send_errors;
	to->retries += from->retries;
	to->drops += from->drops;
	to->ttl_expired += from->ttl_expired;
	to->too_big += from->too_big;
	memset(from, 0, sizeof(*from));
}

void gen_move_counters(struct generation *to, struct generation *from)
{
	for (size_t r = 0; r < from->cfg.n_rules; r++) {
		const struct mcr_rule *old = &from->cfg.rules[r], *new;
		size_t t;

		new = find_rule(&to->cfg, old->name, &t);
		if (!new)
			continue;
		to->stats->rules[t].packets += from->stats->rules[r].packets;
		to->stats->rules[t].bytes += from->stats->rules[r].bytes;
		memset(&from->stats->rules[r], 0, sizeof(from->stats->rules[r]));
		for (size_t o = 0; o < old->n_outputs; o++)
			for (size_t p = 0; p < new->n_outputs; p++)
				if (is_same_output(&old->outputs[o], &new->outputs[p]))
					add_output(stats_output(to->stats, t, p),
						   stats_output(from->stats, r, o));
	}
}

static void gen_retire(struct dp *dp, struct generation *g)
{
	/* Sends that completed after the switch counted here: hand them on. */
	if (dp->gen && dp->gen != g)
		gen_move_counters(dp->gen, g);
	file_slots_clear(&dp->files, &dp->ring, g->file_base, (unsigned int)g->egress.n_fds);
	gen_free(g);
}

void gen_put(struct dp *dp, struct generation *g)
{
	struct generation **pp;

	if (--g->refs || g == dp->gen)
		return;
	for (pp = &dp->retired; *pp; pp = &(*pp)->next_retired) {
		if (*pp == g) {
			*pp = g->next_retired;
			break;
		}
	}
	gen_retire(dp, g);
}

void gen_free_all(struct dp *dp)
{
	while (dp->retired) {
		struct generation *g = dp->retired;

		dp->retired = g->next_retired;
		gen_free(g);
	}
	gen_free(dp->gen);
	dp->gen = NULL;
}
