/* SPDX-License-Identifier: MIT */
/*
 * Interface watching over rtnetlink (libmnl): a non-blocking NETLINK_ROUTE
 * socket subscribed to link and IPv4 address changes, which turns each
 * message into a struct nl_event.  It can dump the current links and
 * addresses (reported as the same events), and when the kernel dropped
 * notifications because the socket's queue overflowed (ENOBUFS) it reports
 * an overrun and dumps again, so the reader never keeps a stale view.
 * Knows nothing about rules: the caller decides what an event means.
 */
#ifndef MCR_NETLINK_H
#define MCR_NETLINK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct nlmsghdr;
struct mnl_socket;

/* Room for notifications while the supervisor is busy elsewhere. */
#define NL_RCVBUF	(1 << 20)

enum nl_event_type {
	NL_EV_LINK,		/* a link exists (new, changed, or in a dump) */
	NL_EV_LINK_GONE,	/* a link was deleted */
	NL_EV_ADDR,		/* an IPv4 address was added (or is in a dump) */
	NL_EV_ADDR_GONE,	/* an IPv4 address was removed */
	NL_EV_OVERRUN,		/* notifications were lost; a dump follows */
	NL_EV_DUMP_DONE,	/* a dump of links and addresses is complete */
	NL_EV_TYPE_MAX
};

struct nl_event {
	enum nl_event_type type;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];	/* links: always; addresses: the label, or "" */
	/* Links only. */
	unsigned int mtu;
	bool is_up;			/* IFF_UP: administratively up */
	bool is_running;		/* IFF_RUNNING: up and with carrier */
	bool is_ether;			/* ARPHRD_ETHER */
	/* Addresses only. */
	struct in_addr addr;
	uint8_t prefixlen;
};

typedef void (*nl_event_fn)(void *ctx, const struct nl_event *ev);

enum nl_dump_state {
	NL_DUMP_IDLE,
	NL_DUMP_LINKS,
	NL_DUMP_ADDRS,
	NL_DUMP_STATE_MAX
};

struct nl_watch {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;		/* of the dump request in flight */
	enum nl_dump_state dump;
	bool is_dump_wanted;		/* asked for while one ran: start another after it */
	uint64_t overruns;		/* times the kernel dropped notifications */
};

/*
 * Open the socket (non-blocking, close-on-exec) and subscribe to
 * RTMGRP_LINK and RTMGRP_IPV4_IFADDR.  Returns 0 or -errno; does not log.
 */
int nl_watch_init(struct nl_watch *w);
/* Close the socket; safe on a zeroed or half-initialised watch. */
void nl_watch_exit(struct nl_watch *w);
int nl_watch_fd(const struct nl_watch *w);

/*
 * Ask for every link, then every IPv4 address; their events come through
 * nl_watch_read(), then one NL_EV_DUMP_DONE.  A dump asked for while one
 * runs starts when it ends.  Returns 0 or -errno.
 */
int nl_watch_dump(struct nl_watch *w);

/*
 * Read every message waiting on the socket and call fn for each event, in
 * order.  Never blocks.  An overflow is reported as NL_EV_OVERRUN and
 * answered with a new dump.  Returns the number of events, or -errno on a
 * socket error other than EAGAIN and ENOBUFS.
 */
int nl_watch_read(struct nl_watch *w, nl_event_fn fn, void *ctx);

/*
 * Turn one rtnetlink message into an event.  Returns 0, -ENOENT for a
 * message that is not about a link or an IPv4 address (an IPv6 address, a
 * route), or -EINVAL for a malformed one.
 */
int nl_parse(const struct nlmsghdr *nlh, struct nl_event *ret);

const char *nl_event_name(enum nl_event_type type);

#endif
