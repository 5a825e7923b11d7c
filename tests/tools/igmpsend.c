// SPDX-License-Identifier: MIT
/*
 * igmpsend: send hand-built IGMP packets on one interface, from any source
 * address, so the e2e tests can play a second querier or a host, and feed
 * mcrd the broken IGMP a kernel never sends.  Test tool only: the count is
 * capped and sends are paced.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcrd/membership/igmp_wire.h"
#include "sendtool.h"

#define IGMPSEND_MAX_COUNT	1000
#define IP_LEN			24	/* with the router alert option */
#define PKT_MAX			512

enum kind {
	KIND_QUERY_V2,		/* general query, v2 form */
	KIND_QUERY_V3,
	KIND_REPORT_V2,		/* join --group */
	KIND_LEAVE_V2,
	KIND_REPORT_V3,		/* TO_EX({}) for --group */
	KIND_SHORT,		/* an IGMP message of 6 bytes */
	KIND_BAD_CHECKSUM,
	KIND_BAD_RECORD,	/* a v3 record whose sources overflow the message */
	KIND_BAD_IP_LEN,	/* IP total length beyond the packet */
	KIND_MAX
};

static const char *const kind_names[KIND_MAX] = {
	"query-v2", "query-v3", "report-v2", "leave-v2", "report-v3",
	"short", "bad-checksum", "bad-record", "bad-ip-len",
};

struct opts {
	struct sendtool t;
	struct in_addr src, group;
	enum kind kind;
};

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	sendtool_put16(p + at, 0);
	sendtool_put16(p + at, igmp_checksum(p, len));
}

/* The IGMP message of kind k into m; returns its length. */
static size_t build_igmp(uint8_t *m, const struct opts *o, struct in_addr *ret_dst)
{
	size_t len = 8;

	memset(m, 0, 64);
	*ret_dst = o->group;
	switch (o->kind) {
	case KIND_QUERY_V2:
	case KIND_QUERY_V3:
		ret_dst->s_addr = htonl(0xe0000001);
		if (o->kind == KIND_QUERY_V3)
			return (size_t)igmp_encode_query(m, 64, (struct in_addr){ 0 }, 1000, 2, 1);
		m[0] = IGMP_TYPE_QUERY;
		m[1] = 10;
		break;
	case KIND_REPORT_V2:
	case KIND_SHORT:
	case KIND_BAD_CHECKSUM:
	case KIND_BAD_IP_LEN:
		m[0] = IGMP_TYPE_V2_REPORT;
		memcpy(m + 4, &o->group.s_addr, 4);
		break;
	case KIND_LEAVE_V2:
		ret_dst->s_addr = htonl(0xe0000002);
		m[0] = IGMP_TYPE_V2_LEAVE;
		memcpy(m + 4, &o->group.s_addr, 4);
		break;
	case KIND_REPORT_V3:
	case KIND_BAD_RECORD:
		ret_dst->s_addr = htonl(0xe0000016);
		m[0] = IGMP_TYPE_V3_REPORT;
		sendtool_put16(m + 6, 1);
		m[8] = IGMP_CHANGE_TO_EXCLUDE;
		sendtool_put16(m + 10, o->kind == KIND_BAD_RECORD ? 40 : 0);
		memcpy(m + 12, &o->group.s_addr, 4);
		len = 16;
		break;
	case KIND_MAX:
		break;
	}
	if (o->kind == KIND_SHORT)
		len = 6;
	fix_sum(m, len, 2);
	if (o->kind == KIND_BAD_CHECKSUM)
		m[2] ^= 0x5a;
	return len;
}

static size_t build_packet(uint8_t *eth, const struct opts *o, const uint8_t mac[6])
{
	uint8_t *ip = eth + ETH_HLEN;
	struct in_addr dst;
	size_t mlen = build_igmp(ip + IP_LEN, o, &dst);
	uint32_t d = ntohl(dst.s_addr);
	const uint8_t head[IP_LEN] = { 0x46, 0xc0, 0, 0, 0, 0, 0, 0, 1, IPPROTO_IGMP, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 0, 0x94, 4, 0, 0 };

	/* Ethernet: the group's multicast MAC (RFC 1112), ours, IPv4. */
	eth[0] = 0x01;
	eth[1] = 0x00;
	eth[2] = 0x5e;
	eth[3] = (uint8_t)((d >> 16) & 0x7f);
	eth[4] = (uint8_t)(d >> 8);
	eth[5] = (uint8_t)d;
	memcpy(eth + 6, mac, 6);
	sendtool_put16(eth + 12, ETH_P_IP);
	memcpy(ip, head, IP_LEN);
	sendtool_put16(ip + 2, (uint16_t)(IP_LEN + mlen + (o->kind == KIND_BAD_IP_LEN ? 100 : 0)));
	memcpy(ip + 12, &o->src.s_addr, 4);
	memcpy(ip + 16, &dst.s_addr, 4);
	fix_sum(ip, IP_LEN, 10);
	return ETH_HLEN + IP_LEN + mlen;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	if (sendtool_parse(&o->t, argc, argv) < 0 || o->t.source ||
	    inet_pton(AF_INET, o->t.src, &o->src) != 1 || !o->src.s_addr ||
	    inet_pton(AF_INET, o->t.group ? o->t.group : "239.9.9.9", &o->group) != 1)
		return -EINVAL;
	o->kind = (enum kind)o->t.kind;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct ifreq ifr = { 0 };
	uint8_t pkt[PKT_MAX];
	struct opts o = { .t = { .prog = "igmpsend", .kinds = kind_names, .n_kinds = KIND_MAX,
				 .max_count = IGMPSEND_MAX_COUNT,
				 .synopsis = "-i IFACE --src IP [--group G] --kind KIND [-c N] "
					     "[--interval-ms MS]" } };
	size_t len;
	int fd;

	if (parse_opts(argc, argv, &o) < 0)
		return sendtool_usage(&o.t, stderr, 2);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("igmpsend: socket");
		return 1;
	}
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o.t.ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("igmpsend: SIOCGIFHWADDR");
		return 1;
	}
	sll.sll_ifindex = (int)if_nametoindex(o.t.ifname);
	if (!sll.sll_ifindex) {
		perror("igmpsend: interface");
		return 1;
	}
	len = build_packet(pkt, &o, (const uint8_t *)ifr.ifr_hwaddr.sa_data);
	memcpy(sll.sll_addr, pkt, 6);
	return sendtool_send(&o.t, fd, pkt, len, &sll);
}
