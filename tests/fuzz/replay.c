// SPDX-License-Identifier: MIT
/*
 * A harness without libFuzzer, for `make check`: a cmocka test that feeds
 * every file of the harness's seed corpus (tests/fuzz/corpus/NAME, which
 * holds each input a fuzzer ever failed on) to LLVMFuzzerTestOneInput().
 * Built with the normal compiler, and under ASan/UBSan by `make san`, so
 * that each finding stays a regression test without clang.  A broken check
 * aborts, which the unit runner counts as a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Only the harnesses that need one define it. */
#pragma weak LLVMFuzzerInitialize

#ifndef FUZZ_CORPUS
#error "FUZZ_CORPUS names the harness's seed corpus directory"
#endif

/* The largest seed worth keeping; far above any harness's -max_len. */
#define SEED_MAX	(1 << 20)

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* One seed, fed as libFuzzer would: an exact-size heap copy. */
static void replay_file(const char *path)
{
	uint8_t *buf = malloc(SEED_MAX);
	size_t len = 0;
	FILE *f;

	assert_non_null(buf);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	len = fread(buf, 1, SEED_MAX, f);
	assert_false(ferror(f));
	(void)fclose(f);
	/* Shrink to the exact size, so that ASan sees a read past the input. */
	buf = realloc(buf, len ? len : 1);
	assert_non_null(buf);
	(void)LLVMFuzzerTestOneInput(buf, len);
	free(buf);
}

static void t_replay_corpus(void **state)
{
	struct dirent **names;
	char path[4096];
	int n, seeds = 0;

	(void)state;
	n = scandir(FUZZ_CORPUS, &names, NULL, by_name);
	if (n < 0)
		fail_msg("%s: %s", FUZZ_CORPUS, strerror(errno));
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			(void)snprintf(path, sizeof(path), "%s/%s", FUZZ_CORPUS, names[i]->d_name);
			replay_file(path);
			seeds++;
		}
		free(names[i]);
	}
	free(names);
	print_message("replayed %d seeds of %s\n", seeds, FUZZ_CORPUS);
	assert_true(seeds > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_replay_corpus),
	};

	if (LLVMFuzzerInitialize && LLVMFuzzerInitialize(&argc, &argv) != 0)
		return 1;
	return cmocka_run_group_tests_name(FUZZ_CORPUS, tests, NULL, NULL);
}
