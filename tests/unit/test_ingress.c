// SPDX-License-Identifier: MIT
/*
 * Unit tests for the ingress sockets' PACKET_FANOUT groups, in a private
 * network namespace (its lo): two workers of one daemon (two struct
 * ingress with the same base) meet in one group per interface; an id
 * another program holds (a group of another type) is stepped over, and
 * every worker steps to the same next candidate; daemons with different
 * bases get different groups; and a single worker joins none.  The test
 * reads each socket's group back from the kernel (getsockopt) rather than
 * trusting the code under test for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcrd/dataplane/ingress.h"
#include "netns_helpers.h"

#define BASE	40000

/* A one-rule configuration on lo: 239.1.1.1, any port, no IGMP join. */
static void lo_config(struct mcr_config *cfg, struct mcr_rule *rule)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(rule, 0, sizeof(*rule));
	(void)snprintf(rule->name, sizeof(rule->name), "lo");
	(void)snprintf(rule->in_ifname, sizeof(rule->in_ifname), "lo");
	rule->in_ifindex = if_nametoindex("lo");
	assert_int_not_equal(rule->in_ifindex, 0);
	rule->in_group.s_addr = inet_addr("239.1.1.1");
	cfg->rules = rule;
	cfg->n_rules = 1;
	cfg->igmp_join = false;
	cfg->ingress = INGRESS_MULTISHOT;
}

/* The group id the kernel has the socket in, or -1 for none. */
static int kernel_fanout_id(int fd)
{
	int val = 0;
	socklen_t len = sizeof(val);

	assert_int_equal(getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &val, &len), 0);
	return val ? (val & 0xffff) : -1;
}

static const struct ingress_port *open_lo(struct ingress *in, int base)
{
	struct mcr_config cfg;
	struct mcr_rule rule;

	lo_config(&cfg, &rule);
	assert_int_equal(ingress_init(in, base, INGRESS_MULTISHOT), 0);
	assert_int_equal(ingress_update(in, &cfg), 0);
	assert_int_equal(in->n, 1);
	assert_true(ingress_port_is_open(&in->ports[0]));
	return &in->ports[0];
}

static void t_workers_share_a_group(void **state)
{
	struct ingress a, b;
	const struct ingress_port *pa, *pb;
	int want = (BASE + (int)if_nametoindex("lo")) & 0xffff;

	(void)state;
	need_netns();
	pa = open_lo(&a, BASE);
	pb = open_lo(&b, BASE);
	assert_int_equal(pa->fanout_id, want);
	assert_int_equal(pb->fanout_id, want);
	assert_int_equal(kernel_fanout_id(pa->fd), want);
	assert_int_equal(kernel_fanout_id(pb->fd), want);
	ingress_exit(&a);
	ingress_exit(&b);
}

/* Another program holds the first candidate: both workers take the second. */
static void t_taken_id_is_stepped_over(void **state)
{
	struct ingress a, b;
	const struct ingress_port *pa, *pb;
	int first = (BASE + (int)if_nametoindex("lo")) & 0xffff;
	int second = (first + (int)INGRESS_FANOUT_STEP) & 0xffff;
	int other = socket(AF_PACKET, SOCK_RAW, 0), arg;

	(void)state;
	need_netns();
	assert_true(other >= 0);
	bind_to_lo(other, ETH_P_TEST);
	arg = first | (PACKET_FANOUT_LB << 16);
	assert_int_equal(setsockopt(other, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)), 0);

	pa = open_lo(&a, BASE);
	pb = open_lo(&b, BASE);
	assert_int_equal(pa->fanout_id, second);
	assert_int_equal(pb->fanout_id, second);
	assert_int_equal(kernel_fanout_id(pa->fd), second);
	assert_int_equal(kernel_fanout_id(other), first);
	ingress_exit(&a);
	ingress_exit(&b);
	(void)close(other);
}

static void t_daemons_do_not_share(void **state)
{
	struct ingress a, b;

	(void)state;
	need_netns();
	open_lo(&a, BASE);
	open_lo(&b, BASE + 1);
	assert_int_not_equal(kernel_fanout_id(a.ports[0].fd), kernel_fanout_id(b.ports[0].fd));
	ingress_exit(&a);
	ingress_exit(&b);
}

static void t_one_worker_no_group(void **state)
{
	struct ingress a;

	(void)state;
	need_netns();
	open_lo(&a, -1);
	assert_int_equal(a.ports[0].fanout_id, -1);
	assert_int_equal(kernel_fanout_id(a.ports[0].fd), -1);
	ingress_exit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_workers_share_a_group),
		cmocka_unit_test(t_taken_id_is_stepped_over),
		cmocka_unit_test(t_daemons_do_not_share),
		cmocka_unit_test(t_one_worker_no_group),
	};

	if (netns_init("ingress") < 0)
		return 1;
	return cmocka_run_group_tests_name("ingress", tests, NULL, NULL);
}
