// SPDX-License-Identifier: MIT
/*
 * Interface lookups for the harnesses that resolve a configuration: no
 * interface exists, whatever the machine has, so that a result never
 * depends on where the fuzzer runs.  config_resolve() then takes every
 * rule as waiting for its interfaces and reaches no ioctl().  This
 * definition replaces libc's (and the sanitizers' weak interceptor) in
 * the harness binaries only.
 */
#include <errno.h>
#include <net/if.h>

unsigned int if_nametoindex(const char *name)
{
	(void)name;
	errno = ENODEV;
	return 0;
}
