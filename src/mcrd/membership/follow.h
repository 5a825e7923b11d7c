/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's side of group membership: member.h in its event loop.
 * Watches the interfaces the committed rules' "when": "joined" outputs
 * name, and when their listeners change, makes the change of marks an
 * ordinary rule change (supervisor_change()), one at a time and retried
 * while another change runs.
 */
#ifndef MCR_FOLLOW_H
#define MCR_FOLLOW_H

#include <sys/epoll.h>

#include "mcrd/supervisor/supervisor.h"

/* A refused or busy push of marks is tried again this much later. */
#define FOLLOW_RETRY_MS	200

/* 0, or -ENOMEM (logged). */
int follow_init(struct supervisor *s);
void follow_exit(struct supervisor *s);
/* Whether an epoll tag is membership's, and its event. */
bool follow_is_tag(uint64_t tag);
void follow_on_event(struct supervisor *s, uint64_t tag);
/* Every loop pass: interfaces after a commit, timers, and a change when listeners changed. */
void follow_tick(struct supervisor *s);
/* Milliseconds until follow_tick() has work, or -1. */
int follow_timeout_ms(const struct supervisor *s);
/* {"joins": N, ..., "mld": {...}}: membership's counters (IGMP, MLD) for the metrics. */
json_t *follow_counters_json(const struct supervisor *s);
/* {"interfaces": [...]} for the "groups" command; new reference or NULL. */
json_t *follow_groups_json(const struct supervisor *s);

#endif
