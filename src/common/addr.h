/* SPDX-License-Identifier: MIT */
/*
 * IPv4 address and port parsing shared by mcrd and the tools.  Pure
 * functions: they return 0 or a negative errno and never log.
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

#endif
