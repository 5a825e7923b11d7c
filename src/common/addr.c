// SPDX-License-Identifier: MIT
/*
 * IPv4 address and port parsing.  inet_pton() is used rather than
 * inet_aton() because the latter accepts "1", "1.2" and octal forms that
 * nobody means in a relay configuration.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"

int addr_parse_ipv4(const char *s, struct in_addr *ret)
{
	if (!s || inet_pton(AF_INET, s, ret) != 1)
		return -EINVAL;
	return 0;
}

int addr_parse_port(const char *s, uint16_t *ret)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

int addr_parse_ipv4_port(const char *s, struct in_addr *ret_addr, uint16_t *ret_port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	if (addr_parse_ipv4(host, ret_addr) < 0)
		return -EINVAL;
	*ret_port = 0;
	if (colon && addr_parse_port(colon + 1, ret_port) < 0)
		return -EINVAL;
	return 0;
}

int addr_parse_listen(const char *s, struct in_addr *ret_addr, uint16_t *ret_port)
{
	if (!s)
		return -EINVAL;
	if (!strchr(s, ':')) {
		ret_addr->s_addr = htonl(INADDR_LOOPBACK);
		return addr_parse_port(s, ret_port);
	}
	if (addr_parse_ipv4_port(s, ret_addr, ret_port) < 0 || *ret_port == 0)
		return -EINVAL;
	return 0;
}

bool addr_is_multicast(struct in_addr a)
{
	return IN_MULTICAST(ntohl(a.s_addr));
}

void addr_multicast_mac(struct in_addr group, uint8_t ret_mac[6])
{
	uint32_t g = ntohl(group.s_addr);

	ret_mac[0] = 0x01;
	ret_mac[1] = 0x00;
	ret_mac[2] = 0x5e;
	ret_mac[3] = (g >> 16) & 0x7f;
	ret_mac[4] = (g >> 8) & 0xff;
	ret_mac[5] = g & 0xff;
}

const char *addr_fmt(struct in_addr a, char buf[ADDR_STR_MAX])
{
	if (!inet_ntop(AF_INET, &a, buf, ADDR_STR_MAX))
		(void)strcpy(buf, "?");
	return buf;
}
