/* SPDX-License-Identifier: MIT */
/*
 * Ingress sockets: one AF_PACKET socket per input interface, below the IP
 * layer so that reverse-path filtering and routing never see the traffic.
 * Each socket carries a BPF filter for the configured destinations, the
 * NIC's multicast filter is programmed for them, and (unless igmp_join is
 * off) an IGMP join is sent so that snooping switches deliver the groups.
 *
 * Ports keep their index for their whole life (a receive's user_data names
 * it), and a configuration change updates them in place: filters are
 * replaced atomically, memberships are joined and left by difference, so an
 * unchanged group never sees a leave.
 */
#ifndef MCR_INGRESS_H
#define MCR_INGRESS_H

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config/config.h"
#include "mcrd/dataplane/rxring.h"
#include "mcrd/dataplane/ingress6.h"
#include "mcrd/dataplane/stats.h"
#include "mcrd/dataplane/xsk.h"

#define INGRESS_RCVBUF		(8 << 20)	/* absorbs bursts while the loop is busy; */
						/* times MTU / 1500 for jumbo inputs */
#define INGRESS_MAX_PORTS	256		/* input interfaces per worker */
#define INGRESS_FANOUT_TRIES	16		/* fanout ids tried per interface */
#define INGRESS_FANOUT_STEP	4099u		/* from one candidate id to the next */

struct membership {
	struct in_addr group;
	struct in_addr source;		/* INADDR_ANY: any-source join */
	int fd;				/* the join socket that holds it; -1: no IGMP join */
};

struct ingress_port {
	int fd;				/* AF_PACKET, bound to ifindex; -1 when free */
	int *join_fds;			/* UDP sockets holding the IGMP memberships */
	size_t n_join_fds;
	struct membership *joined;
	size_t n_joined;
	struct ingress6 v6;		/* the IPv6 groups' NIC filter entries and MLD joins */
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	int file;			/* fixed-file slot, -1 when not registered */
	int fanout_id;			/* its PACKET_FANOUT group, -1 when none */
	unsigned int mtu;		/* the interface's, when last configured; 0: unknown */
	struct sock_filter *filter;	/* a copy of the BPF program attached; NULL: none yet */
	size_t filter_len;
	struct rxring rx;		/* its TPACKET_V2 ring; rx.map NULL in multishot mode */
	struct xsk_port *xsk;		/* --ingress xdp: its program and AF_XDP socket, or NULL */
	bool is_armed;			/* a multishot receive (or poll of rx) is outstanding */
	bool is_closing;		/* no longer configured; closes once disarmed */
	bool is_pending;		/* opened by ingress_prepare() for a change not yet in force */
	bool has_ring_frames;		/* rx holds frames to take at the next pass (rx.h) */
	struct input_stats st;
};

struct keep_set;

struct ingress {
	size_t n;			/* ports[0..n) have been used */
	struct ingress_port *ports;	/* [INGRESS_MAX_PORTS] */
	int fanout_base;		/* the daemon's PACKET_FANOUT id base, or -1 */
	enum ingress_mode mode;		/* for every port, as when the worker started */
	struct keep_set *adopt;		/* a dead predecessor's sockets to take over, or NULL */
	/*
	 * The layout of every multishot receive (INGRESS_MULTISHOT): no
	 * address, and room for the PACKET_AUXDATA message that carries the
	 * VLAN tag the kernel took off a frame.  Read by the kernel at each
	 * arming, so it lives as long as the ports.
	 */
	struct msghdr rx_msg;
};

/* The control room a multishot receive asks for: one struct tpacket_auxdata. */
#define INGRESS_AUX_SPACE	CMSG_SPACE(sizeof(struct tpacket_auxdata))

/*
 * With fanout_base >= 0 (0..65535, the same in every worker of a daemon)
 * each input's socket joins a PACKET_FANOUT group in hash mode, one group
 * per input interface, so that the workers share the traffic and each flow
 * stays with one worker (in order).  The group's id is derived from the
 * base and the interface's ifindex; see join_fanout().
 */
int ingress_init(struct ingress *in, int fanout_base, enum ingress_mode mode);
void ingress_exit(struct ingress *in);

/*
 * Make the ports match cfg: open ports for new input interfaces (not yet
 * registered or armed: file == -1), update filters and memberships of the
 * others, and mark those without rules is_closing.  On failure (logged)
 * nothing has changed.  Returns 0 or -errno.
 */
int ingress_update(struct ingress *in, const struct mcr_config *cfg);

/*
 * The part of ingress_update() that can fail for want of a resource, done
 * ahead for a change not yet committed: check that cfg's groups fit the
 * filters and open (not arm) the ports of new input interfaces, marked
 * is_pending.  ingress_update() then takes them as new; ingress_abort()
 * closes them.  On failure (logged) nothing has changed.  0 or -errno.
 */
int ingress_prepare(struct ingress *in, const struct mcr_config *cfg);
void ingress_abort(struct ingress *in);

static inline bool ingress_port_is_open(const struct ingress_port *p)
{
	return p->fd >= 0;
}

/* A receive (of the packet socket or of the AF_XDP socket) is outstanding. */
static inline bool ingress_port_is_armed(const struct ingress_port *p)
{
	return p->is_armed || (p->xsk && xsk_port_is_armed(p->xsk));
}

/* Close a port's sockets; its slot can be used again. */
void ingress_port_close(struct ingress_port *p);

/*
 * The largest MTU of the inputs in use (1500 when none is known), and the
 * interface that has it (NULL then): what the receive buffers must hold.
 * Reads each port's MTU from the kernel again (one ioctl per input: for a
 * change of the inputs, not the hot path).
 */
unsigned int ingress_max_mtu(struct ingress *in, const char **ret_ifname);

/*
 * Give each port whose receive ring's slots are too small for its MTU (as
 * ingress_max_mtu() last read it) a ring with bigger ones; logs failures.
 */
void ingress_fit_rings(struct ingress *in);

/* Add the kernel's socket-queue drop counts to the ports' stats. */
void ingress_collect_drops(struct ingress *in);

#endif
