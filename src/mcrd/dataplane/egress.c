// SPDX-License-Identifier: MIT
/*
 * Egress socket set-up: the choice between l2 and udp per output, the
 * packet socket per l2 interface with the output headers built from the
 * interface's MAC and address, and the UDP sockets.  Sockets stay blocking
 * on purpose: io_uring then parks a send on a full socket buffer with an
 * internal poll instead of failing it with EAGAIN, which is the
 * back-pressure we want.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/util.h"
#include "mcrd/dataplane/egress.h"
#include "mcrd/dataplane/ring.h"

/*
 * PACKET_QDISC_BYPASS hands frames straight to the driver.  It did not pay
 * here: bench/run.sh -d 3 1 4 16 50 (veth, 100-byte payloads, one relay
 * core), total delivered pps, median of three runs: without bypass 364k /
 * 418k / 433k at 1:4 / 1:16 / 1:50, with bypass 349k / 380k / 375k (1:1 is
 * the sender's limit either way).  Bypass would also hide our frames from
 * packet taps (tcpdump on the output interface) and from the qdisc.
 */
#define EGRESS_QDISC_BYPASS 0

/*
 * Ask for the buffer past net.core.wmem_max when we may (CAP_NET_ADMIN),
 * otherwise take what the limit allows.  Returns the effective size, which
 * the kernel reports doubled for its bookkeeping.
 */
static int set_sndbuf(int fd, int want)
{
	socklen_t len = sizeof(int);
	int got = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) < 0)
		return 0;
	return got / 2;
}

static int set_int(int fd, int level, int opt, int val, const char *what, const char *ifname)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) == 0)
		return 0;
	log_err_errno(errno, "output %s: cannot set %s", ifname, what);
	return -errno;
}

/* Names an output in messages: rule, output index, interface. */
struct out_ref {
	const struct mcr_rule *rule;
	size_t index;
	const struct mcr_output *o;
};

/*
 * Send from an address that is not (or not always) the host's:
 * IP_TRANSPARENT lets a socket use any source address; it needs CAP_NET_RAW
 * or CAP_NET_ADMIN.  What the kernel refuses, an l2 output can still do.
 */
static int udp_transparent(int fd, const struct out_ref *ref, const char *what)
{
	bool is_v6 = addr_ip_is_v6(&ref->o->group);
	int one = 1, err;

	if (setsockopt(fd, is_v6 ? SOL_IPV6 : IPPROTO_IP, is_v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT,
		       &one, sizeof(one)) == 0)
		return 0;
	err = errno;
	log_err_errno(err, "rule \"%s\" output %zu (%s): a UDP socket cannot send from %s "
		      "without IP_TRANSPARENT (CAP_NET_RAW); use \"egress\": \"l2\" for this "
		      "output's interface, or \"source\": \"relay\"",
		      ref->rule->name, ref->index, ref->o->ifname, what);
	return -err;
}

/* "source": an address (bound once) or "keep" (per packet, IP_PKTINFO). */
static int udp_source(int fd, const struct out_ref *ref)
{
	const struct mcr_output *o = ref->o;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = o->source.v4 };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = o->source.v6 };
	bool is_v6 = addr_ip_is_v6(&o->group);
	const struct sockaddr *sa = is_v6 ? (const struct sockaddr *)&sin6
					  : (const struct sockaddr *)&sin;
	socklen_t sa_len = is_v6 ? sizeof(sin6) : sizeof(sin);
	char a[ADDR_IP_STR_MAX], what[ADDR_IP_STR_MAX + 32];
	int ret;

	if (o->source_mode == SOURCE_KEEP)
		return udp_transparent(fd, ref, "each packet's received source address");
	if (o->source_mode != SOURCE_ADDR)
		return 0;
	(void)addr_ip_fmt(&o->source, a);
	if (bind(fd, sa, sa_len) == 0)
		return 0;
	if (errno != EADDRNOTAVAIL) {
		ret = -errno;
		log_err_errno(-ret, "rule \"%s\" output %zu (%s): cannot bind to source %s",
			      ref->rule->name, ref->index, o->ifname, a);
		return ret;
	}
	(void)snprintf(what, sizeof(what), "%s (not an address of this host)", a);
	ret = udp_transparent(fd, ref, what);
	if (ret < 0)
		return ret;
	if (bind(fd, sa, sa_len) < 0) {
		ret = -errno;
		log_err_errno(-ret, "rule \"%s\" output %zu (%s): cannot bind to source %s",
			      ref->rule->name, ref->index, o->ifname, a);
		return ret;
	}
	return 0;
}

/* The socket's own TTL, for "ttl": N; the other modes set it per packet. */
static int udp_ttl(int fd, const struct mcr_output *o)
{
	bool is_mc = addr_ip_is_multicast(&o->group);

	if (o->ttl_mode != TTL_SET)
		return 0;
	if (addr_ip_is_v6(&o->group))
		return set_int(fd, IPPROTO_IPV6, is_mc ? IPV6_MULTICAST_HOPS : IPV6_UNICAST_HOPS,
			       o->ttl, is_mc ? "the multicast hop limit" : "the hop limit", o->ifname);
	return set_int(fd, IPPROTO_IP, is_mc ? IP_MULTICAST_TTL : IP_TTL, o->ttl,
		       is_mc ? "the multicast TTL" : "the TTL", o->ifname);
}

/* udp_socket() for an IPv6 output. */
static int udp_socket6(unsigned int ifindex, const char *ifname)
{
	int fd, ret;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err_errno(errno, "output %s: cannot open an IPv6 UDP socket", ifname);
		return -errno;
	}
	ret = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)ifindex, "IPV6_MULTICAST_IF", ifname);
	if (ret == 0)
		ret = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP", ifname);
	/*
	 * IPv6 routers never fragment: one too big for the link fails
	 * (EMSGSIZE) and is counted, as on egress l2.
	 */
	if (ret == 0)
		ret = set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO,
			      "IPV6_MTU_DISCOVER", ifname);
	if (ret == 0)
		ret = set_int(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1, "IPV6_DONTFRAG", ifname);
	if (ret < 0)
		(void)close(fd);
	return ret < 0 ? ret : fd;
}

/* A UDP socket sending multicast out of ifindex, not looped back. */
static int udp_socket(unsigned int ifindex, const char *ifname)
{
	struct ip_mreqn mreq = { .imr_ifindex = (int)ifindex };
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err_errno(errno, "output %s: cannot open a UDP socket", ifname);
		return -errno;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0) {
		ret = -errno;
		log_err_errno(errno, "output %s: cannot set IP_MULTICAST_IF", ifname);
		goto out_close;
	}
	ret = set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP", ifname);
	if (ret < 0)
		goto out_close;
	return fd;

out_close:
	(void)close(fd);
	return ret;
}

static int udp_open(const struct out_ref *ref, int sndbuf, const struct egress_out *eo,
		    int *ret_sndbuf)
{
	const struct mcr_output *o = ref->o;
	char g[ADDR_IP_STR_MAX];
	int fd, ret;

	/* Unicast sends ignore IP_MULTICAST_IF: the routing table decides. */
	fd = eo->is_v6 ? udp_socket6(o->ifindex, o->ifname) : udp_socket(o->ifindex, o->ifname);
	if (fd < 0)
		return fd;
	ret = udp_ttl(fd, o);
	/*
	 * It sends the packets that came with DF: always with DF, as a router
	 * forwards them, and one too big for the link fails (EMSGSIZE) and is
	 * counted, as on egress l2.
	 */
	if (ret == 0 && !eo->is_v6)
		ret = set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, "IP_MTU_DISCOVER",
			      o->ifname);
	if (ret == 0)
		ret = udp_source(fd, ref);
	if (ret < 0)
		goto out_close;
	*ret_sndbuf = set_sndbuf(fd, sndbuf);

	if (o->port && connect(fd, (const struct sockaddr *)&eo->dst6,
			       eo->is_v6 ? sizeof(eo->dst6) : sizeof(eo->dst)) < 0) {
		ret = -errno;
		log_err_errno(errno, "output %s: cannot connect to %s", o->ifname,
			      addr_ip_fmt_port(&o->group, o->port, g));
		goto out_close;
	}
	return fd;

out_close:
	(void)close(fd);
	return ret;
}

void egress_ring_put(struct txring *tx)
{
	if (tx && --tx->refs == 0) {
		txring_exit(tx);
		free(tx);
	}
}

static uint16_t l2_max_payload(unsigned int mtu, unsigned int ip_len);

/*
 * A TX ring on fd whose slots hold the largest frame the interface's MTU
 * lets out (at least a 1500-byte MTU's, at most what a receive buffer
 * holds): jumbo frames need jumbo slots, other interfaces keep small rings.
 */
static int l2_ring(struct egress_iface *li, int fd, const struct egress *eg)
{
	unsigned int mtu = li->mtu < 1500 ? 1500 : li->mtu > RING_MAX_MTU ? RING_MAX_MTU : li->mtu;
	int ret;

	li->tx = malloc(sizeof(*li->tx));
	if (!li->tx)
		return -ENOMEM;
	ret = txring_init(li->tx, fd, FRAME_SEND_LEN + l2_max_payload(mtu, FRAME_IP_LEN), eg->ring_frames,
			  eg->kick_batch);
	if (ret < 0) {
		log_err_errno(ret, "output %s: cannot set up a TX ring of %u frames", li->ifname,
			      eg->ring_frames);
		free(li->tx);
		li->tx = NULL;
	}
	return ret;
}

/*
 * A packet socket that only sends: protocol 0 registers no receive hook,
 * and binding fixes the device, so sends need no address.  With
 * PACKET_VNET_HDR every frame carries a virtio-net header (see frame.h);
 * it must be set before the TX ring.
 */
static int l2_open(struct egress_iface *li, const struct egress *eg, int sndbuf,
		   int *ret_sndbuf)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = 0,
		.sll_ifindex = (int)li->ifindex,
	};
	int fd, ret;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err_errno(errno, "output %s: cannot open a packet socket", li->ifname);
		return -errno;
	}
	ret = set_int(fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR", li->ifname);
	if (ret < 0)
		goto out_close;
	if (EGRESS_QDISC_BYPASS) {
		ret = set_int(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS",
			      li->ifname);
		if (ret < 0)
			goto out_close;
	}
	*ret_sndbuf = set_sndbuf(fd, sndbuf);
	ret = l2_ring(li, fd, eg);
	if (ret < 0)
		goto out_close;
	if (bind(fd, (const struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ret = -errno;
		log_err_errno(errno, "output %s: cannot bind a packet socket", li->ifname);
		goto out_ring;
	}
	return fd;

out_ring:
	egress_ring_put(li->tx);
	li->tx = NULL;
out_close:
	(void)close(fd);
	return ret;
}

/*
 * Learn what an l2 interface's frames need: is it Ethernet, its MAC, its
 * primary IPv4 address.  ioctl_fd is any AF_INET socket.  known is what the
 * previous generation found (or NULL): what it logged is not logged again.
 */
static int l2_iface_query(struct egress_iface *li, int ioctl_fd,
			  const struct egress_iface *known)
{
	struct ifreq ifr;
	char a[ADDR_STR_MAX];

	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", li->ifname);
	if (ioctl(ioctl_fd, SIOCGIFHWADDR, &ifr) < 0) {
		log_err_errno(errno, "output %s: cannot read the interface's hardware address",
			      li->ifname);
		return -errno;
	}
	li->is_ether = ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
	if (!li->is_ether) {
		if (!known || known->is_ether)
			log_info("output %s: not an Ethernet interface, its outputs send through "
				 "UDP sockets",
				 li->ifname);
		return 0;
	}
	memcpy(li->mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);

	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", li->ifname);
	if (ioctl(ioctl_fd, SIOCGIFMTU, &ifr) < 0) {
		log_err_errno(errno, "output %s: cannot read the interface's MTU", li->ifname);
		return -errno;
	}
	li->mtu = (unsigned int)ifr.ifr_mtu;

	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", li->ifname);
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(ioctl_fd, SIOCGIFADDR, &ifr) == 0) {
		struct sockaddr_in sin;

		memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
		li->addr = sin.sin_addr;
	} else if (errno == EADDRNOTAVAIL) {
		/* config_resolve() refused outputs that need it: it went since. */
		li->addr.s_addr = INADDR_ANY;
		if (!known || !known->is_ether || known->addr.s_addr != INADDR_ANY)
			log_warn("output %s: the interface has no IPv4 address, frames of "
				 "outputs with \"source\": \"relay\" keep their received source",
				 li->ifname);
	} else {
		log_err_errno(errno, "output %s: cannot read the interface's IPv4 address",
			      li->ifname);
		return -errno;
	}
	log_debug("output %s: l2 frames from %s", li->ifname, addr_fmt(li->addr, a));
	return 0;
}

static struct egress_iface *iface_find(const struct egress *eg, unsigned int ifindex)
{
	for (size_t i = 0; eg && i < eg->n_ifaces; i++)
		if (eg->ifaces[i].ifindex == ifindex)
			return &eg->ifaces[i];
	return NULL;
}

/*
 * The packet socket for an interface: the previous generation's, shared,
 * when it had one.  Closing a packet socket waits for an RCU grace period
 * (synchronize_net() in packet_release()), tens of milliseconds on a busy
 * machine, and a generation is freed inside the worker loop; sharing makes
 * that close drop a reference only.
 */
static int l2_socket(struct egress_iface *li, const struct egress *eg, const struct egress *prev,
		     const struct egress_iface *known, int sndbuf, int *ret_sndbuf)
{
	int fd;

	if (!known || !known->is_ether)
		return l2_open(li, eg, sndbuf, ret_sndbuf);
	fd = fcntl(prev->fds[known->file], F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		log_err_errno(errno, "output %s: cannot share the packet socket", li->ifname);
		return -errno;
	}
	li->tx = known->tx;
	li->tx->refs++;
	*ret_sndbuf = set_sndbuf(fd, sndbuf);
	return fd;
}

/* The l2 interface for o's ifindex, set up on first use. */
static int l2_iface_get(struct egress *eg, const struct egress *prev, const struct mcr_output *o,
			int ioctl_fd, int sndbuf, const struct egress_iface **ret)
{
	const struct egress_iface *known;
	struct egress_iface *li;
	int fd, got = 0, err;

	li = iface_find(eg, o->ifindex);
	if (li) {
		*ret = li;
		return 0;
	}
	known = iface_find(prev, o->ifindex);
	li = &eg->ifaces[eg->n_ifaces];
	memset(li, 0, sizeof(*li));
	li->ifindex = o->ifindex;
	li->ifname = o->ifname;
	err = l2_iface_query(li, ioctl_fd, known);
	if (err < 0)
		return err;
	if (li->is_ether) {
		fd = l2_socket(li, eg, prev, known, sndbuf, &got);
		if (fd < 0)
			return fd;
		li->file = (unsigned int)eg->n_fds;
		eg->borrowed[eg->n_fds] = -1;
		eg->fds[eg->n_fds++] = fd;
		if (got < eg->sndbuf_min)
			eg->sndbuf_min = got;
	}
	eg->n_ifaces++;
	*ret = li;
	return 0;
}

/*
 * Where the outputs' IPv4 id counters start.  Random, so that the workers
 * of a daemon (each with its own counters, sending the same output's flows)
 * and a restarted daemon do not step through the same ids in lockstep:
 * frames that came without don't-fragment leave without it, and whoever
 * fragments them on the way reassembles by id.
 */
static uint16_t ip_id_seed(void)
{
	uint16_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint16_t)(now_ns() ^ (uint64_t)getpid());
	return seed;
}

static uint16_t l2_max_payload(unsigned int mtu, unsigned int ip_len)
{
	unsigned int room = mtu > ip_len + FRAME_UDP_LEN ? mtu - ip_len - FRAME_UDP_LEN : 0;

	return room > UINT16_MAX ? UINT16_MAX : (uint16_t)room;
}

static bool wants_l2(enum egress_mode mode, const struct mcr_output *o)
{
	return mode != EGRESS_UDP && addr_ip_is_multicast(&o->group);
}

/*
 * The socket that sends ref's packets that came without DF: one per output
 * interface, shared by its udp outputs, never setting DF, sending to the
 * address and from the source each packet names.  IP_TRANSPARENT, when an
 * output needs it, was granted on the output's own socket already.
 */
static int udp_nodf_get(struct egress *eg, const struct out_ref *ref, int sndbuf,
			unsigned int *ret_file)
{
	const struct mcr_output *o = ref->o;
	int fd, got = 0, ret;

	for (size_t i = 0; i < eg->n_nodf; i++) {
		if (eg->nodf_ifindex[i] == o->ifindex) {
			*ret_file = eg->nodf_file[i];
			return o->source_mode == SOURCE_RELAY ?
				       0 :
				       udp_transparent(eg->fds[*ret_file], ref, "a given address");
		}
	}
	fd = udp_socket(o->ifindex, o->ifname);
	if (fd < 0)
		return fd;
	ret = set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, "IP_MTU_DISCOVER",
		      o->ifname);
	if (ret == 0 && o->source_mode != SOURCE_RELAY)
		ret = udp_transparent(fd, ref, "a given address");
	if (ret < 0) {
		(void)close(fd);
		return ret;
	}
	got = set_sndbuf(fd, sndbuf);
	if (got < eg->sndbuf_min)
		eg->sndbuf_min = got;
	eg->nodf_ifindex[eg->n_nodf] = o->ifindex;
	eg->nodf_file[eg->n_nodf++] = (unsigned int)eg->n_fds;
	*ret_file = (unsigned int)eg->n_fds;
	eg->borrowed[eg->n_fds] = -1;
	eg->fds[eg->n_fds++] = fd;
	return 0;
}

/* The source address of an l2 output's frames; INADDR_ANY keeps each packet's. */
static struct in_addr l2_source(const struct mcr_output *o, const struct egress_iface *li)
{
	struct in_addr any = { .s_addr = htonl(INADDR_ANY) };

	switch (o->source_mode) {
	case SOURCE_ADDR:
		return o->source.v4;
	case SOURCE_KEEP:
		return any;
	case SOURCE_RELAY:
	case SOURCE_MODE_MAX:
		break;
	}
	return li->addr;
}

/*
 * The first global IPv6 address of li's interface, or :: when it has none
 * (then each frame keeps its received source, as an IPv4 output on an
 * interface without an IPv4 address does).  Looked up once per interface
 * and generation, and only for IPv6 outputs.
 */
static struct in6_addr iface_addr6(struct egress_iface *li)
{
	struct ifaddrs *all, *a;

	if (li->is_addr6_known)
		return li->addr6;
	li->is_addr6_known = true;
	if (getifaddrs(&all) < 0) {
		log_warn_errno(errno, "output %s: cannot read the interface's IPv6 addresses, frames "
			       "of outputs with \"source\": \"relay\" keep their received source",
			       li->ifname);
		return li->addr6;
	}
	for (a = all; a; a = a->ifa_next) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(void *)a->ifa_addr;

		if (!sin6 || sin6->sin6_family != AF_INET6 || strcmp(a->ifa_name, li->ifname) != 0 ||
		    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
			continue;
		li->addr6 = sin6->sin6_addr;
		break;
	}
	freeifaddrs(all);
	if (IN6_IS_ADDR_UNSPECIFIED(&li->addr6))
		log_warn("output %s: the interface has no global IPv6 address, frames of IPv6 "
			 "outputs with \"source\": \"relay\" keep their received source",
			 li->ifname);
	return li->addr6;
}

/* The IPv6 source of an l2 output's frames; :: keeps each packet's. */
static struct in6_addr l2_source6(const struct mcr_output *o, struct egress *eg,
				  const struct egress_iface *li)
{
	switch (o->source_mode) {
	case SOURCE_ADDR:
		return o->source.v6;
	case SOURCE_KEEP:
		return in6addr_any;
	case SOURCE_RELAY:
	case SOURCE_MODE_MAX:
		break;
	}
	/* li is eg's own: l2_iface_get() hands it out const. */
	return iface_addr6(&eg->ifaces[li - eg->ifaces]);
}

/*
 * The index in prev->fds of a socket prev set up alike (see udpreuse.h),
 * or -1: then the caller opens one.  The socket is borrowed, not
 * duplicated: it stays prev's to close until egress_take_over() hands it
 * over, so a change costs no system call for an output it did not change.
 * *ret_sndbuf gets prev's smallest buffer.
 */
static int udp_borrow(struct egress *eg, const struct egress *prev, const struct udp_key *k,
		      int *ret_sndbuf)
{
	int from = eg->reuse ? udp_reuse_take(eg->reuse, k) : -1;

	if (from >= 0)
		*ret_sndbuf = prev->sndbuf_min;
	return from;
}

/* Set up output k (ref): a frame template on its interface's packet socket, or a UDP socket. */
static int output_init(struct egress *eg, const struct egress *prev, size_t k,
		       const struct out_ref *ref, const struct mcr_config *cfg, int ioctl_fd,
		       uint16_t id_seed)
{
	const struct mcr_output *o = ref->o;
	struct egress_out *eo = &eg->outs[k];
	int fd, from, got = 0;

	eo->is_v6 = addr_ip_is_v6(&o->group);
	if (eo->is_v6) {
		eo->dst6.sin6_family = AF_INET6;
		eo->dst6.sin6_addr = o->group.v6;
		eo->dst6.sin6_port = htons(o->port);
		/* A link-scope group names its link. */
		if (IN6_IS_ADDR_MC_LINKLOCAL(&o->group.v6))
			eo->dst6.sin6_scope_id = o->ifindex;
	} else {
		eo->dst.sin_family = AF_INET;
		eo->dst.sin_addr = o->group.v4;
		eo->dst.sin_port = htons(o->port);
	}
	eo->ttl_mode = (uint8_t)o->ttl_mode;
	eo->ttl = o->ttl;
	if (wants_l2(cfg->egress, o)) {
		const struct egress_iface *li = NULL;
		uint8_t dst_mac[ETH_ALEN];
		int ret = l2_iface_get(eg, prev, o, ioctl_fd, cfg->so_sndbuf, &li);

		if (ret < 0)
			return ret;
		if (li->is_ether) {
			bool is_v6 = addr_ip_is_v6(&o->group);
			unsigned int hdr = is_v6 ? FRAME6_SEND_LEN : FRAME_SEND_LEN;

			if (is_v6) {
				struct in6_addr src = l2_source6(o, eg, li);

				frame6_multicast_mac(&o->group.v6, dst_mac);
				frame6_tmpl_init(&eo->tmpl6, dst_mac, li->mac, &src, &o->group.v6,
						 o->port);
			} else {
				addr_multicast_mac(o->group.v4, dst_mac);
				frame_tmpl_init(&eo->tmpl, dst_mac, li->mac, l2_source(o, li),
						o->group.v4, o->port);
			}
			eo->file = li->file;
			eo->tx = li->tx;
			/* The kernel does not check a TX ring frame against the MTU. */
			eo->max_payload = l2_max_payload(li->mtu, is_v6 ? FRAME6_IP_LEN : FRAME_IP_LEN);
			/* Nor may a frame outgrow its slot (the MTU may have grown since). */
			if (eo->max_payload > txring_frame_capacity(li->tx) - hdr)
				eo->max_payload = (uint16_t)(txring_frame_capacity(li->tx) - hdr);
			/* An odd multiplier spreads the outputs over the id space. */
			eo->ip_id = (uint16_t)(id_seed + k * 40503u);
			eo->is_l2 = true;
			eg->n_l2++;
			return 0;
		}
	}
	eo->is_keep_source = o->source_mode == SOURCE_KEEP;
	if (o->source_mode == SOURCE_ADDR)
		eo->source = o->source.v4;
	eg->keys[k] = udp_key_make(o, cfg->so_sndbuf);
	from = udp_borrow(eg, prev, &eg->keys[k], &got);
	fd = from >= 0 ? prev->fds[from] : udp_open(ref, cfg->so_sndbuf, eo, &got);
	if (fd < 0)
		return fd;
	eo->file = (unsigned int)eg->n_fds;
	eg->borrowed[eg->n_fds] = from;
	eg->fds[eg->n_fds++] = fd;
	if (got < eg->sndbuf_min)
		eg->sndbuf_min = got;
	/* IPv6 has no DF bit: every datagram goes through the output's own socket. */
	if (eo->is_v6) {
		eo->file_nodf = eo->file;
		return 0;
	}
	return udp_nodf_get(eg, ref, cfg->so_sndbuf, &eo->file_nodf);
}

/*
 * Keep prev's packet sockets that these rules do not use, for a later
 * generation that does: rules that come and go on an interface would
 * otherwise close (and wait for) its socket every time.  An interface that
 * is gone lets its socket go.
 */
static int carry_ifaces(struct egress *eg, const struct egress *prev)
{
	char name[IF_NAMESIZE];

	for (size_t i = 0; prev && i < prev->n_ifaces; i++) {
		const struct egress_iface *pi = &prev->ifaces[i];
		struct egress_iface *li;
		int fd;

		if (!pi->is_ether || iface_find(eg, pi->ifindex) ||
		    !if_indextoname(pi->ifindex, name))
			continue;
		fd = fcntl(prev->fds[pi->file], F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			log_err_errno(errno, "cannot keep a packet socket for the next rules");
			return -errno;
		}
		li = &eg->ifaces[eg->n_ifaces++];
		*li = *pi;
		li->ifname = NULL;
		li->tx->refs++;
		li->file = (unsigned int)eg->n_fds;
		eg->borrowed[eg->n_fds] = -1;
		eg->fds[eg->n_fds++] = fd;
	}
	return 0;
}

/* Slots per ring: the budget shared out among the interfaces l2 outputs may use. */
static unsigned int ring_frames(const struct mcr_config *cfg)
{
	size_t n_ifaces = 0, frame = FRAME_SEND_LEN + RING_BUF_SIZE + 32, per;

	for (size_t r = 0; r < cfg->n_rules; r++) {
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++) {
			const struct mcr_output *out = &cfg->rules[r].outputs[o];
			bool seen = false;

			if (!wants_l2(cfg->egress, out))
				continue;
			/* Quadratic, but only in outputs per interface seen so far: set-up time. */
			for (size_t q = 0; q < r && !seen; q++)
				for (size_t k = 0; k < cfg->rules[q].n_outputs && !seen; k++)
					seen = cfg->rules[q].outputs[k].ifindex == out->ifindex;
			for (size_t k = 0; k < o && !seen; k++)
				seen = cfg->rules[r].outputs[k].ifindex == out->ifindex;
			n_ifaces += !seen;
		}
	}
	per = EGRESS_RING_BUDGET / frame / (n_ifaces ? n_ifaces : 1);
	return per < EGRESS_RING_FRAMES ? (unsigned int)per : EGRESS_RING_FRAMES;
}

/* Index prev's udp outputs' sockets (their places in prev->fds) by what they were set up with. */
static int reuse_index(struct egress *eg, const struct egress *prev)
{
	int *fds = malloc((prev->n ? prev->n : 1) * sizeof(*fds));
	int ret;

	if (!fds)
		return -ENOMEM;
	for (size_t k = 0; k < prev->n; k++)
		fds[k] = prev->outs[k].is_l2 ? -1 : (int)prev->outs[k].file;
	ret = udp_reuse_new(prev->keys, fds, prev->n, &eg->reuse);
	free(fds);
	return ret;
}

int egress_init(struct egress *eg, const struct mcr_config *cfg)
{
	return egress_init_from(eg, cfg, NULL);
}

int egress_init_from(struct egress *eg, const struct mcr_config *cfg, const struct egress *prev)
{
	size_t n = 0, n_max, n_unicast = 0, k = 0;
	uint16_t id_seed = ip_id_seed();
	int ioctl_fd, ret = 0;

	memset(eg, 0, sizeof(*eg));
	for (size_t r = 0; r < cfg->n_rules; r++)
		n += cfg->rules[r].n_outputs;
	/*
	 * An output adds at most two sockets (its own and its interface's
	 * no-DF one, or its interface's packet socket) and one interface;
	 * prev's interfaces may come on top.
	 */
	n_max = n + (prev ? prev->n_ifaces : 0);
	eg->outs = calloc(n ? n : 1, sizeof(*eg->outs));
	eg->fds = malloc((n_max + n + 1) * sizeof(*eg->fds));
	eg->ifaces = malloc((n_max ? n_max : 1) * sizeof(*eg->ifaces));
	eg->nodf_ifindex = malloc((n ? n : 1) * sizeof(*eg->nodf_ifindex));
	eg->nodf_file = malloc((n ? n : 1) * sizeof(*eg->nodf_file));
	eg->keys = calloc(n ? n : 1, sizeof(*eg->keys));
	eg->borrowed = malloc((n_max + n + 1) * sizeof(*eg->borrowed));
	eg->is_given = calloc(n_max + n + 1, sizeof(*eg->is_given));
	if (!eg->outs || !eg->fds || !eg->ifaces || !eg->nodf_ifindex || !eg->nodf_file ||
	    !eg->keys || !eg->borrowed || !eg->is_given || (prev && reuse_index(eg, prev) < 0)) {
		egress_exit(eg);
		return -ENOMEM;
	}
	eg->n = n;
	eg->sndbuf_min = cfg->so_sndbuf;
	eg->kick_batch = cfg->send_batch;
	eg->ring_frames = ring_frames(cfg);
	ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ioctl_fd < 0) {
		ret = -errno;
		log_err_errno(errno, "cannot open a socket to query interfaces");
		egress_exit(eg);
		return ret;
	}
	for (size_t r = 0; r < cfg->n_rules && ret == 0; r++) {
		for (size_t o = 0; o < cfg->rules[r].n_outputs && ret == 0; o++, k++) {
			const struct out_ref ref = { &cfg->rules[r], o, &cfg->rules[r].outputs[o] };

			if (cfg->egress == EGRESS_L2 && !addr_ip_is_multicast(&ref.o->group))
				n_unicast++;
			ret = output_init(eg, prev, k, &ref, cfg, ioctl_fd, id_seed);
		}
	}
	(void)close(ioctl_fd);
	udp_reuse_free(eg->reuse);
	eg->reuse = NULL;
	if (ret == 0)
		ret = carry_ifaces(eg, prev);
	if (ret < 0) {
		egress_exit(eg);
		return ret;
	}

	if (n_unicast)
		log_info("egress l2: %zu unicast outputs send through UDP sockets (they need the "
			 "kernel's routing and neighbour resolution)",
			 n_unicast);
	log_debug("egress: %zu outputs send frames on packet sockets (l2), %zu through UDP sockets",
		  eg->n_l2, eg->n - eg->n_l2);
	if (eg->sndbuf_min < cfg->so_sndbuf)
		log_warn("egress send buffer is %d bytes, not the %d configured: "
			 "net.core.wmem_max caps it; run scripts/setup_kernel_tuning.sh "
			 "or give mcrd CAP_NET_ADMIN",
			 eg->sndbuf_min, cfg->so_sndbuf);
	return 0;
}

void egress_take_over(struct egress *eg, struct egress *prev)
{
	for (size_t i = 0; i < eg->n_fds; i++) {
		if (eg->borrowed[i] < 0)
			continue;
		prev->is_given[eg->borrowed[i]] = true;
		eg->borrowed[i] = -1;
	}
}

void egress_exit(struct egress *eg)
{
	for (size_t i = 0; i < eg->n_ifaces; i++)
		egress_ring_put(eg->ifaces[i].tx);
	for (size_t i = 0; i < eg->n_fds; i++)
		if (eg->borrowed[i] < 0 && !eg->is_given[i])
			(void)close(eg->fds[i]);
	free(eg->fds);
	free(eg->borrowed);
	free(eg->is_given);
	free(eg->outs);
	free(eg->ifaces);
	free(eg->nodf_ifindex);
	free(eg->nodf_file);
	free(eg->keys);
	udp_reuse_free(eg->reuse);
	memset(eg, 0, sizeof(*eg));
}
