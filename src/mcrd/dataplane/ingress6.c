// SPDX-License-Identifier: MIT
/*
 * IPv6 input memberships; see ingress6.h.  A change does O(memberships x
 * rules on the interface) comparisons: IPv6 inputs are at most
 * FILTER_MAX_DESTS6 groups per interface.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "mcrd/dataplane/ingress6.h"

/* RFC 2464 7: 33:33 and the group's last four bytes. */
static int nic_filter_op(int packet_fd, unsigned int ifindex, const struct in6_addr *group,
			 bool is_add)
{
	struct packet_mreq mr;

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)ifindex;
	mr.mr_type = PACKET_MR_MULTICAST;
	mr.mr_alen = ETH_ALEN;
	mr.mr_address[0] = 0x33;
	mr.mr_address[1] = 0x33;
	memcpy(mr.mr_address + 2, group->s6_addr + 12, 4);
	return setsockopt(packet_fd, SOL_PACKET,
			  is_add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr));
}

static int mld_op(int fd, unsigned int ifindex, const struct membership6 *m, bool is_join)
{
	struct ipv6_mreq mreq = { .ipv6mr_multiaddr = m->group, .ipv6mr_interface = ifindex };

	if (!IN6_IS_ADDR_UNSPECIFIED(&m->source)) {
		struct group_source_req gsr = { .gsr_interface = ifindex };
		struct sockaddr_in6 *grp = (struct sockaddr_in6 *)&gsr.gsr_group;
		struct sockaddr_in6 *src = (struct sockaddr_in6 *)&gsr.gsr_source;

		grp->sin6_family = src->sin6_family = AF_INET6;
		grp->sin6_addr = m->group;
		src->sin6_addr = m->source;
		return setsockopt(fd, IPPROTO_IPV6,
				  is_join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP, &gsr,
				  sizeof(gsr));
	}
	return setsockopt(fd, IPPROTO_IPV6, is_join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &mreq,
			  sizeof(mreq));
}

static int join_socket_open(struct ingress6 *m, const char *ifname)
{
	int *fds = realloc(m->join_fds, (m->n_join_fds + 1) * sizeof(*fds));
	int fd;

	if (!fds)
		return -ENOMEM;
	m->join_fds = fds;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;

		log_err_errno(err, "%s: cannot open an MLD membership socket", ifname);
		return -err;
	}
	fds[m->n_join_fds++] = fd;
	return fd;
}

/*
 * The MLD join.  A socket refuses a second membership of a group it holds
 * in the other mode (any source and source-specific: EADDRINUSE) and caps
 * the option memory its memberships take (ENOBUFS, ENOMEM): such a join
 * moves to a fresh socket.
 */
static int mld_join(struct ingress6 *m, struct membership6 *ms, unsigned int ifindex,
		    const char *ifname)
{
	char g[ADDR_IP_STR_MAX];
	struct mcr_addr ga = { .family = AF_INET6, .v6 = ms->group };
	int fd, ret, err;

	fd = m->n_join_fds ? m->join_fds[m->n_join_fds - 1] : join_socket_open(m, ifname);
	ret = fd < 0 ? -1 : mld_op(fd, ifindex, ms, true);
	if (fd >= 0 && ret < 0 && (errno == EADDRINUSE || errno == ENOBUFS || errno == ENOMEM)) {
		fd = join_socket_open(m, ifname);
		ret = fd < 0 ? -1 : mld_op(fd, ifindex, ms, true);
	}
	if (fd < 0)
		return fd;
	if (ret < 0) {
		err = errno;
		log_err_errno(err, "%s: cannot join %s (MLD)", ifname, addr_ip_fmt(&ga, g));
		return -err;
	}
	ms->fd = fd;
	return 0;
}

static void mld_leave(struct membership6 *ms, unsigned int ifindex)
{
	if (ms->fd < 0)
		return;
	(void)mld_op(ms->fd, ifindex, ms, false);
	ms->fd = -1;
}

static bool same(const struct membership6 *a, const struct in6_addr *group,
		 const struct in6_addr *source)
{
	return memcmp(&a->group, group, sizeof(*group)) == 0 &&
	       memcmp(&a->source, source, sizeof(*source)) == 0;
}

static struct membership6 *find(struct ingress6 *m, const struct in6_addr *group,
				const struct in6_addr *source)
{
	for (size_t i = 0; i < m->n_joined; i++)
		if (same(&m->joined[i], group, source))
			return &m->joined[i];
	return NULL;
}

/* Is (group, source) an input of one of cfg's IPv6 rules on ifindex? */
static bool is_wanted(const struct mcr_config *cfg, unsigned int ifindex,
		      const struct membership6 *ms)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];
		struct in6_addr source = addr_ip_is_set(&rule->in_source) ? rule->in_source.v6
									   : in6addr_any;

		if (rule->in_ifindex == ifindex && addr_ip_is_v6(&rule->in_group) &&
		    same(ms, &rule->in_group.v6, &source))
			return true;
	}
	return false;
}

static int add(struct ingress6 *m, int packet_fd, unsigned int ifindex, const char *ifname,
	       struct membership6 ms, bool is_mld)
{
	char g[ADDR_IP_STR_MAX];
	struct mcr_addr ga = { .family = AF_INET6, .v6 = ms.group };
	struct membership6 *grown = realloc(m->joined, (m->n_joined + 1) * sizeof(*grown));
	int ret;

	if (!grown)
		return -ENOMEM;
	m->joined = grown;
	if (nic_filter_op(packet_fd, ifindex, &ms.group, true) < 0) {
		ret = -errno;
		log_err_errno(-ret, "%s: cannot add the NIC filter for %s", ifname,
			      addr_ip_fmt(&ga, g));
		return ret;
	}
	ms.fd = -1;
	if (is_mld && (ret = mld_join(m, &ms, ifindex, ifname)) < 0) {
		(void)nic_filter_op(packet_fd, ifindex, &ms.group, false);
		return ret;
	}
	m->joined[m->n_joined++] = ms;
	return 0;
}

static void join_sockets_close(struct ingress6 *m)
{
	for (size_t i = 0; i < m->n_join_fds; i++)
		(void)close(m->join_fds[i]);
	free(m->join_fds);
	m->join_fds = NULL;
	m->n_join_fds = 0;
}

int ingress6_update(struct ingress6 *m, int packet_fd, unsigned int ifindex, const char *ifname,
		    const struct mcr_config *cfg)
{
	int ret = 0;

	for (size_t r = 0; ret == 0 && r < cfg->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];
		struct membership6 ms = { .fd = -1 };
		struct membership6 *had;

		if (rule->in_ifindex != ifindex || !addr_ip_is_v6(&rule->in_group) ||
		    !addr_ip_is_multicast(&rule->in_group))
			continue;
		ms.group = rule->in_group.v6;
		if (addr_ip_is_set(&rule->in_source))
			ms.source = rule->in_source.v6;
		had = find(m, &ms.group, &ms.source);
		if (!had)
			ret = add(m, packet_fd, ifindex, ifname, ms, cfg->igmp_join);
		else if (!cfg->igmp_join)
			mld_leave(had, ifindex);
		else if (had->fd < 0)
			ret = mld_join(m, had, ifindex, ifname);
	}
	for (size_t i = m->n_joined; ret == 0 && i-- > 0;) {
		if (is_wanted(cfg, ifindex, &m->joined[i]))
			continue;
		mld_leave(&m->joined[i], ifindex);
		(void)nic_filter_op(packet_fd, ifindex, &m->joined[i].group, false);
		m->joined[i] = m->joined[--m->n_joined];
	}
	if (ret == 0 && !cfg->igmp_join)
		join_sockets_close(m);
	return ret;
}

void ingress6_close(struct ingress6 *m)
{
	join_sockets_close(m);
	free(m->joined);
	memset(m, 0, sizeof(*m));
}
