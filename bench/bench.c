/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make bench: what xen-pt-dm costs, beside QEMU where QEMU is installed (issue 15).
 *
 * Every figure is the median of --runs runs (default 5) of the real binaries driven by
 * the project's qtest and QMP client (qtest/client.c, qtest/qmp-client.c), the same
 * client for both:
 *   - start → QMP greeting → qmp_capabilities → query-pci → quit: wall time (also to
 *     "QMP ready", the reply to qmp_capabilities) and peak RSS (VmHWM from /proc after
 *     query-pci); the floor: a program with the same libraries (bench/floor.c).
 *     xen-pt-dm: -accel qtest with one dump-backed 82576 NIC, and with one sysfs-backed
 *     device (the backend of a Xen host); QEMU: -M pc -accel tcg -S -nodefaults with an
 *     e1000 in slot 2 (the peer).
 *   - config read (inl 0xcfc) and config write (outb 0xcfc) over qtest with CF8 latched:
 *     ns per access as the client sees it, and instructions per access inside the
 *     process from valgrind's callgrind (difference of a run with K accesses and one
 *     without, so start-up and shutdown cancel), plus for xen-pt-dm the part inside the
 *     device model: the inclusive cost of xpt_dispatch (ioreq in → reply out).
 *   - MSI-X (xen-pt-dm): a table write to a masked entry, and a rebind cycle (mask,
 *     data write, unmask): instructions and the simulated Xen's hypercall counters
 *     ("xen-sim state" "calls") per unmask.
 *   - BAR move of a 256 MiB and a 256 GiB 64-bit BAR (decode off, BAR written, decode
 *     on, as Linux moves one): hypervisor calls and time (the Sky Lake GPU of
 *     cap-pasid-pri, moved to 01:00.0, its BAR2 as dumped or widened to 256 GiB).
 *   - device_add → SCI raised (the qtest "IRQ raise 9" line), guest eject (B0EJ) →
 *     DEVICE_DELETED.
 *   - scale: start → QMP ready and start → query-pci → quit (wall time and instructions,
 *     the start-up apart from a reply that grows with the devices), peak RSS, with 1, 5,
 *     10, 20, 28 devices, and the ratio of 28 devices to one
 *     (dump backend: one derived dump with 28 copies of the 82576's block on buses
 *     01–1c, BARs moved apart; sysfs backend: 28 copies of the Firecracker virtio
 *     folder, likewise; QEMU: N e1000s), and one device with
 *     2,048 MSI-X vectors (the 82576 with its table size field set to 2047 and BAR3
 *     widened to 64 KiB) all programmed, unmasked and enabled.
 *   - the qtest figures again under -qtest-log.
 * The derived fixtures are made at run time from the real dumps in tests/fixtures (never
 * edited) into a temporary directory.
 *
 * Output: one table on stdout (markdown), the results as JSON (--json FILE) and the
 * scale series as a gnuplot data file (--plot-data FILE). No figure is asserted: timing
 * checks do not belong in make check on a shared machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qtest/client.h"
#include "tests/testutil.h"

extern char **environ;

#define SLOT2 0x10
#define NIC_DUMP "pciutils-tests/cap-pcie-2"   /* Intel 82576, 0000:01:00.0 */
#define NIC_BDF "01:00.0"
#define NIC_MSIX_CAP 0x70
#define GPU_DUMP "pciutils-tests/cap-pasid-pri" /* Sky Lake GPU 00:02.0, BAR2 256M 64-bit */
#define VIRTIO_DIR "sysfs-firecracker/devices/0000:00:02.0"
#define GPE_STS 0xafe0
#define GPE_EN 0xafe2
#define B0EJ 0xae08
#define BNUM 0xae10  /* QEMU's PIIX4 only: the bus B0EJ applies to */

#define CG_ACCESSES 4000  /* accesses per callgrind session */

static int opt_runs = 5;
static int opt_accesses = 2000;
static const char *opt_ours = "build/xen-pt-dm";
static const char *opt_qemu = "qemu-system-x86_64";
static const char *opt_json;
static const char *opt_plot;
static const char *opt_wrap = "bench/callgrind-wrap.sh";
static const char *opt_floor = "build/bench/floor";

/*
 * A start-up takes a few milliseconds, and one descheduling on a shared machine moves a
 * run by as much: the start-up figures take the median of four times --runs runs, plus
 * one (21 by default), which costs a second or two.
 */
#define START_RUNS (4 * opt_runs + 1)
static const char *opt_only;    /* comma-separated sections, NULL = all */
static bool have_qemu;
static bool have_valgrind;
static char *tmpdir;

/* ---- results ------------------------------------------------------------------------- */

typedef struct Row {
    char *section;
    char *metric;
    char *unit;
    double ours, qemu; /* NAN: not measured */
} Row;

static GPtrArray *rows;
static double t_origin;
static double now_ns(void);

static void row(const char *section, const char *metric, const char *unit, double ours,
                double qemu)
{
    Row *r = g_new0(Row, 1);
    r->section = g_strdup(section);
    r->metric = g_strdup(metric);
    r->unit = g_strdup(unit);
    r->ours = ours;
    r->qemu = qemu;
    g_ptr_array_add(rows, r);
    fprintf(stderr, "bench: [%5.1f s] %s: %s = %.4g %s (QEMU %.4g)\n", now_ns() / 1e9 - t_origin,
            section, metric, ours, unit, qemu);
}

typedef struct ScalePoint {
    const char *series;
    int n;
    double ms, ready_ms, rss_mib; /* start → quit, start → QMP ready, peak RSS */
} ScalePoint;

static GArray *scale_points;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(GArray *a)
{
    if (!a->len) {
        return NAN;
    }
    g_array_sort(a, cmp_double);
    double *v = (double *)(void *)a->data;
    return a->len % 2 ? v[a->len / 2] : (v[a->len / 2 - 1] + v[a->len / 2]) / 2;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- derived fixtures ---------------------------------------------------------------- */

/* The block of device @bdf ("BB:DD.F") in dump @text: its header line to the line before
 * the next header (a column-0 line with ':' and '.' in its first 8 characters). */
static char *dump_block(const char *text, const char *bdf)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    bool in = false;

    for (char **l = lines; *l; l++) {
        bool header = g_ascii_isxdigit((*l)[0]) && strlen(*l) > 8 && (*l)[2] == ':' &&
                      (*l)[5] == '.';
        if (header) {
            in = g_str_has_prefix(*l, bdf);
        }
        if (in) {
            g_string_append_printf(out, "%s\n", *l);
        }
    }
    g_assert(out->len);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static char *replace(const char *text, const char *from, const char *to)
{
    g_assert_nonnull(strstr(text, from));
    g_auto(GStrv) parts = g_strsplit(text, from, 2);
    return g_strconcat(parts[0], to, parts[1], NULL);
}

static char *write_tmp(const char *name, const char *text)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_file_set_contents(path, text, -1, &err)) {
        g_error("bench: %s", err->message);
    }
    return path;
}

static char *read_fixture(const char *rel)
{
    char *text = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(xpt_test_fixture(rel), &text, NULL, &err)) {
        g_error("bench: %s", err->message);
    }
    return text;
}

/* Set byte @idx (0-15) of hex row @row ("10: 00 00 ...") of a dump block to @val. */
static void patch_hex(GString *blk, unsigned row, unsigned idx, unsigned val)
{
    g_autofree char *key = g_strdup_printf("\n%02x: ", row);
    char *p = strstr(blk->str, key);
    g_assert_nonnull(p);
    char hex[3];
    snprintf(hex, sizeof(hex), "%02x", val & 0xff);
    memcpy(p + strlen(key) + 3 * idx, hex, 2);
}

/*
 * One dump with 28 copies of the 82576's block, on buses 01..1c. Copy k is moved so
 * that no two copies share a host resource (attach refuses overlapping BARs): its
 * memory BARs and ROM k × 16 MiB up, its I/O BAR k × 0x100 up.
 */
static char *make_multi_dump(void)
{
    g_autofree char *text = read_fixture(NIC_DUMP);
    g_autofree char *block = dump_block(text, NIC_BDF);
    g_autoptr(GString) out = g_string_new(NULL);

    for (unsigned bus = 1; bus <= 28; bus++) {
        g_autofree char *hdr = g_strdup_printf("%02x:00.0", bus);
        g_autofree char *b = replace(block, NIC_BDF, hdr);
        g_autoptr(GString) g = g_string_new(b);
        unsigned k = bus - 1;
        /* row 10: 00 00 80 e0 | 00 00 00 e0 | 21 10 00 00 | 00 00 84 e0; row 30: ROM c7 */
        patch_hex(g, 0x10, 3, 0xe0 + k);
        patch_hex(g, 0x10, 7, 0xe0 + k);
        patch_hex(g, 0x10, 9, 0x10 + k);
        patch_hex(g, 0x10, 15, 0xe0 + k);
        patch_hex(g, 0x30, 3, 0xc7 + k);
        g_string_append(out, g->str);
        g_string_append(out, "\n");
    }
    return write_tmp("multi-82576.dump", out->str);
}

/* The 82576 with 2048 MSI-X entries: table size 2047 (control 0x87ff with Enable as
 * dumped), the PBA moved to BAR3 + 0x8000 and BAR3 widened to 64 KiB to hold both. */
static char *make_msix2048_dump(void)
{
    g_autofree char *text = read_fixture(NIC_DUMP);
    g_autofree char *block = dump_block(text, NIC_BDF);
    g_autofree char *a = replace(block, "70: 11 a0 09 80 03 00 00 00 03 20 00 00",
                                 "70: 11 a0 ff 87 03 00 00 00 03 80 00 00");
    g_autofree char *b = replace(a, "Region 3: Memory at e0840000 (32-bit, non-prefetchable) "
                                 "[size=16K]", "Region 3: Memory at e0840000 (32-bit, "
                                 "non-prefetchable) [size=64K]");
    return write_tmp("msix2048.dump", b);
}

/*
 * The Sky Lake GPU moved to 0000:01:00.0 (at 0000:00:02.0 it is an IGD, which attach
 * refuses): its BAR2 of 256 MiB as dumped, or (@big) at 256 GiB and 256 GiB large.
 */
static char *make_bar_dump(bool big)
{
    g_autofree char *orig = read_fixture(GPU_DUMP);
    g_autofree char *text = replace(orig, "00:02.0 VGA", "01:00.0 VGA");
    if (!big) {
        return write_tmp("bar256m.dump", text);
    }
    g_autofree char *a = replace(text, "10: 04 00 00 a0 00 00 00 00 0c 00 00 90 00 00 00 00",
                                 "10: 04 00 00 a0 00 00 00 00 0c 00 00 00 40 00 00 00");
    g_autofree char *b = replace(a, "Memory at 90000000 (64-bit, prefetchable) [size=256M]",
                                 "Memory at 4000000000 (64-bit, prefetchable) [size=256G]");
    return write_tmp("bar256g.dump", b);
}

/*
 * A sysfs-like root with 28 copies of the Firecracker virtio device folder 0000:00:02.0,
 * as 0000:01..1c:00.0; copy k has its 512 KiB BAR 0 moved k MiB up (config and resource
 * files alike) so that no two copies overlap.
 */
static char *make_sysfs_tree(void)
{
    char *root = g_build_filename(tmpdir, "sysfs", NULL);
    const char *src = xpt_test_fixture(VIRTIO_DIR);
    g_autoptr(GDir) dir = g_dir_open(src, 0, NULL);
    g_assert_nonnull(dir);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (const char *n; (n = g_dir_read_name(dir));) {
        g_ptr_array_add(names, g_strdup(n));
    }
    for (int bus = 1; bus <= 28; bus++) {
        uint64_t shift = (uint64_t)(bus - 1) << 20;
        g_autofree char *sbdf = g_strdup_printf("0000:%02x:00.0", bus);
        g_autofree char *d = g_build_filename(root, "bus", "pci", "devices", sbdf, NULL);
        g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
        for (guint i = 0; i < names->len; i++) {
            const char *name = names->pdata[i];
            g_autofree char *from = g_build_filename(src, name, NULL);
            g_autofree char *to = g_build_filename(d, name, NULL);
            g_autofree char *data = NULL;
            gsize len;
            g_assert_true(g_file_get_contents(from, &data, &len, NULL));
            if (!strcmp(name, "config")) {
                g_assert_cmpuint(len, >=, 0x18);
                uint64_t bar = 0;
                memcpy(&bar, data + 0x10, 8);   /* little-endian host */
                bar += shift;
                memcpy(data + 0x10, &bar, 8);
            } else if (!strcmp(name, "resource")) {
                g_autofree char *old = g_strdup("0x0000004000080000 0x00000040000fffff");
                g_autofree char *moved = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x 0x%016"
                                                         G_GINT64_MODIFIER "x",
                                                         (guint64)(0x4000080000ull + shift),
                                                         (guint64)(0x40000fffffull + shift));
                g_autofree char *r = replace(data, old, moved);
                g_free(data);
                data = g_steal_pointer(&r);
                len = strlen(data);
            }
            g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
        }
    }
    return root;
}

/* ---- start-up: spawn, QMP, quit, wait4 ----------------------------------------------- */

typedef struct StartResult {
    double total_ms, ready_ms, rss_mib, anon_mib;
} StartResult;

/*
 * A "Key:  N kB" line of /proc/PID/status of a running process, in MiB (NAN if
 * unreadable): VmHWM is the peak RSS of the program itself (since its exec), RssAnon its
 * private memory. Read from /proc rather than wait4's ru_maxrss, which for a posix_spawn
 * (vfork) child also counts the pages of the process that spawned it (the kernel's
 * exec_mmap records the old mm's high-water mark, the spawner's, into the child's maxrss).
 */
static double status_mib(pid_t pid, const char *key)
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

static StartResult start_median(bool qemu, const char *dev_args)
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

/* ---- qtest sessions ------------------------------------------------------------------ */

typedef struct Sess {
    XptQts *qts;
    bool qemu;
    char *cg_out;  /* callgrind profile, or NULL */
} Sess;

static Sess sess_start(bool qemu, const char *args, bool log, bool callgrind)
{
    Sess s = { 0 };
    static int seq;

    if (callgrind) {
        s.cg_out = g_strdup_printf("%s/cg.%d.out", tmpdir, seq++);
        g_setenv("XPT_BINARY", opt_wrap, TRUE);
        g_setenv("XPT_BENCH_REAL", qemu ? opt_qemu : opt_ours, TRUE);
        g_setenv("XPT_BENCH_CG_OUT", s.cg_out, TRUE);
    } else {
        g_setenv("XPT_BINARY", qemu ? opt_qemu : opt_ours, TRUE);
    }
    /* Debian's QEMU has no qtest accelerator: the client's "-accel qtest" fails over to
     * the "-accel tcg" after it (vCPUs stopped by -S; the qtest server works with any
     * accelerator). QEMU logs qtest traffic to stderr unless told "-qtest-log none". */
    g_autofree char *full = qemu ? g_strdup_printf("-accel tcg -M pc -S -nodefaults "
                                                   "-display none%s %s",
                                                   log ? "" : " -qtest-log none", args)
                                 : g_strdup(args);
    s.qts = log ? xpt_qts_start(full) : xpt_qts_start_nolog(full);
    s.qemu = qemu;
    return s;
}

/* Quit; with callgrind, *total and *dispatch receive the process's instructions and the
 * inclusive instructions of xpt_dispatch. */
static void sess_end(Sess *s, double *total, double *dispatch)
{
    if (s->qemu) {
        xpt_qts_signal(s->qts, SIGTERM); /* QEMU outlives its qtest socket (libqtest) */
    }
    int st = xpt_qts_quit(s->qts);
    if (st != 0) {
        g_error("bench: the binary exited with status %d", st);
    }
    if (!s->cg_out) {
        return;
    }
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(s->cg_out, &text, NULL, NULL));
    const char *sum = strstr(text, "\nsummary: ");
    g_assert_nonnull(sum);
    *total = g_ascii_strtod(sum + strlen("\nsummary: "), NULL);
    *dispatch = 0;

    g_autofree char *cmd = g_strdup_printf("callgrind_annotate --inclusive=yes "
                                           "--threshold=100 %s", s->cg_out);
    g_autofree char *out = NULL;
    if (g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL)) {
        g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
        for (char **l = lines; *l; l++) {
            if (strstr(*l, ":xpt_dispatch ")) {
                g_autoptr(GString) digits = g_string_new(NULL);
                for (const char *p = *l; *p == ' ' || *p == ',' || g_ascii_isdigit(*p); p++) {
                    if (g_ascii_isdigit(*p)) {
                        g_string_append_c(digits, *p);
                    }
                }
                *dispatch = g_ascii_strtod(digits->str, NULL);
                break;
            }
        }
    }
    g_free(s->cg_out);
}

static gint64 sim_calls(XptQts *qts, const char *op)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *calls = json_object_get_object_member(json_node_get_object(st), "calls");
    if (op) {
        return json_object_get_int_member(calls, op);
    }
    gint64 sum = 0;
    g_autoptr(GList) members = json_object_get_members(calls);
    for (GList *l = members; l; l = l->next) {
        sum += json_object_get_int_member(calls, l->data);
    }
    return sum;
}

static const char *ours_nic_args(void)
{
    static char *a;
    if (!a) {
        a = g_strdup_printf("-device xen-pci-passthrough,hostaddr=0000:" NIC_BDF ",id=pt0,"
                            "host-dump=%s", xpt_test_fixture(NIC_DUMP));
    }
    return a;
}

/* ---- config accesses ----------------------------------------------------------------- */

enum { OP_NONE, OP_READ, OP_WRITE };

static void cfg_ops(XptQts *qts, int op, int k)
{
    if (op == OP_READ) {
        xpt_outl(qts, 0xcf8, 0x80000000u | SLOT2 << 8 | 0x00);
        for (int i = 0; i < k; i++) {
            uint32_t v = xpt_inl(qts, 0xcfc);
            g_assert_cmphex(v & 0xffff, ==, 0x8086);
        }
    } else if (op == OP_WRITE) {
        xpt_outl(qts, 0xcf8, 0x80000000u | SLOT2 << 8 | 0x3c);
        for (int i = 0; i < k; i++) {
            xpt_outb(qts, 0xcfc, (uint8_t)i);
        }
    }
}

/* ns per access of @op, median over runs (each run K accesses in one session). */
static double cfg_ns(bool qemu, int op, bool log)
{
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
    for (int r = 0; r < opt_runs; r++) {
        Sess s = sess_start(qemu, qemu ? "-device e1000,addr=2" : ours_nic_args(), log, false);
        cfg_ops(s.qts, op, 100); /* warm up */
        double t0 = now_ns();
        cfg_ops(s.qts, op, opt_accesses);
        double ns = (now_ns() - t0) / opt_accesses;
        g_array_append_val(v, ns);
        sess_end(&s, NULL, NULL);
    }
    return median(v);
}

/*
 * Instructions per access (whole process) and inside xpt_dispatch, from callgrind: a
 * session with CG_ACCESSES accesses minus one without. QEMU's main loop also does work
 * per unit of wall time (timers, RCU), which the difference cannot cancel: many accesses
 * keep that noise to about ±100 instructions per access.
 */
static void cfg_instr(bool qemu, int op, bool log, double *total, double *dm)
{
    double t[2] = { 0 }, d[2] = { 0 };
    int k = CG_ACCESSES;
    for (int i = 0; i < 2; i++) {
        Sess s = sess_start(qemu, qemu ? "-device e1000,addr=2" : ours_nic_args(), log, true);
        cfg_ops(s.qts, i ? op : OP_NONE, i ? k : 0);
        /* the same CF8 write in both sessions */
        if (!i) {
            xpt_outl(s.qts, 0xcf8, 0x80000000u | SLOT2 << 8 | (op == OP_READ ? 0 : 0x3c));
        }
        sess_end(&s, &t[i], &d[i]);
    }
    *total = (t[1] - t[0]) / k;
    *dm = qemu ? NAN : (d[1] - d[0]) / k;
}

/* ---- MSI-X --------------------------------------------------------------------------- */

#define MSIX_TABLE 0xf1000000ull

/* Place BAR3 (the 82576's MSI-X BAR) at MSIX_TABLE, decode on, MSI-X enabled. */
static void msix_setup(XptQts *qts)
{
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)MSIX_TABLE);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    xpt_cfg_writew(qts, SLOT2, NIC_MSIX_CAP + 2, 0x8000);
}

static void msix_entry(XptQts *qts, unsigned i, uint32_t data)
{
    uint64_t e = MSIX_TABLE + 16ull * i;
    xpt_writel(qts, e + 0, 0xfee00000u);
    xpt_writel(qts, e + 4, 0);
    xpt_writel(qts, e + 8, data);
}

/* One rebind cycle of entry 0: mask, new data, unmask (what an affinity change does). */
static void msix_cycle(XptQts *qts, int i)
{
    xpt_writel(qts, MSIX_TABLE + 12, 1);
    xpt_writel(qts, MSIX_TABLE + 8, 0x30 + (uint32_t)(i % 64));
    xpt_writel(qts, MSIX_TABLE + 12, 0);
}

enum { MSIX_BASE, MSIX_WRITE, MSIX_CYCLE };

static void msix_ops(XptQts *qts, int what, int k)
{
    msix_setup(qts);
    msix_entry(qts, 0, 0x30);
    if (what == MSIX_WRITE) {
        for (int i = 0; i < k; i++) {
            xpt_writel(qts, MSIX_TABLE + 16 + 8, (uint32_t)i); /* entry 1, masked */
        }
    } else if (what == MSIX_CYCLE) {
        for (int i = 0; i < k; i++) {
            msix_cycle(qts, i);
        }
    }
}

static void bench_msix(bool log)
{
    const char *sec = log ? "MSI-X (-qtest-log)" : "MSI-X";
    int k = opt_accesses / 8;

    /* hypercalls: the first unmask of an entry, then one per rebind cycle */
    Sess s = sess_start(false, ours_nic_args(), log, false);
    msix_setup(s.qts);
    msix_entry(s.qts, 0, 0x30);
    gint64 c0 = sim_calls(s.qts, NULL);
    xpt_writel(s.qts, MSIX_TABLE + 12, 0);
    gint64 c1 = sim_calls(s.qts, NULL);
    g_autoptr(GArray) ns = g_array_new(FALSE, FALSE, sizeof(double));
    for (int r = 0; r < opt_runs; r++) {
        double t0 = now_ns();
        for (int i = 0; i < k; i++) {
            msix_cycle(s.qts, i);
        }
        double v = (now_ns() - t0) / k;
        g_array_append_val(ns, v);
    }
    gint64 c2 = sim_calls(s.qts, NULL);
    sess_end(&s, NULL, NULL);
    if (!log) {
        row(sec, "hypercalls, first unmask of an entry", "calls", (double)(c1 - c0), NAN);
        row(sec, "hypercalls per unmask after a data change", "calls",
            (double)(c2 - c1) / (k * opt_runs), NAN);
    }
    row(sec, "rebind cycle (mask, data write, unmask)", "ns", median(ns), NAN);

    if (!have_valgrind) {
        return;
    }
    double t[3], d[3];
    k = CG_ACCESSES / 4;
    for (int w = MSIX_BASE; w <= MSIX_CYCLE; w++) {
        Sess c = sess_start(false, ours_nic_args(), log, true);
        msix_ops(c.qts, w, w == MSIX_BASE ? 0 : k);
        sess_end(&c, &t[w], &d[w]);
    }
    row(sec, "table write (masked entry): instructions in process", "instr",
        (t[MSIX_WRITE] - t[MSIX_BASE]) / k, NAN);
    row(sec, "table write (masked entry): instructions in xpt_dispatch", "instr",
        (d[MSIX_WRITE] - d[MSIX_BASE]) / k, NAN);
    row(sec, "rebind cycle: instructions in process", "instr",
        (t[MSIX_CYCLE] - t[MSIX_BASE]) / k, NAN);
    row(sec, "rebind cycle: instructions in xpt_dispatch", "instr",
        (d[MSIX_CYCLE] - d[MSIX_BASE]) / k, NAN);
}

/* The 2048-vector device: start-up, then every entry programmed and unmasked. */
static void bench_msix2048(const char *dump)
{
    g_autofree char *dev = g_strdup_printf("-device xen-pci-passthrough,hostaddr=0000:"
                                           NIC_BDF ",id=pt0,host-dump=%s", dump);
    StartResult r = start_median(false, dev);
    row("scale", "2048 MSI-X vectors: start → quit", "ms", r.total_ms, NAN);
    row("scale", "2048 MSI-X vectors: peak RSS at start-up", "MiB", r.rss_mib, NAN);

    g_autoptr(GArray) ms = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) rss = g_array_new(FALSE, FALSE, sizeof(double));
    gint64 calls = 0;
    guint bound = 0;
    for (int run = 0; run < opt_runs; run++) {
        Sess s = sess_start(false, dev, false, false);
        msix_setup(s.qts);
        gint64 c0 = sim_calls(s.qts, NULL);
        double t0 = now_ns();
        for (unsigned i = 0; i < 2048; i++) {
            msix_entry(s.qts, i, 0x30 + (i % 200));
            xpt_writel(s.qts, MSIX_TABLE + 16ull * i + 12, 0);
        }
        double v = (now_ns() - t0) / 1e6;
        g_array_append_val(ms, v);
        calls = sim_calls(s.qts, NULL) - c0;
        g_autoptr(JsonNode) state = xpt_sim_state(s.qts);
        bound = json_array_get_length(xpt_state_array(state, "msi"));
        double mib = status_mib(xpt_qts_pid(s.qts), "VmHWM:");
        g_array_append_val(rss, mib);
        sess_end(&s, NULL, NULL);
    }
    row("scale", "2048 MSI-X vectors: program + unmask all", "ms", median(ms), NAN);
    row("scale", "2048 MSI-X vectors: hypercalls for all", "calls", (double)calls, NAN);
    row("scale", "2048 MSI-X vectors: bound in the simulated Xen", "vectors", bound, NAN);
    row("scale", "2048 MSI-X vectors: peak RSS, all enabled", "MiB", median(rss), NAN);
}

/* ---- BAR move ------------------------------------------------------------------------ */

static void bench_bar(const char *label, const char *dump, uint64_t size, bool log)
{
    g_autofree char *dev = g_strdup_printf("-device xen-pci-passthrough,hostaddr=0000:01:00.0,"
                                           "id=gpu,host-dump=%s", dump);
    uint64_t addr[2] = { 0x100000000ull > size ? 0x100000000ull : size, 0 };
    addr[1] = addr[0] + size;
    g_autoptr(GArray) ns = g_array_new(FALSE, FALSE, sizeof(double));
    gint64 mm = 0, all = 0;

    Sess s = sess_start(false, dev, log, false);
    xpt_cfg_writel(s.qts, SLOT2, 0x18, (uint32_t)addr[0] | 0xc);
    xpt_cfg_writel(s.qts, SLOT2, 0x1c, (uint32_t)(addr[0] >> 32));
    xpt_cfg_writew(s.qts, SLOT2, 0x04, 0x0006);
    for (int r = 0; r < opt_runs * 2; r++) {
        uint64_t to = addr[(r + 1) % 2];
        gint64 m0 = sim_calls(s.qts, "memory_mapping"), a0 = sim_calls(s.qts, NULL);
        double t0 = now_ns();
        xpt_cfg_writew(s.qts, SLOT2, 0x04, 0x0004);
        xpt_cfg_writel(s.qts, SLOT2, 0x18, (uint32_t)to | 0xc);
        xpt_cfg_writel(s.qts, SLOT2, 0x1c, (uint32_t)(to >> 32));
        xpt_cfg_writew(s.qts, SLOT2, 0x04, 0x0006);
        double v = (now_ns() - t0) / 1e3;
        g_array_append_val(ns, v);
        mm = sim_calls(s.qts, "memory_mapping") - m0;
        all = sim_calls(s.qts, NULL) - a0;
    }
    g_autoptr(JsonNode) st = xpt_sim_state(s.qts);
    g_assert_true(xpt_state_has_mmio(st, addr[0] >> 12, (size == (256ull << 30)
                                     ? 0x4000000000ull : 0x90000000ull) >> 12, size >> 12));
    sess_end(&s, NULL, NULL);
    g_autofree char *m1 = g_strdup_printf("BAR move %s: xc_domain_memory_mapping calls", label);
    g_autofree char *m2 = g_strdup_printf("BAR move %s: all hypervisor calls", label);
    g_autofree char *m3 = g_strdup_printf("BAR move %s: time (4 config writes)", label);
    const char *sec = log ? "BAR (-qtest-log)" : "BAR";
    if (!log) {
        row(sec, m1, "calls", (double)mm, NAN);
        row(sec, m2, "calls", (double)all, NAN);
    }
    row(sec, m3, "µs", median(ns), NAN);
}

/* ---- hot-plug ------------------------------------------------------------------------ */

static void wait_irq(XptQts *qts, const char *want)
{
    double deadline = now_ns() + 10e9;
    for (;;) {
        g_autofree char *l = xpt_qts_pop_irq(qts);
        if (l && !strcmp(l, want)) {
            return;
        }
        if (now_ns() > deadline) {
            g_error("bench: no '%s' within 10 s", want);
        }
        if (!l) {
            g_usleep(20);
        }
    }
}

/*
 * One device model: hot-add into slot 6 while the guest runs (its ACPI driver enabled
 * GPE bit 1), then device_del, the guest's acknowledgement and eject. QEMU 7.2's PIIX4
 * has the same GPE0 block (0xAFE0) and PCI hot-plug registers (0xAE00), plus BNUM at
 * 0xAE10, the bus whose slot B0EJ ejects (acpi-pci-hotplug with bridge support), set to
 * 0 (bus 0) before the eject.
 */
static void hotplug_run(bool qemu, bool log, double *add_us, double *eject_us)
{
    XptQmp *qmp = xpt_qmp_listen();
    Sess s = sess_start(qemu, xpt_qmp_args(qmp), log, false);
    g_autoptr(JsonNode) greet = xpt_qmp_accept(qmp);
    xpt_qmp_negotiate(qmp);
    g_autofree char *r = xpt_qts_command(s.qts, "irq_intercept_in ioapic");
    g_assert_cmpstr(r, ==, "OK");
    xpt_outw(s.qts, GPE_EN, 0x0002); /* the guest runs; its ACPI driver enables GPE 1 */
    g_autoptr(GArray) add = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GArray) ej = g_array_new(FALSE, FALSE, sizeof(double));
    g_autofree char *dev = qemu
        ? g_strdup("\"driver\": \"e1000\", \"id\": \"hot\", \"addr\": \"0x6\"")
        : g_strdup_printf("\"driver\": \"xen-pci-passthrough\", \"id\": \"hot\", "
                          "\"hostaddr\": \"0000:" NIC_BDF "\", \"host-dump\": \"%s\"",
                          xpt_test_fixture(NIC_DUMP));

    for (int run = 0; run < opt_runs; run++) {
        double t0 = now_ns();
        g_autoptr(JsonNode) a = xpt_qmp_command(qmp, "{\"execute\": \"device_add\", "
                                                "\"arguments\": {%s}}", dev);
        g_assert_nonnull(xpt_qmp_reply_return(a));
        wait_irq(s.qts, "IRQ raise 9");
        double v = (now_ns() - t0) / 1e3;
        g_array_append_val(add, v);
        xpt_outw(s.qts, GPE_STS, 0x0002);
        wait_irq(s.qts, "IRQ lower 9");

        g_autoptr(JsonNode) d = xpt_qmp_command(qmp, "{\"execute\": \"device_del\", "
                                                "\"arguments\": {\"id\": \"hot\"}}");
        g_assert_nonnull(xpt_qmp_reply_return(d));
        wait_irq(s.qts, "IRQ raise 9");
        xpt_outw(s.qts, GPE_STS, 0x0002);
        wait_irq(s.qts, "IRQ lower 9");
        if (qemu) {
            xpt_outl(s.qts, BNUM, 0);
        }
        t0 = now_ns();
        xpt_outl(s.qts, B0EJ, 1u << 6);
        g_autoptr(JsonNode) ev = xpt_qmp_event_wait(qmp, "DEVICE_DELETED");
        v = (now_ns() - t0) / 1e3;
        g_array_append_val(ej, v);
    }
    sess_end(&s, NULL, NULL);
    xpt_qmp_free(qmp);
    *add_us = median(add);
    *eject_us = median(ej);
}

static void bench_hotplug(bool log)
{
    double oa, oe, qa = NAN, qe = NAN;
    hotplug_run(false, log, &oa, &oe);
    if (have_qemu) {
        hotplug_run(true, log, &qa, &qe);
    }
    const char *sec = log ? "hot-plug (-qtest-log)" : "hot-plug";
    row(sec, "device_add → SCI raised", "µs", oa, qa);
    row(sec, "guest eject → DEVICE_DELETED", "µs", oe, qe);
}

/* ---- main ---------------------------------------------------------------------------- */

static void add_double(JsonBuilder *b, const char *name, double v)
{
    json_builder_set_member_name(b, name);
    if (isnan(v)) {
        json_builder_add_null_value(b);
    } else {
        json_builder_add_double_value(b, v);
    }
}

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, v);
}

static void add_int(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
}

static char *machine_description(JsonBuilder *b)
{
    g_autofree char *cpuinfo = NULL, *meminfo = NULL, *load = NULL;
    g_autofree char *model = g_strdup("unknown CPU");
    struct utsname u;
    uname(&u);
    if (g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, NULL)) {
        const char *m = strstr(cpuinfo, "model name");
        if (m && (m = strchr(m, ':'))) {
            g_free(model);
            model = g_strndup(m + 2, strcspn(m + 2, "\n"));
        }
    }
    long mem_kib = 0;
    if (g_file_get_contents("/proc/meminfo", &meminfo, NULL, NULL)) {
        sscanf(meminfo, "MemTotal: %ld", &mem_kib);
    }
    g_file_get_contents("/proc/loadavg", &load, NULL, NULL);
    g_strchomp(load);
    add_str(b, "cpu", model);
    add_int(b, "cpus", g_get_num_processors());
    add_int(b, "memory_mib", mem_kib / 1024);
    add_str(b, "kernel", u.release);
    add_str(b, "loadavg_at_start", load);
    return g_strdup_printf("%s, %d CPUs, %ld MiB, Linux %s, load average at start %s", model,
                           g_get_num_processors(), mem_kib / 1024, u.release, load);
}

/* Whether section @name runs (--only). */
static bool want(const char *name)
{
    if (!opt_only) {
        return true;
    }
    g_auto(GStrv) names = g_strsplit(opt_only, ",", -1);
    return g_strv_contains((const char *const *)names, name);
}

static void fmt(char *buf, size_t len, double v)
{
    if (isnan(v)) {
        g_strlcpy(buf, "—", len);
    } else if (fabs(v) >= 100 || v == floor(v)) {
        snprintf(buf, len, "%.0f", v);
    } else {
        snprintf(buf, len, "%.2f", v);
    }
}

int main(int argc, char **argv)
{
    static const int counts[] = { 1, 5, 10, 20, 28 };
    GOptionEntry entries[] = {
        { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "runs per figure (median)", "N" },
        { "accesses", 0, 0, G_OPTION_ARG_INT, &opt_accesses, "accesses per timed run", "N" },
        { "ours", 0, 0, G_OPTION_ARG_FILENAME, &opt_ours, "xen-pt-dm binary", "PATH" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &opt_qemu, "QEMU binary (\"\" = none)", "PATH" },
        { "wrapper", 0, 0, G_OPTION_ARG_FILENAME, &opt_wrap, "callgrind wrapper", "PATH" },
        { "floor", 0, 0, G_OPTION_ARG_FILENAME, &opt_floor,
          "a program with xen-pt-dm's libraries that exits at once (bench/floor.c)", "PATH" },
        { "json", 0, 0, G_OPTION_ARG_FILENAME, &opt_json, "write the results here", "FILE" },
        { "plot-data", 0, 0, G_OPTION_ARG_FILENAME, &opt_plot, "gnuplot data file", "FILE" },
        { "only", 0, 0, G_OPTION_ARG_STRING, &opt_only,
          "only these sections: startup,config,msix,bar,hotplug,scale", "LIST" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- xen-pt-dm benchmarks");
    g_autoptr(GError) err = NULL;
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "bench: %s\n", err->message);
        return 1;
    }
    if (opt_runs < 1 || opt_accesses < 16) {
        fprintf(stderr, "bench: --runs must be ≥ 1 and --accesses ≥ 16\n");
        return 1;
    }
    g_autofree char *qemu_path = *opt_qemu ? g_find_program_in_path(opt_qemu) : NULL;
    g_autofree char *vg_path = g_find_program_in_path("valgrind");
    have_qemu = qemu_path != NULL;
    have_valgrind = vg_path != NULL;
    g_autofree char *ours_abs = g_canonicalize_filename(opt_ours, NULL);
    g_autofree char *wrap_abs = g_canonicalize_filename(opt_wrap, NULL);
    g_autofree char *floor_abs = g_canonicalize_filename(opt_floor, NULL);
    opt_floor = floor_abs;
    opt_ours = ours_abs;
    opt_wrap = wrap_abs;
    if (have_qemu) {
        opt_qemu = qemu_path;
    }
    rows = g_ptr_array_new();
    scale_points = g_array_new(FALSE, FALSE, sizeof(ScalePoint));
    tmpdir = xpt_qts_tmpdir();
    t_origin = now_ns() / 1e9;

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "machine");
    json_builder_begin_object(b);
    g_autofree char *machine = machine_description(b);
    json_builder_end_object(b);
    double t_start = now_ns();

    g_autofree char *multi = make_multi_dump();
    g_autofree char *msix2048 = make_msix2048_dump();
    g_autofree char *bar256m = make_bar_dump(false);
    g_autofree char *bar256g = make_bar_dump(true);
    g_autofree char *sysfs = make_sysfs_tree();

    /* 1. start-up */
    if (want("startup")) {
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

    /* 2. config accesses, 3. MSI-X, 4. BAR moves, 5. hot-plug: without, then with the log */
    for (int log = 0; log <= 1; log++) {
        const char *sec = log ? "config (-qtest-log)" : "config";
        for (int op = OP_READ; op <= OP_WRITE && want("config"); op++) {
            const char *name = op == OP_READ ? "read" : "write";
            g_autofree char *m1 = g_strdup_printf("config %s over qtest", name);
            row(sec, m1, "ns", cfg_ns(false, op, log), have_qemu ? cfg_ns(true, op, log) : NAN);
            if (have_valgrind) {
                double ot, od, qt = NAN, qd;
                cfg_instr(false, op, log, &ot, &od);
                if (have_qemu) {
                    cfg_instr(true, op, log, &qt, &qd);
                }
                g_autofree char *m2 = g_strdup_printf("config %s: instructions in process",
                                                      name);
                g_autofree char *m3 = g_strdup_printf("config %s: instructions in the device "
                                                      "model (xpt_dispatch)", name);
                row(sec, m2, "instr", ot, qt);
                row(sec, m3, "instr", od, NAN);
            }
        }
        if (want("msix")) {
            bench_msix(log);
        }
        if (want("bar")) {
            bench_bar("256 MiB", bar256m, 256ull << 20, log);
            bench_bar("256 GiB", bar256g, 256ull << 30, log);
        }
        if (want("hotplug")) {
            bench_hotplug(log);
        }
    }

    /* 6. scale: the start-up (to QMP ready, and its instructions to a quit right after)
     * apart from the whole session with query-pci, whose reply grows with the devices */
    double first[6] = { NAN, NAN, NAN, NAN, NAN, NAN }; /* n = 1: d, s, q × ready, instr */
    double last[6] = { NAN, NAN, NAN, NAN, NAN, NAN };  /* the largest n */
    for (size_t i = 0; i < G_N_ELEMENTS(counts) && want("scale"); i++) {
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
    if (want("scale")) {
        /* the target: N devices start in < 2× the time of one */
        int n = counts[G_N_ELEMENTS(counts) - 1];
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
    if (want("scale")) {
        bench_msix2048(msix2048);
    }

    /* output */
    double elapsed = (now_ns() - t_start) / 1e9;
    g_autofree char *load = NULL;
    g_file_get_contents("/proc/loadavg", &load, NULL, NULL);
    g_strchomp(load);
    printf("Machine: %s; load average at end %s; %d runs per figure (median); %.0f s.\n\n",
           machine, load, opt_runs, elapsed);
    printf("| section | figure | unit | xen-pt-dm | QEMU 7.2 | QEMU / xen-pt-dm |\n");
    printf("|---|---|---|---:|---:|---:|\n");
    add_int(b, "runs", opt_runs);
    json_builder_set_member_name(b, "seconds");
    json_builder_add_double_value(b, elapsed);
    add_str(b, "loadavg_at_end", load);
    json_builder_set_member_name(b, "figures");
    json_builder_begin_array(b);
    for (guint i = 0; i < rows->len; i++) {
        Row *r = rows->pdata[i];
        char o[32], q[32], x[32];
        double ratio = r->qemu / r->ours;
        fmt(o, sizeof(o), r->ours);
        fmt(q, sizeof(q), r->qemu);
        if (isnan(ratio)) {
            g_strlcpy(x, "—", sizeof(x));
        } else {
            snprintf(x, sizeof(x), "%.1f×", ratio);
        }
        printf("| %s | %s | %s | %s | %s | %s |\n", r->section, r->metric, r->unit, o, q, x);
        json_builder_begin_object(b);
        add_str(b, "section", r->section);
        add_str(b, "figure", r->metric);
        add_str(b, "unit", r->unit);
        add_double(b, "xen-pt-dm", r->ours);
        add_double(b, "qemu", r->qemu);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "scale");
    json_builder_begin_array(b);
    for (guint i = 0; i < scale_points->len; i++) {
        ScalePoint *p = &g_array_index(scale_points, ScalePoint, i);
        json_builder_begin_object(b);
        add_str(b, "series", p->series);
        add_int(b, "devices", p->n);
        add_double(b, "ms", p->ms);
        add_double(b, "ready_ms", p->ready_ms);
        add_double(b, "rss_mib", p->rss_mib);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);

    if (opt_json) {
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        json_generator_set_pretty(gen, TRUE);
        if (!json_generator_to_file(gen, opt_json, &err)) {
            g_error("bench: %s", err->message);
        }
    }
    if (opt_plot) {
        /* one line per device count: n, then ready ms, quit ms and MiB of ours-dump,
         * ours-sysfs, qemu */
        g_autoptr(GString) s = g_string_new("# devices dump_ready_ms dump_ms dump_mib "
                                            "sysfs_ready_ms sysfs_ms sysfs_mib "
                                            "qemu_ready_ms qemu_ms qemu_mib\n");
        for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
            double v[9] = { NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
            for (guint j = 0; j < scale_points->len; j++) {
                ScalePoint *p = &g_array_index(scale_points, ScalePoint, j);
                int k = !strcmp(p->series, "ours-dump") ? 0
                        : !strcmp(p->series, "ours-sysfs") ? 3 : 6;
                if (p->n == counts[i]) {
                    v[k] = p->ready_ms;
                    v[k + 1] = p->ms;
                    v[k + 2] = p->rss_mib;
                }
            }
            g_string_append_printf(s, "%d", counts[i]);
            for (int k = 0; k < 9; k++) {
                if (isnan(v[k])) {
                    g_string_append(s, " NaN");
                } else {
                    g_string_append_printf(s, " %.3f", v[k]);
                }
            }
            g_string_append_c(s, '\n');
        }
        g_assert_true(g_file_set_contents(opt_plot, s->str, -1, NULL));
    }
    xpt_test_rmtree(tmpdir);
    return 0;
}
