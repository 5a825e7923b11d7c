/* SPDX-License-Identifier: MIT */
/*
 * What a new configuration changes against the running one, rule by rule
 * (by name): the rules it adds, the rules it changes (same name, anything
 * else different), the rules it removes, and how many stay as they are;
 * and which global settings it changes.
 * A reload reports and logs this.  Does not log.
 */
#ifndef MCR_CONFIG_DIFF_H
#define MCR_CONFIG_DIFF_H

#include <jansson.h>
#include <stddef.h>

#include "config/config.h"

struct config_names {
	size_t n;
	char (*names)[MCR_NAME_MAX];	/* [n], in the order of their configuration */
};

struct config_diff {
	struct config_names added;	/* in the new configuration only */
	struct config_names changed;	/* in both, not the same */
	struct config_names removed;	/* in the old configuration only */
	size_t n_unchanged;
	struct config_names settings;	/* keys of the settings that differ */
};

/*
 * Compare two resolved configurations.  Two rules are the same when they
 * read the same in the file's form (config_rule_to_json()), so every field
 * a rule has counts.  Returns 0, or -ENOMEM with *ret empty.  Release with
 * config_diff_free().
 */
int config_diff(const struct mcr_config *old, const struct mcr_config *new,
		struct config_diff *ret);
void config_diff_free(struct config_diff *d);

/*
 * {"added": [...], "changed": [...], "removed": [...], "unchanged": N,
 * "settings": [...]}, or NULL on ENOMEM.
 */
json_t *config_diff_to_json(const struct config_diff *d);

#endif
