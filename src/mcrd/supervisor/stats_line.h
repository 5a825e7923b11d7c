/* SPDX-License-Identifier: MIT */
/*
 * The periodic statistics line, one per rule, logged at info level (so
 * --log-level and --syslog apply to it like to every other message).
 */
#ifndef MCR_STATS_LINE_H
#define MCR_STATS_LINE_H

#include <jansson.h>

/*
 * Log one line per rule of the statistics document @doc (stats_merge.h),
 * whose rates span the time since the previous line.
 */
void stats_line_log(const json_t *doc);

#endif
