// SPDX-License-Identifier: MIT
/*
 * The periodic statistics line: per rule, packets in and out with their
 * rates since the previous report, drops and send errors of its outputs,
 * and the buffer exhaustion and malformed frames of all inputs.
 */
#include <stdbool.h>
#include <string.h>

#include "common/log.h"
#include "mcrd/supervisor/stats_line.h"

static bool is_rule_named(const json_t *rule, const char *name)
{
	const char *other = json_string_value(json_object_get(rule, "name"));

	return name && other && strcmp(other, name) == 0;
}

/* The rule named @name in @doc; rules rarely move, so look at @hint first. */
static const json_t *find_rule(const json_t *doc, const char *name, size_t hint)
{
	const json_t *rules = json_object_get(doc, "rules"), *rule;
	size_t i;

	rule = json_array_get(rules, hint);
	if (rule && is_rule_named(rule, name))
		return rule;
	json_array_foreach(rules, i, rule) {
		if (is_rule_named(rule, name))
			return rule;
	}
	return NULL;
}

/* The sum of @key over a rule's outputs. */
static json_int_t rule_out(const json_t *rule, const char *key)
{
	const json_t *o;
	json_int_t sum = 0;
	size_t i;

	json_array_foreach(json_object_get(rule, "outputs"), i, o)
		sum += json_integer_value(json_object_get(o, key));
	return sum;
}

static json_int_t int_of(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

void stats_line_log(const json_t *cur, const json_t *prev, double dt)
{
	const json_t *totals = json_object_get(cur, "totals"), *rule;
	size_t i;

	json_array_foreach(json_object_get(cur, "rules"), i, rule) {
		const char *name = json_string_value(json_object_get(rule, "name"));
		const json_t *old = prev ? find_rule(prev, name, i) : NULL;
		json_int_t in = int_of(rule, "packets_in"), out = rule_out(rule, "packets_out");
		json_int_t in0 = old ? int_of(old, "packets_in") : 0;
		json_int_t out0 = old ? rule_out(old, "packets_out") : 0;

		log_info("stats %s: in %lld (%.0f pps) out %lld (%.0f pps) drops %lld errors %lld"
			 " exhaustion %lld malformed %lld",
			 name ? name : "?", (long long)in, dt > 0 ? (double)(in - in0) / dt : 0.0,
			 (long long)out, dt > 0 ? (double)(out - out0) / dt : 0.0,
			 (long long)rule_out(rule, "drops"),
			 (long long)rule_out(rule, "send_errors"),
			 (long long)int_of(totals, "buffer_exhaustion"),
			 (long long)int_of(totals, "malformed"));
	}
}
