// SPDX-License-Identifier: MIT
/*
 * Unit tests for the input locks (mcrd/supervisor/inlock.c): two sets of
 * locks in one process stand for two daemons in one network namespace.
 * Whether a name is held is seen from outside, by binding it.  The
 * interface names carry the test's pid, so that runs side by side (and
 * real daemons) never meet.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "config/config.h"
#include "mcrd/supervisor/inlock.h"

struct fixture {
	char ifname[IF_NAMESIZE];
	struct mcr_rule rules[2];
	struct mcr_config cfg;
	struct inlocks a, b;
};

/* 0 when nobody holds the abstract @name (it was bound and let go here), else -errno. */
static int try_bind(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = 0;

	assert_true(fd >= 0);
	memcpy(sa.sun_path + 1, name, len);
	if (bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) < 0)
		rc = -errno;
	(void)close(fd);
	return rc;
}

static int is_held(const struct fixture *fx, const char *rest)
{
	char name[100];

	(void)snprintf(name, sizeof(name), "mcr-in-%s-%s", fx->ifname, rest);
	return try_bind(name) == -EADDRINUSE;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	(void)snprintf(fx->ifname, sizeof(fx->ifname), "u%d", (int)getpid() % 100000000);
	for (int i = 0; i < 2; i++) {
		(void)snprintf(fx->rules[i].name, sizeof(fx->rules[i].name), "r%d", i);
		(void)snprintf(fx->rules[i].in_ifname, sizeof(fx->rules[i].in_ifname), "%s",
			       fx->ifname);
		assert_int_equal(inet_pton(AF_INET, "239.1.1.1", &fx->rules[i].in_group.v4), 1);
	}
	fx->rules[0].in_port = 5000;
	assert_int_equal(inet_pton(AF_INET, "198.18.0.1", &fx->rules[1].in_source.v4), 1);
	fx->rules[1].in_vlan = 100;
	fx->cfg.rules = fx->rules;
	fx->cfg.n_rules = 2;
	assert_int_equal(inlocks_init(&fx->a), 0);
	assert_int_equal(inlocks_init(&fx->b), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	inlocks_exit(&fx->a);
	inlocks_exit(&fx->b);
	free(fx);
	return 0;
}

/*
 * Each input is held under its own name (its VLAN in it); a new version lets
 * go of the inputs it dropped.
 */
static void t_hold_and_release(void **state)
{
	struct fixture *fx = *state;

	inlocks_sync(&fx->a, &fx->cfg, 1);
	assert_true(is_held(fx, "239.1.1.1:5000-*"));
	assert_true(is_held(fx, "239.1.1.1:*-198.18.0.1-vlan100"));
	fx->cfg.n_rules = 1;
	/* The same version again is not looked at. */
	inlocks_sync(&fx->a, &fx->cfg, 1);
	assert_true(is_held(fx, "239.1.1.1:*-198.18.0.1-vlan100"));
	inlocks_sync(&fx->a, &fx->cfg, 2);
	assert_true(is_held(fx, "239.1.1.1:5000-*"));
	assert_false(is_held(fx, "239.1.1.1:*-198.18.0.1-vlan100"));
	inlocks_exit(&fx->a);
	assert_false(is_held(fx, "239.1.1.1:5000-*"));
	inlocks_exit(&fx->a);
}

/*
 * A second daemon's input held by the first is not taken from it; once the
 * first lets go, the second's next sync takes it.  The first answers who
 * asked, without closing anything of its own.
 */
static void t_second_relay(void **state)
{
	struct fixture *fx = *state;

	inlocks_sync(&fx->a, &fx->cfg, 1);
	inlocks_sync(&fx->b, &fx->cfg, 1);
	inlocks_dispatch(&fx->a);
	inlocks_exit(&fx->a);
	/* b did not get them: nobody holds them now. */
	assert_false(is_held(fx, "239.1.1.1:5000-*"));
	inlocks_sync(&fx->b, &fx->cfg, 2);
	assert_true(is_held(fx, "239.1.1.1:5000-*"));
	assert_true(is_held(fx, "239.1.1.1:*-198.18.0.1-vlan100"));
}

/* The 64-bit FNV-1a hash inlock.c names a long input by (the spec, written out again). */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static void set_v6(struct mcr_addr *a, const char *s)
{
	*a = (struct mcr_addr){ .family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, s, &a->v6), 1);
}

/*
 * IPv6 inputs are held by their whole address: ff3e::1 and ff3e::2, alike
 * in their first 32 bits, are two inputs.  A name longer than an abstract
 * address holds (an IPv6 group and source) goes by its hash, and a second
 * daemon still finds it held.
 */
static void t_ipv6_names(void **state)
{
	struct fixture *fx = *state;
	const char *g = "ff3e:ffff:ffff:ffff:ffff:ffff:ffff:fff1";
	const char *src = "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff";
	struct mcr_config one = { .rules = &fx->rules[1], .n_rules = 1 };
	struct sockaddr_un sa;
	char want[160], hashed[40];

	set_v6(&fx->rules[0].in_group, "ff3e::1");
	set_v6(&fx->rules[1].in_group, "ff3e::2");
	fx->rules[1].in_source = (struct mcr_addr){ 0 };
	fx->rules[1].in_vlan = 0;
	inlocks_sync(&fx->a, &fx->cfg, 1);
	assert_true(is_held(fx, "[ff3e::1]:5000-*"));
	assert_true(is_held(fx, "[ff3e::2]:*-*"));
	inlocks_exit(&fx->a);

	set_v6(&fx->rules[1].in_group, g);
	set_v6(&fx->rules[1].in_source, src);
	fx->rules[1].in_port = 65535;
	fx->rules[1].in_vlan = 4095;
	(void)snprintf(want, sizeof(want), "mcr-in-%s-[%s]:65535-%s-vlan4095", fx->ifname, g, src);
	assert_true(strlen(want) >= sizeof(sa.sun_path) - 1);
	assert_int_equal(inlocks_init(&fx->a), 0);
	inlocks_sync(&fx->a, &one, 1);
	(void)snprintf(hashed, sizeof(hashed), "mcr-in-h-%016llx", (unsigned long long)fnv1a(want));
	assert_int_equal(try_bind(hashed), -EADDRINUSE);
	inlocks_exit(&fx->a);
	assert_int_equal(try_bind(hashed), 0);
}

/* A forked child that forgets the locks closes its copies: the parent alone holds the names. */
static void t_forget_in_child(void **state)
{
	struct fixture *fx = *state;
	pid_t pid;
	int status;

	inlocks_sync(&fx->a, &fx->cfg, 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		inlocks_forget(&fx->a);
		inlocks_exit(&fx->b);
		_exit(inlocks_fd(&fx->a) == -1 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(is_held(fx, "239.1.1.1:5000-*"));
	fx->cfg.n_rules = 0;
	inlocks_sync(&fx->a, &fx->cfg, 2);
	assert_false(is_held(fx, "239.1.1.1:5000-*"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_hold_and_release),
		T(t_second_relay),
		T(t_forget_in_child),
		T(t_ipv6_names),
	};

	log_init("test_inlock", false, LOG_CRIT);
	return cmocka_run_group_tests_name("inlock", tests, NULL, NULL);
}
