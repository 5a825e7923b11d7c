/* SPDX-License-Identifier: MIT */
/*
 * The value checks the JSON loader and the --rule shorthand share, so that
 * a rule means the same thing however it was written.  Each parses or
 * checks one value into its place in a rule and, on failure, fills @err
 * with "@where: @shown is not ...": @where names the place
 * ("rules[0].input.group" or `rule "...": output 2`), @shown is the value
 * as the user wrote it, ready to print.  Each returns 0 or -EINVAL.
 * Included only from src/config/.
 */
#ifndef MCR_CONFIG_VALUE_H
#define MCR_CONFIG_VALUE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "config/config.h"

#define PORT_MAX		65535
#define TTL_MAX			255

int value_check_ifname(const char *s, char ret[IF_NAMESIZE], const char *where,
		       const char *shown, struct config_error *err);
int value_check_rule_name(const char *s, char ret[MCR_NAME_MAX], const char *where,
			  const char *shown, struct config_error *err);
/*
 * A destination, IPv4 or IPv6: a multicast group or a unicast address, but
 * not 0.0.0.0, ::, broadcast, or an IPv6 multicast address of scope 0 or
 * 1 (reserved, interface-local: nothing a relay can send to).
 */
int value_check_group(const char *s, struct mcr_addr *ret, const char *where, const char *shown,
		      struct config_error *err);
/* A unicast address of either family (an input's or output's "source"). */
int value_check_source(const char *s, struct mcr_addr *ret, const char *where, const char *shown,
		       struct config_error *err);
int value_check_port(long long v, uint16_t *ret, const char *where, const char *shown,
		     struct config_error *err);
/* A VLAN ID a rule takes: 1..MCR_VLAN_MAX. */
int value_check_vlan(long long v, uint16_t *ret, const char *where, const char *shown,
		     struct config_error *err);
int value_check_ttl(long long v, uint8_t *ret, const char *where, const char *shown,
		    struct config_error *err);
/* An output's "ttl" written as a word: "keep" or "decrement". */
int value_check_ttl_word(const char *s, struct mcr_output *o, const char *where,
			 const char *shown, struct config_error *err);
/* An output's "source": "relay", "keep" or a unicast address. */
int value_check_out_source(const char *s, struct mcr_output *o, const char *where,
			   const char *shown, struct config_error *err);

#endif
