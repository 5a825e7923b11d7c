/* SPDX-License-Identifier: MIT */
/*
 * The members of one interface for one protocol: which groups have
 * listeners, and for which sources, from their reports and leaves
 * (IGMPv1/v2 and the records of v3 reports, RFC 3376 6.4; MLDv1 and the
 * records of MLDv2 reports, RFC 3810 7.4, the same rules).  A group is in
 * INCLUDE (A) mode, the sources A each with a timer, or in EXCLUDE (X, Y)
 * mode with a group timer: the requested sources X with timers running and
 * the excluded ones Y with timers stopped.  Changes of state send the
 * group-specific and group-and-source-specific queries the RFC tables call
 * for (as querier), lowering the timers they name to the last member query
 * time.  Keys are maddr.h's (IPv6, or IPv4 mapped).  Time is passed in; no
 * sockets, no logging.
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
#define MEMBERSHIP_MAX_SOURCES	64	/* per group (X and Y together); more are counted */

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
	/*
	 * The source timer.  INCLUDE mode: the source is wanted while it
	 * runs.  EXCLUDE mode: running, it is requested (X); stopped (0, or
	 * past), it is excluded (Y).
	 */
	uint64_t expires_ns;
	unsigned int queries_left;	/* group-and-source queries still to name it in */
};

struct member_group {
	struct in6_addr group;
	bool is_exclude;		/* EXCLUDE mode, while the group timer runs */
	uint64_t expires_ns;		/* the group timer (EXCLUDE mode) */
	struct in6_addr last_reporter;
	bool is_member;			/* has listeners for some source, as of the last change */
	uint64_t since_ns;		/* when it last gained listeners */
	unsigned int n_sources;
	struct member_source sources[MEMBERSHIP_MAX_SOURCES];
	unsigned int queries_left;	/* group-specific queries still to send */
	uint64_t next_query_ns;		/* the next of either kind */
};

struct membership {
	struct igmp_timers t;
	struct member_group *groups;
	size_t n_groups, cap;
	uint64_t joins;			/* groups that gained their first member */
	uint64_t leaves;		/* groups that lost their last one */
	uint64_t dropped;		/* reports for groups past MEMBERSHIP_MAX_GROUPS */
	uint64_t sources_dropped;	/* sources past MEMBERSHIP_MAX_SOURCES */
};

void membership_init(struct membership *m, const struct igmp_timers *t);
void membership_exit(struct membership *m);

/* What a record changed (bits of membership_on_record()'s result). */
#define MEMBERSHIP_SOURCES	1u	/* which sources have listeners */
#define MEMBERSHIP_LISTENERS	2u	/* whether the group has listeners at all */

/*
 * A report or leave from @reporter: a v3/MLDv2 record, or a v1/v2 report
 * (IGMP_MODE_IS_EXCLUDE with no sources) or a v2 leave or MLD done
 * (IGMP_CHANGE_TO_INCLUDE with none), as RFC 3376 6.4.1 and 6.4.2 say.
 * @is_querier: we send the queries the tables call for (and lower the
 * timers they name).  Returns MEMBERSHIP_* bits, 0 when nothing a listener
 * gets changed.
 */
unsigned int membership_on_record(struct membership *m, const struct member_record *rec,
				  struct in6_addr reporter, bool is_querier, uint64_t now);

/*
 * Another querier's group-specific query (q->n_sources 0; q->type is
 * ignored) or group-and-source-specific one: the group's timer, or the
 * timers of the sources it names, drop to the last member query time (RFC
 * 3376 6.6.1), as they do when we send one.
 */
void membership_on_group_query(struct membership *m, const struct member_record *q, uint64_t now);

/* What a tick found to do: queries to send now, groups that lost their listeners. */
#define MEMBERSHIP_TICK_MAX	16
struct membership_query {
	struct in6_addr group;
	unsigned int n_sources;		/* 0: group-specific */
	struct in6_addr sources[MEMBERSHIP_MAX_SOURCES];
};
struct membership_due {
	size_t n_queries, n_left;
	struct membership_query queries[MEMBERSHIP_TICK_MAX];	/* due now */
	struct in6_addr left[MEMBERSHIP_TICK_MAX];	/* (the first ones, for the log) */
};

/*
 * Expire timers and collect due queries into *ret (queries past
 * MEMBERSHIP_TICK_MAX wait for the next tick).  Returns true when any
 * group's listeners changed, for some source or all.
 */
bool membership_tick(struct membership *m, uint64_t now, struct membership_due *ret);

/* Whether some listener wants @source's traffic to @group (:: as source: any listener). */
bool membership_wants(const struct membership *m, struct in6_addr group, struct in6_addr source,
		      uint64_t now);
bool membership_has(const struct membership *m, struct in6_addr group, uint64_t now);
const struct member_group *membership_find(const struct membership *m, struct in6_addr group);
/* Whether source i of g is excluded (EXCLUDE mode, timer stopped). */
bool membership_is_excluded(const struct member_group *g, unsigned int i, uint64_t now);
/* The earliest timer, or UINT64_MAX. */
uint64_t membership_next_ns(const struct membership *m);

#endif
