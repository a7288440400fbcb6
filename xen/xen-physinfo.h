/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What Xen reports about the host for the readiness check (-check-host): the physinfo
 * capabilities that `xl info` prints as virt_caps (XEN_SYSCTL_PHYSCAP_directio is
 * "hvm_directio": an IOMMU Xen uses for passthrough). libxenctrl's xc_physinfo()
 * (XEN_SYSCTL_physinfo), Xen 4.17 xen/include/public/sysctl.h.
 */
#ifndef XPT_XEN_XEN_PHYSINFO_H
#define XPT_XEN_XEN_PHYSINFO_H

#include <stdbool.h>
#include <stdint.h>

/**
 * xpt_xen_physinfo_caps: open libxenctrl quietly, read xc_physinfo() and close.
 * Returns true with *directio = whether XEN_SYSCTL_PHYSCAP_directio is set (Xen uses an
 * IOMMU for passthrough: `xl info` virt_caps "hvm_directio"); false when this is not a
 * Xen dom0 or the call failed, with *why (g_free) one phrase naming the call and errno
 * (e.g. "xc_interface_open: No such file or directory").
 */
bool xpt_xen_physinfo_caps(bool *directio, char **why);

#endif
