// SPDX-License-Identifier: MIT
/*
 * The --rule shorthand (config/rule_spec.c): each line of the input is one
 * --rule argument, added in order as mcrd's command line does, then the
 * rules are resolved.  What loads must write out as a configuration file
 * that loads again and means the same.  No interface exists (fake_if.c).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* More --rule options than this add nothing the fuzzer cannot find with fewer. */
#define RULES_MAX	16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err = { "" };
	char *text = fuzz_strdup(data, size), *line, *save = NULL;
	struct mcr_config cfg;
	int n = 0, rc = 0;

	config_init(&cfg);
	for (line = strtok_r(text, "\n", &save); line && n < RULES_MAX && rc == 0;
	     line = strtok_r(NULL, "\n", &save), n++) {
		rc = config_add_shorthand(&cfg, line, &err);
		if (rc < 0)
			fuzz_check_message(err.msg);
	}
	if (rc == 0 && cfg.n_rules > 0) {
		fuzz_check_roundtrip(&cfg);
		if (config_resolve(&cfg, &err) == 0)
			fuzz_check_roundtrip(&cfg);
		else
			fuzz_check_message(err.msg);
	}
	config_free(&cfg);
	free(text);
	return 0;
}
