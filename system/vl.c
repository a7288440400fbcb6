/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main(): command line → machine → accelerator → main loop (SPEC §7, §8).
 * Option syntax follows QEMU (single dash, "-opt value"); the subset libxl passes is
 * accepted and options asking for devices we do not emulate fail with one clear line.
 */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config-host.h"
#include "hw/i386/machine.h"
#include "monitor/qmp.h"
#include "monitor/runstate.h"
#include "qtest/accel.h"
#include "system/check-host.h"
#include "system/compat-opts.h"
#include "system/privileges.h"
#include "xen/xen-accel.h"
#include "util/chardev.h"
#include "util/error.h"
#include "util/file.h"
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
    GPtrArray *sim_faults;   /* -accel qtest,sim-fail=OP:ERRNO[:COUNT] (owned strings) */
    GPtrArray *chardevs;     /* -chardev strings */
    GPtrArray *mons;         /* -mon strings */
    GPtrArray *qmps;         /* -qmp strings */
    GPtrArray *serials;      /* -serial strings */
    bool start_paused;       /* -S */
    const char *xen_domid;
    bool xen_domid_restrict; /* -xen-domid-restrict */
    const char *runas;       /* -runas USER|UID:GID */
    const char *chroot_dir;  /* -chroot DIR */
    const char *sandbox;     /* -sandbox SPEC */
    XptDisplayOpts display;  /* display options accepted and ignored */
} Config;

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

static const char usage[] =
    "usage: xen-pt-dm [options]\n"
    "A Xen device model for HVM guests whose devices are PCI passthrough devices.\n"
    "\n"
    "  -h, --help               print this help and exit\n"
    "  -version                 print the version and exit\n"
    "  -check-host [-json] [-host-sysfs DIR|-host-dump FILE] SBDF...|all\n"
    "                           readiness check: what would stop each device from being\n"
    "                           passed through, and the fix; exit 0 if all are ready\n"
    "  -accel qtest|xen         accelerator (qtest: simulated hypervisor for tests)\n"
    "  -accel qtest,sim-fail=OP:ERRNO[:COUNT]\n"
    "                           make the simulated hypervisor fail OP (tests)\n"
    "  -qtest CHARDEV           qtest protocol on unix:PATH[,server=on] or stdio\n"
    "  -qtest-log FILE          log qtest traffic\n"
    "  -machine xenfv[,hotplug-slots=6-7][,suppress-vmdesc=on][,max-ram-below-4g=SIZE]\n"
    "                           (xenfv has the Xen platform device at 00:03.0, pc not)\n"
    "  -m MiB                   guest RAM size (default 128)\n"
    "  -smp N                   vCPUs (default 1)\n"
    "  -device xen-pci-passthrough,hostaddr=SSSS:BB:DD.F[,id=..][,addr=SS[.F]]\n"
    "          [,permissive=on|off][,multifunction=on|off][,rombar=0|1][,romfile=FILE]\n"
    "          [,unaligned-bars=on|off][,host-sysfs=DIR][,host-dump=FILE]\n"
    "  -device xen-platform[,id=..][,addr=SS]  the Xen platform device (-machine pc)\n"
    "  -device DRIVER,help      list a device's properties\n"
    "  -chardev socket,id=ID,path=PATH|fd=N[,server=on|off][,wait=on|off]\n"
    "  -chardev stdio,id=ID     a character device for -mon (server=off: connect out)\n"
    "  -mon chardev=ID,mode=control[,pretty=on|off]\n"
    "                           QMP monitor on chardev ID (several allowed)\n"
    "  -qmp unix:PATH[,server=on][,wait=off] | stdio\n"
    "                           QMP monitor (shorthand for -chardev + -mon)\n"
    "  -chardev pty|null,id=ID, -chardev file,id=ID,path=PATH[,append=on]\n"
    "                           more character devices (for -serial chardev:ID)\n"
    "  -serial pty|chardev:ID|file:PATH|unix:PATH[,server=on]|stdio|null|none\n"
    "                           COM1, a 16550A at 0x3F8, ISA IRQ 4 (xl: serial=\"pty\")\n"
    "  -S                       start paused: QMP query-status says prelaunch until cont\n"
    "  -xen-domid N             serve Xen domain N (the xen accelerator; libxl passes it)\n"
    "  -xen-domid-restrict      restrict the Xen handles to domain N once started\n"
    "  -chroot DIR              chroot to DIR once started (before -runas)\n"
    "  -runas USER|UID:GID      then drop root for that user and group\n"
    "  -sandbox on|off[,obsolete=allow|deny][,elevateprivileges=allow|deny|children]\n"
    "          [,spawn=allow|deny][,resourcecontrol=allow|deny]\n"
    "                           then arm a seccomp allow-list: any other system call\n"
    "                           kills the process (SIGSYS, exit status 159)\n"
    "  -D FILE                  write log messages to FILE\n"
    "  -d CATEGORIES            enable log categories (-d help lists them)\n"
    "  -msg timestamp=on|off    start every log line with the UTC time\n"
    "  -display none, -vnc none, -audio none, -nodefaults, -no-user-config, -name NAME,\n"
    "  -no-shutdown, -monitor none, -net none, -vga none, -boot ORDER,\n"
    "  -no-acpi, -nographic\n"
    "                           accepted for libxl and libqtest compatibility\n"
    "  -vnc ADDR[,...], -display TYPE, -k KEYMAP, -device cirrus-vga|VGA[,...]\n"
    "                           accepted with one warning: no display is served\n";

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
            if (!cfg->accel || !*cfg->accel) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "-accel %s: no accelerator named (use xen or qtest)", arg);
                return -1;
            }
            const char *fail = xpt_opts_get(ao, "sim-fail");
            if (fail) {
                g_ptr_array_add(cfg->sim_faults, g_strdup(fail));
            }
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
            if (!parse_u64("-smp", parts[0] ? parts[0] : "", 128, &n, errp)) {
                return -1;
            }
            cfg->vcpus = n;
        } else if (!strcmp(o, "-device")) {
            NEED_ARG();
            if (!xpt_display_take_device(&cfg->display, arg)) {
                g_ptr_array_add(cfg->devices, (gpointer)arg);
            }
        } else if (!strcmp(o, "-D")) {
            NEED_ARG();
            if (!xpt_log_set_file(arg, errp)) {
                return -1;
            }
        } else if (!strcmp(o, "-msg")) {
            NEED_ARG();
            if (!xpt_parse_msg(arg, errp)) {
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
        } else if (!strcmp(o, "-xen-domid-restrict")) {
            cfg->xen_domid_restrict = true;
        } else if (!strcmp(o, "-runas")) {
            NEED_ARG();
            cfg->runas = arg;
        } else if (!strcmp(o, "-chroot")) {
            NEED_ARG();
            cfg->chroot_dir = arg;
        } else if (!strcmp(o, "-sandbox")) {
            NEED_ARG();
            cfg->sandbox = arg;
        } else if (!strcmp(o, "-display") || !strcmp(o, "-vnc")) {
            /* libxl: "-vnc none" or "-vnc ADDR:DISPLAY[,password=on][,to=99]", then
             * "-display none" and with sdl=1 "-display sdl" (libxl 4.17 libxl_dm.c
             * libxl__build_device_model_args_new). */
            NEED_ARG();
            if (!xpt_display_take_option(&cfg->display, o, arg, errp)) {
                return -1;
            }
        } else if (!strcmp(o, "-k")) {
            /* libxl passes the keymap= of the configuration for the VNC/SDL display */
            NEED_ARG();
            xpt_display_take_option(&cfg->display, o, arg, NULL);
        } else if (!strcmp(o, "-nographic")) {
            /* libxl with nographic=1 and neither VNC nor SDL: no graphics, as always */
        } else if (!strcmp(o, "-audio")) {
            NEED_ARG();
            if (strcmp(arg, "none") != 0) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "-audio %s: xen-pt-dm has no audio device; use -audio none", arg);
                return -1;
            }
        } else if (!strcmp(o, "-name")) {
            NEED_ARG();
        } else if (!strcmp(o, "-chardev")) {
            NEED_ARG();
            g_ptr_array_add(cfg->chardevs, (gpointer)arg);
        } else if (!strcmp(o, "-mon")) {
            NEED_ARG();
            g_ptr_array_add(cfg->mons, (gpointer)arg);
        } else if (!strcmp(o, "-qmp")) {
            NEED_ARG();
            g_ptr_array_add(cfg->qmps, (gpointer)arg);
        } else if (!strcmp(o, "-monitor")) {
            NEED_ARG();
            if (strcmp(arg, "none") != 0) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "-monitor %s: xen-pt-dm has no human monitor (HMP); use -qmp "
                            "SPEC or -mon chardev=ID,mode=control", arg);
                return -1;
            }
        } else if (!strcmp(o, "-S")) {
            cfg->start_paused = true;
        } else if (!strcmp(o, "-nodefaults") || !strcmp(o, "-no-user-config") ||
                   !strcmp(o, "-no-shutdown")) {
            /* accepted: nothing is created by default, there is no user config */
        } else if (!strcmp(o, "-boot")) {
            /* libxl always passes order=cda for HVM: booting is hvmloader's business */
            NEED_ARG();
            if (!xpt_check_boot(arg, errp)) {
                return -1;
            }
        } else if (!strcmp(o, "-no-acpi")) {
            /* libxl with acpi=0: the ACPI tables are hvmloader's (no hot-plug without) */
        } else if (!strcmp(o, "-serial")) {
            NEED_ARG();
            g_ptr_array_add(cfg->serials, (gpointer)arg);
        } else if ((!strcmp(o, "-net") || !strcmp(o, "-vga")) &&
                   arg && !strcmp(arg, "none")) {
            /* libxl's -net none (no emulated NIC): nothing to create */
            i++;
        } else {
            const char *why = xpt_refused_option(o);
            if (why) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "%s: %s", argv[i], why);
                return -1;
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
static bool parse_serial(const Config *cfg, GPtrArray *chardevs, bool *used,
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

static bool parse_monitors(const Config *cfg, GPtrArray *out, SerialSpec *serial,
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
static int run_machine(const Config *cfg, const XptPrivileges *priv, XptMachine *m,
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
    const Config *cfg;
    Run *run;
} QtestStart;

static bool qtest_start(void *opaque, GError **errp)
{
    QtestStart *q = opaque;
    return xpt_qtest_accel_start(q->accel, q->m, q->cfg->qtest_chardev, q->cfg->qtest_log,
                                 quit_loop, q->run->loop, errp);
}

/* -accel qtest: the simulated hypervisor; exit status 2 when it reports a leak. */
static int run_qtest(const Config *cfg, const XptPrivileges *priv, XptMachineOptions *mo,
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
static int run_xen(const Config *cfg, const XptPrivileges *priv, XptMachineOptions *mo,
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
    Config cfg = { .ram_mib = 128, .vcpus = 1, .devices = g_ptr_array_new(),
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
    int r = parse_args(argc, argv, &cfg, &err);
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
