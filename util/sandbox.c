/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -sandbox: the seccomp allow-list (util/sandbox.h). Built with libseccomp only: no
 * hand-written BPF.
 *
 * How the list was made: every system call the binary makes from the moment the filter
 * is armed (end of start-up) to its exit, observed with `strace -f` over the qtest
 * tests (config cycles, BAR programming, MSI, QMP device_add/device_del, SIGTERM,
 * quit) and read from the libxen 4.17 sources for the xen accelerator: xenevtchn
 * (read/write/ioctl on /dev/xen/evtchn), xenforeignmemory and xendevicemodel and
 * libxenctrl's xencall (ioctl and mmap on /dev/xen/privcmd and /dev/xen/hypercall).
 * Anything new that the device model starts to call after start-up must be added here
 * (tests/test-deprivilege.c runs a full cycle under the filter).
 */
#include "util/sandbox.h"

#include <errno.h>
#include <sched.h>              /* CLONE_THREAD (_GNU_SOURCE) */
#include <seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util/error.h"
#include "util/opts.h"

struct XptSandbox {
    scmp_filter_ctx ctx;
    unsigned nr_syscalls;
};

/*
 * Allowed without conditions once start-up is over. Names as libseccomp knows them; a
 * name this architecture lacks (e.g. "open" on aarch64) is skipped.
 */
static const char *const base_syscalls[] = {
    /* I/O on descriptors opened at start-up or by a hot-plug (sysfs, dumps, sockets) */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
    "fcntl", "dup", "dup2", "dup3",
    /* files of a hot-plugged device (libpci's sysfs and dump methods, host BARs) and the
     * socket files unlinked at exit */
    "open", "openat", "stat", "lstat", "fstat", "newfstatat", "statx", "getdents64",
    "readlink", "readlinkat", "access", "faccessat", "faccessat2", "unlink", "unlinkat",
    /* memory: malloc, GLib, host BAR and guest page mappings, libxen hypercall buffers */
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "munlock",
    /* the GLib main loop */
    "poll", "ppoll", "eventfd2", "pipe2",
    /* QMP and qtest sockets already created: accept, talk, close */
    "accept", "accept4", "recvfrom", "recvmsg", "sendto", "sendmsg", "shutdown",
    "getsockopt", "setsockopt", "getsockname", "getpeername",
    /* time */
    "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
    "clock_nanosleep",
    /* signals (SIGTERM/SIGINT through GLib), threads GLib starts */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
    "futex", "set_robust_list", "rseq", "sched_yield", "sched_getaffinity",
    /* who am I (read only) */
    "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
    "getresgid", "getgroups",
    "getrandom", "exit", "exit_group",
};

/* QEMU's groups (qemu-seccomp.c), added by "=allow". */
static const char *const obsolete_syscalls[] = {
    "readdir", "_sysctl", "bdflush", "create_module", "get_kernel_syms", "query_module",
    "sgetmask", "ssetmask", "sysfs", "uselib", "ustat",
};
static const char *const elevate_syscalls[] = {
    "setuid", "setgid", "setpgid", "setsid", "setreuid", "setregid", "setresuid",
    "setresgid", "setfsuid", "setfsgid", "setgroups",
};
static const char *const spawn_syscalls[] = {
    "fork", "vfork", "execve", "execveat", "wait4", "waitid",
};
static const char *const resource_syscalls[] = {
    "getpriority", "setpriority", "sched_setparam", "sched_getparam",
    "sched_setscheduler", "sched_getscheduler", "sched_setaffinity",
    "sched_get_priority_max", "sched_get_priority_min", "sched_setattr", "sched_getattr",
    "prlimit64", "setrlimit", "getrlimit",
};

/* ioctl types allowed (_IOC_TYPE of the request): what libxen and stdio issue. */
static const struct {
    char type;
    const char *what;
} ioctl_types[] = {
    { 'P', "privcmd: hypercalls, dm_op, foreign mappings, restrict" },
    { 'E', "evtchn: bind, unbind, notify, restrict" },
    { 'T', "tty and FIONBIO/FIONREAD (stdio, GLib)" },
};

#define IOC_TYPE_MASK 0xff00u   /* _IOC_TYPEMASK << _IOC_TYPESHIFT */

/* "-sandbox: libseccomp refused the rule for NAME: strerror" in XPT_ERRNO_ERROR. */
static void set_rule_error(GError **errp, const char *name, int rc)
{
    xpt_error_set_errno(errp, -rc, "-sandbox: libseccomp refused the rule for %s", name);
}

/*
 * Resolve @name for the native architecture: the number, or -1 if this architecture
 * has no such call. An unknown name is a bug of the tables above.
 */
static int resolve(const char *name)
{
    int nr = seccomp_syscall_resolve_name(name);
    g_assert(nr != __NR_SCMP_ERROR);
    return nr < 0 ? -1 : nr;
}

static bool allow_list(XptSandbox *s, const char *const *names, size_t n, GError **errp)
{
    for (size_t i = 0; i < n; i++) {
        int nr = resolve(names[i]);
        if (nr < 0) {
            continue;
        }
        int rc = seccomp_rule_add(s->ctx, SCMP_ACT_ALLOW, nr, 0);
        if (rc < 0) {
            set_rule_error(errp, names[i], rc);
            return false;
        }
        s->nr_syscalls++;
    }
    return true;
}

/* The calls allowed only with some arguments. */
static bool allow_conditional(XptSandbox *s, const XptSandboxOptions *o, GError **errp)
{
    int rc;
    /* Signals to this process only (abort(), raise()). */
    const scmp_datum_t self = (scmp_datum_t)getpid();
    rc = seccomp_rule_add(s->ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
                          SCMP_A0(SCMP_CMP_EQ, self, 0));
    if (rc < 0) {
        set_rule_error(errp, "kill", rc);
        return false;
    }
    rc = seccomp_rule_add(s->ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                          SCMP_A0(SCMP_CMP_EQ, self, 0));
    if (rc < 0) {
        set_rule_error(errp, "tgkill", rc);
        return false;
    }
    s->nr_syscalls += 2;

    /* Threads (GLib's worker) but no new process unless spawn=allow. */
    if (o->spawn) {
        rc = seccomp_rule_add(s->ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
    } else {
        rc = seccomp_rule_add(s->ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    }
    if (rc < 0) {
        set_rule_error(errp, "clone", rc);
        return false;
    }
    s->nr_syscalls++;
    /* clone3 passes its flags in memory, which seccomp cannot read: answer ENOSYS and
     * glibc falls back to clone (what container runtimes do). */
    rc = seccomp_rule_add(s->ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc < 0) {
        set_rule_error(errp, "clone3", rc);
        return false;
    }

    /* Thread names (GLib names its threads). */
    const int prctl_ops[] = { PR_SET_NAME, PR_GET_NAME };
    for (size_t i = 0; i < G_N_ELEMENTS(prctl_ops); i++) {
        rc = seccomp_rule_add(s->ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)prctl_ops[i], 0));
        if (rc < 0) {
            set_rule_error(errp, "prctl", rc);
            return false;
        }
    }
    s->nr_syscalls++;

    for (size_t i = 0; i < G_N_ELEMENTS(ioctl_types); i++) {
        rc = seccomp_rule_add(s->ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, IOC_TYPE_MASK,
                                      (scmp_datum_t)((unsigned)ioctl_types[i].type << 8)));
        if (rc < 0) {
            set_rule_error(errp, "ioctl", rc);
            return false;
        }
    }
    s->nr_syscalls++;
    return true;
}

XptSandbox *xpt_sandbox_build(const XptSandboxOptions *o, GError **errp)
{
    g_return_val_if_fail(o && o->enable, NULL);
    /* API level 3: SCMP_ACT_KILL_PROCESS is supported by libseccomp and the kernel. */
    if (seccomp_api_get() < 3) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "-sandbox on: this kernel or libseccomp cannot kill a whole process on "
                    "a forbidden system call (needs Linux 4.14 and libseccomp 2.4); use "
                    "-sandbox off");
        return NULL;
    }
    g_autoptr(XptSandbox) s = g_new0(XptSandbox, 1);
    s->ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!s->ctx) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_FAILED,
                    "-sandbox on: seccomp_init failed (out of memory?)");
        return NULL;
    }
    int rc = seccomp_attr_set(s->ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc < 0) {
        xpt_error_set_errno(errp, -rc, "-sandbox on: cannot apply the filter to every "
                            "thread (SCMP_FLTATR_CTL_TSYNC)");
        return NULL;
    }
    if (!allow_list(s, base_syscalls, G_N_ELEMENTS(base_syscalls), errp) ||
        !allow_conditional(s, o, errp) ||
        (o->obsolete &&
         !allow_list(s, obsolete_syscalls, G_N_ELEMENTS(obsolete_syscalls), errp)) ||
        (o->elevate_privileges &&
         !allow_list(s, elevate_syscalls, G_N_ELEMENTS(elevate_syscalls), errp)) ||
        (o->spawn && !allow_list(s, spawn_syscalls, G_N_ELEMENTS(spawn_syscalls), errp)) ||
        (o->resource_control &&
         !allow_list(s, resource_syscalls, G_N_ELEMENTS(resource_syscalls), errp))) {
        return NULL;
    }
    return g_steal_pointer(&s);
}

unsigned xpt_sandbox_nr_syscalls(const XptSandbox *s)
{
    return s->nr_syscalls;
}

bool xpt_sandbox_load(XptSandbox *s, GError **errp)
{
    int rc = seccomp_load(s->ctx);
    if (rc < 0) {
        xpt_error_set_errno(errp, -rc, "-sandbox on: cannot load the seccomp filter "
                            "(seccomp_load); does this kernel have CONFIG_SECCOMP_FILTER? "
                            "Otherwise use -sandbox off");
        return false;
    }
    return true;
}

void xpt_sandbox_free(XptSandbox *s)
{
    if (!s) {
        return;
    }
    seccomp_release(s->ctx);
    g_free(s);
}

/* ---- -sandbox option ------------------------------------------------------------------- */

/* KEY=allow|deny[|children] → *allow. */
static bool parse_group(XptOpts *opts, const char *key, bool children_ok, bool *allow,
                        GError **errp)
{
    const char *v = xpt_opts_get(opts, key);
    if (!v || !strcmp(v, "deny")) {
        *allow = false;
        return true;
    }
    if (!strcmp(v, "allow") || (children_ok && !strcmp(v, "children"))) {
        *allow = true;
        return true;
    }
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "%s=%s: use %s=allow or %s=deny%s", key,
                v, key, key, children_ok ? " (or children)" : "");
    return false;
}

bool xpt_sandbox_parse(const char *spec, XptSandboxOptions *o, GError **errp)
{
    g_autoptr(XptOpts) opts = xpt_opts_parse(spec, "enable", errp);
    if (!opts) {
        g_prefix_error(errp, "-sandbox %s: ", spec);
        return false;
    }
    XptSandboxOptions r = { 0 };
    if (!xpt_opts_get(opts, "enable")) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "-sandbox %s: say on or off first (-sandbox on[,spawn=deny,...])", spec);
        return false;
    }
    if (!xpt_opts_get_bool(opts, "enable", false, &r.enable, NULL)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "-sandbox %s: '%s' is not on or off; "
                    "use -sandbox on[,...] or -sandbox off", spec, xpt_opts_get(opts, "enable"));
        return false;
    }
    if (!parse_group(opts, "obsolete", false, &r.obsolete, errp) ||
        !parse_group(opts, "elevateprivileges", true, &r.elevate_privileges, errp) ||
        !parse_group(opts, "spawn", false, &r.spawn, errp) ||
        !parse_group(opts, "resourcecontrol", false, &r.resource_control, errp) ||
        !xpt_opts_check_unused(opts, "sandbox", errp)) {
        g_prefix_error(errp, "-sandbox %s: ", spec);
        return false;
    }
    *o = r;
    return true;
}
