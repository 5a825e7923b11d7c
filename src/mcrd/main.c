// SPDX-License-Identifier: MIT
/*
 * mcrd: command line, configuration and the daemon's life cycle.  Reads
 * top to bottom: options, configuration, forwarding table, worker, run,
 * tear down.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/config.h"
#include "mcrd/limits.h"
#include "mcrd/supervisor.h"

#define MAX_CLI_RULES 4096

struct mcrd_opts {
	const char *config_file;
	const char *rules[MAX_CLI_RULES];	/* --rule specs, applied after the file */
	size_t n_rules;
	const char *ready_file;
	bool is_check_only;
	bool use_syslog;
	int log_level;
	/* Command-line values that override the file; -1 = not given. */
	long stats_interval_ms;
	long queue_depth;
	long send_batch;
	long coalesce_us;
	long sndbuf;
	long buffers;
	const char *egress;
	const char *ingress;
	unsigned int workers;
	bool has_no_igmp_join;
	const char *user;
	const char *control;
	bool has_no_control;
};

enum {
	OPT_CHECK = 256,
	OPT_STATS_INTERVAL,
	OPT_QUEUE_DEPTH,
	OPT_SEND_BATCH,
	OPT_COALESCE_US,
	OPT_SNDBUF,
	OPT_BUFFERS,
	OPT_EGRESS,
	OPT_INGRESS,
	OPT_WORKERS,
	OPT_NO_IGMP_JOIN,
	OPT_USER,
	OPT_CONTROL,
	OPT_NO_CONTROL,
	OPT_READY_FILE,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
};

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "rule", required_argument, NULL, 'r' },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "queue-depth", required_argument, NULL, OPT_QUEUE_DEPTH },
	{ "send-batch", required_argument, NULL, OPT_SEND_BATCH },
	{ "coalesce-us", required_argument, NULL, OPT_COALESCE_US },
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF },
	{ "buffers", required_argument, NULL, OPT_BUFFERS },
	{ "egress", required_argument, NULL, OPT_EGRESS },
	{ "ingress", required_argument, NULL, OPT_INGRESS },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "no-igmp-join", no_argument, NULL, OPT_NO_IGMP_JOIN },
	{ "user", required_argument, NULL, OPT_USER },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "no-control", no_argument, NULL, OPT_NO_CONTROL },
	{ "ready-file", required_argument, NULL, OPT_READY_FILE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	(void)fprintf(f,
		"Usage: mcrd [OPTIONS]\n"
		"Relay UDP multicast between interfaces from userspace.\n"
		"\n"
		"  -c, --config FILE        read rules and settings from a JSON file\n"
		"  -r, --rule SPEC          add a rule (repeatable), in the form\n"
		"                           [NAME=]IN_IF,GROUP[:PORT][,source=IP] -> OUT_IF[,GROUP[:PORT]][,ttl=N][; ...]\n"
		"      --check-config       validate the configuration and exit (0 = good, 2 = bad)\n"
		"      --stats-interval MS  print a stats line per rule every MS ms (0 = never; default 1000)\n"
		"      --queue-depth N      io_uring submission queue entries (default 1024)\n"
		"      --send-batch N       sends queued before a submit (default 64)\n"
		"      --coalesce-us N      after a completion, wait up to N us for a batch\n"
		"                           before waking (0..10000, 0 = every completion;\n"
		"                           default 50; Linux 6.12+)\n"
		"      --sndbuf BYTES       egress socket send buffer (default 4194304)\n"
		"      --buffers N          ingress buffers, a power of two (default 4096)\n"
		"      --egress MODE        auto (default: l2 for multicast outputs, udp for\n"
		"                           unicast), l2 (pre-built frames on AF_PACKET) or udp\n"
		"      --ingress MODE       ring (default: a TPACKET_V3 ring, one wake-up per\n"
		"                           block, up to ~1 ms later at low rates) or multishot\n"
		"                           (io_uring, a wake-up per packet: lowest latency)\n"
		"      --workers N          worker processes, each pinned to a CPU (default: one\n"
		"                           per CPU mcrd may run on)\n"
		"      --no-igmp-join       program the NIC filter for input groups but send no\n"
		"                           IGMP join (for groups that reach the interface anyway)\n"
		"      --user NAME          run the workers as this user, keeping only\n"
		"                           CAP_NET_RAW (and CAP_NET_ADMIN if needed)\n"
		"      --control PATH       control socket for mcrctl (default " MCRD_DEFAULT_CONTROL ")\n"
		"      --no-control         no control socket\n"
		"      --ready-file PATH    create PATH once every worker is relaying\n"
		"      --log-level LEVEL    error, warning, notice, info (default) or debug\n"
		"      --syslog             log to syslog instead of stderr\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"
		"\n"
		"Signals: SIGUSR1 prints a JSON stats snapshot on stdout; SIGTERM or SIGINT\n"
		"finishes in-flight sends, prints the final JSON summary on stdout and exits 0.\n"
		"Exit status: 0 success, 1 runtime failure, 2 bad usage or configuration.\n"
		"See mcrd(8) and mcrd.conf(5).\n");
}

static long parse_number(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		(void)fprintf(stderr, "mcrd: --%s: \"%s\" is not a number between %ld and %ld\n",
			      opt, s, min, max);
		exit(EXIT_USAGE);
	}
	return v;
}

static bool is_pow2(long v)
{
	return v > 0 && (v & (v - 1)) == 0;
}

static void parse_options(int argc, char **argv, struct mcrd_opts *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "c:r:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_file = optarg;
			break;
		case 'r':
			if (o->n_rules == MAX_CLI_RULES) {
				(void)fprintf(stderr, "mcrd: more than %d --rule options\n",
					      MAX_CLI_RULES);
				exit(EXIT_USAGE);
			}
			o->rules[o->n_rules++] = optarg;
			break;
		case OPT_CHECK:
			o->is_check_only = true;
			break;
		case OPT_STATS_INTERVAL:
			o->stats_interval_ms = parse_number("stats-interval", optarg, 0, 3600000);
			break;
		case OPT_QUEUE_DEPTH:
			o->queue_depth = parse_number("queue-depth", optarg, 8, 32768);
			break;
		case OPT_SEND_BATCH:
			o->send_batch = parse_number("send-batch", optarg, 1, 32768);
			break;
		case OPT_COALESCE_US:
			o->coalesce_us = parse_number("coalesce-us", optarg, 0, MCR_MAX_COALESCE_US);
			break;
		case OPT_SNDBUF:
			o->sndbuf = parse_number("sndbuf", optarg, 4096, 1 << 30);
			break;
		case OPT_BUFFERS:
			o->buffers = parse_number("buffers", optarg, 64, 32768);
			break;
		case OPT_EGRESS:
			o->egress = optarg;
			break;
		case OPT_INGRESS:
			o->ingress = optarg;
			break;
		case OPT_WORKERS:
			o->workers = (unsigned int)parse_number("workers", optarg, 1,
								MCR_MAX_WORKERS);
			break;
		case OPT_NO_IGMP_JOIN:
			o->has_no_igmp_join = true;
			break;
		case OPT_CONTROL:
			o->control = optarg;
			break;
		case OPT_NO_CONTROL:
			o->has_no_control = true;
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_READY_FILE:
			o->ready_file = optarg;
			break;
		case OPT_LOG_LEVEL:
			o->log_level = log_level_from_name(optarg);
			if (o->log_level < 0) {
				(void)fprintf(stderr, "mcrd: --log-level: unknown level \"%s\"\n",
					      optarg);
				exit(EXIT_USAGE);
			}
			break;
		case OPT_SYSLOG:
			o->use_syslog = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		case 'V':
			(void)printf("mcrd %s\n", MCR_VERSION);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		(void)fprintf(stderr, "mcrd: unexpected argument \"%s\"; see mcrd --help\n",
			      argv[optind]);
		exit(EXIT_USAGE);
	}
}

__attribute__((format(printf, 2, 3)))
static int usage_error(struct config_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Command-line settings win over the file's; check what only the pair can. */
static int apply_overrides(const struct mcrd_opts *o, struct mcr_config *cfg,
			   struct config_error *err)
{
	if (o->stats_interval_ms >= 0)
		cfg->stats_interval_ms = (unsigned int)o->stats_interval_ms;
	if (o->queue_depth >= 0)
		cfg->queue_depth = (unsigned int)o->queue_depth;
	if (o->send_batch >= 0)
		cfg->send_batch = (unsigned int)o->send_batch;
	if (o->coalesce_us >= 0)
		cfg->coalesce_us = (unsigned int)o->coalesce_us;
	if (o->sndbuf >= 0)
		cfg->so_sndbuf = (int)o->sndbuf;
	if (o->buffers >= 0)
		cfg->buffers = (unsigned int)o->buffers;
	if (o->has_no_igmp_join)
		cfg->igmp_join = false;
	if (o->egress && config_parse_egress(o->egress, &cfg->egress) < 0)
		return usage_error(err, "--egress: \"%s\" is not auto, l2 or udp", o->egress);
	if (o->ingress && config_parse_ingress(o->ingress, &cfg->ingress) < 0)
		return usage_error(err, "--ingress: \"%s\" is not ring or multishot", o->ingress);
	if (!is_pow2(cfg->queue_depth))
		return usage_error(err, "--queue-depth: %u is not a power of two",
				   cfg->queue_depth);
	if (!is_pow2(cfg->buffers))
		return usage_error(err, "--buffers: %u is not a power of two", cfg->buffers);
	if (cfg->send_batch > cfg->queue_depth)
		return usage_error(err, "send batch %u is larger than the queue depth %u",
				   cfg->send_batch, cfg->queue_depth);
	return 0;
}

/* "msg" becomes "<a><b>msg", cut to fit. */
static void prefix_error(struct config_error *err, const char *a, const char *b)
{
	char prefix[sizeof(err->msg)];
	size_t lp, lm;

	lp = (size_t)snprintf(prefix, sizeof(prefix) - 1, "%s%s", a, b);
	if (lp >= sizeof(prefix) - 1)
		lp = sizeof(prefix) - 2;
	lm = strnlen(err->msg, sizeof(err->msg) - 1);
	if (lp + lm >= sizeof(err->msg))
		lm = sizeof(err->msg) - 1 - lp;
	memmove(err->msg + lp, err->msg, lm);
	memcpy(err->msg, prefix, lp);
	err->msg[lp + lm] = '\0';
}

/*
 * File first, then --rule specs, then command-line settings, then the
 * checks that need all of them.  Used at start and on every reload, so a
 * reload means exactly what the command line meant.
 */
static int load_config(void *ctx, struct mcr_config *cfg, struct config_error *err)
{
	const struct mcrd_opts *o = ctx;
	int ret;

	if (o->config_file && (ret = config_load_file(cfg, o->config_file, err)) < 0) {
		prefix_error(err, o->config_file, ": ");
		return ret;
	}
	for (size_t i = 0; i < o->n_rules; i++) {
		ret = config_add_shorthand(cfg, o->rules[i], err);
		if (ret < 0) {
			prefix_error(err, "--rule", ": ");
			return ret;
		}
	}
	if (cfg->n_rules == 0) {
		(void)snprintf(err->msg, sizeof(err->msg),
			       "no rules: give --config FILE or --rule SPEC");
		return -EINVAL;
	}
	ret = apply_overrides(o, cfg, err);
	if (ret < 0)
		return ret;
	ret = config_resolve(cfg, err);
	/* What a worker could not take is refused here, at start and at --check-config. */
	if (ret == 0)
		ret = limits_check(cfg, err);
	if (ret < 0 && o->config_file)
		prefix_error(err, o->config_file, ": ");
	return ret;
}

/* Fan-out to hundreds of outputs needs a socket each: allow what we may. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn_errno(errno, "cannot raise RLIMIT_NOFILE, ignoring");
	}
}

static size_t count_outputs(const struct mcr_config *cfg)
{
	size_t n = 0;

	for (size_t r = 0; r < cfg->n_rules; r++)
		n += cfg->rules[r].n_outputs;
	return n;
}

int main(int argc, char **argv)
{
	struct mcrd_opts o = {
		.log_level = LOG_INFO,
		.stats_interval_ms = -1,
		.queue_depth = -1,
		.send_batch = -1,
		.coalesce_us = -1,
		.sndbuf = -1,
		.buffers = -1,
	};
	struct supervisor_opts sup = { 0 };
	struct config_error err;
	struct mcr_config cfg;
	int ret;

	config_init(&cfg);
	parse_options(argc, argv, &o);
	log_init("mcrd", o.use_syslog, o.log_level);
	if (load_config(&o, &cfg, &err) < 0) {
		(void)fprintf(stderr, "mcrd: %s\n", err.msg);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	if (o.is_check_only) {
		(void)printf("configuration OK: %zu rules, %zu outputs\n", cfg.n_rules,
			     count_outputs(&cfg));
		for (size_t r = 0; r < cfg.n_rules; r++)
			if (config_rule_waiting_for(&cfg.rules[r]))
				(void)printf("rule \"%s\" waits for interface %s, which does not exist\n",
					     cfg.rules[r].name, config_rule_waiting_for(&cfg.rules[r]));
		config_free(&cfg);
		return EXIT_SUCCESS;
	}
	raise_fd_limit();
	ret = privs_plan(&sup.privs, o.user, cfg.so_sndbuf);
	if (ret < 0) {
		log_err_errno(ret, "--user: cannot find user \"%s\"", o.user);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	sup.n_workers = o.workers ? o.workers : cfg.workers;
	sup.control_path = o.has_no_control ? NULL : o.control ? o.control : MCRD_DEFAULT_CONTROL;
	if (o.config_file) {
		sup.load = load_config;
		sup.load_ctx = &o;
	}
	sup.ready_file = o.ready_file;
	ret = supervisor_run(&cfg, &sup);
	config_free(&cfg);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
