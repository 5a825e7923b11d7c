/* SPDX-License-Identifier: MIT */
/*
 * The supervisor-worker channel: newline-delimited JSON over a socketpair.
 * Requests go down ({"cmd":"stats"}, {"cmd":"stop"}), replies come up
 * ({"stats":{...}}, {"final":{...}}).  A message may carry binary data:
 * its line says {"bytes": N} and N raw bytes follow it (a configuration
 * image, cfgwire.h, down; a counters report, stats.h, up).  This module only frames; what messages mean belongs
 * to the two ends.
 */
#ifndef MCR_CHAN_H
#define MCR_CHAN_H

#include <jansson.h>
#include <stddef.h>

#define CHAN_MAX_LINE (16 << 20)	/* a stats document for thousands of outputs */

struct chan_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Send one JSON value as a line, blocking until written.  0 or -errno. */
int chan_send_json(int fd, const json_t *msg);
/* Send len bytes as they are (a line and its data), blocking.  0 or -errno. */
int chan_send_raw(int fd, const char *data, size_t len);
/* Serialize msg as a malloc'd line ending in '\n'; NULL on ENOMEM. */
char *chan_format(const json_t *msg, size_t *ret_len);

/* Append bytes that arrived; -ENOMEM or -E2BIG when a line grows too long. */
int chan_buf_append(struct chan_buf *b, const char *data, size_t len);
/*
 * Take the next complete line as a parsed JSON value (new reference) and
 * drop it from the buffer.  Returns 1 with *ret set, 0 when no complete
 * line is buffered, -EBADMSG for a line that is not JSON (dropped).
 */
int chan_buf_next(struct chan_buf *b, json_t **ret);
/*
 * The binary data of n bytes that follows a line with "bytes": a pointer
 * into the buffer, valid until chan_buf_drop(b, n), or NULL while fewer
 * than n bytes have arrived.
 */
const char *chan_buf_peek(const struct chan_buf *b, size_t n);
void chan_buf_drop(struct chan_buf *b, size_t n);
void chan_buf_free(struct chan_buf *b);

#endif
