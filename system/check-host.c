/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The -check-host command line; see system/check-host.h. */
#include "system/check-host.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "hw/host/host-check.h"
#include "util/error.h"
#include "util/log.h"
#include "xen/xen-physinfo.h"

/* QEMU style: "-opt", and "--opt" as the same. */
static const char *opt_name(const char *a)
{
    return a[0] == '-' && a[1] == '-' && a[2] ? a + 1 : a;
}

bool xpt_check_host_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(opt_name(argv[i]), "-check-host")) {
            return true;
        }
    }
    return false;
}

int xpt_check_host_main(int argc, char **argv)
{
    const char *sysfs = NULL, *dump = NULL;
    bool json = false, all = false;
    g_autoptr(GPtrArray) sbdfs = g_ptr_array_new();
    g_autoptr(GError) err = NULL;

    for (int i = 1; i < argc; i++) {
        const char *o = opt_name(argv[i]);
        const char **dest = !strcmp(o, "-host-sysfs") ? &sysfs
                          : !strcmp(o, "-host-dump") ? &dump : NULL;
        if (!strcmp(o, "-check-host")) {
            continue;
        } else if (!strcmp(o, "-json")) {
            json = true;
        } else if (dest) {
            if (i + 1 >= argc) {
                xpt_error_report("option %s requires an argument", argv[i]);
                return 1;
            }
            *dest = argv[++i];
        } else if (argv[i][0] == '-') {
            xpt_error_report("%s: not an option of -check-host; use xen-pt-dm -check-host "
                             "[-json] [-host-sysfs DIR | -host-dump FILE] SBDF...|all",
                             argv[i]);
            return 1;
        } else if (!strcmp(argv[i], "all")) {
            all = true;
        } else {
            g_ptr_array_add(sbdfs, argv[i]);
        }
    }
    if (sysfs && dump) {
        xpt_error_report("-check-host: -host-sysfs and -host-dump are mutually exclusive");
        return 1;
    }
    if (all == (sbdfs->len > 0)) {
        xpt_error_report("-check-host: name the devices (SSSS:BB:DD.F, as lspci -D prints "
                         "them) or all, not %s", all ? "both" : "neither");
        return 1;
    }

    XptCheckXen xen = { 0 };
    g_autofree char *why = NULL;
    if (!dump) {
        xen.dom0 = xpt_xen_physinfo_caps(&xen.physcap, &why);
        xen.why = why;
    }
    XptCheckOptions o = { .sysfs_dir = sysfs, .dump_file = dump, .xen = &xen };
    g_autoptr(XptCheckReport) r = xpt_host_check(&o, all ? NULL
                                                 : (const char *const *)sbdfs->pdata,
                                                 sbdfs->len, &err);
    if (!r) {
        xpt_error_report("-check-host: %s", err->message);
        return 1;
    }
    if (!xpt_check_report_count(r)) {
        xpt_error_report("-check-host: no endpoint in %s", dump ? dump : sysfs ? sysfs
                         : "/sys");
        return 1;
    }
    g_autofree char *out = json ? xpt_check_report_json(r, true) : xpt_check_report_text(r);
    fputs(out, stdout);
    if (json) {
        fputc('\n', stdout);
    }
    fflush(stdout);
    return xpt_check_report_ready(r) ? 0 : 1;
}
