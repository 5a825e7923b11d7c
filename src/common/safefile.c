// SPDX-License-Identifier: MIT
/*
 * Safe file creation: mkstemp + rename for contents, O_NOFOLLOW for markers.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safefile.h"

/* -ELOOP for a symbolic link at path, 0 for anything else or nothing. */
static int refuse_link(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	return S_ISLNK(st.st_mode) ? -ELOOP : 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "DIR/.BASE.XXXXXX" beside path, for mkstemp; NULL on ENOMEM. */
static char *temp_template(const char *path)
{
	char *dir_copy = strdup(path), *base_copy = strdup(path), *tmpl = NULL;

	if (dir_copy && base_copy &&
	    asprintf(&tmpl, "%s/.%s.XXXXXX", dirname(dir_copy), basename(base_copy)) < 0)
		tmpl = NULL;
	free(dir_copy);
	free(base_copy);
	return tmpl;
}

int safefile_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp;
	int fd, ret;

	ret = refuse_link(path);
	if (ret < 0)
		return ret;
	tmp = temp_template(path);
	if (!tmp)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	ret = write_all(fd, data, len);
	if (ret == 0 && fchmod(fd, mode) < 0)
		ret = -errno;
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	/* A link planted since the check above is replaced, never followed. */
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0)
		(void)unlink(tmp);
	free(tmp);
	return ret;
}

int safefile_touch(const char *path, mode_t mode)
{
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	(void)close(fd);
	return ret;
}
