/* SPDX-License-Identifier: MIT */
/*
 * Counters a worker keeps while relaying, and their JSON form.  Counters
 * are plain integers owned by one worker, so the hot path increments them
 * without atomics; the supervisor sums the workers' documents
 * (stats_merge.c) and prints the per-rule lines.
 */
#ifndef MCR_STATS_H
#define MCR_STATS_H

#include <jansson.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

struct input_stats {
	uint64_t frames;		/* passed the BPF filter and were received */
	uint64_t bytes;
	uint64_t malformed;
	uint64_t fragments;
	uint64_t not_udp;		/* not IPv4 UDP (the filter lets few through) */
	uint64_t unmatched;		/* well-formed, but no rule for it */
	uint64_t vlan_dropped;		/* tagged (VID 1-4095, or QinQ) and no rule takes it */
	uint64_t buffer_exhaustion;	/* ingress found no free buffer */
	uint64_t kernel_drops;		/* the socket queue overflowed (PACKET_STATISTICS) */
	uint64_t too_big;		/* larger than the receive buffers (an MTU raised late) */
};

struct rule_stats {
	uint64_t packets;
	uint64_t bytes;
};

struct output_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t send_errors;		/* sends that failed, each attempt */
	uint64_t retries;		/* transient failures sent again */
	uint64_t drops;			/* packets this output never got */
	uint64_t ttl_expired;		/* not relayed: "ttl": "decrement" or "keep" left none */
	uint64_t too_big;		/* of those, too big for the output's MTU */
};

struct mcr_stats {
	const struct mcr_config *cfg;	/* not owned */
	struct rule_stats *rules;	/* [cfg->n_rules] */
	size_t *out_base;		/* rule r's outputs start at outputs[out_base[r]] */
	size_t n_outputs;
	struct output_stats *outputs;
	uint64_t start_ns;
};

/* Counters for the rules and outputs of cfg.  Returns 0 or -ENOMEM. */
int stats_new(const struct mcr_config *cfg, struct mcr_stats **ret);
void stats_free(struct mcr_stats *s);

static inline struct output_stats *stats_output(struct mcr_stats *s, size_t rule, size_t out)
{
	return &s->outputs[s->out_base[rule] + out];
}

/* One input's counters as JSON (new reference, NULL on ENOMEM). */
json_t *stats_input_json(const char *ifname, const struct input_stats *in);

/* Rules and outputs as JSON, without inputs or totals (new reference, NULL on ENOMEM). */
json_t *stats_to_json(const struct mcr_stats *s, uint64_t now);

#endif
