/* SPDX-License-Identifier: MIT */
/*
 * The socket of one interface's MLD querier and listener: one AF_PACKET
 * socket (SOCK_DGRAM, IPv6) both ways.  Receiving: a filter that passes
 * MLD messages only (ICMPv6 types 130-132 and 143, directly or after a
 * hop-by-hop header), the interface in allmulti while it is open, our own
 * packets not looped back.  A raw ICMPv6 socket would not do: the IPv6
 * stack delivers a packet to a multicast address only when the host has
 * joined it (or runs the kernel's multicast routing), and an MLDv1 report
 * is sent to the group it reports.  Sending: the whole IPv6 packet
 * mld_encode_query() builds, to the group's Ethernet address (RFC 2464 7),
 * so the source is our link-local address and the router alert is there
 * whatever the stack's socket options.
 */
#ifndef MCR_MLD_SOCK_H
#define MCR_MLD_SOCK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Non-blocking, close-on-exec; fd or -errno. */
int mld_sock_open(unsigned int ifindex);

/* Send the IPv6 packet pkt[0..len) to the IPv6 multicast address dst on ifindex; 0 or -errno. */
int mld_sock_send(int fd, unsigned int ifindex, const struct in6_addr *dst, const uint8_t *pkt,
		  size_t len);

#endif
