// SPDX-License-Identifier: MIT
/*
 * Egress socket set-up.  Sockets stay blocking on purpose: io_uring then
 * parks a send on a full socket buffer with an internal poll instead of
 * failing it with EAGAIN, which is the back-pressure we want.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "mcrd/egress.h"

/*
 * Ask for the buffer past net.core.wmem_max when we may (CAP_NET_ADMIN),
 * otherwise take what the limit allows.  Returns the effective size, which
 * the kernel reports doubled for its bookkeeping.
 */
static int set_sndbuf(int fd, int want)
{
	socklen_t len = sizeof(int);
	int got = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) < 0)
		return 0;
	return got / 2;
}

static int set_int(int fd, int level, int opt, int val, const char *what,
		   const struct mcr_output *o)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) == 0)
		return 0;
	log_err_errno(errno, "output %s: cannot set %s", o->ifname, what);
	return -errno;
}

static int output_open(const struct mcr_output *o, int sndbuf, struct sockaddr_in *dst,
		       int *ret_sndbuf)
{
	char g[ADDR_STR_MAX];
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err_errno(errno, "output %s: cannot open a UDP socket", o->ifname);
		return -errno;
	}
	if (addr_is_multicast(o->group)) {
		struct ip_mreqn mreq = { .imr_ifindex = (int)o->ifindex };

		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0) {
			ret = -errno;
			log_err_errno(errno, "output %s: cannot set IP_MULTICAST_IF", o->ifname);
			goto out_close;
		}
		ret = set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, o->ttl, "the multicast TTL", o);
		if (ret < 0)
			goto out_close;
		ret = set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP", o);
		if (ret < 0)
			goto out_close;
	} else {
		ret = set_int(fd, IPPROTO_IP, IP_TTL, o->ttl, "the TTL", o);
		if (ret < 0)
			goto out_close;
	}
	*ret_sndbuf = set_sndbuf(fd, sndbuf);

	memset(dst, 0, sizeof(*dst));
	dst->sin_family = AF_INET;
	dst->sin_addr = o->group;
	dst->sin_port = htons(o->port);
	if (o->port && connect(fd, (struct sockaddr *)dst, sizeof(*dst)) < 0) {
		ret = -errno;
		log_err_errno(errno, "output %s: cannot connect to %s:%u", o->ifname,
			      addr_fmt(o->group, g), o->port);
		goto out_close;
	}
	return fd;

out_close:
	(void)close(fd);
	return ret;
}

int egress_init(struct egress *eg, const struct mcr_config *cfg)
{
	size_t n = 0, k = 0;

	memset(eg, 0, sizeof(*eg));
	for (size_t r = 0; r < cfg->n_rules; r++)
		n += cfg->rules[r].n_outputs;
	eg->fds = malloc((n ? n : 1) * sizeof(*eg->fds));
	eg->dst = calloc(n ? n : 1, sizeof(*eg->dst));
	if (!eg->fds || !eg->dst) {
		egress_exit(eg);
		return -ENOMEM;
	}
	eg->sndbuf_min = cfg->so_sndbuf;
	for (size_t r = 0; r < cfg->n_rules; r++) {
		for (size_t o = 0; o < cfg->rules[r].n_outputs; o++, k++) {
			int got = 0;
			int fd = output_open(&cfg->rules[r].outputs[o], cfg->so_sndbuf,
					     &eg->dst[k], &got);

			if (fd < 0) {
				egress_exit(eg);
				return fd;
			}
			eg->fds[eg->n++] = fd;
			if (got < eg->sndbuf_min)
				eg->sndbuf_min = got;
		}
	}
	if (eg->sndbuf_min < cfg->so_sndbuf)
		log_warn("egress send buffer is %d bytes, not the %d configured: "
			 "net.core.wmem_max caps it; run scripts/setup_kernel_tuning.sh "
			 "or give mcrd CAP_NET_ADMIN",
			 eg->sndbuf_min, cfg->so_sndbuf);
	return 0;
}

void egress_exit(struct egress *eg)
{
	for (size_t i = 0; i < eg->n; i++)
		(void)close(eg->fds[i]);
	free(eg->fds);
	free(eg->dst);
	memset(eg, 0, sizeof(*eg));
}
