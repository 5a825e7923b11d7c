// SPDX-License-Identifier: MIT
/*
 * Input locks (see inlock.h): one listening abstract UNIX socket per input
 * the configuration relays, kept in a hash by name so that a change costs
 * a pass over the rules and a bind per new input.  Every socket is
 * non-blocking and waits in one epoll set, which the supervisor's loop
 * watches as one descriptor.
 */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uthash.h>

#include "common/addr.h"
#include "common/log.h"
#include "mcrd/supervisor/inlock.h"

#define NAME_MAX_LEN	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
/* Who-holds-it questions waiting to be answered; more are refused, which only costs the pid. */
#define PROBE_BACKLOG	8
#define EVENTS_MAX	16

/* What makes two inputs the same, as a fixed-size hash key: no formatting per rule and sync. */
struct inlock_key {
	char ifname[IF_NAMESIZE];	/* zero-padded */
	struct mcr_addr group;		/* padding-free: the key hashes as bytes */
	struct mcr_addr source;
	uint16_t port;
	uint16_t vlan;			/* 0: untagged; relays of two VLANs are no duplicates */
};

struct inlock {
	UT_hash_handle hh;
	struct inlock_key key;
	char name[NAME_MAX_LEN];	/* the abstract name, without its leading NUL */
	char rule[MCR_NAME_MAX];	/* the rule with this input, for messages */
	char what[160];			/* "input eth1 239.1.1.1:5000 from any source" */
	int fd;				/* listening; -1 while another process holds the name */
	uint64_t version;		/* of the last configuration that had this input */
	bool has_warned;		/* another process's relay of it was logged */
};

static void key_of(const struct mcr_rule *r, struct inlock_key *ret)
{
	memset(ret, 0, sizeof(*ret));
	(void)snprintf(ret->ifname, sizeof(ret->ifname), "%s", r->in_ifname);
	ret->group = r->in_group;
	ret->source = r->in_source;
	ret->port = r->in_port;
	ret->vlan = r->in_vlan;
}

/* "239.1.1.1" or "ff3e::1", or "" for no source; an IPv4 rule may leave the family 0. */
static const char *fmt_addr(const struct mcr_addr *a, char buf[ADDR_IP_STR_MAX])
{
	if (addr_ip_is_v6(a))
		return addr_ip_fmt(a, buf);
	if (a->v4.s_addr == 0)
		return strcpy(buf, "");
	return addr_fmt(a->v4, buf);
}

/* FNV-1a, 64 bits: a name too long for an abstract address goes by its hash. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/*
 * e's abstract name: "mcr-in-eth1-239.1.1.1:5000-*", "mcr-in-eth1-[ff3e::1]:*-2001:db8::1",
 * or, when that is longer than an abstract address holds (an IPv6 group
 * and source take up to 78 bytes), "mcr-in-h-" and the hash of it.
 */
static void describe(const struct mcr_rule *r, struct inlock *e)
{
	char group[ADDR_IP_STR_MAX], source[ADDR_IP_STR_MAX], port[8], vlan[16] = "";
	char full[sizeof(e->what)];
	bool is_v6 = addr_ip_is_v6(&r->in_group);

	(void)fmt_addr(&r->in_group, group);
	(void)fmt_addr(&r->in_source, source);
	(void)snprintf(port, sizeof(port), "%u", r->in_port);
	if (r->in_vlan)
		(void)snprintf(vlan, sizeof(vlan), "-vlan%u", r->in_vlan);
	(void)snprintf(full, sizeof(full), "mcr-in-%s-%s%s%s:%s-%s%s", r->in_ifname,
		       is_v6 ? "[" : "", group, is_v6 ? "]" : "", r->in_port ? port : "*",
		       *source ? source : "*", vlan);
	if (strlen(full) < sizeof(e->name))
		memcpy(e->name, full, strlen(full) + 1);
	else
		(void)snprintf(e->name, sizeof(e->name), "mcr-in-h-%016llx",
			       (unsigned long long)name_hash(full));
	if (r->in_vlan)
		(void)snprintf(vlan, sizeof(vlan), " on VLAN %u", r->in_vlan);
	(void)snprintf(e->what, sizeof(e->what), "input %s %s%s%s:%s from %s%s", r->in_ifname,
		       is_v6 ? "[" : "", group, is_v6 ? "]" : "", r->in_port ? port : "any port",
		       *source ? source : "any source", vlan);
}

static socklen_t abstract_addr(const char *name, struct sockaddr_un *sa)
{
	size_t len = strlen(name);

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	memcpy(sa->sun_path + 1, name, len);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

/* Binds and listens on e's name.  Returns 0, -EADDRINUSE when someone holds it, or -errno. */
static int hold(struct inlocks *l, struct inlock *e)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = e };
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(e->name, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, PROBE_BACKLOG) < 0 ||
	    epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		rc = -errno;
		(void)close(fd);
		return rc;
	}
	e->fd = fd;
	return 0;
}

/* The pid of the process holding @name, or -1 when it cannot be told. */
static pid_t holder_pid(const char *name)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(name, &sa), cred_len;
	struct ucred cred;
	pid_t pid = -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	cred_len = sizeof(cred);
	/* A UNIX connect completes at once or fails (backlog full): it never waits. */
	if (connect(fd, (struct sockaddr *)&sa, len) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0)
		pid = cred.pid;
	(void)close(fd);
	return pid;
}

static void try_hold(struct inlocks *l, struct inlock *e)
{
	int rc = hold(l, e);
	pid_t pid;

	if (rc == 0) {
		if (e->has_warned)
			log_info("rule \"%s\": no other process relays %s any more", e->rule,
				 e->what);
		e->has_warned = false;
		return;
	}
	if (rc != -EADDRINUSE) {
		if (!l->has_warned_fail)
			log_warn_errno(-rc, "rule \"%s\": cannot watch for other relays of %s, continuing",
				       e->rule, e->what);
		l->has_warned_fail = true;
		return;
	}
	if (e->has_warned)
		return;
	e->has_warned = true;
	pid = holder_pid(e->name);
	if (pid > 0)
		log_warn("rule \"%s\": pid %ld (another mcrd?) already relays %s in this network namespace; outputs both relay to get every packet twice: keep the rule in one of them (relaying anyway)",
			 e->rule, (long)pid, e->what);
	else
		log_warn("rule \"%s\": another process (mcrd?) already relays %s in this network namespace; outputs both relay to get every packet twice: keep the rule in one of them (relaying anyway)",
			 e->rule, e->what);
}

static void release(struct inlocks *l, struct inlock *e, bool is_child)
{
	if (e->fd >= 0) {
		/* A child shares the epoll instance: deregistering would do it for the parent. */
		if (!is_child && l->epfd >= 0)
			(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, e->fd, NULL);
		(void)close(e->fd);
	}
	HASH_DEL(l->by_input, e);
	free(e);
}

void inlocks_sync(struct inlocks *l, const struct mcr_config *cfg, uint64_t version)
{
	struct inlock *e, *tmp;

	if (l->epfd < 0 || (l->is_synced && version == l->version))
		return;
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct mcr_rule *r = &cfg->rules[i];
		struct inlock_key key;

		key_of(r, &key);
		HASH_FIND(hh, l->by_input, &key, sizeof(key), e);
		if (!e) {
			e = calloc(1, sizeof(*e));
			if (!e) {
				log_warn("rule \"%s\": out of memory watching for other relays, continuing",
					 r->name);
				continue;
			}
			e->key = key;
			e->fd = -1;
			describe(r, e);
			HASH_ADD(hh, l->by_input, key, sizeof(e->key), e);
		}
		if (strcmp(e->rule, r->name) != 0)
			(void)snprintf(e->rule, sizeof(e->rule), "%s", r->name);
		e->version = version;
		if (e->fd < 0)
			try_hold(l, e);
	}
	HASH_ITER(hh, l->by_input, e, tmp)
		if (e->version != version)
			release(l, e, false);
	l->version = version;
	l->is_synced = true;
}

void inlocks_dispatch(struct inlocks *l)
{
	struct epoll_event evs[EVENTS_MAX];
	int n = epoll_wait(l->epfd, evs, EVENTS_MAX, 0);

	for (int i = 0; i < n; i++) {
		struct inlock *e = evs[i].data.ptr;
		int fd;

		while ((fd = accept4(e->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			struct ucred cred;
			socklen_t len = sizeof(cred);

			if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
				cred.pid = -1;
			(void)close(fd);
			log_warn("rule \"%s\": pid %ld (another mcrd?) relays %s too; outputs both relay to get every packet twice: keep the rule in one of them",
				 e->rule, (long)cred.pid, e->what);
		}
	}
}

int inlocks_fd(const struct inlocks *l)
{
	return l->epfd;
}

int inlocks_init(struct inlocks *l)
{
	*l = (struct inlocks){ .epfd = epoll_create1(EPOLL_CLOEXEC) };
	return l->epfd < 0 ? -errno : 0;
}

void inlocks_exit(struct inlocks *l)
{
	struct inlock *e, *tmp;

	HASH_ITER(hh, l->by_input, e, tmp)
		release(l, e, false);
	if (l->epfd >= 0)
		(void)close(l->epfd);
	l->epfd = -1;
	l->is_synced = false;
}

void inlocks_forget(struct inlocks *l)
{
	struct inlock *e, *tmp;

	HASH_ITER(hh, l->by_input, e, tmp)
		release(l, e, true);
	if (l->epfd >= 0)
		(void)close(l->epfd);
	l->epfd = -1;
	l->is_synced = false;
}
