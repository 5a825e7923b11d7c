/* SPDX-License-Identifier: MIT */
/*
 * Egress sockets.  An output sends one of two ways:
 *
 * - l2: pre-built Ethernet/IPv4/UDP frames on an AF_PACKET socket, one
 *   socket per output interface shared by all its outputs, written into
 *   its PACKET_TX_RING and sent a batch per kick.  This skips the
 *   route lookup and IP output path the kernel runs for every multicast UDP
 *   sendmsg.  Multicast outputs on Ethernet interfaces only.
 * - udp: a UDP socket per output, connected to its group:port when the port
 *   is fixed, sending out of the output interface, multicast loop off.
 *   Unicast destinations always go this way, through the kernel's routing
 *   table and neighbour resolution (tunnels, next hops).  The TOS byte, a
 *   TTL that follows the received one and a kept source address go with
 *   each send as ancillary data (IP_TOS, IP_TTL, IP_PKTINFO); a source
 *   address that is not the host's needs IP_TRANSPARENT (CAP_NET_RAW).  DF
 *   is a per-socket setting only (IP_MTU_DISCOVER), so a packet that came
 *   without DF goes out through a second socket, one per output interface,
 *   unconnected and set never to send DF, with its destination, TTL and
 *   source given per packet; the output's own socket always sets DF.
 *
 * Every socket gets a large send buffer.
 */
#ifndef MCR_EGRESS_H
#define MCR_EGRESS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "mcrd/dataplane/frame.h"
#include "mcrd/dataplane/frame6.h"
#include "mcrd/dataplane/txring.h"
#include "mcrd/dataplane/udpreuse.h"

/*
 * TX ring memory per worker, shared out among its l2 interfaces: a ring
 * of EGRESS_RING_FRAMES slots each while that fits (about 270 KiB: small
 * rings stay in cache, and a kick releases a veth's frames at once), one
 * 64 KiB block each at worst (1:1000 over as many interfaces).
 */
#define EGRESS_RING_BUDGET	(32u << 20)
#define EGRESS_RING_FRAMES	128u

struct egress_out {
	union {				/* l2: the header template, of the rule's family */
		struct frame_tmpl tmpl;
		struct frame6_tmpl tmpl6;
	};
	struct txring *tx;		/* l2: its interface's ring */
	uint16_t max_payload;		/* l2: UDP payload that fits the interface's MTU */
	union {				/* udp: destination; port 0 = the packet's port */
		struct sockaddr_in dst;		/* sin_port and sin6_port share their place */
		struct sockaddr_in6 dst6;	/* an IPv6 rule's */
	};
	unsigned int file;		/* the output's socket: an index into fds */
	unsigned int file_nodf;		/* udp: its interface's socket that never sets DF */
	struct in_addr source;		/* udp: "source": an address (IPv4; IPv6 binds it) */
	uint16_t ip_id;			/* l2: IPv4 identification of the next frame */
	uint8_t ttl_mode;		/* enum ttl_mode */
	uint8_t ttl;			/* TTL_SET */
	bool is_l2;
	bool is_keep_source;		/* udp: each packet's source goes with it */
	bool is_v6;			/* an IPv6 rule's output */
};

/* An interface that l2 outputs asked for. */
struct egress_iface {
	unsigned int ifindex;
	const char *ifname;		/* the config's; only while egress_init() runs */
	unsigned int file;		/* its packet socket in fds, when is_ether */
	struct txring *tx;		/* that socket's ring, shared across generations */
	bool is_ether;
	uint8_t mac[6];
	struct in_addr addr;		/* primary IPv4 address, or INADDR_ANY */
	struct in6_addr addr6;		/* its first global IPv6 address, or :: */
	bool is_addr6_known;		/* addr6 was looked up (IPv6 outputs only) */
	unsigned int mtu;		/* when the rules were set up */
};

struct egress {
	size_t n;			/* outputs over all rules, flat */
	struct egress_out *outs;	/* [n] */
	size_t n_fds;
	int *fds;			/* udp outputs' sockets, l2 interfaces' packet sockets */
	int *borrowed;			/* [n_fds]: -1, or the place in the previous one's fds */
					/* of a socket it still owns (see egress_take_over()) */
	bool *is_given;			/* [n_fds]: the next one owns (closes) it now */
	size_t n_l2;			/* outputs sending frames */
	struct egress_iface *ifaces;	/* [n_ifaces] */
	size_t n_ifaces;
	unsigned int *nodf_ifindex;	/* [n_nodf]: whose no-DF udp socket ... */
	unsigned int *nodf_file;	/* ... is fds[nodf_file[i]] */
	size_t n_nodf;
	struct udp_key *keys;		/* [n]: what each udp output's socket was set up with */
	struct udp_reuse *reuse;	/* the previous one's sockets; only while egress_init() runs */
	int sndbuf_min;			/* smallest effective SO_SNDBUF seen */
	unsigned int ring_frames;	/* slots for a new interface's ring */
	unsigned int kick_batch;	/* cfg's send_batch */
};

/*
 * Open the sockets for every output of cfg, in rule order (the layout of
 * struct mcr_stats' outputs), choosing l2 or udp per output by cfg->egress.
 * Logs the reason on failure; logs each fallback from l2 to udp once (info)
 * and warns once, with the tuning script's name, when the send buffer is
 * capped.
 */
int egress_init(struct egress *eg, const struct mcr_config *cfg);
/*
 * The same, taking over (sharing) the packet sockets of prev, the egress of
 * the rules in force, or NULL: those of the interfaces both use, and the
 * others too, kept for later rules.  Freeing prev then does not wait for a
 * packet socket's release (an RCU grace period) in the worker loop.  A udp
 * output set up as one of prev's was borrows its socket (udpreuse.h):
 * prev owns it until egress_take_over(), and eg never closes it before.
 */
int egress_init_from(struct egress *eg, const struct mcr_config *cfg, const struct egress *prev);
/*
 * eg, built from prev, goes in force: the sockets it borrowed from prev
 * are its own now, to close when it is freed; prev no longer closes them.
 */
void egress_take_over(struct egress *eg, struct egress *prev);
/* Drop a reference to a ring; the last one unmaps it. */
void egress_ring_put(struct txring *tx);
void egress_exit(struct egress *eg);

/*
 * The TTL output eo sends a packet with that arrived with ttl_in; 0 when
 * the packet must not be relayed (it expired).  A router forwards only
 * what arrives with TTL > 1.
 */
static inline uint8_t egress_ttl(const struct egress_out *eo, uint8_t ttl_in)
{
	switch ((enum ttl_mode)eo->ttl_mode) {
	case TTL_SET:
		return eo->ttl;
	case TTL_KEEP:
		return ttl_in;
	case TTL_DECREMENT:
	case TTL_MODE_MAX:
		break;
	}
	return ttl_in > 1 ? (uint8_t)(ttl_in - 1) : 0;
}

static inline bool egress_is_connected(const struct egress *eg, size_t out)
{
	return eg->outs[out].dst.sin_port != 0;
}

#endif
