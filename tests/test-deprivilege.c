/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deprivileging (SPEC §7 "Privileges"; reference/toolstack.md §launch, dm_restrict):
 * -sandbox, -runas and -chroot through the real binary under -accel qtest, and the
 * seccomp filter of util/sandbox.c killing a process that makes a forbidden call.
 * (-xen-domid-restrict is tested against the libxen fake in tests/test-xen-accel.c.)
 *
 * The binary is told apart from other processes by a unique "-name" (accepted and
 * ignored, as libxl passes it), so that the test can read /proc/PID/status.
 * Tests that switch user or chroot need root; they are skipped otherwise.
 *
 * Sanitizer builds: LeakSanitizer checks leaks at exit by ptrace()ing the process's own
 * threads, which the seccomp filter forbids and which a process that switched user
 * (no longer dumpable) may not do. main() therefore adds detect_leaks=0 to
 * ASAN_OPTIONS for the binaries this file starts; every other test keeps the check.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"
#include "util/error.h"
#include "util/sandbox.h"

#define DUMP_82576 "pciutils-tests/cap-pcie-2"      /* 82576 NIC, 0000:01:00.0 */
#define HOST_82576 "0000:01:00.0"
#define DUMP_VIRTIO "pciutils-tests/cap-vendor-virtio"
#define HOST_VIRTIO "0000:00:09.0"
#define SLOT2 0x10                  /* devfn of the first passthrough slot */
#define NIC_MSI 0x50                /* MSI capability of the 82576 (64-bit, per-vector mask) */
#define B0EJ 0xae08                 /* ACPI eject register (reference/toolstack.md §acpi) */
#define ARMED_LINE "xen-pt-dm: sandbox: arming a seccomp allow-list of "

extern char **environ;

static const char *self_path;       /* argv[0], for the sandbox probe */

/* ---- helpers ---------------------------------------------------------------------------- */

/* A unique -name value for this run, to find the process in /proc. */
static char *new_marker(void)
{
    static unsigned n;
    return g_strdup_printf("xpt-deprivilege-%d-%u", (int)getpid(), ++n);
}

/* The pid of the xen-pt-dm started with "-name @marker" (its cmdline), or 0. */
static pid_t find_pid(const char *marker)
{
    g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
    g_assert_nonnull(d);
    const char *ent;
    while ((ent = g_dir_read_name(d))) {
        guint64 pid;
        if (!g_ascii_string_to_unsigned(ent, 10, 1, G_MAXINT32, &pid, NULL)) {
            continue;
        }
        g_autofree char *path = g_strdup_printf("/proc/%s/cmdline", ent);
        g_autofree char *cmd = NULL;
        gsize len = 0;
        if (!g_file_get_contents(path, &cmd, &len, NULL)) {
            continue;
        }
        /* NUL-separated words: look for "-name" followed by the marker. */
        for (gsize i = 0; i < len; i += strlen(cmd + i) + 1) {
            if (!strcmp(cmd + i, "-name") && i + 6 < len && !strcmp(cmd + i + 6, marker)) {
                return (pid_t)pid;
            }
        }
    }
    return 0;
}

/* The value of line "@key:\t..." of /proc/@pid/status, whitespace normalised. */
static char *proc_status(pid_t pid, const char *key)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *prefix = g_strdup_printf("%s:", key);
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, prefix)) {
            g_auto(GStrv) words = g_strsplit_set(*l + strlen(prefix), " \t", -1);
            GString *s = g_string_new(NULL);
            for (char **w = words; *w; w++) {
                if (**w) {
                    g_string_append_printf(s, "%s%s", s->len ? " " : "", *w);
                }
            }
            return g_string_free(s, FALSE);
        }
    }
    g_error("/proc/%d/status has no %s line", (int)pid, key);
}

/* SIGTERM, then the exit status (shell-style) within 10 s; frees @qts. */
static int sigterm_and_wait(XptQts *qts)
{
    xpt_qts_signal(qts, SIGTERM);
    int status = xpt_qts_wait_exit(qts, 10000);
    if (status != 0) {
        g_autofree char *err = xpt_qts_stderr(qts);
        g_printerr("xen-pt-dm stderr:\n%s\n", err);
    }
    xpt_qts_quit(qts);
    return status;
}

/* The binary must fail with exit status 1 and exactly one line on stderr holding @want. */
static void assert_option_error(const char *args, const char *want)
{
    g_autofree char *err = NULL;
    int status = xpt_qts_run_expect_fail(args, &err);
    if (status != 1 || !strstr(err, want) || strchr(err, '\n') != err + strlen(err) - 1) {
        g_error("xen-pt-dm %s: exit %d, stderr:\n%s(want one line with \"%s\")", args, status,
                err, want);
    }
}

static bool is_root(void)
{
    if (geteuid() != 0) {
        g_test_skip("needs root (setuid/chroot)");
        return false;
    }
    return true;
}

/* QMP: the query-pci device whose qdev_id is @id (a new reference), or NULL. */
static JsonObject *pci_find(XptQmp *q, const char *id)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "{\"execute\": \"query-pci\"}");
    JsonArray *buses = json_node_get_array(xpt_qmp_reply_return(r));
    JsonArray *devs = json_object_get_array_member(json_array_get_object_element(buses, 0),
                                                   "devices");
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        if (!g_strcmp0(json_object_get_string_member(d, "qdev_id"), id)) {
            return json_object_ref(d);
        }
    }
    return NULL;
}

static void qmp_ok(XptQmp *q, const char *cmd)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "%s", cmd);
    if (!xpt_qmp_reply_return(r)) {
        g_error("QMP %s: %s", cmd, xpt_qmp_reply_desc(r));
    }
}

/* ---- -sandbox: a whole life under the filter ------------------------------------------------ */

/*
 * Start with -sandbox on, drive the guest side over qtest (config reads and writes, BAR
 * programming, MSI enable), then a QMP session (query-pci, device_add, device_del with
 * the guest's eject), then SIGTERM: exit status 0, the filter in force (Seccomp: 2) and
 * one line saying it was armed.
 */
static void test_sandbox_full_cycle(void)
{
    g_autofree char *marker = new_marker();
    XptQmp *qmp = xpt_qmp_listen();
    g_autofree char *args = g_strdup_printf(
        "%s -name %s -sandbox on -device xen-pci-passthrough,hostaddr=" HOST_82576
        ",id=nic0,host-dump=%s", xpt_qmp_args(qmp), marker, xpt_test_fixture(DUMP_82576));
    XptQts *qts = xpt_qts_start(args);
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(qmp);
    pid_t pid = find_pid(marker);
    g_assert_cmpint(pid, >, 0);
    g_autofree char *seccomp = proc_status(pid, "Seccomp");
    g_assert_cmpstr(seccomp, ==, "2");                  /* SECCOMP_MODE_FILTER */
    g_autofree char *nnp = proc_status(pid, "NoNewPrivs");
    g_assert_cmpstr(nnp, ==, "1");

    /* qtest: identity, BAR0 programming with memory decode, MSI enable. */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x10) & ~0xfu, ==, 0xf0000000);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);          /* MEM + bus master */
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_cmpuint(json_array_get_length(xpt_state_array(st, "mmio")), >, 0);
    xpt_cfg_writel(qts, SLOT2, NIC_MSI + 4, 0xfee00000);
    xpt_cfg_writel(qts, SLOT2, NIC_MSI + 8, 0);
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xc, 0x0041);
    uint16_t ctrl = xpt_cfg_readw(qts, SLOT2, NIC_MSI + 2);
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, ctrl | 1);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_MSI + 2) & 1, ==, 1);
    g_autoptr(JsonNode) st2 = xpt_sim_state(qts);
    JsonArray *msi = xpt_state_array(st2, "msi");
    g_assert_cmpuint(json_array_get_length(msi), ==, 1);
    g_assert_cmphex(json_object_get_int_member(json_array_get_object_element(msi, 0), "gvec"),
                    ==, 0x41);

    /* QMP: what libxl does to attach and detach (reference/toolstack.md §pci). */
    xpt_qmp_negotiate(qmp);
    g_autoptr(JsonObject) nic = pci_find(qmp, "nic0");
    g_assert_nonnull(nic);
    g_assert_cmpint(json_object_get_int_member(nic, "slot"), ==, 2);
    g_autofree char *add = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"hot0\", \"hostaddr\": \"" HOST_VIRTIO "\", \"host-dump\": \"%s\"}}",
        xpt_test_fixture(DUMP_VIRTIO));
    qmp_ok(qmp, add);
    g_autoptr(JsonObject) hot = pci_find(qmp, "hot0");
    g_assert_nonnull(hot);
    gint64 slot = json_object_get_int_member(hot, "slot");
    qmp_ok(qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"hot0\"}}");
    xpt_outl(qts, B0EJ, 1u << slot);                   /* the guest's _EJ0 */
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(qmp, "DEVICE_DELETED");
    g_autoptr(JsonObject) gone = pci_find(qmp, "hot0");
    g_assert_null(gone);

    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, ARMED_LINE));
    g_assert_nonnull(strstr(err, "SIGSYS (exit status 159"));
    g_assert_cmpint(sigterm_and_wait(qts), ==, 0);
    xpt_qmp_free(qmp);
}

/* ---- the filter kills a forbidden call ------------------------------------------------------ */

/*
 * The probe: this program run again as "--sandbox-probe WHAT" (a fresh process). It
 * builds and loads the same filter as "-sandbox on" (util/sandbox.c) and then makes one
 * system call: "allowed" (getpid, write) exits 0 with _exit (no atexit handlers, which
 * in a sanitizer build would ptrace); "mount" and "ptrace" must never return.
 */
static int sandbox_probe(const char *what)
{
    XptSandboxOptions o = { .enable = true };
    g_autoptr(GError) err = NULL;
    XptSandbox *s = xpt_sandbox_build(&o, &err);
    if (!s || !xpt_sandbox_load(s, &err)) {
        g_printerr("probe: %s\n", err->message);
        _exit(2);
    }
    if (!strcmp(what, "allowed")) {
        static const char msg[] = "# probe: still alive\n";
        if (getpid() > 0 && write(STDERR_FILENO, msg, sizeof(msg) - 1) > 0) {
            _exit(0);
        }
        _exit(3);
    } else if (!strcmp(what, "mount")) {
        syscall(SYS_mount, "none", "/", "tmpfs", 0ul, NULL);
    } else if (!strcmp(what, "ptrace")) {
        syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL);
    }
    _exit(4);               /* the forbidden call returned: the filter failed */
}

/* Run the probe; its wait status. */
static int run_probe(const char *what)
{
    char *argv[] = { (char *)self_path, (char *)"--sandbox-probe", (char *)what, NULL };
    pid_t pid;
    g_assert_cmpint(posix_spawn(&pid, self_path, NULL, NULL, argv, environ), ==, 0);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        g_assert_cmpint(errno, ==, EINTR);
    }
    return status;
}

static void test_sandbox_kills_forbidden_call(void)
{
    int status = run_probe("allowed");
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    const char *const forbidden[] = { "mount", "ptrace" };
    for (size_t i = 0; i < G_N_ELEMENTS(forbidden); i++) {
        status = run_probe(forbidden[i]);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS) {
            g_error("probe %s: wait status 0x%x, not killed by SIGSYS", forbidden[i], status);
        }
    }
}

/* Every optional group of system calls resolves (building only; nothing is loaded). */
static void test_sandbox_groups_build(void)
{
    XptSandboxOptions base = { .enable = true };
    XptSandboxOptions all = { .enable = true, .obsolete = true, .elevate_privileges = true,
                              .spawn = true, .resource_control = true };
    g_autoptr(GError) err = NULL;
    g_autoptr(XptSandbox) a = xpt_sandbox_build(&base, &err);
    g_assert_no_error(err);
    g_autoptr(XptSandbox) b = xpt_sandbox_build(&all, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(xpt_sandbox_nr_syscalls(a), >, 50);
    g_assert_cmpuint(xpt_sandbox_nr_syscalls(b), >, xpt_sandbox_nr_syscalls(a));
}

/* -sandbox's QEMU syntax. */
static void test_sandbox_parse(void)
{
    static const struct {
        const char *spec;
        XptSandboxOptions want;
    } good[] = {
        { "on", { .enable = true } },
        { "off", { 0 } },
        { "enable=on", { .enable = true } },
        { "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
          { .enable = true } },
        { "on,elevateprivileges=children", { .enable = true, .elevate_privileges = true } },
        { "on,spawn=allow,resourcecontrol=allow,obsolete=allow",
          { .enable = true, .spawn = true, .resource_control = true, .obsolete = true } },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        XptSandboxOptions o;
        g_autoptr(GError) err = NULL;
        g_assert_true(xpt_sandbox_parse(good[i].spec, &o, &err));
        g_assert_no_error(err);
        g_assert_cmpmem(&o, sizeof(o), &good[i].want, sizeof(o));
    }
    static const struct {
        const char *spec;
        const char *message;
    } bad[] = {
        { "maybe", "-sandbox maybe: 'maybe' is not on or off" },
        { "", "-sandbox : say on or off first" },
        { "spawn=deny", "-sandbox spawn=deny: say on or off first" },
        { "on,spawn=children", "-sandbox on,spawn=children: spawn=children: use spawn=allow "
                               "or spawn=deny" },
        { "on,spawn", "-sandbox on,spawn: spawn=on: use spawn=allow or spawn=deny" },
        { "on,foo=bar", "-sandbox on,foo=bar: Property 'sandbox.foo' not found" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        XptSandboxOptions o = { .spawn = true };
        g_autoptr(GError) err = NULL;
        g_assert_false(xpt_sandbox_parse(bad[i].spec, &o, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        if (!g_str_has_prefix(err->message, bad[i].message)) {
            g_error("-sandbox %s: got \"%s\"", bad[i].spec, err->message);
        }
        g_assert_true(o.spawn);                         /* untouched */
    }
}

/* ---- -runas ----------------------------------------------------------------------------------- */

static void test_runas_unknown_user(void)
{
    assert_option_error("-accel qtest -qtest unix:/nonexistent/qtest.sock "
                        "-runas no-such-user-xpt",
                        "error: -runas no-such-user-xpt: no such user; give a user of the "
                        "password database (getent passwd) or UID:GID");
    assert_option_error("-accel qtest -qtest unix:/nonexistent/qtest.sock -runas 12:x",
                        "error: -runas 12:x: no such user");
}

/* As root: -runas nobody ends with every uid and gid of nobody, no capabilities. */
static void test_runas_nobody(void)
{
    if (!is_root()) {
        return;
    }
    struct passwd *pw = getpwnam("nobody");
    if (!pw) {
        g_test_skip("no user 'nobody'");
        return;
    }
    g_autofree char *marker = new_marker();
    g_autofree char *args = g_strdup_printf(
        "-name %s -runas nobody -device xen-pci-passthrough,hostaddr=" HOST_82576
        ",id=nic0,host-dump=%s", marker, xpt_test_fixture(DUMP_82576));
    XptQts *qts = xpt_qts_start(args);
    /* The first reply comes from the main loop, which runs after the switch. */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    pid_t pid = find_pid(marker);
    g_assert_cmpint(pid, >, 0);
    g_autofree char *uids = g_strdup_printf("%u %u %u %u", (unsigned)pw->pw_uid,
                                            (unsigned)pw->pw_uid, (unsigned)pw->pw_uid,
                                            (unsigned)pw->pw_uid);
    g_autofree char *gids = g_strdup_printf("%u %u %u %u", (unsigned)pw->pw_gid,
                                            (unsigned)pw->pw_gid, (unsigned)pw->pw_gid,
                                            (unsigned)pw->pw_gid);
    g_autofree char *uid = proc_status(pid, "Uid");
    g_autofree char *gid = proc_status(pid, "Gid");
    g_autofree char *caps = proc_status(pid, "CapEff");
    g_autofree char *groups = proc_status(pid, "Groups");
    g_assert_cmpstr(uid, ==, uids);
    g_assert_cmpstr(gid, ==, gids);
    g_assert_cmpstr(caps, ==, "0000000000000000");
    g_auto(GStrv) group_list = g_strsplit(groups, " ", -1);
    g_assert_false(g_strv_contains((const char *const *)group_list, "0"));   /* root's */
    /* Still serving: a config write and read back. */
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x10) & ~0xfu, ==, 0xf0000000);
    g_assert_cmpint(sigterm_and_wait(qts), ==, 0);
}

/* ---- -chroot ---------------------------------------------------------------------------------- */

/*
 * -chroot DIR: the qtest socket, the -qtest-log file and the QMP connection are opened
 * before the chroot and keep working; a path given later (QMP device_add host-dump=) is
 * resolved inside DIR, so the host's path no longer exists.
 */
static void test_chroot(void)
{
    if (!is_root()) {
        return;
    }
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dir = g_dir_make_tmp("xpt-chroot-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    g_autofree char *text = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(xpt_test_fixture(DUMP_VIRTIO), &text, &len, NULL));
    g_autofree char *inside = g_build_filename(dir, "virtio.dump", NULL);
    g_assert_true(g_file_set_contents(inside, text, (gssize)len, NULL));

    g_autofree char *marker = new_marker();
    XptQmp *qmp = xpt_qmp_listen();
    g_autofree char *args = g_strdup_printf("%s -name %s -chroot %s", xpt_qmp_args(qmp),
                                            marker, dir);
    XptQts *qts = xpt_qts_start(args);
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(qmp);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x00, 0x00), ==, 0x12378086);
    pid_t pid = find_pid(marker);
    g_assert_cmpint(pid, >, 0);
    g_autofree char *root_link = g_strdup_printf("/proc/%d/root", (int)pid);
    g_autofree char *root = g_file_read_link(root_link, &gerr);
    g_assert_no_error(gerr);
    g_assert_cmpstr(root, ==, dir);

    xpt_qmp_negotiate(qmp);
    g_autofree char *outside = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"v0\", \"hostaddr\": \"" HOST_VIRTIO "\", \"host-dump\": \"%s\"}}",
        xpt_test_fixture(DUMP_VIRTIO));
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "%s", outside);
    g_assert_null(xpt_qmp_reply_return(r));
    qmp_ok(qmp, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                "\"xen-pci-passthrough\", \"id\": \"v0\", \"hostaddr\": \"" HOST_VIRTIO "\", "
                "\"host-dump\": \"/virtio.dump\"}}");
    g_autoptr(JsonObject) v0 = pci_find(qmp, "v0");
    g_assert_nonnull(v0);

    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "warning: -chroot without -runas"));
    g_assert_cmpint(sigterm_and_wait(qts), ==, 0);
    xpt_qmp_free(qmp);
    xpt_test_rmtree(dir);
}

/* libxl's dm_restrict set at once: -chroot, -runas UID:GID, -sandbox on. */
static void test_all_together(void)
{
    if (!is_root()) {
        return;
    }
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dir = g_dir_make_tmp("xpt-chroot-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    g_assert_cmpint(g_chmod(dir, 0), ==, 0);            /* as libxl creates it */
    g_autofree char *marker = new_marker();
    g_autofree char *args = g_strdup_printf(
        "-name %s -S -chroot %s -runas 131077:131072 -sandbox on "
        "-device xen-pci-passthrough,hostaddr=" HOST_82576 ",id=nic0,host-dump=%s", marker,
        dir, xpt_test_fixture(DUMP_82576));
    XptQts *qts = xpt_qts_start(args);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    pid_t pid = find_pid(marker);
    g_assert_cmpint(pid, >, 0);
    g_autofree char *uid = proc_status(pid, "Uid");
    g_autofree char *gid = proc_status(pid, "Gid");
    g_autofree char *groups = proc_status(pid, "Groups");
    g_autofree char *seccomp = proc_status(pid, "Seccomp");
    g_assert_cmpstr(uid, ==, "131077 131077 131077 131077");
    g_assert_cmpstr(gid, ==, "131072 131072 131072 131072");
    g_assert_cmpstr(groups, ==, "131072");
    g_assert_cmpstr(seccomp, ==, "2");
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_null(strstr(err, "warning"));
    g_assert_cmpint(sigterm_and_wait(qts), ==, 0);
    xpt_test_rmtree(dir);
}

/* ---- the xen accelerator (libxen fake) under -xen-domid-restrict and -sandbox -------------- */

/* build/tests/xen-pt-dm-fakexen next to $XPT_BINARY's build directory (Makefile). */
static char *fakexen_binary(void)
{
    const char *bin = g_getenv("XPT_BINARY");
    g_autofree char *dir = g_path_get_dirname(bin && *bin ? bin : "build/xen-pt-dm");
    return g_build_filename(dir, "tests", "xen-pt-dm-fakexen", NULL);
}

static char *read_text(const char *path)
{
    char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) ? text : g_strdup("");
}

/* Wait up to 10 s until the file at @path contains @what; false at once if @pid died. */
static bool wait_for_text(const char *path, const char *what, pid_t pid)
{
    for (int i = 0; i < 1000; i++) {
        g_autofree char *text = read_text(path);
        if (strstr(text, what)) {
            return true;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return false;
        }
        g_usleep(10 * 1000);
    }
    return false;
}

/*
 * xen-pt-dm linked with tests/fake-libxen*.c, started with the command line libxl 4.17
 * builds for a passthrough-only HVM guest with dm_restrict=1 (libxl_dm.c; path-based QMP
 * sockets, so no -S) and "-sandbox on" from device_model_args: start-up, "running", the
 * restriction after it, the chroot, the user switch and the filter; a QMP session
 * (query-status, device_add of a dump inside the chroot, query-pci, device_del);
 * SIGTERM: every device detached through the restricted handles, exit status 0.
 */
static void test_xen_libxl_dm_restrict(void)
{
    g_autofree char *bin = fakexen_binary();
    if (!g_file_test(bin, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("build/tests/xen-pt-dm-fakexen not built (make tests)");
        return;
    }
    bool root = geteuid() == 0;
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dir = g_dir_make_tmp("xpt-fakexen-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    g_autofree char *chroot_dir = g_build_filename(dir, "qemu-root-5", NULL);
    g_assert_cmpint(g_mkdir(chroot_dir, 0755), ==, 0);
    g_autofree char *text = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(xpt_test_fixture(DUMP_VIRTIO), &text, &len, NULL));
    g_autofree char *dump = g_build_filename(chroot_dir, "virtio.dump", NULL);
    g_assert_true(g_file_set_contents(dump, text, (gssize)len, NULL));
    g_assert_cmpint(g_chmod(dump, 0644), ==, 0);
    g_autofree char *log = g_build_filename(dir, "log", NULL);
    g_autofree char *errf = g_build_filename(dir, "stderr", NULL);
    g_autofree char *sock = g_build_filename(dir, "qmp-libxl-5", NULL);
    g_autofree char *sock2 = g_build_filename(dir, "qmp-libxenstat-5", NULL);
    g_autofree char *chr1 = g_strdup_printf("socket,id=libxl-cmd,path=%s,server,nowait", sock);
    g_autofree char *chr2 = g_strdup_printf("socket,id=libxenstat-cmd,path=%s,server,nowait",
                                            sock2);
    g_autofree char *dev = g_strdup_printf("xen-pci-passthrough,hostaddr=" HOST_82576
                                           ",id=nic0,host-dump=%s",
                                           xpt_test_fixture(DUMP_82576));
    g_autofree char *marker = new_marker();
    const char *const libxl_args[] = {
        "-xen-domid", "5", "-no-shutdown",
        "-chardev", chr1, "-mon", "chardev=libxl-cmd,mode=control",
        "-chardev", chr2, "-mon", "chardev=libxenstat-cmd,mode=control",
        "-nodefaults", "-no-user-config", "-name", marker, "-vnc", "none",
        "-display", "none", "-boot", "order=cda", "-net", "none",
        "-machine", "xenfv,suppress-vmdesc=on", "-m", "1016",
        "-xen-domid-restrict",
    };
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, bin);
    for (size_t i = 0; i < G_N_ELEMENTS(libxl_args); i++) {
        g_ptr_array_add(argv, (char *)libxl_args[i]);
    }
    if (root) {
        const char *const restrict_args[] = { "-chroot", chroot_dir, "-runas",
                                              "131077:131072" };
        for (size_t i = 0; i < G_N_ELEMENTS(restrict_args); i++) {
            g_ptr_array_add(argv, (char *)restrict_args[i]);
        }
    }
    const char *const ours[] = { "-sandbox", "on", "-D", log, "-d", "hv", "-device", dev };
    for (size_t i = 0; i < G_N_ELEMENTS(ours); i++) {
        g_ptr_array_add(argv, (char *)ours[i]);
    }
    g_ptr_array_add(argv, NULL);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, errf, O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid;
    g_assert_cmpint(posix_spawn(&pid, bin, &fa, NULL, (char **)argv->pdata, environ), ==, 0);
    posix_spawn_file_actions_destroy(&fa);

    if (!wait_for_text(errf, ARMED_LINE, pid)) {
        g_autofree char *e = read_text(errf);
        kill(pid, SIGKILL);
        g_error("xen-pt-dm-fakexen did not arm its sandbox; stderr:\n%s", e);
    }
    JsonNode *greeting = NULL;
    XptQmp *qmp = xpt_qmp_connect(sock, &greeting);
    json_node_unref(greeting);
    g_autofree char *seccomp = proc_status(pid, "Seccomp");
    g_assert_cmpstr(seccomp, ==, "2");
    if (root) {
        g_autofree char *uid = proc_status(pid, "Uid");
        g_assert_cmpstr(uid, ==, "131077 131077 131077 131077");
    }
    xpt_qmp_negotiate(qmp);
    g_autoptr(JsonNode) st = xpt_qmp_command(qmp, "{\"execute\": \"query-status\"}");
    g_assert_cmpstr(json_object_get_string_member(
        json_node_get_object(xpt_qmp_reply_return(st)), "status"), ==, "running");
    g_autofree char *add = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"pci-pt-00_09.0\", \"hostaddr\": \"" HOST_VIRTIO "\", \"host-dump\": \"%s\"}}",
        root ? "/virtio.dump" : dump);
    qmp_ok(qmp, add);
    g_autoptr(JsonObject) hot = pci_find(qmp, "pci-pt-00_09.0");
    g_assert_nonnull(hot);
    /* No guest I/O has happened: the device goes at once. */
    qmp_ok(qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"pci-pt-00_09.0\"}}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(qmp, "DEVICE_DELETED");

    g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        g_assert_cmpint(errno, ==, EINTR);
    }
    g_autofree char *logtext = read_text(log);
    g_autofree char *e = read_text(errf);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_error("xen-pt-dm-fakexen: wait status 0x%x; stderr:\n%s\nlog:\n%s", status, e,
                logtext);
    }
    /* In order: running, restricted, then the detach of the cold-plugged NIC. */
    const char *running = strstr(logtext, "/local/domain/0/device-model/5/state = running");
    const char *restricted = strstr(logtext, "handles restricted to domain 5");
    const char *detach = strstr(logtext, "xc_domain_unbind_pt_irq(pirq 11");
    g_assert_nonnull(running);
    g_assert_true(restricted > running);
    g_assert_true(detach > restricted);
    /* 00:02.0, SBDF 0x10: the NIC's claim given back through the restricted handle */
    g_assert_nonnull(strstr(detach, "xendevicemodel_unmap_pcidev_from_ioreq_server(pci "
                                    "0x10-0x10) = 0"));
    g_assert_null(strstr(e, "error"));
    xpt_qmp_free(qmp);
    xpt_test_rmtree(dir);
}

/* ---- option errors: one line, exit 1, before anything starts ---------------------------- */

static void test_option_errors(void)
{
    const char *q = "-accel qtest -qtest unix:/nonexistent/qtest.sock ";
    static const struct {
        const char *args;
        const char *message;
    } cases[] = {
        { "-chroot /nonexistent/dir", "error: -chroot /nonexistent/dir: not a directory" },
        { "-sandbox maybe", "error: -sandbox maybe: 'maybe' is not on or off" },
        { "-sandbox on,spawn=sometimes", "error: -sandbox on,spawn=sometimes: "
                                         "spawn=sometimes: use spawn=allow or spawn=deny" },
        { "-xen-domid-restrict", "error: -xen-domid-restrict: only the xen accelerator" },
        { "-runas", "error: option -runas requires an argument" },
        { "-chroot", "error: option -chroot requires an argument" },
        { "-sandbox", "error: option -sandbox requires an argument" },
        /* libxl's -boot order=cda is accepted (tests/xen/libxl-dm-restrict); nonsense is not */
        { "-boot order=xyz", "error: -boot order=xyz: 'xyz' is not a boot order" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args = g_strconcat(q, cases[i].args, NULL);
        assert_option_error(args, cases[i].message);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--sandbox-probe")) {
        return sandbox_probe(argv[2]);
    }
    self_path = argv[0];
    /* See the top of this file: no LeakSanitizer in the binaries started from here. */
    const char *asan = g_getenv("ASAN_OPTIONS");
    g_autofree char *opts = g_strdup_printf("%s%sdetect_leaks=0", asan ? asan : "",
                                            asan && *asan ? ":" : "");
    g_setenv("ASAN_OPTIONS", opts, TRUE);

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/deprivilege/sandbox/full-cycle", test_sandbox_full_cycle);
    g_test_add_func("/deprivilege/sandbox/kills-forbidden-call",
                    test_sandbox_kills_forbidden_call);
    g_test_add_func("/deprivilege/sandbox/groups-build", test_sandbox_groups_build);
    g_test_add_func("/deprivilege/sandbox/parse", test_sandbox_parse);
    g_test_add_func("/deprivilege/runas/unknown-user", test_runas_unknown_user);
    g_test_add_func("/deprivilege/runas/nobody", test_runas_nobody);
    g_test_add_func("/deprivilege/chroot/qtest-and-qmp", test_chroot);
    g_test_add_func("/deprivilege/all-together", test_all_together);
    g_test_add_func("/deprivilege/xen/libxl-dm-restrict", test_xen_libxl_dm_restrict);
    g_test_add_func("/deprivilege/option-errors", test_option_errors);
    return g_test_run();
}
