/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The -check-host command line; see system/check-host.h. */
#include "system/check-host.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "hw/host/host-check.h"
#include "hw/i386/machine.h"
#include "qtest/xen-sim.h"
#include "util/error.h"
#include "util/log.h"
#include "util/opts.h"
#include "xen/xen-physinfo.h"

/* QEMU style: "-opt", and "--opt" as the same. */
static const char *opt_name(const char *a)
{
    return a[0] == '-' && a[1] == '-' && a[2] ? a + 1 : a;
}

typedef struct TrialSource {
    const char *sysfs;
    const char *dump;
} TrialSource;

/* A -device value with ',' doubled, as xpt_opts_parse() reads it back. */
static void append_value(GString *s, const char *v)
{
    for (; *v; v++) {
        g_string_append_c(s, *v);
        if (*v == ',') {
            g_string_append_c(s, ',');
        }
    }
}

/*
 * The trial attach of XptCheckAttachFn: a scratch xenfv machine on the simulated Xen,
 * host devices opened read-only (host_shadow, as under -accel qtest: config space read
 * once, never written, BARs never touched), the device added as a cold plug the way
 * -device adds it, then everything freed. Its error is what attaching would say.
 */
static char *trial_attach(void *opaque, const char *sbdf)
{
    const TrialSource *src = opaque;
    g_autoptr(GError) err = NULL;
    XptMachineOptions mo = { .ram_bytes = 128u << 20, .vcpus = 1, .host_shadow = true,
                             .xen_platform = true };
    g_autoptr(GString) spec = g_string_new("xen-pci-passthrough,hostaddr=");

    append_value(spec, sbdf);
    if (src->sysfs) {
        g_string_append(spec, ",host-sysfs=");
        append_value(spec, src->sysfs);
    } else if (src->dump) {
        g_string_append(spec, ",host-dump=");
        append_value(spec, src->dump);
    }
    if (!xpt_machine_parse_slots("6-7", &mo.hotplug_slots, &err)) {
        return g_strdup(err->message);
    }
    /* Quiet: the attach line and the open's warnings would repeat the report. */
    xpt_log_set_file("/dev/null", NULL);
    XptSim *sim = xpt_sim_new(mo.ram_bytes);
    XptMachine *m = xpt_machine_new(xpt_sim_hv(sim), &mo, &err);
    if (m) {
        g_autoptr(XptOpts) opts = xpt_opts_parse(spec->str, "driver", &err);
        if (opts) {
            xpt_machine_device_add(m, opts, &err);
        }
        xpt_machine_free(m);
    }
    xpt_sim_free(sim);
    xpt_log_set_file(NULL, NULL);
    return err ? g_strdup(err->message) : NULL;
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
        xen.dom0 = xpt_xen_physinfo_caps(&xen.directio, &why);
        xen.why = why;
    }
    TrialSource src = { .sysfs = sysfs, .dump = dump };
    XptCheckOptions o = { .sysfs_dir = sysfs, .dump_file = dump, .xen = &xen,
                          .attach = trial_attach, .attach_opaque = &src };
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
