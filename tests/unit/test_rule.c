// SPDX-License-Identifier: MIT
/*
 * Unit tests for the forwarding table.  Configurations are built directly
 * as struct mcr_config (ifindexes made up, no resolve step), and lookups are
 * checked for exact hits, misses on each key field, the four-level
 * precedence over every combination of rule kinds, duplicates and scale.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/config.h"
#include "mcrd/dataplane/rule.h"

#define IFX		2
#define GROUP		"239.1.1.1"
#define SRC		"198.18.0.1"
#define OTHER_SRC	"198.18.0.2"

struct key {
	unsigned int ifindex;
	const char *group;
	uint16_t port;		/* 0 = any */
	const char *source;	/* NULL = any */
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void rule_set(struct mcr_rule *r, const struct key *k)
{
	memset(r, 0, sizeof(*r));
	r->in_ifindex = k->ifindex;
	r->in_group.v4.s_addr = ip(k->group);
	r->in_port = k->port;
	r->in_source.v4.s_addr = k->source ? ip(k->source) : INADDR_ANY;
}

/* A config over @rules (no outputs: the table never looks at them). */
static struct mcr_config config_of(struct mcr_rule *rules, size_t n)
{
	struct mcr_config cfg;

	config_init(&cfg);
	cfg.rules = rules;
	cfg.n_rules = n;
	return cfg;
}

static struct rule_table *table_of(const struct mcr_config *cfg)
{
	struct rule_table *t = NULL;
	size_t dup = 0;
	int rc = rule_table_new(cfg, &t, &dup);

	if (rc != 0)
		fail_msg("rule_table_new: %d (dup %zu)", rc, dup);
	assert_non_null(t);
	return t;
}

static int lookup(const struct rule_table *t, const struct key *pkt)
{
	return rule_table_lookup(t, pkt->ifindex, ip(pkt->group), pkt->port, ip(pkt->source), 0);
}

struct lookup_case {
	struct key pkt;
	int want;
};

/* One rule per table; each packet differs from it in one field, or not at all. */
static void t_exact_and_misses(void **state)
{
	static const struct {
		struct key rule;
		struct lookup_case pkts[5];
	} cases[] = {
		{ { IFX, GROUP, 5000, SRC },
		  { { { IFX, GROUP, 5000, SRC }, 0 },
		    { { IFX + 1, GROUP, 5000, SRC }, -1 },
		    { { IFX, "239.1.1.2", 5000, SRC }, -1 },
		    { { IFX, GROUP, 5001, SRC }, -1 },
		    { { IFX, GROUP, 5000, OTHER_SRC }, -1 } } },
		{ { IFX, GROUP, 5000, NULL },
		  { { { IFX, GROUP, 5000, SRC }, 0 },
		    { { IFX, GROUP, 5000, OTHER_SRC }, 0 },
		    { { 1, GROUP, 5000, SRC }, -1 },
		    { { IFX, "238.1.1.1", 5000, SRC }, -1 },
		    { { IFX, GROUP, 4999, SRC }, -1 } } },
		/* Unicast destination (unicast-to-multicast input). */
		{ { IFX, "198.18.5.5", 7000, NULL },
		  { { { IFX, "198.18.5.5", 7000, SRC }, 0 },
		    { { IFX, "198.18.5.6", 7000, SRC }, -1 },
		    { { IFX, "198.18.5.5", 7001, SRC }, -1 },
		    { { IFX + 1, "198.18.5.5", 7000, SRC }, -1 },
		    { { IFX, "5.5.18.198", 7000, SRC }, -1 } } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mcr_rule rule;
		struct mcr_config cfg;
		struct rule_table *t;

		rule_set(&rule, &cases[i].rule);
		cfg = config_of(&rule, 1);
		t = table_of(&cfg);
		for (size_t j = 0; j < ARRAY_SIZE(cases[i].pkts); j++) {
			const struct lookup_case *c = &cases[i].pkts[j];
			int got = lookup(t, &c->pkt);

			if (got != c->want)
				fail_msg("case %zu packet %zu: got %d, want %d", i, j, got,
					 c->want);
		}
		rule_table_free(t);
	}
}

enum rule_kind {
	KIND_EXACT,		/* port and source */
	KIND_PORT,		/* port, any source */
	KIND_SOURCE,		/* any port, source */
	KIND_ANY,		/* any port, any source */
	KIND_MAX,
};

static const struct key kind_keys[KIND_MAX] = {
	[KIND_EXACT] = { IFX, GROUP, 5000, SRC },
	[KIND_PORT] = { IFX, GROUP, 5000, NULL },
	[KIND_SOURCE] = { IFX, GROUP, 0, SRC },
	[KIND_ANY] = { IFX, GROUP, 0, NULL },
};

/* For each packet, the rule kinds that match it, most specific first. */
static const struct {
	struct key pkt;
	enum rule_kind order[KIND_MAX];
	size_t n;
} precedence[] = {
	{ { IFX, GROUP, 5000, SRC }, { KIND_EXACT, KIND_PORT, KIND_SOURCE, KIND_ANY }, 4 },
	{ { IFX, GROUP, 5000, OTHER_SRC }, { KIND_PORT, KIND_ANY }, 2 },
	{ { IFX, GROUP, 6000, SRC }, { KIND_SOURCE, KIND_ANY }, 2 },
	{ { IFX, GROUP, 6000, OTHER_SRC }, { KIND_ANY }, 1 },
};

/*
 * Every subset of the four kinds, added least specific first so that a table
 * that simply returned the first rule added would fail.
 */
static void t_precedence(void **state)
{
	(void)state;
	for (unsigned int mask = 0; mask < 1u << KIND_MAX; mask++) {
		struct mcr_rule rules[KIND_MAX];
		int index_of[KIND_MAX];
		struct mcr_config cfg;
		struct rule_table *t;
		size_t n = 0;

		for (int k = KIND_MAX - 1; k >= 0; k--) {
			index_of[k] = -1;
			if (mask & (1u << k)) {
				rule_set(&rules[n], &kind_keys[k]);
				index_of[k] = (int)n++;
			}
		}
		cfg = config_of(rules, n);
		t = table_of(&cfg);
		for (size_t p = 0; p < ARRAY_SIZE(precedence); p++) {
			int want = -1, got;

			for (size_t o = 0; o < precedence[p].n && want < 0; o++)
				want = index_of[precedence[p].order[o]];
			got = lookup(t, &precedence[p].pkt);
			if (got != want)
				fail_msg("kinds 0x%x, packet %zu: got %d, want %d", mask, p, got,
					 want);
		}
		rule_table_free(t);
	}
}

static void t_any_port_rule(void **state)
{
	static const struct lookup_case pkts[] = {
		{ { IFX, GROUP, 1, SRC }, 1 },
		{ { IFX, GROUP, 5000, OTHER_SRC }, 1 },
		{ { IFX, GROUP, 65535, SRC }, 1 },
		{ { IFX, GROUP, 4000, SRC }, 0 },
		{ { IFX, "239.1.1.2", 5000, SRC }, -1 },
		{ { IFX + 1, GROUP, 5000, SRC }, -1 },
	};
	struct mcr_rule rules[2];
	struct mcr_config cfg;
	struct rule_table *t;

	(void)state;
	rule_set(&rules[0], &(struct key){ IFX, GROUP, 4000, NULL });
	rule_set(&rules[1], &(struct key){ IFX, GROUP, 0, NULL });
	cfg = config_of(rules, ARRAY_SIZE(rules));
	t = table_of(&cfg);
	for (size_t i = 0; i < ARRAY_SIZE(pkts); i++)
		if (lookup(t, &pkts[i].pkt) != pkts[i].want)
			fail_msg("packet %zu: got %d, want %d", i, lookup(t, &pkts[i].pkt),
				 pkts[i].want);
	rule_table_free(t);
}

/* Two sources on one group and port go to two rules; a third source to neither. */
static void t_source_specific_rules(void **state)
{
	static const struct lookup_case pkts[] = {
		{ { IFX, GROUP, 5000, SRC }, 0 },
		{ { IFX, GROUP, 5000, OTHER_SRC }, 1 },
		{ { IFX, GROUP, 5000, "198.18.0.3" }, -1 },
		{ { IFX, GROUP, 5001, SRC }, -1 },
	};
	struct mcr_rule rules[2];
	struct mcr_config cfg;
	struct rule_table *t;

	(void)state;
	rule_set(&rules[0], &(struct key){ IFX, GROUP, 5000, SRC });
	rule_set(&rules[1], &(struct key){ IFX, GROUP, 5000, OTHER_SRC });
	cfg = config_of(rules, ARRAY_SIZE(rules));
	t = table_of(&cfg);
	for (size_t i = 0; i < ARRAY_SIZE(pkts); i++)
		if (lookup(t, &pkts[i].pkt) != pkts[i].want)
			fail_msg("packet %zu: got %d, want %d", i, lookup(t, &pkts[i].pkt),
				 pkts[i].want);
	rule_table_free(t);
}

static void t_duplicates(void **state)
{
	static const struct {
		struct key rules[4];
		size_t n;
		size_t want_dup;	/* SIZE_MAX: no duplicate */
	} cases[] = {
		{ { { IFX, GROUP, 5000, NULL }, { IFX, GROUP, 5000, NULL } }, 2, 1 },
		{ { { IFX, GROUP, 5000, NULL }, { IFX, GROUP, 5001, NULL },
		    { IFX, GROUP, 5000, SRC }, { IFX, GROUP, 5000, NULL } }, 4, 3 },
		{ { { IFX, GROUP, 0, SRC }, { IFX, GROUP, 0, NULL }, { IFX, GROUP, 0, SRC } },
		  3, 2 },
		/* Keys that differ in one field only are not duplicates. */
		{ { { IFX, GROUP, 5000, SRC }, { IFX + 1, GROUP, 5000, SRC },
		    { IFX, "239.1.1.2", 5000, SRC }, { IFX, GROUP, 5000, OTHER_SRC } },
		  4, SIZE_MAX },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mcr_rule rules[4];
		struct mcr_config cfg;
		struct rule_table *t = NULL;
		size_t dup = SIZE_MAX;
		int rc;

		for (size_t j = 0; j < cases[i].n; j++)
			rule_set(&rules[j], &cases[i].rules[j]);
		cfg = config_of(rules, cases[i].n);
		rc = rule_table_new(&cfg, &t, &dup);
		if (cases[i].want_dup == SIZE_MAX) {
			assert_int_equal(rc, 0);
			rule_table_free(t);
			continue;
		}
		assert_int_equal(rc, -EEXIST);
		assert_int_equal(dup, cases[i].want_dup);
		/* ret_dup is optional. */
		assert_int_equal(rule_table_new(&cfg, &t, NULL), -EEXIST);
	}
}

/*
 * A rule takes the frames of its VLAN only: an untagged rule (vlan 0) none
 * of a tagged one, and a tagged rule neither untagged frames nor another
 * VLAN's, whatever the precedence of port and source would say.
 */
static void t_vlan(void **state)
{
	static const struct {
		struct key key;
		uint16_t vlan;
	} rules[] = {
		{ { IFX, GROUP, 5000, NULL }, 0 },
		{ { IFX, GROUP, 5000, NULL }, 666 },
		{ { IFX, "239.2.2.2", 0, NULL }, 100 },
		{ { IFX, "239.2.2.2", 6000, SRC }, 100 },
	};
	static const struct {
		struct key pkt;
		uint16_t vlan;
		int want;
	} pkts[] = {
		{ { IFX, GROUP, 5000, SRC }, 0, 0 },
		{ { IFX, GROUP, 5000, SRC }, 666, 1 },
		{ { IFX, GROUP, 5000, SRC }, 667, -1 },
		{ { IFX, GROUP, 5000, SRC }, 4095, -1 },
		{ { IFX + 1, GROUP, 5000, SRC }, 666, -1 },
		{ { IFX, "239.2.2.2", 7000, SRC }, 100, 2 },
		{ { IFX, "239.2.2.2", 6000, SRC }, 100, 3 },
		{ { IFX, "239.2.2.2", 6000, OTHER_SRC }, 100, 2 },
		{ { IFX, "239.2.2.2", 6000, SRC }, 0, -1 },
		{ { IFX, "239.2.2.2", 6000, SRC }, 101, -1 },
	};
	struct mcr_rule r[ARRAY_SIZE(rules)];
	struct mcr_config cfg;
	struct rule_table *t;
	size_t dup = SIZE_MAX;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		rule_set(&r[i], &rules[i].key);
		r[i].in_vlan = rules[i].vlan;
	}
	cfg = config_of(r, ARRAY_SIZE(rules));
	t = table_of(&cfg);
	for (size_t i = 0; i < ARRAY_SIZE(pkts); i++) {
		const struct key *k = &pkts[i].pkt;
		int got = rule_table_lookup(t, k->ifindex, ip(k->group), k->port, ip(k->source),
					    pkts[i].vlan);

		if (got != pkts[i].want)
			fail_msg("packet %zu: got %d, want %d", i, got, pkts[i].want);
	}
	rule_table_free(t);

	/* The same key and VLAN twice is a duplicate. */
	r[0].in_vlan = 666;
	assert_int_equal(rule_table_new(&cfg, &t, &dup), -EEXIST);
	assert_int_equal(dup, 1);
}

/* The limit's worth of rules, of every kind and on several interfaces: each found. */
static void t_many_rules(void **state)
{
	struct mcr_rule *rules = calloc(MCR_MAX_RULES, sizeof(*rules));
	struct mcr_config cfg;
	struct rule_table *t;

	(void)state;
	assert_non_null(rules);
	for (uint32_t i = 0; i < MCR_MAX_RULES; i++) {
		struct mcr_rule *r = &rules[i];

		r->in_ifindex = 1 + i % 4;
		r->in_group.v4.s_addr = htonl(0xef000000u | i);	/* 239.0.x.y */
		r->in_port = i % 3 == 0 ? 0 : (uint16_t)(1000 + i);
		r->in_source.v4.s_addr = i % 5 == 0 ? htonl(0xc6120000u | i) : INADDR_ANY;
	}
	cfg = config_of(rules, MCR_MAX_RULES);
	t = table_of(&cfg);
	for (uint32_t i = 0; i < MCR_MAX_RULES; i++) {
		const struct mcr_rule *r = &rules[i];
		uint16_t port = r->in_port ? r->in_port : 9;
		uint32_t src = r->in_source.v4.s_addr ? r->in_source.v4.s_addr : htonl(0xc6130001u);
		int got;

		got = rule_table_lookup(t, r->in_ifindex, r->in_group.v4.s_addr, port, src, 0);
		if (got != (int)i)
			fail_msg("rule %u: got %d", i, got);
		/* Same packet on the next interface or group: no rule. */
		assert_int_equal(rule_table_lookup(t, 5, r->in_group.v4.s_addr, port, src, 0), -1);
		assert_int_equal(rule_table_lookup(t, r->in_ifindex, htonl(0xef100000u | i), port,
						   src, 0), -1);
		/* Or tagged: only a rule naming the VLAN takes it. */
		assert_int_equal(rule_table_lookup(t, r->in_ifindex, r->in_group.v4.s_addr, port, src,
						   100), -1);
	}
	rule_table_free(t);
	free(rules);
}

static void t_empty_table(void **state)
{
	struct mcr_config cfg;
	struct rule_table *t;

	(void)state;
	cfg = config_of(NULL, 0);
	t = table_of(&cfg);
	assert_int_equal(rule_table_lookup(t, IFX, ip(GROUP), 5000, ip(SRC), 0), -1);
	assert_int_equal(rule_table_lookup(t, 0, 0, 0, 0, 0), -1);
	rule_table_free(t);
	rule_table_free(NULL);
}

static struct in6_addr v6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* A pointer to the IPv6 address @s, for one call. */
#define G(s)	(&(struct in6_addr[1]){ v6(s) }[0])

/*
 * IPv6 rules live in a table of their own beside IPv4 ones, with the same
 * precedence; addresses alike in their first 32 bits are still two rules.
 */
static void t_ipv6_rules(void **state)
{
	static const char *const specs[] = {
		"a=lo,[ff3e::1]:5000 -> lo,[ff3e::9]:1",
		"b=lo,[ff3e::2]:5000 -> lo,[ff3e::9]:1",
		"c=lo,[ff3e::2]:5000,source=2001:db8::7 -> lo,[ff3e::9]:1",
		"d=lo,ff3e::3 -> lo,[ff3e::9]:1",
		"e=lo,239.1.1.1:5000 -> lo,239.9.9.9",
	};
	struct in6_addr src = v6("2001:db8::1"), src7 = v6("2001:db8::7");
	struct config_error err = { "" };
	struct rule_table *t = NULL;
	struct mcr_config cfg;
	size_t dup = 0;

	(void)state;
	config_init(&cfg);
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		assert_int_equal(config_add_shorthand(&cfg, specs[i], &err), 0);
	for (size_t i = 0; i < cfg.n_rules; i++)
		cfg.rules[i].in_ifindex = 1;
	assert_int_equal(rule_table_new(&cfg, &t, &dup), 0);
	assert_int_equal(rule_table_lookup6(t, 1, G("ff3e::1"), 5000, &src, 0), 0);
	assert_int_equal(rule_table_lookup6(t, 1, G("ff3e::2"), 5000, &src, 0), 1);
	assert_int_equal(rule_table_lookup6(t, 1, G("ff3e::2"), 5000, &src7, 0), 2);
	assert_int_equal(rule_table_lookup6(t, 1, G("ff3e::3"), 7, &src, 0), 3);
	assert_int_equal(rule_table_lookup6(t, 1, G("ff3e::1"), 5001, &src, 0), -1);
	assert_int_equal(rule_table_lookup6(t, 2, G("ff3e::1"), 5000, &src, 0), -1);
	assert_int_equal(rule_table_lookup6(t, 1, G("ff3e::1"), 5000, &src, 100), -1);
	assert_int_equal(rule_table_lookup(t, 1, ip("239.1.1.1"), 5000, ip("198.18.0.1"), 0), 4);
	/* The IPv4 view of an IPv6 group matches no IPv4 rule. */
	assert_int_equal(rule_table_lookup(t, 1, htonl(0xff3e0000), 5000, 0, 0), -1);
	rule_table_free(t);

	/* Two IPv6 rules with one key: the second is named. */
	assert_int_equal(config_add_shorthand(&cfg, "f=lo,[ff3e:0::1]:5000 -> lo,[ff3e::9]:1", &err), 0);
	cfg.rules[cfg.n_rules - 1].in_ifindex = 1;
	assert_int_equal(rule_table_new(&cfg, &t, &dup), -EEXIST);
	assert_int_equal(dup, cfg.n_rules - 1);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_exact_and_misses),
		cmocka_unit_test(t_ipv6_rules),
		cmocka_unit_test(t_vlan),
		cmocka_unit_test(t_precedence),
		cmocka_unit_test(t_any_port_rule),
		cmocka_unit_test(t_source_specific_rules),
		cmocka_unit_test(t_duplicates),
		cmocka_unit_test(t_many_rules),
		cmocka_unit_test(t_empty_table),
	};

	return cmocka_run_group_tests_name("rule", tests, NULL, NULL);
}
