// SPDX-License-Identifier: MIT
/*
 * Tests for the mcrctl program: each case runs the real build/mcrctl as a
 * child process against a real control server (mcrd/control.c) in this
 * process, whose handler keeps its rules in a real struct mcr_config and
 * changes them with the config module's rule functions, as mcrd does.
 * Only the statistics and workers are canned.  The checks are on what a
 * user sees: stdout, stderr and the exit status.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
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
#include "config/config.h"
#include "mcrd/supervisor/control.h"

#define RUN_MAX_MS	10000
#define OUT_MAX		(256 * 1024)

/* Two rules on loopback: rule order, names and values are what the tables below expect. */
#define INITIAL_CONFIG \
	"{\"rules\": [" \
	" {\"name\": \"cam1\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.1\", \"port\": 5000}," \
	"  \"outputs\": [{\"interface\": \"lo\", \"group\": \"239.2.2.2\", \"port\": 6000, \"ttl\": 8}]}," \
	" {\"name\": \"cam2\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.2\", \"source\": \"198.18.0.1\"}," \
	"  \"outputs\": [{\"interface\": \"lo\", \"group\": \"239.3.3.3\"}, {\"interface\": \"lo\", \"group\": \"239.4.4.4\", \"port\": 7000," \
	"   \"ttl\": \"keep\", \"source\": \"keep\"}]}" \
	"]}"

struct fixture {
	char dir[32];
	char path[64];
	char mcrctl[PATH_MAX];
	struct control c;
	struct mcr_config cfg;
	int calls;
	int stats_calls;
	char level[16];
	bool is_reload_ok;
	uid_t run_as;		/* 0: the child keeps our identity */
};

struct run {
	int status;		/* exit status, or 128 + signal */
	char out[OUT_MAX];
	char err[OUT_MAX];
	size_t out_len, err_len;
};

/* ---- the server side: a handler backed by the config module ---- */

static json_t *rules_json(const struct mcr_config *cfg)
{
	json_t *rules = json_array();

	for (size_t i = 0; i < cfg->n_rules; i++)
		assert_int_equal(json_array_append_new(rules, config_rule_to_json(&cfg->rules[i])),
				 0);
	return json_pack("{s:o}", "rules", rules);
}

/*
 * The statistics document's shape, with counters that grow by a fixed
 * amount per call: rule i gets 1000 * (i + 1) packets per call and uptime
 * grows by one second, so rates between calls are exact.
 */
static json_t *stats_json(const struct mcr_config *cfg, int k)
{
	json_t *rules = json_array(), *inputs;

	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct mcr_rule *r = &cfg->rules[i];
		long long in = 1000LL * (long long)(i + 1) * k;
		json_t *outs = json_array();
		char group[INET_ADDRSTRLEN];

		for (size_t j = 0; j < r->n_outputs; j++) {
			struct in_addr g = r->outputs[j].group.v4;

			(void)json_array_append_new(
				outs, json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f}",
						"interface", r->outputs[j].ifname, "group",
						inet_ntop(AF_INET, &g, group, sizeof(group)),
						"port", (int)r->outputs[j].port, "packets_out",
						(json_int_t)in, "bytes_out", (json_int_t)in * 100,
						"send_errors", (json_int_t)j, "retries",
						(json_int_t)0, "drops", (json_int_t)(2 * j),
						"too_big", (json_int_t)j,
						"ttl_expired", (json_int_t)(3 * j),
						"pps_out", (double)in / k, "bps_out",
						800.0 * (double)in / k));
		}
		(void)json_array_append_new(
			rules, json_pack("{s:s, s:I, s:I, s:f, s:f, s:o}", "name", r->name,
					 "packets_in", (json_int_t)in, "bytes_in", (json_int_t)in * 100,
					 "pps_in", (double)in / k, "bps_in", 800.0 * (double)in / k,
					 "outputs", outs));
	}
	inputs = json_pack("[{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f}]",
			   "interface", "lo",
			   "frames", (json_int_t)k * 5000, "bytes", (json_int_t)k * 500000,
			   "malformed", (json_int_t)3, "fragments", (json_int_t)4, "not_udp",
			   (json_int_t)0, "unmatched", (json_int_t)5, "buffer_exhaustion",
			   (json_int_t)6, "kernel_drops", (json_int_t)7, "too_big", (json_int_t)8,
			   "vlan_dropped", (json_int_t)9, "pps", 5000.0, "bps", 4e6);
	return json_pack("{s:s, s:f, s:f, s:o, s:o}", "version", "9.9.9", "uptime_s", (double)k,
			 "rate_interval_s", 1.0, "inputs", inputs, "rules", rules);
}

static json_t *handle_add(struct fixture *fx, json_t *rule, struct proto_error *err)
{
	struct config_error cerr;
	char name[MCR_NAME_MAX];
	int rc;

	rc = config_add_rule_json(&fx->cfg, rule, &cerr);
	if (rc == 0) {
		(void)snprintf(name, sizeof(name), "%s", fx->cfg.rules[fx->cfg.n_rules - 1].name);
		rc = config_resolve(&fx->cfg, &cerr);
		if (rc < 0)
			assert_int_equal(config_remove_rule(&fx->cfg, name), 0);
	}
	if (rc < 0) {
		(void)proto_error_set(err, proto_code_from_errno(rc), "%s", cerr.msg);
		return NULL;
	}
	return json_pack("{s:s}", "name", fx->cfg.rules[fx->cfg.n_rules - 1].name);
}

static json_t *test_handle(void *ctx, const struct proto_request *req, struct proto_error *err)
{
	struct fixture *fx = ctx;
	const char *s;

	fx->calls++;
	switch (req->cmd) {
	case PROTO_CMD_PING:
		return json_pack("{s:b}", "pong", 1);
	case PROTO_CMD_VERSION:
		return json_pack("{s:s, s:i}", "version", "9.9.9", "protocol", 1);
	case PROTO_CMD_ADD:
		return handle_add(fx, json_object_get(req->args, "rule"), err);
	case PROTO_CMD_REMOVE:
		s = json_string_value(json_object_get(req->args, "name"));
		if (config_remove_rule(&fx->cfg, s) < 0) {
			(void)proto_error_set(err, PROTO_ERR_NO_SUCH_RULE, "no rule named \"%s\"", s);
			return NULL;
		}
		return json_pack("{s:s}", "name", s);
	case PROTO_CMD_LIST:
		return rules_json(&fx->cfg);
	case PROTO_CMD_STATS:
		return stats_json(&fx->cfg, ++fx->stats_calls);
	case PROTO_CMD_RELOAD:
		if (fx->is_reload_ok)
			return json_pack("{s:i}", "rules", (int)fx->cfg.n_rules);
		(void)proto_error_set(err, PROTO_ERR_INTERNAL, "reload failed: no configuration file");
		return NULL;
	case PROTO_CMD_LOG_LEVEL:
		/* As mcrd: set the level when one is given, answer the one in force. */
		if (json_object_get(req->args, "level"))
			(void)snprintf(fx->level, sizeof(fx->level), "%s",
				       json_string_value(json_object_get(req->args, "level")));
		return json_pack("{s:s}", "level", fx->level);
	case PROTO_CMD_SHUTDOWN:
		return json_pack("{s:b}", "stopping", 1);
	case PROTO_CMD_WORKERS:
		return json_pack("{s:[{s:i, s:i, s:i, s:i, s:s}, {s:i, s:i, s:i, s:i, s:s}]}",
				 "workers", "id", 0, "cpu", 2, "pid", 4242, "restarts", 0, "state",
				 "running", "id", 1, "cpu", 3, "pid", 4243, "restarts", 5, "state",
				 "backoff");
	case PROTO_CMD_CONFIG:
		return config_to_json(&fx->cfg);
	default:
		return NULL;
	}
}

static const struct control_ops test_ops = { .handle = test_handle };

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct config_error err;
	char exe[PATH_MAX];
	ssize_t n;

	assert_non_null(fx);
	/*
	 * build/tests/test_mcrctl runs build/mcrctl, unless $MCRCTL names
	 * another program (a wrapper that runs it under valgrind, say).
	 */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	(void)snprintf(fx->mcrctl, sizeof(fx->mcrctl), "%s/mcrctl", dirname(dirname(exe)));
	if (getenv("MCRCTL"))
		(void)snprintf(fx->mcrctl, sizeof(fx->mcrctl), "%s", getenv("MCRCTL"));
	assert_int_equal(access(fx->mcrctl, X_OK), 0);

	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_mcrctl.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	(void)snprintf(fx->path, sizeof(fx->path), "%s/mcrd.sock", fx->dir);
	config_init(&fx->cfg);
	if (config_load_string(&fx->cfg, INITIAL_CONFIG, &err) < 0 ||
	    config_resolve(&fx->cfg, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(control_init(&fx->c, fx->path, 0660, &test_ops, fx), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	struct dirent *de;
	DIR *d;

	control_exit(&fx->c);
	config_free(&fx->cfg);
	/* What the cases left in the directory: sockets and saved configurations. */
	d = opendir(fx->dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			assert_int_equal(unlinkat(dirfd(d), de->d_name, 0), 0);
	(void)closedir(d);
	assert_int_equal(rmdir(fx->dir), 0);
	free(fx);
	return 0;
}

/* ---- running mcrctl ---- */

static void drain(int *fd, char *buf, size_t *len)
{
	ssize_t n = read(*fd, buf + *len, OUT_MAX - 1 - *len);

	if (n > 0) {
		*len += (size_t)n;
		buf[*len] = '\0';
		return;
	}
	if (n == 0 || errno != EINTR) {
		(void)close(*fd);
		*fd = -1;
	}
}

static void child_exec(struct fixture *fx, int out, int err, char *const *argv)
{
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(126);
	if (fx->run_as && (setgid(fx->run_as) < 0 || setuid(fx->run_as) < 0))
		_exit(125);
	execv(fx->mcrctl, argv);
	_exit(127);
}

/*
 * Runs mcrctl with the NULL-terminated arguments, serving the control
 * socket until it exits (if the fixture's server is up).
 */
static void run_argv(struct fixture *fx, struct run *r, const char *const *args)
{
	char *argv[32];
	int out[2], err[2], wstatus = 0;
	uint64_t end = now_ns() + RUN_MAX_MS * NSEC_PER_MSEC;
	bool is_reaped = false;
	pid_t pid;

	/* execv() wants writable strings; the cases are literals. */
	for (size_t i = 0;; i++) {
		assert_true(i < ARRAY_SIZE(argv));
		argv[i] = args[i] ? strdup(args[i]) : NULL;
		if (!args[i])
			break;
		assert_non_null(argv[i]);
	}
	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_exec(fx, out[1], err[1], argv);
	(void)close(out[1]);
	(void)close(err[1]);
	while (out[0] >= 0 || err[0] >= 0 || !is_reaped) {
		struct pollfd p[3] = { { .fd = out[0], .events = POLLIN },
				       { .fd = err[0], .events = POLLIN },
				       { .fd = control_fd(&fx->c), .events = POLLIN } };

		if (now_ns() > end) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			fail_msg("mcrctl %s did not finish in %d ms", argv[1], RUN_MAX_MS);
		}
		(void)poll(p, fx->c.epfd >= 0 ? 3 : 2, 10);
		if (p[0].revents)
			drain(&out[0], r->out, &r->out_len);
		if (p[1].revents)
			drain(&err[0], r->err, &r->err_len);
		if (fx->c.epfd >= 0)
			assert_int_equal(control_dispatch(&fx->c), 0);
		if (!is_reaped && waitpid(pid, &wstatus, WNOHANG) == pid)
			is_reaped = true;
	}
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
}

/* run(fx, r, "list", NULL): mcrctl --socket PATH list */
static void run(struct fixture *fx, struct run *r, ...)
{
	const char *argv[32];
	size_t n = 0;
	va_list ap;

	argv[n++] = fx->mcrctl;
	argv[n++] = "--socket";
	argv[n++] = fx->path;
	va_start(ap, r);
	while ((argv[n] = va_arg(ap, const char *)) && n < ARRAY_SIZE(argv) - 1)
		n++;
	va_end(ap);
	argv[n] = NULL;
	run_argv(fx, r, argv);
}

static void assert_has(const char *s, const char *want)
{
	if (!strstr(s, want))
		fail_msg("output\n%s\ndoes not contain \"%s\"", s, want);
}

static void assert_status(const struct run *r, int want)
{
	if (r->status != want)
		fail_msg("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r->status, want,
			 r->out, r->err);
}

static json_t *parse_out(const struct run *r)
{
	json_error_t jerr;
	json_t *v = json_loads(r->out, 0, &jerr);

	if (!v)
		fail_msg("stdout is not JSON (%s):\n%s", jerr.text, r->out);
	return v;
}

/* ---- cases ---- */

static void t_list_table(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	run(fx, &r, "list", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out,
		"NAME  INPUT  VLAN  GROUP           SOURCE      OUTPUTS\n"
		"cam1  lo     -     239.1.1.1:5000  *           lo,239.2.2.2:6000,ttl=8\n"
		"cam2  lo     -     239.1.1.2:*     198.18.0.1  lo,239.3.3.3,ttl=decrement; lo,239.4.4.4:7000,ttl=keep,source=keep\n");
	assert_string_equal(r.err, "");
}

/* --json prints exactly what mcrd sent, before or after the command name. */
static void t_json_passthrough(void **state)
{
	struct fixture *fx = *state;
	json_t *want = rules_json(&fx->cfg), *got;
	struct run r;

	run(fx, &r, "list", "--json", NULL);
	assert_status(&r, 0);
	got = parse_out(&r);
	assert_true(json_equal(got, want));
	json_decref(got);

	run(fx, &r, "--json", "list", NULL);
	assert_status(&r, 0);
	got = parse_out(&r);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);

	run(fx, &r, "--json", "stats", NULL);
	assert_status(&r, 0);
	got = parse_out(&r);
	want = stats_json(&fx->cfg, fx->stats_calls);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);
}

static void t_stats_table(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	fx->stats_calls = 1;	/* the request makes it 2: rule i has 2000 * (i + 1) packets */
	run(fx, &r, "stats", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out,
		"uptime 2.0 s; rates over the last 1.00 s\n"
		"\n"
		"RULE         IN     IN BIT/S        OUT    OUT BIT/S  PACKETS IN  PACKETS OUT  DROPS  ERRORS  TOO BIG  TTL EXPIRED\n"
		"cam1  1.00 kpps   800 kbit/s  1.00 kpps   800 kbit/s        2000         2000      0       0        0            0\n"
		"cam2  2.00 kpps  1.60 Mbit/s  4.00 kpps  3.20 Mbit/s        4000         8000      2       1        1            3\n"
		"\n"
		"INPUT       RATE        BIT/S  FRAMES  MALFORMED  FRAGMENTS  UNMATCHED  BUF EXHAUSTION  KERNEL DROPS  TOO BIG  VLAN DROPPED\n"
		"lo     5.00 kpps  4.00 Mbit/s   10000          3          4          5               6             7        8             9\n");

	run(fx, &r, "stats", "-v", NULL);
	assert_status(&r, 0);
	assert_has(r.out,
		   "RULE                           IN     IN BIT/S        OUT    OUT BIT/S  PACKETS IN  PACKETS OUT  DROPS  ERRORS  TOO BIG  TTL EXPIRED\n"
		   "cam1                    1.00 kpps   800 kbit/s  1.00 kpps   800 kbit/s        3000         3000      0       0        0            0\n"
		   "  -> lo 239.2.2.2:6000                          1.00 kpps   800 kbit/s                     3000      0       0        0            0\n"
		   "cam2                    2.00 kpps  1.60 Mbit/s  4.00 kpps  3.20 Mbit/s        6000        12000      2       1        1            3\n"
		   "  -> lo 239.3.3.3:*                             2.00 kpps  1.60 Mbit/s                     6000      0       0        0            0\n"
		   "  -> lo 239.4.4.4:7000                          2.00 kpps  1.60 Mbit/s                     6000      2       1        1            3\n");
}

static void t_workers_table(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	run(fx, &r, "workers", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out,
		"ID  CPU   PID  STATE    RESTARTS\n"
		" 0    2  4242  running         0\n"
		" 1    3  4243  backoff         5\n");
}

static void t_ping_version_log_level(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	run(fx, &r, "ping", NULL);
	assert_status(&r, 0);
	assert_has(r.out, "answered in");
	run(fx, &r, "version", NULL);
	assert_status(&r, 0);
	assert_has(r.out, "mcrd 9.9.9 (protocol 1)\n");
	assert_has(r.out, "mcrctl " MCR_VERSION);
	run(fx, &r, "log-level", "debug", NULL);
	assert_status(&r, 0);
	assert_string_equal(fx->level, "debug");
	assert_string_equal(r.out, "mcrd log level is now debug\n");
	run(fx, &r, "log-level", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "debug\n");
	run(fx, &r, "log-level", "info", "debug", NULL);
	assert_status(&r, 2);
	run(fx, &r, "shutdown", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "mcrd is shutting down\n");
}

static void t_add_from_flags(void **state)
{
	struct fixture *fx = *state;
	const struct mcr_rule *rule;
	struct run r;

	run(fx, &r, "add", "--name", "new1", "--input-interface", "lo", "--input-group",
	    "239.9.9.9", "--input-port", "7000", "--source", "198.18.0.9", "--vlan", "100",
	    "--output", "lo,239.8.8.8:7001", "--output", "lo,239.8.8.9", "--ttl", "4", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "added rule new1\n");
	assert_int_equal(fx->cfg.n_rules, 3);
	rule = &fx->cfg.rules[2];
	assert_string_equal(rule->name, "new1");
	assert_int_equal(rule->in_port, 7000);
	assert_int_equal(rule->in_vlan, 100);
	assert_int_equal(rule->n_outputs, 2);
	assert_int_equal(rule->outputs[0].port, 7001);
	assert_int_equal(rule->outputs[0].ttl, 4);
	assert_int_equal(rule->outputs[1].ttl, 4);
	assert_int_equal(rule->outputs[1].ttl_mode, TTL_SET);
	/* Resolved: the second output took the input's port. */
	assert_int_equal(rule->outputs[1].group.v4.s_addr, inet_addr("239.8.8.9"));
	assert_int_equal(rule->outputs[1].port, 7000);

	/* The TTL as a word, and the address the outputs send from. */
	run(fx, &r, "add", "--name", "new2", "--input-interface", "lo", "--input-group",
	    "239.9.9.10", "--output", "lo,239.8.8.10", "--ttl", "keep", "--output-source",
	    "198.18.0.7", NULL);
	assert_status(&r, 0);
	rule = &fx->cfg.rules[3];
	assert_int_equal(rule->outputs[0].ttl_mode, TTL_KEEP);
	assert_int_equal(rule->outputs[0].source_mode, SOURCE_ADDR);
	assert_int_equal(rule->outputs[0].source.v4.s_addr, inet_addr("198.18.0.7"));
}

/* IPv6 through flags and the control protocol; list writes groups with ports in brackets. */
static void t_add_ipv6_and_list(void **state)
{
	struct fixture *fx = *state;
	const struct mcr_rule *rule;
	char buf[ADDR_IP_STR_MAX];
	struct run r;

	run(fx, &r, "add", "--name", "v6", "--input-interface", "lo", "--input-group", "ff3e::1",
	    "--input-port", "5000", "--source", "2001:db8::1", "--output", "lo,[ff3e::2]:6000",
	    "--output", "lo,ff3e::3", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "added rule v6\n");
	rule = &fx->cfg.rules[2];
	assert_string_equal(addr_ip_fmt(&rule->in_group, buf), "ff3e::1");
	assert_string_equal(addr_ip_fmt(&rule->outputs[0].group, buf), "ff3e::2");
	assert_int_equal(rule->outputs[0].port, 6000);
	run(fx, &r, "list", NULL);
	assert_status(&r, 0);
	assert_has(r.out, "v6    lo     -     [ff3e::1]:5000  2001:db8::1 "
			  " lo,[ff3e::2]:6000,ttl=decrement; lo,[ff3e::3]:5000,ttl=decrement\n");

	/* A rule of two families is refused with both values named. */
	run(fx, &r, "add", "--name", "mix", "--input-interface", "lo", "--input-group",
	    "239.9.9.9", "--output", "lo,ff3e::9", NULL);
	assert_status(&r, 1);
	assert_has(r.err, "the input group 239.9.9.9 is IPv4 but outputs[0]'s group ff3e::9 is IPv6");
}

/* --downstream, alone or with --output, and list showing it as downstream=IF+IF. */
static void t_add_downstream_and_list(void **state)
{
	struct fixture *fx = *state;
	const struct mcr_rule *rule;
	char file[64];
	struct run r;

	run(fx, &r, "add", "--name", "ds", "--input-interface", "lo", "--input-group", "239.9.9.9",
	    "--downstream", "mcrds-a+mcrds-b", "--downstream", "mcrds-c", "--ttl", "3", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "added rule ds\n");
	rule = &fx->cfg.rules[2];
	assert_int_equal(rule->n_outputs, 3);
	assert_true(rule->outputs[2].is_downstream);
	assert_int_equal(rule->outputs[2].when, WHEN_JOINED);
	assert_int_equal(rule->outputs[2].ttl, 3);
	run(fx, &r, "add", "--name", "ds2", "--input-interface", "lo", "--input-group",
	    "239.9.9.10", "--output", "lo,239.8.8.8", "--downstream", "mcrds-a", NULL);
	assert_status(&r, 0);
	run(fx, &r, "list", NULL);
	assert_status(&r, 0);
	assert_has(r.out, " downstream=mcrds-a+mcrds-b+mcrds-c,ttl=3\n");
	assert_has(r.out, " lo,239.8.8.8,ttl=decrement; downstream=mcrds-a\n");
	/* Saved as the lists, which load again as the same rules. */
	(void)snprintf(file, sizeof(file), "%s/ds.json", fx->dir);
	run(fx, &r, "config", "save", file, NULL);
	assert_status(&r, 0);
	run(fx, &r, "config", "load", file, NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "0 removed, 0 replaced, 0 added, 4 unchanged\n");
	/* The input interface in the list: refused by mcrd, naming rule and interface. */
	run(fx, &r, "add", "--name", "loop", "--input-interface", "lo", "--input-group",
	    "239.9.9.11", "--downstream", "mcrds-a+lo", NULL);
	assert_status(&r, 1);
	assert_has(r.err, "\"lo\" is the input interface of rule \"loop\"");
	run(fx, &r, "add", "--input-interface", "lo", "--input-group", "239.9.9.11",
	    "--downstream", "a++b", NULL);
	assert_status(&r, 2);
	run(fx, &r, "add", "--input-interface", "lo", "--input-group", "239.9.9.11",
	    "--downstream", "a", "--when", "always", NULL);
	assert_status(&r, 2);
	assert_has(r.err, "--downstream interfaces always follow their listeners");
}

static void t_add_from_json(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	run(fx, &r, "add", "--json",
	    "{\"input\":{\"interface\":\"lo\",\"group\":\"239.5.5.5\"},"
	    "\"outputs\":[{\"interface\":\"lo\",\"group\":\"239.6.6.6\"}]}",
	    NULL);
	assert_status(&r, 0);
	/* No name given: mcrd chose one and mcrctl says which. */
	assert_string_equal(r.out, "added rule rule3\n");
	assert_int_equal(fx->cfg.n_rules, 3);
	assert_string_equal(fx->cfg.rules[2].name, "rule3");
}

/* mcrd's refusal is printed as it was sent, and the exit status is 1. */
static void t_add_refused(void **state)
{
	static const struct {
		const char *group, *iface, *name, *msg;
	} cases[] = {
		{ "300.1.1.1", "lo", "x1",
		  "mcrctl: add: rule.input.group: \"300.1.1.1\" is not an IPv4 or IPv6 address\n" },
		{ "239.7.7.7", "lo", "cam1", "mcrctl: add: rule.name: \"cam1\" is already in use\n" },
		{ "239.1.1.1", "lo", "x3",
		  "mcrctl: add: rules[2].input: same interface/group/port/source as rules[0] (\"cam1\")\n" },
	};
	struct fixture *fx = *state;
	struct run r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		run(fx, &r, "add", "--name", cases[i].name, "--input-interface", cases[i].iface,
		    "--input-group", cases[i].group, "--input-port", "5000", "--output",
		    "lo,239.2.2.9", NULL);
		assert_status(&r, 1);
		assert_string_equal(r.err, cases[i].msg);
		assert_string_equal(r.out, "");
		assert_int_equal(fx->cfg.n_rules, 2);
	}
}

static void t_remove(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	run(fx, &r, "remove", "cam1", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "removed rule cam1\n");
	assert_int_equal(fx->cfg.n_rules, 1);
	assert_string_equal(fx->cfg.rules[0].name, "cam2");
	run(fx, &r, "remove", "cam1", NULL);
	assert_status(&r, 1);
	assert_string_equal(r.err, "mcrctl: remove: no rule named \"cam1\"\n");
}

static void t_daemon_error(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	run(fx, &r, "reload", NULL);
	assert_status(&r, 1);
	assert_string_equal(r.err, "mcrctl: reload: reload failed: no configuration file\n");
	assert_string_equal(r.out, "");

	fx->is_reload_ok = true;
	run(fx, &r, "reload", NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "mcrd reloaded its configuration: 2 rules\n");
}

/* Usage errors exit 2, and none of them reaches mcrd. */
static void t_usage_errors(void **state)
{
	static const char *const cases[][12] = {
		{ "frob" },
		{ "remove" },
		{ "remove", "a", "b" },
		{ "list", "extra" },
		{ "list", "--bogus" },
		{ "log-level", "loud" },
		{ "add", "--input-interface", "lo", "--input-group", "239.1.1.1" },
		{ "add", "--input-interface", "lo", "--output", "lo" },
		{ "add", "--input-interface", "lo", "--input-group", "g", "--output", "lo,g:x" },
		{ "add", "--input-interface", "lo", "--input-group", "g", "--input-port", "p",
		  "--output", "lo" },
		{ "add", "--json", "{", },
		{ "add", "--json", "[]" },
		{ "add", "--json", "{}", "--name", "x" },
		{ "watch", "--interval", "0" },
		{ "watch", "--count", "-1" },
		{ "config" },
		{ "config", "frob" },
		{ "config", "save" },
		{ "config", "show", "x" },
	};
	struct fixture *fx = *state;
	struct run r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *argv[16] = { fx->mcrctl, "--socket", fx->path };

		for (size_t j = 0; cases[i][j]; j++)
			argv[3 + j] = cases[i][j];
		run_argv(fx, &r, argv);
		if (r.status != 2)
			fail_msg("%s %s: exit %d (%s)", cases[i][0], cases[i][1] ? cases[i][1] : "",
				 r.status, r.err);
		assert_has(r.err, "mcrctl: ");
	}
	{
		const char *argv[] = { fx->mcrctl, NULL };

		run_argv(fx, &r, argv);
		assert_status(&r, 2);
		assert_has(r.err, "Usage: mcrctl");
	}
	{
		const char *argv[] = { fx->mcrctl, "--timeout", "0", "ping", NULL };

		run_argv(fx, &r, argv);
		assert_status(&r, 2);
	}
	assert_int_equal(fx->calls, 0);
}

static void t_unreachable(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char stale[64], want[256];
	struct run r;
	int fd;

	control_exit(&fx->c);
	run(fx, &r, "list", NULL);
	assert_status(&r, 1);
	(void)snprintf(want, sizeof(want),
		       "mcrctl: cannot reach mcrd at %s: No such file or directory (is mcrd running? see --socket)\n",
		       fx->path);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");

	/* A socket file nobody listens on. */
	(void)snprintf(stale, sizeof(stale), "%s/stale.sock", fx->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", stale);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	(void)close(fd);
	{
		const char *argv[] = { fx->mcrctl, "-s", stale, "ping", NULL };

		run_argv(fx, &r, argv);
	}
	assert_status(&r, 1);
	assert_has(r.err, "Connection refused (is mcrd running? see --socket)");
}

/* A daemon that accepts but never answers costs the timeout, not forever. */
static void t_timeout(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char mute[64];
	uint64_t start;
	struct run r;
	int fd;

	(void)snprintf(mute, sizeof(mute), "%s/mute.sock", fx->dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", mute);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	start = now_ns();
	{
		const char *argv[] = { fx->mcrctl, "--socket", mute, "--timeout",
				 "0.3", "ping", NULL };

		run_argv(fx, &r, argv);
	}
	assert_status(&r, 1);
	assert_string_equal(r.err, "mcrctl: ping: no answer from mcrd within 0.3 s\n");
	assert_true(now_ns() - start < 3 * NSEC_PER_SEC);
	(void)close(fd);
}

/* Without write access to the socket, the message names the group to join. */
static void t_permission_denied(void **state)
{
	struct fixture *fx = *state;
	struct run r;

	if (geteuid() != 0)
		skip();
	/* nobody may enter the directory but not write to the 0660 root socket. */
	assert_int_equal(chmod(fx->dir, 0755), 0);
	fx->run_as = 65534;
	run(fx, &r, "ping", NULL);
	/* A checkout that nobody may read cannot run this case. */
	if (r.status == 127)
		skip();
	assert_status(&r, 1);
	assert_has(r.err, "Permission denied\n");
	assert_has(r.err, "(the socket is mode 0660, group \"root\": run as root or as a member of \"root\")");
	assert_int_equal(fx->calls, 0);
}

static void t_watch_json(void **state)
{
	struct fixture *fx = *state;
	char *line, *save = NULL;
	int n = 0;
	struct run r;

	run(fx, &r, "watch", "--json", "--interval", "20", "--count", "3", NULL);
	assert_status(&r, 0);
	assert_int_equal(fx->stats_calls, 4);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *v = json_loads(line, 0, NULL), *rule;

		assert_non_null(v);
		assert_true(json_number_value(json_object_get(v, "interval_s")) == 1.0);
		rule = json_array_get(json_object_get(v, "rules"), 1);
		assert_string_equal(json_string_value(json_object_get(rule, "name")), "cam2");
		assert_true(json_number_value(json_object_get(rule, "pps_in")) == 2000.0);
		assert_true(json_number_value(json_object_get(rule, "pps_out")) == 4000.0);
		assert_true(json_number_value(json_object_get(
				    json_array_get(json_object_get(rule, "outputs"), 1),
				    "pps_out")) == 2000.0);
		assert_true(json_number_value(json_object_get(
				    json_array_get(json_object_get(v, "inputs"), 0), "bps")) == 4e6);
		json_decref(v);
		n++;
	}
	assert_int_equal(n, 3);
}

static void t_watch_piped(void **state)
{
	struct fixture *fx = *state;
	const char *second;
	struct run r;

	run(fx, &r, "watch", "--interval", "20", "--count", "2", NULL);
	assert_status(&r, 0);
	/* Not a terminal: no escape codes, one block per interval, each saying its interval. */
	assert_null(strchr(r.out, '\033'));
	second = strstr(r.out, "rates over 1.00 s\n");
	assert_non_null(second);
	second = strstr(second + 1, "rates over 1.00 s\n");
	assert_non_null(second);
	assert_null(strstr(second + 1, "rates over"));
	assert_has(second, "RULE / OUTPUT                  IN     IN BIT/S        OUT    OUT BIT/S\n"
			   "cam1                    1.00 kpps   800 kbit/s  1.00 kpps   800 kbit/s\n"
			   "  -> lo 239.2.2.2:6000                          1.00 kpps   800 kbit/s\n"
			   "cam2                    2.00 kpps  1.60 Mbit/s  4.00 kpps  3.20 Mbit/s\n"
			   "  -> lo 239.3.3.3:*                             2.00 kpps  1.60 Mbit/s\n"
			   "  -> lo 239.4.4.4:7000                          2.00 kpps  1.60 Mbit/s\n\n"
			   "INPUT       RATE        BIT/S\n"
			   "lo     5.00 kpps  4.00 Mbit/s\n\n");
}

static void t_config_show_save_check(void **state)
{
	struct fixture *fx = *state;
	struct config_error err;
	struct mcr_config saved;
	json_t *want = config_to_json(&fx->cfg), *got;
	char file[64];
	struct run r;

	run(fx, &r, "config", "show", NULL);
	assert_status(&r, 0);
	got = parse_out(&r);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);

	(void)snprintf(file, sizeof(file), "%s/saved.json", fx->dir);
	run(fx, &r, "config", "save", file, NULL);
	assert_status(&r, 0);
	config_init(&saved);
	if (config_load_file(&saved, file, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(saved.n_rules, 2);
	assert_string_equal(saved.rules[1].name, "cam2");
	assert_int_equal(saved.rules[1].in_source.v4.s_addr, fx->cfg.rules[1].in_source.v4.s_addr);
	config_free(&saved);

	run(fx, &r, "config", "check", file, NULL);
	assert_status(&r, 0);
	assert_has(r.out, "configuration OK: 2 rules, 3 outputs\n");

	/* check works without mcrd. */
	control_exit(&fx->c);
	{
		FILE *f = fopen(file, "w");

		assert_non_null(f);
		(void)fputs("{\"rules\": [{\"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.1\","
			    " \"port\": 70000}, \"outputs\": [{\"interface\": \"lo\"}]}]}",
			    f);
		assert_int_equal(fclose(f), 0);
	}
	run(fx, &r, "config", "check", file, NULL);
	assert_status(&r, 2);
	assert_has(r.err, "rules[0].input.port: 70000 is not a port number (1..65535)\n");
}

/* load removes what FILE lacks, replaces what differs, adds what is new, keeps the rest. */
static void t_config_load(void **state)
{
	/*
	 * cam1 as it runs, but with the group its output inherits left out;
	 * cam2 changed; new3 new; and the running "old" is not in the file.
	 */
	static const char file_json[] =
		"{\"rules\": ["
		" {\"name\": \"cam1\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.1\", \"port\": 5000},"
		"  \"outputs\": [{\"interface\": \"lo\", \"group\": \"239.2.2.2\", \"port\": 6000, \"ttl\": 8}]},"
		" {\"name\": \"cam2\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.2\"},"
		"  \"outputs\": [{\"interface\": \"lo\", \"group\": \"239.3.3.3\"}]},"
		" {\"name\": \"new3\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.3\"},"
		"  \"outputs\": [{\"interface\": \"lo\", \"group\": \"239.3.3.4\"}]}"
		"]}";
	static const char old_json[] =
		"{\"name\": \"old\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.9\", \"port\": 9},"
		" \"outputs\": [{\"interface\": \"lo\", \"port\": 10}]}";
	struct fixture *fx = *state;
	struct config_error err;
	json_t *old = json_loads(old_json, 0, NULL);
	char file[64];
	struct run r;
	FILE *f;

	assert_int_equal(config_add_rule_json(&fx->cfg, old, &err), 0);
	assert_int_equal(config_resolve(&fx->cfg, &err), 0);
	json_decref(old);
	(void)snprintf(file, sizeof(file), "%s/load.json", fx->dir);
	f = fopen(file, "w");
	assert_non_null(f);
	(void)fputs(file_json, f);
	assert_int_equal(fclose(f), 0);

	run(fx, &r, "config", "load", file, NULL);
	assert_status(&r, 0);
	assert_string_equal(r.out, "removed old\nreplaced cam2\nadded new3\n"
				   "1 removed, 1 replaced, 1 added, 1 unchanged\n");
	assert_int_equal(fx->cfg.n_rules, 3);
	assert_int_equal(config_rule_index(&fx->cfg, "old"), -ENOENT);
	assert_int_equal(config_rule_index(&fx->cfg, "cam1"), 0);
	assert_int_equal(fx->cfg.rules[config_rule_index(&fx->cfg, "cam2")].n_outputs, 1);
	assert_true(config_rule_index(&fx->cfg, "new3") >= 0);

	/* Loading it again changes nothing. */
	run(fx, &r, "--json", "config", "load", file, NULL);
	assert_status(&r, 0);
	{
		json_t *got = parse_out(&r);
		json_t *want = json_pack("{s:[], s:[], s:[], s:[s, s, s]}", "removed", "replaced",
					 "added", "unchanged", "cam1", "cam2", "new3");

		assert_true(json_equal(got, want));
		json_decref(got);
		json_decref(want);
	}
}

/* The help lists every protocol command with the table's summary. */
static void t_help(void **state)
{
	struct fixture *fx = *state;
	const char *argv[] = { fx->mcrctl, "--help", NULL };
	const char *cmd_help[] = { fx->mcrctl, "list", "--help", NULL };
	struct run r;

	run_argv(fx, &r, argv);
	assert_status(&r, 0);
	for (int i = 0; i < PROTO_CMD_MAX; i++) {
		const struct proto_cmd_info *info = proto_cmd_info((enum proto_cmd)i);

		assert_has(r.out, info->name);
		if (i != PROTO_CMD_CONFIG)
			assert_has(r.out, info->summary);
	}
	assert_has(r.out, "watch");
	run_argv(fx, &r, cmd_help);
	assert_status(&r, 0);
	assert_has(r.out, "Usage: mcrctl list\nList the rules.\n");
	assert_int_equal(fx->calls, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_list_table),
		T(t_add_ipv6_and_list),
		T(t_json_passthrough),
		T(t_stats_table),
		T(t_workers_table),
		T(t_ping_version_log_level),
		T(t_add_from_flags),
		T(t_add_downstream_and_list),
		T(t_add_from_json),
		T(t_add_refused),
		T(t_remove),
		T(t_daemon_error),
		T(t_usage_errors),
		T(t_unreachable),
		T(t_timeout),
		T(t_permission_denied),
		T(t_watch_json),
		T(t_watch_piped),
		T(t_config_show_save_check),
		T(t_config_load),
		T(t_help),
	};

	log_init("test_mcrctl", false, LOG_CRIT);
	return cmocka_run_group_tests_name("mcrctl", tests, NULL, NULL);
}
