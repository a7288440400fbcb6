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
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench/bench.h"

int opt_runs = 5;
int opt_accesses = 2000;
const char *opt_ours = "build/xen-pt-dm";
const char *opt_qemu = "qemu-system-x86_64";
static const char *opt_json;
static const char *opt_plot;
const char *opt_wrap = "bench/callgrind-wrap.sh";
const char *opt_floor = "build/bench/floor";
static const char *opt_only;    /* comma-separated sections, NULL = all */
bool have_qemu;
bool have_valgrind;
char *tmpdir;

/* ---- results ------------------------------------------------------------------------- */

typedef struct Row {
    char *section;
    char *metric;
    char *unit;
    double ours, qemu; /* NAN: not measured */
} Row;

static GPtrArray *rows;
static double t_origin;

void row(const char *section, const char *metric, const char *unit, double ours,
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

GArray *scale_points;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double median(GArray *a)
{
    if (!a->len) {
        return NAN;
    }
    g_array_sort(a, cmp_double);
    double *v = (double *)(void *)a->data;
    return a->len % 2 ? v[a->len / 2] : (v[a->len / 2 - 1] + v[a->len / 2]) / 2;
}

double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
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

    if (want("startup")) {
        bench_startup(sysfs);
    }
    /* config accesses, MSI-X, BAR moves, hot-plug: without, then with the log */
    for (int log = 0; log <= 1; log++) {
        if (want("config")) {
            bench_config(log);
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
    if (want("scale")) {
        bench_scale(multi, sysfs, counts, G_N_ELEMENTS(counts));
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
