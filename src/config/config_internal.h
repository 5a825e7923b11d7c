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

/*
 * config_downstream_add() - expand a "downstream" list into @r's outputs:
 * one copy of @tmpl per name in @names (@n of them), "when": "joined" and
 * marked is_downstream, appended after the outputs @r has.  Refuses an
 * empty list, the input interface, a name listed twice or also given as an
 * output, and more than MCR_MAX_OUTPUTS outputs in all; @where names the
 * field in messages.  On failure @r may hold some of them: the caller
 * clears the rule.
 * Returns: 0, -EINVAL or -ENOMEM with @err filled in.
 */
int config_downstream_add(struct mcr_rule *r, const char *const *names, size_t n,
			  const struct mcr_output *tmpl, const char *where,
			  struct config_error *err);

/* The first output expanded from @r's list (the options they share), or NULL. */
const struct mcr_output *config_downstream_first(const struct mcr_rule *r);

/*
 * Whether the list's options @o are the defaults (the input's group and
 * port, TTL decremented, the relay's source): then the list is written as
 * a plain array of names.
 */
bool config_downstream_is_plain(const struct mcr_rule *r, const struct mcr_output *o);

#endif
