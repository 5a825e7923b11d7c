// SPDX-License-Identifier: MIT
/*
 * mldsend: send hand-built MLD packets on one interface, from any
 * link-local source address, so the e2e tests can play a second querier
 * or a host, and feed mcrd the broken MLD a kernel never sends.  Test tool
 * only: the count is capped and sends are paced.
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
#include <sys/socket.h>
#include <unistd.h>

#include "mcrd/membership/mld_wire.h"
#include "sendtool.h"

#define MLDSEND_MAX_COUNT	1000
#define PKT_MAX			512
#define HEAD_LEN		(MLD_IPV6_HDR + MLD_HBH_LEN)

enum kind {
	KIND_QUERY_V1,		/* general query, MLDv1 form */
	KIND_QUERY_V2,
	KIND_REPORT_V1,		/* join --group */
	KIND_DONE,
	KIND_REPORT_V2,		/* TO_EX({}) for --group */
	KIND_LEAVE_V2,		/* TO_IN({}) for --group */
	KIND_ALLOW,		/* ALLOW({--source}) for --group */
	KIND_BLOCK,		/* BLOCK({--source}) for --group */
	KIND_SHORT,		/* an MLD message of 20 bytes */
	KIND_BAD_CHECKSUM,
	KIND_BAD_RECORD,	/* a v2 record whose sources overflow the message */
	KIND_HOP_LIMIT,		/* a v1 report with hop limit 2 */
	KIND_MAX
};

static const char *const kind_names[KIND_MAX] = {
	"query-v1", "query-v2", "report-v1", "done", "report-v2", "leave-v2", "allow", "block",
	"short", "bad-checksum", "bad-record", "hop-limit",
};

struct opts {
	struct sendtool t;
	struct in6_addr src, group, source;
	enum kind kind;
};

static struct in6_addr addr6(const char *s)
{
	struct in6_addr a;

	(void)inet_pton(AF_INET6, s, &a);
	return a;
}

/* The ICMPv6 message of kind k into m (checksum 0); its length; *ret_dst where it goes. */
static size_t build_mld(uint8_t *m, const struct opts *o, struct in6_addr *ret_dst)
{
	size_t len = MLD_V1_LEN;

	memset(m, 0, 64);
	*ret_dst = o->group;
	switch (o->kind) {
	case KIND_QUERY_V1:
	case KIND_QUERY_V2:
		*ret_dst = addr6("ff02::1");
		m[0] = MLD_TYPE_QUERY;
		sendtool_put16(m + 4, 1000);
		if (o->kind == KIND_QUERY_V2) {
			m[24] = 2;
			m[25] = 125;
			len = MLD_V2_QUERY_LEN;
		}
		break;
	case KIND_REPORT_V1:
	case KIND_SHORT:
	case KIND_BAD_CHECKSUM:
	case KIND_HOP_LIMIT:
		m[0] = MLD_TYPE_V1_REPORT;
		memcpy(m + 8, &o->group, 16);
		break;
	case KIND_DONE:
		*ret_dst = addr6("ff02::2");
		m[0] = MLD_TYPE_V1_DONE;
		memcpy(m + 8, &o->group, 16);
		break;
	case KIND_REPORT_V2:
	case KIND_LEAVE_V2:
	case KIND_BAD_RECORD:
		*ret_dst = addr6("ff02::16");
		m[0] = MLD_TYPE_V2_REPORT;
		sendtool_put16(m + 6, 1);
		m[8] = o->kind == KIND_LEAVE_V2 ? IGMP_CHANGE_TO_INCLUDE : IGMP_CHANGE_TO_EXCLUDE;
		sendtool_put16(m + 10, o->kind == KIND_BAD_RECORD ? 40 : 0);
		memcpy(m + 12, &o->group, 16);
		len = 28;
		break;
	case KIND_ALLOW:
	case KIND_BLOCK:
		*ret_dst = addr6("ff02::16");
		m[0] = MLD_TYPE_V2_REPORT;
		sendtool_put16(m + 6, 1);
		m[8] = o->kind == KIND_ALLOW ? IGMP_ALLOW_NEW_SOURCES : IGMP_BLOCK_OLD_SOURCES;
		sendtool_put16(m + 10, 1);
		memcpy(m + 12, &o->group, 16);
		memcpy(m + 28, &o->source, 16);
		len = 44;
		break;
	case KIND_MAX:
		break;
	}
	if (o->kind == KIND_SHORT)
		len = 20;
	return len;
}

/* The whole IPv6 packet: header, hop-by-hop with router alert, the message. */
static size_t build_packet(uint8_t *pkt, const struct opts *o, struct in6_addr *ret_dst)
{
	static const uint8_t hbh[MLD_HBH_LEN] = { 58, 0, 5, 2, 0, 0, 1, 0 };
	uint8_t *m = pkt + HEAD_LEN;
	size_t mlen = build_mld(m, o, ret_dst);

	memset(pkt, 0, HEAD_LEN);
	pkt[0] = 0x60;
	sendtool_put16(pkt + 4, (uint16_t)(MLD_HBH_LEN + mlen));
	pkt[6] = 0;
	pkt[7] = o->kind == KIND_HOP_LIMIT ? 2 : 1;
	memcpy(pkt + 8, &o->src, 16);
	memcpy(pkt + 24, ret_dst, 16);
	memcpy(pkt + MLD_IPV6_HDR, hbh, sizeof(hbh));
	sendtool_put16(m + 2, mld_checksum(&o->src, ret_dst, m, mlen));
	if (o->kind == KIND_BAD_CHECKSUM)
		m[2] ^= 0x5a;
	return HEAD_LEN + mlen;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	if (sendtool_parse(&o->t, argc, argv) < 0 ||
	    inet_pton(AF_INET6, o->t.src, &o->src) != 1 || !IN6_IS_ADDR_LINKLOCAL(&o->src) ||
	    inet_pton(AF_INET6, o->t.group ? o->t.group : "ff3e::9", &o->group) != 1 ||
	    inet_pton(AF_INET6, o->t.source ? o->t.source : "2001:db8::1", &o->source) != 1)
		return -EINVAL;
	o->kind = (enum kind)o->t.kind;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6),
				   .sll_halen = ETH_ALEN };
	struct in6_addr dst;
	uint8_t pkt[PKT_MAX];
	struct opts o = { .t = { .prog = "mldsend", .kinds = kind_names, .n_kinds = KIND_MAX,
				 .max_count = MLDSEND_MAX_COUNT,
				 .synopsis = "-i IFACE --src FE80::X [--group G] [--source S] "
					     "--kind KIND [-c N] [--interval-ms MS]" } };
	size_t len;
	int fd;

	if (parse_opts(argc, argv, &o) < 0)
		return sendtool_usage(&o.t, stderr, 2);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("mldsend: socket");
		return 1;
	}
	sll.sll_ifindex = (int)if_nametoindex(o.t.ifname);
	if (!sll.sll_ifindex) {
		perror("mldsend: interface");
		return 1;
	}
	len = build_packet(pkt, &o, &dst);
	/* RFC 2464 7: 33:33 and the address's last 32 bits. */
	sll.sll_addr[0] = sll.sll_addr[1] = 0x33;
	memcpy(sll.sll_addr + 2, &dst.s6_addr[12], 4);
	return sendtool_send(&o.t, fd, pkt, len, &sll);
}
