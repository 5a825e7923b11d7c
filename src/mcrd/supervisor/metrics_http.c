// SPDX-License-Identifier: MIT
/*
 * libmicrohttpd in "external epoll" mode: the daemon owns its listening and
 * client sockets behind an epoll descriptor of its own, and MHD_run() does
 * whatever is ready without blocking.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "common/addr.h"
#include "common/log.h"
#include "mcrd/supervisor/metrics.h"
#include "mcrd/supervisor/metrics_http.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

int metrics_parse_listen(const char *spec, struct sockaddr_in *ret, char *err, size_t errlen)
{
	uint16_t port = 0;

	memset(ret, 0, sizeof(*ret));
	ret->sin_family = AF_INET;
	if (addr_parse_listen(spec, &ret->sin_addr, &port) == 0) {
		ret->sin_port = htons(port);
		return 0;
	}
	(void)snprintf(err, errlen,
		       "metrics: \"%s\" is not ADDR:PORT or PORT (an IPv4 address and a port "
		       "1-65535, e.g. 127.0.0.1:9464)",
		       spec ? spec : "");
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status, const char *text)
{
	char *body = strdup(text);

	return body ? reply(c, status, body, strlen(body), "text/plain; charset=utf-8") : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct metrics_server *m = cls;
	json_t *stats;
	char *body;
	size_t len;

	(void)version;
	(void)upload;
	/* The first call only announces the request; a GET has no body to wait for. */
	if (!*con_cls) {
		*con_cls = m;
		return MHD_YES;
	}
	if (*upload_size)
		return MHD_NO;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics is served\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: mcrd serves /metrics\n");
	stats = m->source(m->ctx);
	if (!stats)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no statistics yet, retry\n");
	body = metrics_render(stats, &len);
	json_decref(stats);
	if (!body)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	return reply(c, MHD_HTTP_OK, body, len, CONTENT_TYPE);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("metrics: %s", msg);
}

int metrics_server_start(struct metrics_server *m, const struct sockaddr_in *addr,
			 metrics_source_fn source, void *ctx)
{
	char host[INET_ADDRSTRLEN];

	memset(m, 0, sizeof(*m));
	m->source = source;
	m->ctx = ctx;
	m->addr = *addr;
	(void)inet_ntop(AF_INET, &addr->sin_addr, host, sizeof(host));
	errno = 0;
	m->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, ntohs(addr->sin_port), NULL,
				     NULL, on_request, m, MHD_OPTION_SOCK_ADDR, &m->addr,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_MAX_CLIENTS,
				     MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned int)METRICS_CLIENT_TIMEOUT_S,
				     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
	if (!m->daemon) {
		int err = errno ? errno : EADDRINUSE;

		log_err_errno(-err, "metrics: cannot listen on %s:%u (is another program using the "
			      "port? choose another with --metrics)", host, ntohs(addr->sin_port));
		return -err;
	}
	log_info("metrics: serving http://%s:%u/metrics", host, metrics_server_port(m));
	return 0;
}

uint16_t metrics_server_port(const struct metrics_server *m)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);

	return info ? info->port : 0;
}

int metrics_server_fd(const struct metrics_server *m)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

void metrics_server_run(struct metrics_server *m)
{
	if (m->daemon)
		(void)MHD_run(m->daemon);
}

int metrics_server_timeout_ms(const struct metrics_server *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (!m->daemon || MHD_get_timeout(m->daemon, &ms) != MHD_YES)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void metrics_server_stop(struct metrics_server *m)
{
	if (m->daemon)
		MHD_stop_daemon(m->daemon);
	m->daemon = NULL;
}
