/* SPDX-License-Identifier: MIT */
/*
 * The querier of one interface, IGMP (RFC 3376 6.6.2, 8) or MLD (RFC 3810
 * 7.6.2, 9: the same machine and timers): querier election (the lowest
 * address on the link queries, the others stay silent while it is heard),
 * startup queries and the general query timer.  Addresses are maddr.h's.  Time is passed
 * in (nanoseconds, CLOCK_MONOTONIC or a test's), so the logic is driven
 * without sockets or sleeps; the caller sends what querier_tick() asks for.
 */
#ifndef MCR_QUERIER_H
#define MCR_QUERIER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* The protocols' timers, from the settings (RFC 3376 8, RFC 3810 9: the same for both). */
struct igmp_timers {
	uint32_t query_interval_ms;	/* QI, default 125 s */
	uint32_t response_ms;		/* QRI (max response time of general queries), 10 s */
	uint32_t last_member_ms;	/* LMQI, 1 s */
	unsigned int robustness;	/* RV, 2 */
};

#define IGMP_DEFAULT_QUERY_INTERVAL_MS	125000
#define IGMP_DEFAULT_RESPONSE_MS	10000
#define IGMP_DEFAULT_LAST_MEMBER_MS	1000
#define IGMP_DEFAULT_ROBUSTNESS		2

/* Derived intervals, in nanoseconds. */
uint64_t igmp_group_membership_ns(const struct igmp_timers *t);	/* RV * QI + QRI */
uint64_t igmp_other_querier_ns(const struct igmp_timers *t);	/* RV * QI + QRI / 2 */
uint64_t igmp_last_member_ns(const struct igmp_timers *t);		/* RV * LMQI */

struct querier {
	struct igmp_timers t;
	bool is_enabled;		/* false: listen only, never query */
	bool is_querier;		/* we are the link's querier */
	struct in6_addr addr;		/* ours on the link (::: none yet) */
	struct in6_addr querier_addr;	/* the link's querier (ours when is_querier) */
	uint64_t other_until_ns;	/* other querier present until, when !is_querier */
	uint64_t next_query_ns;		/* our next general query, when is_querier */
	unsigned int startup_left;	/* startup queries still to send */
	uint64_t queries_sent;
	uint64_t queries_heard;
};

/* An enabled querier starts as the querier (RFC 3376 6.6.2) with RV startup queries due now. */
void querier_init(struct querier *q, const struct igmp_timers *t, bool is_enabled, uint64_t now);

/* Our address on the link changed (::: none: we cannot query). */
void querier_set_addr(struct querier *q, struct in6_addr addr, uint64_t now);

/* A query from src was heard: a lower address than ours takes over. */
void querier_on_query(struct querier *q, struct in6_addr src, uint64_t now);

/* True when a general query is due now (counted as sent; the timer moves on). */
bool querier_tick(struct querier *q, uint64_t now);

/* When querier_tick() next has something to do, or UINT64_MAX. */
uint64_t querier_next_ns(const struct querier *q);

#endif
