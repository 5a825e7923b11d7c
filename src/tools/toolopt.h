/* SPDX-License-Identifier: MIT */
/*
 * Option parsing shared by mcrgen and mcrsink: numbers with range checks,
 * durations ("5", "2.5s", "500ms"), rates ("50k", "1.5M"), interface names,
 * the --step keyword and the address of the k-th stream.  Pure functions:
 * they return 0 or a negative errno and never print, so each tool words its
 * own message.
 */
#ifndef MCR_TOOLOPT_H
#define MCR_TOOLOPT_H

#include <netinet/in.h>
#include <stdint.h>

#include "common/addr.h"

#define TOOLOPT_MAX_DURATION_NS	(24ULL * 3600 * 1000000000ULL)
#define TOOLOPT_MAX_STREAMS	4096u

/* How stream k is addressed: GROUP:PORT+k or GROUP+k:PORT. */
enum toolopt_step {
	TOOLOPT_STEP_PORT,
	TOOLOPT_STEP_GROUP,
	TOOLOPT_STEP_MAX,
};

/**
 * toolopt_parse_u64() - a plain decimal integer within [@min, @max].
 *
 * Returns: 0, -EINVAL when @s is not a number, -ERANGE when out of range.
 */
int toolopt_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/**
 * toolopt_parse_duration() - a duration in nanoseconds.
 * @s: decimal number with an optional unit: ns, us, ms, s (default), m, h
 *
 * Fractions are exact ("2.5s", "0.25ms"); a value that is not a whole number
 * of nanoseconds is rejected.
 *
 * Returns: 0, -EINVAL on syntax errors, -ERANGE on overflow.
 */
int toolopt_parse_duration(const char *s, uint64_t *ret_ns);

/**
 * toolopt_parse_rate() - a packet rate in packets per second.
 * @s: decimal number with an optional suffix k (10^3), M (10^6) or G (10^9)
 *
 * "1.5M" is 1500000; a result that is not a whole number is rejected.
 *
 * Returns: 0, -EINVAL on syntax errors, -ERANGE on overflow.
 */
int toolopt_parse_rate(const char *s, uint64_t *ret_pps);

/* "port" or "group".  Returns 0 or -EINVAL. */
int toolopt_parse_step(const char *s, enum toolopt_step *ret);
const char *toolopt_step_name(enum toolopt_step step);

/**
 * toolopt_iface_index() - resolve an interface name.
 *
 * Returns: 0, -EINVAL for an empty or too long name, -ENODEV when there is
 * no such interface.
 */
int toolopt_iface_index(const char *name, unsigned int *ret_ifindex);

/**
 * toolopt_stream_addr() - destination of stream @k.
 * @base: the address given on the command line
 * @port: the port given on the command line
 * @step: which of the two is incremented by @k
 * @k: 0-based stream number
 *
 * A multicast @base must stay multicast and a unicast one must not wrap.
 *
 * Returns: 0 or -ERANGE when the address or port runs out.
 */
int toolopt_stream_addr(struct in_addr base, uint16_t port, enum toolopt_step step, uint32_t k,
			struct in_addr *ret_addr, uint16_t *ret_port);

/*
 * toolopt_stream_addr() for either family: an IPv6 @base steps in its last
 * 32 bits (ff3e::1, ff3e::2, ...), which must not wrap.
 */
int toolopt_stream_ip(const struct mcr_addr *base, uint16_t port, enum toolopt_step step,
		      uint32_t k, struct mcr_addr *ret_addr, uint16_t *ret_port);

#endif
