// SPDX-License-Identifier: MIT
/*
 * Statistics document -> Prometheus text.  Each family is written whole,
 * HELP and TYPE first, then one sample per rule, output, input or worker,
 * as the format requires.  Counters missing from a document (an older
 * worker's report) are left out rather than reported as zero.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "mcrd/supervisor/metrics.h"

/* One counter of one kind of object: its key in the document, its family. */
struct family {
	const char *key;
	const char *name;
	const char *help;
};

static const struct family rule_families[] = {
	{ "packets_in", "mcr_rule_packets_total", "Packets that matched the rule." },
	{ "bytes_in", "mcr_rule_bytes_total", "UDP payload bytes that matched the rule." },
};

static const struct family output_families[] = {
	{ "packets_out", "mcr_output_packets_total", "Packets sent on the output." },
	{ "bytes_out", "mcr_output_bytes_total", "UDP payload bytes sent on the output." },
	{ "send_errors", "mcr_output_send_errors_total", "Send attempts that failed." },
	{ "retries", "mcr_output_retries_total", "Sends retried after a transient failure." },
	{ "drops", "mcr_output_drops_total", "Packets the output never got." },
	{ "too_big", "mcr_output_too_big_total",
	  "Packets larger than the output interface's MTU, not sent." },
	{ "ttl_expired", "mcr_output_ttl_expired_total",
	  "Packets not sent because their TTL ran out." },
};

static const struct family input_families[] = {
	{ "frames", "mcr_input_frames_total", "Frames received on the input interface." },
	{ "bytes", "mcr_input_bytes_total", "Bytes received on the input interface." },
	{ "malformed", "mcr_input_malformed_total", "Frames with broken headers, dropped." },
	{ "fragments", "mcr_input_fragments_total", "IPv4 fragments, dropped." },
	{ "not_udp", "mcr_input_not_udp_total", "Frames that are not IPv4 UDP." },
	{ "unmatched", "mcr_input_unmatched_total", "Well-formed packets no rule takes." },
	{ "too_big", "mcr_input_too_big_total", "Frames larger than the receive buffers." },
	{ "vlan_dropped", "mcr_input_vlan_dropped_total",
	  "Tagged frames no rule takes, dropped." },
	{ "buffer_exhaustion", "mcr_input_buffer_exhaustion_total",
	  "Frames dropped for want of a free receive buffer." },
	{ "kernel_drops", "mcr_input_kernel_drops_total",
	  "Frames the kernel dropped because the receive queue was full." },
};

static void family_head(FILE *f, const char *name, const char *help, const char *type)
{
	(void)fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped as the format asks. */
static void label(FILE *f, const char *key, const char *value, bool is_first)
{
	(void)fprintf(f, "%s%s=\"", is_first ? "" : ",", key);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			(void)fputc('\\', f);
		if (*p == '\n')
			(void)fputs("\\n", f);
		else
			(void)fputc(*p, f);
	}
	(void)fputc('"', f);
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Whether any object of the array has the counter: absent ones are left out. */
static bool any_has(const json_t *arr, const char *key)
{
	const json_t *obj;
	size_t i;

	json_array_foreach(arr, i, obj)
		if (json_is_integer(json_object_get(obj, key)))
			return true;
	return false;
}

static void sample(FILE *f, const json_t *obj, const char *key)
{
	(void)fprintf(f, "} %" JSON_INTEGER_FORMAT "\n",
		      json_integer_value(json_object_get(obj, key)));
}

static void rules_section(FILE *f, const json_t *rules)
{
	const json_t *rule;
	size_t i;

	for (size_t k = 0; k < ARRAY_SIZE(rule_families); k++) {
		const struct family *fam = &rule_families[k];

		if (!any_has(rules, fam->key))
			continue;
		family_head(f, fam->name, fam->help, "counter");
		json_array_foreach(rules, i, rule) {
			(void)fprintf(f, "%s{", fam->name);
			label(f, "rule", str(rule, "name"), true);
			sample(f, rule, fam->key);
		}
	}
}

static void output_labels(FILE *f, const json_t *rule, const json_t *out)
{
	char port[8];

	(void)snprintf(port, sizeof(port), "%" JSON_INTEGER_FORMAT,
		       json_integer_value(json_object_get(out, "port")));
	label(f, "rule", str(rule, "name"), true);
	label(f, "interface", str(out, "interface"), false);
	label(f, "group", str(out, "group"), false);
	label(f, "port", port, false);
}

static bool any_output_has(const json_t *rules, const char *key)
{
	const json_t *rule;
	size_t i;

	json_array_foreach(rules, i, rule)
		if (any_has(json_object_get(rule, "outputs"), key))
			return true;
	return false;
}

static void outputs_section(FILE *f, const json_t *rules)
{
	const json_t *rule, *out;
	size_t i, j;

	for (size_t k = 0; k < ARRAY_SIZE(output_families); k++) {
		const struct family *fam = &output_families[k];

		if (!any_output_has(rules, fam->key))
			continue;
		family_head(f, fam->name, fam->help, "counter");
		json_array_foreach(rules, i, rule) {
			json_array_foreach(json_object_get(rule, "outputs"), j, out) {
				(void)fprintf(f, "%s{", fam->name);
				output_labels(f, rule, out);
				sample(f, out, fam->key);
			}
		}
	}
}

static void inputs_section(FILE *f, const json_t *inputs)
{
	const json_t *in;
	size_t i;

	for (size_t k = 0; k < ARRAY_SIZE(input_families); k++) {
		const struct family *fam = &input_families[k];

		if (!any_has(inputs, fam->key))
			continue;
		family_head(f, fam->name, fam->help, "counter");
		json_array_foreach(inputs, i, in) {
			(void)fprintf(f, "%s{", fam->name);
			label(f, "interface", str(in, "interface"), true);
			sample(f, in, fam->key);
		}
	}
}

static void metrics_worker_sample(FILE *f, const char *name, const json_t *w, long long v)
{
	char id[16];

	(void)snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		       json_integer_value(json_object_get(w, "id")));
	(void)fprintf(f, "%s{", name);
	label(f, "worker", id, true);
	(void)fprintf(f, "} %lld\n", v);
}

static void workers_section(FILE *f, const json_t *workers)
{
	const json_t *w;
	size_t i;

	if (json_array_size(workers) == 0)
		return;
	family_head(f, "mcr_worker_restarts_total", "Times the worker was restarted.", "counter");
	json_array_foreach(workers, i, w)
		metrics_worker_sample(f, "mcr_worker_restarts_total", w,
			      (long long)json_integer_value(json_object_get(w, "restarts")));
	family_head(f, "mcr_worker_up", "1 while the worker is running, 0 otherwise.", "gauge");
	json_array_foreach(workers, i, w) {
		const char *state = str(w, "state");

		metrics_worker_sample(f, "mcr_worker_up", w, state && strcmp(state, "running") == 0);
	}
}

static void gauge(FILE *f, const char *name, const char *help, size_t v)
{
	family_head(f, name, help, "gauge");
	(void)fprintf(f, "%s %zu\n", name, v);
}

static void gauges_section(FILE *f, const json_t *stats)
{
	const json_t *rules = json_object_get(stats, "rules"), *rule;
	size_t i, outputs = 0, waiting = 0;

	json_array_foreach(rules, i, rule) {
		outputs += json_array_size(json_object_get(rule, "outputs"));
		if (json_is_true(json_object_get(rule, "waiting")) ||
		    json_is_string(json_object_get(rule, "waiting")))
			waiting++;
	}
	gauge(f, "mcr_rules", "Rules configured.", json_array_size(rules));
	gauge(f, "mcr_rules_waiting", "Rules waiting for an interface to appear.", waiting);
	gauge(f, "mcr_outputs", "Outputs over all rules.", outputs);
	gauge(f, "mcr_workers", "Worker processes configured.",
	      json_array_size(json_object_get(stats, "workers")));
}

struct counter_row {
	const char *key, *name, *help;
};

static void counter_rows(FILE *f, const json_t *obj, const struct counter_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		family_head(f, rows[i].name, rows[i].help, "counter");
		(void)fprintf(f, "%s %lld\n", rows[i].name,
			      (long long)json_integer_value(json_object_get(obj, rows[i].key)));
	}
}

/*
 * Group membership (membership/), when the stats carry it: counters since
 * start, IGMP at the top of the object and MLD under "mld".
 */
static void membership_section(FILE *f, const json_t *m)
{
	static const struct counter_row igmp[] = {
		{ "joins", "mcr_igmp_joins_total", "Groups that gained their first listener." },
		{ "leaves", "mcr_igmp_leaves_total", "Groups that lost their last listener." },
		{ "queries_sent", "mcr_igmp_queries_sent_total", "IGMP queries sent." },
		{ "queries_received", "mcr_igmp_queries_received_total",
		  "IGMP queries heard from other queriers." },
		{ "malformed", "mcr_igmp_malformed_total", "IGMP packets malformed, ignored." },
	};
	static const struct counter_row mld[] = {
		{ "joins", "mcr_mld_joins_total", "IPv6 groups that gained their first listener." },
		{ "leaves", "mcr_mld_leaves_total", "IPv6 groups that lost their last listener." },
		{ "queries_sent", "mcr_mld_queries_sent_total", "MLD queries sent." },
		{ "queries_received", "mcr_mld_queries_received_total",
		  "MLD queries heard from other queriers." },
		{ "reports", "mcr_mld_reports_total", "MLD reports (v1 and v2) received." },
		{ "dones", "mcr_mld_dones_total", "MLDv1 done messages received." },
		{ "malformed", "mcr_mld_malformed_total", "MLD packets malformed, ignored." },
	};

	if (!json_is_object(m))
		return;
	counter_rows(f, m, igmp, sizeof(igmp) / sizeof(igmp[0]));
	if (json_is_object(json_object_get(m, "mld")))
		counter_rows(f, json_object_get(m, "mld"), mld, sizeof(mld) / sizeof(mld[0]));
}

char *metrics_render(const json_t *stats, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	gauges_section(f, stats);
	rules_section(f, json_object_get(stats, "rules"));
	outputs_section(f, json_object_get(stats, "rules"));
	inputs_section(f, json_object_get(stats, "inputs"));
	workers_section(f, json_object_get(stats, "workers"));
	membership_section(f, json_object_get(stats, "membership"));
	if (ferror(f)) {
		(void)fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*ret_len = len;
	return buf;
}
