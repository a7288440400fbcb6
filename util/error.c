/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GError domains; see util/error.h. */
#include "util/error.h"

#include <string.h>

G_DEFINE_QUARK(xpt-error-quark, xpt_error)
G_DEFINE_QUARK(xpt-errno-error-quark, xpt_errno_error)

void xpt_error_set_errno(GError **errp, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(errp, XPT_ERRNO_ERROR, err, "%s: %s", msg, g_strerror(err));
}
