// SPDX-License-Identifier: MIT
/*
 * Control socket ownership, the metrics endpoint and service-manager
 * notifications, for the supervisor.
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/log.h"
#include "common/safefile.h"
#include "common/util.h"
#include "mcrd/membership/follow.h"
#include "mcrd/supervisor/notify.h"
#include "mcrd/supervisor/service.h"
#include "mcrd/supervisor/supervisor.h"

unsigned int service_control_mode(const struct supervisor *s)
{
	/* Checked by the settings: an octal number from 0600 to 0777. */
	return (unsigned int)strtoul(s->cfg->control_mode, NULL, 8);
}

static int control_give_group(const struct supervisor *s)
{
	const char *name = s->cfg->control_group;
	struct group *gr;

	if (!s->has_control || !*name)
		return 0;
	errno = 0;
	gr = getgrnam(name);
	if (!gr) {
		int err = errno ? errno : ENOENT;

		log_err("control_group: there is no group \"%s\" (create it, e.g. with groupadd %s, "
			"or choose another)", name, name);
		return -err;
	}
	if (chown(s->opts.control_path, (uid_t)-1, gr->gr_gid) < 0) {
		int err = errno;

		log_err_errno(-err, "control_group: cannot give %s to group \"%s\"",
			      s->opts.control_path, name);
		return -err;
	}
	log_info("control: members of group \"%s\" may use mcrctl", name);
	return 0;
}

/* The latest counters the workers reported (collected every second). */
static json_t *metrics_source(void *ctx)
{
	struct supervisor *s = ctx;
	json_t *doc = stats_doc(s);

	/* Membership's counters are the supervisor's own: added as they are now. */
	if (doc)
		(void)json_object_set_new(doc, "membership", follow_counters_json(s));
	return doc;
}

static int metrics_start(struct supervisor *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_METRICS };
	struct sockaddr_in addr;
	char msg[160];
	int ret;

	if (!*s->cfg->metrics)
		return 0;
	ret = metrics_parse_listen(s->cfg->metrics, &addr, msg, sizeof(msg));
	if (ret < 0) {
		log_err("%s", msg);
		return ret;
	}
	ret = metrics_server_start(&s->metrics, &addr, metrics_source, s);
	if (ret < 0)
		return ret;
	s->has_metrics = true;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, metrics_server_fd(&s->metrics), &ev) < 0) {
		ret = -errno;
		log_err_errno(ret, "metrics: epoll");
		return ret;
	}
	return 0;
}

int service_init(struct supervisor *s)
{
	int ret = control_give_group(s);

	if (ret == 0)
		ret = metrics_start(s);
	s->watchdog_ns = notify_watchdog_usec() * 1000u;
	s->next_watchdog_ns = now_ns();
	return ret;
}

static bool pid_file_is_ours(const char *path)
{
	char buf[32];
	FILE *f = fopen(path, "re");
	long pid = -1;

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		pid = strtol(buf, NULL, 10);
	(void)fclose(f);
	return pid == (long)getpid();
}

void service_exit(struct supervisor *s)
{
	notify_stopping();
	/* Ours only if it still says our pid: another mcrd may have taken the path since. */
	if (s->opts.pid_file && pid_file_is_ours(s->opts.pid_file) && unlink(s->opts.pid_file) < 0)
		log_warn_errno(errno, "cannot remove the pid file %s", s->opts.pid_file);
	if (s->has_metrics)
		metrics_server_stop(&s->metrics);
	s->has_metrics = false;
}

void service_on_metrics(struct supervisor *s)
{
	metrics_server_run(&s->metrics);
}

int service_timeout_ms(const struct supervisor *s, uint64_t now)
{
	int ms = s->has_metrics ? metrics_server_timeout_ms(&s->metrics) : -1;

	if (s->watchdog_ns) {
		int w = s->next_watchdog_ns <= now ? 0 :
			(int)((s->next_watchdog_ns - now) / NSEC_PER_MSEC) + 1;

		if (ms < 0 || w < ms)
			ms = w;
	}
	return ms;
}

void service_tick(struct supervisor *s, uint64_t now)
{
	if (s->has_metrics && metrics_server_timeout_ms(&s->metrics) == 0)
		metrics_server_run(&s->metrics);
	if (!s->watchdog_ns || now < s->next_watchdog_ns)
		return;
	/* Twice per interval, as sd_watchdog_enabled(3) advises. */
	notify_watchdog();
	s->next_watchdog_ns = now + s->watchdog_ns / 2;
}

/* Atomically, and never through a link planted in a shared directory. */
static void pid_file_write(const char *path)
{
	char text[32];
	int ret;

	(void)snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	ret = safefile_replace(path, text, strlen(text), 0644);
	if (ret == -ELOOP)
		log_warn("the pid file %s is a symbolic link; not following it, ignoring", path);
	else if (ret < 0)
		log_warn_errno(ret, "cannot write the pid file %s, ignoring", path);
}

void service_ready(const struct supervisor *s)
{
	if (s->opts.pid_file)
		pid_file_write(s->opts.pid_file);
	notify_ready(s->cfg->n_rules, s->n_workers);
}

void service_reloading(void)
{
	notify_reloading();
}

void service_reloaded(const struct supervisor *s)
{
	notify_reloaded(s->cfg->n_rules, s->n_workers);
}

void service_stats(const struct supervisor *s, double pps_in, double pps_out)
{
	notify_status(s->cfg->n_rules, s->n_workers, (uint64_t)pps_in, (uint64_t)pps_out);
}
