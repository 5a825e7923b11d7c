// SPDX-License-Identifier: MIT
/* Summing per-worker statistics documents; see stats_merge.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "mcrd/supervisor/stats_merge.h"

/* Fields that say which thing an entry counts, never summed. */
static const char *const identity_keys[] = { "name", "interface", "group", "port" };

static bool is_identity_key(const char *key)
{
	for (size_t i = 0; i < sizeof(identity_keys) / sizeof(identity_keys[0]); i++)
		if (strcmp(key, identity_keys[i]) == 0)
			return true;
	return false;
}

static bool is_same_entity(const json_t *a, const json_t *b)
{
	for (size_t i = 0; i < sizeof(identity_keys) / sizeof(identity_keys[0]); i++) {
		const json_t *x = json_object_get(a, identity_keys[i]);
		const json_t *y = json_object_get(b, identity_keys[i]);

		if ((x || y) && !json_equal(x, y))
			return false;
	}
	return true;
}

static int merge_object(json_t *acc, json_t *doc);

static int merge_array(json_t *acc, json_t *doc)
{
	size_t i, j;
	json_t *item, *mine;

	json_array_foreach(doc, i, item) {
		bool is_found = false;

		if (!json_is_object(item))
			continue;
		json_array_foreach(acc, j, mine) {
			if (json_is_object(mine) && is_same_entity(mine, item)) {
				if (merge_object(mine, item) < 0)
					return -ENOMEM;
				is_found = true;
				break;
			}
		}
		if (!is_found && json_array_append_new(acc, json_deep_copy(item)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int merge_object(json_t *acc, json_t *doc)
{
	const char *key;
	json_t *value;

	json_object_foreach(doc, key, value) {
		json_t *mine = json_object_get(acc, key);

		if (!mine) {
			if (json_object_set_new(acc, key, json_deep_copy(value)) < 0)
				return -ENOMEM;
		} else if (json_is_integer(value) && json_is_integer(mine) &&
			   !is_identity_key(key)) {
			json_integer_set(mine, json_integer_value(mine) + json_integer_value(value));
		} else if (json_is_array(value) && json_is_array(mine)) {
			if (merge_array(mine, value) < 0)
				return -ENOMEM;
		} else if (json_is_object(value) && json_is_object(mine)) {
			if (merge_object(mine, value) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int stats_merge(json_t *acc, json_t *doc)
{
	return merge_object(acc, doc);
}

static json_int_t get_int(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static int set_real(json_t *obj, const char *key, double v)
{
	return json_object_set_new(obj, key, json_real(v));
}

int stats_finish(json_t *acc, double uptime_s)
{
	static const char *const input_totals[] = { "malformed", "buffer_exhaustion",
						    "kernel_drops" };
	json_int_t in = 0, out = 0, errors = 0, drops = 0, too_big = 0;
	json_t *rule, *output, *input, *totals;
	size_t i, j;

	json_array_foreach(json_object_get(acc, "rules"), i, rule) {
		json_int_t p = get_int(rule, "packets_in");

		in += p;
		if (set_real(rule, "pps_in", uptime_s > 0 ? (double)p / uptime_s : 0.0) < 0)
			return -ENOMEM;
		json_array_foreach(json_object_get(rule, "outputs"), j, output) {
			json_int_t q = get_int(output, "packets_out");

			out += q;
			errors += get_int(output, "send_errors");
			drops += get_int(output, "drops");
			too_big += get_int(output, "too_big");
			if (set_real(output, "pps_out", uptime_s > 0 ? (double)q / uptime_s : 0.0))
				return -ENOMEM;
		}
	}
	totals = json_pack("{s:I, s:I, s:I, s:I, s:I}", "packets_in", in, "packets_out", out,
			   "send_errors", errors, "drops", drops, "too_big", too_big);
	if (!totals)
		return -ENOMEM;
	for (size_t k = 0; k < sizeof(input_totals) / sizeof(input_totals[0]); k++) {
		json_int_t sum = 0;

		json_array_foreach(json_object_get(acc, "inputs"), i, input)
			sum += get_int(input, input_totals[k]);
		if (json_object_set_new(totals, input_totals[k], json_integer(sum)) < 0)
			goto out_free;
	}
	if (set_real(acc, "uptime_s", uptime_s) < 0)
		goto out_free;
	return json_object_set_new(acc, "totals", totals) < 0 ? -ENOMEM : 0;

out_free:
	json_decref(totals);
	return -ENOMEM;
}
