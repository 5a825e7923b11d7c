// SPDX-License-Identifier: MIT
/*
 * mcrd's configuration: reads the JSON file format (with jansson) and the
 * one-line --rule shorthand into struct mcr_config, checks every value
 * against the limits documented in mcrd.conf(5), and resolves interface
 * names once the whole configuration is known.  Both front ends share the
 * same value checks so that a rule means the same thing however it was
 * written.  Nothing here logs: each failure leaves one message in a struct
 * config_error that names the offending field and value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
/* Report an allocation failure instead of exiting. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "common/addr.h"
#include "common/util.h"
#include "config/config.h"
#include "config/settings.h"

#define PORT_MAX		65535
#define TTL_MAX			255

/* Room for "rules[4095].outputs[4095].interface" and a little more. */
#define PATH_MAX_LEN		96
/* Values quoted in messages are cut to this many characters. */
#define SHOWN_MAX		72
/* A --rule spec quoted in messages is cut to this many characters. */
#define SPEC_SHOWN_MAX		160

static const char *const rule_fields[] = { "name", "input", "outputs" };
static const char *const input_fields[] = { "interface", "group", "port", "source" };
static const char *const output_fields[] = { "interface", "group", "port", "ttl", "source" };

__attribute__((format(printf, 3, 4)))
static int config_fail(struct config_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

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

static bool ifname_is_valid(const char *s)
{
	size_t n = strlen(s);

	/* The same rules as the kernel's dev_valid_name(). */
	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return false;
	}
	return true;
}

static bool rule_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MCR_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/*
 * Value checks shared by the JSON and shorthand front ends.  @where names
 * the place ("rules[0].input.group" or `rule "...": output 2`), @shown is
 * the value as the user wrote it, ready to print.
 */

static int check_ifname(const char *s, char ret[IF_NAMESIZE], const char *where,
			const char *shown, struct config_error *err)
{
	if (!ifname_is_valid(s))
		return config_fail(err, -EINVAL,
				   "%s: %s is not an interface name (1..%d characters, no '/', ':' or spaces)",
				   where, shown, IF_NAMESIZE - 1);
	(void)snprintf(ret, IF_NAMESIZE, "%s", s);
	return 0;
}

static int check_rule_name(const char *s, char ret[MCR_NAME_MAX], const char *where,
			   const char *shown, struct config_error *err)
{
	if (!rule_name_is_valid(s))
		return config_fail(err, -EINVAL,
				   "%s: %s is not a rule name (1 to %d characters from A-Z a-z 0-9 _ . -)",
				   where, shown, MCR_NAME_MAX - 1);
	(void)snprintf(ret, MCR_NAME_MAX, "%s", s);
	return 0;
}

/* A destination: a multicast group or a unicast address, but not 0.0.0.0 or broadcast. */
static int check_group(const char *s, struct in_addr *ret, const char *where, const char *shown,
		       struct config_error *err)
{
	if (addr_parse_ipv4(s, ret) < 0)
		return config_fail(err, -EINVAL, "%s: %s is not an IPv4 address", where, shown);
	if (ret->s_addr == htonl(INADDR_ANY) || ret->s_addr == htonl(INADDR_BROADCAST))
		return config_fail(err, -EINVAL, "%s: %s is not a usable destination address",
				   where, shown);
	return 0;
}

static int check_source(const char *s, struct in_addr *ret, const char *where, const char *shown,
			struct config_error *err)
{
	if (addr_parse_ipv4(s, ret) < 0)
		return config_fail(err, -EINVAL, "%s: %s is not an IPv4 address", where, shown);
	if (ret->s_addr == htonl(INADDR_ANY) || ret->s_addr == htonl(INADDR_BROADCAST) ||
	    addr_is_multicast(*ret))
		return config_fail(err, -EINVAL, "%s: %s must be a unicast address", where, shown);
	return 0;
}

static int check_port(long long v, uint16_t *ret, const char *where, const char *shown,
		      struct config_error *err)
{
	if (v < 1 || v > PORT_MAX)
		return config_fail(err, -EINVAL, "%s: %s is not a port number (1..%d)", where,
				   shown, PORT_MAX);
	*ret = (uint16_t)v;
	return 0;
}

static int check_ttl(long long v, uint8_t *ret, const char *where, const char *shown,
		     struct config_error *err)
{
	if (v < 1 || v > TTL_MAX)
		return config_fail(err, -EINVAL, "%s: %s is not a TTL between 1 and %d", where,
				   shown, TTL_MAX);
	*ret = (uint8_t)v;
	return 0;
}

/* An output's "ttl" written as a word: "keep" or "decrement". */
static int check_ttl_word(const char *s, struct mcr_output *o, const char *where,
			  const char *shown, struct config_error *err)
{
	if (!strcmp(s, "keep"))
		o->ttl_mode = TTL_KEEP;
	else if (!strcmp(s, "decrement"))
		o->ttl_mode = TTL_DECREMENT;
	else
		return config_fail(err, -EINVAL,
				   "%s: %s is not a TTL (1 to %d, \"keep\" or \"decrement\")",
				   where, shown, TTL_MAX);
	return 0;
}

/* An output's "source": "relay", "keep" or a unicast address. */
static int check_out_source(const char *s, struct mcr_output *o, const char *where,
			    const char *shown, struct config_error *err)
{
	if (!strcmp(s, "relay")) {
		o->source_mode = SOURCE_RELAY;
		return 0;
	}
	if (!strcmp(s, "keep")) {
		o->source_mode = SOURCE_KEEP;
		return 0;
	}
	if (addr_parse_ipv4(s, &o->source) < 0)
		return config_fail(err, -EINVAL,
				   "%s: %s is not a source (\"relay\", \"keep\" or an IPv4 address)",
				   where, shown);
	o->source_mode = SOURCE_ADDR;
	return check_source(s, &o->source, where, shown, err);
}

/* ---- JSON front end ---- */

/* The value as JSON text, cut short if long, for error messages. */
static void json_show(const json_t *v, char buf[SHOWN_MAX + 4])
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
		json_show(obj, shown);
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
		json_show(v, f->shown);
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
		rc = check_ifname(s, r->in_ifname, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_str(in, prefix, "group", true, &s, &f, err);
	if (rc > 0)
		rc = check_group(s, &r->in_group, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_int(in, prefix, "port", &n, &f, err);
	if (rc > 0)
		rc = check_port(n, &r->in_port, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_str(in, prefix, "source", false, &s, &f, err);
	if (rc > 0)
		rc = check_source(s, &r->in_source, f.path, f.shown, err);
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
		return check_ttl_word(json_string_value(v), o, f.path, f.shown, err);
	if (!json_is_integer(v))
		return config_fail(err, -EINVAL,
				   "%s: %s is not a TTL (1 to %d, \"keep\" or \"decrement\")",
				   f.path, f.shown, TTL_MAX);
	o->ttl_mode = TTL_SET;
	return check_ttl(json_integer_value(v), &o->ttl, f.path, f.shown, err);
}

static int json_parse_output(struct mcr_output *o, json_t *out, const char *prefix,
			     struct config_error *err)
{
	struct json_field f;
	const char *s = NULL;
	long long n = 0;
	int rc;

	rc = json_check_object(out, prefix, output_fields, ARRAY_SIZE(output_fields), err);
	if (rc < 0)
		return rc;
	rc = json_get_str(out, prefix, "interface", true, &s, &f, err);
	if (rc > 0)
		rc = check_ifname(s, o->ifname, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_str(out, prefix, "group", false, &s, &f, err);
	if (rc > 0)
		rc = check_group(s, &o->group, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_get_int(out, prefix, "port", &n, &f, err);
	if (rc > 0)
		rc = check_port(n, &o->port, f.path, f.shown, err);
	if (rc < 0)
		return rc;
	rc = json_parse_output_ttl(o, out, prefix, err);
	if (rc < 0)
		return rc;
	rc = json_get_str(out, prefix, "source", false, &s, &f, err);
	if (rc > 0)
		rc = check_out_source(s, o, f.path, f.shown, err);
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
		json_show(outs, shown);
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
		rc = check_rule_name(s, r->name, f.path, f.shown, err);
	if (rc < 0)
		return rc;

	v = json_required(obj, prefix, "input", err);
	if (!v)
		return -EINVAL;
	path_join(path, prefix, "input");
	rc = json_parse_input(r, v, path, err);
	if (rc < 0)
		return rc;

	v = json_required(obj, prefix, "outputs", err);
	if (!v)
		return -EINVAL;
	return json_parse_outputs(r, v, prefix, err);
}

static int json_parse_rules(struct mcr_config *cfg, json_t *rules, struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	struct mcr_rule *grown;
	size_t n;
	int rc;

	if (!json_is_array(rules)) {
		json_show(rules, shown);
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
		json_show(root, shown);
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

/* ---- single rules and the running configuration ---- */

void config_rule_clear(struct mcr_rule *r)
{
	free(r->outputs);
	memset(r, 0, sizeof(*r));
}

int config_rule_from_json(json_t *obj, struct mcr_rule *ret, struct config_error *err)
{
	int rc;

	memset(ret, 0, sizeof(*ret));
	rc = json_parse_rule(ret, obj, "rule", err);
	if (rc < 0)
		config_rule_clear(ret);
	return rc;
}

int config_rule_index(const struct mcr_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_rules; i++)
		if (!strcmp(cfg->rules[i].name, name))
			return (int)i;
	return -ENOENT;
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

/* Sets @key to @v (a new reference, consumed), failing on NULL. */
static int json_set_new(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_set_new(obj, key, v) < 0 ? -ENOMEM : 0;
}

static json_t *input_to_json(const struct mcr_rule *r)
{
	char buf[ADDR_STR_MAX];
	json_t *in = json_object();
	int rc;

	if (!in)
		return NULL;
	rc = json_set_new(in, "interface", json_string(r->in_ifname));
	if (!rc)
		rc = json_set_new(in, "group", json_string(addr_fmt(r->in_group, buf)));
	if (!rc && r->in_port)
		rc = json_set_new(in, "port", json_integer(r->in_port));
	if (!rc && r->in_source.s_addr != htonl(INADDR_ANY))
		rc = json_set_new(in, "source", json_string(addr_fmt(r->in_source, buf)));
	if (rc < 0) {
		json_decref(in);
		return NULL;
	}
	return in;
}

/* Group and port only when set: an unresolved output inherits them from the input. */
static json_t *output_to_json(const struct mcr_output *o)
{
	char buf[ADDR_STR_MAX];
	json_t *out = json_object();
	int rc;

	if (!out)
		return NULL;
	rc = json_set_new(out, "interface", json_string(o->ifname));
	if (!rc && o->group.s_addr != htonl(INADDR_ANY))
		rc = json_set_new(out, "group", json_string(addr_fmt(o->group, buf)));
	if (!rc && o->port)
		rc = json_set_new(out, "port", json_integer(o->port));
	if (!rc)
		rc = json_set_new(out, "ttl", o->ttl_mode == TTL_SET ?
						      json_integer(o->ttl) :
						      json_string(config_ttl_name(o, buf)));
	if (!rc && o->source_mode == SOURCE_KEEP)
		rc = json_set_new(out, "source", json_string("keep"));
	if (!rc && o->source_mode == SOURCE_ADDR)
		rc = json_set_new(out, "source", json_string(addr_fmt(o->source, buf)));
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *config_rule_to_json(const struct mcr_rule *r)
{
	json_t *obj = json_object(), *outs = json_array();
	int rc = obj && outs ? 0 : -ENOMEM;

	for (size_t i = 0; !rc && i < r->n_outputs; i++)
		rc = json_array_append_new(outs, output_to_json(&r->outputs[i])) < 0 ? -ENOMEM : 0;
	if (!rc)
		rc = json_set_new(obj, "name", json_string(r->name));
	if (!rc)
		rc = json_set_new(obj, "input", input_to_json(r));
	if (!rc) {
		rc = json_set_new(obj, "outputs", outs);
		outs = NULL;
	}
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

/* ---- --rule shorthand ---- */

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

/* "GROUP[:PORT]"; *ret_port is left alone when no port is given. */
static int shorthand_group_port(char *s, struct in_addr *ret_group, uint16_t *ret_port,
				const char *where, struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	char *colon = strchr(s, ':');
	int rc;

	if (colon)
		*colon = '\0';
	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, s);
	rc = check_group(s, ret_group, where, shown, err);
	if (rc < 0 || !colon)
		return rc;
	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, colon + 1);
	return check_port(str_to_number(colon + 1), ret_port, where, shown, err);
}

static int shorthand_input(struct mcr_rule *r, char *lhs, const char *ctx,
			   struct config_error *err)
{
	char where[SPEC_SHOWN_MAX + 64], shown[SHOWN_MAX + 4];
	char *cursor = lhs, *field, *eq, *ip;
	int rc;

	field = str_next_field(&cursor, ',');
	eq = strchr(field, '=');
	if (eq) {
		*eq = '\0';
		(void)snprintf(where, sizeof(where), "%s: name", ctx);
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, str_trim(field));
		rc = check_rule_name(str_trim(field), r->name, where, shown, err);
		if (rc < 0)
			return rc;
		field = str_trim(eq + 1);
	}
	(void)snprintf(where, sizeof(where), "%s: input", ctx);
	if (!field[0])
		return config_fail(err, -EINVAL, "%s: missing interface", where);
	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, field);
	rc = check_ifname(field, r->in_ifname, where, shown, err);
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
		rc = check_source(ip, &r->in_source, where, shown, err);
		if (rc < 0)
			return rc;
		field = str_next_field(&cursor, ',');
	}
	if (field)
		return config_fail(err, -EINVAL, "%s: unexpected \"%.*s\" (expected source=IP)",
				   where, SHOWN_MAX, field);
	return 0;
}

/* One "KEY=VALUE" field of an output: ttl= or source=, each at most once. */
static int shorthand_output_option(struct mcr_output *o, char *field, bool *has_ttl,
				   bool *has_source, const char *where, struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	char *v;

	if ((v = str_key_value(field, "ttl")) && !*has_ttl) {
		*has_ttl = true;
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, v);
		if (v[0] >= '0' && v[0] <= '9') {
			o->ttl_mode = TTL_SET;
			return check_ttl(str_to_number(v), &o->ttl, where, shown, err);
		}
		return check_ttl_word(v, o, where, shown, err);
	}
	if ((v = str_key_value(field, "source")) && !*has_source) {
		*has_source = true;
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, v);
		return check_out_source(v, o, where, shown, err);
	}
	return config_fail(err, -EINVAL,
			   "%s: unexpected \"%.*s\" (expected [GROUP[:PORT]][,ttl=N|keep|decrement]"
			   "[,source=relay|keep|IP])",
			   where, SHOWN_MAX, field);
}

static int shorthand_output(struct mcr_output *o, char *spec, const char *where,
			    struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	char *cursor = spec, *field;
	bool has_group = false, has_option = false, has_ttl = false, has_source = false;
	int rc;

	field = str_next_field(&cursor, ',');
	if (!field || !field[0])
		return config_fail(err, -EINVAL, "%s: missing interface", where);
	(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, field);
	rc = check_ifname(field, o->ifname, where, shown, err);
	if (rc < 0)
		return rc;
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

static int shorthand_outputs(struct mcr_rule *r, char *rhs, const char *ctx,
			     struct config_error *err)
{
	char where[SPEC_SHOWN_MAX + 64];
	char *cursor = rhs;
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
	r->n_outputs = n;
	for (size_t i = 0; i < n; i++) {
		(void)snprintf(where, sizeof(where), "%s: output %zu", ctx, i + 1);
		rc = shorthand_output(&r->outputs[i], str_next_field(&cursor, ';'), where, err);
		if (rc < 0)
			return rc;
	}
	return 0;
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

/* ---- resolution ---- */

struct name_entry {
	const char *name;
	size_t index;
	UT_hash_handle hh;
};

static int resolve_names(const struct mcr_config *cfg, struct config_error *err)
{
	struct name_entry *entries, *head = NULL, *old;
	int rc = 0;

	if (cfg->n_rules == 0)
		return 0;
	entries = calloc(cfg->n_rules, sizeof(*entries));
	if (!entries)
		return config_fail(err, -ENOMEM, "rules: out of memory");
	for (size_t i = 0; i < cfg->n_rules; i++) {
		struct name_entry *e = &entries[i];
		size_t len = strlen(cfg->rules[i].name);

		HASH_FIND(hh, head, cfg->rules[i].name, len, old);
		if (old) {
			rc = config_fail(err, -EINVAL,
					 "rules[%zu].name: \"%s\" is used by rules[%zu] too", i,
					 cfg->rules[i].name, old->index);
			break;
		}
		e->name = cfg->rules[i].name;
		e->index = i;
		HASH_ADD_KEYPTR(hh, head, e->name, len, e);
		if (!e->hh.tbl) {
			rc = config_fail(err, -ENOMEM, "rules: out of memory");
			break;
		}
	}
	HASH_CLEAR(hh, head);
	free(entries);
	return rc;
}

/*
 * An interface that does not exist (yet) is not an error: its rules wait
 * for it with ifindex 0, and the supervisor resolves again when it appears.
 */
static int resolve_ifname(const char *name, unsigned int *ret, const char *path,
			  struct config_error *err)
{
	unsigned int idx = if_nametoindex(name);
	int rc;

	if (idx == 0) {
		rc = -errno;
		if (rc == -ENODEV || rc == -ENXIO) {
			*ret = 0;
			return 0;
		}
		return config_fail(err, rc ? rc : -ENODEV, "%s: cannot look up \"%s\": %s", path,
				   name, strerror(rc ? -rc : ENODEV));
	}
	*ret = idx;
	return 0;
}

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

int config_check_output_source(const struct mcr_rule *rule, size_t rule_index, size_t out,
			       struct in_addr ifaddr, struct config_error *err)
{
	const struct mcr_output *o = &rule->outputs[out];

	if (o->source_mode != SOURCE_RELAY || !addr_is_multicast(o->group) ||
	    ifaddr.s_addr != htonl(INADDR_ANY))
		return 0;
	return config_fail(err, -EADDRNOTAVAIL,
			   "rules[%zu] (\"%s\").outputs[%zu]: interface \"%s\" has no IPv4 address "
			   "to send from; give it one, or set the output's \"source\" to an address "
			   "or to \"keep\"",
			   rule_index, rule->name, out, o->ifname);
}

/*
 * The primary IPv4 address of interface @name (INADDR_ANY when it has none)
 * into *ret; ioctl_fd is any AF_INET socket.
 */
static int iface_ipv4(const char *name, int ioctl_fd, struct in_addr *ret)
{
	struct sockaddr_in sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_addr.sa_family = AF_INET;
	ret->s_addr = htonl(INADDR_ANY);
	if (ioctl(ioctl_fd, SIOCGIFADDR, &ifr) < 0)
		return errno == EADDRNOTAVAIL ? 0 : -errno;
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	*ret = sin.sin_addr;
	return 0;
}

/* An output's interface name, index and source address; fills in what it inherits. */
static int resolve_output(struct mcr_rule *r, size_t i, size_t j, int ioctl_fd,
			  struct config_error *err)
{
	struct mcr_output *o = &r->outputs[j];
	char path[PATH_MAX_LEN];
	struct in_addr ifaddr;
	int rc;

	(void)snprintf(path, sizeof(path), "rules[%zu].outputs[%zu].interface", i, j);
	rc = resolve_ifname(o->ifname, &o->ifindex, path, err);
	if (rc < 0)
		return rc;
	if (o->group.s_addr == htonl(INADDR_ANY))
		o->group = r->in_group;
	if (o->port == 0)
		o->port = r->in_port;
	/*
	 * With an any-port input, every port the output could use is
	 * received again.  Names compare before they exist; indexes
	 * catch an alternative name of the same interface.
	 */
	if ((strcmp(o->ifname, r->in_ifname) == 0 ||
	     (o->ifindex != 0 && o->ifindex == r->in_ifindex)) &&
	    o->group.s_addr == r->in_group.s_addr && (r->in_port == 0 || o->port == r->in_port))
		return config_fail(err, -EINVAL,
				   "rules[%zu].outputs[%zu]: same interface, group and port as the input (it would relay the stream onto itself)",
				   i, j);
	/* An interface that does not exist yet has no address to check: the rule waits. */
	if (o->ifindex == 0 || o->source_mode != SOURCE_RELAY || !addr_is_multicast(o->group))
		return 0;
	rc = iface_ipv4(o->ifname, ioctl_fd, &ifaddr);
	if (rc < 0)
		return config_fail(err, rc, "%s: cannot read the IPv4 address of \"%s\": %s", path,
				   o->ifname, strerror(-rc));
	return config_check_output_source(r, i, j, ifaddr, err);
}

static int resolve_rule(struct mcr_rule *r, size_t i, int ioctl_fd, struct config_error *err)
{
	char path[PATH_MAX_LEN];
	int rc;

	(void)snprintf(path, sizeof(path), "rules[%zu].input.interface", i);
	rc = resolve_ifname(r->in_ifname, &r->in_ifindex, path, err);
	for (size_t j = 0; rc == 0 && j < r->n_outputs; j++)
		rc = resolve_output(r, i, j, ioctl_fd, err);
	return rc;
}

/*
 * Two outputs of one rule to the same interface, group and port would send
 * every packet twice onto one segment: a typo, never a wish.  Run after
 * resolve_rule(), once outputs have inherited the input's group and port.
 */
static int check_duplicate_outputs(const struct mcr_rule *r, size_t i, struct config_error *err)
{
	char g[INET_ADDRSTRLEN];

	for (size_t j = 1; j < r->n_outputs; j++) {
		const struct mcr_output *o = &r->outputs[j];

		for (size_t k = 0; k < j; k++) {
			const struct mcr_output *p = &r->outputs[k];

			if (strcmp(o->ifname, p->ifname) != 0 || o->group.s_addr != p->group.s_addr ||
			    o->port != p->port)
				continue;
			(void)inet_ntop(AF_INET, &o->group, g, sizeof(g));
			return config_fail(err, -EINVAL,
					   "rules[%zu].outputs[%zu]: same interface, group and port as outputs[%zu] (%s, %s:%u) in rule \"%s\": every packet would be sent twice; remove one",
					   i, j, k, o->ifname, g, o->port, r->name);
		}
	}
	return 0;
}

/* An input key by interface name: rules waiting for an interface have no index yet. */
struct input_entry {
	struct {
		char ifname[IF_NAMESIZE];
		uint32_t group;
		uint32_t source;
		uint16_t port;
		uint16_t pad;
	} key;
	size_t index;
	UT_hash_handle hh;
};

/* No two rules may take the same input (interface, group, port, source). */
static int check_inputs(const struct mcr_config *cfg, struct config_error *err)
{
	struct input_entry *entries, *head = NULL, *old;
	int rc = 0;

	entries = calloc(cfg->n_rules, sizeof(*entries));
	if (!entries)
		return config_fail(err, -ENOMEM, "rules: out of memory");
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct mcr_rule *r = &cfg->rules[i];
		struct input_entry *e = &entries[i];

		/* calloc zeroed the key's padding and the name's tail. */
		(void)snprintf(e->key.ifname, sizeof(e->key.ifname), "%s", r->in_ifname);
		e->key.group = r->in_group.s_addr;
		e->key.source = r->in_source.s_addr;
		e->key.port = r->in_port;
		e->index = i;
		HASH_FIND(hh, head, &e->key, sizeof(e->key), old);
		if (old) {
			rc = config_fail(err, -EINVAL,
					 "rules[%zu].input: same interface/group/port/source as rules[%zu] (\"%s\")",
					 i, old->index, cfg->rules[old->index].name);
			break;
		}
		HASH_ADD(hh, head, key, sizeof(e->key), e);
		if (!e->hh.tbl) {
			rc = config_fail(err, -ENOMEM, "rules: out of memory");
			break;
		}
	}
	HASH_CLEAR(hh, head);
	free(entries);
	return rc;
}

int config_resolve(struct mcr_config *cfg, struct config_error *err)
{
	int ioctl_fd, rc;

	if (cfg->n_rules == 0)
		return 0;
	rc = resolve_names(cfg, err);
	if (rc < 0)
		return rc;
	ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ioctl_fd < 0) {
		rc = -errno;
		return config_fail(err, rc, "cannot open a socket to query interfaces: %s",
				   strerror(-rc));
	}
	for (size_t i = 0; i < cfg->n_rules && rc == 0; i++) {
		rc = resolve_rule(&cfg->rules[i], i, ioctl_fd, err);
		if (rc == 0)
			rc = check_duplicate_outputs(&cfg->rules[i], i, err);
	}
	(void)close(ioctl_fd);
	if (rc < 0)
		return rc;
	return check_inputs(cfg, err);
}

/* An interface's index now, or 0 if it does not exist; -errno if the lookup failed. */
static long lookup_ifindex(const char *name)
{
	unsigned int idx = if_nametoindex(name);

	if (idx == 0 && errno != ENODEV && errno != ENXIO)
		return -errno;
	return idx;
}

int config_resolve_interfaces(struct mcr_config *cfg)
{
	int rc = 0;

	for (size_t i = 0; i < cfg->n_rules; i++) {
		struct mcr_rule *r = &cfg->rules[i];
		long idx = lookup_ifindex(r->in_ifname);

		if (idx >= 0)
			r->in_ifindex = (unsigned int)idx;
		else if (rc == 0)
			rc = (int)idx;
		for (size_t j = 0; j < r->n_outputs; j++) {
			idx = lookup_ifindex(r->outputs[j].ifname);
			if (idx >= 0)
				r->outputs[j].ifindex = (unsigned int)idx;
			else if (rc == 0)
				rc = (int)idx;
		}
	}
	return rc;
}

const char *config_rule_waiting_for(const struct mcr_rule *r)
{
	if (r->in_ifindex == 0)
		return r->in_ifname;
	for (size_t j = 0; j < r->n_outputs; j++)
		if (r->outputs[j].ifindex == 0)
			return r->outputs[j].ifname;
	return NULL;
}

size_t config_drop_waiting(struct mcr_config *cfg)
{
	size_t kept = 0, n = cfg->n_rules;

	for (size_t i = 0; i < n; i++) {
		if (config_rule_waiting_for(&cfg->rules[i])) {
			config_rule_clear(&cfg->rules[i]);
			continue;
		}
		if (kept != i)
			cfg->rules[kept] = cfg->rules[i];
		kept++;
	}
	cfg->n_rules = kept;
	return n - kept;
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
