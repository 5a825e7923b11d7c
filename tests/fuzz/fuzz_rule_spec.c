// SPDX-License-Identifier: MIT
/*
 * mcrd's command line: the --rule shorthand (config/rule_spec.c) and the
 * settings' options (config/settings.c).  Each line of the input is one
 * argument: "--OPTION" or "--OPTION=ARG" sets a setting as mcrd's option
 * does, anything else is a --rule, added in order; then the settings are
 * checked together and the rules resolved.  What loads must write out as
 * a configuration file that loads again and means the same.  No interface
 * exists (fake_if.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings.h"
#include "fuzz.h"

/* More arguments than this add nothing the fuzzer cannot find with fewer. */
#define ARGS_MAX	16

/*
 * "--OPTION[=ARG]" as mcrd takes it; returns 0 or -EINVAL with err filled
 * in, and marks the setting in *given.
 */
static int add_option(struct mcr_config *cfg, const char *arg, uint32_t *given,
		      struct config_error *err)
{
	char name[64];
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct setting *s, *table;
	size_t n;

	(void)snprintf(name, sizeof(name), "%.*s", (int)len, arg);
	s = settings_find_option(name);
	if (!s) {
		(void)snprintf(err->msg, sizeof(err->msg), "no option --%s", name);
		return -EINVAL;
	}
	/* A flag takes no argument, every other option one. */
	if ((s->arg == NULL) != (eq == NULL)) {
		(void)snprintf(err->msg, sizeof(err->msg), "--%s: wrong use", name);
		return -EINVAL;
	}
	table = settings_table(&n);
	*given |= 1U << (s - table);
	return settings_from_arg(cfg, s, eq ? eq + 1 : NULL, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err = { "" };
	char *text = fuzz_strdup(data, size), *line, *save = NULL;
	struct mcr_config cfg;
	uint32_t given = 0;
	int n = 0, rc = 0;

	config_init(&cfg);
	for (line = strtok_r(text, "\n", &save); line && n < ARGS_MAX && rc == 0;
	     line = strtok_r(NULL, "\n", &save), n++) {
		if (!strncmp(line, "--", 2))
			rc = add_option(&cfg, line + 2, &given, &err);
		else
			rc = config_add_shorthand(&cfg, line, &err);
		if (rc < 0)
			fuzz_check_message(err.msg);
	}
	if (rc == 0) {
		rc = settings_check(&cfg, given, true, &err);
		if (rc < 0)
			fuzz_check_message(err.msg);
	}
	if (rc == 0) {
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
