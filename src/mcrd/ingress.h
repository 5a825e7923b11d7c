/* SPDX-License-Identifier: MIT */
/*
 * Ingress sockets: one AF_PACKET socket per input interface, below the IP
 * layer so that reverse-path filtering and routing never see the traffic.
 * Each socket carries a BPF filter for the configured destinations, the
 * NIC's multicast filter is programmed for them, and an IGMP join is sent
 * so that snooping switches deliver the groups.
 */
#ifndef MCR_INGRESS_H
#define MCR_INGRESS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcrd/config.h"
#include "mcrd/stats.h"

#define INGRESS_RCVBUF (8 << 20)	/* absorbs bursts while the loop is busy */

struct ingress_port {
	int fd;			/* AF_PACKET, bound to ifindex */
	int *join_fds;		/* UDP sockets holding the IGMP memberships */
	size_t n_join_fds;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	bool is_armed;		/* a multishot receive is outstanding */
};

struct ingress {
	size_t n;
	struct ingress_port *ports;
};

/*
 * Open and set up every input of cfg.  With fanout_id >= 0 each socket
 * joins that PACKET_FANOUT group in hash mode, so that the workers of one
 * daemon share the traffic and each flow stays with one worker (in order).
 * Logs the reason on failure.
 */
int ingress_init(struct ingress *in, const struct mcr_config *cfg, int fanout_id);
void ingress_exit(struct ingress *in);

/* Add the kernel's socket-queue drop counts to stats (they reset on read). */
void ingress_collect_drops(const struct ingress *in, struct mcr_stats *stats);

#endif
