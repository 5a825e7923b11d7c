/* SPDX-License-Identifier: MIT */
/*
 * Every limit a worker has, checked by the supervisor before a change is
 * committed: at start (and --check-config), on mcrctl add and remove and on
 * reload.  A configuration that passes here does not fail in a worker for
 * want of room in a table; what the supervisor cannot foresee (a descriptor
 * limit, an interface that vanished) a worker refuses at "prepare", and the
 * change is not committed anywhere.  Does not log.
 */
#ifndef MCR_LIMITS_H
#define MCR_LIMITS_H

#include "config/config.h"

/*
 * Fixed files one generation may use: the outgoing generation's stay
 * registered until the new one is in force, so each gets half the table.
 */
#define LIMITS_FILES_PER_GEN	(DP_MAX_FILES / 2)

/**
 * limits_check() - will every worker be able to take cfg?
 * @cfg: a configuration (resolved or not: interfaces are compared by name)
 * @err: on failure, names the interface, the count and the limit
 *
 * Checks input interfaces per worker (INGRESS_MAX_PORTS), the distinct
 * input groups of each family per input interface (the ingress filter,
 * measured by filter_len_dual() as the worker builds it) and the sockets
 * a generation registers (LIMITS_FILES_PER_GEN).
 *
 * Returns 0, or -E2BIG (-ENOMEM) with err filled in.
 */
int limits_check(const struct mcr_config *cfg, struct config_error *err);

#endif
