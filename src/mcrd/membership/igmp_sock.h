/* SPDX-License-Identifier: MIT */
/*
 * The sockets of one interface's querier.  Receiving: an AF_PACKET socket
 * bound to the interface with a filter that passes IPv4 IGMP only, the
 * interface in allmulti while it is open, our own packets ignored: the IP
 * stack would deliver a v2 report for a group this host has not joined to
 * no socket at all.  Sending: a raw IGMP socket that sends on the
 * interface with TTL 1 and the router alert option, and reads nothing.
 */
#ifndef MCR_IGMP_SOCK_H
#define MCR_IGMP_SOCK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Non-blocking, close-on-exec; fd or -errno. */
int igmp_sock_open_rx(unsigned int ifindex);
int igmp_sock_open_tx(unsigned int ifindex);

/* Send the IGMP message msg[0..len) to dst; 0 or -errno. */
int igmp_sock_send(int tx_fd, struct in_addr dst, const uint8_t *msg, size_t len);

/* The interface's primary IPv4 address (INADDR_ANY when it has none); 0 or -errno. */
int igmp_sock_ifaddr(int fd, const char *ifname, struct in_addr *ret);

#endif
