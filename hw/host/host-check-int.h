/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The readiness check's report, shared by host-check.c (the checks) and
 * host-check-report.c (text and JSON); internal to hw/host. */
#ifndef XPT_HW_HOST_HOST_CHECK_INT_H
#define XPT_HW_HOST_HOST_CHECK_INT_H

#include "hw/host/host-check.h"

struct XptCheckReport {
    char *source;
    bool is_dump;
    bool xen_known;
    XptCheckXen xen;
    GPtrArray *devices;     /* XptCheckDevice * */
};

#endif
