/*
 * main(): command line → machine → accelerator → main loop (SPEC §7, §8).
 * Option syntax follows QEMU (single dash, "-opt value"); the subset libxl passes is
 * accepted and options asking for devices we do not emulate fail with one clear line.
 */
#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-host.h"
#include "hw/i386/machine.h"
#include "qtest/accel.h"
#include "util/error.h"
#include "util/log.h"
#include "util/opts.h"

typedef struct Config {
    const char *accel;
    const char *qtest_chardev;
    const char *qtest_log;
    const char *machine;
    uint64_t ram_mib;
    unsigned vcpus;
    GPtrArray *devices;      /* -device strings */
    const char *xen_domid;
} Config;

static const char usage[] =
    "usage: xen-pt-dm [options]\n"
    "A Xen device model for HVM guests whose devices are PCI passthrough devices.\n"
    "\n"
    "  -h, --help               print this help and exit\n"
    "  -version                 print the version and exit\n"
    "  -accel qtest|xen         accelerator (qtest: simulated hypervisor for tests)\n"
    "  -qtest CHARDEV           qtest protocol on unix:PATH[,server=on] or stdio\n"
    "  -qtest-log FILE          log qtest traffic\n"
    "  -machine xenfv[,hotplug-slots=6-7][,suppress-vmdesc=on][,max-ram-below-4g=SIZE]\n"
    "  -m MiB                   guest RAM size (default 128)\n"
    "  -smp N                   vCPUs (default 1)\n"
    "  -device xen-pci-passthrough,hostaddr=SSSS:BB:DD.F[,id=..][,addr=SS[.F]]\n"
    "          [,permissive=on|off][,multifunction=on|off][,rombar=0|1][,romfile=FILE]\n"
    "          [,unaligned-bars=on|off][,host-sysfs=DIR][,host-dump=FILE]\n"
    "  -device DRIVER,help      list a device's properties\n"
    "  -D FILE                  write log messages to FILE\n"
    "  -d CATEGORIES            enable log categories (-d help lists them)\n"
    "  -display none, -nodefaults, -no-user-config, -name NAME, -S, -no-shutdown\n"
    "                           accepted for libxl and libqtest compatibility\n";

/* Options for emulated devices xen-pt-dm does not provide: refused, with the reason. */
static const struct {
    const char *opt;
    const char *why;
} refused[] = {
    { "-drive", "xen-pt-dm emulates no disks; use a PV disk (xen-blkfront) or QEMU" },
    { "-hda", "xen-pt-dm emulates no disks; use a PV disk (xen-blkfront) or QEMU" },
    { "-cdrom", "xen-pt-dm emulates no disks; use a PV disk (xen-blkfront) or QEMU" },
    { "-net", "xen-pt-dm emulates no NICs; pass a NIC through or use a PV vif" },
    { "-netdev", "xen-pt-dm emulates no NICs; pass a NIC through or use a PV vif" },
    { "-vga", "xen-pt-dm emulates no graphics; configure vga=\"none\"" },
    { "-serial", "xen-pt-dm emulates no serial port; configure serial=[]" },
    { "-usb", "xen-pt-dm emulates no USB controller; pass one through" },
    { "-soundhw", "xen-pt-dm emulates no sound device; pass one through" },
};

static bool parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out, GError **errp)
{
    guint64 v;
    if (!g_ascii_string_to_unsigned(s, 10, 1, max, &v, NULL)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: '%s' is not a number from 1 to %" G_GUINT64_FORMAT, opt, s, max);
        return false;
    }
    *out = v;
    return true;
}

/* Parse argv into @cfg. Returns 0 to continue, or an exit status + 1 (help/version). */
static int parse_args(int argc, char **argv, Config *cfg, GError **errp)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        /* QEMU accepts --opt as -opt. */
        if (o[0] == '-' && o[1] == '-' && o[2]) {
            o++;
        }
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG() \
        do { \
            if (!arg) { \
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, \
                            "option %s requires an argument", argv[i]); \
                return -1; \
            } \
            i++; \
        } while (0)

        if (!strcmp(o, "-h") || !strcmp(o, "-help")) {
            fputs(usage, stdout);
            return 1;
        } else if (!strcmp(o, "-version")) {
            printf("xen-pt-dm version " XPT_VERSION " (libpci " XPT_LIBPCI_VERSION
                   ", Xen " XPT_XEN_VERSION ")\n");
            return 1;
        } else if (!strcmp(o, "-accel")) {
            NEED_ARG();
            g_autoptr(XptOpts) ao = xpt_opts_parse(arg, "accel", errp);
            if (!ao) {
                return -1;
            }
            cfg->accel = g_intern_string(xpt_opts_get(ao, "accel"));
            if (!xpt_opts_check_unused(ao, "accel", errp)) {
                return -1;
            }
        } else if (!strcmp(o, "-qtest")) {
            NEED_ARG();
            cfg->qtest_chardev = arg;
        } else if (!strcmp(o, "-qtest-log")) {
            NEED_ARG();
            cfg->qtest_log = arg;
        } else if (!strcmp(o, "-machine") || !strcmp(o, "-M")) {
            NEED_ARG();
            cfg->machine = arg;
        } else if (!strcmp(o, "-m")) {
            NEED_ARG();
            if (!parse_u64("-m", arg, 1u << 20, &cfg->ram_mib, errp)) {
                return -1;
            }
        } else if (!strcmp(o, "-smp")) {
            NEED_ARG();
            uint64_t n;
            g_auto(GStrv) parts = g_strsplit(arg, ",", 2);
            if (!parse_u64("-smp", parts[0], 128, &n, errp)) {
                return -1;
            }
            cfg->vcpus = n;
        } else if (!strcmp(o, "-device")) {
            NEED_ARG();
            g_ptr_array_add(cfg->devices, (gpointer)arg);
        } else if (!strcmp(o, "-D")) {
            NEED_ARG();
            if (!xpt_log_set_file(arg, errp)) {
                return -1;
            }
        } else if (!strcmp(o, "-d")) {
            NEED_ARG();
            if (!strcmp(arg, "help")) {
                fputs(xpt_log_categories_help(), stdout);
                return 1;
            }
            if (!xpt_log_set_categories(arg, errp)) {
                return -1;
            }
        } else if (!strcmp(o, "-xen-domid")) {
            NEED_ARG();
            cfg->xen_domid = arg;
        } else if (!strcmp(o, "-display")) {
            NEED_ARG();
            if (strcmp(arg, "none") != 0) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "-display %s: xen-pt-dm has no display; use -display none", arg);
                return -1;
            }
        } else if (!strcmp(o, "-name")) {
            NEED_ARG();
        } else if (!strcmp(o, "-nodefaults") || !strcmp(o, "-no-user-config") ||
                   !strcmp(o, "-S") || !strcmp(o, "-no-shutdown")) {
            /* accepted: nothing is created by default, there is no user config */
        } else {
            for (size_t r = 0; r < G_N_ELEMENTS(refused); r++) {
                if (!strcmp(o, refused[r].opt)) {
                    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "%s: %s", argv[i],
                                refused[r].why);
                    return -1;
                }
            }
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "%s: invalid option (see xen-pt-dm -h)", argv[i]);
            return -1;
        }
#undef NEED_ARG
    }
    return 0;
}

/* -machine xenfv[,key=value...] into machine options. */
static bool parse_machine(const char *spec, XptMachineOptions *mo, const char **accel,
                          GError **errp)
{
    if (!xpt_machine_parse_slots("6-7", &mo->hotplug_slots, errp)) {
        return false;
    }
    if (!spec) {
        return true;
    }
    g_autoptr(XptOpts) o = xpt_opts_parse(spec, "type", errp);
    if (!o) {
        return false;
    }
    const char *type = xpt_opts_get(o, "type");
    if (type && strcmp(type, "xenfv") && strcmp(type, "pc")) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "-machine %s: unsupported machine type (xen-pt-dm provides xenfv)", type);
        return false;
    }
    const char *slots = xpt_opts_get(o, "hotplug-slots");
    if (slots && !xpt_machine_parse_slots(slots, &mo->hotplug_slots, errp)) {
        return false;
    }
    const char *macc = xpt_opts_get(o, "accel");
    if (macc) {
        *accel = g_intern_string(macc);
    }
    /* libxl's options with no effect on a passthrough-only device model. */
    xpt_opts_get(o, "suppress-vmdesc");
    xpt_opts_get(o, "max-ram-below-4g");
    xpt_opts_get(o, "igd-passthru");
    return xpt_opts_check_unused(o, "machine", errp);
}

static void quit_loop(void *opaque)
{
    g_main_loop_quit(opaque);
}

static gboolean on_signal(gpointer opaque)
{
    g_main_loop_quit(opaque);
    return G_SOURCE_CONTINUE;
}

/* "-device DRIVER,help": print the property list. Returns true if handled. */
static bool device_help(const char *spec, int *status)
{
    g_autoptr(XptOpts) o = xpt_opts_parse(spec, "driver", NULL);
    if (!o || !xpt_opts_get(o, "help")) {
        return false;
    }
    const char *driver = xpt_opts_get(o, "driver");
    if (!g_strcmp0(driver, "help")) {
        printf("Passthrough devices:\nname \"xen-pci-passthrough\", bus PCI\n");
        *status = 0;
        return true;
    }
    const char *help = xpt_machine_device_help(driver);
    if (!help) {
        xpt_error_report("'%s' is not a valid device model name", driver ? driver : "");
        *status = 1;
        return true;
    }
    fputs(help, stdout);
    *status = 0;
    return true;
}

int main(int argc, char **argv)
{
    Config cfg = { .ram_mib = 128, .vcpus = 1, .devices = g_ptr_array_new() };
    g_autoptr(GError) err = NULL;
    int status = 0;

    int r = parse_args(argc, argv, &cfg, &err);
    if (r != 0) {
        g_ptr_array_free(cfg.devices, TRUE);
        if (r < 0) {
            xpt_error_report("%s", err->message);
            return 1;
        }
        return 0;
    }
    /* -device help / -device DRIVER,help (QEMU: "-device help" lists drivers). */
    for (unsigned i = 0; i < cfg.devices->len; i++) {
        const char *spec = g_ptr_array_index(cfg.devices, i);
        if (!strcmp(spec, "help")) {
            spec = "help,help";
        }
        if (device_help(spec, &status)) {
            g_ptr_array_free(cfg.devices, TRUE);
            return status;
        }
    }

    XptMachineOptions mo = { .ram_bytes = cfg.ram_mib << 20, .vcpus = cfg.vcpus };
    if (!parse_machine(cfg.machine, &mo, &cfg.accel, &err)) {
        xpt_error_report("%s", err->message);
        g_ptr_array_free(cfg.devices, TRUE);
        return 1;
    }
    if (!cfg.accel) {
        cfg.accel = cfg.xen_domid ? "xen" : (cfg.qtest_chardev ? "qtest" : "xen");
    }
    if (!strcmp(cfg.accel, "xen")) {
        xpt_error_report("the xen accelerator is not built into this version yet; "
                         "use -accel qtest (the simulated hypervisor)");
        g_ptr_array_free(cfg.devices, TRUE);
        return 1;
    }
    if (strcmp(cfg.accel, "qtest") != 0) {
        xpt_error_report("-accel %s: unknown accelerator (use xen or qtest)", cfg.accel);
        g_ptr_array_free(cfg.devices, TRUE);
        return 1;
    }
    if (!cfg.qtest_chardev) {
        xpt_error_report("-accel qtest needs -qtest unix:PATH[,server=on] or -qtest stdio");
        g_ptr_array_free(cfg.devices, TRUE);
        return 1;
    }

    mo.host_shadow = true;      /* qtest: host devices are never written (SPEC §3) */
    XptQtestAccel *accel = xpt_qtest_accel_new(mo.ram_bytes);
    XptMachine *m = xpt_machine_new(xpt_sim_hv(accel->sim), &mo, &err);
    if (!m) {
        xpt_error_report("machine: %s", err->message);
        xpt_qtest_accel_free(accel);
        g_ptr_array_free(cfg.devices, TRUE);
        return 1;
    }
    for (unsigned i = 0; i < cfg.devices->len && status == 0; i++) {
        const char *spec = g_ptr_array_index(cfg.devices, i);
        g_autoptr(XptOpts) o = xpt_opts_parse(spec, "driver", &err);
        if (!o || !xpt_machine_device_add(m, o, &err)) {
            xpt_error_report("-device %s: %s", spec, err->message);
            status = 1;
        }
    }
    g_ptr_array_free(cfg.devices, TRUE);

    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    if (status == 0 &&
        !xpt_qtest_accel_start(accel, m, cfg.qtest_chardev, cfg.qtest_log, quit_loop, loop,
                               &err)) {
        xpt_error_report("%s", err->message);
        status = 1;
    }
    guint sigterm = 0, sigint = 0;
    if (status == 0) {
        sigterm = g_unix_signal_add(SIGTERM, on_signal, loop);
        sigint = g_unix_signal_add(SIGINT, on_signal, loop);
        g_main_loop_run(loop);
        g_source_remove(sigterm);
        g_source_remove(sigint);
    }
    g_main_loop_unref(loop);

    xpt_machine_free(m);
    if (xpt_qtest_accel_finish(accel) > 0 && status == 0) {
        status = 2;
    }
    xpt_qtest_accel_free(accel);
    return status;
}
