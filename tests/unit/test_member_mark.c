// SPDX-License-Identifier: MIT
/*
 * Unit tests for member_mark() (member.c): which "when": "joined" outputs
 * have listeners, from an interface's IGMP and MLD tables filled by
 * records, no sockets.  An any-source rule follows any listener of its
 * group; a source-specific rule only listeners that want the source its
 * packets carry (INCLUDE with it, or EXCLUDE without it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "config/config.h"
#include "mcrd/membership/maddr.h"
#include "mcrd/membership/member.h"

#define S	1000000000ULL
#define IFINDEX	7

static const struct igmp_timers timers = {
	.query_interval_ms = 10000, .response_ms = 1000, .last_member_ms = 100, .robustness = 2,
};

static const char *const rules[] = {
	"ssm=lo,232.1.1.1,source=198.18.0.1 -> lo,source=keep,when=joined",
	"relay=lo,232.1.1.2,source=198.18.0.1 -> lo,when=joined",
	"addr=lo,232.1.1.3,source=198.18.0.1 -> lo,source=198.18.0.50,when=joined",
	"asm=lo,239.1.1.1 -> lo,when=joined",
	"ssm6=lo,[ff3e::1],source=2001:db8::1 -> lo,source=keep,when=joined",
};

enum { SSM, RELAY, ADDR, ASM, SSM6, N_RULES };

struct fixture {
	struct member m;
	struct member_if mi;
	struct mcr_config cfg;
};

static struct fixture fx;

static int setup(void **state)
{
	struct config_error err;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	config_init(&fx.cfg);
	for (size_t i = 0; i < N_RULES; i++)
		if (config_add_shorthand(&fx.cfg, rules[i], &err) != 0)
			fail_msg("%s: %s", rules[i], err.msg);
	for (size_t i = 0; i < fx.cfg.n_rules; i++)
		fx.cfg.rules[i].outputs[0].ifindex = IFINDEX;
	fx.mi = (struct member_if){ .ifindex = IFINDEX, .rx_fd = -1, .tx_fd = -1, .mld.fd = -1 };
	membership_init(&fx.mi.tab, &timers);
	membership_init(&fx.mi.mld.tab, &timers);
	fx.m = (struct member){ .t = timers, .ifs = &fx.mi, .n_ifs = 1 };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	membership_exit(&fx.mi.tab);
	membership_exit(&fx.mi.mld.tab);
	config_free(&fx.cfg);
	return 0;
}

static struct in6_addr a(const char *s)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, s, &v4) == 1)
		return maddr_from4(v4);
	assert_int_equal(inet_pton(AF_INET6, s, &v6), 1);
	return v6;
}

/* A record of type for group from one source (NULL: none) into the table of its family. */
static void report(enum igmp_record_type type, const char *group, const char *source)
{
	struct in6_addr s6 = source ? a(source) : in6addr_any;
	struct in_addr s4 = maddr_to4(s6);
	bool is_v6 = strchr(group, ':') != NULL;
	struct member_record r = {
		.type = type, .group = a(group), .n_sources = source ? 1 : 0,
		.sources = is_v6 ? (const uint8_t *)&s6 : (const uint8_t *)&s4,
		.source_len = is_v6 ? 16 : 4,
	};

	(void)membership_on_record(is_v6 ? &fx.mi.mld.tab : &fx.mi.tab, &r, a("198.19.0.6"), true,
				   10 * S);
}

static bool joined(int rule)
{
	return fx.cfg.rules[rule].outputs[0].is_joined;
}

static void t_nobody(void **state)
{
	(void)state;
	assert_false(member_mark(&fx.m, &fx.cfg, 10 * S));
	for (int r = 0; r < N_RULES; r++)
		assert_false(joined(r));
	assert_false(member_mark(NULL, &fx.cfg, 10 * S));
}

/* INCLUDE listeners: the rule's source, not another; any source for an any-source rule. */
static void t_include(void **state)
{
	(void)state;
	report(IGMP_ALLOW_NEW_SOURCES, "232.1.1.1", "198.18.0.2");
	report(IGMP_ALLOW_NEW_SOURCES, "239.1.1.1", "198.18.0.9");
	report(IGMP_ALLOW_NEW_SOURCES, "232.1.1.3", "198.18.0.1");
	assert_true(member_mark(&fx.m, &fx.cfg, 10 * S));
	assert_false(joined(SSM));
	assert_true(joined(ASM));
	/* Its packets carry 198.18.0.50: a listener of the rule's source is not its listener. */
	assert_false(joined(ADDR));
	report(IGMP_ALLOW_NEW_SOURCES, "232.1.1.1", "198.18.0.1");
	report(IGMP_ALLOW_NEW_SOURCES, "232.1.1.3", "198.18.0.50");
	assert_true(member_marks_are_stale(&fx.m, &fx.cfg, 10 * S));
	assert_true(member_mark(&fx.m, &fx.cfg, 10 * S));
	assert_true(joined(SSM));
	assert_true(joined(ADDR));
	assert_false(member_marks_are_stale(&fx.m, &fx.cfg, 10 * S));
}

/* EXCLUDE listeners: every source but the excluded; MLD's table for IPv6 groups. */
static void t_exclude_and_mld(void **state)
{
	(void)state;
	report(IGMP_CHANGE_TO_EXCLUDE, "232.1.1.2", "198.18.0.1");
	report(IGMP_CHANGE_TO_EXCLUDE, "232.1.1.1", "198.18.0.7");
	report(IGMP_MODE_IS_EXCLUDE, "ff3e::1", NULL);
	(void)member_mark(&fx.m, &fx.cfg, 10 * S);
	assert_false(joined(RELAY));
	assert_true(joined(SSM));
	assert_true(joined(SSM6));
	/* The same group as IPv4 bits would be another table's. */
	assert_false(joined(ASM));
	report(IGMP_ALLOW_NEW_SOURCES, "232.1.1.2", "198.18.0.1");
	assert_true(member_mark(&fx.m, &fx.cfg, 10 * S));
	assert_true(joined(RELAY));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_nobody, setup, teardown),
		cmocka_unit_test_setup_teardown(t_include, setup, teardown),
		cmocka_unit_test_setup_teardown(t_exclude_and_mld, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
