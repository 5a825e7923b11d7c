/* SPDX-License-Identifier: MIT */
/*
 * What the packet-ring unit tests (test_txring, test_rxring) share: a
 * private network namespace with lo up, entered once from main(), so that
 * real frames can be sent and received without reaching the host's
 * interfaces; packet sockets bound to that lo; the head of the test frames
 * sent on it; and a count of socket mappings to show a ring was unmapped.
 * The helpers that check things fail the running cmocka case themselves.
 */
#ifndef MCR_NETNS_HELPERS_H
#define MCR_NETNS_HELPERS_H

#include <linux/if_ether.h>
#include <stddef.h>
#include <stdint.h>

/* IEEE 802 local experimental ethertype: no protocol stack in the namespace takes or sends it. */
#define ETH_P_TEST	0x88B5
/* The part of a test frame put_test_header() writes: Ethernet header, then the sequence number. */
#define TEST_HDR_LEN	(ETH_HLEN + sizeof(uint32_t))

/**
 * netns_init() - enter a private network namespace for a test program
 * @suite: the test group's name, for the message when the cases are skipped
 *
 * Called from main() before the cases run.  Without the privilege to create
 * a namespace (not root) the program still runs, and need_netns() turns the
 * cases that send or receive into skips; any other failure is reported.
 *
 * Returns 0 when the cases may run (in the namespace or as skips), or -1
 * when setting up failed and main() should exit with 1.
 */
int netns_init(const char *suite);

/**
 * need_netns() - skip the running case unless netns_init() got a namespace
 *
 * Call it first in each case: without a namespace of our own, nothing may be
 * sent, since it would go out on the host's interfaces.
 */
void need_netns(void);

/**
 * bind_to_lo() - bind a packet socket to the namespace's lo
 * @fd: an AF_PACKET socket
 * @protocol: the ethertype to receive, in host order (0: receive nothing)
 *
 * Fails the running case if lo is missing or the bind is refused.
 */
void bind_to_lo(int fd, uint16_t protocol);

/**
 * put_test_header() - write the head of test frame @seq
 * @eth: the frame, at least TEST_HDR_LEN bytes
 * @seq: the frame's number, stored big-endian right after the Ethernet header
 *
 * All test frames go to one multicast MAC from one local source with
 * ETH_P_TEST, so that they show as multicast and nothing else claims them.
 * The caller fills the rest of the payload, from TEST_HDR_LEN on.
 */
void put_test_header(uint8_t *eth, uint32_t seq);

/**
 * count_socket_maps() - count this process's mappings of socket files
 *
 * A ring mmap()ed from a packet socket is such a mapping, so comparing counts
 * shows whether a ring was unmapped.  Fails the running case if
 * /proc/self/maps cannot be read.
 *
 * Returns the number of mappings.
 */
unsigned int count_socket_maps(void);

#endif
