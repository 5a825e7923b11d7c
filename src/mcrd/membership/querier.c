// SPDX-License-Identifier: MIT
/*
 * Querier election and the general query timer.  RFC 3376 compares
 * addresses as numbers: the lower one wins.
 */
#include <stdint.h>

#include "mcrd/membership/maddr.h"
#include "mcrd/membership/querier.h"

#define NS_PER_MS 1000000ULL

uint64_t igmp_group_membership_ns(const struct igmp_timers *t)
{
	return (t->robustness * (uint64_t)t->query_interval_ms + t->response_ms) * NS_PER_MS;
}

uint64_t igmp_other_querier_ns(const struct igmp_timers *t)
{
	return (t->robustness * (uint64_t)t->query_interval_ms + t->response_ms / 2) * NS_PER_MS;
}

uint64_t igmp_last_member_ns(const struct igmp_timers *t)
{
	return t->robustness * (uint64_t)t->last_member_ms * NS_PER_MS;
}

static void become_querier(struct querier *q, uint64_t now, unsigned int startup)
{
	q->is_querier = true;
	q->querier_addr = q->addr;
	q->startup_left = startup;
	q->next_query_ns = now;
}

void querier_init(struct querier *q, const struct igmp_timers *t, bool is_enabled, uint64_t now)
{
	*q = (struct querier){ .t = *t, .is_enabled = is_enabled };
	/* Without an address we cannot query yet: querier_set_addr() starts us. */
	(void)now;
}

void querier_set_addr(struct querier *q, struct in6_addr addr, uint64_t now)
{
	bool is_first = q->queries_sent == 0 && maddr_is_none(q->querier_addr);

	if (maddr_eq(addr, q->addr))
		return;
	q->addr = addr;
	if (!q->is_enabled)
		return;
	if (maddr_is_none(addr)) {
		/* No address, no queries: whoever else queries keeps the link. */
		if (q->is_querier)
			q->querier_addr = in6addr_any;
		q->is_querier = false;
		return;
	}
	if (q->is_querier)
		q->querier_addr = addr;
	else if (now >= q->other_until_ns || maddr_is_lower(addr, q->querier_addr))
		become_querier(q, now, is_first ? q->t.robustness : 0);
}

void querier_on_query(struct querier *q, struct in6_addr src, uint64_t now)
{
	if (maddr_is_none(src) || maddr_eq(src, q->addr))
		return;
	q->queries_heard++;
	/* A query from a higher address than ours does not silence us. */
	if (q->is_enabled && !maddr_is_none(q->addr) && !maddr_is_lower(src, q->addr))
		return;
	q->is_querier = false;
	q->startup_left = 0;
	q->querier_addr = src;
	q->other_until_ns = now + igmp_other_querier_ns(&q->t);
}

bool querier_tick(struct querier *q, uint64_t now)
{
	if (!q->is_enabled || maddr_is_none(q->addr))
		return false;
	if (!q->is_querier) {
		if (now < q->other_until_ns)
			return false;
		/* The other querier went silent: we query (RFC 3376 6.6.2). */
		become_querier(q, now, 0);
	}
	if (now < q->next_query_ns)
		return false;
	if (q->startup_left > 1) {
		q->startup_left--;
		q->next_query_ns = now + q->t.query_interval_ms / 4 * NS_PER_MS;
	} else {
		q->startup_left = 0;
		q->next_query_ns = now + q->t.query_interval_ms * NS_PER_MS;
	}
	q->queries_sent++;
	return true;
}

uint64_t querier_next_ns(const struct querier *q)
{
	if (!q->is_enabled || maddr_is_none(q->addr))
		return UINT64_MAX;
	return q->is_querier ? q->next_query_ns : q->other_until_ns;
}
