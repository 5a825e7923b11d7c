// SPDX-License-Identifier: MIT
/*
 * Unit tests for the control socket server (mcrd/control.c).  Each case runs
 * a real server on a socket in a fresh temporary directory and drives it
 * with real client sockets from the same process, calling control_dispatch()
 * whenever the test waits, so that no threads or root are needed.  The
 * handler answers a few commands and fails others, and counts its calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"
#include "mcrd/supervisor/control.h"

#define PING		"{\"v\":1,\"cmd\":\"ping\"}\n"
#define WAIT_MS		3000	/* longest any single expectation may take */
#define CLIENT_BUF	(4 << 20)

struct handler_ctx {
	int calls;
	enum proto_cmd last_cmd;
	size_t big_size;	/* bytes of filler in the "config" result */
	struct control *c;	/* for control_defer() */
	uint64_t ticket;	/* of the last deferred request */
};

struct fixture {
	char dir[32];
	char sub[40];
	char path[100];
	struct control c;
	struct handler_ctx h;
};

struct tclient {
	int fd;
	size_t len;
	char *buf;
};

/*
 * ping, list and version succeed; remove fails for "missing"; config
 * returns big_size bytes; stats fails without saying why; workers is
 * answered later (its ticket in h->ticket).
 */
static json_t *test_handle(void *ctx, const struct proto_request *req, struct proto_error *err)
{
	struct handler_ctx *h = ctx;
	const char *name;

	h->calls++;
	h->last_cmd = req->cmd;
	switch (req->cmd) {
	case PROTO_CMD_PING:
		return json_object();
	case PROTO_CMD_LIST:
		return json_pack("{s:[]}", "rules");
	case PROTO_CMD_VERSION:
		return json_pack("{s:s, s:i}", "version", "test", "protocol", 1);
	case PROTO_CMD_REMOVE:
		name = json_string_value(json_object_get(req->args, "name"));
		if (!strcmp(name, "missing")) {
			(void)proto_error_set(err, PROTO_ERR_NO_SUCH_RULE, "no rule \"%s\"", name);
			return NULL;
		}
		return json_pack("{s:s}", "removed", name);
	case PROTO_CMD_WORKERS:
		h->ticket = control_defer(h->c);
		assert_int_not_equal(h->ticket, 0);
		return NULL;
	case PROTO_CMD_CONFIG: {
		char *filler = malloc(h->big_size + 1);
		json_t *r;

		assert_non_null(filler);
		memset(filler, 'z', h->big_size);
		filler[h->big_size] = '\0';
		r = json_pack("{s:s}", "filler", filler);
		free(filler);
		return r;
	}
	default:
		return NULL;
	}
}

static const struct control_ops test_ops = { .handle = test_handle };

static uint64_t ms_from_now(int ms)
{
	return now_ns() + (uint64_t)ms * NSEC_PER_MSEC;
}

/* Waits up to @ms for the server (and @fd, when >= 0), then dispatches once. */
static void pump_once(struct fixture *fx, int fd, int ms)
{
	struct pollfd p[2] = { { .fd = control_fd(&fx->c), .events = POLLIN },
			       { .fd = fd, .events = POLLIN } };
	int t = control_next_timeout_ms(&fx->c);

	if (t < 0 || t > ms)
		t = ms;
	assert_true(poll(p, fd >= 0 ? 2 : 1, t) >= 0);
	assert_int_equal(control_dispatch(&fx->c), 0);
}

/* Runs the server for @ms. */
static void pump(struct fixture *fx, int ms)
{
	uint64_t end = ms_from_now(ms);

	do {
		uint64_t now = now_ns();

		pump_once(fx, -1, now < end ? (int)((end - now) / NSEC_PER_MSEC) : 0);
	} while (now_ns() < end);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_control.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	/* A directory that does not exist yet: control_init() creates it. */
	(void)snprintf(fx->sub, sizeof(fx->sub), "%s/run", fx->dir);
	(void)snprintf(fx->path, sizeof(fx->path), "%s/mcrd.sock", fx->sub);
	fx->h.c = &fx->c;
	assert_int_equal(control_init(&fx->c, fx->path, 0660, &test_ops, &fx->h), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	control_exit(&fx->c);
	(void)unlink(fx->path);
	(void)rmdir(fx->sub);
	assert_int_equal(rmdir(fx->dir), 0);
	free(fx);
	return 0;
}

static int connect_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;

		(void)close(fd);
		return rc;
	}
	return fd;
}

static struct tclient *tclient_new(struct fixture *fx)
{
	struct tclient *tc = calloc(1, sizeof(*tc));

	assert_non_null(tc);
	tc->buf = malloc(CLIENT_BUF);
	assert_non_null(tc->buf);
	tc->fd = connect_path(fx->path);
	assert_true(tc->fd >= 0);
	/* Let the server accept it, so that client counts are exact. */
	pump(fx, 0);
	return tc;
}

static void tclient_free(struct tclient *tc)
{
	if (tc->fd >= 0)
		(void)close(tc->fd);
	free(tc->buf);
	free(tc);
}

/* Writes all of @data, serving the server while the socket is full. */
static void tsend(struct fixture *fx, struct tclient *tc, const char *data, size_t len)
{
	uint64_t end = ms_from_now(WAIT_MS);

	while (len > 0) {
		ssize_t n = send(tc->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			assert_true(errno == EAGAIN);
			assert_true(now_ns() < end);
			pump_once(fx, -1, 10);
			continue;
		}
		data += n;
		len -= (size_t)n;
	}
	pump(fx, 0);
}

static void tsend_str(struct fixture *fx, struct tclient *tc, const char *s)
{
	tsend(fx, tc, s, strlen(s));
}

/* Reads what is there; returns bytes read, 0 at end of stream, or -errno. */
static ssize_t tclient_fill(struct tclient *tc)
{
	ssize_t n = recv(tc->fd, tc->buf + tc->len, CLIENT_BUF - tc->len, MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	tc->len += (size_t)n;
	return n;
}

/* The next response line, within WAIT_MS. */
static void recv_response(struct fixture *fx, struct tclient *tc, struct proto_response *resp)
{
	uint64_t end = ms_from_now(WAIT_MS);
	struct proto_error err;
	char *nl;
	size_t n;

	while (!(nl = memchr(tc->buf, '\n', tc->len))) {
		ssize_t got = tclient_fill(tc);

		if (got == 0 || (got < 0 && got != -EAGAIN))
			fail_msg("connection closed before a response (%zd)", got);
		if (got < 0) {
			assert_true(now_ns() < end);
			pump_once(fx, tc->fd, 10);
		}
	}
	n = (size_t)(nl - tc->buf);
	if (proto_response_parse(tc->buf, n, resp, &err) < 0)
		fail_msg("bad response: %s", err.message);
	memmove(tc->buf, nl + 1, tc->len - n - 1);
	tc->len -= n + 1;
}

/* No response arrives while the server runs for @ms. */
static void expect_silence(struct fixture *fx, struct tclient *tc, int ms)
{
	pump(fx, ms);
	assert_int_equal(tclient_fill(tc), -EAGAIN);
	assert_int_equal(tc->len, 0);
}

/* The server closes the connection within @ms (after any responses, which must be read first). */
static void expect_closed(struct fixture *fx, struct tclient *tc, int ms)
{
	uint64_t end = ms_from_now(ms);

	for (;;) {
		ssize_t got = tclient_fill(tc);

		if (got == 0 || got == -ECONNRESET)
			break;
		assert_true(got == -EAGAIN);
		if (now_ns() >= end)
			fail_msg("connection still open after %d ms", ms);
		pump_once(fx, tc->fd, 10);
	}
	assert_int_equal(tc->len, 0);
}

static void expect_ok(struct fixture *fx, struct tclient *tc, struct proto_response *resp)
{
	recv_response(fx, tc, resp);
	if (!resp->is_ok)
		fail_msg("error %s: %s", resp->code_name, resp->message);
}

static void expect_error(struct fixture *fx, struct tclient *tc, enum proto_code code,
			 const char *msg)
{
	struct proto_response resp;

	recv_response(fx, tc, &resp);
	assert_false(resp.is_ok);
	if (resp.code != code)
		fail_msg("code %s (%s), want %s", resp.code_name, resp.message,
			 proto_code_name(code));
	if (!strstr(resp.message, msg))
		fail_msg("message \"%s\" does not contain \"%s\"", resp.message, msg);
	proto_response_clear(&resp);
}

static void ping_ok(struct fixture *fx, struct tclient *tc)
{
	struct proto_response resp;

	tsend_str(fx, tc, PING);
	expect_ok(fx, tc, &resp);
	assert_true(json_is_object(resp.result));
	proto_response_clear(&resp);
}

/* The socket file has the mode asked for, in a directory created for it. */
static void t_socket_file(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(stat(fx->sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(control_next_timeout_ms(&fx->c), -1);
}

static void t_ping_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;

	tsend_str(fx, tc, "{\"v\":1,\"cmd\":\"version\"}\n");
	expect_ok(fx, tc, &resp);
	assert_null(resp.id);
	assert_string_equal(json_string_value(json_object_get(resp.result, "version")), "test");
	proto_response_clear(&resp);
	ping_ok(fx, tc);
	assert_int_equal(fx->h.calls, 2);
	assert_int_equal(fx->h.last_cmd, PROTO_CMD_PING);
	tclient_free(tc);
}

/*
 * A deferred request is answered when control_reply() says so, with its id;
 * meanwhile other clients are served, the client is not timed out, and its
 * next request waits its turn.
 */
static void t_deferred_reply(void **state)
{
	struct fixture *fx = *state;
	struct tclient *a = tclient_new(fx), *b = tclient_new(fx);
	struct proto_response resp;
	json_t *result = json_pack("{s:b}", "later", 1);

	fx->c.idle_timeout_ms = 100;
	tsend_str(fx, a, "{\"v\":1,\"id\":9,\"cmd\":\"workers\"}\n" PING);
	expect_silence(fx, a, 300);
	assert_int_equal(fx->h.calls, 1);
	ping_ok(fx, b);
	control_reply(&fx->c, fx->h.ticket, result, NULL);
	expect_ok(fx, a, &resp);
	assert_int_equal(json_integer_value(resp.id), 9);
	assert_true(json_is_true(json_object_get(resp.result, "later")));
	proto_response_clear(&resp);
	/* The pipelined ping, answered after the deferred request. */
	expect_ok(fx, a, &resp);
	assert_int_equal(fx->h.last_cmd, PROTO_CMD_PING);
	proto_response_clear(&resp);
	/* Idle again: now the timeout applies. */
	expect_closed(fx, a, 1000);
	json_decref(result);
	tclient_free(a);
	tclient_free(b);
}

/* An error can be deferred too; a reply for a client that left is dropped. */
static void t_deferred_error_and_gone(void **state)
{
	struct fixture *fx = *state;
	struct tclient *a = tclient_new(fx);
	struct proto_error err = { .code = PROTO_ERR_REFUSED };
	uint64_t first;

	(void)snprintf(err.message, sizeof(err.message), "worker 1 refused: no");
	tsend_str(fx, a, "{\"v\":1,\"cmd\":\"workers\"}\n");
	pump(fx, 50);
	control_reply(&fx->c, fx->h.ticket, NULL, &err);
	expect_error(fx, a, PROTO_ERR_REFUSED, "worker 1 refused");
	tsend_str(fx, a, "{\"v\":1,\"cmd\":\"workers\"}\n");
	pump(fx, 50);
	first = fx->h.ticket;
	tclient_free(a);
	pump(fx, 50);
	assert_int_equal(fx->c.n_clients, 0);
	control_reply(&fx->c, first, NULL, &err);
	assert_int_equal(control_defer(&fx->c), 0);	/* outside a handler */
}

static void t_id_echo(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;

	tsend_str(fx, tc, "{\"v\":1,\"id\":12345678901,\"cmd\":\"ping\"}\n");
	expect_ok(fx, tc, &resp);
	assert_int_equal(json_integer_value(resp.id), 12345678901LL);
	proto_response_clear(&resp);

	tsend_str(fx, tc, "{\"v\":1,\"id\":\"req \\\"7\\\"\",\"cmd\":\"ping\"}\n");
	expect_ok(fx, tc, &resp);
	assert_string_equal(json_string_value(resp.id), "req \"7\"");
	proto_response_clear(&resp);

	/* Errors echo the id too. */
	tsend_str(fx, tc, "{\"v\":1,\"id\":\"e\",\"cmd\":\"remove\",\"name\":\"missing\"}\n");
	recv_response(fx, tc, &resp);
	assert_false(resp.is_ok);
	assert_string_equal(json_string_value(resp.id), "e");
	proto_response_clear(&resp);
	tclient_free(tc);
}

/* Several requests in one write come back in order, one response each. */
static void t_pipelined_in_order(void **state)
{
	static const char batch[] =
		"{\"v\":1,\"id\":1,\"cmd\":\"ping\"}\n"
		"{\"v\":1,\"id\":2,\"cmd\":\"remove\",\"name\":\"missing\"}\n"
		"{\"v\":1,\"id\":3,\"cmd\":\"list\"}\n"
		"nonsense\n"
		"{\"v\":1,\"id\":5,\"cmd\":\"remove\",\"name\":\"cam1\"}\n";
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;

	tsend_str(fx, tc, batch);
	expect_ok(fx, tc, &resp);
	assert_int_equal(json_integer_value(resp.id), 1);
	proto_response_clear(&resp);
	recv_response(fx, tc, &resp);
	assert_false(resp.is_ok);
	assert_int_equal(json_integer_value(resp.id), 2);
	assert_int_equal(resp.code, PROTO_ERR_NO_SUCH_RULE);
	assert_string_equal(resp.message, "no rule \"missing\"");
	proto_response_clear(&resp);
	expect_ok(fx, tc, &resp);
	assert_int_equal(json_integer_value(resp.id), 3);
	assert_true(json_is_array(json_object_get(resp.result, "rules")));
	proto_response_clear(&resp);
	expect_error(fx, tc, PROTO_ERR_BAD_JSON, "invalid JSON");
	expect_ok(fx, tc, &resp);
	assert_int_equal(json_integer_value(resp.id), 5);
	assert_string_equal(json_string_value(json_object_get(resp.result, "removed")), "cam1");
	proto_response_clear(&resp);
	expect_silence(fx, tc, 20);
	assert_int_equal(fx->h.calls, 4);
	tclient_free(tc);
}

/* Half a line waits for the rest, however it is cut. */
static void t_split_request(void **state)
{
	static const char req[] = "{\"v\":1,\"id\":\"split\",\"cmd\":\"ping\"}\n";
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;

	for (size_t cut = 1; cut < sizeof(req) - 1; cut += 7) {
		tsend(fx, tc, req, cut);
		expect_silence(fx, tc, 5);
		tsend(fx, tc, req + cut, sizeof(req) - 1 - cut);
		expect_ok(fx, tc, &resp);
		assert_string_equal(json_string_value(resp.id), "split");
		proto_response_clear(&resp);
	}
	/* One byte at a time. */
	for (size_t i = 0; i < sizeof(req) - 1; i++)
		tsend(fx, tc, req + i, 1);
	expect_ok(fx, tc, &resp);
	proto_response_clear(&resp);
	tclient_free(tc);
}

/* Bad requests get an error and the connection stays usable; the handler never sees them. */
static void t_bad_requests_keep_connection(void **state)
{
	static const struct {
		const char *line;
		enum proto_code code;
		const char *msg;
	} cases[] = {
		{ "{not json\n", PROTO_ERR_BAD_JSON, "invalid JSON" },
		{ "{\"v\":1,\"cmd\":\"frob\"}\n", PROTO_ERR_UNKNOWN_COMMAND, "\"frob\"" },
		{ "{\"v\":1,\"cmd\":\"remove\"}\n", PROTO_ERR_BAD_REQUEST, "missing field \"name\"" },
		{ "{\"v\":1,\"cmd\":\"remove\",\"name\":1}\n", PROTO_ERR_BAD_REQUEST,
		  "must be a string" },
		{ "{\"v\":1,\"cmd\":\"ping\",\"x\":1}\n", PROTO_ERR_BAD_REQUEST, "unknown field \"x\"" },
		{ "{\"v\":9,\"cmd\":\"ping\"}\n", PROTO_ERR_UNSUPPORTED_VERSION, "version 9" },
		{ "\"just a string\"\n", PROTO_ERR_BAD_JSON, "invalid JSON" },
		/* Quoted cut short in the middle of a two-byte character. */
		{ "{\"v\":1,\"cmd\":\"x"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\"}\n",
		  PROTO_ERR_UNKNOWN_COMMAND, "?...\"" },
	};
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		tsend_str(fx, tc, cases[i].line);
		expect_error(fx, tc, cases[i].code, cases[i].msg);
	}
	assert_int_equal(fx->h.calls, 0);
	ping_ok(fx, tc);
	tclient_free(tc);
}

/*
 * Arbitrary bytes (NULs, invalid UTF-8, stray quotes) in lines of random
 * length: one answer per line that is not blank, and the connection stays.
 */
static void t_garbage_lines(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;
	size_t len = 256 * 1024, lines = 0, start = 0;
	uint32_t seed = 12345;
	char *buf = malloc(len);

	assert_non_null(buf);
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		/* About one line end in 64 bytes keeps every line far below the limit. */
		buf[i] = (seed >> 16) % 64 == 0 ? '\n' : (char)(seed >> 8);
	}
	buf[len - 1] = '\n';
	for (size_t i = 0; i < len; i++) {
		bool is_blank = true;
		size_t end = i;

		if (buf[i] != '\n')
			continue;
		if (end > start && buf[end - 1] == '\r')
			end--;
		for (size_t j = start; j < end && is_blank; j++)
			is_blank = buf[j] == ' ' || buf[j] == '\t';
		lines += !is_blank;
		start = i + 1;
	}
	tsend(fx, tc, buf, len);
	for (size_t i = 0; i < lines; i++) {
		recv_response(fx, tc, &resp);
		assert_false(resp.is_ok);
		assert_true(resp.code == PROTO_ERR_BAD_JSON || resp.code == PROTO_ERR_BAD_REQUEST);
		proto_response_clear(&resp);
	}
	expect_silence(fx, tc, 20);
	ping_ok(fx, tc);
	assert_int_equal(fx->h.calls, 1);
	free(buf);
	tclient_free(tc);
}

/* A handler that fails without a reason still produces an answer. */
static void t_handler_failure_is_internal(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);

	tsend_str(fx, tc, "{\"v\":1,\"cmd\":\"stats\"}\n");
	expect_error(fx, tc, PROTO_ERR_INTERNAL, "internal error");
	ping_ok(fx, tc);
	tclient_free(tc);
}

/* Blank lines are no requests; CRLF endings work. */
static void t_blank_lines_and_crlf(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;

	tsend_str(fx, tc, "\n\r\n   \n\t\n{\"v\":1,\"id\":1,\"cmd\":\"ping\"}\r\n\n");
	expect_ok(fx, tc, &resp);
	assert_int_equal(json_integer_value(resp.id), 1);
	proto_response_clear(&resp);
	expect_silence(fx, tc, 20);
	assert_int_equal(fx->h.calls, 1);
	tclient_free(tc);
}

/*
 * A line of exactly MCR_PROTO_MAX_LINE bytes is a request; one byte more is
 * answered at once, the rest of the line is read and dropped, and the
 * connection ends with the line (so that the client's sending does not fail
 * before it reads why); another client is served meanwhile.
 */
static void t_line_limit(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx), *other;
	struct proto_response resp;
	char *line = malloc(MCR_PROTO_MAX_LINE + 2);
	int n;

	assert_non_null(line);
	n = snprintf(line, MCR_PROTO_MAX_LINE, "{\"v\":1,\"cmd\":\"ping\",\"id\":\"");
	memset(line + n, 'x', MCR_PROTO_MAX_LINE - (size_t)n - 2);
	memcpy(line + MCR_PROTO_MAX_LINE - 2, "\"}\n", 4);
	tsend(fx, tc, line, MCR_PROTO_MAX_LINE + 1);
	expect_ok(fx, tc, &resp);
	assert_int_equal(json_string_length(resp.id), MCR_PROTO_MAX_LINE - (size_t)n - 2);
	proto_response_clear(&resp);

	memset(line, 'x', MCR_PROTO_MAX_LINE + 1);
	tsend(fx, tc, line, MCR_PROTO_MAX_LINE + 1);
	expect_error(fx, tc, PROTO_ERR_TOO_LARGE, "request too large");
	other = tclient_new(fx);
	tsend(fx, tc, line, MCR_PROTO_MAX_LINE + 1);
	ping_ok(fx, other);
	assert_int_equal(fx->c.n_clients, 2);
	tsend_str(fx, tc, "xx\n" PING);
	expect_closed(fx, tc, WAIT_MS);
	assert_int_equal(fx->c.n_clients, 1);
	assert_int_equal(fx->h.calls, 2);
	tclient_free(other);
	free(line);
	tclient_free(tc);
}

/*
 * A client that stops writing still gets the answers to what it sent, the
 * last request too when it has no '\n'; a cut-off one gets an error.
 */
static void t_half_close_gets_answers(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;

	tsend_str(fx, tc, PING PING "{\"v\":1,\"id\":3,\"cmd\":\"ping\"}");
	assert_int_equal(shutdown(tc->fd, SHUT_WR), 0);
	for (int i = 0; i < 3; i++) {
		expect_ok(fx, tc, &resp);
		proto_response_clear(&resp);
	}
	expect_closed(fx, tc, WAIT_MS);
	assert_int_equal(fx->h.calls, 3);
	tclient_free(tc);

	tc = tclient_new(fx);
	tsend_str(fx, tc, "{\"v\":1,\"cmd\":\"pi");
	assert_int_equal(shutdown(tc->fd, SHUT_WR), 0);
	expect_error(fx, tc, PROTO_ERR_BAD_JSON, "");
	expect_closed(fx, tc, WAIT_MS);
	assert_int_equal(fx->h.calls, 3);
	tclient_free(tc);
}

/* Behind a deferred answer, a half-closed client's last requests still get theirs, in order. */
static void t_half_close_behind_deferred(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;
	json_t *result = json_pack("{s:[]}", "workers");

	tsend_str(fx, tc, "{\"v\":1,\"id\":1,\"cmd\":\"workers\"}\n" PING
			  "{\"v\":1,\"id\":3,\"cmd\":\"ping\"}");
	assert_int_equal(shutdown(tc->fd, SHUT_WR), 0);
	pump(fx, 50);
	assert_int_equal(fx->h.calls, 1);
	control_reply(&fx->c, fx->h.ticket, result, NULL);
	json_decref(result);
	for (int id = 1; id <= 3; id++) {
		expect_ok(fx, tc, &resp);
		if (id != 2)
			assert_int_equal(json_integer_value(resp.id), id);
		proto_response_clear(&resp);
	}
	expect_closed(fx, tc, WAIT_MS);
	assert_int_equal(fx->h.calls, 3);
	tclient_free(tc);
}

/*
 * Past 63 clients, one that is not root is told why and closed; root takes
 * the 64th slot; the 65th client is refused whoever it is; a free slot is
 * usable again.
 */
static void t_client_limit(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tcs[MCR_CONTROL_MAX_CLIENTS], *extra;

	/* Our clients are somebody else than the "root" of this server. */
	fx->c.admin_uid = getuid() + 1;
	for (int i = 0; i < MCR_CONTROL_MAX_CLIENTS - 1; i++)
		tcs[i] = tclient_new(fx);
	extra = tclient_new(fx);
	expect_error(fx, extra, PROTO_ERR_TOO_MANY_CLIENTS, "kept for root");
	expect_closed(fx, extra, WAIT_MS);
	tclient_free(extra);
	assert_int_equal(fx->c.n_clients, MCR_CONTROL_MAX_CLIENTS - 1);

	/* Now they are root's: the last slot is theirs. */
	fx->c.admin_uid = getuid();
	tcs[MCR_CONTROL_MAX_CLIENTS - 1] = tclient_new(fx);
	assert_int_equal(fx->c.n_clients, MCR_CONTROL_MAX_CLIENTS);
	ping_ok(fx, tcs[MCR_CONTROL_MAX_CLIENTS - 1]);

	extra = tclient_new(fx);
	expect_error(fx, extra, PROTO_ERR_TOO_MANY_CLIENTS, "too many clients (at most 64)");
	expect_closed(fx, extra, WAIT_MS);
	tclient_free(extra);
	assert_int_equal(fx->c.n_clients, MCR_CONTROL_MAX_CLIENTS);

	tclient_free(tcs[0]);
	pump(fx, 20);
	assert_int_equal(fx->c.n_clients, MCR_CONTROL_MAX_CLIENTS - 1);
	tcs[0] = tclient_new(fx);
	ping_ok(fx, tcs[0]);
	for (int i = 0; i < MCR_CONTROL_MAX_CLIENTS; i++)
		ping_ok(fx, tcs[i]);
	for (int i = 0; i < MCR_CONTROL_MAX_CLIENTS; i++)
		tclient_free(tcs[i]);
	pump(fx, 20);
	assert_int_equal(fx->c.n_clients, 0);
}

/*
 * Silent clients, half lines and blank lines time out; a client that keeps
 * talking does not.
 */
static void t_idle_timeout(void **state)
{
	struct fixture *fx = *state;
	struct tclient *silent, *partial, *blank, *trickle, *active;
	uint64_t end;
	int t;

	fx->c.idle_timeout_ms = 150;
	silent = tclient_new(fx);
	t = control_next_timeout_ms(&fx->c);
	assert_true(t > 0 && t <= 150);
	partial = tclient_new(fx);
	tsend_str(fx, partial, "{\"v\":1,");
	blank = tclient_new(fx);
	trickle = tclient_new(fx);
	active = tclient_new(fx);

	end = ms_from_now(500);
	while (now_ns() < end) {
		ping_ok(fx, active);
		/* Either may be closed already: the server's side is what counts. */
		(void)send(blank->fd, "\n \r\n", 4, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)send(trickle->fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		pump(fx, 50);
	}
	expect_closed(fx, silent, 10);
	expect_closed(fx, partial, 10);
	expect_closed(fx, blank, 10);
	expect_closed(fx, trickle, 10);
	ping_ok(fx, active);
	assert_int_equal(fx->c.n_clients, 1);
	tclient_free(silent);
	tclient_free(partial);
	tclient_free(blank);
	tclient_free(trickle);
	tclient_free(active);
}

/*
 * A client that floods requests and never reads is dropped once its unread
 * responses pass out_max, while another client keeps being answered.
 */
static void t_flooding_reader_dropped(void **state)
{
	struct fixture *fx = *state;
	struct tclient *flood = tclient_new(fx), *good = tclient_new(fx);
	char chunk[sizeof(PING) * 100];
	uint64_t end = ms_from_now(10000);
	bool is_dropped = false;

	fx->c.out_max = 64 * 1024;
	for (size_t i = 0; i < 100; i++)
		memcpy(chunk + i * (sizeof(PING) - 1), PING, sizeof(PING) - 1);
	while (!is_dropped && now_ns() < end) {
		ssize_t n = send(flood->fd, chunk, 100 * (sizeof(PING) - 1),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno != EAGAIN) {
			assert_true(errno == EPIPE || errno == ECONNRESET);
			is_dropped = true;
		}
		pump_once(fx, -1, n < 0 ? 5 : 0);
	}
	assert_true(is_dropped);
	assert_int_equal(fx->c.n_clients, 1);
	ping_ok(fx, good);
	tclient_free(flood);
	tclient_free(good);
}

/* A response far bigger than the socket buffer (and than out_max) arrives whole. */
static void t_big_response(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;

	fx->c.out_max = 64 * 1024;
	fx->h.big_size = 2 << 20;
	tsend_str(fx, tc, "{\"v\":1,\"cmd\":\"config\"}\n");
	expect_ok(fx, tc, &resp);
	assert_int_equal(json_string_length(json_object_get(resp.result, "filler")), 2 << 20);
	proto_response_clear(&resp);
	ping_ok(fx, tc);
	tclient_free(tc);
}

/* A second server on a live socket is refused, and the first one keeps working. */
static void t_second_server_refused(void **state)
{
	struct fixture *fx = *state;
	struct control other;
	struct tclient *tc;

	assert_int_equal(control_init(&other, fx->path, 0660, &test_ops, &fx->h), -EADDRINUSE);
	control_exit(&other);
	tc = tclient_new(fx);
	ping_ok(fx, tc);
	tclient_free(tc);
}

/* A socket file nobody listens on is replaced; a file that is not a socket is not. */
static void t_stale_socket_replaced(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct tclient *tc;
	struct stat st;
	int fd;

	control_exit(&fx->c);
	assert_int_equal(lstat(fx->path, &st), -1);

	/* What a crashed daemon leaves behind: a bound socket file, nobody listening. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(connect_path(fx->path), -ECONNREFUSED);

	assert_int_equal(control_init(&fx->c, fx->path, 0600, &test_ops, &fx->h), 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	tc = tclient_new(fx);
	ping_ok(fx, tc);
	tclient_free(tc);

	control_exit(&fx->c);
	fd = open(fx->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(control_init(&fx->c, fx->path, 0660, &test_ops, &fx->h), -EEXIST);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	control_exit(&fx->c);
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(control_init(&fx->c, fx->path, 0660, &test_ops, &fx->h), 0);
}

/* control_exit() closes clients after their answers, removes the file, and may run twice. */
static void t_exit(void **state)
{
	struct fixture *fx = *state;
	struct tclient *tc = tclient_new(fx);
	struct proto_response resp;
	struct stat st;

	tsend_str(fx, tc, PING);
	control_exit(&fx->c);
	assert_int_equal(lstat(fx->path, &st), -1);
	expect_ok(fx, tc, &resp);
	proto_response_clear(&resp);
	assert_int_equal(tclient_fill(tc), 0);
	control_exit(&fx->c);
	tclient_free(tc);
	assert_int_equal(connect_path(fx->path), -ENOENT);
	assert_int_equal(control_init(&fx->c, fx->path, 0660, &test_ops, &fx->h), 0);
}

/*
 * A forked child that forgets the server closes its copies of every
 * descriptor (a client then sees the end of the stream when the parent
 * hangs up, even while the child lives) and leaves the socket file alone.
 */
static void t_forget_in_child(void **state)
{
	struct fixture *fx = *state;
	int ready[2], release[2];
	struct tclient *tc, *other;
	struct stat st;
	char byte = 0;
	pid_t pid;
	int status;

	/* The parent will drop the client for being idle. */
	fx->c.idle_timeout_ms = 300;
	tc = tclient_new(fx);
	other = tclient_new(fx);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(release, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Only the parent holds the write end: if it dies, read() ends this child. */
		bool is_ok;

		(void)close(release[1]);
		tclient_free(tc);
		tclient_free(other);
		control_forget(&fx->c);
		/* Tell the parent, then live on until it has checked. */
		is_ok = write(ready[1], "x", 1) == 1 && read(release[0], &byte, 1) == 1 &&
			control_fd(&fx->c) == -1;
		_exit(is_ok ? 0 : 1);
	}
	(void)close(release[0]);
	release[0] = -1;
	assert_int_equal(read(ready[0], &byte, 1), 1);

	/* The child's forgetting left the parent's epoll set as it was. */
	ping_ok(fx, other);
	/* With the child's copy of the connection gone, the client sees EOF. */
	expect_closed(fx, tc, WAIT_MS);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_int_equal(write(release[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(lstat(fx->path, &st), 0);
	tclient_free(tc);
	tclient_free(other);
	tc = tclient_new(fx);
	ping_ok(fx, tc);
	tclient_free(tc);
	(void)close(ready[0]);
	(void)close(ready[1]);
	(void)close(release[1]);
}

static void t_path_too_long(void **state)
{
	char path[200];
	struct control c;

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(control_init(&c, path, 0660, &test_ops, NULL), -ENAMETOOLONG);
	control_exit(&c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_socket_file),
		T(t_ping_round_trip),
		T(t_id_echo),
		T(t_deferred_reply),
		T(t_deferred_error_and_gone),
		T(t_pipelined_in_order),
		T(t_split_request),
		T(t_bad_requests_keep_connection),
		T(t_garbage_lines),
		T(t_handler_failure_is_internal),
		T(t_blank_lines_and_crlf),
		T(t_line_limit),
		T(t_half_close_gets_answers),
		T(t_half_close_behind_deferred),
		T(t_client_limit),
		T(t_idle_timeout),
		T(t_flooding_reader_dropped),
		T(t_big_response),
		T(t_second_server_refused),
		T(t_stale_socket_replaced),
		T(t_exit),
		T(t_forget_in_child),
		cmocka_unit_test(t_path_too_long),
	};

	/* The cases provoke every warning and error the server logs: keep the output to results. */
	log_init("test_control", false, LOG_CRIT);
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
