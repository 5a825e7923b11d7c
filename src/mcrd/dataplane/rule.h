/* SPDX-License-Identifier: MIT */
/*
 * The forwarding table: maps a received packet's (input interface, group,
 * port, source, VLAN) to the rule that relays it, in O(1).  Built once from a
 * resolved configuration and never modified afterwards, so a worker can read
 * it without locks; a change builds a new table.
 *
 * Lookup precedence, most specific first: exact port and source, exact port
 * any source, any port with source, any port any source.
 */
#ifndef MCR_RULE_H
#define MCR_RULE_H

#include <netinet/in.h>
#include <stdint.h>

#include "config/config.h"

struct rule_table;

/*
 * Build a table indexing cfg->rules (cfg must outlive the table).  Returns
 * 0 or -ENOMEM, or -EEXIST with *ret_dup set to the index of the second of
 * two rules that share an input key.
 */
int rule_table_new(const struct mcr_config *cfg, struct rule_table **ret, size_t *ret_dup);
void rule_table_free(struct rule_table *t);

/*
 * Returns the index into cfg->rules, or -1 when nothing matches.  vlan is
 * the frame's VID (packet_vlan()), 0 when untagged: only a rule naming that
 * VLAN takes it.
 */
int rule_table_lookup(const struct rule_table *t, unsigned int ifindex, uint32_t daddr_be,
		      uint16_t dport, uint32_t saddr_be, uint16_t vlan);

/*
 * The same for an IPv6 datagram (the IPv6 rules are a table of their own,
 * with the same precedence): the index into cfg->rules, or -1.
 */
int rule_table_lookup6(const struct rule_table *t, unsigned int ifindex,
		       const struct in6_addr *daddr, uint16_t dport, const struct in6_addr *saddr,
		       uint16_t vlan);

#endif
