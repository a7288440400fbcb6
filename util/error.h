/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Errors: GError domains of xen-pt-dm.
 *
 * XPT_ERROR carries the project's own failure classes (XptErrorCode).
 * XPT_ERRNO_ERROR carries a hypervisor or system errno as its code (EPERM, EEXIST, ...),
 * so a caller can test g_error_matches(err, XPT_ERRNO_ERROR, EPERM).
 * Messages are one line for people: what failed, for which device (SBDF), what to do.
 */
#ifndef XPT_UTIL_ERROR_H
#define XPT_UTIL_ERROR_H

#include <glib.h>

#define XPT_ERROR (xpt_error_quark())
#define XPT_ERRNO_ERROR (xpt_errno_error_quark())

typedef enum {
    XPT_ERROR_FAILED,       /* generic */
    XPT_ERROR_INVALID,      /* bad option, property or argument */
    XPT_ERROR_NOT_FOUND,    /* host device, file or id not found */
    XPT_ERROR_UNSUPPORTED,  /* device or feature we refuse (bridge, unaligned BAR, ...) */
    XPT_ERROR_BUSY,         /* slot or id already in use */
    XPT_ERROR_IO,           /* host config space / file I/O failed */
} XptErrorCode;

GQuark xpt_error_quark(void);
GQuark xpt_errno_error_quark(void);

/**
 * xpt_error_set_errno: set *errp in XPT_ERRNO_ERROR with code @err (a positive errno)
 * and message "<formatted>: <strerror(err)>".
 */
void xpt_error_set_errno(GError **errp, int err, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

#endif
