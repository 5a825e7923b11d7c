/* SPDX-License-Identifier: MIT */
/*
 * Ingress sockets that outlive their worker.  A worker hands the
 * supervisor a duplicate of every input packet socket it has open (its
 * interface index and the descriptor, over a SOCK_SEQPACKET socketpair
 * with SCM_RIGHTS) whenever that set changes.  When the worker dies the
 * sockets do not close: they stay in their PACKET_FANOUT groups and keep
 * receiving into their rings (or socket queues) while the supervisor forks
 * the replacement, which inherits them and takes them over.  What arrived
 * meanwhile is relayed late instead of lost.  This module only moves and
 * owns the descriptors; which ones to keep is the two ends' business.
 */
#ifndef MCR_KEEP_H
#define MCR_KEEP_H

#include <stdbool.h>
#include <stddef.h>

/* Sockets per message: at most the kernel's SCM_MAX_FD (253) descriptors. */
#define KEEP_MAX 250

struct keep_set {
	size_t n;
	unsigned int ifindex[KEEP_MAX];
	int fd[KEEP_MAX];		/* owned by the holder of the set; -1 when taken */
};

/* An empty set. */
void keep_init(struct keep_set *k);
/* Close every descriptor still in k and empty it. */
void keep_close(struct keep_set *k);
/* Is fd one of k's descriptors? */
bool keep_has_fd(const struct keep_set *k, int fd);

/*
 * Take the descriptor for ifindex out of k: the caller owns it now.
 * Returns -1 when k has none for that interface.
 */
int keep_take(struct keep_set *k, unsigned int ifindex);

/*
 * Send the set (duplicates of its descriptors, which stay the caller's)
 * as one message on sock without blocking.  Returns 0 or -errno.
 */
int keep_send(int sock, const struct keep_set *k);

/*
 * Receive one message from sock into ret (whose descriptors the caller
 * then owns).  Returns 1, 0 when none waits, or -errno (-EBADMSG for a
 * message that is not a set; its descriptors are closed).
 */
int keep_recv(int sock, struct keep_set *ret);

#endif
