// SPDX-License-Identifier: MIT
/*
 * The per-interface membership table.  Groups live in an array: reports
 * come a few per second per link, and a tick walks all of it anyway.
 * Sources live in their group, at most MEMBERSHIP_MAX_SOURCES: the set
 * operations of RFC 3376 6.4 are linear scans over a record's few sources.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcrd/membership/maddr.h"
#include "mcrd/membership/membership.h"

void membership_init(struct membership *m, const struct igmp_timers *t)
{
	*m = (struct membership){ .t = *t };
}

void membership_exit(struct membership *m)
{
	free(m->groups);
	m->groups = NULL;
	m->n_groups = m->cap = 0;
}

static struct member_group *find(const struct membership *m, struct in6_addr group)
{
	for (size_t i = 0; i < m->n_groups; i++)
		if (maddr_eq(m->groups[i].group, group))
			return &m->groups[i];
	return NULL;
}

const struct member_group *membership_find(const struct membership *m, struct in6_addr group)
{
	return find(m, group);
}

static int find_source(const struct member_group *g, struct in6_addr s)
{
	for (unsigned int i = 0; i < g->n_sources; i++)
		if (maddr_eq(g->sources[i].addr, s))
			return (int)i;
	return -1;
}

/* EXCLUDE mode holds while the group timer runs; then the group is INCLUDE (X). */
static bool is_exclude(const struct member_group *g, uint64_t now)
{
	return g->is_exclude && now < g->expires_ns;
}

bool membership_is_excluded(const struct member_group *g, unsigned int i, uint64_t now)
{
	return is_exclude(g, now) && now >= g->sources[i].expires_ns;
}

static bool group_has(const struct member_group *g, uint64_t now)
{
	if (is_exclude(g, now))
		return true;
	for (unsigned int i = 0; i < g->n_sources; i++)
		if (now < g->sources[i].expires_ns)
			return true;
	return false;
}

/* INCLUDE: s is in A.  EXCLUDE: s is not in Y (in X, or not listed at all). */
static bool group_wants(const struct member_group *g, struct in6_addr s, uint64_t now)
{
	int i;

	if (maddr_is_none(s))
		return group_has(g, now);
	i = find_source(g, s);
	if (is_exclude(g, now))
		return i < 0 || now < g->sources[i].expires_ns;
	return i >= 0 && now < g->sources[i].expires_ns;
}

bool membership_wants(const struct membership *m, struct in6_addr group, struct in6_addr source,
		      uint64_t now)
{
	const struct member_group *g = find(m, group);

	return g && group_wants(g, source, now);
}

bool membership_has(const struct membership *m, struct in6_addr group, uint64_t now)
{
	return membership_wants(m, group, in6addr_any, now);
}

/* Whether a and b (one group before and after a change) want some source differently. */
static bool sources_differ(const struct member_group *a, const struct member_group *b,
			   uint64_t now)
{
	if (is_exclude(a, now) != is_exclude(b, now))
		return true;
	for (unsigned int i = 0; i < a->n_sources; i++)
		if (group_wants(a, a->sources[i].addr, now) != group_wants(b, a->sources[i].addr, now))
			return true;
	for (unsigned int i = 0; i < b->n_sources; i++)
		if (group_wants(a, b->sources[i].addr, now) != group_wants(b, b->sources[i].addr, now))
			return true;
	return false;
}

static struct member_group *add(struct membership *m, struct in6_addr group)
{
	struct member_group *g;

	if (m->n_groups == MEMBERSHIP_MAX_GROUPS) {
		m->dropped++;
		return NULL;
	}
	if (m->n_groups == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct member_group *grown = realloc(m->groups, cap * sizeof(*grown));

		if (!grown) {
			m->dropped++;
			return NULL;
		}
		m->groups = grown;
		m->cap = cap;
	}
	g = &m->groups[m->n_groups++];
	memset(g, 0, sizeof(*g));
	g->group = group;
	return g;
}

/* Source i of a record, as a table key. */
static struct in6_addr record_source(const struct member_record *rec, size_t i)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (rec->source_len == sizeof(v4)) {
		memcpy(&v4, rec->sources + i * sizeof(v4), sizeof(v4));
		return maddr_from4(v4);
	}
	memcpy(&v6, rec->sources + i * sizeof(v6), sizeof(v6));
	return v6;
}

static bool record_has(const struct member_record *rec, struct in6_addr s)
{
	for (size_t i = 0; i < rec->n_sources; i++)
		if (maddr_eq(record_source(rec, i), s))
			return true;
	return false;
}

/* Source s, added with timer @until when missing; NULL when the group is full (counted). */
static struct member_source *source_get(struct membership *m, struct member_group *g,
					struct in6_addr s, uint64_t until)
{
	int i = find_source(g, s);

	if (i >= 0)
		return &g->sources[i];
	if (g->n_sources == MEMBERSHIP_MAX_SOURCES) {
		m->sources_dropped++;
		return NULL;
	}
	g->sources[g->n_sources] = (struct member_source){ .addr = s, .expires_ns = until };
	return &g->sources[g->n_sources++];
}

static void source_del(struct member_group *g, unsigned int i)
{
	g->sources[i] = g->sources[--g->n_sources];
}

/* (B) = GMI: a member answered for these sources, so they need no more asking. */
static void sources_refresh(struct membership *m, struct member_group *g,
			    const struct member_record *rec, uint64_t gmi)
{
	for (size_t i = 0; i < rec->n_sources; i++) {
		struct member_source *src = source_get(m, g, record_source(rec, i), gmi);

		if (src) {
			src->expires_ns = gmi;
			src->queries_left = 0;
		}
	}
}

/* Delete the sources a record does not name (Delete (X-A), (Y-A), (A-B)). */
static void sources_keep_only(struct member_group *g, const struct member_record *rec)
{
	for (unsigned int i = 0; i < g->n_sources;)
		if (!record_has(rec, g->sources[i].addr))
			source_del(g, i);
		else
			i++;
}

/*
 * Send Q(G,S) for source i (RFC 3376 6.6.3.2): as querier, its timer
 * drops to LMQT and it is named in the next RV group-and-source queries.
 */
static void ask_source(struct membership *m, struct member_group *g, unsigned int i,
		       bool is_querier, uint64_t now)
{
	uint64_t until = now + igmp_last_member_ns(&m->t);

	if (!is_querier)
		return;
	if (g->sources[i].expires_ns > until)
		g->sources[i].expires_ns = until;
	g->sources[i].queries_left = m->t.robustness;
	g->next_query_ns = now;
}

/* Send Q(G) (RFC 3376 6.6.3.1): the group timer drops to LMQT, RV queries. */
static void ask_group(struct membership *m, struct member_group *g, bool is_querier, uint64_t now)
{
	uint64_t until = now + igmp_last_member_ns(&m->t);

	if (!is_querier)
		return;
	if (g->is_exclude && g->expires_ns > until)
		g->expires_ns = until;
	g->queries_left = m->t.robustness;
	g->next_query_ns = now;
}

/* Whether source i is in X (EXCLUDE) or A (INCLUDE): its timer runs. */
static bool is_running(const struct member_group *g, unsigned int i, uint64_t now)
{
	return now < g->sources[i].expires_ns;
}

/* INCLUDE (A) with IS_EX (B) or TO_EX (B): EXCLUDE (A*B, B-A), (B-A) = 0. */
static void include_to_exclude(struct membership *m, struct member_group *g,
			       const struct member_record *rec, bool is_querier, uint64_t now)
{
	sources_keep_only(g, rec);
	/* What is left is A*B; a TO_EX asks whether anyone still wants those. */
	if (rec->type == IGMP_CHANGE_TO_EXCLUDE)
		for (unsigned int i = 0; i < g->n_sources; i++)
			if (is_running(g, i, now))
				ask_source(m, g, i, is_querier, now);
	for (size_t i = 0; i < rec->n_sources; i++)
		(void)source_get(m, g, record_source(rec, i), 0);
	g->is_exclude = true;
	g->expires_ns = now + igmp_group_membership_ns(&m->t);
	g->queries_left = 0;
}

/* EXCLUDE (X, Y) with IS_EX (A) or TO_EX (A): EXCLUDE (A-Y, Y*A). */
static void exclude_to_exclude(struct membership *m, struct member_group *g,
			       const struct member_record *rec, bool is_querier, uint64_t now)
{
	uint64_t gmi = now + igmp_group_membership_ns(&m->t);
	/* (A-X-Y) = GMI for IS_EX, = Group Timer for TO_EX. */
	uint64_t fresh = rec->type == IGMP_MODE_IS_EXCLUDE ? gmi : g->expires_ns;

	sources_keep_only(g, rec);
	for (size_t i = 0; i < rec->n_sources; i++)
		(void)source_get(m, g, record_source(rec, i), fresh);
	if (rec->type == IGMP_CHANGE_TO_EXCLUDE)
		for (unsigned int i = 0; i < g->n_sources; i++)
			if (is_running(g, i, now))	/* Q(G, A-Y) */
				ask_source(m, g, i, is_querier, now);
	g->expires_ns = gmi;
	g->queries_left = 0;
}

/* Sources asked about by the table's Send Q(G, ...): those of the record in A or X. */
static void ask_named(struct membership *m, struct member_group *g,
		      const struct member_record *rec, bool is_querier, uint64_t now)
{
	for (unsigned int i = 0; i < g->n_sources; i++)
		if (is_running(g, i, now) && record_has(rec, g->sources[i].addr))
			ask_source(m, g, i, is_querier, now);
}

/* Sources asked about on TO_IN: those in A (or X) the record does not name. */
static void ask_unnamed(struct membership *m, struct member_group *g,
			const struct member_record *rec, bool is_querier, uint64_t now)
{
	for (unsigned int i = 0; i < g->n_sources; i++)
		if (is_running(g, i, now) && !record_has(rec, g->sources[i].addr))
			ask_source(m, g, i, is_querier, now);
}

/* EXCLUDE (X, Y) with BLOCK (A): EXCLUDE (X+(A-Y), Y), (A-X-Y) = Group Timer, Q(G, A-Y). */
static void exclude_block(struct membership *m, struct member_group *g,
			  const struct member_record *rec, bool is_querier, uint64_t now)
{
	for (size_t i = 0; i < rec->n_sources; i++)
		(void)source_get(m, g, record_source(rec, i), g->expires_ns);
	ask_named(m, g, rec, is_querier, now);
}

static void apply_record(struct membership *m, struct member_group *g,
			 const struct member_record *rec, bool is_querier, uint64_t now)
{
	uint64_t gmi = now + igmp_group_membership_ns(&m->t);
	bool was_exclude = is_exclude(g, now);

	switch (rec->type) {
	case IGMP_MODE_IS_EXCLUDE:
	case IGMP_CHANGE_TO_EXCLUDE:
		if (was_exclude)
			exclude_to_exclude(m, g, rec, is_querier, now);
		else
			include_to_exclude(m, g, rec, is_querier, now);
		break;
	case IGMP_MODE_IS_INCLUDE:
	case IGMP_ALLOW_NEW_SOURCES:
		sources_refresh(m, g, rec, gmi);	/* A+B, or X+A and Y-A */
		break;
	case IGMP_CHANGE_TO_INCLUDE:
		/* Q(G, A-B) or Q(G, X-A), asked before B's timers are set. */
		ask_unnamed(m, g, rec, is_querier, now);
		sources_refresh(m, g, rec, gmi);
		if (was_exclude)
			ask_group(m, g, is_querier, now);	/* someone left EXCLUDE mode */
		break;
	case IGMP_BLOCK_OLD_SOURCES:
		if (was_exclude)
			exclude_block(m, g, rec, is_querier, now);
		else
			ask_named(m, g, rec, is_querier, now);	/* Q(G, A*B) */
		break;
	case IGMP_RECORD_TYPE_MAX:
		break;
	}
}

/* A group nobody joined: the records that leave it so are not kept. */
static bool creates_nothing(const struct member_record *rec)
{
	return rec->type == IGMP_BLOCK_OLD_SOURCES ||
	       ((rec->type == IGMP_CHANGE_TO_INCLUDE || rec->type == IGMP_MODE_IS_INCLUDE) &&
		!rec->n_sources);
}

unsigned int membership_on_record(struct membership *m, const struct member_record *rec,
				  struct in6_addr reporter, bool is_querier, uint64_t now)
{
	struct member_group *g = find(m, rec->group);
	struct member_group before;
	unsigned int changed = 0;

	if (!maddr_is_routed_group(rec->group))
		return 0;
	if (!g) {
		if (creates_nothing(rec))
			return 0;
		g = add(m, rec->group);
		if (!g)
			return 0;
	}
	before = *g;
	g->last_reporter = reporter;
	apply_record(m, g, rec, is_querier, now);
	if (sources_differ(&before, g, now))
		changed |= MEMBERSHIP_SOURCES;
	g->is_member = group_has(g, now);
	if (before.is_member == g->is_member)
		return changed;
	if (before.is_member) {
		m->leaves++;
	} else {
		m->joins++;
		g->since_ns = now;
	}
	return changed | MEMBERSHIP_LISTENERS;
}

void membership_on_group_query(struct membership *m, const struct member_record *q, uint64_t now)
{
	struct member_group *g = find(m, q->group);
	uint64_t until = now + igmp_last_member_ns(&m->t);

	if (!g)
		return;
	if (!q->n_sources && g->is_exclude && g->expires_ns > until)
		g->expires_ns = until;
	for (size_t i = 0; i < q->n_sources; i++) {
		int s = find_source(g, record_source(q, i));

		if (s >= 0 && g->sources[s].expires_ns > until)
			g->sources[s].expires_ns = until;
	}
}

/*
 * Timers of group i; true when which sources it wants changed (and
 * *ret_left when it lost its last listener).  A group with nothing left is
 * removed.
 */
static bool expire(struct membership *m, size_t i, uint64_t now, bool *ret_left,
		   bool *ret_removed)
{
	struct member_group *g = &m->groups[i];
	bool had = g->is_member, changed = false;

	if (g->is_exclude && now >= g->expires_ns) {
		/* To INCLUDE (X): Y goes, X keeps its timers. */
		g->is_exclude = false;
		changed = true;
	}
	for (unsigned int s = 0; s < g->n_sources;) {
		struct member_source *src = &g->sources[s];

		if (now < src->expires_ns || (g->is_exclude && !src->expires_ns)) {
			s++;
		} else if (g->is_exclude) {
			/* A timer of X ran out: the source moves to Y. */
			src->expires_ns = 0;
			src->queries_left = 0;
			changed = true;
			s++;
		} else {
			if (src->expires_ns)
				changed = true;
			source_del(g, s);
		}
	}
	g->is_member = group_has(g, now);
	*ret_left = had && !g->is_member;
	*ret_removed = !g->is_exclude && !g->n_sources && !g->queries_left;
	if (*ret_removed)
		m->groups[i] = m->groups[--m->n_groups];
	return changed || *ret_left;
}

/* The group's due queries into ret: Q(G) and Q(G, sources still to be asked). */
static void collect_queries(struct membership *m, struct member_group *g, uint64_t now,
			    struct membership_due *ret)
{
	struct membership_query *q;
	unsigned int n_asked = 0;
	bool is_any = false;

	for (unsigned int s = 0; s < g->n_sources; s++)
		is_any |= g->sources[s].queries_left > 0;
	if ((!g->queries_left && !is_any) || now < g->next_query_ns)
		return;
	/* Both now or neither: the next tick (at once) takes what waits. */
	if (ret->n_queries + (g->queries_left > 0) + is_any > MEMBERSHIP_TICK_MAX)
		return;
	if (g->queries_left) {
		q = &ret->queries[ret->n_queries++];
		q->group = g->group;
		q->n_sources = 0;
		g->queries_left--;
	}
	if (is_any) {
		q = &ret->queries[ret->n_queries++];
		q->group = g->group;
		for (unsigned int s = 0; s < g->n_sources; s++) {
			if (!g->sources[s].queries_left)
				continue;
			q->sources[n_asked++] = g->sources[s].addr;
			g->sources[s].queries_left--;
		}
		q->n_sources = n_asked;
	}
	g->next_query_ns = now + m->t.last_member_ms * 1000000ULL;
}

static bool has_queries(const struct member_group *g)
{
	if (g->queries_left)
		return true;
	for (unsigned int s = 0; s < g->n_sources; s++)
		if (g->sources[s].queries_left)
			return true;
	return false;
}

bool membership_tick(struct membership *m, uint64_t now, struct membership_due *ret)
{
	bool changed = false;

	ret->n_queries = ret->n_left = 0;
	for (size_t i = 0; i < m->n_groups;) {
		struct member_group *g = &m->groups[i];
		struct in6_addr group = g->group;
		bool is_left, is_removed;

		collect_queries(m, g, now, ret);
		if (expire(m, i, now, &is_left, &is_removed))
			changed = true;
		if (is_left) {
			m->leaves++;
			if (ret->n_left < MEMBERSHIP_TICK_MAX)
				ret->left[ret->n_left++] = group;
		}
		/* Removed: the last group moved into slot i, look at it next. */
		if (!is_removed)
			i++;
	}
	return changed;
}

uint64_t membership_next_ns(const struct membership *m)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < m->n_groups; i++) {
		const struct member_group *g = &m->groups[i];

		if (has_queries(g) && g->next_query_ns < next)
			next = g->next_query_ns;
		if (g->is_exclude && g->expires_ns < next)
			next = g->expires_ns;
		for (unsigned int s = 0; s < g->n_sources; s++)
			if (g->sources[s].expires_ns && g->sources[s].expires_ns < next)
				next = g->sources[s].expires_ns;
	}
	return next;
}
