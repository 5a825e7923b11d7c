// SPDX-License-Identifier: MIT
/*
 * The MLD decoder (membership/mld_wire.c) on packets as they come off the
 * wire.  libFuzzer hands over an exact-size heap copy, so a read past the
 * packet is an ASan report.  On top of memory safety it checks what the
 * decoder promises: a decoded message is one of the four MLD types, its
 * sources and records lie inside the packet, and a query re-encoded from
 * what was decoded decodes to the same fields.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "mcrd/membership/mld_wire.h"

static struct mld_msg msg, again;

static void check_inside(const uint8_t *data, size_t size, const uint8_t *p, size_t len)
{
	FUZZ_CHECK(len == 0 || (p >= data && p + len <= data + size),
		   "%zu bytes at offset %td lie outside the %zu-byte packet", len, p - data, size);
}

static void check_query_roundtrip(void)
{
	struct in6_addr sources[MLD_QUERY_SOURCES_MAX];
	uint8_t pkt[MLD_QUERY_PACKET_MAX];
	size_t n = msg.n_sources < MLD_QUERY_SOURCES_MAX ? msg.n_sources : MLD_QUERY_SOURCES_MAX;
	int len;

	for (size_t i = 0; i < n; i++)
		sources[i] = mld_source(msg.sources, i);
	len = mld_encode_query(pkt, sizeof(pkt), &msg.src, &msg.dst, &msg.group, sources, n,
			       msg.max_resp_ms, msg.qrv, msg.qqi_s);
	FUZZ_CHECK(len > 0, "a decoded query does not encode: %d", len);
	FUZZ_CHECK(mld_decode(pkt, (size_t)len, &again) == 0, "an encoded query does not decode");
	FUZZ_CHECK(again.n_sources == n && !memcmp(&again.group, &msg.group, 16) &&
		   again.qrv == msg.qrv && again.max_resp_ms <= msg.max_resp_ms,
		   "a query re-encoded decodes to other fields");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ret = mld_decode(data, size, &msg);

	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -EPROTONOSUPPORT || ret == -EMSGSIZE,
		   "mld_decode returned %d", ret);
	if (ret < 0)
		return 0;
	FUZZ_CHECK(msg.type == MLD_TYPE_QUERY || msg.type == MLD_TYPE_V1_REPORT ||
		   msg.type == MLD_TYPE_V1_DONE || msg.type == MLD_TYPE_V2_REPORT,
		   "decoded type %u", msg.type);
	FUZZ_CHECK(msg.hop_limit == 1, "hop limit %u accepted", msg.hop_limit);
	check_inside(data, size, msg.sources, 16 * (size_t)msg.n_sources);
	for (size_t i = 0; i < msg.n_records; i++) {
		FUZZ_CHECK(msg.records[i].type >= IGMP_MODE_IS_INCLUDE &&
			   msg.records[i].type < IGMP_RECORD_TYPE_MAX, "record type %d",
			   msg.records[i].type);
		check_inside(data, size, msg.records[i].sources,
			     16 * (size_t)msg.records[i].n_sources);
	}
	if (msg.type == MLD_TYPE_QUERY && msg.version == 2)
		check_query_roundtrip();
	return 0;
}
