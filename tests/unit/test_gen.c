// SPDX-License-Identifier: MIT
/*
 * Unit tests for the counters a rule change carries from one generation to
 * the next (gen_move_counters()): rules are matched by name wherever they
 * moved, outputs by interface, group and port wherever they moved within
 * their rule; what has no match stays behind; and at 4,096 rules a removal
 * that shifts every rule by one lands each count on its own rule.  The
 * generations are built by hand (configuration and counters only: no
 * table, no sockets), as gen_move_counters() reads nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcrd/dataplane/gen.h"

#define SCALE	4096

/* Rule `name` with n outputs on "o1", ports 6000.. (output k: port 6000 + ports[k]). */
static void make_rule(struct mcr_rule *r, const char *name, size_t n, const unsigned int *ports)
{
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->name, sizeof(r->name), "%s", name);
	(void)snprintf(r->in_ifname, sizeof(r->in_ifname), "in");
	r->in_group.v4.s_addr = htonl(0xef010101u);
	r->n_outputs = n;
	r->outputs = calloc(n ? n : 1, sizeof(*r->outputs));
	assert_non_null(r->outputs);
	for (size_t k = 0; k < n; k++) {
		(void)snprintf(r->outputs[k].ifname, sizeof(r->outputs[k].ifname), "o1");
		r->outputs[k].group.v4.s_addr = htonl(0xef020202u);
		r->outputs[k].port = (uint16_t)(6000 + ports[k]);
	}
}

/* A generation over n rules (made by the caller into g->cfg.rules), counters zero. */
static struct generation *gen_of(struct mcr_rule *rules, size_t n)
{
	struct generation *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	config_init(&g->cfg);
	g->cfg.rules = rules;
	g->cfg.n_rules = n;
	assert_int_equal(stats_new(&g->cfg, &g->stats), 0);
	return g;
}

static void gen_drop(struct generation *g)
{
	stats_free(g->stats);
	config_free(&g->cfg);
	free(g);
}

static void t_counters_follow_names(void **state)
{
	static const unsigned int p01[] = { 0, 1 }, p10[] = { 1, 0 }, p12[] = { 1, 2 };
	struct mcr_rule *a = calloc(3, sizeof(*a)), *b = calloc(4, sizeof(*b));
	struct generation *from, *to;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	make_rule(&a[0], "A", 1, p01);
	make_rule(&a[1], "B", 2, p01);
	make_rule(&a[2], "C", 2, p01);
	/* C first, A, a new D, then B with its outputs swapped; C lost output 0. */
	make_rule(&b[0], "C", 2, p12);
	make_rule(&b[1], "A", 1, p01);
	make_rule(&b[2], "D", 1, p01);
	make_rule(&b[3], "B", 2, p10);
	from = gen_of(a, 3);
	to = gen_of(b, 4);
	for (size_t r = 0; r < 3; r++) {
		from->stats->rules[r].packets = 100 * (r + 1);
		from->stats->rules[r].bytes = 1000 * (r + 1);
		for (size_t o = 0; o < a[r].n_outputs; o++)
			stats_output(from->stats, r, o)->packets = 10 * (r + 1) + o;
	}

	gen_move_counters(to, from);
	assert_int_equal(to->stats->rules[1].packets, 100);	/* A */
	assert_int_equal(to->stats->rules[3].packets, 200);	/* B */
	assert_int_equal(to->stats->rules[3].bytes, 2000);
	assert_int_equal(to->stats->rules[0].packets, 300);	/* C */
	assert_int_equal(to->stats->rules[2].packets, 0);	/* D is new */
	assert_int_equal(stats_output(to->stats, 1, 0)->packets, 10);
	/* B's outputs moved places: each kept its own count. */
	assert_int_equal(stats_output(to->stats, 3, 0)->packets, 21);
	assert_int_equal(stats_output(to->stats, 3, 1)->packets, 20);
	/* C's output 1 (port 6001) is now its output 0; port 6002 is new. */
	assert_int_equal(stats_output(to->stats, 0, 0)->packets, 31);
	assert_int_equal(stats_output(to->stats, 0, 1)->packets, 0);
	/* What moved is zero behind; C's dropped output keeps its count there. */
	for (size_t r = 0; r < 3; r++)
		assert_int_equal(from->stats->rules[r].packets, 0);
	assert_int_equal(stats_output(from->stats, 2, 0)->packets, 30);
	assert_int_equal(stats_output(from->stats, 2, 1)->packets, 0);
	gen_drop(from);
	gen_drop(to);
}

/* 4,096 rules, the first removed: every other rule shifts down by one. */
static void t_counters_at_scale(void **state)
{
	static const unsigned int p0[] = { 0 };
	struct mcr_rule *a = calloc(SCALE, sizeof(*a)), *b = calloc(SCALE - 1, sizeof(*b));
	struct generation *from, *to;
	char name[MCR_NAME_MAX];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (size_t r = 0; r < SCALE; r++) {
		(void)snprintf(name, sizeof(name), "r%zu", r);
		make_rule(&a[r], name, 1, p0);
		if (r > 0)
			make_rule(&b[r - 1], name, 1, p0);
	}
	from = gen_of(a, SCALE);
	to = gen_of(b, SCALE - 1);
	for (size_t r = 0; r < SCALE; r++) {
		from->stats->rules[r].packets = r + 1;
		stats_output(from->stats, r, 0)->packets = r + 1;
	}

	gen_move_counters(to, from);
	for (size_t t = 0; t < SCALE - 1; t++) {
		assert_int_equal(to->stats->rules[t].packets, t + 2);
		assert_int_equal(stats_output(to->stats, t, 0)->packets, t + 2);
	}
	assert_int_equal(from->stats->rules[0].packets, 1);
	gen_drop(from);
	gen_drop(to);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_counters_follow_names),
		cmocka_unit_test(t_counters_at_scale),
	};

	return cmocka_run_group_tests_name("gen", tests, NULL, NULL);
}
