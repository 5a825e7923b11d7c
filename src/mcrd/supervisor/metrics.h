/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus text exposition of mcrd's counters.  It is rendered from
 * the same statistics document `mcrctl stats --json` prints (the sum of
 * the workers' reports), so that the two can never disagree; the families
 * and their meaning are listed in docs/metrics.md.
 */
#ifndef MCR_METRICS_H
#define MCR_METRICS_H

#include <jansson.h>
#include <stddef.h>

/*
 * Render stats (a supervisor statistics document) in the text format,
 * version 0.0.4.  Returns a malloc'ed NUL-terminated string and its length
 * in *ret_len, or NULL on ENOMEM.
 */
char *metrics_render(const json_t *stats, size_t *ret_len);

#endif
