// SPDX-License-Identifier: MIT
/*
 * Unit tests for safe file creation in shared directories: atomic replace
 * with an unpredictable temporary name, and refusal to follow links that
 * a local user could plant (the attack on a predictable "FILE.tmp.PID").
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/safefile.h"

struct dir {
	char path[64];
};

static int dir_setup(void **state)
{
	struct dir *d = test_malloc(sizeof(*d));

	(void)snprintf(d->path, sizeof(d->path), "/tmp/mcr-safefile-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	*state = d;
	return 0;
}

static int dir_teardown(void **state)
{
	struct dir *d = *state;
	struct dirent *e;
	DIR *dh = opendir(d->path);

	while (dh && (e = readdir(dh)) != NULL) {
		char p[384];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
		(void)unlink(p);
	}
	if (dh)
		(void)closedir(dh);
	(void)rmdir(d->path);
	test_free(d);
	return 0;
}

static void path_in(const struct dir *d, const char *name, char *out, size_t len)
{
	(void)snprintf(out, len, "%s/%s", d->path, name);
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	(void)close(fd);
	return (size_t)n;
}

static size_t count_entries(const struct dir *d)
{
	DIR *dh = opendir(d->path);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(dh);
	while ((e = readdir(dh)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	(void)closedir(dh);
	return n;
}

static void t_replace_writes_and_replaces(void **state)
{
	struct dir *d = *state;
	char path[256], buf[64];
	struct stat st;

	path_in(d, "cfg.json", path, sizeof(path));
	assert_int_equal(safefile_replace(path, "first\n", 6, 0600), 0);
	assert_int_equal(read_file(path, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "first\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(safefile_replace(path, "second", 6, 0644), 0);
	(void)read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "second");
	/* No temporary file is left beside it. */
	assert_int_equal(count_entries(d), 1);
}

/* The old attack: a link at the predictable temporary name. */
static void t_replace_ignores_planted_temp_links(void **state)
{
	struct dir *d = *state;
	char path[256], victim[256], link[300], buf[64];

	path_in(d, "x.json", path, sizeof(path));
	path_in(d, "victim", victim, sizeof(victim));
	assert_int_equal(safefile_replace(victim, "precious", 8, 0600), 0);
	(void)snprintf(link, sizeof(link), "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(symlink(victim, link), 0);

	assert_int_equal(safefile_replace(path, "config", 6, 0644), 0);
	(void)read_file(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious");
	(void)read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "config");
}

static void t_replace_refuses_link_target(void **state)
{
	struct dir *d = *state;
	char path[256], victim[256], buf[64];
	struct stat st;

	path_in(d, "x.json", path, sizeof(path));
	path_in(d, "victim", victim, sizeof(victim));
	assert_int_equal(safefile_replace(victim, "precious", 8, 0600), 0);
	assert_int_equal(symlink(victim, path), 0);

	assert_int_equal(safefile_replace(path, "config", 6, 0644), -ELOOP);
	(void)read_file(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(count_entries(d), 2);
}

static void t_replace_missing_dir_fails_cleanly(void **state)
{
	struct dir *d = *state;
	char path[256];

	path_in(d, "no/such/dir.json", path, sizeof(path));
	assert_int_equal(safefile_replace(path, "x", 1, 0644), -ENOENT);
	assert_int_equal(count_entries(d), 0);
}

static void t_touch_creates_and_keeps(void **state)
{
	struct dir *d = *state;
	char path[256], buf[64];

	path_in(d, "ready", path, sizeof(path));
	assert_int_equal(safefile_touch(path, 0644), 0);
	assert_int_equal(access(path, F_OK), 0);
	/* An existing file is neither truncated nor an error. */
	assert_int_equal(safefile_replace(path, "keep", 4, 0644), 0);
	assert_int_equal(safefile_touch(path, 0644), 0);
	(void)read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "keep");
}

static void t_touch_refuses_links_and_fifos(void **state)
{
	struct dir *d = *state;
	char path[256], victim[256], fifo[256], buf[64];
	int ret;

	path_in(d, "ready", path, sizeof(path));
	path_in(d, "victim", victim, sizeof(victim));
	path_in(d, "fifo", fifo, sizeof(fifo));
	assert_int_equal(safefile_replace(victim, "precious", 8, 0600), 0);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(safefile_touch(path, 0644), -ELOOP);
	(void)read_file(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious");

	/* Never blocks on a FIFO nobody reads: ENXIO, or EINVAL once open. */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	ret = safefile_touch(fifo, 0644);
	assert_true(ret == -ENXIO || ret == -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_replace_writes_and_replaces, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(t_replace_ignores_planted_temp_links, dir_setup,
						dir_teardown),
		cmocka_unit_test_setup_teardown(t_replace_refuses_link_target, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(t_replace_missing_dir_fails_cleanly, dir_setup,
						dir_teardown),
		cmocka_unit_test_setup_teardown(t_touch_creates_and_keeps, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(t_touch_refuses_links_and_fifos, dir_setup,
						dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
