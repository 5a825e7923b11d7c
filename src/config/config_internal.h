/* SPDX-License-Identifier: MIT */
/*
 * What the files of src/config share and nothing outside it sees: how a
 * failure is reported and how long the places and values quoted in
 * messages may be.  Included only from src/config/.
 */
#ifndef MCR_CONFIG_INTERNAL_H
#define MCR_CONFIG_INTERNAL_H

#include "config/config.h"

/* Room for "rules[4095].outputs[4095].interface" and a little more. */
#define PATH_MAX_LEN		96
/* Values quoted in messages are cut to this many characters. */
#define SHOWN_MAX		72

/*
 * config_fail() - leave one message in @err (which may be NULL).
 * Returns: @rc, so that a failing check reads "return config_fail(...)".
 */
__attribute__((format(printf, 3, 4)))
int config_fail(struct config_error *err, int rc, const char *fmt, ...);

/* The JSON value as text for a message, cut to SHOWN_MAX characters. */
void config_json_show(const json_t *v, char buf[SHOWN_MAX + 4]);

#endif
