// SPDX-License-Identifier: MIT
/*
 * rawframe: send hand-built Ethernet frames to a multicast group's MAC on
 * one interface, so the e2e tests can feed mcrd the broken packets a normal
 * socket never produces (truncated headers, bad lengths, fragments).  Each
 * frame is IPv4 to the group with the defect named by --kind; "good" frames
 * carry the mcrgen payload and are relayable.  --tag puts up to two VLAN
 * tags (802.1Q or 802.1ad, outermost first) in front of the IPv4 header.
 * An IPv6 group makes the frames IPv6 (UDP checksum computed), with the
 * IPv6 counterparts of the defects and extension header chains (ext-*).
 * Test tool only: the count is capped and sends are paced.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/payload.h"
#include "common/util.h"

#define RAWFRAME_MAX_COUNT	100000
#define RAWFRAME_MAX_PAYLOAD	1400
#define RAWFRAME_MAX_RATE	1000000
#define ETH_HDR_LEN		14
#define IP_HDR_LEN		20
#define UDP_HDR_LEN		8
#define VLAN_TAG_LEN		4
#define RAWFRAME_MAX_TAGS	2
#define IP6_HDR_LEN		40
#define IP6_EXT_LEN		8	/* each extension header rawframe writes */
#define IP6_MAX_EXT		9	/* ext-too-long: one more than mcrd walks */
#define FRAME_MAX		(ETH_HDR_LEN + RAWFRAME_MAX_TAGS * VLAN_TAG_LEN + IP6_HDR_LEN + \
				 IP6_MAX_EXT * IP6_EXT_LEN + UDP_HDR_LEN + RAWFRAME_MAX_PAYLOAD)

enum frame_kind {
	KIND_GOOD,
	KIND_TRUNCATED,
	KIND_BAD_IHL,
	KIND_BAD_TOTAL_LEN,
	KIND_BAD_UDP_LEN,
	KIND_FRAGMENT_FIRST,
	KIND_FRAGMENT_LATER,
	KIND_NON_UDP,
	KIND_EXT_CHAIN,		/* IPv6: hop-by-hop and destination options, then UDP: good */
	KIND_EXT_TOO_LONG,	/* IPv6: IP6_MAX_EXT destination options headers */
	KIND_EXT_HBH_LATE,	/* IPv6: hop-by-hop after destination options */
	KIND_EXT_TRUNCATED,	/* IPv6: an options header longer than the datagram */
	KIND_ZERO_CSUM,		/* IPv6: UDP checksum 0 (forbidden) */
	KIND_MAX
};

static const char *const kind_names[KIND_MAX] = {
	[KIND_GOOD] = "good",
	[KIND_TRUNCATED] = "truncated",
	[KIND_BAD_IHL] = "bad-ihl",
	[KIND_BAD_TOTAL_LEN] = "bad-total-len",
	[KIND_BAD_UDP_LEN] = "bad-udp-len",
	[KIND_FRAGMENT_FIRST] = "fragment-first",
	[KIND_FRAGMENT_LATER] = "fragment-later",
	[KIND_NON_UDP] = "non-udp",
	[KIND_EXT_CHAIN] = "ext-chain",
	[KIND_EXT_TOO_LONG] = "ext-too-long",
	[KIND_EXT_HBH_LATE] = "ext-hbh-late",
	[KIND_EXT_TRUNCATED] = "ext-truncated",
	[KIND_ZERO_CSUM] = "zero-csum",
};

struct rawframe_opts {
	const char *ifname;
	struct in_addr group;
	struct in_addr source;		/* INADDR_ANY: take the interface's */
	bool is_v6;			/* group6 and source6, not group and source */
	struct in6_addr group6;
	struct in6_addr source6;	/* :: unless given */
	enum frame_kind kind;
	unsigned long count;
	unsigned long rate;		/* frames per second */
	uint16_t sport;
	uint16_t dport;
	size_t payload_len;
	size_t n_tags;
	uint16_t tag_tpid[RAWFRAME_MAX_TAGS];	/* outermost first */
	uint16_t tag_tci[RAWFRAME_MAX_TAGS];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawframe -i IFACE --dst-group GROUP[:PORT] --kind KIND -c COUNT\n"
		"                [--sport N] [--dport N] [--source IP] [--len BYTES] [--rate PPS]\n"
		"                [--tag [TPID:]VID]...\n"
		"kinds: good truncated bad-ihl bad-total-len bad-udp-len fragment-first\n"
		"       fragment-later non-udp; IPv6 only: ext-chain (relayable) ext-too-long\n"
		"       ext-hbh-late ext-truncated zero-csum (bad-ihl: a bad IP version)\n"
		"Sends COUNT (<= %d) hand-built frames to GROUP's multicast MAC on IFACE.\n"
		"--tag adds a VLAN tag (TPID in hex, 8100 unless given; VID 0..4095), at most\n"
		"%d, the first outermost: --tag 88a8:100 --tag 666 is QinQ.\n",
		RAWFRAME_MAX_COUNT, RAWFRAME_MAX_TAGS);
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "[TPID:]VID": TPID in hex (8100 or 88a8), VID 0..4095. */
static int parse_tag(const char *s, struct rawframe_opts *o)
{
	const char *colon = strchr(s, ':');
	unsigned long tpid = ETH_P_8021Q, vid;
	char *end;

	if (o->n_tags == RAWFRAME_MAX_TAGS)
		return -E2BIG;
	if (colon) {
		errno = 0;
		tpid = strtoul(s, &end, 16);
		if (errno || end != colon || (tpid != ETH_P_8021Q && tpid != ETH_P_8021AD))
			return -EINVAL;
		s = colon + 1;
	}
	if (parse_ulong(s, 0, 4095, &vid) < 0)
		return -EINVAL;
	o->tag_tpid[o->n_tags] = (uint16_t)tpid;
	o->tag_tci[o->n_tags] = (uint16_t)vid;
	o->n_tags++;
	return 0;
}

static int parse_kind(const char *s, enum frame_kind *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*ret = (enum frame_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_opts(int argc, char **argv, struct rawframe_opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "dst-group", required_argument, NULL, 'g' },
		{ "kind", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'c' },
		{ "sport", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'D' },
		{ "source", required_argument, NULL, 's' },
		{ "len", required_argument, NULL, 'l' },
		{ "rate", required_argument, NULL, 'r' },
		{ "tag", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool has_group = false, has_kind = false, has_count = false;
	struct mcr_addr ga, sa;
	unsigned long v;
	uint16_t port;
	int c;

	while ((c = getopt_long(argc, argv, "i:g:k:c:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'g':
			if (addr_ip_parse_port(optarg, &ga, &port) < 0 || !addr_ip_is_multicast(&ga)) {
				fprintf(stderr, "rawframe: --dst-group: bad group '%s'\n", optarg);
				return -EINVAL;
			}
			o->is_v6 = addr_ip_is_v6(&ga);
			if (o->is_v6)
				o->group6 = ga.v6;
			else
				o->group = ga.v4;
			if (port)
				o->dport = port;
			has_group = true;
			break;
		case 'k':
			if (parse_kind(optarg, &o->kind) < 0) {
				fprintf(stderr, "rawframe: --kind: unknown kind '%s'\n", optarg);
				return -EINVAL;
			}
			has_kind = true;
			break;
		case 'c':
			if (parse_ulong(optarg, 1, RAWFRAME_MAX_COUNT, &o->count) < 0) {
				fprintf(stderr, "rawframe: -c: want 1..%d, got '%s'\n",
					RAWFRAME_MAX_COUNT, optarg);
				return -EINVAL;
			}
			has_count = true;
			break;
		case 'S':
		case 'D':
			if (addr_parse_port(optarg, &port) < 0) {
				fprintf(stderr, "rawframe: bad port '%s'\n", optarg);
				return -EINVAL;
			}
			*(c == 'S' ? &o->sport : &o->dport) = port;
			break;
		case 's':
			if (addr_ip_parse(optarg, &sa) < 0) {
				fprintf(stderr, "rawframe: --source: bad address '%s'\n", optarg);
				return -EINVAL;
			}
			if (addr_ip_is_v6(&sa))
				o->source6 = sa.v6;
			else
				o->source = sa.v4;
			break;
		case 'l':
			if (parse_ulong(optarg, PAYLOAD_HDR_LEN, RAWFRAME_MAX_PAYLOAD, &v) < 0) {
				fprintf(stderr, "rawframe: --len: want %d..%d, got '%s'\n",
					PAYLOAD_HDR_LEN, RAWFRAME_MAX_PAYLOAD, optarg);
				return -EINVAL;
			}
			o->payload_len = v;
			break;
		case 'r':
			if (parse_ulong(optarg, 1, RAWFRAME_MAX_RATE, &o->rate) < 0) {
				fprintf(stderr, "rawframe: --rate: want 1..%d, got '%s'\n",
					RAWFRAME_MAX_RATE, optarg);
				return -EINVAL;
			}
			break;
		case 't':
			if (parse_tag(optarg, o) < 0) {
				fprintf(stderr, "rawframe: --tag: want [8100|88a8:]0..4095, at most "
						"%d, got '%s'\n", RAWFRAME_MAX_TAGS, optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (has_kind && has_group && !o->is_v6 && o->kind >= KIND_EXT_CHAIN) {
		fprintf(stderr, "rawframe: --kind %s needs an IPv6 group\n", kind_names[o->kind]);
		return -EINVAL;
	}
	if (optind != argc || !o->ifname || !has_group || !has_kind || !has_count) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Build frame number seq into buf and return its length.  Each defect is
 * chosen so that the frame still passes mcrd's kernel filter (IPv4, protocol
 * UDP, destination = the group, all within the captured bytes) and so has
 * to be judged by the userspace parser; only non-udp is meant to be
 * stopped earlier.
 */
static size_t frame_build(const struct rawframe_opts *o, const uint8_t src_mac[6], uint64_t seq,
			  uint8_t *buf)
{
	size_t l2_len = ETH_HDR_LEN + o->n_tags * VLAN_TAG_LEN;
	uint8_t *eth = buf, *ip = buf + l2_len, *udp = ip + IP_HDR_LEN;
	struct payload_hdr ph = { .stream = 0, .seq = seq, .tx_ns = realtime_ns() };
	size_t udp_len = UDP_HDR_LEN + o->payload_len;
	size_t ip_len = IP_HDR_LEN + udp_len;
	size_t frame_len = l2_len + ip_len;
	uint16_t frag = 0x4000;		/* DF */

	memset(buf, 0, FRAME_MAX);
	addr_multicast_mac(o->group, eth);
	memcpy(eth + 6, src_mac, 6);
	for (size_t t = 0; t < o->n_tags; t++) {
		put16(eth + 12 + t * VLAN_TAG_LEN, o->tag_tpid[t]);
		put16(eth + 14 + t * VLAN_TAG_LEN, o->tag_tci[t]);
	}
	put16(ip - 2, ETH_P_IP);

	ip[0] = 0x45;
	ip[8] = 16;			/* TTL: more than 1, or a relay that decrements drops it */
	ip[9] = IPPROTO_UDP;
	put16(ip + 4, (uint16_t)seq);	/* identification */
	memcpy(ip + 12, &o->source.s_addr, 4);
	memcpy(ip + 16, &o->group.s_addr, 4);

	put16(udp, o->sport);
	put16(udp + 2, o->dport);
	put16(udp + 4, (uint16_t)udp_len);
	payload_write(udp + UDP_HDR_LEN, &ph);

	switch (o->kind) {
	case KIND_GOOD:
		break;
	case KIND_TRUNCATED:
		/* Headers claim a full datagram; the frame stops inside UDP. */
		frame_len = l2_len + IP_HDR_LEN + 4;
		break;
	case KIND_BAD_IHL:
		ip[0] = 0x44;
		break;
	case KIND_BAD_TOTAL_LEN:
		ip_len += 200;
		break;
	case KIND_BAD_UDP_LEN:
		put16(udp + 4, (uint16_t)(udp_len + 100));
		break;
	case KIND_FRAGMENT_FIRST:
		frag = 0x2000;		/* MF, offset 0 */
		break;
	case KIND_FRAGMENT_LATER:
		frag = 185;		/* offset 1480 bytes, last fragment */
		break;
	case KIND_NON_UDP:
		ip[9] = IPPROTO_TCP;
		break;
	case KIND_EXT_CHAIN:	/* IPv6 only: parse_opts() refuses them for IPv4 */
	case KIND_EXT_TOO_LONG:
	case KIND_EXT_HBH_LATE:
	case KIND_EXT_TRUNCATED:
	case KIND_ZERO_CSUM:
	case KIND_MAX:
		break;
	}
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 6, frag);
	put16(ip + 10, ip_checksum(ip, (size_t)(ip[0] & 0x0f) * 4));
	return frame_len;
}

/* The UDP checksum over the IPv6 pseudo-header and udp_len bytes at udp; never 0. */
static uint16_t udp6_checksum(const uint8_t *ip, const uint8_t *udp, size_t udp_len)
{
	uint32_t sum = 0;
	uint16_t c;

	for (size_t i = 8; i < 40; i += 2)	/* source and destination */
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum += (uint32_t)udp_len + IPPROTO_UDP;
	for (size_t i = 0; i + 1 < udp_len; i += 2)
		sum += (uint32_t)(udp[i] << 8 | udp[i + 1]);
	if (udp_len & 1)
		sum += (uint32_t)(udp[udp_len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	return c ? c : 0xffff;
}

/* The extension headers (next header values, in order) each IPv6 kind puts before UDP. */
static size_t ext_chain(enum frame_kind kind, uint8_t nh[IP6_MAX_EXT])
{
	switch (kind) {
	case KIND_EXT_CHAIN:
		nh[0] = IPPROTO_HOPOPTS;
		nh[1] = IPPROTO_DSTOPTS;
		return 2;
	case KIND_EXT_TOO_LONG:
		memset(nh, IPPROTO_DSTOPTS, IP6_MAX_EXT);
		return IP6_MAX_EXT;
	case KIND_EXT_HBH_LATE:
		nh[0] = IPPROTO_DSTOPTS;
		nh[1] = IPPROTO_HOPOPTS;
		return 2;
	case KIND_EXT_TRUNCATED:
		nh[0] = IPPROTO_DSTOPTS;
		return 1;
	case KIND_FRAGMENT_FIRST:
	case KIND_FRAGMENT_LATER:
		nh[0] = IPPROTO_FRAGMENT;
		return 1;
	default:
		return 0;
	}
}

/*
 * frame_build() for an IPv6 group: each defect passes mcrd's kernel filter
 * (IPv6 to the group, whatever follows) and is judged by its parser.
 * Extension headers are 8 bytes each (PadN options; a fragment header
 * with its offset and M flag).
 */
static size_t frame_build6(const struct rawframe_opts *o, const uint8_t src_mac[6], uint64_t seq,
			   uint8_t *buf)
{
	size_t l2_len = ETH_HDR_LEN + o->n_tags * VLAN_TAG_LEN;
	uint8_t *eth = buf, *ip = buf + l2_len, *ext = ip + IP6_HDR_LEN, *udp;
	struct payload_hdr ph = { .stream = 0, .seq = seq, .tx_ns = realtime_ns() };
	uint8_t chain[IP6_MAX_EXT];
	size_t n_ext = ext_chain(o->kind, chain), udp_len = UDP_HDR_LEN + o->payload_len;
	size_t pl_len = n_ext * IP6_EXT_LEN + udp_len;

	memset(buf, 0, FRAME_MAX);
	eth[0] = eth[1] = 0x33;
	memcpy(eth + 2, o->group6.s6_addr + 12, 4);
	memcpy(eth + 6, src_mac, 6);
	for (size_t t = 0; t < o->n_tags; t++) {
		put16(eth + 12 + t * VLAN_TAG_LEN, o->tag_tpid[t]);
		put16(eth + 14 + t * VLAN_TAG_LEN, o->tag_tci[t]);
	}
	put16(ip - 2, ETH_P_IPV6);
	ip[0] = o->kind == KIND_BAD_IHL ? 0x40 : 0x60;
	ip[6] = n_ext ? chain[0] : (o->kind == KIND_NON_UDP ? IPPROTO_TCP : IPPROTO_UDP);
	ip[7] = 16;			/* hop limit */
	memcpy(ip + 8, &o->source6, 16);
	memcpy(ip + 24, &o->group6, 16);
	for (size_t e = 0; e < n_ext; e++) {
		uint8_t *h = ext + e * IP6_EXT_LEN;

		h[0] = e + 1 < n_ext ? chain[e + 1] : IPPROTO_UDP;
		if (chain[e] == IPPROTO_FRAGMENT)
			put16(h + 2, o->kind == KIND_FRAGMENT_FIRST ? 0x0001 : (uint16_t)(1480 << 3));
		else
			h[2] = 1, h[3] = 4;	/* PadN, 4 bytes: fills the header to 8 */
	}
	if (o->kind == KIND_EXT_TRUNCATED)
		ext[1] = 200;		/* (200 + 1) * 8 bytes: past the datagram */
	udp = ext + n_ext * IP6_EXT_LEN;
	put16(udp, o->sport);
	put16(udp + 2, o->dport);
	put16(udp + 4, (uint16_t)udp_len);
	payload_write(udp + UDP_HDR_LEN, &ph);
	if (o->kind != KIND_ZERO_CSUM)
		put16(udp + 6, udp6_checksum(ip, udp, udp_len));
	if (o->kind == KIND_BAD_UDP_LEN)
		put16(udp + 4, (uint16_t)(udp_len + 100));
	put16(ip + 4, (uint16_t)(pl_len + (o->kind == KIND_BAD_TOTAL_LEN ? 200 : 0)));
	if (o->kind == KIND_TRUNCATED)
		return l2_len + IP6_HDR_LEN + n_ext * IP6_EXT_LEN + 4;
	return l2_len + IP6_HDR_LEN + pl_len;
}

static int iface_info(int fd, const char *ifname, unsigned int *ret_index, uint8_t ret_mac[6],
		      struct in_addr *ret_addr)
{
	struct ifreq ifr;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	memset(&ifr, 0, sizeof(ifr));
	(void)strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	*ret_index = (unsigned int)ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	memcpy(ret_mac, ifr.ifr_hwaddr.sa_data, 6);
	/* An interface without an address simply sends from 0.0.0.0. */
	if (ret_addr->s_addr == INADDR_ANY && ioctl(fd, SIOCGIFADDR, &ifr) == 0)
		*ret_addr = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
	return 0;
}

static void pace(uint64_t start_ns, unsigned long rate, unsigned long sent)
{
	uint64_t due = start_ns + (uint64_t)sent * NSEC_PER_SEC / rate;
	struct timespec ts = {
		.tv_sec = (time_t)(due / NSEC_PER_SEC),
		.tv_nsec = (long)(due % NSEC_PER_SEC),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct rawframe_opts o = {
		.rate = 10000, .sport = 4000, .dport = 5000, .payload_len = 64,
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	uint8_t src_mac[6], frame[FRAME_MAX];
	char group_str[ADDR_STR_MAX], src_str[ADDR_STR_MAX];
	unsigned long sent = 0;
	uint64_t bytes = 0, start;
	unsigned int ifindex = 0;
	int fd, ret, rc = 1;

	if (parse_opts(argc, argv, &o) < 0)
		return EXIT_USAGE;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("rawframe: socket(AF_PACKET)");
		return 1;
	}
	ret = iface_info(fd, o.ifname, &ifindex, src_mac, &o.source);
	if (ret < 0) {
		fprintf(stderr, "rawframe: interface %s: %s\n", o.ifname, strerror(-ret));
		goto out_close_fd;
	}
	sll.sll_ifindex = (int)ifindex;
	sll.sll_protocol = htons(o.n_tags ? o.tag_tpid[0] : o.is_v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (o.is_v6) {
		sll.sll_addr[0] = sll.sll_addr[1] = 0x33;
		memcpy(sll.sll_addr + 2, o.group6.s6_addr + 12, 4);
	} else {
		addr_multicast_mac(o.group, sll.sll_addr);
	}

	start = now_ns();
	for (sent = 0; sent < o.count; sent++) {
		size_t len = o.is_v6 ? frame_build6(&o, src_mac, sent, frame)
				     : frame_build(&o, src_mac, sent, frame);

		pace(start, o.rate, sent);
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			fprintf(stderr, "rawframe: sendto %s: %s\n", o.ifname, strerror(errno));
			goto out_report;
		}
		bytes += len;
	}
	rc = 0;
out_report:
	if (o.is_v6) {
		struct mcr_addr s6 = { .family = AF_INET6, .v6 = o.source6 };
		struct mcr_addr g6 = { .family = AF_INET6, .v6 = o.group6 };
		char s6_str[ADDR_IP_STR_MAX], g6_str[ADDR_IP_STR_MAX];

		printf("rawframe: sent %lu %s frames (%llu bytes) on %s from %s to [%s]:%u\n", sent,
		       kind_names[o.kind], (unsigned long long)bytes, o.ifname,
		       addr_ip_fmt(&s6, s6_str), addr_ip_fmt(&g6, g6_str), o.dport);
	} else {
		printf("rawframe: sent %lu %s frames (%llu bytes) on %s from %s to %s:%u\n", sent,
		       kind_names[o.kind], (unsigned long long)bytes, o.ifname,
		       addr_fmt(o.source, src_str), addr_fmt(o.group, group_str), o.dport);
	}
out_close_fd:
	(void)close(fd);
	return rc;
}
