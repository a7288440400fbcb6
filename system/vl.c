/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main(): command line → machine → accelerator → main loop (SPEC §7, §8).
 * The options are read by system/cmdline.c; here they are checked against each other
 * (-machine, -chardev/-mon/-qmp/-serial), then the accelerator runs the machine.
 */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/i386/machine.h"
#include "monitor/qmp.h"
#include "monitor/runstate.h"
#include "qtest/accel.h"
#include "system/check-host.h"
#include "system/cmdline.h"
#include "system/compat-opts.h"
#include "system/privileges.h"
#include "xen/xen-accel.h"
#include "util/chardev.h"
#include "util/error.h"
#include "util/file.h"
#include "util/log.h"
#include "util/opts.h"

/* A QMP monitor to open: from -mon chardev=ID,mode=control or -qmp SPEC. */
typedef struct MonitorSpec {
    XptChardevSpec chr;
    bool pretty;
} MonitorSpec;

/* COM1's chardev from -serial (SPEC §10). */
typedef struct SerialSpec {
    bool present;
    XptChardevSpec chr;
    char *label;             /* "serial0", or ID of -serial chardev:ID */
} SerialSpec;

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
    /* libxl 4.17 (libxl_dm.c libxl__build_device_model_args_new) passes "xenfv" with
     * xen_platform_pci=1, its default, and "pc,accel=xen" with xen_platform_pci=0: as in
     * QEMU, only xenfv has the Xen platform device. */
    mo->xen_platform = type && !strcmp(type, "xenfv");
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
    const char *igd = xpt_opts_get(o, "igd-passthru");
    if (igd && strcmp(igd, "off") != 0) {
        /* libxl adds it for gfx_passthru=1 with an Intel IGD (libxl_dm.c
         * libxl__build_device_model_args_new, LIBXL_GFX_PASSTHRU_KIND_IGD). */
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "-machine igd-passthru=%s: Intel IGD passthrough needs the VGA BIOS, "
                    "legacy VGA ranges and OpRegion, which xen-pt-dm does not provide; set "
                    "gfx_passthru=0 or use QEMU for this guest", igd);
        return false;
    }
    return xpt_opts_check_unused(o, "machine", errp);
}

/*
 * The QMP monitors of -chardev/-mon/-qmp, checked before anything is created so that a
 * mistake costs one line and exit status 1. Fills @out with MonitorSpec* (owned).
 */
static void monitor_spec_free(gpointer p)
{
    MonitorSpec *ms = p;
    xpt_chardev_spec_clear(&ms->chr);
    g_free(ms);
}

/*
 * -serial: at most one port (COM1) besides "none"s. "chardev:ID" takes a -chardev not
 * used by a monitor and keeps its id as the label (QEMU 7.2: query-chardev then lists
 * ID, not serial0); any other backend gets the label "serial0" (QEMU's serial_parse).
 */
static bool parse_serial(const XptConfig *cfg, GPtrArray *chardevs, bool *used,
                         SerialSpec *serial, GError **errp)
{
    for (unsigned i = 0; i < cfg->serials->len; i++) {
        const char *str = g_ptr_array_index(cfg->serials, i);
        if (!strcmp(str, "none")) {
            continue;
        }
        if (serial->present) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "-serial %s: xen-pt-dm provides one serial port (COM1); give one "
                        "serial= in the guest's configuration", str);
            return false;
        }
        if (g_str_has_prefix(str, "chardev:")) {
            const char *id = str + 8;
            unsigned j = 0;
            while (j < chardevs->len &&
                   strcmp(((MonitorSpec *)g_ptr_array_index(chardevs, j))->chr.id, id)) {
                j++;
            }
            if (j == chardevs->len) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "-serial %s: chardev '%s' not found (define it with -chardev)",
                            str, id);
                return false;
            }
            if (used[j]) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "-serial %s: chardev '%s' is already used by a monitor", str, id);
                return false;
            }
            used[j] = true;
            MonitorSpec *src = g_ptr_array_index(chardevs, j);
            serial->chr = src->chr;
            serial->chr.id = g_strdup(src->chr.id);
            serial->chr.path = g_strdup(src->chr.path);
            serial->label = g_strdup(id);
        } else {
            if (!xpt_chardev_parse_serial(str, &serial->chr, errp)) {
                return false;
            }
            serial->label = g_strdup("serial0");
        }
        serial->present = true;
    }
    return true;
}

static bool parse_monitors(const XptConfig *cfg, GPtrArray *out, SerialSpec *serial,
                           GError **errp)
{
    g_autoptr(GPtrArray) chardevs = g_ptr_array_new_with_free_func(monitor_spec_free);
    g_autofree bool *used = g_new0(bool, cfg->chardevs->len + 1);
    bool stdio = cfg->qtest_chardev && !strcmp(cfg->qtest_chardev, "stdio");

    for (unsigned i = 0; i < cfg->chardevs->len; i++) {
        const char *str = g_ptr_array_index(cfg->chardevs, i);
        MonitorSpec *ms = g_new0(MonitorSpec, 1);
        g_ptr_array_add(chardevs, ms);
        if (!xpt_chardev_parse(str, false, &ms->chr, errp)) {
            return false;
        }
        for (unsigned j = 0; j < i; j++) {
            MonitorSpec *other = g_ptr_array_index(chardevs, j);
            if (!strcmp(other->chr.id, ms->chr.id)) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "-chardev %s: Duplicate ID '%s' for chardev", str, ms->chr.id);
                return false;
            }
        }
    }
    for (unsigned i = 0; i < cfg->mons->len; i++) {
        const char *str = g_ptr_array_index(cfg->mons, i);
        g_autoptr(XptOpts) o = xpt_opts_parse(str, NULL, errp);
        bool pretty = false;
        if (!o || !xpt_opts_get_bool(o, "pretty", false, &pretty, errp)) {
            return false;
        }
        const char *chr = xpt_opts_get(o, "chardev");
        const char *mode = xpt_opts_get(o, "mode");
        xpt_opts_get(o, "id");
        if (!xpt_opts_check_unused(o, "mon", errp)) {
            return false;
        }
        if (!chr) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "-mon %s: chardev= is missing",
                        str);
            return false;
        }
        if (g_strcmp0(mode, "control") != 0) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "-mon %s: xen-pt-dm has no human monitor (HMP); use mode=control "
                        "(QMP)", str);
            return false;
        }
        unsigned j = 0;
        while (j < chardevs->len &&
               strcmp(((MonitorSpec *)g_ptr_array_index(chardevs, j))->chr.id, chr)) {
            j++;
        }
        if (j == chardevs->len) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "-mon %s: chardev '%s' not found (define it with -chardev)", str,
                        chr);
            return false;
        }
        if (used[j]) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "-mon %s: chardev '%s' is already used by another monitor", str, chr);
            return false;
        }
        used[j] = true;
        MonitorSpec *ms = g_new0(MonitorSpec, 1);
        MonitorSpec *src = g_ptr_array_index(chardevs, j);
        ms->chr = src->chr;
        ms->chr.id = g_strdup(src->chr.id);
        ms->chr.path = g_strdup(src->chr.path);
        ms->pretty = pretty;
        g_ptr_array_add(out, ms);
    }
    if (!parse_serial(cfg, chardevs, used, serial, errp)) {
        return false;
    }
    for (unsigned j = 0; j < chardevs->len; j++) {
        if (!used[j]) {
            xpt_warn_report("-chardev id=%s is not used by any -mon or -serial; ignored",
                            ((MonitorSpec *)g_ptr_array_index(chardevs, j))->chr.id);
        }
    }
    for (unsigned i = 0; i < cfg->qmps->len; i++) {
        MonitorSpec *ms = g_new0(MonitorSpec, 1);
        g_ptr_array_add(out, ms);
        if (!xpt_chardev_parse(g_ptr_array_index(cfg->qmps, i), true, &ms->chr, errp)) {
            g_prefix_error(errp, "-qmp: ");
            return false;
        }
    }
    for (unsigned i = 0; i <= out->len; i++) {
        const XptChardevSpec *chr = i < out->len
            ? &((MonitorSpec *)g_ptr_array_index(out, i))->chr
            : serial->present ? &serial->chr : NULL;
        if (!chr || chr->backend != XPT_CHARDEV_STDIO) {
            continue;
        }
        if (stdio) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "stdio can serve only one of -qtest, the QMP monitors and -serial");
            return false;
        }
        stdio = true;
    }
    unsigned closed = xpt_std_fds_closed() & 3;
    if (stdio && closed) {
        /* fd 0/1 are /dev/null now (xpt_std_fds_open): the client could never talk. */
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "a stdio chardev (-qtest stdio, -qmp stdio or -chardev stdio) needs "
                    "standard %s open, but xen-pt-dm was started with it closed; use a "
                    "socket (unix:PATH,server=on) or start it with %s open",
                    closed & 1 ? "input" : "output", closed & 1 ? "stdin" : "stdout");
        return false;
    }
    return true;
}

static void serial_spec_clear(SerialSpec *serial)
{
    xpt_chardev_spec_clear(&serial->chr);
    g_clear_pointer(&serial->label, g_free);
}

static void quit_loop(void *opaque)
{
    g_main_loop_quit(opaque);
}

/*
 * SIGTERM/SIGINT/SIGHUP: SHUTDOWN event "host-signal", then exit 0 like QEMU (QEMU 7.2
 * os-posix.c os_setup_signal_handling and softmmu/runstate.c qemu_system_killed treat
 * the three alike, also under -no-shutdown). libxl 4.17 stops the device model with
 * one SIGHUP on xl destroy and on the death of the domain (tools/libs/light/
 * libxl_aoutils.c libxl__kill_xs_path, called by libxl_dm.c kill_device_model), with
 * no SIGTERM or SIGKILL after it; only a device model run under its own uid
 * (dm_restrict) is killed with SIGKILL (kill_device_model_uid_child).
 */
static gboolean on_signal(gpointer opaque)
{
    xpt_qmp_event_shutdown("host-signal");
    g_main_loop_quit(opaque);
    return G_SOURCE_CONTINUE;
}

/* The main loop of one run, and whether it ended because the accelerator failed. */
typedef struct Run {
    GMainLoop *loop;
    bool failed;
} Run;

static void run_failed(void *opaque)
{
    Run *run = opaque;
    run->failed = true;
    g_main_loop_quit(run->loop);
}

/* device_del goes through the guest's ACPI hot-plug (hw/i386/machine.h). */
static const XptQmpMachineOps machine_ops = { .request_unplug = xpt_machine_device_unplug };

/*
 * What both accelerators share once the machine exists: -device cold plug, the QMP
 * monitors, @start (the accelerator begins delivering guest I/O), the main loop until
 * quit/SIGTERM/SIGINT/SIGHUP/failure. Returns the exit status (0, or 1 on a failure).
 */
static int run_machine(const XptConfig *cfg, const XptPrivileges *priv, XptMachine *m,
                       GPtrArray *monitors, bool (*start)(void *opaque, GError **errp),
                       void *start_opaque, Run *run)
{
    g_autoptr(GError) err = NULL;
    int status = 0;

    for (unsigned i = 0; i < cfg->devices->len && status == 0; i++) {
        const char *spec = g_ptr_array_index(cfg->devices, i);
        g_autoptr(XptOpts) o = xpt_opts_parse(spec, "driver", &err);
        if (!o || !xpt_machine_device_add(m, o, &err)) {
            xpt_error_report("-device %s: %s", spec, err->message);
            status = 1;
        }
    }
    xpt_runstate_set(cfg->start_paused ? XPT_RUNSTATE_PRELAUNCH : XPT_RUNSTATE_RUNNING);
    XptQmpConfig qc = { .machine = m, .machine_ops = &machine_ops, .vcpus = cfg->vcpus,
                        .quit = quit_loop, .quit_opaque = run->loop };
    xpt_qmp_init(&qc);
    m->device_deleted = xpt_qmp_device_deleted_hook;
    m->power_event = xpt_qmp_power_event_hook;
    for (unsigned i = 0; i < monitors->len && status == 0; i++) {
        MonitorSpec *ms = g_ptr_array_index(monitors, i);
        if (!xpt_qmp_monitor_add(&ms->chr, ms->pretty, &err)) {
            xpt_error_report("%s", err->message);
            status = 1;
        }
    }
    if (status == 0 && !start(start_opaque, &err)) {
        xpt_error_report("%s", err->message);
        status = 1;
    }
    if (status == 0) {
        guint sigterm = g_unix_signal_add(SIGTERM, on_signal, run->loop);
        guint sigint = g_unix_signal_add(SIGINT, on_signal, run->loop);
        guint sighup = g_unix_signal_add(SIGHUP, on_signal, run->loop);
        if (!xpt_privileges_apply(priv, &err)) {
            xpt_error_report("%s", err->message);
            status = 1;
        } else {
            g_main_loop_run(run->loop);
            status = run->failed ? 1 : 0;
        }
        g_source_remove(sigterm);
        g_source_remove(sigint);
        g_source_remove(sighup);
    }
    m->device_deleted = NULL;
    m->power_event = NULL;
    xpt_qmp_finalize();
    return status;
}

typedef struct QtestStart {
    XptQtestAccel *accel;
    XptMachine *m;
    const XptConfig *cfg;
    Run *run;
} QtestStart;

static bool qtest_start(void *opaque, GError **errp)
{
    QtestStart *q = opaque;
    return xpt_qtest_accel_start(q->accel, q->m, q->cfg->qtest_chardev, q->cfg->qtest_log,
                                 quit_loop, q->run->loop, errp);
}

/* -accel qtest: the simulated hypervisor; exit status 2 when it reports a leak. */
static int run_qtest(const XptConfig *cfg, const XptPrivileges *priv, XptMachineOptions *mo,
                     GPtrArray *monitors)
{
    g_autoptr(GError) err = NULL;
    if (!cfg->qtest_chardev) {
        xpt_error_report("-accel qtest needs -qtest unix:PATH[,server=on] or -qtest stdio");
        return 1;
    }
    if (cfg->xen_domid_restrict) {
        xpt_error_report("-xen-domid-restrict: only the xen accelerator (-xen-domid N) has "
                         "Xen handles to restrict; leave it out with -accel qtest");
        return 1;
    }
    mo->host_shadow = true;      /* qtest: host devices are never written (SPEC §3) */
    XptQtestAccel *accel = xpt_qtest_accel_new(mo->ram_bytes);
    for (unsigned i = 0; i < cfg->sim_faults->len; i++) {
        if (!xpt_sim_fail_spec(accel->sim, g_ptr_array_index(cfg->sim_faults, i), &err)) {
            xpt_error_report("-accel qtest: %s", err->message);
            xpt_qtest_accel_free(accel);
            return 1;
        }
    }
    XptMachine *m = xpt_machine_new(xpt_sim_hv(accel->sim), mo, &err);
    if (!m) {
        xpt_error_report("machine: %s", err->message);
        xpt_qtest_accel_free(accel);
        return 1;
    }
    Run run = { .loop = g_main_loop_new(NULL, FALSE) };
    QtestStart q = { accel, m, cfg, &run };
    int status = run_machine(cfg, priv, m, monitors, qtest_start, &q, &run);
    g_main_loop_unref(run.loop);
    xpt_machine_free(m);
    if (xpt_qtest_accel_finish(accel) > 0 && status == 0) {
        status = 2;
    }
    xpt_qtest_accel_free(accel);
    return status;
}

typedef struct XenStart {
    XptXenAccel *xa;
    XptMachine *m;
    bool restrict_handles;      /* -xen-domid-restrict */
} XenStart;

/* Enable, bind, write "running"; then -xen-domid-restrict (start-up needs are done). */
static bool xen_start(void *opaque, GError **errp)
{
    XenStart *x = opaque;
    return xpt_xen_accel_start(x->xa, x->m, errp) &&
           (!x->restrict_handles || xpt_xen_accel_restrict(x->xa, errp));
}

/*
 * -accel xen (-xen-domid N): the ioreq server is created before the machine (whose
 * chipset and devices claim through it) and enabled once they exist; teardown stops
 * guest I/O first, then detaches every device through the live server, then destroys it
 * (reference/xen-abi.md §Call sequences).
 */
static int run_xen(const XptConfig *cfg, const XptPrivileges *priv, XptMachineOptions *mo,
                   GPtrArray *monitors)
{
    g_autoptr(GError) err = NULL;
    guint64 domid;
    if (!cfg->xen_domid) {
        xpt_error_report("-accel xen needs -xen-domid N (the guest's domain id)");
        return 1;
    }
    if (!g_ascii_string_to_unsigned(cfg->xen_domid, 10, 1, XPT_XEN_MAX_DOMID, &domid, NULL)) {
        xpt_error_report("-xen-domid %s: not a guest domain id (1 to %u)", cfg->xen_domid,
                         XPT_XEN_MAX_DOMID);
        return 1;
    }
    if (cfg->sim_faults->len) {
        xpt_error_report("-accel qtest,sim-fail=...: only the qtest accelerator simulates "
                         "the hypervisor");
        return 1;
    }
    XptXenAccel *xa = xpt_xen_accel_new((unsigned)domid, &err);
    if (!xa) {
        xpt_error_report("%s", err->message);
        return 1;
    }
    mo->vcpus = xpt_xen_accel_nr_vcpus(xa);      /* Xen's count, not -smp */
    mo->host_shadow = false;                     /* pciback-owned devices are written */
    XptMachine *m = xpt_machine_new(xpt_xen_accel_hv(xa), mo, &err);
    if (!m) {
        xpt_error_report("machine: %s", err->message);
        xpt_xen_accel_free(xa);
        return 1;
    }
    Run run = { .loop = g_main_loop_new(NULL, FALSE) };
    xpt_xen_accel_set_fatal_hook(xa, run_failed, &run);
    XenStart x = { xa, m, cfg->xen_domid_restrict };
    int status = run_machine(cfg, priv, m, monitors, xen_start, &x, &run);
    xpt_xen_accel_stop(xa);
    xpt_machine_free(m);
    xpt_xen_accel_free(xa);
    g_main_loop_unref(run.loop);
    return status;
}

/* "-device DRIVER,help": print the property list. Returns true if handled. */
static bool device_help(const char *spec, int *status)
{
    if (!strstr(spec, "help")) {
        return false;   /* no "help" key possible: spare a parse per -device */
    }
    g_autoptr(XptOpts) o = xpt_opts_parse(spec, "driver", NULL);
    if (!o || !xpt_opts_get(o, "help")) {
        return false;
    }
    const char *driver = xpt_opts_get(o, "driver");
    if (!g_strcmp0(driver, "help")) {
        printf("Passthrough devices:\nname \"xen-pci-passthrough\", bus PCI\n\n"
               "Misc devices:\nname \"xen-platform\", bus PCI, desc \"XEN platform pci "
               "device\"\n");
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
    xpt_std_fds_open();     /* before anything takes fd 0-2 (issue 13 item 6) */
    g_autoptr(GPtrArray) sim_faults = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) chardevs = g_ptr_array_new();
    g_autoptr(GPtrArray) mons = g_ptr_array_new();
    g_autoptr(GPtrArray) qmps = g_ptr_array_new();
    g_autoptr(GPtrArray) serials = g_ptr_array_new();
    SerialSpec serial = { 0 };
    g_autoptr(GPtrArray) monitors = g_ptr_array_new_with_free_func(monitor_spec_free);
    g_autoptr(GPtrArray) display = g_ptr_array_new_with_free_func(g_free);
    XptConfig cfg = { .ram_mib = 128, .vcpus = 1, .devices = g_ptr_array_new(),
                   .sim_faults = sim_faults, .chardevs = chardevs, .mons = mons,
                   .qmps = qmps, .serials = serials, .display = { .ignored = display } };
    g_autoptr(GError) err = NULL;
    int status = 0;

    /* A QMP or qtest client that vanishes must not kill us (writes use MSG_NOSIGNAL
     * on sockets; stdio writes need this). QEMU ignores SIGPIPE too. */
    signal(SIGPIPE, SIG_IGN);

    if (xpt_check_host_wanted(argc, argv)) {        /* a mode of its own */
        g_ptr_array_free(cfg.devices, TRUE);
        return xpt_check_host_main(argc, argv);
    }
    int r = xpt_cmdline_parse(argc, argv, &cfg, &err);
    if (r != 0) {
        g_ptr_array_free(cfg.devices, TRUE);
        if (r < 0) {
            xpt_error_report("%s", err->message);
            return 1;
        }
        return 0;
    }
    xpt_display_warn(&cfg.display);
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

    if (!parse_monitors(&cfg, monitors, &serial, &err)) {
        xpt_error_report("%s", err->message);
        serial_spec_clear(&serial);
        g_ptr_array_free(cfg.devices, TRUE);
        return 1;
    }

    XptMachineOptions mo = { .ram_bytes = cfg.ram_mib << 20, .vcpus = cfg.vcpus,
                             .serial = serial.present ? &serial.chr : NULL,
                             .serial_label = serial.label };
    if (!parse_machine(cfg.machine, &mo, &cfg.accel, &err)) {
        xpt_error_report("%s", err->message);
        serial_spec_clear(&serial);
        g_ptr_array_free(cfg.devices, TRUE);
        return 1;
    }
    XptPrivileges priv = { 0 };
    if (!xpt_privileges_parse(cfg.chroot_dir, cfg.runas, cfg.sandbox, &priv, &err)) {
        xpt_error_report("%s", err->message);
        xpt_privileges_clear(&priv);
        serial_spec_clear(&serial);
        g_ptr_array_free(cfg.devices, TRUE);
        return 1;
    }
    if (!cfg.accel) {
        cfg.accel = cfg.xen_domid ? "xen" : (cfg.qtest_chardev ? "qtest" : "xen");
    }
    int rc;
    if (!strcmp(cfg.accel, "xen")) {
        rc = run_xen(&cfg, &priv, &mo, monitors);
    } else if (!strcmp(cfg.accel, "qtest")) {
        rc = run_qtest(&cfg, &priv, &mo, monitors);
    } else {
        xpt_error_report("-accel %s: unknown accelerator (use xen or qtest)", cfg.accel);
        rc = 1;
    }
    xpt_privileges_clear(&priv);
    serial_spec_clear(&serial);
    g_ptr_array_free(cfg.devices, TRUE);
    return rc;
}
