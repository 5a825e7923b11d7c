// SPDX-License-Identifier: MIT
/*
 * Unit tests for the ingress sockets' PACKET_FANOUT groups, in a private
 * network namespace (its lo): two workers of one daemon (two struct
 * ingress with the same base) meet in one group per interface; an id
 * another program holds (a group of another type) is stepped over, and
 * every worker steps to the same next candidate; daemons with different
 * bases get different groups; and a single worker joins none.  The test
 * reads each socket's group back from the kernel (getsockopt) rather than
 * trusting the code under test for it.  A change at 4,096 rules joins and
 * leaves memberships by difference: only the groups it adds or drops, each
 * once however many rules (ports) share it; the filter is attached again
 * only when its program changes; and a group over the filter's limit
 * refuses the change with the memberships as they were.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcrd/dataplane/filter.h"
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
	rule->in_group.v4.s_addr = inet_addr("239.1.1.1");
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

#define SCALE_RULES	4096
#define SCALE_GROUPS	1000

/* Group k (0..SCALE_GROUPS) as 239.20.x.y, in network order. */
static uint32_t scale_group(unsigned int k)
{
	return htonl(0xef140000u | ((k / 250) << 8) | (k % 250 + 1));
}

/*
 * SCALE_RULES rules on lo: rule i takes group (i + shift) % groups, on a
 * port of its own.
 */
static void scale_config(struct mcr_config *cfg, struct mcr_rule *rules, unsigned int groups,
			 unsigned int shift)
{
	unsigned int lo = if_nametoindex("lo");

	memset(cfg, 0, sizeof(*cfg));
	memset(rules, 0, SCALE_RULES * sizeof(*rules));
	for (unsigned int i = 0; i < SCALE_RULES; i++) {
		struct mcr_rule *r = &rules[i];

		(void)snprintf(r->name, sizeof(r->name), "r%u", i);
		(void)snprintf(r->in_ifname, sizeof(r->in_ifname), "lo");
		r->in_ifindex = lo;
		r->in_group.v4.s_addr = scale_group((i + shift) % groups);
		r->in_port = (uint16_t)(5000 + i);
	}
	cfg->rules = rules;
	cfg->n_rules = SCALE_RULES;
	cfg->ingress = INGRESS_MULTISHOT;
}

static bool port_has_joined(const struct ingress_port *p, uint32_t group)
{
	for (size_t i = 0; i < p->n_joined; i++)
		if (p->joined[i].group.s_addr == group)
			return true;
	return false;
}

/* Each group once, however many rules share it; a change moves only its difference. */
static void t_memberships_by_difference(void **state)
{
	struct mcr_rule *rules = calloc(SCALE_RULES, sizeof(*rules));
	struct ingress in;
	struct mcr_config cfg;
	const struct ingress_port *p;
	const void *filter;

	(void)state;
	need_netns();
	assert_non_null(rules);
	assert_int_equal(ingress_init(&in, -1, INGRESS_MULTISHOT), 0);
	/* Groups 0..998: 4,096 rules over 999 groups. */
	scale_config(&cfg, rules, SCALE_GROUPS - 1, 0);
	assert_int_equal(ingress_update(&in, &cfg), 0);
	p = &in.ports[0];
	assert_int_equal(p->n_joined, SCALE_GROUPS - 1);
	filter = p->filter;
	assert_non_null(filter);

	/* The same groups again, each on other rules and ports: nothing moves. */
	scale_config(&cfg, rules, SCALE_GROUPS - 1, 7);
	assert_int_equal(ingress_update(&in, &cfg), 0);
	assert_int_equal(p->n_joined, SCALE_GROUPS - 1);
	assert_ptr_equal(p->filter, filter);

	/* Group 0 goes (its rules now take group 999), the others stay. */
	scale_config(&cfg, rules, SCALE_GROUPS - 1, 0);
	for (size_t i = 0; i < cfg.n_rules; i++)
		if (rules[i].in_group.v4.s_addr == scale_group(0))
			rules[i].in_group.v4.s_addr = scale_group(SCALE_GROUPS - 1);
	assert_int_equal(ingress_update(&in, &cfg), 0);
	assert_int_equal(p->n_joined, SCALE_GROUPS - 1);
	assert_false(port_has_joined(p, scale_group(0)));
	assert_true(port_has_joined(p, scale_group(1)));
	assert_true(port_has_joined(p, scale_group(SCALE_GROUPS - 1)));
	assert_ptr_not_equal(p->filter, filter);

	/* A 1,001st group is over the filter's limit: refused, nothing changed. */
	rules[0].in_group.v4.s_addr = scale_group(0);
	rules[1].in_group.v4.s_addr = scale_group(SCALE_GROUPS);
	assert_int_equal(ingress_update(&in, &cfg), -E2BIG);
	assert_int_equal(p->n_joined, SCALE_GROUPS - 1);
	assert_false(port_has_joined(p, scale_group(0)));
	assert_false(port_has_joined(p, scale_group(SCALE_GROUPS)));
	ingress_exit(&in);
	free(rules);
}

/* IPv6 group k of t_ipv6_groups: ff3e::1:k. */
static void v6_group(struct mcr_addr *a, unsigned int k)
{
	*a = (struct mcr_addr){ .family = AF_INET6 };
	a->v6.s6_addr[0] = 0xff;
	a->v6.s6_addr[1] = 0x3e;
	a->v6.s6_addr[13] = 1;
	a->v6.s6_addr[14] = (uint8_t)(k >> 8);
	a->v6.s6_addr[15] = (uint8_t)k;
}

/*
 * IPv6 inputs: each group once in the NIC filter (two rules share one),
 * alone in the filter's IPv6 section; a group over FILTER_MAX_DESTS6 is
 * refused before anything changes, and the IPv4 count is not theirs.
 */
static void t_ipv6_groups(void **state)
{
	const unsigned int n = FILTER_MAX_DESTS6;
	struct mcr_rule *rules = calloc(n + 2, sizeof(*rules));
	struct mcr_config cfg = { .rules = rules, .n_rules = n + 1, .ingress = INGRESS_MULTISHOT };
	unsigned int lo = if_nametoindex("lo");
	struct ingress in;

	(void)state;
	need_netns();
	assert_non_null(rules);
	for (unsigned int i = 0; i < n + 2; i++) {
		(void)snprintf(rules[i].name, sizeof(rules[i].name), "v%u", i);
		(void)snprintf(rules[i].in_ifname, sizeof(rules[i].in_ifname), "lo");
		rules[i].in_ifindex = lo;
		v6_group(&rules[i].in_group, i < n ? i : 0);
		rules[i].in_port = (uint16_t)(5000 + i);
	}
	assert_int_equal(ingress_init(&in, -1, INGRESS_MULTISHOT), 0);
	/* n groups, the last rule sharing group 0. */
	assert_int_equal(ingress_update(&in, &cfg), 0);
	assert_int_equal(in.ports[0].v6.n_joined, n);
	assert_int_equal(in.ports[0].n_joined, 0);
	/* One group more is over the limit: refused, nothing changed. */
	v6_group(&rules[n + 1].in_group, n);
	cfg.n_rules = n + 2;
	assert_int_equal(ingress_prepare(&in, &cfg), -E2BIG);
	assert_int_equal(in.ports[0].v6.n_joined, n);
	/* Fewer: the others leave. */
	cfg.n_rules = 2;
	assert_int_equal(ingress_update(&in, &cfg), 0);
	assert_int_equal(in.ports[0].v6.n_joined, 2);
	ingress_exit(&in);
	free(rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_workers_share_a_group),
		cmocka_unit_test(t_taken_id_is_stepped_over),
		cmocka_unit_test(t_daemons_do_not_share),
		cmocka_unit_test(t_one_worker_no_group),
		cmocka_unit_test(t_memberships_by_difference),
		cmocka_unit_test(t_ipv6_groups),
	};

	if (netns_init("ingress") < 0)
		return 1;
	return cmocka_run_group_tests_name("ingress", tests, NULL, NULL);
}
