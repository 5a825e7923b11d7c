// SPDX-License-Identifier: MIT
/*
 * The configuration's JSON form, both ways: the file (or string) loader,
 * single rule objects for run-time changes, and config_to_json() /
 * config_rule_to_json(), whose output loads again and means the same.
 * Unknown fields are errors; each failure names the field by its path
 * ("rules[3].outputs[0].port") and quotes the value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/addr.h"
#include "common/util.h"
#include "config/config.h"
#include "config/config_internal.h"
#include "config/settings.h"
#include "config/value.h"

/* ---- loader ---- */

static const char *const rule_fields[] = { "name", "input", "outputs", "downstream" };
static const char *const input_fields[] = { "interface", "group", "port", "source", "vlan" };
static const char *const output_fields[] = { "interface", "group", "port", "ttl", "source", "when" };
/* "downstream" written as an object: the interfaces, and the options they share. */
static const char *const downstream_fields[] = { "interfaces", "group", "port", "ttl", "source" };

/*
 * snprintf() for messages and JSON paths, where a cut-short result is
 * acceptable (and, for paths, impossible within the rule/output limits).
 */
__attribute__((format(printf, 3, 4)))
static void str_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static void path_join(char buf[PATH_MAX_LEN], const char *prefix, const char *key)
{
	if (prefix[0])
		str_printf(buf, PATH_MAX_LEN, "%s.%s", prefix, key);
	else
		str_printf(buf, PATH_MAX_LEN, "%s", key);
}

/* "rules[0].input: missing field ..." or, at the top, "missing field ...". */
static const char *path_lead(const char *path)
{
	return path[0] ? ": " : "";
}

static int json_check_object(json_t *obj, const char *path, const char *const *known,
			     size_t n_known, struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		config_json_show(obj, shown);
		return config_fail(err, -EINVAL, "%s: %s is not an object",
				   path[0] ? path : "top level", shown);
	}
	json_object_foreach(obj, key, v) {
		bool is_known = false;

		for (size_t i = 0; i < n_known && !is_known; i++)
			is_known = !strcmp(key, known[i]);
		if (!is_known)
			return config_fail(err, -EINVAL, "%s%sunknown field \"%.64s\"", path,
					   path_lead(path), key);
	}
	return 0;
}

static json_t *json_required(json_t *obj, const char *path, const char *key,
			     struct config_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		(void)config_fail(err, -EINVAL, "%s%smissing field \"%s\"", path, path_lead(path),
				  key);
	return v;
}

/* Where a JSON value sits and how it reads, for the value checks' messages. */
struct json_field {
	char path[PATH_MAX_LEN];
	char shown[SHOWN_MAX + 4];
};

static json_t *json_field_get(json_t *obj, const char *prefix, const char *key,
			      struct json_field *f)
{
	json_t *v = json_object_get(obj, key);

	path_join(f->path, prefix, key);
	if (v)
		config_json_show(v, f->shown);
	return v;
}

/*
 * Fetch @obj's @key as a string.  Returns 1 with *ret and @f filled in, 0
 * when absent (an error instead if @is_required), or -EINVAL.
 */
static int json_get_str(json_t *obj, const char *prefix, const char *key, bool is_required,
			const char **ret, struct json_field *f, struct config_error *err)
{
	json_t *v = json_field_get(obj, prefix, key, f);

	if (!v && is_required)
		return config_fail(err, -EINVAL, "%s%smissing field \"%s\"", prefix,
				   path_lead(prefix), key);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return config_fail(err, -EINVAL, "%s: %s is not a string", f->path, f->shown);
	*ret = json_string_value(v);
	return 1;
}

/* The same for an optional integer. */
static int json_get_int(json_t *obj, const char *prefix, const char *key, long long *ret,
			struct json_field *f, struct config_error *err)
{
	json_t *v = json_field_get(obj, prefix, key, f);

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return config_fail(err, -EINVAL, "%s: %s is not an integer", f->path, f->shown);
	*ret = json_integer_value(v);
	return 1;
}

/*
 * Each field below is fetched (rc 1), absent (rc 0) or wrong (rc < 0), and
 * only a fetched value goes through its check.
 */
static int json_parse_input(struct mcr_rule *r, json_t *in, const char *prefix,
			    struct config_error *err)
{
	struct json_field f;
	const char *s = NULL;
	long long n = 0;
	int rc;

	rc = json_check_object(in, prefix, input_fields, ARRAY_SIZE(input_fields), err);
	if (rc < 0)
		return rc;
	rc = json_get_str(in, prefix, "interface", true, &s, &f, err);
	if (rc > 0)
		rc = value_check_ifname(s, r->in_ifname, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_str(in, prefix, "group", true, &s, &f, err);
	if (rc > 0)
		rc = value_check_group(s, &r->in_group, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_int(in, prefix, "port", &n, &f, err);
	if (rc > 0)
		rc = value_check_port(n, &r->in_port, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_str(in, prefix, "source", false, &s, &f, err);
	if (rc > 0)
		rc = value_check_source(s, &r->in_source, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_int(in, prefix, "vlan", &n, &f, err);
	if (rc > 0)
		rc = value_check_vlan(n, &r->in_vlan, f.path, f.shown, err);
	return rc < 0 ? rc : 0;
}

/* "ttl": a number, "keep" or "decrement"; absent, the default (decrement). */
static int json_parse_output_ttl(struct mcr_output *o, json_t *out, const char *prefix,
				 struct config_error *err)
{
	struct json_field f;
	json_t *v = json_field_get(out, prefix, "ttl", &f);

	o->ttl_mode = TTL_DECREMENT;
	if (!v)
		return 0;
	if (json_is_string(v))
		return value_check_ttl_word(json_string_value(v), o, f.path, f.shown, err);
	if (!json_is_integer(v))
		return config_fail(err, -EINVAL,
				   "%s: %s is not a TTL (1 to %d, \"keep\" or \"decrement\")",
				   f.path, f.shown, TTL_MAX);
	o->ttl_mode = TTL_SET;
	return value_check_ttl(json_integer_value(v), &o->ttl, f.path, f.shown, err);
}

/* What an output and a "downstream" object share: group, port, ttl and source. */
static int json_parse_output_options(struct mcr_output *o, json_t *out, const char *prefix,
				     struct config_error *err)
{
	struct json_field f;
	const char *s = NULL;
	long long n = 0;
	int rc;

	rc = json_get_str(out, prefix, "group", false, &s, &f, err);
	if (rc > 0)
		rc = value_check_group(s, &o->group, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_int(out, prefix, "port", &n, &f, err);
	if (rc > 0)
		rc = value_check_port(n, &o->port, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_parse_output_ttl(o, out, prefix, err);
	if (rc < 0)
		return rc;
	rc = json_get_str(out, prefix, "source", false, &s, &f, err);
	if (rc > 0)
		rc = value_check_out_source(s, o, f.path, f.shown, err);
	return rc < 0 ? rc : 0;
}

static int json_parse_output(struct mcr_output *o, json_t *out, const char *prefix,
			     struct config_error *err)
{
	struct json_field f;
	const char *s = NULL;
	int rc;

	rc = json_check_object(out, prefix, output_fields, ARRAY_SIZE(output_fields), err);
	if (rc < 0)
		return rc;
	rc = json_get_str(out, prefix, "interface", true, &s, &f, err);
	if (rc > 0)
		rc = value_check_ifname(s, o->ifname, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_parse_output_options(o, out, prefix, err);
	if (rc < 0)
		return rc;
	rc = json_get_str(out, prefix, "when", false, &s, &f, err);
	if (rc > 0 && config_parse_when(s, &o->when) < 0)
		rc = config_fail(err, -EINVAL, "%s: %s is not \"always\" or \"joined\"", f.path,
				 f.shown);
	return rc < 0 ? rc : 0;
}

static int json_parse_outputs(struct mcr_rule *r, json_t *outs, const char *prefix,
			      struct config_error *err)
{
	char path[PATH_MAX_LEN], shown[SHOWN_MAX + 4];
	size_t n;
	int rc;

	path_join(path, prefix, "outputs");
	if (!json_is_array(outs)) {
		config_json_show(outs, shown);
		return config_fail(err, -EINVAL, "%s: %s is not an array", path, shown);
	}
	n = json_array_size(outs);
	if (n == 0)
		return config_fail(err, -EINVAL, "%s: no outputs", path);
	if (n > MCR_MAX_OUTPUTS)
		return config_fail(err, -EINVAL, "%s: %zu outputs, at most %d", path, n,
				   MCR_MAX_OUTPUTS);
	r->outputs = calloc(n, sizeof(*r->outputs));
	if (!r->outputs)
		return config_fail(err, -ENOMEM, "%s: out of memory", path);
	r->n_outputs = n;
	for (size_t i = 0; i < n; i++) {
		char opath[PATH_MAX_LEN];

		str_printf(opath, sizeof(opath), "%s[%zu]", path, i);
		rc = json_parse_output(&r->outputs[i], json_array_get(outs, i), opath, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * "downstream": an array of interface names, or an object with that array
 * as "interfaces" and the options every listed interface sends with.
 * Parsed after "outputs", so that an interface in both is caught.
 */
static int json_parse_downstream(struct mcr_rule *r, json_t *ds, const char *prefix,
				 struct config_error *err)
{
	struct mcr_output tmpl = { .ttl_mode = TTL_DECREMENT, .source_mode = SOURCE_RELAY };
	char path[PATH_MAX_LEN], list_path[PATH_MAX_LEN], shown[SHOWN_MAX + 4];
	json_t *names = ds, *v;
	const char **list;
	size_t n, i;
	int rc;

	path_join(path, prefix, "downstream");
	if (json_is_object(ds)) {
		rc = json_check_object(ds, path, downstream_fields, ARRAY_SIZE(downstream_fields),
				       err);
		if (rc == 0)
			rc = json_parse_output_options(&tmpl, ds, path, err);
		if (rc < 0)
			return rc;
		names = json_required(ds, path, "interfaces", err);
		if (!names)
			return -EINVAL;
		path_join(list_path, path, "interfaces");
		memcpy(path, list_path, sizeof(path));
	}
	if (!json_is_array(names)) {
		config_json_show(names, shown);
		return config_fail(err, -EINVAL,
				   "%s: %s is not an array of interface names (or an object with "
				   "one as \"interfaces\")",
				   path, shown);
	}
	n = json_array_size(names);
	if (n > MCR_MAX_OUTPUTS)
		return config_fail(err, -EINVAL, "%s: %zu interfaces, at most %d", path, n,
				   MCR_MAX_OUTPUTS);
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list)
		return config_fail(err, -ENOMEM, "%s: out of memory", path);
	json_array_foreach(names, i, v) {
		if (!json_is_string(v)) {
			config_json_show(v, shown);
			free(list);
			return config_fail(err, -EINVAL, "%s[%zu]: %s is not an interface name",
					   path, i, shown);
		}
		list[i] = json_string_value(v);
	}
	rc = config_downstream_add(r, list, n, &tmpl, path, err);
	free(list);
	return rc;
}

/*
 * One rule object; @prefix names it in messages ("rules[3]" or "rule").  A
 * rule without "name" is left with an empty one for the caller to fill in,
 * since only the caller knows which default is right.  On failure r may hold
 * outputs, which the caller frees.
 */
static int json_parse_rule(struct mcr_rule *r, json_t *obj, const char *prefix,
			   struct config_error *err)
{
	char path[PATH_MAX_LEN];
	struct json_field f;
	const char *s = NULL;
	json_t *v;
	int rc;

	rc = json_check_object(obj, prefix, rule_fields, ARRAY_SIZE(rule_fields), err);
	if (rc < 0)
		return rc;

	rc = json_get_str(obj, prefix, "name", false, &s, &f, err);
	if (rc > 0)
		rc = value_check_rule_name(s, r->name, f.path, f.shown, err);
	if (rc < 0)
		return rc;

	v = json_required(obj, prefix, "input", err);
	if (!v)
		return -EINVAL;
	path_join(path, prefix, "input");
	rc = json_parse_input(r, v, path, err);
	if (rc < 0)
		return rc;

	/* A rule with a "downstream" list may have no other outputs. */
	v = json_object_get(obj, "downstream");
	if (v && !json_object_get(obj, "outputs"))
		return json_parse_downstream(r, v, prefix, err);
	v = json_required(obj, prefix, "outputs", err);
	if (!v)
		return -EINVAL;
	rc = json_parse_outputs(r, v, prefix, err);
	if (rc == 0 && json_object_get(obj, "downstream"))
		rc = json_parse_downstream(r, json_object_get(obj, "downstream"), prefix, err);
	return rc;
}

static int json_parse_rules(struct mcr_config *cfg, json_t *rules, struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	struct mcr_rule *grown;
	size_t n;
	int rc;

	if (!json_is_array(rules)) {
		config_json_show(rules, shown);
		return config_fail(err, -EINVAL, "rules: %s is not an array", shown);
	}
	n = json_array_size(rules);
	if (n == 0)
		return 0;
	if (cfg->n_rules > MCR_MAX_RULES || n > MCR_MAX_RULES - cfg->n_rules)
		return config_fail(err, -EINVAL,
				   "rules: %zu rules (plus %zu given before), at most %d", n,
				   cfg->n_rules, MCR_MAX_RULES);
	grown = realloc(cfg->rules, (cfg->n_rules + n) * sizeof(*cfg->rules));
	if (!grown)
		return config_fail(err, -ENOMEM, "rules: out of memory");
	cfg->rules = grown;

	for (size_t i = 0; i < n; i++) {
		struct mcr_rule *r = &cfg->rules[cfg->n_rules];
		char prefix[PATH_MAX_LEN];

		/* Counted before it is filled so that config_free() sees its outputs. */
		memset(r, 0, sizeof(*r));
		cfg->n_rules++;
		(void)snprintf(prefix, sizeof(prefix), "rules[%zu]", i);
		rc = json_parse_rule(r, json_array_get(rules, i), prefix, err);
		if (rc < 0)
			return rc;
		/* The default name is the rule's 1-based position in cfg->rules. */
		if (!r->name[0])
			(void)snprintf(r->name, sizeof(r->name), "rule%zu", cfg->n_rules);
	}
	return 0;
}

/* The top level holds "rules" and the keys of the settings table. */
static int json_check_root(json_t *root, struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	const char *key;
	json_t *v;

	if (!json_is_object(root)) {
		config_json_show(root, shown);
		return config_fail(err, -EINVAL, "top level: %s is not an object", shown);
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "rules") && !settings_find_key(key))
			return config_fail(err, -EINVAL, "unknown field \"%.64s\"", key);
	}
	return 0;
}

/* Without "rules" (or with an empty array) mcrd starts with no rules. */
static int json_parse_root(struct mcr_config *cfg, json_t *root, struct config_error *err)
{
	json_t *rules;
	int rc;

	rc = json_check_root(root, err);
	if (rc < 0)
		return rc;
	rc = settings_from_json(cfg, root, NULL, err);
	if (rc < 0)
		return rc;
	rules = json_object_get(root, "rules");
	return rules ? json_parse_rules(cfg, rules, err) : 0;
}

/*
 * Reads the whole file, refusing more than MCR_MAX_CONFIG_BYTES; *ret_buf is
 * the caller's to free.  Read by hand rather than with json_load_file() so
 * that the size limit holds and I/O errors keep their errno.
 */
static int config_read_file(const char *path, char **ret_buf, size_t *ret_len,
			    struct config_error *err)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf, *grown;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return config_fail(err, rc, "cannot read: %s", strerror(-rc));
	}
	buf = malloc(cap);
	if (!buf) {
		rc = config_fail(err, -ENOMEM, "cannot read: out of memory");
		goto out_close_fd;
	}
	for (;;) {
		ssize_t got;

		if (len == cap) {
			if (cap > MCR_MAX_CONFIG_BYTES) {
				rc = config_fail(err, -EFBIG,
						 "cannot read: larger than %d bytes",
						 MCR_MAX_CONFIG_BYTES);
				goto out_free_buf;
			}
			/* One byte past the limit is enough to tell that it is too big. */
			cap *= 2;
			if (cap > MCR_MAX_CONFIG_BYTES)
				cap = (size_t)MCR_MAX_CONFIG_BYTES + 1;
			grown = realloc(buf, cap);
			if (!grown) {
				rc = config_fail(err, -ENOMEM, "cannot read: out of memory");
				goto out_free_buf;
			}
			buf = grown;
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			(void)config_fail(err, rc, "cannot read: %s", strerror(-rc));
			goto out_free_buf;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	(void)close(fd);
	*ret_buf = buf;
	*ret_len = len;
	return 0;

out_free_buf:
	free(buf);
out_close_fd:
	(void)close(fd);
	return rc;
}

/*
 * Messages do not name the file: mcrd puts the path in front of every
 * configuration error itself.
 */
static int config_load_buffer(struct mcr_config *cfg, const char *buf, size_t len,
			      struct config_error *err)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return config_fail(err, -EINVAL, "line %d, column %d: %s", jerr.line, jerr.column,
				   jerr.text);
	rc = json_parse_root(cfg, root, err);
	json_decref(root);
	return rc;
}

int config_load_file(struct mcr_config *cfg, const char *path, struct config_error *err)
{
	size_t len = 0;
	char *buf = NULL;
	int rc;

	rc = config_read_file(path, &buf, &len, err);
	if (rc < 0)
		return rc;
	rc = config_load_buffer(cfg, buf, len, err);
	free(buf);
	return rc;
}

int config_load_string(struct mcr_config *cfg, const char *json, struct config_error *err)
{
	size_t len = strnlen(json, (size_t)MCR_MAX_CONFIG_BYTES + 1);

	if (len > MCR_MAX_CONFIG_BYTES)
		return config_fail(err, -EFBIG, "configuration larger than %d bytes",
				   MCR_MAX_CONFIG_BYTES);
	return config_load_buffer(cfg, json, len, err);
}

/* ---- single rule objects, for run-time changes ---- */

int config_rule_from_json(json_t *obj, struct mcr_rule *ret, struct config_error *err)
{
	int rc;

	memset(ret, 0, sizeof(*ret));
	rc = json_parse_rule(ret, obj, "rule", err);
	if (rc < 0)
		config_rule_clear(ret);
	return rc;
}

/*
 * "ruleN" for the first N from the rule's position up that no rule uses, so
 * that a rule added at run time gets the name it would have in a file when
 * that name is free.
 */
static void default_rule_name(const struct mcr_config *cfg, char ret[MCR_NAME_MAX])
{
	for (size_t n = cfg->n_rules + 1;; n++) {
		(void)snprintf(ret, MCR_NAME_MAX, "rule%zu", n);
		if (config_rule_index(cfg, ret) < 0)
			return;
	}
}

int config_add_rule_json(struct mcr_config *cfg, json_t *obj, struct config_error *err)
{
	struct mcr_rule r, *grown;
	int rc;

	if (cfg->n_rules >= MCR_MAX_RULES)
		return config_fail(err, -ENOSPC, "rule: too many rules, at most %d", MCR_MAX_RULES);
	rc = config_rule_from_json(obj, &r, err);
	if (rc < 0)
		return rc;
	if (!r.name[0]) {
		default_rule_name(cfg, r.name);
	} else if (config_rule_index(cfg, r.name) >= 0) {
		rc = config_fail(err, -EEXIST, "rule.name: \"%s\" is already in use", r.name);
		goto out_clear_rule;
	}
	grown = realloc(cfg->rules, (cfg->n_rules + 1) * sizeof(*cfg->rules));
	if (!grown) {
		rc = config_fail(err, -ENOMEM, "rule: out of memory");
		goto out_clear_rule;
	}
	cfg->rules = grown;
	cfg->rules[cfg->n_rules++] = r;
	return 0;

out_clear_rule:
	config_rule_clear(&r);
	return rc;
}

/* ---- writer: the file's form again ---- */

/* Sets @key to @v (a new reference, consumed), failing on NULL. */
static int json_set_new(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_set_new(obj, key, v) < 0 ? -ENOMEM : 0;
}

static json_t *input_to_json(const struct mcr_rule *r)
{
	char buf[ADDR_IP_STR_MAX];
	json_t *in = json_object();
	int rc;

	if (!in)
		return NULL;
	rc = json_set_new(in, "interface", json_string(r->in_ifname));
	if (!rc)
		rc = json_set_new(in, "group", json_string(addr_ip_fmt(&r->in_group, buf)));
	if (!rc && r->in_port)
		rc = json_set_new(in, "port", json_integer(r->in_port));
	if (!rc && addr_ip_is_set(&r->in_source))
		rc = json_set_new(in, "source", json_string(addr_ip_fmt(&r->in_source, buf)));
	if (!rc && r->in_vlan)
		rc = json_set_new(in, "vlan", json_integer(r->in_vlan));
	if (rc < 0) {
		json_decref(in);
		return NULL;
	}
	return in;
}

/* Group and port only when set: an unresolved output inherits them from the input. */
static json_t *output_to_json(const struct mcr_output *o)
{
	char buf[ADDR_IP_STR_MAX];
	json_t *out = json_object();
	int rc;

	if (!out)
		return NULL;
	rc = json_set_new(out, "interface", json_string(o->ifname));
	if (!rc && addr_ip_is_set(&o->group))
		rc = json_set_new(out, "group", json_string(addr_ip_fmt(&o->group, buf)));
	if (!rc && o->port)
		rc = json_set_new(out, "port", json_integer(o->port));
	if (!rc)
		rc = json_set_new(out, "ttl", o->ttl_mode == TTL_SET ?
						      json_integer(o->ttl) :
						      json_string(config_ttl_name(o, buf)));
	if (!rc && o->source_mode == SOURCE_KEEP)
		rc = json_set_new(out, "source", json_string("keep"));
	if (!rc && o->source_mode == SOURCE_ADDR)
		rc = json_set_new(out, "source", json_string(addr_ip_fmt(&o->source, buf)));
	if (!rc && o->when != WHEN_ALWAYS)
		rc = json_set_new(out, "when", json_string(config_when_name(o->when)));
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/*
 * The "downstream" list as the operator wrote it: the names alone, or with
 * the options they share (the first one's: they were expanded from one).
 * The input's group and port are left out, as they were inherited.
 */
static json_t *downstream_to_json(const struct mcr_rule *r, const struct mcr_output *first)
{
	json_t *names = json_array(), *obj;
	int rc = names ? 0 : -ENOMEM;

	for (size_t i = 0; !rc && i < r->n_outputs; i++)
		if (r->outputs[i].is_downstream)
			rc = json_array_append_new(names, json_string(r->outputs[i].ifname)) < 0 ?
				     -ENOMEM : 0;
	if (rc < 0 || config_downstream_is_plain(r, first)) {
		if (rc < 0)
			json_decref(names);
		return rc < 0 ? NULL : names;
	}
	obj = output_to_json(first);
	if (!obj) {
		json_decref(names);
		return NULL;
	}
	(void)json_object_del(obj, "interface");
	(void)json_object_del(obj, "when");
	if (addr_ip_equal(&first->group, &r->in_group))
		(void)json_object_del(obj, "group");
	if (first->port == r->in_port)
		(void)json_object_del(obj, "port");
	if (first->ttl_mode == TTL_DECREMENT)
		(void)json_object_del(obj, "ttl");
	if (json_set_new(obj, "interfaces", names) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *config_rule_to_json(const struct mcr_rule *r)
{
	const struct mcr_output *first = config_downstream_first(r);
	json_t *obj = json_object(), *outs = json_array();
	int rc = obj && outs ? 0 : -ENOMEM;

	for (size_t i = 0; !rc && i < r->n_outputs; i++)
		if (!r->outputs[i].is_downstream)
			rc = json_array_append_new(outs, output_to_json(&r->outputs[i])) < 0 ?
				     -ENOMEM : 0;
	if (!rc)
		rc = json_set_new(obj, "name", json_string(r->name));
	if (!rc)
		rc = json_set_new(obj, "input", input_to_json(r));
	/* A rule with a "downstream" list and nothing else has no "outputs". */
	if (!rc && (json_array_size(outs) || !first)) {
		rc = json_set_new(obj, "outputs", outs);
		outs = NULL;
	}
	if (!rc && first)
		rc = json_set_new(obj, "downstream", downstream_to_json(r, first));
	json_decref(outs);
	if (rc < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *config_to_json(const struct mcr_config *cfg)
{
	json_t *obj, *rules = json_array();
	int rc = rules ? 0 : -ENOMEM;

	for (size_t i = 0; !rc && i < cfg->n_rules; i++)
		rc = json_array_append_new(rules, config_rule_to_json(&cfg->rules[i])) < 0 ?
			     -ENOMEM : 0;
	if (rc < 0) {
		json_decref(rules);
		return NULL;
	}
	obj = json_object();
	if (!obj || settings_to_json(cfg, obj) < 0) {
		json_decref(obj);
		json_decref(rules);
		return NULL;
	}
	/* The rules are stolen, even on failure. */
	if (json_object_set_new(obj, "rules", rules) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}
