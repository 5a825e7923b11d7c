// SPDX-License-Identifier: MIT
/*
 * Unit tests for the logger: levels by name and back, the threshold, and
 * the "<N>" priority prefix that appears only when stderr is the journal
 * stream systemd named in JOURNAL_STREAM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/log.h"

/* Run fn with stderr going to a file; return what it wrote (static buffer). */
static const char *capture(void (*fn)(const char *journal), bool as_journal)
{
	static char out[1024];
	char path[] = "/tmp/mcr-test-log-XXXXXX", env[64];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat st;
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	(void)snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		       (unsigned long long)st.st_ino);
	(void)fflush(stderr);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	fn(as_journal ? env : NULL);
	(void)fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	(void)close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
	(void)close(fd);
	(void)unlink(path);
	return out;
}

static void emit(const char *journal)
{
	if (journal)
		assert_int_equal(setenv("JOURNAL_STREAM", journal, 1), 0);
	else
		assert_int_equal(unsetenv("JOURNAL_STREAM"), 0);
	log_init("mcrd", false, LOG_INFO);
	log_warn("careful");
	log_info("hello");
	log_debug("hidden");
	(void)unsetenv("JOURNAL_STREAM");
}

static void t_plain_stderr(void **state)
{
	(void)state;
	assert_string_equal(capture(emit, false), "mcrd: warning: careful\nmcrd: hello\n");
}

static void t_journal_prefix(void **state)
{
	(void)state;
	assert_string_equal(capture(emit, true), "<4>mcrd: warning: careful\n<6>mcrd: hello\n");
}

/* A JOURNAL_STREAM naming another stream (stderr redirected since) is ignored. */
static void emit_other(const char *journal)
{
	(void)journal;
	assert_int_equal(setenv("JOURNAL_STREAM", "1:2", 1), 0);
	log_init("mcrd", false, LOG_INFO);
	log_info("hello");
	(void)unsetenv("JOURNAL_STREAM");
}

static void t_other_stream(void **state)
{
	(void)state;
	assert_string_equal(capture(emit_other, false), "mcrd: hello\n");
}

static void t_level_names(void **state)
{
	(void)state;
	assert_int_equal(log_level_from_name("debug"), LOG_DEBUG);
	assert_int_equal(log_level_from_name("WARNING"), LOG_WARNING);
	assert_int_equal(log_level_from_name("loud"), -1);
	assert_string_equal(log_level_name(LOG_NOTICE), "notice");
	assert_string_equal(log_level_name(99), "unknown");
	log_set_level(LOG_ERR);
	assert_int_equal(log_get_level(), LOG_ERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_plain_stderr),
		cmocka_unit_test(t_journal_prefix),
		cmocka_unit_test(t_other_stream),
		cmocka_unit_test(t_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
