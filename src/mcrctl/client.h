/* SPDX-License-Identifier: MIT */
/*
 * mcrctl's side of the control socket: connect, send one request, wait for
 * its response line, each step bounded by a timeout.  Returns codes and
 * leaves the wording of failures to the caller.
 */
#ifndef MCRCTL_CLIENT_H
#define MCRCTL_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "common/proto.h"

/* The longest response mcrctl accepts; far above any real configuration. */
#define CLIENT_MAX_RESPONSE	(256 << 20)

struct client {
	int fd;
	int timeout_ms;		/* for each wait: connect, send, every read */
	long long next_id;
	char *buf;		/* received bytes not yet returned as a response */
	size_t len, cap;
};

/*
 * Connect to the server at @path.  Returns 0, or a negative errno from
 * connect() (-ENOENT, -ECONNREFUSED, -EACCES...) or -ETIMEDOUT.
 */
int client_open(struct client *cl, const char *path, int timeout_ms);
void client_close(struct client *cl);

/*
 * Send @cmd with the members of @args (may be NULL) and wait for the
 * response.  Returns 0 with *ret filled in (an error response too:
 * ret->is_ok tells), or -ETIMEDOUT, -ECONNRESET when the server closed the
 * connection, -EPROTO with @err filled in when the response is malformed
 * or answers another request, -EMSGSIZE, -ENOMEM, or another errno.
 * *ret is always safe to proto_response_clear().
 */
int client_call(struct client *cl, enum proto_cmd cmd, json_t *args, struct proto_response *ret,
		struct proto_error *err);

#endif
