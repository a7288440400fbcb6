/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make bench: the figures of qtest sessions, the same client driving xen-pt-dm and QEMU:
 * config accesses, MSI-X table writes and rebinds, BAR moves, hot-plug and eject, each
 * timed, and under callgrind (through bench/callgrind-wrap.sh) counted in instructions.
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

/* Config read and write figures: ns over qtest, and instructions in the process and in
 * xpt_dispatch (callgrind), beside QEMU's. */
void bench_config(bool log)
{
    const char *sec = log ? "config (-qtest-log)" : "config";
    for (int op = OP_READ; op <= OP_WRITE; op++) {
        const char *name = op == OP_READ ? "read" : "write";
        g_autofree char *m1 = g_strdup_printf("config %s over qtest", name);
        row(sec, m1, "ns", cfg_ns(false, op, log), have_qemu ? cfg_ns(true, op, log) : NAN);
        if (have_valgrind) {
            double ot, od, qt = NAN, qd;
            cfg_instr(false, op, log, &ot, &od);
            if (have_qemu) {
                cfg_instr(true, op, log, &qt, &qd);
            }
            g_autofree char *m2 = g_strdup_printf("config %s: instructions in process", name);
            g_autofree char *m3 = g_strdup_printf("config %s: instructions in the device "
                                                  "model (xpt_dispatch)", name);
            row(sec, m2, "instr", ot, qt);
            row(sec, m3, "instr", od, NAN);
        }
    }
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

void bench_msix(bool log)
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
void bench_msix2048(const char *dump)
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

void bench_bar(const char *label, const char *dump, uint64_t size, bool log)
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

void bench_hotplug(bool log)
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
