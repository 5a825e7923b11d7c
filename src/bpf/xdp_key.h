/* SPDX-License-Identifier: MIT */
/*
 * What the XDP program (xdp_relay.bpf.c) and the daemon (dataplane/xsk.c)
 * agree on: the key of the rule map, one entry per rule of the input the
 * program is attached to, keyed as the rule table keys (VLAN, destination,
 * UDP port, source).  Family-aware with 16-byte addresses so that IPv6
 * rules fit the same map; an IPv4 address fills the first 4 bytes.  A
 * port of 0 or an all-zero source is the rule's wildcard: the program
 * tries the exact key first, then the wildcards, as rule_table_lookup()
 * does.
 */
#ifndef MCR_XDP_KEY_H
#define MCR_XDP_KEY_H

#include <linux/types.h>

#define XDP_RULES_MAX	4096	/* entries of the rule map, per input */
#define XDP_QUEUES_MAX	64	/* entries of the XSK map: one per receive queue */
/*
 * The longest frame an AF_XDP socket takes: its 2048-byte UMEM frames less
 * the kernel's 256 bytes of XDP headroom.  Longer ones pass on to the
 * packet socket rather than fail the redirect (which would drop them).
 */
#define XDP_FRAME_MAX	(2048 - 256)

struct xdp_rule_key {
	__u16 vlan;		/* 0: untagged */
	__u16 port;		/* network order; 0: any */
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 pad[3];		/* zero */
	__u8 group[16];		/* network order */
	__u8 source[16];	/* network order; zero: any */
};

#endif
