/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading files named by the user or found in a host tree without blocking or
 * reading forever (issue 13 item 5).
 *
 * A path given as romfile=, host-dump= or found in a sysfs-like tree (config,
 * resource, rom) may be a FIFO, a character device (/dev/zero) or a huge file. A plain
 * open() of a FIFO blocks until a writer appears, and reading /dev/zero never ends, so
 * every such file is opened with O_NONBLOCK (open(2): "O_NONBLOCK ... the open will not
 * block" on a FIFO) and checked with fstat(2) to be a regular file (S_ISREG, inode(7))
 * of at most a given size before a byte is read. Real sysfs attribute files are
 * regular files whose st_size is the attribute's size (4096 for ordinary attributes,
 * the config space, BAR or ROM size for binary ones: Linux fs/sysfs/file.c).
 */
#ifndef XPT_UTIL_FILE_H
#define XPT_UTIL_FILE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Cap for any file read whole: 16 MiB, the largest expansion ROM (PCI LB 3.0 §6.2.5.2). */
#define XPT_FILE_MAX (16u << 20)

/**
 * xpt_file_check_regular: open @path with O_RDONLY | O_NONBLOCK, without blocking even
 * on a FIFO, and check with fstat() that it is a regular file of at most @max bytes
 * (0 = XPT_FILE_MAX). On failure sets *errp (XPT_ERROR_NOT_FOUND if it cannot be opened,
 * XPT_ERROR_INVALID if it is not a regular file or too large) with one line
 * "@who: @what @path ...; @fix" and returns false; *size receives st_size on success.
 */
bool xpt_file_check_regular(const char *path, const char *who, const char *what,
                            uint64_t max, uint64_t *size, GError **errp);

/**
 * xpt_file_read_regular: xpt_file_check_regular(), then read the whole file from the
 * same descriptor (at most @max bytes; a file that grew past @max meanwhile is refused).
 * Returns a new buffer (g_free) with *len bytes, or NULL with *errp set (XPT_ERROR_IO on
 * a read error).
 */
uint8_t *xpt_file_read_regular(const char *path, const char *who, const char *what,
                               uint64_t max, size_t *len, GError **errp);

/**
 * xpt_std_fds_open: make sure file descriptors 0, 1 and 2 are open, on /dev/null for
 * each one that was closed; call first thing in main(), before anything opens a file or
 * GLib creates its wake-up eventfd (which would otherwise become fd 0 and be read as
 * stdin by a stdio chardev: issue 13 item 6). Returns the mask (bit n = fd n) of the fds
 * that were closed, also kept for xpt_std_fds_closed(). Exits with status 1 (one line on
 * stderr if it can be written) when /dev/null cannot be opened.
 */
unsigned xpt_std_fds_open(void);

/** The mask xpt_std_fds_open() returned (0 before it ran). */
unsigned xpt_std_fds_closed(void);

#endif
