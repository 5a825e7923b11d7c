// SPDX-License-Identifier: MIT
/*
 * The forwarding table.  One uthash table holds every rule under its exact
 * input key (interface, group, port, source, VLAN), with port 0 standing for "any port" and source 0.0.0.0 for "any
 * source".  A lookup tries the four combinations from most to least
 * specific, but skips the ones no rule can match: the table records whether
 * any rule uses a source or "any port", so a configuration of plain
 * (interface, group, port) rules costs a single hash probe per packet.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Report an allocation failure instead of exiting: rule_table_new returns -ENOMEM. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "mcrd/dataplane/rule.h"

/* Packed by hand (no padding holes) so that memcmp/hashing of a key is well defined. */
struct rule_key {
	uint32_t ifindex;
	uint32_t group;		/* network order */
	uint32_t source;	/* network order; 0 = any */
	uint16_t port;		/* host order; 0 = any */
	uint16_t vlan;		/* VID; 0 = untagged (or priority-tagged) */
};

_Static_assert(sizeof(struct rule_key) == 16, "rule_key must have no padding");

struct rule_entry {
	struct rule_key key;
	int index;		/* into cfg->rules */
	UT_hash_handle hh;
};

/* IPv6 rules' keys, in a table of their own: IPv4 lookups stay 16-byte probes. */
struct rule_key6 {
	uint32_t ifindex;
	uint16_t port;		/* host order; 0 = any */
	uint16_t vlan;
	struct in6_addr group;
	struct in6_addr source;	/* :: = any */
};

_Static_assert(sizeof(struct rule_key6) == 40, "rule_key6 must have no padding");

struct rule_entry6 {
	struct rule_key6 key;
	int index;
	UT_hash_handle hh;
};

struct rule_table {
	struct rule_entry *head;	/* uthash head; points into entries */
	struct rule_entry *entries;	/* one per rule, owned by the table */
	size_t n_entries;
	bool has_any_port;		/* some rule has in_port == 0 */
	bool has_source;		/* some rule has a source filter */
	struct rule_entry6 *head6;	/* the IPv6 rules, as head */
	struct rule_entry6 *entries6;	/* one per IPv6 rule, owned by the table */
	bool has_any_port6;
	bool has_source6;
};

static inline struct rule_key rule_key_make(uint32_t ifindex, uint32_t group_be, uint16_t port,
					    uint32_t source_be, uint16_t vlan)
{
	struct rule_key k = {
		.ifindex = ifindex,
		.group = group_be,
		.source = source_be,
		.port = port,
		.vlan = vlan,
	};

	return k;
}

static inline int rule_table_probe(const struct rule_table *t, const struct rule_key *k)
{
	struct rule_entry *e;

	HASH_FIND(hh, t->head, k, sizeof(*k), e);
	return e ? e->index : -1;
}

static inline struct rule_key6 rule_key6_make(uint32_t ifindex, const struct in6_addr *group,
					      uint16_t port, const struct in6_addr *source,
					      uint16_t vlan)
{
	struct rule_key6 k = {
		.ifindex = ifindex,
		.port = port,
		.vlan = vlan,
		.group = *group,
		.source = *source,
	};

	return k;
}

static inline int rule_table_probe6(const struct rule_table *t, const struct rule_key6 *k)
{
	struct rule_entry6 *e;

	HASH_FIND(hh, t->head6, k, sizeof(*k), e);
	return e ? e->index : -1;
}

/* Index IPv6 rule i (cfg's) in entry e; -EEXIST when its key is taken. */
static int rule_table_add6(struct rule_table *t, const struct mcr_rule *r, size_t i,
			   struct rule_entry6 *e)
{
	struct rule_entry6 *old;

	e->key = rule_key6_make(r->in_ifindex, &r->in_group.v6, r->in_port, &r->in_source.v6,
				r->in_vlan);
	e->index = (int)i;
	HASH_FIND(hh, t->head6, &e->key, sizeof(e->key), old);
	if (old)
		return -EEXIST;
	HASH_ADD(hh, t->head6, key, sizeof(e->key), e);
	if (!e->hh.tbl)
		return -ENOMEM;
	t->has_any_port6 |= r->in_port == 0;
	t->has_source6 |= addr_ip_is_set(&r->in_source);
	return 0;
}

/**
 * rule_table_new() - index a resolved configuration's rules by input key
 * @cfg: configuration whose rules are indexed; must outlive the table
 * @ret: the new table
 * @ret_dup: on -EEXIST, index of the later of two rules with the same key
 *
 * Returns 0, -ENOMEM or -EEXIST.
 */
int rule_table_new(const struct mcr_config *cfg, struct rule_table **ret, size_t *ret_dup)
{
	struct rule_table *t;
	size_t n6 = 0, n6_added = 0;
	int rc;

	/* Indexes are returned as int; config limits keep them far below this. */
	assert(cfg->n_rules <= (size_t)INT_MAX);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_rules; i++)
		n6 += addr_ip_is_v6(&cfg->rules[i].in_group);
	if (cfg->n_rules > 0) {
		t->entries = calloc(cfg->n_rules, sizeof(*t->entries));
		if (!t->entries) {
			rc = -ENOMEM;
			goto out_free_table;
		}
	}
	if (n6 > 0) {
		t->entries6 = calloc(n6, sizeof(*t->entries6));
		if (!t->entries6) {
			rc = -ENOMEM;
			goto out_free_table;
		}
	}

	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct mcr_rule *r = &cfg->rules[i];
		struct rule_entry *e = &t->entries[i];
		struct rule_entry *old;

		if (addr_ip_is_v6(&r->in_group)) {
			rc = rule_table_add6(t, r, i, &t->entries6[n6_added++]);
			if (rc < 0) {
				if (ret_dup && rc == -EEXIST)
					*ret_dup = i;
				goto out_clear_hash;
			}
			t->n_entries++;
			continue;
		}
		e->key = rule_key_make(r->in_ifindex, r->in_group.v4.s_addr, r->in_port,
				       r->in_source.v4.s_addr, r->in_vlan);
		e->index = (int)i;
		HASH_FIND(hh, t->head, &e->key, sizeof(e->key), old);
		if (old) {
			if (ret_dup)
				*ret_dup = i;
			rc = -EEXIST;
			goto out_clear_hash;
		}
		HASH_ADD(hh, t->head, key, sizeof(e->key), e);
		/* With HASH_NONFATAL_OOM uthash leaves a rejected entry detached. */
		if (!e->hh.tbl) {
			rc = -ENOMEM;
			goto out_clear_hash;
		}
		t->n_entries++;
		if (r->in_port == 0)
			t->has_any_port = true;
		if (r->in_source.v4.s_addr != INADDR_ANY)
			t->has_source = true;
	}
	*ret = t;
	return 0;

out_clear_hash:
	HASH_CLEAR(hh, t->head);
	HASH_CLEAR(hh, t->head6);
out_free_table:
	free(t->entries);
	free(t->entries6);
	free(t);
	return rc;
}

void rule_table_free(struct rule_table *t)
{
	if (!t)
		return;
	/* Entries live in one array, so clearing the hash only frees uthash's buckets. */
	HASH_CLEAR(hh, t->head);
	HASH_CLEAR(hh, t->head6);
	free(t->entries);
	free(t->entries6);
	free(t);
}

int rule_table_lookup(const struct rule_table *t, unsigned int ifindex, uint32_t daddr_be,
		      uint16_t dport, uint32_t saddr_be, uint16_t vlan)
{
	struct rule_key k;
	int idx;

	if (!t->head)
		return -1;
	if (t->has_source) {
		k = rule_key_make(ifindex, daddr_be, dport, saddr_be, vlan);
		idx = rule_table_probe(t, &k);
		if (idx >= 0)
			return idx;
	}
	k = rule_key_make(ifindex, daddr_be, dport, INADDR_ANY, vlan);
	idx = rule_table_probe(t, &k);
	if (idx >= 0 || !t->has_any_port)
		return idx;
	if (t->has_source) {
		k = rule_key_make(ifindex, daddr_be, 0, saddr_be, vlan);
		idx = rule_table_probe(t, &k);
		if (idx >= 0)
			return idx;
	}
	k = rule_key_make(ifindex, daddr_be, 0, INADDR_ANY, vlan);
	return rule_table_probe(t, &k);
}

int rule_table_lookup6(const struct rule_table *t, unsigned int ifindex,
		       const struct in6_addr *daddr, uint16_t dport, const struct in6_addr *saddr,
		       uint16_t vlan)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	struct rule_key6 k;
	int idx;

	if (!t->head6)
		return -1;
	if (t->has_source6) {
		k = rule_key6_make(ifindex, daddr, dport, saddr, vlan);
		idx = rule_table_probe6(t, &k);
		if (idx >= 0)
			return idx;
	}
	k = rule_key6_make(ifindex, daddr, dport, &any, vlan);
	idx = rule_table_probe6(t, &k);
	if (idx >= 0 || !t->has_any_port6)
		return idx;
	if (t->has_source6) {
		k = rule_key6_make(ifindex, daddr, 0, saddr, vlan);
		idx = rule_table_probe6(t, &k);
		if (idx >= 0)
			return idx;
	}
	k = rule_key6_make(ifindex, daddr, 0, &any, vlan);
	return rule_table_probe6(t, &k);
}
