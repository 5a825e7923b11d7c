/* SPDX-License-Identifier: MIT */
/*
 * What the test tools igmpsend and mldsend share: the command line
 * (-i IFACE, --src, --group, --source, --kind, -c, --interval-ms), the
 * usage text, and the capped, paced send loop on an AF_PACKET socket.
 * Each tool builds its own packets and reads the address texts in its
 * own family.
 */
#ifndef MCR_SENDTOOL_H
#define MCR_SENDTOOL_H

#include <linux/if_packet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sendtool {
	/* Set by the tool. */
	const char *prog;		/* "igmpsend" */
	const char *synopsis;		/* the usage line's options */
	const char *const *kinds;	/* [n_kinds] */
	int n_kinds;
	unsigned long max_count;
	/* From the command line: texts, NULL when not given. */
	const char *ifname, *src, *group, *source;
	int kind;			/* index in kinds, -1 when none */
	unsigned long count, interval_ms;
};

/* Read argv into t (the tool's fields set first); 0, or -EINVAL for a bad line. */
int sendtool_parse(struct sendtool *t, int argc, char **argv);

/* The usage text into f; returns rc. */
int sendtool_usage(const struct sendtool *t, FILE *f, int rc);

/*
 * Send pkt[0..len) t->count times, t->interval_ms apart, on fd to sll,
 * then say so on stdout.  Returns the exit status: 0, or 1 after perror.
 */
int sendtool_send(const struct sendtool *t, int fd, const void *pkt, size_t len,
		  const struct sockaddr_ll *sll);

/* Big-endian 16 bits at p. */
void sendtool_put16(uint8_t *p, uint16_t v);

#endif
