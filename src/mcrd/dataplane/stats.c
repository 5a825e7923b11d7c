// SPDX-License-Identifier: MIT
/*
 * Counter storage and its report to the supervisor.  Rates are derived by
 * the supervisor, so nothing on the hot path ever divides or reads a clock
 * for statistics' sake.
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

size_t stats_wire_size(const struct mcr_stats *s, size_t n_inputs)
{
	return sizeof(struct stats_wire_head) + s->cfg->n_rules * sizeof(struct rule_stats) +
	       s->n_outputs * sizeof(struct output_stats) +
	       n_inputs * sizeof(struct stats_wire_input);
}

char *stats_wire_put(const struct mcr_stats *s, uint64_t generation, size_t n_inputs, char *buf)
{
	struct stats_wire_head head = {
		.magic = STATS_WIRE_MAGIC,
		.rule_size = sizeof(struct rule_stats),
		.output_size = sizeof(struct output_stats),
		.input_size = sizeof(struct stats_wire_input),
		.generation = generation,
		.n_rules = (uint32_t)s->cfg->n_rules,
		.n_outputs = (uint32_t)s->n_outputs,
		.n_inputs = (uint32_t)n_inputs,
	};
	size_t rules_len = s->cfg->n_rules * sizeof(struct rule_stats);
	size_t outputs_len = s->n_outputs * sizeof(struct output_stats);

	memcpy(buf, &head, sizeof(head));
	buf += sizeof(head);
	if (rules_len)
		memcpy(buf, s->rules, rules_len);
	buf += rules_len;
	if (outputs_len)
		memcpy(buf, s->outputs, outputs_len);
	return buf + outputs_len;
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
