/* SPDX-License-Identifier: MIT */
/*
 * The addresses the querier and the membership tables keep, whatever the
 * protocol: IPv6 for MLD, IPv4 mapped into IPv6 (::ffff:a.b.c.d) for IGMP,
 * so that one state machine serves both and a table's key says its family.
 * All zeros (::) means "none" in either family.  Numeric order is byte
 * order, so the querier election (lowest address wins) is one memcmp for
 * both.  Pure functions.
 */
#ifndef MCR_MADDR_H
#define MCR_MADDR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>

/* "ffff:...:ffff" (45 + NUL) and dotted IPv4 fit. */
#define MADDR_STR_MAX	INET6_ADDRSTRLEN

/* a mapped into IPv6; 0.0.0.0 becomes :: (none). */
struct in6_addr maddr_from4(struct in_addr a);
/* The IPv4 address of a mapped one (0.0.0.0 for any other). */
struct in_addr maddr_to4(struct in6_addr a);
bool maddr_is_v4(struct in6_addr a);
bool maddr_is_none(struct in6_addr a);
bool maddr_eq(struct in6_addr a, struct in6_addr b);
/* a < b as numbers (mapped IPv4 compares as IPv4 among its own). */
bool maddr_is_lower(struct in6_addr a, struct in6_addr b);
/*
 * A group whose membership counts: IPv4 past 224.0.0.255 (the local
 * control block is never routed); IPv6 multicast wider than link-local
 * scope (RFC 4291 2.7; RFC 3810 5.2.14 excludes ff02::1 and the rest).
 */
bool maddr_is_routed_group(struct in6_addr g);
/* Dotted for mapped IPv4, RFC 5952 text for IPv6. */
const char *maddr_fmt(struct in6_addr a, char buf[MADDR_STR_MAX]);

#endif
