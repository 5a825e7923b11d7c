/* SPDX-License-Identifier: MIT */
/*
 * A configuration change as a transaction across the workers: the
 * supervisor's side of "prepare", "commit" and "abort".  supervisor_change()
 * (supervisor.h) starts one; the event loop feeds it the workers' answers,
 * their deaths and the clock through the calls below.
 */
#ifndef MCR_CHANGE_H
#define MCR_CHANGE_H

#include <jansson.h>

#include "mcrd/supervisor/supervisor.h"

/* A worker's {"prepared": {...}} and {"committed": {...}} answers. */
void change_on_prepared(struct supervisor *s, struct worker_slot *ws, const json_t *body);
void change_on_committed(struct supervisor *s, struct worker_slot *ws, const json_t *body);
/* The worker died or was killed: it no longer has a part in the change. */
void change_on_worker_gone(struct supervisor *s, struct worker_slot *ws);
/*
 * A worker that was given an older configuration than s->cfg (it started
 * while a change was under way): send it the committed one.
 */
void change_catch_up(struct supervisor *s, struct worker_slot *ws);
/* Deadlines and completion; call every loop pass. */
void change_tick(struct supervisor *s);
/* Nanoseconds since boot of the change's deadline, or UINT64_MAX. */
uint64_t change_deadline(const struct supervisor *s);
/* mcrd is stopping: end the change, uncommitted. */
void change_cancel(struct supervisor *s);

/* A deep copy of src into ret (config_init()ed or empty); 0 or -ENOMEM. */
int change_config_dup(struct mcr_config *ret, const struct mcr_config *src);

#endif
