// SPDX-License-Identifier: MIT
/*
 * mcrctl's statistics verbs.  "stats" shows one snapshot as tables, with
 * the current rates mcrd reports (over its latest interval, about a
 * second); "watch" takes a snapshot every interval and shows the rates over
 * that interval, from the difference of successive counters.  Rates read
 * in packets and payload bits per second with SI prefixes; --json keeps
 * them as plain numbers in those units.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mcrctl/cmd.h"
#include "mcrctl/table.h"

#define WATCH_INTERVAL_MS	1000
#define WATCH_INTERVAL_MIN	10
#define WATCH_INTERVAL_MAX	3600000

/* "  -> IF GROUP:PORT" under its rule; port * keeps each packet's own. */
static void fmt_output_name(const json_t *o, char *buf, size_t size)
{
	char port[16] = "*", host[64];

	if (json_int_of(o, "port"))
		(void)snprintf(port, sizeof(port), "%lld", json_int_of(o, "port"));
	(void)snprintf(buf, size, "  -> %s %s:%s", json_str_or(o, "interface", "?"),
		       table_host(json_str_or(o, "group", "?"), host, sizeof(host)), port);
}

/*
 * a + b for counters as mcrd sent them: a sum past the range of long long
 * (only a broken or hostile mcrd sends such numbers) saturates instead of
 * overflowing, which is undefined behaviour.
 */
static long long add_sat(long long a, long long b)
{
	long long sum;

	if (__builtin_add_overflow(a, b, &sum))
		return b > 0 ? LLONG_MAX : LLONG_MIN;
	return sum;
}

static void rules_table(const json_t *doc, bool is_verbose, struct table *t)
{
	static const char *const cols[] = { "RULE",	      ">IN",	 ">IN BIT/S",
					    ">OUT",	      ">OUT BIT/S", ">PACKETS IN",
					    ">PACKETS OUT", ">DROPS",	 ">ERRORS",
					    ">TOO BIG",     ">TTL EXPIRED", NULL };
	json_t *rule, *o;
	size_t i, j;

	table_init(t, cols);
	json_array_foreach(json_object_get(doc, "rules"), i, rule) {
		json_t *outs = json_object_get(rule, "outputs");
		long long out = 0, drops = 0, errors = 0, too_big = 0, expired = 0;
		double pps_out = 0, bps_out = 0;
		char r[4][TABLE_RATE_MAX];

		json_array_foreach(outs, j, o) {
			out = add_sat(out, json_int_of(o, "packets_out"));
			drops = add_sat(drops, json_int_of(o, "drops"));
			errors = add_sat(errors, json_int_of(o, "send_errors"));
			too_big = add_sat(too_big, json_int_of(o, "too_big"));
			expired = add_sat(expired, json_int_of(o, "ttl_expired"));
			pps_out += json_num_of(o, "pps_out");
			bps_out += json_num_of(o, "bps_out");
		}
		table_row(t);
		table_cell(t, "%s", json_str_or(rule, "name", "?"));
		table_cell(t, "%s", table_rate(json_num_of(rule, "pps_in"), "pps", r[0]));
		table_cell(t, "%s", table_rate(json_num_of(rule, "bps_in"), "bit/s", r[1]));
		table_cell(t, "%s", table_rate(pps_out, "pps", r[2]));
		table_cell(t, "%s", table_rate(bps_out, "bit/s", r[3]));
		table_cell(t, "%lld", json_int_of(rule, "packets_in"));
		table_cell(t, "%lld", out);
		table_cell(t, "%lld", drops);
		table_cell(t, "%lld", errors);
		table_cell(t, "%lld", too_big);
		table_cell(t, "%lld", expired);
		if (!is_verbose)
			continue;
		json_array_foreach(outs, j, o) {
			char name[96];

			fmt_output_name(o, name, sizeof(name));
			table_row(t);
			table_cell(t, "%s", name);
			table_cell(t, "%s", "");
			table_cell(t, "%s", "");
			table_cell(t, "%s", table_rate(json_num_of(o, "pps_out"), "pps", r[2]));
			table_cell(t, "%s", table_rate(json_num_of(o, "bps_out"), "bit/s", r[3]));
			table_cell(t, "%s", "");
			table_cell(t, "%lld", json_int_of(o, "packets_out"));
			table_cell(t, "%lld", json_int_of(o, "drops"));
			table_cell(t, "%lld", json_int_of(o, "send_errors"));
			table_cell(t, "%lld", json_int_of(o, "too_big"));
			table_cell(t, "%lld", json_int_of(o, "ttl_expired"));
		}
	}
}

static void inputs_table(const json_t *doc, struct table *t)
{
	static const char *const cols[] = { "INPUT", ">RATE", ">BIT/S", ">FRAMES", ">MALFORMED",
					    ">FRAGMENTS", ">UNMATCHED", ">BUF EXHAUSTION",
					    ">KERNEL DROPS", ">TOO BIG", ">VLAN DROPPED", NULL };
	char r[2][TABLE_RATE_MAX];
	json_t *in;
	size_t i;

	table_init(t, cols);
	json_array_foreach(json_object_get(doc, "inputs"), i, in) {
		table_row(t);
		table_cell(t, "%s", json_str_or(in, "interface", "?"));
		table_cell(t, "%s", table_rate(json_num_of(in, "pps"), "pps", r[0]));
		table_cell(t, "%s", table_rate(json_num_of(in, "bps"), "bit/s", r[1]));
		table_cell(t, "%lld", json_int_of(in, "frames"));
		table_cell(t, "%lld", json_int_of(in, "malformed"));
		table_cell(t, "%lld", json_int_of(in, "fragments"));
		table_cell(t, "%lld", json_int_of(in, "unmatched"));
		table_cell(t, "%lld", json_int_of(in, "buffer_exhaustion"));
		table_cell(t, "%lld", json_int_of(in, "kernel_drops"));
		table_cell(t, "%lld", json_int_of(in, "too_big"));
		table_cell(t, "%lld", json_int_of(in, "vlan_dropped"));
	}
}

/* Rules that relay nothing until an interface appears. */
static void print_waiting(const json_t *doc)
{
	const json_t *w;
	size_t i;

	bool is_first = true;

	json_array_foreach(json_object_get(doc, "rules"), i, w) {
		if (!json_object_get(w, "waiting"))
			continue;
		(void)printf("%s%s: waiting for interface %s\n", is_first ? "\n" : "",
			     json_str_or(w, "name", "?"), json_str_or(w, "waiting", "?"));
		is_first = false;
	}
}

int cmd_stats(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{ "verbose", no_argument, NULL, 'v' },
		MCRCTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	bool is_verbose = false;
	struct table t;
	json_t *doc;
	int c, rc;

	while ((c = mcrctl_getopt(m, cmd, argc, argv, "vjh", options)) != -1) {
		if (c != 'v')
			return EXIT_USAGE;
		is_verbose = true;
	}
	if (optind < argc)
		return mcrctl_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
	rc = mcrctl_fetch(m, PROTO_CMD_STATS, NULL, &doc);
	if (rc || !doc)
		return rc;
	if (json_num_of(doc, "rate_interval_s") > 0)
		(void)printf("uptime %.1f s; rates over the last %.2f s\n\n",
			     json_num_of(doc, "uptime_s"), json_num_of(doc, "rate_interval_s"));
	else
		(void)printf("uptime %.1f s; no rates yet (mcrd takes a second to have them)\n\n",
			     json_num_of(doc, "uptime_s"));
	rules_table(doc, is_verbose, &t);
	rc = table_print(&t, stdout);
	table_free(&t);
	if (rc == 0) {
		(void)printf("\n");
		inputs_table(doc, &t);
		rc = table_print(&t, stdout);
		table_free(&t);
	}
	print_waiting(doc);
	json_decref(doc);
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- watch ---- */

static long long parse_count(const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	return v;
}

static const json_t *find_rule(const json_t *doc, const char *name)
{
	json_t *rule;
	size_t i;

	json_array_foreach(json_object_get(doc, "rules"), i, rule)
		if (!strcmp(json_str_or(rule, "name", ""), name))
			return rule;
	return NULL;
}

/* The same output in the previous snapshot: same place, same destination. */
static const json_t *find_output(const json_t *prev_rule, size_t j, const json_t *o)
{
	const json_t *p = json_array_get(json_object_get(prev_rule, "outputs"), j);

	if (!p || strcmp(json_str_or(p, "interface", ""), json_str_or(o, "interface", "")) ||
	    strcmp(json_str_or(p, "group", ""), json_str_or(o, "group", "")) ||
	    json_int_of(p, "port") != json_int_of(o, "port"))
		return NULL;
	return p;
}

/* Per-second rate of @key between two snapshots of a counter; negative if unknown. */
static double rate_of(const json_t *now, const json_t *prev, const char *key, double secs)
{
	long long d;

	if (!prev || secs <= 0)
		return -1;
	/* Past long long's range (a broken mcrd's numbers) the rate is unknown too. */
	if (__builtin_sub_overflow(json_int_of(now, key), json_int_of(prev, key), &d))
		return -1;
	/* A counter that went back belongs to a rule that was replaced. */
	return d < 0 ? -1 : (double)d / secs;
}

static json_t *rate_json(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

/* Output o's rates in pps and payload bit/s (prev_o: the same output before, or NULL). */
static json_t *watch_output_json(const json_t *o, const json_t *prev_o, double secs, double *pps,
				 double *bps)
{
	*pps = rate_of(o, prev_o, "packets_out", secs);
	*bps = rate_of(o, prev_o, "bytes_out", secs);
	return json_pack("{s:s, s:s, s:I, s:o, s:o}", "interface", json_str_or(o, "interface", "?"),
			 "group", json_str_or(o, "group", "?"), "port",
			 (json_int_t)json_int_of(o, "port"), "pps_out", rate_json(*pps), "bps_out",
			 rate_json(*bps < 0 ? -1 : 8 * *bps));
}

/* The input named like in, in the previous snapshot. */
static const json_t *find_input(const json_t *prev, const json_t *in)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(prev, "inputs"), i, p)
		if (!strcmp(json_str_or(p, "interface", ""), json_str_or(in, "interface", "?")))
			return p;
	return NULL;
}

/* Each input's frame and bit rates over the interval. */
static json_t *watch_inputs_json(const json_t *doc, const json_t *prev, double secs)
{
	json_t *arr = json_array(), *in;
	size_t i;

	json_array_foreach(json_object_get(doc, "inputs"), i, in) {
		const json_t *p = find_input(prev, in);
		double bps = rate_of(in, p, "bytes", secs);

		(void)json_array_append_new(
			arr, json_pack("{s:s, s:o, s:o}", "interface", json_str_or(in, "interface", "?"),
				       "pps", rate_json(rate_of(in, p, "frames", secs)), "bps",
				       rate_json(bps < 0 ? -1 : 8 * bps)));
	}
	return arr;
}

/* One interval's rates as a JSON object (for --json), or NULL on ENOMEM. */
static json_t *watch_json(const json_t *doc, const json_t *prev, double secs)
{
	json_t *rules = json_array(), *rule, *o;
	size_t i, j;

	json_array_foreach(json_object_get(doc, "rules"), i, rule) {
		const json_t *pr = find_rule(prev, json_str_or(rule, "name", ""));
		json_t *outs = json_array(), *r;
		double pps_out = 0, bps_out = 0, bps_in = rate_of(rule, pr, "bytes_in", secs);
		bool is_known = pr != NULL;

		json_array_foreach(json_object_get(rule, "outputs"), j, o) {
			double pps, bps;

			(void)json_array_append_new(outs, watch_output_json(o, find_output(pr, j, o),
									    secs, &pps, &bps));
			is_known = is_known && pps >= 0 && bps >= 0;
			pps_out += pps;
			bps_out += bps;
		}
		r = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "name",
			      json_str_or(rule, "name", "?"), "pps_in",
			      rate_json(rate_of(rule, pr, "packets_in", secs)), "bps_in",
			      rate_json(bps_in < 0 ? -1 : 8 * bps_in), "pps_out",
			      rate_json(is_known ? pps_out : -1), "bps_out",
			      rate_json(is_known ? 8 * bps_out : -1), "outputs", outs);
		(void)json_array_append_new(rules, r);
	}
	return json_pack("{s:f, s:o, s:o}", "interval_s", secs, "rules", rules, "inputs",
			 watch_inputs_json(doc, prev, secs));
}

/* A rate cell: "-" when unknown (null), else in human units. */
static void rate_cell(struct table *t, const json_t *obj, const char *key, const char *unit)
{
	const json_t *v = json_object_get(obj, key);
	char buf[TABLE_RATE_MAX];

	table_cell(t, "%s", !v || json_is_null(v) ? "-" : table_rate(json_number_value(v), unit, buf));
}

static void watch_inputs_table(const json_t *rates, struct table *t)
{
	static const char *const cols[] = { "INPUT", ">RATE", ">BIT/S", NULL };
	json_t *in;
	size_t i;

	table_init(t, cols);
	json_array_foreach(json_object_get(rates, "inputs"), i, in) {
		table_row(t);
		table_cell(t, "%s", json_str_or(in, "interface", "?"));
		rate_cell(t, in, "pps", "pps");
		rate_cell(t, in, "bps", "bit/s");
	}
}

static void watch_draw(const struct mcrctl *m, const json_t *rates, int interval_ms)
{
	static const char *const cols[] = { "RULE / OUTPUT", ">IN",	    ">IN BIT/S",
					    ">OUT",	     ">OUT BIT/S", NULL };
	bool is_tty = isatty(STDOUT_FILENO) == 1;
	json_t *rule, *o;
	struct table t;
	size_t i, j;

	table_init(&t, cols);
	json_array_foreach(json_object_get(rates, "rules"), i, rule) {
		table_row(&t);
		table_cell(&t, "%s", json_str_or(rule, "name", "?"));
		rate_cell(&t, rule, "pps_in", "pps");
		rate_cell(&t, rule, "bps_in", "bit/s");
		rate_cell(&t, rule, "pps_out", "pps");
		rate_cell(&t, rule, "bps_out", "bit/s");
		json_array_foreach(json_object_get(rule, "outputs"), j, o) {
			char name[96];

			fmt_output_name(o, name, sizeof(name));
			table_row(&t);
			table_cell(&t, "%s", name);
			table_cell(&t, "%s", "");
			table_cell(&t, "%s", "");
			rate_cell(&t, o, "pps_out", "pps");
			rate_cell(&t, o, "bps_out", "bit/s");
		}
	}
	if (is_tty) {
		/* Home and clear, then the whole picture: no flicker of half a table. */
		(void)printf("\033[H\033[2J");
		(void)printf("mcrd at %s, every %d ms (Ctrl-C to stop)\n\n", m->socket_path,
			     interval_ms);
	} else {
		/* A file or a pipe gets plain blocks, one per interval, with the time. */
		time_t now = time(NULL);
		struct tm tm;
		char when[32] = "?";

		if (localtime_r(&now, &tm))
			(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		(void)printf("%s, mcrd at %s, rates over %.2f s\n", when, m->socket_path,
			     json_num_of(rates, "interval_s"));
	}
	(void)table_print(&t, stdout);
	table_free(&t);
	watch_inputs_table(rates, &t);
	if (t.n_rows) {
		(void)printf("\n");
		(void)table_print(&t, stdout);
	}
	table_free(&t);
	if (!is_tty)
		(void)printf("\n");
	(void)fflush(stdout);
}

static void sleep_until(uint64_t deadline)
{
	uint64_t now = now_ns();
	struct timespec ts;

	if (now >= deadline)
		return;
	ts.tv_sec = (time_t)((deadline - now) / NSEC_PER_SEC);
	ts.tv_nsec = (long)((deadline - now) % NSEC_PER_SEC);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One snapshot, on a connection of its own (a quiet connection would time out between them). */
static int watch_sample(const struct mcrctl *m, json_t **ret_doc, uint64_t *ret_ns)
{
	int rc = mcrctl_request(m, PROTO_CMD_STATS, NULL, ret_doc);

	*ret_ns = now_ns();
	return rc;
}

/* Seconds between snapshots: mcrd's own uptime when it has one, our clock otherwise. */
static double watch_secs(const json_t *doc, const json_t *prev, uint64_t t, uint64_t prev_t)
{
	double d = json_num_of(doc, "uptime_s") - json_num_of(prev, "uptime_s");

	return d > 0 ? d : (double)(t - prev_t) / (double)NSEC_PER_SEC;
}

int cmd_watch(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	static const struct option options[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		MCRCTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	long long interval = WATCH_INTERVAL_MS, count = 0;
	json_t *prev = NULL, *doc = NULL, *rates;
	uint64_t prev_t = 0, t = 0, next;
	int c, rc;

	while ((c = mcrctl_getopt(m, cmd, argc, argv, "i:n:jh", options)) != -1) {
		switch (c) {
		case 'i':
			interval = parse_count(optarg, WATCH_INTERVAL_MIN, WATCH_INTERVAL_MAX);
			if (interval < 0)
				return mcrctl_usage_error(cmd,
							  "--interval: \"%s\" is not a number of milliseconds between %d and %d",
							  optarg, WATCH_INTERVAL_MIN,
							  WATCH_INTERVAL_MAX);
			break;
		case 'n':
			count = parse_count(optarg, 1, 1000000000);
			if (count < 0)
				return mcrctl_usage_error(cmd, "--count: \"%s\" is not a positive number",
							  optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return mcrctl_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);

	rc = watch_sample(m, &prev, &prev_t);
	next = prev_t;
	for (long long n = 0; rc == 0 && (count == 0 || n < count); n++) {
		next += (uint64_t)interval * NSEC_PER_MSEC;
		sleep_until(next);
		rc = watch_sample(m, &doc, &t);
		if (rc)
			break;
		rates = watch_json(doc, prev, watch_secs(doc, prev, t, prev_t));
		if (!rates) {
			rc = EXIT_FAILURE;
			break;
		}
		if (m->is_json) {
			char *line = json_dumps(rates, JSON_COMPACT);

			if (line)
				(void)printf("%s\n", line);
			free(line);
			(void)fflush(stdout);
		} else {
			watch_draw(m, rates, (int)interval);
		}
		json_decref(rates);
		json_decref(prev);
		prev = doc;
		prev_t = t;
		doc = NULL;
	}
	json_decref(prev);
	return rc;
}
