// SPDX-License-Identifier: MIT
/*
 * Binary configuration images: a header, the struct mcr_config, its rules,
 * then every rule's outputs in rule order.  Host byte order; the image
 * never leaves the machine, nor the executable that wrote it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgwire.h"

static const char magic[4] = { 'M', 'C', 'R', 'W' };

struct cfgwire_header {
	char magic[4];
	uint32_t version;
	uint32_t config_size;		/* sizeof(struct mcr_config) of the writer */
	uint32_t rule_size;
	uint32_t output_size;
	uint32_t n_rules;
	uint64_t n_outputs;		/* over all rules */
};

static size_t image_size(size_t n_rules, uint64_t n_outputs)
{
	return sizeof(struct cfgwire_header) + sizeof(struct mcr_config) +
	       n_rules * sizeof(struct mcr_rule) + n_outputs * sizeof(struct mcr_output);
}

int cfgwire_encode(const struct mcr_config *cfg, char **ret_data, size_t *ret_len)
{
	struct cfgwire_header h = {
		.version = CFGWIRE_VERSION,
		.config_size = sizeof(struct mcr_config),
		.rule_size = sizeof(struct mcr_rule),
		.output_size = sizeof(struct mcr_output),
		.n_rules = (uint32_t)cfg->n_rules,
	};
	struct mcr_config *c;
	size_t len;
	char *p, *data;

	for (size_t r = 0; r < cfg->n_rules; r++)
		h.n_outputs += cfg->rules[r].n_outputs;
	memcpy(h.magic, magic, sizeof(magic));
	len = image_size(cfg->n_rules, h.n_outputs);
	/* Zeroed, so that no padding byte goes out uninitialised. */
	data = calloc(1, len);
	if (!data)
		return -ENOMEM;
	memcpy(data, &h, sizeof(h));
	p = data + sizeof(h);
	c = (struct mcr_config *)p;
	memcpy(c, cfg, sizeof(*c));
	c->rules = NULL;
	p += sizeof(*c);
	for (size_t r = 0; r < cfg->n_rules; r++, p += sizeof(struct mcr_rule)) {
		memcpy(p, &cfg->rules[r], sizeof(struct mcr_rule));
		((struct mcr_rule *)p)->outputs = NULL;
	}
	for (size_t r = 0; r < cfg->n_rules; r++) {
		size_t n = cfg->rules[r].n_outputs * sizeof(struct mcr_output);

		if (n)
			memcpy(p, cfg->rules[r].outputs, n);
		p += n;
	}
	*ret_data = data;
	*ret_len = len;
	return 0;
}

static bool is_terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

__attribute__((format(printf, 2, 3)))
static int bad(struct config_error *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err->msg, sizeof(err->msg), "configuration image: ");
	va_start(ap, fmt);
	(void)vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int check_header(const char *data, size_t len, struct cfgwire_header *h,
			struct config_error *err)
{
	if (len < sizeof(*h))
		return bad(err, "%zu bytes, shorter than its header", len);
	memcpy(h, data, sizeof(*h));
	if (memcmp(h->magic, magic, sizeof(magic)) != 0 || h->version != CFGWIRE_VERSION)
		return bad(err, "not a version %d image", CFGWIRE_VERSION);
	if (h->config_size != sizeof(struct mcr_config) ||
	    h->rule_size != sizeof(struct mcr_rule) ||
	    h->output_size != sizeof(struct mcr_output))
		return bad(err, "written by another build of mcrd");
	if (h->n_rules > MCR_MAX_RULES || h->n_outputs > (uint64_t)MCR_MAX_RULES * MCR_MAX_OUTPUTS)
		return bad(err, "%u rules, %llu outputs: over the limits", h->n_rules,
			   (unsigned long long)h->n_outputs);
	if (len != image_size(h->n_rules, h->n_outputs))
		return bad(err, "%zu bytes where %u rules and %llu outputs take %zu", len,
			   h->n_rules, (unsigned long long)h->n_outputs,
			   image_size(h->n_rules, h->n_outputs));
	return 0;
}

/* The scalar settings; a bool is checked in the image, before it is read as one. */
static int check_settings(const char *img, const struct mcr_config *c, uint32_t n_rules,
			  struct config_error *err)
{
	unsigned char b;

	memcpy(&b, img + offsetof(struct mcr_config, igmp_join), 1);
	if (b > 1)
		return bad(err, "igmp_join is %u", b);
	memcpy(&b, img + offsetof(struct mcr_config, igmp_querier), 1);
	if (b > 1)
		return bad(err, "igmp_querier is %u", b);
	if ((unsigned int)c->egress >= EGRESS_MODE_MAX || (unsigned int)c->ingress >= INGRESS_MODE_MAX)
		return bad(err, "unknown egress or ingress mode");
	if (c->n_rules != n_rules)
		return bad(err, "%zu rules where the header says %u", c->n_rules, n_rules);
	return 0;
}

static int check_rule(const struct mcr_rule *r, size_t i, uint64_t *outputs_left,
		      struct config_error *err)
{
	if (!is_terminated(r->name, sizeof(r->name)) ||
	    !is_terminated(r->in_ifname, sizeof(r->in_ifname)))
		return bad(err, "rule %zu: a name without its end", i);
	if (r->in_vlan > MCR_VLAN_MAX)
		return bad(err, "rule %zu: VLAN %u", i, r->in_vlan);
	if (r->n_outputs > MCR_MAX_OUTPUTS || r->n_outputs > *outputs_left)
		return bad(err, "rule %zu: %zu outputs, more than the image holds", i,
			   r->n_outputs);
	*outputs_left -= r->n_outputs;
	return 0;
}

int cfgwire_decode(const char *data, size_t len, struct mcr_config *cfg,
		   struct config_error *err)
{
	struct cfgwire_header h;
	struct mcr_config c;
	const char *p, *outs;
	uint64_t left;
	int ret = check_header(data, len, &h, err);

	if (ret < 0)
		return ret;
	p = data + sizeof(h);
	memcpy(&c, p, sizeof(c));
	ret = check_settings(p, &c, h.n_rules, err);
	if (ret < 0)
		return ret;
	p += sizeof(c);
	outs = p + (size_t)h.n_rules * sizeof(struct mcr_rule);
	c.rules = calloc(h.n_rules ? h.n_rules : 1, sizeof(*c.rules));
	if (!c.rules)
		return -ENOMEM;
	left = h.n_outputs;
	/* Rules not reached yet are zero: config_free() below frees what was. */
	c.n_rules = h.n_rules;
	for (uint32_t i = 0; i < h.n_rules; i++) {
		struct mcr_rule *r = &c.rules[i];

		memcpy(r, p + (size_t)i * sizeof(*r), sizeof(*r));
		r->outputs = NULL;
		ret = check_rule(r, i, &left, err);
		if (ret == 0 && !(r->outputs = calloc(r->n_outputs ? r->n_outputs : 1,
						      sizeof(*r->outputs))))
			ret = -ENOMEM;
		if (ret < 0) {
			config_free(&c);
			return ret;
		}
		memcpy(r->outputs, outs, r->n_outputs * sizeof(*r->outputs));
		outs += r->n_outputs * sizeof(*r->outputs);
		for (size_t o = 0; o < r->n_outputs; o++) {
			const struct mcr_output *out = &r->outputs[o];

			if (!is_terminated(out->ifname, sizeof(out->ifname))) {
				config_free(&c);
				return bad(err, "rule %u: an output interface without its end", i);
			}
			unsigned char joined, downstream;

			memcpy(&joined, (const char *)out + offsetof(struct mcr_output, is_joined), 1);
			memcpy(&downstream,
			       (const char *)out + offsetof(struct mcr_output, is_downstream), 1);
			if ((unsigned int)out->ttl_mode >= TTL_MODE_MAX ||
			    (unsigned int)out->source_mode >= SOURCE_MODE_MAX ||
			    (unsigned int)out->when >= WHEN_MAX || joined > 1 || downstream > 1) {
				config_free(&c);
				return bad(err, "rule %u: output %zu: unknown ttl or source mode, or when", i, o);
			}
		}
	}
	if (left != 0) {
		config_free(&c);
		return bad(err, "%llu outputs no rule owns", (unsigned long long)left);
	}
	config_free(cfg);
	*cfg = c;
	return 0;
}
