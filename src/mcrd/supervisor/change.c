// SPDX-License-Identifier: MIT
/*
 * Changes as transactions.  Phase one sends "prepare" with the new
 * configuration to every running worker; each builds the new generation
 * beside the one in force and answers yes or why not.  On every yes the
 * supervisor commits: s->cfg becomes the new configuration and "commit"
 * goes out (an O(1) swap in each worker); on the first no, or a worker
 * silent past the deadline, "abort" goes to every other worker and nothing
 * has changed anywhere.  The answer to whoever asked comes once every worker
 * has committed.  A worker that dies meanwhile simply drops out: its
 * replacement forks with s->cfg, which is always the committed one, and a
 * worker that started during the change catches up after it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "config/cfgwire.h"
#include "mcrd/supervisor/change.h"
#include "mcrd/membership/member.h"
#include "mcrd/supervisor/limits.h"

int change_config_dup(struct mcr_config *ret, const struct mcr_config *src)
{
	struct mcr_config c = *src;

	c.rules = calloc(src->n_rules ? src->n_rules : 1, sizeof(*c.rules));
	if (!c.rules)
		return -ENOMEM;
	for (size_t r = 0; r < src->n_rules; r++) {
		const struct mcr_rule *from = &src->rules[r];
		struct mcr_rule *to = &c.rules[r];

		*to = *from;
		to->outputs = calloc(from->n_outputs ? from->n_outputs : 1, sizeof(*to->outputs));
		if (!to->outputs) {
			c.n_rules = r;
			config_free(&c);
			return -ENOMEM;
		}
		memcpy(to->outputs, from->outputs, from->n_outputs * sizeof(*to->outputs));
	}
	*ret = c;
	return 0;
}

/* {"cmd": cmd, "txn": N}; NULL on ENOMEM. */
static json_t *txn_message(const char *cmd, uint64_t txn)
{
	return json_pack("{s:s, s:I}", "cmd", cmd, "txn", (json_int_t)txn);
}

/*
 * "prepare" with cfg's image: to `only`, or (NULL) to every running worker,
 * each then marked as preparing.  0 or -ENOMEM.
 */
static int send_prepare(struct supervisor *s, struct worker_slot *only, uint64_t txn,
			const struct mcr_config *cfg)
{
	json_t *msg = txn_message("prepare", txn);
	size_t len;
	char *data;
	int ret = msg ? cfgwire_encode(cfg, &data, &len) : -ENOMEM;

	if (ret < 0) {
		json_decref(msg);
		return ret;
	}
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];

		if (only ? ws != only :
			   ws->state != WORKER_RUNNING || ws->is_killed || ws->chan_fd < 0)
			continue;
		if (!only)
			ws->txn = TXN_PREPARING;
		supervisor_send_data(s, ws, msg, data, len);
	}
	free(data);
	json_decref(msg);
	return 0;
}

static void broadcast_txn(struct supervisor *s, const char *cmd, enum worker_txn from,
			  enum worker_txn to)
{
	json_t *msg = txn_message(cmd, s->change.txn);

	for (unsigned int i = 0; msg && i < s->n_workers; i++) {
		struct worker_slot *ws = &s->workers[i];

		if (ws->txn != from)
			continue;
		ws->txn = to;
		supervisor_send(s, ws, msg);
	}
	json_decref(msg);
}

int supervisor_change(struct supervisor *s, struct mcr_config *next, supervisor_change_fn done,
		      void *ctx, struct config_error *err)
{
	struct change *c = &s->change;
	uint64_t txn;
	int ret;

	if (c->is_active) {
		(void)snprintf(err->msg, sizeof(err->msg),
			       "busy: another change is being applied; retry when it is done");
		config_free(next);
		return -EBUSY;
	}
	ret = limits_check(next, err);
	if (ret < 0) {
		config_free(next);
		return ret;
	}
	/* Outputs that follow listeners carry the current ones, whatever the change. */
	(void)member_mark(s->member, next, now_ns());
	txn = c->txn + 1;
	*c = (struct change){
		.is_active = true,
		.txn = txn,
		.next = *next,
		.deadline_ns = now_ns() + supervisor_setup_ms(next, CONFIG_APPLY_TIMEOUT_MS) *
					   NSEC_PER_MSEC,
		.start_ns = now_ns(),
		.done = done,
		.ctx = ctx,
	};
	config_init(next);
	ret = send_prepare(s, NULL, txn, &c->next);
	if (ret < 0) {
		(void)snprintf(err->msg, sizeof(err->msg), "out of memory");
		for (unsigned int i = 0; i < s->n_workers; i++)
			s->workers[i].txn = TXN_NONE;
		config_free(&c->next);
		c->is_active = false;
		return ret;
	}
	return 0;
}

static bool is_any(const struct supervisor *s, enum worker_txn t)
{
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i].txn == t)
			return true;
	return false;
}

/* The largest "us" the workers answered with: how long a change held up a loop. */
static void note_us(uint64_t *max, const json_t *body)
{
	json_int_t us = json_integer_value(json_object_get(body, "us"));

	if (us > 0 && (uint64_t)us > *max)
		*max = (uint64_t)us;
}

static void finish(struct supervisor *s, int ret)
{
	struct change *c = &s->change;

	log_debug("change %llu: %s after %llu us; %zu rules; slowest worker: prepare %llu us, "
		  "commit %llu us",
		  (unsigned long long)c->txn, ret < 0 ? "refused" : "committed",
		  (unsigned long long)((now_ns() - c->start_ns) / 1000),
		  c->is_committed ? s->cfg->n_rules : c->next.n_rules,
		  (unsigned long long)c->prepare_us, (unsigned long long)c->commit_us);

	for (unsigned int i = 0; i < s->n_workers; i++)
		s->workers[i].txn = TXN_NONE;
	if (!c->is_committed)
		config_free(&c->next);
	c->is_active = false;
	c->ret = ret;
	if (c->done)
		c->done(s, c->ctx, ret, c->why);
}

/* Every worker said yes: this is the moment the change happens. */
static void commit(struct supervisor *s)
{
	struct change *c = &s->change;

	stats_rekey(s, &c->next);
	config_free(s->cfg);
	*s->cfg = c->next;
	config_init(&c->next);
	c->is_committed = true;
	s->cfg_version++;
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i].txn == TXN_PREPARED)
			s->workers[i].cfg_version = s->cfg_version;
	broadcast_txn(s, "commit", TXN_PREPARED, TXN_COMMITTING);
	c->deadline_ns = now_ns() + CONFIG_APPLY_TIMEOUT_MS * NSEC_PER_MSEC;
	/* Workers that started during phase one have the old rules. */
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i].txn == TXN_NONE)
			change_catch_up(s, &s->workers[i]);
}

static void refuse(struct supervisor *s)
{
	/* Those still preparing drop it when the abort follows their prepare. */
	broadcast_txn(s, "abort", TXN_PREPARED, TXN_NONE);
	broadcast_txn(s, "abort", TXN_PREPARING, TXN_NONE);
	log_err("change refused, nothing changed: %s", s->change.why);
	finish(s, -EIO);
}

void change_on_prepared(struct supervisor *s, struct worker_slot *ws, const json_t *body)
{
	struct change *c = &s->change;
	const char *why = json_string_value(json_object_get(body, "error"));
	json_int_t txn = json_integer_value(json_object_get(body, "txn"));

	if (!c->is_active || (uint64_t)txn != c->txn || ws->txn != TXN_PREPARING)
		return;
	note_us(&c->prepare_us, body);
	ws->txn = why ? TXN_NONE : TXN_PREPARED;
	if (why && c->why[0] == '\0')
		(void)snprintf(c->why, sizeof(c->why), "worker %u refused: %s", ws->id, why);
}

void change_on_committed(struct supervisor *s, struct worker_slot *ws, const json_t *body)
{
	const char *why = json_string_value(json_object_get(body, "error"));

	if (why) {
		/* Its rules are neither the old nor the new: start it afresh. */
		log_err("worker %u could not commit the change (%s); replacing it", ws->id, why);
		supervisor_kill_worker(s, ws, "failed to commit");
	}
	if (ws->txn == TXN_COMMITTING) {
		note_us(&s->change.commit_us, body);
		ws->txn = TXN_NONE;
	}
}

void change_on_worker_gone(struct supervisor *s, struct worker_slot *ws)
{
	(void)s;
	ws->txn = TXN_NONE;
}

void change_catch_up(struct supervisor *s, struct worker_slot *ws)
{
	json_t *com;

	if (ws->state != WORKER_RUNNING || ws->is_killed || ws->cfg_version == s->cfg_version)
		return;
	log_info("worker %u started during a change: sending it the committed rules", ws->id);
	/* Its "prepared" belongs to no transaction and is ignored; a failed commit replaces it. */
	com = txn_message("commit", s->change.txn);
	if (com && send_prepare(s, ws, s->change.txn, s->cfg) == 0) {
		supervisor_send(s, ws, com);
		ws->cfg_version = s->cfg_version;
	}
	json_decref(com);
}

/* Phase two: done when every worker committed; one that is late is replaced. */
static void tick_committed(struct supervisor *s, bool is_late)
{
	for (unsigned int i = 0; is_late && i < s->n_workers; i++)
		if (s->workers[i].txn == TXN_COMMITTING)
			supervisor_kill_worker(s, &s->workers[i], "did not commit in time");
	if (!is_any(s, TXN_COMMITTING))
		finish(s, 0);
}

void change_tick(struct supervisor *s)
{
	struct change *c = &s->change;
	bool is_late = now_ns() >= c->deadline_ns;

	if (!c->is_active)
		return;
	if (c->is_committed) {
		tick_committed(s, is_late);
		return;
	}
	for (unsigned int i = 0; is_late && c->why[0] == '\0' && i < s->n_workers; i++)
		if (s->workers[i].txn == TXN_PREPARING)
			(void)snprintf(c->why, sizeof(c->why),
				       "worker %u did not answer within %llu ms", s->workers[i].id,
				       (unsigned long long)((now_ns() - c->start_ns) /
							    NSEC_PER_MSEC));
	/* One refusal decides: no need to wait for the others. */
	if (c->why[0]) {
		refuse(s);
		return;
	}
	if (is_any(s, TXN_PREPARING))
		return;
	commit(s);
	tick_committed(s, false);
}

uint64_t change_deadline(const struct supervisor *s)
{
	return s->change.is_active ? s->change.deadline_ns : UINT64_MAX;
}

void change_cancel(struct supervisor *s)
{
	if (!s->change.is_active)
		return;
	if (!s->change.is_committed) {
		(void)snprintf(s->change.why, sizeof(s->change.why), "mcrd is stopping");
		broadcast_txn(s, "abort", TXN_PREPARED, TXN_NONE);
		finish(s, -ECANCELED);
		return;
	}
	finish(s, 0);
}
