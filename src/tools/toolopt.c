// SPDX-License-Identifier: MIT
/*
 * Option parsing helpers for mcrgen and mcrsink.  Numbers with a fraction are
 * parsed as decimal digits rather than with strtod() so that "2.5s" or
 * "1.5M" give exact integers and anything that does not is refused instead
 * of being silently rounded.
 */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>

#include "tools/toolopt.h"

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit duration_units[] = {
	{ "", 1000000000ULL },	{ "s", 1000000000ULL }, { "ns", 1ULL },
	{ "us", 1000ULL },	{ "ms", 1000000ULL },	{ "m", 60000000000ULL },
	{ "h", 3600000000000ULL },
};

static const struct unit rate_units[] = {
	{ "", 1ULL }, { "k", 1000ULL }, { "K", 1000ULL }, { "M", 1000000ULL }, { "G", 1000000000ULL },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * "INT[.FRAC]UNIT" times the unit's multiplier, exactly.  Trailing zeros of
 * the fraction are dropped first, so "1.50k" and "1.5k" are the same.
 */
static int parse_scaled(const char *s, const struct unit *units, size_t nunits, uint64_t *ret)
{
	uint64_t ip = 0, frac = 0, pow10 = 1, mult = 0, v, fv;
	const char *p = s, *frac_start, *frac_end;
	bool found = false;

	if (!s || !*s)
		return -EINVAL;
	for (; is_digit(*p); p++) {
		if (__builtin_mul_overflow(ip, 10, &ip) ||
		    __builtin_add_overflow(ip, (uint64_t)(*p - '0'), &ip))
			return -ERANGE;
	}
	frac_start = frac_end = p;
	if (*p == '.') {
		frac_start = ++p;
		while (is_digit(*p))
			p++;
		frac_end = p;
		if (frac_end == frac_start)
			return -EINVAL;
	}
	if (p == s)
		return -EINVAL;
	while (frac_end > frac_start && frac_end[-1] == '0')
		frac_end--;
	/* 19 significant fraction digits cannot be exact for any of our units. */
	if (frac_end - frac_start > 18)
		return -EINVAL;
	for (const char *q = frac_start; q < frac_end; q++) {
		frac = frac * 10 + (uint64_t)(*q - '0');
		pow10 *= 10;
	}

	for (size_t i = 0; i < nunits; i++) {
		if (strcmp(p, units[i].name) == 0) {
			mult = units[i].mult;
			found = true;
			break;
		}
	}
	if (!found)
		return -EINVAL;

	if (__builtin_mul_overflow(ip, mult, &v))
		return -ERANGE;
	if (__builtin_mul_overflow(frac, mult, &fv) || fv % pow10 != 0)
		return -EINVAL;
	if (__builtin_add_overflow(v, fv / pow10, &v))
		return -ERANGE;
	*ret = v;
	return 0;
}

int toolopt_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;

	if (!s || !is_digit(*s))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -ERANGE;
	}
	if (*p)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int toolopt_parse_duration(const char *s, uint64_t *ret_ns)
{
	return parse_scaled(s, duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
			    ret_ns);
}

int toolopt_parse_rate(const char *s, uint64_t *ret_pps)
{
	return parse_scaled(s, rate_units, sizeof(rate_units) / sizeof(rate_units[0]), ret_pps);
}

static const char *const step_names[TOOLOPT_STEP_MAX] = {
	[TOOLOPT_STEP_PORT] = "port",
	[TOOLOPT_STEP_GROUP] = "group",
};

int toolopt_parse_step(const char *s, enum toolopt_step *ret)
{
	for (int i = 0; i < TOOLOPT_STEP_MAX; i++) {
		if (s && strcmp(s, step_names[i]) == 0) {
			*ret = (enum toolopt_step)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *toolopt_step_name(enum toolopt_step step)
{
	return step < TOOLOPT_STEP_MAX ? step_names[step] : "?";
}

int toolopt_iface_index(const char *name, unsigned int *ret_ifindex)
{
	unsigned int idx;

	if (!name || !*name || strlen(name) >= IF_NAMESIZE)
		return -EINVAL;
	idx = if_nametoindex(name);
	if (idx == 0)
		return -ENODEV;
	*ret_ifindex = idx;
	return 0;
}

int toolopt_stream_addr(struct in_addr base, uint16_t port, enum toolopt_step step, uint32_t k,
			struct in_addr *ret_addr, uint16_t *ret_port)
{
	uint32_t host = ntohl(base.s_addr), next;

	if (step == TOOLOPT_STEP_PORT) {
		if ((uint32_t)port + k > 65535)
			return -ERANGE;
		*ret_addr = base;
		*ret_port = (uint16_t)(port + k);
		return 0;
	}
	if (__builtin_add_overflow(host, k, &next))
		return -ERANGE;
	/* A multicast base must not walk into the reserved 240.0.0.0/4. */
	if (IN_MULTICAST(host) && !IN_MULTICAST(next))
		return -ERANGE;
	ret_addr->s_addr = htonl(next);
	*ret_port = port;
	return 0;
}

int toolopt_stream_ip(const struct mcr_addr *base, uint16_t port, enum toolopt_step step,
		      uint32_t k, struct mcr_addr *ret_addr, uint16_t *ret_port)
{
	uint32_t low, next;

	*ret_addr = *base;
	if (!addr_ip_is_v6(base))
		return toolopt_stream_addr(base->v4, port, step, k, &ret_addr->v4, ret_port);
	if (step == TOOLOPT_STEP_PORT)
		return toolopt_stream_addr(base->v4, port, step, k, &(struct in_addr){ 0 }, ret_port);
	memcpy(&low, base->v6.s6_addr + 12, sizeof(low));
	if (__builtin_add_overflow(ntohl(low), k, &next))
		return -ERANGE;
	next = htonl(next);
	memcpy(ret_addr->v6.s6_addr + 12, &next, sizeof(next));
	*ret_port = port;
	return 0;
}
