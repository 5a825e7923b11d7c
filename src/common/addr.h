/* SPDX-License-Identifier: MIT */
/*
 * Addresses and ports shared by mcrd and the tools: IPv4 parsing (struct
 * in_addr), and struct mcr_addr, one tagged address of either family that
 * the configuration carries.  Pure functions: they return 0 or a negative
 * errno and never log.
 */
#ifndef MCR_ADDR_H
#define MCR_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* Longest "255.255.255.255:65535" plus NUL. */
#define ADDR_STR_MAX 22

int addr_parse_ipv4(const char *s, struct in_addr *ret);
int addr_parse_port(const char *s, uint16_t *ret);
/* "A.B.C.D[:PORT]"; *ret_port is 0 when no port is given. */
int addr_parse_ipv4_port(const char *s, struct in_addr *ret_addr, uint16_t *ret_port);
/*
 * A listening address: "A.B.C.D:PORT", or a bare "PORT" that means
 * 127.0.0.1 (a service on every interface only when asked for).
 */
int addr_parse_listen(const char *s, struct in_addr *ret_addr, uint16_t *ret_port);
bool addr_is_multicast(struct in_addr a);
/* The Ethernet address RFC 1112 maps an IPv4 group to. */
void addr_multicast_mac(struct in_addr group, uint8_t ret_mac[6]);
const char *addr_fmt(struct in_addr a, char buf[ADDR_STR_MAX]);

/*
 * An IPv4 or IPv6 address.  A zeroed one has family 0 and means "none"
 * (an input's any source, an output's inherited group).  Every byte is
 * defined (no hidden padding), so structs holding one compare and copy
 * as bytes; build one with addr_ip_v4() or addr_ip_parse().
 */
struct mcr_addr {
	uint16_t family;	/* AF_INET, AF_INET6 or 0: none */
	uint16_t zero;		/* always 0: the padding, made explicit */
	union {
		struct in_addr v4;	/* AF_INET */
		struct in6_addr v6;	/* AF_INET6 */
	};
};

/* "ffff:...:ffff" (INET6_ADDRSTRLEN), or "[...]:65535" with a port, and NUL. */
#define ADDR_IP_STR_MAX 54

struct mcr_addr addr_ip_v4(struct in_addr a);
/* Either family: "A.B.C.D" or an IPv6 address without brackets. */
int addr_ip_parse(const char *s, struct mcr_addr *ret);
/*
 * "A.B.C.D[:PORT]", "[IPV6][:PORT]" or a bare IPv6 address (no port);
 * *ret_port is 0 when no port is given.
 */
int addr_ip_parse_port(const char *s, struct mcr_addr *ret_addr, uint16_t *ret_port);
/*
 * Splits "ADDR[:PORT]" in place, without checking either: "[IPV6]:PORT"
 * and "[IPV6]" lose their brackets, a bare IPv6 address ("ff3e::1") has
 * no port, "A.B.C.D:PORT" splits at its colon.  Returns the address with
 * *ret_port set to the port text or NULL, or NULL when brackets hold no
 * IPv6 address, miss their ']' or are followed by anything but ":PORT".
 */
char *addr_split_port(char *s, char **ret_port);
bool addr_ip_is_set(const struct mcr_addr *a);
bool addr_ip_is_v6(const struct mcr_addr *a);
bool addr_ip_equal(const struct mcr_addr *a, const struct mcr_addr *b);
/* 224.0.0.0/4 or ff00::/8. */
bool addr_ip_is_multicast(const struct mcr_addr *a);
/* "A.B.C.D" or the IPv6 text form; "" for none. */
const char *addr_ip_fmt(const struct mcr_addr *a, char buf[ADDR_IP_STR_MAX]);
/* With a port: "A.B.C.D:PORT" or "[IPV6]:PORT"; without one (port 0) as addr_ip_fmt(). */
const char *addr_ip_fmt_port(const struct mcr_addr *a, uint16_t port, char buf[ADDR_IP_STR_MAX]);
/* "IPv4" or "IPv6" (or "no address"), for messages. */
const char *addr_ip_family_name(const struct mcr_addr *a);

#endif
