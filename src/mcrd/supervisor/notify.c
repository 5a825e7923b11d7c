// SPDX-License-Identifier: MIT
/*
 * sd_notify wrappers.  libsystemd does the protocol (the socket address,
 * abstract namespace, credentials); this file only words the messages.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/supervisor/notify.h"

static void send_state(const char *state)
{
	/* Keep NOTIFY_SOCKET: workers restart and reloads notify again. */
	int ret = sd_notify(0, state);

	if (ret < 0)
		log_debug("cannot notify the service manager (%s): %d", state, ret);
}

static void send_with_status(const char *head, size_t n_rules, unsigned int n_workers)
{
	char msg[256];

	(void)snprintf(msg, sizeof(msg), "%sSTATUS=relaying: %zu rule%s, %u worker%s", head, n_rules,
		       n_rules == 1 ? "" : "s", n_workers, n_workers == 1 ? "" : "s");
	send_state(msg);
}

void notify_ready(size_t n_rules, unsigned int n_workers)
{
	char head[64];

	(void)snprintf(head, sizeof(head), "READY=1\nMAINPID=%ld\n", (long)getpid());
	send_with_status(head, n_rules, n_workers);
}

void notify_reloading(void)
{
	char msg[96];
	struct timespec ts;

	/* systemd 253+ wants the time the reload began, to tell reloads apart. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading",
		       (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	send_state(msg);
}

void notify_reloaded(size_t n_rules, unsigned int n_workers)
{
	send_with_status("READY=1\n", n_rules, n_workers);
}

void notify_status(size_t n_rules, unsigned int n_workers, uint64_t pps_in, uint64_t pps_out)
{
	char msg[256];

	(void)snprintf(msg, sizeof(msg),
		       "STATUS=relaying: %zu rule%s, %u worker%s, %" PRIu64 " pps in, %" PRIu64
		       " pps out",
		       n_rules, n_rules == 1 ? "" : "s", n_workers, n_workers == 1 ? "" : "s", pps_in,
		       pps_out);
	send_state(msg);
}

void notify_watchdog(void)
{
	send_state("WATCHDOG=1");
}

uint64_t notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

void notify_stopping(void)
{
	send_state("STOPPING=1\nSTATUS=stopping");
}
