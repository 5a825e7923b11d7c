// SPDX-License-Identifier: MIT
/*
 * mcrctl's daemon-level verbs: ping, version, workers, reload, shutdown and
 * log-level.  Each sends one request and prints a sentence or a small table
 * (or, with --json, the result as mcrd sent it).
 */
#include <stdio.h>
#include <stdlib.h>

#include "mcrctl/cmd.h"
#include "mcrctl/table.h"

/* Sends a request without arguments; prints @done (or the JSON result) on success. */
static int simple_request(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc,
			  char **argv, const char *done)
{
	json_t *result;
	int rc;

	rc = mcrctl_args(m, cmd, argc, argv, 0);
	if (rc)
		return rc;
	rc = mcrctl_fetch(m, cmd->proto, NULL, &result);
	if (rc || !result)
		return rc;
	(void)printf("%s\n", done);
	json_decref(result);
	return EXIT_SUCCESS;
}

int cmd_ping(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	struct client cl;
	json_t *result;
	uint64_t start;
	int rc;

	rc = mcrctl_args(m, cmd, argc, argv, 0);
	if (rc)
		return rc;
	rc = mcrctl_connect(m, &cl);
	if (rc)
		return rc;
	start = now_ns();
	rc = mcrctl_call(m, &cl, PROTO_CMD_PING, NULL, &result);
	client_close(&cl);
	if (rc)
		return rc;
	if (m->is_json)
		mcrctl_print_json(result);
	else
		(void)printf("mcrd at %s answered in %.3f ms\n", m->socket_path,
			     (double)(now_ns() - start) / (double)NSEC_PER_MSEC);
	json_decref(result);
	return EXIT_SUCCESS;
}

int cmd_version(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	json_t *result;
	int rc;

	rc = mcrctl_args(m, cmd, argc, argv, 0);
	if (rc)
		return rc;
	rc = mcrctl_request(m, PROTO_CMD_VERSION, NULL, &result);
	if (rc)
		return rc;
	if (m->is_json) {
		mcrctl_print_json(result);
	} else {
		(void)printf("mcrctl %s (protocol %d)\n", MCR_VERSION, MCR_PROTO_VERSION);
		(void)printf("mcrd %s (protocol %lld)\n",
			     json_str_or(result, "version", "?"), json_int_of(result, "protocol"));
	}
	json_decref(result);
	return EXIT_SUCCESS;
}

int cmd_workers(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	static const char *const cols[] = { ">ID", ">CPU", ">PID", "STATE", ">RESTARTS", NULL };
	struct table t;
	json_t *result, *workers, *w;
	size_t i;
	int rc;

	rc = mcrctl_args(m, cmd, argc, argv, 0);
	if (rc)
		return rc;
	rc = mcrctl_fetch(m, PROTO_CMD_WORKERS, NULL, &result);
	if (rc || !result)
		return rc;
	workers = json_object_get(result, "workers");
	table_init(&t, cols);
	json_array_foreach(workers, i, w) {
		table_row(&t);
		table_cell(&t, "%lld", json_int_of(w, "id"));
		table_cell(&t, "%lld", json_int_of(w, "cpu"));
		table_cell(&t, "%lld", json_int_of(w, "pid"));
		table_cell(&t, "%s", json_str_or(w, "state", "?"));
		table_cell(&t, "%lld", json_int_of(w, "restarts"));
	}
	rc = table_print(&t, stdout);
	table_free(&t);
	json_decref(result);
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* "added: a, b" for a non-empty list of names in the reload's reply. */
static void print_names(const json_t *result, const char *key)
{
	const json_t *names = json_object_get(result, key), *v;
	size_t i;

	if (json_array_size(names) == 0)
		return;
	(void)printf("  %s:", key);
	json_array_foreach(names, i, v) {
		const char *name = json_string_value(v);

		(void)printf("%s %s", i ? "," : "", name ? name : "?");
	}
	(void)printf("\n");
}

int cmd_reload(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	json_t *result;
	int rc;

	rc = mcrctl_args(m, cmd, argc, argv, 0);
	if (rc)
		return rc;
	rc = mcrctl_fetch(m, PROTO_CMD_RELOAD, NULL, &result);
	if (rc || !result)
		return rc;
	if (json_is_integer(json_object_get(result, "rules")))
		(void)printf("mcrd reloaded its configuration: %lld rules\n",
			     json_int_of(result, "rules"));
	else
		(void)printf("mcrd reloaded its configuration\n");
	print_names(result, "added");
	print_names(result, "changed");
	print_names(result, "removed");
	print_names(result, "settings");
	if (json_is_integer(json_object_get(result, "unchanged")))
		(void)printf("  unchanged: %lld\n", json_int_of(result, "unchanged"));
	json_decref(result);
	return EXIT_SUCCESS;
}

int cmd_shutdown(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	return simple_request(m, cmd, argc, argv, "mcrd is shutting down");
}

/* Without an argument: the level in force. */
static int show_log_level(struct mcrctl *m)
{
	json_t *result;
	int rc = mcrctl_fetch(m, PROTO_CMD_LOG_LEVEL, NULL, &result);

	if (rc || !result)
		return rc;
	/* An answer without the level printed "(null)", or crashed in puts(). */
	(void)printf("%s\n", json_str_or(result, "level", "?"));
	json_decref(result);
	return EXIT_SUCCESS;
}

int cmd_log_level(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	struct proto_request req;
	struct proto_error err;
	json_t *args, *probe, *result;
	const char *level;
	int rc;

	rc = mcrctl_args_between(m, cmd, argc, argv, 0, 1);
	if (rc)
		return rc;
	if (optind == argc)
		return show_log_level(m);
	level = argv[optind];
	args = json_pack("{s:s}", "level", level);
	/* The daemon would refuse a bad level the same way; say it before connecting. */
	probe = args ? proto_request_new(PROTO_CMD_LOG_LEVEL, NULL, args) : NULL;
	if (!probe) {
		json_decref(args);
		(void)fprintf(stderr, "mcrctl: out of memory\n");
		return EXIT_FAILURE;
	}
	rc = proto_request_from_json(probe, &req, &err);
	proto_request_clear(&req);
	json_decref(probe);
	if (rc < 0) {
		json_decref(args);
		return mcrctl_usage_error(cmd, "%s", err.message);
	}
	rc = mcrctl_fetch(m, PROTO_CMD_LOG_LEVEL, args, &result);
	json_decref(args);
	if (rc || !result)
		return rc;
	(void)printf("mcrd log level is now %s\n", level);
	json_decref(result);
	return EXIT_SUCCESS;
}
