// SPDX-License-Identifier: MIT
/* Rule generations; see gen.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Report an allocation failure instead of exiting. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

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

static bool is_same_output(const struct mcr_output *a, const struct mcr_output *b)
{
	return strcmp(a->ifname, b->ifname) == 0 && addr_ip_equal(&a->group, &b->group) &&
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

/* Output p of new matching output o of old: the same place first, as is usual. */
static bool find_output(const struct mcr_rule *old, size_t o, const struct mcr_rule *new,
			size_t *ret)
{
	if (o < new->n_outputs && is_same_output(&old->outputs[o], &new->outputs[o])) {
		*ret = o;
		return true;
	}
	for (size_t p = 0; p < new->n_outputs; p++) {
		if (is_same_output(&old->outputs[o], &new->outputs[p])) {
			*ret = p;
			return true;
		}
	}
	return false;
}

static void move_rule(struct generation *to, size_t t, struct generation *from, size_t r)
{
	const struct mcr_rule *old = &from->cfg.rules[r], *new = &to->cfg.rules[t];
	size_t p;

	to->stats->rules[t].packets += from->stats->rules[r].packets;
	to->stats->rules[t].bytes += from->stats->rules[r].bytes;
	memset(&from->stats->rules[r], 0, sizeof(from->stats->rules[r]));
	for (size_t o = 0; o < old->n_outputs; o++)
		if (find_output(old, o, new, &p))
			add_output(stats_output(to->stats, t, p), stats_output(from->stats, r, o));
}

struct name_entry {
	size_t index;
	UT_hash_handle hh;
};

/*
 * Rules are matched by name through a hash of to's names, so this costs
 * O(rules) (it runs between two completions at every change and every
 * retirement), not O(rules^2).  Without memory for the hash, the rules are
 * matched at the same place only: counters may then restart, packets never
 * wait.
 */
void gen_move_counters(struct generation *to, struct generation *from)
{
	struct name_entry *entries = calloc(to->cfg.n_rules ? to->cfg.n_rules : 1,
					    sizeof(*entries));
	struct name_entry *head = NULL, *e;

	for (size_t t = 0; entries && t < to->cfg.n_rules; t++) {
		const char *name = to->cfg.rules[t].name;

		entries[t].index = t;
		HASH_ADD_KEYPTR(hh, head, name, strlen(name), &entries[t]);
		if (!entries[t].hh.tbl)
			break;
	}
	for (size_t r = 0; r < from->cfg.n_rules; r++) {
		const char *name = from->cfg.rules[r].name;

		if (r < to->cfg.n_rules && strcmp(to->cfg.rules[r].name, name) == 0) {
			move_rule(to, r, from, r);
			continue;
		}
		HASH_FIND(hh, head, name, strlen(name), e);
		if (e)
			move_rule(to, e->index, from, r);
	}
	HASH_CLEAR(hh, head);
	free(entries);
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
