// SPDX-License-Identifier: MIT
/*
 * rtnetlink interface watching with libmnl.  One socket carries both the
 * kernel's notifications (multicast groups) and the answers to our dump
 * requests (unicast, matched by sequence number); a dump is links first,
 * then IPv4 addresses, one request at a time as the kernel requires.
 */
#include <errno.h>
#include <stdbool.h>
#include <libmnl/libmnl.h>
#include <net/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "mcrd/supervisor/netlink.h"

/* The kernel sizes a dump's datagrams from our reads, up to 32 KiB. */
#define NL_READ_BUF	32768

int nl_watch_init(struct nl_watch *w)
{
	int rcvbuf = NL_RCVBUF;
	int ret;

	memset(w, 0, sizeof(*w));
	w->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->sock)
		return -errno;
	/* A small queue overflows at the first burst of changes (a bridge with 100 ports). */
	if (setsockopt(mnl_socket_get_fd(w->sock), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		goto out_close;
	if (mnl_socket_bind(w->sock, RTMGRP_LINK | RTMGRP_IPV4_IFADDR, MNL_SOCKET_AUTOPID) < 0)
		goto out_close;
	w->portid = mnl_socket_get_portid(w->sock);
	return 0;

out_close:
	ret = -errno;
	(void)mnl_socket_close(w->sock);
	w->sock = NULL;
	return ret;
}

void nl_watch_exit(struct nl_watch *w)
{
	if (w->sock)
		(void)mnl_socket_close(w->sock);
	w->sock = NULL;
}

int nl_watch_fd(const struct nl_watch *w)
{
	return w->sock ? mnl_socket_get_fd(w->sock) : -1;
}

static int dump_request(struct nl_watch *w, uint16_t type)
{
	char buf[NLMSG_SPACE(sizeof(struct ifinfomsg))] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++w->seq;
	if (type == RTM_GETLINK) {
		struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

		ifm->ifi_family = AF_UNSPEC;
	} else {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = AF_INET;
	}
	if (mnl_socket_sendto(w->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

int nl_watch_dump(struct nl_watch *w)
{
	int ret;

	if (w->dump != NL_DUMP_IDLE) {
		w->is_dump_wanted = true;
		return 0;
	}
	ret = dump_request(w, RTM_GETLINK);
	if (ret < 0)
		return ret;
	w->dump = NL_DUMP_LINKS;
	w->is_dump_wanted = false;
	return 0;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	if (type == IFLA_MTU && mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	if (type == IFLA_IFNAME || type == IFLA_MTU)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if ((type == IFA_LOCAL || type == IFA_ADDRESS) && mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	if (type == IFA_LABEL && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	if (type == IFA_LOCAL || type == IFA_ADDRESS || type == IFA_LABEL)
		tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * Every attribute well-formed up to the message's end: libmnl stops at the
 * first one that overruns it without saying so.
 */
static bool attrs_fill(const struct nlmsghdr *nlh, size_t offset)
{
	const char *tail = mnl_nlmsg_get_payload_tail(nlh);
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, offset) {
	}
	return (const char *)attr >= tail;
}

/* A name attribute into ev->ifname; one that does not fit is malformed. */
static int copy_name(const struct nlattr *attr, struct nl_event *ev)
{
	const char *name = mnl_attr_get_str(attr);
	size_t len = strnlen(name, mnl_attr_get_payload_len(attr));

	if (len >= sizeof(ev->ifname))
		return -EINVAL;
	memcpy(ev->ifname, name, len);
	ev->ifname[len] = '\0';
	return 0;
}

static int parse_link(const struct nlmsghdr *nlh, struct nl_event *ev)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm) || ifm->ifi_index <= 0)
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb) != MNL_CB_OK ||
	    !attrs_fill(nlh, sizeof(*ifm)))
		return -EINVAL;
	ev->type = nlh->nlmsg_type == RTM_DELLINK ? NL_EV_LINK_GONE : NL_EV_LINK;
	ev->ifindex = (unsigned int)ifm->ifi_index;
	ev->is_up = ifm->ifi_flags & IFF_UP;
	ev->is_running = ifm->ifi_flags & IFF_RUNNING;
	ev->is_ether = ifm->ifi_type == ARPHRD_ETHER;
	if (tb[IFLA_MTU])
		ev->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	return tb[IFLA_IFNAME] ? copy_name(tb[IFLA_IFNAME], ev) : 0;
}

static int parse_addr(const struct nlmsghdr *nlh, struct nl_event *ev)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *addr;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) || ifa->ifa_index == 0)
		return -EINVAL;
	if (ifa->ifa_family != AF_INET)
		return -ENOENT;
	if (ifa->ifa_prefixlen > 32 ||
	    mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb) != MNL_CB_OK ||
	    !attrs_fill(nlh, sizeof(*ifa)))
		return -EINVAL;
	/* On a point-to-point link IFA_ADDRESS is the peer's; IFA_LOCAL is ours. */
	addr = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!addr)
		return -EINVAL;
	ev->type = nlh->nlmsg_type == RTM_DELADDR ? NL_EV_ADDR_GONE : NL_EV_ADDR;
	ev->ifindex = ifa->ifa_index;
	ev->prefixlen = ifa->ifa_prefixlen;
	memcpy(&ev->addr, mnl_attr_get_payload(addr), sizeof(ev->addr));
	return tb[IFA_LABEL] ? copy_name(tb[IFA_LABEL], ev) : 0;
}

int nl_parse(const struct nlmsghdr *nlh, struct nl_event *ret)
{
	memset(ret, 0, sizeof(*ret));
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return parse_link(nlh, ret);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return parse_addr(nlh, ret);
	default:
		return -ENOENT;
	}
}

static int emit(nl_event_fn fn, void *ctx, enum nl_event_type type)
{
	struct nl_event ev = { .type = type };

	fn(ctx, &ev);
	return 1;
}

/* Our dump request's answer ended (done or refused): the next step. */
static int dump_step(struct nl_watch *w, nl_event_fn fn, void *ctx)
{
	int n = 0;

	if (w->dump == NL_DUMP_LINKS && dump_request(w, RTM_GETADDR) == 0) {
		w->dump = NL_DUMP_ADDRS;
		return 0;
	}
	if (w->dump == NL_DUMP_ADDRS)
		n = emit(fn, ctx, NL_EV_DUMP_DONE);
	else
		w->is_dump_wanted = true;	/* the address request failed: all again */
	w->dump = NL_DUMP_IDLE;
	if (w->is_dump_wanted)
		(void)nl_watch_dump(w);
	return n;
}

static bool is_our_answer(const struct nl_watch *w, const struct nlmsghdr *nlh)
{
	return w->dump != NL_DUMP_IDLE && nlh->nlmsg_seq == w->seq && nlh->nlmsg_pid == w->portid;
}

static int handle_datagram(struct nl_watch *w, const void *buf, size_t len, nl_event_fn fn,
			   void *ctx)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len, n = 0;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nl_event ev;

		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
			if (is_our_answer(w, nlh)) {
				/* A dump the kernel interrupted (NLM_F_DUMP_INTR) is not a view. */
				if (nlh->nlmsg_type == NLMSG_ERROR)
					w->is_dump_wanted = true;
				n += dump_step(w, fn, ctx);
			}
			continue;
		}
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			w->is_dump_wanted = true;
		if (nl_parse(nlh, &ev) == 0) {
			fn(ctx, &ev);
			n++;
		}
	}
	return n;
}

int nl_watch_read(struct nl_watch *w, nl_event_fn fn, void *ctx)
{
	char buf[NL_READ_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	int n = 0;

	for (;;) {
		ssize_t len = mnl_socket_recvfrom(w->sock, buf, sizeof(buf));

		if (len >= 0) {
			n += handle_datagram(w, buf, (size_t)len, fn, ctx);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return n;
		if (errno == EINTR)
			continue;
		/* Lost notifications (or a truncated datagram): only a new dump tells what is. */
		if (errno == ENOBUFS || errno == ENOSPC) {
			int ret;

			w->overruns++;
			n += emit(fn, ctx, NL_EV_OVERRUN);
			ret = nl_watch_dump(w);
			if (ret < 0)
				return ret;
			continue;
		}
		return -errno;
	}
}

static const char *const event_names[NL_EV_TYPE_MAX] = {
	[NL_EV_LINK] = "link",
	[NL_EV_LINK_GONE] = "link gone",
	[NL_EV_ADDR] = "address",
	[NL_EV_ADDR_GONE] = "address gone",
	[NL_EV_OVERRUN] = "overrun",
	[NL_EV_DUMP_DONE] = "dump done",
};

const char *nl_event_name(enum nl_event_type type)
{
	return type < NL_EV_TYPE_MAX ? event_names[type] : "?";
}
