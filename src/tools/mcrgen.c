// SPDX-License-Identifier: MIT
/*
 * mcrgen: a bounded UDP traffic generator for testing mcrd.  It sends
 * numbered payloads (common/payload.h) for one or more streams round-robin
 * from a single socket with sendmmsg(), paced against absolute deadlines on
 * CLOCK_MONOTONIC so that the long-run rate is exact however late a wake-up
 * is.  Every run ends: after a packet count, a duration, a signal or, at the
 * latest, TOOLOPT_MAX_DURATION_NS.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/payload.h"
#include "common/util.h"
#include "tools/toolopt.h"

#define GEN_DEFAULT_COUNT	1000u
#define GEN_MAX_COUNT		10000000000ULL
#define GEN_DEFAULT_SIZE	100u
#define GEN_MAX_SIZE		8972u
#define GEN_DEFAULT_TTL		16u
#define GEN_DEFAULT_BATCH	32u
#define GEN_MAX_BATCH		1024u
#define GEN_MAX_RATE		100000000ULL
#define GEN_SNDBUF		(4 * 1024 * 1024)
/* Paced sends go out in bursts at most this far apart, so low rates are not lumpy. */
#define GEN_BURST_NS		NSEC_PER_MSEC
#define GEN_RETRY_SLEEP_NS	50000L
/* A datagram the kernel refuses to queue for this long is given up as an error. */
#define GEN_STALL_NS		NSEC_PER_SEC

struct gen_opts {
	const char *ifname;
	unsigned int ifindex;
	struct mcr_addr group;		/* IPv4 or IPv6 */
	uint16_t port;
	uint64_t rate;
	uint64_t count;
	uint64_t duration_ns;
	bool has_count;
	bool has_duration;
	uint32_t size;
	uint32_t streams;
	uint32_t batch;
	enum toolopt_step step;
	bool has_source;
	struct mcr_addr source;		/* the group's family */
	uint32_t ttl;
	uint32_t tos;
	bool is_df_off;			/* --no-df: IP_PMTUDISC_DONT */
	bool json;
	bool quiet;
};

/* Where a stream goes, of the group's family. */
union gen_dest {
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

struct gen {
	const struct gen_opts *opts;
	int fd;
	union gen_dest *dests;		/* one per stream */
	uint64_t *stream_sent;		/* one per stream */
	uint8_t *bufs;			/* batch datagrams of opts->size bytes */
	struct iovec *iovs;
	struct mmsghdr *msgs;
	uint64_t total;			/* packets over all streams; UINT64_MAX without -c */
	uint64_t next;			/* global index of the next packet to send */
	uint64_t deadline_ns;		/* CLOCK_MONOTONIC end of the run */
	uint64_t start_ns;
	uint64_t end_ns;
	uint64_t sent;
	uint64_t bytes;
	uint64_t errors;
	uint64_t retries;
	bool error_reported;
};

/* The one piece of global state: written only by the signal handler. */
static volatile sig_atomic_t gen_stop_requested;

static void gen_on_signal(int sig)
{
	(void)sig;
	gen_stop_requested = 1;
}

static void usage(FILE *out)
{
	(void)fprintf(out,
		"Usage: mcrgen -i IFACE -g GROUP:PORT [OPTION]...\n"
		"Send numbered UDP test packets (for mcrsink) to a multicast group or a unicast address.\n"
		"\n"
		"  -i, --interface IFACE   output interface for multicast (required)\n"
		"  -g, --group GROUP:PORT  destination of stream 0 (required); IPv6 in brackets,\n"
		"                          [ff3e::1]:5000\n"
		"  -r, --rate RATE         packets per second over all streams; k/M/G suffixes;\n"
		"                          0 = as fast as possible (default 0, max 100M)\n"
		"  -c, --count N           packets per stream, 1..10000000000\n"
		"                          (default %u when neither -c nor -d is given)\n"
		"  -d, --duration DUR      stop after DUR: 5, 2.5s, 500ms, 1m, 1h (max 24h)\n"
		"  -s, --size BYTES        UDP payload size, %u..%u (default %u)\n"
		"  -n, --streams N         number of streams, 1..%u (default 1)\n"
		"      --step port|group   stream k goes to PORT+k or GROUP+k (default port)\n"
		"      --source ADDR       send from this local address\n"
		"      --ttl N             IP TTL, 1..255 (default %u)\n"
		"      --tos N             IP TOS byte (DSCP << 2 | ECN), 0..255 (default 0)\n"
		"      --no-df             never set don't-fragment (default: the kernel sets it\n"
		"                          on datagrams that fit the MTU)\n"
		"      --batch N           datagrams per sendmmsg(), 1..%u (default %u)\n"
		"      --json              print the summary as one JSON object\n"
		"      --quiet             do not print the human summary line\n"
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n"
		"\n"
		"With both -c and -d, whichever ends first stops the run; with neither, 24h is the limit.\n"
		"Exit status: 0 all sent, 1 send errors, 2 bad options or socket setup failed.\n",
		GEN_DEFAULT_COUNT, PAYLOAD_HDR_LEN, GEN_MAX_SIZE, GEN_DEFAULT_SIZE, TOOLOPT_MAX_STREAMS,
		GEN_DEFAULT_TTL, GEN_MAX_BATCH, GEN_DEFAULT_BATCH);
}

__attribute__((noreturn, format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
	va_list ap;

	(void)fputs("mcrgen: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputs("\nTry 'mcrgen --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}

static uint64_t parse_u64_opt(const char *name, const char *arg, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (toolopt_parse_u64(arg, min, max, &v) < 0)
		usage_error("invalid %s '%s': expected an integer from %llu to %llu", name, arg,
			    (unsigned long long)min, (unsigned long long)max);
	return v;
}

enum {
	OPT_STEP = 0x100,
	OPT_SOURCE,
	OPT_TTL,
	OPT_TOS,
	OPT_NO_DF,
	OPT_BATCH,
	OPT_JSON,
	OPT_QUIET,
};

static void parse_args(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "group", required_argument, NULL, 'g' },
		{ "rate", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "streams", required_argument, NULL, 'n' },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "tos", required_argument, NULL, OPT_TOS },
		{ "no-df", no_argument, NULL, OPT_NO_DF },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *group_arg = NULL;
	struct mcr_addr last;
	uint16_t last_port;
	int c, r;

	*o = (struct gen_opts){
		.size = GEN_DEFAULT_SIZE,
		.streams = 1,
		.batch = GEN_DEFAULT_BATCH,
		.step = TOOLOPT_STEP_PORT,
		.ttl = GEN_DEFAULT_TTL,
	};
	opterr = 1;
	while ((c = getopt_long(argc, argv, "i:g:r:c:d:s:n:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'g':
			group_arg = optarg;
			break;
		case 'r':
			r = toolopt_parse_rate(optarg, &o->rate);
			if (r < 0 || o->rate > GEN_MAX_RATE)
				usage_error("invalid --rate '%s': expected a whole number of packets per second up to 100M, e.g. 10000, 50k, 1.5M",
					    optarg);
			break;
		case 'c':
			o->count = parse_u64_opt("--count", optarg, 1, GEN_MAX_COUNT);
			o->has_count = true;
			break;
		case 'd':
			r = toolopt_parse_duration(optarg, &o->duration_ns);
			if (r < 0 || o->duration_ns == 0 || o->duration_ns > TOOLOPT_MAX_DURATION_NS)
				usage_error("invalid --duration '%s': expected more than 0 and at most 24h, e.g. 5, 2.5s, 500ms",
					    optarg);
			o->has_duration = true;
			break;
		case 's':
			o->size = (uint32_t)parse_u64_opt("--size", optarg, PAYLOAD_HDR_LEN,
							  GEN_MAX_SIZE);
			break;
		case 'n':
			o->streams = (uint32_t)parse_u64_opt("--streams", optarg, 1,
							     TOOLOPT_MAX_STREAMS);
			break;
		case OPT_STEP:
			if (toolopt_parse_step(optarg, &o->step) < 0)
				usage_error("invalid --step '%s': expected 'port' or 'group'", optarg);
			break;
		case OPT_SOURCE:
			if (addr_ip_parse(optarg, &o->source) < 0)
				usage_error("invalid --source '%s': expected an IPv4 or IPv6 address",
					    optarg);
			o->has_source = true;
			break;
		case OPT_TTL:
			o->ttl = (uint32_t)parse_u64_opt("--ttl", optarg, 1, 255);
			break;
		case OPT_TOS:
			o->tos = (uint32_t)parse_u64_opt("--tos", optarg, 0, 255);
			break;
		case OPT_NO_DF:
			o->is_df_off = true;
			break;
		case OPT_BATCH:
			o->batch = (uint32_t)parse_u64_opt("--batch", optarg, 1, GEN_MAX_BATCH);
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
			(void)printf("mcrgen %s\n", MCR_VERSION);
			exit(EXIT_SUCCESS);
		default:
			/* getopt_long() has already said what was wrong. */
			(void)fputs("Try 'mcrgen --help' for more information.\n", stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->ifname)
		usage_error("missing -i/--interface");
	if (!group_arg)
		usage_error("missing -g/--group GROUP:PORT");
	if (addr_ip_parse_port(group_arg, &o->group, &o->port) < 0 || o->port == 0 ||
	    (addr_ip_is_v6(&o->group) ? IN6_IS_ADDR_UNSPECIFIED(&o->group.v6) :
					o->group.v4.s_addr == htonl(INADDR_ANY)))
		usage_error("invalid --group '%s': expected GROUP:PORT, e.g. 239.1.1.1:5000 or "
			    "[ff3e::1]:5000",
			    group_arg);
	if (o->has_source && o->source.family != o->group.family)
		usage_error("--source and --group must be of one family (IPv4 or IPv6)");
	if (toolopt_stream_ip(&o->group, o->port, o->step, o->streams - 1, &last, &last_port) < 0)
		usage_error("%u streams with --step %s starting at %s run out of %s", o->streams,
			    toolopt_step_name(o->step), group_arg,
			    o->step == TOOLOPT_STEP_PORT ? "ports" : "addresses");
	r = toolopt_iface_index(o->ifname, &o->ifindex);
	if (r < 0)
		usage_error("invalid --interface '%s': %s", o->ifname,
			    r == -ENODEV ? "no such interface" : "bad interface name");
	if (!o->has_count && !o->has_duration) {
		o->count = GEN_DEFAULT_COUNT;
		o->has_count = true;
	}
}

static int setsockopt_int(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		return -errno;
	return 0;
}

/* The sockaddr of @a and @port; returns its length. */
static socklen_t gen_sockaddr(const struct mcr_addr *a, uint16_t port, union gen_dest *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (addr_ip_is_v6(a)) {
		ret->v6.sin6_family = AF_INET6;
		ret->v6.sin6_addr = a->v6;
		ret->v6.sin6_port = htons(port);
		return sizeof(ret->v6);
	}
	ret->v4.sin_family = AF_INET;
	ret->v4.sin_addr = a->v4;
	ret->v4.sin_port = htons(port);
	return sizeof(ret->v4);
}

static int gen_bind_source(int fd, const struct mcr_addr *source)
{
	union gen_dest sa;
	socklen_t len = gen_sockaddr(source, 0, &sa);
	bool is_v6 = addr_ip_is_v6(source);
	int err;

	if (bind(fd, (struct sockaddr *)&sa, len) == 0)
		return 0;
	err = -errno;
	/*
	 * Testing rp_filter needs a source the sending host need not own;
	 * IP_TRANSPARENT (CAP_NET_ADMIN) lets us bind and route from it.
	 */
	if (err != -EADDRNOTAVAIL ||
	    setsockopt_int(fd, is_v6 ? SOL_IPV6 : SOL_IP, is_v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT,
			   1) < 0)
		return err;
	if (bind(fd, (struct sockaddr *)&sa, len) < 0)
		return -errno;
	return 0;
}

/*
 * The IPv6 counterparts of gen_open_socket()'s options: the interface,
 * hop limits, traffic class, no DF-like path MTU discovery with --no-df,
 * no loop back, errors reported.
 */
static int gen_socket_v6(int fd, const struct gen_opts *o, const char **ret_what)
{
	int r;

	*ret_what = "IPV6_MULTICAST_IF";
	r = setsockopt_int(fd, SOL_IPV6, IPV6_MULTICAST_IF, (int)o->ifindex);
	if (r == 0) {
		*ret_what = "IPV6_MULTICAST_HOPS";
		r = setsockopt_int(fd, SOL_IPV6, IPV6_MULTICAST_HOPS, (int)o->ttl);
	}
	if (r == 0) {
		*ret_what = "IPV6_UNICAST_HOPS";
		r = setsockopt_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS, (int)o->ttl);
	}
	if (r == 0) {
		*ret_what = "IPV6_TCLASS";
		r = setsockopt_int(fd, SOL_IPV6, IPV6_TCLASS, (int)o->tos);
	}
	if (r == 0 && o->is_df_off) {
		*ret_what = "IPV6_MTU_DISCOVER";
		r = setsockopt_int(fd, SOL_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT);
	}
	if (r == 0) {
		*ret_what = "IPV6_MULTICAST_LOOP";
		r = setsockopt_int(fd, SOL_IPV6, IPV6_MULTICAST_LOOP, 0);
	}
	if (r == 0) {
		*ret_what = "IPV6_RECVERR";
		r = setsockopt_int(fd, SOL_IPV6, IPV6_RECVERR, 1);
	}
	return r;
}

/* Returns 0, or a negative errno with *ret_what naming the step that failed. */
static int gen_open_socket(const struct gen_opts *o, int *ret_fd, const char **ret_what)
{
	struct ip_mreqn mreq = { .imr_ifindex = (int)o->ifindex };
	int fd, r;

	fd = socket(o->group.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*ret_what = "socket";
		return -errno;
	}
	/* Without CAP_NET_ADMIN the buffer is capped by wmem_max; that is fine. */
	if (setsockopt_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, GEN_SNDBUF) < 0)
		(void)setsockopt_int(fd, SOL_SOCKET, SO_SNDBUF, GEN_SNDBUF);
	if (o->has_source) {
		mreq.imr_address = o->source.v4;
		r = gen_bind_source(fd, &o->source);
		if (r < 0) {
			*ret_what = "bind to --source";
			goto out_close_fd;
		}
	}
	if (addr_ip_is_v6(&o->group)) {
		r = gen_socket_v6(fd, o, ret_what);
		if (r < 0)
			goto out_close_fd;
		*ret_fd = fd;
		return 0;
	}
	*ret_what = "IP_MULTICAST_IF";
	if (setsockopt(fd, SOL_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0) {
		r = -errno;
		goto out_close_fd;
	}
	*ret_what = "IP_MULTICAST_TTL";
	r = setsockopt_int(fd, SOL_IP, IP_MULTICAST_TTL, (int)o->ttl);
	if (r < 0)
		goto out_close_fd;
	*ret_what = "IP_TTL";
	r = setsockopt_int(fd, SOL_IP, IP_TTL, (int)o->ttl);
	if (r < 0)
		goto out_close_fd;
	*ret_what = "IP_TOS";
	r = setsockopt_int(fd, SOL_IP, IP_TOS, (int)o->tos);
	if (r < 0)
		goto out_close_fd;
	/*
	 * The kernel's default (IP_PMTUDISC_WANT) sets DF on what fits the
	 * MTU and fragments the rest; --no-df never sets it.
	 */
	*ret_what = "IP_MTU_DISCOVER";
	r = o->is_df_off ? setsockopt_int(fd, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT) : 0;
	if (r < 0)
		goto out_close_fd;
	*ret_what = "IP_MULTICAST_LOOP";
	r = setsockopt_int(fd, SOL_IP, IP_MULTICAST_LOOP, 0);
	if (r < 0)
		goto out_close_fd;
	/*
	 * Without IP_RECVERR a full qdisc drops UDP silently; with it the send
	 * fails with ENOBUFS and we retry, so "sent" means handed to the device.
	 */
	*ret_what = "IP_RECVERR";
	r = setsockopt_int(fd, SOL_IP, IP_RECVERR, 1);
	if (r < 0)
		goto out_close_fd;
	*ret_fd = fd;
	return 0;

out_close_fd:
	(void)close(fd);
	return r;
}

static void gen_free(struct gen *g)
{
	if (g->fd >= 0)
		(void)close(g->fd);
	free(g->dests);
	free(g->stream_sent);
	free(g->bufs);
	free(g->iovs);
	free(g->msgs);
}

static int gen_init(struct gen *g, const struct gen_opts *o)
{
	socklen_t namelen = sizeof(struct sockaddr_in);
	const char *what = "";
	int r;

	*g = (struct gen){ .opts = o, .fd = -1 };
	g->dests = calloc(o->streams, sizeof(*g->dests));
	g->stream_sent = calloc(o->streams, sizeof(*g->stream_sent));
	g->bufs = calloc(o->batch, o->size);
	g->iovs = calloc(o->batch, sizeof(*g->iovs));
	g->msgs = calloc(o->batch, sizeof(*g->msgs));
	if (!g->dests || !g->stream_sent || !g->bufs || !g->iovs || !g->msgs) {
		(void)fprintf(stderr, "mcrgen: out of memory\n");
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < o->streams; k++) {
		struct mcr_addr a;
		uint16_t port;

		/* parse_args() checked the last stream, so none of these can fail. */
		(void)toolopt_stream_ip(&o->group, o->port, o->step, k, &a, &port);
		namelen = gen_sockaddr(&a, port, &g->dests[k]);
	}
	for (uint32_t i = 0; i < o->batch; i++) {
		uint8_t *buf = g->bufs + (size_t)i * o->size;

		/* Recognisable filler; only the header changes per packet. */
		for (uint32_t b = PAYLOAD_HDR_LEN; b < o->size; b++)
			buf[b] = (uint8_t)b;
		g->iovs[i] = (struct iovec){ .iov_base = buf, .iov_len = o->size };
		g->msgs[i].msg_hdr.msg_iov = &g->iovs[i];
		g->msgs[i].msg_hdr.msg_iovlen = 1;
		g->msgs[i].msg_hdr.msg_namelen = namelen;
	}
	g->total = o->has_count ? o->count * o->streams : UINT64_MAX;

	r = gen_open_socket(o, &g->fd, &what);
	if (r < 0) {
		(void)fprintf(stderr, "mcrgen: %s: %s\n", what, strerror(-r));
		return r;
	}
	return 0;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ns };

	(void)clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

static void gen_report_error(struct gen *g, const union gen_dest *dst, int err)
{
	bool is_v6 = dst->v6.sin6_family == AF_INET6;
	struct mcr_addr a = is_v6 ? (struct mcr_addr){ .family = AF_INET6, .v6 = dst->v6.sin6_addr } :
				    addr_ip_v4(dst->v4.sin_addr);
	char buf[ADDR_IP_STR_MAX];

	g->errors++;
	if (g->error_reported)
		return;
	g->error_reported = true;
	(void)fprintf(stderr, "mcrgen: send to %s: %s (further errors are only counted)\n",
		      addr_ip_fmt_port(&a, ntohs(is_v6 ? dst->v6.sin6_port : dst->v4.sin_port), buf),
		      strerror(err));
}

/*
 * Send packets next .. next + n - 1.  A datagram that fails is retried: after
 * a short sleep when the kernel is out of buffer space, at once (and only
 * once) after any other error because with IP_RECVERR an ICMP error caused
 * by an earlier datagram is reported on the next send.  Either way a
 * datagram that keeps failing is counted as an error and skipped.
 */
static void gen_send_batch(struct gen *g, uint32_t n)
{
	const struct gen_opts *o = g->opts;
	uint64_t tx = realtime_ns(), stall_start = 0;
	bool hard_retried = false;
	uint32_t off = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t idx = g->next + i;
		struct payload_hdr hdr = {
			.stream = (uint32_t)(idx % o->streams),
			.seq = idx / o->streams,
			.tx_ns = tx,
		};

		payload_write(g->bufs + (size_t)i * o->size, &hdr);
		g->msgs[i].msg_hdr.msg_name = &g->dests[hdr.stream];
	}

	while (off < n && !gen_stop_requested) {
		int sent = sendmmsg(g->fd, g->msgs + off, n - off, MSG_DONTWAIT);
		int err;

		if (sent > 0) {
			for (int i = 0; i < sent; i++)
				g->stream_sent[(g->next + off + (uint32_t)i) % o->streams]++;
			g->sent += (uint64_t)sent;
			g->bytes += (uint64_t)sent * o->size;
			off += (uint32_t)sent;
			stall_start = 0;
			hard_retried = false;
			continue;
		}
		err = sent == 0 ? EIO : errno;
		if (err == EINTR)
			continue;
		if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
			uint64_t now = now_ns();

			if (now >= g->deadline_ns)
				break;
			if (stall_start == 0) {
				stall_start = now;
			} else if (now - stall_start > GEN_STALL_NS) {
				gen_report_error(g, &g->dests[(g->next + off) % o->streams], err);
				off++;
				stall_start = 0;
				continue;
			}
			g->retries++;
			sleep_ns(GEN_RETRY_SLEEP_NS);
			continue;
		}
		gen_report_error(g, &g->dests[(g->next + off) % o->streams], err);
		if (hard_retried) {
			off++;
			hard_retried = false;
		} else {
			hard_retried = true;
		}
	}
	g->next += n;
}

/* Number of packets whose send time has come @elapsed ns into the run. */
static uint64_t gen_packets_due(uint64_t rate, uint64_t elapsed)
{
	return (elapsed / NSEC_PER_SEC) * rate + (elapsed % NSEC_PER_SEC) * rate / NSEC_PER_SEC + 1;
}

/*
 * Send time of packet @idx, rounded up so that gen_packets_due() agrees:
 * at exactly this offset the packet is due, one ns earlier it is not.
 */
static uint64_t gen_due_offset(uint64_t rate, uint64_t idx)
{
	uint64_t sec = idx / rate, rem = idx % rate;

	/* Past any possible deadline; also avoids overflow below. */
	if (sec > 2 * TOOLOPT_MAX_DURATION_NS / NSEC_PER_SEC)
		return UINT64_MAX / 2;
	return sec * NSEC_PER_SEC + (rem * NSEC_PER_SEC + rate - 1) / rate;
}

static void gen_run(struct gen *g)
{
	const struct gen_opts *o = g->opts;
	uint64_t burst = o->rate * GEN_BURST_NS / NSEC_PER_SEC;

	if (burst < 1)
		burst = 1;
	if (burst > o->batch)
		burst = o->batch;
	g->start_ns = now_ns();
	g->deadline_ns = g->start_ns + (o->has_duration ? o->duration_ns : TOOLOPT_MAX_DURATION_NS);

	while (g->next < g->total && !gen_stop_requested) {
		uint64_t now = now_ns(), left = g->total - g->next, due, target, wake;
		struct timespec ts;

		if (now >= g->deadline_ns)
			break;
		if (o->rate == 0) {
			gen_send_batch(g, (uint32_t)(left < o->batch ? left : o->batch));
			continue;
		}
		due = gen_packets_due(o->rate, now - g->start_ns);
		if (due > g->total)
			due = g->total;
		if (due > g->next) {
			left = due - g->next;
			gen_send_batch(g, (uint32_t)(left < o->batch ? left : o->batch));
			continue;
		}
		/* Sleep until a whole burst is due rather than waking per packet. */
		target = g->next + burst - 1;
		if (target >= g->total)
			target = g->total - 1;
		wake = g->start_ns + gen_due_offset(o->rate, target);
		if (wake > g->deadline_ns)
			wake = g->deadline_ns;
		ts.tv_sec = (time_t)(wake / NSEC_PER_SEC);
		ts.tv_nsec = (long)(wake % NSEC_PER_SEC);
		/* EINTR brings us back to check the stop flag; nothing else can fail. */
		(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	g->end_ns = now_ns();
}

/*
 * True when the run ended well behind its schedule, i.e. the host could not
 * send at --rate: more than 1 % (plus one burst) of the packets due by the
 * end were never sent.
 */
static bool gen_fell_behind(const struct gen *g)
{
	uint64_t due, slack;

	if (g->opts->rate == 0 || g->end_ns <= g->start_ns)
		return false;
	due = gen_packets_due(g->opts->rate, g->end_ns - g->start_ns);
	if (due > g->total)
		due = g->total;
	slack = g->next / 100 + g->opts->batch;
	return due > g->next + slack;
}

static double gen_duration_s(const struct gen *g)
{
	return (double)(g->end_ns - g->start_ns) / (double)NSEC_PER_SEC;
}

static double gen_pps(const struct gen *g)
{
	double t = gen_duration_s(g);

	return t > 0 ? (double)g->sent / t : 0.0;
}

static int gen_print_json(const struct gen *g)
{
	json_t *root, *per_stream;
	int r = -ENOMEM;

	root = json_object();
	per_stream = json_array();
	if (!root || !per_stream)
		goto out_free;
	for (uint32_t k = 0; k < g->opts->streams; k++) {
		if (json_array_append_new(per_stream,
					  json_pack("{s:I,s:I}", "stream", (json_int_t)k, "sent",
						    (json_int_t)g->stream_sent[k])) < 0)
			goto out_free;
	}
	if (json_object_set_new(root, "sent", json_integer((json_int_t)g->sent)) < 0 ||
	    json_object_set_new(root, "bytes", json_integer((json_int_t)g->bytes)) < 0 ||
	    json_object_set_new(root, "duration_s", json_real(gen_duration_s(g))) < 0 ||
	    json_object_set_new(root, "pps", json_real(gen_pps(g))) < 0 ||
	    json_object_set_new(root, "errors", json_integer((json_int_t)g->errors)) < 0 ||
	    json_object_set_new(root, "retries", json_integer((json_int_t)g->retries)) < 0 ||
	    json_object_set_new(root, "streams", json_integer(g->opts->streams)) < 0)
		goto out_free;
	r = json_object_set(root, "per_stream", per_stream);
	if (r < 0)
		goto out_free;
	r = json_dumpf(root, stdout, JSON_COMPACT | JSON_REAL_PRECISION(12));
	if (r == 0)
		(void)putchar('\n');
out_free:
	json_decref(per_stream);
	json_decref(root);
	return r < 0 ? -EIO : 0;
}

static void gen_print_summary(const struct gen *g)
{
	(void)printf("mcrgen: sent %llu packets (%llu bytes) in %.3f s = %.0f pps, %llu errors\n",
		     (unsigned long long)g->sent, (unsigned long long)g->bytes, gen_duration_s(g),
		     gen_pps(g), (unsigned long long)g->errors);
}

static int gen_install_signals(void)
{
	struct sigaction sa = { .sa_handler = gen_on_signal };

	/* No SA_RESTART: a signal must cut a sleep short. */
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_opts opts;
	struct gen gen;
	int status = EXIT_USAGE;

	parse_args(argc, argv, &opts);
	if (gen_init(&gen, &opts) < 0)
		goto out_free_gen;
	if (gen_install_signals() < 0) {
		(void)fprintf(stderr, "mcrgen: sigaction: %s\n", strerror(errno));
		goto out_free_gen;
	}
	/* Deadlines are absolute, but the default 50 us slack would still make bursts lumpy. */
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);

	gen_run(&gen);
	if (gen_fell_behind(&gen))
		(void)fprintf(stderr, "mcrgen: warning: could not keep up with --rate %llu, averaged %.0f pps\n",
			      (unsigned long long)opts.rate, gen_pps(&gen));

	if (opts.json) {
		if (gen_print_json(&gen) < 0)
			(void)fprintf(stderr, "mcrgen: cannot print JSON summary\n");
	} else if (!opts.quiet) {
		gen_print_summary(&gen);
	}
	status = gen.errors ? EXIT_FAILURE : EXIT_SUCCESS;
	if (fflush(stdout) != 0)
		status = EXIT_USAGE;
out_free_gen:
	gen_free(&gen);
	return status;
}
