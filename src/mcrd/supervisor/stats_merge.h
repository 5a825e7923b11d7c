/* SPDX-License-Identifier: MIT */
/*
 * Summing the statistics documents of several workers into one.  Each
 * worker reports in the shape of stats_to_json(); the supervisor adds them
 * up by identity (an input by interface, a rule by name, an output by
 * interface, group and port), so workers whose rule sets differ for a moment
 * during a change still add up correctly.  Pure: no I/O, no logging.
 */
#ifndef MCR_STATS_MERGE_H
#define MCR_STATS_MERGE_H

#include <jansson.h>

/*
 * Add every integer counter of doc into acc, appending inputs, rules and
 * outputs acc does not have yet.  acc starts as an empty object.
 * Returns 0 or -ENOMEM.
 */
int stats_merge(json_t *acc, json_t *doc);

/*
 * Recompute what is derived rather than summed: "totals" from the inputs
 * and rules, and the average rates from uptime_s.  Returns 0 or -ENOMEM.
 */
int stats_finish(json_t *acc, double uptime_s);

#endif
