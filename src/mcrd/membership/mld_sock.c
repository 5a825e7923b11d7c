// SPDX-License-Identifier: MIT
/*
 * Opening and using the MLD socket.  Every call's result is checked; the
 * caller logs with the interface's name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "common/util.h"
#include "mcrd/membership/mld_sock.h"
#include "mcrd/membership/mld_wire.h"
#include "mcrd/membership/pktsock.h"

int mld_sock_open(unsigned int ifindex)
{
	/*
	 * SOCK_DGRAM: offsets from the IPv6 header.  ICMPv6 right after it, or
	 * after a hop-by-hop header of (ip6[41] + 1) * 8 bytes; then the type.
	 */
	static struct sock_filter prog[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 2),
		/* 2 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40),
		/* 3 */ BPF_STMT(BPF_JMP | BPF_JA, 8),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 11),
		/* 5 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 9),
		/* 7 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 41),
		/* 8 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
		/* 9 */ BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 3),
		/* 10 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
		/* 11 */ BPF_STMT(BPF_LD | BPF_B | BPF_IND, 40),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MLD_TYPE_QUERY, 4, 0),
		/* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MLD_TYPE_V1_REPORT, 3, 0),
		/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MLD_TYPE_V1_DONE, 2, 0),
		/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MLD_TYPE_V2_REPORT, 1, 0),
		/* 16 */ BPF_STMT(BPF_RET | BPF_K, 0),
		/* 17 */ BPF_STMT(BPF_RET | BPF_K, 0xffff),
	};
	struct sock_fprog fprog = { .len = ARRAY_SIZE(prog), .filter = prog };

	return pktsock_open(ifindex, ETH_P_IPV6, &fprog);
}

int mld_sock_send(int fd, unsigned int ifindex, const struct in6_addr *dst, const uint8_t *pkt,
		  size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IPV6),
		.sll_ifindex = (int)ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0x33, 0x33, dst->s6_addr[12], dst->s6_addr[13], dst->s6_addr[14],
			      dst->s6_addr[15] },
	};
	ssize_t n = sendto(fd, pkt, len, 0, (struct sockaddr *)&sll, sizeof(sll));

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}
