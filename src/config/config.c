// SPDX-License-Identifier: MIT
/*
 * mcrd's configuration, struct mcr_config: its life (init, free), its rule
 * list (look up, remove), the names of its modes, and config_fail(), the one
 * way every file of src/config reports an error.  The JSON form is in
 * config_json.c, the --rule shorthand in rule_spec.c, the value checks both
 * share in value.c, and the checks across rules and the interface
 * resolution in config_check.c.  Nothing here logs: each failure leaves one
 * message in a struct config_error that names the offending field and value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_internal.h"
#include "config/settings.h"

void config_init(struct mcr_config *cfg)
{
	*cfg = (struct mcr_config){ .n_rules = 0, .rules = NULL };
	settings_init(cfg);
}

void config_free(struct mcr_config *cfg)
{
	for (size_t i = 0; i < cfg->n_rules; i++)
		free(cfg->rules[i].outputs);
	free(cfg->rules);
	/* Leaves a usable empty config, so a second free (or reuse) is harmless. */
	config_init(cfg);
}

__attribute__((format(printf, 3, 4)))
int config_fail(struct config_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- the rule list ---- */

void config_rule_clear(struct mcr_rule *r)
{
	free(r->outputs);
	memset(r, 0, sizeof(*r));
}

int config_rule_index(const struct mcr_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_rules; i++)
		if (!strcmp(cfg->rules[i].name, name))
			return (int)i;
	return -ENOENT;
}

int config_remove_rule(struct mcr_config *cfg, const char *name)
{
	int i = config_rule_index(cfg, name);

	if (i < 0)
		return i;
	free(cfg->rules[i].outputs);
	/* Later rules keep their order: statistics and messages refer to positions. */
	memmove(&cfg->rules[i], &cfg->rules[i + 1],
		(cfg->n_rules - (size_t)i - 1) * sizeof(*cfg->rules));
	cfg->n_rules--;
	if (cfg->n_rules == 0) {
		free(cfg->rules);
		cfg->rules = NULL;
	}
	return 0;
}

/* ---- names of modes ---- */

const char *config_ttl_name(const struct mcr_output *o, char buf[12])
{
	switch (o->ttl_mode) {
	case TTL_KEEP:
		return "keep";
	case TTL_SET:
		(void)snprintf(buf, 12, "%u", o->ttl);
		return buf;
	case TTL_DECREMENT:
	case TTL_MODE_MAX:
		break;
	}
	return "decrement";
}

/* The modes' names are those of the settings table: one list of them. */
static int mode_parse(const char *key, const char *name)
{
	const struct setting *s = settings_find_key(key);

	for (int m = 0; s && s->names[m]; m++)
		if (strcmp(name, s->names[m]) == 0)
			return m;
	return -EINVAL;
}

static const char *mode_name(const char *key, unsigned int mode, unsigned int max)
{
	const struct setting *s = settings_find_key(key);

	return s && mode < max ? s->names[mode] : "?";
}

int config_parse_egress(const char *name, enum egress_mode *ret)
{
	int m = mode_parse("egress", name);

	if (m < 0)
		return m;
	*ret = (enum egress_mode)m;
	return 0;
}

const char *config_egress_name(enum egress_mode mode)
{
	return mode_name("egress", mode, EGRESS_MODE_MAX);
}

int config_parse_ingress(const char *name, enum ingress_mode *ret)
{
	int m = mode_parse("ingress", name);

	if (m < 0)
		return m;
	*ret = (enum ingress_mode)m;
	return 0;
}

const char *config_ingress_name(enum ingress_mode mode)
{
	return mode_name("ingress", mode, INGRESS_MODE_MAX);
}

/* Not json_dumps() alone: a value pasted into a message must stay short. */
void config_json_show(const json_t *v, char buf[SHOWN_MAX + 4])
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	if (!s) {
		(void)snprintf(buf, SHOWN_MAX + 4, "(value)");
		return;
	}
	if (strlen(s) > SHOWN_MAX)
		(void)snprintf(buf, SHOWN_MAX + 4, "%.*s...", SHOWN_MAX, s);
	else
		(void)snprintf(buf, SHOWN_MAX + 4, "%s", s);
	free(s);
}
