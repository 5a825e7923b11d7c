// SPDX-License-Identifier: MIT
/*
 * Our usable link-local IPv6 address on an interface, from an rtnetlink
 * dump; see lladdr.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "mcrd/membership/lladdr.h"

/* The kernel sizes a dump's datagrams from our reads. */
#define LLADDR_READ_BUF	16384

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	if (type == IFA_ADDRESS || type == IFA_LOCAL) {
		if (mnl_attr_get_payload_len(attr) != sizeof(struct in6_addr))
			return MNL_CB_ERROR;
		tb[type] = attr;
	} else if (type == IFA_FLAGS) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
	}
	return MNL_CB_OK;
}

static bool is_lower(const struct in6_addr *a, const struct in6_addr *than)
{
	return IN6_IS_ADDR_UNSPECIFIED(than) || memcmp(a, than, sizeof(*a)) < 0;
}

int lladdr_take(const struct nlmsghdr *nlh, unsigned int ifindex, struct lladdr *acc)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct in6_addr addr;
	uint32_t flags;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -EINVAL;
	if (ifa->ifa_family != AF_INET6 || ifa->ifa_index != ifindex)
		return 0;
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb) != MNL_CB_OK)
		return -EINVAL;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return 0;
	memcpy(&addr, mnl_attr_get_payload(a), sizeof(addr));
	if (!IN6_IS_ADDR_LINKLOCAL(&addr))
		return 0;
	/* IFA_FLAGS (Linux 3.14) holds all 32; ifa_flags only the first 8. */
	flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	if (flags & LLADDR_UNUSABLE_FLAGS) {
		if (is_lower(&addr, &acc->unusable)) {
			acc->unusable = addr;
			acc->unusable_flags = flags;
		}
		return 0;
	}
	/* The lowest: the one the election favours, and stable across lookups. */
	if (is_lower(&addr, &acc->addr))
		acc->addr = addr;
	return 0;
}

struct dump_ctx {
	unsigned int ifindex;
	struct lladdr *acc;
};

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;

	if (lladdr_take(nlh, ctx->ifindex, ctx->acc) < 0) {
		errno = EINVAL;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int lladdr_get(unsigned int ifindex, struct lladdr *ret)
{
	char buf[LLADDR_READ_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct dump_ctx ctx = { .ifindex = ifindex, .acc = ret };
	struct mnl_socket *nl;
	struct ifaddrmsg *ifa;
	unsigned int seq = (unsigned int)time(NULL), portid;
	int ret_cb = MNL_CB_OK, err = 0, one = 1;

	memset(ret, 0, sizeof(*ret));
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out_close;
	}
	portid = mnl_socket_get_portid(nl);
	/*
	 * Linux 4.20: the kernel then dumps ifindex's addresses only, not the
	 * whole namespace's; older ones dump all, and lladdr_take() filters.
	 */
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
			 sizeof(one));
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_index = ifindex;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out_close;
	}
	while (ret_cb > MNL_CB_STOP) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			err = -errno;
			break;
		}
		ret_cb = mnl_cb_run(buf, (size_t)n, seq, portid, msg_cb, &ctx);
		if (ret_cb == MNL_CB_ERROR) {
			err = -errno;
			break;
		}
	}
out_close:
	(void)mnl_socket_close(nl);
	return err;
}

const char *lladdr_why(uint32_t flags)
{
	if (flags & IFA_F_DADFAILED)
		return "failed duplicate address detection (another node uses it); give the "
		       "interface another link-local address";
	if (flags & IFA_F_OPTIMISTIC)
		return "is optimistic (duplicate address detection is not finished)";
	return "is tentative (duplicate address detection is not finished)";
}
