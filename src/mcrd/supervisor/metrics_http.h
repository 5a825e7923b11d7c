/* SPDX-License-Identifier: MIT */
/*
 * The /metrics endpoint: a small HTTP server (libmicrohttpd) that the
 * supervisor's event loop drives.  It runs no thread of its own: its
 * sockets sit behind one epoll descriptor the loop watches, and each
 * request is answered from a statistics document the supervisor already
 * holds, so a slow or stuck scraper costs a connection slot, never a wait
 * in the supervisor.
 */
#ifndef MCR_METRICS_HTTP_H
#define MCR_METRICS_HTTP_H

#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>

#define METRICS_MAX_CLIENTS	16
#define METRICS_CLIENT_TIMEOUT_S	10

/* The latest statistics document (new reference), or NULL when none is at hand. */
typedef json_t *(*metrics_source_fn)(void *ctx);

struct metrics_server {
	struct MHD_Daemon *daemon;
	metrics_source_fn source;
	void *ctx;
	struct sockaddr_in addr;
};

/*
 * Parse "ADDR:PORT" or a bare "PORT" (which listens on 127.0.0.1 only:
 * counters are no business of the whole network unless asked).  Returns 0,
 * or -EINVAL with a message in err (errlen bytes) naming the value.
 */
int metrics_parse_listen(const char *spec, struct sockaddr_in *ret, char *err, size_t errlen);

/* Listen on addr.  Returns 0 or -errno (logged, naming the address). */
int metrics_server_start(struct metrics_server *m, const struct sockaddr_in *addr,
			 metrics_source_fn source, void *ctx);
/* The port it listens on (the one the kernel chose, for port 0). */
uint16_t metrics_server_port(const struct metrics_server *m);
/* The descriptor to watch for reading: call metrics_server_run() when it is. */
int metrics_server_fd(const struct metrics_server *m);
/* Accept, read, answer and expire what is due; never blocks. */
void metrics_server_run(struct metrics_server *m);
/* Milliseconds until metrics_server_run() is due anyway, or -1. */
int metrics_server_timeout_ms(const struct metrics_server *m);
void metrics_server_stop(struct metrics_server *m);

#endif
