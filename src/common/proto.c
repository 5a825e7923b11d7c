// SPDX-License-Identifier: MIT
/*
 * The control protocol's messages (see proto.h for the wire format): the
 * command table, request validation, and the building and reading of
 * request and response lines.  The server and the client both go through
 * these functions, so a request mcrctl builds is checked by the same code
 * that mcrd checks it with.  No I/O, no logging.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "common/util.h"

/* Members every request may carry, whatever its command. */
static const char *const common_members[] = { "v", "id", "cmd" };

static const struct proto_arg add_args[] = { { "rule", JSON_OBJECT, true } };
static const struct proto_arg remove_args[] = { { "name", JSON_STRING, true } };
/* Without "level", the request asks for the current one. */
static const struct proto_arg log_level_args[] = { { "level", JSON_STRING, false } };

#define CMD(n, s, a) { .name = (n), .summary = (s), .args = (a), .n_args = ARRAY_SIZE(a) }
#define CMD0(n, s) { .name = (n), .summary = (s), .args = NULL, .n_args = 0 }

static const struct proto_cmd_info cmd_table[PROTO_CMD_MAX] = {
	[PROTO_CMD_PING] = CMD0("ping", "check that mcrd answers"),
	[PROTO_CMD_VERSION] = CMD0("version", "show the versions of mcrd and its protocol"),
	[PROTO_CMD_ADD] = CMD("add", "add a rule", add_args),
	[PROTO_CMD_REMOVE] = CMD("remove", "remove a rule by name", remove_args),
	[PROTO_CMD_LIST] = CMD0("list", "list the rules"),
	[PROTO_CMD_STATS] = CMD0("stats", "show packet counters per rule, output and input"),
	[PROTO_CMD_RELOAD] = CMD0("reload", "re-read the configuration file"),
	[PROTO_CMD_LOG_LEVEL] = CMD("log-level", "show or set mcrd's log level", log_level_args),
	[PROTO_CMD_SHUTDOWN] = CMD0("shutdown", "stop mcrd"),
	[PROTO_CMD_WORKERS] = CMD0("workers", "show the worker processes"),
	[PROTO_CMD_CONFIG] = CMD0("config", "show the running configuration"),
	[PROTO_CMD_GROUPS] = CMD0("groups", "show IGMP listeners and queriers per interface"),
};

static const char *const code_names[PROTO_CODE_MAX] = {
	[PROTO_OK] = "ok",
	[PROTO_ERR_BAD_JSON] = "bad_json",
	[PROTO_ERR_BAD_REQUEST] = "bad_request",
	[PROTO_ERR_UNKNOWN_COMMAND] = "unknown_command",
	[PROTO_ERR_TOO_LARGE] = "too_large",
	[PROTO_ERR_UNSUPPORTED_VERSION] = "unsupported_version",
	[PROTO_ERR_INVALID_RULE] = "invalid_rule",
	[PROTO_ERR_NO_SUCH_RULE] = "no_such_rule",
	[PROTO_ERR_DUPLICATE_RULE] = "duplicate_rule",
	[PROTO_ERR_UNKNOWN_INTERFACE] = "unknown_interface",
	[PROTO_ERR_TOO_MANY_CLIENTS] = "too_many_clients",
	[PROTO_ERR_BUSY] = "busy",
	[PROTO_ERR_REFUSED] = "refused",
	[PROTO_ERR_INTERNAL] = "internal",
	[PROTO_ERR_UNKNOWN] = "unknown",
};

static const char *const log_levels[] = { "error", "warning", "notice", "info", "debug" };

/* Values quoted in messages are cut to this many characters. */
#define SHOWN_MAX	64

const struct proto_cmd_info *proto_cmd_info(enum proto_cmd cmd)
{
	return (unsigned int)cmd < PROTO_CMD_MAX ? &cmd_table[cmd] : NULL;
}

const char *proto_cmd_name(enum proto_cmd cmd)
{
	return (unsigned int)cmd < PROTO_CMD_MAX ? cmd_table[cmd].name : "?";
}

int proto_cmd_from_name(const char *name, enum proto_cmd *ret)
{
	for (size_t i = 0; i < PROTO_CMD_MAX; i++) {
		if (!strcmp(name, cmd_table[i].name)) {
			*ret = (enum proto_cmd)i;
			return 0;
		}
	}
	return -ENOENT;
}

const char *proto_code_name(enum proto_code code)
{
	return (unsigned int)code < PROTO_CODE_MAX ? code_names[code] : "unknown";
}

enum proto_code proto_code_from_name(const char *name)
{
	for (size_t i = 0; i < PROTO_CODE_MAX; i++)
		if (!strcmp(name, code_names[i]))
			return (enum proto_code)i;
	return PROTO_ERR_UNKNOWN;
}

enum proto_code proto_code_from_errno(int err)
{
	switch (err) {
	case -EEXIST:
		return PROTO_ERR_DUPLICATE_RULE;
	case -ENOENT:
		return PROTO_ERR_NO_SUCH_RULE;
	case -ENODEV:
		return PROTO_ERR_UNKNOWN_INTERFACE;
	case -EINVAL:
	case -ENOSPC:
	case -E2BIG:
		return PROTO_ERR_INVALID_RULE;
	case -EBUSY:
		return PROTO_ERR_BUSY;
	case -EIO:
	case -ETIMEDOUT:
		return PROTO_ERR_REFUSED;
	default:
		return PROTO_ERR_INTERNAL;
	}
}

int proto_error_set(struct proto_error *err, enum proto_code code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* A string as the user wrote it, quoted and cut short, for messages. */
static void show_string(const char *s, char buf[SHOWN_MAX + 8])
{
	if (strlen(s) > SHOWN_MAX)
		(void)snprintf(buf, SHOWN_MAX + 8, "\"%.*s...\"", SHOWN_MAX, s);
	else
		(void)snprintf(buf, SHOWN_MAX + 8, "\"%s\"", s);
}

static const struct proto_arg *find_arg(const struct proto_cmd_info *info, const char *name)
{
	for (size_t i = 0; i < info->n_args; i++)
		if (!strcmp(info->args[i].name, name))
			return &info->args[i];
	return NULL;
}

static bool is_common_member(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(common_members); i++)
		if (!strcmp(common_members[i], name))
			return true;
	return false;
}

/* The checks a type cannot express. */
static int check_values(enum proto_cmd cmd, json_t *obj, struct proto_error *err)
{
	char shown[SHOWN_MAX + 8];
	const char *s;

	switch (cmd) {
	case PROTO_CMD_REMOVE:
		if (!json_string_length(json_object_get(obj, "name")))
			return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					       "\"name\" must not be empty");
		return 0;
	case PROTO_CMD_LOG_LEVEL:
		s = json_string_value(json_object_get(obj, "level"));
		if (!s)
			return 0;
		for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++)
			if (!strcmp(s, log_levels[i]))
				return 0;
		show_string(s, shown);
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				       "\"level\": %s is not error, warning, notice, info or debug",
				       shown);
	default:
		return 0;
	}
}

static int check_args(enum proto_cmd cmd, json_t *obj, struct proto_error *err)
{
	const struct proto_cmd_info *info = &cmd_table[cmd];
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const struct proto_arg *a;

		if (is_common_member(key))
			continue;
		a = find_arg(info, key);
		if (!a)
			return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					       "unknown field \"%.*s\" for command \"%s\"", SHOWN_MAX,
					       key, info->name);
		if (json_typeof(v) != a->type)
			return proto_error_set(err, PROTO_ERR_BAD_REQUEST, "\"%s\" must be %s",
					       a->name, type_name(a->type));
	}
	for (size_t i = 0; i < info->n_args; i++)
		if (info->args[i].is_required && !json_object_get(obj, info->args[i].name))
			return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					       "missing field \"%s\" for command \"%s\"",
					       info->args[i].name, info->name);
	return check_values(cmd, obj, err);
}

int proto_request_from_json(json_t *obj, struct proto_request *ret, struct proto_error *err)
{
	char shown[SHOWN_MAX + 8];
	json_t *v, *id, *cmd;

	*ret = (struct proto_request){ .args = json_incref(obj) };
	if (!json_is_object(obj))
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				       "a request must be a JSON object, not %s",
				       type_name(json_typeof(obj)));

	/* The id first, so that every later error can be matched to its request. */
	id = json_object_get(obj, "id");
	if (id && !json_is_null(id)) {
		if (!json_is_integer(id) && !json_is_string(id))
			return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					       "\"id\" must be an integer or a string");
		ret->id = id;
	}

	v = json_object_get(obj, "v");
	if (!v)
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				       "missing field \"v\" (the protocol version, %d)",
				       MCR_PROTO_VERSION);
	if (!json_is_integer(v))
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST, "\"v\" must be an integer");
	if (json_integer_value(v) != MCR_PROTO_VERSION)
		return proto_error_set(err, PROTO_ERR_UNSUPPORTED_VERSION,
				       "protocol version %lld is not supported (this side speaks %d)",
				       (long long)json_integer_value(v), MCR_PROTO_VERSION);
	ret->version = MCR_PROTO_VERSION;

	cmd = json_object_get(obj, "cmd");
	if (!cmd)
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST, "missing field \"cmd\"");
	if (!json_is_string(cmd))
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST, "\"cmd\" must be a string");
	if (proto_cmd_from_name(json_string_value(cmd), &ret->cmd) < 0) {
		show_string(json_string_value(cmd), shown);
		return proto_error_set(err, PROTO_ERR_UNKNOWN_COMMAND, "unknown command %s", shown);
	}
	return check_args(ret->cmd, obj, err);
}

int proto_request_parse(const char *line, size_t len, struct proto_request *ret,
			struct proto_error *err)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	*ret = (struct proto_request){ 0 };
	if (len > MCR_PROTO_MAX_LINE)
		return proto_error_set(err, PROTO_ERR_TOO_LARGE,
				       "request too large (more than %d bytes)", MCR_PROTO_MAX_LINE);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return proto_error_set(err, PROTO_ERR_BAD_JSON, "invalid JSON at column %d: %s",
				       jerr.column, jerr.text);
	rc = proto_request_from_json(root, ret, err);
	json_decref(root);
	return rc;
}

void proto_request_clear(struct proto_request *req)
{
	json_decref(req->args);
	*req = (struct proto_request){ 0 };
}

json_t *proto_request_new(enum proto_cmd cmd, json_t *id, json_t *args)
{
	const char *key;
	json_t *obj, *v;

	if ((unsigned int)cmd >= PROTO_CMD_MAX)
		return NULL;
	obj = json_pack("{s:i}", "v", MCR_PROTO_VERSION);
	if (!obj)
		return NULL;
	if (id && json_object_set(obj, "id", id) < 0)
		goto out_free_obj;
	if (json_object_set_new(obj, "cmd", json_string(cmd_table[cmd].name)) < 0)
		goto out_free_obj;
	/* Arguments never replace the header members. */
	json_object_foreach(args, key, v) {
		if (!is_common_member(key) && json_object_set(obj, key, v) < 0)
			goto out_free_obj;
	}
	return obj;

out_free_obj:
	json_decref(obj);
	return NULL;
}

char *proto_line(const json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY), *line;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

char *proto_response_ok(json_t *id, json_t *result)
{
	json_t *obj;
	char *line;

	obj = result ? json_pack("{s:i, s:O?, s:b, s:O}", "v", MCR_PROTO_VERSION, "id", id, "ok",
				 1, "result", result)
		     : json_pack("{s:i, s:O?, s:b, s:{}}", "v", MCR_PROTO_VERSION, "id", id, "ok",
				 1, "result");
	if (!obj)
		return NULL;
	line = proto_line(obj);
	json_decref(obj);
	return line;
}

/*
 * @s as a JSON string.  Messages quote what clients sent, and a quote cut
 * short can end in half a UTF-8 sequence (or the client sent no UTF-8 at
 * all); JSON strings must be valid UTF-8, so such a message goes out with
 * every byte outside printable ASCII as '?' rather than not at all.
 */
static json_t *message_string(const char *s)
{
	json_t *v = json_string(s);
	char *copy;

	if (v)
		return v;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

char *proto_response_error(json_t *id, enum proto_code code, const char *message)
{
	json_t *obj;
	char *line;

	obj = json_pack("{s:i, s:O?, s:b, s:{s:s, s:o}}", "v", MCR_PROTO_VERSION, "id", id, "ok",
			0, "error", "code", proto_code_name(code), "message",
			message_string(message ? message : ""));
	if (!obj)
		return NULL;
	line = proto_line(obj);
	json_decref(obj);
	return line;
}

int proto_response_parse(const char *line, size_t len, struct proto_response *ret,
			 struct proto_error *err)
{
	json_error_t jerr;
	json_t *root, *v, *ok, *e, *code, *msg;

	*ret = (struct proto_response){ 0 };
	root = json_loadb(line, len, 0, &jerr);
	if (!root)
		return proto_error_set(err, PROTO_ERR_BAD_JSON,
				       "response is not JSON (column %d: %s)", jerr.column,
				       jerr.text);
	ret->root = root;
	if (!json_is_object(root))
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				       "response is not a JSON object");
	v = json_object_get(root, "v");
	if (!json_is_integer(v) || json_integer_value(v) != MCR_PROTO_VERSION)
		return proto_error_set(err, PROTO_ERR_UNSUPPORTED_VERSION,
				       "response is not protocol version %d", MCR_PROTO_VERSION);
	ret->id = json_object_get(root, "id");
	if (json_is_null(ret->id))
		ret->id = NULL;
	ok = json_object_get(root, "ok");
	if (!json_is_boolean(ok))
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				       "response has no boolean \"ok\"");
	ret->is_ok = json_is_true(ok);
	if (ret->is_ok) {
		ret->result = json_object_get(root, "result");
		if (!ret->result)
			return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					       "response has no \"result\"");
		return 0;
	}
	e = json_object_get(root, "error");
	code = json_object_get(e, "code");
	msg = json_object_get(e, "message");
	if (!json_is_string(code) || !json_is_string(msg))
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				       "response has no error code and message");
	ret->code_name = json_string_value(code);
	ret->code = proto_code_from_name(ret->code_name);
	/* An error response that says "ok" would contradict itself. */
	if (ret->code == PROTO_OK)
		ret->code = PROTO_ERR_UNKNOWN;
	ret->message = json_string_value(msg);
	return 0;
}

void proto_response_clear(struct proto_response *resp)
{
	json_decref(resp->root);
	*resp = (struct proto_response){ 0 };
}

int proto_response_check_id(const struct proto_response *resp, long long id,
			    struct proto_error *err)
{
	if (resp->id && (!json_is_integer(resp->id) || json_integer_value(resp->id) != id))
		return proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				       "response is for another request (id %lld expected)", id);
	return 0;
}
