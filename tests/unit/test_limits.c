// SPDX-License-Identifier: MIT
/*
 * Unit tests for limits_check(): the limits a worker has, checked by the
 * supervisor before a change.
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
#include "mcrd/dataplane/filter.h"
#include "mcrd/dataplane/ingress.h"
#include "mcrd/supervisor/limits.h"

/* n rules on input interface inN (N = rule / per_if), one output each on out. */
static void make_config(struct mcr_config *cfg, size_t n, size_t per_if, size_t outputs)
{
	config_init(cfg);
	cfg->rules = calloc(n, sizeof(*cfg->rules));
	assert_non_null(cfg->rules);
	cfg->n_rules = n;
	for (size_t r = 0; r < n; r++) {
		struct mcr_rule *rule = &cfg->rules[r];

		(void)snprintf(rule->name, sizeof(rule->name), "r%zu", r);
		(void)snprintf(rule->in_ifname, sizeof(rule->in_ifname), "in%u",
			       (unsigned int)(r / per_if));
		rule->in_group.v4.s_addr = htonl(0xef140000u + (uint32_t)(r % per_if));
		rule->in_port = 5000;
		rule->n_outputs = outputs;
		rule->outputs = calloc(outputs, sizeof(*rule->outputs));
		assert_non_null(rule->outputs);
		for (size_t o = 0; o < outputs; o++) {
			(void)snprintf(rule->outputs[o].ifname, sizeof(rule->outputs[o].ifname),
				       "out%zu", o % 4);
			rule->outputs[o].port = (uint16_t)(6000 + o);
		}
	}
}

/* 1,000 groups on one interface fit; a 1,001st is refused naming it. */
static void t_groups_per_interface(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;

	(void)state;
	make_config(&cfg, FILTER_MAX_DESTS, FILTER_MAX_DESTS, 1);
	assert_int_equal(limits_check(&cfg, &err), 0);
	config_free(&cfg);
	make_config(&cfg, FILTER_MAX_DESTS + 1, FILTER_MAX_DESTS + 1, 1);
	assert_int_equal(limits_check(&cfg, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "input interface in0"));
	assert_non_null(strstr(err.msg, "1000 distinct input groups"));
	config_free(&cfg);
}

/* The limit is per interface: 1,000 on each of two is fine. */
static void t_groups_on_two_interfaces(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;

	(void)state;
	make_config(&cfg, 2 * FILTER_MAX_DESTS, FILTER_MAX_DESTS, 1);
	assert_int_equal(limits_check(&cfg, &err), 0);
	config_free(&cfg);
}

/* Rules sharing a group (different ports) count it once. */
static void t_shared_group_counts_once(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;

	(void)state;
	make_config(&cfg, FILTER_MAX_DESTS + 10, FILTER_MAX_DESTS + 10, 1);
	for (size_t r = FILTER_MAX_DESTS; r < cfg.n_rules; r++) {
		cfg.rules[r].in_group = cfg.rules[0].in_group;
		cfg.rules[r].in_port = (uint16_t)(7000 + r);
	}
	assert_int_equal(limits_check(&cfg, &err), 0);
	config_free(&cfg);
}

static void t_input_interfaces(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;

	(void)state;
	make_config(&cfg, INGRESS_MAX_PORTS, 1, 1);
	assert_int_equal(limits_check(&cfg, &err), 0);
	config_free(&cfg);
	make_config(&cfg, INGRESS_MAX_PORTS + 1, 1, 1);
	assert_int_equal(limits_check(&cfg, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "input interfaces"));
	config_free(&cfg);
}

/* Outputs need sockets in the worker's file table: half of it per generation. */
static void t_file_table(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;

	(void)state;
	make_config(&cfg, 2, 2, 4000);
	assert_int_equal(limits_check(&cfg, &err), 0);
	config_free(&cfg);
	make_config(&cfg, 3, 3, 4000);
	assert_int_equal(limits_check(&cfg, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "file table"));
	config_free(&cfg);
}

static void t_empty_is_fine(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;

	(void)state;
	config_init(&cfg);
	assert_int_equal(limits_check(&cfg, &err), 0);
}

/* An IPv6 rule relays whatever its egress and outputs: limits_check() takes it. */
static void t_ipv6_outputs(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;
	struct mcr_output *o;

	(void)state;
	make_config(&cfg, 3, 3, 1);
	cfg.rules[1].in_group = (struct mcr_addr){ .family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, "ff3e::1", &cfg.rules[1].in_group.v6), 1);
	o = &cfg.rules[1].outputs[0];
	o->group = (struct mcr_addr){ .family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, "ff3e::2", &o->group.v6), 1);
	assert_int_equal(limits_check(&cfg, &err), 0);
	cfg.egress = EGRESS_UDP;
	o->when = WHEN_JOINED;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::9", &o->group.v6), 1);
	assert_int_equal(limits_check(&cfg, &err), 0);
	config_free(&cfg);
}

/*
 * n4 IPv4 and n6 IPv6 rules on in0, each its own group.  The IPv6 groups
 * share their first four bytes (ff3e::N), and the IPv4 ones start as an
 * IPv6 one does (255.62.0.N): a count that reads an IPv6 group as IPv4
 * merges them.
 */
static void make_dual(struct mcr_config *cfg, size_t n4, size_t n6)
{
	make_config(cfg, n4 + n6, n4 + n6, 1);
	for (size_t r = 0; r < n4; r++) {
		struct in_addr a = { htonl(0xff3e0000u + (uint32_t)r) };

		cfg->rules[r].in_group = addr_ip_v4(a);
	}
	for (size_t i = 0; i < n6; i++) {
		struct mcr_addr *g = &cfg->rules[n4 + i].in_group;

		*g = (struct mcr_addr){ .family = AF_INET6 };
		g->v6.s6_addr[0] = 0xff;
		g->v6.s6_addr[1] = 0x3e;
		g->v6.s6_addr[14] = (uint8_t)(i >> 8);
		g->v6.s6_addr[15] = (uint8_t)i;
		g->v6.s6_addr[13] = 1;
	}
}

/* limits_check() of n4 + n6 groups on in0: 0, or -E2BIG naming in0, the counts and the limits. */
static int check_dual(size_t n4, size_t n6)
{
	struct config_error err = { "" };
	struct mcr_config cfg;
	char want[128];
	int ret;

	make_dual(&cfg, n4, n6);
	ret = limits_check(&cfg, &err);
	config_free(&cfg);
	if (ret == 0)
		return 0;
	(void)snprintf(want, sizeof(want), "input interface in0: %zu IPv4 and %zu IPv6 groups", n4,
		       n6);
	assert_non_null(strstr(err.msg, want));
	(void)snprintf(want, sizeof(want), "%d distinct input groups of IPv4 and %d of IPv6",
		       FILTER_MAX_DESTS, FILTER_MAX_DESTS6);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "spread the groups over more interfaces"));
	return ret;
}

/* The ingress filter's boundary, per family and mixed: exactly full fits, one more does not. */
static void t_filter_boundary(void **state)
{
	(void)state;
	assert_int_equal(check_dual(0, FILTER_MAX_DESTS6), 0);
	assert_int_equal(check_dual(0, FILTER_MAX_DESTS6 + 1), -E2BIG);
	assert_int_equal(check_dual(FILTER_MAX_DESTS, 0), 0);
	assert_int_equal(check_dual(FILTER_MAX_DESTS + 1, 0), -E2BIG);
	assert_int_equal(check_dual(FILTER_MAX_DESTS, FILTER_MAX_DESTS6), 0);
	assert_int_equal(check_dual(FILTER_MAX_DESTS, FILTER_MAX_DESTS6 + 1), -E2BIG);
	assert_int_equal(check_dual(FILTER_MAX_DESTS + 1, FILTER_MAX_DESTS6), -E2BIG);
	assert_int_equal(check_dual(FILTER_MAX_DESTS + 1, 1), -E2BIG);
}

/* A full IPv4 section leaves the IPv6 one its own room: ff0e::1 is not a 1,001st IPv4 group. */
static void t_families_counted_apart(void **state)
{
	struct config_error err = { "" };
	struct mcr_config cfg;
	struct mcr_addr *g;

	(void)state;
	make_config(&cfg, FILTER_MAX_DESTS + 1, FILTER_MAX_DESTS + 1, 1);
	g = &cfg.rules[FILTER_MAX_DESTS].in_group;
	*g = (struct mcr_addr){ .family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, "ff0e::1", &g->v6), 1);
	assert_int_equal(limits_check(&cfg, &err), 0);
	config_free(&cfg);
}

/* What passes here is what the worker's builder takes: the same length, at the limits. */
static void t_filter_same_length(void **state)
{
	static const size_t n4s[] = { 0, 1, 256, 257, FILTER_MAX_DESTS };
	static const size_t n6s[] = { 0, 1, 255, FILTER_MAX_DESTS6 };
	static struct sock_filter prog[BPF_MAXINSNS];
	static uint32_t d4[FILTER_MAX_DESTS];
	static struct in6_addr d6[FILTER_MAX_DESTS6];

	(void)state;
	for (size_t i = 0; i < FILTER_MAX_DESTS; i++)
		d4[i] = htonl(0xef000000u + (uint32_t)i);
	for (size_t a = 0; a < ARRAY_SIZE(n4s); a++) {
		for (size_t b = 0; b < ARRAY_SIZE(n6s); b++) {
			int len = filter_len_dual(n4s[a], n6s[b]);

			if (n4s[a] + n6s[b] == 0) {
				assert_int_equal(len, -EINVAL);
				continue;
			}
			assert_in_range(len, 1, BPF_MAXINSNS);
			assert_int_equal(filter_build_dual(d4, n4s[a], d6, n6s[b], prog,
							   ARRAY_SIZE(prog)),
					 len);
			assert_int_equal(check_dual(n4s[a], n6s[b]), 0);
		}
	}
	assert_int_equal(filter_len_dual(FILTER_MAX_DESTS + 1, 0), -E2BIG);
	assert_int_equal(filter_len_dual(0, FILTER_MAX_DESTS6 + 1), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_groups_per_interface),
		cmocka_unit_test(t_groups_on_two_interfaces),
		cmocka_unit_test(t_shared_group_counts_once),
		cmocka_unit_test(t_input_interfaces),
		cmocka_unit_test(t_file_table),
		cmocka_unit_test(t_empty_is_fine),
		cmocka_unit_test(t_ipv6_outputs),
		cmocka_unit_test(t_filter_boundary),
		cmocka_unit_test(t_families_counted_apart),
		cmocka_unit_test(t_filter_same_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
