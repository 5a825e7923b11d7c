// SPDX-License-Identifier: MIT
/*
 * The receive path's frame parser (dataplane/packet.c) and the egress
 * header it feeds (dataplane/frame.c), on frames as they come off the wire.
 * libFuzzer hands over an exact-size heap copy, so a read past the
 * captured bytes is an ASan report.  On top of memory safety it checks what
 * the parser promises: a verdict from the enum, a payload inside the
 * capture, a VLAN that is none, one VID or "stacked" (packet_vlan()); and
 * what the relay promises for every frame it takes: the header built for an
 * output carries a valid IPv4 checksum, and a valid UDP checksum when the
 * datagram had one (RFC 1624 update, never a re-sum).
 *
 * Each address family the parser learns gets its own check_*() below,
 * chosen by the verdict or the version in the header it points at.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mcrd/dataplane/frame.h"
#include "mcrd/dataplane/frame6.h"
#include "mcrd/dataplane/packet.h"
#include "../csum_ref.h"

static const uint8_t GROUP_MAC[6] = { 0x01, 0x00, 0x5e, 0x01, 0x01, 0x01 };
static const uint8_t OUR_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/*
 * The UDP checksum field of a datagram, written as a sender computes it
 * over the pseudo-header, @udp (its check field taken as zero) and the
 * payload that follows it.
 */
static uint16_t udp_full_check(const uint8_t *ip, const uint8_t *udp, uint16_t udp_len)
{
	uint32_t sum = ref_pseudo4_sum(ip, udp_len) + ref_sum(0, udp, 6) +
		       ref_sum(0, udp + 8, (size_t)udp_len - 8);
	uint16_t check = (uint16_t)~ref_fold(sum);

	return check ? check : 0xffff;
}

/*
 * The UDP checksum @fn wrote in the output header @oudp for the received
 * datagram @udp (whose checksum was not 0), given the new pseudo-header's
 * sum @pseudo: never 0, and for a received partial one (@csum, the kernel
 * completes it) that sum folded, else one that verifies over the new
 * pseudo-header, @oudp and the untouched payload.
 */
static void check_udp_csum(const char *fn, uint8_t csum, uint32_t pseudo, const uint8_t *oudp,
			   const uint8_t *udp)
{
	uint16_t udp_len = ref_load16(udp + 4), check = ref_load16(oudp + 6);
	uint32_t sum;

	FUZZ_CHECK(check != 0, "%s: UDP checksum 0", fn);
	if (csum == FRAME_CSUM_PARTIAL) {
		FUZZ_CHECK(check == ref_fold(pseudo),
			   "%s: partial checksum 0x%04x is not the pseudo-header sum", fn, check);
		return;
	}
	sum = pseudo + ref_sum(0, oudp, 8) + ref_sum(0, udp + 8, (size_t)udp_len - 8);
	FUZZ_CHECK(ref_fold(sum) == 0xffff,
		   "%s: UDP checksum 0x%04x does not verify (received 0x%04x)", fn, check,
		   ref_load16(udp + 6));
}

/* One output's header for the datagram at @ip/@udp, checked against its payload. */
static void check_output(const struct frame_tmpl *t, const uint8_t *ip, const uint8_t *udp)
{
	uint8_t out[FRAME_SEND_LEN];
	struct frame_pkt p;
	const uint8_t *oip = out + FRAME_OFF_IP, *oudp = out + FRAME_OFF_UDP;
	uint16_t udp_len = ref_load16(udp + 4), check;

	frame_pkt_init(&p, ip, udp);
	frame_build(out, t, &p, 0x1234, (uint8_t)(ip[8] - 1));
	FUZZ_CHECK(ref_fold(ref_sum(0, oip, FRAME_IP_LEN)) == 0xffff,
		   "frame_build: IPv4 header checksum does not verify");
	FUZZ_CHECK(ref_load16(oudp + 4) == udp_len, "frame_build: UDP length %u, received %u",
		   ref_load16(oudp + 4), udp_len);
	check = ref_load16(oudp + 6);
	if (ref_load16(udp + 6) == 0) {
		FUZZ_CHECK(check == 0, "frame_build: a datagram without checksum got 0x%04x",
			   check);
		return;
	}
	check_udp_csum("frame_build", p.csum, ref_pseudo4_sum(oip, udp_len), oudp, udp);
}

/*
 * The VLAN of a parsed frame, with and without a tag the kernel took off
 * (its TCI from @tci_byte): none, one VID, or "stacked" for two tags or
 * more, which no rule takes.
 */
static void check_vlan(const struct pkt_info *info, uint8_t tci_byte)
{
	uint16_t outer = (uint16_t)(tci_byte << 4 | tci_byte), v;

	FUZZ_CHECK(info->vlan_depth > 0 || info->vlan_tci == 0, "untagged, TCI 0x%04x",
		   info->vlan_tci);
	v = packet_vlan(info, false, 0);
	FUZZ_CHECK(info->vlan_depth < 2 ? v == (info->vlan_tci & PKT_VID_MASK) :
					  v == PKT_VLAN_STACKED,
		   "%u tags, TCI 0x%04x: VLAN %u", info->vlan_depth, info->vlan_tci, v);
	v = packet_vlan(info, true, outer);
	FUZZ_CHECK(info->vlan_depth == 0 ? v == (outer & PKT_VID_MASK) : v == PKT_VLAN_STACKED,
		   "%u tags and one taken off: VLAN %u", info->vlan_depth, v);
}

/*
 * An IPv4 datagram the parser accepted: its payload lies in the capture,
 * and every output's header checks out.  The received checksum is made
 * right first (unless it is 0, "none"), as a real sender's would be.
 */
static void check_ipv4(uint8_t *frame, size_t len, const struct pkt_info *info)
{
	struct in_addr relay = { htonl(0xc6120001) }, keep = { htonl(INADDR_ANY) };
	struct in_addr group = { htonl(0xef010101) };
	uint8_t *ip = frame + info->ip_off, *udp;
	struct frame_tmpl t;
	uint16_t udp_len;

	FUZZ_CHECK(info->vlan_depth <= 2, "vlan_depth %u", info->vlan_depth);
	check_vlan(info, frame[0]);
	FUZZ_CHECK(info->payload_off >= info->ip_off + 28u, "payload at %u, IPv4 at %u",
		   info->payload_off, info->ip_off);
	FUZZ_CHECK((size_t)info->payload_off + info->payload_len <= len,
		   "payload %u+%u past the %zu captured bytes", info->payload_off,
		   info->payload_len, len);
	udp = frame + info->payload_off - 8;
	udp_len = ref_load16(udp + 4);
	FUZZ_CHECK(udp_len == info->payload_len + 8u, "UDP length %u, payload %u", udp_len,
		   info->payload_len);
	if (ref_load16(udp + 6) != 0) {
		/*
		 * The IP id's low bit picks what the sender left: a complete
		 * checksum, or (checksum offload) only the pseudo-header's sum.
		 */
		uint16_t check = ip[5] & 1 ? ref_fold(ref_pseudo4_sum(ip, udp_len)) :
					     udp_full_check(ip, udp, udp_len);

		udp[6] = (uint8_t)(check >> 8);
		udp[7] = (uint8_t)check;
	}
	frame_tmpl_init(&t, GROUP_MAC, OUR_MAC, relay, group, 0);
	check_output(&t, ip, udp);
	frame_tmpl_init(&t, GROUP_MAC, OUR_MAC, keep, group, 5001);
	check_output(&t, ip, udp);
}

/*
 * One IPv6 output's header for the datagram at @ip/@udp: the UDP checksum
 * verifies over the new pseudo-header and the payload, and is never 0.
 */
static void check_output6(const struct frame6_tmpl *t, const uint8_t *ip, const uint8_t *udp)
{
	uint8_t out[FRAME6_SEND_LEN];
	const uint8_t *oip = out + FRAME6_OFF_IP, *oudp = out + FRAME6_OFF_UDP;
	uint16_t udp_len = ref_load16(udp + 4);
	struct frame6_pkt p;

	frame6_pkt_init(&p, ip, udp);
	frame6_build(out, t, &p, 3);
	FUZZ_CHECK(ref_load16(oip + 4) == udp_len && ref_load16(oudp + 4) == udp_len,
		   "frame6_build: lengths %u/%u, received %u", ref_load16(oip + 4),
		   ref_load16(oudp + 4), udp_len);
	check_udp_csum("frame6_build", p.csum, ref_pseudo6_sum(oip, udp_len), oudp, udp);
}

/*
 * An IPv6 datagram the parser accepted: the fixed header and its extension
 * headers lie before the UDP header, the datagram inside the capture, the
 * addresses are the header's, and its UDP checksum is not 0 (which IPv6
 * forbids and the relay could not carry over).
 */
static void check_ipv6(const uint8_t *frame, size_t len, const struct pkt_info *info)
{
	const uint8_t *ip = frame + info->ip_off, *udp = frame + info->udp_off;

	FUZZ_CHECK(info->vlan_depth <= 2, "vlan_depth %u", info->vlan_depth);
	check_vlan(info, frame[0]);
	FUZZ_CHECK(ip[0] >> 4 == 6, "IPv6 header of version %u", ip[0] >> 4);
	FUZZ_CHECK(info->udp_off >= info->ip_off + 40u && (info->udp_off - info->ip_off) % 8 == 0,
		   "UDP at %u, IPv6 at %u", info->udp_off, info->ip_off);
	FUZZ_CHECK(info->payload_off == info->udp_off + 8u, "payload at %u, UDP at %u",
		   info->payload_off, info->udp_off);
	FUZZ_CHECK((size_t)info->payload_off + info->payload_len <= len,
		   "payload %u+%u past the %zu captured bytes", info->payload_off,
		   info->payload_len, len);
	FUZZ_CHECK((size_t)info->payload_off + info->payload_len <=
			   info->ip_off + 40u + ref_load16(ip + 4),
		   "payload %u+%u past the IPv6 payload length %u", info->payload_off,
		   info->payload_len, ref_load16(ip + 4));
	FUZZ_CHECK(ref_load16(udp + 4) == info->payload_len + 8u, "UDP length %u, payload %u",
		   ref_load16(udp + 4), info->payload_len);
	FUZZ_CHECK(ref_load16(udp + 6) != 0, "UDP checksum 0 accepted");
	FUZZ_CHECK(memcmp(&info->saddr6, ip + 8, 16) == 0 && memcmp(&info->daddr6, ip + 24, 16) == 0,
		   "addresses differ from the header's");
	FUZZ_CHECK(info->ttl == ip[7], "hop limit %u, header %u", info->ttl, ip[7]);
}

/*
 * The headers relayed for an IPv6 datagram, from a copy whose received
 * checksum is made right first (complete or, by the payload's first
 * byte, the pseudo-header's only), as a real sender's would be.
 */
static void check_ipv6_outputs(uint8_t *frame, const struct pkt_info *info)
{
	static const uint8_t mac6[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct in6_addr relay = { .s6_addr = { 0xfe, 0x80, [15] = 1 } }, keep = { 0 };
	struct in6_addr group = { .s6_addr = { 0xff, 0x0e, [15] = 7 } };
	uint8_t *ip = frame + info->ip_off, *udp = frame + info->udp_off;
	uint16_t udp_len = ref_load16(udp + 4), check;
	struct frame6_tmpl t;

	udp[6] = 0;
	udp[7] = 0;
	if (info->payload_len && frame[info->payload_off] & 1)
		check = ref_fold(ref_pseudo6_sum(ip, udp_len));
	else
		check = (uint16_t)~ref_fold(ref_pseudo6_sum(ip, udp_len) + ref_sum(0, udp, udp_len));
	if (check == 0)
		check = 0xffff;
	udp[6] = (uint8_t)(check >> 8);
	udp[7] = (uint8_t)check;
	frame6_tmpl_init(&t, mac6, OUR_MAC, &relay, &group, 0);
	check_output6(&t, ip, udp);
	frame6_tmpl_init(&t, mac6, OUR_MAC, &keep, &group, 5001);
	check_output6(&t, ip, udp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info info;
	enum pkt_verdict v;
	uint8_t *frame;

	memset(&info, 0, sizeof(info));
	v = packet_parse(data, size, &info);
	FUZZ_CHECK(v >= PKT_OK && v < PKT_VERDICT_MAX, "verdict %d", (int)v);
	if (v == PKT_OK_IPV6) {
		check_ipv6(data, size, &info);
		frame = (uint8_t *)fuzz_strdup(data, size);
		check_ipv6_outputs(frame, &info);
		free(frame);
	}
	if (v != PKT_OK)
		return 0;
	/* The checks rewrite the UDP checksum: work on a copy of the same size. */
	frame = (uint8_t *)fuzz_strdup(data, size);
	check_ipv4(frame, size, &info);
	free(frame);
	return 0;
}
