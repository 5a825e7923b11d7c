// SPDX-License-Identifier: MIT
/*
 * Ingress socket set-up and reconfiguration.  A socket is created with
 * protocol 0 so that it receives nothing until the filter is attached and it
 * is bound; no unfiltered frame can slip into the queue in between.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf/xdp_key.h"
#include "common/addr.h"
#include "common/log.h"
#include "mcrd/dataplane/filter.h"
#include "mcrd/dataplane/ingress.h"
#include "mcrd/keep.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The distinct destinations the rules on one interface listen to, sorted:
 * O(rules log rules), so that a change at thousands of rules costs the
 * worker's loop a millisecond, not seconds.
 */
static size_t collect_dests(const struct mcr_config *cfg, unsigned int ifindex,
			    uint32_t *dests)
{
	size_t n = 0, d = 0;

	for (size_t r = 0; r < cfg->n_rules; r++)
		if (cfg->rules[r].in_ifindex == ifindex && !addr_ip_is_v6(&cfg->rules[r].in_group))
			dests[n++] = cfg->rules[r].in_group.v4.s_addr;
	qsort(dests, n, sizeof(*dests), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || dests[i] != dests[d - 1])
			dests[d++] = dests[i];
	return d;
}

static int cmp_in6(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct in6_addr));
}

/* collect_dests() for the IPv6 rules. */
static size_t collect_dests6(const struct mcr_config *cfg, unsigned int ifindex,
			     struct in6_addr *dests)
{
	size_t n = 0, d = 0;

	for (size_t r = 0; r < cfg->n_rules; r++)
		if (cfg->rules[r].in_ifindex == ifindex && addr_ip_is_v6(&cfg->rules[r].in_group))
			dests[n++] = cfg->rules[r].in_group.v6;
	qsort(dests, n, sizeof(*dests), cmp_in6);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || cmp_in6(&dests[i], &dests[d - 1]) != 0)
			dests[d++] = dests[i];
	return d;
}

/*
 * Attaching replaces any previous program atomically: no gap, no overlap.
 * A change that leaves the program as it is (a rule added on a group that
 * other rules receive already, say) skips the kernel's check of a program
 * of up to 3,000 instructions: a millisecond of the worker's loop.
 */
static int attach_filter(struct ingress_port *p, const struct mcr_config *cfg)
{
	static struct sock_filter prog[BPF_MAXINSNS];
	uint32_t *dests = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*dests));
	struct in6_addr *dests6 = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*dests6));
	struct sock_filter *copy;
	struct sock_fprog fprog;
	size_t n, n6;
	int len, ret;

	if (!dests || !dests6) {
		free(dests);
		free(dests6);
		return -ENOMEM;
	}
	n = collect_dests(cfg, p->ifindex, dests);
	n6 = collect_dests6(cfg, p->ifindex, dests6);
	/* The IPv4-only program stays as it was: IPv6 rules add their section. */
	/* Both families on one interface may outgrow what the kernel loads. */
	len = n6 ? filter_build_dual(dests, n, dests6, n6, prog, BPF_MAXINSNS)
		 : filter_build(dests, n, prog, sizeof(prog) / sizeof(prog[0]));
	free(dests);
	free(dests6);
	if (len < 0) {
		log_err("%s: %zu IPv4 and %zu IPv6 input groups on one interface do not fit one "
			"BPF program (%d instructions; an IPv6 group takes %d, an IPv4 one 3); "
			"move some rules to another interface",
			p->ifname, n, n6, BPF_MAXINSNS, FILTER_V6_BLOCK);
		return len;
	}
	fprog.len = (unsigned short)len;
	fprog.filter = prog;
	if (p->filter && p->filter_len == (size_t)len &&
	    memcmp(p->filter, prog, (size_t)len * sizeof(*prog)) == 0)
		return 0;
	copy = malloc((size_t)len * sizeof(*prog));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, prog, (size_t)len * sizeof(*prog));
	if (setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0) {
		ret = -errno;
		log_err_errno(errno, "%s: cannot attach the ingress BPF filter", p->ifname);
		free(copy);
		return ret;
	}
	free(p->filter);
	p->filter = copy;
	p->filter_len = (size_t)len;
	return 0;
}

/*
 * The queue is counted in bytes: it holds as many frames of a jumbo MTU
 * as of a 1500-byte one when it grows with the MTU.
 */
static void set_rcvbuf(const struct ingress_port *p)
{
	unsigned int scale = p->mtu > 1500 ? (p->mtu + 1499) / 1500 : 1;
	int size = INGRESS_RCVBUF * (int)(scale < 7 ? scale : 7);

	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
		return;
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		log_warn_errno(errno, "%s: cannot raise the ingress receive buffer, ignoring",
			       p->ifname);
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

static int membership_op(int fd, const struct ingress_port *p, const struct membership *m,
			 bool is_join)
{
	struct ip_mreqn mreq = {
		.imr_multiaddr = m->group,
		.imr_ifindex = (int)p->ifindex,
	};

	if (m->source.s_addr != INADDR_ANY) {
		/* The protocol-independent API names the interface by index. */
		struct group_source_req gsr = { .gsr_interface = p->ifindex };
		struct sockaddr_in *grp = (struct sockaddr_in *)&gsr.gsr_group;
		struct sockaddr_in *src = (struct sockaddr_in *)&gsr.gsr_source;

		grp->sin_family = src->sin_family = AF_INET;
		grp->sin_addr = m->group;
		src->sin_addr = m->source;
		return setsockopt(fd, IPPROTO_IP,
				  is_join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP, &gsr,
				  sizeof(gsr));
	}
	return setsockopt(fd, IPPROTO_IP, is_join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mreq,
			  sizeof(mreq));
}

static int nic_filter_op(const struct ingress_port *p, struct in_addr group, bool is_add)
{
	struct packet_mreq mr;

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)p->ifindex;
	mr.mr_type = PACKET_MR_MULTICAST;
	mr.mr_alen = ETH_ALEN;
	addr_multicast_mac(group, mr.mr_address);
	return setsockopt(p->fd, SOL_PACKET, is_add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP,
			  &mr, sizeof(mr));
}

/*
 * Send the IGMP join (the IP-level membership).  The kernel caps
 * memberships per socket (net.ipv4.igmp_max_memberships, 20 by default), so
 * a join that finds its socket full (ENOBUFS) moves to a fresh socket.
 */
static int igmp_join(struct ingress_port *p, struct membership *m)
{
	char g[ADDR_STR_MAX];
	int fd, ret;

	fd = p->n_join_fds ? p->join_fds[p->n_join_fds - 1] : join_socket_open(p);
	ret = fd < 0 ? -1 : membership_op(fd, p, m, true);
	if (fd >= 0 && ret < 0 && errno == ENOBUFS) {
		fd = join_socket_open(p);
		ret = fd < 0 ? -1 : membership_op(fd, p, m, true);
	}
	if (fd < 0 || ret < 0) {
		ret = fd < 0 ? fd : -errno;
		log_err_errno(ret, "%s: cannot join %s", p->ifname, addr_fmt(m->group, g));
		return ret;
	}
	m->fd = fd;
	return 0;
}

static void igmp_leave(const struct ingress_port *p, struct membership *m)
{
	if (m->fd < 0)
		return;
	(void)membership_op(m->fd, p, m, false);
	m->fd = -1;
}

/* With no IP-level membership left, the sockets that held them are dead weight. */
static void join_sockets_close(struct ingress_port *p)
{
	for (size_t j = 0; j < p->n_join_fds; j++)
		(void)close(p->join_fds[j]);
	free(p->join_fds);
	p->join_fds = NULL;
	p->n_join_fds = 0;
}

/* Program the NIC filter and, if @is_igmp, send the IGMP join. */
static int join(struct ingress_port *p, struct membership m, bool is_igmp)
{
	struct membership *grown;
	char g[ADDR_STR_MAX];
	int ret;

	grown = realloc(p->joined, (p->n_joined + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->joined = grown;
	if (nic_filter_op(p, m.group, true) < 0) {
		log_err_errno(errno, "%s: cannot add the NIC filter for %s", p->ifname,
			      addr_fmt(m.group, g));
		return -errno;
	}
	m.fd = -1;
	if (is_igmp && (ret = igmp_join(p, &m)) < 0) {
		(void)nic_filter_op(p, m.group, false);
		return ret;
	}
	p->joined[p->n_joined++] = m;
	return 0;
}

static void leave(struct ingress_port *p, size_t i)
{
	igmp_leave(p, &p->joined[i]);
	(void)nic_filter_op(p, p->joined[i].group, false);
	p->joined[i] = p->joined[--p->n_joined];
}

/* A membership's key, for sorting and binary search: the group, then the source. */
static uint64_t membership_key(struct in_addr group, struct in_addr source)
{
	return (uint64_t)ntohl(group.s_addr) << 32 | ntohl(source.s_addr);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool keys_have(const uint64_t *keys, size_t n, uint64_t k)
{
	return bsearch(&k, keys, n, sizeof(*keys), cmp_u64) != NULL;
}

/* The distinct (group, source) keys cfg's rules want on p's interface, sorted. */
static int wanted_keys(const struct ingress_port *p, const struct mcr_config *cfg,
		       uint64_t **ret, size_t *ret_n)
{
	uint64_t *k = malloc((cfg->n_rules ? cfg->n_rules : 1) * sizeof(*k));
	size_t n = 0, d = 0;

	if (!k)
		return -ENOMEM;
	for (size_t r = 0; r < cfg->n_rules; r++)
		if (cfg->rules[r].in_ifindex == p->ifindex && !addr_ip_is_v6(&cfg->rules[r].in_group))
			k[n++] = membership_key(cfg->rules[r].in_group.v4, cfg->rules[r].in_source.v4);
	qsort(k, n, sizeof(*k), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || k[i] != k[d - 1])
			k[d++] = k[i];
	*ret = k;
	*ret_n = d;
	return 0;
}

/* The keys of p's memberships before this change, sorted. */
static int joined_keys(const struct ingress_port *p, uint64_t **ret)
{
	uint64_t *k = malloc((p->n_joined ? p->n_joined : 1) * sizeof(*k));

	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_joined; i++)
		k[i] = membership_key(p->joined[i].group, p->joined[i].source);
	qsort(k, p->n_joined, sizeof(*k), cmp_u64);
	*ret = k;
	return 0;
}

/*
 * Join what cfg adds, then leave what it dropped: never a gap for a kept
 * group.  A change of igmp_join moves only the kept groups' IP-level
 * memberships; their NIC filter entries stay, so traffic that arrives
 * anyway keeps flowing.  Both sides are sorted key sets, so a change costs
 * O(rules log rules) here, plus a system call per membership that changes.
 */
static int update_memberships(struct ingress_port *p, const struct mcr_config *cfg)
{
	uint64_t *want = NULL, *had = NULL;
	size_t n_want = 0, n_had = p->n_joined;
	int ret = wanted_keys(p, cfg, &want, &n_want);

	if (ret == 0)
		ret = joined_keys(p, &had);
	for (size_t i = 0; ret == 0 && i < n_want; i++) {
		struct membership m = {
			.group.s_addr = htonl((uint32_t)(want[i] >> 32)),
			.source.s_addr = htonl((uint32_t)want[i]),
			.fd = -1,
		};

		if (addr_is_multicast(m.group) && !keys_have(had, n_had, want[i]))
			ret = join(p, m, cfg->igmp_join);
	}
	for (size_t i = 0; ret == 0 && i < p->n_joined; i++) {
		struct membership *m = &p->joined[i];

		if (!cfg->igmp_join)
			igmp_leave(p, m);
		else if (m->fd < 0 &&
			 keys_have(want, n_want, membership_key(m->group, m->source)))
			ret = igmp_join(p, m);
	}
	for (size_t i = p->n_joined; ret == 0 && i-- > 0;)
		if (!keys_have(want, n_want, membership_key(p->joined[i].group, p->joined[i].source)))
			leave(p, i);
	if (ret == 0 && !cfg->igmp_join)
		join_sockets_close(p);
	free(want);
	free(had);
	if (ret == 0)
		ret = ingress6_update(&p->v6, p->fd, p->ifindex, p->ifname, cfg);
	return ret;
}

/*
 * PACKET_FANOUT_FLAG_IGNORE_OUTGOING came with Linux 6.2.  Older kernels
 * take the flag without a word (they do not check a fanout's flags), so
 * the release is the only way to tell.
 */
static bool kernel_has_fanout_ignore_outgoing(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return true;	/* cannot tell: do not cry wolf */
	return major > 6 || (major == 6 && minor >= 2);
}

/*
 * A fanout group is one interface's (the kernel refuses a socket bound to
 * another device with EINVAL), so each input has its own id: the daemon's
 * base plus the ifindex, which every worker computes alike.  Two daemons
 * have different bases (their pids), so on one interface their groups
 * never coincide; a re-created interface has a new ifindex and so a fresh
 * group.  An id held by a group of another interface, type or flags (any
 * other program, or another mcrd's group on another interface) is refused
 * with EINVAL: every worker then steps to the same next candidate and
 * meets its siblings there.
 */
static uint16_t fanout_candidate(int base, unsigned int ifindex, unsigned int k)
{
	return (uint16_t)(((unsigned int)base + ifindex + k * INGRESS_FANOUT_STEP) & 0xffff);
}

/*
 * Once in a fanout group, the socket receives through the group's hook, and
 * its own PACKET_IGNORE_OUTGOING no longer applies: the group needs the
 * flag too, or our egress on this interface comes back in.  Rollover sends
 * a frame to another worker when its own socket has no room left (a worker
 * that died and whose successor is still starting, keep.h): delivered out of
 * order rather than dropped.
 */
static int join_fanout(struct ingress_port *p, int fanout_base)
{
	const int mode = (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_ROLLOVER |
			  PACKET_FANOUT_FLAG_IGNORE_OUTGOING) << 16;
	int err = EINVAL;

	for (unsigned int k = 0; k < INGRESS_FANOUT_TRIES && err == EINVAL; k++) {
		uint16_t id = fanout_candidate(fanout_base, p->ifindex, k);
		int arg = mode | id;

		if (setsockopt(p->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) == 0) {
			p->fanout_id = id;
			return 0;
		}
		err = errno;
		if (err == EINVAL)
			log_debug("%s: PACKET_FANOUT group %u belongs to another interface or "
				  "program, trying the next",
				  p->ifname, id);
	}
	log_err_errno(err, "%s: cannot join a PACKET_FANOUT group (%u ids from %u tried: is the "
			   "interface up, or do other programs hold them?)",
		      p->ifname, INGRESS_FANOUT_TRIES, fanout_candidate(fanout_base, p->ifindex, 0));
	return -err;
}

/* The interface's MTU now, or 0 when the kernel will not say. */
static unsigned int iface_mtu(const struct ingress_port *p)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->ifname);
	if (ioctl(p->fd, SIOCGIFMTU, &ifr) < 0) {
		log_warn_errno(errno, "%s: cannot read the MTU, assuming 1500", p->ifname);
		return 0;
	}
	return ifr.ifr_mtu > 0 ? (unsigned int)ifr.ifr_mtu : 0;
}

/* Before the bind: the ring must exist when the first frame arrives. */
static int rx_ring_open(struct ingress_port *p)
{
	int ret = rxring_init(&p->rx, p->fd, p->mtu, RXRING_BLOCKS);

	if (ret < 0)
		log_err_errno(ret, "%s: cannot set up a TPACKET_V2 receive ring of %u MiB for an MTU "
				   "of %u (--ingress multishot does without)",
			      p->ifname, (RXRING_BLOCKS * RXRING_BLOCK_SIZE) >> 20, p->mtu);
	return ret;
}

/*
 * A socket a dead predecessor left behind (keep.h): already bound and in its
 * fanout group, with what arrived since its death waiting in its ring or
 * queue.  The filter and memberships are brought to cfg as for any port.
 */
static int port_adopt(struct ingress_port *p, const struct mcr_config *cfg, enum ingress_mode mode,
		      int fd)
{
	int version = 0, ret;
	socklen_t len = sizeof(version);

	p->fd = fd;
	if (getsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, &len) < 0)
		return -errno;
	/* Kept under the other ingress mode: start afresh. */
	if ((version == RXRING_VERSION) != (mode != INGRESS_MULTISHOT))
		return -EPROTOTYPE;
	p->mtu = iface_mtu(p);
	ret = attach_filter(p, cfg);
	if (ret < 0)
		return ret;
	if (mode != INGRESS_MULTISHOT &&
	    (ret = rxring_adopt(&p->rx, fd)) < 0)
		return ret;
	/* Set already by the socket's first owner; the VLAN check must not depend on it. */
	if (mode == INGRESS_MULTISHOT &&
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &(int){ 1 }, sizeof(int)) < 0)
		return -errno;
	return update_memberships(p, cfg);
}

static int port_open(struct ingress_port *p, const struct mcr_config *cfg, int fanout_base,
		     enum ingress_mode mode, int adopt_fd)
{
	struct sockaddr_ll sll;
	int one = 1, ret;

	if (adopt_fd >= 0) {
		unsigned int ifindex = p->ifindex;
		char ifname[IF_NAMESIZE];

		ret = port_adopt(p, cfg, mode, adopt_fd);
		if (ret == 0) {
			log_debug("%s: took over the socket of the previous worker", p->ifname);
			return 0;
		}
		log_warn_errno(ret, "%s: cannot take over the previous worker's socket, opening a "
				    "new one", p->ifname);
		memcpy(ifname, p->ifname, sizeof(ifname));
		ingress_port_close(p);
		p->ifindex = ifindex;
		memcpy(p->ifname, ifname, sizeof(ifname));
	}
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		log_err_errno(errno, "%s: cannot open an AF_PACKET socket (needs CAP_NET_RAW)",
			      p->ifname);
		return -errno;
	}
	p->mtu = iface_mtu(p);
	ret = attach_filter(p, cfg);
	if (ret < 0)
		return ret;
	/* Our own egress on this interface must never loop back into ingress. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		log_err_errno(errno, "%s: PACKET_IGNORE_OUTGOING failed (needs Linux 4.20)",
			      p->ifname);
		return -errno;
	}
	set_rcvbuf(p);
	/* Under xdp the ring takes what the XDP program passes on (see xsk.h). */
	if (mode != INGRESS_MULTISHOT && (ret = rx_ring_open(p)) < 0)
		return ret;
	/*
	 * The kernel takes a frame's outer VLAN tag off before any packet
	 * socket sees it; a ring's frame header reports it, a receive needs
	 * PACKET_AUXDATA, or a tagged frame would pass for an untagged one.
	 */
	if (mode == INGRESS_MULTISHOT &&
	    setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0) {
		ret = -errno;
		log_err_errno(ret, "%s: cannot ask for the frames' VLAN tags (PACKET_AUXDATA)",
			      p->ifname);
		return ret;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	/*
	 * ETH_P_ALL, not ETH_P_IP: such a socket sees a frame before the
	 * kernel's VLAN code, which clears the tag of a VLAN no VLAN device
	 * takes, so the frame would pass for an untagged one.
	 */
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		log_err_errno(errno, "%s: cannot bind the AF_PACKET socket", p->ifname);
		return -errno;
	}
	if (fanout_base >= 0 && (ret = join_fanout(p, fanout_base)) < 0)
		return ret;
	return update_memberships(p, cfg);
}

void ingress_port_close(struct ingress_port *p)
{
	xsk_port_free(p->xsk);
	rxring_exit(&p->rx);
	if (p->fd >= 0)
		(void)close(p->fd);
	join_sockets_close(p);
	free(p->joined);
	ingress6_close(&p->v6);
	free(p->filter);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->file = -1;
	p->fanout_id = -1;
}

static struct ingress_port *port_find(struct ingress *in, unsigned int ifindex)
{
	for (size_t i = 0; i < in->n; i++)
		if (ingress_port_is_open(&in->ports[i]) && in->ports[i].ifindex == ifindex)
			return &in->ports[i];
	return NULL;
}

/* A free slot that no receive can still name: neither open nor closing. */
static struct ingress_port *port_slot(struct ingress *in)
{
	for (size_t i = 0; i < in->n; i++)
		if (!ingress_port_is_open(&in->ports[i]))
			return &in->ports[i];
	return in->n < INGRESS_MAX_PORTS ? &in->ports[in->n++] : NULL;
}

int ingress_init(struct ingress *in, int fanout_base, enum ingress_mode mode)
{
	memset(in, 0, sizeof(*in));
	in->fanout_base = fanout_base;
	if (fanout_base >= 0 && !kernel_has_fanout_ignore_outgoing())
		log_warn("this kernel cannot keep outgoing frames out of a PACKET_FANOUT group "
			 "(Linux 6.2 can): with more than one worker, relaying out of an input "
			 "interface may loop back into it");
	in->mode = mode;
	if (mode == INGRESS_MULTISHOT)
		in->rx_msg.msg_controllen = INGRESS_AUX_SPACE;
	in->ports = calloc(INGRESS_MAX_PORTS, sizeof(*in->ports));
	if (!in->ports)
		return -ENOMEM;
	for (size_t i = 0; i < INGRESS_MAX_PORTS; i++)
		in->ports[i].fd = in->ports[i].file = in->ports[i].fanout_id = -1;
	return 0;
}

void ingress_exit(struct ingress *in)
{
	for (size_t i = 0; in->ports && i < in->n; i++)
		ingress_port_close(&in->ports[i]);
	free(in->ports);
	memset(in, 0, sizeof(*in));
}

/* Open ports for interfaces cfg uses that have none; undo them all on failure. */
static int open_new_ports(struct ingress *in, const struct mcr_config *cfg, bool *is_new)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		struct ingress_port *p;
		int ret;

		if (port_find(in, cfg->rules[r].in_ifindex))
			continue;
		p = port_slot(in);
		if (!p) {
			log_err("more than %d input interfaces", INGRESS_MAX_PORTS);
			ret = -E2BIG;
		} else {
			p->ifindex = cfg->rules[r].in_ifindex;
			(void)snprintf(p->ifname, sizeof(p->ifname), "%s", cfg->rules[r].in_ifname);
			ret = port_open(p, cfg, in->fanout_base, in->mode,
					in->adopt ? keep_take(in->adopt, p->ifindex) : -1);
			is_new[p - in->ports] = true;
		}
		if (ret < 0) {
			for (size_t i = 0; i < in->n; i++)
				if (is_new[i])
					ingress_port_close(&in->ports[i]);
			return ret;
		}
	}
	return 0;
}

static bool is_used_by(const struct mcr_config *cfg, unsigned int ifindex)
{
	for (size_t r = 0; r < cfg->n_rules; r++)
		if (cfg->rules[r].in_ifindex == ifindex)
			return true;
	return false;
}

/* One input's (interface, group), ordered by interface, family, then group. */
struct if_dest {
	unsigned int ifindex;
	struct mcr_addr group;		/* padding-free: compared as bytes */
};

static int cmp_if_dest(const void *a, const void *b)
{
	const struct if_dest *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return memcmp(&x->group, &y->group, sizeof(x->group));
}

/*
 * Every interface's destinations fit its filter (filter_len_dual(), as the
 * supervisor's limits_check() asks it): checked before anything changes,
 * over one sorted copy of the rules' inputs.  An IPv4 rule may leave its
 * group's family 0.
 */
static int check_filters_fit(const struct mcr_config *cfg)
{
	struct if_dest *d = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*d));
	size_t n4 = 0, n6 = 0;
	int ret = 0;

	if (!d)
		return -ENOMEM;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_addr *g = &cfg->rules[r].in_group;

		d[r].ifindex = cfg->rules[r].in_ifindex;
		d[r].group = addr_ip_is_v6(g) ? *g : addr_ip_v4(g->v4);
	}
	qsort(d, cfg->n_rules, sizeof(*d), cmp_if_dest);
	for (size_t i = 0; i < cfg->n_rules && ret == 0; i++) {
		bool is_last = i + 1 == cfg->n_rules || d[i + 1].ifindex != d[i].ifindex;
		bool is_new = i == 0 || d[i].ifindex != d[i - 1].ifindex ||
			      !addr_ip_equal(&d[i].group, &d[i - 1].group);

		if (is_new && addr_ip_is_v6(&d[i].group))
			n6++;
		else if (is_new)
			n4++;
		if (!is_last)
			continue;
		if (filter_len_dual(n4, n6) < 0) {
			char name[IF_NAMESIZE] = "?";

			(void)if_indextoname(d[i].ifindex, name);
			log_err("%s: %zu IPv4 and %zu IPv6 input groups do not fit one ingress "
				"filter (at most %d and %d); move some rules to another interface",
				name, n4, n6, FILTER_MAX_DESTS, FILTER_MAX_DESTS6);
			ret = -E2BIG;
		}
		n4 = n6 = 0;
	}
	free(d);
	return ret;
}

int ingress_prepare(struct ingress *in, const struct mcr_config *cfg)
{
	bool is_new[INGRESS_MAX_PORTS] = { false };
	int ret = check_filters_fit(cfg);

	if (ret == 0)
		ret = open_new_ports(in, cfg, is_new);
	for (size_t i = 0; ret == 0 && i < in->n; i++)
		if (is_new[i])
			in->ports[i].is_pending = true;
	return ret;
}

void ingress_abort(struct ingress *in)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->ports[i].is_pending)
			ingress_port_close(&in->ports[i]);
}

/*
 * Under --ingress xdp: give each input without an AF_XDP socket one (the
 * first worker to try takes the interface), and bring every program's rule
 * map to cfg.  A port without one, or whose map lags, still relays through
 * its packet socket what the program passes on: nothing is lost either way.
 */
static void sync_xdp(struct ingress *in, const struct mcr_config *cfg)
{
	for (size_t i = 0; i < in->n; i++) {
		struct ingress_port *p = &in->ports[i];
		int ret;

		if (!ingress_port_is_open(p) || p->is_closing)
			continue;
		if (!p->xsk) {
			ret = xsk_port_open(&p->xsk, p->ifindex, p->ifname);
			if (ret == -EBUSY)
				log_debug("%s: another worker (or program) holds its XDP hook; this "
					  "worker receives it through its packet socket",
					  p->ifname);
			if (ret < 0)
				continue;
			log_debug("%s: XDP program attached, AF_XDP socket on queue 0", p->ifname);
		}
		ret = xsk_port_set_rules(p->xsk, cfg, p->ifindex);
		if (ret < 0)
			log_warn_errno(ret, "%s: cannot bring the XDP rule map up to date (at most "
					    "%d rules an input); the packet socket relays what it "
					    "misses, continuing",
				       p->ifname, XDP_RULES_MAX);
	}
}

int ingress_update(struct ingress *in, const struct mcr_config *cfg)
{
	bool is_new[INGRESS_MAX_PORTS] = { false };
	int ret = check_filters_fit(cfg);

	/* Ports a prepared change opened are this update's new ones. */
	for (size_t i = 0; i < in->n; i++) {
		is_new[i] = in->ports[i].is_pending;
		in->ports[i].is_pending = false;
	}
	if (ret == 0)
		ret = open_new_ports(in, cfg, is_new);
	if (ret < 0)
		return ret;
	/*
	 * Joins before filters: a membership too many is harmless while the
	 * filter still admits only the groups in force, so a failed join
	 * refuses the change with the old rules intact.
	 */
	for (size_t i = 0; i < in->n; i++) {
		struct ingress_port *p = &in->ports[i];

		if (!ingress_port_is_open(p) || is_new[i] || p->is_closing)
			continue;
		if (is_used_by(cfg, p->ifindex) && (ret = update_memberships(p, cfg)) < 0) {
			log_err("%s: cannot update the input memberships, refusing the change",
				p->ifname);
			for (size_t j = 0; j < in->n; j++)
				if (is_new[j])
					ingress_port_close(&in->ports[j]);
			return ret;
		}
	}
	for (size_t i = 0; i < in->n; i++) {
		struct ingress_port *p = &in->ports[i];

		if (!ingress_port_is_open(p) || is_new[i] || p->is_closing)
			continue;
		if (!is_used_by(cfg, p->ifindex))
			p->is_closing = true;
		else if (attach_filter(p, cfg) < 0)
			log_warn("%s: the ingress filter keeps the previous groups, continuing",
				 p->ifname);
	}
	if (in->mode == INGRESS_XDP)
		sync_xdp(in, cfg);
	return 0;
}

unsigned int ingress_max_mtu(struct ingress *in, const char **ret_ifname)
{
	unsigned int mtu = 0;

	*ret_ifname = NULL;
	for (size_t i = 0; i < in->n; i++) {
		struct ingress_port *p = &in->ports[i];

		if (!ingress_port_is_open(p) || p->is_closing)
			continue;
		p->mtu = iface_mtu(p);
		if (p->mtu > mtu) {
			mtu = p->mtu;
			*ret_ifname = p->ifname;
		}
	}
	return mtu ? mtu : 1500;
}

void ingress_fit_rings(struct ingress *in)
{
	for (size_t i = 0; i < in->n; i++) {
		struct ingress_port *p = &in->ports[i];
		unsigned int had = p->rx.mtu;
		int ret;

		if (!ingress_port_is_open(p) || !p->rx.map || p->mtu <= had)
			continue;
		ret = rxring_resize(&p->rx, p->fd, p->mtu);
		if (ret < 0)
			log_err_errno(ret, "%s: cannot set the receive ring up again for MTU %u (%s): "
					   "its frames longer than %u bytes are counted as too_big; "
					   "restart mcrd, or use --ingress multishot",
				      p->ifname, p->mtu, p->rx.map ? "kept the old one" : "none left",
				      had);
		else
			log_info("%s: receive ring set up again for MTU %u (was %u)", p->ifname,
				 p->mtu, had);
	}
}

void ingress_collect_drops(struct ingress *in)
{
	for (size_t i = 0; i < in->n; i++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);

		if (ingress_port_is_open(&in->ports[i]) &&
		    getsockopt(in->ports[i].fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			in->ports[i].st.kernel_drops += st.tp_drops;
		/* XDP's early drops: the socket's ring was full. */
		if (in->ports[i].xsk)
			in->ports[i].st.kernel_drops += xsk_port_drops(in->ports[i].xsk);
	}
}
