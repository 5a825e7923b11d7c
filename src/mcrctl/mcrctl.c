// SPDX-License-Identifier: MIT
/*
 * mcrctl: the command-line client of mcrd's control socket.  This file
 * holds the command table (which drives dispatch and every usage text),
 * the global options, and the calls that turn a failed connection or an
 * error response into one clear message and an exit code.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mcrctl/cmd.h"

#define DEFAULT_TIMEOUT_MS	5000
#define TIMEOUT_MAX_S		3600

static const struct mcrctl_cmd commands[] = {
	{ "add", PROTO_CMD_ADD,
	  "--input-interface IF --input-group GROUP [--input-port PORT] [--source IP]\n"
	  "           [--vlan VID] [--name NAME] --output IF[,GROUP[:PORT]]... [--ttl N|keep|decrement]\n"
	  "           [--output-source relay|keep|IP] [--when always|joined] [--downstream IF[+IF...]]...\n"
	  "       mcrctl add --json RULE",
	  NULL,
	  "Add a rule to the running mcrd.  --output may be repeated; an output without\n"
	  "GROUP or PORT keeps the input's.  --ttl and --output-source (the address the\n"
	  "outputs send from; --source is the input's sender) apply to every output, and so\n"
	  "does --when joined (send only while the group has listeners there).  --json takes\n"
	  "a whole rule object in the configuration file's form instead of the flags.\n"
	  "--downstream lists interfaces the rule relays to only while the group has\n"
	  "listeners there (igmpproxy's downstream interfaces); it may stand instead of\n"
	  "--output, and --ttl and --output-source apply to it too.\n"
	  "--vlan: the rule takes frames tagged with that VLAN (1-4094), not untagged ones.\n"
	  "mcrd checks the rule and answers with the message naming any bad field.",
	  cmd_add },
	{ "remove", PROTO_CMD_REMOVE, "NAME", NULL, NULL, cmd_remove },
	{ "list", PROTO_CMD_LIST, "", NULL,
	  "One line per rule: name, input interface, VLAN (- = untagged), group:port\n"
	  "(* = any port), source (* = any) and the outputs in the --rule shorthand's form\n"
	  "(a downstream list last: downstream=IF+IF).",
	  cmd_list },
	{ "stats", PROTO_CMD_STATS, "[-v]", NULL,
	  "Per rule: average packet rates in and out since mcrd started, packets,\n"
	  "drops and send errors; per input: frames, malformed frames, fragments and\n"
	  "buffer exhaustion.  -v adds a line per output.",
	  cmd_stats },
	{ "watch", PROTO_CMD_STATS, "[--interval MS] [--count N]",
	  "redraw current packet rates per rule (and output) until Ctrl-C",
	  "Ask for stats every MS milliseconds (default 1000) and show the rates over\n"
	  "each interval, redrawing the screen.  --count stops after N updates.  With\n"
	  "--json, print one JSON object per update instead.",
	  cmd_watch },
	{ "workers", PROTO_CMD_WORKERS, "", NULL, NULL, cmd_workers },
	{ "groups", PROTO_CMD_GROUPS, "", NULL,
	  "Per interface with a \"when\": \"joined\" output: our address, the link's\n"
	  "IGMP querier (us, another router, or listen only), the next query and when\n"
	  "the other querier is presumed gone, queries sent and received, malformed\n"
	  "IGMP packets.  Then each group with its listeners: mode, group timer, the\n"
	  "last host to report, and the requested sources with their timers.",
	  cmd_groups },
	{ "reload", PROTO_CMD_RELOAD, "", NULL, NULL, cmd_reload },
	{ "ping", PROTO_CMD_PING, "", NULL, NULL, cmd_ping },
	{ "version", PROTO_CMD_VERSION, "", NULL, NULL, cmd_version },
	{ "shutdown", PROTO_CMD_SHUTDOWN, "", NULL, NULL, cmd_shutdown },
	{ "log-level", PROTO_CMD_LOG_LEVEL, "[error|warning|notice|info|debug]", NULL, NULL,
	  cmd_log_level },
	{ "config", PROTO_CMD_CONFIG, "show | save FILE | load FILE | check FILE",
	  "show, save, replace or check the configuration",
	  "show        print the running configuration (the file format)\n"
	  "save FILE   write it to FILE\n"
	  "load FILE   make the running rules those of FILE: remove the rules FILE does\n"
	  "            not have, replace the ones that differ, add the new ones (other\n"
	  "            settings in FILE are not applied; use reload for those)\n"
	  "check FILE  validate FILE here, without mcrd (exit 0, or 2 with the message)",
	  cmd_config },
};

static const char *cmd_summary(const struct mcrctl_cmd *cmd)
{
	return cmd->summary ? cmd->summary : proto_cmd_info(cmd->proto)->summary;
}

static void usage(FILE *f)
{
	(void)fprintf(f,
		"Usage: mcrctl [--socket PATH] [--json] [--timeout SEC] COMMAND [ARGS]\n"
		"Control a running mcrd through its control socket.\n"
		"\n"
		"  -s, --socket PATH   the control socket (default %s)\n"
		"  -j, --json          print results as JSON\n"
		"  -t, --timeout SEC   wait at most SEC seconds for mcrd (default 5)\n"
		"  -h, --help          show this help (COMMAND --help: that command's)\n"
		"  -V, --version       show mcrctl's version\n"
		"\n"
		"Commands:\n",
		MCR_CONTROL_SOCKET);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		(void)fprintf(f, "  %-10s %s\n", commands[i].name, cmd_summary(&commands[i]));
	(void)fprintf(f,
		"\n"
		"Exit status: 0 success, 1 mcrd unreachable or the request refused,\n"
		"2 bad usage or an invalid file.  See mcrctl(8).\n");
}

static void cmd_usage_line(FILE *f, const struct mcrctl_cmd *cmd)
{
	(void)fprintf(f, "Usage: mcrctl %s%s%s\n", cmd->name, cmd->synopsis[0] ? " " : "",
		      cmd->synopsis);
}

static void cmd_help(const struct mcrctl_cmd *cmd)
{
	cmd_usage_line(stdout, cmd);
	(void)printf("%c%s.\n", toupper((unsigned char)cmd_summary(cmd)[0]), cmd_summary(cmd) + 1);
	if (cmd->help)
		(void)printf("\n%s\n", cmd->help);
}

int mcrctl_usage_error(const struct mcrctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(stderr, "mcrctl: %s: ", cmd->name);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	cmd_usage_line(stderr, cmd);
	return EXIT_USAGE;
}

int mcrctl_args_between(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv,
			int min_args, int max_args)
{
	static const struct option options[] = { MCRCTL_COMMON_OPTIONS, { NULL, 0, NULL, 0 } };
	int c;

	while ((c = mcrctl_getopt(m, cmd, argc, argv, "jh", options)) != -1)
		if (c == '?')
			return EXIT_USAGE;
	if (argc - optind < min_args)
		return mcrctl_usage_error(cmd, "missing argument");
	if (argc - optind > max_args)
		return mcrctl_usage_error(cmd, "unexpected argument \"%s\"", argv[optind + max_args]);
	return 0;
}

int mcrctl_args(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv,
		int n_args)
{
	return mcrctl_args_between(m, cmd, argc, argv, n_args, n_args);
}

int mcrctl_getopt(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv,
		  const char *shortopts, const struct option *longopts)
{
	int c;

	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, shortopts, longopts, NULL);
		if (c == '?') {
			(void)mcrctl_usage_error(cmd, "bad option \"%s\" (or it lacks its value)",
						 argv[optind - 1]);
			return '?';
		}
		if (c != 'j')
			return c;
		m->is_json = true;
	}
}

/* Why the socket refuses us: name its group, which is what the user can join. */
static void explain_access(const char *path)
{
	struct stat st;
	struct group *gr;

	if (stat(path, &st) < 0) {
		(void)fprintf(stderr,
			      "mcrctl: (run as root, or as a member of the socket's group)\n");
		return;
	}
	gr = getgrgid(st.st_gid);
	if (gr)
		(void)fprintf(stderr,
			      "mcrctl: (the socket is mode %04o, group \"%s\": run as root or as a member of \"%s\")\n",
			      (unsigned int)(st.st_mode & 07777), gr->gr_name, gr->gr_name);
	else
		(void)fprintf(stderr,
			      "mcrctl: (the socket is mode %04o, group %u: run as root or as a member of that group)\n",
			      (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_gid);
}

int mcrctl_connect(const struct mcrctl *m, struct client *cl)
{
	int rc = client_open(cl, m->socket_path, m->timeout_ms);

	if (rc == 0)
		return 0;
	if (rc == -ENOENT || rc == -ECONNREFUSED || rc == -ENOTDIR)
		(void)fprintf(stderr,
			      "mcrctl: cannot reach mcrd at %s: %s (is mcrd running? see --socket)\n",
			      m->socket_path, strerror(-rc));
	else if (rc == -EACCES || rc == -EPERM)
		(void)fprintf(stderr, "mcrctl: cannot reach mcrd at %s: %s\n", m->socket_path,
			      strerror(-rc));
	else if (rc == -ETIMEDOUT)
		(void)fprintf(stderr, "mcrctl: cannot reach mcrd at %s: no connection within %g s\n",
			      m->socket_path, m->timeout_ms / 1000.0);
	else
		(void)fprintf(stderr, "mcrctl: cannot reach mcrd at %s: %s\n", m->socket_path,
			      strerror(-rc));
	if (rc == -EACCES || rc == -EPERM)
		explain_access(m->socket_path);
	return EXIT_FAILURE;
}

int mcrctl_call(const struct mcrctl *m, struct client *cl, enum proto_cmd cmd, json_t *args,
		json_t **ret_result)
{
	struct proto_response resp;
	struct proto_error err;
	int rc;

	*ret_result = NULL;
	rc = client_call(cl, cmd, args, &resp, &err);
	if (rc == 0 && resp.is_ok) {
		*ret_result = json_incref(resp.result);
		proto_response_clear(&resp);
		return 0;
	}
	if (rc == 0)
		(void)fprintf(stderr, "mcrctl: %s: %s\n", proto_cmd_name(cmd),
			      resp.message[0] ? resp.message : resp.code_name);
	else if (rc == -ETIMEDOUT)
		(void)fprintf(stderr, "mcrctl: %s: no answer from mcrd within %g s\n",
			      proto_cmd_name(cmd), m->timeout_ms / 1000.0);
	else if (rc == -ECONNRESET)
		(void)fprintf(stderr, "mcrctl: %s: mcrd closed the connection without answering\n",
			      proto_cmd_name(cmd));
	else if (rc == -EPROTO)
		(void)fprintf(stderr, "mcrctl: %s: unexpected answer from mcrd: %s\n",
			      proto_cmd_name(cmd), err.message);
	else
		(void)fprintf(stderr, "mcrctl: %s: %s\n", proto_cmd_name(cmd), strerror(-rc));
	proto_response_clear(&resp);
	return EXIT_FAILURE;
}

int mcrctl_request(const struct mcrctl *m, enum proto_cmd cmd, json_t *args, json_t **ret_result)
{
	struct client cl;
	int rc;

	*ret_result = NULL;
	rc = mcrctl_connect(m, &cl);
	if (rc)
		return rc;
	rc = mcrctl_call(m, &cl, cmd, args, ret_result);
	client_close(&cl);
	return rc;
}

int mcrctl_fetch(const struct mcrctl *m, enum proto_cmd cmd, json_t *args, json_t **ret_result)
{
	int rc = mcrctl_request(m, cmd, args, ret_result);

	if (rc || !m->is_json)
		return rc;
	mcrctl_print_json(*ret_result);
	json_decref(*ret_result);
	*ret_result = NULL;
	return EXIT_SUCCESS;
}

void mcrctl_print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (s)
		(void)printf("%s\n", s);
	free(s);
}

static int parse_timeout(const char *s, int *ret_ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > TIMEOUT_MAX_S)
		return -EINVAL;
	*ret_ms = (int)(v * 1000.0 + 0.5);
	if (*ret_ms == 0)
		*ret_ms = 1;
	return 0;
}

static const struct option global_options[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct mcrctl m = { .socket_path = MCR_CONTROL_SOCKET, .timeout_ms = DEFAULT_TIMEOUT_MS };
	int c;

	/* "+": options after the command belong to the command. */
	while ((c = getopt_long(argc, argv, "+s:jt:hV", global_options, NULL)) != -1) {
		switch (c) {
		case 's':
			m.socket_path = optarg;
			break;
		case 'j':
			m.is_json = true;
			break;
		case 't':
			if (parse_timeout(optarg, &m.timeout_ms) < 0) {
				(void)fprintf(stderr,
					      "mcrctl: --timeout: \"%s\" is not a number of seconds (0 < SEC <= %d)\n",
					      optarg, TIMEOUT_MAX_S);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			(void)printf("mcrctl %s\n", MCR_VERSION);
			return EXIT_SUCCESS;
		default:
			(void)fprintf(stderr, "Try 'mcrctl --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct mcrctl_cmd *cmd = &commands[i];
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;

		if (strcmp(sub_argv[0], cmd->name))
			continue;
		if (wants_help(sub_argc, sub_argv)) {
			cmd_help(cmd);
			return EXIT_SUCCESS;
		}
		/* Commands run getopt again from the start of their own arguments. */
		optind = 0;
		return cmd->run(&m, cmd, sub_argc, sub_argv);
	}
	(void)fprintf(stderr, "mcrctl: unknown command \"%s\"; see mcrctl --help\n", argv[optind]);
	return EXIT_USAGE;
}
