// SPDX-License-Identifier: MIT
/*
 * Checks across rules and the resolution of interface names: no two rules
 * share a name or an input, no rule sends to its own input or twice to one
 * place, outputs inherit the input's group and port, and multicast outputs
 * that send from the relay's address have one.  Interfaces that do not
 * exist yet are not errors: their rules wait (config_rule_waiting_for()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Report an allocation failure instead of exiting. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "common/addr.h"
#include "config/config.h"
#include "config/config_internal.h"

/* One key of find_duplicate(), in the caller's array. */
struct key_entry {
	const void *key;
	size_t index;
	UT_hash_handle hh;
};

/*
 * The first of n keys (key_size bytes each, compared as bytes, so the
 * caller zeroes any padding) equal to an earlier one, in O(n).  Returns 1
 * with its index in *ret_i and the earlier one's in *ret_old, 0 when all
 * differ, or -ENOMEM.
 */
static int find_duplicate(const void *keys, size_t n, size_t key_size, size_t *ret_i,
			  size_t *ret_old)
{
	struct key_entry *entries = calloc(n ? n : 1, sizeof(*entries)), *head = NULL, *old;
	int rc = 0;

	if (!entries)
		return -ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct key_entry *e = &entries[i];

		e->key = (const unsigned char *)keys + i * key_size;
		e->index = i;
		HASH_FIND(hh, head, e->key, key_size, old);
		if (old) {
			*ret_i = i;
			*ret_old = old->index;
			rc = 1;
			break;
		}
		HASH_ADD_KEYPTR(hh, head, e->key, key_size, e);
		if (!e->hh.tbl)
			rc = -ENOMEM;
	}
	HASH_CLEAR(hh, head);
	free(entries);
	return rc;
}

/* No two rules may share a name. */
static int resolve_names(const struct mcr_config *cfg, struct config_error *err)
{
	char (*names)[MCR_NAME_MAX];
	size_t i, old;
	int rc;

	if (cfg->n_rules == 0)
		return 0;
	names = calloc(cfg->n_rules, sizeof(*names));
	if (!names)
		return config_fail(err, -ENOMEM, "rules: out of memory");
	/* calloc zeroed each name's tail: the keys compare as bytes. */
	for (i = 0; i < cfg->n_rules; i++)
		(void)snprintf(names[i], sizeof(names[i]), "%s", cfg->rules[i].name);
	rc = find_duplicate(names, cfg->n_rules, sizeof(*names), &i, &old);
	free(names);
	if (rc == -ENOMEM)
		return config_fail(err, -ENOMEM, "rules: out of memory");
	if (rc > 0)
		return config_fail(err, -EINVAL, "rules[%zu].name: \"%s\" is used by rules[%zu] too",
				   i, cfg->rules[i].name, old);
	return 0;
}

/*
 * Interfaces looked up once per resolution: thousands of rules name a
 * handful of interfaces, and each lookup is a system call (if_nametoindex()
 * even opens and closes a socket), so a change at 4,096 rules cost the
 * supervisor and every worker thousands of them.
 */
struct if_entry {
	char name[IF_NAMESIZE];
	long index;			/* 0: missing; -errno: the lookup failed */
	int addr_rc;			/* 1: not read yet; 0 or -errno */
	struct in_addr addr;
	UT_hash_handle hh;
};

struct if_cache {
	struct if_entry *head;
	int fd;				/* an AF_INET socket for the ioctls */
};

static int if_cache_init(struct if_cache *c)
{
	c->head = NULL;
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return c->fd < 0 ? -errno : 0;
}

static void if_cache_exit(struct if_cache *c)
{
	struct if_entry *e, *tmp;

	HASH_ITER(hh, c->head, e, tmp) {
		HASH_DEL(c->head, e);
		free(e);
	}
	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd = -1;
}

/* An interface's index now, or 0 if it does not exist; -errno if the lookup failed. */
static long lookup_ifindex(int fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= sizeof(ifr.ifr_name))
		return 0;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		return errno == ENODEV || errno == ENXIO ? 0 : -errno;
	return ifr.ifr_ifindex;
}

/* The entry for name, looked up now if it is not cached yet; NULL when out of memory. */
static struct if_entry *if_cache_get(struct if_cache *c, const char *name)
{
	struct if_entry *e;
	size_t len = strlen(name);

	HASH_FIND(hh, c->head, name, len, e);
	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	(void)snprintf(e->name, sizeof(e->name), "%s", name);
	e->index = lookup_ifindex(c->fd, name);
	e->addr_rc = 1;
	HASH_ADD(hh, c->head, name[0], strlen(e->name), e);
	if (!e->hh.tbl) {
		free(e);
		return NULL;
	}
	return e;
}

/* "rules[i].input.interface" (out == SIZE_MAX) or "rules[i].outputs[out].interface". */
static const char *ifname_path(char *buf, size_t cap, size_t i, size_t out)
{
	if (out == SIZE_MAX)
		(void)snprintf(buf, cap, "rules[%zu].input.interface", i);
	else
		(void)snprintf(buf, cap, "rules[%zu].outputs[%zu].interface", i, out);
	return buf;
}

/*
 * An interface that does not exist (yet) is not an error: its rules wait
 * for it with ifindex 0, and the supervisor resolves again when it appears.
 * The field's path (rule i, output out) is only spelled out for an error.
 */
static int resolve_ifname(struct if_cache *c, const char *name, unsigned int *ret, size_t i,
			  size_t out, struct config_error *err)
{
	struct if_entry *e = if_cache_get(c, name);
	char path[PATH_MAX_LEN];

	if (!e)
		return config_fail(err, -ENOMEM, "%s: out of memory",
				   ifname_path(path, sizeof(path), i, out));
	if (e->index < 0)
		return config_fail(err, (int)e->index, "%s: cannot look up \"%s\": %s",
				   ifname_path(path, sizeof(path), i, out), name,
				   strerror((int)-e->index));
	*ret = (unsigned int)e->index;
	return 0;
}

int config_check_output_source(const struct mcr_rule *rule, size_t rule_index, size_t out,
			       struct in_addr ifaddr, struct config_error *err)
{
	const struct mcr_output *o = &rule->outputs[out];

	/* IPv6 always has a link-local address to send from. */
	if (o->source_mode != SOURCE_RELAY || addr_ip_is_v6(&o->group) ||
	    !addr_ip_is_multicast(&o->group) || ifaddr.s_addr != htonl(INADDR_ANY))
		return 0;
	return config_fail(err, -EADDRNOTAVAIL,
			   "rules[%zu] (\"%s\").outputs[%zu]: interface \"%s\" has no IPv4 address "
			   "to send from; give it one, or set the output's \"source\" to an address "
			   "or to \"keep\"",
			   rule_index, rule->name, out, o->ifname);
}

/*
 * The primary IPv4 address of interface @name (INADDR_ANY when it has none)
 * into *ret, read once per resolution.
 */
static int iface_ipv4(struct if_cache *c, const char *name, struct in_addr *ret)
{
	struct if_entry *e = if_cache_get(c, name);
	struct sockaddr_in sin;
	struct ifreq ifr;

	if (!e)
		return -ENOMEM;
	if (e->addr_rc == 1) {
		memset(&ifr, 0, sizeof(ifr));
		(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		ifr.ifr_addr.sa_family = AF_INET;
		e->addr.s_addr = htonl(INADDR_ANY);
		e->addr_rc = 0;
		if (ioctl(c->fd, SIOCGIFADDR, &ifr) < 0) {
			e->addr_rc = errno == EADDRNOTAVAIL ? 0 : -errno;
		} else {
			memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
			e->addr = sin.sin_addr;
		}
	}
	*ret = e->addr;
	return e->addr_rc;
}

/* An output's interface name, index and source address; fills in what it inherits. */
static int resolve_output(struct mcr_rule *r, size_t i, size_t j, struct if_cache *c,
			  struct config_error *err)
{
	struct mcr_output *o = &r->outputs[j];
	char path[PATH_MAX_LEN];
	struct in_addr ifaddr;
	int rc;

	rc = resolve_ifname(c, o->ifname, &o->ifindex, i, j, err);
	if (rc < 0)
		return rc;
	if (!addr_ip_is_set(&o->group))
		o->group = r->in_group;
	if (o->port == 0)
		o->port = r->in_port;
	/*
	 * With an any-port input, every port the output could use is
	 * received again.  Names compare before they exist; indexes
	 * catch an alternative name of the same interface.
	 */
	if ((strcmp(o->ifname, r->in_ifname) == 0 ||
	     (o->ifindex != 0 && o->ifindex == r->in_ifindex)) &&
	    addr_ip_equal(&o->group, &r->in_group) && (r->in_port == 0 || o->port == r->in_port))
		return config_fail(err, -EINVAL,
				   "rules[%zu].outputs[%zu]: same interface, group and port as the input (it would relay the stream onto itself)",
				   i, j);
	/* An interface that does not exist yet has no address to check: the rule waits. */
	if (o->ifindex == 0 || o->source_mode != SOURCE_RELAY || addr_ip_is_v6(&o->group) ||
	    !addr_ip_is_multicast(&o->group))
		return 0;
	rc = iface_ipv4(c, o->ifname, &ifaddr);
	if (rc < 0)
		return config_fail(err, rc, "%s: cannot read the IPv4 address of \"%s\": %s",
				   ifname_path(path, sizeof(path), i, j), o->ifname, strerror(-rc));
	return config_check_output_source(r, i, j, ifaddr, err);
}

/*
 * A rule relays one family: mcrd does not translate between IPv4 and IPv6,
 * so a source or output of the other family than the input group is a
 * mistake, named here with both values.
 */
static int check_one_family(const struct mcr_rule *r, size_t i, const char *what,
			    const struct mcr_addr *a, struct config_error *err)
{
	char g[ADDR_IP_STR_MAX], v[ADDR_IP_STR_MAX];

	if (!addr_ip_is_set(a) || a->family == r->in_group.family)
		return 0;
	return config_fail(err, -EINVAL,
			   "rules[%zu] (\"%s\"): the input group %s is %s but %s %s is %s; a rule "
			   "relays one family, so write both in %s",
			   i, r->name, addr_ip_fmt(&r->in_group, g), addr_ip_family_name(&r->in_group),
			   what, addr_ip_fmt(a, v), addr_ip_family_name(a),
			   addr_ip_family_name(&r->in_group));
}

static int check_families(const struct mcr_rule *r, size_t i, struct config_error *err)
{
	char what[64];
	int rc = check_one_family(r, i, "the input source", &r->in_source, err);

	for (size_t j = 0; rc == 0 && j < r->n_outputs; j++) {
		const struct mcr_output *o = &r->outputs[j];

		(void)snprintf(what, sizeof(what), "outputs[%zu]'s group", j);
		rc = check_one_family(r, i, what, &o->group, err);
		if (rc == 0 && o->source_mode == SOURCE_ADDR) {
			(void)snprintf(what, sizeof(what), "outputs[%zu]'s source", j);
			rc = check_one_family(r, i, what, &o->source, err);
		}
	}
	return rc;
}

static int resolve_rule(struct mcr_rule *r, size_t i, struct if_cache *c,
			struct config_error *err)
{
	int rc = check_families(r, i, err);

	if (rc == 0)
		rc = resolve_ifname(c, r->in_ifname, &r->in_ifindex, i, SIZE_MAX, err);
	for (size_t j = 0; rc == 0 && j < r->n_outputs; j++)
		rc = resolve_output(r, i, j, c, err);
	return rc;
}

/*
 * Two outputs of one rule to the same interface, group and port would send
 * every packet twice onto one segment: a typo, never a wish.  Run after
 * resolve_rule(), once outputs have inherited the input's group and port.
 */
static int check_duplicate_outputs(const struct mcr_rule *r, size_t i, struct config_error *err)
{
	char g[ADDR_IP_STR_MAX];

	for (size_t j = 1; j < r->n_outputs; j++) {
		const struct mcr_output *o = &r->outputs[j];

		for (size_t k = 0; k < j; k++) {
			const struct mcr_output *p = &r->outputs[k];

			if (strcmp(o->ifname, p->ifname) != 0 ||
			    !addr_ip_equal(&o->group, &p->group) || o->port != p->port)
				continue;
			return config_fail(err, -EINVAL,
					   "rules[%zu].outputs[%zu]: same interface, group and port as outputs[%zu] (%s, %s) in rule \"%s\": every packet would be sent twice; remove one",
					   i, j, k, o->ifname, addr_ip_fmt_port(&o->group, o->port, g),
					   r->name);
		}
	}
	return 0;
}

/* An input key by interface name: rules waiting for an interface have no index yet. */
struct input_key {
	char ifname[IF_NAMESIZE];
	struct mcr_addr group;
	struct mcr_addr source;
	uint16_t port;
	uint16_t vlan;
};

/* No two rules may take the same input (interface, group, port, source, VLAN). */
static int check_inputs(const struct mcr_config *cfg, struct config_error *err)
{
	struct input_key *keys;
	size_t i, old;
	int rc;

	keys = calloc(cfg->n_rules ? cfg->n_rules : 1, sizeof(*keys));
	if (!keys)
		return config_fail(err, -ENOMEM, "rules: out of memory");
	for (i = 0; i < cfg->n_rules; i++) {
		const struct mcr_rule *r = &cfg->rules[i];
		struct input_key *k = &keys[i];

		/* calloc zeroed the key's padding and the name's tail. */
		(void)snprintf(k->ifname, sizeof(k->ifname), "%s", r->in_ifname);
		k->group = r->in_group;
		k->source = r->in_source;
		k->port = r->in_port;
		k->vlan = r->in_vlan;
	}
	rc = find_duplicate(keys, cfg->n_rules, sizeof(*keys), &i, &old);
	free(keys);
	if (rc == -ENOMEM)
		return config_fail(err, -ENOMEM, "rules: out of memory");
	if (rc > 0)
		return config_fail(err, -EINVAL,
				   "rules[%zu].input: same interface/group/port/source as rules[%zu] (\"%s\")",
				   i, old, cfg->rules[old].name);
	return 0;
}

int config_resolve(struct mcr_config *cfg, struct config_error *err)
{
	struct if_cache c;
	int rc;

	if (cfg->n_rules == 0)
		return 0;
	rc = resolve_names(cfg, err);
	if (rc < 0)
		return rc;
	rc = if_cache_init(&c);
	if (rc < 0)
		return config_fail(err, rc, "cannot open a socket to query interfaces: %s",
				   strerror(-rc));
	for (size_t i = 0; i < cfg->n_rules && rc == 0; i++) {
		rc = resolve_rule(&cfg->rules[i], i, &c, err);
		if (rc == 0)
			rc = check_duplicate_outputs(&cfg->rules[i], i, err);
	}
	if_cache_exit(&c);
	if (rc == 0)
		rc = config_check_when(cfg, err);
	if (rc < 0)
		return rc;
	return check_inputs(cfg, err);
}

/* Index of name (0: missing) into *ret, unless the lookup fails: then rc's first error. */
static void relookup(struct if_cache *c, const char *name, unsigned int *ret, int *rc)
{
	struct if_entry *e = if_cache_get(c, name);
	long idx = e ? e->index : -ENOMEM;

	if (idx >= 0)
		*ret = (unsigned int)idx;
	else if (*rc == 0)
		*rc = (int)idx;
}

int config_resolve_interfaces(struct mcr_config *cfg)
{
	struct if_cache c;
	int rc = if_cache_init(&c);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cfg->n_rules; i++) {
		struct mcr_rule *r = &cfg->rules[i];

		relookup(&c, r->in_ifname, &r->in_ifindex, &rc);
		for (size_t j = 0; j < r->n_outputs; j++)
			relookup(&c, r->outputs[j].ifname, &r->outputs[j].ifindex, &rc);
	}
	if_cache_exit(&c);
	return rc;
}

const char *config_rule_waiting_for(const struct mcr_rule *r)
{
	if (r->in_ifindex == 0)
		return r->in_ifname;
	for (size_t j = 0; j < r->n_outputs; j++)
		if (r->outputs[j].ifindex == 0)
			return r->outputs[j].ifname;
	return NULL;
}

size_t config_drop_waiting(struct mcr_config *cfg)
{
	size_t kept = 0, n = cfg->n_rules;

	for (size_t i = 0; i < n; i++) {
		if (config_rule_waiting_for(&cfg->rules[i])) {
			config_rule_clear(&cfg->rules[i]);
			continue;
		}
		if (kept != i)
			cfg->rules[kept] = cfg->rules[i];
		kept++;
	}
	cfg->n_rules = kept;
	return n - kept;
}
