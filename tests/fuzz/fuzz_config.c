// SPDX-License-Identifier: MIT
/*
 * The JSON configuration loader (config/config_json.c with settings.c and
 * value.c) and the checks across rules (config_resolve()), on any bytes as
 * a configuration file.  A configuration that loads must write out as JSON
 * that loads again and means the same, before and after resolution.
 * Interfaces never exist here (fake_if.c), so resolution checks names,
 * input keys and duplicate outputs but reads no interface of the machine.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err = { "" };
	struct mcr_config cfg;
	char *text = fuzz_strdup(data, size);

	config_init(&cfg);
	if (config_load_string(&cfg, text, &err) == 0) {
		fuzz_check_roundtrip(&cfg);
		if (config_resolve(&cfg, &err) == 0)
			fuzz_check_roundtrip(&cfg);
		else
			fuzz_check_message(err.msg);
	} else {
		fuzz_check_message(err.msg);
	}
	config_free(&cfg);
	free(text);
	return 0;
}
