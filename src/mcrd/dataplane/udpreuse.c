// SPDX-License-Identifier: MIT
/* UDP sockets carried over a rule change; see udpreuse.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Report an allocation failure instead of exiting. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#include "mcrd/dataplane/udpreuse.h"

_Static_assert(sizeof(struct udp_key) == 56, "udp_key must have no padding");

struct reuse_entry {
	struct udp_key key;
	int fd;
	UT_hash_handle hh;
};

struct udp_reuse {
	struct reuse_entry *head;
	struct reuse_entry *entries;	/* one array; the hash points into it */
};

struct udp_key udp_key_make(const struct mcr_output *o, int sndbuf)
{
	struct udp_key k;

	memset(&k, 0, sizeof(k));
	k.ifindex = o->ifindex;
	k.group = o->group;
	if (o->source_mode == SOURCE_ADDR)
		k.source = o->source;
	k.sndbuf = sndbuf;
	k.port = o->port;
	k.ttl_mode = (uint8_t)o->ttl_mode;
	k.ttl = o->ttl_mode == TTL_SET ? o->ttl : 0;
	k.source_mode = (uint8_t)o->source_mode;
	return k;
}

static bool is_zero(const struct udp_key *k)
{
	static const struct udp_key zero;

	return memcmp(k, &zero, sizeof(zero)) == 0;
}

int udp_reuse_new(const struct udp_key *keys, const int *fds, size_t n,
		  struct udp_reuse **ret)
{
	struct udp_reuse *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->entries = calloc(n ? n : 1, sizeof(*r->entries));
	if (!r->entries) {
		free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct reuse_entry *e = &r->entries[i], *old;

		if (is_zero(&keys[i]))
			continue;
		/* Of alike keys only the first is offered: the others' outputs open their own. */
		HASH_FIND(hh, r->head, &keys[i], sizeof(keys[i]), old);
		e->key = keys[i];
		e->fd = fds[i];
		if (old)
			continue;
		HASH_ADD(hh, r->head, key, sizeof(e->key), e);
		if (!e->hh.tbl) {
			udp_reuse_free(r);
			return -ENOMEM;
		}
	}
	*ret = r;
	return 0;
}

int udp_reuse_take(struct udp_reuse *r, const struct udp_key *k)
{
	struct reuse_entry *e;
	int fd;

	HASH_FIND(hh, r->head, k, sizeof(*k), e);
	if (!e)
		return -1;
	fd = e->fd;
	HASH_DEL(r->head, e);
	e->fd = -1;
	return fd;
}

void udp_reuse_free(struct udp_reuse *r)
{
	if (!r)
		return;
	HASH_CLEAR(hh, r->head);
	free(r->entries);
	free(r);
}
