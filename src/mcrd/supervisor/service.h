/* SPDX-License-Identifier: MIT */
/*
 * mcrd's face to the host it serves: who may use the control socket (its
 * group and mode), the Prometheus endpoint, and the service manager's
 * notifications (READY, RELOADING, STATUS, WATCHDOG, STOPPING).  The
 * supervisor's loop calls in here; nothing here blocks.
 */
#ifndef MCR_SERVICE_H
#define MCR_SERVICE_H

#include <jansson.h>
#include <stdint.h>

struct supervisor;

/* The control socket's permissions from the settings (octal text, e.g. "0660"). */
unsigned int service_control_mode(const struct supervisor *s);
/*
 * Give the control socket to control_group, start the metrics endpoint
 * (added to the loop's epoll under TAG_METRICS) and read the manager's
 * watchdog interval.  Returns 0 or -errno (logged, naming what to fix).
 */
int service_init(struct supervisor *s);
void service_exit(struct supervisor *s);

/* The metrics endpoint has work. */
void service_on_metrics(struct supervisor *s);
/* Milliseconds until service_tick() is due, or -1. */
int service_timeout_ms(const struct supervisor *s, uint64_t now);
/* Feed the watchdog when due. */
void service_tick(struct supervisor *s, uint64_t now);

/* Every worker relays (at start): READY, and the pid file if asked for. */
void service_ready(const struct supervisor *s);
/* A reload starts; it is over, committed or not (the manager waits for READY again). */
void service_reloading(void);
void service_reloaded(const struct supervisor *s);
/* A statistics round is over: a STATUS line with the packet rates since the last one. */
void service_stats(const struct supervisor *s, double pps_in, double pps_out);

#endif
