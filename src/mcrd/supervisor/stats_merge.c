// SPDX-License-Identifier: MIT
/* Summing the workers' counters in plain arrays; see stats_merge.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "common/addr.h"
#include "mcrd/supervisor/stats_merge.h"

struct stats_name {
	char name[MCR_NAME_MAX];
	size_t index;
	UT_hash_handle hh;
};

/* Every counter struct is a run of uint64_t: added field by field, whatever its fields. */
_Static_assert(sizeof(struct rule_stats) % sizeof(uint64_t) == 0, "rule_stats");
_Static_assert(sizeof(struct output_stats) % sizeof(uint64_t) == 0, "output_stats");
_Static_assert(sizeof(struct input_stats) % sizeof(uint64_t) == 0, "input_stats");

static void add_u64s(void *to, const void *from, size_t size)
{
	for (size_t off = 0; off < size; off += sizeof(uint64_t)) {
		uint64_t a, b;

		memcpy(&a, (char *)to + off, sizeof(a));
		memcpy(&b, (const char *)from + off, sizeof(b));
		a += b;
		memcpy((char *)to + off, &a, sizeof(a));
	}
}

int stats_index_build(struct stats_index *ix, const struct mcr_config *cfg)
{
	size_t n = cfg->n_rules ? cfg->n_rules : 1, n_out = 0;

	memset(ix, 0, sizeof(*ix));
	ix->out_base = calloc(n, sizeof(*ix->out_base));
	ix->entries = calloc(n, sizeof(*ix->entries));
	if (!ix->out_base || !ix->entries) {
		stats_index_free(ix);
		return -ENOMEM;
	}
	for (size_t r = 0; r < cfg->n_rules; r++) {
		struct stats_name *e = &ix->entries[r], *dup;

		ix->out_base[r] = n_out;
		n_out += cfg->rules[r].n_outputs;
		(void)snprintf(e->name, sizeof(e->name), "%s", cfg->rules[r].name);
		e->index = r;
		HASH_FIND_STR(ix->names, e->name, dup);
		if (!dup)
			HASH_ADD_STR(ix->names, name, e);
	}
	ix->n_rules = cfg->n_rules;
	ix->n_outputs = n_out;
	return 0;
}

void stats_index_free(struct stats_index *ix)
{
	HASH_CLEAR(hh, ix->names);
	free(ix->entries);
	free(ix->out_base);
	memset(ix, 0, sizeof(*ix));
}

int stats_counts_init(struct stats_counts *c, const struct stats_index *ix)
{
	memset(c, 0, sizeof(*c));
	c->rules = calloc(ix->n_rules ? ix->n_rules : 1, sizeof(*c->rules));
	c->outputs = calloc(ix->n_outputs ? ix->n_outputs : 1, sizeof(*c->outputs));
	if (!c->rules || !c->outputs) {
		stats_counts_free(c);
		return -ENOMEM;
	}
	c->n_rules = ix->n_rules;
	c->n_outputs = ix->n_outputs;
	return 0;
}

void stats_counts_free(struct stats_counts *c)
{
	free(c->rules);
	free(c->outputs);
	free(c->inputs);
	memset(c, 0, sizeof(*c));
}

void stats_counts_zero(struct stats_counts *c)
{
	memset(c->rules, 0, c->n_rules * sizeof(*c->rules));
	memset(c->outputs, 0, c->n_outputs * sizeof(*c->outputs));
	c->n_inputs = 0;
	memset(&c->gone_rules, 0, sizeof(c->gone_rules));
	memset(&c->gone_outputs, 0, sizeof(c->gone_outputs));
}

/* The input named like in, looked for at hint first (workers list inputs alike). */
static struct stats_wire_input *find_input(const struct stats_counts *c, const char *name,
					   size_t hint)
{
	if (hint < c->n_inputs && strcmp(c->inputs[hint].ifname, name) == 0)
		return &c->inputs[hint];
	for (size_t i = 0; i < c->n_inputs; i++)
		if (strcmp(c->inputs[i].ifname, name) == 0)
			return &c->inputs[i];
	return NULL;
}

static int add_input(struct stats_counts *c, const struct stats_wire_input *in, size_t hint)
{
	struct stats_wire_input *mine = find_input(c, in->ifname, hint);

	if (mine) {
		add_u64s(&mine->st, &in->st, sizeof(mine->st));
		return 0;
	}
	if (c->n_inputs == c->cap_inputs) {
		size_t cap = c->cap_inputs ? 2 * c->cap_inputs : 8;
		struct stats_wire_input *grown = realloc(c->inputs, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->inputs = grown;
		c->cap_inputs = cap;
	}
	c->inputs[c->n_inputs++] = *in;
	return 0;
}

int stats_counts_add(struct stats_counts *acc, const struct stats_counts *x)
{
	if (acc->n_rules != x->n_rules || acc->n_outputs != x->n_outputs)
		return -EINVAL;
	add_u64s(acc->rules, x->rules, x->n_rules * sizeof(*x->rules));
	add_u64s(acc->outputs, x->outputs, x->n_outputs * sizeof(*x->outputs));
	add_u64s(&acc->gone_rules, &x->gone_rules, sizeof(x->gone_rules));
	add_u64s(&acc->gone_outputs, &x->gone_outputs, sizeof(x->gone_outputs));
	for (size_t i = 0; i < x->n_inputs; i++)
		if (add_input(acc, &x->inputs[i], i) < 0)
			return -ENOMEM;
	return 0;
}

static bool is_same_output(const struct mcr_output *a, const struct mcr_output *b)
{
	return strcmp(a->ifname, b->ifname) == 0 && addr_ip_equal(&a->group, &b->group) &&
	       a->port == b->port;
}

/*
 * Output o of from's rule, in to's rule t: at the same position first, so a
 * rule whose outputs did not move maps in one pass; a reordered rule is
 * searched (once per change, never per report).
 */
static uint32_t map_output(const struct mcr_rule *from, size_t o, const struct mcr_rule *to,
			   size_t base)
{
	if (o < to->n_outputs && is_same_output(&from->outputs[o], &to->outputs[o]))
		return (uint32_t)(base + o);
	for (size_t p = 0; p < to->n_outputs; p++)
		if (is_same_output(&from->outputs[o], &to->outputs[p]))
			return (uint32_t)(base + p);
	return STATS_UNMAPPED;
}

int stats_map_build(struct stats_map *m, const struct mcr_config *from,
		    const struct mcr_config *to, const struct stats_index *to_ix)
{
	size_t n_out = 0, o_at = 0;

	for (size_t r = 0; r < from->n_rules; r++)
		n_out += from->rules[r].n_outputs;
	memset(m, 0, sizeof(*m));
	m->rule = malloc((from->n_rules ? from->n_rules : 1) * sizeof(*m->rule));
	m->output = malloc((n_out ? n_out : 1) * sizeof(*m->output));
	if (!m->rule || !m->output) {
		stats_map_free(m);
		return -ENOMEM;
	}
	for (size_t r = 0; r < from->n_rules; r++) {
		const struct mcr_rule *rule = &from->rules[r];
		struct stats_name *e;

		HASH_FIND_STR(to_ix->names, rule->name, e);
		m->rule[r] = e ? (uint32_t)e->index : STATS_UNMAPPED;
		for (size_t o = 0; o < rule->n_outputs; o++, o_at++)
			m->output[o_at] = e ? map_output(rule, o, &to->rules[e->index],
							 to_ix->out_base[e->index]) :
					      STATS_UNMAPPED;
	}
	m->n_rules = from->n_rules;
	m->n_outputs = n_out;
	return 0;
}

void stats_map_free(struct stats_map *m)
{
	free(m->rule);
	free(m->output);
	memset(m, 0, sizeof(*m));
}

int stats_counts_remap(struct stats_counts *c, const struct stats_map *m,
		       const struct stats_index *to_ix)
{
	struct stats_counts next;

	if (c->n_rules != m->n_rules || c->n_outputs != m->n_outputs)
		return -EINVAL;
	if (stats_counts_init(&next, to_ix) < 0)
		return -ENOMEM;
	for (size_t r = 0; r < m->n_rules; r++)
		add_u64s(m->rule[r] == STATS_UNMAPPED ? &c->gone_rules : &next.rules[m->rule[r]],
			 &c->rules[r], sizeof(c->rules[r]));
	for (size_t o = 0; o < m->n_outputs; o++)
		add_u64s(m->output[o] == STATS_UNMAPPED ? &c->gone_outputs :
							  &next.outputs[m->output[o]],
			 &c->outputs[o], sizeof(c->outputs[o]));
	free(c->rules);
	free(c->outputs);
	c->rules = next.rules;
	c->outputs = next.outputs;
	c->n_rules = next.n_rules;
	c->n_outputs = next.n_outputs;
	return 0;
}

int stats_report_check(const char *data, size_t len, struct stats_wire_head *ret_head)
{
	struct stats_wire_head h;
	uint64_t want;

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, data, sizeof(h));
	if (h.magic != STATS_WIRE_MAGIC || h.rule_size != sizeof(struct rule_stats) ||
	    h.output_size != sizeof(struct output_stats) ||
	    h.input_size != sizeof(struct stats_wire_input))
		return -EBADMSG;
	want = sizeof(h) + (uint64_t)h.n_rules * h.rule_size +
	       (uint64_t)h.n_outputs * h.output_size + (uint64_t)h.n_inputs * h.input_size;
	if (want != len)
		return -EBADMSG;
	*ret_head = h;
	return 0;
}

static void park(void *from, void *to, size_t size)
{
	add_u64s(to, from, size);
	memset(from, 0, size);
}

void stats_counts_park_idle(struct stats_counts *c, struct stats_counts *parked,
			    const struct mcr_config *cfg, const struct stats_index *ix)
{
	for (size_t r = 0; r < cfg->n_rules && r < ix->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];
		size_t n_idle = 0;

		for (size_t o = 0; o < rule->n_outputs; o++) {
			size_t i = ix->out_base[r] + o;

			if (!config_output_is_idle(&rule->outputs[o]) || i >= c->n_outputs)
				continue;
			park(&c->outputs[i], &parked->outputs[i], sizeof(c->outputs[i]));
			n_idle++;
		}
		if (n_idle && n_idle == rule->n_outputs && r < c->n_rules)
			park(&c->rules[r], &parked->rules[r], sizeof(c->rules[r]));
	}
}

int stats_counts_take(struct stats_counts *c, const struct stats_map *m, const char *data,
		      size_t len)
{
	struct stats_wire_head h;
	const char *p = data + sizeof(h);

	if (stats_report_check(data, len, &h) < 0)
		return -EBADMSG;
	if (h.n_rules != m->n_rules || h.n_outputs != m->n_outputs)
		return -ESTALE;
	memset(c->rules, 0, c->n_rules * sizeof(*c->rules));
	memset(c->outputs, 0, c->n_outputs * sizeof(*c->outputs));
	for (size_t r = 0; r < h.n_rules; r++, p += sizeof(struct rule_stats))
		if (m->rule[r] != STATS_UNMAPPED)
			add_u64s(&c->rules[m->rule[r]], p, sizeof(struct rule_stats));
	for (size_t o = 0; o < h.n_outputs; o++, p += sizeof(struct output_stats))
		if (m->output[o] != STATS_UNMAPPED)
			add_u64s(&c->outputs[m->output[o]], p, sizeof(struct output_stats));
	c->n_inputs = 0;
	for (size_t i = 0; i < h.n_inputs; i++, p += sizeof(struct stats_wire_input)) {
		struct stats_wire_input in;

		memcpy(&in, p, sizeof(in));
		in.ifname[sizeof(in.ifname) - 1] = '\0';
		if (add_input(c, &in, i) < 0)
			return -ENOMEM;
	}
	return 0;
}

void stats_counts_totals(const struct stats_counts *c, struct stats_totals *t)
{
	struct rule_stats in = c->gone_rules;
	struct output_stats out = c->gone_outputs;

	for (size_t r = 0; r < c->n_rules; r++)
		add_u64s(&in, &c->rules[r], sizeof(in));
	for (size_t o = 0; o < c->n_outputs; o++)
		add_u64s(&out, &c->outputs[o], sizeof(out));
	memset(t, 0, sizeof(*t));
	t->packets_in = in.packets;
	t->bytes_in = in.bytes;
	t->packets_out = out.packets;
	t->bytes_out = out.bytes;
	t->send_errors = out.send_errors;
	t->drops = out.drops;
	t->too_big = out.too_big;
	for (size_t i = 0; i < c->n_inputs; i++) {
		t->malformed += c->inputs[i].st.malformed;
		t->buffer_exhaustion += c->inputs[i].st.buffer_exhaustion;
		t->kernel_drops += c->inputs[i].st.kernel_drops;
	}
}

/* Per second over dt, from the counter's value then (a) and now (b); 0 without an interval. */
static double rate(uint64_t b, uint64_t a, double dt)
{
	return dt > 0 && b > a ? (double)(b - a) / dt : 0.0;
}

/* Set "pps_<sfx>" and "bps_<sfx>" in obj: packets and payload bits per second. */
static int set_rates(json_t *obj, const char *sfx, uint64_t pkts, uint64_t pkts0, uint64_t bytes,
		     uint64_t bytes0, double dt)
{
	char pps[16], bps[16];

	(void)snprintf(pps, sizeof(pps), "pps%s%s", *sfx ? "_" : "", sfx);
	(void)snprintf(bps, sizeof(bps), "bps%s%s", *sfx ? "_" : "", sfx);
	if (json_object_set_new(obj, pps, json_real(rate(pkts, pkts0, dt))) < 0 ||
	    json_object_set_new(obj, bps, json_real(8.0 * rate(bytes, bytes0, dt))) < 0)
		return -ENOMEM;
	return 0;
}

static json_t *output_json(const struct mcr_output *out, const struct output_stats *os,
			   const struct output_stats *old, double dt)
{
	char group[ADDR_IP_STR_MAX];
	json_t *obj;

	/* An IPv4 output without a group of its own says 0.0.0.0, as it always did. */
	if (out->group.family == AF_INET6)
		(void)addr_ip_fmt(&out->group, group);
	else
		(void)addr_fmt(out->group.v4, group);
	obj = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "interface",
			out->ifname, "group", group, "port", (int)out->port,
			"packets_out", (json_int_t)os->packets, "bytes_out", (json_int_t)os->bytes,
			"send_errors", (json_int_t)os->send_errors, "retries",
			(json_int_t)os->retries, "drops", (json_int_t)os->drops, "ttl_expired",
			(json_int_t)os->ttl_expired, "too_big", (json_int_t)os->too_big);
	if (obj && set_rates(obj, "out", os->packets, old ? old->packets : os->packets, os->bytes,
			     old ? old->bytes : os->bytes, dt) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *rule_json(const struct stats_counts *cur, const struct stats_counts *prev,
			 double dt, const struct mcr_rule *rule, size_t r, size_t base)
{
	const struct rule_stats *rs = &cur->rules[r], *old = prev ? &prev->rules[r] : rs;
	const char *missing = config_rule_waiting_for(rule);
	json_t *outs = json_array(), *obj;

	if (!outs)
		return NULL;
	for (size_t o = 0; o < rule->n_outputs; o++)
		if (json_array_append_new(outs, output_json(&rule->outputs[o],
							    &cur->outputs[base + o],
							    prev ? &prev->outputs[base + o] : NULL,
							    dt)) < 0)
			goto out_free;
	obj = json_pack("{s:s, s:I, s:I, s:o}", "name", rule->name, "packets_in",
			(json_int_t)rs->packets, "bytes_in", (json_int_t)rs->bytes, "outputs", outs);
	if (obj && (set_rates(obj, "in", rs->packets, old->packets, rs->bytes, old->bytes, dt) < 0 ||
		    (missing && json_object_set_new(obj, "waiting", json_string(missing)) < 0))) {
		json_decref(obj);
		return NULL;
	}
	return obj;

out_free:
	json_decref(outs);
	return NULL;
}

static json_t *inputs_json(const struct stats_counts *cur, const struct stats_counts *prev,
			   double dt)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < cur->n_inputs; i++) {
		const struct stats_wire_input *in = &cur->inputs[i];
		const struct stats_wire_input *old = prev ? find_input(prev, in->ifname, i) : NULL;
		json_t *obj = stats_input_json(in->ifname, &in->st);

		if (json_array_append_new(arr, obj) < 0 ||
		    set_rates(obj, "", in->st.frames, old ? old->st.frames : in->st.frames,
			      in->st.bytes, old ? old->st.bytes : in->st.bytes, dt) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *totals_json(const struct stats_counts *cur, const struct stats_counts *prev,
			   double dt)
{
	struct stats_totals t, t0;
	json_t *obj;

	stats_counts_totals(cur, &t);
	if (prev)
		stats_counts_totals(prev, &t0);
	else
		t0 = t;
	obj = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "packets_in",
			(json_int_t)t.packets_in, "bytes_in", (json_int_t)t.bytes_in,
			"packets_out", (json_int_t)t.packets_out, "bytes_out",
			(json_int_t)t.bytes_out, "send_errors", (json_int_t)t.send_errors, "drops",
			(json_int_t)t.drops, "too_big", (json_int_t)t.too_big, "malformed",
			(json_int_t)t.malformed, "buffer_exhaustion",
			(json_int_t)t.buffer_exhaustion, "kernel_drops",
			(json_int_t)t.kernel_drops);
	if (obj && (set_rates(obj, "in", t.packets_in, t0.packets_in, t.bytes_in, t0.bytes_in,
			      dt) < 0 ||
		    set_rates(obj, "out", t.packets_out, t0.packets_out, t.bytes_out, t0.bytes_out,
			      dt) < 0)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *stats_counts_json(const struct stats_counts *cur, const struct stats_counts *prev,
			  double dt, const struct mcr_config *cfg, const struct stats_index *ix)
{
	json_t *rules = json_array();

	if (!prev || prev->n_rules != cur->n_rules || prev->n_outputs != cur->n_outputs ||
	    dt <= 0) {
		prev = NULL;
		dt = 0;
	}
	if (!rules || cur->n_rules != cfg->n_rules || ix->n_rules != cfg->n_rules)
		goto out_free;
	for (size_t r = 0; r < cfg->n_rules; r++)
		if (json_array_append_new(rules, rule_json(cur, prev, dt, &cfg->rules[r], r,
							   ix->out_base[r])) < 0)
			goto out_free;
	return json_pack("{s:f, s:o, s:o, s:o}", "rate_interval_s", dt, "rules", rules, "inputs",
			 inputs_json(cur, prev, dt), "totals", totals_json(cur, prev, dt));

out_free:
	json_decref(rules);
	return NULL;
}
