/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make bench: start-up figures. Each start-up is a spawned process (xen-pt-dm or QEMU)
 * driven over QMP to QMP ready, query-pci and quit: wall times, VmHWM and RssAnon from
 * /proc, instructions under callgrind; the floor program; and the scale series.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"

extern char **environ;

/* ---- start-up: spawn, QMP, quit, wait4 ----------------------------------------------- */

/*
 * A "Key:  N kB" line of /proc/PID/status of a running process, in MiB (NAN if
 * unreadable): VmHWM is the peak RSS of the program itself (since its exec), RssAnon its
 * private memory. Read from /proc rather than wait4's ru_maxrss, which for a posix_spawn
 * (vfork) child also counts the pages of the process that spawned it (the kernel's
 * exec_mmap records the old mm's high-water mark, the spawner's, into the child's maxrss).
 */
double status_mib(pid_t pid, const char *key)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *st = NULL;
    if (!g_file_get_contents(path, &st, NULL, NULL)) {
        return NAN;
    }
    const char *a = strstr(st, key);
    return a ? g_ascii_strtod(a + strlen(key), NULL) / 1024 : NAN;
}

static StartResult start_once(bool qemu, const char *dev_args)
{
    XptQmp *qmp = xpt_qmp_listen();
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *qsock = g_build_filename(tmpdir, "start-qtest.sock", NULL);
    g_autofree char *errpath = g_build_filename(tmpdir, "start-stderr", NULL);
    g_autofree char *args = NULL;
    int qfd = -1;

    if (qemu) {
        args = g_strdup_printf("%s -M pc -accel tcg -S -nodefaults -display none %s %s",
                               opt_qemu, dev_args, xpt_qmp_args(qmp));
    } else {
        unlink(qsock);
        qfd = xpt_qts_unix_listen(qsock); /* connected to, never used */
        args = g_strdup_printf("%s -accel qtest -qtest unix:%s -S -nodefaults %s %s",
                               opt_ours, qsock, dev_args, xpt_qmp_args(qmp));
    }
    g_auto(GStrv) words = NULL;
    g_assert_true(g_shell_parse_argv(args, NULL, &words, NULL));
    for (char **w = words; *w; w++) {
        g_ptr_array_add(argv, g_strdup(*w));
    }
    g_ptr_array_add(argv, NULL);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    double t0 = now_ns();
    int rc = posix_spawnp(&pid, argv->pdata[0], &fa, NULL, (char **)argv->pdata, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        g_error("bench: cannot start %s: %s", (char *)argv->pdata[0], g_strerror(rc));
    }
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(qmp);
    xpt_qmp_negotiate(qmp);
    double t_ready = now_ns();
    g_autoptr(JsonNode) pci = xpt_qmp_command(qmp, "{\"execute\": \"query-pci\"}");
    g_assert_nonnull(xpt_qmp_reply_return(pci));
    double anon = status_mib(pid, "RssAnon:");
    double hwm = status_mib(pid, "VmHWM:"); /* peak so far; quit only frees */
    g_autoptr(JsonNode) quit = xpt_qmp_command(qmp, "{\"execute\": \"quit\"}");
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        g_assert_cmpint(errno, ==, EINTR);
    }
    double t1 = now_ns();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_autofree char *err = NULL;
        g_file_get_contents(errpath, &err, NULL, NULL);
        g_error("bench: %s exited with status 0x%x: %s", (char *)argv->pdata[0], status,
                err ? err : "");
    }
    xpt_qmp_free(qmp);
    if (qfd >= 0) {
        close(qfd);
        unlink(qsock);
    }
    return (StartResult){ (t1 - t0) / 1e6, (t_ready - t0) / 1e6, hwm, anon };
}

/*
 * Instructions of one start → greeting → qmp_capabilities → query-pci → quit under
 * callgrind (without query-pci if !query: the start-up alone, whose cost does not include
 * a reply that grows with the device count): the QMP commands come from a file on stdin
 * ("-qmp stdio"), so no client waits on a process that valgrind slows down fifty times.
 */
static double start_instr(bool qemu, const char *dev_args, bool query)
{
    static int seq;
    g_autofree char *cmds = g_build_filename(tmpdir, "start-cmds.json", NULL);
    g_autofree char *qsock = g_build_filename(tmpdir, "instr-qtest.sock", NULL);
    g_autofree char *out = g_strdup_printf("%s/start-cg.%d.out", tmpdir, seq++);
    g_autofree char *args = NULL;
    int qfd = -1;

    g_assert_true(g_file_set_contents(cmds, query ? "{\"execute\": \"qmp_capabilities\"}\n"
                                      "{\"execute\": \"query-pci\"}\n"
                                      "{\"execute\": \"quit\"}\n"
                                      : "{\"execute\": \"qmp_capabilities\"}\n"
                                      "{\"execute\": \"quit\"}\n", -1, NULL));
    if (qemu) {
        args = g_strdup_printf("valgrind --tool=callgrind --callgrind-out-file=%s "
                               "--log-file=%s.log %s -M pc -accel tcg -S -nodefaults "
                               "-display none -qmp stdio %s", out, out, opt_qemu, dev_args);
    } else {
        unlink(qsock);
        qfd = xpt_qts_unix_listen(qsock);
        args = g_strdup_printf("valgrind --tool=callgrind --callgrind-out-file=%s "
                               "--log-file=%s.log %s -accel qtest -qtest unix:%s -S "
                               "-nodefaults -qmp stdio %s", out, out, opt_ours, qsock,
                               dev_args);
    }
    g_auto(GStrv) argv = NULL;
    g_assert_true(g_shell_parse_argv(args, NULL, &argv, NULL));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, cmds, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    g_assert_cmpint(rc, ==, 0);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        g_assert_cmpint(errno, ==, EINTR);
    }
    if (qfd >= 0) {
        close(qfd);
        unlink(qsock);
    }
    g_autofree char *text = NULL;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        !g_file_get_contents(out, &text, NULL, NULL)) {
        g_error("bench: %s under callgrind failed (status 0x%x; see %s.log)", argv[0],
                status, out);
    }
    const char *sum = strstr(text, "\nsummary: ");
    g_assert_nonnull(sum);
    return g_ascii_strtod(sum + strlen("\nsummary: "), NULL);
}

/* Wall time (ms) of a command that exits by itself with status 0. */
static double exit_ms(char **argv)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    double t0 = now_ns();
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        g_error("bench: cannot start %s: %s", argv[0], g_strerror(rc));
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        g_assert_cmpint(errno, ==, EINTR);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_error("bench: %s exited with status 0x%x", argv[0], status);
    }
    return (now_ns() - t0) / 1e6;
}

/*
 * The floor of start-up (bench/floor.c: xen-pt-dm's shared libraries loaded, nothing
 * run): median time from posix_spawn to its main (ms) and its peak RSS (MiB, VmHWM read
 * while it waits on stdin).
 */
static void floor_median(double *ms, double *rss_mib)
{
    g_autoptr(GArray) t = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) r = g_array_new(FALSE, FALSE, sizeof(double));
    char *argv[] = { (char *)opt_floor, NULL };
    for (int i = 0; i <= START_RUNS; i++) { /* the first run warms the page cache */
        int in[2], out[2];
        g_assert_cmpint(pipe(in), ==, 0);
        g_assert_cmpint(pipe(out), ==, 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addclose(&fa, in[1]);
        posix_spawn_file_actions_addclose(&fa, out[0]);
        pid_t pid;
        double t0 = now_ns();
        int rc = posix_spawn(&pid, opt_floor, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc) {
            g_error("bench: cannot start %s: %s", opt_floor, g_strerror(rc));
        }
        close(in[0]);
        close(out[1]);
        char c;
        g_assert_cmpint(read(out[0], &c, 1), ==, 1);
        double v = (now_ns() - t0) / 1e6;
        double m = status_mib(pid, "VmHWM:");
        close(in[1]);
        close(out[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0) {
            g_assert_cmpint(errno, ==, EINTR);
        }
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        if (i > 0) {
            g_array_append_val(t, v);
            g_array_append_val(r, m);
        }
    }
    *ms = median(t);
    *rss_mib = median(r);
}

/* Median wall time (ms) of `xen-pt-dm --version`: the libraries, relocation and exit. */
static double version_ms(void)
{
    g_autoptr(GArray) t = g_array_new(FALSE, FALSE, sizeof(double));
    char *argv[] = { (char *)opt_ours, (char *)"--version", NULL };
    for (int i = 0; i <= START_RUNS; i++) {
        double v = exit_ms(argv);
        if (i > 0) {
            g_array_append_val(t, v);
        }
    }
    return median(t);
}

StartResult start_median(bool qemu, const char *dev_args)
{
    g_autoptr(GArray) tot = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) rdy = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) rss = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) anon = g_array_new(FALSE, FALSE, sizeof(double));

    start_once(qemu, dev_args); /* warm the page cache */
    for (int i = 0; i < START_RUNS; i++) {
        StartResult r = start_once(qemu, dev_args);
        g_array_append_val(tot, r.total_ms);
        g_array_append_val(rdy, r.ready_ms);
        g_array_append_val(rss, r.rss_mib);
        g_array_append_val(anon, r.anon_mib);
    }
    return (StartResult){ median(tot), median(rdy), median(rss), median(anon) };
}

static char *ours_dump_devices(const char *dump, int n)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (int i = 1; i <= n; i++) {
        g_string_append_printf(s, " -device xen-pci-passthrough,hostaddr=0000:%02x:00.0,"
                               "id=pt%d,host-dump=%s", i, i, dump);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *ours_sysfs_devices(const char *root, int n)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (int i = 1; i <= n; i++) {
        g_string_append_printf(s, " -device xen-pci-passthrough,hostaddr=0000:%02x:00.0,"
                               "id=pt%d,host-sysfs=%s", i, i, root);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *qemu_devices(int n)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (int i = 0; i < n; i++) {
        g_string_append_printf(s, " -device e1000,addr=0x%x", 2 + i);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* ---- the start-up and scale sections ------------------------------------------------- */

void bench_startup(const char *sysfs)
{
    g_autofree char *dev = g_strdup_printf("-device xen-pci-passthrough,hostaddr=0000:"
                                           NIC_BDF ",id=pt0,host-dump=%s",
                                           xpt_test_fixture(NIC_DUMP));
    g_autofree char *sdev = ours_sysfs_devices(sysfs, 1);
    StartResult o = start_median(false, dev);
    StartResult os = start_median(false, sdev);
    StartResult q = have_qemu ? start_median(true, "-device e1000,addr=2")
                              : (StartResult){ NAN, NAN, NAN, NAN };
    /* the dump (a test fixture: libpci's dump method parses it with one sscanf per
     * byte) and the sysfs backend that a Xen host uses; QEMU's column is the same e1000 */
    static const char *const what[2] = { "82576 from a dump", "sysfs device" };
    for (int k = 0; k < 2; k++) {
        StartResult *r = k ? &os : &o;
        g_autofree char *m1 = g_strdup_printf("start → QMP ready (qmp_capabilities "
                                              "answered); %s", what[k]);
        g_autofree char *m2 = g_strdup_printf("start → greeting → qmp_capabilities → "
                                              "query-pci → quit; %s", what[k]);
        g_autofree char *m3 = g_strdup_printf("peak RSS; %s", what[k]);
        g_autofree char *m4 = g_strdup_printf("private (anonymous) RSS once QMP "
                                              "answered; %s", what[k]);
        row("start-up", m1, "ms", r->ready_ms, q.ready_ms);
        row("start-up", m2, "ms", r->total_ms, q.total_ms);
        row("start-up", m3, "MiB", r->rss_mib, q.rss_mib);
        row("start-up", m4, "MiB", r->anon_mib, q.anon_mib);
    }
    /* the floor: the same shared libraries loaded, nothing run */
    double fms, frss;
    floor_median(&fms, &frss);
    row("start-up", "floor: a program loading the same shared libraries, start → main "
        "(bench/floor.c)", "ms", fms, NAN);
    row("start-up", "floor: a program loading the same shared libraries, peak RSS",
        "MiB", frss, NAN);
    row("start-up", "xen-pt-dm --version: start → exit", "ms", version_ms(), NAN);
    if (have_valgrind) {
        double qi = have_qemu ? start_instr(true, "-device e1000,addr=2", true) / 1e6 : NAN;
        row("start-up", "instructions, start → quit; 82576 from a dump", "Minstr",
            start_instr(false, dev, true) / 1e6, qi);
        row("start-up", "instructions, start → quit; sysfs device", "Minstr",
            start_instr(false, sdev, true) / 1e6, qi);
    }
}

void bench_scale(const char *multi, const char *sysfs, const int *counts, size_t n_counts)
{
    /* 6. scale: the start-up (to QMP ready, and its instructions to a quit right after)
     * apart from the whole session with query-pci, whose reply grows with the devices */
    double first[6] = { NAN, NAN, NAN, NAN, NAN, NAN }; /* n = 1: d, s, q × ready, instr */
    double last[6] = { NAN, NAN, NAN, NAN, NAN, NAN };  /* the largest n */
    for (size_t i = 0; i < n_counts; i++) {
        int n = counts[i];
        double *keep = i == 0 ? first : last;
        g_autofree char *d = ours_dump_devices(multi, n);
        g_autofree char *s = ours_sysfs_devices(sysfs, n);
        g_autofree char *q = qemu_devices(n);
        StartResult rd = start_median(false, d);
        StartResult rs = start_median(false, s);
        ScalePoint pd = { "ours-dump", n, rd.total_ms, rd.ready_ms, rd.rss_mib };
        ScalePoint ps = { "ours-sysfs", n, rs.total_ms, rs.ready_ms, rs.rss_mib };
        g_array_append_val(scale_points, pd);
        g_array_append_val(scale_points, ps);
        StartResult rq = { NAN, NAN, NAN, NAN };
        if (have_qemu) {
            rq = start_median(true, q);
            ScalePoint pq = { "qemu", n, rq.total_ms, rq.ready_ms, rq.rss_mib };
            g_array_append_val(scale_points, pq);
        }
        const char *dq = "(dump; QEMU e1000)";
        g_autofree char *m1 = g_strdup_printf("%d devices %s: start → QMP ready", n, dq);
        g_autofree char *m2 = g_strdup_printf("%d devices %s: start → query-pci → quit", n, dq);
        g_autofree char *m3 = g_strdup_printf("%d devices %s: peak RSS", n, dq);
        g_autofree char *m4 = g_strdup_printf("%d devices (sysfs): start → QMP ready", n);
        g_autofree char *m5 = g_strdup_printf("%d devices (sysfs): start → query-pci → quit", n);
        g_autofree char *m6 = g_strdup_printf("%d devices (sysfs): peak RSS", n);
        row("scale", m1, "ms", rd.ready_ms, rq.ready_ms);
        row("scale", m2, "ms", rd.total_ms, rq.total_ms);
        row("scale", m3, "MiB", rd.rss_mib, rq.rss_mib);
        row("scale", m4, "ms", rs.ready_ms, NAN);
        row("scale", m5, "ms", rs.total_ms, NAN);
        row("scale", m6, "MiB", rs.rss_mib, NAN);
        keep[0] = rd.ready_ms;
        keep[1] = rs.ready_ms;
        keep[2] = rq.ready_ms;
        if (have_valgrind) {
            g_autofree char *i1 = g_strdup_printf("%d devices %s: instructions, start → QMP "
                                                  "ready → quit", n, dq);
            g_autofree char *i2 = g_strdup_printf("%d devices %s: instructions, start → "
                                                  "query-pci → quit", n, dq);
            g_autofree char *i3 = g_strdup_printf("%d devices (sysfs): instructions, start → "
                                                  "QMP ready → quit", n);
            g_autofree char *i4 = g_strdup_printf("%d devices (sysfs): instructions, start → "
                                                  "query-pci → quit", n);
            keep[3] = start_instr(false, d, false) / 1e6;
            keep[4] = start_instr(false, s, false) / 1e6;
            keep[5] = have_qemu ? start_instr(true, q, false) / 1e6 : NAN;
            row("scale", i1, "Minstr", keep[3], keep[5]);
            row("scale", i2, "Minstr", start_instr(false, d, true) / 1e6,
                have_qemu ? start_instr(true, q, true) / 1e6 : NAN);
            row("scale", i3, "Minstr", keep[4], NAN);
            row("scale", i4, "Minstr", start_instr(false, s, true) / 1e6, NAN);
        }
    }
    /* the target: N devices start in < 2× the time of one */
    int n = counts[n_counts - 1];
    g_autofree char *r1 = g_strdup_printf("%d devices / 1 (dump; QEMU e1000): start → "
                                          "QMP ready", n);
    g_autofree char *r2 = g_strdup_printf("%d devices / 1 (sysfs): start → QMP ready", n);
    g_autofree char *r3 = g_strdup_printf("%d devices / 1 (dump; QEMU e1000): "
                                          "instructions, start → QMP ready → quit", n);
    g_autofree char *r4 = g_strdup_printf("%d devices / 1 (sysfs): instructions, "
                                          "start → QMP ready → quit", n);
    row("scale", r1, "×", last[0] / first[0], last[2] / first[2]);
    row("scale", r2, "×", last[1] / first[1], NAN);
    if (have_valgrind) {
        row("scale", r3, "×", last[3] / first[3], last[5] / first[5]);
        row("scale", r4, "×", last[4] / first[4], NAN);
    }
}
