// SPDX-License-Identifier: MIT
/*
 * The XDP program of --ingress xdp, one instance per input interface: a
 * frame that a rule of that input would take (UDP to a rule's group and
 * port, from its source for a source-specific rule, on its VLAN) goes to
 * the AF_XDP socket of the queue it arrived on; every other frame, and
 * every frame of a queue without a socket, passes on to the kernel
 * untouched.  When the socket's ring is full the redirect fails and the
 * kernel drops the frame here, before it costs an skb: the early drop.
 *
 * Only what the fast path needs is parsed: one 802.1Q tag, IPv4 without
 * fragments, IPv6 with UDP as its first next header.  Anything else passes,
 * and the packet socket of the ring path still sees it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/xdp_key.h"

#define AF_INET		2
#define AF_INET6	10
#define VLAN_HLEN	4
#define VID_MASK	0x0fff
#define IP_FRAG_MASK	0x3fff	/* MF and the offset */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_RULES_MAX);
	__type(key, struct xdp_rule_key);
	__type(value, __u32);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XDP_QUEUES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* Exact key, then any source, then any port, then both: rule_table_lookup()'s order. */
static __always_inline int has_rule(struct xdp_rule_key *k)
{
	__u8 src[16];

	__builtin_memcpy(src, k->source, sizeof(src));
	if (bpf_map_lookup_elem(&rules, k))
		return 1;
	__builtin_memset(k->source, 0, sizeof(k->source));
	if (bpf_map_lookup_elem(&rules, k))
		return 1;
	k->port = 0;
	__builtin_memcpy(k->source, src, sizeof(src));
	if (bpf_map_lookup_elem(&rules, k))
		return 1;
	__builtin_memset(k->source, 0, sizeof(k->source));
	return bpf_map_lookup_elem(&rules, k) != 0;
}

SEC("xdp")
int xdp_relay(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xdp_rule_key k;
	struct udphdr *udp;
	__u16 proto;
	void *l3;

	if ((void *)(eth + 1) > end || end - data > XDP_FRAME_MAX)
		return XDP_PASS;
	__builtin_memset(&k, 0, sizeof(k));
	proto = eth->h_proto;
	l3 = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		__u16 *tag = l3;

		if ((void *)(tag + 2) > end)
			return XDP_PASS;
		k.vlan = bpf_ntohs(tag[0]) & VID_MASK;
		proto = tag[1];
		l3 = tag + 2;
		/* Two tags are never relayed: leave them to the kernel's counting. */
		if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
			return XDP_PASS;
	} else if (proto == bpf_htons(ETH_P_8021AD)) {
		return XDP_PASS;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end || ip->ihl < 5 || ip->protocol != IPPROTO_UDP ||
		    (ip->frag_off & bpf_htons(IP_FRAG_MASK)))
			return XDP_PASS;
		udp = (void *)ip + ip->ihl * 4;
		k.family = AF_INET;
		__builtin_memcpy(k.group, &ip->daddr, 4);
		__builtin_memcpy(k.source, &ip->saddr, 4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		udp = (void *)(ip6 + 1);
		k.family = AF_INET6;
		__builtin_memcpy(k.group, &ip6->daddr, 16);
		__builtin_memcpy(k.source, &ip6->saddr, 16);
	} else {
		return XDP_PASS;
	}
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	k.port = udp->dest;
	if (!has_rule(&k))
		return XDP_PASS;
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
