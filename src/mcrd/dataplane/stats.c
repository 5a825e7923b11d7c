// SPDX-License-Identifier: MIT
/*
 * Counter storage and its JSON form.  Rates are derived when a document is
 * built, so nothing on the hot path ever divides or reads a clock for
 * statistics' sake.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/util.h"
#include "mcrd/dataplane/stats.h"

int stats_new(const struct mcr_config *cfg, struct mcr_stats **ret)
{
	struct mcr_stats *s = calloc(1, sizeof(*s));
	size_t n_out = 0;

	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	s->out_base = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*s->out_base));
	if (!s->out_base)
		goto out_free;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		s->out_base[r] = n_out;
		n_out += cfg->rules[r].n_outputs;
	}
	s->n_outputs = n_out;
	s->rules = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*s->rules));
	s->outputs = calloc(n_out ? n_out : 1, sizeof(*s->outputs));
	if (!s->rules || !s->outputs)
		goto out_free;
	s->start_ns = now_ns();
	*ret = s;
	return 0;

out_free:
	stats_free(s);
	return -ENOMEM;
}

void stats_free(struct mcr_stats *s)
{
	if (!s)
		return;
	free(s->out_base);
	free(s->rules);
	free(s->outputs);
	free(s);
}

json_t *stats_input_json(const char *ifname, const struct input_stats *in)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "interface",
			 ifname, "frames", (json_int_t)in->frames, "bytes", (json_int_t)in->bytes,
			 "malformed", (json_int_t)in->malformed, "fragments",
			 (json_int_t)in->fragments, "not_udp", (json_int_t)in->not_udp,
			 "unmatched", (json_int_t)in->unmatched, "vlan_dropped",
			 (json_int_t)in->vlan_dropped, "buffer_exhaustion",
			 (json_int_t)in->buffer_exhaustion, "kernel_drops",
			 (json_int_t)in->kernel_drops, "too_big", (json_int_t)in->too_big);
}

static json_t *output_json(const struct mcr_stats *s, size_t r, size_t o, double secs)
{
	const struct mcr_output *out = &s->cfg->rules[r].outputs[o];
	const struct output_stats *os = &s->outputs[s->out_base[r] + o];
	char group[ADDR_STR_MAX];

	return json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "interface",
			 out->ifname, "group", addr_fmt(out->group, group), "port",
			 (int)out->port, "packets_out", (json_int_t)os->packets, "bytes_out",
			 (json_int_t)os->bytes, "send_errors", (json_int_t)os->send_errors,
			 "retries", (json_int_t)os->retries, "drops", (json_int_t)os->drops,
			 "ttl_expired", (json_int_t)os->ttl_expired, "too_big", (json_int_t)os->too_big,
			 "pps_out", secs > 0 ? (double)os->packets / secs : 0.0);
}

static json_t *rule_json(const struct mcr_stats *s, size_t r, double secs)
{
	const struct mcr_rule *rule = &s->cfg->rules[r];
	json_t *outs = json_array(), *obj;

	if (!outs)
		return NULL;
	for (size_t o = 0; o < rule->n_outputs; o++)
		if (json_array_append_new(outs, output_json(s, r, o, secs)) < 0)
			goto out_free;
	obj = json_pack("{s:s, s:I, s:I, s:f, s:o}", "name", rule->name, "packets_in",
			(json_int_t)s->rules[r].packets, "bytes_in",
			(json_int_t)s->rules[r].bytes, "pps_in",
			secs > 0 ? (double)s->rules[r].packets / secs : 0.0, "outputs", outs);
	return obj;

out_free:
	json_decref(outs);
	return NULL;
}

/*
 * A worker's share: its rules and outputs.  The worker adds its inputs; the
 * supervisor sums the workers and derives the totals and rates.
 */
json_t *stats_to_json(const struct mcr_stats *s, uint64_t now)
{
	double secs = (double)(now - s->start_ns) / (double)NSEC_PER_SEC;
	json_t *rules = json_array();

	if (!rules)
		return NULL;
	for (size_t r = 0; r < s->cfg->n_rules; r++) {
		if (json_array_append_new(rules, rule_json(s, r, secs)) < 0) {
			json_decref(rules);
			return NULL;
		}
	}
	return json_pack("{s:s, s:f, s:o}", "version", MCR_VERSION, "uptime_s", secs, "rules",
			 rules);
}
