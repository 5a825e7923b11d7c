/* SPDX-License-Identifier: MIT */
/*
 * What the libFuzzer harnesses in tests/fuzz share: the entry points
 * libFuzzer calls, the check that stops a run with a message when a
 * property the code promises does not hold, and the configuration oracles.
 * A harness never calls exit(), keeps no state from one input to the next
 * and asks the machine nothing that differs between machines (see
 * fake_if.c).
 */
#ifndef MCR_FUZZ_H
#define MCR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A promise broken: print why and abort(), which libFuzzer reports as a crash. */
#define FUZZ_CHECK(cond, ...)                                  \
	do {                                                   \
		if (!(cond))                                   \
			fuzz_fail(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* @data as a NUL-terminated string (malloc'd; an embedded NUL ends it early). */
char *fuzz_strdup(const uint8_t *data, size_t size);

/*
 * config.h promises that config_to_json()'s output loads again with
 * config_load_string() and means the same: check that for @cfg.
 */
void fuzz_check_roundtrip(const struct mcr_config *cfg);

/*
 * An error from the config module says why.  (It need not be UTF-8: a
 * quote cut short may end mid-character, and the protocol's error
 * responses replace such bytes.)
 */
void fuzz_check_message(const char *msg);

#endif
