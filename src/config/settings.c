// SPDX-License-Identifier: MIT
/*
 * The table of mcrd's global settings and the one set of checks behind it.
 * A value is read from JSON or from a command-line argument into a long
 * long (or a name, for an enum), then checked and stored by the same code,
 * so "--stats-interval 1" and "stats_interval_ms": 1 are refused alike, with
 * the same message after the setting's name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/util.h"
#include "config/config_internal.h"
#include "config/settings.h"

/* Where --help starts the help text. */
#define HELP_COLUMN	27

_Static_assert(sizeof(enum egress_mode) == sizeof(unsigned int), "enums are stored as unsigned");
_Static_assert(sizeof(enum ingress_mode) == sizeof(unsigned int), "enums are stored as unsigned");

static const char *const egress_names[] = { "auto", "l2", "udp", NULL };
static const char *const ingress_names[] = { "ring", "multishot", "xdp", NULL };
_Static_assert(ARRAY_SIZE(egress_names) == EGRESS_MODE_MAX + 1, "a name per egress mode");
_Static_assert(ARRAY_SIZE(ingress_names) == INGRESS_MODE_MAX + 1, "a name per ingress mode");

#define FIELD(f)	offsetof(struct mcr_config, f)
#define FIELD_SIZE(f)	sizeof(((struct mcr_config *)0)->f)

static int check_listen(const char *v)
{
	struct in_addr a;
	uint16_t port;

	return *v == '\0' ? 0 : addr_parse_listen(v, &a, &port);
}

/* A name as useradd(8) would take it: the group itself is looked up at start. */
static int check_group_name(const char *v)
{
	for (const char *p = v; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("_.-", *p) && !(p[1] == '\0' && *p == '$'))
			return -EINVAL;
	return *v == '-' ? -EINVAL : 0;
}

/* Octal permission bits of a socket: owner read-write at least, nothing for setuid. */
static int check_mode(const char *v)
{
	char *end;
	unsigned long m;

	if (*v != '0')
		return -EINVAL;
	errno = 0;
	m = strtoul(v, &end, 8);
	return errno || *end || m > 0777 || (m & 0600) != 0600 ? -EINVAL : 0;
}

static const struct setting table[] = {
	{ .key = "queue_depth", .option = "queue-depth", .arg = "N", .type = SETTING_UINT,
	  .offset = FIELD(queue_depth), .def = MCR_DEFAULT_QUEUE_DEPTH, .min = 8, .max = 32768,
	  .is_pow2 = true, .help = "io_uring submission queue entries" },
	{ .key = "send_batch", .option = "send-batch", .arg = "N", .type = SETTING_UINT,
	  .offset = FIELD(send_batch), .def = MCR_DEFAULT_SEND_BATCH, .min = 1, .max = 32768,
	  .max_key = "queue_depth", .help = "sends queued before a submit, at most queue_depth" },
	{ .key = "coalesce_us", .option = "coalesce-us", .arg = "N", .type = SETTING_UINT,
	  .offset = FIELD(coalesce_us), .def = MCR_DEFAULT_COALESCE_US, .min = 0,
	  .max = MCR_MAX_COALESCE_US, .zero = "no coalescing",
	  .help = "after a completion, wait up to N us for a batch\n"
		  "before waking (Linux 6.12+)" },
	{ .key = "worker_rt_priority", .option = "worker-rt-priority", .arg = "N",
	  .type = SETTING_UINT, .offset = FIELD(worker_rt_priority), .def = 0, .min = 0,
	  .max = 99, .zero = "normal scheduling",
	  .help = "run workers SCHED_FIFO at priority N (1-99): under\n"
		  "overload they keep their core against the receive softirq" },
	{ .key = "so_sndbuf", .option = "sndbuf", .arg = "BYTES", .type = SETTING_INT,
	  .offset = FIELD(so_sndbuf), .def = MCR_DEFAULT_SNDBUF, .min = 4096, .max = 1 << 30,
	  .help = "egress socket send buffer" },
	{ .key = "stats_interval_ms", .option = "stats-interval", .arg = "MS", .type = SETTING_UINT,
	  .offset = FIELD(stats_interval_ms), .def = MCR_DEFAULT_STATS_MS, .min = 100,
	  .max = 3600000, .zero = "off",
	  .help = "log a statistics line per rule every MS ms (info)" },
	{ .key = "buffers", .option = "buffers", .arg = "N", .type = SETTING_UINT,
	  .offset = FIELD(buffers), .def = MCR_DEFAULT_BUFFERS, .min = 64, .max = 32768,
	  .is_pow2 = true, .help = "ingress buffers per worker" },
	{ .key = "egress", .option = "egress", .arg = "MODE", .type = SETTING_ENUM,
	  .offset = FIELD(egress), .def = EGRESS_AUTO, .names = egress_names,
	  .help = "auto: l2 (pre-built frames on AF_PACKET) for multicast\n"
		  "outputs, udp (UDP sockets) for unicast ones" },
	{ .key = "ingress", .option = "ingress", .arg = "MODE", .type = SETTING_ENUM,
	  .offset = FIELD(ingress), .def = INGRESS_RING, .names = ingress_names,
	  .help = "ring (TPACKET_V2, a wake-up per frame at low rates,\n"
		  "many frames per wake-up at high ones) or multishot\n"
		  "(io_uring receive into provided buffers) or xdp (an XDP\n"
		  "program sends rule frames to an AF_XDP socket, past the IP stack)" },
	{ .key = "workers", .option = "workers", .arg = "N", .type = SETTING_UINT,
	  .offset = FIELD(workers), .def = 0, .min = 0, .max = MCR_MAX_WORKERS,
	  .zero = "one per CPU", .help = "worker processes, each pinned to a CPU" },
	{ .key = "metrics", .option = "metrics", .arg = "ADDR:PORT", .type = SETTING_STRING,
	  .offset = FIELD(metrics), .size = FIELD_SIZE(metrics), .def_str = "", .zero = "off",
	  .check = check_listen, .expect = "ADDR:PORT or PORT (e.g. 127.0.0.1:9464)",
	  .help = "serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		  "(a bare PORT listens on 127.0.0.1)" },
	{ .key = "control_group", .option = "control-group", .arg = "GROUP",
	  .type = SETTING_STRING, .offset = FIELD(control_group),
	  .size = FIELD_SIZE(control_group), .def_str = "", .zero = "mcrd's own group",
	  .check = check_group_name, .expect = "a group name",
	  .help = "the control socket's group: its members may use mcrctl" },
	{ .key = "control_mode", .option = "control-mode", .arg = "MODE", .type = SETTING_STRING,
	  .offset = FIELD(control_mode), .size = FIELD_SIZE(control_mode),
	  .def_str = MCR_DEFAULT_CONTROL_MODE, .check = check_mode,
	  .expect = "an octal mode from 0600 to 0777 (e.g. \"0660\")",
	  .help = "the control socket's permissions, in octal" },
	{ .key = "igmp_join", .option = "no-igmp-join", .type = SETTING_BOOL,
	  .offset = FIELD(igmp_join), .def = true,
	  .help = "program the NIC filter for input groups but send no\n"
		  "IGMP join (for groups that reach the interface anyway)" },
	{ .key = "igmp_querier", .option = "no-igmp-querier", .type = SETTING_BOOL,
	  .offset = FIELD(igmp_querier), .def = true,
	  .help = "listen to IGMP on the interfaces of \"when\": \"joined\"\n"
		  "outputs, but send no queries (another router queries)" },
	{ .key = "igmp_query_interval_ms", .option = "igmp-query-interval", .arg = "MS",
	  .type = SETTING_UINT, .offset = FIELD(igmp_query_interval_ms),
	  .def = MCR_DEFAULT_IGMP_QUERY_INTERVAL_MS, .min = 1000, .max = 3175000,
	  .help = "between general IGMP queries" },
	{ .key = "igmp_response_ms", .option = "igmp-response", .arg = "MS", .type = SETTING_UINT,
	  .offset = FIELD(igmp_response_ms), .def = MCR_DEFAULT_IGMP_RESPONSE_MS, .min = 100,
	  .max = 3175000, .max_key = "igmp_query_interval_ms",
	  .help = "the maximum response time general queries give,\n"
		  "at most igmp_query_interval_ms" },
	{ .key = "igmp_last_member_ms", .option = "igmp-last-member", .arg = "MS",
	  .type = SETTING_UINT, .offset = FIELD(igmp_last_member_ms),
	  .def = MCR_DEFAULT_IGMP_LAST_MEMBER_MS, .min = 100, .max = 25500,
	  .help = "between the group-specific queries a leave triggers" },
	{ .key = "igmp_robustness", .option = "igmp-robustness", .arg = "N", .type = SETTING_UINT,
	  .offset = FIELD(igmp_robustness), .def = MCR_DEFAULT_IGMP_ROBUSTNESS, .min = 1,
	  .max = 7, .help = "IGMP robustness variable: queries per leave, lost\n"
			    "reports tolerated" },
};

_Static_assert(ARRAY_SIZE(table) <= 32, "a uint32_t holds a bit per setting");


const struct setting *settings_table(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(table);
	return table;
}

const struct setting *settings_find_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].key, key))
			return &table[i];
	return NULL;
}

const struct setting *settings_find_option(const char *option)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].option, option))
			return &table[i];
	return NULL;
}

static void *field_of(struct mcr_config *cfg, const struct setting *s)
{
	return (char *)cfg + s->offset;
}

static long long value_of(const struct mcr_config *cfg, const struct setting *s)
{
	const void *p = (const char *)cfg + s->offset;

	switch (s->type) {
	case SETTING_INT:
		return *(const int *)p;
	case SETTING_BOOL:
		return *(const bool *)p;
	case SETTING_STRING:
		return 0;
	case SETTING_UINT:
	case SETTING_ENUM:
	case SETTING_TYPE_MAX:
		break;
	}
	return *(const unsigned int *)p;
}

static void store(struct mcr_config *cfg, const struct setting *s, long long v)
{
	void *p = field_of(cfg, s);

	switch (s->type) {
	case SETTING_INT:
		*(int *)p = (int)v;
		break;
	case SETTING_BOOL:
		*(bool *)p = v != 0;
		break;
	case SETTING_STRING:
		break;
	case SETTING_UINT:
	case SETTING_ENUM:
	case SETTING_TYPE_MAX:
		*(unsigned int *)p = (unsigned int)v;
		break;
	}
}

static void store_string(struct mcr_config *cfg, const struct setting *s, const char *v)
{
	(void)snprintf(field_of(cfg, s), s->size, "%s", v);
}

void settings_init(struct mcr_config *cfg)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (table[i].type == SETTING_STRING)
			store_string(cfg, &table[i], table[i].def_str);
		else
			store(cfg, &table[i], table[i].def);
	}
}

/* A string setting's value, checked alike from either source. */
static int check_string(struct mcr_config *cfg, const struct setting *s, const char *v,
			const char *name, const char *shown, struct config_error *err)
{
	if (strlen(v) >= s->size)
		return config_fail(err, -EINVAL, "%s: %s is longer than %zu characters", name,
				     shown, s->size - 1);
	if (s->check(v) < 0)
		return config_fail(err, -EINVAL, "%s: %s is not %s", name, shown, s->expect);
	store_string(cfg, s, v);
	return 0;
}

/* "--queue-depth" on the command line, "queue_depth" in the file. */
static void setting_name(const struct setting *s, bool is_cli, char *buf, size_t len)
{
	if (is_cli)
		(void)snprintf(buf, len, "--%s", s->option);
	else
		(void)snprintf(buf, len, "%s", s->key);
}

/* '"auto", "l2" or "udp"' */
static void enum_list(const struct setting *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; s->names[i] && used < len; i++) {
		const char *sep = i == 0 ? "" : s->names[i + 1] ? ", " : " or ";

		used += (size_t)snprintf(buf + used, len - used, "%s\"%s\"", sep, s->names[i]);
	}
}

static bool is_in_range(const struct setting *s, long long v)
{
	if (s->zero && v == 0)
		return true;
	return v >= s->min && v <= s->max && !(s->is_pow2 && (v & (v - 1)));
}

/* Range and power-of-two checks, with one wording for every source. */
static int check_number(const struct mcr_config *cfg, const struct setting *s, long long v,
			const char *name, const char *shown, struct config_error *err)
{
	const struct setting *bound = s->max_key ? settings_find_key(s->max_key) : NULL;

	if (is_in_range(s, v))
		return 0;
	if (s->is_pow2)
		return config_fail(err, -EINVAL,
				     "%s: %s is not a power of two between %lld and %lld", name,
				     shown, s->min, s->max);
	if (s->zero && s->min > 0)
		return config_fail(err, -EINVAL,
				     "%s: %s is neither 0 (%s) nor between %lld and %lld", name,
				     shown, s->zero, s->min, s->max);
	if (s->zero)
		return config_fail(err, -EINVAL, "%s: %s is not between 0 (%s) and %lld", name,
				     shown, s->zero, s->max);
	if (bound)
		return config_fail(err, -EINVAL, "%s: %s is not between %lld and %s (%lld)", name,
				     shown, s->min, s->max_key, value_of(cfg, bound));
	return config_fail(err, -EINVAL, "%s: %s is not between %lld and %lld", name, shown,
			     s->min, s->max);
}

static int check_name(const struct setting *s, const char *v, long long *ret, const char *name,
		      const char *shown, struct config_error *err)
{
	char list[128];

	for (long long i = 0; s->names[i]; i++) {
		if (!strcmp(s->names[i], v)) {
			*ret = i;
			return 0;
		}
	}
	enum_list(s, list, sizeof(list));
	return config_fail(err, -EINVAL, "%s: %s is not %s", name, shown, list);
}


static int from_json_value(struct mcr_config *cfg, const struct setting *s, json_t *v,
			   struct config_error *err)
{
	char shown[SHOWN_MAX + 4];
	long long n = 0;
	int rc = 0;

	config_json_show(v, shown);
	switch (s->type) {
	case SETTING_BOOL:
		if (!json_is_boolean(v))
			return config_fail(err, -EINVAL, "%s: %s is not true or false", s->key,
					     shown);
		n = json_is_true(v);
		break;
	case SETTING_ENUM:
		if (!json_is_string(v))
			return config_fail(err, -EINVAL, "%s: %s is not a string", s->key, shown);
		rc = check_name(s, json_string_value(v), &n, s->key, shown, err);
		break;
	case SETTING_STRING:
		if (!json_is_string(v))
			return config_fail(err, -EINVAL, "%s: %s is not a string", s->key, shown);
		return check_string(cfg, s, json_string_value(v), s->key, shown, err);
	case SETTING_UINT:
	case SETTING_INT:
	case SETTING_TYPE_MAX:
		if (!json_is_integer(v))
			return config_fail(err, -EINVAL, "%s: %s is not an integer", s->key,
					     shown);
		n = json_integer_value(v);
		rc = check_number(cfg, s, n, s->key, shown, err);
		break;
	}
	if (rc == 0)
		store(cfg, s, n);
	return rc;
}

int settings_from_json(struct mcr_config *cfg, json_t *root, uint32_t *ret_given,
		       struct config_error *err)
{
	uint32_t given = 0;
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		json_t *v = json_object_get(root, table[i].key);

		if (!v)
			continue;
		rc = from_json_value(cfg, &table[i], v, err);
		if (rc < 0)
			return rc;
		given |= 1U << i;
	}
	if (ret_given)
		*ret_given = given;
	return settings_check(cfg, given, false, err);
}

/* A plain decimal integer, as JSON would have it; false for anything else. */
static bool parse_integer(const char *s, long long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoll(s, &end, 10);
	return *s && !errno && end != s && !*end && !strchr(s, ' ') && !strchr(s, '+');
}

int settings_from_arg(struct mcr_config *cfg, const struct setting *s, const char *arg,
		      struct config_error *err)
{
	char name[64], shown[SHOWN_MAX + 4];
	long long n = 0;
	int rc;

	setting_name(s, true, name, sizeof(name));
	if (s->type == SETTING_BOOL) {
		store(cfg, s, !s->def);
		return 0;
	}
	if (s->type == SETTING_STRING) {
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, arg);
		return check_string(cfg, s, arg, name, shown, err);
	}
	/* Quoted unless it is a number, as the file's message would show it. */
	if (s->type != SETTING_ENUM && parse_integer(arg, &n))
		(void)snprintf(shown, sizeof(shown), "%lld", n);
	else
		(void)snprintf(shown, sizeof(shown), "\"%.*s\"", SHOWN_MAX, arg);
	if (s->type == SETTING_ENUM)
		rc = check_name(s, arg, &n, name, shown, err);
	else if (!parse_integer(arg, &n))
		rc = config_fail(err, -EINVAL, "%s: %s is not an integer", name, shown);
	else
		rc = check_number(cfg, s, n, name, shown, err);
	if (rc == 0)
		store(cfg, s, n);
	return rc;
}

/* The IGMP response time is part of the query interval (RFC 3376 8.3). */
static int check_igmp_response(struct mcr_config *cfg, uint32_t given, bool is_cli,
			       struct config_error *err)
{
	const struct setting *resp = settings_find_key("igmp_response_ms");
	char name[64];

	if (cfg->igmp_response_ms <= cfg->igmp_query_interval_ms)
		return 0;
	if (!(given & (1U << (resp - table)))) {
		cfg->igmp_response_ms = cfg->igmp_query_interval_ms;
		return 0;
	}
	setting_name(resp, is_cli, name, sizeof(name));
	return config_fail(err, -EINVAL,
			   "%s: %u is not between 100 and igmp_query_interval_ms (%u)", name,
			   cfg->igmp_response_ms, cfg->igmp_query_interval_ms);
}

int settings_check(struct mcr_config *cfg, uint32_t given, bool is_cli, struct config_error *err)
{
	const struct setting *batch = settings_find_key("send_batch");
	char name[64];
	int rc = check_igmp_response(cfg, given, is_cli, err);

	if (rc < 0)
		return rc;
	if (cfg->send_batch <= cfg->queue_depth)
		return 0;
	/* A small queue_depth alone should not make the default batch an error. */
	if (!(given & (1U << (batch - table)))) {
		cfg->send_batch = cfg->queue_depth;
		return 0;
	}
	setting_name(batch, is_cli, name, sizeof(name));
	return config_fail(err, -EINVAL, "%s: %u is not between 1 and queue_depth (%u)", name,
			     cfg->send_batch, cfg->queue_depth);
}

int settings_to_json(const struct mcr_config *cfg, json_t *obj)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct setting *s = &table[i];
		long long v = value_of(cfg, s);
		json_t *j;

		if (s->type == SETTING_STRING)
			j = json_string((const char *)cfg + s->offset);
		else if (s->type == SETTING_BOOL)
			j = json_boolean(v);
		else if (s->type == SETTING_ENUM)
			j = json_string(s->names[v]);
		else
			j = json_integer(v);
		if (!j || json_object_set_new(obj, s->key, j) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* "[8..32768, a power of two; default 1024]" */
static void usage_range(const struct setting *s, char *buf, size_t len)
{
	char list[128];

	switch (s->type) {
	case SETTING_ENUM:
		enum_list(s, list, sizeof(list));
		(void)snprintf(buf, len, "[%s; default %s]", list, s->names[s->def]);
		break;
	case SETTING_BOOL:
		(void)snprintf(buf, len, "[sets %s to %s]", s->key, s->def ? "false" : "true");
		break;
	case SETTING_STRING:
		if (*s->def_str)
			(void)snprintf(buf, len, "[%s; default %s]", s->expect, s->def_str);
		else
			(void)snprintf(buf, len, "[%s; default: %s]", s->expect, s->zero);
		break;
	case SETTING_UINT:
	case SETTING_INT:
	case SETTING_TYPE_MAX:
		if (s->zero)
			(void)snprintf(buf, len, "[0 = %s, or %lld..%lld; default %lld]", s->zero,
				       s->min ? s->min : 1, s->max, s->def);
		else
			(void)snprintf(buf, len, "[%lld..%lld%s; default %lld]", s->min, s->max,
				       s->is_pow2 ? ", a power of two" : "", s->def);
		break;
	}
}

void settings_usage_line(FILE *f, const char *head, const char *help)
{
	(void)fprintf(f, "%-*s", HELP_COLUMN - 1, head);
	if (strlen(head) >= HELP_COLUMN - 1)
		(void)fprintf(f, "\n%*s", HELP_COLUMN - 1, "");
	/* Each line of the help text, indented to the column. */
	for (;;) {
		size_t n = strcspn(help, "\n");

		(void)fprintf(f, " %.*s\n", (int)n, help);
		if (!help[n])
			break;
		help += n + 1;
		(void)fprintf(f, "%*s", HELP_COLUMN - 1, "");
	}
}

void settings_usage(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct setting *s = &table[i];
		char head[64], range[160];
		const char *line = s->help;

		(void)snprintf(head, sizeof(head), "      --%s%s%s", s->option, s->arg ? " " : "",
			       s->arg ? s->arg : "");
		settings_usage_line(f, head, line);
		usage_range(s, range, sizeof(range));
		(void)fprintf(f, "%*s %s\n", HELP_COLUMN - 1, "", range);
	}
}
