/* SPDX-License-Identifier: MIT */
/*
 * Counters a worker keeps while relaying, their report to the supervisor and
 * their JSON form.  Counters are plain integers owned by one worker, so the
 * hot path increments them without atomics.  A report is the counter structs
 * as they are (struct stats_wire_head, then the arrays), never JSON: the
 * supervisor adds them up in plain arrays (stats_merge.h) and writes JSON
 * only for a reply.
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

/*
 * A report, as it travels: the head, rule_stats[n_rules],
 * output_stats[n_outputs] (rule by rule, in the order of the worker's
 * configuration), then stats_wire_input[n_inputs].  Both ends are the same
 * executable (the workers are forked), so the structs go as they are; the
 * sizes in the head are checked on arrival.  The worker's rules are named
 * by the configuration image (cfgwire.h) it sends with the report whenever
 * its generation changed ("layout" in the report's line).
 */
#define STATS_WIRE_MAGIC	0x6d637273u	/* "mcrs" */
struct stats_wire_head {
	uint32_t magic;
	uint16_t rule_size, output_size, input_size;	/* sizeof each struct, a check */
	uint16_t pad;
	uint32_t n_rules;
	uint64_t generation;		/* the worker's rules: gen->id */
	uint32_t n_outputs, n_inputs;
};

struct stats_wire_input {
	char ifname[IF_NAMESIZE];
	struct input_stats st;
};

/* Counters for the rules and outputs of cfg.  Returns 0 or -ENOMEM. */
int stats_new(const struct mcr_config *cfg, struct mcr_stats **ret);
void stats_free(struct mcr_stats *s);

static inline struct output_stats *stats_output(struct mcr_stats *s, size_t rule, size_t out)
{
	return &s->outputs[s->out_base[rule] + out];
}

/*
 * Bytes a report of s with n_inputs inputs takes, and writing it into buf
 * (that many bytes, aligned or not: everything is copied): the head and the
 * rule and output counters.  Returns where the n_inputs input records go,
 * for the caller to copy them in.
 */
size_t stats_wire_size(const struct mcr_stats *s, size_t n_inputs);
char *stats_wire_put(const struct mcr_stats *s, uint64_t generation, size_t n_inputs, char *buf);

/* One input's counters as JSON (new reference, NULL on ENOMEM). */
json_t *stats_input_json(const char *ifname, const struct input_stats *in);

#endif
