// SPDX-License-Identifier: MIT
/*
 * Unit tests for the service-manager notifications: this test plays the
 * manager's side of the protocol on a NOTIFY_SOCKET of its own and checks
 * what mcrd would tell systemd, datagram by datagram.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "mcrd/supervisor/notify.h"

struct manager {
	int fd;
	char path[108];
};

static int manager_setup(void **state)
{
	struct manager *m = test_malloc(sizeof(*m));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };

	(void)snprintf(m->path, sizeof(m->path), "/tmp/mcr-notify-%ld.sock", (long)getpid());
	(void)unlink(m->path);
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", m->path);
	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(m->fd >= 0);
	assert_int_equal(bind(m->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(m->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", m->path, 1), 0);
	*state = m;
	return 0;
}

static int manager_teardown(void **state)
{
	struct manager *m = *state;

	(void)unsetenv("NOTIFY_SOCKET");
	(void)close(m->fd);
	(void)unlink(m->path);
	test_free(m);
	return 0;
}

/* The next datagram the "manager" got, as a string. */
static void manager_recv(const struct manager *m, char *buf, size_t len)
{
	ssize_t n = recv(m->fd, buf, len - 1, 0);

	if (n < 0)
		fail_msg("no notification arrived: %s", strerror(errno));
	buf[n] = '\0';
}

static void t_ready_says_rules_and_workers(void **state)
{
	struct manager *m = *state;
	char buf[512], pid[64];

	notify_ready(3, 2);
	manager_recv(m, buf, sizeof(buf));
	assert_non_null(strstr(buf, "READY=1\n"));
	(void)snprintf(pid, sizeof(pid), "MAINPID=%ld\n", (long)getpid());
	assert_non_null(strstr(buf, pid));
	assert_non_null(strstr(buf, "STATUS=relaying: 3 rules, 2 workers"));

	notify_ready(1, 1);
	manager_recv(m, buf, sizeof(buf));
	assert_non_null(strstr(buf, "STATUS=relaying: 1 rule, 1 worker"));
}

static void t_reload_brackets(void **state)
{
	struct manager *m = *state;
	char buf[512];

	notify_reloading();
	manager_recv(m, buf, sizeof(buf));
	assert_true(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	assert_true(strtoull(buf + 27, NULL, 10) > 0);
	notify_reloaded(0, 2);
	manager_recv(m, buf, sizeof(buf));
	assert_non_null(strstr(buf, "READY=1\n"));
	assert_non_null(strstr(buf, "STATUS=relaying: 0 rules, 2 workers"));
}

static void t_status_watchdog_stopping(void **state)
{
	struct manager *m = *state;
	char buf[512];

	notify_status(2, 2, 1000, 16000);
	manager_recv(m, buf, sizeof(buf));
	assert_string_equal(buf, "STATUS=relaying: 2 rules, 2 workers, 1000 pps in, 16000 pps out");
	notify_watchdog();
	manager_recv(m, buf, sizeof(buf));
	assert_string_equal(buf, "WATCHDOG=1");
	notify_stopping();
	manager_recv(m, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1\nSTATUS=stopping");
}

static void t_watchdog_interval(void **state)
{
	char pid[32];

	(void)state;
	assert_int_equal(notify_watchdog_usec(), 0);
	(void)snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	assert_int_equal(setenv("WATCHDOG_USEC", "3000000", 1), 0);
	assert_int_equal(setenv("WATCHDOG_PID", pid, 1), 0);
	assert_int_equal(notify_watchdog_usec(), 3000000);
	/* Meant for another process: not ours to feed. */
	assert_int_equal(setenv("WATCHDOG_PID", "1", 1), 0);
	assert_int_equal(notify_watchdog_usec(), 0);
	(void)unsetenv("WATCHDOG_USEC");
	(void)unsetenv("WATCHDOG_PID");
}

/* Without a manager every call is a quiet no-op. */
static void t_no_manager(void **state)
{
	(void)state;
	(void)unsetenv("NOTIFY_SOCKET");
	notify_ready(1, 1);
	notify_reloading();
	notify_status(1, 1, 0, 0);
	notify_stopping();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_ready_says_rules_and_workers, manager_setup,
						manager_teardown),
		cmocka_unit_test_setup_teardown(t_reload_brackets, manager_setup, manager_teardown),
		cmocka_unit_test_setup_teardown(t_status_watchdog_stopping, manager_setup,
						manager_teardown),
		cmocka_unit_test(t_watchdog_interval),
		cmocka_unit_test_setup_teardown(t_no_manager, manager_setup, manager_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
