/* SPDX-License-Identifier: MIT */
/*
 * The configuration as the supervisor hands it to its workers: a compact
 * binary image of struct mcr_config, its rules and their outputs, instead
 * of JSON text that each worker would parse and validate again.  Both ends
 * are the same executable (the workers are forked), so the structs travel
 * as they are, with their sizes in the header as a check; every count,
 * string, enum and length is checked again on decoding, so a truncated or
 * garbled image is refused, never trusted.  The structs must hold no
 * pointer but mcr_config.rules and mcr_rule.outputs, which are rebuilt.
 */
#ifndef MCR_CFGWIRE_H
#define MCR_CFGWIRE_H

#include <stddef.h>

#include "config/config.h"

#define CFGWIRE_VERSION	1

/*
 * Encode cfg into a malloc'd image (*ret_data, *ret_len).  Returns 0 or
 * -ENOMEM.
 */
int cfgwire_encode(const struct mcr_config *cfg, char **ret_data, size_t *ret_len);

/*
 * Decode an image into cfg (config_init()ed; on success it owns the rules).
 * Returns 0, or -EBADMSG with err saying what is wrong (cfg left empty), or
 * -ENOMEM.  The result is not resolved: interface indexes are the
 * supervisor's; config_resolve() checks them here and now.
 */
int cfgwire_decode(const char *data, size_t len, struct mcr_config *cfg,
		   struct config_error *err);

#endif
