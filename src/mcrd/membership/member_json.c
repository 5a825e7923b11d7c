// SPDX-License-Identifier: MIT
/*
 * The membership tables and querier states as JSON, for "mcrctl groups":
 * timers as milliseconds from now.  An interface's IGMP state is at its
 * top level, its MLD state under "mld" in the same shape.
 */
#include <jansson.h>

#include "common/util.h"
#include "mcrd/membership/maddr.h"
#include "mcrd/membership/member.h"

static json_int_t ms_left(uint64_t when, uint64_t now)
{
	if (when == UINT64_MAX)
		return -1;
	return when <= now ? 0 : (json_int_t)((when - now) / NSEC_PER_MSEC);
}

static json_t *addr_json(struct in6_addr a)
{
	char buf[MADDR_STR_MAX];

	return maddr_is_none(a) ? json_null() : json_string(maddr_fmt(a, buf));
}

static json_t *querier_json(const struct querier *q, uint64_t now)
{
	return json_pack("{s:o, s:o, s:b, s:b, s:I, s:I, s:I, s:I}",
			 "address", addr_json(q->addr),
			 "querier", addr_json(q->querier_addr),
			 "is_us", q->is_querier,
			 "enabled", q->is_enabled,
			 "next_query_ms", q->is_querier ? ms_left(q->next_query_ns, now) : -1,
			 "other_querier_expires_ms",
			 q->is_querier || maddr_is_none(q->querier_addr) ? -1 : ms_left(q->other_until_ns, now),
			 "queries_sent", (json_int_t)q->queries_sent,
			 "queries_received", (json_int_t)q->queries_heard);
}

static json_t *group_json(const struct member_group *g, uint64_t now)
{
	json_t *sources = json_array();
	json_t *obj;

	/* Each source with its timer, or excluded (EXCLUDE mode, its timer stopped). */
	for (unsigned int i = 0; sources && i < g->n_sources; i++) {
		bool is_excluded = membership_is_excluded(g, i, now);

		if (json_array_append_new(sources, json_pack("{s:o, s:I, s:b}", "source",
				addr_json(g->sources[i].addr), "expires_ms",
				is_excluded ? -1 : ms_left(g->sources[i].expires_ns, now),
				"excluded", is_excluded)) < 0) {
			json_decref(sources);
			sources = NULL;
		}
	}
	if (!sources)
		return NULL;
	obj = json_pack("{s:o, s:s, s:b, s:I, s:I, s:o, s:o}",
			"group", addr_json(g->group),
			"mode", g->is_exclude && now < g->expires_ns ? "exclude" : "include",
			"has_listeners", g->is_member,
			"listeners_for_ms", g->is_member && now >= g->since_ns ?
				(json_int_t)((now - g->since_ns) / NSEC_PER_MSEC) : -1,
			"expires_ms", g->is_exclude && now < g->expires_ns ?
				ms_left(g->expires_ns, now) : -1,
			"last_reporter", addr_json(g->last_reporter),
			"sources", sources);
	return obj;
}

static json_t *groups_json(const struct membership *tab, uint64_t now)
{
	json_t *groups = json_array();

	for (size_t i = 0; groups && i < tab->n_groups; i++)
		if (json_array_append_new(groups, group_json(&tab->groups[i], now)) < 0) {
			json_decref(groups);
			groups = NULL;
		}
	return groups;
}

static json_t *mld_json(const struct member_mld *ml, uint64_t now)
{
	json_t *groups = groups_json(&ml->tab, now);

	if (!groups)
		return NULL;
	return json_pack("{s:b, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "listening", ml->fd >= 0, "querier", querier_json(&ml->q, now),
			 "groups", groups,
			 "joins", (json_int_t)ml->tab.joins, "leaves", (json_int_t)ml->tab.leaves,
			 "reports", (json_int_t)ml->reports, "dones", (json_int_t)ml->dones,
			 "malformed", (json_int_t)ml->malformed,
			 "dropped", (json_int_t)ml->tab.dropped,
			 "sources_dropped", (json_int_t)ml->tab.sources_dropped);
}

static json_t *if_json(const struct member_if *mi, uint64_t now)
{
	json_t *groups = groups_json(&mi->tab, now);

	if (!groups)
		return NULL;
	return json_pack("{s:s, s:i, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:o}",
			 "interface", mi->ifname, "ifindex", (int)mi->ifindex,
			 "querier", querier_json(&mi->q, now), "groups", groups,
			 "joins", (json_int_t)mi->tab.joins, "leaves", (json_int_t)mi->tab.leaves,
			 "malformed", (json_int_t)mi->malformed,
			 "dropped", (json_int_t)mi->tab.dropped,
			 "sources_dropped", (json_int_t)mi->tab.sources_dropped,
			 "mld", mld_json(&mi->mld, now));
}

json_t *member_json(const struct member *m, uint64_t now)
{
	json_t *ifs = json_array();

	for (size_t i = 0; ifs && m && i < m->n_ifs; i++)
		if (json_array_append_new(ifs, if_json(&m->ifs[i], now)) < 0) {
			json_decref(ifs);
			ifs = NULL;
		}
	if (!ifs)
		return NULL;
	return json_pack("{s:o, s:{s:I, s:I, s:I}}", "interfaces", ifs, "timers",
			 "query_interval_ms", (json_int_t)(m ? m->t.query_interval_ms : 0),
			 "response_ms", (json_int_t)(m ? m->t.response_ms : 0),
			 "last_member_ms", (json_int_t)(m ? m->t.last_member_ms : 0));
}
