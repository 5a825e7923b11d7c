// SPDX-License-Identifier: MIT
/*
 * mcrctl against a daemon that answers anything: the whole of mcrctl (its
 * main() renamed mcrctl_main by the Makefile) with its socket client
 * (client.c) replaced by one whose responses are the lines of the input.
 * The first byte picks the command line, the rest are the response lines,
 * one per request mcrctl makes.  So the response parser and every
 * command's reading and printing of a result see any bytes a broken or
 * hostile mcrd could send; whatever they are, mcrctl must not crash, leak
 * or exit, only print and return its exit code.  Its tables go to
 * /dev/null; its complaints stay on stderr (which run.sh has libFuzzer
 * close, -close_fd_mask=3, keeping the sanitizers' reports).
 */
#include <errno.h>
#include <getopt.h>
#include <sys/syscall.h>
#include <time.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/proto.h"
#include "fuzz.h"
#include "mcrctl/client.h"

int mcrctl_main(int argc, char **argv);

/*
 * The command lines tried, by the input's first byte (mod their number);
 * new ones go at the end, so that the seeds keep their commands.
 */
static const char *const COMMANDS[][12] = {
	{ "list" },
	{ "stats" },
	{ "stats", "-v" },
	{ "workers" },
	{ "version" },
	{ "ping" },
	{ "reload" },
	{ "shutdown" },
	{ "log-level" },
	{ "log-level", "debug" },
	{ "config", "show" },
	{ "remove", "cam" },
	{ "add", "--input-interface", "in0", "--input-group", "239.1.1.1", "--output", "out0",
	  "--output", "out1,239.2.2.2:6000", "--ttl", "keep" },
	{ "add", "--json", "{\"input\": {\"interface\": \"in0\", \"group\": \"239.1.1.1\"}, "
			   "\"outputs\": [{\"interface\": \"out0\"}]}" },
	{ "watch", "--count", "2", "--interval", "10" },
	{ "config", "load", "examples/demo.json" },
	{ "groups" },
};
#define N_COMMANDS	(sizeof(COMMANDS) / sizeof(COMMANDS[0]))
#define ARGS_MAX	16

/* The daemon's side of the session: the response lines not read yet. */
static struct {
	const char *next, *end;
} replies;

static int devnull = -1;
/* mcrctl is running on this thread: its sleeps (watch's interval) take no time. */
static _Thread_local bool is_in_mcrctl;

/*
 * nanosleep() for the whole binary: no wait inside mcrctl, so that "watch"
 * costs no more than a command; a real one elsewhere (libFuzzer's own
 * threads sleep too).
 */
int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (is_in_mcrctl)
		return 0;
	return (int)syscall(SYS_nanosleep, req, rem);
}

/* ---- client.h, answered from the input ---- */

int client_open(struct client *cl, const char *path, int timeout_ms)
{
	(void)path;
	*cl = (struct client){ .fd = -1, .timeout_ms = timeout_ms, .next_id = 1 };
	return 0;
}

void client_close(struct client *cl)
{
	cl->fd = -1;
}

/* As client.c's client_call(), with the next input line as what mcrd sent. */
int client_call(struct client *cl, enum proto_cmd cmd, json_t *args, struct proto_response *ret,
		struct proto_error *err)
{
	long long id = cl->next_id++;
	json_t *id_json = json_integer(id), *req;
	const char *line = replies.next, *nl;
	char *sent;

	*ret = (struct proto_response){ 0 };
	req = proto_request_new(cmd, id_json, args);
	json_decref(id_json);
	FUZZ_CHECK(req, "proto_request_new: out of memory");
	sent = proto_line(req);
	FUZZ_CHECK(sent, "proto_line: out of memory");
	json_decref(req);
	free(sent);
	if (line >= replies.end)
		return -ECONNRESET;
	nl = memchr(line, '\n', (size_t)(replies.end - line));
	replies.next = nl ? nl + 1 : replies.end;
	if (proto_response_parse(line, (size_t)((nl ? nl : replies.end) - line), ret, err) < 0)
		return -EPROTO;
	return proto_response_check_id(ret, id, err) < 0 ? -EPROTO : 0;
}

/* ---- the session ---- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	FUZZ_CHECK(devnull >= 0, "/dev/null: cannot open");
	return 0;
}

/* mcrctl with its stdout on /dev/null, restored after. */
static int run_mcrctl(int argc, char **argv)
{
	int saved, rc;

	(void)fflush(stdout);
	saved = dup(STDOUT_FILENO);
	FUZZ_CHECK(saved >= 0 && dup2(devnull, STDOUT_FILENO) >= 0, "cannot redirect stdout");
	is_in_mcrctl = true;
	rc = mcrctl_main(argc, argv);
	is_in_mcrctl = false;
	(void)fflush(stdout);
	FUZZ_CHECK(dup2(saved, STDOUT_FILENO) >= 0, "cannot restore stdout");
	(void)close(saved);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *words[ARGS_MAX + 1] = { "mcrctl", "--socket", "/nonexistent/mcrd.sock" };
	char *argv[ARGS_MAX + 1] = { NULL };
	const char *const *cmd;
	int argc = 3, rc;

	if (size == 0)
		return 0;
	if (data[0] & 0x80)
		words[argc++] = "--json";
	cmd = COMMANDS[(data[0] & 0x7f) % N_COMMANDS];
	for (size_t i = 0; i < 12 && cmd[i]; i++)
		words[argc++] = cmd[i];
	/* getopt may permute argv: give it copies, as a process gets its own. */
	for (int i = 0; i < argc; i++) {
		argv[i] = strdup(words[i]);
		FUZZ_CHECK(argv[i], "out of memory");
	}
	replies.next = (const char *)data + 1;
	replies.end = (const char *)data + size;
	/* getopt keeps its place between calls: start it afresh, as a new process would. */
	optind = 0;
	rc = run_mcrctl(argc, argv);
	FUZZ_CHECK(rc >= 0 && rc <= 2, "mcrctl exit code %d", rc);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
