/* SPDX-License-Identifier: MIT */
/*
 * Egress sockets.  An output sends one of two ways:
 *
 * - l2: pre-built Ethernet/IPv4/UDP frames on an AF_PACKET socket, one
 *   socket per output interface shared by all its outputs.  This skips the
 *   route lookup and IP output path the kernel runs for every multicast UDP
 *   sendmsg.  Multicast outputs on Ethernet interfaces only.
 * - udp: a UDP socket per output, connected to its group:port when the port
 *   is fixed, sending out of the output interface with the configured TTL,
 *   multicast loop off.  Unicast destinations always go this way, through
 *   the kernel's routing table and neighbour resolution (tunnels, next hops).
 *
 * Every socket gets a large send buffer.
 */
#ifndef MCR_EGRESS_H
#define MCR_EGRESS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcrd/config.h"
#include "mcrd/frame.h"

struct egress_out {
	struct frame_tmpl tmpl;		/* l2: the header template */
	struct sockaddr_in dst;		/* udp: destination; port 0 = the packet's port */
	unsigned int file;		/* the output's socket: an index into fds */
	uint16_t ip_id;			/* l2: IPv4 identification of the next frame */
	bool is_l2;
};

struct egress {
	size_t n;			/* outputs over all rules, flat */
	struct egress_out *outs;	/* [n] */
	size_t n_fds;
	int *fds;			/* udp outputs' sockets, then one packet socket per l2 interface */
	size_t n_l2;			/* outputs sending frames */
	int sndbuf_min;			/* smallest effective SO_SNDBUF seen */
};

/*
 * Open the sockets for every output of cfg, in rule order (the layout of
 * struct mcr_stats' outputs), choosing l2 or udp per output by cfg->egress.
 * Logs the reason on failure; logs each fallback from l2 to udp once (info)
 * and warns once, with the tuning script's name, when the send buffer is
 * capped.
 */
int egress_init(struct egress *eg, const struct mcr_config *cfg);
void egress_exit(struct egress *eg);

static inline bool egress_is_connected(const struct egress *eg, size_t out)
{
	return eg->outs[out].dst.sin_port != 0;
}

#endif
