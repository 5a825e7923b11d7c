/* SPDX-License-Identifier: MIT */
/*
 * The classic BPF program attached to each ingress AF_PACKET socket, so that
 * only IPv4 UDP frames to a configured group (or unicast destination) are
 * copied to userspace; everything else stays in the kernel.
 */
#ifndef MCR_FILTER_H
#define MCR_FILTER_H

#include <linux/filter.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Room for the fixed prologue plus one compare per destination. */
#define FILTER_MAX_DESTS 1000

/*
 * Build a program accepting IPv4 UDP frames, untagged or with one 802.1Q
 * tag in their bytes (and any tag the kernel took off: VLANs are judged in
 * userspace), whose destination address is one of dests (network order,
 * n >= 1).
 * The program is written to prog (capacity cap instructions).  Returns the
 * instruction count, or -E2BIG when cap is too small or n too large.
 */
int filter_build(const uint32_t *dests, size_t n, struct sock_filter *prog, size_t cap);

/* IPv6 destinations one program takes: each costs FILTER_V6_BLOCK instructions. */
#define FILTER_MAX_DESTS6	256
#define FILTER_V6_BLOCK		9

/*
 * Build a program accepting what filter_build() accepts for @dests (n may
 * be 0 here) and, in front of it, IPv6 frames, untagged or with one 802.1Q
 * tag in their bytes, whose destination is one of @dests6 (n6 >= 1),
 * whatever their next header: extension headers, fragments and damage are
 * judged and counted in userspace (packet_parse()).  With n6 == 0 it is
 * filter_build().  Returns the instruction count, or -E2BIG (cap too small,
 * too many destinations) or -EINVAL (no destination at all).
 */
int filter_build_dual(const uint32_t *dests, size_t n, const struct in6_addr *dests6, size_t n6,
		      struct sock_filter *prog, size_t cap);

/*
 * The instruction count of filter_build_dual()'s program for n IPv4 and n6
 * IPv6 destinations (filter_build()'s when n6 == 0), computed as the
 * builders compute it; -E2BIG when it cannot be built (past a limit above,
 * or longer than the kernel's BPF_MAXINSNS), -EINVAL when n + n6 == 0.
 */
int filter_len_dual(size_t n, size_t n6);

#endif
