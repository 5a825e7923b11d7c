// SPDX-License-Identifier: MIT
/*
 * The per-interface membership table.  Groups live in an array: reports
 * come a few per second per link, and a tick walks all of it anyway.
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

static bool group_has(const struct member_group *g, uint64_t now)
{
	if (g->is_exclude && now < g->expires_ns)
		return true;
	for (unsigned int i = 0; i < g->n_sources; i++)
		if (now < g->sources[i].expires_ns)
			return true;
	return false;
}

bool membership_has(const struct membership *m, struct in6_addr group, uint64_t now)
{
	const struct member_group *g = find(m, group);

	return g && group_has(g, now);
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

static void source_refresh(struct member_group *g, struct in6_addr s, uint64_t until)
{
	for (unsigned int i = 0; i < g->n_sources; i++) {
		if (maddr_eq(g->sources[i].addr, s)) {
			g->sources[i].expires_ns = until;
			return;
		}
	}
	if (g->n_sources < MEMBERSHIP_MAX_SOURCES)
		g->sources[g->n_sources++] = (struct member_source){ s, until };
}

static void source_lower(struct member_group *g, struct in6_addr s, uint64_t until)
{
	for (unsigned int i = 0; i < g->n_sources; i++)
		if (maddr_eq(g->sources[i].addr, s) && g->sources[i].expires_ns > until)
			g->sources[i].expires_ns = until;
}

/* A member may have left: lower the timers to LMQT and, as querier, ask. */
static void confirm_leave(struct membership *m, struct member_group *g, bool is_querier,
			  uint64_t now)
{
	uint64_t until = now + igmp_last_member_ns(&m->t);

	if (g->is_exclude && g->expires_ns > until)
		g->expires_ns = until;
	if (is_querier) {
		g->queries_left = m->t.robustness;
		g->next_query_ns = now;
	}
}

static void apply_record(struct membership *m, struct member_group *g,
			 const struct member_record *rec, bool is_querier, uint64_t now)
{
	uint64_t gmi = now + igmp_group_membership_ns(&m->t);

	switch (rec->type) {
	case IGMP_MODE_IS_EXCLUDE:
	case IGMP_CHANGE_TO_EXCLUDE:
		g->is_exclude = true;
		g->expires_ns = gmi;
		/* A member answered: no need to keep asking. */
		g->queries_left = 0;
		break;
	case IGMP_MODE_IS_INCLUDE:
	case IGMP_ALLOW_NEW_SOURCES:
		for (size_t i = 0; i < rec->n_sources; i++)
			source_refresh(g, record_source(rec, i), gmi);
		if (rec->n_sources)
			g->queries_left = 0;
		break;
	case IGMP_CHANGE_TO_INCLUDE:
		for (size_t i = 0; i < rec->n_sources; i++)
			source_refresh(g, record_source(rec, i), gmi);
		/* Someone left EXCLUDE mode (n_sources 0: left the group). */
		confirm_leave(m, g, is_querier, now);
		break;
	case IGMP_BLOCK_OLD_SOURCES:
		if (g->is_exclude)
			break;
		for (size_t i = 0; i < rec->n_sources; i++)
			source_lower(g, record_source(rec, i),
				     now + igmp_last_member_ns(&m->t));
		confirm_leave(m, g, is_querier, now);
		break;
	case IGMP_RECORD_TYPE_MAX:
		break;
	}
}

bool membership_on_record(struct membership *m, const struct member_record *rec,
			  struct in6_addr reporter, bool is_querier, uint64_t now)
{
	struct member_group *g = find(m, rec->group);
	bool had = g && g->is_member;

	if (!maddr_is_routed_group(rec->group))
		return false;
	if (!g) {
		/* A leave for a group nobody joined changes nothing. */
		if (rec->type == IGMP_CHANGE_TO_INCLUDE && !rec->n_sources)
			return false;
		if (rec->type == IGMP_BLOCK_OLD_SOURCES)
			return false;
		g = add(m, rec->group);
		if (!g)
			return false;
	}
	g->last_reporter = reporter;
	apply_record(m, g, rec, is_querier, now);
	g->is_member = group_has(g, now);
	if (had == g->is_member)
		return false;
	if (had) {
		m->leaves++;
	} else {
		m->joins++;
		g->since_ns = now;
	}
	return true;
}

void membership_on_group_query(struct membership *m, struct in6_addr group, uint64_t now)
{
	struct member_group *g = find(m, group);
	uint64_t until = now + igmp_last_member_ns(&m->t);

	if (g && g->is_exclude && g->expires_ns > until)
		g->expires_ns = until;
}

/* Timers of group i; true when it lost its members.  A group with nothing left is removed. */
static bool expire(struct membership *m, size_t i, uint64_t now, bool *ret_removed)
{
	struct member_group *g = &m->groups[i];
	bool had = g->is_member;
	unsigned int kept = 0;

	if (g->is_exclude && now >= g->expires_ns)
		g->is_exclude = false;	/* to INCLUDE with the sources still timed */
	for (unsigned int s = 0; s < g->n_sources; s++)
		if (now < g->sources[s].expires_ns)
			g->sources[kept++] = g->sources[s];
	g->n_sources = kept;
	g->is_member = g->is_exclude || g->n_sources;
	*ret_removed = !g->is_member && !g->queries_left;
	if (*ret_removed)
		m->groups[i] = m->groups[--m->n_groups];
	return had && !g->is_member;
}

bool membership_tick(struct membership *m, uint64_t now, struct membership_due *ret)
{
	bool changed = false;

	ret->n_queries = ret->n_left = 0;
	for (size_t i = 0; i < m->n_groups;) {
		struct member_group *g = &m->groups[i];
		struct in6_addr group = g->group;
		bool is_removed;

		if (g->queries_left && now >= g->next_query_ns &&
		    ret->n_queries < MEMBERSHIP_TICK_MAX) {
			ret->queries[ret->n_queries++] = g->group;
			g->queries_left--;
			g->next_query_ns = now + m->t.last_member_ms * 1000000ULL;
		}
		if (expire(m, i, now, &is_removed)) {
			m->leaves++;
			changed = true;
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

		if (g->queries_left && g->next_query_ns < next)
			next = g->next_query_ns;
		if (g->is_exclude && g->expires_ns < next)
			next = g->expires_ns;
		for (unsigned int s = 0; s < g->n_sources; s++)
			if (g->sources[s].expires_ns < next)
				next = g->sources[s].expires_ns;
	}
	return next;
}
