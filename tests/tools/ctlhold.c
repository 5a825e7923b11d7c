// SPDX-License-Identifier: MIT
/*
 * ctlhold: hold connections to mcrd's control socket without asking
 * anything, the way a local user would to lock mcrctl out, and report when
 * mcrd let go of each.  --silent connections send nothing, --blank ones a
 * blank line every 200 ms.  Once every connection is made (or refused) it
 * creates --ready-file, then waits until mcrd has closed them all, or
 * --max-s has passed, and prints one JSON line: how many were held, how
 * many were refused with too_many_clients, how many are still open, and
 * the first and last close in ms after the ready file.  One process for
 * them all, so that 64 of them start in milliseconds on a busy machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/util.h"

#define MAX_CONNS	256
#define BLANK_EVERY_MS	200
/* How long a refusal may take to arrive after the connection was made. */
#define REFUSAL_WAIT_MS	500

struct conn {
	int fd;			/* -1 once closed */
	bool is_blank;
	bool is_refused;
	char buf[256];
	size_t len;
};

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* Blocking: waits while mcrd's backlog is full. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		int rc = -errno;

		(void)close(fd);
		return rc;
	}
	return fd;
}

/* Reads what came; true when mcrd has closed the connection. */
static bool conn_read(struct conn *c)
{
	char tmp[512];
	ssize_t n = recv(c->fd, tmp, sizeof(tmp), 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n > 0) {
		size_t take = (size_t)n < sizeof(c->buf) - 1 - c->len ? (size_t)n :
									 sizeof(c->buf) - 1 - c->len;

		memcpy(c->buf + c->len, tmp, take);
		c->len += take;
		c->buf[c->len] = '\0';
		return false;
	}
	if (strstr(c->buf, "too_many_clients"))
		c->is_refused = true;
	(void)close(c->fd);
	c->fd = -1;
	return true;
}

/* Polls every open connection for up to @ms; returns how many closed. */
static int poll_conns(struct conn *cs, int n, int ms, struct pollfd *pfd)
{
	int closed = 0;

	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = cs[i].fd, .events = POLLIN };
	if (poll(pfd, (nfds_t)n, ms) < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			closed += conn_read(&cs[i]);
	return closed;
}

static void send_blanks(struct conn *cs, int n)
{
	for (int i = 0; i < n; i++) {
		if (cs[i].fd < 0 || !cs[i].is_blank)
			continue;
		/* A closed connection shows up as EPIPE here and EOF at the next poll. */
		(void)send(cs[i].fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
}

static int usage(void)
{
	(void)fprintf(stderr,
		      "usage: ctlhold --socket PATH [--silent N] [--blank N] [--max-s S] [--ready-file PATH]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "silent", required_argument, NULL, 'q' },
		{ "blank", required_argument, NULL, 'b' },
		{ "max-s", required_argument, NULL, 'm' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *ready = NULL;
	int n_silent = 0, n_blank = 0, max_s = 20, n, open_n = 0, held, refused = 0, opt;
	long long first_ms = -1, last_ms = -1;
	uint64_t t0, end, next_blank;
	static struct conn cs[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS];

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'q':
			n_silent = atoi(optarg);
			break;
		case 'b':
			n_blank = atoi(optarg);
			break;
		case 'm':
			max_s = atoi(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			return usage();
		}
	}
	n = n_silent + n_blank;
	if (!path || n_silent < 0 || n_blank < 0 || n > MAX_CONNS || max_s < 1 || max_s > 60)
		return usage();
	for (int i = 0; i < n; i++) {
		cs[i].fd = connect_to(path);
		cs[i].is_blank = i >= n_silent;
		if (cs[i].fd < 0) {
			(void)fprintf(stderr, "ctlhold: cannot connect to %s: %s\n", path,
				      strerror(-cs[i].fd));
			return 1;
		}
	}
	/* Refusals arrive at once; those connections are not held. */
	end = now_ns() + REFUSAL_WAIT_MS * NSEC_PER_MSEC;
	while (now_ns() < end)
		if (poll_conns(cs, n, 50, pfd) < 0)
			return 1;
	for (int i = 0; i < n; i++) {
		refused += cs[i].is_refused;
		open_n += cs[i].fd >= 0;
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (!f || fprintf(f, "%d %d\n", open_n, refused) < 0 || fclose(f) != 0) {
			(void)fprintf(stderr, "ctlhold: cannot write %s\n", ready);
			return 1;
		}
	}
	held = open_n;
	t0 = now_ns();
	end = t0 + (uint64_t)max_s * NSEC_PER_SEC;
	next_blank = t0;
	while (open_n > 0 && now_ns() < end) {
		int closed;

		if (now_ns() >= next_blank) {
			send_blanks(cs, n);
			next_blank += BLANK_EVERY_MS * NSEC_PER_MSEC;
		}
		closed = poll_conns(cs, n, 20, pfd);
		if (closed < 0)
			return 1;
		if (closed > 0) {
			last_ms = (long long)((now_ns() - t0) / NSEC_PER_MSEC);
			if (first_ms < 0)
				first_ms = last_ms;
			open_n -= closed;
		}
	}
	(void)printf("{\"held\":%d,\"refused\":%d,\"still_open\":%d,\"first_closed_ms\":%lld,\"last_closed_ms\":%lld}\n",
		     held, refused, open_n, first_ms, last_ms);
	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			(void)close(cs[i].fd);
	return 0;
}
