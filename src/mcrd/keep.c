// SPDX-License-Identifier: MIT
/*
 * Ingress sockets that outlive their worker: the message that carries them.
 * One SOCK_SEQPACKET message is a uint32 count, that many uint32 interface
 * indexes, and as many descriptors in one SCM_RIGHTS control message, in
 * the same order.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mcrd/keep.h"

struct keep_msg {
	uint32_t n;
	uint32_t ifindex[KEEP_MAX];
};

union keep_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * KEEP_MAX)];
};

void keep_init(struct keep_set *k)
{
	k->n = 0;
}

void keep_close(struct keep_set *k)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->fd[i] >= 0)
			(void)close(k->fd[i]);
	k->n = 0;
}

bool keep_has_fd(const struct keep_set *k, int fd)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->fd[i] == fd)
			return true;
	return false;
}

int keep_take(struct keep_set *k, unsigned int ifindex)
{
	for (size_t i = 0; i < k->n; i++) {
		int fd = k->fd[i];

		if (fd >= 0 && k->ifindex[i] == ifindex) {
			k->fd[i] = -1;
			return fd;
		}
	}
	return -1;
}

int keep_send(int sock, const struct keep_set *k)
{
	struct keep_msg m = { .n = (uint32_t)k->n };
	union keep_cmsg cbuf;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m.n) + k->n * sizeof(m.ifindex[0]) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (k->n > KEEP_MAX)
		return -E2BIG;
	for (size_t i = 0; i < k->n; i++)
		m.ifindex[i] = k->ifindex[i];
	if (k->n) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * k->n);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * k->n);
		memcpy(CMSG_DATA(c), k->fd, sizeof(int) * k->n);
	}
	if (sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* The descriptors of every SCM_RIGHTS in msg, in order, into fds[0..max). */
static size_t collect_fds(struct msghdr *msg, int *fds, size_t max)
{
	size_t n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < cnt; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (n < max)
				fds[n++] = fd;
			else
				(void)close(fd);
		}
	}
	return n;
}

int keep_recv(int sock, struct keep_set *ret)
{
	struct keep_msg m;
	union keep_cmsg cbuf;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
			      .msg_controllen = sizeof(cbuf.buf) };
	ssize_t len = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	size_t n_fds;

	if (len < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	n_fds = collect_fds(&msg, ret->fd, KEEP_MAX);
	ret->n = n_fds;
	if ((size_t)len < sizeof(m.n) || m.n != n_fds || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)len != sizeof(m.n) + n_fds * sizeof(m.ifindex[0])) {
		keep_close(ret);
		return len == 0 ? -ECONNRESET : -EBADMSG;
	}
	for (size_t i = 0; i < n_fds; i++)
		ret->ifindex[i] = m.ifindex[i];
	return 1;
}
