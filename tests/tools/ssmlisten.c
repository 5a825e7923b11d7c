// SPDX-License-Identifier: MIT
/*
 * ssmlisten: a real source-filtered listener for the e2e tests.  One UDP
 * socket on one interface either joins (S, G) for each --source
 * (MCAST_JOIN_SOURCE_GROUP: INCLUDE mode, the host's kernel sends an
 * IGMPv3 or MLDv2 ALLOW) or joins G and blocks each --block source
 * (MCAST_JOIN_GROUP then MCAST_BLOCK_SOURCE: EXCLUDE mode).  It counts the
 * datagrams it receives, and from which sender, until --duration runs out
 * or SIGTERM, then closes the socket (the kernel sends the BLOCK or TO_IN)
 * and prints {"received": N, "from": {"ADDR": N, ...}}.  Bounded: at most
 * 30 s, 8 sources and 8 distinct senders.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SSM_MAX_SOURCES		8
#define SSM_MAX_SENDERS		8
#define SSM_MAX_DURATION_S	30

struct opts {
	const char *ifname, *ready;
	unsigned int ifindex;
	struct sockaddr_storage group;
	struct sockaddr_storage sources[SSM_MAX_SOURCES];
	size_t n_sources;
	bool is_block;			/* EXCLUDE mode: the sources are blocked */
	uint16_t port;
	unsigned long duration_s;
};

struct sender {
	char addr[INET6_ADDRSTRLEN];
	unsigned long n;
};

static volatile sig_atomic_t is_stopping;

static void on_signal(int sig)
{
	(void)sig;
	is_stopping = 1;
}

static int parse_addr(const char *s, struct sockaddr_storage *ret)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ret;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;

	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "group", required_argument, NULL, 'g' },
		{ "port", required_argument, NULL, 'p' },
		{ "source", required_argument, NULL, 's' },
		{ "block", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .duration_s = 10 };
	while ((c = getopt_long(argc, argv, "i:g:p:s:b:d:r:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'g':
			if (parse_addr(optarg, &o->group) < 0)
				return -EINVAL;
			break;
		case 'p':
			o->port = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
		case 'b':
			if (o->n_sources == SSM_MAX_SOURCES ||
			    parse_addr(optarg, &o->sources[o->n_sources++]) < 0)
				return -EINVAL;
			o->is_block = c == 'b';
			break;
		case 'd':
			o->duration_s = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			o->ready = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!o->ifname || !o->group.ss_family || !o->port || !o->n_sources ||
	    o->duration_s < 1 || o->duration_s > SSM_MAX_DURATION_S)
		return -EINVAL;
	for (size_t i = 0; i < o->n_sources; i++)
		if (o->sources[i].ss_family != o->group.ss_family)
			return -EINVAL;
	o->ifindex = if_nametoindex(o->ifname);
	return o->ifindex ? 0 : -ENODEV;
}

static int open_socket(const struct opts *o)
{
	struct sockaddr_storage bind_to = { .ss_family = o->group.ss_family };
	int level = o->group.ss_family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, one = 1, fd;
	socklen_t len = o->group.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							sizeof(struct sockaddr_in6);

	/* The port is at the same offset in both families. */
	((struct sockaddr_in *)&bind_to)->sin_port = htons(o->port);
	fd = socket(o->group.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&bind_to, len) < 0) {
		perror("ssmlisten: socket");
		return -1;
	}
	if (o->is_block) {
		struct group_req gr = { .gr_interface = o->ifindex, .gr_group = o->group };

		if (setsockopt(fd, level, MCAST_JOIN_GROUP, &gr, sizeof(gr)) < 0) {
			perror("ssmlisten: MCAST_JOIN_GROUP");
			return -1;
		}
	}
	for (size_t i = 0; i < o->n_sources; i++) {
		struct group_source_req gsr = { .gsr_interface = o->ifindex, .gsr_group = o->group,
						.gsr_source = o->sources[i] };

		if (setsockopt(fd, level, o->is_block ? MCAST_BLOCK_SOURCE : MCAST_JOIN_SOURCE_GROUP,
			       &gsr, sizeof(gsr)) < 0) {
			perror(o->is_block ? "ssmlisten: MCAST_BLOCK_SOURCE" :
					     "ssmlisten: MCAST_JOIN_SOURCE_GROUP");
			return -1;
		}
	}
	return fd;
}

static void count(struct sender *senders, size_t *n, const struct sockaddr_storage *from)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	const void *a = from->ss_family == AF_INET ?
		(const void *)&((const struct sockaddr_in *)from)->sin_addr :
		(const void *)&((const struct sockaddr_in6 *)from)->sin6_addr;

	(void)inet_ntop(from->ss_family, a, addr, sizeof(addr));
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp(senders[i].addr, addr)) {
			senders[i].n++;
			return;
		}
	}
	if (*n == SSM_MAX_SENDERS)
		return;
	(void)snprintf(senders[*n].addr, sizeof(senders[*n].addr), "%s", addr);
	senders[(*n)++].n = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sender senders[SSM_MAX_SENDERS];
	size_t n_senders = 0;
	unsigned long received = 0;
	uint64_t end;
	struct opts o;
	FILE *f;
	int fd;

	if (parse_opts(argc, argv, &o) < 0) {
		(void)fprintf(stderr, "Usage: ssmlisten -i IFACE -g GROUP -p PORT (-s SOURCE... | "
				      "-b SOURCE...) [-d SECONDS (1-30)] [-r READY_FILE]\n");
		return 2;
	}
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) {
		perror("ssmlisten: sigaction");
		return 1;
	}
	fd = open_socket(&o);
	if (fd < 0)
		return 1;
	if (o.ready) {
		f = fopen(o.ready, "w");
		if (!f || fclose(f) != 0) {
			perror("ssmlisten: ready file");
			return 1;
		}
	}
	end = now_ms() + o.duration_s * 1000;
	while (!is_stopping && now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_storage from;
		socklen_t from_len = sizeof(from);
		char buf[2048];

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &from_len) < 0)
			continue;
		received++;
		count(senders, &n_senders, &from);
	}
	(void)close(fd);
	(void)printf("{\"received\": %lu, \"from\": {", received);
	for (size_t i = 0; i < n_senders; i++)
		(void)printf("%s\"%s\": %lu", i ? ", " : "", senders[i].addr, senders[i].n);
	(void)printf("}}\n");
	return 0;
}
