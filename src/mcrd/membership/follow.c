// SPDX-License-Identifier: MIT
/*
 * Membership in the supervisor's loop.  Listeners reach the workers as a
 * change of the committed rules' is_joined marks: supervisor_change() marks
 * every configuration it is given (member_mark()), so a change made for
 * another reason carries the marks too, and this file only starts one when
 * the marks of the committed rules are out of date.
 */
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/membership/follow.h"
#include "mcrd/membership/member.h"
#include "mcrd/supervisor/change.h"

int follow_init(struct supervisor *s)
{
	s->member = calloc(1, sizeof(*s->member));
	if (!s->member) {
		log_err("membership: out of memory");
		return -ENOMEM;
	}
	(void)member_init(s->member, s->epoll_fd, TAG_MEMBER);
	member_sync(s->member, s->cfg, now_ns());
	s->member_cfg_version = s->cfg_version;
	return 0;
}

void follow_exit(struct supervisor *s)
{
	if (!s->member)
		return;
	member_exit(s->member);
	free(s->member);
	s->member = NULL;
}

bool follow_is_tag(uint64_t tag)
{
	return TAG_KIND(tag) == TAG_MEMBER;
}

void follow_on_event(struct supervisor *s, uint64_t tag)
{
	if (s->member)
		member_on_event(s->member, (unsigned int)(tag - TAG_MEMBER), now_ns());
}

static void marks_pushed(struct supervisor *s, void *ctx, int ret, const char *why)
{
	(void)ctx;
	if (ret == 0 && s->member)
		log_debug("membership: listeners reached the workers in %llu ms",
			  (unsigned long long)((now_ns() - s->member->push_ns) / NSEC_PER_MSEC));
	if (ret == 0 || !s->member)
		return;
	log_warn("membership: listeners changed, but the change was refused (%s); retrying in "
		 "%u ms", why, FOLLOW_RETRY_MS);
	s->member->is_dirty = true;
	s->member->retry_ns = now_ns() + FOLLOW_RETRY_MS * NSEC_PER_MSEC;
}

/* The committed rules' marks are out of date: a change with them right. */
static void push_marks(struct supervisor *s, uint64_t now)
{
	struct config_error err = { "" };
	struct mcr_config next;
	int ret;

	s->member->is_dirty = false;
	if (!member_marks_are_stale(s->member, s->cfg, now))
		return;
	if (change_config_dup(&next, s->cfg) < 0) {
		log_warn("membership: out of memory; retrying in %u ms", FOLLOW_RETRY_MS);
		s->member->is_dirty = true;
		s->member->retry_ns = now + FOLLOW_RETRY_MS * NSEC_PER_MSEC;
		return;
	}
	if (!member_mark(s->member, &next, now)) {
		config_free(&next);
		return;
	}
	s->member->push_ns = now;
	ret = supervisor_change(s, &next, marks_pushed, NULL, &err);
	if (ret < 0) {
		log_warn("membership: listeners changed, but %s; retrying in %u ms", err.msg,
			 FOLLOW_RETRY_MS);
		s->member->is_dirty = true;
		s->member->retry_ns = now + FOLLOW_RETRY_MS * NSEC_PER_MSEC;
	}
}

void follow_tick(struct supervisor *s)
{
	uint64_t now = now_ns();

	if (!s->member)
		return;
	if (s->member_cfg_version != s->cfg_version) {
		member_sync(s->member, s->cfg, now);
		s->member_cfg_version = s->cfg_version;
	}
	member_tick(s->member, now);
	if (s->member->is_dirty && !s->change.is_active && !s->is_stopping &&
	    now >= s->member->retry_ns)
		push_marks(s, now);
}

int follow_timeout_ms(const struct supervisor *s)
{
	uint64_t now = now_ns();
	int ms;

	if (!s->member)
		return -1;
	ms = member_timeout_ms(s->member, now);
	/* A push that waits for the change under way: its end wakes the loop. */
	if (s->member->is_dirty && !s->change.is_active) {
		int r = now >= s->member->retry_ns ? 0 :
			(int)((s->member->retry_ns - now) / NSEC_PER_MSEC) + 1;

		if (ms < 0 || r < ms)
			ms = r;
	}
	return ms;
}

json_t *follow_counters_json(const struct supervisor *s)
{
	struct member_counters c = { 0 };

	if (s->member)
		c = member_counters(s->member);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
			 "joins", (json_int_t)c.joins,
			 "leaves", (json_int_t)c.leaves, "queries_sent", (json_int_t)c.queries_sent,
			 "queries_received", (json_int_t)c.queries_received,
			 "malformed", (json_int_t)c.malformed, "mld",
			 "joins", (json_int_t)c.mld.joins, "leaves", (json_int_t)c.mld.leaves,
			 "queries_sent", (json_int_t)c.mld.queries_sent,
			 "queries_received", (json_int_t)c.mld.queries_received,
			 "reports", (json_int_t)c.mld.reports, "dones", (json_int_t)c.mld.dones,
			 "malformed", (json_int_t)c.mld.malformed);
}

json_t *follow_groups_json(const struct supervisor *s)
{
	return member_json(s->member, now_ns());
}
