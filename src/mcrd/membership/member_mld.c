// SPDX-License-Identifier: MIT
/*
 * MLD on one watched interface, in the supervisor's loop: read MLD as it
 * arrives, send the queries the timers call for, keep the IPv6 table.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/membership/lladdr.h"
#include "mcrd/membership/maddr.h"
#include "mcrd/membership/member_mld.h"
#include "mcrd/membership/mld_sock.h"
#include "mcrd/membership/mld_wire.h"

/* ff02::1: general queries go there. */
static const struct in6_addr ALL_NODES = { { { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					       0, 1 } } };

void member_log_change(const char *ifname, const struct membership *tab, struct in6_addr group,
		       struct in6_addr by, uint64_t now)
{
	char g[MADDR_STR_MAX], r[MADDR_STR_MAX];

	if (membership_has(tab, group, now))
		log_info("membership: %s: %s has listeners (report from %s)", ifname,
			 maddr_fmt(group, g), maddr_fmt(by, r));
	else
		log_info("membership: %s: %s has no listeners left", ifname, maddr_fmt(group, g));
}

int member_mld_open(struct member_mld *ml, const char *ifname, unsigned int ifindex,
		    const struct igmp_timers *t, bool is_querier, int epoll_fd, uint64_t tag,
		    uint64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	int ret;

	*ml = (struct member_mld){ .fd = -1 };
	querier_init(&ml->q, t, is_querier, now);
	membership_init(&ml->tab, t);
	ret = mld_sock_open(ifindex);
	if (ret >= 0) {
		ml->fd = ret;
		if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, ml->fd, &ev) < 0) {
			ret = -errno;
			(void)close(ml->fd);
			ml->fd = -1;
		}
	}
	if (ret < 0) {
		log_warn_errno(ret, "membership: cannot listen for MLD on %s; it follows IPv4 "
			       "listeners only until the next change (does mcrd have CAP_NET_RAW?)",
			       ifname);
		return ret;
	}
	log_info("membership: listening for MLD on %s%s", ifname, is_querier ? " and querying" : "");
	return 0;
}

void member_mld_close(struct member_mld *ml, int epoll_fd)
{
	if (ml->fd >= 0) {
		(void)epoll_ctl(epoll_fd, EPOLL_CTL_DEL, ml->fd, NULL);
		(void)close(ml->fd);
		ml->fd = -1;
	}
	membership_exit(&ml->tab);
}

static bool on_record(struct member_mld *ml, const char *ifname, const struct mld_record *rec,
		      struct in6_addr from, uint64_t now)
{
	struct member_record r = {
		.type = rec->type, .group = rec->group, .n_sources = rec->n_sources,
		.sources = rec->sources, .source_len = sizeof(struct in6_addr),
	};

	unsigned int changed = membership_on_record(&ml->tab, &r, from, ml->q.is_querier, now);

	if (changed & MEMBERSHIP_LISTENERS)
		member_log_change(ifname, &ml->tab, r.group, from, now);
	return changed != 0;
}

static bool on_message(struct member_mld *ml, const char *ifname, const struct mld_msg *msg,
		       uint64_t now)
{
	struct mld_record rec = { .group = msg->group };
	struct member_record q = {
		.group = msg->group, .n_sources = msg->n_sources, .sources = msg->sources,
		.source_len = sizeof(struct in6_addr),
	};
	bool changed = false;

	switch (msg->type) {
	case MLD_TYPE_QUERY:
		querier_on_query(&ml->q, msg->src, now);
		if (!maddr_is_none(msg->group) && !msg->is_suppress && !maddr_eq(msg->src, ml->q.addr))
			membership_on_group_query(&ml->tab, &q, now);
		return false;
	case MLD_TYPE_V1_REPORT:
		ml->reports++;
		rec.type = IGMP_MODE_IS_EXCLUDE;
		return on_record(ml, ifname, &rec, msg->src, now);
	case MLD_TYPE_V1_DONE:
		ml->dones++;
		rec.type = IGMP_CHANGE_TO_INCLUDE;
		return on_record(ml, ifname, &rec, msg->src, now);
	default:
		ml->reports++;
		for (size_t i = 0; i < msg->n_records; i++)
			changed |= on_record(ml, ifname, &msg->records[i], msg->src, now);
		return changed;
	}
}

bool member_mld_on_event(struct member_mld *ml, const char *ifname, uint64_t now)
{
	static struct mld_msg msg;	/* 5 kB: off the stack; the supervisor is one thread */
	uint8_t buf[2048];
	bool changed = false;

	for (int i = 0; ml->fd >= 0 && i < MEMBER_READ_BATCH; i++) {
		ssize_t n = recv(ml->fd, buf, sizeof(buf), MSG_TRUNC);
		int ret;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn_errno(-errno, "membership: %s: reading MLD, ignoring", ifname);
			break;
		}
		ret = (size_t)n > sizeof(buf) ? -EMSGSIZE : mld_decode(buf, (size_t)n, &msg);
		if (ret == -EPROTONOSUPPORT)
			continue;	/* other ICMPv6 the filter let through */
		if (ret < 0) {
			ml->malformed++;
			log_debug("membership: %s: malformed MLD packet (%zd bytes), ignoring",
				  ifname, n);
			continue;
		}
		changed |= on_message(ml, ifname, &msg, now);
	}
	return changed;
}

static void send_query(struct member_mld *ml, const char *ifname, unsigned int ifindex,
		       struct in6_addr group, const struct in6_addr *sources, size_t n,
		       uint32_t max_resp_ms)
{
	uint8_t pkt[MLD_QUERY_PACKET_MAX];
	const struct in6_addr *dst = maddr_is_none(group) ? &ALL_NODES : &group;
	int ret = mld_encode_query(pkt, sizeof(pkt), &ml->q.addr, dst, &group, sources, n,
				   max_resp_ms, (uint8_t)ml->q.t.robustness,
				   ml->q.t.query_interval_ms / 1000);

	if (ret > 0)
		ret = mld_sock_send(ml->fd, ifindex, dst, pkt, (size_t)ret);
	if (ret < 0 && !ml->is_logged_send_error) {
		log_warn_errno(ret, "membership: %s: cannot send an MLD query, ignoring", ifname);
		ml->is_logged_send_error = true;
	} else if (ret >= 0) {
		ml->is_logged_send_error = false;
	}
}

/*
 * Our address looked up again: only one we may send from (RFC 3810
 * 5.1.14), so not while duplicate address detection runs or after it
 * failed; the querier waits meanwhile, and says why once.
 */
static void refresh_addr(struct member_mld *ml, const char *ifname, unsigned int ifindex,
			 uint64_t now)
{
	char a[MADDR_STR_MAX];
	struct lladdr ll;
	int ret = lladdr_get(ifindex, &ll);

	if (ret < 0) {
		log_msg_errno(LOG_DEBUG, ret, "membership: %s: cannot look up our link-local "
			      "address, keeping the one we had", ifname);
		return;
	}
	if (maddr_is_none(ll.addr) && !maddr_is_none(ll.unusable) && ml->q.is_enabled &&
	    !ml->is_logged_wait) {
		log_info("membership: %s: the MLD querier waits: our link-local address %s %s",
			 ifname, maddr_fmt(ll.unusable, a), lladdr_why(ll.unusable_flags));
		ml->is_logged_wait = true;
	} else if (!maddr_is_none(ll.addr) && ml->is_logged_wait) {
		log_info("membership: %s: the MLD querier has %s to send from now", ifname,
			 maddr_fmt(ll.addr, a));
		ml->is_logged_wait = false;
	}
	querier_set_addr(&ml->q, ll.addr, now);
}

bool member_mld_tick(struct member_mld *ml, const char *ifname, unsigned int ifindex,
		     bool is_refresh, uint64_t now)
{
	struct membership_due due;
	bool changed;

	if (ml->fd < 0)
		return false;
	if (is_refresh)
		refresh_addr(ml, ifname, ifindex, now);
	if (querier_tick(&ml->q, now))
		send_query(ml, ifname, ifindex, in6addr_any, NULL, 0, ml->q.t.response_ms);
	changed = membership_tick(&ml->tab, now, &due);
	for (size_t i = 0; i < due.n_left; i++)
		member_log_change(ifname, &ml->tab, due.left[i], in6addr_any, now);
	for (size_t i = 0; i < due.n_queries; i++) {
		const struct membership_query *q = &due.queries[i];
		size_t at = 0;

		/* A long source list goes out in as many queries as it takes. */
		do {
			size_t n = q->n_sources - at;

			if (n > MLD_QUERY_SOURCES_MAX)
				n = MLD_QUERY_SOURCES_MAX;
			send_query(ml, ifname, ifindex, q->group, q->sources + at, n,
				   ml->q.t.last_member_ms);
			ml->q.queries_sent++;
			at += n;
		} while (at < q->n_sources);
	}
	return changed;
}

uint64_t member_mld_next_ns(const struct member_mld *ml)
{
	uint64_t q, t;

	if (ml->fd < 0)
		return UINT64_MAX;
	q = querier_next_ns(&ml->q);
	t = membership_next_ns(&ml->tab);
	return q < t ? q : t;
}
