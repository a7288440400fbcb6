/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line of the device model (SPEC §7): QEMU's option syntax (single dash,
 * "-opt value", --opt taken as -opt), the subset libxl 4.17 passes, read into an
 * XptConfig. Options asking for devices xen-pt-dm does not emulate fail with one clear
 * line (system/compat-opts.h). Checking the values against each other (-machine,
 * -chardev/-mon/-qmp/-serial, the accelerator) is main()'s business (system/vl.c).
 */
#ifndef XPT_SYSTEM_CMDLINE_H
#define XPT_SYSTEM_CMDLINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "system/compat-opts.h"

/*
 * The options as given. Strings point into argv (they live as long as the process) or
 * are interned, except where noted; the caller creates every GPtrArray (without free
 * function unless noted) and the display.ignored array before xpt_cmdline_parse().
 */
typedef struct XptConfig {
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
} XptConfig;
/**
 * xpt_cmdline_parse: read argv[1..argc-1] into @cfg, whose defaults the caller set.
 * -h/-help print the usage, -version the version and -d help the log categories to
 * stdout. -D, -d and -msg take effect at once (util/log.h).
 * Returns 0 to go on, 1 when the process should exit 0 (help or version printed),
 * -1 on an error: XPT_ERROR_INVALID, one line naming the option ("option -m requires
 * an argument", "-x: invalid option (see xen-pt-dm -h)", a refused option's reason).
 */
int xpt_cmdline_parse(int argc, char **argv, XptConfig *cfg, GError **errp);

#endif
