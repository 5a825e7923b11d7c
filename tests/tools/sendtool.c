// SPDX-License-Identifier: MIT
/* The command line and send loop of igmpsend and mldsend; see sendtool.h. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sendtool.h"

/* Sends are paced at most this far apart. */
#define SENDTOOL_MAX_INTERVAL_MS	10000

void sendtool_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int sendtool_usage(const struct sendtool *t, FILE *f, int rc)
{
	(void)fprintf(f, "Usage: %s %s\nKIND:", t->prog, t->synopsis);
	for (int k = 0; k < t->n_kinds; k++)
		(void)fprintf(f, " %s", t->kinds[k]);
	(void)fprintf(f, "\n");
	return rc;
}

static int find_kind(const struct sendtool *t, const char *name)
{
	for (int k = 0; k < t->n_kinds; k++)
		if (!strcmp(name, t->kinds[k]))
			return k;
	return -1;
}

int sendtool_parse(struct sendtool *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "src", required_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "source", required_argument, NULL, 'S' },
		{ "kind", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'c' },
		{ "interval-ms", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	t->ifname = t->src = t->group = t->source = NULL;
	t->kind = -1;
	t->count = 1;
	t->interval_ms = 10;
	while ((c = getopt_long(argc, argv, "i:s:g:S:k:c:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			t->ifname = optarg;
			break;
		case 's':
			t->src = optarg;
			break;
		case 'g':
			t->group = optarg;
			break;
		case 'S':
			t->source = optarg;
			break;
		case 'k':
			t->kind = find_kind(t, optarg);
			break;
		case 'c':
			t->count = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			t->interval_ms = strtoul(optarg, NULL, 10);
			break;
		default:
			return -EINVAL;
		}
	}
	if (!t->ifname || !t->src || t->kind < 0 || t->count < 1 || t->count > t->max_count ||
	    t->interval_ms > SENDTOOL_MAX_INTERVAL_MS)
		return -EINVAL;
	return 0;
}

int sendtool_send(const struct sendtool *t, int fd, const void *pkt, size_t len,
		  const struct sockaddr_ll *sll)
{
	for (unsigned long i = 0; i < t->count; i++) {
		struct timespec ts = { (time_t)(t->interval_ms / 1000),
				       (long)(t->interval_ms % 1000) * 1000000L };

		if (sendto(fd, pkt, len, 0, (const struct sockaddr *)sll, sizeof(*sll)) < 0) {
			(void)fprintf(stderr, "%s: sendto: %s\n", t->prog, strerror(errno));
			return 1;
		}
		if (i + 1 < t->count)
			(void)nanosleep(&ts, NULL);
	}
	(void)close(fd);
	(void)printf("%s: %lu %s packet%s sent on %s\n", t->prog, t->count, t->kinds[t->kind],
		     t->count == 1 ? "" : "s", t->ifname);
	return 0;
}
