// SPDX-License-Identifier: MIT
/*
 * The periodic statistics line: per rule, packets in and out with their
 * rates since the previous report, drops and send errors of its outputs,
 * and the buffer exhaustion and malformed frames of all inputs.
 */
#include "common/log.h"
#include "mcrd/supervisor/stats_line.h"

/* The sum of @key over a rule's outputs. */
static double rule_out(const json_t *rule, const char *key)
{
	const json_t *o;
	double sum = 0;
	size_t i;

	json_array_foreach(json_object_get(rule, "outputs"), i, o)
		sum += json_number_value(json_object_get(o, key));
	return sum;
}

static long long int_of(const json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

void stats_line_log(const json_t *doc)
{
	const json_t *totals = json_object_get(doc, "totals"), *rule;
	size_t i;

	json_array_foreach(json_object_get(doc, "rules"), i, rule) {
		const char *name = json_string_value(json_object_get(rule, "name"));

		log_info("stats %s: in %lld (%.0f pps) out %.0f (%.0f pps) drops %.0f errors %.0f"
			 " exhaustion %lld malformed %lld",
			 name ? name : "?", int_of(rule, "packets_in"),
			 json_number_value(json_object_get(rule, "pps_in")),
			 rule_out(rule, "packets_out"), rule_out(rule, "pps_out"),
			 rule_out(rule, "drops"), rule_out(rule, "send_errors"),
			 int_of(totals, "buffer_exhaustion"), int_of(totals, "malformed"));
	}
}
