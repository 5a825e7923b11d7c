// SPDX-License-Identifier: MIT
/*
 * Privilege dropping with libcap.  The order matters: keep capabilities
 * across the uid change (PR_SET_KEEPCAPS), change groups then gid then uid,
 * and only then reduce the capability sets, so that nothing is left that
 * could re-gain what was dropped (PR_SET_NO_NEW_PRIVS).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/log.h"
#include "mcrd/privs.h"

static long read_wmem_max(void)
{
	FILE *f = fopen("/proc/sys/net/core/wmem_max", "re");
	long v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &v) != 1)
		v = 0;
	(void)fclose(f);
	return v;
}

int privs_plan(struct privs *p, const char *user, int sndbuf)
{
	p->has_user = false;
	p->needs_net_admin = read_wmem_max() < sndbuf;
	if (!user)
		return 0;
	errno = 0;
	struct passwd *pw = getpwnam(user);

	if (!pw)
		return errno ? -errno : -ENOENT;
	p->has_user = true;
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	return 0;
}

static int switch_user(const struct privs *p)
{
	if (prctl(PR_SET_KEEPCAPS, 1) < 0) {
		log_err_errno(errno, "prctl(PR_SET_KEEPCAPS)");
		return -errno;
	}
	if (setgroups(0, NULL) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0) {
		log_err_errno(errno, "cannot switch to uid %u gid %u", (unsigned int)p->uid,
			      (unsigned int)p->gid);
		return -errno;
	}
	(void)prctl(PR_SET_KEEPCAPS, 0);
	return 0;
}

/* Whether this process may use a capability at all now. */
static bool is_permitted(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t now = cap_get_proc();

	if (now) {
		(void)cap_get_flag(now, cap, CAP_PERMITTED, &v);
		cap_free(now);
	}
	return v == CAP_SET;
}

int privs_drop(const struct privs *p)
{
	cap_value_t keep[6];
	int n_keep = 0;
	cap_t caps;
	int ret = 0;

	/* Keep only what we hold: asking for more would fail with EPERM. */
	if (is_permitted(CAP_NET_RAW))
		keep[n_keep++] = CAP_NET_RAW;
	if ((p->needs_net_admin || p->needs_xdp) && is_permitted(CAP_NET_ADMIN))
		keep[n_keep++] = CAP_NET_ADMIN;
	/* CAP_PERFMON: the verifier allows the program's packet pointer arithmetic. */
	if (p->needs_xdp && is_permitted(CAP_BPF))
		keep[n_keep++] = CAP_BPF;
	if (p->needs_xdp && is_permitted(CAP_PERFMON))
		keep[n_keep++] = CAP_PERFMON;
	if (p->needs_xdp && is_permitted(CAP_IPC_LOCK))
		keep[n_keep++] = CAP_IPC_LOCK;
	if (p->has_user && (ret = switch_user(p)) < 0)
		return ret;
	caps = cap_init();
	if (!caps)
		return -ENOMEM;
	if ((n_keep && (cap_set_flag(caps, CAP_PERMITTED, n_keep, keep, CAP_SET) < 0 ||
			cap_set_flag(caps, CAP_EFFECTIVE, n_keep, keep, CAP_SET) < 0)) ||
	    cap_set_proc(caps) < 0) {
		ret = -errno;
		log_err_errno(errno, "cannot reduce capabilities to CAP_NET_RAW%s%s",
			      p->needs_net_admin ? " and CAP_NET_ADMIN" : "",
			      p->needs_xdp ? " with CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_IPC_LOCK" : "");
	}
	cap_free(caps);
	if (ret == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		ret = -errno;
		log_err_errno(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	}
	return ret;
}
