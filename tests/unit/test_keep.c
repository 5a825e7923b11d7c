// SPDX-License-Identifier: MIT
/*
 * Unit tests for keep.c, the message that carries a worker's input sockets
 * to the supervisor: a set crosses a SOCK_SEQPACKET socketpair with its
 * interface indexes in order and descriptors that name the same files, an
 * empty set crosses too, keep_take() hands out each descriptor once, and a
 * malformed message or the peer's end closing are told apart from "nothing
 * waits" without leaking a descriptor.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcrd/keep.h"

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Open descriptors now, to check that nothing leaked. */
static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void t_set_crosses(void **state)
{
	struct keep_set out, in;
	int sv[2], pipes[3][2], before;

	(void)state;
	before = open_fds();
	pair(sv);
	keep_init(&out);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pipe2(pipes[i], O_CLOEXEC), 0);
		out.ifindex[out.n] = 10u + (unsigned int)i;
		out.fd[out.n++] = pipes[i][0];
	}
	assert_int_equal(keep_recv(sv[1], &in), 0);
	assert_int_equal(keep_send(sv[0], &out), 0);
	assert_int_equal(keep_recv(sv[1], &in), 1);
	assert_int_equal(in.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(in.ifindex[i], 10 + i);
		assert_int_not_equal(in.fd[i], pipes[i][0]);
		assert_true(same_file(in.fd[i], pipes[i][0]));
		assert_true(keep_has_fd(&in, in.fd[i]));
	}
	/* Taken once, then no more; the rest close with the set. */
	{
		int fd = keep_take(&in, 11);

		assert_true(fd >= 0 && same_file(fd, pipes[1][0]));
		assert_int_equal(keep_take(&in, 11), -1);
		assert_int_equal(keep_take(&in, 99), -1);
		assert_int_equal(close(fd), 0);
	}
	keep_close(&in);
	assert_int_equal(in.n, 0);
	/* An empty set is a message too: "I hold nothing now". */
	keep_init(&out);
	assert_int_equal(keep_send(sv[0], &out), 0);
	assert_int_equal(keep_recv(sv[1], &in), 1);
	assert_int_equal(in.n, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(close(pipes[i][0]), 0);
		assert_int_equal(close(pipes[i][1]), 0);
	}
	assert_int_equal(close(sv[0]), 0);
	/* The peer's end closed. */
	assert_int_equal(keep_recv(sv[1], &in), -ECONNRESET);
	assert_int_equal(close(sv[1]), 0);
	assert_int_equal(open_fds(), before);
}

static void t_malformed(void **state)
{
	struct keep_set out, in;
	int sv[2], p[2], before;
	uint32_t count = 2;

	(void)state;
	before = open_fds();
	pair(sv);
	/* Too short to hold a count. */
	assert_int_equal(send(sv[0], "x", 1, 0), 1);
	assert_int_equal(keep_recv(sv[1], &in), -EBADMSG);
	/* A count of two with no indexes and no descriptors. */
	assert_int_equal(send(sv[0], &count, sizeof(count), 0), (ssize_t)sizeof(count));
	assert_int_equal(keep_recv(sv[1], &in), -EBADMSG);
	/* A descriptor whose count says none: it is closed, not leaked. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	keep_init(&out);
	out.ifindex[0] = 1;
	out.fd[0] = p[0];
	out.n = 1;
	assert_int_equal(keep_send(sv[0], &out), 0);
	/* Forge the count in place: receive raw, then resend with a wrong count. */
	{
		char buf[64];
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		ssize_t len = recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC);
		uint32_t zero = 0;

		assert_int_equal(len, 8);
		memcpy(buf, &zero, sizeof(zero));
		iov.iov_len = (size_t)len;
		assert_int_equal(sendmsg(sv[0], &msg, 0), len);
		{
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			int fd;

			assert_non_null(c);
			if (!c)
				return;
			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			assert_int_equal(close(fd), 0);
		}
	}
	assert_int_equal(keep_recv(sv[1], &in), -EBADMSG);
	assert_int_equal(keep_recv(sv[1], &in), 0);
	assert_int_equal(close(p[0]), 0);
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(close(sv[0]), 0);
	assert_int_equal(close(sv[1]), 0);
	assert_int_equal(open_fds(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_set_crosses),
		cmocka_unit_test(t_malformed),
	};

	return cmocka_run_group_tests_name("keep", tests, NULL, NULL);
}
