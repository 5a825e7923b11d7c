// SPDX-License-Identifier: MIT
/*
 * The supervisor's statistics round and its counters; see stats_round.h.
 * Every counter set here is in the layout of s->cfg's index, always: a
 * report is mapped onto it as it arrives, and a committed change moves them
 * all at once (stats_rekey()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/proto.h"
#include "common/util.h"
#include "config/cfgwire.h"
#include "mcrd/supervisor/service.h"
#include "mcrd/supervisor/stats_line.h"
#include "mcrd/supervisor/stats_round.h"
#include "mcrd/supervisor/supervisor.h"

static void slot_forget(struct stats_slot *st)
{
	stats_counts_free(&st->counts);
	config_free(&st->layout);
	stats_map_free(&st->map);
	st->has_counts = st->has_layout = st->has_map = st->wants_layout = false;
}

int stats_store_init(struct supervisor *s)
{
	struct stats_store *ss = &s->counters;

	memset(ss, 0, sizeof(*ss));
	if (stats_index_build(&ss->ix, s->cfg) < 0 || stats_counts_init(&ss->dead, &ss->ix) < 0 ||
	    stats_counts_init(&ss->last, &ss->ix) < 0 ||
	    stats_counts_init(&ss->before, &ss->ix) < 0 ||
	    stats_counts_init(&ss->line_prev, &ss->ix) < 0) {
		stats_store_exit(s);
		return -ENOMEM;
	}
	ss->line_prev_ns = now_ns();
	ss->is_ready = true;
	return 0;
}

void stats_store_exit(struct supervisor *s)
{
	struct stats_store *ss = &s->counters;

	for (unsigned int i = 0; s->workers && i < s->n_workers; i++)
		slot_forget(&s->workers[i].st);
	stats_counts_free(&ss->dead);
	stats_counts_free(&ss->last);
	stats_counts_free(&ss->before);
	stats_counts_free(&ss->line_prev);
	stats_index_free(&ss->ix);
	ss->is_ready = false;
}

/* The worker's image of its rules, sent with its report: it replaces the one we had. */
static int take_layout(struct stats_slot *st, const char *data, size_t len, uint64_t gen)
{
	struct config_error err = { 0 };
	struct mcr_config cfg;
	int ret;

	config_init(&cfg);
	ret = cfgwire_decode(data, len, &cfg, &err);
	if (ret < 0)
		return ret;
	config_free(&st->layout);
	st->layout = cfg;
	st->has_layout = true;
	st->layout_gen = gen;
	stats_map_free(&st->map);
	st->has_map = false;
	return 0;
}

void stats_on_report(struct supervisor *s, struct worker_slot *ws, const json_t *body,
		     const char *data, size_t len)
{
	struct stats_store *ss = &s->counters;
	struct stats_slot *st = &ws->st;
	json_int_t layout_len = json_integer_value(json_object_get(body, "layout"));
	struct stats_wire_head head;
	size_t report_len;
	int ret;

	if (!ss->is_ready || !data || layout_len < 0 || (size_t)layout_len > len)
		return;
	report_len = len - (size_t)layout_len;
	if (stats_report_check(data, report_len, &head) < 0) {
		log_warn("worker %u: a statistics report that does not add up (%zu bytes), "
			 "ignoring it", ws->id, report_len);
		return;
	}
	if (layout_len > 0 &&
	    (ret = take_layout(st, data + report_len, (size_t)layout_len, head.generation)) < 0)
		log_warn_errno(ret, "worker %u: cannot read the rules of its report, ignoring them",
			       ws->id);
	/* Counters of rules we do not know the names of are no use: ask for them. */
	if (!st->has_layout || st->layout_gen != head.generation) {
		st->wants_layout = true;
		return;
	}
	if (!st->has_map || st->map_version != s->cfg_version) {
		stats_map_free(&st->map);
		st->has_map = stats_map_build(&st->map, &st->layout, s->cfg, &ss->ix) == 0;
		st->map_version = s->cfg_version;
	}
	if (!st->has_counts)
		st->has_counts = stats_counts_init(&st->counts, &ss->ix) == 0;
	if (!st->has_map || !st->has_counts)
		return;
	ret = stats_counts_take(&st->counts, &st->map, data, report_len);
	if (ret == -ESTALE)
		st->wants_layout = true;
	else if (ret < 0)
		log_warn_errno(ret, "worker %u: cannot take its statistics report, ignoring it",
			       ws->id);
}

void stats_bury(struct supervisor *s, struct worker_slot *ws)
{
	if (ws->st.has_counts && s->counters.is_ready)
		(void)stats_counts_add(&s->counters.dead, &ws->st.counts);
	slot_forget(&ws->st);
}

/* Move c through m to ix's layout; on ENOMEM it starts again from zero, and says so. */
static void remap_or_reset(struct stats_counts *c, const struct stats_map *m,
			   const struct stats_index *ix, const char *what)
{
	if (stats_counts_remap(c, m, ix) == 0)
		return;
	log_warn("out of memory moving the counters of %s to the new rules; they start again "
		 "from zero", what);
	stats_counts_free(c);
	(void)stats_counts_init(c, ix);
}

void stats_rekey(struct supervisor *s, const struct mcr_config *next)
{
	struct stats_store *ss = &s->counters;
	struct stats_index ix;
	struct stats_map m;

	if (!ss->is_ready)
		return;
	if (stats_index_build(&ix, next) < 0 || stats_map_build(&m, s->cfg, next, &ix) < 0) {
		log_warn("out of memory indexing the new rules' counters, statistics are off");
		stats_index_free(&ix);
		stats_store_exit(s);
		return;
	}
	remap_or_reset(&ss->dead, &m, &ix, "stopped workers");
	remap_or_reset(&ss->last, &m, &ix, "the latest sum");
	remap_or_reset(&ss->before, &m, &ix, "the sum before");
	remap_or_reset(&ss->line_prev, &m, &ix, "the stats line");
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct stats_slot *st = &s->workers[i].st;

		if (st->has_counts && stats_counts_remap(&st->counts, &m, &ix) < 0) {
			stats_counts_free(&st->counts);
			st->has_counts = false;
		}
		/* Outputs nobody listens to any more leave the workers: keep what they counted. */
		if (st->has_counts)
			stats_counts_park_idle(&st->counts, &ss->dead, next, &ix);
		/* Its map leads to the old rules: rebuilt at its next report. */
		st->has_map = false;
	}
	stats_map_free(&m);
	stats_index_free(&ss->ix);
	ss->ix = ix;
}

/* The counters of the dead and the latest report of every running worker, summed into sum. */
static void stats_sum(struct supervisor *s, struct stats_counts *sum)
{
	stats_counts_zero(sum);
	(void)stats_counts_add(sum, &s->counters.dead);
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];

		if (ws->state == WORKER_RUNNING && ws->st.has_counts)
			(void)stats_counts_add(sum, &ws->st.counts);
	}
}

/* cur with rates from prev (taken dt seconds before), version, uptime and workers. */
static json_t *make_doc(struct supervisor *s, const struct stats_counts *cur,
			const struct stats_counts *prev, double dt)
{
	json_t *doc = stats_counts_json(cur, prev, dt, s->cfg, &s->counters.ix);

	if (doc && (json_object_set_new(doc, "version", json_string(MCR_VERSION)) < 0 ||
		    json_object_set_new(doc, "uptime_s",
					json_real((double)(now_ns() - s->start_ns) /
						  (double)NSEC_PER_SEC)) < 0 ||
		    json_object_set_new(doc, "workers", supervisor_workers_json(s)) < 0)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/*
 * A document of cur (taken at now) with the rates since the newest
 * periodic sum at least STATS_RATE_MIN_MS older, so that a one-shot
 * request gets a current rate over a sensible interval.
 */
static json_t *doc_at(struct supervisor *s, const struct stats_counts *cur, uint64_t now)
{
	struct stats_store *ss = &s->counters;
	uint64_t min = STATS_RATE_MIN_MS * NSEC_PER_MSEC;

	if (ss->last_ns && now >= ss->last_ns + min)
		return make_doc(s, cur, &ss->last, (double)(now - ss->last_ns) / NSEC_PER_SEC);
	if (ss->before_ns && now >= ss->before_ns + min)
		return make_doc(s, cur, &ss->before, (double)(now - ss->before_ns) / NSEC_PER_SEC);
	return make_doc(s, cur, NULL, 0);
}

json_t *stats_doc(struct supervisor *s)
{
	struct stats_counts sum;
	json_t *doc;

	if (!s->counters.is_ready || stats_counts_init(&sum, &s->counters.ix) < 0)
		return NULL;
	stats_sum(s, &sum);
	doc = doc_at(s, &sum, now_ns());
	stats_counts_free(&sum);
	return doc;
}

void stats_round_start(struct supervisor *s)
{
	struct stats_round *r = &s->stats;

	if (r->is_active)
		return;
	r->is_active = true;
	r->deadline_ns = now_ns() + STATS_REPLY_TIMEOUT_MS * NSEC_PER_MSEC;
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];
		json_t *req;

		if (ws->state != WORKER_RUNNING || ws->is_killed || !ws->is_ready)
			continue;
		req = json_pack("{s:s, s:b}", "cmd", "stats", "layout", ws->st.wants_layout);
		if (!req)
			continue;
		ws->is_stats_due = true;
		ws->st.wants_layout = false;
		supervisor_send(s, ws, req);
		json_decref(req);
	}
}

void supervisor_stats_request(struct supervisor *s, uint64_t ticket)
{
	struct stats_round *r = &s->stats;

	if (r->n_waiters < ARRAY_SIZE(r->waiters))
		r->waiters[r->n_waiters++] = ticket;
	stats_round_start(s);
}

static void print_json(const json_t *doc)
{
	if (!doc || json_dumpf(doc, stdout, JSON_COMPACT | JSON_REAL_PRECISION(6)) < 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
		log_warn("cannot write statistics to stdout, ignoring");
}

static void copy_counts(struct stats_counts *to, const struct stats_counts *from)
{
	stats_counts_zero(to);
	(void)stats_counts_add(to, from);
}

static uint64_t poll_ms(const struct supervisor *s)
{
	unsigned int ms = s->cfg->stats_interval_ms;

	return ms && ms < STATS_POLL_MS ? ms : STATS_POLL_MS;
}

/* A periodic round is over: keep the sum for rates, tell the manager, log the line when due. */
static void on_periodic(struct supervisor *s, const struct stats_counts *sum, uint64_t now)
{
	struct stats_store *ss = &s->counters;
	struct stats_counts tmp = ss->before;
	struct stats_totals t, t0;
	double dt = (double)(now - ss->last_ns) / NSEC_PER_SEC;

	/* before <- last <- sum, reusing before's arrays. */
	ss->before = ss->last;
	ss->before_ns = ss->last_ns;
	ss->last = tmp;
	copy_counts(&ss->last, sum);
	ss->last_ns = now;
	if (ss->before_ns && dt > 0) {
		stats_counts_totals(&ss->last, &t);
		stats_counts_totals(&ss->before, &t0);
		service_stats(s, t.packets_in > t0.packets_in ? (double)(t.packets_in - t0.packets_in) / dt : 0,
			      t.packets_out > t0.packets_out ? (double)(t.packets_out - t0.packets_out) / dt : 0);
	}
	/* Half a poll of slack: a round that ends a little early still logs its line. */
	if (!s->cfg->stats_interval_ms || now + poll_ms(s) * NSEC_PER_MSEC / 2 < ss->next_line_ns)
		return;
	ss->next_line_ns = now + s->cfg->stats_interval_ms * NSEC_PER_MSEC;
	{
		double line_dt = (double)(now - ss->line_prev_ns) / NSEC_PER_SEC;
		json_t *doc = stats_counts_json(sum, &ss->line_prev, line_dt, s->cfg, &ss->ix);

		if (doc)
			stats_line_log(doc);
		json_decref(doc);
	}
	copy_counts(&ss->line_prev, sum);
	ss->line_prev_ns = now;
}

/* Every running worker has answered, or the time is up: hand out the sum. */
void stats_round_tick(struct supervisor *s)
{
	struct stats_round *r = &s->stats;
	struct proto_error err = { .code = PROTO_ERR_INTERNAL, .message = "out of memory" };
	struct stats_counts sum;
	uint64_t now = now_ns();
	json_t *doc = NULL;

	if (!r->is_active)
		return;
	for (unsigned int i = 0; now < r->deadline_ns && i < s->n_workers; i++)
		if (s->workers[i].is_stats_due)
			return;
	for (unsigned int i = 0; i < s->n_workers; i++)
		s->workers[i].is_stats_due = false;
	r->is_active = false;
	if (!s->counters.is_ready || stats_counts_init(&sum, &s->counters.ix) < 0) {
		memset(&sum, 0, sizeof(sum));
	} else {
		stats_sum(s, &sum);
		if (r->wants_lines)
			on_periodic(s, &sum, now);
		if (r->n_waiters || r->wants_stdout)
			doc = doc_at(s, &sum, now);
	}
	for (size_t i = 0; s->has_control && i < r->n_waiters; i++)
		control_reply(&s->ctl, r->waiters[i], doc, &err);
	r->n_waiters = 0;
	if (r->wants_stdout)
		print_json(doc);
	r->wants_stdout = false;
	r->wants_lines = false;
	json_decref(doc);
	stats_counts_free(&sum);
}

void stats_poll(struct supervisor *s)
{
	uint64_t now = now_ns();

	if (now < s->next_poll_ns)
		return;
	s->next_poll_ns = now + poll_ms(s) * NSEC_PER_MSEC;
	s->stats.wants_lines = true;
	stats_round_start(s);
}

uint64_t stats_next_ns(const struct supervisor *s)
{
	if (s->stats.is_active && s->stats.deadline_ns < s->next_poll_ns)
		return s->stats.deadline_ns;
	return s->next_poll_ns;
}
