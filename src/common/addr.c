// SPDX-License-Identifier: MIT
/*
 * Address and port parsing.  inet_pton() is used rather than
 * inet_aton() because the latter accepts "1", "1.2" and octal forms that
 * nobody means in a relay configuration.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
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

struct mcr_addr addr_ip_v4(struct in_addr a)
{
	return (struct mcr_addr){ .family = AF_INET, .v4 = a };
}

int addr_ip_parse(const char *s, struct mcr_addr *ret)
{
	struct mcr_addr a = { 0 };

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.v6) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret = a;
	return 0;
}

/* "[IPV6]" or "[IPV6]:PORT". */
static int parse_bracketed(const char *s, struct mcr_addr *ret_addr, uint16_t *ret_port)
{
	char host[INET6_ADDRSTRLEN];
	const char *close = strchr(s, ']');
	size_t len;

	if (!close)
		return -EINVAL;
	len = (size_t)(close - s - 1);
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s + 1, len);
	host[len] = '\0';
	if (inet_pton(AF_INET6, host, &ret_addr->v6) != 1)
		return -EINVAL;
	ret_addr->family = AF_INET6;
	ret_addr->zero = 0;
	*ret_port = 0;
	if (close[1] == '\0')
		return 0;
	if (close[1] != ':' || addr_parse_port(close + 2, ret_port) < 0)
		return -EINVAL;
	return 0;
}

int addr_ip_parse_port(const char *s, struct mcr_addr *ret_addr, uint16_t *ret_port)
{
	struct mcr_addr a = { .family = AF_INET6 };
	uint16_t port = 0;

	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		if (parse_bracketed(s, &a, &port) < 0)
			return -EINVAL;
	} else if (inet_pton(AF_INET6, s, &a.v6) != 1) {
		/* Not IPv6 without brackets: IPv4, where a colon starts the port. */
		a.family = AF_INET;
		if (addr_parse_ipv4_port(s, &a.v4, &port) < 0)
			return -EINVAL;
	}
	*ret_addr = a;
	*ret_port = port;
	return 0;
}

bool addr_ip_is_set(const struct mcr_addr *a)
{
	return a->family != 0;
}

bool addr_ip_is_v6(const struct mcr_addr *a)
{
	return a->family == AF_INET6;
}

bool addr_ip_equal(const struct mcr_addr *a, const struct mcr_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET6)
		return IN6_ARE_ADDR_EQUAL(&a->v6, &b->v6);
	/* Unset ones compare their (zero) IPv4 field too, as old callers filled only that. */
	return a->v4.s_addr == b->v4.s_addr;
}

bool addr_ip_is_multicast(const struct mcr_addr *a)
{
	if (a->family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&a->v6);
	return a->family == AF_INET && addr_is_multicast(a->v4);
}

const char *addr_ip_fmt(const struct mcr_addr *a, char buf[ADDR_IP_STR_MAX])
{
	const void *src = a->family == AF_INET6 ? (const void *)&a->v6 : (const void *)&a->v4;

	buf[0] = '\0';
	if (a->family && !inet_ntop(a->family, src, buf, ADDR_IP_STR_MAX))
		(void)strcpy(buf, "?");
	return buf;
}

const char *addr_ip_fmt_port(const struct mcr_addr *a, uint16_t port, char buf[ADDR_IP_STR_MAX])
{
	char host[ADDR_IP_STR_MAX];

	(void)addr_ip_fmt(a, host);
	if (port == 0)
		(void)snprintf(buf, ADDR_IP_STR_MAX, "%s", host);
	else if (a->family == AF_INET6)
		(void)snprintf(buf, ADDR_IP_STR_MAX, "[%s]:%u", host, port);
	else
		(void)snprintf(buf, ADDR_IP_STR_MAX, "%s:%u", host, port);
	return buf;
}

const char *addr_ip_family_name(const struct mcr_addr *a)
{
	if (a->family == AF_INET6)
		return "IPv6";
	return a->family == AF_INET ? "IPv4" : "no address";
}

/*
 * Splits "ADDR[:PORT]" in place into its address and port (NULL when none): IPv6
 * takes brackets before a port ("[ff3e::1]:5000"), and an IPv6 address
 * without them ("ff3e::1") has no port.  Returns the group, or NULL when
 * a '[' has no ']', holds no IPv6 address, or something other than ":PORT"
 * follows it.
 */
char *addr_split_port(char *s, char **ret_port)
{
	char *close, *colon = strchr(s, ':');

	*ret_port = NULL;
	if (s[0] == '[') {
		close = strchr(s, ']');
		/* Brackets are for IPv6 only, as in a URL. */
		if (!close || (close[1] != '\0' && close[1] != ':') || !memchr(s, ':', close - s))
			return NULL;
		*close = '\0';
		if (close[1] == ':')
			*ret_port = close + 2;
		return s + 1;
	}
	if (colon && !strchr(colon + 1, ':')) {
		*colon = '\0';
		*ret_port = colon + 1;
	}
	return s;
}
