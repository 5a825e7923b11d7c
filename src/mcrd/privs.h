/* SPDX-License-Identifier: MIT */
/*
 * Dropping privileges in a worker: switch to an unprivileged user if asked
 * and keep only the capabilities relaying needs (CAP_NET_RAW for AF_PACKET
 * sockets; CAP_NET_ADMIN only when the configured send buffer is above
 * net.core.wmem_max, so that SO_SNDBUFFORCE can still give it; CAP_BPF,
 * CAP_PERFMON, CAP_NET_ADMIN and CAP_IPC_LOCK under --ingress xdp).
 */
#ifndef MCR_PRIVS_H
#define MCR_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

struct privs {
	bool has_user;
	uid_t uid;
	gid_t gid;
	bool needs_net_admin;
	/*
	 * --ingress xdp: a worker loads and attaches its XDP programs and
	 * registers AF_XDP UMEMs whenever an input appears, so it keeps
	 * CAP_BPF, CAP_PERFMON (the verifier's packet pointer arithmetic),
	 * CAP_NET_ADMIN and CAP_IPC_LOCK.
	 */
	bool needs_xdp;
};

/* Look up user (NULL = stay root) and decide what to keep.  0 or -errno. */
int privs_plan(struct privs *p, const char *user, int sndbuf);
/* Apply the plan to this process.  Logs and returns -errno on failure. */
int privs_drop(const struct privs *p);

#endif
