// SPDX-License-Identifier: MIT
/*
 * Unit tests for IPv6 in the configuration (issue 12): struct mcr_addr's
 * parsing and printing, IPv6 rules in the JSON file and the --rule
 * shorthand (brackets before a port), the round trip through JSON, and the
 * refusal of rules that mix IPv4 and IPv6.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/util.h"
#include "config/config.h"

static void assert_addr(const struct mcr_addr *a, const char *want)
{
	char buf[ADDR_IP_STR_MAX];

	assert_string_equal(addr_ip_fmt(a, buf), want);
}

static void assert_msg_has(const struct config_error *err, const char *want)
{
	if (!strstr(err->msg, want))
		fail_msg("message \"%s\" does not contain \"%s\"", err->msg, want);
}

/* Both families parse, with and without a port; IPv6 ports need brackets. */
static void t_addr_parse(void **state)
{
	static const struct {
		const char *s;
		int rc;
		int family;
		const char *addr;
		uint16_t port;
	} cases[] = {
		{ "239.1.1.1", 0, AF_INET, "239.1.1.1", 0 },
		{ "239.1.1.1:5000", 0, AF_INET, "239.1.1.1", 5000 },
		{ "ff3e::1", 0, AF_INET6, "ff3e::1", 0 },
		{ "[ff3e::1]", 0, AF_INET6, "ff3e::1", 0 },
		{ "[ff3e::1]:5000", 0, AF_INET6, "ff3e::1", 5000 },
		{ "[FF3E:0::0:1]:65535", 0, AF_INET6, "ff3e::1", 65535 },
		{ "[ff3e::1]:0", -EINVAL, 0, NULL, 0 },
		{ "[ff3e::1]5000", -EINVAL, 0, NULL, 0 },
		{ "[ff3e::1", -EINVAL, 0, NULL, 0 },
		{ "[]:5000", -EINVAL, 0, NULL, 0 },
		{ "[239.1.1.1]:5000", -EINVAL, 0, NULL, 0 },
		{ "ff3e::g", -EINVAL, 0, NULL, 0 },
		{ "", -EINVAL, 0, NULL, 0 },
	};
	char buf[ADDR_IP_STR_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mcr_addr a;
		uint16_t port = 1;
		int rc = addr_ip_parse_port(cases[i].s, &a, &port);

		if (rc != cases[i].rc)
			fail_msg("\"%s\": %d, expected %d", cases[i].s, rc, cases[i].rc);
		if (rc < 0)
			continue;
		assert_int_equal(a.family, cases[i].family);
		assert_int_equal(a.zero, 0);
		assert_addr(&a, cases[i].addr);
		assert_int_equal(port, cases[i].port);
	}
	assert_int_equal(addr_ip_parse("ff02::1:3", &(struct mcr_addr){ 0 }), 0);
	assert_int_equal(addr_ip_parse("[ff02::1]", &(struct mcr_addr){ 0 }), -EINVAL);

	struct mcr_addr v6, v4, v6b;

	assert_int_equal(addr_ip_parse("ff3e::1", &v6), 0);
	assert_int_equal(addr_ip_parse("ff3e:0::1", &v6b), 0);
	assert_int_equal(addr_ip_parse("239.1.1.1", &v4), 0);
	assert_true(addr_ip_equal(&v6, &v6b));
	assert_false(addr_ip_equal(&v6, &v4));
	assert_true(addr_ip_is_multicast(&v6));
	assert_true(addr_ip_is_multicast(&v4));
	assert_string_equal(addr_ip_fmt_port(&v6, 5000, buf), "[ff3e::1]:5000");
	assert_string_equal(addr_ip_fmt_port(&v4, 5000, buf), "239.1.1.1:5000");
	assert_string_equal(addr_ip_fmt_port(&v6, 0, buf), "ff3e::1");
	assert_true(addr_ip_is_v6(&v6));
	assert_false(addr_ip_is_set(&(struct mcr_addr){ 0 }));
	/* A long IPv6 address with a port fits. */
	assert_int_equal(addr_ip_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", &v6), 0);
	assert_string_equal(addr_ip_fmt_port(&v6, 65535, buf),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

/* An IPv4 rule comes out of the new type as it did before: family, address, zero tail. */
static void t_ipv4_unchanged(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;
	const struct mcr_rule *r;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "a,239.1.1.1:5000,source=198.18.0.1 -> b,239.2.2.2", &err), 0);
	r = &cfg.rules[0];
	assert_int_equal(r->in_group.family, AF_INET);
	assert_int_equal(r->in_group.v4.s_addr, inet_addr("239.1.1.1"));
	assert_int_equal(r->in_source.v4.s_addr, inet_addr("198.18.0.1"));
	for (size_t i = 4; i < sizeof(r->in_group.v6); i++)
		assert_int_equal(r->in_group.v6.s6_addr[i], 0);
	assert_int_equal(r->outputs[0].group.v4.s_addr, inet_addr("239.2.2.2"));
	config_free(&cfg);
}

static void t_shorthand_v6(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;
	const struct mcr_rule *r;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg,
					      "ssm=a,[ff3e::1]:5000,source=2001:db8::1 -> "
					      "b,[ff3e::2]:6000,ttl=5,source=2001:db8::2; c,ff15::9; d",
					      &err),
			 0);
	r = &cfg.rules[0];
	assert_string_equal(r->name, "ssm");
	assert_addr(&r->in_group, "ff3e::1");
	assert_int_equal(r->in_port, 5000);
	assert_addr(&r->in_source, "2001:db8::1");
	assert_int_equal(r->n_outputs, 3);
	assert_addr(&r->outputs[0].group, "ff3e::2");
	assert_int_equal(r->outputs[0].port, 6000);
	assert_int_equal(r->outputs[0].source_mode, SOURCE_ADDR);
	assert_addr(&r->outputs[0].source, "2001:db8::2");
	assert_addr(&r->outputs[1].group, "ff15::9");
	assert_int_equal(r->outputs[1].port, 0);
	assert_false(addr_ip_is_set(&r->outputs[2].group));
	/* A bare IPv6 group takes no port: its last colon belongs to the address. */
	assert_int_equal(config_add_shorthand(&cfg, "a,ff3e::1:5000 -> b", &err), 0);
	assert_addr(&cfg.rules[1].in_group, "ff3e::1:5000");
	assert_int_equal(cfg.rules[1].in_port, 0);
	config_free(&cfg);
}

static void t_shorthand_v6_errors(void **state)
{
	static const struct {
		const char *spec, *msg;
	} cases[] = {
		{ "a,[ff3e::1 -> b", "input: \"[ff3e::1\" is not GROUP[:PORT] (an IPv6 group with a port is written in brackets" },
		{ "a,[ff3e::1]5000 -> b", "is not GROUP[:PORT]" },
		{ "a,[ff3e::1]:0 -> b", "input: \"0\" is not a port number" },
		{ "a,[ff3e::1]:x -> b", "input: \"x\" is not a port number" },
		{ "a,[239.1.1.1]:5000 -> b", "input: \"[239.1.1.1]:5000\" is not GROUP[:PORT]" },
		{ "a,:: -> b", "input: \"::\" is not a usable destination address" },
		{ "a,::ffff:239.1.1.1 -> b", "is not a usable destination address" },
		{ "a,ff01::1 -> b", "input: \"ff01::1\" is an IPv6 group of scope 1, which never leaves its host" },
		{ "a,ff30::1 -> b", "is an IPv6 group of scope 0" },
		{ "a,ff3e::1,source=ff3e::2 -> b", "input: \"ff3e::2\" must be a unicast address" },
		{ "a,ff3e::1 -> b,source=ff3e::3", "output 1: \"ff3e::3\" must be a unicast address" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config_error err = { "" };
		struct mcr_config cfg;

		config_init(&cfg);
		if (config_add_shorthand(&cfg, cases[i].spec, &err) != -EINVAL)
			fail_msg("\"%s\" was not refused", cases[i].spec);
		assert_msg_has(&err, cases[i].msg);
		assert_int_equal(cfg.n_rules, 0);
		config_free(&cfg);
	}
}

/* An IPv6 rule in the file's form loads, resolves and comes back the same. */
static void t_json_v6_round_trip(void **state)
{
	static const char *doc =
		"{\"rules\": [{\"name\": \"v6\", \"input\": {\"interface\": \"lo\", "
		"\"group\": \"ff3e::1\", \"port\": 5000, \"source\": \"2001:db8::1\"}, "
		"\"outputs\": [{\"interface\": \"lo\", \"group\": \"ff0e::1:2\", \"port\": 6000, "
		"\"ttl\": 3, \"source\": \"2001:db8::7\"}, {\"interface\": \"lo\", "
		"\"group\": \"ff05::5\"}]}]}";
	struct config_error err = { "" };
	struct mcr_config cfg, again;
	json_t *j, *in, *out;
	char *text;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_string(&cfg, doc, &err), 0);
	assert_int_equal(config_resolve(&cfg, &err), 0);
	/* The second output inherits the input's port, the group stays its own. */
	assert_addr(&cfg.rules[0].outputs[1].group, "ff05::5");
	assert_int_equal(cfg.rules[0].outputs[1].port, 5000);
	j = config_to_json(&cfg);
	assert_non_null(j);
	in = json_object_get(json_array_get(json_object_get(j, "rules"), 0), "input");
	assert_string_equal(json_string_value(json_object_get(in, "group")), "ff3e::1");
	assert_string_equal(json_string_value(json_object_get(in, "source")), "2001:db8::1");
	out = json_array_get(json_object_get(json_array_get(json_object_get(j, "rules"), 0),
					     "outputs"), 0);
	assert_string_equal(json_string_value(json_object_get(out, "group")), "ff0e::1:2");
	assert_string_equal(json_string_value(json_object_get(out, "source")), "2001:db8::7");
	text = json_dumps(j, 0);
	assert_non_null(text);
	config_init(&again);
	assert_int_equal(config_load_string(&again, text, &err), 0);
	assert_true(addr_ip_equal(&again.rules[0].in_group, &cfg.rules[0].in_group));
	assert_true(addr_ip_equal(&again.rules[0].in_source, &cfg.rules[0].in_source));
	assert_true(addr_ip_equal(&again.rules[0].outputs[0].source,
				  &cfg.rules[0].outputs[0].source));
	free(text);
	json_decref(j);
	config_free(&again);
	config_free(&cfg);
}

/* A rule relays one family: each mix is refused naming the rule and both values. */
static void t_mixed_families_refused(void **state)
{
	static const struct {
		const char *spec, *msg;
	} cases[] = {
		{ "m=lo,239.1.1.1 -> lo,ff3e::1",
		  "rules[0] (\"m\"): the input group 239.1.1.1 is IPv4 but outputs[0]'s group ff3e::1 is IPv6" },
		{ "m=lo,ff3e::1 -> lo,239.1.1.1",
		  "the input group ff3e::1 is IPv6 but outputs[0]'s group 239.1.1.1 is IPv4; a rule relays one family, so write both in IPv6" },
		{ "m=lo,ff3e::1,source=198.18.0.1 -> lo,ff3e::2",
		  "the input group ff3e::1 is IPv6 but the input source 198.18.0.1 is IPv4" },
		{ "m=lo,232.1.1.1,source=2001:db8::1 -> lo,232.1.1.2",
		  "the input group 232.1.1.1 is IPv4 but the input source 2001:db8::1 is IPv6" },
		{ "m=lo,ff3e::1 -> lo,ff3e::2; lo,ff3e::3,source=198.18.0.1",
		  "outputs[1]'s source 198.18.0.1 is IPv4" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct config_error err = { "" };
		struct mcr_config cfg;

		config_init(&cfg);
		assert_int_equal(config_add_shorthand(&cfg, cases[i].spec, &err), 0);
		assert_int_equal(config_resolve(&cfg, &err), -EINVAL);
		assert_msg_has(&err, cases[i].msg);
		config_free(&cfg);
	}
}

/* Input keys compare as whole addresses: two IPv6 groups differing late are two rules. */
static void t_v6_input_keys(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_add_shorthand(&cfg, "lo,ff3e::1:1 -> lo,ff3e::9", &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, "lo,ff3e::1:2 -> lo,ff3e::9", &err), 0);
	assert_int_equal(config_resolve(&cfg, &err), 0);
	assert_int_equal(config_add_shorthand(&cfg, "lo,ff3e:0::1:2 -> lo,ff3e::8", &err), 0);
	assert_int_equal(config_resolve(&cfg, &err), -EINVAL);
	assert_msg_has(&err, "rules[2].input: same interface/group/port/source as rules[1]");
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_addr_parse),
		cmocka_unit_test(t_ipv4_unchanged),
		cmocka_unit_test(t_shorthand_v6),
		cmocka_unit_test(t_shorthand_v6_errors),
		cmocka_unit_test(t_json_v6_round_trip),
		cmocka_unit_test(t_mixed_families_refused),
		cmocka_unit_test(t_v6_input_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
