// SPDX-License-Identifier: MIT
/*
 * The querier and listener of every watched interface, in the supervisor's
 * loop (IGMP here, MLD in member_mld.c): read IGMP as it arrives, send the
 * queries the timers call for, keep the tables, and say (is_dirty) when an
 * output's listeners changed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/membership/igmp_sock.h"
#include "mcrd/membership/igmp_wire.h"
#include "mcrd/membership/maddr.h"
#include "mcrd/membership/member.h"
#include "mcrd/membership/member_mld.h"

#define ALL_HOSTS	0xe0000001u	/* 224.0.0.1: general queries go there */

int member_init(struct member *m, int epoll_fd, uint64_t tag)
{
	*m = (struct member){ .epoll_fd = epoll_fd, .tag = tag };
	return 0;
}

static void if_close(struct member *m, struct member_if *mi)
{
	m->gone.joins += mi->tab.joins;
	m->gone.leaves += mi->tab.leaves;
	m->gone.queries_sent += mi->q.queries_sent;
	m->gone.queries_received += mi->q.queries_heard;
	m->gone.malformed += mi->malformed;
	m->gone.mld.joins += mi->mld.tab.joins;
	m->gone.mld.leaves += mi->mld.tab.leaves;
	m->gone.mld.queries_sent += mi->mld.q.queries_sent;
	m->gone.mld.queries_received += mi->mld.q.queries_heard;
	m->gone.mld.malformed += mi->mld.malformed;
	m->gone.mld.reports += mi->mld.reports;
	m->gone.mld.dones += mi->mld.dones;
	member_mld_close(&mi->mld, m->epoll_fd);
	if (mi->rx_fd >= 0) {
		(void)epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, mi->rx_fd, NULL);
		(void)close(mi->rx_fd);
	}
	if (mi->tx_fd >= 0)
		(void)close(mi->tx_fd);
	membership_exit(&mi->tab);
}

void member_exit(struct member *m)
{
	for (size_t i = 0; i < m->n_ifs; i++)
		if_close(m, &m->ifs[i]);
	free(m->ifs);
	m->ifs = NULL;
	m->n_ifs = 0;
}

static struct member_if *find_if(const struct member *m, unsigned int ifindex)
{
	for (size_t i = 0; i < m->n_ifs; i++)
		if (m->ifs[i].ifindex == ifindex)
			return &m->ifs[i];
	return NULL;
}

static int if_open(struct member *m, struct member_if *mi, const struct mcr_output *o,
		   uint64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = m->tag + o->ifindex };
	int ret;

	*mi = (struct member_if){ .ifindex = o->ifindex, .rx_fd = -1, .tx_fd = -1,
				  .mld.fd = -1 };
	(void)snprintf(mi->ifname, sizeof(mi->ifname), "%s", o->ifname);
	querier_init(&mi->q, &m->t, m->is_querier, now);
	membership_init(&mi->tab, &m->t);
	ret = mi->rx_fd = igmp_sock_open_rx(o->ifindex);
	if (ret >= 0)
		ret = mi->tx_fd = igmp_sock_open_tx(o->ifindex);
	if (ret >= 0 && epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, mi->rx_fd, &ev) < 0)
		ret = -errno;
	if (ret < 0) {
		log_warn_errno(ret, "membership: cannot listen for IGMP on %s; its \"when\": "
			       "\"joined\" outputs stay idle until the next change (does mcrd have "
			       "CAP_NET_RAW?)", o->ifname);
		if (mi->rx_fd >= 0)
			(void)close(mi->rx_fd);
		if (mi->tx_fd >= 0)
			(void)close(mi->tx_fd);
		membership_exit(&mi->tab);
		return ret;
	}
	log_info("membership: listening for IGMP on %s%s", o->ifname,
		 m->is_querier ? " and querying" : "");
	/* Without MLD the interface still follows its IPv4 listeners. */
	(void)member_mld_open(&mi->mld, mi->ifname, mi->ifindex, &m->t, m->is_querier,
			      m->epoll_fd, m->tag + mi->ifindex + MEMBER_TAG_MLD, now);
	return 0;
}

static bool is_wanted(const struct mcr_config *cfg, unsigned int ifindex)
{
	for (size_t r = 0; r < cfg->n_rules; r++)
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++)
			if (cfg->rules[r].outputs[o].when == WHEN_JOINED &&
			    cfg->rules[r].outputs[o].ifindex == ifindex)
				return true;
	return false;
}

static void settings_from(struct member *m, const struct mcr_config *cfg)
{
	m->t = (struct igmp_timers){
		.query_interval_ms = cfg->igmp_query_interval_ms,
		.response_ms = cfg->igmp_response_ms,
		.last_member_ms = cfg->igmp_last_member_ms,
		.robustness = cfg->igmp_robustness,
	};
	m->is_querier = cfg->igmp_querier;
	for (size_t i = 0; i < m->n_ifs; i++) {
		m->ifs[i].q.t = m->t;
		m->ifs[i].tab.t = m->t;
		m->ifs[i].q.is_enabled = m->is_querier;
		if (!m->is_querier)
			m->ifs[i].q.is_querier = false;
		m->ifs[i].mld.q.t = m->t;
		m->ifs[i].mld.tab.t = m->t;
		m->ifs[i].mld.q.is_enabled = m->is_querier;
		if (!m->is_querier)
			m->ifs[i].mld.q.is_querier = false;
	}
}

static void open_wanted(struct member *m, const struct mcr_config *cfg, uint64_t now)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++) {
			const struct mcr_output *out = &cfg->rules[r].outputs[o];
			struct member_if *grown;

			if (out->when != WHEN_JOINED || !out->ifindex || find_if(m, out->ifindex))
				continue;
			grown = realloc(m->ifs, (m->n_ifs + 1) * sizeof(*grown));
			if (!grown) {
				log_warn("membership: out of memory watching %s, ignoring", out->ifname);
				return;
			}
			m->ifs = grown;
			if (if_open(m, &m->ifs[m->n_ifs], out, now) == 0)
				m->n_ifs++;
		}
	}
}

void member_sync(struct member *m, const struct mcr_config *cfg, uint64_t now)
{
	size_t kept = 0, n_before = m->n_ifs;

	settings_from(m, cfg);
	for (size_t i = 0; i < m->n_ifs; i++) {
		if (!is_wanted(cfg, m->ifs[i].ifindex)) {
			log_info("membership: no \"when\": \"joined\" output on %s any more, "
				 "no longer listening there", m->ifs[i].ifname);
			if_close(m, &m->ifs[i]);
			continue;
		}
		m->ifs[kept++] = m->ifs[i];
	}
	m->n_ifs = kept;
	open_wanted(m, cfg, now);
	/* The rules' marks may be stale only when the rules' joined outputs changed. */
	if (kept != n_before || m->n_ifs != kept || member_marks_are_stale(m, cfg, now))
		m->is_dirty = true;
}

static void on_record(struct member *m, struct member_if *mi, const struct igmp_record *rec,
		      struct in_addr from, uint64_t now)
{
	struct member_record r = {
		.type = rec->type, .group = maddr_from4(rec->group), .n_sources = rec->n_sources,
		.sources = rec->sources, .source_len = sizeof(struct in_addr),
	};

	unsigned int changed = membership_on_record(&mi->tab, &r, maddr_from4(from),
						    mi->q.is_querier, now);

	if (changed & MEMBERSHIP_LISTENERS)
		member_log_change(mi->ifname, &mi->tab, r.group, maddr_from4(from), now);
	if (changed)
		m->is_dirty = true;
}

static void on_message(struct member *m, struct member_if *mi, const struct igmp_msg *msg,
		       uint64_t now)
{
	struct igmp_record rec = { .group = msg->group };
	struct member_record q = {
		.group = maddr_from4(msg->group), .n_sources = msg->n_sources,
		.sources = msg->sources, .source_len = sizeof(struct in_addr),
	};

	switch (msg->type) {
	case IGMP_TYPE_QUERY:
		querier_on_query(&mi->q, maddr_from4(msg->src), now);
		/* Another querier's group or group-and-source query lowers our timers too. */
		if (msg->group.s_addr && !msg->is_suppress &&
		    !maddr_eq(maddr_from4(msg->src), mi->q.addr))
			membership_on_group_query(&mi->tab, &q, now);
		break;
	case IGMP_TYPE_V1_REPORT:
	case IGMP_TYPE_V2_REPORT:
		rec.type = IGMP_MODE_IS_EXCLUDE;
		on_record(m, mi, &rec, msg->src, now);
		break;
	case IGMP_TYPE_V2_LEAVE:
		rec.type = IGMP_CHANGE_TO_INCLUDE;
		on_record(m, mi, &rec, msg->src, now);
		break;
	case IGMP_TYPE_V3_REPORT:
		for (size_t i = 0; i < msg->n_records; i++)
			on_record(m, mi, &msg->records[i], msg->src, now);
		break;
	default:
		break;
	}
}

void member_on_event(struct member *m, unsigned int id, uint64_t now)
{
	struct igmp_msg msg;
	struct member_if *mi = find_if(m, id & ~MEMBER_TAG_MLD);
	uint8_t buf[2048];

	if (!mi)
		return;
	if (id & MEMBER_TAG_MLD) {
		if (member_mld_on_event(&mi->mld, mi->ifname, now))
			m->is_dirty = true;
		return;
	}
	for (int i = 0; i < MEMBER_READ_BATCH; i++) {
		ssize_t n = recv(mi->rx_fd, buf, sizeof(buf), MSG_TRUNC);
		int ret;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn_errno(-errno, "membership: %s: reading IGMP, ignoring",
					       mi->ifname);
			return;
		}
		ret = (size_t)n > sizeof(buf) ? -EMSGSIZE : igmp_decode(buf, (size_t)n, &msg);
		if (ret == -EPROTONOSUPPORT)
			continue;	/* DVMRP, mtrace...: not ours */
		if (ret < 0) {
			mi->malformed++;
			log_debug("membership: %s: malformed IGMP packet (%zd bytes), ignoring",
				  mi->ifname, n);
			continue;
		}
		on_message(m, mi, &msg, now);
	}
}

/* A general (group ::), group-specific or group-and-source-specific query (n sources, <= 32). */
static void send_query(struct member_if *mi, struct in6_addr group6, const struct in6_addr *sources,
		       size_t n, uint32_t max_resp_ms)
{
	uint8_t q[IGMP_QUERY_PACKET_MAX];
	struct in_addr group = maddr_to4(group6), dst = group, src4[IGMP_QUERY_SOURCES_MAX];
	int ret;

	if (!group.s_addr)
		dst.s_addr = htonl(ALL_HOSTS);
	for (size_t i = 0; i < n; i++)
		src4[i] = maddr_to4(sources[i]);
	ret = igmp_encode_source_query(q, sizeof(q), group, src4, n, max_resp_ms,
				       (uint8_t)mi->q.t.robustness,
				       mi->q.t.query_interval_ms / 1000);
	if (ret > 0)
		ret = igmp_sock_send(mi->tx_fd, dst, q, (size_t)ret);
	if (ret < 0 && !mi->is_logged_send_error) {
		log_warn_errno(ret, "membership: %s: cannot send an IGMP query, ignoring", mi->ifname);
		mi->is_logged_send_error = true;
	} else if (ret >= 0) {
		mi->is_logged_send_error = false;
	}
}

static void if_tick(struct member *m, struct member_if *mi, uint64_t now)
{
	struct membership_due due;
	struct in_addr addr;
	bool is_refresh = now >= mi->addr_checked_ns + MEMBER_ADDR_REFRESH_MS * NSEC_PER_MSEC;

	if (is_refresh) {
		mi->addr_checked_ns = now;
		if (igmp_sock_ifaddr(mi->tx_fd, mi->ifname, &addr) == 0)
			querier_set_addr(&mi->q, maddr_from4(addr), now);
	}
	if (querier_tick(&mi->q, now))
		send_query(mi, in6addr_any, NULL, 0, mi->q.t.response_ms);
	if (membership_tick(&mi->tab, now, &due))
		m->is_dirty = true;
	for (size_t i = 0; i < due.n_left; i++)
		member_log_change(mi->ifname, &mi->tab, due.left[i], in6addr_any, now);
	for (size_t i = 0; i < due.n_queries; i++) {
		const struct membership_query *q = &due.queries[i];
		size_t at = 0;

		/* A long source list goes out in as many queries as it takes. */
		do {
			size_t n = q->n_sources - at;

			if (n > IGMP_QUERY_SOURCES_MAX)
				n = IGMP_QUERY_SOURCES_MAX;
			send_query(mi, q->group, q->sources + at, n, mi->q.t.last_member_ms);
			mi->q.queries_sent++;
			at += n;
		} while (at < q->n_sources);
	}
	if (member_mld_tick(&mi->mld, mi->ifname, mi->ifindex, is_refresh, now))
		m->is_dirty = true;
}

void member_tick(struct member *m, uint64_t now)
{
	for (size_t i = 0; i < m->n_ifs; i++)
		if_tick(m, &m->ifs[i], now);
}

int member_timeout_ms(const struct member *m, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < m->n_ifs; i++) {
		const struct member_if *mi = &m->ifs[i];
		uint64_t t = mi->addr_checked_ns + MEMBER_ADDR_REFRESH_MS * NSEC_PER_MSEC;

		if (t < next)
			next = t;
		t = querier_next_ns(&mi->q);
		if (t < next)
			next = t;
		t = membership_next_ns(&mi->tab);
		if (t < next)
			next = t;
		t = member_mld_next_ns(&mi->mld);
		if (t < next)
			next = t;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now) / NSEC_PER_MSEC) + 1;
}

/* An address of the rule's family as a table key (:: for none). */
static struct in6_addr key_of(const struct mcr_addr *a)
{
	if (a->family == AF_INET6)
		return a->v6;
	return a->family == AF_INET ? maddr_from4(a->v4) : in6addr_any;
}

/*
 * The source a listener of output o must want (:: for any): a
 * source-specific rule's packets leave with its source ("keep"), or with
 * the output's own address; an any-source rule relays every sender, so
 * any listener of the group will do.
 */
static struct in6_addr wanted_source(const struct mcr_rule *r, const struct mcr_output *o)
{
	if (!addr_ip_is_set(&r->in_source))
		return in6addr_any;
	if (o->source_mode == SOURCE_ADDR)
		return key_of(&o->source);
	return key_of(&r->in_source);
}

/* Whether output o of rule r has listeners now (for its source, when r has one). */
static bool is_listened(const struct member *m, const struct mcr_rule *r,
			const struct mcr_output *o, uint64_t now)
{
	const struct mcr_addr *g = addr_ip_is_set(&o->group) ? &o->group : &r->in_group;
	const struct member_if *mi = m ? find_if(m, o->ifindex) : NULL;

	/* IPv4 groups: IGMP's table; IPv6 groups: MLD's. */
	if (!mi || (g->family != AF_INET6 && g->family != AF_INET))
		return false;
	return membership_wants(g->family == AF_INET6 ? &mi->mld.tab : &mi->tab, key_of(g),
				wanted_source(r, o), now);
}

bool member_mark(const struct member *m, struct mcr_config *cfg, uint64_t now)
{
	bool changed = false;

	for (size_t r = 0; r < cfg->n_rules; r++) {
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++) {
			struct mcr_output *out = &cfg->rules[r].outputs[o];
			bool is_joined;

			if (out->when != WHEN_JOINED)
				continue;
			is_joined = is_listened(m, &cfg->rules[r], out, now);
			changed |= is_joined != out->is_joined;
			out->is_joined = is_joined;
		}
	}
	return changed;
}

bool member_marks_are_stale(const struct member *m, const struct mcr_config *cfg, uint64_t now)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++) {
			const struct mcr_output *out = &cfg->rules[r].outputs[o];

			if (out->when == WHEN_JOINED &&
			    is_listened(m, &cfg->rules[r], out, now) != out->is_joined)
				return true;
		}
	}
	return false;
}

struct member_counters member_counters(const struct member *m)
{
	struct member_counters c = m->gone;

	for (size_t i = 0; i < m->n_ifs; i++) {
		c.joins += m->ifs[i].tab.joins;
		c.leaves += m->ifs[i].tab.leaves;
		c.queries_sent += m->ifs[i].q.queries_sent;
		c.queries_received += m->ifs[i].q.queries_heard;
		c.malformed += m->ifs[i].malformed;
		c.mld.joins += m->ifs[i].mld.tab.joins;
		c.mld.leaves += m->ifs[i].mld.tab.leaves;
		c.mld.queries_sent += m->ifs[i].mld.q.queries_sent;
		c.mld.queries_received += m->ifs[i].mld.q.queries_heard;
		c.mld.malformed += m->ifs[i].mld.malformed;
		c.mld.reports += m->ifs[i].mld.reports;
		c.mld.dones += m->ifs[i].mld.dones;
	}
	return c;
}
