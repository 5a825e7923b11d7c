/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's end of the worker channels (chan.h frames the lines):
 * non-blocking queued sends (supervisor_send() in supervisor.h), reading
 * and handling what workers send, and the heartbeat.
 */
#ifndef MCR_WCHAN_H
#define MCR_WCHAN_H

#include <jansson.h>
#include <stdint.h>

#include "mcrd/supervisor/supervisor.h"

/* The worker's channel is ready (epoll events): send what waits, read what came. */
void wchan_on_event(struct supervisor *s, struct worker_slot *ws, uint32_t events);
/* Send what the channel takes now; the rest waits for EPOLLOUT. */
void wchan_flush(struct supervisor *s, struct worker_slot *ws);
/* Queue {"cmd": cmd}. */
void wchan_request(struct supervisor *s, struct worker_slot *ws, const char *cmd);
/*
 * Start-up and stop only: read from the worker until a message with key
 * arrives or the deadline passes; the value under key (new reference) or
 * NULL.  Other messages are skipped.
 */
json_t *wchan_await(struct supervisor *s, struct worker_slot *ws, const char *key,
		    uint64_t deadline_ns);
/* Ping quiet workers, replace silent ones; call every loop pass. */
void wchan_heartbeat(struct supervisor *s);

#endif
