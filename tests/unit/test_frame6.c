// SPDX-License-Identifier: MIT
/*
 * Unit tests for the IPv6 egress header (frame6.c): a received datagram
 * with a complete UDP checksum, one with only the pseudo-header's
 * (checksum offload), sent on to another group, port and source: the
 * header carries the received traffic class and flow label, the given hop
 * limit, and a checksum that verifies over the new pseudo-header and the
 * untouched payload, never 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "common/util.h"
#include "mcrd/dataplane/frame6.h"
#include "../csum_ref.h"

#define PAYLOAD		37	/* odd: the last byte is summed alone */

static const uint8_t SRC_MAC[6] = { 0x02, 0, 0, 0, 0, 1 };

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* A received IPv6 UDP datagram: header, UDP, payload; full or partial checksum. */
static void received(uint8_t *ip, bool is_partial)
{
	struct in6_addr s = a6("2001:db8::1"), d = a6("ff3e::1");
	uint8_t *udp = ip + FRAME6_IP_LEN;
	uint16_t len = 8 + PAYLOAD, check;

	memset(ip, 0, FRAME6_IP_LEN + len);
	ip[0] = 0x6b;			/* traffic class 0xb8 (EF), flow label 0x12345 */
	ip[1] = 0x81;
	ip[2] = 0x23;
	ip[3] = 0x45;
	ip[4] = 0;
	ip[5] = (uint8_t)len;
	ip[6] = IPPROTO_UDP;
	ip[7] = 17;
	memcpy(ip + 8, &s, 16);
	memcpy(ip + 24, &d, 16);
	udp[0] = 0x9c;			/* 40000 */
	udp[1] = 0x40;
	udp[2] = 0x13;			/* 5000 */
	udp[3] = 0x88;
	udp[5] = (uint8_t)len;
	for (int i = 0; i < PAYLOAD; i++)
		udp[8 + i] = (uint8_t)(i * 13 + 1);
	if (is_partial)
		check = ref_fold(ref_pseudo6_sum(ip, len));
	else
		check = (uint16_t)~ref_fold(ref_pseudo6_sum(ip, len) + ref_sum(0, udp, len));
	udp[6] = (uint8_t)(check >> 8);
	udp[7] = (uint8_t)check;
}

/* Relay @ip's datagram through @t and check the frame against the payload. */
static void check_relay(const struct frame6_tmpl *t, const uint8_t *ip, bool is_partial)
{
	uint8_t out[FRAME6_SEND_LEN];
	const uint8_t *oip = out + FRAME6_OFF_IP, *oudp = out + FRAME6_OFF_UDP;
	const uint8_t *payload = ip + FRAME6_IP_LEN + 8;
	struct virtio_net_hdr vnet;
	struct frame6_pkt p;
	uint16_t len = 8 + PAYLOAD;
	uint32_t sum;

	frame6_pkt_init(&p, ip, ip + FRAME6_IP_LEN);
	frame6_build(out, t, &p, 16);
	assert_memory_equal(oip, ip, 4);	/* version, traffic class, flow label */
	assert_int_equal(ref_load16(oip + 4), len);
	assert_int_equal(oip[6], IPPROTO_UDP);
	assert_int_equal(oip[7], 16);
	assert_int_equal(ref_load16(oudp + 4), len);
	assert_int_equal(ref_load16(out + FRAME_OFF_ETH + 12), 0x86dd);
	memcpy(&vnet, out, sizeof(vnet) < FRAME_VNET_LEN ? sizeof(vnet) : FRAME_VNET_LEN);
	assert_int_not_equal(ref_load16(oudp + 6), 0);
	if (is_partial) {
		assert_int_equal(vnet.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(vnet.csum_start, FRAME_ETH_LEN + FRAME6_IP_LEN);
		assert_int_equal(ref_load16(oudp + 6), ref_fold(ref_pseudo6_sum(oip, len)));
		return;
	}
	assert_int_equal(vnet.flags, 0);
	sum = ref_pseudo6_sum(oip, len) + ref_sum(0, oudp, 8) + ref_sum(0, payload, PAYLOAD);
	assert_int_equal(ref_fold(sum), 0xffff);
}

static void t_relay_checksums(void **state)
{
	struct in6_addr group = a6("ff0e::1:2"), relay = a6("fe80::1"), any = { 0 };
	uint8_t ip[FRAME6_IP_LEN + 8 + PAYLOAD], mac[6];
	struct frame6_tmpl t;

	(void)state;
	frame6_multicast_mac(&group, mac);
	assert_int_equal(mac[0], 0x33);
	assert_int_equal(mac[1], 0x33);
	assert_int_equal(mac[4], 0x00);
	assert_int_equal(mac[5], 0x02);
	assert_int_equal(mac[3], 0x01);
	for (int partial = 0; partial <= 1; partial++) {
		received(ip, partial);
		/* Another group and port, from the relay's address. */
		frame6_tmpl_init(&t, mac, SRC_MAC, &relay, &group, 6000);
		check_relay(&t, ip, partial);
		/* The packet's own port, the sender's address ("source": "keep"). */
		frame6_tmpl_init(&t, mac, SRC_MAC, &any, &group, 0);
		check_relay(&t, ip, partial);
		{
			uint8_t out[FRAME6_SEND_LEN];
			struct frame6_pkt p;

			frame6_pkt_init(&p, ip, ip + FRAME6_IP_LEN);
			frame6_build(out, &t, &p, 1);
			assert_memory_equal(out + FRAME6_OFF_IP + 8, ip + 8, 16);
			assert_int_equal(ref_load16(out + FRAME6_OFF_UDP + 2), 5000);
		}
	}
}

/* Every destination port: the carried-over checksum verifies and is never 0. */
static void t_checksum_never_zero(void **state)
{
	struct in6_addr group = a6("ff3e::9"), relay = a6("2001:db8::2");
	uint8_t ip[FRAME6_IP_LEN + 8 + PAYLOAD], mac[6];
	struct frame6_tmpl t;

	(void)state;
	frame6_multicast_mac(&group, mac);
	received(ip, false);
	for (uint32_t port = 1; port <= 65535; port++) {
		frame6_tmpl_init(&t, mac, SRC_MAC, &relay, &group, (uint16_t)port);
		check_relay(&t, ip, false);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_relay_checksums),
		cmocka_unit_test(t_checksum_never_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
