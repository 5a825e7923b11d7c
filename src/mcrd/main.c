// SPDX-License-Identifier: MIT
/*
 * mcrd: command line, configuration and the daemon's life cycle.  Reads
 * top to bottom: options, configuration, forwarding table, worker, run,
 * tear down.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "config/config.h"
#include "mcrd/supervisor/limits.h"
#include "config/settings.h"
#include "mcrd/supervisor/supervisor.h"

#define MAX_CLI_RULES 4096
/* getopt values of the settings' options: this plus the table index. */
#define OPT_SETTING 512
#define MAX_SETTINGS 32

struct mcrd_opts {
	const char *config_file;	/* --config, or NULL */
	const char *rules[MAX_CLI_RULES];	/* --rule specs, applied after the file */
	size_t n_rules;
	const char *ready_file;
	const char *pid_file;
	bool is_check_only;
	bool use_syslog;
	int log_level;
	/* Settings given on the command line: they override the file's. */
	uint32_t settings_given;	/* a bit per settings table entry */
	const char *setting_args[MAX_SETTINGS];
	const char *user;
	const char *control;
	bool has_no_control;
};

enum {
	OPT_CHECK = 256,
	OPT_USER,
	OPT_CONTROL,
	OPT_NO_CONTROL,
	OPT_READY_FILE,
	OPT_PID_FILE,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
};

/* The process's own options; the settings' options come from settings.h. */
struct process_option {
	const char *name;
	char short_name;
	int val;
	const char *arg;	/* NULL: a flag */
	const char *help;
};

static const struct process_option process_options[] = {
	{ "config", 'c', 'c', "FILE",
	  "read rules and settings from a JSON file (default\n"
	  MCR_DEFAULT_CONFIG_PATH " when no --rule is given;\n"
	  "when that file does not exist, start with no rules)" },
	{ "rule", 'r', 'r', "SPEC",
	  "add a rule (repeatable), in the form\n"
	  "[NAME=]IN_IF,GROUP[:PORT][,source=IP][,vlan=VID]\n"
	  "  -> OUT_IF[,GROUP[:PORT]][,ttl=N|keep|decrement]\n"
	  "     [,source=relay|keep|IP][,when=always|joined][; ...]\n"
	  "  one OUT may be downstream=IF[+IF...][,GROUP[:PORT]][,ttl=..][,source=..]" },
	{ "check-config", 0, OPT_CHECK, NULL,
	  "validate the configuration and exit (0 = good, 2 = bad)" },
	{ "user", 0, OPT_USER, "NAME",
	  "run the workers as this user, keeping only\n"
	  "CAP_NET_RAW (and CAP_NET_ADMIN if needed)" },
	{ "control", 0, OPT_CONTROL, "PATH",
	  "control socket for mcrctl (default " MCRD_DEFAULT_CONTROL ")" },
	{ "no-control", 0, OPT_NO_CONTROL, NULL, "no control socket" },
	{ "ready-file", 0, OPT_READY_FILE, "PATH", "create PATH once every worker is relaying" },
	{ "pidfile", 0, OPT_PID_FILE, "PATH", "write mcrd's pid to PATH once relaying; removed at exit" },
	{ "log-level", 0, OPT_LOG_LEVEL, "LEVEL",
	  "error, warning, notice, info (default) or debug" },
	{ "syslog", 0, OPT_SYSLOG, NULL, "log to syslog instead of stderr" },
	{ "help", 'h', 'h', NULL, "show this help" },
	{ "version", 'V', 'V', NULL, "show the version" },
};

/* "  -c, --config FILE        read ..." in the same columns as the settings. */
static void usage_option(FILE *f, const struct process_option *po)
{
	char head[64];

	if (po->short_name)
		(void)snprintf(head, sizeof(head), "  -%c, --%s%s%s", po->short_name, po->name,
			       po->arg ? " " : "", po->arg ? po->arg : "");
	else
		(void)snprintf(head, sizeof(head), "      --%s%s%s", po->name, po->arg ? " " : "",
			       po->arg ? po->arg : "");
	settings_usage_line(f, head, po->help);
}

static void usage(FILE *f)
{
	(void)fprintf(f, "Usage: mcrd [OPTIONS]\n"
			 "Relay UDP multicast between interfaces from userspace.\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(process_options); i++)
		usage_option(f, &process_options[i]);
	(void)fprintf(f, "\nSettings (each overrides the file's key of the same meaning, "
			 "see mcrd.conf(5)):\n");
	settings_usage(f);
	(void)fprintf(f,
		"\n"
		"Signals: SIGHUP re-reads the configuration file; SIGUSR1 prints a JSON stats\n"
		"snapshot on stdout; SIGTERM or SIGINT finishes in-flight sends, prints the\n"
		"final JSON summary on stdout and exits 0.\n"
		"Exit status: 0 success, 1 runtime failure, 2 bad usage or configuration.\n"
		"See mcrd(8) and mcrd.conf(5).\n");
}

/* getopt's table: the process's options, then one per setting. */
static void build_long_options(struct option *ret, size_t max)
{
	size_t n_settings, n = 0;
	const struct setting *table = settings_table(&n_settings);

	for (size_t i = 0; i < ARRAY_SIZE(process_options) && n + 1 < max; i++) {
		const struct process_option *po = &process_options[i];

		ret[n++] = (struct option){ po->name, po->arg ? required_argument : no_argument,
					    NULL, po->val };
	}
	for (size_t i = 0; i < n_settings && i < MAX_SETTINGS && n + 1 < max; i++)
		ret[n++] = (struct option){ table[i].option,
					    table[i].arg ? required_argument : no_argument, NULL,
					    OPT_SETTING + (int)i };
	ret[n] = (struct option){ NULL, 0, NULL, 0 };
}

/*
 * A setting's argument is checked at once, on a scratch configuration, so
 * that a bad one stops mcrd before anything else; load_config() applies it.
 */
static void take_setting(struct mcrd_opts *o, size_t i, const char *arg)
{
	size_t n_settings;
	const struct setting *s = &settings_table(&n_settings)[i];
	struct config_error err;
	struct mcr_config scratch;

	config_init(&scratch);
	if (settings_from_arg(&scratch, s, arg, &err) < 0) {
		(void)fprintf(stderr, "mcrd: %s\n", err.msg);
		exit(EXIT_USAGE);
	}
	o->settings_given |= 1U << i;
	o->setting_args[i] = arg;
}

static void parse_options(int argc, char **argv, struct mcrd_opts *o)
{
	struct option long_options[ARRAY_SIZE(process_options) + MAX_SETTINGS + 1];
	int c;

	build_long_options(long_options, ARRAY_SIZE(long_options));
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
		case OPT_CONTROL:
			o->control = optarg;
			break;
		case OPT_NO_CONTROL:
			o->has_no_control = true;
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
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
			if (c >= OPT_SETTING && c < OPT_SETTING + MAX_SETTINGS) {
				take_setting(o, (size_t)(c - OPT_SETTING), optarg);
				break;
			}
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

/* Command-line settings win over the file's; then what only the pair can check. */
static int apply_overrides(const struct mcrd_opts *o, struct mcr_config *cfg,
			   struct config_error *err)
{
	size_t n_settings;
	const struct setting *table = settings_table(&n_settings);
	int ret;

	for (size_t i = 0; i < n_settings && i < MAX_SETTINGS; i++) {
		if (!(o->settings_given & (1U << i)))
			continue;
		ret = settings_from_arg(cfg, &table[i], o->setting_args[i], err);
		if (ret < 0)
			return ret;
	}
	return settings_check(cfg, o->settings_given, true, err);
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
	const char *path = o->config_file;
	int ret;

	/* Without --config and --rule, the default file; missing, it means no rules. */
	if (!path && o->n_rules == 0) {
		path = MCR_DEFAULT_CONFIG_PATH;
		if (access(path, F_OK) < 0 && errno == ENOENT) {
			log_info("%s does not exist: no rules; add them with mcrctl", path);
			path = NULL;
		}
	}
	if (path && (ret = config_load_file(cfg, path, err)) < 0) {
		prefix_error(err, path, ": ");
		return ret;
	}
	for (size_t i = 0; i < o->n_rules; i++) {
		ret = config_add_shorthand(cfg, o->rules[i], err);
		if (ret < 0) {
			prefix_error(err, "--rule", ": ");
			return ret;
		}
	}
	ret = apply_overrides(o, cfg, err);
	if (ret < 0)
		return ret;
	ret = config_resolve(cfg, err);
	/* What a worker could not take is refused here, at start and at --check-config. */
	if (ret == 0)
		ret = limits_check(cfg, err);
	if (ret < 0 && path)
		prefix_error(err, path, ": ");
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
	struct mcrd_opts o = { .log_level = LOG_INFO };
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
		/* A misspelt downstream interface would otherwise go unnoticed: it never waits. */
		for (size_t r = 0; r < cfg.n_rules; r++)
			for (size_t j = 0; j < cfg.rules[r].n_outputs; j++)
				if (cfg.rules[r].outputs[j].is_downstream &&
				    !cfg.rules[r].outputs[j].ifindex)
					(void)printf("rule \"%s\": downstream interface %s does not "
						     "exist; it gets nothing until it does\n",
						     cfg.rules[r].name, cfg.rules[r].outputs[j].ifname);
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
	sup.privs.needs_xdp = cfg.ingress == INGRESS_XDP;
	sup.n_workers = cfg.workers;
	sup.control_path = o.has_no_control ? NULL : o.control ? o.control : MCRD_DEFAULT_CONTROL;
	/* A reload re-reads the file: --config's or, without --rule, the default. */
	if (o.config_file || o.n_rules == 0) {
		sup.load = load_config;
		sup.load_ctx = &o;
	}
	sup.ready_file = o.ready_file;
	sup.pid_file = o.pid_file;
	ret = supervisor_run(&cfg, &sup);
	config_free(&cfg);
	return ret < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
