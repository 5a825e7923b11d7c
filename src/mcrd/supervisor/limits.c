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

#include "mcrd/dataplane/filter.h"
#include "mcrd/dataplane/ingress.h"
#include "mcrd/supervisor/limits.h"
#include "mcrd/dataplane/dp.h"

/* One input key the ingress filter needs: an interface and a destination. */
struct in_dest {
	const char *ifname;
	uint32_t group;
};

static int cmp_dest(const void *a, const void *b)
{
	const struct in_dest *x = a, *y = b;
	int c = strcmp(x->ifname, y->ifname);

	if (c)
		return c;
	return x->group < y->group ? -1 : x->group > y->group;
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

/* Input interfaces per worker, and distinct groups on each. */
static int check_inputs(const struct mcr_config *cfg, struct config_error *err)
{
	struct in_dest *d = calloc(cfg->n_rules, sizeof(*d));
	size_t n_ifaces = 0, run = 0;
	int ret = 0;

	if (!d)
		return -ENOMEM;
	for (size_t r = 0; r < cfg->n_rules; r++)
		d[r] = (struct in_dest){ cfg->rules[r].in_ifname, cfg->rules[r].in_group.v4.s_addr };
	qsort(d, cfg->n_rules, sizeof(*d), cmp_dest);
	for (size_t i = 0; i < cfg->n_rules && ret == 0; i++) {
		bool is_new_if = i == 0 || strcmp(d[i].ifname, d[i - 1].ifname) != 0;

		if (is_new_if) {
			n_ifaces++;
			run = 0;
		}
		if (is_new_if || d[i].group != d[i - 1].group)
			run++;
		if (run > FILTER_MAX_DESTS) {
			(void)snprintf(err->msg, sizeof(err->msg),
				       "input interface %s: more than %d distinct input groups "
				       "(the limit of its ingress filter); spread the groups over "
				       "more interfaces or remove some",
				       d[i].ifname, FILTER_MAX_DESTS);
			ret = -E2BIG;
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
