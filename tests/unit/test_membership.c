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
	assert_true(maddr_eq(d.queries[0].group, r.group));
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
	/* Its sources changed, the group still has a listener. */
	assert_true(membership_tick(&m, t0 + S + 200 * MS, &d));
	assert_int_equal(d.n_left, 0);
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
	membership_on_group_query(&m, &r, t0 + S + 10 * MS);
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

/*
 * RFC 3376 6.4.1 and 6.4.2 (RFC 3810 7.4.1, 7.4.2), row by row.  Sources
 * are letters: a is 198.18.0.1, b 198.18.0.2 and so on.  The state before
 * is built at t0: INCLUDE (A) from IS_IN (A), EXCLUDE (X, Y) from IS_EX (Y)
 * then ALLOW (X); the record arrives at t1, from the querier's point of
 * view.  Timers after it: G is t1 + GMI, g t0 + GMI (untouched, or the
 * group timer), L t1 + LMQT, 0 stopped (excluded, Y).
 */
struct rfc_row {
	const char *name;
	bool is_exclude;
	const char *a_or_x, *y;
	enum igmp_record_type type;
	const char *rec;
	bool is_exclude_after;
	const char *timers;		/* "a=g b=L c=0": every source after, in order */
	char group_timer;		/* G, g or L; - in INCLUDE mode */
	bool asks_group;		/* Q(G) */
	const char *asks;		/* Q(G, these) */
};

static const struct rfc_row rfc_rows[] = {
	{ "IN(A) IS_IN(B)", false, "ab", "", IGMP_MODE_IS_INCLUDE, "bc",
	  false, "a=g b=G c=G", '-', false, "" },
	{ "IN(A) IS_EX(B)", false, "ab", "", IGMP_MODE_IS_EXCLUDE, "bc",
	  true, "b=g c=0", 'G', false, "" },
	{ "IN(A) ALLOW(B)", false, "ab", "", IGMP_ALLOW_NEW_SOURCES, "bc",
	  false, "a=g b=G c=G", '-', false, "" },
	{ "IN(A) BLOCK(B)", false, "ab", "", IGMP_BLOCK_OLD_SOURCES, "bc",
	  false, "a=g b=L", '-', false, "b" },
	{ "IN(A) TO_EX(B)", false, "ab", "", IGMP_CHANGE_TO_EXCLUDE, "bc",
	  true, "b=L c=0", 'G', false, "b" },
	{ "IN(A) TO_IN(B)", false, "ab", "", IGMP_CHANGE_TO_INCLUDE, "bc",
	  false, "a=L b=G c=G", '-', false, "a" },
	{ "EX(X,Y) IS_IN(A)", true, "ab", "cd", IGMP_MODE_IS_INCLUDE, "bce",
	  true, "a=g b=G c=G d=0 e=G", 'g', false, "" },
	{ "EX(X,Y) IS_EX(A)", true, "ab", "cd", IGMP_MODE_IS_EXCLUDE, "bce",
	  true, "b=g c=0 e=G", 'G', false, "" },
	{ "EX(X,Y) ALLOW(A)", true, "ab", "cd", IGMP_ALLOW_NEW_SOURCES, "bce",
	  true, "a=g b=G c=G d=0 e=G", 'g', false, "" },
	{ "EX(X,Y) BLOCK(A)", true, "ab", "cd", IGMP_BLOCK_OLD_SOURCES, "bce",
	  true, "a=g b=L c=0 d=0 e=L", 'g', false, "be" },
	{ "EX(X,Y) TO_EX(A)", true, "ab", "cd", IGMP_CHANGE_TO_EXCLUDE, "bce",
	  true, "b=L c=0 e=L", 'G', false, "be" },
	{ "EX(X,Y) TO_IN(A)", true, "ab", "cd", IGMP_CHANGE_TO_INCLUDE, "bce",
	  true, "a=L b=G c=G d=0 e=G", 'L', true, "a" },
};

#define GROUP_SSM	"232.1.1.1"

static struct in6_addr letter(char c)
{
	return maddr_from4((struct in_addr){ htonl(0xc6120000u + (uint32_t)(c - 'a' + 1)) });
}

/* A record of type for letters into r (buf holds their addresses). */
static void letters_record(struct member_record *r, enum igmp_record_type type,
			   const char *letters, uint8_t *buf)
{
	*r = rec(type, GROUP_SSM);
	r->n_sources = (uint16_t)strlen(letters);
	for (size_t i = 0; i < r->n_sources; i++) {
		struct in_addr a = maddr_to4(letter(letters[i]));

		memcpy(buf + 4 * i, &a, 4);
	}
	r->sources = buf;
}

static void apply_letters(struct membership *m, enum igmp_record_type type, const char *letters,
			  bool is_querier, uint64_t now)
{
	uint8_t buf[4 * 26];
	struct member_record r;

	letters_record(&r, type, letters, buf);
	(void)membership_on_record(m, &r, addr("198.18.1.2"), is_querier, now);
}

static uint64_t timer_of(char code, uint64_t t0, uint64_t t1)
{
	switch (code) {
	case 'G': return t1 + igmp_group_membership_ns(&timers);
	case 'g': return t0 + igmp_group_membership_ns(&timers);
	case 'L': return t1 + igmp_last_member_ns(&timers);
	default: return 0;
	}
}

static void check_row(const struct rfc_row *row)
{
	struct membership m;
	struct membership_due d;
	const struct member_group *g;
	uint64_t t0 = 1000 * S, t1 = t0 + S;
	unsigned int n_expected = 0;
	char asked[27] = "";

	print_message("%s\n", row->name);
	membership_init(&m, &timers);
	if (row->is_exclude) {
		apply_letters(&m, IGMP_MODE_IS_EXCLUDE, row->y, true, t0);
		apply_letters(&m, IGMP_ALLOW_NEW_SOURCES, row->a_or_x, true, t0);
	} else {
		apply_letters(&m, IGMP_MODE_IS_INCLUDE, row->a_or_x, true, t0);
	}
	apply_letters(&m, row->type, row->rec, true, t1);
	g = membership_find(&m, addr(GROUP_SSM));
	assert_non_null(g);
	assert_int_equal(g->is_exclude, row->is_exclude_after);
	if (row->group_timer != '-')
		assert_int_equal(g->expires_ns, timer_of(row->group_timer, t0, t1));
	for (const char *p = row->timers; *p; p += strlen("a=g ") - (p[3] == 0)) {
		int found = -1;

		for (unsigned int i = 0; i < g->n_sources; i++)
			if (maddr_eq(g->sources[i].addr, letter(p[0])))
				found = (int)i;
		print_message("  source %c\n", p[0]);
		assert_true(found >= 0);
		assert_int_equal(g->sources[found].expires_ns, timer_of(p[2], t0, t1));
		n_expected++;
	}
	assert_int_equal(g->n_sources, n_expected);
	/* The queries the row asks for go out at once, Q(G) first. */
	(void)membership_tick(&m, t1, &d);
	assert_int_equal(d.n_queries, row->asks_group + (row->asks[0] != 0));
	if (row->asks_group) {
		assert_true(maddr_eq(d.queries[0].group, addr(GROUP_SSM)));
		assert_int_equal(d.queries[0].n_sources, 0);
	}
	if (row->asks[0]) {
		const struct membership_query *q = &d.queries[row->asks_group];

		for (unsigned int i = 0; i < q->n_sources; i++)
			for (char c = 'a'; c <= 'z'; c++)
				if (maddr_eq(q->sources[i], letter(c)))
					asked[strlen(asked)] = c;
		/* Sorted, to compare as a set. */
		for (size_t i = 0; asked[i]; i++)
			for (size_t j = i + 1; asked[j]; j++)
				if (asked[j] < asked[i]) {
					char t = asked[i];

					asked[i] = asked[j];
					asked[j] = t;
				}
		assert_string_equal(asked, row->asks);
	}
	membership_exit(&m);
}

static void t_rfc_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc_rows) / sizeof(rfc_rows[0]); i++)
		check_row(&rfc_rows[i]);
}

/* Who gets which source: INCLUDE (A) wants A; EXCLUDE (X, Y) all but Y. */
static void t_wants(void **state)
{
	struct membership m;
	struct in6_addr g = addr(GROUP_SSM);
	uint64_t t0 = 1000 * S;

	(void)state;
	membership_init(&m, &timers);
	assert_false(membership_wants(&m, g, letter('a'), t0));
	apply_letters(&m, IGMP_MODE_IS_INCLUDE, "a", true, t0);
	assert_true(membership_wants(&m, g, letter('a'), t0));
	assert_false(membership_wants(&m, g, letter('b'), t0));
	assert_true(membership_wants(&m, g, in6addr_any, t0));	/* any-source: any listener */
	apply_letters(&m, IGMP_MODE_IS_EXCLUDE, "b", true, t0 + S);
	/* EXCLUDE (a, b): a (requested) and every other source but b. */
	assert_true(membership_wants(&m, g, letter('a'), t0 + S));
	assert_false(membership_wants(&m, g, letter('b'), t0 + S));
	assert_true(membership_wants(&m, g, letter('c'), t0 + S));
	assert_true(membership_is_excluded(membership_find(&m, g), 1, t0 + S) ||
		    membership_is_excluded(membership_find(&m, g), 0, t0 + S));
	membership_exit(&m);
}

/*
 * BLOCK in INCLUDE mode: RV group-and-source queries naming the source,
 * LMQI apart; after LMQT the source is gone, the other source stays; a
 * report for it before then keeps it and stops the asking.
 */
static void t_block_queries_and_expiry(void **state)
{
	struct membership m;
	struct membership_due d;
	struct in6_addr g = addr(GROUP_SSM);
	uint64_t t0 = 1000 * S, t1 = t0 + S;
	uint8_t buf[8];
	struct member_record r;

	(void)state;
	membership_init(&m, &timers);
	apply_letters(&m, IGMP_MODE_IS_INCLUDE, "ab", true, t0);
	letters_record(&r, IGMP_BLOCK_OLD_SOURCES, "a", buf);
	/* Nothing changes at once: a is asked about first. */
	assert_int_equal(membership_on_record(&m, &r, addr("198.18.1.2"), true, t1), 0);
	assert_true(membership_wants(&m, g, letter('a'), t1));
	assert_false(membership_tick(&m, t1, &d));
	assert_int_equal(d.n_queries, 1);
	assert_int_equal(d.queries[0].n_sources, 1);
	assert_true(maddr_eq(d.queries[0].sources[0], letter('a')));
	assert_false(membership_tick(&m, t1 + 99 * MS, &d));
	assert_int_equal(d.n_queries, 0);
	assert_int_equal(membership_next_ns(&m), t1 + 100 * MS);
	assert_false(membership_tick(&m, t1 + 100 * MS, &d));
	assert_int_equal(d.n_queries, 1);
	assert_true(membership_wants(&m, g, letter('a'), t1 + 199 * MS));
	/* LMQT: a is no longer wanted, b still is; the group keeps listeners. */
	assert_true(membership_tick(&m, t1 + 200 * MS, &d));
	assert_int_equal(d.n_queries, 0);
	assert_int_equal(d.n_left, 0);
	assert_false(membership_wants(&m, g, letter('a'), t1 + 200 * MS));
	assert_true(membership_wants(&m, g, letter('b'), t1 + 200 * MS));
	/* BLOCK b, then a report for b answers the first query: b stays, no more asking. */
	letters_record(&r, IGMP_BLOCK_OLD_SOURCES, "b", buf);
	(void)membership_on_record(&m, &r, addr("198.18.1.2"), true, t1 + S);
	(void)membership_tick(&m, t1 + S, &d);
	assert_int_equal(d.n_queries, 1);
	apply_letters(&m, IGMP_MODE_IS_INCLUDE, "b", true, t1 + S + 50 * MS);
	assert_false(membership_tick(&m, t1 + S + 300 * MS, &d));
	assert_int_equal(d.n_queries, 0);
	assert_true(membership_wants(&m, g, letter('b'), t1 + S + 300 * MS));
	membership_exit(&m);
}

/*
 * EXCLUDE mode over time: a requested source whose timer runs out becomes
 * excluded; when the group timer runs out the group goes to INCLUDE with
 * the requested sources left, and loses its listeners with the last one.
 */
static void t_exclude_expiry(void **state)
{
	struct membership m;
	struct membership_due d;
	struct in6_addr g = addr(GROUP_SSM);
	uint64_t t0 = 1000 * S, gmi = igmp_group_membership_ns(&timers);

	(void)state;
	membership_init(&m, &timers);
	apply_letters(&m, IGMP_MODE_IS_EXCLUDE, "c", true, t0);		/* EX({}, {c}) */
	apply_letters(&m, IGMP_ALLOW_NEW_SOURCES, "a", true, t0);	/* EX({a}, {c}) */
	/* IS_EX ({a, c}): the group timer starts over, a's does not. */
	apply_letters(&m, IGMP_MODE_IS_EXCLUDE, "ac", true, t0 + 5 * S);
	apply_letters(&m, IGMP_ALLOW_NEW_SOURCES, "b", true, t0 + 10 * S);
	assert_int_equal(membership_next_ns(&m), t0 + gmi);
	/* a's timer runs out: a is excluded, as c is; b and the rest still flow. */
	assert_true(membership_tick(&m, t0 + gmi, &d));
	assert_false(membership_wants(&m, g, letter('a'), t0 + gmi));
	assert_true(membership_wants(&m, g, letter('d'), t0 + gmi));
	assert_true(membership_is_excluded(membership_find(&m, g), 0, t0 + gmi));
	assert_false(membership_tick(&m, t0 + gmi + MS, &d));
	/* The group timer runs out: INCLUDE ({b}); a and c are forgotten. */
	assert_true(membership_tick(&m, t0 + 5 * S + gmi, &d));
	assert_false(membership_find(&m, g)->is_exclude);
	assert_int_equal(membership_find(&m, g)->n_sources, 1);
	assert_true(membership_wants(&m, g, letter('b'), t0 + 5 * S + gmi));
	assert_false(membership_wants(&m, g, letter('d'), t0 + 5 * S + gmi));
	assert_int_equal(d.n_left, 0);
	/* b's timer: no listener left, the group goes. */
	assert_true(membership_tick(&m, t0 + 10 * S + gmi, &d));
	assert_int_equal(d.n_left, 1);
	assert_int_equal(m.n_groups, 0);
	assert_int_equal(m.leaves, 1);
	membership_exit(&m);
}

/*
 * Not the querier: a BLOCK lowers nothing and asks nothing; the querier's
 * group-and-source query lowers the timers of the sources it names, and
 * only those.  A query with the S flag is the caller's to ignore.
 */
static void t_other_querier_source_query(void **state)
{
	struct membership m;
	struct membership_due d;
	struct in6_addr g = addr(GROUP_SSM);
	uint64_t t0 = 1000 * S, t1 = t0 + S;
	uint8_t buf[8];
	struct member_record q;

	(void)state;
	membership_init(&m, &timers);
	apply_letters(&m, IGMP_MODE_IS_INCLUDE, "ab", false, t0);
	apply_letters(&m, IGMP_BLOCK_OLD_SOURCES, "a", false, t1);
	assert_false(membership_tick(&m, t1 + S, &d));
	assert_int_equal(d.n_queries, 0);
	assert_true(membership_wants(&m, g, letter('a'), t1 + S));
	letters_record(&q, IGMP_RECORD_TYPE_MAX, "a", buf);
	membership_on_group_query(&m, &q, t1 + S);
	assert_true(membership_wants(&m, g, letter('a'), t1 + S + 199 * MS));
	assert_true(membership_tick(&m, t1 + S + 200 * MS, &d));
	assert_false(membership_wants(&m, g, letter('a'), t1 + S + 200 * MS));
	assert_true(membership_wants(&m, g, letter('b'), t1 + S + 200 * MS));
	membership_exit(&m);
}

/* More sources than a group keeps: counted, never a crash; the query lists them all. */
static void t_source_overflow(void **state)
{
	struct membership m;
	struct membership_due d;
	struct in6_addr g = addr(GROUP_SSM);
	uint8_t buf[4 * (MEMBERSHIP_MAX_SOURCES + 36)];
	struct member_record r = rec(IGMP_MODE_IS_INCLUDE, GROUP_SSM);
	uint64_t t0 = 1000 * S;

	(void)state;
	membership_init(&m, &timers);
	r.n_sources = MEMBERSHIP_MAX_SOURCES + 36;
	for (uint32_t i = 0; i < r.n_sources; i++) {
		uint32_t a = htonl(0xc6130000u + i + 1);

		memcpy(buf + 4 * i, &a, 4);
	}
	r.sources = buf;
	assert_true(membership_on_record(&m, &r, addr("198.18.1.2"), true, t0));
	assert_int_equal(membership_find(&m, g)->n_sources, MEMBERSHIP_MAX_SOURCES);
	assert_int_equal(m.sources_dropped, 36);
	/* A leave asks about every source kept, in one query of them all. */
	r.type = IGMP_CHANGE_TO_INCLUDE;
	r.n_sources = 0;
	(void)membership_on_record(&m, &r, addr("198.18.1.2"), true, t0 + S);
	(void)membership_tick(&m, t0 + S, &d);
	assert_int_equal(d.n_queries, 1);
	assert_int_equal(d.queries[0].n_sources, MEMBERSHIP_MAX_SOURCES);
	assert_true(membership_tick(&m, t0 + S + 200 * MS, &d));
	assert_int_equal(d.n_left, 1);
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
	assert_true(maddr_eq(d.queries[0].group, v1.group));
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
		cmocka_unit_test(t_rfc_table),
		cmocka_unit_test(t_wants),
		cmocka_unit_test(t_block_queries_and_expiry),
		cmocka_unit_test(t_exclude_expiry),
		cmocka_unit_test(t_other_querier_source_query),
		cmocka_unit_test(t_source_overflow),
		cmocka_unit_test(t_mld_lower_address_wins),
		cmocka_unit_test(t_mld_records),
		cmocka_unit_test(t_maddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
