// SPDX-License-Identifier: MIT
/* Encoding and decoding of the mcrgen/mcrsink test payload header. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "common/payload.h"

void payload_write(uint8_t *buf, const struct payload_hdr *hdr)
{
	uint32_t magic = htobe32(PAYLOAD_MAGIC), stream = htobe32(hdr->stream);
	uint64_t seq = htobe64(hdr->seq), tx = htobe64(hdr->tx_ns);

	memcpy(buf, &magic, 4);
	memcpy(buf + 4, &stream, 4);
	memcpy(buf + 8, &seq, 8);
	memcpy(buf + 16, &tx, 8);
}

int payload_read(const uint8_t *buf, size_t len, struct payload_hdr *ret)
{
	uint32_t magic, stream;
	uint64_t seq, tx;

	if (len < PAYLOAD_HDR_LEN)
		return -EINVAL;
	memcpy(&magic, buf, 4);
	if (be32toh(magic) != PAYLOAD_MAGIC)
		return -EINVAL;
	memcpy(&stream, buf + 4, 4);
	memcpy(&seq, buf + 8, 8);
	memcpy(&tx, buf + 16, 8);
	ret->stream = be32toh(stream);
	ret->seq = be64toh(seq);
	ret->tx_ns = be64toh(tx);
	return 0;
}
