// SPDX-License-Identifier: MIT
/*
 * Unit tests for querier.c (election, startup and general query timers)
 * and membership.c (reports, leaves, last-member queries, group and
 * source timers), for IGMP (IPv4 keys, mapped) and MLD (IPv6 keys): one
 * state machine serves both.  Time is driven explicitly: no sleeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "mcrd/membership/maddr.h"
#include "mcrd/membership/membership.h"
#include "mcrd/membership/querier.h"

#define MS 1000000ULL
#define S  (1000 * MS)

static const struct igmp_timers timers = {
	.query_interval_ms = 10000, .response_ms = 1000, .last_member_ms = 100, .robustness = 2,
};

/* An IPv4 address (mapped) or an IPv6 one, as the tables keep them. */
static struct in6_addr addr(const char *s)
{
	struct in_addr a;
	struct in6_addr a6;

	if (strchr(s, ':')) {
		assert_int_equal(inet_pton(AF_INET6, s, &a6), 1);
		return a6;
	}
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return maddr_from4(a);
}

static void t_startup_queries(void **state)
{
	struct querier q;
	uint64_t t0 = 1000 * S;

	(void)state;
	querier_init(&q, &timers, true, t0);
	assert_false(querier_tick(&q, t0));	/* no address: no queries */
	querier_set_addr(&q, addr("198.18.1.1"), t0);
	assert_true(q.is_querier);
	assert_true(querier_tick(&q, t0));
	assert_false(querier_tick(&q, t0));
	/* RV startup queries, QI/4 apart, then every QI. */
	assert_int_equal(querier_next_ns(&q), t0 + 2500 * MS);
	assert_true(querier_tick(&q, t0 + 2500 * MS));
	assert_int_equal(querier_next_ns(&q), t0 + 12500 * MS);
	assert_false(querier_tick(&q, t0 + 12499 * MS));
	assert_true(querier_tick(&q, t0 + 12500 * MS));
	assert_int_equal(q.queries_sent, 3);
}

static void t_lower_address_wins(void **state)
{
	struct querier q;
	uint64_t t0 = 1000 * S, oqpi = igmp_other_querier_ns(&timers);

	(void)state;
	querier_init(&q, &timers, true, t0);
	querier_set_addr(&q, addr("198.18.1.5"), t0);
	assert_true(querier_tick(&q, t0));
	/* A higher address does not silence us. */
	querier_on_query(&q, addr("198.18.1.9"), t0 + MS);
	assert_true(q.is_querier);
	/* A lower one does: silent for the other querier present interval. */
	querier_on_query(&q, addr("198.18.1.2"), t0 + 2 * MS);
	assert_false(q.is_querier);
	assert_true(maddr_eq(q.querier_addr, addr("198.18.1.2")));
	assert_false(querier_tick(&q, t0 + 2 * MS + oqpi - 1));
	/* Heard again: the timer starts over. */
	querier_on_query(&q, addr("198.18.1.2"), t0 + 5 * S);
	assert_false(querier_tick(&q, t0 + 2 * MS + oqpi));
	assert_int_equal(querier_next_ns(&q), t0 + 5 * S + oqpi);
	/* Gone silent: we take over and query at once. */
	assert_true(querier_tick(&q, t0 + 5 * S + oqpi));
	assert_true(q.is_querier);
	assert_true(maddr_eq(q.querier_addr, addr("198.18.1.5")));
}

static void t_listen_only(void **state)
{
	struct querier q;
	uint64_t t0 = 1000 * S;

	(void)state;
	querier_init(&q, &timers, false, t0);
	querier_set_addr(&q, addr("198.18.1.1"), t0);
	assert_false(q.is_querier);
	assert_false(querier_tick(&q, t0 + 1000 * S));
	/* It still shows who queries, even from a higher address. */
	querier_on_query(&q, addr("198.18.1.7"), t0);
	assert_true(maddr_eq(q.querier_addr, addr("198.18.1.7")));
	assert_int_equal(q.queries_heard, 1);
}

static struct member_record rec(enum igmp_record_type type, const char *group)
{
	return (struct member_record){ .type = type, .group = addr(group),
				       .source_len = strchr(group, ':') ? 16 : 4 };
}

static void t_join_and_leave(void **state)
{
	struct membership m;
	struct member_record r = rec(IGMP_MODE_IS_EXCLUDE, "239.1.1.1");
	struct membership_due d;
	uint64_t t0 = 1000 * S;

	(void)state;
	membership_init(&m, &timers);
	assert_true(membership_on_record(&m, &r, addr("198.18.1.2"), true, t0));
	assert_true(membership_has(&m, r.group, t0));
	assert_int_equal(membership_find(&m, r.group)->since_ns, t0);
	/* A second report changes nothing. */
	assert_false(membership_on_record(&m, &r, addr("198.18.1.3"), true, t0 + S));
	assert_true(maddr_eq(membership_find(&m, r.group)->last_reporter, addr("198.18.1.3")));
	/* Leave: RV group-specific queries, LMQI apart; gone after LMQT. */
	r = rec(IGMP_CHANGE_TO_INCLUDE, "239.1.1.1");
	assert_false(membership_on_record(&m, &r, addr("198.18.1.3"), true, t0 + 2 * S));
	assert_false(membership_tick(&m, t0 + 2 * S, &d));
	assert_int_equal(d.n_queries, 1);
	assert_true(maddr_eq(d.queries[0], r.group));
	assert_false(membership_tick(&m, t0 + 2 * S + 50 * MS, &d));
	assert_int_equal(d.n_queries, 0);
	assert_false(membership_tick(&m, t0 + 2 * S + 100 * MS, &d));
	assert_int_equal(d.n_queries, 1);
	assert_true(membership_has(&m, r.group, t0 + 2 * S + 199 * MS));
	assert_true(membership_tick(&m, t0 + 2 * S + 200 * MS, &d));
	assert_int_equal(d.n_left, 1);
	assert_true(maddr_eq(d.left[0], r.group));
	assert_false(membership_has(&m, r.group, t0 + 2 * S + 200 * MS));
	assert_int_equal(m.n_groups, 0);
	assert_int_equal(m.joins, 1);
	assert_int_equal(m.leaves, 1);
	membership_exit(&m);
}

static void t_report_cancels_leave(void **state)
{
	struct membership m;
	struct member_record join = rec(IGMP_MODE_IS_EXCLUDE, "239.1.1.1");
	struct member_record leave = rec(IGMP_CHANGE_TO_INCLUDE, "239.1.1.1");
	struct membership_due d;
	uint64_t t0 = 1000 * S;

	(void)state;
	membership_init(&m, &timers);
	(void)membership_on_record(&m, &join, addr("198.18.1.2"), true, t0);
	(void)membership_on_record(&m, &leave, addr("198.18.1.2"), true, t0 + S);
	(void)membership_tick(&m, t0 + S, &d);
	/* Another member answers the group-specific query. */
	(void)membership_on_record(&m, &join, addr("198.18.1.3"), true, t0 + S + 50 * MS);
	assert_false(membership_tick(&m, t0 + S + 500 * MS, &d));
	assert_int_equal(d.n_queries, 0);
	assert_true(membership_has(&m, join.group, t0 + S + 500 * MS));
	/* Without further reports it times out after the group membership interval. */
	assert_true(membership_tick(&m, t0 + S + 50 * MS + igmp_group_membership_ns(&timers), &d));
	membership_exit(&m);
}

static void t_sources(void **state)
{
	struct membership m;
	const uint8_t src[] = { 198, 18, 0, 1, 198, 18, 0, 2 };
	struct member_record r = rec(IGMP_MODE_IS_INCLUDE, "232.1.1.1");
	struct membership_due d;
	uint64_t t0 = 1000 * S;

	(void)state;
	membership_init(&m, &timers);
	/* IS_IN({}) is no member. */
	assert_false(membership_on_record(&m, &r, addr("198.18.1.2"), true, t0));
	r.n_sources = 2;
	r.sources = src;
	assert_true(membership_on_record(&m, &r, addr("198.18.1.2"), true, t0));
	assert_int_equal(membership_find(&m, r.group)->n_sources, 2);
	/* BLOCK one: its timer drops to LMQT, the other keeps the group. */
	r = rec(IGMP_BLOCK_OLD_SOURCES, "232.1.1.1");
	r.n_sources = 1;
	r.sources = src;
	assert_false(membership_on_record(&m, &r, addr("198.18.1.2"), true, t0 + S));
	assert_false(membership_tick(&m, t0 + S + 200 * MS, &d));
	assert_int_equal(membership_find(&m, r.group)->n_sources, 1);
	/* BLOCK the other: gone after LMQT. */
	r.sources = src + 4;
	assert_false(membership_on_record(&m, &r, addr("198.18.1.2"), true, t0 + 2 * S));
	assert_true(membership_tick(&m, t0 + 2 * S + 200 * MS, &d));
	assert_false(membership_has(&m, r.group, t0 + 2 * S + 200 * MS));
	/* The entry goes once its last query is out. */
	assert_false(membership_tick(&m, t0 + 2 * S + 300 * MS, &d));
	assert_int_equal(m.n_groups, 0);
	assert_int_equal(m.leaves, 1);
	membership_exit(&m);
}

static void t_not_querier(void **state)
{
	struct membership m;
	struct member_record r = rec(IGMP_MODE_IS_EXCLUDE, "239.1.1.1");
	struct membership_due d;
	uint64_t t0 = 1000 * S;

	(void)state;
	membership_init(&m, &timers);
	(void)membership_on_record(&m, &r, addr("198.18.1.2"), false, t0);
	r = rec(IGMP_CHANGE_TO_INCLUDE, "239.1.1.1");
	/* We do not ask: the other querier does, and its query lowers the timer. */
	(void)membership_on_record(&m, &r, addr("198.18.1.2"), false, t0 + S);
	assert_false(membership_tick(&m, t0 + S, &d));
	assert_int_equal(d.n_queries, 0);
	membership_on_group_query(&m, r.group, t0 + S + 10 * MS);
	assert_true(membership_tick(&m, t0 + S + 210 * MS, &d));
	membership_exit(&m);
}

static void t_limits(void **state)
{
	struct membership m;
	struct member_record r = rec(IGMP_MODE_IS_EXCLUDE, "239.0.0.0");
	uint64_t t0 = 1000 * S;

	(void)state;
	membership_init(&m, &timers);
	for (uint32_t i = 0; i < MEMBERSHIP_MAX_GROUPS + 5; i++) {
		r.group = maddr_from4((struct in_addr){ htonl(0xef000100u + i) });
		(void)membership_on_record(&m, &r, addr("198.18.1.2"), true, t0);
	}
	assert_int_equal(m.n_groups, MEMBERSHIP_MAX_GROUPS);
	assert_int_equal(m.dropped, 5);
	/* Link-local groups (224.0.0.x) and unicast are never members. */
	r.group = addr("224.0.0.251");
	assert_false(membership_on_record(&m, &r, addr("198.18.1.2"), true, t0));
	r.group = addr("198.18.1.1");
	assert_false(membership_on_record(&m, &r, addr("198.18.1.2"), true, t0));
	membership_exit(&m);
}

/* MLD: the same election with link-local IPv6 addresses (RFC 3810 7.6.2). */
static void t_mld_lower_address_wins(void **state)
{
	struct querier q;
	uint64_t t0 = 1000 * S, oqpi = igmp_other_querier_ns(&timers);

	(void)state;
	querier_init(&q, &timers, true, t0);
	querier_set_addr(&q, addr("fe80::5"), t0);
	assert_true(querier_tick(&q, t0));
	querier_on_query(&q, addr("fe80::1:1"), t0 + MS);
	assert_true(q.is_querier);
	querier_on_query(&q, addr("fe80::2"), t0 + 2 * MS);
	assert_false(q.is_querier);
	assert_true(maddr_eq(q.querier_addr, addr("fe80::2")));
	assert_true(querier_tick(&q, t0 + 2 * MS + oqpi));
	assert_true(maddr_eq(q.querier_addr, addr("fe80::5")));
}

/* MLDv2 records with IPv6 sources; MLDv1 report and done. */
static void t_mld_records(void **state)
{
	struct membership m;
	struct in6_addr src[2] = { addr("2001:db8::1"), addr("2001:db8::2") };
	struct member_record r = rec(IGMP_MODE_IS_INCLUDE, "ff3e::1");
	struct member_record v1 = rec(IGMP_MODE_IS_EXCLUDE, "ff15::9");
	struct membership_due d;
	uint64_t t0 = 1000 * S;

	(void)state;
	membership_init(&m, &timers);
	r.n_sources = 2;
	r.sources = (const uint8_t *)src;
	assert_true(membership_on_record(&m, &r, addr("fe80::2"), true, t0));
	assert_int_equal(membership_find(&m, r.group)->n_sources, 2);
	assert_true(maddr_eq(membership_find(&m, r.group)->sources[1].addr, src[1]));
	/* The same bits as an IPv4 group are another key. */
	assert_false(membership_has(&m, addr("255.62.0.0"), t0));
	assert_true(membership_on_record(&m, &v1, addr("fe80::3"), true, t0));
	v1.type = IGMP_CHANGE_TO_INCLUDE;	/* done */
	assert_false(membership_on_record(&m, &v1, addr("fe80::3"), true, t0 + S));
	assert_false(membership_tick(&m, t0 + S, &d));
	assert_int_equal(d.n_queries, 1);
	assert_true(maddr_eq(d.queries[0], v1.group));
	assert_true(membership_tick(&m, t0 + S + 200 * MS, &d));
	assert_false(membership_has(&m, v1.group, t0 + S + 200 * MS));
	assert_true(membership_has(&m, r.group, t0 + S + 200 * MS));
	/* Link-local and interface-local scopes are never members. */
	r = rec(IGMP_MODE_IS_EXCLUDE, "ff02::fb");
	assert_false(membership_on_record(&m, &r, addr("fe80::2"), true, t0));
	r = rec(IGMP_MODE_IS_EXCLUDE, "ff01::1");
	assert_false(membership_on_record(&m, &r, addr("fe80::2"), true, t0));
	membership_exit(&m);
}

/* The tables' addresses: IPv4 mapped prints dotted, none is ::, order is numeric. */
static void t_maddr(void **state)
{
	char buf[MADDR_STR_MAX];

	(void)state;
	assert_string_equal(maddr_fmt(addr("239.2.2.2"), buf), "239.2.2.2");
	assert_string_equal(maddr_fmt(addr("ff3e:0:0:0:0:0:80:1"), buf), "ff3e::80:1");
	assert_true(maddr_is_none(maddr_from4((struct in_addr){ 0 })));
	assert_int_equal(maddr_to4(addr("198.18.1.2")).s_addr, htonl(0xc6120102));
	assert_int_equal(maddr_to4(addr("fe80::1")).s_addr, 0);
	assert_true(maddr_is_lower(addr("198.18.1.2"), addr("198.18.1.10")));
	assert_true(maddr_is_lower(addr("fe80::2"), addr("fe80::10")));
	assert_true(maddr_is_routed_group(addr("239.0.0.1")));
	assert_true(maddr_is_routed_group(addr("224.0.1.1")));
	assert_false(maddr_is_routed_group(addr("224.0.0.22")));
	assert_false(maddr_is_routed_group(addr("ff02::16")));
	assert_true(maddr_is_routed_group(addr("ff05::1:3")));
	assert_false(maddr_is_routed_group(addr("2001:db8::1")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_startup_queries),
		cmocka_unit_test(t_lower_address_wins),
		cmocka_unit_test(t_listen_only),
		cmocka_unit_test(t_join_and_leave),
		cmocka_unit_test(t_report_cancels_leave),
		cmocka_unit_test(t_sources),
		cmocka_unit_test(t_not_querier),
		cmocka_unit_test(t_limits),
		cmocka_unit_test(t_mld_lower_address_wins),
		cmocka_unit_test(t_mld_records),
		cmocka_unit_test(t_maddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
