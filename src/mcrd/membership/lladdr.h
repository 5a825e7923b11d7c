/* SPDX-License-Identifier: MIT */
/*
 * Our link-local IPv6 address on one interface, the source of the MLD
 * queries we send: a one-shot rtnetlink dump (libmnl) of the interface's
 * IPv6 addresses.  RFC 3810 5.1.14 wants a valid link-local source, so an
 * address still under duplicate address detection (tentative, optimistic)
 * or that failed it (dadfailed) is skipped, and named, so that the caller
 * can say why its querier waits.  Does not log.
 */
#ifndef MCR_LLADDR_H
#define MCR_LLADDR_H

#include <linux/if_addr.h>
#include <netinet/in.h>
#include <stdint.h>

struct nlmsghdr;

/* Flags of an address we may not send from yet, or ever (IFA_F_*). */
#define LLADDR_UNUSABLE_FLAGS	(IFA_F_TENTATIVE | IFA_F_OPTIMISTIC | IFA_F_DADFAILED)

struct lladdr {
	struct in6_addr addr;		/* the lowest usable link-local; :: when none */
	struct in6_addr unusable;	/* the lowest link-local skipped; :: when none */
	uint32_t unusable_flags;	/* its IFA_F_* flags */
};

/*
 * Look ifindex's link-local addresses up now (a blocking dump, answered
 * by the kernel at once).  Returns 0 with *ret filled in, or -errno.
 */
int lladdr_get(unsigned int ifindex, struct lladdr *ret);

/*
 * Take one RTM_NEWADDR message of a dump into acc (start from a zeroed
 * struct lladdr): an IPv6 link-local address of ifindex counts, others
 * are passed over.  Returns 0, or -EINVAL for a malformed message.
 */
int lladdr_take(const struct nlmsghdr *nlh, unsigned int ifindex, struct lladdr *acc);

/* Why an address with these IFA_F_* flags is not used, for a log line. */
const char *lladdr_why(uint32_t flags);

#endif
