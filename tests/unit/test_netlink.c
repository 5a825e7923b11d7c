// SPDX-License-Identifier: MIT
/*
 * Unit tests for the rtnetlink watcher: nl_parse() on messages built here
 * byte by byte (links, IPv4 addresses, what it must ignore, and malformed
 * ones it must refuse), then the live socket in a private network
 * namespace: a dump lists lo, and creating, changing and deleting a veth
 * pair there comes back as events; a receive queue made to overflow is
 * reported as an overrun and followed by a fresh dump.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "mcrd/supervisor/netlink.h"
#include "netns_helpers.h"

#define MAX_EVENTS	4096
#define WAIT_MAX_MS	3000

/* ---- crafted messages ---- */

static struct nlmsghdr *link_msg(char *buf, uint16_t type, int index, unsigned int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	nlh->nlmsg_type = type;
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	ifm->ifi_flags = flags;
	ifm->ifi_type = ARPHRD_ETHER;
	return nlh;
}

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, uint8_t family, unsigned int index)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	nlh->nlmsg_type = type;
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = 30;
	ifa->ifa_index = index;
	return nlh;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void t_parse_link(void **state)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 7, IFF_UP | IFF_RUNNING);
	struct nl_event ev;

	(void)state;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "uplink7");
	mnl_attr_put_u32(nlh, IFLA_MTU, 9000);
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 1000);	/* ignored */
	assert_int_equal(nl_parse(nlh, &ev), 0);
	assert_int_equal(ev.type, NL_EV_LINK);
	assert_int_equal(ev.ifindex, 7);
	assert_string_equal(ev.ifname, "uplink7");
	assert_int_equal(ev.mtu, 9000);
	assert_true(ev.is_up);
	assert_true(ev.is_running);
	assert_true(ev.is_ether);

	nlh = link_msg(buf, RTM_DELLINK, 7, IFF_UP);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "uplink7");
	assert_int_equal(nl_parse(nlh, &ev), 0);
	assert_int_equal(ev.type, NL_EV_LINK_GONE);
	assert_true(ev.is_up);
	assert_false(ev.is_running);
	assert_int_equal(ev.mtu, 0);
}

static void t_parse_addr(void **state)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, AF_INET, 3);
	uint32_t local = ip("198.18.0.2"), peer = ip("198.18.0.1");
	struct nl_event ev;

	(void)state;
	/* Point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL ours. */
	mnl_attr_put_u32(nlh, IFA_ADDRESS, peer);
	mnl_attr_put_u32(nlh, IFA_LOCAL, local);
	mnl_attr_put_strz(nlh, IFA_LABEL, "in0");
	assert_int_equal(nl_parse(nlh, &ev), 0);
	assert_int_equal(ev.type, NL_EV_ADDR);
	assert_int_equal(ev.ifindex, 3);
	assert_int_equal(ev.addr.s_addr, local);
	assert_int_equal(ev.prefixlen, 30);
	assert_string_equal(ev.ifname, "in0");

	nlh = addr_msg(buf, RTM_DELADDR, AF_INET, 3);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, peer);
	assert_int_equal(nl_parse(nlh, &ev), 0);
	assert_int_equal(ev.type, NL_EV_ADDR_GONE);
	assert_int_equal(ev.addr.s_addr, peer);
	assert_string_equal(ev.ifname, "");
}

static void t_parse_ignores_others(void **state)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, AF_INET6, 3);
	struct rtmsg *rtm;
	struct nl_event ev;

	(void)state;
	mnl_attr_put(nlh, IFA_ADDRESS, 16, "0123456789abcdef");
	assert_int_equal(nl_parse(nlh, &ev), -ENOENT);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	assert_int_equal(nl_parse(nlh, &ev), -ENOENT);
}

static void t_parse_refuses_malformed(void **state)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct nl_event ev;

	(void)state;
	/* Shorter than struct ifinfomsg. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	(void)mnl_nlmsg_put_extra_header(nlh, 4);
	assert_int_equal(nl_parse(nlh, &ev), -EINVAL);

	/* A name longer than IFNAMSIZ allows. */
	nlh = link_msg(buf, RTM_NEWLINK, 7, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "a-name-far-too-long-for-linux");
	assert_int_equal(nl_parse(nlh, &ev), -EINVAL);

	/* A name without its terminating NUL. */
	nlh = link_msg(buf, RTM_NEWLINK, 7, 0);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	assert_int_equal(nl_parse(nlh, &ev), -EINVAL);

	/* An MTU of two bytes. */
	nlh = link_msg(buf, RTM_NEWLINK, 7, 0);
	mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
	assert_int_equal(nl_parse(nlh, &ev), -EINVAL);

	/* Index 0 names no interface. */
	nlh = link_msg(buf, RTM_NEWLINK, 0, 0);
	assert_int_equal(nl_parse(nlh, &ev), -EINVAL);

	/* An IPv4 address message without an address, or with a short one. */
	nlh = addr_msg(buf, RTM_NEWADDR, AF_INET, 3);
	assert_int_equal(nl_parse(nlh, &ev), -EINVAL);
	nlh = addr_msg(buf, RTM_NEWADDR, AF_INET, 3);
	mnl_attr_put_u16(nlh, IFA_LOCAL, 1);
	assert_int_equal(nl_parse(nlh, &ev), -EINVAL);

	/* An attribute claiming more bytes than the message has. */
	nlh = link_msg(buf, RTM_NEWLINK, 7, 0);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	((struct nlattr *)((char *)nlh + NLMSG_SPACE(sizeof(struct ifinfomsg))))->nla_len = 200;
	assert_int_equal(nl_parse(nlh, &ev), -EINVAL);
}

/* ---- the live socket ---- */

struct events {
	size_t n;
	struct nl_event ev[MAX_EVENTS];
};

static void collect(void *ctx, const struct nl_event *ev)
{
	struct events *e = ctx;

	if (e->n < MAX_EVENTS)
		e->ev[e->n++] = *ev;
}

/* Read until an event matching (type, name) arrives; fails the case after WAIT_MAX_MS. */
static const struct nl_event *wait_for(struct nl_watch *w, struct events *e,
				       enum nl_event_type type, const char *name)
{
	uint64_t deadline = now_ns() + WAIT_MAX_MS * NSEC_PER_MSEC;
	size_t seen = 0;

	for (;;) {
		struct pollfd pfd = { .fd = nl_watch_fd(w), .events = POLLIN };

		for (; seen < e->n; seen++)
			if (e->ev[seen].type == type && (!name || !strcmp(e->ev[seen].ifname, name)))
				return &e->ev[seen];
		if (now_ns() >= deadline)
			fail_msg("no \"%s\" event for %s", nl_event_name(type), name ? name : "-");
		(void)poll(&pfd, 1, 100);
		assert_true(nl_watch_read(w, collect, e) >= 0);
	}
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("\"%s\" failed", cmd);
}

static void t_dump_and_changes(void **state)
{
	struct events *e = calloc(1, sizeof(*e));
	const struct nl_event *ev;
	struct nl_watch w;

	(void)state;
	need_netns();
	assert_non_null(e);
	assert_int_equal(nl_watch_init(&w), 0);
	assert_int_equal(nl_watch_dump(&w), 0);
	ev = wait_for(&w, e, NL_EV_LINK, "lo");
	assert_int_equal(ev->ifindex, if_nametoindex("lo"));
	assert_true(ev->is_up);
	assert_false(ev->is_ether);
	ev = wait_for(&w, e, NL_EV_ADDR, NULL);
	assert_int_equal(ev->addr.s_addr, htonl(INADDR_LOOPBACK));
	(void)wait_for(&w, e, NL_EV_DUMP_DONE, NULL);

	sh("ip link add nlt0 type veth peer name nlt1");
	ev = wait_for(&w, e, NL_EV_LINK, "nlt0");
	assert_int_equal(ev->ifindex, if_nametoindex("nlt0"));
	assert_true(ev->is_ether);
	assert_int_equal(ev->mtu, 1500);
	e->n = 0;
	sh("ip link set nlt0 mtu 1400");
	ev = wait_for(&w, e, NL_EV_LINK, "nlt0");
	assert_int_equal(ev->mtu, 1400);
	sh("ip addr add 198.18.5.1/30 dev nlt0");
	ev = wait_for(&w, e, NL_EV_ADDR, "nlt0");
	assert_int_equal(ev->addr.s_addr, htonl(0xc6120501));
	sh("ip link set nlt0 name nlt9");
	(void)wait_for(&w, e, NL_EV_LINK, "nlt9");
	sh("ip link del nlt9");
	(void)wait_for(&w, e, NL_EV_LINK_GONE, "nlt9");
	assert_int_equal(w.overruns, 0);
	nl_watch_exit(&w);
	free(e);
}

static void t_overrun_dumps_again(void **state)
{
	struct events *e = calloc(1, sizeof(*e));
	int small = 1;
	struct nl_watch w;

	(void)state;
	need_netns();
	assert_non_null(e);
	assert_int_equal(nl_watch_init(&w), 0);
	/* The kernel rounds this up to its minimum, a few notifications. */
	assert_int_equal(setsockopt(nl_watch_fd(&w), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)),
			 0);
	sh("for i in $(seq 1 40); do echo \"link add ovr$i type veth peer name ovp$i\"; done |"
	   " ip -batch -");
	(void)wait_for(&w, e, NL_EV_OVERRUN, NULL);
	assert_true(w.overruns >= 1);
	/* The dump after it reports what exists now, the last pair included. */
	(void)wait_for(&w, e, NL_EV_DUMP_DONE, NULL);
	(void)wait_for(&w, e, NL_EV_LINK, "ovp40");
	sh("for i in $(seq 1 40); do echo \"link del ovr$i\"; done | ip -batch -");
	nl_watch_exit(&w);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_parse_link),
		cmocka_unit_test(t_parse_addr),
		cmocka_unit_test(t_parse_ignores_others),
		cmocka_unit_test(t_parse_refuses_malformed),
		cmocka_unit_test(t_dump_and_changes),
		cmocka_unit_test(t_overrun_dumps_again),
	};

	if (netns_init("netlink") < 0)
		return 1;
	return cmocka_run_group_tests_name("netlink", tests, NULL, NULL);
}
