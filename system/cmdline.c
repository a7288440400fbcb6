/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line into an XptConfig: system/cmdline.h. */
#include "system/cmdline.h"

#include <stdio.h>
#include <string.h>

#include "config-host.h"
#include "util/error.h"
#include "util/log.h"
#include "util/opts.h"

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

/* Parse argv into @cfg: system/cmdline.h. */
int xpt_cmdline_parse(int argc, char **argv, XptConfig *cfg, GError **errp)
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