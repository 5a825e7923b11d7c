/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's statistics: asking the workers for their counters,
 * keeping each worker's latest report and the counters of workers that
 * died in plain arrays (stats_merge.h), and answering from them.  A round
 * goes out once a second (or at the stats line's shorter interval), so that
 * a reply always has a current rate; it costs a copy of the counters, no
 * JSON.  JSON is written only for a reply: mcrctl stats, /metrics, the
 * stats line, the summary at the stop.
 */
#ifndef MCR_STATS_ROUND_H
#define MCR_STATS_ROUND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "mcrd/supervisor/stats_merge.h"

/* The rates of a reply span at least this much (the two latest sums otherwise). */
#define STATS_RATE_MIN_MS	500
/* How often the counters are collected when no stats line asks for more. */
#define STATS_POLL_MS		1000

/* A worker's part (in struct worker_slot). */
struct stats_slot {
	struct stats_counts counts;	/* its latest report, in the layout of s->cfg */
	bool has_counts;
	struct mcr_config layout;	/* the rules it counts, from its latest image */
	bool has_layout;
	uint64_t layout_gen;		/* the worker's generation that image describes */
	struct stats_map map;		/* layout -> s->cfg */
	bool has_map;
	uint64_t map_version;		/* the s->cfg_version map leads to */
	bool wants_layout;		/* ask for the image with the next request */
};

/* The supervisor's part (in struct supervisor). */
struct stats_store {
	bool is_ready;
	struct stats_index ix;		/* of s->cfg */
	struct stats_counts dead;	/* of worker incarnations that died */
	struct stats_counts last;	/* the latest periodic sum */
	struct stats_counts before;	/* the one before it */
	uint64_t last_ns, before_ns;	/* when they were taken; 0: never */
	struct stats_counts line_prev;	/* the sum at the previous stats line */
	uint64_t line_prev_ns;
	uint64_t next_line_ns;
};

struct supervisor;
struct worker_slot;

/* Set up for s->cfg.  Returns 0 or -ENOMEM. */
int stats_store_init(struct supervisor *s);
void stats_store_exit(struct supervisor *s);

/*
 * A counters report from ws ("stats" or "final"): body is the value under
 * that key, data the len bytes that came with it.
 */
void stats_on_report(struct supervisor *s, struct worker_slot *ws, const json_t *body,
		     const char *data, size_t len);
/* ws died: its counters join those of the dead, and it is forgotten. */
void stats_bury(struct supervisor *s, struct worker_slot *ws);
/* s->cfg is about to become next: every counter moves to next's layout. */
void stats_rekey(struct supervisor *s, const struct mcr_config *next);

/* Ask every running worker for its counters (no-op while a round runs). */
void stats_round_start(struct supervisor *s);
/* Finish the round once every worker answered or the time is up. */
void stats_round_tick(struct supervisor *s);
/* Start the periodic round when it is due. */
void stats_poll(struct supervisor *s);
/* When stats_poll() or the round needs the loop again (ns, now_ns() clock). */
uint64_t stats_next_ns(const struct supervisor *s);

/*
 * The statistics document of what the workers reported so far (the final
 * summary, /metrics): counters, current rates, workers.  NULL on ENOMEM.
 */
json_t *stats_doc(struct supervisor *s);

#endif
