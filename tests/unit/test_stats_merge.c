// SPDX-License-Identifier: MIT
/* Unit tests for adding up the workers' counters (stats_merge.c) and for channel framing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcrd/chan.h"
#include "mcrd/supervisor/stats_merge.h"

/* A configuration from --rule specs on the loopback interface, resolved. */
static void load(struct mcr_config *cfg, const char *const *specs, size_t n)
{
	struct config_error err;

	config_init(cfg);
	for (size_t i = 0; i < n; i++)
		if (config_add_shorthand(cfg, specs[i], &err) < 0)
			fail_msg("%s: %s", specs[i], err.msg);
	if (config_resolve(cfg, &err) < 0)
		fail_msg("resolve: %s", err.msg);
}

/*
 * A worker's report for cfg: rule r counts 100 * (r + 1) packets and
 * 1000 * (r + 1) bytes (times k), output o of it 10 * (r + 1) + o
 * packets; one input "lo" with k frames.  Returns its length.
 */
static size_t report(const struct mcr_config *cfg, uint64_t k, char **ret)
{
	struct stats_wire_input in = { .ifname = "lo" };
	struct mcr_stats *st;
	size_t len;

	assert_int_equal(stats_new(cfg, &st), 0);
	for (size_t r = 0; r < cfg->n_rules; r++) {
		st->rules[r].packets = k * 100 * (r + 1);
		st->rules[r].bytes = k * 1000 * (r + 1);
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++)
			stats_output(st, r, o)->packets = k * (10 * (r + 1) + o);
	}
	len = stats_wire_size(st, 1);
	*ret = calloc(1, len);
	assert_non_null(*ret);
	in.st.frames = k;
	memcpy(stats_wire_put(st, 7, 1, *ret), &in, sizeof(in));
	stats_free(st);
	return len;
}

/* Two workers on the same rules add up index by index; inputs by name. */
static void t_sums_two_workers(void **state)
{
	static const char *const specs[] = {
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.1; lo,239.2.2.2",
		"b=lo,239.1.1.2:5000 -> lo,239.2.2.3",
	};
	struct mcr_config cfg;
	struct stats_index ix;
	struct stats_map m;
	struct stats_counts w1, w2, sum;
	struct stats_totals t;
	char *d1, *d2;
	size_t n1, n2;

	(void)state;
	load(&cfg, specs, 2);
	assert_int_equal(stats_index_build(&ix, &cfg), 0);
	assert_int_equal(ix.n_outputs, 3);
	assert_int_equal(stats_map_build(&m, &cfg, &cfg, &ix), 0);
	assert_int_equal(stats_counts_init(&w1, &ix), 0);
	assert_int_equal(stats_counts_init(&w2, &ix), 0);
	assert_int_equal(stats_counts_init(&sum, &ix), 0);
	n1 = report(&cfg, 1, &d1);
	n2 = report(&cfg, 2, &d2);
	assert_int_equal(stats_counts_take(&w1, &m, d1, n1), 0);
	assert_int_equal(stats_counts_take(&w2, &m, d2, n2), 0);
	assert_int_equal(stats_counts_add(&sum, &w1), 0);
	assert_int_equal(stats_counts_add(&sum, &w2), 0);
	assert_int_equal(sum.rules[0].packets, 300);
	assert_int_equal(sum.rules[1].bytes, 6000);
	assert_int_equal(sum.outputs[1].packets, 3 * 11);	/* a's second output */
	assert_int_equal(sum.outputs[2].packets, 3 * 20);	/* b's only output */
	assert_int_equal(sum.n_inputs, 1);
	assert_int_equal(sum.inputs[0].st.frames, 3);
	stats_counts_totals(&sum, &t);
	assert_int_equal(t.packets_in, 900);
	assert_int_equal(t.packets_out, 3 * (10 + 11 + 20));

	/* A report counted on other rules is refused, not misread. */
	assert_int_equal(stats_counts_take(&w1, &m, d1, n1 - 1), -EBADMSG);
	m.n_rules = 1;
	assert_int_equal(stats_counts_take(&w1, &m, d1, n1), -ESTALE);
	free(d1);
	free(d2);
	stats_counts_free(&w1);
	stats_counts_free(&w2);
	stats_counts_free(&sum);
	stats_map_free(&m);
	stats_index_free(&ix);
	config_free(&cfg);
}

/* A worker whose rules (or a rule's outputs) are in another order maps by name and destination. */
static void t_maps_by_identity(void **state)
{
	static const char *const mine[] = {
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.1; lo,239.2.2.2",
		"b=lo,239.1.1.2:5000 -> lo,239.2.2.3",
		"c=lo,239.1.1.3:5000 -> lo,239.2.2.4",
	};
	static const char *const worker[] = {
		"b=lo,239.1.1.2:5000 -> lo,239.2.2.3",
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.2; lo,239.2.2.1",
		"x=lo,239.1.1.9:5000 -> lo,239.2.2.9",	/* not ours (yet) */
	};
	struct mcr_config cfg, wcfg;
	struct stats_index ix;
	struct stats_map m;
	struct stats_counts c;
	char *d;
	size_t n;

	(void)state;
	load(&cfg, mine, 3);
	load(&wcfg, worker, 3);
	assert_int_equal(stats_index_build(&ix, &cfg), 0);
	assert_int_equal(stats_map_build(&m, &wcfg, &cfg, &ix), 0);
	assert_int_equal(m.rule[0], 1);
	assert_int_equal(m.rule[1], 0);
	assert_int_equal(m.rule[2], STATS_UNMAPPED);
	assert_int_equal(stats_counts_init(&c, &ix), 0);
	n = report(&wcfg, 1, &d);
	assert_int_equal(stats_counts_take(&c, &m, d, n), 0);
	assert_int_equal(c.rules[0].packets, 200);	/* a: the worker's rule 1 */
	assert_int_equal(c.rules[1].packets, 100);	/* b: its rule 0 */
	assert_int_equal(c.rules[2].packets, 0);	/* c: it has none */
	assert_int_equal(c.outputs[0].packets, 21);	/* a -> 239.2.2.1: its output 1 */
	assert_int_equal(c.outputs[1].packets, 20);
	assert_int_equal(c.outputs[2].packets, 10);
	free(d);
	stats_counts_free(&c);
	stats_map_free(&m);
	stats_index_free(&ix);
	config_free(&cfg);
	config_free(&wcfg);
}

/* At a change, counters follow their rules; those of removed ones stay in the totals. */
static void t_rekey_keeps_totals(void **state)
{
	static const char *const old_specs[] = {
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.1; lo,239.2.2.2",
		"b=lo,239.1.1.2:5000 -> lo,239.2.2.3",
	};
	static const char *const new_specs[] = {
		"n=lo,239.1.1.5:5000 -> lo,239.2.2.5",
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.2",
	};
	struct mcr_config old, new;
	struct stats_index ix_old, ix_new;
	struct stats_map m;
	struct stats_counts c;
	struct stats_totals before, after;
	char *d;
	size_t n;

	(void)state;
	load(&old, old_specs, 2);
	load(&new, new_specs, 2);
	assert_int_equal(stats_index_build(&ix_old, &old), 0);
	assert_int_equal(stats_map_build(&m, &old, &old, &ix_old), 0);
	assert_int_equal(stats_counts_init(&c, &ix_old), 0);
	n = report(&old, 1, &d);
	assert_int_equal(stats_counts_take(&c, &m, d, n), 0);
	stats_counts_totals(&c, &before);
	stats_map_free(&m);

	assert_int_equal(stats_index_build(&ix_new, &new), 0);
	assert_int_equal(stats_map_build(&m, &old, &new, &ix_new), 0);
	assert_int_equal(stats_counts_remap(&c, &m, &ix_new), 0);
	assert_int_equal(c.n_rules, 2);
	assert_int_equal(c.rules[0].packets, 0);	/* n is new */
	assert_int_equal(c.rules[1].packets, 100);	/* a kept its count */
	assert_int_equal(c.outputs[1].packets, 11);	/* a -> 239.2.2.2 kept its count */
	stats_counts_totals(&c, &after);
	assert_int_equal(after.packets_in, before.packets_in);
	assert_int_equal(after.packets_out, before.packets_out);
	free(d);
	stats_counts_free(&c);
	stats_map_free(&m);
	stats_index_free(&ix_old);
	stats_index_free(&ix_new);
	config_free(&old);
	config_free(&new);
}

static double num_at(const json_t *doc, const char *key, int rule, int out)
{
	const json_t *v = doc;

	if (rule >= 0)
		v = json_array_get(json_object_get(v, "rules"), (size_t)rule);
	if (out >= 0)
		v = json_array_get(json_object_get(v, "outputs"), (size_t)out);
	v = json_object_get(v, key);
	assert_non_null(v);
	return json_number_value(v);
}

/* The document's rates are over the interval between two sums, in packets and bits per second. */
static void t_json_rates(void **state)
{
	static const char *const specs[] = { "a=lo,239.1.1.1:5000 -> lo,239.2.2.1" };
	struct mcr_config cfg;
	struct stats_index ix;
	struct stats_counts prev, cur;
	json_t *doc;

	(void)state;
	load(&cfg, specs, 1);
	assert_int_equal(stats_index_build(&ix, &cfg), 0);
	assert_int_equal(stats_counts_init(&prev, &ix), 0);
	assert_int_equal(stats_counts_init(&cur, &ix), 0);
	prev.rules[0].packets = 1000;
	prev.rules[0].bytes = 100000;
	cur.rules[0].packets = 3000;
	cur.rules[0].bytes = 300000;
	cur.outputs[0].packets = 500;
	doc = stats_counts_json(&cur, &prev, 2.0, &cfg, &ix);
	assert_non_null(doc);
	assert_true(num_at(doc, "rate_interval_s", -1, -1) == 2.0);
	assert_true(num_at(doc, "packets_in", 0, -1) == 3000);
	assert_true(num_at(doc, "pps_in", 0, -1) == 1000.0);
	assert_true(num_at(doc, "bps_in", 0, -1) == 800000.0);
	assert_true(num_at(doc, "pps_out", 0, 0) == 250.0);
	assert_true(num_at(json_object_get(doc, "totals"), "pps_in", -1, -1) == 1000.0);
	json_decref(doc);

	/* Without a previous sum there is no rate, only the totals. */
	doc = stats_counts_json(&cur, NULL, 0, &cfg, &ix);
	assert_non_null(doc);
	assert_true(num_at(doc, "pps_in", 0, -1) == 0.0);
	assert_true(num_at(doc, "rate_interval_s", -1, -1) == 0.0);
	json_decref(doc);
	stats_counts_free(&prev);
	stats_counts_free(&cur);
	stats_index_free(&ix);
	config_free(&cfg);
}

/*
 * An output that goes idle ("when": "joined", nobody listening) leaves the
 * workers: its counters, and those of a rule left with no output, move to
 * the parked set and the totals stay.  An IPv6 output's group reads as IPv6.
 */
static void t_park_idle(void **state)
{
	static const char *const specs[] = {
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.1,when=joined; lo,239.2.2.2",
		"j=lo,[ff3e::1]:5000 -> lo,[ff3e::2]:6000,when=joined",
	};
	struct mcr_config cfg;
	struct stats_index ix;
	struct stats_map m;
	struct stats_counts c, parked, sum;
	struct stats_totals before, after;
	const json_t *outs;
	json_t *doc;
	char *d;
	size_t n;

	(void)state;
	load(&cfg, specs, 2);
	cfg.rules[0].outputs[0].is_joined = true;
	cfg.rules[1].outputs[0].is_joined = true;
	assert_int_equal(stats_index_build(&ix, &cfg), 0);
	assert_int_equal(stats_map_build(&m, &cfg, &cfg, &ix), 0);
	assert_int_equal(stats_counts_init(&c, &ix), 0);
	assert_int_equal(stats_counts_init(&parked, &ix), 0);
	assert_int_equal(stats_counts_init(&sum, &ix), 0);
	n = report(&cfg, 1, &d);
	assert_int_equal(stats_counts_take(&c, &m, d, n), 0);
	stats_counts_totals(&c, &before);

	/* Nobody listens any more. */
	cfg.rules[0].outputs[0].is_joined = false;
	cfg.rules[1].outputs[0].is_joined = false;
	stats_counts_park_idle(&c, &parked, &cfg, &ix);
	assert_int_equal(c.rules[0].packets, 100);	/* a still relays to 239.2.2.2 */
	assert_int_equal(c.outputs[0].packets, 0);
	assert_int_equal(parked.outputs[0].packets, 10);
	assert_int_equal(c.outputs[1].packets, 11);
	assert_int_equal(c.rules[1].packets, 0);	/* j left the workers */
	assert_int_equal(parked.rules[1].packets, 200);
	assert_int_equal(parked.outputs[2].packets, 20);
	assert_int_equal(stats_counts_add(&sum, &c), 0);
	assert_int_equal(stats_counts_add(&sum, &parked), 0);
	stats_counts_totals(&sum, &after);
	assert_int_equal(after.packets_in, before.packets_in);
	assert_int_equal(after.packets_out, before.packets_out);

	doc = stats_counts_json(&sum, NULL, 0, &cfg, &ix);
	assert_non_null(doc);
	outs = json_object_get(json_array_get(json_object_get(doc, "rules"), 1), "outputs");
	assert_string_equal(json_string_value(json_object_get(json_array_get(outs, 0), "group")),
			    "ff3e::2");
	assert_true(num_at(doc, "packets_out", 1, 0) == 20);
	json_decref(doc);
	free(d);
	stats_counts_free(&c);
	stats_counts_free(&parked);
	stats_counts_free(&sum);
	stats_map_free(&m);
	stats_index_free(&ix);
	config_free(&cfg);
}

/* Lines split across reads come out whole; junk lines are reported and skipped. */
static void t_chan_framing(void **state)
{
	struct chan_buf b = { 0 };
	json_t *v = NULL;

	(void)state;
	assert_int_equal(chan_buf_next(&b, &v), 0);
	assert_int_equal(chan_buf_append(&b, "{\"cmd\":\"st", 10), 0);
	assert_int_equal(chan_buf_next(&b, &v), 0);
	assert_int_equal(chan_buf_append(&b, "ats\"}\nnot json\n{\"a\":1}\n", 24), 0);
	assert_int_equal(chan_buf_next(&b, &v), 1);
	assert_string_equal(json_string_value(json_object_get(v, "cmd")), "stats");
	json_decref(v);
	assert_int_equal(chan_buf_next(&b, &v), -EBADMSG);
	assert_int_equal(chan_buf_next(&b, &v), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(v);
	assert_int_equal(chan_buf_next(&b, &v), 0);
	chan_buf_free(&b);
}

static void t_chan_line_limit(void **state)
{
	static char chunk[1 << 20];
	struct chan_buf b = { 0 };
	int ret = 0;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 17 && ret == 0; i++)
		ret = chan_buf_append(&b, chunk, sizeof(chunk));
	assert_int_equal(ret, -E2BIG);
	chan_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_sums_two_workers),
		cmocka_unit_test(t_maps_by_identity),
		cmocka_unit_test(t_rekey_keeps_totals),
		cmocka_unit_test(t_json_rates),
		cmocka_unit_test(t_park_idle),
		cmocka_unit_test(t_chan_framing),
		cmocka_unit_test(t_chan_line_limit),
	};

	return cmocka_run_group_tests_name("stats_merge", tests, NULL, NULL);
}
