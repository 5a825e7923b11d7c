// SPDX-License-Identifier: MIT
/*
 * The control socket from the client's side.  The socket is non-blocking
 * and every wait goes through poll() with the caller's timeout, so a daemon
 * that accepts but never answers costs mcrctl the timeout, not forever.
 * Each request carries a fresh integer id, and the response must echo it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "mcrctl/client.h"

#define READ_CHUNK		65536
#define CONNECT_RETRY_MS	10

/* Waits for @events on the socket; returns 0, -ETIMEDOUT or -errno. */
static int client_wait(const struct client *cl, short events)
{
	struct pollfd p = { .fd = cl->fd, .events = events };
	int n;

	do {
		n = poll(&p, 1, cl->timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

int client_open(struct client *cl, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t end = now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	int rc;

	*cl = (struct client){ .fd = -1, .timeout_ms = timeout_ms, .next_id = 1 };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cl->fd < 0)
		return -errno;
	for (;;) {
		const struct timespec pause = { .tv_nsec = CONNECT_RETRY_MS * NSEC_PER_MSEC };

		if (connect(cl->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
		rc = -errno;
		/* A UNIX socket says EAGAIN while the server's backlog is full: try again. */
		if (rc != -EAGAIN && rc != -EINTR)
			break;
		if (now_ns() >= end) {
			rc = -ETIMEDOUT;
			break;
		}
		(void)nanosleep(&pause, NULL);
	}
	client_close(cl);
	return rc;
}

void client_close(struct client *cl)
{
	if (cl->fd >= 0)
		(void)close(cl->fd);
	cl->fd = -1;
	free(cl->buf);
	cl->buf = NULL;
	cl->len = cl->cap = 0;
}

static int client_send(struct client *cl, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(cl->fd, data, len, MSG_NOSIGNAL);
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			rc = client_wait(cl, POLLOUT);
			if (rc < 0)
				return rc;
			continue;
		}
		if (n < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next line (without '\n') in cl->buf; *ret_len is its length. */
static int client_read_line(struct client *cl, size_t *ret_len)
{
	size_t scanned = 0;

	for (;;) {
		char *nl = cl->len > scanned ? memchr(cl->buf + scanned, '\n', cl->len - scanned) :
					       NULL;
		ssize_t n;
		int rc;

		if (nl) {
			*ret_len = (size_t)(nl - cl->buf);
			return 0;
		}
		scanned = cl->len;
		if (cl->len == CLIENT_MAX_RESPONSE)
			return -EMSGSIZE;
		if (cl->cap - cl->len < READ_CHUNK / 2) {
			size_t cap = cl->cap ? cl->cap * 2 : READ_CHUNK;
			char *grown;

			if (cap > CLIENT_MAX_RESPONSE)
				cap = CLIENT_MAX_RESPONSE;
			grown = realloc(cl->buf, cap);
			if (!grown)
				return -ENOMEM;
			cl->buf = grown;
			cl->cap = cap;
		}
		n = recv(cl->fd, cl->buf + cl->len, cl->cap - cl->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			rc = client_wait(cl, POLLIN);
			if (rc < 0)
				return rc;
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		cl->len += (size_t)n;
	}
}

int client_call(struct client *cl, enum proto_cmd cmd, json_t *args, struct proto_response *ret,
		struct proto_error *err)
{
	long long id = cl->next_id++;
	json_t *id_json = json_integer(id), *req;
	size_t len = 0;
	int rc, send_rc;
	char *line;

	*ret = (struct proto_response){ 0 };
	req = proto_request_new(cmd, id_json, args);
	json_decref(id_json);
	if (!req)
		return -ENOMEM;
	line = proto_line(req);
	json_decref(req);
	if (!line)
		return -ENOMEM;
	send_rc = client_send(cl, line, strlen(line));
	free(line);
	/*
	 * A server that hung up may have said why first (too many clients):
	 * that line is worth more than the broken pipe.
	 */
	if (send_rc < 0 && send_rc != -ECONNRESET)
		return send_rc;
	rc = client_read_line(cl, &len);
	if (rc < 0)
		return send_rc < 0 ? send_rc : rc;
	rc = proto_response_parse(cl->buf, len, ret, err);
	memmove(cl->buf, cl->buf + len + 1, cl->len - len - 1);
	cl->len -= len + 1;
	if (rc < 0)
		return -EPROTO;
	return proto_response_check_id(ret, id, err) < 0 ? -EPROTO : 0;
}
