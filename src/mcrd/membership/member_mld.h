/* SPDX-License-Identifier: MIT */
/*
 * The MLD half of member.c: the querier and listener of struct member_mld
 * on one interface, with the state machines IGMP uses (querier.h,
 * membership.h) keyed by IPv6 addresses.  Called from member.c only.
 */
#ifndef MCR_MEMBER_MLD_H
#define MCR_MEMBER_MLD_H

#include <stdbool.h>
#include <stdint.h>

#include "mcrd/membership/member.h"

/*
 * Open the socket and put it into epoll_fd tagged tag.  Failure is logged
 * (the interface then follows IPv4 listeners only) and leaves fd -1.
 */
int member_mld_open(struct member_mld *ml, const char *ifname, unsigned int ifindex,
		    const struct igmp_timers *t, bool is_querier, int epoll_fd, uint64_t tag,
		    uint64_t now);
void member_mld_close(struct member_mld *ml, int epoll_fd);

/* Read what arrived; true when a group's listeners changed. */
bool member_mld_on_event(struct member_mld *ml, const char *ifname, uint64_t now);

/* Timers and due queries (our address looked up again when is_refresh); true when listeners changed. */
bool member_mld_tick(struct member_mld *ml, const char *ifname, unsigned int ifindex,
		     bool is_refresh, uint64_t now);
/* When member_mld_tick() next has work, or UINT64_MAX. */
uint64_t member_mld_next_ns(const struct member_mld *ml);

/* Log that @group on @ifname gained (reported by @by) or lost its listeners. */
void member_log_change(const char *ifname, const struct membership *tab, struct in6_addr group,
		       struct in6_addr by, uint64_t now);

#endif
