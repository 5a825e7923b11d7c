/* SPDX-License-Identifier: MIT */
/*
 * Input locks: notice a second relay of the same input.  Two mcrd (with
 * different control sockets) relaying the same rule double the traffic of
 * every output they share, and neither would know.  So the supervisor holds
 * one abstract UNIX socket per input it relays, named after the input
 * interface, group, port, source and VLAN ("\0mcr-in-eth1-239.1.1.1:5000-*",
 * "...-vlan100" for a rule of VLAN 100).
 * Abstract names live in the network namespace, which is exactly the scope
 * in which two relays see the same frames; the kernel frees a name when its
 * holder dies, so nothing is left behind after a crash.  A second daemon
 * that cannot bind the name connects to it, learns the holder's pid from
 * SO_PEERCRED and warns; the holder accepts that connection and warns too.
 * Neither refuses: a rule moving from one daemon to another is briefly in
 * both (see mcrd(8), DUPLICATE RELAYS).
 *
 * Inputs are compared exactly: a rule for any port and one for port 5000
 * of the same group overlap without being noticed.
 */
#ifndef MCR_INLOCK_H
#define MCR_INLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct inlock;

struct inlocks {
	int epfd;			/* the held names' listening sockets */
	struct inlock *by_input;	/* uthash by interface, group, source and port */
	uint64_t version;		/* of the configuration last synced */
	bool is_synced;
	bool has_warned_fail;		/* "cannot hold" logged once */
};

/* Returns 0 or a negative errno; inlocks_exit() is safe either way. */
int inlocks_init(struct inlocks *l);
/* Releases every name.  Idempotent. */
void inlocks_exit(struct inlocks *l);
/* In a forked child: close the inherited sockets so that only the supervisor holds the names. */
void inlocks_forget(struct inlocks *l);

/* Readable when another process has asked who holds one of our inputs. */
int inlocks_fd(const struct inlocks *l);

/**
 * inlocks_sync() - hold the inputs of a configuration
 * @l: the locks
 * @cfg: the committed configuration
 * @version: its version; nothing is done when it was synced already
 *
 * Takes the name of every input new in @cfg, releases those no longer
 * there, and retries the ones another process held.  Logs a warning, once
 * per input, for each one another process relays.  O(rules).
 */
void inlocks_sync(struct inlocks *l, const struct mcr_config *cfg, uint64_t version);

/* Answer (and log) the processes that found our inputs taken. */
void inlocks_dispatch(struct inlocks *l);

#endif
