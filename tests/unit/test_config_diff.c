// SPDX-License-Identifier: MIT
/*
 * Unit tests for config_diff(): which rules a new configuration adds,
 * changes and removes against the running one, by name, and its JSON form
 * (the reload's reply).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/config_diff.h"

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

static void assert_names(const struct config_names *l, const char *const *want, size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->names[i], want[i]);
}

/* Added, changed (each kind of field), removed and unchanged, in one reload. */
static void t_diff(void **state)
{
	static const char *const old_specs[] = {
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.1",
		"b=lo,239.1.1.2:5000 -> lo,239.2.2.2",
		"c=lo,239.1.1.3:5000 -> lo,239.2.2.3",
		"d=lo,239.1.1.4:5000 -> lo,239.2.2.4,ttl=4",
		"e=lo,239.1.1.5:5000 -> lo,239.2.2.5",
		"f=lo,239.1.1.6:5000 -> lo,239.2.2.6",
	};
	static const char *const new_specs[] = {
		"g=lo,239.1.1.7:5000 -> lo,239.2.2.7",			/* added */
		"b=lo,239.1.1.2:5000 -> lo,239.2.2.2:7000",		/* output port */
		"d=lo,239.1.1.4:5000 -> lo,239.2.2.4,ttl=5",		/* output ttl */
		"e=lo,239.1.1.5:5000 -> lo,239.2.2.5; lo,239.2.2.9",	/* one more output */
		"f=lo,239.1.1.6:5001 -> lo,239.2.2.6",			/* input port */
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.1",			/* moved, same */
	};
	static const char *const added[] = { "g" };
	static const char *const changed[] = { "b", "d", "e", "f" };
	static const char *const removed[] = { "c" };
	struct mcr_config old, new;
	struct config_diff d;

	(void)state;
	load(&old, old_specs, ARRAY_SIZE(old_specs));
	load(&new, new_specs, ARRAY_SIZE(new_specs));
	assert_int_equal(config_diff(&old, &new, &d), 0);
	assert_names(&d.added, added, ARRAY_SIZE(added));
	assert_names(&d.changed, changed, ARRAY_SIZE(changed));
	assert_names(&d.removed, removed, ARRAY_SIZE(removed));
	assert_int_equal(d.n_unchanged, 1);
	config_diff_free(&d);
	config_diff_free(&d);	/* harmless twice */

	/* Backwards, added and removed swap. */
	assert_int_equal(config_diff(&new, &old, &d), 0);
	assert_names(&d.added, removed, ARRAY_SIZE(removed));
	assert_names(&d.removed, added, ARRAY_SIZE(added));
	assert_int_equal(d.changed.n, 4);
	config_diff_free(&d);
	config_free(&old);
	config_free(&new);
}

/* From nothing, to nothing, and the same configuration. */
static void t_edges(void **state)
{
	static const char *const specs[] = {
		"a=lo,239.1.1.1:5000 -> lo,239.2.2.1",
		"b=lo,239.1.1.2 -> lo,239.2.2.2",
	};
	static const char *const both[] = { "a", "b" };
	struct mcr_config empty, cfg;
	struct config_diff d;

	(void)state;
	load(&empty, NULL, 0);
	load(&cfg, specs, ARRAY_SIZE(specs));
	assert_int_equal(config_diff(&empty, &cfg, &d), 0);
	assert_names(&d.added, both, 2);
	assert_int_equal(d.changed.n + d.removed.n + d.n_unchanged, 0);
	config_diff_free(&d);
	assert_int_equal(config_diff(&cfg, &empty, &d), 0);
	assert_names(&d.removed, both, 2);
	assert_int_equal(d.changed.n + d.added.n + d.n_unchanged, 0);
	config_diff_free(&d);
	assert_int_equal(config_diff(&cfg, &cfg, &d), 0);
	assert_int_equal(d.added.n + d.changed.n + d.removed.n, 0);
	assert_int_equal(d.n_unchanged, 2);
	config_diff_free(&d);
	assert_int_equal(config_diff(&empty, &empty, &d), 0);
	assert_int_equal(d.added.n + d.changed.n + d.removed.n + d.n_unchanged, 0);
	config_diff_free(&d);
	config_free(&empty);
	config_free(&cfg);
}

/* The reply's form: arrays of names and a count. */
static void t_json(void **state)
{
	static const char *const old_specs[] = {
		"a=lo,239.1.1.1 -> lo,239.2.2.1",
		"b=lo,239.1.1.2 -> lo,239.2.2.2",
	};
	static const char *const new_specs[] = {
		"b=lo,239.1.1.2 -> lo,239.3.3.3",
		"c=lo,239.1.1.3 -> lo,239.2.2.3",
	};
	struct mcr_config old, new;
	struct config_diff d;
	json_t *j, *want;

	(void)state;
	load(&old, old_specs, 2);
	load(&new, new_specs, 2);
	assert_int_equal(config_diff(&old, &new, &d), 0);
	j = config_diff_to_json(&d);
	want = json_pack("{s:[s], s:[s], s:[s], s:i, s:[]}", "added", "c", "changed", "b",
			 "removed", "a", "unchanged", 0, "settings");
	assert_non_null(j);
	assert_true(json_equal(j, want));
	json_decref(j);
	json_decref(want);
	config_diff_free(&d);
	config_free(&old);
	config_free(&new);
}

/* Settings that differ are named by their keys; rules alone do not count. */
static void t_settings(void **state)
{
	static const char *const specs[] = { "a=lo,239.1.1.1 -> lo,239.2.2.1" };
	static const char *const keys[] = { "queue_depth", "igmp_join" };
	struct mcr_config old, new;
	struct config_diff d;

	(void)state;
	load(&old, specs, 1);
	load(&new, specs, 1);
	new.igmp_join = false;
	new.queue_depth = 256;
	assert_int_equal(config_diff(&old, &new, &d), 0);
	assert_names(&d.settings, keys, ARRAY_SIZE(keys));
	assert_int_equal(d.n_unchanged, 1);
	config_diff_free(&d);
	assert_int_equal(config_diff(&old, &old, &d), 0);
	assert_int_equal(d.settings.n, 0);
	config_diff_free(&d);
	config_free(&old);
	config_free(&new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_diff),
		cmocka_unit_test(t_edges),
		cmocka_unit_test(t_json),
		cmocka_unit_test(t_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
