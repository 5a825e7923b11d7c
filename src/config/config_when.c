// SPDX-License-Identifier: MIT
/*
 * Outputs that follow their listeners ("when": "joined"): the field's
 * names, its check, and the view of a configuration the workers relay,
 * without the outputs nobody listens to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_internal.h"

static const char *const when_names[WHEN_MAX] = { "always", "joined" };

int config_parse_when(const char *name, enum output_when *ret)
{
	for (unsigned int i = 0; i < WHEN_MAX; i++) {
		if (!strcmp(name, when_names[i])) {
			*ret = (enum output_when)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *config_when_name(enum output_when when)
{
	return (unsigned int)when < WHEN_MAX ? when_names[when] : "?";
}

int config_check_when(const struct mcr_config *cfg, struct config_error *err)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];

		for (size_t o = 0; o < rule->n_outputs; o++) {
			const struct mcr_output *out = &rule->outputs[o];
			const struct mcr_addr *g = addr_ip_is_set(&out->group) ? &out->group :
										  &rule->in_group;

			if (out->when == WHEN_JOINED && !addr_ip_is_multicast(g))
				return config_fail(err, -EINVAL,
						   "rule \"%s\": output %zu (%s): \"when\": \"joined\" "
						   "follows a multicast group's listeners; give the output "
						   "a multicast group or remove \"when\"",
						   rule->name, o + 1, out->ifname);
		}
	}
	return 0;
}

bool config_output_is_idle(const struct mcr_output *o)
{
	return o->when == WHEN_JOINED && !o->is_joined;
}

size_t config_drop_idle(struct mcr_config *cfg)
{
	size_t dropped = 0, kept_rules = 0;

	for (size_t r = 0; r < cfg->n_rules; r++) {
		struct mcr_rule *rule = &cfg->rules[r];
		size_t kept = 0;

		for (size_t o = 0; o < rule->n_outputs; o++) {
			if (config_output_is_idle(&rule->outputs[o])) {
				dropped++;
				continue;
			}
			rule->outputs[kept++] = rule->outputs[o];
		}
		rule->n_outputs = kept;
		/* A rule with no output left relays nothing: not even its input is opened. */
		if (!kept) {
			config_rule_clear(rule);
			continue;
		}
		if (kept_rules != r)
			cfg->rules[kept_rules] = *rule;
		kept_rules++;
	}
	cfg->n_rules = kept_rules;
	return dropped;
}
