/* SPDX-License-Identifier: MIT */
/*
 * mcrd's configuration: the JSON file format, the --rule shorthand, and the
 * validation that turns either into a resolved struct mcr_config.  Does not
 * log: every failure fills a struct config_error naming the field and value,
 * and the caller reports it once.  This header is the whole public face of
 * config.c (init/free, the rule list, mode names), config_json.c (the JSON
 * form, both ways), rule_spec.c (the --rule shorthand) and config_check.c
 * (checks across rules, interface resolution).
 */
#ifndef MCR_CONFIG_H
#define MCR_CONFIG_H

#include <jansson.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define MCR_NAME_MAX		64	/* rule name, including NUL */
#define MCR_MAX_RULES		4096
#define MCR_MAX_OUTPUTS		4096	/* per rule */
#define MCR_VLAN_MAX		4094	/* the highest VID a rule may name (4095 is reserved) */
#define MCR_MAX_CONFIG_BYTES	(4 << 20)

#define MCR_DEFAULT_QUEUE_DEPTH	1024
#define MCR_DEFAULT_SEND_BATCH	64
#define MCR_DEFAULT_COALESCE_US	50
#define MCR_MAX_COALESCE_US	10000
#define MCR_DEFAULT_SNDBUF	(4 << 20)
#define MCR_DEFAULT_STATS_MS	0	/* no periodic stats line: a service logs little */
#define MCR_MAX_WORKERS		256
#define MCR_LISTEN_MAX		24	/* "255.255.255.255:65535" and NUL */
#define MCR_GROUP_NAME_MAX	33	/* a group name, as useradd allows, and NUL */
#define MCR_MODE_MAX		6	/* "0660" and NUL */
#define MCR_DEFAULT_CONTROL_MODE "0660"
#define MCR_DEFAULT_BUFFERS	4096	/* ingress buffers per worker */
/* RFC 3376 8's defaults */
#define MCR_DEFAULT_IGMP_QUERY_INTERVAL_MS	125000
#define MCR_DEFAULT_IGMP_RESPONSE_MS		10000
#define MCR_DEFAULT_IGMP_LAST_MEMBER_MS		1000
#define MCR_DEFAULT_IGMP_ROBUSTNESS		2

/*
 * Read when mcrd is given neither --config nor --rule; when it does not
 * exist, mcrd starts with no rules and waits for mcrctl.
 */
#ifndef MCR_DEFAULT_CONFIG_PATH
#define MCR_DEFAULT_CONFIG_PATH	"/etc/mcr/mcrd.json"
#endif

/* How outputs send: pre-built frames on AF_PACKET (l2) or UDP sockets. */
enum egress_mode {
	EGRESS_AUTO = 0,	/* l2 for multicast outputs, udp for unicast ones */
	EGRESS_L2,
	EGRESS_UDP,
	EGRESS_MODE_MAX
};

/* How a worker receives from its input interfaces. */
enum ingress_mode {
	INGRESS_RING = 0,	/* TPACKET_V2 ring: the kernel fills slots, a wake-up per frame */
	INGRESS_MULTISHOT,	/* io_uring multishot receive into provided buffers */
	INGRESS_XDP,		/* AF_XDP: an XDP program redirects rule frames; ring for the rest */
	INGRESS_MODE_MAX
};

/*
 * The TTL an output sends with.  The default is a router's: one less than
 * received, and a packet that arrives with TTL 1 (or 0) is not relayed
 * (counted as ttl_expired), which also ends a loop of relays.
 */
enum ttl_mode {
	TTL_DECREMENT = 0,
	TTL_KEEP,		/* as received (a received TTL of 0 is not relayed) */
	TTL_SET,		/* struct mcr_output's ttl, whatever arrived */
	TTL_MODE_MAX
};

/*
 * When an output carries packets: always, or only while its group has
 * listeners on its interface (IGMP reports heard by mcrd's querier).
 */
enum output_when {
	WHEN_ALWAYS = 0,
	WHEN_JOINED,
	WHEN_MAX
};

/* The source address an output sends from. */
enum source_mode {
	SOURCE_RELAY = 0,	/* the relay's address on the output interface */
	SOURCE_KEEP,		/* the original sender's, as a router does */
	SOURCE_ADDR,		/* struct mcr_output's source */
	SOURCE_MODE_MAX
};

struct mcr_output {
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;		/* resolved by config_resolve(); 0: missing */
	/*
	 * Destination: multicast or unicast, of the input group's family;
	 * none (family 0) until config_resolve() fills in the input's.
	 */
	struct mcr_addr group;
	uint16_t port;			/* host order; 0 = keep the packet's port */
	uint8_t ttl;			/* TTL_SET only */
	enum ttl_mode ttl_mode;
	enum source_mode source_mode;
	struct mcr_addr source;		/* SOURCE_ADDR only; the group's family */
	enum output_when when;
	/*
	 * WHEN_JOINED: the group has members on the interface now.  Run-time
	 * state the supervisor sets (membership.h); not in the file.
	 */
	bool is_joined;
};

struct mcr_rule {
	char name[MCR_NAME_MAX];
	char in_ifname[IF_NAMESIZE];
	unsigned int in_ifindex;	/* resolved by config_resolve(); 0: missing */
	/*
	 * Multicast group or unicast destination, IPv4 or IPv6: the family
	 * of the whole rule (sources and outputs are refused in the other).
	 */
	struct mcr_addr in_group;
	uint16_t in_port;		/* host order; 0 = every port */
	struct mcr_addr in_source;	/* none (family 0) = any source */
	/*
	 * The VLAN the rule takes (1..MCR_VLAN_MAX), or 0: untagged frames
	 * (and priority-tagged ones, VID 0).  Frames of any other VLAN, and
	 * frames with two tags or more, are never relayed (vlan_dropped).
	 */
	uint16_t in_vlan;
	size_t n_outputs;
	struct mcr_output *outputs;	/* owned by the rule */
};

struct mcr_config {
	unsigned int queue_depth;	/* io_uring SQ entries, power of two */
	unsigned int send_batch;	/* sends queued before a submit */
	/*
	 * After the first completion, wait up to this many microseconds for
	 * send_batch of them, so that one wake-up (one IPI to the worker's
	 * CPU) carries a batch at high rates; 0 wakes on every completion.
	 */
	unsigned int coalesce_us;
	/*
	 * Run each worker SCHED_FIFO at this priority (1-99), so that under
	 * overload it keeps its core against the receive softirq's thread
	 * (ksoftirqd) and the kernel drops what it cannot take before the
	 * copy; 0 leaves the normal policy.  Read when a worker starts.
	 */
	unsigned int worker_rt_priority;
	int so_sndbuf;			/* egress socket send buffer, bytes */
	unsigned int stats_interval_ms;	/* 0 = no periodic stats line */
	unsigned int buffers;		/* ingress buffers, power of two */
	unsigned int workers;		/* worker processes; 0 = one per CPU */
	enum egress_mode egress;
	/*
	 * Send IGMP joins for the input groups.  Off, only the NIC's filter
	 * is programmed: the host's IP stack no longer takes in (and drops)
	 * every relayed packet, but nothing asks the network for the groups.
	 */
	bool igmp_join;
	/*
	 * Group membership (mcrd/membership/): on the interfaces of "when":
	 * "joined" outputs mcrd listens to IGMP and, with igmp_querier, queries
	 * (RFC 3376 timers, milliseconds).
	 */
	bool igmp_querier;
	unsigned int igmp_query_interval_ms;
	unsigned int igmp_response_ms;
	unsigned int igmp_last_member_ms;
	unsigned int igmp_robustness;
	enum ingress_mode ingress;
	/* The Prometheus endpoint, "ADDR:PORT" or "PORT"; "" = none. */
	char metrics[MCR_LISTEN_MAX];
	/* The control socket's group ("" = mcrd's own) and mode, in octal. */
	char control_group[MCR_GROUP_NAME_MAX];
	char control_mode[MCR_MODE_MAX];
	size_t n_rules;
	struct mcr_rule *rules;		/* owned by the config */
};

struct config_error {
	char msg[512];
};

/* "auto", "l2" or "udp"; returns 0 or -EINVAL. */
int config_parse_egress(const char *name, enum egress_mode *ret);
const char *config_egress_name(enum egress_mode mode);
int config_parse_ingress(const char *name, enum ingress_mode *ret);
const char *config_ingress_name(enum ingress_mode mode);

/* Fills in the settings' defaults (settings.h) and no rules. */
void config_init(struct mcr_config *cfg);
void config_free(struct mcr_config *cfg);

/*
 * Parse a JSON document (file or string) into cfg, which must have been
 * config_init()ed.  Rules are appended.  Unknown fields are errors.
 * Returns 0 or a negative errno with err filled in.
 */
int config_load_file(struct mcr_config *cfg, const char *path, struct config_error *err);
int config_load_string(struct mcr_config *cfg, const char *json, struct config_error *err);

/*
 * Append one rule written in the command-line shorthand:
 *   [NAME=]IN_IFACE,GROUP[:PORT][,source=IP][,vlan=VID] ->
 *       OUT_IFACE[,GROUP[:PORT]][,ttl=N|keep|decrement][,source=relay|keep|IP][,when=joined][; OUT...]
 * A rule without NAME= is named "ruleN" (N = its 1-based position).
 */
int config_add_shorthand(struct mcr_config *cfg, const char *spec, struct config_error *err);

/*
 * Single rules, for run-time changes over the control socket.  A rule
 * object has the form of one element of the file's "rules" array;
 * messages call it "rule" ("rule.input.port: 70000 is not a port number").
 */

/*
 * Parse one rule object into *ret (zeroed first).  Without "name" the name
 * is left empty.  Returns 0, or -EINVAL (or -ENOMEM) with err filled in and
 * *ret empty.  Release with config_rule_clear().
 */
int config_rule_from_json(json_t *obj, struct mcr_rule *ret, struct config_error *err);
void config_rule_clear(struct mcr_rule *r);

/* Index of the rule named @name in cfg->rules, or -ENOENT. */
int config_rule_index(const struct mcr_config *cfg, const char *name);

/*
 * Parse a rule object and append it to cfg.  Without a name it gets "ruleN",
 * the first N from its position up that is free.  Returns 0, -EEXIST when
 * the name is taken, -ENOSPC past MCR_MAX_RULES, or -EINVAL/-ENOMEM, with
 * err filled in.  The rule is not resolved: run config_resolve() (interfaces,
 * input keys shared with another rule) and config_remove_rule() it again if
 * that fails.
 */
int config_add_rule_json(struct mcr_config *cfg, json_t *obj, struct config_error *err);

/* Remove the rule named @name, keeping the others' order.  Returns 0 or -ENOENT. */
int config_remove_rule(struct mcr_config *cfg, const char *name);

/*
 * A rule, or the whole configuration, in the file's form (new reference, or
 * NULL on ENOMEM).  The result loads again with config_load_string() and
 * means the same; a resolved rule lists the group and port its outputs
 * inherited.  A configuration with no rules gives "rules": [], which loads
 * as a start with no rules.
 */
json_t *config_rule_to_json(const struct mcr_rule *r);
json_t *config_to_json(const struct mcr_config *cfg);

/*
 * Bug 7: an output that sends from the relay's address needs one on its
 * interface.  @ifaddr is the output interface's IPv4 address (INADDR_ANY:
 * none).  Returns 0, or -EADDRNOTAVAIL with err naming rule @rule (index
 * @rule_index), output @out and the interface.  Unicast outputs are not
 * checked: the kernel routes them and picks their source.  Called by
 * config_resolve(); call it again when an interface's addresses change.
 */
int config_check_output_source(const struct mcr_rule *rule, size_t rule_index, size_t out,
			       struct in_addr ifaddr, struct config_error *err);

/* "keep", "decrement" or the number; buf holds at least 12 bytes. */
const char *config_ttl_name(const struct mcr_output *o, char buf[12]);

/*
 * Check the whole configuration and resolve interface names to indexes (no
 * rules at all is fine: mcrd then waits for mcrctl): no two rules share a
 * name or an input key (interface name, group, port, source, VLAN), outputs fill
 * in the input's group/port where they gave none, and every multicast
 * output that sends from the relay's address has one on its interface
 * (config_check_output_source()).  An interface that does not exist is not
 * an error: its ifindex is 0 and its rules wait (config_rule_waiting_for());
 * config_resolve_interfaces() looks the indexes up again when interfaces
 * come and go (an interface that appears without an address is then caught
 * by the workers' egress set-up).  Returns 0 or a negative errno with err
 * filled in.
 */
int config_resolve(struct mcr_config *cfg, struct config_error *err);

/*
 * Look every interface a resolved configuration names up again, after
 * interfaces came, went or were renamed: only the indexes change (0 for a
 * missing one), since nothing else config_resolve() checks depends on which
 * interfaces exist.  Returns 0, or the first lookup error (-errno; that
 * index is left as it was).
 */
int config_resolve_interfaces(struct mcr_config *cfg);

/*
 * The first interface a resolved rule names that does not exist (its input
 * first, then its outputs in order), or NULL when the rule can relay.
 */
const char *config_rule_waiting_for(const struct mcr_rule *r);

/* "always" or "joined"; returns 0 or -EINVAL. */
int config_parse_when(const char *name, enum output_when *ret);
const char *config_when_name(enum output_when when);

/*
 * A "when": "joined" output needs a multicast group (its own or the
 * input's, once resolved).  Returns 0 or -EINVAL with err naming the rule
 * and output.  Called by config_resolve().
 */
int config_check_when(const struct mcr_config *cfg, struct config_error *err);

/* A "when": "joined" output nobody listens to (not is_joined): the workers do not hold it. */
bool config_output_is_idle(const struct mcr_output *o);

/*
 * Remove the outputs that wait for members (WHEN_JOINED and not
 * is_joined), and the rules left without outputs: what the workers relay.
 * Returns how many outputs were removed.
 */
size_t config_drop_idle(struct mcr_config *cfg);

/*
 * Remove the rules that wait for an interface, keeping the others' order:
 * what the workers relay.  Returns how many were removed.
 */
size_t config_drop_waiting(struct mcr_config *cfg);

#endif
