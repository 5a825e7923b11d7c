// SPDX-License-Identifier: MIT
/*
 * The control-request handler: each line of the input is one request line
 * as a client sends it, read as the control server reads it (a trailing
 * '\r' dropped, blank lines skipped), validated by proto_request_parse()
 * and handed to the supervisor's real command handlers (commands.c).  The
 * supervisor under them is a fake with no sockets and no workers: a change
 * commits at once, or every other one is refused as a worker would refuse
 * it; "reload" re-reads a fixed configuration; "stats" answers with a fixed
 * document.  Every answer must make a response line that mcrctl can read
 * back; the server drops a client whose answer cannot be written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/proto.h"
#include "config/config_diff.h"
#include "fuzz.h"
#include "mcrd/membership/follow.h"
#include "mcrd/supervisor/change.h"
#include "mcrd/supervisor/commands.h"

/* What a fuzzed session starts with, and what "reload" reads. */
static const char BASE_CONFIG[] =
	"{\"rules\": ["
	"{\"name\": \"cam\", \"input\": {\"interface\": \"in0\", \"group\": \"239.1.1.1\", \"port\": 5000},"
	" \"outputs\": [{\"interface\": \"out0\"}, {\"interface\": \"out1\", \"group\": \"239.2.2.2\"}]},"
	"{\"input\": {\"interface\": \"in0\", \"group\": \"239.1.1.2\"},"
	" \"outputs\": [{\"interface\": \"out0\", \"ttl\": \"keep\", \"source\": \"keep\"}]}]}";

/* BASE_CONFIG loaded and resolved, read only: each session starts from a copy. */
static struct mcr_config base;

/* BASE_CONFIG as a resolved configuration into @cfg (config_init()ed). */
static void load_base(struct mcr_config *cfg)
{
	struct config_error err = { "" };
	int ret = config_load_string(cfg, BASE_CONFIG, &err);

	if (ret == 0)
		ret = config_resolve(cfg, &err);
	FUZZ_CHECK(ret == 0, "the base configuration does not load: %s", err.msg);
}

/* More lines add nothing the fuzzer cannot find with fewer. */
#define LINES_MAX	32

/* The fake supervisor's side: what is deferred, and the session's state. */
struct fake {
	struct supervisor s;		/* first: commands.c's struct supervisor * is a struct fake * */
	struct mcr_config cfg;
	uint64_t next_ticket;
	uint64_t deferred;		/* the ticket handed out for this request, 0: none */
	bool is_answered;		/* control_reply() came for it */
	uint64_t stats_ticket;
	bool has_change;
	struct mcr_config next;
	supervisor_change_fn done;
	void *done_ctx;
	unsigned int n_changes;
	struct config_diff reload_diff;
	bool has_reload_diff;
};

static struct fake *fake_of(struct supervisor *s)
{
	return (struct fake *)s;
}

/* A response line must be one line that proto_response_parse() reads back. */
static void check_response_line(char *line, bool is_ok)
{
	struct proto_response resp;
	struct proto_error err;
	size_t len;

	FUZZ_CHECK(line, "the response line could not be built (the server would drop the client)");
	len = strlen(line);
	FUZZ_CHECK(len > 0 && line[len - 1] == '\n' && !memchr(line, '\n', len - 1),
		   "response is not exactly one line: %s", line);
	FUZZ_CHECK(proto_response_parse(line, len - 1, &resp, &err) == 0,
		   "response %s does not parse: %s", line, err.message);
	FUZZ_CHECK(resp.is_ok == is_ok, "response %s: ok is %d, expected %d", line, resp.is_ok,
		   is_ok);
	proto_response_clear(&resp);
	free(line);
}

/* ---- what commands.c calls: the control server's and the supervisor's side ---- */

uint64_t control_defer(struct control *c)
{
	struct fake *f = (struct fake *)((char *)c - offsetof(struct supervisor, ctl));

	FUZZ_CHECK(f->deferred == 0, "a request deferred twice");
	f->deferred = ++f->next_ticket;
	return f->deferred;
}

void control_reply(struct control *c, uint64_t ticket, json_t *result,
		   const struct proto_error *err)
{
	struct fake *f = (struct fake *)((char *)c - offsetof(struct supervisor, ctl));

	FUZZ_CHECK(ticket == f->deferred && !f->is_answered, "reply for ticket %llu, deferred %llu",
		   (unsigned long long)ticket, (unsigned long long)f->deferred);
	f->is_answered = true;
	if (result)
		check_response_line(proto_response_ok(NULL, result), true);
	else
		check_response_line(proto_response_error(NULL, err->code, err->message), false);
}

int supervisor_change(struct supervisor *s, struct mcr_config *next, supervisor_change_fn done,
		      void *ctx, struct config_error *err)
{
	struct fake *f = fake_of(s);

	if (f->has_change) {
		config_free(next);
		(void)snprintf(err->msg, sizeof(err->msg), "another change is under way");
		return -EBUSY;
	}
	f->has_change = true;
	f->next = *next;
	config_init(next);
	f->done = done;
	f->done_ctx = ctx;
	return 0;
}

int supervisor_reload(struct supervisor *s, supervisor_change_fn done, void *ctx,
		      const struct config_diff **ret_diff, struct config_error *err)
{
	struct fake *f = fake_of(s);
	struct mcr_config next;
	int ret;

	config_init(&next);
	load_base(&next);
	FUZZ_CHECK(!f->has_reload_diff, "a reload's diff left over");
	if (config_diff(s->cfg, &next, &f->reload_diff) < 0) {
		config_free(&next);
		(void)snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	f->has_reload_diff = true;
	ret = supervisor_change(s, &next, done, ctx, err);
	if (ret == 0 && ret_diff)
		*ret_diff = &f->reload_diff;
	return ret;
}

void supervisor_stats_request(struct supervisor *s, uint64_t ticket)
{
	fake_of(s)->stats_ticket = ticket;
}

json_t *supervisor_workers_json(const struct supervisor *s)
{
	(void)s;
	return json_pack("[{s:i, s:i, s:i, s:i, s:s}]", "id", 0, "cpu", 0, "pid", 4242,
			 "restarts", 0, "state", "running");
}

/* membership/follow.h: no interface is watched here. */
json_t *follow_groups_json(const struct supervisor *s)
{
	(void)s;
	return json_pack("{s:[]}", "interfaces");
}

void supervisor_broadcast_log_level(struct supervisor *s, int level)
{
	(void)s;
	(void)level;
}

/* A deep copy, as change.c makes one: the rules and their outputs. */
int change_config_dup(struct mcr_config *ret, const struct mcr_config *src)
{
	*ret = *src;
	ret->n_rules = 0;
	ret->rules = src->n_rules ? calloc(src->n_rules, sizeof(*ret->rules)) : NULL;
	if (src->n_rules && !ret->rules)
		return -ENOMEM;
	for (size_t i = 0; i < src->n_rules; i++) {
		struct mcr_rule *r = &ret->rules[i];

		*r = src->rules[i];
		r->outputs = calloc(r->n_outputs, sizeof(*r->outputs));
		if (!r->outputs) {
			config_free(ret);
			return -ENOMEM;
		}
		memcpy(r->outputs, src->rules[i].outputs, r->n_outputs * sizeof(*r->outputs));
		ret->n_rules = i + 1;
	}
	return 0;
}

/* ---- the session ---- */

/* The change a request started ends now: every other one is refused. */
static void finish_change(struct fake *f)
{
	int ret = 0;

	if (!f->has_change)
		return;
	f->has_change = false;
	if (++f->n_changes % 2 == 0) {
		ret = -EIO;
		config_free(&f->next);
	} else {
		config_free(&f->cfg);
		f->cfg = f->next;
	}
	config_init(&f->next);
	f->done(&f->s, f->done_ctx, ret, ret ? "worker 0 refused the change: fuzzing" : "");
	if (f->has_reload_diff) {
		config_diff_free(&f->reload_diff);
		f->has_reload_diff = false;
	}
}

static void answer_stats(struct fake *f)
{
	json_t *doc = json_pack("{s:s, s:[], s:o}", "version", MCR_VERSION, "rules", "workers",
				supervisor_workers_json(&f->s));

	FUZZ_CHECK(doc, "out of memory");
	control_reply(&f->s.ctl, f->stats_ticket, doc, NULL);
	json_decref(doc);
	f->stats_ticket = 0;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* One request line, answered now or once its change is over; as control.c's client_answer(). */
static void answer(struct fake *f, const char *line, size_t len)
{
	struct proto_request req;
	struct proto_error err;
	json_t *result;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (is_blank(line, len))
		return;
	if (proto_request_parse(line, len, &req, &err) < 0) {
		FUZZ_CHECK(err.code != PROTO_OK, "a refused request without an error code");
		check_response_line(proto_response_error(req.id, err.code, err.message), false);
		proto_request_clear(&req);
		return;
	}
	err.code = PROTO_ERR_INTERNAL;
	(void)snprintf(err.message, sizeof(err.message), "internal error");
	f->deferred = 0;
	f->is_answered = false;
	result = commands_handle(&f->s, &req, &err);
	if (f->deferred) {
		FUZZ_CHECK(!result, "a deferred request returned a result too");
		finish_change(f);
		if (f->stats_ticket)
			answer_stats(f);
		FUZZ_CHECK(f->is_answered, "a deferred request was never answered");
	} else {
		FUZZ_CHECK(!f->has_change, "a change started but the request was not deferred");
		if (result)
			check_response_line(proto_response_ok(req.id, result), true);
		else
			check_response_line(proto_response_error(req.id, err.code, err.message),
					    false);
	}
	json_decref(result);
	proto_request_clear(&req);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Quiet: commands log every change, at notice and info. */
	log_init("fuzz_control", false, LOG_CRIT);
	config_init(&base);
	load_base(&base);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake *f = calloc(1, sizeof(*f));
	/* A client may send any byte, NUL too: lines are split as the server splits them. */
	const char *line = (const char *)data, *end = line + size, *nl;

	FUZZ_CHECK(f, "out of memory");
	log_set_level(LOG_CRIT);	/* "log-level" changes it */
	config_init(&f->next);
	FUZZ_CHECK(change_config_dup(&f->cfg, &base) == 0, "out of memory");
	f->s.cfg = &f->cfg;
	f->s.has_control = true;
	for (int n = 0; n < LINES_MAX && line < end; n++) {
		nl = memchr(line, '\n', (size_t)(end - line));
		answer(f, line, (size_t)((nl ? nl : end) - line));
		line = nl ? nl + 1 : end;
	}
	config_free(&f->cfg);
	config_free(&f->next);
	free(f);
	return 0;
}
