// SPDX-License-Identifier: MIT
/*
 * Unit tests for lladdr_take(): which of an interface's addresses the MLD
 * querier may send from, on rtnetlink messages built here.  The lowest
 * usable link-local wins; tentative, optimistic and dadfailed ones are
 * skipped but remembered (for the log line); other interfaces, other
 * families and global addresses are passed over; a malformed attribute
 * is refused.  The live dump runs in e2e 88.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "mcrd/membership/lladdr.h"

#define IFX	7
#define MSG_BUF	256

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* An RTM_NEWADDR for addr on ifindex, with flags in IFA_FLAGS (has_flags) or ifa_flags. */
static struct nlmsghdr *msg(char *buf, uint8_t family, unsigned int ifindex, const char *addr,
			    uint32_t flags, bool has_flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct in6_addr a = a6(addr);

	nlh->nlmsg_type = RTM_NEWADDR;
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = 64;
	ifa->ifa_index = ifindex;
	ifa->ifa_flags = (uint8_t)flags;
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
	if (has_flags)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	return nlh;
}

static void assert_addr(struct in6_addr got, const char *want)
{
	struct in6_addr w = a6(want);

	assert_memory_equal(&got, &w, sizeof(w));
}

/* The lowest usable link-local of our interface; the rest passed over. */
static void t_lowest_usable(void **state)
{
	char buf[MSG_BUF];
	struct lladdr ll = { 0 };

	(void)state;
	assert_int_equal(lladdr_take(msg(buf, AF_INET6, IFX, "fe80::9", 0, true), IFX, &ll), 0);
	assert_int_equal(lladdr_take(msg(buf, AF_INET6, IFX, "fe80::5", IFA_F_PERMANENT, true),
				     IFX, &ll), 0);
	assert_int_equal(lladdr_take(msg(buf, AF_INET6, IFX + 1, "fe80::1", 0, true), IFX, &ll), 0);
	assert_int_equal(lladdr_take(msg(buf, AF_INET6, IFX, "2001:db8::1", 0, true), IFX, &ll), 0);
	assert_addr(ll.addr, "fe80::5");
	assert_addr(ll.unusable, "::");
}

/* Under DAD or after it failed: never the source, but named. */
static void t_skips_dad(void **state)
{
	static const uint32_t flags[] = { IFA_F_TENTATIVE, IFA_F_OPTIMISTIC, IFA_F_DADFAILED,
					  IFA_F_TENTATIVE | IFA_F_DADFAILED };
	char buf[MSG_BUF];

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		for (int has = 0; has < 2; has++) {
			struct lladdr ll = { 0 };

			assert_int_equal(lladdr_take(msg(buf, AF_INET6, IFX, "fe80::1", flags[i],
							 has), IFX, &ll), 0);
			assert_addr(ll.addr, "::");
			assert_addr(ll.unusable, "fe80::1");
			assert_int_equal(ll.unusable_flags & flags[i], flags[i]);
			assert_int_equal(lladdr_take(msg(buf, AF_INET6, IFX, "fe80::8", 0, has), IFX,
						     &ll), 0);
			assert_addr(ll.addr, "fe80::8");
		}
	}
	assert_non_null(strstr(lladdr_why(IFA_F_TENTATIVE), "tentative"));
	assert_non_null(strstr(lladdr_why(IFA_F_OPTIMISTIC), "optimistic"));
	assert_non_null(strstr(lladdr_why(IFA_F_DADFAILED | IFA_F_TENTATIVE), "failed"));
}

/* An address attribute of the wrong size, or another message type. */
static void t_malformed(void **state)
{
	char buf[MSG_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct lladdr ll = { 0 };
	uint32_t v4 = htonl(0xc6120001);

	(void)state;
	nlh->nlmsg_type = RTM_NEWADDR;
	ifa->ifa_family = AF_INET6;
	ifa->ifa_index = IFX;
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(v4), &v4);
	assert_int_equal(lladdr_take(nlh, IFX, &ll), -EINVAL);
	nlh = msg(buf, AF_INET6, IFX, "fe80::1", 0, true);
	nlh->nlmsg_type = RTM_DELADDR;
	assert_int_equal(lladdr_take(nlh, IFX, &ll), 0);
	assert_addr(ll.addr, "::");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_lowest_usable),
		cmocka_unit_test(t_skips_dad),
		cmocka_unit_test(t_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
