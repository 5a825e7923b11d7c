/* SPDX-License-Identifier: MIT */
/*
 * What mcrctl's commands share: the global options, the command table's
 * entry type, calls to mcrd that report their own failures, and the exit
 * codes.  Each cmd_*.c file implements one group of verbs.
 *
 * Exit codes: 0 success; 1 mcrd could not be reached or refused the
 * request; 2 (EXIT_USAGE) bad usage or an invalid file.
 */
#ifndef MCRCTL_CMD_H
#define MCRCTL_CMD_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "common/proto.h"
#include "common/util.h"
#include "mcrctl/client.h"

struct mcrctl {
	const char *socket_path;
	int timeout_ms;
	bool is_json;
};

struct mcrctl_cmd {
	const char *name;
	enum proto_cmd proto;	/* the protocol command it sends, or PROTO_CMD_MAX */
	const char *synopsis;	/* what follows the name in usage lines */
	const char *summary;	/* one line; NULL takes the protocol command's */
	const char *help;	/* more for "COMMAND --help", or NULL */
	int (*run)(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
};

/* Options every command takes after its name (-j/--json, -h/--help). */
#define MCRCTL_COMMON_OPTIONS \
	{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }

/*
 * getopt_long() over a command's arguments (argv[0] is the command name).
 * @shortopts and @longopts must include "jh" and MCRCTL_COMMON_OPTIONS;
 * --json sets m->is_json here ("--help" never gets this far: main()
 * answers it).  Returns the next option for the command, -1 at the end,
 * or '?' after printing a usage error (exit with EXIT_USAGE).
 */
int mcrctl_getopt(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv,
		  const char *shortopts, const struct option *longopts);

/* Prints "mcrctl: NAME: message" and the command's usage line; returns EXIT_USAGE. */
int mcrctl_usage_error(const struct mcrctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * For commands with only the common options and exactly @n_args operands,
 * which are then argv[optind...].  Returns 0 or EXIT_USAGE (after saying why).
 */
int mcrctl_args(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv,
		int n_args);
/* The same, for min_args to max_args operands. */
int mcrctl_args_between(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv,
			int min_args, int max_args);

/*
 * Connect to mcrd, explaining a failure on stderr.  Returns 0 or
 * EXIT_FAILURE.
 */
int mcrctl_connect(const struct mcrctl *m, struct client *cl);

/*
 * One request on an open connection.  Returns 0 with *ret_result (a new
 * reference), or EXIT_FAILURE after printing why: the daemon's message
 * for an error response, a timeout, a lost connection.
 */
int mcrctl_call(const struct mcrctl *m, struct client *cl, enum proto_cmd cmd, json_t *args,
		json_t **ret_result);

/* Connect, one request, close. */
int mcrctl_request(const struct mcrctl *m, enum proto_cmd cmd, json_t *args, json_t **ret_result);

/* @obj's string member @key, or @fallback when it is missing or not a string. */
static inline const char *json_str_or(const json_t *obj, const char *key, const char *fallback)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : fallback;
}

/* @obj's integer member @key, or 0. */
static inline long long json_int_of(const json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

/* @obj's number member @key (integer or real), or 0. */
static inline double json_num_of(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

/* A JSON value on stdout, indented, with a newline. */
void mcrctl_print_json(const json_t *v);
/*
 * mcrctl_request(), and with --json print the result too: then *ret_result
 * is NULL on return and the command has nothing left to do.
 */
int mcrctl_fetch(const struct mcrctl *m, enum proto_cmd cmd, json_t *args, json_t **ret_result);

/* The verbs, one group per file. */
int cmd_add(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_remove(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_list(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_stats(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_watch(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_workers(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_ping(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_version(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_reload(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_shutdown(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_log_level(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_config(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);
int cmd_groups(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv);

#endif
