// SPDX-License-Identifier: MIT
/*
 * Membership addresses: IPv6, or IPv4 mapped into IPv6.
 */
#include <string.h>

#include "mcrd/membership/maddr.h"

struct in6_addr maddr_from4(struct in_addr a)
{
	struct in6_addr r = IN6ADDR_ANY_INIT;

	if (a.s_addr) {
		r.s6_addr[10] = r.s6_addr[11] = 0xff;
		memcpy(&r.s6_addr[12], &a.s_addr, 4);
	}
	return r;
}

bool maddr_is_v4(struct in6_addr a)
{
	return IN6_IS_ADDR_V4MAPPED(&a);
}

struct in_addr maddr_to4(struct in6_addr a)
{
	struct in_addr r = { 0 };

	if (maddr_is_v4(a))
		memcpy(&r.s_addr, &a.s6_addr[12], 4);
	return r;
}

bool maddr_is_none(struct in6_addr a)
{
	return IN6_IS_ADDR_UNSPECIFIED(&a);
}

bool maddr_eq(struct in6_addr a, struct in6_addr b)
{
	return !memcmp(&a, &b, sizeof(a));
}

bool maddr_is_lower(struct in6_addr a, struct in6_addr b)
{
	return memcmp(&a, &b, sizeof(a)) < 0;
}

bool maddr_is_routed_group(struct in6_addr g)
{
	if (maddr_is_v4(g)) {
		uint32_t h = ntohl(maddr_to4(g).s_addr);

		return IN_MULTICAST(h) && h > INADDR_MAX_LOCAL_GROUP;
	}
	/* ff0X: X the scope; 1 interface-local, 2 link-local. */
	return g.s6_addr[0] == 0xff && (g.s6_addr[1] & 0x0f) > 2;
}

const char *maddr_fmt(struct in6_addr a, char buf[MADDR_STR_MAX])
{
	struct in_addr v4 = maddr_to4(a);

	if (maddr_is_v4(a))
		return inet_ntop(AF_INET, &v4, buf, MADDR_STR_MAX) ? buf : "?";
	return inet_ntop(AF_INET6, &a, buf, MADDR_STR_MAX) ? buf : "?";
}
