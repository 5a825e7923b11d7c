// SPDX-License-Identifier: MIT
/*
 * Ingress socket set-up.  The socket is created with protocol 0 so that it
 * receives nothing until the filter is attached and it is bound; no
 * unfiltered frame can slip into the queue in between.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "mcrd/filter.h"
#include "mcrd/ingress.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* The distinct destinations the rules on one interface listen to. */
static size_t collect_dests(const struct mcr_config *cfg, unsigned int ifindex,
			    uint32_t *dests)
{
	size_t n = 0;

	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];
		size_t i;

		if (rule->in_ifindex != ifindex)
			continue;
		for (i = 0; i < n && dests[i] != rule->in_group.s_addr; i++)
			;
		if (i == n)
			dests[n++] = rule->in_group.s_addr;
	}
	return n;
}

static int attach_filter(int fd, const char *ifname, const uint32_t *dests, size_t n)
{
	struct sock_filter prog[3 * FILTER_MAX_DESTS + 16];
	struct sock_fprog fprog;
	int len;

	len = filter_build(dests, n, prog, sizeof(prog) / sizeof(prog[0]));
	if (len < 0) {
		log_err("%s: %zu input groups on one interface, at most %d are supported", ifname,
			n, FILTER_MAX_DESTS);
		return len;
	}
	fprog.len = (unsigned short)len;
	fprog.filter = prog;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0) {
		log_err_errno(errno, "%s: cannot attach the ingress BPF filter", ifname);
		return -errno;
	}
	return 0;
}

static void set_rcvbuf(int fd, const char *ifname)
{
	int size = INGRESS_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		log_warn_errno(errno, "%s: cannot raise the ingress receive buffer, ignoring",
			       ifname);
}

static int join_socket_open(struct ingress_port *p)
{
	int *fds = realloc(p->join_fds, (p->n_join_fds + 1) * sizeof(*fds));
	int fd;

	if (!fds)
		return -ENOMEM;
	p->join_fds = fds;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err_errno(errno, "%s: cannot open an IGMP membership socket", p->ifname);
		return -errno;
	}
	fds[p->n_join_fds++] = fd;
	return fd;
}

static int join_on(int fd, const struct ingress_port *p, const struct mcr_rule *rule)
{
	struct ip_mreqn mreq = {
		.imr_multiaddr = rule->in_group,
		.imr_ifindex = (int)p->ifindex,
	};

	if (rule->in_source.s_addr != INADDR_ANY) {
		/* The protocol-independent API names the interface by index. */
		struct group_source_req gsr = { .gsr_interface = p->ifindex };
		struct sockaddr_in *grp = (struct sockaddr_in *)&gsr.gsr_group;
		struct sockaddr_in *src = (struct sockaddr_in *)&gsr.gsr_source;

		grp->sin_family = src->sin_family = AF_INET;
		grp->sin_addr = rule->in_group;
		src->sin_addr = rule->in_source;
		return setsockopt(fd, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, &gsr, sizeof(gsr));
	}
	return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq));
}

/*
 * Send the IGMP join for a group.  The kernel caps memberships per socket
 * (net.ipv4.igmp_max_memberships, 20 by default), so when a socket is full
 * (ENOBUFS) the join moves to a fresh socket.
 */
static int join_group(struct ingress_port *p, const struct mcr_rule *rule)
{
	char g[ADDR_STR_MAX];
	int fd = p->n_join_fds ? p->join_fds[p->n_join_fds - 1] : join_socket_open(p);
	int ret;

	if (fd < 0)
		return fd;
	ret = join_on(fd, p, rule);
	if (ret < 0 && errno == ENOBUFS) {
		fd = join_socket_open(p);
		if (fd < 0)
			return fd;
		ret = join_on(fd, p, rule);
	}
	/* Two rules (ports) on one group join once; the kernel says EADDRINUSE. */
	if (ret < 0 && errno != EADDRINUSE) {
		log_err_errno(errno, "%s: cannot join %s", p->ifname,
			      addr_fmt(rule->in_group, g));
		return -errno;
	}
	return 0;
}

/* Program the NIC's multicast filter and send IGMP joins for each group. */
static int join_groups(struct ingress_port *p, const struct mcr_config *cfg)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];
		struct packet_mreq mr;
		char g[ADDR_STR_MAX];
		int ret;

		if (rule->in_ifindex != p->ifindex || !addr_is_multicast(rule->in_group))
			continue;
		memset(&mr, 0, sizeof(mr));
		mr.mr_ifindex = (int)p->ifindex;
		mr.mr_type = PACKET_MR_MULTICAST;
		mr.mr_alen = ETH_ALEN;
		addr_multicast_mac(rule->in_group, mr.mr_address);
		if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
			log_err_errno(errno, "%s: cannot add the NIC filter for %s", p->ifname,
				      addr_fmt(rule->in_group, g));
			return -errno;
		}
		ret = join_group(p, rule);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int join_fanout(const struct ingress_port *p, int fanout_id)
{
	int arg = (fanout_id & 0xffff) | (PACKET_FANOUT_HASH << 16);

	if (setsockopt(p->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0) {
		log_err_errno(errno, "%s: cannot join PACKET_FANOUT group %d", p->ifname,
			      fanout_id & 0xffff);
		return -errno;
	}
	return 0;
}

static int port_open(struct ingress_port *p, const struct mcr_config *cfg, int fanout_id)
{
	uint32_t *dests = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*dests));
	struct sockaddr_ll sll;
	int one = 1, ret;
	size_t n;

	if (!dests)
		return -ENOMEM;
	n = collect_dests(cfg, p->ifindex, dests);
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		ret = -errno;
		log_err_errno(errno, "%s: cannot open an AF_PACKET socket (needs CAP_NET_RAW)",
			      p->ifname);
		goto out_free;
	}
	ret = attach_filter(p->fd, p->ifname, dests, n);
	if (ret < 0)
		goto out_free;
	/* Our own egress on this interface must never loop back into ingress. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		ret = -errno;
		log_err_errno(errno, "%s: PACKET_IGNORE_OUTGOING failed (needs Linux 4.20)",
			      p->ifname);
		goto out_free;
	}
	set_rcvbuf(p->fd, p->ifname);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = -errno;
		log_err_errno(errno, "%s: cannot bind the AF_PACKET socket", p->ifname);
		goto out_free;
	}
	if (fanout_id >= 0) {
		ret = join_fanout(p, fanout_id);
		if (ret < 0)
			goto out_free;
	}
	ret = join_groups(p, cfg);

out_free:
	free(dests);
	return ret;
}

static struct ingress_port *port_find(struct ingress *in, unsigned int ifindex)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->ports[i].ifindex == ifindex)
			return &in->ports[i];
	return NULL;
}

int ingress_init(struct ingress *in, const struct mcr_config *cfg, int fanout_id)
{
	int ret;

	memset(in, 0, sizeof(*in));
	in->ports = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*in->ports));
	if (!in->ports)
		return -ENOMEM;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		struct ingress_port *p;

		if (port_find(in, cfg->rules[r].in_ifindex))
			continue;
		p = &in->ports[in->n++];
		p->fd = -1;
		p->ifindex = cfg->rules[r].in_ifindex;
		(void)snprintf(p->ifname, sizeof(p->ifname), "%s", cfg->rules[r].in_ifname);
		ret = port_open(p, cfg, fanout_id);
		if (ret < 0) {
			ingress_exit(in);
			return ret;
		}
	}
	return 0;
}

void ingress_exit(struct ingress *in)
{
	for (size_t i = 0; i < in->n; i++) {
		if (in->ports[i].fd >= 0)
			(void)close(in->ports[i].fd);
		for (size_t j = 0; j < in->ports[i].n_join_fds; j++)
			(void)close(in->ports[i].join_fds[j]);
		free(in->ports[i].join_fds);
	}
	free(in->ports);
	memset(in, 0, sizeof(*in));
}

void ingress_collect_drops(const struct ingress *in, struct mcr_stats *stats)
{
	for (size_t i = 0; i < in->n; i++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);

		if (getsockopt(in->ports[i].fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			stats->inputs[i].kernel_drops += st.tp_drops;
	}
}
