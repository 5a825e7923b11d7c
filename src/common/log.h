/* SPDX-License-Identifier: MIT */
/*
 * Logging for the daemon and tools.  Output goes to stderr (foreground, the
 * default) or syslog.  When stderr is systemd's journal stream, each line
 * starts with "<N>" so that the journal keeps its priority.  log_*_errno() appends strerror(-err) so that callers
 * that hold a negative errno do not have to format it themselves.
 */
#ifndef MCR_LOG_H
#define MCR_LOG_H

#include <stdbool.h>
#include <syslog.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

void log_init(const char *ident, bool use_syslog, int level);
void log_set_level(int level);
int log_get_level(void);
/* "error", "warning", "notice", "info" or "debug" ("unknown" otherwise). */
const char *log_level_name(int level);
int log_level_from_name(const char *name);

void log_msg(int prio, const char *fmt, ...) PRINTF_LIKE(2, 3);
void log_msg_errno(int prio, int err, const char *fmt, ...) PRINTF_LIKE(3, 4);

#define log_err(...)		log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)		log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)		log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)		log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_err_errno(e, ...)	log_msg_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_warn_errno(e, ...)	log_msg_errno(LOG_WARNING, (e), __VA_ARGS__)

#endif
