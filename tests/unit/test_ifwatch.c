// SPDX-License-Identifier: MIT
/*
 * Unit tests for the supervisor's interface following, against the real
 * kernel in a private network namespace: the first dump alone asks for no
 * push; an interface a rule waits for appearing, a used one changing MTU
 * or going away each make ifwatch_resolve() ask for one (and update what
 * the rule waits for); interfaces no rule names never do, unless the rules
 * of a change under way name them; after lost
 * notifications the dump that follows finds what came and went.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "config/config.h"
#include "mcrd/supervisor/ifwatch.h"
#include "netns_helpers.h"

/* Longer than the debounce, so that a change read in this window is due at its end. */
#define SETTLE_MS	(4 * IFWATCH_DEBOUNCE_MS)
#define WAIT_MAX_MS	3000

static const char rules_json[] =
	"{\"rules\": [{\"name\": \"r\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.1\"},"
	" \"outputs\": [{\"interface\": \"ifw0\", \"group\": \"239.2.2.2\"}]}]}";

static const char pending_json[] =
	"{\"rules\": [{\"name\": \"p\", \"input\": {\"interface\": \"lo\", \"group\": \"239.1.1.3\"},"
	" \"outputs\": [{\"interface\": \"ifp0\", \"group\": \"239.2.2.3\"}]}]}";

static void sh(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("\"%s\" failed", cmd);
}

/* Read notifications for SETTLE_MS, then resolve: did the rules need a push? */
static bool settle_and_resolve(struct ifwatch *w, struct mcr_config *cfg)
{
	uint64_t end = now_ns() + SETTLE_MS * NSEC_PER_MSEC;

	for (uint64_t now = now_ns(); now < end; now = now_ns()) {
		struct pollfd pfd = { .fd = ifwatch_fd(w), .events = POLLIN };

		(void)poll(&pfd, 1, (int)((end - now) / NSEC_PER_MSEC) + 1);
		ifwatch_read(w, cfg, NULL);
	}
	return ifwatch_resolve(w, cfg, now_ns());
}

/*
 * Read until a resolution is due (a dump after an overrun included), at most
 * WAIT_MAX_MS, then resolve at the due time.
 */
static bool wait_and_resolve(struct ifwatch *w, struct mcr_config *cfg)
{
	uint64_t end = now_ns() + WAIT_MAX_MS * NSEC_PER_MSEC;

	while (w->due_ns == 0 || w->is_resyncing || w->nl.dump != NL_DUMP_IDLE) {
		struct pollfd pfd = { .fd = ifwatch_fd(w), .events = POLLIN };

		if (now_ns() >= end)
			fail_msg("no resolution due after %d ms", WAIT_MAX_MS);
		(void)poll(&pfd, 1, 50);
		ifwatch_read(w, cfg, NULL);
	}
	while (now_ns() < w->due_ns)
		(void)poll(NULL, 0, 5);
	return ifwatch_resolve(w, cfg, now_ns());
}

static void t_follows_the_rules_interfaces(void **state)
{
	struct mcr_config cfg, pending;
	struct config_error err;
	uint64_t end;
	struct ifwatch w;

	(void)state;
	need_netns();
	config_init(&cfg);
	if (config_load_string(&cfg, rules_json, &err) < 0 || config_resolve(&cfg, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(config_rule_waiting_for(&cfg.rules[0]), "ifw0");
	assert_int_equal(ifwatch_init(&w, &cfg), 0);

	/* The first dump: nothing changed since config_resolve(). */
	assert_false(settle_and_resolve(&w, &cfg));
	assert_true(w.is_synced);

	/* Interfaces no rule names. */
	sh("ip link add ifz0 type veth peer name ifz1 && ip link set ifz0 mtu 1400");
	assert_false(settle_and_resolve(&w, &cfg));

	/* The one the rule waits for. */
	sh("ip link add ifw0 type veth peer name ifw1");
	assert_true(settle_and_resolve(&w, &cfg));
	assert_null(config_rule_waiting_for(&cfg.rules[0]));
	assert_int_equal(cfg.rules[0].outputs[0].ifindex, if_nametoindex("ifw0"));

	/* Its peer is no rule's business; its own MTU and address are. */
	sh("ip link set ifw1 mtu 1300");
	assert_false(settle_and_resolve(&w, &cfg));
	sh("ip link set ifw0 mtu 1300");
	assert_true(settle_and_resolve(&w, &cfg));
	sh("ip addr add 198.18.7.1/30 dev ifw0");
	assert_true(settle_and_resolve(&w, &cfg));

	/* Renamed away: the rule waits again; renamed back: it relays. */
	sh("ip link set ifw0 name ifw9");
	assert_true(settle_and_resolve(&w, &cfg));
	assert_string_equal(config_rule_waiting_for(&cfg.rules[0]), "ifw0");
	sh("ip link set ifw9 name ifw0");
	assert_true(settle_and_resolve(&w, &cfg));
	assert_null(config_rule_waiting_for(&cfg.rules[0]));

	/* An interface only a change under way names counts as well. */
	config_init(&pending);
	if (config_load_string(&pending, pending_json, &err) < 0 ||
	    config_resolve(&pending, &err) < 0)
		fail_msg("%s", err.msg);
	sh("ip link add ifp0 type veth peer name ifp1");
	end = now_ns() + SETTLE_MS * NSEC_PER_MSEC;
	while (now_ns() < end) {
		struct pollfd pfd = { .fd = ifwatch_fd(&w), .events = POLLIN };

		(void)poll(&pfd, 1, 10);
		ifwatch_read(&w, &cfg, &pending);
	}
	assert_true(ifwatch_resolve(&w, &cfg, now_ns()));
	config_free(&pending);
	sh("ip link del ifp0");
	assert_false(settle_and_resolve(&w, &cfg));

	sh("ip link del ifw0 && ip link del ifz0");
	assert_true(settle_and_resolve(&w, &cfg));
	assert_string_equal(config_rule_waiting_for(&cfg.rules[0]), "ifw0");
	assert_int_equal(w.nl.overruns, 0);
	ifwatch_exit(&w);
	config_free(&cfg);
}

/* Lost notifications: the dump that follows finds what appeared and what went. */
static void t_overrun_resyncs(void **state)
{
	struct config_error err;
	struct mcr_config cfg;
	struct ifwatch w;
	size_t n_links;
	int small = 1;

	(void)state;
	need_netns();
	config_init(&cfg);
	if (config_load_string(&cfg, rules_json, &err) < 0 || config_resolve(&cfg, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(ifwatch_init(&w, &cfg), 0);
	assert_false(settle_and_resolve(&w, &cfg));
	/* The kernel rounds this up to its minimum: a few notifications. */
	assert_int_equal(setsockopt(ifwatch_fd(&w), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)),
			 0);
	n_links = ifwatch_n_links(&w);

	sh("(for i in $(seq 1 40); do echo \"link add ovr$i type veth peer name ovp$i\"; done;"
	   " echo 'link add ifw0 type veth peer name ifw1') | ip -batch -");
	assert_true(wait_and_resolve(&w, &cfg));
	assert_true(w.nl.overruns >= 1);
	assert_null(config_rule_waiting_for(&cfg.rules[0]));
	assert_int_equal(ifwatch_n_links(&w), n_links + 82);

	/* ifw0 last: its deletion is among the notifications lost, only the sweep sees it. */
	sh("(for i in $(seq 1 40); do echo \"link del ovr$i\"; done; echo 'link del ifw0') |"
	   " ip -batch -");
	assert_true(wait_and_resolve(&w, &cfg));
	assert_string_equal(config_rule_waiting_for(&cfg.rules[0]), "ifw0");
	/* The links whose deletion was lost are gone from the table too. */
	assert_int_equal(ifwatch_n_links(&w), n_links);
	ifwatch_exit(&w);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_follows_the_rules_interfaces),
		cmocka_unit_test(t_overrun_resyncs),
	};

	if (netns_init("ifwatch") < 0)
		return 1;
	return cmocka_run_group_tests_name("ifwatch", tests, NULL, NULL);
}
