/* SPDX-License-Identifier: MIT */
/*
 * The control protocol between mcrd and mcrctl: message framing, the
 * command table and the validation of every request, shared by the server
 * (src/mcrd/control.c) and the client (src/mcrctl).  Pure functions over
 * jansson values; nothing here logs or does I/O.
 *
 * Transport: a UNIX stream socket, by default /run/mcr/mcrd.sock with mode
 * 0660.  Newline-delimited JSON: each request is one line, and the server
 * answers each with exactly one response line, in the order the requests
 * arrived (a client may pipeline).  A request line holds at most
 * MCR_PROTO_MAX_LINE bytes before its '\n'; a longer one gets a "too_large"
 * error and the server closes the connection.  Lines that are empty or all
 * blanks are ignored; a trailing '\r' is dropped.  Responses have no size
 * limit.  The server (src/mcrd/control.h) closes a connection that makes
 * no progress for 5 s (no whole request, no answer read: blank lines do
 * not count), or leaves more than 4 MiB of responses unread, and refuses
 * connections past 63 (64 for root).  A client that shuts down its side
 * still gets its answers, the last request's too when it lacks its '\n'.
 *
 * Request:  {"v": 1, "id": ID, "cmd": "COMMAND", ARGS...}
 *   "v" (required) is the protocol version, 1.  "id" (optional) is an
 *   integer or a string, echoed in the response.  The arguments are further
 *   members of the same object; unknown members and wrong types are errors.
 *
 * Response: {"v": 1, "id": ID, "ok": true, "result": {...}}
 *       or  {"v": 1, "id": ID, "ok": false,
 *            "error": {"code": "CODE", "message": "human-readable text"}}
 *   "id" is null when the request had none (or could not be read).
 *
 * Commands, their arguments and results (a result may carry members not
 * listed here; clients ignore what they do not know):
 *   ping       {}                      -> {"pong": true}
 *   version    {}                      -> {"version": "0.1.0", "protocol": 1}
 *   add        {"rule": RULE}          -> {"name": "NAME"}
 *              RULE is one element of mcrd.conf(5)'s "rules" array; the
 *              result names the rule (a rule without a name gets one).
 *   remove     {"name": "NAME"}        -> {"name": "NAME"}
 *   list       {}                      -> {"rules": [RULE...]}
 *   stats      {}                      -> the statistics document
 *   reload     {}                      -> {"rules": N} (mcrd re-read its configuration file)
 *   log-level  {"level": "error"|"warning"|"notice"|"info"|"debug"} -> {"level": LEVEL}
 *   shutdown   {}                      -> {"stopping": true} (sent before mcrd stops)
 *   workers    {}                      -> {"workers": [WORKER...]}, each
 *              {"id", "cpu", "pid", "restarts", "state"}
 *   config     {}                      -> the running configuration in mcrd.conf(5) form
 *
 * Error codes: bad_json, bad_request (missing, wrongly typed or unknown
 * member), unknown_command, too_large, unsupported_version, invalid_rule
 * (the message names the field and value), no_such_rule, duplicate_rule,
 * unknown_interface, too_many_clients (the server is at its client limit
 * and closes the connection), busy (another change is under way: retry),
 * refused (a worker refused the change, or did not answer in time; the
 * message names it and why; nothing changed), internal.
 */
#ifndef MCR_PROTO_H
#define MCR_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define MCR_PROTO_VERSION	1
/*
 * Longest request line, not counting its '\n': room for an add of one rule
 * at the output limit (4096 outputs of at most about 128 bytes each).
 */
#define MCR_PROTO_MAX_LINE	(1024 * 1024)
#define MCR_CONTROL_SOCKET	"/run/mcr/mcrd.sock"
#define MCR_CONTROL_MODE	0660

enum proto_cmd {
	PROTO_CMD_PING,
	PROTO_CMD_VERSION,
	PROTO_CMD_ADD,
	PROTO_CMD_REMOVE,
	PROTO_CMD_LIST,
	PROTO_CMD_STATS,
	PROTO_CMD_RELOAD,
	PROTO_CMD_LOG_LEVEL,
	PROTO_CMD_SHUTDOWN,
	PROTO_CMD_WORKERS,
	PROTO_CMD_CONFIG,
	PROTO_CMD_GROUPS,
	PROTO_CMD_MAX
};

enum proto_code {
	PROTO_OK = 0,
	PROTO_ERR_BAD_JSON,
	PROTO_ERR_BAD_REQUEST,
	PROTO_ERR_UNKNOWN_COMMAND,
	PROTO_ERR_TOO_LARGE,
	PROTO_ERR_UNSUPPORTED_VERSION,
	PROTO_ERR_INVALID_RULE,
	PROTO_ERR_NO_SUCH_RULE,
	PROTO_ERR_DUPLICATE_RULE,
	PROTO_ERR_UNKNOWN_INTERFACE,
	PROTO_ERR_TOO_MANY_CLIENTS,
	PROTO_ERR_BUSY,		/* another change is under way: retry after it */
	PROTO_ERR_REFUSED,	/* a worker refused the change; nothing changed */
	PROTO_ERR_INTERNAL,
	PROTO_ERR_UNKNOWN,	/* client side: a code this build does not know */
	PROTO_CODE_MAX
};

struct proto_error {
	enum proto_code code;
	char message[512];
};

/* One argument of a command: a member of the request object. */
struct proto_arg {
	const char *name;
	json_type type;
	bool is_required;
};

struct proto_cmd_info {
	const char *name;	/* as on the wire, and as mcrctl's verb */
	const char *summary;	/* one line, for usage text */
	const struct proto_arg *args;
	size_t n_args;
};

struct proto_request {
	int version;
	json_t *id;		/* NULL when absent; borrowed from args */
	enum proto_cmd cmd;
	json_t *args;		/* the whole request object (a reference the request holds) */
};

struct proto_response {
	json_t *root;		/* the reference the response holds; the rest borrow from it */
	json_t *id;		/* NULL when null or absent */
	bool is_ok;
	json_t *result;		/* when is_ok */
	enum proto_code code;	/* when !is_ok; PROTO_ERR_UNKNOWN for a code not known here */
	const char *code_name;
	const char *message;
};

/* The command table, indexed by enum proto_cmd. */
const struct proto_cmd_info *proto_cmd_info(enum proto_cmd cmd);
const char *proto_cmd_name(enum proto_cmd cmd);
/* Returns 0 with *ret set, or -ENOENT. */
int proto_cmd_from_name(const char *name, enum proto_cmd *ret);

const char *proto_code_name(enum proto_code code);
/* PROTO_ERR_UNKNOWN for names this build does not know. */
enum proto_code proto_code_from_name(const char *name);
/*
 * The code for a negative errno from a rule operation of the config module:
 * -EEXIST duplicate_rule, -ENOENT no_such_rule, -ENODEV unknown_interface,
 * -EINVAL/-ENOSPC/-E2BIG invalid_rule, -EBUSY busy, -EIO/-ETIMEDOUT
 * refused, anything else internal.
 */
enum proto_code proto_code_from_errno(int err);

/* Fill err (when not NULL) and return -EINVAL, for "return proto_error_set(...)". */
int proto_error_set(struct proto_error *err, enum proto_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Validate a request: a JSON object with "v", "cmd", an optional "id" and
 * exactly the arguments its command takes.  proto_request_parse() reads one
 * line (without its '\n'); proto_request_from_json() checks an object
 * already built.  Returns 0, or -EINVAL with err filled in; either way *ret
 * holds a reference to the object (and ret->id, when it was readable, so
 * that an error response can echo it) until proto_request_clear().
 */
int proto_request_parse(const char *line, size_t len, struct proto_request *ret,
			struct proto_error *err);
int proto_request_from_json(json_t *obj, struct proto_request *ret, struct proto_error *err);
void proto_request_clear(struct proto_request *req);

/*
 * A new request object {"v": 1, "id": id, "cmd": NAME} plus the members of
 * @args (may be NULL); @id may be NULL.  Neither is consumed.  NULL on ENOMEM.
 */
json_t *proto_request_new(enum proto_cmd cmd, json_t *id, json_t *args);

/* @obj as one compact line ending in '\n', malloc'd; NULL on ENOMEM. */
char *proto_line(const json_t *obj);

/*
 * Response lines, malloc'd and ending in '\n' (NULL on ENOMEM).  @id and
 * @result are not consumed; a NULL @result sends {}.
 */
char *proto_response_ok(json_t *id, json_t *result);
char *proto_response_error(json_t *id, enum proto_code code, const char *message);

/*
 * Read a response line (without its '\n').  Returns 0, or -EINVAL with err
 * filled in when the line is not a well-formed response.  Release with
 * proto_response_clear() (safe after a failure too).
 */
int proto_response_parse(const char *line, size_t len, struct proto_response *ret,
			 struct proto_error *err);
void proto_response_clear(struct proto_response *resp);
/*
 * 0 when resp answers request id, or carries no id (a server error about the
 * line itself may not know it); else -EINVAL with err filled in.
 */
int proto_response_check_id(const struct proto_response *resp, long long id,
			    struct proto_error *err);

#endif
