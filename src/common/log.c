// SPDX-License-Identifier: MIT
/*
 * Logging.  The only process-wide state here is the sink and threshold chosen
 * once at start-up; everything else passes its context explicitly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

static struct {
	const char *ident;
	bool use_syslog;
	bool use_prefix;	/* stderr is the journal: "<N>" tells it the priority */
	int level;
} logger = { "mcr", false, false, LOG_INFO };

static const char *const level_names[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/*
 * systemd sets JOURNAL_STREAM to the device and inode of the stream it
 * connected stdout/stderr to; if stderr is still that stream, lines that
 * start with "<N>" keep their priority in the journal.
 */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *ident, bool use_syslog, int level)
{
	logger.ident = ident;
	logger.use_syslog = use_syslog;
	logger.use_prefix = !use_syslog && stderr_is_journal();
	logger.level = level;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(int level)
{
	logger.level = level;
}

int log_get_level(void)
{
	return logger.level;
}

const char *log_level_name(int level)
{
	if (level < 0 || (size_t)level >= sizeof(level_names) / sizeof(level_names[0]) ||
	    !level_names[level])
		return "unknown";
	return level_names[level];
}

int log_level_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i] && strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

static void log_vemit(int prio, const char *fmt, va_list ap)
{
	char line[1024];

	if (prio > logger.level)
		return;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	if (logger.use_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	if (logger.use_prefix)
		(void)fprintf(stderr, "<%d>", prio);
	if (prio <= LOG_WARNING)
		(void)fprintf(stderr, "%s: %s: %s\n", logger.ident, level_names[prio], line);
	else
		(void)fprintf(stderr, "%s: %s\n", logger.ident, line);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(prio, fmt, ap);
	va_end(ap);
}

void log_msg_errno(int prio, int err, const char *fmt, ...)
{
	char buf[896];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(prio, "%s: %s", buf, strerror(err < 0 ? -err : err));
}
