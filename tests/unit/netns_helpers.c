// SPDX-License-Identifier: MIT
/*
 * The private network namespace the packet-ring unit tests run in, and the
 * small pieces of socket and frame plumbing both of them need there.  The
 * namespace is entered once per test program, before cmocka runs the cases,
 * and whether that worked is kept here for need_netns().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_helpers.h"

static const uint8_t test_dst[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x01, 0x01, 0x01 };
static const uint8_t test_src[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* Whether netns_init() got us a namespace of our own; without one nothing may be sent. */
static bool has_netns;

/*
 * Moves the process into a network namespace of its own with lo up.
 * Returns 0, or -EPERM when we may not create one (not root), or another
 * negative errno, having said what failed.
 */
static int enter_private_netns(void)
{
	struct ifreq ifr;
	int fd, ret;

	if (unshare(CLONE_NEWNET) < 0) {
		ret = -errno;
		if (ret != -EPERM)
			fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(-ret));
		return ret;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, "socket: %s\n", strerror(-ret));
		return ret;
	}
	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto out_close;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		goto out_close;
	(void)close(fd);
	return 0;

out_close:
	ret = -errno;
	fprintf(stderr, "bringing lo up: %s\n", strerror(-ret));
	(void)close(fd);
	return ret;
}

int netns_init(const char *suite)
{
	int ret = enter_private_netns();

	/* Only a missing privilege may turn the cases into skips; anything else is a failure. */
	if (ret == -EPERM)
		print_message("%s: not allowed a network namespace, packet socket cases skipped\n",
			      suite);
	else if (ret < 0)
		return -1;
	has_netns = ret == 0;
	return 0;
}

void need_netns(void)
{
	if (!has_netns)
		skip();
}

void bind_to_lo(int fd, uint16_t protocol)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(protocol),
		.sll_ifindex = (int)if_nametoindex("lo"),
	};

	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
}

void put_test_header(uint8_t *eth, uint32_t seq)
{
	uint16_t type = htons(ETH_P_TEST);
	uint32_t seq_be = htonl(seq);

	memcpy(eth, test_dst, ETH_ALEN);
	memcpy(eth + ETH_ALEN, test_src, ETH_ALEN);
	memcpy(eth + 2 * ETH_ALEN, &type, sizeof(type));
	memcpy(eth + ETH_HLEN, &seq_be, sizeof(seq_be));
}

unsigned int count_socket_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "socket:["))
			n++;
	assert_int_equal(fclose(f), 0);
	return n;
}
