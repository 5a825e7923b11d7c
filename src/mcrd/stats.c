// SPDX-License-Identifier: MIT
/*
 * Counter storage and formatting.  Rates are computed from the difference
 * between two samples, so nothing on the hot path ever divides or reads a
 * clock for statistics' sake.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/util.h"
#include "mcrd/stats.h"

int stats_new(const struct mcr_config *cfg, size_t n_inputs, struct mcr_stats **ret)
{
	struct mcr_stats *s = calloc(1, sizeof(*s));
	size_t n_out = 0;

	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	s->n_inputs = n_inputs;
	s->out_base = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*s->out_base));
	if (!s->out_base)
		goto out_free;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		s->out_base[r] = n_out;
		n_out += cfg->rules[r].n_outputs;
	}
	s->n_outputs = n_out;
	s->input_names = calloc(n_inputs ? n_inputs : 1, sizeof(*s->input_names));
	s->inputs = calloc(n_inputs ? n_inputs : 1, sizeof(*s->inputs));
	s->rules = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*s->rules));
	s->last_rules = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*s->last_rules));
	s->outputs = calloc(n_out ? n_out : 1, sizeof(*s->outputs));
	s->last_outputs = calloc(n_out ? n_out : 1, sizeof(*s->last_outputs));
	if (!s->input_names || !s->inputs || !s->rules || !s->last_rules || !s->outputs ||
	    !s->last_outputs)
		goto out_free;
	s->start_ns = s->last_ns = now_ns();
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
	free(s->input_names);
	free(s->inputs);
	free(s->rules);
	free(s->last_rules);
	free(s->outputs);
	free(s->last_outputs);
	free(s);
}

void stats_set_input(struct mcr_stats *s, size_t i, const char *ifname)
{
	(void)snprintf(s->input_names[i], IF_NAMESIZE, "%s", ifname);
}

static double rate(uint64_t now_count, uint64_t then_count, uint64_t dt_ns)
{
	if (dt_ns == 0)
		return 0.0;
	return (double)(now_count - then_count) * (double)NSEC_PER_SEC / (double)dt_ns;
}

/* 1234567 -> "1.23M": stats lines must stay short enough to read live. */
static const char *human(double v, char buf[16])
{
	static const char units[] = " kMG";
	size_t u = 0;

	while (v >= 1000.0 && u < sizeof(units) - 2) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		(void)snprintf(buf, 16, "%.0f", v);
	else
		(void)snprintf(buf, 16, "%.2f%c", v, units[u]);
	return buf;
}

static uint64_t input_sum(const struct mcr_stats *s, size_t field_off)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < s->n_inputs; i++)
		sum += *(const uint64_t *)((const char *)&s->inputs[i] + field_off);
	return sum;
}

void stats_print_lines(struct mcr_stats *s, FILE *f, uint64_t now)
{
	uint64_t dt = now - s->last_ns;
	uint64_t exhaustion = input_sum(s, offsetof(struct input_stats, buffer_exhaustion));
	uint64_t malformed = input_sum(s, offsetof(struct input_stats, malformed));

	for (size_t r = 0; r < s->cfg->n_rules; r++) {
		const struct mcr_rule *rule = &s->cfg->rules[r];
		uint64_t out = 0, last_out = 0, drops = 0, errors = 0;
		char b1[16], b2[16];

		for (size_t o = 0; o < rule->n_outputs; o++) {
			const struct output_stats *os = stats_output(s, r, o);

			out += os->packets;
			last_out += s->last_outputs[s->out_base[r] + o].packets;
			drops += os->drops;
			errors += os->send_errors;
		}
		(void)fprintf(f,
			      "mcrd: stats %s: in %" PRIu64 " (%s pps) out %" PRIu64
			      " (%s pps) drops %" PRIu64 " errors %" PRIu64
			      " exhaustion %" PRIu64 " malformed %" PRIu64 "\n",
			      rule->name, s->rules[r].packets,
			      human(rate(s->rules[r].packets, s->last_rules[r].packets, dt), b1),
			      out, human(rate(out, last_out, dt), b2), drops, errors, exhaustion,
			      malformed);
	}
	(void)fflush(f);
	memcpy(s->last_rules, s->rules, s->cfg->n_rules * sizeof(*s->rules));
	memcpy(s->last_outputs, s->outputs, s->n_outputs * sizeof(*s->outputs));
	s->last_ns = now;
}

json_t *stats_input_json(const char *ifname, const struct input_stats *in)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "interface", ifname,
			 "frames", (json_int_t)in->frames, "bytes", (json_int_t)in->bytes,
			 "malformed", (json_int_t)in->malformed, "fragments",
			 (json_int_t)in->fragments, "not_udp", (json_int_t)in->not_udp,
			 "unmatched", (json_int_t)in->unmatched, "buffer_exhaustion",
			 (json_int_t)in->buffer_exhaustion, "kernel_drops",
			 (json_int_t)in->kernel_drops);
}

static json_t *output_json(const struct mcr_stats *s, size_t r, size_t o, double secs)
{
	const struct mcr_output *out = &s->cfg->rules[r].outputs[o];
	const struct output_stats *os = &s->outputs[s->out_base[r] + o];
	char group[ADDR_STR_MAX];

	return json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:f}", "interface",
			 out->ifname, "group", addr_fmt(out->group, group), "port",
			 (int)out->port, "packets_out", (json_int_t)os->packets, "bytes_out",
			 (json_int_t)os->bytes, "send_errors", (json_int_t)os->send_errors,
			 "retries", (json_int_t)os->retries, "drops", (json_int_t)os->drops,
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

static json_t *totals_json(const struct mcr_stats *s)
{
	uint64_t in = 0, out = 0, errors = 0, drops = 0;

	for (size_t r = 0; r < s->cfg->n_rules; r++)
		in += s->rules[r].packets;
	for (size_t o = 0; o < s->n_outputs; o++) {
		out += s->outputs[o].packets;
		errors += s->outputs[o].send_errors;
		drops += s->outputs[o].drops;
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "packets_in", (json_int_t)in,
			 "packets_out", (json_int_t)out, "send_errors", (json_int_t)errors,
			 "drops", (json_int_t)drops, "malformed",
			 (json_int_t)input_sum(s, offsetof(struct input_stats, malformed)),
			 "buffer_exhaustion",
			 (json_int_t)input_sum(s, offsetof(struct input_stats, buffer_exhaustion)),
			 "kernel_drops",
			 (json_int_t)input_sum(s, offsetof(struct input_stats, kernel_drops)));
}

json_t *stats_to_json(const struct mcr_stats *s, uint64_t now)
{
	double secs = (double)(now - s->start_ns) / (double)NSEC_PER_SEC;
	json_t *inputs = json_array(), *rules = json_array();

	if (!inputs || !rules)
		goto out_free;
	for (size_t i = 0; i < s->n_inputs; i++)
		if (json_array_append_new(inputs, stats_input_json(s->input_names[i],
								   &s->inputs[i])) < 0)
			goto out_free;
	for (size_t r = 0; r < s->cfg->n_rules; r++)
		if (json_array_append_new(rules, rule_json(s, r, secs)) < 0)
			goto out_free;
	return json_pack("{s:s, s:f, s:o, s:o, s:o}", "version", MCR_VERSION, "uptime_s", secs,
			 "inputs", inputs, "rules", rules, "totals", totals_json(s));

out_free:
	json_decref(inputs);
	json_decref(rules);
	return NULL;
}
