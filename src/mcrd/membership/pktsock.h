/* SPDX-License-Identifier: MIT */
/*
 * The receiving socket IGMP and MLD share (igmp_sock.c, mld_sock.c): an
 * AF_PACKET socket (SOCK_DGRAM: data from the network header on) on one
 * interface, its filter attached before it is bound so that nothing
 * unfiltered queues, the interface in allmulti while it is open (reports
 * go to groups this host has not joined), and our own packets not looped
 * back.  Every call's result is checked; the caller logs.
 */
#ifndef MCR_PKTSOCK_H
#define MCR_PKTSOCK_H

#include <linux/filter.h>
#include <stdint.h>

/* Non-blocking, close-on-exec, for ethertype (host order); fd or -errno. */
int pktsock_open(unsigned int ifindex, uint16_t ethertype, const struct sock_fprog *filter);

/* Close fd after a call on it failed; returns that call's -errno. */
int pktsock_close_err(int fd);

#endif
