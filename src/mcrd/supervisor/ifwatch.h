/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's view of the interfaces its rules name.  It keeps a table
 * of links (name, MTU, up/running, Ethernet, IPv4 addresses) fed by
 * netlink.c, notes when something a rule uses changes (an interface
 * appears, goes, is renamed, goes down or up, changes MTU or address), and
 * after a short debounce resolves the rules again: a rule whose interfaces
 * all exist relays, one that names a missing interface waits for it.  The
 * caller then pushes the configuration to the workers, which re-open what
 * changed (a new ifindex gets new sockets and rings; the same one re-reads
 * its MTU and address).
 */
#ifndef MCR_IFWATCH_H
#define MCR_IFWATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "mcrd/supervisor/netlink.h"

/* A burst of changes (a veth pair deleted, an interface renamed and set up) is resolved once. */
#define IFWATCH_DEBOUNCE_MS	50
/*
 * After the workers refused the rules resolved again (an interface went in
 * between): retry after 1 s, doubling up to 30 s while they keep refusing.
 */
#define IFWATCH_RETRY_MS	1000
#define IFWATCH_RETRY_MAX_MS	30000

struct ifw_link;

struct ifwatch {
	struct nl_watch nl;
	struct ifw_link *links;		/* uthash by ifindex */
	const struct mcr_config *cfg;	/* the rules, while ifwatch_read() runs */
	const struct mcr_config *pending;	/* and those of a change under way */
	uint64_t dump_epoch;		/* links seen by the running dump carry it */
	bool is_synced;			/* the first dump is complete */
	bool is_resyncing;		/* notifications were lost: sweep after the dump */
	bool is_dirty;			/* a change the rules care about, not yet pushed */
	bool has_failed;		/* the last lookup failed (logged once) */
	unsigned int retry_ms;		/* the next retry's delay; 0: IFWATCH_RETRY_MS */
	uint64_t due_ns;		/* when to resolve again; 0: nothing pending */
};

/*
 * Open the netlink socket and ask for the current links and addresses.
 * Logs the rules of cfg that wait for an interface.  Returns 0 or -errno
 * (logged).
 */
int ifwatch_init(struct ifwatch *w, const struct mcr_config *cfg);
/* Close the socket and free the table; safe on a zeroed watch. */
void ifwatch_exit(struct ifwatch *w);
int ifwatch_fd(const struct ifwatch *w);
/* Links in the table: every interface of the namespace once synced. */
size_t ifwatch_n_links(const struct ifwatch *w);

/*
 * Read every pending notification; note those that concern the rules of
 * cfg (in force) or of pending (a change under way that may commit, or
 * NULL).
 */
void ifwatch_read(struct ifwatch *w, const struct mcr_config *cfg,
		  const struct mcr_config *pending);

/* Milliseconds until ifwatch_resolve() is due, or -1 when nothing is pending. */
int ifwatch_timeout_ms(const struct ifwatch *w, uint64_t now_ns);

/* Whether ifwatch_resolve() has something to do now. */
bool ifwatch_is_due(const struct ifwatch *w, uint64_t now_ns);

/*
 * When due: look cfg's interfaces up again (config_resolve_interfaces())
 * and log each rule that starts waiting or resumes.  cfg may be the rules
 * in force or a copy of them that a change then commits.  Returns true
 * when the workers need cfg again (an index changed, or an interface a rule
 * uses changed MTU, address or state), false when nothing was due or
 * nothing changed.
 */
bool ifwatch_resolve(struct ifwatch *w, struct mcr_config *cfg, uint64_t now_ns);

/*
 * The workers did not take the rules: resolve and push again later.
 * Returns the delay in milliseconds, for the caller's log line.
 */
unsigned int ifwatch_retry(struct ifwatch *w, uint64_t now_ns);
/* The workers took them: the next refusal waits IFWATCH_RETRY_MS again. */
void ifwatch_pushed(struct ifwatch *w);

#endif
