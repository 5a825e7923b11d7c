/* SPDX-License-Identifier: MIT */
/*
 * Egress sockets: one UDP socket per output, connected to its group:port
 * when the port is fixed, sending out of the output interface with the
 * configured TTL, multicast loop off and a large send buffer.  Unicast
 * destinations go through the kernel's routing table (tunnels, next hops).
 */
#ifndef MCR_EGRESS_H
#define MCR_EGRESS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "mcrd/config.h"

struct egress {
	size_t n;			/* outputs over all rules, flat */
	int *fds;
	struct sockaddr_in *dst;	/* destination; port 0 = the packet's port */
	int sndbuf_min;			/* smallest effective SO_SNDBUF seen */
};

/*
 * Open a socket for every output of cfg, in rule order (the layout of
 * struct mcr_stats' outputs).  Logs the reason on failure; warns once,
 * with the tuning script's name, when the send buffer is capped.
 */
int egress_init(struct egress *eg, const struct mcr_config *cfg);
void egress_exit(struct egress *eg);

static inline bool egress_is_connected(const struct egress *eg, size_t out)
{
	return eg->dst[out].sin_port != 0;
}

#endif
