/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -chroot, -runas and -sandbox (system/privileges.h). */
#include "system/privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "util/error.h"
#include "util/log.h"

void xpt_privileges_clear(XptPrivileges *p)
{
    g_free(p->groups);
    p->groups = NULL;
}

/* "UID:GID" (QEMU's numeric -runas form, as libxl passes it) → true. */
static bool parse_uid_gid(const char *spec, uid_t *uid, gid_t *gid)
{
    g_auto(GStrv) parts = g_strsplit(spec, ":", -1);
    guint64 u, g;
    if (g_strv_length(parts) != 2 ||
        !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXUINT32 - 1, &u, NULL) ||
        !g_ascii_string_to_unsigned(parts[1], 10, 0, G_MAXUINT32 - 1, &g, NULL)) {
        return false;
    }
    *uid = (uid_t)u;
    *gid = (gid_t)g;
    return true;
}

/*
 * -runas SPEC: a user name (uid, primary gid and its supplementary groups, as QEMU's
 * initgroups) or UID:GID (that group only). Looked up now, while the password and group
 * databases are reachable: after -chroot they are not.
 */
static bool resolve_runas(const char *spec, XptPrivileges *p, GError **errp)
{
    errno = 0;
    struct passwd *pw = getpwnam(spec);
    if (pw) {
        p->uid = pw->pw_uid;
        p->gid = pw->pw_gid;
        int n = 16;
        for (;;) {
            g_free(p->groups);
            p->groups = g_new(gid_t, n);
            int got = n;
            if (getgrouplist(pw->pw_name, pw->pw_gid, p->groups, &got) >= 0) {
                p->ngroups = got;
                break;
            }
            if (got <= n) {
                /* not a size problem: the primary group alone */
                p->groups[0] = pw->pw_gid;
                p->ngroups = 1;
                break;
            }
            n = got;
        }
    } else if (parse_uid_gid(spec, &p->uid, &p->gid)) {
        p->groups = g_new(gid_t, 1);
        p->groups[0] = p->gid;
        p->ngroups = 1;
    } else {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "-runas %s: no such user; give a user of the password database "
                    "(getent passwd) or UID:GID", spec);
        return false;
    }
    p->runas = spec;
    return true;
}

bool xpt_privileges_parse(const char *chroot_dir, const char *runas, const char *sandbox,
                          XptPrivileges *p, GError **errp)
{
    if (sandbox && !xpt_sandbox_parse(sandbox, &p->sandbox, errp)) {
        return false;
    }
    if (chroot_dir) {
        if (!g_file_test(chroot_dir, G_FILE_TEST_IS_DIR)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                        "-chroot %s: not a directory; create it first (libxl uses "
                        "XEN_RUN_DIR/qemu-root-DOMID)", chroot_dir);
            return false;
        }
        if (geteuid() != 0) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "-chroot %s: chroot needs root; start xen-pt-dm as root (as libxl "
                        "does) or leave -chroot out", chroot_dir);
            return false;
        }
        p->chroot_dir = chroot_dir;
    }
    if (runas) {
        if (!resolve_runas(runas, p, errp)) {
            return false;
        }
        if (geteuid() != 0) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "-runas %s: switching user needs root; start xen-pt-dm as root (as "
                        "libxl does) or leave -runas out", runas);
            return false;
        }
    }
    if (chroot_dir && !runas) {
        xpt_warn_report("-chroot without -runas: a process that is still root can leave a "
                        "chroot; add -runas USER (libxl's dm_restrict passes both)");
    }
    return true;
}

/* setgroups, setresgid, setresuid; then prove root cannot be regained (QEMU does too). */
static bool drop_privileges(const XptPrivileges *p, GError **errp)
{
    const char *step;
    if (setgroups((size_t)p->ngroups, p->groups) < 0) {
        step = "setgroups";
    } else if (setresgid(p->gid, p->gid, p->gid) < 0) {
        step = "setresgid";
    } else if (setresuid(p->uid, p->uid, p->uid) < 0) {
        step = "setresuid";
    } else {
        step = NULL;
    }
    if (step) {
        int err = errno;
        g_set_error(errp, XPT_ERRNO_ERROR, err, "-runas %s: %s failed: %s; start xen-pt-dm "
                    "as root", p->runas, step, g_strerror(err));
        return false;
    }
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    bool dropped = getresuid(&ru, &eu, &su) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
                   ru == p->uid && eu == p->uid && su == p->uid &&
                   rg == p->gid && eg == p->gid && sg == p->gid;
    if (dropped && p->uid != 0) {
        dropped = setuid(0) < 0 && seteuid(0) < 0 && setgid(0) < 0;
    }
    if (!dropped) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_FAILED,
                    "-runas %s: the process could still regain root after dropping "
                    "privileges; refusing to run", p->runas);
        return false;
    }
    return true;
}

bool xpt_privileges_apply(const XptPrivileges *p, GError **errp)
{
    if (p->chroot_dir) {
        if (chroot(p->chroot_dir) < 0 || chdir("/") < 0) {
            int err = errno;
            g_set_error(errp, XPT_ERRNO_ERROR, err, "-chroot %s: %s; start xen-pt-dm as "
                        "root with an existing directory", p->chroot_dir, g_strerror(err));
            return false;
        }
    }
    if (p->runas && !drop_privileges(p, errp)) {
        return false;
    }
    if (p->sandbox.enable) {
        g_autoptr(XptSandbox) sb = xpt_sandbox_build(&p->sandbox, errp);
        if (!sb) {
            return false;
        }
        /* One line to stderr (the toolstack's log), whatever -D says. */
        fprintf(stderr, "xen-pt-dm: sandbox: arming a seccomp allow-list of %u system "
                "calls; any other kills xen-pt-dm with SIGSYS (exit status 159, kernel audit "
                "record type=1326)\n", xpt_sandbox_nr_syscalls(sb));
        fflush(stderr);
        if (!xpt_sandbox_load(sb, errp)) {
            return false;
        }
    }
    return true;
}
