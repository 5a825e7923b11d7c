// SPDX-License-Identifier: MIT
/*
 * The --rule shorthand, one rule per command-line argument:
 *   [NAME=]IN_IFACE,GROUP[:PORT][,source=IP][,vlan=VID] ->
 *       OUT_IFACE[,GROUP[:PORT]][,ttl=N|keep|decrement][,source=relay|keep|IP][,when=joined]
 *       [; OUT...]
 * One OUT may instead be the rule's "downstream" list:
 *   downstream=IFACE[+IFACE...][,GROUP[:PORT]][,ttl=...][,source=...]
 * GROUP is IPv4 or IPv6; an IPv6 one with a port goes in brackets,
 * "[ff3e::1]:5000".
 * Its values go through the same checks as the JSON file's (value.h), and
 * messages quote the spec and name the part ("input", "output 2").
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_internal.h"
#include "config/value.h"

/* A --rule spec quoted in messages is cut to this many characters. */
#define SPEC_SHOWN_MAX		160

static char *str_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

/* Cuts the next @sep-separated field off *cursor (NULL once all are taken). */
static char *str_next_field(char **cursor, char sep)
{
	char *field = *cursor, *end;

	if (!field)
		return NULL;
	end = strchr(field, sep);
	if (end) {
		*end = '\0';
		*cursor = end + 1;
	} else {
		*cursor = NULL;
	}
	return str_trim(field);
}

/* A plain decimal number, or -1 for anything else (which every range check rejects). */
static long long str_to_number(const char *s)
{
	long long v = 0;

	if (!*s || strlen(s) > 9)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* The VALUE of a "KEY=VALUE" field (spaces allowed around '='), or NULL. */
static char *str_key_value(char *field, const char *key)
{
	size_t n = strlen(key);
	char *p = field + n;

	if (strncmp(field, key, n))
		return NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '=' ? str_trim(p + 1) : NULL;
}

/* "GROUP[:PORT]" or "[IPV6][:PORT]"; *ret_port is left alone when no port is given. */
static int shorthand_group_port(char *s, struct mcr_addr *ret_group, uint16_t *ret_port,
				const char *where, struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	char *port, *group;
	int rc;

	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, s);
	group = addr_split_port(s, &port);
	if (!group)
		return config_fail(err, -EINVAL,
				   "%s: %s is not GROUP[:PORT] (an IPv6 group with a port is "
				   "written in brackets: [ff3e::1]:5000)",
				   where, shown);
	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, group);
	rc = value_check_group(group, ret_group, where, shown, err);
	if (rc < 0 || !port)
		return rc;
	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, port);
	return value_check_port(str_to_number(port), ret_port, where, shown, err);
}

static int shorthand_input(struct mcr_rule *r, char *lhs, const char *ctx,
			   struct config_error *err)
{
	char where[SPEC_SHOWN_MAX + 64], shown[SHOWN_MAX + 4];
	char *cursor = lhs, *field, *eq, *ip, *vid;
	int rc;

	field = str_next_field(&cursor, ',');
	eq = strchr(field, '=');
	if (eq) {
		*eq = '\0';
		(void)snprintf(where, sizeof(where), "%s: name", ctx);
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, str_trim(field));
		rc = value_check_rule_name(str_trim(field), r->name, where, shown, err);
		if (rc < 0)
			return rc;
		field = str_trim(eq + 1);
	}
	(void)snprintf(where, sizeof(where), "%s: input", ctx);
	if (!field[0])
		return config_fail(err, -EINVAL, "%s: missing interface", where);
	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, field);
	rc = value_check_ifname(field, r->in_ifname, where, shown, err);
	if (rc < 0)
		return rc;

	field = str_next_field(&cursor, ',');
	if (!field || !field[0])
		return config_fail(err, -EINVAL, "%s: missing group", where);
	rc = shorthand_group_port(field, &r->in_group, &r->in_port, where, err);
	if (rc < 0)
		return rc;

	field = str_next_field(&cursor, ',');
	ip = field ? str_key_value(field, "source") : NULL;
	if (ip) {
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, ip);
		rc = value_check_source(ip, &r->in_source, where, shown, err);
		if (rc < 0)
			return rc;
		field = str_next_field(&cursor, ',');
	}
	vid = field ? str_key_value(field, "vlan") : NULL;
	if (vid) {
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, vid);
		rc = value_check_vlan(str_to_number(vid), &r->in_vlan, where, shown, err);
		if (rc < 0)
			return rc;
		field = str_next_field(&cursor, ',');
	}
	if (field)
		return config_fail(err, -EINVAL,
				   "%s: unexpected \"%.*s\" (expected source=IP or vlan=VID)", where,
				   SHOWN_MAX, field);
	return 0;
}

/* One "KEY=VALUE" field of an output: ttl= or source=, each at most once. */
static int shorthand_output_option(struct mcr_output *o, char *field, bool *has_ttl,
				   bool *has_source, const char *where, struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	char *v;

	if ((v = str_key_value(field, "when")) && o->when == WHEN_ALWAYS) {
		if (config_parse_when(v, &o->when) == 0)
			return 0;
		return config_fail(err, -EINVAL, "%s: when=\"%.*s\" is not always or joined",
				   where, SHOWN_MAX, v);
	}

	if ((v = str_key_value(field, "ttl")) && !*has_ttl) {
		*has_ttl = true;
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, v);
		if (v[0] >= '0' && v[0] <= '9') {
			o->ttl_mode = TTL_SET;
			return value_check_ttl(str_to_number(v), &o->ttl, where, shown, err);
		}
		return value_check_ttl_word(v, o, where, shown, err);
	}
	if ((v = str_key_value(field, "source")) && !*has_source) {
		*has_source = true;
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, v);
		return value_check_out_source(v, o, where, shown, err);
	}
	return config_fail(err, -EINVAL,
			   "%s: unexpected \"%.*s\" (expected [GROUP[:PORT]][,ttl=N|keep|decrement]"
			   "[,source=relay|keep|IP][,when=joined])",
			   where, SHOWN_MAX, field);
}

/* What follows an output's interface (or the downstream list): [GROUP[:PORT]][,KEY=VALUE...]. */
static int shorthand_output_fields(struct mcr_output *o, char *cursor, const char *where,
				   struct config_error *err)
{
	bool has_group = false, has_option = false, has_ttl = false, has_source = false;
	char *field;
	int rc;

	o->ttl_mode = TTL_DECREMENT;
	o->source_mode = SOURCE_RELAY;
	while ((field = str_next_field(&cursor, ','))) {
		if (!has_group && !has_option && field[0] && !strchr(field, '=')) {
			rc = shorthand_group_port(field, &o->group, &o->port, where, err);
			has_group = true;
		} else {
			rc = shorthand_output_option(o, field, &has_ttl, &has_source, where, err);
			has_option = true;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int shorthand_output(struct mcr_output *o, char *spec, const char *where,
			    struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	char *cursor = spec, *field;
	int rc;

	field = str_next_field(&cursor, ',');
	if (!field || !field[0])
		return config_fail(err, -EINVAL, "%s: missing interface", where);
	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, field);
	rc = value_check_ifname(field, o->ifname, where, shown, err);
	if (rc < 0)
		return rc;
	return shorthand_output_fields(o, cursor, where, err);
}

/* Whether an output part is "downstream=...", the list (spaces allowed around '='). */
static bool is_downstream_part(char *part)
{
	return str_key_value(str_trim(part), "downstream") != NULL;
}

/*
 * "downstream=IF+IF[,GROUP[:PORT]][,ttl=...][,source=...]": the list's
 * names split on '+' (an interface name with '+' cannot be listed), then
 * the options as an output takes them, checked through a template output.
 */
static int shorthand_downstream(struct mcr_rule *r, char *part, const char *ctx,
				struct config_error *err)
{
	char where[SPEC_SHOWN_MAX + 64];
	struct mcr_output tmpl = { .when = WHEN_ALWAYS };
	char *cursor = part, *names;
	const char **list;
	size_t n = 1, i = 0;
	int rc;

	(void)snprintf(where, sizeof(where), "%s: downstream", ctx);
	names = str_key_value(str_next_field(&cursor, ','), "downstream");
	rc = shorthand_output_fields(&tmpl, cursor, where, err);
	if (rc < 0)
		return rc;
	if (tmpl.when != WHEN_ALWAYS)
		return config_fail(err, -EINVAL,
				   "%s: when= does not apply: downstream interfaces always follow "
				   "their listeners",
				   where);
	for (const char *p = names; *p; p++)
		n += *p == '+';
	if (n > MCR_MAX_OUTPUTS)
		return config_fail(err, -EINVAL, "%s: %zu interfaces, at most %d", where, n,
				   MCR_MAX_OUTPUTS);
	list = calloc(n, sizeof(*list));
	if (!list)
		return config_fail(err, -ENOMEM, "%s: out of memory", where);
	cursor = names;
	while (i < n)
		list[i++] = str_next_field(&cursor, '+');
	rc = config_downstream_add(r, list, n, &tmpl, where, err);
	free(list);
	return rc;
}

/*
 * The outputs, then the downstream list (at most one, wherever it is
 * written), so that an interface given in both is caught either way.
 */
static int shorthand_outputs(struct mcr_rule *r, char *rhs, const char *ctx,
			     struct config_error *err)
{
	char where[SPEC_SHOWN_MAX + 64];
	char *cursor = rhs, *part, *downstream = NULL;
	size_t n = 1;
	int rc;

	for (const char *p = rhs; *p; p++)
		n += *p == ';';
	if (n > MCR_MAX_OUTPUTS)
		return config_fail(err, -EINVAL, "%s: %zu outputs, at most %d", ctx, n,
				   MCR_MAX_OUTPUTS);
	r->outputs = calloc(n, sizeof(*r->outputs));
	if (!r->outputs)
		return config_fail(err, -ENOMEM, "%s: out of memory", ctx);
	for (size_t i = 0; i < n; i++) {
		part = str_next_field(&cursor, ';');
		if (is_downstream_part(part)) {
			if (downstream)
				return config_fail(err, -EINVAL,
						   "%s: more than one downstream=; list every "
						   "interface in one, joined with '+'",
						   ctx);
			downstream = part;
			continue;
		}
		(void)snprintf(where, sizeof(where), "%s: output %zu", ctx, i + 1);
		rc = shorthand_output(&r->outputs[r->n_outputs++], part, where, err);
		if (rc < 0)
			return rc;
	}
	return downstream ? shorthand_downstream(r, downstream, ctx, err) : 0;
}

int config_add_shorthand(struct mcr_config *cfg, const char *spec, struct config_error *err)
{
	char ctx[SPEC_SHOWN_MAX + 16];
	struct mcr_rule r = { 0 };
	struct mcr_rule *grown;
	char *buf, *lhs, *rhs, *arrow;
	size_t len = strlen(spec);
	int rc;

	(void)snprintf(ctx, sizeof(ctx), "rule \"%.*s%s\"", SPEC_SHOWN_MAX, spec,
		       len > SPEC_SHOWN_MAX ? "..." : "");
	if (cfg->n_rules >= MCR_MAX_RULES)
		return config_fail(err, -EINVAL, "%s: too many rules, at most %d", ctx,
				   MCR_MAX_RULES);
	buf = strdup(spec);
	if (!buf)
		return config_fail(err, -ENOMEM, "%s: out of memory", ctx);

	arrow = strstr(buf, "->");
	if (!arrow) {
		rc = config_fail(err, -EINVAL, "%s: missing \"->\"", ctx);
		goto out_free_buf;
	}
	*arrow = '\0';
	lhs = str_trim(buf);
	rhs = str_trim(arrow + 2);
	if (strstr(rhs, "->")) {
		rc = config_fail(err, -EINVAL, "%s: more than one \"->\"", ctx);
		goto out_free_buf;
	}

	(void)snprintf(r.name, sizeof(r.name), "rule%zu", cfg->n_rules + 1);
	rc = shorthand_input(&r, lhs, ctx, err);
	if (rc < 0)
		goto out_free_outputs;
	rc = shorthand_outputs(&r, rhs, ctx, err);
	if (rc < 0)
		goto out_free_outputs;

	grown = realloc(cfg->rules, (cfg->n_rules + 1) * sizeof(*cfg->rules));
	if (!grown) {
		rc = config_fail(err, -ENOMEM, "%s: out of memory", ctx);
		goto out_free_outputs;
	}
	cfg->rules = grown;
	cfg->rules[cfg->n_rules++] = r;
	free(buf);
	return 0;

out_free_outputs:
	free(r.outputs);
out_free_buf:
	free(buf);
	return rc;
}
