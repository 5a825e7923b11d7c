// SPDX-License-Identifier: MIT
/*
 * Unit tests for the binary configuration image the supervisor sends its
 * workers: a round trip keeps every field, and a truncated, extended or
 * garbled image is refused with a message, never half-decoded.
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

#include "config/cfgwire.h"

/* Three rules with 0, 1 and 3 outputs, and non-default settings. */
static void make_config(struct mcr_config *cfg)
{
	static const size_t outs[] = { 0, 1, 3 };

	config_init(cfg);
	cfg->queue_depth = 256;
	cfg->coalesce_us = 7;
	cfg->egress = EGRESS_UDP;
	cfg->ingress = INGRESS_MULTISHOT;
	cfg->igmp_join = false;
	cfg->n_rules = 3;
	cfg->rules = calloc(3, sizeof(*cfg->rules));
	assert_non_null(cfg->rules);
	for (size_t r = 0; r < 3; r++) {
		struct mcr_rule *rule = &cfg->rules[r];

		(void)snprintf(rule->name, sizeof(rule->name), "rule-%zu", r);
		(void)snprintf(rule->in_ifname, sizeof(rule->in_ifname), "eth%u", (unsigned int)(r % 8));
		rule->in_ifindex = (unsigned int)(10 + r);
		rule->in_group.v4.s_addr = htonl(0xef010101u + (uint32_t)r);
		rule->in_port = (uint16_t)(5000 + r);
		rule->in_vlan = (uint16_t)(r * 2047);	/* 0 (untagged), 2047, 4094 */
		rule->n_outputs = outs[r];
		rule->outputs = calloc(outs[r] ? outs[r] : 1, sizeof(*rule->outputs));
		assert_non_null(rule->outputs);
		for (size_t o = 0; o < outs[r]; o++) {
			(void)snprintf(rule->outputs[o].ifname, sizeof(rule->outputs[o].ifname),
				       "out%u", (unsigned int)(o % 8));
			rule->outputs[o].port = (uint16_t)(6000 + o);
			rule->outputs[o].ttl = (uint8_t)(o + 1);
			rule->outputs[o].ttl_mode = (enum ttl_mode)(o % TTL_MODE_MAX);
			rule->outputs[o].source_mode = (enum source_mode)(o % SOURCE_MODE_MAX);
			rule->outputs[o].source.v4.s_addr = htonl(0xc612c800u + (uint32_t)o);
		}
	}
}

static void t_round_trip(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg, back;
	size_t len;
	char *data;

	(void)state;
	make_config(&cfg);
	assert_int_equal(cfgwire_encode(&cfg, &data, &len), 0);
	config_init(&back);
	assert_int_equal(cfgwire_decode(data, len, &back, &err), 0);
	assert_int_equal(back.queue_depth, 256);
	assert_int_equal(back.coalesce_us, 7);
	assert_int_equal(back.egress, EGRESS_UDP);
	assert_int_equal(back.ingress, INGRESS_MULTISHOT);
	assert_false(back.igmp_join);
	assert_int_equal(back.n_rules, 3);
	for (size_t r = 0; r < 3; r++) {
		assert_string_equal(back.rules[r].name, cfg.rules[r].name);
		assert_string_equal(back.rules[r].in_ifname, cfg.rules[r].in_ifname);
		assert_int_equal(back.rules[r].in_ifindex, cfg.rules[r].in_ifindex);
		assert_int_equal(back.rules[r].in_group.v4.s_addr, cfg.rules[r].in_group.v4.s_addr);
		assert_int_equal(back.rules[r].in_vlan, cfg.rules[r].in_vlan);
		assert_int_equal(back.rules[r].n_outputs, cfg.rules[r].n_outputs);
		assert_ptr_not_equal(back.rules[r].outputs, cfg.rules[r].outputs);
		assert_memory_equal(back.rules[r].outputs, cfg.rules[r].outputs,
				    cfg.rules[r].n_outputs * sizeof(struct mcr_output));
	}
	free(data);
	config_free(&back);
	config_free(&cfg);
}

static void t_empty_round_trip(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg, back;
	size_t len;
	char *data;

	(void)state;
	config_init(&cfg);
	assert_int_equal(cfgwire_encode(&cfg, &data, &len), 0);
	config_init(&back);
	assert_int_equal(cfgwire_decode(data, len, &back, &err), 0);
	assert_int_equal(back.n_rules, 0);
	free(data);
	config_free(&back);
}

/* Decoding must fail, leave out empty, and say why. */
static void expect_refused(const char *data, size_t len, const char *why)
{
	struct config_error err = { "" };
	struct mcr_config out;

	config_init(&out);
	assert_int_equal(cfgwire_decode(data, len, &out, &err), -EBADMSG);
	assert_int_equal(out.n_rules, 0);
	assert_null(out.rules);
	if (!strstr(err.msg, why))
		fail_msg("\"%s\" does not say \"%s\"", err.msg, why);
}

static void t_truncated_and_extended(void **state)
{
	struct mcr_config cfg;
	size_t len;
	char *data, *longer;

	(void)state;
	make_config(&cfg);
	assert_int_equal(cfgwire_encode(&cfg, &data, &len), 0);
	for (size_t cut = 0; cut < len; cut += 7)
		expect_refused(data, cut, cut < 36 ? "image" : "bytes where");
	longer = calloc(1, len + 1);
	assert_non_null(longer);
	memcpy(longer, data, len);
	expect_refused(longer, len + 1, "bytes where");
	free(longer);
	free(data);
	config_free(&cfg);
}

/* Offsets into an image: the header, then the config, rules, outputs. */
#define HDR_SIZE	32
#define RULE_AT(i)	(HDR_SIZE + sizeof(struct mcr_config) + (i) * sizeof(struct mcr_rule))

static void t_garbage(void **state)
{
	struct mcr_config cfg;
	size_t len;
	char *data, *bad;

	(void)state;
	make_config(&cfg);
	assert_int_equal(cfgwire_encode(&cfg, &data, &len), 0);
	bad = malloc(len);
	assert_non_null(bad);

	memcpy(bad, data, len);
	bad[0] = 'X';
	expect_refused(bad, len, "not a version");

	memcpy(bad, data, len);
	bad[8]++;		/* config_size */
	expect_refused(bad, len, "another build");

	memcpy(bad, data, len);
	memset(bad + RULE_AT(1) + offsetof(struct mcr_rule, name), 'a', MCR_NAME_MAX);
	expect_refused(bad, len, "without its end");

	memcpy(bad, data, len);
	bad[HDR_SIZE + offsetof(struct mcr_config, igmp_join)] = 7;
	expect_refused(bad, len, "igmp_join");

	memcpy(bad, data, len);
	{
		uint16_t vlan = MCR_VLAN_MAX + 1;

		memcpy(bad + RULE_AT(1) + offsetof(struct mcr_rule, in_vlan), &vlan, sizeof(vlan));
	}
	expect_refused(bad, len, "rule 1: VLAN 4095");

	memcpy(bad, data, len);
	{
		size_t many = 4;

		memcpy(bad + RULE_AT(2) + offsetof(struct mcr_rule, n_outputs), &many,
		       sizeof(many));
	}
	expect_refused(bad, len, "more than the image holds");

	memcpy(bad, data, len);
	{
		size_t fewer = 2;

		memcpy(bad + RULE_AT(2) + offsetof(struct mcr_rule, n_outputs), &fewer,
		       sizeof(fewer));
	}
	expect_refused(bad, len, "no rule owns");

	/* The first output (rule 1's) with a TTL mode, then a source mode, out of range. */
	memcpy(bad, data, len);
	{
		enum ttl_mode m = TTL_MODE_MAX;

		memcpy(bad + RULE_AT(3) + offsetof(struct mcr_output, ttl_mode), &m, sizeof(m));
	}
	expect_refused(bad, len, "unknown ttl or source mode");
	memcpy(bad, data, len);
	{
		enum source_mode m = (enum source_mode)7;

		memcpy(bad + RULE_AT(3) + offsetof(struct mcr_output, source_mode), &m, sizeof(m));
	}
	expect_refused(bad, len, "unknown ttl or source mode");

	/* Random bytes of every length up to the real one. */
	srand(1);
	for (size_t n = 0; n < len; n++) {
		for (size_t i = 0; i < len; i++)
			bad[i] = (char)rand();
		expect_refused(bad, n, "configuration image");
	}
	free(bad);
	free(data);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_trip),
		cmocka_unit_test(t_empty_round_trip),
		cmocka_unit_test(t_truncated_and_extended),
		cmocka_unit_test(t_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
