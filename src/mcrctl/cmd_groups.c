// SPDX-License-Identifier: MIT
/*
 * mcrctl groups: the IGMP and MLD queriers of each interface mcrd listens
 * on, and the groups with listeners there, with their timers.  An
 * interface's MLD state ("mld") has the shape of its IGMP state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcrctl/cmd.h"
#include "mcrctl/table.h"

/* "4.1 s", or "-" for a timer that does not run. */
static const char *secs(json_int_t ms, char buf[24])
{
	if (ms < 0)
		return "-";
	(void)snprintf(buf, 24, "%.1f s", (double)ms / 1000.0);
	return buf;
}

/* The protocols of an interface: its IGMP state is the object itself, MLD's under "mld". */
static const json_t *proto_state(const json_t *mi, int proto)
{
	const json_t *mld = json_object_get(mi, "mld");

	if (proto == 0)
		return mi;
	return json_is_true(json_object_get(mld, "listening")) ? mld : NULL;
}

static const char *const proto_names[] = { "IGMP", "MLD" };

static void querier_row(struct table *t, const char *ifname, int proto, const json_t *st)
{
	const json_t *q = json_object_get(st, "querier");
	char b1[24], b2[24];

	table_row(t);
	table_cell(t, "%s", ifname);
	table_cell(t, "%s", proto_names[proto]);
	table_cell(t, "%s", json_str_or(q, "address", "-"));
	table_cell(t, "%s", json_str_or(q, "querier", "-"));
	table_cell(t, "%s", json_is_true(json_object_get(q, "is_us")) ? "us" :
			    json_is_true(json_object_get(q, "enabled")) ? "other" : "listen only");
	table_cell(t, "%s", secs(json_int_of(q, "next_query_ms"), b1));
	table_cell(t, "%s", secs(json_int_of(q, "other_querier_expires_ms"), b2));
	table_cell(t, "%lld", json_int_of(q, "queries_sent"));
	table_cell(t, "%lld", json_int_of(q, "queries_received"));
	table_cell(t, "%lld", json_int_of(st, "malformed"));
}

static void querier_rows(struct table *t, const json_t *ifs)
{
	const json_t *mi;
	size_t i;

	json_array_foreach(ifs, i, mi)
		for (int p = 0; p < 2; p++)
			if (proto_state(mi, p))
				querier_row(t, json_str_or(mi, "interface", "?"), p,
					    proto_state(mi, p));
}

/* The sources excluded (or not) into buf: "198.18.0.3, ..." or "198.18.0.1 (3.2 s), ...". */
static void sources_text(char *buf, size_t cap, const json_t *sources, bool is_excluded)
{
	const json_t *src;
	bool is_first = true;
	size_t i, len = 0;
	char b[24];

	json_array_foreach(sources, i, src) {
		int n;

		if (json_is_true(json_object_get(src, "excluded")) != is_excluded)
			continue;
		if (is_excluded)
			n = snprintf(buf + len, cap - len, "%s%s", is_first ? "" : ", ",
				     json_str_or(src, "source", "?"));
		else
			n = snprintf(buf + len, cap - len, "%s%s (%s)", is_first ? "" : ", ",
				     json_str_or(src, "source", "?"),
				     secs(json_int_of(src, "expires_ms"), b));
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
		is_first = false;
	}
}

/*
 * Include mode: "198.18.0.1 (3.2 s), ...".  Exclude mode: "*" (every
 * source), "* except 198.18.0.3, ...", and the sources still requested
 * with their timers after a "; ".
 */
static void sources_cell(struct table *t, const json_t *g)
{
	const json_t *sources = json_object_get(g, "sources");
	char excluded[256] = "", requested[256] = "";

	sources_text(requested, sizeof(requested), sources, false);
	if (strcmp(json_str_or(g, "mode", ""), "exclude") != 0) {
		table_cell(t, "%s", requested[0] ? requested : "-");
		return;
	}
	sources_text(excluded, sizeof(excluded), sources, true);
	table_cell(t, "*%s%s%s%s", excluded[0] ? " except " : "", excluded,
		   requested[0] ? "; " : "", requested);
}

static void group_rows_of(struct table *t, const char *ifname, int proto, const json_t *st)
{
	const json_t *g;
	size_t k;

	json_array_foreach(json_object_get(st, "groups"), k, g) {
		char b[24];

		table_row(t);
		table_cell(t, "%s", ifname);
		table_cell(t, "%s", proto_names[proto]);
		table_cell(t, "%s", json_str_or(g, "group", "?"));
		table_cell(t, "%s", json_is_true(json_object_get(g, "has_listeners")) ? "yes" : "no");
		table_cell(t, "%s", json_str_or(g, "mode", "?"));
		table_cell(t, "%s", secs(json_int_of(g, "expires_ms"), b));
		table_cell(t, "%s", json_str_or(g, "last_reporter", "-"));
		sources_cell(t, g);
	}
}

static void group_rows(struct table *t, const json_t *ifs)
{
	const json_t *mi;
	size_t i;

	json_array_foreach(ifs, i, mi)
		for (int p = 0; p < 2; p++)
			if (proto_state(mi, p))
				group_rows_of(t, json_str_or(mi, "interface", "?"), p,
					      proto_state(mi, p));
}

int cmd_groups(struct mcrctl *m, const struct mcrctl_cmd *cmd, int argc, char **argv)
{
	static const char *const qcols[] = { "INTERFACE", "PROTO", "ADDRESS", "QUERIER", "ROLE",
		"NEXT QUERY", "OTHER EXPIRES", ">SENT", ">RECEIVED", ">MALFORMED", NULL };
	static const char *const gcols[] = { "INTERFACE", "PROTO", "GROUP", "LISTENERS", "MODE",
		"EXPIRES", "LAST REPORTER", "SOURCES", NULL };
	struct table t;
	json_t *result, *ifs;
	int rc;

	rc = mcrctl_args(m, cmd, argc, argv, 0);
	if (rc)
		return rc;
	rc = mcrctl_fetch(m, PROTO_CMD_GROUPS, NULL, &result);
	if (rc || !result)
		return rc;
	ifs = json_object_get(result, "interfaces");
	if (json_array_size(ifs) == 0) {
		(void)printf("no interface has a \"when\": \"joined\" output\n");
		json_decref(result);
		return EXIT_SUCCESS;
	}
	table_init(&t, qcols);
	querier_rows(&t, ifs);
	rc = table_print(&t, stdout);
	table_free(&t);
	if (rc == 0) {
		(void)printf("\n");
		table_init(&t, gcols);
		group_rows(&t, ifs);
		rc = table_print(&t, stdout);
		table_free(&t);
	}
	json_decref(result);
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
