/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xc_physinfo() for the readiness check; see xen/xen-physinfo.h. */
#include "xen/xen-physinfo.h"

#include <errno.h>
#include <glib.h>
#include <xenctrl.h>

#include "util/log.h"

static void quiet_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
                           int errnoval, const char *context, const char *format,
                           va_list al) G_GNUC_PRINTF(5, 0);

/* libxenctrl's complaints (no /dev/xen/privcmd on a machine without Xen) go to -d hv. */
static void quiet_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
                           int errnoval, const char *context, const char *format,
                           va_list al)
{
    if (xpt_log_enabled(XPT_LOG_HV)) {
        g_autofree char *msg = g_strdup_vprintf(format, al);
        xpt_log(XPT_LOG_HV, "libxen %s: %s", context ? context : "?", msg);
    }
}

static void quiet_destroy(struct xentoollog_logger *logger)
{
}

static xentoollog_logger quiet_logger = {
    .vmessage = quiet_vmessage,
    .destroy = quiet_destroy,
};

bool xpt_xen_physinfo_caps(bool *directio, char **why)
{
    xc_physinfo_t info = { 0 };

    *directio = false;
    *why = NULL;
    errno = 0;
    xc_interface *xch = xc_interface_open(&quiet_logger, &quiet_logger, 0);
    if (!xch) {
        *why = g_strdup_printf("xc_interface_open: %s",
                               g_strerror(errno ? errno : ENOENT));
        return false;
    }
    int rc = xc_physinfo(xch, &info);
    int err = errno;
    xc_interface_close(xch);
    if (rc < 0) {
        *why = g_strdup_printf("xc_physinfo: %s", g_strerror(err ? err : EIO));
        return false;
    }
    *directio = info.capabilities & XEN_SYSCTL_PHYSCAP_directio;
    return true;
}
