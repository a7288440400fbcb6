/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Confinement after start-up (SPEC §7 "Privileges"; reference/toolstack.md §launch,
 * dm_restrict): -chroot DIR, -runas USER|UID:GID and -sandbox on[,...], in QEMU's order.
 */
#ifndef XPT_SYSTEM_PRIVILEGES_H
#define XPT_SYSTEM_PRIVILEGES_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/sandbox.h"

/*
 * -chroot, -runas and -sandbox, checked and resolved before anything is created (the
 * user and groups are looked up while /etc is still reachable), applied by
 * xpt_privileges_apply() once start-up is over.
 */
typedef struct XptPrivileges {
    const char *chroot_dir;
    const char *runas;       /* as given, for messages; NULL = no -runas */
    uid_t uid;
    gid_t gid;
    gid_t *groups;           /* supplementary groups to set (g_free) */
    int ngroups;
    XptSandboxOptions sandbox;
} XptPrivileges;

/**
 * xpt_privileges_parse: check the options (each may be NULL) before anything is created,
 * resolving the -runas user and groups while /etc is reachable. Errors (one line naming
 * the option and what to do): XPT_ERROR_NOT_FOUND (no such directory or user),
 * XPT_ERROR_INVALID (needs root, bad -sandbox). Warns when -chroot comes without -runas.
 */
bool xpt_privileges_parse(const char *chroot_dir, const char *runas, const char *sandbox,
                          XptPrivileges *p, GError **errp);

/**
 * xpt_privileges_apply: once every file, socket, device and Xen handle is open: chroot and
 * chdir("/"), then setgroups/setresgid/setresuid and a check that root cannot be
 * regained, then arm the seccomp filter (one line to stderr first). Errors:
 * XPT_ERRNO_ERROR (the failing call's errno), XPT_ERROR_FAILED (root regainable), the
 * sandbox's errors.
 */
bool xpt_privileges_apply(const XptPrivileges *p, GError **errp);

/** xpt_privileges_clear: free what parse allocated. */
void xpt_privileges_clear(XptPrivileges *p);

#endif
