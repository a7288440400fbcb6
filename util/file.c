/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Non-blocking, size-checked reads of regular files; see util/file.h. */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

static const char *file_kind(mode_t mode)
{
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISCHR(mode)) {
        return "a character device";
    }
    if (S_ISBLK(mode)) {
        return "a block device";
    }
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return "not a regular file";
}

/* Open and check; returns the descriptor or -1 with *errp set. */
static int open_regular(const char *path, const char *who, const char *what, uint64_t max,
                        uint64_t *size, GError **errp)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

    if (max == 0) {
        max = XPT_FILE_MAX;
    }
    if (fd < 0) {
        int e = errno;
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "%s: cannot open %s %s: %s; check the path and its permissions",
                    who, what, path, g_strerror(e));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        g_set_error(errp, XPT_ERROR, XPT_ERROR_IO, "%s: cannot stat %s %s: %s", who,
                    what, path, g_strerror(e));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: %s %s is %s, not a regular file; give the path of a regular "
                    "file", who, what, path, file_kind(st.st_mode));
        return -1;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        close(fd);
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: %s %s is %" G_GINT64_FORMAT " bytes, more than the %"
                    G_GUINT64_FORMAT " allowed; give a file of at most that size", who,
                    what, path, (gint64)st.st_size, max);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

bool xpt_file_check_regular(const char *path, const char *who, const char *what,
                            uint64_t max, uint64_t *size, GError **errp)
{
    uint64_t sz = 0;
    int fd = open_regular(path, who, what, max, &sz, errp);

    if (fd < 0) {
        return false;
    }
    close(fd);
    if (size) {
        *size = sz;
    }
    return true;
}

uint8_t *xpt_file_read_regular(const char *path, const char *who, const char *what,
                               uint64_t max, size_t *len, GError **errp)
{
    uint64_t sz = 0;
    int fd;

    *len = 0;
    if (max == 0) {
        max = XPT_FILE_MAX;
    }
    fd = open_regular(path, who, what, max, &sz, errp);
    if (fd < 0) {
        return NULL;
    }
    /* One byte more than allowed, so a file that grew past @max is noticed. */
    size_t cap = (size_t)max + 1;
    g_autofree uint8_t *buf = g_malloc(MIN(cap, (size_t)sz + 1));
    size_t alloc = MIN(cap, (size_t)sz + 1), n = 0;
    for (;;) {
        if (n == alloc) {
            if (alloc == cap) {
                break;
            }
            alloc = MIN(cap, alloc * 2);
            buf = g_realloc(buf, alloc);
        }
        ssize_t r = read(fd, buf + n, alloc - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            int e = errno;
            close(fd);
            g_set_error(errp, XPT_ERROR, XPT_ERROR_IO, "%s: cannot read %s %s: %s", who,
                        what, path, g_strerror(e));
            return NULL;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    if (n > max) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: %s %s holds more than %" G_GUINT64_FORMAT " bytes; give a file "
                    "of at most that size", who, what, path, max);
        return NULL;
    }
    *len = n;
    return g_steal_pointer(&buf);
}

static unsigned std_fds_closed;

unsigned xpt_std_fds_open(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) {
            continue;
        }
        /* The lowest free descriptor is @fd itself (0-2 below it are open now). */
        int nfd = open("/dev/null", O_RDWR | O_NOCTTY);
        if (nfd != fd) {
            static const char msg[] = "xen-pt-dm: error: cannot open /dev/null for a "
                                      "closed standard descriptor\n";
            if (write(2, msg, sizeof(msg) - 1) < 0) {
                /* nothing more can be said */
            }
            _exit(1);
        }
        std_fds_closed |= 1u << fd;
    }
    return std_fds_closed;
}

unsigned xpt_std_fds_closed(void)
{
    return std_fds_closed;
}
