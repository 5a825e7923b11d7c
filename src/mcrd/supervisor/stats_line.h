/* SPDX-License-Identifier: MIT */
/*
 * The periodic statistics line, one per rule, logged at info level (so
 * --log-level and --syslog apply to it like to every other message).
 */
#ifndef MCR_STATS_LINE_H
#define MCR_STATS_LINE_H

#include <jansson.h>

/*
 * Log one line per rule of the summed statistics @cur, with rates over the
 * @dt seconds since @prev (the previous sum, or NULL).
 */
void stats_line_log(const json_t *cur, const json_t *prev, double dt);

#endif
