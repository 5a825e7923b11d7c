// SPDX-License-Identifier: MIT
/*
 * Opening and using the querier's sockets.  Every call's result is
 * checked; the caller logs with the interface's name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcrd/membership/igmp_sock.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int fail_close(int fd)
{
	int err = -errno;

	(void)close(fd);
	return err;
}

int igmp_sock_open_rx(unsigned int ifindex)
{
	/* SOCK_DGRAM: offsets from the IPv4 header.  ip[9] == IPPROTO_IGMP, else drop. */
	static struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_IGMP, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog fprog = { .len = sizeof(prog) / sizeof(prog[0]), .filter = prog };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = (int)ifindex,
	};
	struct packet_mreq mr = { .mr_ifindex = (int)ifindex, .mr_type = PACKET_MR_ALLMULTI };
	int one = 1;
	/* Protocol 0 until the filter is on: nothing queues before it. */
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		return fail_close(fd);
	/* Linux 4.20; without it our own queries come back and are ignored by address. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	return fd;
}

int igmp_sock_open_tx(unsigned int ifindex)
{
	/* The router alert option (RFC 2113) IGMPv3 messages carry. */
	static const uint8_t ra[4] = { IPOPT_RA, 4, 0, 0 };
	static struct sock_filter drop_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog fprog = { .len = 1, .filter = drop_all };
	struct ip_mreqn mreq = { .imr_ifindex = (int)ifindex };
	unsigned char ttl = 1, loop = 0;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_IGMP);

	if (fd < 0)
		return -errno;
	/* A raw IGMP socket gets a copy of every IGMP packet the host takes in: none wanted. */
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_OPTIONS, ra, sizeof(ra)) < 0)
		return fail_close(fd);
	return fd;
}

int igmp_sock_send(int tx_fd, struct in_addr dst, const uint8_t *msg, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = dst };
	ssize_t n = sendto(tx_fd, msg, len, 0, (struct sockaddr *)&sin, sizeof(sin));

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

int igmp_sock_ifaddr(int fd, const char *ifname, struct in_addr *ret)
{
	struct ifreq ifr = { 0 };

	ret->s_addr = htonl(INADDR_ANY);
	if (snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname) >= (int)sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(fd, SIOCGIFADDR, &ifr) < 0)
		return errno == EADDRNOTAVAIL ? 0 : -errno;
	memcpy(ret, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, sizeof(*ret));
	return 0;
}
