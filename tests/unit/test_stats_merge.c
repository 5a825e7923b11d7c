// SPDX-License-Identifier: MIT
/* Unit tests for adding up per-worker statistics and for channel framing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "mcrd/chan.h"
#include "mcrd/supervisor/stats_merge.h"

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	assert_non_null(v);
	return v;
}

static json_int_t at(const json_t *doc, const char *path_json)
{
	/* path as a JSON array of keys and indexes, e.g. ["rules",0,"packets_in"] */
	json_t *path = load(path_json);
	const json_t *cur = doc, *step;
	size_t i;

	json_array_foreach(path, i, step) {
		cur = json_is_string(step) ? json_object_get(cur, json_string_value(step))
					   : json_array_get(cur, (size_t)json_integer_value(step));
		assert_non_null(cur);
	}
	json_decref(path);
	return json_integer_value(cur);
}

/* Two workers with the same rule add up by name, output by destination. */
static void t_sums_same_rules(void **state)
{
	static const char *const w0 =
		"{\"version\":\"x\",\"uptime_s\":1.0,"
		"\"inputs\":[{\"interface\":\"in0\",\"frames\":10,\"malformed\":1,"
		"\"buffer_exhaustion\":2,\"kernel_drops\":0}],"
		"\"rules\":[{\"name\":\"a\",\"packets_in\":10,\"bytes_in\":100,\"pps_in\":5.0,"
		"\"outputs\":[{\"interface\":\"o1\",\"group\":\"239.2.2.2\",\"port\":6000,"
		"\"packets_out\":10,\"send_errors\":0,\"drops\":1}]}]}";
	static const char *const w1 =
		"{\"version\":\"x\",\"uptime_s\":1.0,"
		"\"inputs\":[{\"interface\":\"in0\",\"frames\":5,\"malformed\":0,"
		"\"buffer_exhaustion\":1,\"kernel_drops\":3}],"
		"\"rules\":[{\"name\":\"a\",\"packets_in\":5,\"bytes_in\":50,\"pps_in\":9.0,"
		"\"outputs\":[{\"interface\":\"o1\",\"group\":\"239.2.2.2\",\"port\":6000,"
		"\"packets_out\":4,\"send_errors\":1,\"drops\":1}]}]}";
	json_t *acc = json_object(), *a = load(w0), *b = load(w1);

	(void)state;
	assert_int_equal(stats_merge(acc, a), 0);
	assert_int_equal(stats_merge(acc, b), 0);
	assert_int_equal(stats_finish(acc, 5.0), 0);
	assert_int_equal(json_array_size(json_object_get(acc, "rules")), 1);
	assert_int_equal(at(acc, "[\"inputs\",0,\"frames\"]"), 15);
	assert_int_equal(at(acc, "[\"rules\",0,\"packets_in\"]"), 15);
	assert_int_equal(at(acc, "[\"rules\",0,\"bytes_in\"]"), 150);
	assert_int_equal(at(acc, "[\"rules\",0,\"outputs\",0,\"packets_out\"]"), 14);
	/* Identity fields are never summed. */
	assert_int_equal(at(acc, "[\"rules\",0,\"outputs\",0,\"port\"]"), 6000);
	assert_int_equal(at(acc, "[\"totals\",\"packets_in\"]"), 15);
	assert_int_equal(at(acc, "[\"totals\",\"packets_out\"]"), 14);
	assert_int_equal(at(acc, "[\"totals\",\"send_errors\"]"), 1);
	assert_int_equal(at(acc, "[\"totals\",\"drops\"]"), 2);
	assert_int_equal(at(acc, "[\"totals\",\"malformed\"]"), 1);
	assert_int_equal(at(acc, "[\"totals\",\"buffer_exhaustion\"]"), 3);
	assert_int_equal(at(acc, "[\"totals\",\"kernel_drops\"]"), 3);
	/* Rates are recomputed from the sum, not added. */
	assert_float_equal(json_real_value(json_object_get(
				   json_array_get(json_object_get(acc, "rules"), 0), "pps_in")),
			   3.0, 1e-9);
	json_decref(a);
	json_decref(b);
	json_decref(acc);
}

/* Rules and outputs only one worker knows (mid-change) are kept, not lost. */
static void t_keeps_disjoint_entries(void **state)
{
	json_t *acc = json_object();
	json_t *a = load("{\"rules\":[{\"name\":\"a\",\"packets_in\":1,\"outputs\":["
			 "{\"interface\":\"o1\",\"group\":\"239.1.1.1\",\"port\":1,"
			 "\"packets_out\":1}]}]}");
	json_t *b = load("{\"rules\":[{\"name\":\"b\",\"packets_in\":2,\"outputs\":[]},"
			 "{\"name\":\"a\",\"packets_in\":3,\"outputs\":["
			 "{\"interface\":\"o2\",\"group\":\"239.1.1.1\",\"port\":1,"
			 "\"packets_out\":7}]}]}");

	(void)state;
	assert_int_equal(stats_merge(acc, a), 0);
	assert_int_equal(stats_merge(acc, b), 0);
	assert_int_equal(stats_finish(acc, 0.0), 0);
	assert_int_equal(json_array_size(json_object_get(acc, "rules")), 2);
	assert_int_equal(at(acc, "[\"rules\",0,\"packets_in\"]"), 4);
	assert_int_equal(json_array_size(json_object_get(
				 json_array_get(json_object_get(acc, "rules"), 0), "outputs")),
			 2);
	assert_int_equal(at(acc, "[\"rules\",1,\"packets_in\"]"), 2);
	assert_int_equal(at(acc, "[\"totals\",\"packets_out\"]"), 8);
	json_decref(a);
	json_decref(b);
	json_decref(acc);
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
		cmocka_unit_test(t_sums_same_rules),
		cmocka_unit_test(t_keeps_disjoint_entries),
		cmocka_unit_test(t_chan_framing),
		cmocka_unit_test(t_chan_line_limit),
	};

	return cmocka_run_group_tests_name("stats_merge", tests, NULL, NULL);
}
