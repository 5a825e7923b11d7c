/* SPDX-License-Identifier: MIT */
/*
 * What the kernel says about one of our packet sockets through sock_diag
 * (NETLINK_SOCK_DIAG, packet_diag): the geometry of its receive ring, which
 * no getsockopt() returns.  A worker that takes over a dead one's socket
 * (keep.h) maps that ring with it, whatever the MTU was when it was set up.
 * Not for the hot path: one netlink dump of the namespace's packet sockets.
 */
#ifndef MCR_PKTDIAG_H
#define MCR_PKTDIAG_H

struct pktdiag_ring {
	unsigned int block_size;
	unsigned int block_nr;
	unsigned int frame_size;
	unsigned int frame_nr;
};

/*
 * The receive ring of the packet socket fd.  Returns 0, -ENOENT when the
 * socket has none (or the kernel does not list it), or another -errno.
 */
int pktdiag_rx_ring(int fd, struct pktdiag_ring *ret);

#endif
