// SPDX-License-Identifier: MIT
/*
 * mcrctl's configuration verbs: show and save the running configuration,
 * check a file locally with mcrd's own parser, and load a file's rules
 * into the running mcrd as a series of remove and add requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safefile.h"

#include "mcrctl/cmd.h"
#include "config/config.h"

static int config_show(struct mcrctl *m)
{
	json_t *cfg;
	int rc;

	rc = mcrctl_request(m, PROTO_CMD_CONFIG, NULL, &cfg);
	if (rc)
		return rc;
	mcrctl_print_json(cfg);
	json_decref(cfg);
	return EXIT_SUCCESS;
}

/* The mode an existing FILE has, so that saving over it keeps it; 0644 for a new one. */
static mode_t save_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? st.st_mode & 07777 : 0644;
}

/*
 * Written beside the target under an unpredictable name and renamed over
 * it: FILE is never half written, and a link planted in a shared directory
 * such as /tmp never makes root write somewhere else.
 */
static int config_save(struct mcrctl *m, const char *path)
{
	char *text, *dumped;
	json_t *cfg;
	int rc, ret;

	rc = mcrctl_request(m, PROTO_CMD_CONFIG, NULL, &cfg);
	if (rc)
		return rc;
	/* JSON_INDENT output ends without a newline; a file for people ends with one. */
	dumped = json_dumps(cfg, JSON_INDENT(2));
	if (!dumped || asprintf(&text, "%s\n", dumped) < 0)
		text = NULL;
	free(dumped);
	json_decref(cfg);
	if (!text) {
		(void)fprintf(stderr, "mcrctl: config save: out of memory\n");
		return EXIT_FAILURE;
	}
	ret = safefile_replace(path, text, strlen(text), save_mode(path));
	free(text);
	if (ret == -ELOOP) {
		(void)fprintf(stderr, "mcrctl: config save: %s is a symbolic link; refusing to write "
			      "through it (give the path of the file it points to)\n", path);
		return EXIT_FAILURE;
	}
	if (ret < 0) {
		(void)fprintf(stderr, "mcrctl: config save: cannot write %s: %s\n", path,
			      strerror(-ret));
		return EXIT_FAILURE;
	}
	if (!m->is_json)
		(void)printf("saved the running configuration to %s\n", path);
	return EXIT_SUCCESS;
}

static int config_check(const char *path)
{
	struct config_error err;
	struct mcr_config cfg;
	size_t n_outputs = 0;
	int rc = EXIT_SUCCESS;

	config_init(&cfg);
	if (config_load_file(&cfg, path, &err) < 0 || config_resolve(&cfg, &err) < 0) {
		(void)fprintf(stderr, "mcrctl: %s: %s\n", path, err.msg);
		rc = EXIT_USAGE;
	} else {
		for (size_t i = 0; i < cfg.n_rules; i++)
			n_outputs += cfg.rules[i].n_outputs;
		(void)printf("%s: configuration OK: %zu rules, %zu outputs\n", path, cfg.n_rules,
			     n_outputs);
	}
	config_free(&cfg);
	return rc;
}

/* ---- load ---- */

/*
 * A rule in one canonical form, so that a rule read from a file compares
 * equal to the same rule as mcrd reports it (resolved, with the group and
 * port its outputs inherit spelled out).  NULL when it does not parse.
 */
static json_t *rule_canonical(json_t *rule)
{
	struct config_error err;
	struct mcr_rule r;
	json_t *canon;

	if (config_rule_from_json(rule, &r, &err) < 0)
		return NULL;
	for (size_t i = 0; i < r.n_outputs; i++) {
		if (r.outputs[i].group.v4.s_addr == htonl(INADDR_ANY))
			r.outputs[i].group = r.in_group;
		if (r.outputs[i].port == 0)
			r.outputs[i].port = r.in_port;
	}
	canon = config_rule_to_json(&r);
	config_rule_clear(&r);
	return canon;
}

static bool rules_equal(json_t *a, json_t *b)
{
	json_t *ca = rule_canonical(a), *cb = rule_canonical(b);
	bool is_equal = ca && cb && json_equal(ca, cb);

	json_decref(ca);
	json_decref(cb);
	return is_equal;
}

static json_t *rule_named(json_t *rules, const char *name)
{
	json_t *rule;
	size_t i;

	json_array_foreach(rules, i, rule)
		if (!strcmp(json_str_or(rule, "name", ""), name))
			return rule;
	return NULL;
}

struct load_plan {
	json_t *wanted;		/* FILE's rules, each with its name */
	json_t *removed, *replaced, *added, *unchanged;	/* names */
};

static int plan_load(struct load_plan *p, json_t *running)
{
	json_t *rule;
	size_t i;
	int rc = 0;

	json_array_foreach(running, i, rule) {
		const char *name = json_str_or(rule, "name", "");

		if (!rule_named(p->wanted, name))
			rc |= json_array_append_new(p->removed, json_string(name));
	}
	json_array_foreach(p->wanted, i, rule) {
		const char *name = json_str_or(rule, "name", "");
		json_t *cur = rule_named(running, name), *list;

		if (!cur)
			list = p->added;
		else
			list = rules_equal(rule, cur) ? p->unchanged : p->replaced;
		rc |= json_array_append_new(list, json_string(name));
	}
	return rc ? -ENOMEM : 0;
}

static int send_remove(const struct mcrctl *m, struct client *cl, const char *name)
{
	json_t *args = json_pack("{s:s}", "name", name), *result = NULL;
	int rc = args ? mcrctl_call(m, cl, PROTO_CMD_REMOVE, args, &result) : EXIT_FAILURE;

	json_decref(args);
	json_decref(result);
	return rc;
}

static int send_add(const struct mcrctl *m, struct client *cl, json_t *rule)
{
	json_t *args = json_pack("{s:O}", "rule", rule), *result = NULL;
	int rc = args ? mcrctl_call(m, cl, PROTO_CMD_ADD, args, &result) : EXIT_FAILURE;

	json_decref(args);
	json_decref(result);
	return rc;
}

/* Removals first, so that a rule renamed in FILE does not clash with its old self. */
static int apply_load(const struct mcrctl *m, struct client *cl, const struct load_plan *p)
{
	json_t *name;
	size_t i;
	int rc;

	json_array_foreach(p->removed, i, name) {
		rc = send_remove(m, cl, json_string_value(name));
		if (rc)
			return rc;
	}
	json_array_foreach(p->replaced, i, name) {
		rc = send_remove(m, cl, json_string_value(name));
		if (!rc)
			rc = send_add(m, cl, rule_named(p->wanted, json_string_value(name)));
		if (rc)
			return rc;
	}
	json_array_foreach(p->added, i, name) {
		rc = send_add(m, cl, rule_named(p->wanted, json_string_value(name)));
		if (rc)
			return rc;
	}
	return 0;
}

static int file_rules(const char *path, json_t **ret)
{
	struct config_error err;
	struct mcr_config cfg;
	json_t *rules = json_array();

	config_init(&cfg);
	if (config_load_file(&cfg, path, &err) < 0) {
		(void)fprintf(stderr, "mcrctl: config load: %s: %s\n", path, err.msg);
		config_free(&cfg);
		json_decref(rules);
		return EXIT_USAGE;
	}
	for (size_t i = 0; rules && i < cfg.n_rules; i++) {
		if (json_array_append_new(rules, config_rule_to_json(&cfg.rules[i])) < 0) {
			json_decref(rules);
			rules = NULL;
		}
	}
	config_free(&cfg);
	if (!rules)
		return EXIT_FAILURE;
	*ret = rules;
	return 0;
}

static void print_names(const char *what, const json_t *names)
{
	json_t *name;
	size_t i;

	json_array_foreach(names, i, name)
		(void)printf("%s %s\n", what, json_string_value(name));
}

static int config_load(struct mcrctl *m, const char *path)
{
	struct load_plan p = { 0 };
	json_t *listed = NULL, *summary;
	struct client cl;
	int rc;

	rc = file_rules(path, &p.wanted);
	if (rc)
		return rc;
	p.removed = json_array();
	p.replaced = json_array();
	p.added = json_array();
	p.unchanged = json_array();
	rc = mcrctl_connect(m, &cl);
	if (rc)
		goto out_free_plan;
	rc = mcrctl_call(m, &cl, PROTO_CMD_LIST, NULL, &listed);
	if (!rc && plan_load(&p, json_object_get(listed, "rules")) < 0)
		rc = EXIT_FAILURE;
	if (!rc) {
		rc = apply_load(m, &cl, &p);
		if (rc)
			(void)fprintf(stderr,
				      "mcrctl: config load: stopped; the running rules are now partly those of %s\n",
				      path);
	}
	client_close(&cl);
	if (rc)
		goto out_free_plan;
	if (m->is_json) {
		summary = json_pack("{s:O, s:O, s:O, s:O}", "removed", p.removed, "replaced",
				    p.replaced, "added", p.added, "unchanged", p.unchanged);
		if (summary)
			mcrctl_print_json(summary);
		json_decref(summary);
	} else {
		print_names("removed", p.removed);
		print_names("replaced", p.replaced);
		print_names("added", p.added);
		(void)printf("%zu removed, %zu replaced, %zu added, %zu unchanged\n",
			     json_array_size(p.removed), json_array_size(p.replaced),
			     json_array_size(p.added), json_array_size(p.unchanged));
	}
out_free_plan:
	json_decref(listed);
	json_decref(p.wanted);
	json_decref(p.removed);
	json_decref(p.replaced);
	json_decref(p.added);
	json_decref(p.unchanged);
	return rc;
}

int cmd_config(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	static const struct option options[] = { MCRCTL_COMMON_OPTIONS, { NULL, 0, NULL, 0 } };
	const char *verb;
	int c, n;

	while ((c = mcrctl_getopt(m, cmd, argc, argv, "jh", options)) != -1)
		if (c == '?')
			return EXIT_USAGE;
	if (optind >= argc)
		return mcrctl_usage_error(cmd, "missing show, save, load or check");
	verb = argv[optind];
	n = argc - optind - 1;
	if (!strcmp(verb, "show"))
		return n == 0 ? config_show(m) :
				mcrctl_usage_error(cmd, "show takes no arguments");
	if (strcmp(verb, "save") && strcmp(verb, "load") && strcmp(verb, "check"))
		return mcrctl_usage_error(cmd, "unknown action \"%s\"", verb);
	if (n != 1)
		return mcrctl_usage_error(cmd, "%s takes one FILE", verb);
	if (!strcmp(verb, "save"))
		return config_save(m, argv[optind + 1]);
	if (!strcmp(verb, "load"))
		return config_load(m, argv[optind + 1]);
	return config_check(argv[optind + 1]);
}
