/* SPDX-License-Identifier: MIT */
/*
 * Writing files in directories other users can write to (/tmp, /run)
 * without being tricked into writing somewhere else.  A daemon running as
 * root that opens a predictable name, or follows a symbolic link a local
 * user planted, overwrites whatever the link points at.  These functions
 * never follow a link at the final path component and never use a
 * predictable temporary name.  Errors come back as -errno; callers word the
 * message, since only they know what the file is for.
 */
#ifndef MCR_SAFEFILE_H
#define MCR_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace path with data, atomically: the data goes to a new file with an
 * unpredictable name (mkstemp) in path's directory, is flushed to disk, gets
 * mode, and is renamed over path.  Readers see the old file or the new one,
 * never half of either.  Returns 0, -ELOOP when path is a symbolic link (it
 * is neither followed nor replaced), or another -errno; on failure path is
 * untouched and no temporary file is left behind.
 */
int safefile_replace(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Create path if it does not exist (an empty marker such as a ready file),
 * or leave an existing regular file as it is.  Returns 0, -ELOOP for a
 * symbolic link, -EINVAL for anything but a regular file, or another -errno.
 */
int safefile_touch(const char *path, mode_t mode);

#endif
