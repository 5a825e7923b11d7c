// SPDX-License-Identifier: MIT
/*
 * Unit tests for the Prometheus exposition: the text rendered from a
 * statistics document (families whole, labels escaped, absent counters left
 * out), the listen-address parser, and the HTTP endpoint answering a real
 * client on loopback while the test drives its event loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "mcrd/supervisor/metrics.h"
#include "mcrd/supervisor/metrics_http.h"

static const char *const doc_text =
	"{\"version\": \"0.1.0\", \"uptime_s\": 3.5,"
	" \"rules\": [{\"name\": \"cam\\\"1\", \"packets_in\": 10, \"bytes_in\": 1000,"
	"   \"outputs\": [{\"interface\": \"eth1\", \"group\": \"239.2.2.2\", \"port\": 6000,"
	"     \"packets_out\": 10, \"bytes_out\": 1000, \"send_errors\": 0, \"retries\": 0,"
	"     \"drops\": 0, \"too_big\": 2, \"pps_out\": 2.5},"
	"    {\"interface\": \"eth2\", \"group\": \"239.1.1.1\", \"port\": 5000,"
	"     \"packets_out\": 9, \"bytes_out\": 900, \"send_errors\": 1, \"retries\": 0,"
	"     \"drops\": 1, \"too_big\": 0}]},"
	"  {\"name\": \"b\", \"packets_in\": 0, \"bytes_in\": 0, \"waiting\": \"eth9\", \"outputs\": []}],"
	" \"inputs\": [{\"interface\": \"eth0\", \"frames\": 12, \"bytes\": 1500, \"malformed\": 1,"
	"   \"fragments\": 0, \"not_udp\": 0, \"unmatched\": 1, \"buffer_exhaustion\": 0,"
	"   \"kernel_drops\": 3}],"
	" \"workers\": [{\"id\": 0, \"cpu\": 0, \"pid\": 10, \"restarts\": 2, \"state\": \"running\"},"
	"   {\"id\": 1, \"cpu\": 1, \"pid\": 11, \"restarts\": 0, \"state\": \"restarting\"}],"
	" \"membership\": {\"joins\": 4, \"leaves\": 3, \"queries_sent\": 9, \"queries_received\": 1,"
	"   \"malformed\": 2, \"mld\": {\"joins\": 5, \"leaves\": 1, \"queries_sent\": 7,"
	"   \"queries_received\": 6, \"reports\": 11, \"dones\": 8, \"malformed\": 12}}}";

static char *render(void)
{
	json_error_t jerr;
	json_t *doc = json_loads(doc_text, 0, &jerr);
	size_t len = 0;
	char *text;

	if (!doc)
		fail_msg("test document: %s", jerr.text);
	text = metrics_render(doc, &len);
	json_decref(doc);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void assert_line(const char *text, const char *line)
{
	char want[512];

	(void)snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want) && strncmp(text, want + 1, strlen(want + 1)) != 0)
		fail_msg("missing line \"%s\" in:\n%s", line, text);
}

static void t_render_samples(void **state)
{
	char *text = render();

	(void)state;
	assert_line(text, "mcr_rules 2");
	assert_line(text, "mcr_rules_waiting 1");
	assert_line(text, "mcr_outputs 2");
	assert_line(text, "mcr_workers 2");
	assert_line(text, "mcr_rule_packets_total{rule=\"cam\\\"1\"} 10");
	assert_line(text, "mcr_output_packets_total{rule=\"cam\\\"1\",interface=\"eth1\","
			  "group=\"239.2.2.2\",port=\"6000\"} 10");
	assert_line(text, "mcr_output_too_big_total{rule=\"cam\\\"1\",interface=\"eth1\","
			  "group=\"239.2.2.2\",port=\"6000\"} 2");
	assert_line(text, "mcr_output_drops_total{rule=\"cam\\\"1\",interface=\"eth2\","
			  "group=\"239.1.1.1\",port=\"5000\"} 1");
	assert_line(text, "mcr_input_kernel_drops_total{interface=\"eth0\"} 3");
	assert_line(text, "mcr_worker_restarts_total{worker=\"0\"} 2");
	assert_line(text, "mcr_worker_up{worker=\"0\"} 1");
	assert_line(text, "mcr_worker_up{worker=\"1\"} 0");
	assert_line(text, "# TYPE mcr_output_packets_total counter");
	assert_line(text, "# TYPE mcr_worker_up gauge");
	assert_line(text, "mcr_igmp_joins_total 4");
	assert_line(text, "mcr_igmp_malformed_total 2");
	assert_line(text, "mcr_mld_joins_total 5");
	assert_line(text, "mcr_mld_queries_sent_total 7");
	assert_line(text, "mcr_mld_queries_received_total 6");
	assert_line(text, "mcr_mld_reports_total 11");
	assert_line(text, "mcr_mld_dones_total 8");
	assert_line(text, "mcr_mld_malformed_total 12");
	free(text);
}

/* The format wants each family's samples together, after its HELP and TYPE. */
static void t_render_families_whole(void **state)
{
	char *text = render(), *save = NULL, *line;
	char seen[64][64];
	size_t n_seen = 0;
	char current[64] = "";

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];

		if (sscanf(line, "# TYPE %63s", name) == 1) {
			for (size_t i = 0; i < n_seen; i++)
				if (strcmp(seen[i], name) == 0)
					fail_msg("family %s appears twice", name);
			assert_true(n_seen < 64);
			(void)snprintf(seen[n_seen++], sizeof(seen[0]), "%s", name);
			(void)snprintf(current, sizeof(current), "%s", name);
			continue;
		}
		if (line[0] == '#')
			continue;
		name[strcspn(strncpy(name, line, sizeof(name) - 1), "{ ")] = '\0';
		if (strcmp(name, current) != 0)
			fail_msg("sample \"%s\" outside its family (in %s)", line, current);
	}
	free(text);
}

/* A counter no report has is left out, not reported as 0. */
static void t_render_absent_counters(void **state)
{
	char *text = render();

	(void)state;
	assert_null(strstr(text, "mcr_output_ttl_expired_total"));
	assert_null(strstr(text, "mcr_input_vlan_dropped_total"));
	assert_non_null(strstr(text, "mcr_input_malformed_total"));
	free(text);
}

static void t_parse_listen(void **state)
{
	struct sockaddr_in a;
	char err[256];

	(void)state;
	assert_int_equal(metrics_parse_listen("9464", &a, err, sizeof(err)), 0);
	assert_int_equal(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(a.sin_port), 9464);
	assert_int_equal(metrics_parse_listen("0.0.0.0:80", &a, err, sizeof(err)), 0);
	assert_int_equal(a.sin_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(ntohs(a.sin_port), 80);
	assert_int_equal(metrics_parse_listen("198.18.0.2:9000", &a, err, sizeof(err)), 0);
	assert_int_equal(ntohl(a.sin_addr.s_addr), 0xc6120002);

	static const char *const bad[] = { "", "0", "70000", "x", "1.2.3:9", "1.2.3.4:",
					   "1.2.3.4:0", ":9000", "9000x", "a.b.c.d:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(metrics_parse_listen(bad[i], &a, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "is not ADDR:PORT or PORT"));
	}
}

/* ------------------------------------------------------------ HTTP */

struct source {
	json_t *doc;
	int calls;
};

static json_t *source_fn(void *ctx)
{
	struct source *s = ctx;

	s->calls++;
	return s->doc ? json_incref(s->doc) : NULL;
}

/* Send request, run the server until the reply is complete, return it. */
static char *http(struct metrics_server *m, const char *request)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(metrics_server_port(m)),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	size_t cap = 1 << 16, len = 0;
	char *buf = calloc(1, cap);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_non_null(buf);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	for (int i = 0; i < 200; i++) {
		struct pollfd p[2] = { { .fd = metrics_server_fd(m), .events = POLLIN },
				       { .fd = fd, .events = POLLIN } };
		ssize_t n;

		metrics_server_run(m);
		if (request && send(fd, request, strlen(request), MSG_NOSIGNAL) >= 0)
			request = NULL;
		(void)poll(p, 2, 10);
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	(void)close(fd);
	buf[len] = '\0';
	return buf;
}

static void t_http_serves_metrics(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct source src = { .doc = json_loads(doc_text, 0, NULL) };
	struct metrics_server m;
	char *r;

	(void)state;
	assert_non_null(src.doc);
	assert_int_equal(metrics_server_start(&m, &a, source_fn, &src), 0);
	assert_true(metrics_server_port(&m) > 0);
	assert_true(metrics_server_fd(&m) >= 0);

	r = http(&m, "GET /metrics HTTP/1.0\r\n\r\n");
	if (!strstr(r, "HTTP/1.1 200 OK"))
		fail_msg("reply: %s", r);
	assert_non_null(strstr(r, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r, "\nmcr_rules 2\n"));
	free(r);
	assert_int_equal(src.calls, 1);

	r = http(&m, "GET / HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 404 "));
	free(r);
	r = http(&m, "DELETE /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 405 "));
	free(r);

	json_decref(src.doc);
	src.doc = NULL;
	r = http(&m, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(r, " 503 "));
	free(r);
	metrics_server_stop(&m);
}

static void t_http_port_in_use(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct source src = { 0 };
	struct metrics_server m, m2;

	(void)state;
	assert_int_equal(metrics_server_start(&m, &a, source_fn, &src), 0);
	a.sin_port = htons(metrics_server_port(&m));
	assert_true(metrics_server_start(&m2, &a, source_fn, &src) < 0);
	metrics_server_stop(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_render_samples),
		cmocka_unit_test(t_render_families_whole),
		cmocka_unit_test(t_render_absent_counters),
		cmocka_unit_test(t_parse_listen),
		cmocka_unit_test(t_http_serves_metrics),
		cmocka_unit_test(t_http_port_in_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
