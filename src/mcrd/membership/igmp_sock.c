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

#include "mcrd/membership/igmp_sock.h"
#include "mcrd/membership/pktsock.h"

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

	return pktsock_open(ifindex, ETH_P_IP, &fprog);
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
		return pktsock_close_err(fd);
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
