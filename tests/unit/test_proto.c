// SPDX-License-Identifier: MIT
/*
 * Unit tests for the control protocol (common/proto.c): request validation
 * for every command and every way a request can be wrong, the response
 * lines both ways, and the tables behind them.  JSON in the tables is
 * written with single quotes, which q() turns into double quotes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "common/util.h"

#define JSON_MAX	1024

/* Copies @src with every ' turned into ". */
static char *q(const char *src, char *dst, size_t size)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = src[i] == '\'' ? '"' : src[i];
	dst[i] = '\0';
	assert_int_equal(src[i], '\0');
	return dst;
}

static int parse_q(const char *json_q, struct proto_request *req, struct proto_error *err)
{
	char line[JSON_MAX];

	memset(err, 0, sizeof(*err));
	q(json_q, line, sizeof(line));
	return proto_request_parse(line, strlen(line), req, err);
}

static void assert_has(const char *s, const char *want)
{
	if (!strstr(s, want))
		fail_msg("\"%s\" does not contain \"%s\"", s, want);
}

/* Every command with its arguments, and the id forms, pass. */
static void t_valid_requests(void **state)
{
	static const struct {
		const char *json;
		enum proto_cmd cmd;
	} cases[] = {
		{ "{'v':1,'cmd':'ping'}", PROTO_CMD_PING },
		{ "{'cmd':'version','v':1}", PROTO_CMD_VERSION },
		{ "{'v':1,'cmd':'add','rule':{'input':{}}}", PROTO_CMD_ADD },
		{ "{'v':1,'cmd':'remove','name':'cam1'}", PROTO_CMD_REMOVE },
		{ "{'v':1,'cmd':'list'}", PROTO_CMD_LIST },
		{ "{'v':1,'cmd':'stats'}", PROTO_CMD_STATS },
		{ "{'v':1,'cmd':'reload'}", PROTO_CMD_RELOAD },
		{ "{'v':1,'cmd':'log-level','level':'error'}", PROTO_CMD_LOG_LEVEL },
		{ "{'v':1,'cmd':'log-level','level':'warning'}", PROTO_CMD_LOG_LEVEL },
		{ "{'v':1,'cmd':'log-level','level':'notice'}", PROTO_CMD_LOG_LEVEL },
		{ "{'v':1,'cmd':'log-level','level':'info'}", PROTO_CMD_LOG_LEVEL },
		{ "{'v':1,'cmd':'log-level','level':'debug'}", PROTO_CMD_LOG_LEVEL },
		{ "{'v':1,'cmd':'log-level'}", PROTO_CMD_LOG_LEVEL },
		{ "{'v':1,'cmd':'shutdown'}", PROTO_CMD_SHUTDOWN },
		{ "{'v':1,'cmd':'workers'}", PROTO_CMD_WORKERS },
		{ "{'v':1,'cmd':'config'}", PROTO_CMD_CONFIG },
		{ " { 'v' : 1 , 'cmd' : 'ping' } ", PROTO_CMD_PING },
	};
	struct proto_request req;
	struct proto_error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (parse_q(cases[i].json, &req, &err) != 0)
			fail_msg("%s: %s", cases[i].json, err.message);
		assert_int_equal(req.cmd, cases[i].cmd);
		assert_int_equal(req.version, 1);
		assert_null(req.id);
		assert_true(json_is_object(req.args));
		proto_request_clear(&req);
		assert_null(req.args);
	}
}

static void t_request_ids(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(parse_q("{'v':1,'id':42,'cmd':'ping'}", &req, &err), 0);
	assert_true(json_is_integer(req.id));
	assert_int_equal(json_integer_value(req.id), 42);
	proto_request_clear(&req);

	assert_int_equal(parse_q("{'v':1,'id':'abc','cmd':'list'}", &req, &err), 0);
	assert_string_equal(json_string_value(req.id), "abc");
	proto_request_clear(&req);

	/* null is the same as no id. */
	assert_int_equal(parse_q("{'v':1,'id':null,'cmd':'list'}", &req, &err), 0);
	assert_null(req.id);
	proto_request_clear(&req);
}

/* Each way a request can be wrong has its code, its message and (when readable) its id. */
static void t_invalid_requests(void **state)
{
	static const struct {
		const char *json;
		enum proto_code code;
		const char *msg;
		long long id;	/* -1: none echoed */
	} cases[] = {
		{ "not json", PROTO_ERR_BAD_JSON, "invalid JSON at column", -1 },
		{ "{'v':1,'cmd':'ping'", PROTO_ERR_BAD_JSON, "invalid JSON", -1 },
		{ "{'v':1,'v':1,'cmd':'ping'}", PROTO_ERR_BAD_JSON, "duplicate", -1 },
		{ "", PROTO_ERR_BAD_JSON, "invalid JSON", -1 },
		{ "[1,2]", PROTO_ERR_BAD_REQUEST, "must be a JSON object, not an array", -1 },
		{ "{'cmd':'ping','id':1}", PROTO_ERR_BAD_REQUEST, "missing field \"v\"", 1 },
		{ "{'v':'1','cmd':'ping','id':2}", PROTO_ERR_BAD_REQUEST,
		  "\"v\" must be an integer", 2 },
		{ "{'v':2,'cmd':'ping','id':3}", PROTO_ERR_UNSUPPORTED_VERSION,
		  "protocol version 2 is not supported", 3 },
		{ "{'v':0,'cmd':'ping'}", PROTO_ERR_UNSUPPORTED_VERSION, "version 0", -1 },
		{ "{'v':1,'id':4}", PROTO_ERR_BAD_REQUEST, "missing field \"cmd\"", 4 },
		{ "{'v':1,'cmd':5,'id':5}", PROTO_ERR_BAD_REQUEST, "\"cmd\" must be a string", 5 },
		{ "{'v':1,'cmd':'frob','id':6}", PROTO_ERR_UNKNOWN_COMMAND,
		  "unknown command \"frob\"", 6 },
		{ "{'v':1,'cmd':'PING'}", PROTO_ERR_UNKNOWN_COMMAND, "\"PING\"", -1 },
		{ "{'v':1,'cmd':'ping','extra':1,'id':7}", PROTO_ERR_BAD_REQUEST,
		  "unknown field \"extra\" for command \"ping\"", 7 },
		{ "{'v':1,'cmd':'list','name':'x'}", PROTO_ERR_BAD_REQUEST,
		  "unknown field \"name\" for command \"list\"", -1 },
		{ "{'v':1,'cmd':'add'}", PROTO_ERR_BAD_REQUEST,
		  "missing field \"rule\" for command \"add\"", -1 },
		{ "{'v':1,'cmd':'add','rule':'x'}", PROTO_ERR_BAD_REQUEST,
		  "\"rule\" must be an object", -1 },
		{ "{'v':1,'cmd':'add','rule':[]}", PROTO_ERR_BAD_REQUEST,
		  "\"rule\" must be an object", -1 },
		{ "{'v':1,'cmd':'add','rule':{},'name':'x'}", PROTO_ERR_BAD_REQUEST,
		  "unknown field \"name\" for command \"add\"", -1 },
		{ "{'v':1,'cmd':'remove'}", PROTO_ERR_BAD_REQUEST, "missing field \"name\"", -1 },
		{ "{'v':1,'cmd':'remove','name':3}", PROTO_ERR_BAD_REQUEST,
		  "\"name\" must be a string", -1 },
		{ "{'v':1,'cmd':'remove','name':''}", PROTO_ERR_BAD_REQUEST,
		  "\"name\" must not be empty", -1 },
		{ "{'v':1,'cmd':'log-level','level':'loud'}", PROTO_ERR_BAD_REQUEST,
		  "\"level\": \"loud\" is not error, warning, notice, info or debug", -1 },
		{ "{'v':1,'cmd':'log-level','level':'INFO'}", PROTO_ERR_BAD_REQUEST, "\"INFO\"",
		  -1 },
		{ "{'v':1,'cmd':'log-level','level':true}", PROTO_ERR_BAD_REQUEST,
		  "\"level\" must be a string", -1 },
		{ "{'v':1,'cmd':'ping','id':[1]}", PROTO_ERR_BAD_REQUEST,
		  "\"id\" must be an integer or a string", -1 },
		{ "{'v':1,'cmd':'ping','id':1.5}", PROTO_ERR_BAD_REQUEST,
		  "\"id\" must be an integer or a string", -1 },
	};
	struct proto_request req;
	struct proto_error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (parse_q(cases[i].json, &req, &err) != -EINVAL)
			fail_msg("%s: accepted", cases[i].json);
		if (err.code != cases[i].code)
			fail_msg("%s: code %s, want %s (%s)", cases[i].json,
				 proto_code_name(err.code), proto_code_name(cases[i].code),
				 err.message);
		assert_has(err.message, cases[i].msg);
		if (cases[i].id < 0)
			assert_null(req.id);
		else
			assert_int_equal(json_integer_value(req.id), cases[i].id);
		proto_request_clear(&req);
	}
}

/* A value quoted in a message is cut short rather than copied whole. */
static void t_long_values_are_cut(void **state)
{
	char line[JSON_MAX];
	struct proto_request req;
	struct proto_error err;

	(void)state;
	(void)snprintf(line, sizeof(line), "{\"v\":1,\"cmd\":\"%0600d\"}", 7);
	assert_int_equal(proto_request_parse(line, strlen(line), &req, &err), -EINVAL);
	assert_int_equal(err.code, PROTO_ERR_UNKNOWN_COMMAND);
	assert_true(strlen(err.message) < 100);
	assert_has(err.message, "...\"");
	proto_request_clear(&req);
}

static void t_line_length_limit(void **state)
{
	size_t len = MCR_PROTO_MAX_LINE + 1;
	char *line = malloc(len + 1);
	struct proto_request req;
	struct proto_error err;
	int n;

	(void)state;
	assert_non_null(line);
	/* Exactly the limit is fine. */
	n = snprintf(line, len + 1, "{\"v\":1,\"cmd\":\"ping\",\"id\":\"");
	memset(line + n, 'x', MCR_PROTO_MAX_LINE - (size_t)n - 2);
	memcpy(line + MCR_PROTO_MAX_LINE - 2, "\"}", 3);
	assert_int_equal(strlen(line), MCR_PROTO_MAX_LINE);
	assert_int_equal(proto_request_parse(line, MCR_PROTO_MAX_LINE, &req, &err), 0);
	assert_int_equal(json_string_length(req.id), MCR_PROTO_MAX_LINE - (size_t)n - 2);
	proto_request_clear(&req);

	memset(line, ' ', len);
	assert_int_equal(proto_request_parse(line, len, &req, &err), -EINVAL);
	assert_int_equal(err.code, PROTO_ERR_TOO_LARGE);
	assert_has(err.message, "request too large");
	proto_request_clear(&req);
	free(line);
}

/* An embedded NUL cannot sneak a second value past the parser. */
static void t_embedded_nul_rejected(void **state)
{
	static const char line[] = "{\"v\":1,\"cmd\":\"ping\"}\0{\"x\":1}";
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(proto_request_parse(line, sizeof(line) - 1, &req, &err), -EINVAL);
	assert_int_equal(err.code, PROTO_ERR_BAD_JSON);
	proto_request_clear(&req);
}

/* What the client builds, the server accepts; arguments cannot rewrite the header. */
static void t_request_new(void **state)
{
	struct proto_request req;
	struct proto_error err;
	json_t *id = json_integer(9);
	json_t *args = json_pack("{s:s, s:i, s:s}", "name", "cam1", "v", 7, "cmd", "shutdown");
	json_t *obj;
	char *line;

	(void)state;
	obj = proto_request_new(PROTO_CMD_REMOVE, id, args);
	assert_non_null(obj);
	line = proto_line(obj);
	assert_non_null(line);
	assert_string_equal(line, "{\"v\":1,\"id\":9,\"cmd\":\"remove\",\"name\":\"cam1\"}\n");
	assert_int_equal(proto_request_parse(line, strlen(line) - 1, &req, &err), 0);
	assert_int_equal(req.cmd, PROTO_CMD_REMOVE);
	assert_int_equal(json_integer_value(req.id), 9);
	proto_request_clear(&req);
	free(line);
	json_decref(obj);

	obj = proto_request_new(PROTO_CMD_PING, NULL, NULL);
	line = proto_line(obj);
	assert_string_equal(line, "{\"v\":1,\"cmd\":\"ping\"}\n");
	free(line);
	json_decref(obj);

	/* proto_request_from_json() checks a built object the same way. */
	json_object_clear(args);
	obj = proto_request_new(PROTO_CMD_REMOVE, NULL, args);
	assert_int_equal(proto_request_from_json(obj, &req, &err), -EINVAL);
	assert_int_equal(err.code, PROTO_ERR_BAD_REQUEST);
	assert_has(err.message, "missing field \"name\"");
	proto_request_clear(&req);
	json_decref(obj);

	assert_null(proto_request_new(PROTO_CMD_MAX, NULL, NULL));
	json_decref(args);
	json_decref(id);
}

/* One line, ending in '\n', with nothing else unescaped in it. */
static void assert_one_line(const char *line)
{
	const char *nl = strchr(line, '\n');

	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
}

static void t_response_ok_round_trip(void **state)
{
	json_t *ids[] = { NULL, json_integer(5), json_string("a\nb") };
	json_t *result = json_pack("{s:s, s:i}", "version", "1.2.3", "protocol", 1);
	struct proto_response resp;
	struct proto_error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		char *line = proto_response_ok(ids[i], result);

		assert_non_null(line);
		assert_one_line(line);
		assert_int_equal(proto_response_parse(line, strlen(line) - 1, &resp, &err), 0);
		assert_true(resp.is_ok);
		assert_true(json_equal(resp.result, result));
		if (ids[i])
			assert_true(json_equal(resp.id, ids[i]));
		else
			assert_null(resp.id);
		proto_response_clear(&resp);
		free(line);
		json_decref(ids[i]);
	}
	json_decref(result);

	/* No result sends an empty object, and the id null is explicit on the wire. */
	{
		char *line = proto_response_ok(NULL, NULL);

		assert_string_equal(line, "{\"v\":1,\"id\":null,\"ok\":true,\"result\":{}}\n");
		free(line);
	}
}

static void t_response_error_round_trip(void **state)
{
	struct proto_response resp;
	struct proto_error err;
	json_t *id = json_string("req-1");
	char *line;

	(void)state;
	line = proto_response_error(id, PROTO_ERR_NO_SUCH_RULE, "no rule \"x\"\nsecond line");
	assert_non_null(line);
	assert_one_line(line);
	assert_int_equal(proto_response_parse(line, strlen(line) - 1, &resp, &err), 0);
	assert_false(resp.is_ok);
	assert_int_equal(resp.code, PROTO_ERR_NO_SUCH_RULE);
	assert_string_equal(resp.code_name, "no_such_rule");
	assert_string_equal(resp.message, "no rule \"x\"\nsecond line");
	assert_string_equal(json_string_value(resp.id), "req-1");
	assert_null(resp.result);
	proto_response_clear(&resp);
	free(line);
	json_decref(id);
}

/* A message that is not UTF-8 (a quote cut mid-character, raw bytes) still goes out. */
static void t_error_message_not_utf8(void **state)
{
	static const char *const msgs[] = { "name \"caf\xc3\" is bad", "near '\xff\xfe'" };
	struct proto_response resp;
	struct proto_error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		char *line = proto_response_error(NULL, PROTO_ERR_BAD_JSON, msgs[i]);

		assert_non_null(line);
		assert_one_line(line);
		assert_int_equal(proto_response_parse(line, strlen(line) - 1, &resp, &err), 0);
		assert_int_equal(resp.code, PROTO_ERR_BAD_JSON);
		assert_int_equal(strlen(resp.message), strlen(msgs[i]));
		assert_non_null(strchr(resp.message, '?'));
		proto_response_clear(&resp);
		free(line);
	}
	/* Valid UTF-8 is kept as it is. */
	{
		char *line = proto_response_error(NULL, PROTO_ERR_BAD_JSON, "caf\xc3\xa9");

		assert_int_equal(proto_response_parse(line, strlen(line) - 1, &resp, &err), 0);
		assert_string_equal(resp.message, "caf\xc3\xa9");
		proto_response_clear(&resp);
		free(line);
	}
}

/* A client must not mistake a broken or foreign line for an answer. */
static void t_invalid_responses(void **state)
{
	static const struct {
		const char *json;
		enum proto_code code;
		const char *msg;
	} cases[] = {
		{ "garbage", PROTO_ERR_BAD_JSON, "response is not JSON" },
		{ "[]", PROTO_ERR_BAD_REQUEST, "not a JSON object" },
		{ "{'ok':true,'result':{}}", PROTO_ERR_UNSUPPORTED_VERSION, "version 1" },
		{ "{'v':2,'ok':true,'result':{}}", PROTO_ERR_UNSUPPORTED_VERSION, "version 1" },
		{ "{'v':1,'result':{}}", PROTO_ERR_BAD_REQUEST, "no boolean \"ok\"" },
		{ "{'v':1,'ok':1,'result':{}}", PROTO_ERR_BAD_REQUEST, "no boolean \"ok\"" },
		{ "{'v':1,'ok':true}", PROTO_ERR_BAD_REQUEST, "no \"result\"" },
		{ "{'v':1,'ok':false}", PROTO_ERR_BAD_REQUEST, "no error code and message" },
		{ "{'v':1,'ok':false,'error':{'code':'internal'}}", PROTO_ERR_BAD_REQUEST,
		  "no error code and message" },
		{ "{'v':1,'ok':false,'error':{'code':1,'message':'m'}}", PROTO_ERR_BAD_REQUEST,
		  "no error code and message" },
	};
	struct proto_response resp;
	struct proto_error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char line[JSON_MAX];

		q(cases[i].json, line, sizeof(line));
		if (proto_response_parse(line, strlen(line), &resp, &err) != -EINVAL)
			fail_msg("%s: accepted", cases[i].json);
		assert_int_equal(err.code, cases[i].code);
		assert_has(err.message, cases[i].msg);
		proto_response_clear(&resp);
	}
}

/* A newer daemon's code reads as "unknown" with its name kept for the user. */
static void t_unknown_error_code(void **state)
{
	static const char *const lines[] = {
		"{'v':1,'ok':false,'error':{'code':'rate_limited','message':'slow down'}}",
		"{'v':1,'ok':false,'error':{'code':'ok','message':'confused'}}",
	};
	struct proto_response resp;
	struct proto_error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		char line[JSON_MAX];

		q(lines[i], line, sizeof(line));
		assert_int_equal(proto_response_parse(line, strlen(line), &resp, &err), 0);
		assert_false(resp.is_ok);
		assert_int_equal(resp.code, PROTO_ERR_UNKNOWN);
		assert_non_null(resp.message);
		proto_response_clear(&resp);
	}
}

static void t_command_table(void **state)
{
	(void)state;
	for (int i = 0; i < PROTO_CMD_MAX; i++) {
		const struct proto_cmd_info *info = proto_cmd_info((enum proto_cmd)i);
		enum proto_cmd back = PROTO_CMD_MAX;

		assert_non_null(info);
		assert_non_null(info->name);
		assert_true(info->summary && info->summary[0]);
		assert_string_equal(proto_cmd_name((enum proto_cmd)i), info->name);
		assert_int_equal(proto_cmd_from_name(info->name, &back), 0);
		assert_int_equal(back, i);
		for (size_t a = 0; a < info->n_args; a++)
			assert_non_null(info->args[a].name);
	}
	assert_null(proto_cmd_info(PROTO_CMD_MAX));
	assert_string_equal(proto_cmd_name(PROTO_CMD_MAX), "?");
	{
		enum proto_cmd c = PROTO_CMD_PING;

		assert_int_equal(proto_cmd_from_name("watch", &c), -ENOENT);
		assert_int_equal(proto_cmd_from_name("", &c), -ENOENT);
		assert_int_equal(c, PROTO_CMD_PING);
	}
}

static void t_code_table(void **state)
{
	static const struct {
		enum proto_code code;
		const char *name;
	} wire[] = {
		{ PROTO_ERR_BAD_JSON, "bad_json" },
		{ PROTO_ERR_BAD_REQUEST, "bad_request" },
		{ PROTO_ERR_UNKNOWN_COMMAND, "unknown_command" },
		{ PROTO_ERR_TOO_LARGE, "too_large" },
		{ PROTO_ERR_UNSUPPORTED_VERSION, "unsupported_version" },
		{ PROTO_ERR_INVALID_RULE, "invalid_rule" },
		{ PROTO_ERR_NO_SUCH_RULE, "no_such_rule" },
		{ PROTO_ERR_DUPLICATE_RULE, "duplicate_rule" },
		{ PROTO_ERR_UNKNOWN_INTERFACE, "unknown_interface" },
		{ PROTO_ERR_TOO_MANY_CLIENTS, "too_many_clients" },
		{ PROTO_ERR_BUSY, "busy" },
		{ PROTO_ERR_REFUSED, "refused" },
		{ PROTO_ERR_INTERNAL, "internal" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(wire); i++) {
		assert_string_equal(proto_code_name(wire[i].code), wire[i].name);
		assert_int_equal(proto_code_from_name(wire[i].name), wire[i].code);
	}
	assert_int_equal(proto_code_from_name("nope"), PROTO_ERR_UNKNOWN);
	assert_string_equal(proto_code_name(PROTO_CODE_MAX), "unknown");
}

static void t_code_from_errno(void **state)
{
	static const struct {
		int err;
		enum proto_code code;
	} cases[] = {
		{ -EEXIST, PROTO_ERR_DUPLICATE_RULE }, { -ENOENT, PROTO_ERR_NO_SUCH_RULE },
		{ -ENODEV, PROTO_ERR_UNKNOWN_INTERFACE }, { -EINVAL, PROTO_ERR_INVALID_RULE },
		{ -ENOSPC, PROTO_ERR_INVALID_RULE }, { -ENOMEM, PROTO_ERR_INTERNAL },
		{ -EIO, PROTO_ERR_REFUSED }, { -ETIMEDOUT, PROTO_ERR_REFUSED },
		{ -EBUSY, PROTO_ERR_BUSY }, { -E2BIG, PROTO_ERR_INVALID_RULE },
		{ -EPERM, PROTO_ERR_INTERNAL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(proto_code_from_errno(cases[i].err), cases[i].code);
}

static void t_error_set(void **state)
{
	struct proto_error err;

	(void)state;
	assert_int_equal(proto_error_set(&err, PROTO_ERR_INVALID_RULE, "rule.%s: %d", "ttl", 300),
			 -EINVAL);
	assert_int_equal(err.code, PROTO_ERR_INVALID_RULE);
	assert_string_equal(err.message, "rule.ttl: 300");
	assert_int_equal(proto_error_set(NULL, PROTO_ERR_INTERNAL, "x"), -EINVAL);
}

/* A response answers its request's id, or carries none; any other id is refused. */
static void t_response_check_id(void **state)
{
	json_t *ids[] = { json_integer(7), NULL, json_integer(8), json_string("7") };
	static const int want[] = { 0, 0, -EINVAL, -EINVAL };
	struct proto_response resp;
	struct proto_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *line = proto_response_error(ids[i], PROTO_ERR_BAD_REQUEST, "m");

		assert_non_null(line);
		assert_int_equal(proto_response_parse(line, strlen(line) - 1, &resp, &err), 0);
		assert_int_equal(proto_response_check_id(&resp, 7, &err), want[i]);
		if (want[i])
			assert_non_null(strstr(err.message, "id 7 expected"));
		proto_response_clear(&resp);
		free(line);
		json_decref(ids[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_valid_requests),
		cmocka_unit_test(t_request_ids),
		cmocka_unit_test(t_invalid_requests),
		cmocka_unit_test(t_long_values_are_cut),
		cmocka_unit_test(t_line_length_limit),
		cmocka_unit_test(t_embedded_nul_rejected),
		cmocka_unit_test(t_request_new),
		cmocka_unit_test(t_response_ok_round_trip),
		cmocka_unit_test(t_response_error_round_trip),
		cmocka_unit_test(t_error_message_not_utf8),
		cmocka_unit_test(t_invalid_responses),
		cmocka_unit_test(t_unknown_error_code),
		cmocka_unit_test(t_command_table),
		cmocka_unit_test(t_code_table),
		cmocka_unit_test(t_code_from_errno),
		cmocka_unit_test(t_error_set),
		cmocka_unit_test(t_response_check_id),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
