/* SPDX-License-Identifier: MIT */
/*
 * The classic BPF program attached to each ingress AF_PACKET socket, so that
 * only IPv4 UDP frames to a configured group (or unicast destination) are
 * copied to userspace; everything else stays in the kernel.
 */
#ifndef MCR_FILTER_H
#define MCR_FILTER_H

#include <linux/filter.h>
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

#endif
