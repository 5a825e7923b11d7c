/* SPDX-License-Identifier: MIT */
/*
 * Summing the workers' counters in plain arrays.  A worker reports its
 * counters as structs (stats.h), in the order of its own rules; the
 * supervisor maps them, once per change of either side's rules, onto the
 * rules of its configuration (a rule by name, an output by interface, group
 * and port), and from then on adds a report in O(rules + outputs), index by
 * index.  JSON is written only for a reply, with the rates between two sums.
 * Pure: no I/O, no logging.
 */
#ifndef MCR_STATS_MERGE_H
#define MCR_STATS_MERGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "mcrd/dataplane/stats.h"

struct stats_name;

/* Where a configuration's counters sit: built once per configuration. */
struct stats_index {
	size_t n_rules;
	size_t n_outputs;
	size_t *out_base;		/* rule r's outputs start at out_base[r] */
	struct stats_name *names;	/* rule name -> index (uthash) */
	struct stats_name *entries;	/* [n_rules], owned; names points into them */
};

/* Counters in the layout of one stats_index, and the inputs by name. */
struct stats_counts {
	size_t n_rules;
	size_t n_outputs;
	struct rule_stats *rules;	/* [n_rules] */
	struct output_stats *outputs;	/* [n_outputs] */
	struct stats_wire_input *inputs;	/* [n_inputs], by interface name */
	size_t n_inputs;
	size_t cap_inputs;
	/* Of rules and outputs since removed: kept so that totals never go back. */
	struct rule_stats gone_rules;
	struct output_stats gone_outputs;
};

/* From one set of rules (a worker's, or the previous configuration) to an index's. */
#define STATS_UNMAPPED	UINT32_MAX
struct stats_map {
	size_t n_rules;
	size_t n_outputs;
	uint32_t *rule;			/* [n_rules]: index in the target, or STATS_UNMAPPED */
	uint32_t *output;		/* [n_outputs], the same */
};

/* Index cfg's rules.  Returns 0 or -ENOMEM (ix left empty). */
int stats_index_build(struct stats_index *ix, const struct mcr_config *cfg);
void stats_index_free(struct stats_index *ix);

/* Zeroed counters in ix's layout.  Returns 0 or -ENOMEM (c left empty). */
int stats_counts_init(struct stats_counts *c, const struct stats_index *ix);
void stats_counts_free(struct stats_counts *c);
void stats_counts_zero(struct stats_counts *c);

/* Add x into acc; both in one layout.  Returns 0, -EINVAL (layouts differ) or -ENOMEM. */
int stats_counts_add(struct stats_counts *acc, const struct stats_counts *x);

/*
 * The map from the rules of from to those of to (indexed by to_ix): a rule
 * by name, an output by interface, group and port.  O(rules + outputs)
 * when each rule's outputs keep their order.  Returns 0 or -ENOMEM.
 */
int stats_map_build(struct stats_map *m, const struct mcr_config *from,
		    const struct mcr_config *to, const struct stats_index *to_ix);
void stats_map_free(struct stats_map *m);

/*
 * Move c into the layout of to_ix through m (c was in m's source layout);
 * what has no place there adds to the gone counters.  Returns 0 or -ENOMEM
 * (c unchanged).
 */
int stats_counts_remap(struct stats_counts *c, const struct stats_map *m,
		       const struct stats_index *to_ix);

/*
 * Move the counters of cfg's idle outputs (config_output_is_idle()), and
 * of its rules whose every output is idle, from c to parked (both in ix's
 * layout, cfg's): the workers do not hold them, so a worker's next report
 * would count them from zero, and totals must never go back.
 */
void stats_counts_park_idle(struct stats_counts *c, struct stats_counts *parked,
			    const struct mcr_config *cfg, const struct stats_index *ix);

/*
 * Check a worker's report: its head is whole and agrees with its length.
 * Returns 0 with *ret_head filled in, or -EBADMSG.
 */
int stats_report_check(const char *data, size_t len, struct stats_wire_head *ret_head);
/*
 * Set c (in the layout m maps to) from a checked report counted in m's
 * source layout.  Returns 0, -ESTALE (the report does not have m's
 * layout) or -ENOMEM.
 */
int stats_counts_take(struct stats_counts *c, const struct stats_map *m, const char *data,
		      size_t len);

/* Totals over rules, outputs and inputs (gone ones included). */
struct stats_totals {
	uint64_t packets_in, bytes_in;
	uint64_t packets_out, bytes_out;
	uint64_t send_errors, drops, too_big;
	uint64_t malformed, buffer_exhaustion, kernel_drops;
};
void stats_counts_totals(const struct stats_counts *c, struct stats_totals *ret);

/*
 * The statistics document: cfg's rules with their outputs, the inputs and
 * the totals, each with its counters from cur and, when prev is not NULL
 * and dt > 0, its current rates over the dt seconds from prev to cur:
 * packets per second ("pps_*") and payload bits per second ("bps_*").
 * Rules waiting for an interface say so.  New reference, NULL on ENOMEM.
 */
json_t *stats_counts_json(const struct stats_counts *cur, const struct stats_counts *prev,
			  double dt, const struct mcr_config *cfg, const struct stats_index *ix);

#endif
