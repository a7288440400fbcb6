/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -sandbox: a seccomp allow-list built with libseccomp (SPEC §7 "Privileges").
 *
 * Armed by main() last, after -chroot and -runas (QEMU's order), once every file,
 * socket and Xen handle the device model needs at start-up is open. From then on the
 * process may make only the system calls listed in sandbox.c: what the GLib main loop,
 * the qtest and xen accelerators (libxen's privcmd and evtchn ioctls included), the QMP
 * monitors, hot-plug of a host device (opening its sysfs files or dump) and shutdown
 * use. Any other system call kills the whole process (SCMP_ACT_KILL_PROCESS): it dies
 * by SIGSYS — exit status 159 in a shell, "died due to fatal signal Bad system call" in
 * libxl's log — and the kernel logs an audit record (type=1326, "syscall=N") to dmesg
 * or the journal. System calls of another architecture (i386, x32) are killed too.
 *
 * The filter applies to every thread (SCMP_FLTATR_CTL_TSYNC) and sets no_new_privs.
 * QEMU's -sandbox sub-options are accepted; since QEMU's list is a deny-list and this
 * one an allow-list, "deny" (the default) means "not in the list" and "allow" adds the
 * group: obsolete (old system calls), elevateprivileges (set*id; "children" is taken
 * as "allow": no_new_privs is always set), spawn (fork, vfork, execve, clone of a
 * process) and resourcecontrol (scheduler and priority settings).
 */
#ifndef XPT_UTIL_SANDBOX_H
#define XPT_UTIL_SANDBOX_H

#include <glib.h>
#include <stdbool.h>

/* What -sandbox asked for. Zero-initialised = off. */
typedef struct XptSandboxOptions {
    bool enable;                /* on */
    bool obsolete;              /* obsolete=allow */
    bool elevate_privileges;    /* elevateprivileges=allow|children */
    bool spawn;                 /* spawn=allow */
    bool resource_control;      /* resourcecontrol=allow */
} XptSandboxOptions;

/**
 * xpt_sandbox_parse: parse the argument of -sandbox, QEMU's syntax:
 * "on|off[,obsolete=allow|deny][,elevateprivileges=allow|deny|children]
 * [,spawn=allow|deny][,resourcecontrol=allow|deny]" (also enable=on|off).
 * Errors: XPT_ERROR_INVALID with one line naming the bad part (util/opts.h texts for
 * unknown keys: "Property 'sandbox.KEY' not found"). @o is only written on success.
 */
bool xpt_sandbox_parse(const char *spec, XptSandboxOptions *o, GError **errp);

/** XptSandbox: a built filter, not yet loaded into the kernel. */
typedef struct XptSandbox XptSandbox;

/**
 * xpt_sandbox_build: build the allow-list filter for @o (which must have enable set)
 * with libseccomp: default action SCMP_ACT_KILL_PROCESS, TSYNC, no_new_privs.
 * Errors: XPT_ERROR_UNSUPPORTED when libseccomp or the kernel cannot kill a whole
 * process (SECCOMP_RET_KILL_PROCESS needs Linux 4.14 and libseccomp API level 3);
 * XPT_ERRNO_ERROR (code = errno) when libseccomp refuses a rule.
 */
XptSandbox *xpt_sandbox_build(const XptSandboxOptions *o, GError **errp);

/** xpt_sandbox_nr_syscalls: how many system calls the filter allows (for the log line). */
unsigned xpt_sandbox_nr_syscalls(const XptSandbox *s);

/**
 * xpt_sandbox_load: load the filter into the kernel for every thread of the process
 * (seccomp_load). Irreversible. Errors: XPT_ERRNO_ERROR with the errno of seccomp_load
 * (e.g. EINVAL when the kernel has no seccomp filter support, ESRCH when another thread
 * already has a different filter).
 */
bool xpt_sandbox_load(XptSandbox *s, GError **errp);

/** xpt_sandbox_free: release the filter (a loaded filter stays in force). NULL is fine. */
void xpt_sandbox_free(XptSandbox *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptSandbox, xpt_sandbox_free)

#endif
