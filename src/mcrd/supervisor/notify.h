/* SPDX-License-Identifier: MIT */
/*
 * Telling a service manager how mcrd is doing (systemd's notify protocol,
 * through libsystemd's sd_notify).  Every call is a no-op when mcrd was not
 * started by one (no NOTIFY_SOCKET), so the supervisor calls them
 * unconditionally.  Failures are logged at debug level only: a manager
 * that went away must never stop the relay.
 */
#ifndef MCR_NOTIFY_H
#define MCR_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

/* Every worker relays: READY=1, with a STATUS line. */
void notify_ready(size_t n_rules, unsigned int n_workers);
/* A reload starts (RELOADING=1) or ends (READY=1 again), with a STATUS line. */
void notify_reloading(void);
void notify_reloaded(size_t n_rules, unsigned int n_workers);
/* A STATUS line only, e.g. once per statistics interval. */
void notify_status(size_t n_rules, unsigned int n_workers, uint64_t pps_in, uint64_t pps_out);
/* The supervisor's loop is alive: WATCHDOG=1 (the manager decides how often it wants it). */
void notify_watchdog(void);
/* How often notify_watchdog() must run, in microseconds; 0 when the manager wants none. */
uint64_t notify_watchdog_usec(void);
void notify_stopping(void);

#endif
