/* SPDX-License-Identifier: MIT */
/*
 * The members of one interface for one protocol: which groups have
 * listeners, from their reports and leaves (IGMPv1/v2 and the records of v3
 * reports, RFC 3376 6.4; MLDv1 and the records of MLDv2 reports, RFC 3810
 * 7.4, the same rules), with a group timer per group and a timer per
 * requested source, and the last-member queries a leave calls for.  Keys
 * are maddr.h's (IPv6, or IPv4 mapped).  Time is passed in; no sockets, no
 * logging.
 *
 * Simplifications, documented in mcrd.conf(5): a group in EXCLUDE mode
 * counts as joined for every source (exclude lists are not kept), and a
 * source's leave is confirmed with a group-specific query rather than a
 * group-and-source-specific one.
 */
#ifndef MCR_MEMBERSHIP_H
#define MCR_MEMBERSHIP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcrd/membership/igmp_wire.h"
#include "mcrd/membership/querier.h"

#define MEMBERSHIP_MAX_GROUPS	1024	/* per interface; more reports are counted and ignored */
#define MEMBERSHIP_MAX_SOURCES	64	/* per group */

/* A v3/MLDv2 record, or a v1/v2 report or leave as one (membership_on_record()). */
struct member_record {
	enum igmp_record_type type;
	struct in6_addr group;
	uint16_t n_sources;
	const uint8_t *sources;		/* n_sources addresses of source_len bytes, in the packet */
	uint8_t source_len;		/* 4 (IGMP) or 16 (MLD) */
};

struct member_source {
	struct in6_addr addr;
	uint64_t expires_ns;
};

struct member_group {
	struct in6_addr group;
	bool is_exclude;		/* EXCLUDE mode: every source, while the group timer runs */
	uint64_t expires_ns;		/* the group timer (EXCLUDE mode) */
	struct in6_addr last_reporter;
	bool is_member;			/* as last reported by on_record/tick */
	uint64_t since_ns;		/* when it last gained listeners */
	unsigned int n_sources;		/* INCLUDE sources, each with its timer */
	struct member_source sources[MEMBERSHIP_MAX_SOURCES];
	unsigned int queries_left;	/* last-member queries still to send */
	uint64_t next_query_ns;
};

struct membership {
	struct igmp_timers t;
	struct member_group *groups;
	size_t n_groups, cap;
	uint64_t joins;			/* groups that gained their first member */
	uint64_t leaves;		/* groups that lost their last one */
	uint64_t dropped;		/* reports for groups past MEMBERSHIP_MAX_GROUPS */
};

void membership_init(struct membership *m, const struct igmp_timers *t);
void membership_exit(struct membership *m);

/*
 * A report or leave from @reporter: a v3/MLDv2 record, or a v1/v2 report
 * (IGMP_MODE_IS_EXCLUDE with no sources) or a v2 leave or MLD done
 * (IGMP_CHANGE_TO_INCLUDE with none).  @is_querier: we confirm leaves with
 * last-member queries.  Returns true when the group's "has members" changed.
 */
bool membership_on_record(struct membership *m, const struct member_record *rec,
			  struct in6_addr reporter, bool is_querier, uint64_t now);

/*
 * Another querier's group-specific query: the group's timer drops to the
 * last member query time (RFC 3376 6.6.1), as it does when we send one.
 */
void membership_on_group_query(struct membership *m, struct in6_addr group, uint64_t now);

/* What a tick found to do: queries to send now, groups that lost their listeners. */
#define MEMBERSHIP_TICK_MAX	16
struct membership_due {
	size_t n_queries, n_left;
	struct in6_addr queries[MEMBERSHIP_TICK_MAX];	/* group-specific, due now */
	struct in6_addr left[MEMBERSHIP_TICK_MAX];	/* (the first ones, for the log) */
};

/*
 * Expire timers and collect due last-member queries into *ret (queries
 * past MEMBERSHIP_TICK_MAX wait for the next tick).  Returns true when any
 * group's "has members" changed.
 */
bool membership_tick(struct membership *m, uint64_t now, struct membership_due *ret);

bool membership_has(const struct membership *m, struct in6_addr group, uint64_t now);
const struct member_group *membership_find(const struct membership *m, struct in6_addr group);
/* The earliest timer, or UINT64_MAX. */
uint64_t membership_next_ns(const struct membership *m);

#endif
