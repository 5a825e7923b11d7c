// SPDX-License-Identifier: MIT
/*
 * Unit tests for the configuration module: the JSON format (every setting's
 * bounds, every error message, unknown fields and wrong types at each
 * level), the file reader, the --rule shorthand, and config_resolve() on the
 * loopback interface.  JSON in the tables is written with single quotes,
 * which q() turns into double quotes, so that the tables stay readable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "config/config.h"

#define JSON_MAX	4096

/* A rule that is valid on its own, single-quoted. */
#define MIN_RULE \
	"{'input':{'interface':'lo','group':'239.1.1.1','port':5000}," \
	"'outputs':[{'interface':'lo','group':'239.2.2.2'}]}"

/* Copies @src with every ' turned into ". */
static char *q(const char *src, char *dst, size_t size)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = src[i] == '\'' ? '"' : src[i];
	dst[i] = '\0';
	assert_int_equal(src[i], '\0');
	return dst;
}

static void assert_msg_has(const struct config_error *err, const char *want)
{
	if (!strstr(err->msg, want))
		fail_msg("message \"%s\" does not contain \"%s\"", err->msg, want);
}

/* Loads a single-quoted JSON document into a fresh config. */
static int load_q(struct mcr_config *cfg, const char *json_q, struct config_error *err)
{
	char json[JSON_MAX];

	config_init(cfg);
	memset(err, 0, sizeof(*err));
	return config_load_string(cfg, q(json_q, json, sizeof(json)), err);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* Writes @len bytes of @data to a new file under /tmp; *ret_path must be unlinked. */
static void write_temp(const char *data, size_t len, char ret_path[32])
{
	int fd;

	(void)snprintf(ret_path, 32, "/tmp/test_config.XXXXXX");
	fd = mkstemp(ret_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Every field set, none left to a default. */
static void t_full_config(void **state)
{
	static const char *const json =
		"{'queue_depth': 256, 'send_batch': 32, 'coalesce_us': 200, 'so_sndbuf': 65536,"
		" 'stats_interval_ms': 0, 'buffers': 128, 'egress': 'udp', 'ingress': 'multishot',"
		" 'workers': 3, 'igmp_join': false, 'rules': ["
		"  {'name': 'cam1', 'input': {'interface': 'veth0', 'group': '239.1.1.1',"
		"   'port': 5000, 'source': '198.18.0.1'},"
		"   'outputs': [{'interface': 'veth1', 'group': '239.2.2.2', 'port': 6000, 'ttl': 8},"
		"               {'interface': 'veth2', 'group': '198.18.1.2', 'port': 7000, 'ttl': 255}]},"
		"  {'name': 'uni.to-multi_2', 'input': {'interface': 'veth3', 'group': '198.18.0.7',"
		"   'port': 9000}, 'outputs': [{'interface': 'veth4', 'group': '239.3.3.3'}]}]}";
	struct config_error err;
	struct mcr_config cfg;
	const struct mcr_rule *r;

	(void)state;
	assert_int_equal(load_q(&cfg, json, &err), 0);
	assert_int_equal(cfg.queue_depth, 256);
	assert_int_equal(cfg.send_batch, 32);
	assert_int_equal(cfg.coalesce_us, 200);
	assert_int_equal(cfg.so_sndbuf, 65536);
	assert_int_equal(cfg.stats_interval_ms, 0);
	assert_int_equal(cfg.buffers, 128);
	assert_int_equal(cfg.egress, EGRESS_UDP);
	assert_int_equal(cfg.ingress, INGRESS_MULTISHOT);
	assert_int_equal(cfg.workers, 3);
	assert_false(cfg.igmp_join);
	assert_int_equal(cfg.n_rules, 2);

	r = &cfg.rules[0];
	assert_string_equal(r->name, "cam1");
	assert_string_equal(r->in_ifname, "veth0");
	assert_int_equal(r->in_group.v4.s_addr, ip("239.1.1.1"));
	assert_int_equal(r->in_port, 5000);
	assert_int_equal(r->in_source.v4.s_addr, ip("198.18.0.1"));
	assert_int_equal(r->in_ifindex, 0);
	assert_int_equal(r->n_outputs, 2);
	assert_string_equal(r->outputs[0].ifname, "veth1");
	assert_int_equal(r->outputs[0].group.v4.s_addr, ip("239.2.2.2"));
	assert_int_equal(r->outputs[0].port, 6000);
	assert_int_equal(r->outputs[0].ttl, 8);
	assert_string_equal(r->outputs[1].ifname, "veth2");
	assert_int_equal(r->outputs[1].group.v4.s_addr, ip("198.18.1.2"));
	assert_int_equal(r->outputs[1].port, 7000);
	assert_int_equal(r->outputs[1].ttl, 255);

	r = &cfg.rules[1];
	assert_string_equal(r->name, "uni.to-multi_2");
	assert_string_equal(r->in_ifname, "veth3");
	assert_int_equal(r->in_group.v4.s_addr, ip("198.18.0.7"));
	assert_int_equal(r->in_port, 9000);
	assert_int_equal(r->in_source.v4.s_addr, INADDR_ANY);
	assert_int_equal(r->n_outputs, 1);
	assert_int_equal(r->outputs[0].ttl_mode, TTL_DECREMENT);
	assert_int_equal(r->outputs[0].source_mode, SOURCE_RELAY);
	config_free(&cfg);
}

/* Only what is required: everything else takes its documented default. */
static void t_defaults(void **state)
{
	struct config_error err;
	struct mcr_config cfg;
	const struct mcr_rule *r;

	(void)state;
	assert_int_equal(load_q(&cfg,
				"{'rules': [{'input': {'interface': 'eth0', 'group': '239.1.1.1'},"
				" 'outputs': [{'interface': 'eth1'}]}, " MIN_RULE "]}",
				&err),
			 0);
	assert_int_equal(cfg.queue_depth, 1024);
	assert_int_equal(cfg.send_batch, 64);
	assert_int_equal(cfg.coalesce_us, 50);
	assert_int_equal(cfg.so_sndbuf, 4194304);
	assert_int_equal(cfg.stats_interval_ms, 0);
	assert_int_equal(cfg.buffers, 4096);
	assert_int_equal(cfg.egress, EGRESS_AUTO);
	assert_int_equal(cfg.ingress, INGRESS_RING);
	assert_int_equal(cfg.workers, 0);
	assert_true(cfg.igmp_join);
	assert_int_equal(cfg.n_rules, 2);
	r = &cfg.rules[0];
	assert_string_equal(r->name, "rule1");
	assert_int_equal(r->in_port, 0);
	assert_int_equal(r->in_source.v4.s_addr, INADDR_ANY);
	assert_int_equal(r->outputs[0].group.v4.s_addr, INADDR_ANY);
	assert_int_equal(r->outputs[0].port, 0);
	assert_int_equal(r->outputs[0].ttl_mode, TTL_DECREMENT);
	assert_int_equal(r->outputs[0].source_mode, SOURCE_RELAY);
	assert_string_equal(cfg.rules[1].name, "rule2");
	config_free(&cfg);
}

/*
 * No rules is a valid start (mcrd then takes rules from mcrctl), and what
 * "mcrctl config save" writes for it loads again.
 */
static void t_no_rules(void **state)
{
	static const char *const docs[] = { "{}", "{'rules': []}", "{'stats_interval_ms': 500}" };
	struct config_error err;
	struct mcr_config cfg, again;
	char *text;
	json_t *doc;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		if (load_q(&cfg, docs[i], &err) < 0)
			fail_msg("%s: %s", docs[i], err.msg);
		assert_int_equal(cfg.n_rules, 0);
		assert_int_equal(config_resolve(&cfg, &err), 0);
		doc = config_to_json(&cfg);
		assert_non_null(doc);
		assert_int_equal(json_array_size(json_object_get(doc, "rules")), 0);
		text = json_dumps(doc, JSON_COMPACT);
		assert_non_null(text);
		config_init(&again);
		if (config_load_string(&again, text, &err) < 0)
			fail_msg("saved %s: %s", text, err.msg);
		assert_int_equal(again.n_rules, 0);
		assert_int_equal(again.stats_interval_ms, cfg.stats_interval_ms);
		free(text);
		json_decref(doc);
		config_free(&again);
		config_free(&cfg);
	}
}

/* The egress mode is one of three names, in the file as on the command line. */
static void t_egress_mode(void **state)
{
	static const struct {
		const char *name;
		int ret;
		enum egress_mode mode;
	} cases[] = {
		{ "auto", 0, EGRESS_AUTO }, { "l2", 0, EGRESS_L2 }, { "udp", 0, EGRESS_UDP },
		{ "L2", -EINVAL, EGRESS_AUTO }, { "", -EINVAL, EGRESS_AUTO },
		{ "tcp", -EINVAL, EGRESS_AUTO },
	};
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum egress_mode m = EGRESS_AUTO;

		assert_int_equal(config_parse_egress(cases[i].name, &m), cases[i].ret);
		assert_int_equal(m, cases[i].mode);
		if (cases[i].ret == 0)
			assert_string_equal(config_egress_name(m), cases[i].name);
	}
	assert_int_equal(load_q(&cfg, "{'egress': 'l3', 'rules': [" MIN_RULE "]}", &err),
			 -EINVAL);
	assert_msg_has(&err, "egress: \"l3\" is not \"auto\", \"l2\" or \"udp\"");
	config_free(&cfg);
	assert_int_equal(load_q(&cfg, "{'egress': 2, 'rules': [" MIN_RULE "]}", &err), -EINVAL);
	assert_msg_has(&err, "egress: 2 is not a string");
	config_free(&cfg);
}

/* The ingress mode is "ring", "multishot" or "xdp", in the file as on the command line. */
static void t_ingress_mode(void **state)
{
	static const struct {
		const char *name;
		int ret;
		enum ingress_mode mode;
	} cases[] = {
		{ "ring", 0, INGRESS_RING }, { "multishot", 0, INGRESS_MULTISHOT },
		{ "xdp", 0, INGRESS_XDP }, { "XDP", -EINVAL, INGRESS_RING },
		{ "Ring", -EINVAL, INGRESS_RING }, { "", -EINVAL, INGRESS_RING },
		{ "multi", -EINVAL, INGRESS_RING }, { "multishot ", -EINVAL, INGRESS_RING },
	};
	enum ingress_mode kept = INGRESS_MULTISHOT;
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum ingress_mode m = INGRESS_RING;

		assert_int_equal(config_parse_ingress(cases[i].name, &m), cases[i].ret);
		assert_int_equal(m, cases[i].mode);
		if (cases[i].ret == 0)
			assert_string_equal(config_ingress_name(m), cases[i].name);
	}
	/* A failed parse leaves the mode it was given alone. */
	assert_int_equal(config_parse_ingress("tpacket", &kept), -EINVAL);
	assert_int_equal(kept, INGRESS_MULTISHOT);
	assert_string_equal(config_ingress_name(INGRESS_MODE_MAX), "?");

	assert_int_equal(load_q(&cfg, "{'ingress': 'multishot', 'rules': [" MIN_RULE "]}", &err),
			 0);
	assert_int_equal(cfg.ingress, INGRESS_MULTISHOT);
	config_free(&cfg);
	assert_int_equal(load_q(&cfg, "{'ingress': 'ring', 'rules': [" MIN_RULE "]}", &err), 0);
	assert_int_equal(cfg.ingress, INGRESS_RING);
	config_free(&cfg);
	assert_int_equal(load_q(&cfg, "{'ingress': 'mmap', 'rules': [" MIN_RULE "]}", &err),
			 -EINVAL);
	assert_msg_has(&err, "ingress: \"mmap\" is not \"ring\", \"multishot\" or \"xdp\"");
	config_free(&cfg);
	assert_int_equal(load_q(&cfg, "{'ingress': 1, 'rules': [" MIN_RULE "]}", &err), -EINVAL);
	assert_msg_has(&err, "ingress: 1 is not a string");
	config_free(&cfg);
	assert_int_equal(load_q(&cfg, "{'ingres': 'ring', 'rules': [" MIN_RULE "]}", &err),
			 -EINVAL);
	assert_msg_has(&err, "unknown field \"ingres\"");
	config_free(&cfg);
}

/* igmp_join is a JSON boolean, nothing that merely looks like one. */
static void t_igmp_join(void **state)
{
	static const struct {
		const char *value;
		const char *want_msg;	/* NULL: loads */
	} cases[] = {
		{ "true", NULL },
		{ "false", NULL },
		{ "1", "igmp_join: 1 is not true or false" },
		{ "0", "igmp_join: 0 is not true or false" },
		{ "'false'", "igmp_join: \"false\" is not true or false" },
		{ "null", "igmp_join: null is not true or false" },
		{ "[]", "igmp_join: [] is not true or false" },
	};
	char json[JSON_MAX];
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc;

		(void)snprintf(json, sizeof(json), "{'igmp_join': %s, 'rules': [" MIN_RULE "]}",
			       cases[i].value);
		rc = load_q(&cfg, json, &err);
		if (cases[i].want_msg) {
			if (rc != -EINVAL)
				fail_msg("igmp_join %s: rc %d, want -EINVAL", cases[i].value, rc);
			assert_msg_has(&err, cases[i].want_msg);
		} else {
			if (rc != 0)
				fail_msg("igmp_join %s: rc %d: %s", cases[i].value, rc, err.msg);
			assert_int_equal(cfg.igmp_join, !strcmp(cases[i].value, "true"));
		}
		config_free(&cfg);
	}
}

/* A small queue_depth alone lowers the default send_batch instead of failing. */
static void t_send_batch_follows_small_queue(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	assert_int_equal(load_q(&cfg, "{'queue_depth': 8, 'rules': [" MIN_RULE "]}", &err), 0);
	assert_int_equal(cfg.queue_depth, 8);
	assert_int_equal(cfg.send_batch, 8);
	config_free(&cfg);

	assert_int_equal(load_q(&cfg, "{'queue_depth': 8, 'send_batch': 9, 'rules': [" MIN_RULE
				"]}", &err),
			 -EINVAL);
	assert_msg_has(&err, "send_batch: 9 is not between 1 and queue_depth (8)");
	config_free(&cfg);
}

static long long get_queue_depth(const struct mcr_config *c)
{
	return c->queue_depth;
}

static long long get_send_batch(const struct mcr_config *c)
{
	return c->send_batch;
}

static long long get_coalesce(const struct mcr_config *c)
{
	return c->coalesce_us;
}

static long long get_sndbuf(const struct mcr_config *c)
{
	return c->so_sndbuf;
}

static long long get_stats(const struct mcr_config *c)
{
	return c->stats_interval_ms;
}

static long long get_buffers(const struct mcr_config *c)
{
	return c->buffers;
}

static long long get_workers(const struct mcr_config *c)
{
	return c->workers;
}

static long long get_in_port(const struct mcr_config *c)
{
	return c->rules[0].in_port;
}

static long long get_in_vlan(const struct mcr_config *c)
{
	return c->rules[0].in_vlan;
}

static long long get_out_port(const struct mcr_config *c)
{
	return c->rules[0].outputs[0].port;
}

static long long get_ttl(const struct mcr_config *c)
{
	return c->rules[0].outputs[0].ttl;
}

struct bound_case {
	const char *tmpl;	/* single-quoted JSON with one @ for the value */
	const char *value;
	long long (*get)(const struct mcr_config *c);
	const char *want_msg;	/* NULL: must load, and get() must return value */
};

#define TOP(field)	"{'" field "': @, 'rules': [" MIN_RULE "]}"
#define IN_PORT		"{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': @}," \
			" 'outputs': [{'interface': 'lo'}]}]}"
#define IN_VLAN		"{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1', 'vlan': @}," \
			" 'outputs': [{'interface': 'lo'}]}]}"
#define OUT_PORT	"{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1'}," \
			" 'outputs': [{'interface': 'lo', 'port': @}]}]}"
#define OUT_TTL		"{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1'}," \
			" 'outputs': [{'interface': 'lo', 'ttl': @}]}]}"

static const struct bound_case bound_cases[] = {
	{ TOP("queue_depth"), "8", get_queue_depth, NULL },
	{ TOP("queue_depth"), "32768", get_queue_depth, NULL },
	{ TOP("queue_depth"), "4", get_queue_depth,
	  "queue_depth: 4 is not a power of two between 8 and 32768" },
	{ TOP("queue_depth"), "7", get_queue_depth, "queue_depth: 7 is not a power of two" },
	{ TOP("queue_depth"), "65536", get_queue_depth, "queue_depth: 65536 is not" },
	{ TOP("queue_depth"), "32769", get_queue_depth, "queue_depth: 32769 is not" },
	{ TOP("queue_depth"), "1000", get_queue_depth,
	  "queue_depth: 1000 is not a power of two between 8 and 32768" },
	{ TOP("queue_depth"), "0", get_queue_depth, "queue_depth: 0 is not" },
	{ TOP("queue_depth"), "-1024", get_queue_depth, "queue_depth: -1024 is not" },
	{ TOP("send_batch"), "1", get_send_batch, NULL },
	{ TOP("send_batch"), "1024", get_send_batch, NULL },
	{ TOP("send_batch"), "0", get_send_batch,
	  "send_batch: 0 is not between 1 and queue_depth (1024)" },
	{ TOP("send_batch"), "1025", get_send_batch,
	  "send_batch: 1025 is not between 1 and queue_depth (1024)" },
	{ TOP("coalesce_us"), "0", get_coalesce, NULL },
	{ TOP("coalesce_us"), "1", get_coalesce, NULL },
	{ TOP("coalesce_us"), "10000", get_coalesce, NULL },
	{ TOP("coalesce_us"), "10001", get_coalesce,
	  "coalesce_us: 10001 is not between 0 (no coalescing) and 10000" },
	{ TOP("coalesce_us"), "-1", get_coalesce, "coalesce_us: -1 is not between" },
	{ TOP("coalesce_us"), "99999999999999", get_coalesce,
	  "coalesce_us: 99999999999999 is not between" },
	{ TOP("so_sndbuf"), "4096", get_sndbuf, NULL },
	{ TOP("so_sndbuf"), "1073741824", get_sndbuf, NULL },
	{ TOP("so_sndbuf"), "4095", get_sndbuf,
	  "so_sndbuf: 4095 is not between 4096 and 1073741824" },
	{ TOP("so_sndbuf"), "1073741825", get_sndbuf, "so_sndbuf: 1073741825 is not between" },
	{ TOP("so_sndbuf"), "99999999999999", get_sndbuf, "so_sndbuf: 99999999999999 is not" },
	{ TOP("stats_interval_ms"), "0", get_stats, NULL },
	{ TOP("stats_interval_ms"), "100", get_stats, NULL },
	{ TOP("stats_interval_ms"), "3600000", get_stats, NULL },
	{ TOP("stats_interval_ms"), "99", get_stats,
	  "stats_interval_ms: 99 is neither 0 (off) nor between 100 and 3600000" },
	{ TOP("stats_interval_ms"), "1", get_stats, "stats_interval_ms: 1 is neither" },
	{ TOP("stats_interval_ms"), "3600001", get_stats, "stats_interval_ms: 3600001 is neither" },
	{ TOP("stats_interval_ms"), "-1", get_stats, "stats_interval_ms: -1 is neither" },
	{ TOP("workers"), "0", get_workers, NULL },
	{ TOP("workers"), "256", get_workers, NULL },
	{ TOP("workers"), "257", get_workers, "workers: 257 is not between 0 (one per CPU) and 256" },
	{ TOP("workers"), "-1", get_workers, "workers: -1 is not between" },
	{ TOP("buffers"), "64", get_buffers, NULL },
	{ TOP("buffers"), "32768", get_buffers, NULL },
	{ TOP("buffers"), "32", get_buffers,
	  "buffers: 32 is not a power of two between 64 and 32768" },
	{ TOP("buffers"), "63", get_buffers, "buffers: 63 is not a power of two" },
	{ TOP("buffers"), "32769", get_buffers, "buffers: 32769 is not" },
	{ TOP("buffers"), "65536", get_buffers, "buffers: 65536 is not" },
	{ IN_PORT, "1", get_in_port, NULL },
	{ IN_PORT, "65535", get_in_port, NULL },
	{ IN_PORT, "0", get_in_port, "rules[0].input.port: 0 is not a port number (1..65535)" },
	{ IN_PORT, "65536", get_in_port, "rules[0].input.port: 65536 is not a port number" },
	{ IN_PORT, "-5000", get_in_port, "rules[0].input.port: -5000 is not a port number" },
	{ IN_VLAN, "1", get_in_vlan, NULL },
	{ IN_VLAN, "4094", get_in_vlan, NULL },
	{ IN_VLAN, "0", get_in_vlan, "rules[0].input.vlan: 0 is not a VLAN ID (1..4094; leave vlan "
				      "out for untagged frames)" },
	{ IN_VLAN, "4095", get_in_vlan, "rules[0].input.vlan: 4095 is not a VLAN ID" },
	{ IN_VLAN, "-1", get_in_vlan, "rules[0].input.vlan: -1 is not a VLAN ID" },
	{ IN_VLAN, "'666'", get_in_vlan, "rules[0].input.vlan: \"666\" is not an integer" },
	{ OUT_PORT, "1", get_out_port, NULL },
	{ OUT_PORT, "65535", get_out_port, NULL },
	{ OUT_PORT, "0", get_out_port, "rules[0].outputs[0].port: 0 is not a port number" },
	{ OUT_PORT, "65536", get_out_port, "rules[0].outputs[0].port: 65536 is not a port" },
	{ OUT_TTL, "1", get_ttl, NULL },
	{ OUT_TTL, "255", get_ttl, NULL },
	{ OUT_TTL, "0", get_ttl, "rules[0].outputs[0].ttl: 0 is not a TTL between 1 and 255" },
	{ OUT_TTL, "256", get_ttl, "rules[0].outputs[0].ttl: 256 is not a TTL" },
};

static void t_bounds(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bound_cases); i++) {
		const struct bound_case *c = &bound_cases[i];
		char json[JSON_MAX];
		struct config_error err;
		struct mcr_config cfg;
		int rc;

		const char *at = strchr(c->tmpl, '@');

		assert_non_null(at);
		(void)snprintf(json, sizeof(json), "%.*s%s%s", (int)(at - c->tmpl), c->tmpl,
			       c->value, at + 1);
		rc = load_q(&cfg, json, &err);
		if (c->want_msg) {
			if (rc != -EINVAL)
				fail_msg("case %zu (%s): rc %d, want -EINVAL", i, c->value, rc);
			assert_msg_has(&err, c->want_msg);
		} else {
			if (rc != 0)
				fail_msg("case %zu (%s): rc %d: %s", i, c->value, rc, err.msg);
			assert_int_equal(c->get(&cfg), strtoll(c->value, NULL, 10));
		}
		config_free(&cfg);
	}
}

struct error_case {
	const char *json;	/* single-quoted */
	const char *want_msg;	/* single-quoted too */
};

#define RULE_IN(in)	"{'rules': [{'input': " in ", 'outputs': [{'interface': 'lo'}]}]}"
#define RULE_OUT(out)	"{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1'}," \
			" 'outputs': [{'interface': 'lo'}, " out "]}]}"
#define RULE_NAME(nm)	"{'rules': [{'name': " nm ", 'input': {'interface': 'lo', 'group': '239.1.1.1'}," \
			" 'outputs': [{'interface': 'lo'}]}]}"

static const struct error_case error_cases[] = {
	/* structure */
	{ "{'rules': [], 'queue_depth': 7}", "queue_depth: 7 is not a power of two" },
	{ "{'rules': [{'outputs': [{'interface': 'lo'}]}]}", "rules[0]: missing field 'input'" },
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1'}}]}",
	  "rules[0]: missing field 'outputs'" },
	{ RULE_IN("{'group': '239.1.1.1'}"), "rules[0].input: missing field 'interface'" },
	{ RULE_IN("{'interface': 'lo'}"), "rules[0].input: missing field 'group'" },
	{ RULE_OUT("{'group': '239.1.1.1'}"), "rules[0].outputs[1]: missing field 'interface'" },
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1'}, 'outputs': []}]}",
	  "rules[0].outputs: no outputs" },
	/* unknown fields at every level */
	{ "{'rulez': [], 'rules': [" MIN_RULE "]}", "unknown field 'rulez'" },
	{ "{'rules': [" MIN_RULE ", {'nmae': 'x', 'input': {'interface': 'lo', 'group': '239.1.1.1'},"
	  " 'outputs': [{'interface': 'lo'}]}]}", "rules[1]: unknown field 'nmae'" },
	{ RULE_IN("{'interface': 'lo', 'group': '239.1.1.1', 'prot': 5}"),
	  "rules[0].input: unknown field 'prot'" },
	{ RULE_OUT("{'interface': 'lo', 'tll': 5}"), "rules[0].outputs[1]: unknown field 'tll'" },
	/* addresses */
	{ RULE_OUT("{'interface': 'lo', 'group': '239.1.1'}"),
	  "rules[0].outputs[1].group: '239.1.1' is not an IPv4 or IPv6 address" },
	{ RULE_OUT("{'interface': 'lo', 'group': '0.0.0.0'}"),
	  "rules[0].outputs[1].group: '0.0.0.0' is not a usable destination address" },
	{ RULE_IN("{'interface': 'lo', 'group': 'lo'}"),
	  "rules[0].input.group: 'lo' is not an IPv4 or IPv6 address" },
	{ RULE_IN("{'interface': 'lo', 'group': '255.255.255.255'}"),
	  "rules[0].input.group: '255.255.255.255' is not a usable destination address" },
	{ "{'rules': [" MIN_RULE ", " MIN_RULE ", {'input': {'interface': 'lo', 'group': '239.1.1.1',"
	  " 'source': '239.1.1.1'}, 'outputs': [{'interface': 'lo'}]}]}",
	  "rules[2].input.source: '239.1.1.1' must be a unicast address" },
	{ RULE_IN("{'interface': 'lo', 'group': '239.1.1.1', 'source': '0.0.0.0'}"),
	  "rules[0].input.source: '0.0.0.0' must be a unicast address" },
	{ RULE_IN("{'interface': 'lo', 'group': '239.1.1.1', 'source': '255.255.255.255'}"),
	  "rules[0].input.source: '255.255.255.255' must be a unicast address" },
	{ RULE_IN("{'interface': 'lo', 'group': '239.1.1.1', 'source': '198.18.0.256'}"),
	  "rules[0].input.source: '198.18.0.256' is not an IPv4 or IPv6 address" },
	/* names */
	{ RULE_NAME("'a b'"), "rules[0].name: 'a b' is not a rule name" },
	{ RULE_NAME("''"), "rules[0].name: '' is not a rule name" },
	{ RULE_NAME("'cam/1'"), "rules[0].name: 'cam/1' is not a rule name" },
	{ RULE_NAME("'a123456789b123456789c123456789d123456789e123456789f123456789abcd'"),
	  "rules[0].name: 'a123456789b123456789c123456789d123456789e123456789f123456789abcd' is not" },
	/* interface names */
	{ RULE_IN("{'interface': '', 'group': '239.1.1.1'}"),
	  "rules[0].input.interface: '' is not an interface name" },
	{ RULE_IN("{'interface': 'abcdefghijklmnop', 'group': '239.1.1.1'}"),
	  "rules[0].input.interface: 'abcdefghijklmnop' is not an interface name" },
	{ RULE_OUT("{'interface': 'a/b'}"),
	  "rules[0].outputs[1].interface: 'a/b' is not an interface name" },
	{ RULE_OUT("{'interface': 'eth 0'}"),
	  "rules[0].outputs[1].interface: 'eth 0' is not an interface name" },
	/* types */
	{ "[1, 2]", "top level: [1,2] is not an object" },
	{ "{'queue_depth': '1024', 'rules': [" MIN_RULE "]}",
	  "queue_depth: '1024' is not an integer" },
	{ "{'queue_depth': 1024.0, 'rules': [" MIN_RULE "]}",
	  "queue_depth: 1024.0 is not an integer" },
	{ "{'stats_interval_ms': true, 'rules': [" MIN_RULE "]}",
	  "stats_interval_ms: true is not an integer" },
	{ "{'buffers': null, 'rules': [" MIN_RULE "]}", "buffers: null is not an integer" },
	{ "{'coalesce_us': '50', 'rules': [" MIN_RULE "]}", "coalesce_us: '50' is not an integer" },
	{ "{'coalesce_us': 2.5, 'rules': [" MIN_RULE "]}", "coalesce_us: 2.5 is not an integer" },
	{ "{'coalesce_us': false, 'rules': [" MIN_RULE "]}",
	  "coalesce_us: false is not an integer" },
	{ "{'coalsce_us': 50, 'rules': [" MIN_RULE "]}", "unknown field 'coalsce_us'" },
	{ "{'rules': {}}", "rules: {} is not an array" },
	{ "{'rules': ['x']}", "rules[0]: 'x' is not an object" },
	{ "{'rules': [{'input': [], 'outputs': [{'interface': 'lo'}]}]}",
	  "rules[0].input: [] is not an object" },
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1'}, 'outputs': {}}]}",
	  "rules[0].outputs: {} is not an array" },
	{ RULE_OUT("null"), "rules[0].outputs[1]: null is not an object" },
	{ RULE_NAME("7"), "rules[0].name: 7 is not a string" },
	{ RULE_IN("{'interface': 5, 'group': '239.1.1.1'}"),
	  "rules[0].input.interface: 5 is not a string" },
	{ RULE_IN("{'interface': 'lo', 'group': 239}"),
	  "rules[0].input.group: 239 is not a string" },
	{ RULE_IN("{'interface': 'lo', 'group': '239.1.1.1', 'port': '5000'}"),
	  "rules[0].input.port: '5000' is not an integer" },
	{ RULE_IN("{'interface': 'lo', 'group': '239.1.1.1', 'source': ['198.18.0.1']}"),
	  "rules[0].input.source: ['198.18.0.1'] is not a string" },
	{ RULE_OUT("{'interface': 'lo', 'ttl': 1.5}"),
	  "rules[0].outputs[1].ttl: 1.5 is not a TTL (1 to 255, \"keep\" or \"decrement\")" },
	{ RULE_OUT("{'interface': 'lo', 'ttl': 'keeep'}"),
	  "rules[0].outputs[1].ttl: \"keeep\" is not a TTL (1 to 255, \"keep\" or \"decrement\")" },
	{ RULE_OUT("{'interface': 'lo', 'ttl': '8'}"), "rules[0].outputs[1].ttl: \"8\" is not a TTL" },
	{ RULE_OUT("{'interface': 'lo', 'source': 'sender'}"),
	  "rules[0].outputs[1].source: \"sender\" is not a source (\"relay\", \"keep\" or an IPv4 or IPv6 address)" },
	{ RULE_OUT("{'interface': 'lo', 'source': '239.1.1.1'}"),
	  "rules[0].outputs[1].source: \"239.1.1.1\" must be a unicast address" },
	{ RULE_OUT("{'interface': 'lo', 'source': 1}"), "rules[0].outputs[1].source: 1 is not a string" },
	{ RULE_OUT("{'interface': 'lo', 'port': false}"),
	  "rules[0].outputs[1].port: false is not an integer" },
	/* syntax, with the position */
	{ "{'rules': [\n" MIN_RULE ",\n]}", "line 3, column 1:" },
	{ "{'rules': [" MIN_RULE "],\n 'rules': [" MIN_RULE "]}", "line 2" },
	{ "", "line 1" },
	{ "{'rules': [" MIN_RULE "]} x", "line 1" },
};

static void t_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
		const struct error_case *c = &error_cases[i];
		char want[512];
		struct config_error err;
		struct mcr_config cfg;
		int rc;

		rc = load_q(&cfg, c->json, &err);
		if (rc != -EINVAL)
			fail_msg("case %zu: rc %d, want -EINVAL (%s)", i, rc, c->json);
		assert_msg_has(&err, q(c->want_msg, want, sizeof(want)));
		/* Whatever was half-built must be freeable (valgrind checks). */
		config_free(&cfg);
	}
}

/* Duplicate keys are named by jansson's message; the position must be there too. */
static void t_duplicate_key_rejected(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	assert_int_equal(load_q(&cfg, "{'queue_depth': 8,\n 'queue_depth': 16, 'rules': [" MIN_RULE
				"]}", &err),
			 -EINVAL);
	assert_msg_has(&err, "duplicate");
	assert_msg_has(&err, "line 2");
	config_free(&cfg);
}

/* Builds {"rules": [n_rules rules]} whose first rule has n_outputs outputs. */
static char *big_config(size_t n_rules, size_t n_outputs)
{
	size_t size = 256 + n_rules * 160 + n_outputs * 40, len = 0;
	char *s = malloc(size);

	assert_non_null(s);
	len += (size_t)snprintf(s + len, size - len, "{\"rules\": [");
	for (size_t i = 0; i < n_rules; i++) {
		len += (size_t)snprintf(s + len, size - len,
					"%s{\"input\": {\"interface\": \"lo\", \"group\": \"239.1.%zu.%zu\"},"
					" \"outputs\": [",
					i ? "," : "", i / 256, i % 256);
		for (size_t j = 0; j < (i == 0 ? n_outputs : 1); j++)
			len += (size_t)snprintf(s + len, size - len, "%s{\"interface\": \"lo\"}",
						j ? "," : "");
		len += (size_t)snprintf(s + len, size - len, "]}");
	}
	len += (size_t)snprintf(s + len, size - len, "]}");
	assert_true(len < size);
	return s;
}

struct limit_case {
	size_t n_rules;
	size_t n_outputs;
	const char *want_msg;	/* NULL: must load */
};

static const struct limit_case limit_cases[] = {
	{ MCR_MAX_RULES, 1, NULL },
	{ MCR_MAX_RULES + 1, 1, "rules: 4097 rules" },
	{ 1, MCR_MAX_OUTPUTS, NULL },
	{ 1, MCR_MAX_OUTPUTS + 1, "rules[0].outputs: 4097 outputs, at most 4096" },
};

static void t_rule_and_output_limits(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(limit_cases); i++) {
		const struct limit_case *c = &limit_cases[i];
		char *json = big_config(c->n_rules, c->n_outputs);
		struct config_error err;
		struct mcr_config cfg;
		int rc;

		config_init(&cfg);
		rc = config_load_string(&cfg, json, &err);
		if (c->want_msg) {
			assert_int_equal(rc, -EINVAL);
			assert_msg_has(&err, c->want_msg);
		} else {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err.msg);
			assert_int_equal(cfg.n_rules, c->n_rules);
			assert_int_equal(cfg.rules[0].n_outputs, c->n_outputs);
			assert_string_equal(cfg.rules[c->n_rules - 1].name,
					    c->n_rules == 1 ? "rule1" : "rule4096");
		}
		config_free(&cfg);
		free(json);
	}
}

static void t_file_valid(void **state)
{
	char json[JSON_MAX], path[32];
	struct config_error err;
	struct mcr_config cfg;
	int rc;

	(void)state;
	q("{'buffers': 256, 'rules': [" MIN_RULE "]}\n", json, sizeof(json));
	write_temp(json, strlen(json), path);
	config_init(&cfg);
	rc = config_load_file(&cfg, path, &err);
	(void)unlink(path);
	if (rc != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.buffers, 256);
	assert_int_equal(cfg.n_rules, 1);
	assert_int_equal(cfg.rules[0].outputs[0].group.v4.s_addr, ip("239.2.2.2"));
	config_free(&cfg);
}

static void t_file_syntax_error_has_line(void **state)
{
	static const char text[] = "{\n  \"rules\": [\n    {\"input\": }\n  ]\n}\n";
	char path[32];
	struct config_error err;
	struct mcr_config cfg;
	int rc;

	(void)state;
	write_temp(text, strlen(text), path);
	config_init(&cfg);
	rc = config_load_file(&cfg, path, &err);
	(void)unlink(path);
	assert_int_equal(rc, -EINVAL);
	assert_msg_has(&err, "line 3, column ");
	config_free(&cfg);
}

static void t_file_missing(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_file(&cfg, "/nonexistent-mcr/x.json", &err), -ENOENT);
	assert_msg_has(&err, "cannot read: No such file or directory");
	assert_int_equal(config_load_file(&cfg, "/tmp", &err), -EISDIR);
	assert_msg_has(&err, "cannot read: Is a directory");
	assert_int_equal(cfg.n_rules, 0);
	config_free(&cfg);
}

/* Exactly MCR_MAX_CONFIG_BYTES loads; one byte more does not. */
static void t_file_size_limit(void **state)
{
	size_t size = (size_t)MCR_MAX_CONFIG_BYTES + 1;
	char *data = malloc(size + 1);
	char path[32];
	struct config_error err;
	struct mcr_config cfg;
	int rc;

	(void)state;
	assert_non_null(data);
	memset(data, ' ', size);
	data[size] = '\0';
	(void)q("{'rules': [" MIN_RULE "]}", data, size);
	data[strlen(data)] = ' ';	/* q() ended it with a NUL: pad with spaces instead */

	for (size_t len = size - 1; len <= size; len++) {
		write_temp(data, len, path);
		config_init(&cfg);
		rc = config_load_file(&cfg, path, &err);
		(void)unlink(path);
		if (len <= MCR_MAX_CONFIG_BYTES) {
			if (rc != 0)
				fail_msg("%zu bytes: %s", len, err.msg);
			assert_int_equal(cfg.n_rules, 1);
		} else {
			assert_int_equal(rc, -EFBIG);
			assert_msg_has(&err, "larger than 4194304 bytes");
		}
		config_free(&cfg);
	}

	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, data, &err), -EFBIG);
	assert_msg_has(&err, "larger than 4194304 bytes");
	config_free(&cfg);
	free(data);
}

struct out_want {
	const char *ifname;
	const char *group;	/* NULL: unset */
	uint16_t port;
	int ttl;		/* 0: decrement (the default), -1: keep, else set */
	const char *source;	/* NULL: relay (the default), "keep", or an address */
};

struct shorthand_case {
	const char *spec;
	const char *name;
	const char *in_ifname;
	const char *in_group;
	uint16_t in_port;
	const char *in_source;	/* NULL: any */
	size_t n_outputs;
	struct out_want out[4];
};

static const struct shorthand_case shorthand_cases[] = {
	{ "lo,239.1.1.1,vlan=666 -> lo,239.2.2.2", "rule1", "lo", "239.1.1.1", 0, NULL, 1,
	  { { "lo", "239.2.2.2", 0, 0, NULL } } },
	{ "lo,239.1.1.1:5000,source=198.18.0.1,vlan=666 -> lo", "rule1", "lo", "239.1.1.1", 5000,
	  "198.18.0.1", 1, { { "lo", NULL, 0, 0, NULL } } },
	{ "lo,239.1.1.1 -> lo,239.2.2.2", "rule1", "lo", "239.1.1.1", 0, NULL, 1,
	  { { "lo", "239.2.2.2", 0, 0, NULL } } },
	{ "cam1=veth0,239.1.1.1:5000 -> veth1,239.2.2.2:6000,ttl=8; veth2", "cam1", "veth0",
	  "239.1.1.1", 5000, NULL, 2,
	  { { "veth1", "239.2.2.2", 6000, 8, NULL }, { "veth2", NULL, 0, 0, NULL } } },
	{ "veth0,239.1.1.1:5000,source=198.18.0.1->veth1", "rule1", "veth0", "239.1.1.1", 5000,
	  "198.18.0.1", 1, { { "veth1", NULL, 0, 0, NULL } } },
	{ "  x.y-z_1 = eth0 , 198.18.0.5:7000 , source = 198.18.0.9   ->   eth1,239.9.9.9 ;eth2,ttl= 1;"
	  "  eth3,198.18.1.1:9000,ttl=255  ",
	  "x.y-z_1", "eth0", "198.18.0.5", 7000, "198.18.0.9", 3,
	  { { "eth1", "239.9.9.9", 0, 0, NULL }, { "eth2", NULL, 0, 1, NULL },
	    { "eth3", "198.18.1.1", 9000, 255, NULL } } },
	{ "a,239.1.1.1:65535->b,239.1.1.2:1", "rule1", "a", "239.1.1.1", 65535, NULL, 1,
	  { { "b", "239.1.1.2", 1, 0, NULL } } },
	{ "a,239.1.1.1 -> b,ttl=keep; c,239.2.2.2,ttl=decrement,source=keep; d,source=198.18.9.9,ttl=7;"
	  " e,source=relay",
	  "rule1", "a", "239.1.1.1", 0, NULL, 4,
	  { { "b", NULL, 0, -1, NULL }, { "c", "239.2.2.2", 0, 0, "keep" },
	    { "d", NULL, 0, 7, "198.18.9.9" }, { "e", NULL, 0, 0, NULL } } },
	{ "abcdefghijklmno,239.1.1.1:1 -> b", "rule1", "abcdefghijklmno", "239.1.1.1", 1, NULL, 1,
	  { { "b", NULL, 0, 0, NULL } } },
};

static void assert_out_ttl(const struct mcr_output *o, int want)
{
	if (want == 0) {
		assert_int_equal(o->ttl_mode, TTL_DECREMENT);
	} else if (want < 0) {
		assert_int_equal(o->ttl_mode, TTL_KEEP);
	} else {
		assert_int_equal(o->ttl_mode, TTL_SET);
		assert_int_equal(o->ttl, want);
	}
}

static void assert_out_source(const struct mcr_output *o, const char *want)
{
	if (!want) {
		assert_int_equal(o->source_mode, SOURCE_RELAY);
	} else if (!strcmp(want, "keep")) {
		assert_int_equal(o->source_mode, SOURCE_KEEP);
	} else {
		assert_int_equal(o->source_mode, SOURCE_ADDR);
		assert_int_equal(o->source.v4.s_addr, ip(want));
	}
}

static void t_shorthand_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(shorthand_cases); i++) {
		const struct shorthand_case *c = &shorthand_cases[i];
		struct config_error err;
		struct mcr_config cfg;
		const struct mcr_rule *r;

		config_init(&cfg);
		if (config_add_shorthand(&cfg, c->spec, &err) != 0)
			fail_msg("case %zu: %s", i, err.msg);
		assert_int_equal(cfg.n_rules, 1);
		r = &cfg.rules[0];
		assert_string_equal(r->name, c->name);
		assert_string_equal(r->in_ifname, c->in_ifname);
		assert_int_equal(r->in_group.v4.s_addr, ip(c->in_group));
		assert_int_equal(r->in_port, c->in_port);
		assert_int_equal(r->in_source.v4.s_addr, c->in_source ? ip(c->in_source) : INADDR_ANY);
		assert_int_equal(r->in_vlan, strstr(c->spec, "vlan=666") ? 666 : 0);
		assert_int_equal(r->n_outputs, c->n_outputs);
		for (size_t j = 0; j < c->n_outputs; j++) {
			const struct mcr_output *o = &r->outputs[j];

			assert_string_equal(o->ifname, c->out[j].ifname);
			assert_int_equal(o->group.v4.s_addr,
					 c->out[j].group ? ip(c->out[j].group) : INADDR_ANY);
			assert_int_equal(o->port, c->out[j].port);
			assert_out_ttl(o, c->out[j].ttl);
			assert_out_source(o, c->out[j].source);
		}
		config_free(&cfg);
	}
}

static const struct error_case shorthand_errors[] = {
	{ "a,239.1.1.1,vlan=4095 -> b", "rule 'a,239.1.1.1,vlan=4095 -> b': input: '4095' is not "
					"a VLAN ID (1..4094" },
	{ "a,239.1.1.1,vlan=x -> b", "input: 'x' is not a VLAN ID" },
	{ "a,239.1.1.1,vlan=666,source=198.18.0.1 -> b", "input: unexpected 'source=198.18.0.1'" },
	{ "x", "rule 'x': missing '->'" },
	{ "a,239.1.1.1 -> b -> c", "more than one '->'" },
	{ "a,239.1.1.1 -> b; c,abc",
	  "rule 'a,239.1.1.1 -> b; c,abc': output 2: 'abc' is not an IPv4 or IPv6 address" },
	{ "a,239.1.1.1 -> b,239.1.1", "output 1: '239.1.1' is not an IPv4 or IPv6 address" },
	{ "-> b", "input: missing interface" },
	{ "a -> b", "input: missing group" },
	{ "a, -> b", "input: missing group" },
	{ "a,239.1.1.1:0 -> b", "input: '0' is not a port number (1..65535)" },
	{ "a,239.1.1.1:65536 -> b", "input: '65536' is not a port number" },
	{ "a,239.1.1.1:x -> b", "input: 'x' is not a port number" },
	{ "a,239.1.1.1: -> b", "input: '' is not a port number" },
	{ "a,0.0.0.0 -> b", "input: '0.0.0.0' is not a usable destination address" },
	{ "a,239.1.1.1,source=239.3.3.3 -> b", "input: '239.3.3.3' must be a unicast address" },
	{ "a,239.1.1.1,source=x -> b", "input: 'x' is not an IPv4 or IPv6 address" },
	{ "a,239.1.1.1,src=198.18.0.1 -> b", "input: unexpected 'src=198.18.0.1'" },
	{ "a,239.1.1.1,source=198.18.0.1,more -> b", "input: unexpected 'more'" },
	{ "bad name=a,239.1.1.1 -> b", "name: 'bad name' is not a rule name" },
	{ "=a,239.1.1.1 -> b", "name: '' is not a rule name" },
	{ "abcdefghijklmnop,239.1.1.1 -> b", "input: 'abcdefghijklmnop' is not an interface name" },
	{ "a,239.1.1.1 ->", "output 1: missing interface" },
	{ "a,239.1.1.1 -> b;", "output 2: missing interface" },
	{ "a,239.1.1.1 -> b; ;c", "output 2: missing interface" },
	{ "a,239.1.1.1 -> b/c", "output 1: 'b/c' is not an interface name" },
	/* Found by fuzz_rule_spec: JSON (list, config save) cannot carry it. */
	{ "a,239.1.1.1 -> l\x87\xd3", "output 1: 'l\x87\xd3' is not an interface name" },
	{ "a,239.1.1.1 -> b,ttl=0", "output 1: '0' is not a TTL between 1 and 255" },
	{ "a,239.1.1.1 -> b,ttl=256", "output 1: '256' is not a TTL" },
	{ "a,239.1.1.1 -> b,ttl=", "output 1: '' is not a TTL" },
	{ "a,239.1.1.1 -> b,ttl=8,239.2.2.2", "output 1: unexpected '239.2.2.2'" },
	{ "a,239.1.1.1 -> b,ttl=1,ttl=2", "output 1: unexpected 'ttl=2'" },
	{ "a,239.1.1.1 -> b,239.2.2.2,239.3.3.3", "output 1: unexpected '239.3.3.3'" },
	{ "a,239.1.1.1 -> b,tll=3", "output 1: unexpected 'tll=3'" },
	{ "a,239.1.1.1 -> b,ttl 3", "output 1: 'ttl 3' is not an IPv4 or IPv6 address" },
	{ "a,239.1.1.1,sources=198.18.0.1 -> b", "input: unexpected 'sources=198.18.0.1'" },
	{ "a,239.1.1.1 -> b,239.2.2.2:0", "output 1: '0' is not a port number" },
	{ "a,239.1.1.1 -> b,ttl=kept", "output 1: 'kept' is not a TTL (1 to 255, 'keep' or 'decrement')" },
	{ "a,239.1.1.1 -> b,ttl=-1", "output 1: '-1' is not a TTL" },
	{ "a,239.1.1.1 -> b,source=x", "output 1: 'x' is not a source ('relay', 'keep' or an IPv4 or IPv6 address)" },
	{ "a,239.1.1.1 -> b,source=0.0.0.0", "output 1: '0.0.0.0' must be a unicast address" },
	{ "a,239.1.1.1 -> b,source=keep,source=relay", "output 1: unexpected 'source=relay'" },
	{ "a,239.1.1.1 -> b,source=keep,239.2.2.2", "output 1: unexpected '239.2.2.2'" },
};

static void t_shorthand_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(shorthand_errors); i++) {
		const struct error_case *c = &shorthand_errors[i];
		char want[512];
		struct config_error err = { { 0 } };
		struct mcr_config cfg;
		int rc;

		config_init(&cfg);
		rc = config_add_shorthand(&cfg, c->json, &err);
		if (rc != -EINVAL)
			fail_msg("case %zu (%s): rc %d", i, c->json, rc);
		assert_msg_has(&err, q(c->want_msg, want, sizeof(want)));
		/* A rejected spec adds nothing. */
		assert_int_equal(cfg.n_rules, 0);
		config_free(&cfg);
	}
}

/* Default names count every rule, whichever front end added it. */
static void t_default_names_across_sources(void **state)
{
	char json[JSON_MAX];
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "lo,239.1.1.1 -> lo,239.9.9.9", &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, "named=lo,239.1.1.2 -> lo,239.9.9.9", &err), 0);
	q("{'rules': [" MIN_RULE "]}", json, sizeof(json));
	assert_int_equal(config_load_string(&cfg, json, &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, "lo,239.1.1.3 -> lo,239.9.9.9", &err), 0);
	assert_int_equal(cfg.n_rules, 4);
	assert_string_equal(cfg.rules[0].name, "rule1");
	assert_string_equal(cfg.rules[1].name, "named");
	assert_string_equal(cfg.rules[2].name, "rule3");
	assert_string_equal(cfg.rules[3].name, "rule4");
	assert_int_equal(cfg.rules[3].in_group.v4.s_addr, ip("239.1.1.3"));
	config_free(&cfg);
}

static void t_shorthand_rule_limit(void **state)
{
	static const char spec[] = "lo,239.1.1.1 -> lo,239.9.9.9";
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	for (size_t i = 0; i < MCR_MAX_RULES; i++)
		assert_int_equal(config_add_shorthand(&cfg, spec, &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, spec, &err), -EINVAL);
	assert_msg_has(&err, "too many rules, at most 4096");
	assert_int_equal(cfg.n_rules, MCR_MAX_RULES);
	config_free(&cfg);
}

static void t_free_is_idempotent(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	config_free(&cfg);
	config_free(&cfg);
	assert_int_equal(load_q(&cfg, "{'queue_depth': 64, 'rules': [" MIN_RULE "]}", &err), 0);
	config_free(&cfg);
	assert_null(cfg.rules);
	assert_int_equal(cfg.n_rules, 0);
	assert_int_equal(cfg.queue_depth, MCR_DEFAULT_QUEUE_DEPTH);
	config_free(&cfg);
}

/* Loads single-quoted JSON and resolves it; returns config_resolve()'s result. */
static int load_resolve(struct mcr_config *cfg, const char *json_q, struct config_error *err)
{
	int rc = load_q(cfg, json_q, err);

	if (rc != 0)
		fail_msg("load: %s", err->msg);
	return config_resolve(cfg, err);
}

static void t_resolve_loopback(void **state)
{
	unsigned int lo = if_nametoindex("lo");
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	assert_int_not_equal(lo, 0);
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "lo,239.1.1.1:5000 -> lo,239.2.2.2", &err), 0);
	if (config_resolve(&cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.rules[0].in_ifindex, lo);
	assert_int_equal(cfg.rules[0].outputs[0].ifindex, lo);
	assert_int_equal(cfg.rules[0].outputs[0].port, 5000);
	/* Resolving again changes nothing. */
	assert_int_equal(config_resolve(&cfg, &err), 0);
	assert_int_equal(cfg.rules[0].outputs[0].port, 5000);
	config_free(&cfg);
}

/* An output without group or port takes the input's. */
static void t_resolve_inherits_group_and_port(void **state)
{
	struct config_error err;
	struct mcr_config cfg;
	const struct mcr_output *o;

	(void)state;
	if (load_resolve(&cfg,
			 "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 5000},"
			 " 'outputs': [{'interface': 'lo', 'port': 6000},"
			 "             {'interface': 'lo', 'group': '239.2.2.2'},"
			 "             {'interface': 'lo', 'group': '239.3.3.3', 'port': 7000}]},"
			 " {'input': {'interface': 'lo', 'group': '239.1.1.2'},"
			 "  'outputs': [{'interface': 'lo', 'group': '239.4.4.4'}]}]}",
			 &err) != 0)
		fail_msg("%s", err.msg);
	o = cfg.rules[0].outputs;
	assert_int_equal(o[0].group.v4.s_addr, ip("239.1.1.1"));
	assert_int_equal(o[0].port, 6000);
	assert_int_equal(o[1].group.v4.s_addr, ip("239.2.2.2"));
	assert_int_equal(o[1].port, 5000);
	assert_int_equal(o[2].group.v4.s_addr, ip("239.3.3.3"));
	assert_int_equal(o[2].port, 7000);
	/* An any-port input leaves the output keeping each packet's port. */
	assert_int_equal(cfg.rules[1].outputs[0].port, 0);
	config_free(&cfg);
}

struct resolve_case {
	const char *json;	/* single-quoted */
	int rc;
	const char *want_msg;	/* single-quoted */
};

#define LO_RULE(name, group, port) \
	"{'name': '" name "', 'input': {'interface': 'lo', 'group': '" group "', 'port': " port "}," \
	" 'outputs': [{'interface': 'lo', 'group': '239.9.9.9'}]}"

static const struct resolve_case resolve_cases[] = {
	/* Missing interfaces are no error: their rules wait (t_resolve_waiting). */
	{ RULE_IN("{'interface': 'mcrnoif0', 'group': '239.1.1.1'}"), 0, NULL },
	{ "{'rules': [" MIN_RULE ", {'input': {'interface': 'lo', 'group': '239.1.1.2'},"
	  " 'outputs': [{'interface': 'lo', 'group': '239.9.9.9'}, {'interface': 'mcrnoif1'}]}]}",
	  0, NULL },
	/* Inputs and loops compare by name, whether the interface exists or not. */
	{ "{'rules': [{'name': 'a', 'input': {'interface': 'mcrnoif0', 'group': '239.1.1.1'},"
	  " 'outputs': [{'interface': 'lo'}]}, {'name': 'b', 'input': {'interface': 'mcrnoif0',"
	  " 'group': '239.1.1.1'}, 'outputs': [{'interface': 'lo'}]}]}", -EINVAL,
	  "rules[1].input: same interface/group/port/source as rules[0] ('a')" },
	{ "{'rules': [{'input': {'interface': 'mcrnoif0', 'group': '239.1.1.1'},"
	  " 'outputs': [{'interface': 'mcrnoif0'}]}]}", -EINVAL,
	  "rules[0].outputs[0]: same interface, group and port as the input" },
	{ "{'rules': [" LO_RULE("cam1", "239.1.1.1", "1") ", " LO_RULE("x", "239.1.1.2", "1") ", "
	  LO_RULE("cam1", "239.1.1.3", "1") "]}", -EINVAL,
	  "rules[2].name: 'cam1' is used by rules[0] too" },
	{ "{'rules': [" LO_RULE("cam0", "239.1.1.1", "1") ", " LO_RULE("cam1", "239.1.1.2", "1") ", "
	  LO_RULE("cam2", "239.1.1.3", "1") ", " LO_RULE("cam3", "239.1.1.4", "1") ", "
	  LO_RULE("cam4", "239.1.1.3", "1") "]}", -EINVAL,
	  "rules[4].input: same interface/group/port/source as rules[2] ('cam2')" },
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 5000},"
	  " 'outputs': [{'interface': 'lo', 'group': '239.2.2.2'}, {'interface': 'lo'}]}]}", -EINVAL,
	  "rules[0].outputs[1]: same interface, group and port as the input" },
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 5000},"
	  " 'outputs': [{'interface': 'lo', 'group': '239.1.1.1', 'port': 5000}]}]}", -EINVAL,
	  "rules[0].outputs[0]: same interface, group and port" },
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1'},"
	  " 'outputs': [{'interface': 'lo', 'port': 6000}]}]}", -EINVAL,
	  "rules[0].outputs[0]: same interface, group and port" },
	/* Not duplicates: the keys differ in port or in source. */
	{ "{'rules': [" LO_RULE("a", "239.1.1.1", "1") ", " LO_RULE("b", "239.1.1.1", "2") ", "
	  "{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 1, 'source': '198.18.0.1'},"
	  " 'outputs': [{'interface': 'lo', 'group': '239.9.9.9'}]}]}", 0, NULL },
	/* The same output twice would send every packet twice. */
	{ "{'rules': [{'name': 'cam', 'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 5000},"
	  " 'outputs': [{'interface': 'lo', 'group': '239.2.2.2', 'port': 6000},"
	  " {'interface': 'lo', 'group': '239.3.3.3'}, {'interface': 'lo', 'group': '239.2.2.2', 'port': 6000}]}]}",
	  -EINVAL, "rules[0].outputs[2]: same interface, group and port as outputs[0] (lo, 239.2.2.2:6000) in rule 'cam'" },
	/* Inherited group and port count: two bare outputs on one interface are the same. */
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 5000},"
	  " 'outputs': [{'interface': 'lo', 'port': 6000}, {'interface': 'lo', 'port': 6000}]}]}",
	  -EINVAL, "rules[0].outputs[1]: same interface, group and port as outputs[0]" },
	/* Not duplicates: another port, or another group, on the same interface. */
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 5000},"
	  " 'outputs': [{'interface': 'lo', 'port': 6000}, {'interface': 'lo', 'port': 6001},"
	  " {'interface': 'lo', 'group': '239.4.4.4', 'port': 6000}]}]}", 0, NULL },
	/* Not a loop: another port on the same group. */
	{ "{'rules': [{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 5000},"
	  " 'outputs': [{'interface': 'lo', 'port': 5001}]}]}", 0, NULL },
};

static void t_resolve_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(resolve_cases); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		char want[512];
		struct config_error err;
		struct mcr_config cfg;
		int rc;

		rc = load_resolve(&cfg, c->json, &err);
		if (rc != c->rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, c->rc, err.msg);
		if (c->want_msg)
			assert_msg_has(&err, q(c->want_msg, want, sizeof(want)));
		config_free(&cfg);
	}
}

/*
 * Rules naming a missing interface resolve with index 0 and report the
 * first missing one (input before outputs); rules on two different missing
 * interfaces never collide; config_resolve_interfaces() looks the indexes
 * up again; config_drop_waiting() leaves the others in order.
 */
/*
 * 4,096 rules name lo and one missing interface over and over: each is
 * looked up once per resolution, and every rule gets the same answer.
 */
static void t_resolve_many_rules(void **state)
{
	unsigned int lo = if_nametoindex("lo");
	struct config_error err;
	struct mcr_config cfg;
	char spec[128];

	(void)state;
	config_init(&cfg);
	for (unsigned int i = 0; i < MCR_MAX_RULES; i++) {
		(void)snprintf(spec, sizeof(spec), "r%u=lo,239.1.%u.%u:%u -> lo,239.9.9.9; %s", i,
			       (i / 250) % 250, i % 250 + 1, 5000 + i / 62500,
			       i % 1000 == 0 ? "mcrnoif9" : "lo,239.9.9.8");
		if (config_add_shorthand(&cfg, spec, &err) != 0)
			fail_msg("%s: %s", spec, err.msg);
	}
	if (config_resolve(&cfg, &err) != 0)
		fail_msg("%s", err.msg);
	for (unsigned int i = 0; i < MCR_MAX_RULES; i++) {
		const struct mcr_rule *r = &cfg.rules[i];

		assert_int_equal(r->in_ifindex, lo);
		assert_int_equal(r->outputs[0].ifindex, lo);
		assert_int_equal(r->outputs[1].ifindex, i % 1000 == 0 ? 0 : lo);
	}
	assert_string_equal(config_rule_waiting_for(&cfg.rules[1000]), "mcrnoif9");
	assert_null(config_rule_waiting_for(&cfg.rules[1001]));
	config_free(&cfg);
}

static void t_resolve_waiting(void **state)
{
	static const char *const json =
		"{'rules': ["
		"{'name': 'in', 'input': {'interface': 'mcrnoif0', 'group': '239.1.1.1'},"
		" 'outputs': [{'interface': 'mcrnoif1'}]},"
		"{'name': 'live', 'input': {'interface': 'lo', 'group': '239.1.1.1'},"
		" 'outputs': [{'interface': 'lo', 'group': '239.9.9.9'}]},"
		"{'name': 'out', 'input': {'interface': 'lo', 'group': '239.1.1.2'},"
		" 'outputs': [{'interface': 'lo', 'group': '239.9.9.8'}, {'interface': 'mcrnoif2'}]},"
		"{'name': 'other', 'input': {'interface': 'mcrnoif3', 'group': '239.1.1.1'},"
		" 'outputs': [{'interface': 'lo'}]}]}";
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	if (load_resolve(&cfg, json, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(config_rule_waiting_for(&cfg.rules[0]), "mcrnoif0");
	assert_int_equal(cfg.rules[0].in_ifindex, 0);
	assert_null(config_rule_waiting_for(&cfg.rules[1]));
	assert_int_equal(cfg.rules[1].in_ifindex, if_nametoindex("lo"));
	assert_string_equal(config_rule_waiting_for(&cfg.rules[2]), "mcrnoif2");
	assert_int_equal(cfg.rules[2].outputs[0].ifindex, if_nametoindex("lo"));
	assert_string_equal(config_rule_waiting_for(&cfg.rules[3]), "mcrnoif3");

	/* Looked up again: stale indexes are replaced, missing ones stay 0. */
	cfg.rules[0].in_ifindex = 999;
	cfg.rules[1].in_ifindex = 999;
	cfg.rules[1].outputs[0].ifindex = 0;
	assert_int_equal(config_resolve_interfaces(&cfg), 0);
	assert_int_equal(cfg.rules[0].in_ifindex, 0);
	assert_int_equal(cfg.rules[1].in_ifindex, if_nametoindex("lo"));
	assert_int_equal(cfg.rules[1].outputs[0].ifindex, if_nametoindex("lo"));
	assert_string_equal(config_rule_waiting_for(&cfg.rules[2]), "mcrnoif2");

	assert_int_equal(config_drop_waiting(&cfg), 3);
	assert_int_equal(cfg.n_rules, 1);
	assert_string_equal(cfg.rules[0].name, "live");
	assert_int_equal(config_drop_waiting(&cfg), 0);
	config_free(&cfg);
}

/* Shorthand rules are named rules[i] by resolve too. */
static void t_resolve_shorthand_paths(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_resolve(&cfg, &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, "cam=lo,239.1.1.1 -> lo,239.2.2.2", &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, "cam=lo,239.1.1.2 -> lo,239.2.2.2", &err), 0);
	assert_int_equal(config_resolve(&cfg, &err), -EINVAL);
	assert_msg_has(&err, "rules[1].name: \"cam\" is used by rules[0] too");
	config_free(&cfg);
}

/* ---- single rules and the running configuration ---- */

/* Parses a single-quoted JSON value; the caller releases it. */
static json_t *json_q(const char *src)
{
	char json[JSON_MAX];
	json_error_t jerr;
	json_t *v = json_loads(q(src, json, sizeof(json)), JSON_DECODE_ANY, &jerr);

	if (!v)
		fail_msg("%s: %s", src, jerr.text);
	return v;
}

static void t_rule_from_json(void **state)
{
	json_t *obj = json_q("{'name': 'cam9', 'input': {'interface': 'lo', 'group': '239.1.1.1',"
			     " 'port': 5000, 'source': '198.18.0.1'}, 'outputs': ["
			     "{'interface': 'lo', 'group': '198.18.1.1', 'port': 7000, 'ttl': 3},"
			     "{'interface': 'eth1'}]}");
	struct config_error err;
	struct mcr_rule r;

	(void)state;
	assert_int_equal(config_rule_from_json(obj, &r, &err), 0);
	assert_string_equal(r.name, "cam9");
	assert_string_equal(r.in_ifname, "lo");
	assert_int_equal(r.in_group.v4.s_addr, ip("239.1.1.1"));
	assert_int_equal(r.in_port, 5000);
	assert_int_equal(r.in_source.v4.s_addr, ip("198.18.0.1"));
	assert_int_equal(r.n_outputs, 2);
	assert_int_equal(r.outputs[0].group.v4.s_addr, ip("198.18.1.1"));
	assert_int_equal(r.outputs[0].ttl, 3);
	assert_int_equal(r.outputs[1].group.v4.s_addr, INADDR_ANY);
	assert_int_equal(r.outputs[1].ttl_mode, TTL_DECREMENT);
	config_rule_clear(&r);
	assert_null(r.outputs);
	json_decref(obj);

	/* Without a name the name stays empty: the caller picks the default. */
	obj = json_q(MIN_RULE);
	assert_int_equal(config_rule_from_json(obj, &r, &err), 0);
	assert_string_equal(r.name, "");
	config_rule_clear(&r);
	json_decref(obj);
}

/* The same checks as in a file, with "rule" where a file says "rules[N]". */
static void t_rule_from_json_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "5", "rule: 5 is not an object" },
		{ "{'input': {}, 'outputs': [], 'x': 1}", "rule: unknown field \"x\"" },
		{ "{'outputs': [{'interface': 'lo'}]}", "rule: missing field \"input\"" },
		{ "{'input': {'interface': 'lo', 'group': '239.1.1.1'}}",
		  "rule: missing field \"outputs\"" },
		{ "{'name': 'a b', 'input': {'interface': 'lo', 'group': '239.1.1.1'},"
		  " 'outputs': [{'interface': 'lo'}]}",
		  "rule.name: \"a b\" is not a rule name" },
		{ "{'input': {'interface': 'lo', 'group': '300.1.1.1'}, 'outputs': [{'interface': 'lo'}]}",
		  "rule.input.group: \"300.1.1.1\" is not an IPv4 or IPv6 address" },
		{ "{'input': {'interface': 'lo', 'group': '239.1.1.1', 'port': 0},"
		  " 'outputs': [{'interface': 'lo'}]}",
		  "rule.input.port: 0 is not a port number (1..65535)" },
		{ "{'input': {'interface': 'lo', 'group': '239.1.1.1'}, 'outputs': []}",
		  "rule.outputs: no outputs" },
		{ "{'input': {'interface': 'lo', 'group': '239.1.1.1'},"
		  " 'outputs': [{'interface': 'lo'}, {'interface': 'lo', 'ttl': 256}]}",
		  "rule.outputs[1].ttl: 256 is not a TTL between 1 and 255" },
	};
	struct config_error err;
	struct mcr_rule r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *obj = json_q(cases[i].json);
		char want[JSON_MAX];

		memset(&err, 0, sizeof(err));
		if (config_rule_from_json(obj, &r, &err) != -EINVAL)
			fail_msg("%s: accepted", cases[i].json);
		assert_msg_has(&err, q(cases[i].msg, want, sizeof(want)));
		/* A failed parse leaves nothing to free. */
		assert_null(r.outputs);
		assert_int_equal(r.n_outputs, 0);
		json_decref(obj);
	}
}

static void t_add_rule_json(void **state)
{
	struct config_error err;
	struct mcr_config cfg;
	json_t *obj;

	(void)state;
	assert_int_equal(load_q(&cfg, "{'rules': [" MIN_RULE "]}", &err), 0);
	/* rule1 exists, so an unnamed second rule is rule2; a taken rule3 pushes the next to rule4. */
	obj = json_q("{'name': 'rule3', 'input': {'interface': 'lo', 'group': '239.1.1.3'},"
		     " 'outputs': [{'interface': 'lo'}]}");
	assert_int_equal(config_add_rule_json(&cfg, obj, &err), 0);
	json_decref(obj);
	obj = json_q(MIN_RULE);
	assert_int_equal(config_add_rule_json(&cfg, obj, &err), 0);
	assert_int_equal(cfg.n_rules, 3);
	assert_string_equal(cfg.rules[2].name, "rule4");
	assert_int_equal(config_add_rule_json(&cfg, obj, &err), 0);
	assert_string_equal(cfg.rules[3].name, "rule5");
	json_decref(obj);

	obj = json_q("{'name': 'rule3', 'input': {'interface': 'lo', 'group': '239.1.1.9'},"
		     " 'outputs': [{'interface': 'lo'}]}");
	assert_int_equal(config_add_rule_json(&cfg, obj, &err), -EEXIST);
	assert_msg_has(&err, "rule.name: \"rule3\" is already in use");
	json_decref(obj);

	obj = json_q("{'input': {'interface': 'lo'}, 'outputs': [{'interface': 'lo'}]}");
	assert_int_equal(config_add_rule_json(&cfg, obj, &err), -EINVAL);
	assert_msg_has(&err, "rule.input: missing field \"group\"");
	json_decref(obj);
	assert_int_equal(cfg.n_rules, 4);
	config_free(&cfg);
}

static void t_add_rule_json_limit(void **state)
{
	struct config_error err;
	struct mcr_config cfg;
	json_t *obj = json_q(MIN_RULE);

	(void)state;
	config_init(&cfg);
	for (size_t i = 0; i < MCR_MAX_RULES; i++)
		assert_int_equal(config_add_shorthand(&cfg, "lo,239.1.1.1 -> lo,239.9.9.9", &err),
				 0);
	assert_int_equal(config_add_rule_json(&cfg, obj, &err), -ENOSPC);
	assert_msg_has(&err, "too many rules, at most 4096");
	assert_int_equal(cfg.n_rules, MCR_MAX_RULES);
	json_decref(obj);
	config_free(&cfg);
}

static void t_remove_rule(void **state)
{
	struct config_error err;
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "a=lo,239.1.1.1 -> lo,239.2.2.1", &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, "b=lo,239.1.1.2 -> lo,239.2.2.2; lo", &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, "c=lo,239.1.1.3 -> lo,239.2.2.3", &err), 0);
	assert_int_equal(config_rule_index(&cfg, "b"), 1);
	assert_int_equal(config_rule_index(&cfg, "B"), -ENOENT);

	assert_int_equal(config_remove_rule(&cfg, "b"), 0);
	assert_int_equal(cfg.n_rules, 2);
	assert_string_equal(cfg.rules[0].name, "a");
	assert_string_equal(cfg.rules[1].name, "c");
	assert_int_equal(cfg.rules[1].outputs[0].group.v4.s_addr, ip("239.2.2.3"));
	assert_int_equal(config_remove_rule(&cfg, "b"), -ENOENT);
	assert_int_equal(config_remove_rule(&cfg, ""), -ENOENT);
	assert_int_equal(config_remove_rule(&cfg, "c"), 0);
	assert_int_equal(config_remove_rule(&cfg, "a"), 0);
	assert_int_equal(cfg.n_rules, 0);
	assert_null(cfg.rules);
	assert_int_equal(config_remove_rule(&cfg, "a"), -ENOENT);
	config_free(&cfg);
}

/* Field by field, two configurations say the same. */
static void assert_config_equal(const struct mcr_config *a, const struct mcr_config *b)
{
	assert_int_equal(a->queue_depth, b->queue_depth);
	assert_int_equal(a->send_batch, b->send_batch);
	assert_int_equal(a->coalesce_us, b->coalesce_us);
	assert_int_equal(a->so_sndbuf, b->so_sndbuf);
	assert_int_equal(a->stats_interval_ms, b->stats_interval_ms);
	assert_int_equal(a->buffers, b->buffers);
	assert_int_equal(a->egress, b->egress);
	assert_int_equal(a->ingress, b->ingress);
	assert_int_equal(a->igmp_join, b->igmp_join);
	assert_int_equal(a->n_rules, b->n_rules);
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct mcr_rule *ra = &a->rules[i], *rb = &b->rules[i];

		assert_string_equal(ra->name, rb->name);
		assert_string_equal(ra->in_ifname, rb->in_ifname);
		assert_int_equal(ra->in_group.v4.s_addr, rb->in_group.v4.s_addr);
		assert_int_equal(ra->in_port, rb->in_port);
		assert_int_equal(ra->in_source.v4.s_addr, rb->in_source.v4.s_addr);
		assert_int_equal(ra->in_vlan, rb->in_vlan);
		assert_int_equal(ra->n_outputs, rb->n_outputs);
		for (size_t j = 0; j < ra->n_outputs; j++) {
			assert_string_equal(ra->outputs[j].ifname, rb->outputs[j].ifname);
			assert_int_equal(ra->outputs[j].group.v4.s_addr, rb->outputs[j].group.v4.s_addr);
			assert_int_equal(ra->outputs[j].port, rb->outputs[j].port);
			assert_int_equal(ra->outputs[j].ttl_mode, rb->outputs[j].ttl_mode);
			if (ra->outputs[j].ttl_mode == TTL_SET)
				assert_int_equal(ra->outputs[j].ttl, rb->outputs[j].ttl);
			assert_int_equal(ra->outputs[j].source_mode, rb->outputs[j].source_mode);
			assert_int_equal(ra->outputs[j].source.v4.s_addr, rb->outputs[j].source.v4.s_addr);
		}
	}
}

/* What config_to_json() writes, config_load_string() reads back as the same configuration. */
static void t_to_json_round_trip(void **state)
{
	static const char *const docs[] = {
		"{'queue_depth': 256, 'send_batch': 32, 'coalesce_us': 0, 'so_sndbuf': 65536,"
		" 'stats_interval_ms': 0, 'buffers': 128, 'egress': 'l2', 'igmp_join': false,"
		" 'ingress': 'multishot', 'rules': ["
		"  {'name': 'cam1', 'input': {'interface': 'veth0', 'group': '239.1.1.1',"
		"   'port': 5000, 'source': '198.18.0.1'},"
		"   'outputs': [{'interface': 'veth1', 'group': '239.2.2.2', 'port': 6000, 'ttl': 8},"
		"               {'interface': 'veth2'}]},"
		"  {'input': {'interface': 'veth3', 'group': '198.18.0.7'},"
		"   'outputs': [{'interface': 'veth4', 'group': '239.3.3.3', 'ttl': 255}]}]}",
		"{'rules': [" MIN_RULE "]}",
		"{'rules': [{'input': {'interface': 'a', 'group': '239.1.1.1'}, 'outputs': ["
		" {'interface': 'b', 'ttl': 'keep', 'source': 'keep'},"
		" {'interface': 'c', 'ttl': 'decrement', 'source': '198.18.7.7'},"
		" {'interface': 'd', 'ttl': 1, 'source': 'relay'}]}]}",
		"{'igmp_join': true, 'rules': [" MIN_RULE "]}",
		"{'ingress': 'ring', 'rules': [" MIN_RULE "]}",
		"{'rules': [{'input': {'interface': 'a', 'group': '239.1.1.1', 'vlan': 666},"
		" 'outputs': [{'interface': 'b'}]}]}",
	};
	struct config_error err;
	struct mcr_config a, b;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		json_t *doc;
		char *text;

		assert_int_equal(load_q(&a, docs[i], &err), 0);
		doc = config_to_json(&a);
		assert_non_null(doc);
		/* Written out even at its default, so that a worker never falls back to one. */
		assert_true(json_is_boolean(json_object_get(doc, "igmp_join")));
		assert_int_equal(json_is_true(json_object_get(doc, "igmp_join")), a.igmp_join);
		assert_string_equal(json_string_value(json_object_get(doc, "ingress")),
				    config_ingress_name(a.ingress));
		text = json_dumps(doc, 0);
		assert_non_null(text);
		config_init(&b);
		if (config_load_string(&b, text, &err) < 0)
			fail_msg("%s: %s", text, err.msg);
		assert_config_equal(&a, &b);
		free(text);
		json_decref(doc);
		config_free(&a);
		config_free(&b);
	}
}

/*
 * Bug 7: a multicast output sending from the relay's address needs one on
 * its interface; the refusal names rule, output and interface and says what
 * to do.  "keep", a given source and unicast outputs do not need one.
 */
static void t_output_source_needs_address(void **state)
{
	struct in_addr none = { .s_addr = htonl(INADDR_ANY) }, some = { .s_addr = ip("198.18.0.2") };
	struct config_error err = { "" };
	struct mcr_config cfg;
	const struct mcr_rule *r;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "cam=a,239.1.1.1:5000 -> b,239.2.2.2; "
					      "c,239.2.2.2,source=keep; d,source=198.18.3.3; "
					      "e,198.18.4.4",
					      &err),
			 0);
	r = &cfg.rules[0];
	assert_int_equal(config_check_output_source(r, 0, 0, none, &err), -EADDRNOTAVAIL);
	assert_non_null(strstr(err.msg, "rules[0] (\"cam\").outputs[0]: interface \"b\" has no IPv4 address"));
	assert_non_null(strstr(err.msg, "\"source\" to an address or to \"keep\""));
	assert_int_equal(config_check_output_source(r, 0, 0, some, &err), 0);
	assert_int_equal(config_check_output_source(r, 0, 1, none, &err), 0);
	/* Output 3 inherits the input's (multicast) group only when resolved. */
	cfg.rules[0].outputs[2].group.v4.s_addr = ip("239.1.1.1");
	assert_int_equal(config_check_output_source(r, 0, 2, none, &err), 0);
	assert_int_equal(config_check_output_source(r, 0, 3, none, &err), 0);
	config_free(&cfg);
}

/* A rule's JSON names only what is set, in the file's field names. */
static void t_rule_to_json(void **state)
{
	struct config_error err;
	struct mcr_config cfg;
	json_t *got, *want;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "lo,239.1.1.1:5000 -> lo,239.3.3.3; eth9",
					      &err),
			 0);
	got = config_rule_to_json(&cfg.rules[0]);
	want = json_q("{'name': 'rule1', 'input': {'interface': 'lo', 'group': '239.1.1.1',"
		      " 'port': 5000}, 'outputs': [{'interface': 'lo', 'group': '239.3.3.3',"
		      " 'ttl': 'decrement'}, {'interface': 'eth9', 'ttl': 'decrement'}]}");
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);

	/* Resolved, the inherited port is written out. */
	config_free(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "lo,239.1.1.1:5000 -> lo,239.3.3.3,ttl=4", &err),
			 0);
	assert_int_equal(config_resolve(&cfg, &err), 0);
	got = config_rule_to_json(&cfg.rules[0]);
	want = json_q("{'name': 'rule1', 'input': {'interface': 'lo', 'group': '239.1.1.1',"
		      " 'port': 5000}, 'outputs': [{'interface': 'lo', 'group': '239.3.3.3',"
		      " 'port': 5000, 'ttl': 4}]}");
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);

	/* With every rule removed the document still forms, and says so. */
	assert_int_equal(config_remove_rule(&cfg, "rule1"), 0);
	got = config_to_json(&cfg);
	assert_int_equal(json_array_size(json_object_get(got, "rules")), 0);
	assert_string_equal(json_string_value(json_object_get(got, "egress")), "auto");
	assert_string_equal(json_string_value(json_object_get(got, "ingress")), "ring");
	assert_int_equal(json_integer_value(json_object_get(got, "queue_depth")),
			 MCR_DEFAULT_QUEUE_DEPTH);
	assert_int_equal(json_integer_value(json_object_get(got, "coalesce_us")),
			 MCR_DEFAULT_COALESCE_US);
	json_decref(got);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_full_config),
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_no_rules),
		cmocka_unit_test(t_egress_mode),
		cmocka_unit_test(t_ingress_mode),
		cmocka_unit_test(t_igmp_join),
		cmocka_unit_test(t_send_batch_follows_small_queue),
		cmocka_unit_test(t_bounds),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_duplicate_key_rejected),
		cmocka_unit_test(t_rule_and_output_limits),
		cmocka_unit_test(t_file_valid),
		cmocka_unit_test(t_file_syntax_error_has_line),
		cmocka_unit_test(t_file_missing),
		cmocka_unit_test(t_file_size_limit),
		cmocka_unit_test(t_shorthand_valid),
		cmocka_unit_test(t_shorthand_invalid),
		cmocka_unit_test(t_default_names_across_sources),
		cmocka_unit_test(t_shorthand_rule_limit),
		cmocka_unit_test(t_free_is_idempotent),
		cmocka_unit_test(t_resolve_loopback),
		cmocka_unit_test(t_resolve_inherits_group_and_port),
		cmocka_unit_test(t_resolve_errors),
		cmocka_unit_test(t_resolve_waiting),
		cmocka_unit_test(t_resolve_many_rules),
		cmocka_unit_test(t_resolve_shorthand_paths),
		cmocka_unit_test(t_rule_from_json),
		cmocka_unit_test(t_rule_from_json_errors),
		cmocka_unit_test(t_add_rule_json),
		cmocka_unit_test(t_add_rule_json_limit),
		cmocka_unit_test(t_remove_rule),
		cmocka_unit_test(t_to_json_round_trip),
		cmocka_unit_test(t_rule_to_json),
		cmocka_unit_test(t_output_source_needs_address),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
