// SPDX-License-Identifier: MIT
/*
 * mcrsink: the receiving end of mcrgen.  It opens one UDP socket per
 * listener (interface, group, port), counts what arrives per listener and
 * per stream id found in the payload (received, unique, duplicates,
 * reordered, loss) and measures one-way latency from the payload's send
 * time.  Every run is bounded by -d; it can also stop once all expected
 * packets are in, after a quiet period, or on SIGINT/SIGTERM, and reports
 * in every case.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(elt) ((elt)->is_oom = true)
#include <uthash.h>

#include "common/addr.h"
#include "common/payload.h"
#include "common/util.h"
#include "tools/histogram.h"
#include "tools/toolopt.h"

#define SINK_MAX_LISTENERS	4096u
#define SINK_MAX_COUNT		10000000000ULL
#define SINK_BATCH		64u
/* Only the payload header is read, so longer datagrams may be truncated. */
#define SINK_BUF_LEN		64u
/* Batches taken from one socket per wake-up, so one busy listener cannot starve the others. */
#define SINK_DRAIN_ROUNDS	8u
#define SINK_RCVBUF		(8 * 1024 * 1024)
#define SINK_EPOLL_EVENTS	64
#define SINK_SIGNAL_TAG		UINT64_MAX
/* Stream ids tracked per listener and in all; more count as malformed. */
#define SINK_MAX_STREAMS	4096u
#define SINK_MAX_STREAMS_TOTAL	65536u

/*
 * Duplicate detection: a bitmap of seen sequence numbers per stream, in 4 KiB
 * chunks allocated on first use under a directory that grows by doubling,
 * so a stray high sequence number costs one chunk rather than everything
 * below it.  Sequence numbers from SEQMAP_LIMIT on, and any that would take
 * the bitmaps of all streams past SEQMAP_BUDGET, are counted as unique
 * without a check.
 */
#define SEQMAP_CHUNK_SHIFT	15
#define SEQMAP_CHUNK_BITS	(1ULL << SEQMAP_CHUNK_SHIFT)
#define SEQMAP_CHUNK_BYTES	(SEQMAP_CHUNK_BITS / 8)
#define SEQMAP_LIMIT		(1ULL << 32)
#define SEQMAP_MAX_CHUNKS	(SEQMAP_LIMIT >> SEQMAP_CHUNK_SHIFT)
#define SEQMAP_BUDGET		(512ULL * 1024 * 1024)

struct seqmap {
	uint64_t **chunks;	/* directory; NULL entries are chunks never touched */
	size_t nchunks;
};

struct sink_stream {
	uint32_t id;
	bool is_expected;	/* assigned to its listener, reported even when silent */
	bool is_oom;		/* set by uthash when it could not index this entry */
	uint64_t received;
	uint64_t unique;
	uint64_t unique_in_count;	/* unique with seq < --count */
	uint64_t dups;
	uint64_t reordered;
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t max_seq;
	struct seqmap seen;
	UT_hash_handle hh;
};

struct sink_listener {
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	struct mcr_addr group;		/* IPv4 or IPv6 */
	uint16_t port;
	uint32_t stream;		/* the stream id it expects */
	int fd;
	uint64_t malformed;
	unsigned int nstreams;
	struct sink_stream *streams;	/* uthash head, owned */
	struct sink_stream *last;	/* lookup cache: usually the only stream */
};

struct sink_opts {
	struct sink_listener *listeners;	/* owned by main */
	unsigned int nlisteners;
	uint32_t streams;
	enum toolopt_step step;
	uint64_t duration_ns;
	uint64_t count;
	uint64_t idle_ns;
	const char *ready_file;
	bool json;
	bool quiet;
};

struct sink {
	struct sink_opts *opts;
	struct sink_listener *ls;
	unsigned int nls;
	int epfd;
	int sigfd;
	struct histogram *latency;
	uint8_t bufs[SINK_BATCH][SINK_BUF_LEN];
	struct iovec iovs[SINK_BATCH];
	struct mmsghdr msgs[SINK_BATCH];
	uint64_t map_bytes;		/* all seqmaps together, against SEQMAP_BUDGET */
	unsigned int nstreams_total;
	uint64_t pending;		/* streams short of --count packets */
	uint64_t last_rx_ns;		/* CLOCK_MONOTONIC; 0 until the first datagram */
	uint64_t start_ns;
	uint64_t end_ns;
	bool recv_error_reported;
	bool no_pwait2;			/* kernel (or valgrind) lacks epoll_pwait2() */
};

static void usage(FILE *out)
{
	(void)fprintf(out,
		"Usage: mcrsink -j IFACE,GROUP:PORT [-j ...] -d DURATION [OPTION]...\n"
		"Receive mcrgen test packets and count loss, duplicates, reordering and latency.\n"
		"\n"
		"  -j, --join IFACE,GROUP:PORT  listen for GROUP:PORT on IFACE; GROUP may be a\n"
		"                               local unicast address, or IPv6 in brackets:\n"
		"                               [ff3e::1]:5000 (repeatable, at least one)\n"
		"  -n, --streams N              each -j listens to N streams: listener k takes\n"
		"                               PORT+k or GROUP+k and expects stream id k (default 1)\n"
		"      --step port|group        how the streams of -n are addressed (default port)\n"
		"  -d, --duration DUR           stop after DUR: 5, 2.5s, 500ms, 1m (required, max 24h)\n"
		"      --count N                packets expected per stream per listener; stop when all\n"
		"                               are in, exit 1 if any is lost (default: not set)\n"
		"      --idle-exit DUR          stop after DUR without packets, once one has arrived\n"
		"      --ready-file PATH        create PATH when every socket is bound and joined\n"
		"      --json                   print the report as one JSON object\n"
		"      --quiet                  do not print the human report\n"
		"  -h, --help                   show this help and exit\n"
		"  -V, --version                show the version and exit\n"
		"\n"
		"At most %u listeners in all.  Exit status: 0 done, 1 --count given and packets lost,\n"
		"2 bad options or the sockets could not be set up.\n",
		SINK_MAX_LISTENERS);
}

__attribute__((noreturn, format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
	va_list ap;

	(void)fputs("mcrsink: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputs("\nTry 'mcrsink --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}

static uint64_t parse_duration_opt(const char *name, const char *arg)
{
	uint64_t ns;

	if (toolopt_parse_duration(arg, &ns) < 0 || ns == 0 || ns > TOOLOPT_MAX_DURATION_NS)
		usage_error("invalid %s '%s': expected more than 0 and at most 24h, e.g. 5, 2.5s, 500ms",
			    name, arg);
	return ns;
}

/* "IFACE,GROUP:PORT" into a listener template for stream 0. */
static void parse_join(const char *arg, struct sink_listener *ret)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : 0;
	int r;

	*ret = (struct sink_listener){ .fd = -1 };
	if (!comma || len == 0 || len >= sizeof(ret->ifname))
		usage_error("invalid --join '%s': expected IFACE,GROUP:PORT", arg);
	memcpy(ret->ifname, arg, len);
	ret->ifname[len] = '\0';
	if (addr_ip_parse_port(comma + 1, &ret->group, &ret->port) < 0 || ret->port == 0)
		usage_error("invalid --join '%s': expected IFACE,GROUP:PORT, e.g. eth0,239.1.1.1:5000 "
			    "or eth0,[ff3e::1]:5000",
			    arg);
	if (addr_ip_is_v6(&ret->group) ? IN6_IS_ADDR_UNSPECIFIED(&ret->group.v6) :
					 (ret->group.v4.s_addr == htonl(INADDR_ANY) ||
					  ret->group.v4.s_addr == htonl(INADDR_BROADCAST)))
		usage_error("invalid --join '%s': GROUP must be a multicast group or a local unicast address",
			    arg);
	r = toolopt_iface_index(ret->ifname, &ret->ifindex);
	if (r < 0)
		usage_error("invalid --join '%s': %s '%s'", arg,
			    r == -ENODEV ? "no such interface" : "bad interface name", ret->ifname);
}

static bool listener_same(const struct sink_listener *a, const struct sink_listener *b)
{
	return a->ifindex == b->ifindex && addr_ip_equal(&a->group, &b->group) &&
	       a->port == b->port;
}

/* Expand every -j template into opts->streams listeners, each expecting stream k. */
static void expand_listeners(struct sink_opts *o, const struct sink_listener *specs,
			     unsigned int nspecs)
{
	char buf[ADDR_IP_STR_MAX];
	unsigned int n = 0;

	if ((uint64_t)nspecs * o->streams > SINK_MAX_LISTENERS)
		usage_error("%u --join x %u --streams is more than %u listeners", nspecs,
			    o->streams, SINK_MAX_LISTENERS);
	o->listeners = calloc((size_t)nspecs * o->streams, sizeof(*o->listeners));
	if (!o->listeners) {
		(void)fprintf(stderr, "mcrsink: out of memory\n");
		exit(EXIT_USAGE);
	}
	for (unsigned int i = 0; i < nspecs; i++) {
		for (uint32_t k = 0; k < o->streams; k++) {
			struct sink_listener *l = &o->listeners[n];

			*l = specs[i];
			l->stream = k;
			if (toolopt_stream_ip(&specs[i].group, specs[i].port, o->step, k, &l->group,
					      &l->port) < 0)
				usage_error("%u streams with --step %s starting at %s run out of %s",
					    o->streams, toolopt_step_name(o->step),
					    addr_ip_fmt_port(&specs[i].group, specs[i].port, buf),
					    o->step == TOOLOPT_STEP_PORT ? "ports" : "addresses");
			for (unsigned int j = 0; j < n; j++) {
				if (listener_same(&o->listeners[j], l))
					usage_error("listener %s,%s is given twice", l->ifname,
						    addr_ip_fmt_port(&l->group, l->port, buf));
			}
			n++;
		}
	}
	o->nlisteners = n;
}

enum {
	OPT_STEP = 0x100,
	OPT_COUNT,
	OPT_IDLE_EXIT,
	OPT_READY_FILE,
	OPT_JSON,
	OPT_QUIET,
};

static void parse_args(int argc, char **argv, struct sink_opts *o)
{
	static const struct option longopts[] = {
		{ "join", required_argument, NULL, 'j' },
		{ "streams", required_argument, NULL, 'n' },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "idle-exit", required_argument, NULL, OPT_IDLE_EXIT },
		{ "ready-file", required_argument, NULL, OPT_READY_FILE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sink_listener *specs = NULL;
	unsigned int nspecs = 0, cap = 0;
	uint64_t v;
	int c;

	*o = (struct sink_opts){ .streams = 1, .step = TOOLOPT_STEP_PORT };
	while ((c = getopt_long(argc, argv, "j:n:d:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (nspecs == SINK_MAX_LISTENERS)
				usage_error("more than %u --join options", SINK_MAX_LISTENERS);
			if (nspecs == cap) {
				cap = cap ? 2 * cap : 16;
				specs = reallocarray(specs, cap, sizeof(*specs));
				if (!specs) {
					(void)fputs("mcrsink: out of memory\n", stderr);
					exit(EXIT_USAGE);
				}
			}
			parse_join(optarg, &specs[nspecs++]);
			break;
		case 'n':
			if (toolopt_parse_u64(optarg, 1, TOOLOPT_MAX_STREAMS, &v) < 0)
				usage_error("invalid --streams '%s': expected an integer from 1 to %u",
					    optarg, TOOLOPT_MAX_STREAMS);
			o->streams = (uint32_t)v;
			break;
		case OPT_STEP:
			if (toolopt_parse_step(optarg, &o->step) < 0)
				usage_error("invalid --step '%s': expected 'port' or 'group'", optarg);
			break;
		case 'd':
			o->duration_ns = parse_duration_opt("--duration", optarg);
			break;
		case OPT_COUNT:
			if (toolopt_parse_u64(optarg, 1, SINK_MAX_COUNT, &o->count) < 0)
				usage_error("invalid --count '%s': expected an integer from 1 to %llu",
					    optarg, SINK_MAX_COUNT);
			break;
		case OPT_IDLE_EXIT:
			o->idle_ns = parse_duration_opt("--idle-exit", optarg);
			break;
		case OPT_READY_FILE:
			if (!*optarg)
				usage_error("invalid --ready-file: empty path");
			o->ready_file = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		case 'V':
			(void)printf("mcrsink %s\n", MCR_VERSION);
			exit(EXIT_SUCCESS);
		default:
			(void)fputs("Try 'mcrsink --help' for more information.\n", stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (nspecs == 0)
		usage_error("missing -j/--join IFACE,GROUP:PORT");
	if (o->duration_ns == 0)
		usage_error("missing -d/--duration (the run must be bounded)");
	expand_listeners(o, specs, nspecs);
	free(specs);
}

/* Returns 1 when @seq was seen before, 0 when it is new, <0 when it cannot be tracked. */
static int seqmap_test_and_set(struct seqmap *m, uint64_t seq, uint64_t *budget_used)
{
	size_t ci = (size_t)(seq >> SEQMAP_CHUNK_SHIFT);
	uint64_t bit = 1ULL << (seq & 63), *word;

	if (seq >= SEQMAP_LIMIT)
		return -ERANGE;
	if (ci >= m->nchunks) {
		size_t n = m->nchunks ? m->nchunks : 1;
		uint64_t **chunks;

		while (n <= ci)
			n *= 2;
		if (n > SEQMAP_MAX_CHUNKS)
			n = SEQMAP_MAX_CHUNKS;
		if (*budget_used + (n - m->nchunks) * sizeof(*chunks) > SEQMAP_BUDGET)
			return -ENOBUFS;
		chunks = realloc(m->chunks, n * sizeof(*chunks));
		if (!chunks)
			return -ENOMEM;
		memset(chunks + m->nchunks, 0, (n - m->nchunks) * sizeof(*chunks));
		*budget_used += (n - m->nchunks) * sizeof(*chunks);
		m->chunks = chunks;
		m->nchunks = n;
	}
	if (!m->chunks[ci]) {
		if (*budget_used + SEQMAP_CHUNK_BYTES > SEQMAP_BUDGET)
			return -ENOBUFS;
		m->chunks[ci] = calloc(1, SEQMAP_CHUNK_BYTES);
		if (!m->chunks[ci])
			return -ENOMEM;
		*budget_used += SEQMAP_CHUNK_BYTES;
	}
	word = &m->chunks[ci][(seq & (SEQMAP_CHUNK_BITS - 1)) / 64];
	if (*word & bit)
		return 1;
	*word |= bit;
	return 0;
}

static void seqmap_free(struct seqmap *m)
{
	for (size_t i = 0; i < m->nchunks; i++)
		free(m->chunks[i]);
	free(m->chunks);
}

/* The stream entry for @id on @l, created on first sight; NULL past the limits. */
static struct sink_stream *sink_stream_get(struct sink *s, struct sink_listener *l, uint32_t id)
{
	struct sink_stream *st;

	if (l->last && l->last->id == id)
		return l->last;
	HASH_FIND(hh, l->streams, &id, sizeof(id), st);
	if (st)
		return l->last = st;
	if (l->nstreams >= SINK_MAX_STREAMS || s->nstreams_total >= SINK_MAX_STREAMS_TOTAL)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->id = id;
	HASH_ADD(hh, l->streams, id, sizeof(st->id), st);
	if (st->is_oom) {
		free(st);
		return NULL;
	}
	l->nstreams++;
	s->nstreams_total++;
	/* With --count every stream a listener sees must be complete before we stop early. */
	if (s->opts->count)
		s->pending++;
	return l->last = st;
}

static void sink_account(struct sink *s, struct sink_listener *l, const uint8_t *buf, size_t len,
			 uint64_t now_rt)
{
	struct payload_hdr h;
	struct sink_stream *st;
	int seen;

	if (payload_read(buf, len, &h) < 0) {
		l->malformed++;
		return;
	}
	st = sink_stream_get(s, l, h.stream);
	if (!st) {
		l->malformed++;
		return;
	}
	if (st->received++ == 0)
		st->first_seq = h.seq;
	st->last_seq = h.seq;
	if (now_rt >= h.tx_ns)
		histogram_record(s->latency, now_rt - h.tx_ns);

	seen = seqmap_test_and_set(&st->seen, h.seq, &s->map_bytes);
	if (seen > 0) {
		st->dups++;
		return;
	}
	/* Untracked (seen < 0) counts as unique: we cannot tell. */
	if (st->unique && h.seq < st->max_seq)
		st->reordered++;
	if (st->unique == 0 || h.seq > st->max_seq)
		st->max_seq = h.seq;
	st->unique++;
	if (s->opts->count && h.seq < s->opts->count &&
	    ++st->unique_in_count == s->opts->count)
		s->pending--;
}

static uint64_t sink_stream_lost(const struct sink *s, const struct sink_stream *st)
{
	if (s->opts->count)
		return st->unique_in_count < s->opts->count ? s->opts->count - st->unique_in_count : 0;
	if (st->unique == 0 || st->max_seq == UINT64_MAX)
		return 0;
	return st->max_seq + 1 > st->unique ? st->max_seq + 1 - st->unique : 0;
}

static void sink_drain(struct sink *s, struct sink_listener *l)
{
	for (unsigned int round = 0; round < SINK_DRAIN_ROUNDS; round++) {
		int n = recvmmsg(l->fd, s->msgs, SINK_BATCH, MSG_DONTWAIT, NULL);
		uint64_t now_rt;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && !s->recv_error_reported) {
				s->recv_error_reported = true;
				(void)fprintf(stderr, "mcrsink: %s port %u: recvmmsg: %s, ignoring\n",
					      l->ifname, l->port, strerror(errno));
			}
			return;
		}
		if (n == 0)
			return;
		now_rt = realtime_ns();
		s->last_rx_ns = now_ns();
		for (int i = 0; i < n; i++)
			sink_account(s, l, s->bufs[i], s->msgs[i].msg_len, now_rt);
		if ((unsigned int)n < SINK_BATCH)
			return;
	}
}

static int setsockopt_int(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		return -errno;
	return 0;
}

/* Join an IPv4 group on l's interface; only that group's packets reach fd. */
static int sink_join_v4(int fd, const struct sink_listener *l, const char **ret_what)
{
	struct ip_mreqn mreq = { .imr_multiaddr = l->group.v4, .imr_ifindex = (int)l->ifindex };

	*ret_what = "IP_ADD_MEMBERSHIP";
	if (setsockopt(fd, SOL_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	/* Only the group we joined, not every group joined on this host. */
	*ret_what = "IP_MULTICAST_ALL";
	return setsockopt_int(fd, SOL_IP, IP_MULTICAST_ALL, 0);
}

/* The same for IPv6: an MLD report goes out for the group. */
static int sink_join_v6(int fd, const struct sink_listener *l, const char **ret_what)
{
	struct ipv6_mreq mreq = { .ipv6mr_multiaddr = l->group.v6,
				  .ipv6mr_interface = l->ifindex };

	*ret_what = "IPV6_JOIN_GROUP";
	if (setsockopt(fd, SOL_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	*ret_what = "IPV6_MULTICAST_ALL";
	return setsockopt_int(fd, SOL_IPV6, IPV6_MULTICAST_ALL, 0);
}

/* l's address to bind to, of its family; returns its length. */
static socklen_t sink_sockaddr(const struct sink_listener *l, struct sockaddr_storage *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (addr_ip_is_v6(&l->group)) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ret;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = l->group.v6;
		sin6->sin6_port = htons(l->port);
		/* A link-local unicast address names its interface. */
		if (IN6_IS_ADDR_LINKLOCAL(&l->group.v6))
			sin6->sin6_scope_id = l->ifindex;
		return sizeof(*sin6);
	}
	((struct sockaddr_in *)ret)->sin_family = AF_INET;
	((struct sockaddr_in *)ret)->sin_addr = l->group.v4;
	((struct sockaddr_in *)ret)->sin_port = htons(l->port);
	return sizeof(struct sockaddr_in);
}

/* Returns 0, or a negative errno with *ret_what naming the step that failed. */
static int sink_open_listener(struct sink *s, struct sink_listener *l, uint64_t tag,
			      const char **ret_what)
{
	struct sockaddr_storage sa;
	socklen_t sa_len = sink_sockaddr(l, &sa);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	int fd, r;

	*ret_what = "socket";
	fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*ret_what = "SO_REUSEADDR";
	r = setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (r < 0)
		goto out_close_fd;
	/* Without CAP_NET_ADMIN the buffer is capped by rmem_max; that is fine. */
	if (setsockopt_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, SINK_RCVBUF) < 0)
		(void)setsockopt_int(fd, SOL_SOCKET, SO_RCVBUF, SINK_RCVBUF);
	*ret_what = "SO_BINDTODEVICE (needs CAP_NET_RAW)";
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, l->ifname, (socklen_t)strlen(l->ifname)) <
	    0) {
		r = -errno;
		goto out_close_fd;
	}
	*ret_what = "bind";
	if (bind(fd, (struct sockaddr *)&sa, sa_len) < 0) {
		r = -errno;
		goto out_close_fd;
	}
	if (addr_ip_is_multicast(&l->group)) {
		r = addr_ip_is_v6(&l->group) ? sink_join_v6(fd, l, ret_what) :
					       sink_join_v4(fd, l, ret_what);
		if (r < 0)
			goto out_close_fd;
	}
	*ret_what = "epoll_ctl";
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		r = -errno;
		goto out_close_fd;
	}
	l->fd = fd;
	return 0;

out_close_fd:
	(void)close(fd);
	return r;
}

/* One socket per listener plus a handful of our own. */
static int raise_fd_limit(unsigned int nlisteners)
{
	rlim_t want = (rlim_t)nlisteners + 32;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		return -EMFILE;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	return 0;
}

static int write_ready_file(const char *path)
{
	char line[32];
	int fd, len, r = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)len) != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static void sink_free(struct sink *s)
{
	for (unsigned int i = 0; i < s->nls; i++) {
		struct sink_listener *l = &s->ls[i];
		struct sink_stream *st, *tmp;

		if (l->fd >= 0)
			(void)close(l->fd);
		HASH_ITER(hh, l->streams, st, tmp) {
			HASH_DEL(l->streams, st);
			seqmap_free(&st->seen);
			free(st);
		}
	}
	if (s->sigfd >= 0)
		(void)close(s->sigfd);
	if (s->epfd >= 0)
		(void)close(s->epfd);
	free(s->latency);
}

static int sink_init(struct sink *s, struct sink_opts *o)
{
	const char *what = "";
	char buf[ADDR_IP_STR_MAX];
	sigset_t mask;
	int r;

	*s = (struct sink){ .opts = o, .ls = o->listeners, .nls = o->nlisteners, .epfd = -1,
			    .sigfd = -1 };
	for (unsigned int i = 0; i < SINK_BATCH; i++) {
		s->iovs[i] = (struct iovec){ .iov_base = s->bufs[i], .iov_len = SINK_BUF_LEN };
		s->msgs[i].msg_hdr.msg_iov = &s->iovs[i];
		s->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	s->latency = malloc(sizeof(*s->latency));
	if (!s->latency) {
		(void)fprintf(stderr, "mcrsink: out of memory\n");
		return -ENOMEM;
	}
	histogram_init(s->latency);

	/*
	 * Signals arrive through the epoll set, so a wait is never raced.  A
	 * shell starts background jobs with SIGINT ignored; undo that so that
	 * "kill -INT" still ends the run with a report.
	 */
	(void)sigemptyset(&mask);
	(void)sigaddset(&mask, SIGINT);
	(void)sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || signal(SIGINT, SIG_DFL) == SIG_ERR ||
	    signal(SIGTERM, SIG_DFL) == SIG_ERR) {
		r = -errno;
		(void)fprintf(stderr, "mcrsink: signals: %s\n", strerror(-r));
		return r;
	}
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0) {
		r = -errno;
		(void)fprintf(stderr, "mcrsink: signalfd/epoll: %s\n", strerror(-r));
		return r;
	}
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SINK_SIGNAL_TAG };

		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev) < 0) {
			r = -errno;
			(void)fprintf(stderr, "mcrsink: epoll_ctl: %s\n", strerror(-r));
			return r;
		}
	}
	r = raise_fd_limit(s->nls);
	if (r < 0) {
		(void)fprintf(stderr, "mcrsink: %u listeners need %u open files: %s\n", s->nls,
			      s->nls + 32, strerror(-r));
		return r;
	}
	if (o->ready_file && unlink(o->ready_file) < 0 && errno != ENOENT) {
		r = -errno;
		(void)fprintf(stderr, "mcrsink: cannot remove stale %s: %s\n", o->ready_file,
			      strerror(-r));
		return r;
	}
	for (unsigned int i = 0; i < s->nls; i++) {
		struct sink_listener *l = &s->ls[i];

		r = sink_open_listener(s, l, i, &what);
		if (r < 0) {
			(void)fprintf(stderr, "mcrsink: %s,%s: %s: %s\n", l->ifname,
				      addr_ip_fmt_port(&l->group, l->port, buf), what, strerror(-r));
			return r;
		}
		/* The expected stream exists from the start, so silence shows up as loss. */
		if (!sink_stream_get(s, l, l->stream)) {
			(void)fprintf(stderr, "mcrsink: out of memory\n");
			return -ENOMEM;
		}
		l->last->is_expected = true;
	}
	return 0;
}

static bool sink_take_signal(struct sink *s)
{
	struct signalfd_siginfo si;

	return read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si);
}

static int sink_wait(struct sink *s, struct epoll_event *evs, uint64_t timeout_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(timeout_ns / NSEC_PER_SEC),
			       .tv_nsec = (long)(timeout_ns % NSEC_PER_SEC) };
	uint64_t ms;
	int n;

	if (!s->no_pwait2) {
		n = epoll_pwait2(s->epfd, evs, SINK_EPOLL_EVENTS, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n < 0 ? -errno : n;
		s->no_pwait2 = true;
	}
	/* Before Linux 5.11: a millisecond timeout, rounded up so that we never spin. */
	ms = (timeout_ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	n = epoll_wait(s->epfd, evs, SINK_EPOLL_EVENTS, ms > 60000 ? 60000 : (int)ms);
	return n < 0 ? -errno : n;
}

static void sink_run(struct sink *s)
{
	const struct sink_opts *o = s->opts;
	struct epoll_event evs[SINK_EPOLL_EVENTS];
	uint64_t deadline;

	s->start_ns = now_ns();
	deadline = s->start_ns + o->duration_ns;
	for (;;) {
		uint64_t now = now_ns(), timeout;
		int n;

		if (o->count && s->pending == 0)
			break;
		if (now >= deadline)
			break;
		timeout = deadline - now;
		if (o->idle_ns && s->last_rx_ns) {
			uint64_t idle_end = s->last_rx_ns + o->idle_ns;

			if (now >= idle_end)
				break;
			if (idle_end - now < timeout)
				timeout = idle_end - now;
		}
		n = sink_wait(s, evs, timeout);
		if (n == -EINTR)
			continue;
		if (n < 0) {
			(void)fprintf(stderr, "mcrsink: epoll_wait: %s\n", strerror(-n));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == SINK_SIGNAL_TAG) {
				if (sink_take_signal(s))
					goto out;
				continue;
			}
			sink_drain(s, &s->ls[evs[i].data.u64]);
		}
	}
out:
	s->end_ns = now_ns();
}

/* Totals over one listener or all of them. */
struct sink_totals {
	uint64_t received, unique, lost, dups, reordered, malformed;
};

static void totals_add_stream(struct sink_totals *t, const struct sink *s,
			      const struct sink_stream *st)
{
	t->received += st->received;
	t->unique += st->unique;
	t->lost += sink_stream_lost(s, st);
	t->dups += st->dups;
	t->reordered += st->reordered;
}

static struct sink_totals listener_totals(const struct sink *s, const struct sink_listener *l)
{
	struct sink_totals t = { .malformed = l->malformed };

	for (const struct sink_stream *st = l->streams; st; st = st->hh.next)
		totals_add_stream(&t, s, st);
	return t;
}

static int stream_cmp(const struct sink_stream *a, const struct sink_stream *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

static double sink_duration_s(const struct sink *s)
{
	return (double)(s->end_ns - s->start_ns) / (double)NSEC_PER_SEC;
}

static json_t *json_u64(uint64_t v)
{
	/* json_int_t is signed; no real counter gets near this. */
	return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

/* Adds the counters to @o, which may be NULL (an earlier allocation failed). */
static int json_add_counts(json_t *o, const struct sink_totals *t, bool with_malformed)
{
	if (!o || json_object_set_new(o, "received", json_u64(t->received)) < 0 ||
	    json_object_set_new(o, "unique", json_u64(t->unique)) < 0 ||
	    json_object_set_new(o, "lost", json_u64(t->lost)) < 0 ||
	    json_object_set_new(o, "duplicates", json_u64(t->dups)) < 0 ||
	    json_object_set_new(o, "reordered", json_u64(t->reordered)) < 0)
		return -ENOMEM;
	if (with_malformed && json_object_set_new(o, "malformed", json_u64(t->malformed)) < 0)
		return -ENOMEM;
	return 0;
}

static json_t *json_stream(const struct sink *s, const struct sink_stream *st)
{
	struct sink_totals t = { 0 };
	json_t *o = json_object();

	totals_add_stream(&t, s, st);
	if (!o || json_object_set_new(o, "stream", json_integer(st->id)) < 0 ||
	    json_add_counts(o, &t, false) < 0 ||
	    json_object_set_new(o, "first_seq", st->received ? json_u64(st->first_seq) :
								json_null()) < 0 ||
	    json_object_set_new(o, "last_seq", st->received ? json_u64(st->last_seq) :
							       json_null()) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_latency(const struct histogram *h)
{
	const double pcts[] = { 50, 90, 99 };
	const char *names[] = { "p50", "p90", "p99" };
	json_t *o = json_object();

	if (!o)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(pcts); i++) {
		json_t *v = histogram_count(h) ?
				    json_real((double)histogram_percentile(h, pcts[i]) / 1000.0) :
				    json_null();

		if (json_object_set_new(o, names[i], v) < 0)
			goto out_free;
	}
	if (json_object_set_new(o, "max", histogram_count(h) ?
						  json_real((double)histogram_max(h) / 1000.0) :
						  json_null()) < 0)
		goto out_free;
	return o;

out_free:
	json_decref(o);
	return NULL;
}

static int sink_print_json(struct sink *s, const struct sink_totals *all)
{
	char buf[ADDR_IP_STR_MAX];
	json_t *root, *listeners;
	int r = -ENOMEM;

	root = json_object();
	listeners = json_array();
	if (json_add_counts(root, all, true) < 0 || !listeners)
		goto out_free;
	if (json_object_set_new(root, "duration_s", json_real(sink_duration_s(s))) < 0 ||
	    json_object_set_new(root, "latency_us", json_latency(s->latency)) < 0)
		goto out_free;
	for (unsigned int i = 0; i < s->nls; i++) {
		struct sink_listener *l = &s->ls[i];
		struct sink_totals t = listener_totals(s, l);
		json_t *lo = json_object(), *streams;

		/* From here on the array owns lo, and lo owns streams. */
		if (json_array_append_new(listeners, lo) < 0 ||
		    json_object_set_new(lo, "interface", json_string(l->ifname)) < 0 ||
		    json_object_set_new(lo, "group", json_string(addr_ip_fmt(&l->group, buf))) < 0 ||
		    json_object_set_new(lo, "port", json_integer(l->port)) < 0 ||
		    json_add_counts(lo, &t, true) < 0 ||
		    json_object_set_new(lo, "streams", json_array()) < 0)
			goto out_free;
		streams = json_object_get(lo, "streams");
		HASH_SORT(l->streams, stream_cmp);
		for (const struct sink_stream *st = l->streams; st; st = st->hh.next) {
			if (json_array_append_new(streams, json_stream(s, st)) < 0)
				goto out_free;
		}
	}
	if (json_object_set(root, "listeners", listeners) < 0)
		goto out_free;
	r = json_dumpf(root, stdout, JSON_COMPACT | JSON_REAL_PRECISION(12)) < 0 ? -EIO : 0;
	if (r == 0)
		(void)putchar('\n');
out_free:
	json_decref(listeners);
	json_decref(root);
	return r;
}

static void sink_print_human(const struct sink *s, const struct sink_totals *all)
{
	const struct histogram *h = s->latency;
	char buf[ADDR_IP_STR_MAX];

	for (unsigned int i = 0; i < s->nls; i++) {
		const struct sink_listener *l = &s->ls[i];
		struct sink_totals t = listener_totals(s, l);

		(void)printf("mcrsink: %s %s received %llu lost %llu dup %llu reord %llu malformed %llu\n",
			     l->ifname, addr_ip_fmt_port(&l->group, l->port, buf),
			     (unsigned long long)t.received, (unsigned long long)t.lost,
			     (unsigned long long)t.dups, (unsigned long long)t.reordered,
			     (unsigned long long)t.malformed);
	}
	(void)printf("mcrsink: total received %llu unique %llu lost %llu dup %llu reord %llu malformed %llu in %.3f s",
		     (unsigned long long)all->received, (unsigned long long)all->unique,
		     (unsigned long long)all->lost, (unsigned long long)all->dups,
		     (unsigned long long)all->reordered, (unsigned long long)all->malformed,
		     sink_duration_s(s));
	if (histogram_count(h))
		(void)printf(", latency us p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
			     (double)histogram_percentile(h, 50) / 1000.0,
			     (double)histogram_percentile(h, 90) / 1000.0,
			     (double)histogram_percentile(h, 99) / 1000.0,
			     (double)histogram_max(h) / 1000.0);
	else
		(void)printf(", latency -\n");
}

int main(int argc, char **argv)
{
	struct sink_totals all = { 0 };
	struct sink_opts opts;
	struct sink sink;
	int status = EXIT_USAGE, r;

	parse_args(argc, argv, &opts);
	if (sink_init(&sink, &opts) < 0)
		goto out_free_sink;
	if (opts.ready_file) {
		r = write_ready_file(opts.ready_file);
		if (r < 0) {
			(void)fprintf(stderr, "mcrsink: cannot create %s: %s\n", opts.ready_file,
				      strerror(-r));
			goto out_free_sink;
		}
	}

	sink_run(&sink);

	for (unsigned int i = 0; i < sink.nls; i++) {
		struct sink_totals t = listener_totals(&sink, &sink.ls[i]);

		all.received += t.received;
		all.unique += t.unique;
		all.lost += t.lost;
		all.dups += t.dups;
		all.reordered += t.reordered;
		all.malformed += t.malformed;
	}
	if (opts.json) {
		if (sink_print_json(&sink, &all) < 0)
			(void)fprintf(stderr, "mcrsink: cannot print JSON report\n");
	} else if (!opts.quiet) {
		sink_print_human(&sink, &all);
	}
	status = opts.count && all.lost ? EXIT_FAILURE : EXIT_SUCCESS;
	if (fflush(stdout) != 0)
		status = EXIT_USAGE;
out_free_sink:
	sink_free(&sink);
	free(opts.listeners);
	return status;
}
