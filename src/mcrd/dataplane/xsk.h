/* SPDX-License-Identifier: MIT */
/*
 * AF_XDP ingress (--ingress xdp) for one input interface of one worker:
 * the XDP program (src/bpf/xdp_relay.bpf.c, embedded in mcrd) attached to
 * the interface through a BPF link, its rule map kept in step with the
 * rules of that input, and an AF_XDP socket on the interface's queue 0 with
 * its UMEM, fill and receive rings.  Frames the program does not redirect
 * (no rule, or no socket on their queue) go on to the kernel, where the
 * input's packet socket still sees them.
 *
 * The link, not a netlink attachment: the kernel detaches the program when
 * the last descriptor of the link closes, so a worker that dies, even by
 * SIGKILL, leaves no program behind.  One XDP program per interface: the
 * first worker to attach owns the input's XDP path, the others get -EBUSY
 * and receive that input through the packet socket only (which then sees
 * nothing the program redirects).
 */
#ifndef MCR_XSK_H
#define MCR_XSK_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

#define XSK_FRAMES	8192u	/* UMEM frames per socket: the fill ring holds them all */
#define XSK_FRAME_SIZE	2048u	/* XDP_FRAME_MAX (bpf/xdp_key.h) and XDP's headroom */
#define XSK_RX_SIZE	8192u	/* receive ring entries: what the early drop allows in flight */
/* A queue still held by a dead socket's pool: tried this often, this far apart (xsk.c). */
#define XSK_BUSY_TRIES		20u
#define XSK_BUSY_WAIT_MS	25

struct xsk_port;

/*
 * Attach the program to ifindex (ifname) and open the AF_XDP socket on its
 * queue 0.  Returns 0, -EBUSY when an XDP program is attached already (by
 * another worker, or anyone), or another -errno; logs only what the user
 * must act on.
 */
int xsk_port_open(struct xsk_port **ret, unsigned int ifindex, const char *ifname);
/* Detach, close, free; NULL is a no-op. */
void xsk_port_free(struct xsk_port *x);

/*
 * Make the rule map hold exactly the keys of cfg's rules on ifindex.
 * Returns 0 or -errno (the map may then hold a mix; the rule table still
 * decides what is relayed).
 */
int xsk_port_set_rules(struct xsk_port *x, const struct mcr_config *cfg, unsigned int ifindex);

/* The socket's descriptor, to wait on (POLLIN). */
int xsk_port_fd(const struct xsk_port *x);

/*
 * Up to max received frames: their index in the receive ring in *ret_idx.
 * Read each with xsk_port_frame(), then give them all back at once with
 * xsk_port_release() (which also refills the fill ring).
 */
unsigned int xsk_port_peek(struct xsk_port *x, unsigned int max, uint32_t *ret_idx);
const uint8_t *xsk_port_frame(const struct xsk_port *x, uint32_t idx, uint32_t *ret_len);
void xsk_port_release(struct xsk_port *x, unsigned int n);
/* Would xsk_port_peek() find a frame? */
bool xsk_port_has_frame(struct xsk_port *x);

/*
 * Frames the kernel dropped for this socket since the last call (ring full,
 * fill ring empty, invalid): XDP_STATISTICS, counted as input drops.
 */
uint64_t xsk_port_drops(struct xsk_port *x);

/* The receive's poll state, kept by the worker's loop. */
bool xsk_port_is_armed(const struct xsk_port *x);
void xsk_port_set_armed(struct xsk_port *x, bool is_armed);
bool xsk_port_is_starved(const struct xsk_port *x);
void xsk_port_set_starved(struct xsk_port *x, bool is_starved);

#endif
