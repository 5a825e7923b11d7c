/* SPDX-License-Identifier: MIT */
/*
 * Group membership in the supervisor: an IGMP and an MLD querier and
 * listener on every interface that has a "when": "joined" output (the same
 * timers and state machines for both, querier.h and membership.h, each
 * protocol with its own table), run from the supervisor's
 * event loop (never a worker's).  It keeps each interface's membership
 * table and marks which of those outputs have listeners (is_joined); the
 * supervisor turns a change of marks into an ordinary rule change.
 */
#ifndef MCR_MEMBER_H
#define MCR_MEMBER_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "mcrd/membership/membership.h"
#include "mcrd/membership/querier.h"

/* Packets read per interface per event, so that one link cannot hold the loop. */
#define MEMBER_READ_BATCH	64
/* Our address on a link is looked up again this often. */
#define MEMBER_ADDR_REFRESH_MS	1000

/* An MLD socket's epoll tag: tag + ifindex + MEMBER_TAG_MLD (IGMP's: tag + ifindex). */
#define MEMBER_TAG_MLD	0x80000000u

/* MLD on one interface: one socket both ways (mld_sock.h), IPv6 keys. */
struct member_mld {
	int fd;				/* -1: no MLD here (no IPv6, no socket) */
	struct querier q;
	struct membership tab;
	uint64_t reports, dones, malformed;
	bool is_logged_send_error;
	bool is_logged_wait;		/* why we cannot query yet: said once per wait */
};

struct member_if {
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	int rx_fd, tx_fd;
	struct querier q;
	struct membership tab;
	uint64_t addr_checked_ns;
	uint64_t malformed;
	bool is_logged_send_error;	/* once per interface until a send works */
	struct member_mld mld;
};

struct member_mld_counters {
	uint64_t joins, leaves, queries_sent, queries_received, malformed, reports, dones;
};

struct member_counters {
	uint64_t joins, leaves, queries_sent, queries_received, malformed;	/* IGMP */
	struct member_mld_counters mld;
};

struct member {
	struct igmp_timers t;
	bool is_querier;		/* the igmp_querier setting */
	int epoll_fd;
	uint64_t tag;			/* epoll tag of a socket: tag + its ifindex */
	struct member_if *ifs;
	size_t n_ifs;
	bool is_dirty;			/* marks may differ from the running rules */
	uint64_t retry_ns;		/* a refused push waits until then */
	uint64_t push_ns;		/* when the latest push of marks started */
	struct member_counters gone;	/* of interfaces no longer watched */
};

/*
 * Nothing watched yet; call member_sync() with the rules.  Sockets go into
 * epoll_fd tagged tag + ifindex.  0 or -errno.
 */
int member_init(struct member *m, int epoll_fd, uint64_t tag);
void member_exit(struct member *m);

/*
 * Watch the interfaces cfg's "when": "joined" outputs name (open, close),
 * with cfg's timer settings.  Call after every commit.  Failures are logged
 * and leave that interface without listeners (its outputs idle).
 */
void member_sync(struct member *m, const struct mcr_config *cfg, uint64_t now);

/* An event on the socket tagged tag + id: id is ifindex, + MEMBER_TAG_MLD for MLD's. */
void member_on_event(struct member *m, unsigned int id, uint64_t now);

/* Timers: queries due, memberships expired.  Call every loop pass. */
void member_tick(struct member *m, uint64_t now);
/* Milliseconds until member_tick() has work, or -1. */
int member_timeout_ms(const struct member *m, uint64_t now);

/*
 * Set is_joined on cfg's "when": "joined" outputs from the tables.  Returns
 * true when any mark changed.  m may be NULL (marks none).
 */
bool member_mark(const struct member *m, struct mcr_config *cfg, uint64_t now);

/* Whether member_mark() would change any of cfg's marks. */
bool member_marks_are_stale(const struct member *m, const struct mcr_config *cfg, uint64_t now);

/* {"interfaces": [...]} for "mcrctl groups"; new reference or NULL. */
json_t *member_json(const struct member *m, uint64_t now);
/* Totals over all interfaces, watched now or before. */
struct member_counters member_counters(const struct member *m);

#endif
