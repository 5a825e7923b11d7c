// SPDX-License-Identifier: MIT
/*
 * The configuration oracles (fuzz.h): what config_to_json() writes loads
 * again and means the same, and an error says why.  Linked by the
 * harnesses that load configurations.
 */
#include <stdlib.h>

#include <jansson.h>

#include "fuzz.h"

void fuzz_check_message(const char *msg)
{
	FUZZ_CHECK(msg[0], "an error without a message");
}

void fuzz_check_roundtrip(const struct mcr_config *cfg)
{
	json_t *first = config_to_json(cfg), *second;
	struct config_error err = { "" };
	struct mcr_config again;
	char *text;
	int rc;

	/* Nothing here runs out of memory: NULL means a value JSON cannot hold. */
	FUZZ_CHECK(first, "config_to_json() failed on a configuration that loaded");
	text = json_dumps(first, JSON_COMPACT);
	FUZZ_CHECK(text, "json_dumps: out of memory");
	config_init(&again);
	rc = config_load_string(&again, text, &err);
	FUZZ_CHECK(rc == 0, "config_to_json() gave %s, which does not load again: %s", text,
		   err.msg);
	second = config_to_json(&again);
	FUZZ_CHECK(second && json_equal(first, second),
		   "config_to_json() gave %s, which loads as something else", text);
	json_decref(second);
	config_free(&again);
	free(text);
	json_decref(first);
}
