// SPDX-License-Identifier: MIT
/*
 * The value checks shared by the JSON loader (config_json.c) and the --rule
 * shorthand (rule_spec.c): interface and rule names, addresses, ports, TTLs
 * and output sources, each against the limits documented in mcrd.conf(5).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/addr.h"
#include "config/config_internal.h"
#include "config/value.h"

/* Whether jansson takes @s as a JSON string, which must be UTF-8. */
static bool is_utf8(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);

	json_decref(j);
	return j != NULL;
}

static bool ifname_is_valid(const char *s)
{
	size_t n = strlen(s);

	/* The same rules as the kernel's dev_valid_name(). */
	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return false;
	}
	/*
	 * And what the kernel allows but JSON cannot carry: a name that is not
	 * UTF-8 (possible from --rule) could never be listed, saved or sent.
	 */
	return is_utf8(s, n);
}

static bool rule_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MCR_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

int value_check_ifname(const char *s, char ret[IF_NAMESIZE], const char *where,
			  const char *shown, struct config_error *err)
{
	if (!ifname_is_valid(s))
		return config_fail(err, -EINVAL,
				   "%s: %s is not an interface name (1..%d characters of UTF-8, no '/', ':' or spaces)",
				   where, shown, IF_NAMESIZE - 1);
	(void)snprintf(ret, IF_NAMESIZE, "%s", s);
	return 0;
}

int value_check_rule_name(const char *s, char ret[MCR_NAME_MAX], const char *where,
			     const char *shown, struct config_error *err)
{
	if (!rule_name_is_valid(s))
		return config_fail(err, -EINVAL,
				   "%s: %s is not a rule name (1 to %d characters from A-Z a-z 0-9 _ . -)",
				   where, shown, MCR_NAME_MAX - 1);
	(void)snprintf(ret, MCR_NAME_MAX, "%s", s);
	return 0;
}

/* 0.0.0.0, ::, 255.255.255.255 or ::ffff:A.B.C.D (an IPv4 address in IPv6 clothing). */
static bool is_unusable(const struct mcr_addr *a)
{
	if (addr_ip_is_v6(a))
		return IN6_IS_ADDR_UNSPECIFIED(&a->v6) || IN6_IS_ADDR_V4MAPPED(&a->v6);
	return a->v4.s_addr == htonl(INADDR_ANY) || a->v4.s_addr == htonl(INADDR_BROADCAST);
}

/* RFC 4291 2.7: scope 0 is reserved, 1 is interface-local (never on a wire). */
static bool is_v6_unroutable_group(const struct mcr_addr *a)
{
	unsigned int scope = a->v6.s6_addr[1] & 0x0f;

	return addr_ip_is_v6(a) && addr_ip_is_multicast(a) && scope <= 1;
}

int value_check_group(const char *s, struct mcr_addr *ret, const char *where, const char *shown,
		      struct config_error *err)
{
	if (addr_ip_parse(s, ret) < 0)
		return config_fail(err, -EINVAL, "%s: %s is not an IPv4 or IPv6 address", where,
				   shown);
	if (is_unusable(ret))
		return config_fail(err, -EINVAL, "%s: %s is not a usable destination address",
				   where, shown);
	if (is_v6_unroutable_group(ret))
		return config_fail(err, -EINVAL,
				   "%s: %s is an IPv6 group of scope %u, which never leaves its "
				   "host; use a scope of 2 (link) or wider, as in ff0e::/16 or ff3e::/32",
				   where, shown, ret->v6.s6_addr[1] & 0x0fu);
	return 0;
}

int value_check_source(const char *s, struct mcr_addr *ret, const char *where, const char *shown,
		       struct config_error *err)
{
	if (addr_ip_parse(s, ret) < 0)
		return config_fail(err, -EINVAL, "%s: %s is not an IPv4 or IPv6 address", where,
				   shown);
	if (is_unusable(ret) || addr_ip_is_multicast(ret))
		return config_fail(err, -EINVAL, "%s: %s must be a unicast address", where, shown);
	return 0;
}

int value_check_port(long long v, uint16_t *ret, const char *where, const char *shown,
			struct config_error *err)
{
	if (v < 1 || v > PORT_MAX)
		return config_fail(err, -EINVAL, "%s: %s is not a port number (1..%d)", where,
				   shown, PORT_MAX);
	*ret = (uint16_t)v;
	return 0;
}

int value_check_vlan(long long v, uint16_t *ret, const char *where, const char *shown,
		     struct config_error *err)
{
	if (v < 1 || v > MCR_VLAN_MAX)
		return config_fail(err, -EINVAL,
				   "%s: %s is not a VLAN ID (1..%d; leave vlan out for untagged "
				   "frames)",
				   where, shown, MCR_VLAN_MAX);
	*ret = (uint16_t)v;
	return 0;
}

int value_check_ttl(long long v, uint8_t *ret, const char *where, const char *shown,
		       struct config_error *err)
{
	if (v < 1 || v > TTL_MAX)
		return config_fail(err, -EINVAL, "%s: %s is not a TTL between 1 and %d", where,
				   shown, TTL_MAX);
	*ret = (uint8_t)v;
	return 0;
}

/* An output's "ttl" written as a word: "keep" or "decrement". */
int value_check_ttl_word(const char *s, struct mcr_output *o, const char *where,
			    const char *shown, struct config_error *err)
{
	if (!strcmp(s, "keep"))
		o->ttl_mode = TTL_KEEP;
	else if (!strcmp(s, "decrement"))
		o->ttl_mode = TTL_DECREMENT;
	else
		return config_fail(err, -EINVAL,
				   "%s: %s is not a TTL (1 to %d, \"keep\" or \"decrement\")",
				   where, shown, TTL_MAX);
	return 0;
}

/* An output's "source": "relay", "keep" or a unicast address. */
int value_check_out_source(const char *s, struct mcr_output *o, const char *where,
			      const char *shown, struct config_error *err)
{
	if (!strcmp(s, "relay")) {
		o->source_mode = SOURCE_RELAY;
		return 0;
	}
	if (!strcmp(s, "keep")) {
		o->source_mode = SOURCE_KEEP;
		return 0;
	}
	if (addr_ip_parse(s, &o->source) < 0)
		return config_fail(err, -EINVAL,
				   "%s: %s is not a source (\"relay\", \"keep\" or an IPv4 or IPv6 "
				   "address)",
				   where, shown);
	o->source_mode = SOURCE_ADDR;
	return value_check_source(s, &o->source, where, shown, err);
}
