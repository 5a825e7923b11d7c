/* SPDX-License-Identifier: MIT */
/*
 * An input interface's IPv6 memberships: the NIC filter entry (the
 * 33:33:xx:xx:xx:xx address RFC 2464 maps a group to, PACKET_ADD_MEMBERSHIP
 * on the port's packet socket) and, when the configuration's igmp_join is
 * on, the MLD join (IPV6_JOIN_GROUP, or MCAST_JOIN_SOURCE_GROUP for a rule
 * naming a source) on an AF_INET6 socket of its own.  ingress.c's IPv4
 * memberships' counterpart, kept apart so that each stays short; the set
 * is brought to a configuration by difference, joins before leaves.
 */
#ifndef MCR_INGRESS6_H
#define MCR_INGRESS6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

struct membership6 {
	struct in6_addr group;
	struct in6_addr source;		/* :: for an any-source join */
	int fd;				/* the socket holding its MLD join; -1: none */
};

/* Zeroed means empty. */
struct ingress6 {
	struct membership6 *joined;
	size_t n_joined;
	int *join_fds;			/* AF_INET6 sockets holding the MLD joins */
	size_t n_join_fds;
};

/*
 * Bring m to the IPv6 rules of cfg on interface ifindex (named ifname,
 * for messages): packet_fd is the port's packet socket.  Returns 0 or
 * -errno (logged, naming the interface and group).
 */
int ingress6_update(struct ingress6 *m, int packet_fd, unsigned int ifindex, const char *ifname,
		    const struct mcr_config *cfg);
/* Close the join sockets and forget; the packet socket's entries go with it. */
void ingress6_close(struct ingress6 *m);

#endif
