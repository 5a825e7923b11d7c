// SPDX-License-Identifier: MIT
/*
 * mcrctl's rule verbs: add (a rule object built from flags, or given
 * whole), remove and list.  mcrctl only shapes the rule; mcrd validates it
 * with the same parser it uses for its configuration file, so a rule is
 * accepted or refused for the same reasons either way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "mcrctl/cmd.h"
#include "mcrctl/table.h"

enum {
	OPT_NAME = 256,
	OPT_IN_IFACE,
	OPT_IN_GROUP,
	OPT_IN_PORT,
	OPT_SOURCE,
	OPT_VLAN,
	OPT_OUTPUT,
	OPT_TTL,
	OPT_OUT_SOURCE,
	OPT_WHEN,
	OPT_DOWNSTREAM,
	OPT_RULE_JSON,
};

/* A whole decimal number, or -EINVAL. */
static int parse_integer(const char *s, long long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoll(s, &end, 10);
	return errno || end == s || *end ? -EINVAL : 0;
}

/* "IF[,GROUP[:PORT]]" as an output object; an IPv6 GROUP with a port in brackets. */
static int output_from_spec(const struct mcrctl_cmd *cmd, const char *spec, json_t **ret)
{
	char *copy = strdup(spec), *comma, *colon, *group;
	long long port;
	json_t *o;
	int rc = EXIT_USAGE;

	if (!copy)
		return EXIT_FAILURE;
	comma = strchr(copy, ',');
	if (comma)
		*comma = '\0';
	o = json_pack("{s:s}", "interface", copy);
	if (!o) {
		free(copy);
		return EXIT_FAILURE;
	}
	if (comma) {
		group = addr_split_port(comma + 1, &colon);
		if (!group) {
			(void)mcrctl_usage_error(cmd,
						 "--output \"%s\": not IF,GROUP[:PORT] (an IPv6 "
						 "GROUP with a port goes in brackets: [ff3e::1]:5000)",
						 spec);
			goto out_free;
		}
		if (!group[0]) {
			(void)mcrctl_usage_error(cmd, "--output \"%s\": missing GROUP after ','",
						 spec);
			goto out_free;
		}
		if (json_object_set_new(o, "group", json_string(group)) < 0)
			goto out_free;
		if (colon && parse_integer(colon, &port) < 0) {
			(void)mcrctl_usage_error(cmd, "--output \"%s\": \"%s\" is not a port number",
						 spec, colon);
			goto out_free;
		}
		if (colon && json_object_set_new(o, "port", json_integer(port)) < 0)
			goto out_free;
	}
	free(copy);
	*ret = o;
	return 0;

out_free:
	json_decref(o);
	free(copy);
	return rc;
}

struct add_flags {
	const char *name, *in_iface, *in_group, *in_port, *source, *vlan, *ttl, *out_source;
	const char *when;
	const char *rule_json;
	json_t *outputs;
	json_t *downstream;	/* interface names, from every --downstream */
};

/* "IF[+IF...]" appended to the list; mcrd checks each name. */
static int downstream_from_spec(const struct mcrctl_cmd *cmd, const char *spec, json_t *list)
{
	char *copy = strdup(spec), *cursor = copy, *name;
	int rc = 0;

	if (!copy)
		return EXIT_FAILURE;
	while (rc == 0 && (name = strsep(&cursor, "+"))) {
		if (!name[0])
			rc = mcrctl_usage_error(cmd, "--downstream \"%s\": an empty interface name",
						spec);
		else if (json_array_append_new(list, json_string(name)) < 0)
			rc = EXIT_FAILURE;
	}
	free(copy);
	return rc;
}

/*
 * The "downstream" field: the names alone, or with --ttl and
 * --output-source, which apply to every output, the listed ones too.
 */
static int add_downstream(const struct add_flags *f, json_t *rule)
{
	json_t *ds;
	long long v;

	if (!f->ttl && !f->out_source)
		return json_object_set(rule, "downstream", f->downstream) < 0 ? -ENOMEM : 0;
	ds = json_pack("{s:O}", "interfaces", f->downstream);
	if (!ds)
		return -ENOMEM;
	if (f->ttl && json_object_set_new(ds, "ttl", parse_integer(f->ttl, &v) == 0 ?
							     json_integer(v) :
							     json_string(f->ttl)) < 0)
		goto out_free;
	if (f->out_source && json_object_set_new(ds, "source", json_string(f->out_source)) < 0)
		goto out_free;
	return json_object_set_new(rule, "downstream", ds) < 0 ? -ENOMEM : 0;

out_free:
	json_decref(ds);
	return -ENOMEM;
}

static int rule_from_flags(const struct mcrctl_cmd *cmd, const struct add_flags *f,
			   json_t **ret)
{
	json_t *rule, *in, *o;
	long long v;
	size_t i;

	if (!f->in_iface)
		return mcrctl_usage_error(cmd, "missing --input-interface");
	if (!f->in_group)
		return mcrctl_usage_error(cmd, "missing --input-group");
	if (json_array_size(f->outputs) == 0 && json_array_size(f->downstream) == 0)
		return mcrctl_usage_error(cmd, "missing --output or --downstream");
	if (f->when && json_array_size(f->outputs) == 0)
		return mcrctl_usage_error(cmd, "--when applies to --output; --downstream "
					       "interfaces always follow their listeners");
	in = json_pack("{s:s, s:s}", "interface", f->in_iface, "group", f->in_group);
	rule = json_pack("{s:o}", "input", in);
	if (!rule)
		return EXIT_FAILURE;
	if (json_array_size(f->outputs) && json_object_set(rule, "outputs", f->outputs) < 0)
		goto out_nomem;
	if (json_array_size(f->downstream) && add_downstream(f, rule) < 0)
		goto out_nomem;
	if (f->in_port) {
		if (parse_integer(f->in_port, &v) < 0)
			goto out_bad_port;
		if (json_object_set_new(in, "port", json_integer(v)) < 0)
			goto out_nomem;
	}
	if (f->source && json_object_set_new(in, "source", json_string(f->source)) < 0)
		goto out_nomem;
	if (f->vlan) {
		if (parse_integer(f->vlan, &v) < 0) {
			json_decref(rule);
			return mcrctl_usage_error(cmd, "--vlan: \"%s\" is not a VLAN ID (1-4094)",
						  f->vlan);
		}
		/* mcrd checks the range, as for every field. */
		if (json_object_set_new(in, "vlan", json_integer(v)) < 0)
			goto out_nomem;
	}
	if (f->name && json_object_set_new(rule, "name", json_string(f->name)) < 0)
		goto out_nomem;
	/* A word goes to mcrd as it is: mcrd checks it and names it if it is wrong. */
	json_array_foreach(f->outputs, i, o) {
		if (f->ttl && json_object_set_new(o, "ttl", parse_integer(f->ttl, &v) == 0 ?
								    json_integer(v) :
								    json_string(f->ttl)) < 0)
			goto out_nomem;
		if (f->out_source &&
		    json_object_set_new(o, "source", json_string(f->out_source)) < 0)
			goto out_nomem;
		if (f->when && json_object_set_new(o, "when", json_string(f->when)) < 0)
			goto out_nomem;
	}
	*ret = rule;
	return 0;

out_bad_port:
	json_decref(rule);
	return mcrctl_usage_error(cmd, "--input-port: \"%s\" is not a port number", f->in_port);
out_nomem:
	json_decref(rule);
	return EXIT_FAILURE;
}

static int rule_from_json_arg(const struct mcrctl_cmd *cmd, const struct add_flags *f,
			      json_t **ret)
{
	json_error_t jerr;
	json_t *rule;

	if (f->name || f->in_iface || f->in_group || f->in_port || f->source || f->vlan || f->ttl ||
	    f->out_source || f->when || json_array_size(f->outputs) ||
	    json_array_size(f->downstream))
		return mcrctl_usage_error(cmd, "--json RULE replaces the other rule options");
	rule = json_loads(f->rule_json, JSON_REJECT_DUPLICATES, &jerr);
	if (!rule)
		return mcrctl_usage_error(cmd, "--json: not JSON (column %d: %s)", jerr.column,
					  jerr.text);
	if (!json_is_object(rule)) {
		json_decref(rule);
		return mcrctl_usage_error(cmd, "--json: a rule is a JSON object");
	}
	*ret = rule;
	return 0;
}

int cmd_add(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	/* add's own --json (the rule) comes first, so it wins over the common one. */
	static const struct option options[] = {
		{ "json", required_argument, NULL, OPT_RULE_JSON },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "input-interface", required_argument, NULL, OPT_IN_IFACE },
		{ "input-group", required_argument, NULL, OPT_IN_GROUP },
		{ "input-port", required_argument, NULL, OPT_IN_PORT },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "output-source", required_argument, NULL, OPT_OUT_SOURCE },
		{ "when", required_argument, NULL, OPT_WHEN },
		{ "downstream", required_argument, NULL, OPT_DOWNSTREAM },
		MCRCTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct add_flags f = { .outputs = json_array(), .downstream = json_array() };
	json_t *rule = NULL, *args, *result, *o;
	int c, rc = EXIT_FAILURE;

	if (!f.outputs || !f.downstream)
		goto out_free_outputs;
	while ((c = mcrctl_getopt(m, cmd, argc, argv, "h", options)) != -1) {
		switch (c) {
		case OPT_NAME:
			f.name = optarg;
			break;
		case OPT_IN_IFACE:
			f.in_iface = optarg;
			break;
		case OPT_IN_GROUP:
			f.in_group = optarg;
			break;
		case OPT_IN_PORT:
			f.in_port = optarg;
			break;
		case OPT_SOURCE:
			f.source = optarg;
			break;
		case OPT_VLAN:
			f.vlan = optarg;
			break;
		case OPT_TTL:
			f.ttl = optarg;
			break;
		case OPT_OUT_SOURCE:
			f.out_source = optarg;
			break;
		case OPT_WHEN:
			f.when = optarg;
			break;
		case OPT_RULE_JSON:
			f.rule_json = optarg;
			break;
		case OPT_DOWNSTREAM:
			rc = downstream_from_spec(cmd, optarg, f.downstream);
			if (rc)
				goto out_free_outputs;
			rc = EXIT_FAILURE;
			break;
		case OPT_OUTPUT:
			rc = output_from_spec(cmd, optarg, &o);
			if (rc)
				goto out_free_outputs;
			rc = EXIT_FAILURE;
			if (json_array_append_new(f.outputs, o) < 0)
				goto out_free_outputs;
			break;
		default:
			rc = EXIT_USAGE;
			goto out_free_outputs;
		}
	}
	if (optind < argc) {
		rc = mcrctl_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
		goto out_free_outputs;
	}
	rc = f.rule_json ? rule_from_json_arg(cmd, &f, &rule) : rule_from_flags(cmd, &f, &rule);
	if (rc)
		goto out_free_outputs;

	args = json_pack("{s:o}", "rule", rule);
	rc = args ? mcrctl_request(m, PROTO_CMD_ADD, args, &result) : EXIT_FAILURE;
	json_decref(args);
	if (rc)
		goto out_free_outputs;
	if (m->is_json)
		mcrctl_print_json(result);
	else if (json_object_get(result, "waiting"))
		(void)printf("added rule %s; it waits for interface %s\n",
			     json_str_or(result, "name", "(unnamed)"), json_str_or(result, "waiting", "?"));
	else
		(void)printf("added rule %s\n", json_str_or(result, "name", "(unnamed)"));
	json_decref(result);
	rc = EXIT_SUCCESS;

out_free_outputs:
	json_decref(f.outputs);
	json_decref(f.downstream);
	return rc;
}

int cmd_remove(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	json_t *args, *result;
	const char *name;
	int rc;

	rc = mcrctl_args(m, cmd, argc, argv, 1);
	if (rc)
		return rc;
	name = argv[optind];
	if (!name[0])
		return mcrctl_usage_error(cmd, "NAME must not be empty");
	args = json_pack("{s:s}", "name", name);
	if (!args)
		return EXIT_FAILURE;
	rc = mcrctl_fetch(m, PROTO_CMD_REMOVE, args, &result);
	json_decref(args);
	if (rc || !result)
		return rc;
	(void)printf("removed rule %s\n", name);
	json_decref(result);
	return EXIT_SUCCESS;
}

/* "GROUP:PORT", with * for any port. */
static void fmt_group_port(const json_t *obj, char *buf, size_t size)
{
	long long port = json_int_of(obj, "port");
	char host[64];	/* "[" INET6_ADDRSTRLEN "]" fits */

	(void)table_host(json_str_or(obj, "group", "?"), host, sizeof(host));
	if (port)
		(void)snprintf(buf, size, "%s:%lld", host, port);
	else
		(void)snprintf(buf, size, "%s:*", host);
}

/* An output's options as --rule writes them: "[,GROUP[:PORT]][,ttl=T][,source=S][,when=W]". */
static void fmt_output_options(FILE *f, const json_t *o)
{
	char host[64];

	/* As --rule takes it: an IPv6 group in brackets when a port follows. */
	if (json_object_get(o, "group") && json_object_get(o, "port"))
		(void)fprintf(f, ",%s",
			      table_host(json_str_or(o, "group", "?"), host, sizeof(host)));
	else if (json_object_get(o, "group"))
		(void)fprintf(f, ",%s", json_str_or(o, "group", "?"));
	if (json_object_get(o, "port"))
		(void)fprintf(f, ":%lld", json_int_of(o, "port"));
	if (json_is_integer(json_object_get(o, "ttl")))
		(void)fprintf(f, ",ttl=%lld", json_int_of(o, "ttl"));
	else if (json_object_get(o, "ttl"))
		(void)fprintf(f, ",ttl=%s", json_str_or(o, "ttl", "?"));
	if (json_object_get(o, "source"))
		(void)fprintf(f, ",source=%s", json_str_or(o, "source", "?"));
	if (json_object_get(o, "when"))
		(void)fprintf(f, ",when=%s", json_str_or(o, "when", "?"));
}

/*
 * The outputs as in the --rule shorthand, "IF[,options]; ...", then the
 * downstream list as "downstream=IF+IF[,options]".
 */
static char *fmt_outputs(const json_t *rule)
{
	const json_t *ds = json_object_get(rule, "downstream");
	const json_t *names = json_is_object(ds) ? json_object_get(ds, "interfaces") : ds;
	bool has_outputs = json_array_size(json_object_get(rule, "outputs")) > 0;
	char *buf = NULL;
	size_t size = 0, i;
	json_t *o;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	json_array_foreach(json_object_get(rule, "outputs"), i, o) {
		(void)fprintf(f, "%s%s", i ? "; " : "", json_str_or(o, "interface", "?"));
		fmt_output_options(f, o);
	}
	json_array_foreach(names, i, o)
		(void)fprintf(f, "%s%s", i ? "+" : has_outputs ? "; downstream=" : "downstream=",
			      json_is_string(o) ? json_string_value(o) : "?");
	if (json_is_object(ds))
		fmt_output_options(f, ds);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int cmd_list(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	static const char *const cols[] = { "NAME", "INPUT", "VLAN", "GROUP", "SOURCE", "OUTPUTS",
					    NULL };
	json_t *result, *rule;
	struct table t;
	size_t i;
	int rc;

	rc = mcrctl_args(m, cmd, argc, argv, 0);
	if (rc)
		return rc;
	rc = mcrctl_fetch(m, PROTO_CMD_LIST, NULL, &result);
	if (rc || !result)
		return rc;
	table_init(&t, cols);
	json_array_foreach(json_object_get(result, "rules"), i, rule) {
		json_t *in = json_object_get(rule, "input");
		char gp[96], *outs = fmt_outputs(rule);

		fmt_group_port(in, gp, sizeof(gp));
		table_row(&t);
		table_cell(&t, "%s", json_str_or(rule, "name", "?"));
		table_cell(&t, "%s", json_str_or(in, "interface", "?"));
		if (json_object_get(in, "vlan"))
			table_cell(&t, "%lld", json_int_of(in, "vlan"));
		else
			table_cell(&t, "-");
		table_cell(&t, "%s", gp);
		table_cell(&t, "%s", json_str_or(in, "source", "*"));
		table_cell(&t, "%s", outs ? outs : "?");
		free(outs);
	}
	rc = table_print(&t, stdout);
	table_free(&t);
	/* Rules that relay nothing until an interface appears, below the table. */
	json_array_foreach(json_object_get(result, "rules"), i, rule)
		if (rc == 0 && json_object_get(rule, "waiting"))
			(void)printf("%s: waiting for interface %s\n", json_str_or(rule, "name", "?"),
				     json_str_or(rule, "waiting", "?"));
	json_decref(result);
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
