// SPDX-License-Identifier: MIT
/*
 * Unit tests for the UDP sockets a rule change carries over (udpreuse.c):
 * an output set up alike finds the socket, once; a difference in any field
 * its socket was set up with (interface, group, port, TTL, source, send
 * buffer) finds none; l2 outputs (all-zero keys) are never offered; and
 * at 4,096 outputs every one finds its own.  The "sockets" are numbers:
 * the table only hands them back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "mcrd/dataplane/udpreuse.h"

#define SNDBUF	(4 << 20)
#define SCALE	4096

static struct mcr_output output(unsigned int ifindex, uint32_t group, uint16_t port)
{
	struct mcr_output o;

	memset(&o, 0, sizeof(o));
	o.ifindex = ifindex;
	o.group.v4.s_addr = htonl(group);
	o.port = port;
	o.ttl_mode = TTL_DECREMENT;
	o.source_mode = SOURCE_RELAY;
	return o;
}

static void t_alike_found_once(void **state)
{
	struct mcr_output o = output(3, 0xef010101u, 5000);
	struct udp_key keys[3] = { udp_key_make(&o, SNDBUF), { 0 }, udp_key_make(&o, SNDBUF) };
	int fds[3] = { 10, 11, 12 };
	struct udp_key k = udp_key_make(&o, SNDBUF), zero = { 0 };
	struct udp_reuse *r;

	(void)state;
	assert_int_equal(udp_reuse_new(keys, fds, 3, &r), 0);
	assert_int_equal(udp_reuse_take(r, &k), 10);
	/* Taken: an output alike opens its own (the table offers one of alike keys). */
	assert_int_equal(udp_reuse_take(r, &k), -1);
	/* An l2 output's key is never offered. */
	assert_int_equal(udp_reuse_take(r, &zero), -1);
	udp_reuse_free(r);
	udp_reuse_free(NULL);
}

static void t_any_difference_misses(void **state)
{
	struct mcr_output base = output(3, 0xef010101u, 5000), o[7];
	struct udp_key keys[1] = { udp_key_make(&base, SNDBUF) }, k;
	int fds[1] = { 10 };
	struct udp_reuse *r;

	(void)state;
	for (size_t i = 0; i < 7; i++)
		o[i] = base;
	o[0].ifindex = 4;
	o[1].group.v4.s_addr = htonl(0xef010102u);
	o[2].port = 5001;
	o[3].ttl_mode = TTL_SET;
	o[3].ttl = 9;
	o[4].source_mode = SOURCE_ADDR;
	o[4].source.v4.s_addr = htonl(0xc6120001u);
	o[5].source_mode = SOURCE_KEEP;
	assert_int_equal(udp_reuse_new(keys, fds, 1, &r), 0);
	for (size_t i = 0; i < 6; i++) {
		k = udp_key_make(&o[i], SNDBUF);
		assert_int_equal(udp_reuse_take(r, &k), -1);
	}
	k = udp_key_make(&o[6], SNDBUF / 2);
	assert_int_equal(udp_reuse_take(r, &k), -1);
	/* A TTL the mode does not use is no difference. */
	o[6].ttl = 200;
	k = udp_key_make(&o[6], SNDBUF);
	assert_int_equal(udp_reuse_take(r, &k), 10);
	udp_reuse_free(r);
}

static void t_scale(void **state)
{
	struct udp_key *keys = calloc(SCALE, sizeof(*keys));
	int *fds = calloc(SCALE, sizeof(*fds));
	struct udp_reuse *r;

	(void)state;
	assert_non_null(keys);
	assert_non_null(fds);
	for (unsigned int i = 0; i < SCALE; i++) {
		struct mcr_output o = output(3, 0xef010000u + i / 16, (uint16_t)(5000 + i % 16));

		keys[i] = udp_key_make(&o, SNDBUF);
		fds[i] = 1000 + (int)i;
	}
	assert_int_equal(udp_reuse_new(keys, fds, SCALE, &r), 0);
	for (unsigned int i = SCALE; i-- > 0;)
		assert_int_equal(udp_reuse_take(r, &keys[i]), 1000 + (int)i);
	udp_reuse_free(r);
	free(keys);
	free(fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_alike_found_once),
		cmocka_unit_test(t_any_difference_misses),
		cmocka_unit_test(t_scale),
	};

	return cmocka_run_group_tests_name("udpreuse", tests, NULL, NULL);
}
