// SPDX-License-Identifier: MIT
/*
 * Downstream interfaces, as igmpproxy has them: a rule's "downstream" list
 * names the interfaces it may relay to, and it relays to each only while
 * the group has listeners there.  The list is expanded here, once, into
 * ordinary "when": "joined" outputs marked is_downstream, so membership,
 * the marks, the workers and the change path treat them as any other
 * joined output; the writers put the marked outputs back into the list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_internal.h"
#include "config/value.h"

/* " of rule \"NAME\"" (@prep "of"), or nothing for a rule not named yet (the path names it). */
static const char *rule_label(const struct mcr_rule *r, const char *prep,
			      char buf[MCR_NAME_MAX + 16])
{
	if (!r->name[0])
		return "";
	(void)snprintf(buf, MCR_NAME_MAX + 16, " %s rule \"%s\"", prep, r->name);
	return buf;
}

/* An interface the rule already names: its input, an output, or an earlier list entry. */
static int check_new_name(const struct mcr_rule *r, const char *ifname, const char *where,
			  struct config_error *err)
{
	char label[MCR_NAME_MAX + 16];

	if (!strcmp(ifname, r->in_ifname))
		return config_fail(err, -EINVAL,
				   "%s: \"%s\" is the input interface%s; a rule never relays back "
				   "onto its input: remove it from the list",
				   where, ifname, rule_label(r, "of", label));
	for (size_t o = 0; o < r->n_outputs; o++) {
		const struct mcr_output *out = &r->outputs[o];

		if (strcmp(out->ifname, ifname) != 0)
			continue;
		if (out->is_downstream)
			return config_fail(err, -EINVAL,
					   "%s: \"%s\" is listed twice%s; list each interface once",
					   where, ifname, rule_label(r, "in", label));
		return config_fail(err, -EINVAL,
				   "%s: \"%s\" is also an output%s; name it in one place: in "
				   "\"downstream\" (it follows listeners) or in \"outputs\"",
				   where, ifname, rule_label(r, "of", label));
	}
	return 0;
}

int config_downstream_add(struct mcr_rule *r, const char *const *names, size_t n,
			  const struct mcr_output *tmpl, const char *where,
			  struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	struct mcr_output *grown;
	int rc;

	if (n == 0)
		return config_fail(err, -EINVAL, "%s: no interfaces", where);
	if (r->n_outputs > MCR_MAX_OUTPUTS || n > MCR_MAX_OUTPUTS - r->n_outputs)
		return config_fail(err, -EINVAL,
				   "%s: %zu downstream interfaces and %zu outputs, at most %d in all",
				   where, n, r->n_outputs, MCR_MAX_OUTPUTS);
	grown = realloc(r->outputs, (r->n_outputs + n) * sizeof(*r->outputs));
	if (!grown)
		return config_fail(err, -ENOMEM, "%s: out of memory", where);
	r->outputs = grown;
	for (size_t i = 0; i < n; i++) {
		struct mcr_output *o = &r->outputs[r->n_outputs];

		*o = *tmpl;
		o->when = WHEN_JOINED;
		o->is_downstream = true;
		o->is_joined = false;
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, names[i]);
		rc = value_check_ifname(names[i], o->ifname, where, shown, err);
		if (rc == 0)
			rc = check_new_name(r, o->ifname, where, err);
		if (rc < 0)
			return rc;
		r->n_outputs++;
	}
	return 0;
}

const struct mcr_output *config_downstream_first(const struct mcr_rule *r)
{
	for (size_t o = 0; o < r->n_outputs; o++)
		if (r->outputs[o].is_downstream)
			return &r->outputs[o];
	return NULL;
}

bool config_downstream_is_plain(const struct mcr_rule *r, const struct mcr_output *o)
{
	bool is_inherited_group = !addr_ip_is_set(&o->group) || addr_ip_equal(&o->group,
									      &r->in_group);

	return is_inherited_group && (o->port == 0 || o->port == r->in_port) &&
	       o->ttl_mode == TTL_DECREMENT && o->source_mode == SOURCE_RELAY;
}
