// SPDX-License-Identifier: MIT
/*
 * Following interfaces for the rules.  The table of links exists so that a
 * notification that changes nothing a rule depends on (a counter update, a
 * promiscuity flag our own sockets set, a dump's repeat of what we know)
 * does not make every worker rebuild its configuration.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "common/log.h"
#include "common/util.h"
#include "mcrd/supervisor/ifwatch.h"

/* IPv4 addresses remembered per link; more only means a spare push. */
#define IFW_MAX_ADDRS	8

struct ifw_link {
	unsigned int ifindex;		/* the key */
	char ifname[IF_NAMESIZE];
	unsigned int mtu;
	bool is_up;
	bool is_running;
	bool is_ether;
	uint64_t epoch;			/* the dump that last saw it */
	size_t n_addrs;
	struct in_addr addrs[IFW_MAX_ADDRS];
	UT_hash_handle hh;
};

static bool name_is_used(const struct mcr_config *cfg, const char *name)
{
	if (!cfg || !name || !name[0])
		return false;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];

		if (strcmp(rule->in_ifname, name) == 0)
			return true;
		for (size_t o = 0; o < rule->n_outputs; o++)
			if (strcmp(rule->outputs[o].ifname, name) == 0)
				return true;
	}
	return false;
}

static bool index_is_used(const struct mcr_config *cfg, unsigned int ifindex)
{
	if (!cfg || ifindex == 0)
		return false;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];

		if (rule->in_ifindex == ifindex)
			return true;
		for (size_t o = 0; o < rule->n_outputs; o++)
			if (rule->outputs[o].ifindex == ifindex)
				return true;
	}
	return false;
}

static void mark_dirty(struct ifwatch *w, const char *why, unsigned int ifindex,
		       const char *ifname)
{
	/* The first dump only tells what config_resolve() already saw. */
	if (!w->is_synced)
		return;
	log_info("interface %s (index %u) %s; the rules naming it follow", ifname[0] ? ifname : "?",
		 ifindex, why);
	w->is_dirty = true;
	if (w->due_ns == 0 && w->is_synced && !w->is_resyncing)
		w->due_ns = now_ns() + IFWATCH_DEBOUNCE_MS * NSEC_PER_MSEC;
}

static bool concerns(const struct mcr_config *cfg, const struct ifw_link *l, const char *ifname)
{
	return index_is_used(cfg, l ? l->ifindex : 0) || name_is_used(cfg, ifname) ||
	       (l && name_is_used(cfg, l->ifname));
}

/* A change under way counts too: its new rules' interfaces may appear before it commits. */
static bool concerns_rules(const struct ifwatch *w, const struct ifw_link *l, const char *ifname)
{
	return concerns(w->cfg, l, ifname) || concerns(w->pending, l, ifname);
}

static const char *link_change(const struct ifw_link *l, const struct nl_event *ev)
{
	if (!l)
		return "appeared";
	if (ev->ifname[0] && strcmp(l->ifname, ev->ifname) != 0)
		return "renamed";
	if (ev->mtu && l->mtu != ev->mtu)
		return "MTU changed";
	if (l->is_up != ev->is_up || l->is_running != ev->is_running)
		return ev->is_running ? "up" : "down";
	if (l->is_ether != ev->is_ether)
		return "link type changed";
	return NULL;
}

static void on_link(struct ifwatch *w, const struct nl_event *ev)
{
	struct ifw_link *l;
	const char *change;

	HASH_FIND(hh, w->links, &ev->ifindex, sizeof(ev->ifindex), l);
	change = link_change(l, ev);
	if (change && concerns_rules(w, l, ev->ifname)) {
		char why[IF_NAMESIZE + 16];

		if (l && strcmp(change, "renamed") == 0) {
			(void)snprintf(why, sizeof(why), "renamed from %s", l->ifname);
			change = why;
		}
		mark_dirty(w, change, ev->ifindex, ev->ifname);
	}
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l) {
			/* Without the entry every later change looks new: a spare push at worst. */
			w->is_dirty = true;
			return;
		}
		l->ifindex = ev->ifindex;
		HASH_ADD(hh, w->links, ifindex, sizeof(l->ifindex), l);
		if (!l->hh.tbl) {
			free(l);
			w->is_dirty = true;
			return;
		}
	}
	if (ev->ifname[0])
		(void)snprintf(l->ifname, sizeof(l->ifname), "%s", ev->ifname);
	if (ev->mtu)
		l->mtu = ev->mtu;
	l->is_up = ev->is_up;
	l->is_running = ev->is_running;
	l->is_ether = ev->is_ether;
	l->epoch = w->dump_epoch;
}

static void link_free(struct ifwatch *w, struct ifw_link *l)
{
	HASH_DEL(w->links, l);
	free(l);
}

static void on_link_gone(struct ifwatch *w, const struct nl_event *ev)
{
	struct ifw_link *l;

	HASH_FIND(hh, w->links, &ev->ifindex, sizeof(ev->ifindex), l);
	if (concerns_rules(w, l, ev->ifname))
		mark_dirty(w, "deleted", ev->ifindex, ev->ifname);
	if (l)
		link_free(w, l);
}

static ssize_t addr_find(const struct ifw_link *l, struct in_addr a)
{
	for (size_t i = 0; i < l->n_addrs; i++)
		if (l->addrs[i].s_addr == a.s_addr)
			return (ssize_t)i;
	return -1;
}

static void on_addr(struct ifwatch *w, const struct nl_event *ev)
{
	struct ifw_link *l;
	ssize_t i;
	bool is_change = true;

	HASH_FIND(hh, w->links, &ev->ifindex, sizeof(ev->ifindex), l);
	if (l) {
		i = addr_find(l, ev->addr);
		if (ev->type == NL_EV_ADDR && i < 0 && l->n_addrs < IFW_MAX_ADDRS)
			l->addrs[l->n_addrs++] = ev->addr;
		else if (ev->type == NL_EV_ADDR && i >= 0)
			is_change = false;
		else if (ev->type == NL_EV_ADDR_GONE && i >= 0)
			l->addrs[i] = l->addrs[--l->n_addrs];
	}
	if (is_change && concerns_rules(w, l, ev->ifname))
		mark_dirty(w, ev->type == NL_EV_ADDR ? "address added" : "address removed",
			   ev->ifindex, l ? l->ifname : ev->ifname);
}

/* After a dump that followed lost notifications: links it did not report are gone. */
static void sweep(struct ifwatch *w)
{
	struct ifw_link *l, *tmp;

	HASH_ITER(hh, w->links, l, tmp) {
		if (l->epoch == w->dump_epoch)
			continue;
		if (concerns_rules(w, l, l->ifname))
			w->is_dirty = true;
		link_free(w, l);
	}
}

static void on_dump_done(struct ifwatch *w)
{
	if (w->is_resyncing)
		sweep(w);
	w->is_resyncing = false;
	w->is_synced = true;
	/* Resolve once after every dump: anything may have changed before it. */
	if (w->due_ns == 0)
		w->due_ns = now_ns() + IFWATCH_DEBOUNCE_MS * NSEC_PER_MSEC;
}

static void on_event(void *ctx, const struct nl_event *ev)
{
	struct ifwatch *w = ctx;

	switch (ev->type) {
	case NL_EV_LINK:
		on_link(w, ev);
		break;
	case NL_EV_LINK_GONE:
		on_link_gone(w, ev);
		break;
	case NL_EV_ADDR:
	case NL_EV_ADDR_GONE:
		on_addr(w, ev);
		break;
	case NL_EV_OVERRUN:
		log_warn("interface notifications were lost (netlink overrun #%" PRIu64
			 "), asking the kernel for every interface again",
			 w->nl.overruns);
		w->is_resyncing = true;
		w->is_dirty = true;
		w->dump_epoch++;
		break;
	case NL_EV_DUMP_DONE:
		on_dump_done(w);
		break;
	case NL_EV_TYPE_MAX:
		break;
	}
}

void ifwatch_read(struct ifwatch *w, const struct mcr_config *cfg,
		  const struct mcr_config *pending)
{
	int ret;

	w->cfg = cfg;
	w->pending = pending;
	ret = nl_watch_read(&w->nl, on_event, w);
	w->cfg = w->pending = NULL;
	if (ret < 0)
		log_warn_errno(ret, "cannot read interface notifications, ignoring");
}

int ifwatch_timeout_ms(const struct ifwatch *w, uint64_t now)
{
	if (w->due_ns == 0)
		return -1;
	return w->due_ns <= now ? 0 : (int)((w->due_ns - now) / NSEC_PER_MSEC) + 1;
}

/* The rules' interface indexes in order: inputs, then outputs (NULL on ENOMEM). */
static unsigned int *snapshot_indexes(const struct mcr_config *cfg, size_t *ret_n)
{
	size_t n = 0, k = 0;
	unsigned int *idx;

	for (size_t r = 0; r < cfg->n_rules; r++)
		n += 1 + cfg->rules[r].n_outputs;
	idx = malloc((n ? n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		idx[k++] = cfg->rules[r].in_ifindex;
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++)
			idx[k++] = cfg->rules[r].outputs[o].ifindex;
	}
	*ret_n = n;
	return idx;
}

/* Log rules that start or stop waiting; true if any index changed. */
static bool report_changes(const struct mcr_config *cfg, const unsigned int *old)
{
	bool is_changed = false;
	size_t k = 0;

	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct mcr_rule *rule = &cfg->rules[r];
		const char *missing = config_rule_waiting_for(rule);
		bool was_waiting = false;

		was_waiting |= old[k] == 0;
		is_changed |= old[k++] != rule->in_ifindex;
		for (size_t o = 0; o < rule->n_outputs; o++) {
			/* A missing downstream interface never held the rule. */
			was_waiting |= old[k] == 0 && !rule->outputs[o].is_downstream;
			is_changed |= old[k++] != rule->outputs[o].ifindex;
		}
		if (missing && !was_waiting)
			log_warn("rule \"%s\": interface %s is gone; the rule waits for it", rule->name,
				 missing);
		else if (!missing && was_waiting)
			log_info("rule \"%s\": every interface it names is there; relaying",
				 rule->name);
	}
	return is_changed;
}

bool ifwatch_is_due(const struct ifwatch *w, uint64_t now)
{
	return w->due_ns != 0 && now >= w->due_ns;
}

bool ifwatch_resolve(struct ifwatch *w, struct mcr_config *cfg, uint64_t now)
{
	unsigned int *old;
	size_t n = 0;
	bool is_push;
	int ret;

	if (!ifwatch_is_due(w, now))
		return false;
	w->due_ns = 0;
	if (cfg->n_rules == 0) {
		w->is_dirty = false;
		return false;
	}
	old = snapshot_indexes(cfg, &n);
	if (!old) {
		log_warn("cannot resolve the rules' interfaces again: out of memory; retrying");
		w->due_ns = now + IFWATCH_DEBOUNCE_MS * NSEC_PER_MSEC;
		return false;
	}
	ret = config_resolve_interfaces(cfg);
	if (ret < 0) {
		/* Nothing about the rules fails here, only a lookup: try again soon; say so once. */
		if (!w->has_failed)
			log_warn_errno(ret, "cannot look the rules' interfaces up again; retrying in "
					    "%d ms",
				       IFWATCH_RETRY_MS);
		w->has_failed = true;
		w->is_dirty = true;
		w->due_ns = now + IFWATCH_RETRY_MS * NSEC_PER_MSEC;
		free(old);
		return false;
	}
	w->has_failed = false;
	is_push = report_changes(cfg, old) || w->is_dirty;
	w->is_dirty = false;
	free(old);
	return is_push;
}

unsigned int ifwatch_retry(struct ifwatch *w, uint64_t now)
{
	unsigned int ms = w->retry_ms ? w->retry_ms : IFWATCH_RETRY_MS;

	w->retry_ms = ms * 2 < IFWATCH_RETRY_MAX_MS ? ms * 2 : IFWATCH_RETRY_MAX_MS;
	w->is_dirty = true;
	if (w->due_ns == 0)
		w->due_ns = now + ms * NSEC_PER_MSEC;
	return ms;
}

void ifwatch_pushed(struct ifwatch *w)
{
	w->retry_ms = 0;
}

static void log_waiting(const struct mcr_config *cfg)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const char *missing = config_rule_waiting_for(&cfg->rules[r]);

		if (missing)
			log_warn("rule \"%s\": interface %s does not exist; the rule waits for it",
				 cfg->rules[r].name, missing);
		/* A downstream interface never holds its rule: say it is missing all the same. */
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++)
			if (cfg->rules[r].outputs[o].is_downstream && !cfg->rules[r].outputs[o].ifindex)
				log_info("rule \"%s\": downstream interface %s does not exist; it "
					 "gets nothing until it does",
					 cfg->rules[r].name, cfg->rules[r].outputs[o].ifname);
	}
}

int ifwatch_init(struct ifwatch *w, const struct mcr_config *cfg)
{
	int ret;

	memset(w, 0, sizeof(*w));
	ret = nl_watch_init(&w->nl);
	if (ret == 0)
		ret = nl_watch_dump(&w->nl);
	if (ret < 0) {
		log_err_errno(ret, "cannot watch interfaces over netlink (NETLINK_ROUTE)");
		nl_watch_exit(&w->nl);
		return ret;
	}
	w->dump_epoch = 1;
	log_waiting(cfg);
	return 0;
}

void ifwatch_exit(struct ifwatch *w)
{
	struct ifw_link *l, *tmp;

	HASH_ITER(hh, w->links, l, tmp) {
		link_free(w, l);
	}
	nl_watch_exit(&w->nl);
}

int ifwatch_fd(const struct ifwatch *w)
{
	return nl_watch_fd(&w->nl);
}

size_t ifwatch_n_links(const struct ifwatch *w)
{
	return HASH_COUNT(w->links);
}
