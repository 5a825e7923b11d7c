// SPDX-License-Identifier: MIT
/*
 * The limits of a worker, checked before anything is committed.  The
 * counts are taken over sorted copies of the interface names and groups,
 * so a check costs O(rules log rules) at any size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "mcrd/dataplane/filter.h"
#include "mcrd/dataplane/ingress.h"
#include "mcrd/supervisor/limits.h"
#include "mcrd/dataplane/dp.h"

/* One input key the ingress filter needs: an interface and a destination. */
struct in_dest {
	const char *ifname;
	struct mcr_addr group;		/* IPv4 ones with their family set */
};

static int cmp_dest(const void *a, const void *b)
{
	const struct in_dest *x = a, *y = b;
	int c = strcmp(x->ifname, y->ifname);

	return c ? c : memcmp(&x->group, &y->group, sizeof(x->group));
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct strings in a sorted array. */
static size_t count_distinct(const char **names, size_t n)
{
	size_t d = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			d++;
	return d;
}

/*
 * An interface's ingress filter, measured by filter_len_dual() as the
 * worker will build it: n4 IPv4 and n6 IPv6 distinct groups.
 */
static int check_filter(const char *ifname, size_t n4, size_t n6, struct config_error *err)
{
	if (filter_len_dual(n4, n6) >= 0)
		return 0;
	(void)snprintf(err->msg, sizeof(err->msg),
		       "input interface %s: %zu IPv4 and %zu IPv6 groups do not fit its ingress "
		       "filter, which takes at most %d distinct input groups of IPv4 and %d of "
		       "IPv6 (a BPF program of at most %d instructions, under every --ingress); "
		       "spread the groups over more interfaces or remove some",
		       ifname, n4, n6, FILTER_MAX_DESTS, FILTER_MAX_DESTS6, BPF_MAXINSNS);
	return -E2BIG;
}

/* Input interfaces per worker, and the distinct groups of each family on each. */
static int check_inputs(const struct mcr_config *cfg, struct config_error *err)
{
	struct in_dest *d = calloc(cfg->n_rules, sizeof(*d));
	size_t n_ifaces = 0, n4 = 0, n6 = 0;
	int ret = 0;

	if (!d)
		return -ENOMEM;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_addr *g = &cfg->rules[r].in_group;

		d[r] = (struct in_dest){ cfg->rules[r].in_ifname,
					 addr_ip_is_v6(g) ? *g : addr_ip_v4(g->v4) };
	}
	qsort(d, cfg->n_rules, sizeof(*d), cmp_dest);
	for (size_t i = 0; i < cfg->n_rules && ret == 0; i++) {
		bool is_new_if = i == 0 || strcmp(d[i].ifname, d[i - 1].ifname) != 0;
		bool is_last = i + 1 == cfg->n_rules || strcmp(d[i + 1].ifname, d[i].ifname) != 0;
		bool is_new = is_new_if || !addr_ip_equal(&d[i].group, &d[i - 1].group);

		n_ifaces += is_new_if;
		if (is_new && addr_ip_is_v6(&d[i].group))
			n6++;
		else if (is_new)
			n4++;
		if (is_last) {
			ret = check_filter(d[i].ifname, n4, n6, err);
			n4 = n6 = 0;
		}
	}
	if (ret == 0 && n_ifaces > INGRESS_MAX_PORTS) {
		(void)snprintf(err->msg, sizeof(err->msg),
			       "%zu input interfaces: a worker takes at most %d", n_ifaces,
			       INGRESS_MAX_PORTS);
		ret = -E2BIG;
	}
	free(d);
	return ret;
}

/*
 * The sockets a generation registers: one per output at most (udp), one
 * per output interface (l2), one per input interface.
 */
static int check_files(const struct mcr_config *cfg, struct config_error *err)
{
	size_t n_out = 0, n_names = 0, files;
	const char **names;

	for (size_t r = 0; r < cfg->n_rules; r++)
		n_out += cfg->rules[r].n_outputs;
	names = calloc(n_out + cfg->n_rules + 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t r = 0; r < cfg->n_rules; r++)
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++)
			names[n_names++] = cfg->rules[r].outputs[o].ifname;
	qsort(names, n_names, sizeof(*names), cmp_name);
	files = n_out + count_distinct(names, n_names);
	n_names = 0;
	for (size_t r = 0; r < cfg->n_rules; r++)
		names[n_names++] = cfg->rules[r].in_ifname;
	qsort(names, n_names, sizeof(*names), cmp_name);
	files += count_distinct(names, n_names);
	free(names);
	if (files > LIMITS_FILES_PER_GEN) {
		(void)snprintf(err->msg, sizeof(err->msg),
			       "%zu outputs need up to %zu sockets in a worker's io_uring file "
			       "table, at most %d fit; use fewer outputs",
			       n_out, files, LIMITS_FILES_PER_GEN);
		return -E2BIG;
	}
	return 0;
}

int limits_check(const struct mcr_config *cfg, struct config_error *err)
{
	int ret;

	if (cfg->n_rules == 0)
		return 0;
	ret = check_inputs(cfg, err);
	if (ret == 0)
		ret = check_files(cfg, err);
	if (ret == -ENOMEM)
		(void)snprintf(err->msg, sizeof(err->msg), "out of memory checking the limits");
	return ret;
}
