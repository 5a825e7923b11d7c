/* SPDX-License-Identifier: MIT */
/*
 * UDP sockets that a rule change carries over.  A UDP output's socket is
 * set up from a few of the output's fields (interface, destination, TTL,
 * source) and the send buffer setting; a new generation whose output has
 * the same ones takes a duplicate of the socket the generation in force
 * has, instead of opening and setting up one of its own.  A change then
 * costs the worker system calls for the outputs it changed (and a dup()
 * for each other one), not five or six for every output of every rule.
 *
 * The table is built from the keys of the generation in force; each socket
 * is taken at most once, so two outputs that happen to look alike still
 * get a socket each, as they would have without it.
 */
#ifndef MCR_UDPREUSE_H
#define MCR_UDPREUSE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* What a UDP output's socket was set up with; all zero for an l2 output. */
struct udp_key {
	uint32_t ifindex;
	struct mcr_addr group;	/* IPv4 or IPv6: padding-free, compared as bytes */
	struct mcr_addr source;	/* "source": an address; else zero */
	int32_t sndbuf;		/* the so_sndbuf setting */
	uint16_t port;
	uint8_t ttl_mode;
	uint8_t ttl;
	uint8_t source_mode;
	uint8_t pad[3];		/* always 0: keys are compared as bytes */
};

struct udp_reuse;

/* The key of output o's socket with send buffer setting sndbuf. */
struct udp_key udp_key_make(const struct mcr_output *o, int sndbuf);

/*
 * Index n keys (all-zero ones are skipped) with the socket each stands
 * for, fds[i].  Returns 0 or -ENOMEM.
 */
int udp_reuse_new(const struct udp_key *keys, const int *fds, size_t n,
		  struct udp_reuse **ret);
/* The socket of a key equal to k, not taken before, or -1. */
int udp_reuse_take(struct udp_reuse *r, const struct udp_key *k);
/* NULL is a no-op. */
void udp_reuse_free(struct udp_reuse *r);

#endif
