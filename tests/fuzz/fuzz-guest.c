/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: a hostile guest against the xenfv machine with passthrough fixture
 * devices, in process (tests/fuzz/fuzz-guest.h).
 *
 * Every input gets a fresh simulated hypervisor and machine. Guest accesses go through
 * the sim's qtest backend (xpt_sim_qtest_backend: the same routing as `-accel qtest`, so
 * Xen's rules apply: CF8 latch, claims, p2m, null handler); FUZZ_OP_IOREQ builds rep and
 * data_is_ptr requests the backend never makes and hands them to the dispatcher only
 * where Xen would (claimed ranges). Machine-level operations (device_add, device_del)
 * call hw/i386/machine.h as QMP does.
 *
 * Oracles (any failure prints one line and aborts; libFuzzer saves the input):
 *  - no crash, hang or sanitizer report (libFuzzer, ASan, UBSan);
 *  - after every operation: each device's host config writes comply with the policy of
 *    tests/host-policy.h; the p2m and I/O port maps only map host frames/ports of the
 *    attached devices' BARs, never the MSI-X table pages, and (unless an injected
 *    mapping fault fired) only where the guest placed a decoding BAR; the ioreq-server
 *    claims are the chipset's, the attached devices' SBDFs, and decoding ROMs and MSI-X
 *    table pages where the guest put them (unless a claim or mapping fault fired); no
 *    MSI pirq of a device whose guest MSI (MSI-X) Enable reads 0 (unless an injected
 *    unbind/unmap fault fired);
 *  - after every operation (issue 13): invariant 1, no attached device has a config
 *    space shorter than 256 bytes; invariant 2, no p2m extent covers any attached
 *    device's MSI-X table page (from whichever BAR or device) and no host frame or port
 *    is mapped at two guest addresses; invariant 3, nothing is mapped from a host BAR
 *    the host left unassigned (address 0);
 *  - a failed device_add leaves the sim as it was; a device that detached holds
 *    nothing any more (grants, pirqs, mappings, its SBDF claim);
 *  - after the machine is freed (pending faults cancelled first) the sim's leak report
 *    is empty, unless an injected fault fired while a device detached (then the device
 *    cannot retry and a leak is the documented outcome).
 * With byte 0 bit 7 the host side joins in (FuzzHostOp): injected host config read/write
 * faults (as `xen-sim host-fail`), a device that goes and comes back (`xen-sim
 * host-gone`), and device_add of copies of the fixtures whose host data lies (FuzzLie:
 * a 64-byte config space, BARs overlapping each other or another fixture's, a BAR at
 * address 0, capability loops, any other header or capability bytes). After a host fault
 * fired or a device was gone, the MSI oracle is off (the host's Enable bit then no
 * longer says what the guest asked for).
 * The sim's state is read from qtest/xen-sim-int.h directly: the JSON state after every
 * operation would cost more than the operation.
 *
 * Fixtures: pciutils-tests/cap-pcie-2 01:00.0 (82576: MSI, MSI-X), cap-phy32 2e:00.0
 * (NVMe: 64-bit BAR, 129 MSI-X entries), tree-asus-p6t6 07:00.0 (RTL8111: I/O BAR,
 * MSI, MSI-X, VPD, hex-only dump with layout-bounded sizes). Each is opened once per
 * process from its full dump and rewritten as a one-device `lspci -vv -xxx` dump with
 * the sizes found and the conventional config space (the full tree takes 16 ms to
 * parse; extended space is never routed to a device; the copy is checked to give the
 * same config space, regions and IRQ).
 */
#include "tests/fuzz/fuzz-guest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hw/host/host-dump.h"
#include "hw/host/host-pci.h"
#include "hw/i386/acpi-hotplug.h"
#include "hw/i386/chipset.h"
#include "hw/i386/machine.h"
#include "hw/i386/pm.h"
#include "hw/xen/xen-pt.h"
#include "qtest/xen-sim-int.h"
#include "qtest/xen-sim.h"
#include "tests/host-policy.h"
#include "util/log.h"
#include "util/opts.h"

#define RAM_BYTES (128ull << 20)

/* The oracles' own loops are no coverage worth steering the fuzzer by, and tracing
 * their comparisons (a scan of every pirq after each operation) costs more than the
 * operations: leave them uninstrumented under libFuzzer. */
#if defined(__clang__)
#define ORACLE __attribute__((no_sanitize("coverage")))
#else
#define ORACLE
#endif
#define MAX_OPS 256
#define NR_FIXTURES 3

/* ---- fixtures ------------------------------------------------------------------------------ */

typedef struct FuzzFixture {
    const char *file;               /* under the fixtures root */
    const char *hostaddr;
    char *dump;                     /* the one-device copy */
    char *own_hostaddr;             /* lying copies: hostaddr points here */
    unsigned rows;                  /* config bytes in the dump: 256, or 64 (short) */
    uint8_t config[XPT_HOST_CONFIG_SIZE];  /* host config space before attach */
    unsigned config_size;
    XptHostRegion bars[6];
    XptHostRegion rom;
    int irq;
    uint8_t msi_cap, msix_cap;      /* 0 = none */
    unsigned msix_bir, msix_entries;
    uint64_t msix_table_off;
    uint64_t msix_first_page, msix_last_page;   /* BAR page numbers of the table */
} FuzzFixture;

static FuzzFixture fixtures[NR_FIXTURES] = {
    { .file = "pciutils-tests/cap-pcie-2", .hostaddr = "01:00.0" },
    { .file = "pciutils-tests/cap-phy32", .hostaddr = "2e:00.0" },
    { .file = "pciutils-tests/tree-asus-p6t6", .hostaddr = "07:00.0" },
};

static bool trace_on;
static char *tmp_root;

static void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz-guest: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fflush(stderr);
    abort();
}

static void G_GNUC_PRINTF(1, 2) trace(const char *fmt, ...)
{
    if (!trace_on) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  op: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static XptHostPci *open_dump(const char *file, const char *hostaddr)
{
    g_autoptr(GError) err = NULL;
    XptHostOpenOptions o = { .hostaddr = hostaddr, .dump_file = file, .shadow = true };
    XptHostPci *h = xpt_host_pci_open(&o, &err);
    if (!h) {
        die("cannot open fixture %s %s: %s", file, hostaddr, err->message);
    }
    return h;
}

static void read_config(XptHostPci *h, uint8_t *out, unsigned *size)
{
    memset(out, 0xFF, XPT_HOST_CONFIG_SIZE);
    *size = xpt_host_pci_config_size(h);
    for (unsigned off = 0; off < *size; off += 4) {
        uint32_t v;
        if (xpt_host_pci_read(h, off, 4, &v, NULL)) {
            for (unsigned i = 0; i < 4; i++) {
                out[off + i] = (uint8_t)(v >> (8 * i));
            }
        }
    }
}

/* The host capability list (bounded) as the device model walks it: offset of @id. */
static uint8_t find_cap(const uint8_t *c, uint8_t id)
{
    if (!(c[0x06] & 0x10)) {
        return 0;
    }
    unsigned ptr = c[0x34];
    for (unsigned n = 0; n < 48; n++) {
        ptr &= 0xFC;
        if (ptr < 0x40) {
            return 0;
        }
        if (c[ptr] == id) {
            return (uint8_t)ptr;
        }
        ptr = c[ptr + 1];
    }
    return 0;
}

static void write_dump(FuzzFixture *fx, const char *name)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_string_append_printf(s, "%s Fuzz fixture (from %s)\n", fx->hostaddr, fx->file);
    for (unsigned i = 0; i < 6; i++) {
        const XptHostRegion *r = &fx->bars[i];
        if (!r->size) {
            continue;
        }
        g_autofree char *sz = xpt_host_dump_format_size(r->size);
        g_string_append_printf(s, "\tRegion %u: %s at %" G_GINT64_MODIFIER "x [size=%s]\n",
                               i, (r->flags & XPT_HOST_REGION_IO) ? "I/O ports" : "Memory",
                               r->base, sz);
    }
    if (fx->rom.size) {
        g_autofree char *sz = xpt_host_dump_format_size(fx->rom.size);
        g_string_append_printf(s, "\tExpansion ROM at %" G_GINT64_MODIFIER "x [size=%s]\n",
                               fx->rom.base, sz);
    }
    /* Conventional space only: the bus never passes offsets ≥ 0x100 to a device, and
     * libpci's dump parser spends most of an input's time on the other 3840 bytes. */
    for (unsigned row = 0; row < fx->rows; row += 16) {
        g_string_append_printf(s, "%02x:", row);
        for (unsigned i = 0; i < 16; i++) {
            g_string_append_printf(s, " %02x", fx->config[row + i]);
        }
        g_string_append_c(s, '\n');
    }
    g_string_append_c(s, '\n');
    fx->dump = g_build_filename(tmp_root, name, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_file_set_contents(fx->dump, s->str, (gssize)s->len, &err)) {
        die("%s", err->message);
    }
}

static void fixture_caps(FuzzFixture *fx);

static void init_fixture(const char *root, FuzzFixture *fx)
{
    g_autofree char *full = g_build_filename(root, fx->file, NULL);
    g_autoptr(XptHostPci) h = open_dump(full, fx->hostaddr);
    read_config(h, fx->config, &fx->config_size);
    for (unsigned i = 0; i < 6; i++) {
        fx->bars[i] = *xpt_host_pci_bar(h, i);
    }
    fx->rom = *xpt_host_pci_rom(h);
    fx->irq = xpt_host_pci_irq(h);
    fx->rows = XPT_PCI_CONFIG_SPACE;
    g_autofree char *name = g_path_get_basename(fx->file);
    write_dump(fx, name);

    /* The copy must be the same device. */
    g_autoptr(XptHostPci) c = open_dump(fx->dump, fx->hostaddr);
    uint8_t cfg[XPT_HOST_CONFIG_SIZE];
    unsigned size;
    read_config(c, cfg, &size);
    bool same = size == XPT_PCI_CONFIG_SPACE &&
                !memcmp(cfg, fx->config, XPT_PCI_CONFIG_SPACE) &&
                xpt_host_pci_irq(c) == fx->irq &&
                !memcmp(xpt_host_pci_rom(c), &fx->rom, sizeof(fx->rom));
    for (unsigned i = 0; i < 6; i++) {
        same = same && !memcmp(xpt_host_pci_bar(c, i), &fx->bars[i], sizeof(fx->bars[i]));
    }
    if (!same) {
        die("the one-device copy %s of %s %s differs from the fixture", fx->dump, fx->file,
            fx->hostaddr);
    }

    fixture_caps(fx);
}

/* MSI and MSI-X of @fx from its config space, as the device model walks it. */
static void fixture_caps(FuzzFixture *fx)
{
    fx->msi_cap = find_cap(fx->config, 0x05);
    fx->msix_cap = find_cap(fx->config, 0x11);
    fx->msix_bir = fx->msix_entries = 0;
    fx->msix_table_off = fx->msix_first_page = fx->msix_last_page = 0;
    if (fx->msix_cap) {
        const uint8_t *p = fx->config + fx->msix_cap;
        uint32_t table = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
        fx->msix_entries = ((p[2] | p[3] << 8) & 0x7FF) + 1;
        fx->msix_bir = table & 7;
        fx->msix_table_off = table & ~7u;
        uint64_t end = fx->msix_table_off + 16ull * fx->msix_entries;
        uint64_t bar_size = fx->msix_bir < 6 ? fx->bars[fx->msix_bir].size : 0;
        fx->msix_first_page = fx->msix_table_off >> XPT_PAGE_SHIFT;
        fx->msix_last_page = (MIN(end, MAX(bar_size, 1)) - 1) >> XPT_PAGE_SHIFT;
    }
}

static void cleanup_tmp(void)
{
    for (unsigned i = 0; i < NR_FIXTURES; i++) {
        if (fixtures[i].dump) {
            g_unlink(fixtures[i].dump);
        }
    }
    if (tmp_root) {
        g_rmdir(tmp_root);
    }
}

static void init_once(void)
{
    static bool done;
    if (done) {
        return;
    }
    done = true;
    trace_on = g_strcmp0(g_getenv("XPT_FUZZ_TRACE"), "1") == 0;
    const char *log = g_getenv("XPT_FUZZ_LOG");
    if (!log || !*log) {
        if (!xpt_log_set_file("/dev/null", NULL)) {
            die("cannot redirect the log to /dev/null");
        }
    } else if (strcmp(log, "1") != 0 && !xpt_log_set_categories(log, NULL)) {
        die("XPT_FUZZ_LOG=%s: not a list of -d categories", log);
    }
    const char *root = g_getenv("XPT_FIXTURES");
    if (!root || !*root) {
        root = "tests/fixtures";
    }
    g_autoptr(GError) err = NULL;
    tmp_root = g_dir_make_tmp("xpt-fuzz-XXXXXX", &err);
    if (!tmp_root) {
        die("%s", err->message);
    }
    atexit(cleanup_tmp);
    for (unsigned i = 0; i < NR_FIXTURES; i++) {
        init_fixture(root, &fixtures[i]);
    }
}

/* ---- input ------------------------------------------------------------------------------- */

typedef struct Reader {
    const uint8_t *p;
    size_t n, i;
} Reader;

static uint8_t rd8(Reader *r)
{
    return r->i < r->n ? r->p[r->i++] : 0;
}

static uint16_t rd16(Reader *r)
{
    uint16_t lo = rd8(r);
    return (uint16_t)(lo | rd8(r) << 8);
}

static uint32_t rd32(Reader *r)
{
    uint32_t lo = rd16(r);
    return lo | (uint32_t)rd16(r) << 16;
}

static uint64_t rd64(Reader *r)
{
    uint64_t lo = rd32(r);
    return lo | (uint64_t)rd32(r) << 32;
}

/* ---- one run ------------------------------------------------------------------------------ */

/* An attached passthrough device; its class is replaced by @klass (first member) so that
 * the harness sees it detach before it is freed. */
typedef struct FuzzDev {
    XptPciDeviceClass klass;
    const XptPciDeviceClass *orig;
    XptPtDevice *d;
    const FuzzFixture *fx;
    XptHostPolicy *policy;
    unsigned host_armed[2];         /* host faults (read, write) pending after the last op */
} FuzzDev;

typedef struct FuzzRun {
    XptSim *sim;
    XptMachine *m;
    const XptQtestBackend *be;
    GPtrArray *devs;                /* FuzzDev*, attached */
    uint32_t fired;                 /* SimOps whose injected fault fired (bit per op) */
    bool detach_fault;              /* a fault fired while a device detached */
    GPtrArray *ghosts;              /* FuzzFixture*: detached with a fault, may leave state */
    GArray *spans[3];               /* Span: scratch of check_claims (PCI, port, MMIO) */
    GPtrArray *lies;                /* FuzzFixture*: lying copies made by this input */
    bool host_fault;                /* a host config fault fired, or a device was gone */
    unsigned op_index;
} FuzzRun;

static FuzzRun *run;                /* the run in progress (the class hooks need it) */

#define OPBIT(op) (1u << (op))
/* Operations that undo something: a failure leaves state behind by design. */
#define RELEASE_OPS (OPBIT(SIM_OP_MEMORY_MAPPING) | OPBIT(SIM_OP_IOPORT_MAPPING) | \
                     OPBIT(SIM_OP_UNCLAIM_RANGE) | OPBIT(SIM_OP_UNMAP_PIRQ) | \
                     OPBIT(SIM_OP_UNBIND_MSI) | OPBIT(SIM_OP_UNBIND_PT_INTX) | \
                     OPBIT(SIM_OP_REVOKE_DEVICE))
#define MAPPING_OPS (OPBIT(SIM_OP_MEMORY_MAPPING) | OPBIT(SIM_OP_IOPORT_MAPPING))
#define MSI_RELEASE_OPS (OPBIT(SIM_OP_UNBIND_MSI) | OPBIT(SIM_OP_UNMAP_PIRQ))

typedef struct FaultSnap {
    unsigned count[SIM_OP_COUNT];
} FaultSnap;

ORACLE static void fault_snap(FaultSnap *s)
{
    for (unsigned i = 0; i < SIM_OP_COUNT; i++) {
        s->count[i] = run->sim->faults[i].count;
    }
}

/* Operations whose pending fault count went down since @s (the fault fired). */
ORACLE static uint32_t fault_fired(const FaultSnap *s)
{
    uint32_t f = 0;
    for (unsigned i = 0; i < SIM_OP_COUNT; i++) {
        if (run->sim->faults[i].count < s->count[i]) {
            f |= OPBIT(i);
        }
    }
    return f;
}

static void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN oracle_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    die("oracle failed after operation %u: %s (rerun with XPT_FUZZ_TRACE=1 to see the "
        "operations)", run ? run->op_index : 0, msg);
}

/*
 * What the guest reads in a fully emulated register (BARs, ROM; the IO/MEM bits of the
 * command register), taken beside the guest: the register's emulated value, without
 * running the config read path (no ioreq, no side effect, no coverage for the oracle).
 */
static uint32_t emulated(XptPtDevice *d, unsigned off)
{
    XptReg *r = xpt_regfile_reg(&d->regs, off);
    return r ? r->val : 0;
}

/* What the guest reads in a pass-through register (MSI/MSI-X Enable): the host's. */
static uint32_t host_value(XptPtDevice *d, unsigned off, unsigned len)
{
    uint32_t v;
    int err;
    unsigned pending = xpt_host_pci_pending_fault(d->host, false, &err);
    xpt_host_pci_inject_fault(d->host, false, 0, 0);    /* the oracle's read is no guest's */
    bool ok = xpt_host_pci_read(d->host, off, len, &v, NULL);
    xpt_host_pci_inject_fault(d->host, false, err, pending);
    return ok ? v : 0;
}

/*
 * Where the guest placed BAR @i (0–5, 6 = ROM) of @f and whether it decodes; false if
 * the device has no such BAR (or it is the upper half of a 64-bit one).
 */
static bool guest_bar(FuzzDev *f, unsigned i, uint64_t *addr, uint64_t *size, bool *io,
                      bool *decode)
{
    XptPtDevice *d = f->d;
    uint16_t cmd = (uint16_t)emulated(d, 0x04);
    if (!d->bars[i].bar.size) {
        return false;
    }
    *size = d->bars[i].bar.size;
    if (i == XPT_PT_ROM_INDEX) {
        uint32_t lo = emulated(d, 0x30);
        *addr = lo & ~0x7FFu;
        *io = false;
        *decode = (cmd & XPT_PCI_COMMAND_MEMORY) && (lo & XPT_PCI_ROM_ENABLE);
        return true;
    }
    const XptHostRegion *h = &f->fx->bars[i];
    if (!h->size) {
        return false;
    }
    uint32_t lo = emulated(d, XPT_PCI_BAR0 + 4 * i);
    *io = h->flags & XPT_HOST_REGION_IO;
    if (*io) {
        *addr = lo & ~3u;
        *decode = cmd & XPT_PCI_COMMAND_IO;
    } else {
        *addr = lo & ~0xFu;
        if ((h->flags & XPT_HOST_REGION_MEM64) && i < 5) {
            *addr |= (uint64_t)emulated(d, XPT_PCI_BAR0 + 4 * (i + 1)) << 32;
        }
        *decode = cmd & XPT_PCI_COMMAND_MEMORY;
    }
    *decode = *decode && xpt_bar_address_usable(&d->bars[i].bar, *addr);
    return true;
}

static FuzzDev *fdev(XptPciDevice *pci)
{
    return (FuzzDev *)pci->klass;
}

/* ---- oracles ------------------------------------------------------------------------------ */

static void check_policy(FuzzDev *f)
{
    g_autofree char *why = xpt_host_policy_check(f->policy, f->d);
    if (why) {
        oracle_fail("host config write outside policy: %s", why);
    }
}

/* Host frames [first, first+nr) of BAR @i of @fx (the grant's rounding). */
ORACLE static void host_frames(const XptHostRegion *h, uint64_t *first, uint64_t *nr)
{
    *first = h->base >> XPT_PAGE_SHIFT;
    *nr = (h->size + (h->base & (XPT_PAGE_SIZE - 1)) + XPT_PAGE_SIZE - 1) >> XPT_PAGE_SHIFT;
}

/* The memory BAR of @fx whose host frames contain @mfn, or -1. */
ORACLE static int fixture_bar_of_frame(const FuzzFixture *fx, uint64_t mfn)
{
    for (unsigned i = 0; i < 6; i++) {
        const XptHostRegion *h = &fx->bars[i];
        uint64_t first, nr;
        host_frames(h, &first, &nr);
        if (h->size && !(h->flags & XPT_HOST_REGION_IO) && mfn >= first && mfn - first < nr) {
            return (int)i;
        }
    }
    return -1;
}

/* The attached device and memory BAR whose host frames contain @mfn. */
ORACLE static FuzzDev *owner_of_frame(uint64_t mfn, unsigned *bar)
{
    for (guint k = 0; k < run->devs->len; k++) {
        FuzzDev *f = g_ptr_array_index(run->devs, k);
        int i = fixture_bar_of_frame(f->fx, mfn);
        if (i >= 0) {
            *bar = (unsigned)i;
            return f;
        }
    }
    return NULL;
}

/* Whether host device @fx detached (or failed to attach) earlier in this input while an
 * injected fault kept it from undoing everything: what it left is not the new one's. */
ORACLE static bool is_ghost(const FuzzFixture *fx)
{
    for (guint k = 0; k < run->ghosts->len; k++) {
        if (g_ptr_array_index(run->ghosts, k) == fx) {
            return true;
        }
    }
    return false;
}

/* The host SBDF of fixture @fx as the grant encodes it (segment << 16 | bus << 8 | devfn). */
ORACLE static uint32_t fixture_sbdf(const FuzzFixture *fx)
{
    unsigned seg = 0, bus = 0, dev = 0, fn = 0;
    if (sscanf(fx->hostaddr, "%x:%x:%x.%u", &seg, &bus, &dev, &fn) != 4) {
        seg = 0;
        if (sscanf(fx->hostaddr, "%x:%x.%u", &bus, &dev, &fn) != 3) {
            return UINT32_MAX;
        }
    }
    return seg << 16 | bus << 8 | dev << 3 | fn;
}

/* Whether a device on host function @sbdf (a lying copy of another fixture with the same
 * host address included) detached while an injected fault kept it from undoing
 * everything: the pirqs left on that SBDF are that device's. */
ORACLE static bool ghost_sbdf(uint32_t sbdf)
{
    for (guint k = 0; k < run->ghosts->len; k++) {
        if (fixture_sbdf(g_ptr_array_index(run->ghosts, k)) == sbdf) {
            return true;
        }
    }
    return false;
}

/* Whether a device whose host IRQ is @irq detached (or failed to attach) under a fault:
 * a GSI pirq is shared by every device on that GSI (hw/xen/xen-pt-intx.c), so the
 * next one to attach may reuse what it left and release it. */
ORACLE static bool ghost_irq(int irq)
{
    for (guint k = 0; irq > 0 && k < run->ghosts->len; k++) {
        if (((const FuzzFixture *)g_ptr_array_index(run->ghosts, k))->irq == irq) {
            return true;
        }
    }
    return false;
}

/* Whether @mfn (or host port @port, when @io) belongs to a device that detached while
 * an injected fault stopped it from undoing everything. */
ORACLE static bool ghost_resource(uint64_t mfn_or_port, bool io)
{
    for (guint k = 0; k < run->ghosts->len; k++) {
        const FuzzFixture *fx = g_ptr_array_index(run->ghosts, k);
        for (unsigned i = 0; io && i < 6; i++) {
            const XptHostRegion *h = &fx->bars[i];
            if (h->size && (h->flags & XPT_HOST_REGION_IO) && mfn_or_port >= h->base &&
                mfn_or_port - h->base < h->size) {
                return true;
            }
        }
        if (!io && fixture_bar_of_frame(fx, mfn_or_port) >= 0) {
            return true;
        }
    }
    return false;
}

typedef struct FrameRun {
    uint64_t s, e;                  /* host frames or ports, inclusive */
    uint64_t g;                     /* guest frame or port of s */
} FrameRun;

static gint frame_run_cmp(gconstpointer a, gconstpointer b)
{
    const FrameRun *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

/* Whether @runs (sorted here) holds two runs sharing a host frame/port that belongs to no
 * device which detached while a fault kept it from undoing its mappings. */
ORACLE static const FrameRun *find_twice(GArray *runs, bool io)
{
    g_array_sort(runs, frame_run_cmp);
    for (guint i = 1; i < runs->len; i++) {
        const FrameRun *a = &g_array_index(runs, FrameRun, i - 1);
        const FrameRun *b = &g_array_index(runs, FrameRun, i);
        for (guint j = i; j < runs->len && b->s <= a->e; j++) {
            b = &g_array_index(runs, FrameRun, j);
            if (b->s <= a->e && !ghost_resource(b->s, io)) {
                return b;
            }
        }
    }
    return NULL;
}

/*
 * Invariant 2 (issue 13 items 2, 13): no p2m extent covers any attached device's MSI-X
 * table page (whichever BAR or device the extent came from), and no host frame (port)
 * is mapped at two guest addresses.
 */
ORACLE static void check_tables_and_twice(void)
{
    XptSim *sim = run->sim;
    g_autoptr(GArray) runs = g_array_new(FALSE, FALSE, sizeof(FrameRun));
    for (guint e = 0; e < sim->p2m->len; e++) {
        const SimExtent *x = &g_array_index(sim->p2m, SimExtent, e);
        FrameRun r = { x->mfn, x->mfn + x->nr - 1, x->gfn };
        g_array_append_val(runs, r);
        for (guint k = 0; k < run->devs->len; k++) {
            FuzzDev *f = g_ptr_array_index(run->devs, k);
            const FuzzFixture *fx = f->fx;
            if (!fx->msix_cap || fx->msix_bir >= 6) {
                continue;
            }
            uint64_t first, nr;
            host_frames(&fx->bars[fx->msix_bir], &first, &nr);
            uint64_t ts = first + fx->msix_first_page, te = first + fx->msix_last_page;
            if (x->mfn <= te && ts <= r.e && !ghost_resource(MAX(ts, x->mfn), false)) {
                oracle_fail("%s: its MSI-X table page (mfn 0x%" G_GINT64_MODIFIER "x) is "
                            "mapped to the guest by the p2m extent gfn 0x%" G_GINT64_MODIFIER
                            "x -> mfn 0x%" G_GINT64_MODIFIER "x+%" G_GUINT64_FORMAT
                            " (invariant 2)", f->d->who, MAX(ts, x->mfn),
                            x->gfn + (MAX(ts, x->mfn) - x->mfn), x->mfn, x->nr);
            }
        }
    }
    const FrameRun *t = find_twice(runs, false);
    if (t) {
        oracle_fail("host frame 0x%" G_GINT64_MODIFIER "x is mapped at two guest addresses "
                    "(one of them gfn 0x%" G_GINT64_MODIFIER "x; invariant 2)", t->s, t->g);
    }
    g_array_set_size(runs, 0);
    for (guint e = 0; e < sim->ioports->len; e++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, e);
        FrameRun r = { x->mport, (uint64_t)x->mport + x->nr - 1, x->gport };
        g_array_append_val(runs, r);
    }
    t = find_twice(runs, true);
    if (t) {
        oracle_fail("host port 0x%" G_GINT64_MODIFIER "x is mapped at two guest ports (one of "
                    "them 0x%" G_GINT64_MODIFIER "x; invariant 2)", t->s, t->g);
    }
}

/* Invariant 1 (issue 13 items 1, 13): no device whose config space is shorter than the
 * 256-byte header is attached. */
ORACLE static void check_config_sizes(void)
{
    for (guint k = 0; k < run->devs->len; k++) {
        FuzzDev *f = g_ptr_array_index(run->devs, k);
        if (xpt_host_pci_config_size(f->d->host) < XPT_PCI_CONFIG_SPACE ||
            f->fx->rows < XPT_PCI_CONFIG_SPACE) {
            oracle_fail("%s is attached with %u bytes of host config space (%u in its dump; "
                        "invariant 1)", f->d->who, xpt_host_pci_config_size(f->d->host),
                        f->fx->rows);
        }
    }
}

ORACLE static void check_mappings(void)
{
    XptSim *sim = run->sim;
    bool strict = !(run->fired & MAPPING_OPS);
    for (guint e = 0; e < sim->p2m->len; e++) {
        const SimExtent *x = &g_array_index(sim->p2m, SimExtent, e);
        uint64_t gfn = x->gfn, mfn = x->mfn, left = x->nr;
        while (left) {
            unsigned i;
            FuzzDev *f = owner_of_frame(mfn, &i);
            if (!f && ghost_resource(mfn, false)) {
                gfn++, mfn++, left--;
                continue;
            }
            if (!f) {
                oracle_fail("p2m maps gfn 0x%" G_GINT64_MODIFIER "x to mfn 0x%"
                            G_GINT64_MODIFIER "x, in no attached device's BAR", gfn, mfn);
            }
            uint64_t first, nr;
            host_frames(&f->fx->bars[i], &first, &nr);
            uint64_t page = mfn - first, n = MIN(left, nr - page);
            if (!f->fx->bars[i].base) {
                oracle_fail("%s: BAR %u is unassigned on the host (address 0) but mfn 0x%"
                            G_GINT64_MODIFIER "x of it is mapped at gfn 0x%" G_GINT64_MODIFIER
                            "x (invariant 3)", f->d->who, i, mfn, gfn);
            }
            uint64_t addr, size;
            bool io, decode;
            if (strict && (!guest_bar(f, i, &addr, &size, &io, &decode) || !decode ||
                           gfn - page != addr >> XPT_PAGE_SHIFT)) {
                oracle_fail("%s: BAR %u host page %" G_GUINT64_FORMAT " mapped at gfn 0x%"
                            G_GINT64_MODIFIER "x but the guest BAR is at 0x%"
                            G_GINT64_MODIFIER "x (decode %d)", f->d->who, i, page, gfn,
                            addr, decode);
            }
            gfn += n;
            mfn += n;
            left -= n;
        }
    }
    check_tables_and_twice();
    for (guint e = 0; e < sim->ioports->len; e++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, e);
        bool ok = false;
        for (guint k = 0; k < run->devs->len && !ok; k++) {
            FuzzDev *f = g_ptr_array_index(run->devs, k);
            for (unsigned i = 0; i < 6 && !ok; i++) {
                const XptHostRegion *h = &f->fx->bars[i];
                if (!h->size || !(h->flags & XPT_HOST_REGION_IO) || x->mport < h->base ||
                    x->mport + (uint64_t)x->nr > h->base + h->size) {
                    continue;
                }
                if (!h->base) {
                    oracle_fail("%s: I/O BAR %u is unassigned on the host (address 0) but "
                                "ports 0x%x+%u of it are mapped (invariant 3)", f->d->who, i,
                                x->mport, x->nr);
                }
                uint64_t addr, size;
                bool io, decode;
                ok = !strict || (guest_bar(f, i, &addr, &size, &io, &decode) && decode &&
                                 x->gport == addr + (x->mport - h->base));
            }
        }
        if (!ok && !ghost_resource(x->mport, true)) {
            oracle_fail("I/O ports 0x%x+%u mapped to host ports 0x%x: not a decoding I/O BAR "
                        "of an attached device at that guest address", x->gport, x->nr,
                        x->mport);
        }
    }
}

typedef struct Span {
    uint64_t s, e;                  /* inclusive */
} Span;

/* Whether the union of @spans covers all of [s, e]. */
static bool spans_cover(const GArray *spans, uint64_t s, uint64_t e)
{
    for (uint64_t cur = s;;) {
        const Span *hit = NULL;
        for (guint i = 0; i < spans->len && !hit; i++) {
            const Span *x = &g_array_index(spans, Span, i);
            hit = x->s <= cur && cur <= x->e ? x : NULL;
        }
        if (!hit) {
            return false;
        }
        if (hit->e >= e) {
            return true;
        }
        cur = hit->e + 1;
    }
}

/*
 * The ioreq-server claims: PCI only the chipset's and attached devices' SBDFs, ports only
 * the chipset's and ACPI blocks (passthrough I/O BARs are direct-mapped), MMIO only a
 * decoding ROM or the MSI-X table pages of a decoding table BAR, where the guest put it.
 */
ORACLE static void check_claims(void)
{
    XptSim *sim = run->sim;
    if (run->fired & (OPBIT(SIM_OP_CLAIM_RANGE) | OPBIT(SIM_OP_UNCLAIM_RANGE) | MAPPING_OPS)) {
        return;
    }
    GArray *pci = g_array_set_size(run->spans[0], 0);
    GArray *port = g_array_set_size(run->spans[1], 0);
    GArray *mmio = g_array_set_size(run->spans[2], 0);
    static const uint8_t chip[3] = { XPT_I440FX_DEVFN, XPT_PIIX3_DEVFN, XPT_PIIX4_PM_DEVFN };
    for (unsigned i = 0; i < 3; i++) {
        Span x = { xpt_pci_sbdf(chip[i]), xpt_pci_sbdf(chip[i]) };
        g_array_append_val(pci, x);
    }
    for (guint k = 0; k < run->devs->len; k++) {
        FuzzDev *f = g_ptr_array_index(run->devs, k);
        Span x = { xpt_pci_sbdf(f->d->pci.devfn), xpt_pci_sbdf(f->d->pci.devfn) };
        g_array_append_val(pci, x);
        uint64_t addr, size;
        bool io, decode;
        if (guest_bar(f, XPT_PT_ROM_INDEX, &addr, &size, &io, &decode) && decode) {
            Span r = { addr, addr + size - 1 };
            g_array_append_val(mmio, r);
        }
        const FuzzFixture *fx = f->fx;
        if (fx->msix_cap && guest_bar(f, fx->msix_bir, &addr, &size, &io, &decode) && decode) {
            Span t = { addr + (fx->msix_first_page << XPT_PAGE_SHIFT),
                       addr + ((fx->msix_last_page + 1) << XPT_PAGE_SHIFT) - 1 };
            g_array_append_val(mmio, t);
        }
    }
    static const Span ports[] = {
        { 0xCF8, 0xCFB },
        { XPT_ACPI_PCIHP_PORT, XPT_ACPI_PCIHP_PORT + XPT_ACPI_PCIHP_LEN - 1 },
        { XPT_ACPI_CPU_PORT, XPT_ACPI_CPU_PORT + XPT_ACPI_CPU_LEN - 1 },
        { XPT_ACPI_GPE0_PORT, XPT_ACPI_GPE0_PORT + XPT_ACPI_GPE0_LEN - 1 },
        { XPT_PM1A_CNT_PORT, XPT_PM1A_CNT_PORT + XPT_PM1A_CNT_LEN - 1 },
    };
    g_array_append_vals(port, ports, G_N_ELEMENTS(ports));
    const struct {
        XptRangeType type;
        GArray *expect;
        const char *what;
    } kinds[] = {
        { XPT_RANGE_PCI, pci, "PCI" }, { XPT_RANGE_PORT, port, "port" },
        { XPT_RANGE_MEMORY, mmio, "MMIO" },
    };
    for (unsigned t = 0; t < G_N_ELEMENTS(kinds); t++) {
        const SimRangeset *rs = &sim->claims[kinds[t].type];
        for (guint i = 0; i < sim_rs_len(rs); i++) {
            const SimRange *r = sim_rs_get(rs, i);
            if (!spans_cover(kinds[t].expect, r->s, r->e)) {
                oracle_fail("%s claim 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x is "
                            "no chipset range, decoding ROM or MSI-X table of an attached "
                            "device", kinds[t].what, r->s, r->e);
            }
        }
    }
}

/* No MSI (MSI-X) pirq of a device whose guest MSI (MSI-X) Enable reads 0. */
ORACLE static void check_msi(void)
{
    /* A host config write that failed, or a device that was gone (all-ones reads count
     * as failed reads, so nothing is written back), leaves the host's Enable bit where
     * it was: it no longer tells what the guest asked for. */
    if ((run->fired & MSI_RELEASE_OPS) || run->host_fault || !run->devs->len) {
        return;
    }
    guint n = run->devs->len;
    bool *msi_on = g_newa(bool, n), *msix_on = g_newa(bool, n);
    for (guint k = 0; k < n; k++) {
        FuzzDev *f = g_ptr_array_index(run->devs, k);
        msi_on[k] = f->fx->msi_cap && (host_value(f->d, f->fx->msi_cap + 2, 2) & 0x0001);
        msix_on[k] = f->fx->msix_cap && (host_value(f->d, f->fx->msix_cap + 2, 2) & 0x8000);
    }
    for (unsigned p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &run->sim->pirqs[p];
        if (!q->used || !q->is_msi) {
            continue;
        }
        for (guint k = 0; k < n; k++) {
            FuzzDev *f = g_ptr_array_index(run->devs, k);
            if (q->sbdf == f->d->grant.host_sbdf && !is_ghost(f->fx) && !ghost_sbdf(q->sbdf) &&
                (q->table_base ? !msix_on[k] : !msi_on[k])) {
                oracle_fail("%s: pirq %u (%s entry %d, %s) left while the guest's %s Enable "
                            "reads 0", f->d->who, p, q->table_base ? "MSI-X" : "MSI", q->entry,
                            q->msi_bound ? "bound" : "mapped",
                            q->table_base ? "MSI-X" : "MSI");
            }
        }
    }
}

ORACLE static void check_all(void)
{
    for (guint k = 0; k < run->devs->len; k++) {
        check_policy(g_ptr_array_index(run->devs, k));
    }
    check_config_sizes();
    check_msi();
    check_mappings();
    check_claims();
}

/* After @f detached: nothing of it is left in the sim (what a device that detached
 * under an injected fault left on the same host frames or ports, a lying copy with the
 * same BARs included, is that device's). */
ORACLE static void check_gone(FuzzDev *f)
{
    XptSim *sim = run->sim;
    XptPtDevice *d = f->d;
    uint32_t sbdf = d->grant.host_sbdf;
    for (guint i = 0; i < sim->grants->len; i++) {
        if (((const XptHostGrant *)g_ptr_array_index(sim->grants, i))->host_sbdf == sbdf) {
            oracle_fail("%s: still granted after detach", d->who);
        }
    }
    for (unsigned p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &sim->pirqs[p];
        if (q->used && q->is_msi && q->sbdf == sbdf && !ghost_sbdf(sbdf)) {
            oracle_fail("%s: MSI pirq %u still mapped after detach", d->who, p);
        }
    }
    for (guint e = 0; e < sim->p2m->len; e++) {
        const SimExtent *x = &g_array_index(sim->p2m, SimExtent, e);
        for (unsigned i = 0; i < 6; i++) {
            uint64_t first, nr;
            host_frames(&f->fx->bars[i], &first, &nr);
            if (f->fx->bars[i].size && !(f->fx->bars[i].flags & XPT_HOST_REGION_IO) &&
                x->mfn < first + nr && first < x->mfn + x->nr &&
                !ghost_resource(MAX(first, x->mfn), false)) {
                oracle_fail("%s: BAR %u still in the p2m after detach", d->who, i);
            }
        }
    }
    for (guint e = 0; e < sim->ioports->len; e++) {
        const SimIoport *x = &g_array_index(sim->ioports, SimIoport, e);
        for (unsigned i = 0; i < 6; i++) {
            const XptHostRegion *h = &f->fx->bars[i];
            if (h->size && (h->flags & XPT_HOST_REGION_IO) && x->mport < h->base + h->size &&
                h->base < (uint64_t)x->mport + x->nr &&
                !ghost_resource(MAX(h->base, (uint64_t)x->mport), true)) {
                oracle_fail("%s: I/O BAR %u still mapped after detach", d->who, i);
            }
        }
    }
    uint32_t guest_sbdf = xpt_pci_sbdf(d->pci.devfn);
    if (sim_rs_overlaps(&sim->claims[XPT_RANGE_PCI], guest_sbdf, guest_sbdf)) {
        oracle_fail("%s: guest SBDF 00:%02x.%x still claimed after detach", d->who,
                    XPT_PCI_SLOT(d->pci.devfn), XPT_PCI_FUNC(d->pci.devfn));
    }
}

static void hook_unrealize(XptPciDevice *pci)
{
    FuzzDev *f = fdev(pci);
    FaultSnap s;
    fault_snap(&s);
    f->orig->unrealize(pci);
    uint32_t fired = fault_fired(&s);
    run->fired |= fired;
    if (fired & RELEASE_OPS) {
        run->detach_fault = true;
        g_ptr_array_add(run->ghosts, (gpointer)f->fx);
    }
    check_policy(f);                /* the writes made while detaching */
    if (!(fired & RELEASE_OPS) && !is_ghost(f->fx)) {
        check_gone(f);
    }
}

static void hook_free(XptPciDevice *pci)
{
    FuzzDev *f = fdev(pci);
    g_ptr_array_remove(run->devs, f);
    xpt_host_policy_free(f->policy);
    f->orig->free(pci);
    g_free(f);
}

static void track(XptPciDevice *pci, const FuzzFixture *fx)
{
    FuzzDev *f = g_new0(FuzzDev, 1);
    f->orig = pci->klass;
    f->klass = *pci->klass;
    f->klass.unrealize = hook_unrealize;
    f->klass.free = hook_free;
    f->d = (XptPtDevice *)pci;
    f->fx = fx;
    f->policy = xpt_host_policy_new(fx->config, sizeof(fx->config));
    pci->klass = &f->klass;
    g_ptr_array_add(run->devs, f);
}

/* FNV-1a over everything a device can hold in the sim (cheaper than the leak report). */
static void fnv(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h = (*h ^ b[i]) * 0x100000001b3ull;
    }
}

ORACLE static uint64_t state_signature(void)
{
    XptSim *sim = run->sim;
    uint64_t h = 0xcbf29ce484222325ull;
    fnv(&h, sim->p2m->data, sim->p2m->len * sizeof(SimExtent));
    fnv(&h, sim->ioports->data, sim->ioports->len * sizeof(SimIoport));
    for (unsigned t = 0; t < SIM_NR_RANGE_TYPES; t++) {
        for (guint i = 0; i < sim_rs_len(&sim->claims[t]); i++) {
            const SimRange *r = sim_rs_get(&sim->claims[t], i);
            fnv(&h, &r->s, sizeof(r->s));
            fnv(&h, &r->e, sizeof(r->e));
        }
        fnv(&h, "|", 1);
    }
    for (guint i = 0; i < sim->grants->len; i++) {
        fnv(&h, &((const XptHostGrant *)g_ptr_array_index(sim->grants, i))->host_sbdf, 4);
    }
    for (unsigned p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        const SimPirq *q = &sim->pirqs[p];
        if (q->used) {
            uint64_t v[6] = { p, q->is_msi, (uint64_t)q->gsi, q->sbdf, q->msi_bound,
                              q->intx_binds };
            fnv(&h, v, sizeof(v));
        }
    }
    for (guint i = 0; i < sim->intx->len; i++) {
        const SimIntx *x = &g_array_index(sim->intx, SimIntx, i);
        uint32_t v[4] = { (uint32_t)x->pirq, x->bus, x->dev, x->intx };
        fnv(&h, v, sizeof(v));
    }
    fnv(&h, sim->isa_level, sizeof(sim->isa_level));
    return h;
}

/* ---- guest actions ------------------------------------------------------------------------ */

static uint32_t pio_read(uint16_t port, unsigned size)
{
    return run->be->pio_read(run->sim, port, size);
}

static void pio_write(uint16_t port, unsigned size, uint32_t val)
{
    run->be->pio_write(run->sim, port, size, val);
}

static uint32_t cfg_read(uint8_t devfn, unsigned off, unsigned size)
{
    pio_write(0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (off & 0xFC));
    return pio_read((uint16_t)(0xCFC + (off & 3)), size);
}

static void cfg_write(uint8_t devfn, unsigned off, unsigned size, uint32_t val)
{
    pio_write(0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (off & 0xFC));
    pio_write((uint16_t)(0xCFC + (off & 3)), size, val);
}

static unsigned width_124(uint8_t b)
{
    static const unsigned w[4] = { 1, 2, 4, 4 };
    return w[b & 3];
}

/* An attached device chosen by @sel, or NULL. */
static FuzzDev *pick_dev(uint8_t sel)
{
    return run->devs->len ? g_ptr_array_index(run->devs, sel % run->devs->len) : NULL;
}

/* A config target: sel < 0xF0 an attached device, else a fixed devfn (chipset, empty). */
static uint8_t pick_devfn(uint8_t sel)
{
    static const uint8_t fixed[16] = { 0x00, 0x08, 0x0B, 0x09, 0x10, 0x18, 0x20, 0x28,
                                       0x30, 0x38, 0x11, 0x80, 0xF8, 0xFF, 0x0C, 0x01 };
    FuzzDev *f = sel < 0xF0 ? pick_dev(sel) : NULL;
    return f ? f->d->pci.devfn : fixed[sel & 0x0F];
}

/* Guest address of BAR @bar of @f (0 if it has none). */
static uint64_t bar_addr(FuzzDev *f, unsigned bar, uint64_t *size)
{
    uint64_t addr = 0;
    bool io, decode;
    *size = 0;
    if (!f || !guest_bar(f, bar, &addr, size, &io, &decode)) {
        return 0;
    }
    return addr;
}

/* An MMIO target address. */
static uint64_t pick_target(Reader *r)
{
    static const uint64_t bases[8] = {
        0xE0000000ull, 0xF0000000ull, 0xF1000000ull, 0xFEC00000ull,
        0x100000000ull, 0x0ull, RAM_BYTES - 0x1000, 0xFFFFFFFFFFFFF000ull,
    };
    uint8_t mode = rd8(r);
    FuzzDev *f = pick_dev(rd8(r));
    uint64_t size;
    switch (mode & 3) {
    case 0: {                                   /* BAR-relative */
        unsigned bar = rd8(r) % 7;
        uint64_t base = bar_addr(f, bar, &size);
        return base + rd32(r) % (size + 0x1000);
    }
    case 1: {                                   /* the MSI-X table */
        if (!f || !f->fx->msix_cap) {
            return rd32(r);
        }
        uint64_t base = bar_addr(f, f->fx->msix_bir, &size);
        uint16_t entry = rd16(r) % (f->fx->msix_entries + 4);
        return base + f->fx->msix_table_off + entry * 16u + rd8(r) % 16;
    }
    case 2:
        return bases[(mode >> 2) & 7] + (rd32(r) & 0xFFFFF);
    default:
        return rd64(r);
    }
}

/* A port: the config ports, ACPI blocks, a device's I/O BAR, or any. */
static uint16_t pick_port(Reader *r)
{
    uint8_t mode = rd8(r), k = rd8(r);
    switch (mode % 6) {
    case 0:
        return (uint16_t)(0xCF8 + k % 8);
    case 1:
        return (uint16_t)(XPT_ACPI_PCIHP_PORT + k % XPT_ACPI_PCIHP_LEN);
    case 2:
        return (uint16_t)(XPT_ACPI_GPE0_PORT + k % XPT_ACPI_GPE0_LEN);
    case 3:
        return (uint16_t)(XPT_ACPI_CPU_PORT + k % XPT_ACPI_CPU_LEN);
    case 4: {
        FuzzDev *f = pick_dev(k);
        for (unsigned i = 0; f && i < 6; i++) {
            uint64_t size, a = bar_addr(f, i, &size);
            if (size && (f->fx->bars[i].flags & XPT_HOST_REGION_IO)) {
                return (uint16_t)(a + rd8(r) % (size + 4));
            }
        }
        return (uint16_t)(0xC000 + k);
    }
    default:
        return (uint16_t)(k | rd8(r) << 8);
    }
}

/* Write BAR register(s) @off with a 32-bit value @v as 1, 2 or 4-byte accesses. */
static void bar_reg_write(uint8_t devfn, unsigned off, uint32_t v, bool split)
{
    if (!split) {
        cfg_write(devfn, off, 4, v);
        return;
    }
    for (unsigned i = 0; i < 4; i++) {
        cfg_write(devfn, off + i, 1, (v >> (8 * i)) & 0xFF);
    }
}

static uint64_t pick_bar_address(Reader *r, bool io)
{
    static const uint64_t mem[12] = {
        0xE0000000ull, 0xE1000000ull, 0xF0000000ull, 0xF1000000ull, 0xFE000000ull,
        0x80000000ull, 0xC0000000ull, 0x100000000ull, 0x8000000000ull, 0,
        0xFFFFF000ull, 0x1000ull,
    };
    static const uint64_t ports[6] = { 0xC000, 0xC100, 0xD000, 0xE000, 0xFF00, 0 };
    uint8_t k = rd8(r);
    if (io) {
        return k < 0xF0 ? ports[k % 6] : rd16(r);
    }
    if (k >= 0xF8) {
        return rd64(r);
    }
    return k >= 0xF0 ? rd32(r) : mem[k % 12];
}

/* Place BAR @bar of @f at @addr the way @how says (see FUZZ_OP_BAR_PLACE). */
static void place_bar(FuzzDev *f, unsigned bar, uint64_t addr, uint8_t how)
{
    uint8_t devfn = f->d->pci.devfn;
    uint16_t cmd = (uint16_t)cfg_read(devfn, 0x04, 2);
    bool split = how & 0x08;
    if (how & 0x01) {
        cfg_write(devfn, 0x04, 2, cmd & ~3u);           /* decode off while moving */
    }
    if (bar == XPT_PT_ROM_INDEX) {
        if (how & 0x02) {
            bar_reg_write(devfn, 0x30, 0xFFFFF800u, split);
            cfg_read(devfn, 0x30, 4);
        }
        bar_reg_write(devfn, 0x30, (uint32_t)addr | ((how & 0x20) ? 0 : 1), split);
    } else {
        unsigned off = XPT_PCI_BAR0 + 4 * bar;
        bool mem64 = (f->fx->bars[bar].flags & XPT_HOST_REGION_MEM64) && bar < 5;
        if (how & 0x02) {                               /* sizing probe */
            bar_reg_write(devfn, off, 0xFFFFFFFFu, split);
            cfg_read(devfn, off, 4);
            if (mem64) {
                bar_reg_write(devfn, off + 4, 0xFFFFFFFFu, split);
                cfg_read(devfn, off + 4, 4);
            }
        }
        if (mem64 && (how & 0x04)) {
            bar_reg_write(devfn, off + 4, (uint32_t)(addr >> 32), split);
        }
        bar_reg_write(devfn, off, (uint32_t)addr, split);
        if (mem64 && !(how & 0x04)) {
            bar_reg_write(devfn, off + 4, (uint32_t)(addr >> 32), split);
        }
    }
    if (how & 0x01) {
        cfg_write(devfn, 0x04, 2, cmd);
    }
    if (how & 0x10) {
        cfg_write(devfn, 0x04, 2, cmd | 0x7);
    }
}

/* hvmloader-like placement of every BAR of @f in a window of its slot; decode on. */
static void firmware(FuzzDev *f, uint8_t flags)
{
    unsigned slot = XPT_PCI_SLOT(f->d->pci.devfn);
    uint64_t mem = 0xE0000000ull + slot * 0x00800000ull;
    uint64_t high = 0x100000000ull + slot * 0x10000000ull;
    uint32_t io = 0xC000 + slot * 0x100;
    uint8_t devfn = f->d->pci.devfn;
    cfg_write(devfn, 0x04, 2, 0);
    for (unsigned i = 0; i < 7; i++) {
        uint64_t addr, size;
        bool is_io, decode;
        if (!guest_bar(f, i, &addr, &size, &is_io, &decode)) {
            continue;
        }
        bool mem64 = i < 6 && (f->fx->bars[i].flags & XPT_HOST_REGION_MEM64);
        if (is_io) {
            addr = (io + size - 1) & ~(size - 1);
            io = (uint32_t)(addr + size);
        } else if (mem64 && (flags & 0x01)) {
            addr = (high + size - 1) & ~(size - 1);
            high = addr + size;
        } else {
            addr = (mem + size - 1) & ~(size - 1);
            mem = addr + size;
        }
        place_bar(f, i, addr, 0);
    }
    cfg_write(devfn, 0x3C, 1, 0x0A);
    cfg_write(devfn, 0x04, 2, (flags & 0x02) ? 0x0003 : 0x0007);
}

static uint32_t msi_address(uint8_t dest, uint8_t flags)
{
    return 0xFEE00000u | (uint32_t)dest << 12 | (flags & 0x0C);
}

static uint32_t msi_data(uint8_t vec, uint8_t flags)
{
    return vec | (uint32_t)(flags & 0x07) << 8 | ((flags & 0x80) ? 0x8000 : 0);
}

static void msix_op(FuzzDev *f, uint16_t entry_sel, uint8_t steps, uint8_t vec, uint8_t dest)
{
    const FuzzFixture *fx = f->fx;
    if (!fx->msix_cap) {
        return;
    }
    uint8_t devfn = f->d->pci.devfn;
    unsigned ctrl = fx->msix_cap + 2;
    uint64_t size;
    uint64_t table = bar_addr(f, fx->msix_bir, &size) + fx->msix_table_off;
    uint64_t entry = table + 16u * (entry_sel % fx->msix_entries);
    if (steps & 0x01) {
        cfg_write(devfn, ctrl, 2, 0xC000);              /* enable, function masked */
    }
    if (steps & 0x02) {
        uint32_t a = msi_address(dest, vec >> 4);
        if (steps & 0x40) {
            run->be->mmio_write(run->sim, entry, 8, a);
        } else {
            run->be->mmio_write(run->sim, entry, 4, a);
            run->be->mmio_write(run->sim, entry + 4, 4, 0);
        }
        run->be->mmio_write(run->sim, entry + 8, 4, msi_data(vec, dest));
    }
    if (steps & 0x04) {
        run->be->mmio_write(run->sim, entry + 12, 4, 0);     /* unmask */
    }
    if (steps & 0x08) {
        cfg_write(devfn, ctrl, 2, 0x8000);              /* function mask off */
    }
    if (steps & 0x80) {
        run->be->mmio_write(run->sim, entry + 8, 4, msi_data(vec ^ 0x55, dest));  /* latched */
        run->be->mmio_write(run->sim, entry + 12, 4, 1);
        run->be->mmio_write(run->sim, entry + 12, 4, 0);
    }
    if (steps & 0x10) {
        run->be->mmio_write(run->sim, entry + 12, 4, 1);     /* mask */
    }
    if (steps & 0x20) {
        cfg_write(devfn, ctrl, 2, 0);                   /* disable */
    }
}

static void msi_op(FuzzDev *f, uint8_t steps, uint8_t vec, uint8_t dest)
{
    const FuzzFixture *fx = f->fx;
    if (!fx->msi_cap) {
        return;
    }
    uint8_t devfn = f->d->pci.devfn;
    unsigned cap = fx->msi_cap;
    bool is64 = fx->config[cap + 2] & 0x80;
    unsigned data_off = cap + (is64 ? 0x0C : 0x08);
    if (steps & 0x01) {
        cfg_write(devfn, cap + 4, 4, msi_address(dest, vec >> 4));
    }
    if ((steps & 0x02) && is64) {
        cfg_write(devfn, cap + 8, 4, (steps & 0x40) ? 0x100u * dest : 0);
    }
    if (steps & 0x04) {
        cfg_write(devfn, data_off, 2, (steps & 0x40) ? 0 : msi_data(vec, dest));
    }
    if (steps & 0x08) {
        uint16_t c = (uint16_t)cfg_read(devfn, cap + 2, 2);
        cfg_write(devfn, cap + 2, 2, c | 1);
    }
    if (steps & 0x20) {
        cfg_write(devfn, data_off, 2, msi_data(vec + 1, dest));   /* rebind while on */
    }
    if (steps & 0x10) {
        uint16_t c = (uint16_t)cfg_read(devfn, cap + 2, 2);
        cfg_write(devfn, cap + 2, 2, c & ~1u);
    }
}

static void device_add_fx(const FuzzFixture *fx, uint8_t flags, uint8_t slot, uint8_t id)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_string_printf(s, "driver=xen-pci-passthrough,hostaddr=%s%s,host-dump=%s",
                    (flags & 0x20) ? "0000:" : "", fx->hostaddr, fx->dump);
    if (flags & 0x01) {
        g_string_append(s, ",permissive=on");
    }
    if (flags & 0x02) {
        g_string_append(s, ",rombar=0");
    }
    if (flags & 0x04) {
        g_string_append_printf(s, ",addr=%x", slot % 32);
        if (flags & 0x40) {
            g_string_append_printf(s, ".%u", (slot >> 5) & 7);
        }
    }
    if (flags & 0x08) {
        g_string_append(s, ",multifunction=on");
    }
    if (flags & 0x10) {
        g_string_append_printf(s, ",id=d%u", id % 4);
    }
    trace("device_add %s", s->str);
    g_autoptr(GError) err = NULL;
    g_autoptr(XptOpts) opts = xpt_opts_parse(s->str, NULL, &err);
    if (!opts) {
        die("bad device options %s: %s", s->str, err->message);
    }
    uint64_t before = state_signature();
    g_autofree char *before_json = trace_on ? xpt_sim_state_json(run->sim) : NULL;
    FaultSnap snap;
    fault_snap(&snap);
    XptPciDevice *pci = xpt_machine_device_add(run->m, opts, &err);
    uint32_t fired = fault_fired(&snap);
    run->fired |= fired;
    if (pci) {
        track(pci, fx);
        return;
    }
    trace("  -> %s", err->message);
    if (fired & RELEASE_OPS) {
        /* the rollback itself failed: what it could not undo stays (one warning) */
        run->detach_fault = true;
        g_ptr_array_add(run->ghosts, (gpointer)fx);
    } else if (!(run->fired & OPBIT(SIM_OP_UNCLAIM_RANGE)) && !is_ghost(fx) &&
               !ghost_sbdf(fixture_sbdf(fx)) && !ghost_irq(fx->irq) &&
               state_signature() != before) {
        /* (a claim whose release failed earlier is retried by any detach, this one's
         * rollback included, and the host device's own leftovers from an earlier failed
         * detach, a lying copy's on the same host function or GSI included, may be
         * reused and released: then the state may shrink) */
        g_autofree char *state = xpt_sim_state_json(run->sim);
        trace("state before the device_add: %s", before_json);
        oracle_fail("failed device_add (%s) changed the sim's state: now %s", err->message,
                    state);
    }
}

static void device_add(uint8_t fxi, uint8_t flags, uint8_t slot, uint8_t id)
{
    device_add_fx(&fixtures[fxi % NR_FIXTURES], flags, slot, id);
}

/* ---- lying host data (issue 13 item 13) ------------------------------------------------- */

static const int fault_errnos[12];

/* The @n-th implemented BAR of @fx (memory only when @mem), or -1. */
static int nth_bar(const FuzzFixture *fx, unsigned n, bool mem)
{
    unsigned count = 0;
    for (unsigned i = 0; i < 6; i++) {
        count += fx->bars[i].size && !(mem && (fx->bars[i].flags & XPT_HOST_REGION_IO));
    }
    for (unsigned i = 0; count && i < 6; i++) {
        if (fx->bars[i].size && !(mem && (fx->bars[i].flags & XPT_HOST_REGION_IO)) &&
            n-- % count == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Move BAR @i of @fx to host address @base, in its Region line and its config register. */
static void set_bar_base(FuzzFixture *fx, unsigned i, uint64_t base)
{
    XptHostRegion *h = &fx->bars[i];
    uint8_t *reg = fx->config + XPT_PCI_BAR0 + 4 * i;
    bool io = h->flags & XPT_HOST_REGION_IO;
    uint32_t lo = (uint32_t)(reg[0] | reg[1] << 8 | reg[2] << 16 | (uint32_t)reg[3] << 24);
    base &= io ? 0xFFFCull : ~0xFull;
    if (!(h->flags & XPT_HOST_REGION_MEM64)) {
        base &= 0xFFFFFFFFull;
    }
    lo = (lo & (io ? 3u : 0xFu)) | (uint32_t)base;
    for (unsigned b = 0; b < 4; b++) {
        reg[b] = (uint8_t)(lo >> (8 * b));
        if ((h->flags & XPT_HOST_REGION_MEM64) && i < 5) {
            reg[4 + b] = (uint8_t)(base >> (32 + 8 * b));
        }
    }
    h->base = base;
}

/* The capability offsets of @fx's list in walk order (bounded), *n of them. */
static void cap_list(const FuzzFixture *fx, uint8_t caps[48], unsigned *n)
{
    *n = 0;
    if (!(fx->config[0x06] & 0x10)) {
        return;
    }
    for (unsigned ptr = fx->config[0x34] & 0xFC; ptr >= 0x40 && *n < 48;
         ptr = fx->config[ptr + 1] & 0xFC) {
        caps[(*n)++] = (uint8_t)ptr;
    }
}

/*
 * A copy of fixture @base whose host data lies as @kind says (FuzzLie), written to its
 * own one-device dump; NULL when the lie does not apply (no such BAR or capability).
 */
static FuzzFixture *make_lie(const FuzzFixture *base, uint8_t kind, uint8_t a, uint8_t b,
                             uint32_t v, uint8_t flags)
{
    g_autofree FuzzFixture *fx = g_memdup2(base, sizeof(*base));
    fx->dump = NULL;
    fx->rows = XPT_PCI_CONFIG_SPACE;
    switch ((FuzzLie)(kind % FUZZ_LIE_COUNT)) {
    case FUZZ_LIE_SHORT_CONFIG:
        fx->rows = 64;
        break;
    case FUZZ_LIE_BAR_OVERLAP: {
        int i = nth_bar(fx, a, true), j = nth_bar(fx, b, true);
        j = j == i ? nth_bar(fx, (unsigned)b + 1, true) : j;
        if (i < 0 || j < 0 || i == j) {
            return NULL;
        }
        uint64_t pages = MAX(fx->bars[j].size >> XPT_PAGE_SHIFT, 1);
        set_bar_base(fx, (unsigned)i, fx->bars[j].base + (v % pages) * XPT_PAGE_SIZE);
        break;
    }
    case FUZZ_LIE_OTHER_OVERLAP: {
        const FuzzFixture *o = &fixtures[v % NR_FIXTURES];
        int i = nth_bar(fx, a, (v >> 8) & 1), j = nth_bar(o, b, (v >> 8) & 1);
        if (i < 0 || j < 0 || (fx->bars[i].flags & XPT_HOST_REGION_IO) !=
                              (o->bars[j].flags & XPT_HOST_REGION_IO)) {
            return NULL;
        }
        set_bar_base(fx, (unsigned)i, o->bars[j].base);
        break;
    }
    case FUZZ_LIE_BAR_AT_0: {
        int i = nth_bar(fx, a, false);
        if (i < 0) {
            return NULL;
        }
        set_bar_base(fx, (unsigned)i, 0);
        break;
    }
    case FUZZ_LIE_CAP_LOOP: {
        uint8_t caps[48];
        unsigned n;
        cap_list(fx, caps, &n);
        if (!n) {
            return NULL;
        }
        unsigned from = a % n;
        fx->config[caps[from] + 1] = caps[b % (from + 1)];      /* back to itself or earlier */
        break;
    }
    case FUZZ_LIE_PATCH: {
        unsigned w = 1u << (b % 3), off = a & ~(w - 1);
        if ((off >= 0x10 && off < 0x28) || (off >= 0x30 && off < 0x34)) {
            return NULL;        /* BAR and ROM registers: the kinds above lie about those */
        }
        for (unsigned k = 0; k < w; k++) {
            fx->config[off + k] = (uint8_t)(v >> (8 * k));
        }
        break;
    }
    case FUZZ_LIE_COUNT:
        return NULL;
    }
    if (!(flags & 0x80)) {
        fx->own_hostaddr = g_strdup_printf("%02x:%s", 0x80 + (unsigned)(base - fixtures),
                                           strchr(base->hostaddr, ':') + 1);
        fx->hostaddr = fx->own_hostaddr;
    }
    fixture_caps(fx);
    g_autofree char *name = g_strdup_printf("lie-%u", run->lies->len);
    write_dump(fx, name);
    g_ptr_array_add(run->lies, fx);
    return g_steal_pointer(&fx);
}

static void free_lie(gpointer p)
{
    FuzzFixture *fx = p;
    g_unlink(fx->dump);
    g_free(fx->dump);
    g_free(fx->own_hostaddr);
    g_free(fx);
}

/* Host faults of the attached devices that fired since the last call. */
static bool host_faults_fired(void)
{
    bool fired = false;
    for (guint k = 0; k < run->devs->len; k++) {
        FuzzDev *f = g_ptr_array_index(run->devs, k);
        for (unsigned w = 0; w < 2; w++) {
            unsigned now = xpt_host_pci_pending_fault(f->d->host, w, NULL);
            fired = fired || now < f->host_armed[w];
            f->host_armed[w] = now;
        }
    }
    return fired;
}

static void host_op(Reader *r, FuzzHostOp op)
{
    switch (op) {
    case FUZZ_HOST_FAIL: {
        FuzzDev *f = pick_dev(rd8(r));
        bool is_write = rd8(r) & 1;
        int err = fault_errnos[rd8(r) % G_N_ELEMENTS(fault_errnos)];
        unsigned count = rd8(r) % 4;
        if (f) {
            trace("%s: host-fail %s %d x%u", f->d->who, is_write ? "write" : "read", err, count);
            xpt_host_pci_inject_fault(f->d->host, is_write, err, count);
            f->host_armed[is_write] = count;
        }
        break;
    }
    case FUZZ_HOST_GONE: {
        FuzzDev *f = pick_dev(rd8(r));
        bool on = rd8(r) & 1;
        if (f) {
            trace("%s: host-gone %s", f->d->who, on ? "on" : "off");
            xpt_host_pci_set_gone(f->d->host, on);
            run->host_fault |= on;
        }
        break;
    }
    case FUZZ_HOST_LIE: {
        uint8_t fxi = rd8(r), kind = rd8(r), a = rd8(r), b = rd8(r);
        uint32_t v = rd32(r);
        uint8_t flags = rd8(r), slot = rd8(r), id = rd8(r);
        const FuzzFixture *lie = make_lie(&fixtures[fxi % NR_FIXTURES], kind, a, b, v, flags);
        if (lie) {
            trace("lie %u (a %u b %u v 0x%x) about %s as %s", kind % FUZZ_LIE_COUNT, a, b, v,
                  fixtures[fxi % NR_FIXTURES].file, lie->hostaddr);
            device_add_fx(lie, flags & 0x7F, slot, id);
        }
        break;
    }
    case FUZZ_HOST_OP_COUNT:
        break;
    }
}

static const char *const fault_ops[] = {
    "memory_mapping", "ioport_mapping", "claim_range", "unclaim_range",
    "set_pci_link_route", "set_isa_irq_level", "map_pirq", "map_pirq_msi", "unmap_pirq",
    "bind_msi", "unbind_msi", "bind_pt_intx", "unbind_pt_intx", "guest_read",
    "guest_write", "grant_device", "revoke_device",
};
static const int fault_errnos[12] = { EPERM, ENOENT, EIO, ENOMEM, EBUSY, EEXIST, EINVAL,
                                    ENOSPC, E2BIG, EFAULT, ESRCH, EAGAIN };

/* Xen's ioreq-server selection for a rep request (xen/common/ioreq.c): the whole
 * range must lie in one claim. */
static bool ioreq_claimed(const ioreq_t *q)
{
    XptSim *sim = run->sim;
    uint64_t span = (uint64_t)q->size * q->count;
    switch (q->type) {
    case IOREQ_TYPE_PIO:
        return sim_rs_contains(&sim->claims[XPT_RANGE_PORT], q->addr, q->addr + q->size - 1);
    case IOREQ_TYPE_COPY: {
        uint64_t lo = q->df ? q->addr - span + q->size : q->addr;
        return span && lo + span - 1 >= lo &&
               sim_rs_contains(&sim->claims[XPT_RANGE_MEMORY], lo, lo + span - 1);
    }
    case IOREQ_TYPE_PCI_CONFIG: {
        uint64_t sbdf = q->addr >> 32;
        return sim_rs_contains(&sim->claims[XPT_RANGE_PCI], sbdf, sbdf);
    }
    default:
        return true;
    }
}

static void ioreq_op(Reader *r)
{
    static const uint8_t types[6] = { IOREQ_TYPE_PIO, IOREQ_TYPE_COPY, IOREQ_TYPE_PCI_CONFIG,
                                      IOREQ_TYPE_TIMEOFFSET, IOREQ_TYPE_INVALIDATE, 0x7F };
    static const uint32_t sizes[8] = { 1, 2, 4, 8, 0, 3, 16, 4 };
    ioreq_t q;
    memset(&q, 0, sizeof(q));
    q.type = types[rd8(r) % 6];
    if (q.type == IOREQ_TYPE_PIO) {
        q.addr = pick_port(r);
    } else if (q.type == IOREQ_TYPE_PCI_CONFIG) {
        uint8_t devfn = pick_devfn(rd8(r));
        q.addr = (uint64_t)xpt_pci_sbdf(devfn) << 32 | rd8(r);
    } else {
        q.addr = pick_target(r);
    }
    q.size = sizes[rd8(r) & 7];
    uint16_t c = rd16(r);
    q.count = c < 0xF000 ? c % 9 + 1 : c;           /* mostly short reps, sometimes huge */
    uint8_t flags = rd8(r);
    q.df = flags & 1;
    q.data_is_ptr = (flags >> 1) & 1;
    q.dir = (flags >> 2) & 1 ? IOREQ_WRITE : IOREQ_READ;
    uint64_t data = rd64(r);
    q.data = q.data_is_ptr && !(flags & 0x08) ? data % RAM_BYTES : data;
    q.state = STATE_IOREQ_READY;
    trace("ioreq type %u addr 0x%" G_GINT64_MODIFIER "x size %u count %u df %u ptr %u dir %u",
          q.type, q.addr, q.size, q.count, q.df, q.data_is_ptr, q.dir);
    if (ioreq_claimed(&q)) {
        xpt_dispatch(run->m->disp, &q);
    }
}

/* Run one operation; false when it only read (no state of the device model can change). */
static bool run_op(Reader *r, bool host_ops)
{
    uint8_t op = rd8(r) % (host_ops ? FUZZ_OP_COUNT + FUZZ_HOST_OP_COUNT : FUZZ_OP_COUNT);
    if (op >= FUZZ_OP_COUNT) {
        host_op(r, (FuzzHostOp)(op - FUZZ_OP_COUNT));
        return true;
    }
    bool writes = true;
    switch ((FuzzOp)op) {
    case FUZZ_OP_CFG_READ: {
        uint8_t devfn = pick_devfn(rd8(r));
        uint8_t off = rd8(r);
        unsigned w = width_124(rd8(r));
        trace("cfg read %02x.%x [0x%02x]/%u", XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn), off, w);
        cfg_read(devfn, off, w);
        writes = false;
        break;
    }
    case FUZZ_OP_CFG_WRITE: {
        uint8_t devfn = pick_devfn(rd8(r));
        uint8_t off = rd8(r);
        unsigned w = width_124(rd8(r));
        uint32_t v = rd32(r);
        trace("cfg write %02x.%x [0x%02x]/%u = 0x%x", XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn),
              off, w, v);
        cfg_write(devfn, off, w, v);
        break;
    }
    case FUZZ_OP_PIO_READ: {
        uint16_t port = pick_port(r);
        unsigned w = width_124(rd8(r));
        trace("in 0x%x/%u", port, w);
        pio_read(port, w);
        writes = false;
        break;
    }
    case FUZZ_OP_PIO_WRITE: {
        uint16_t port = pick_port(r);
        unsigned w = width_124(rd8(r));
        uint32_t v = rd32(r);
        trace("out 0x%x/%u = 0x%x", port, w, v);
        pio_write(port, w, v);
        break;
    }
    case FUZZ_OP_MMIO_READ: {
        uint64_t a = pick_target(r);
        unsigned w = 1u << (rd8(r) & 3);
        trace("read 0x%" G_GINT64_MODIFIER "x/%u", a, w);
        run->be->mmio_read(run->sim, a, w);
        writes = false;
        break;
    }
    case FUZZ_OP_MMIO_WRITE: {
        uint64_t a = pick_target(r);
        unsigned w = 1u << (rd8(r) & 3);
        uint64_t v = rd64(r);
        trace("write 0x%" G_GINT64_MODIFIER "x/%u = 0x%" G_GINT64_MODIFIER "x", a, w, v);
        run->be->mmio_write(run->sim, a, w, v);
        break;
    }
    case FUZZ_OP_MEM_BULK: {
        uint64_t a = pick_target(r);
        unsigned len = rd8(r) % 64 + 1;
        uint8_t how = rd8(r);
        uint8_t buf[64];
        trace("mem %s 0x%" G_GINT64_MODIFIER "x+%u", (how & 1) ? "write" : "read", a, len);
        if (how & 1) {
            memset(buf, how, sizeof(buf));
            run->be->mem_write(run->sim, a, buf, len);
        } else {
            run->be->mem_read(run->sim, a, buf, len);
            writes = false;
        }
        break;
    }
    case FUZZ_OP_BAR_PLACE: {
        FuzzDev *f = pick_dev(rd8(r));
        unsigned bar = rd8(r) % 7;
        bool io = f && bar < 6 && (f->fx->bars[bar].flags & XPT_HOST_REGION_IO);
        uint64_t addr = pick_bar_address(r, io);
        uint8_t how = rd8(r);
        if (f) {
            trace("%s: BAR %u to 0x%" G_GINT64_MODIFIER "x how 0x%x", f->d->who, bar, addr, how);
            place_bar(f, bar, addr, how);
        }
        break;
    }
    case FUZZ_OP_FIRMWARE: {
        FuzzDev *f = pick_dev(rd8(r));
        uint8_t flags = rd8(r);
        if (f) {
            trace("%s: firmware placement 0x%x", f->d->who, flags);
            firmware(f, flags);
        }
        break;
    }
    case FUZZ_OP_MSIX: {
        FuzzDev *f = pick_dev(rd8(r));
        uint16_t entry = rd16(r);
        uint8_t steps = rd8(r), vec = rd8(r), dest = rd8(r);
        if (f) {
            trace("%s: MSI-X entry %u steps 0x%x vec 0x%x dest 0x%x", f->d->who, entry, steps,
                  vec, dest);
            msix_op(f, entry, steps, vec, dest);
        }
        break;
    }
    case FUZZ_OP_MSI: {
        FuzzDev *f = pick_dev(rd8(r));
        uint8_t steps = rd8(r), vec = rd8(r), dest = rd8(r);
        if (f) {
            trace("%s: MSI steps 0x%x vec 0x%x dest 0x%x", f->d->who, steps, vec, dest);
            msi_op(f, steps, vec, dest);
        }
        break;
    }
    case FUZZ_OP_DEVICE_ADD: {
        uint8_t fxi = rd8(r), flags = rd8(r), slot = rd8(r), id = rd8(r);
        device_add(fxi, flags, slot, id);
        break;
    }
    case FUZZ_OP_UNPLUG: {
        FuzzDev *f = pick_dev(rd8(r));
        if (f) {
            trace("device_del %s", f->d->who);
            xpt_machine_device_unplug(run->m, &f->d->pci, NULL);
        }
        break;
    }
    case FUZZ_OP_EJECT: {
        uint8_t mode = rd8(r);
        uint32_t v;
        if (mode & 1) {
            v = rd32(r);
        } else {
            FuzzDev *f = pick_dev(rd8(r));
            v = f ? 1u << XPT_PCI_SLOT(f->d->pci.devfn) : 1u << (mode >> 3);
        }
        unsigned w = (mode & 2) ? 1 : 4;
        trace("eject 0x%x/%u", v, w);
        pio_write(XPT_ACPI_PCIHP_PORT + 8 + ((mode & 2) ? (mode >> 2) & 3 : 0), w, v);
        break;
    }
    case FUZZ_OP_FAULT: {
        const char *name = fault_ops[rd8(r) % G_N_ELEMENTS(fault_ops)];
        int err = fault_errnos[rd8(r) % G_N_ELEMENTS(fault_errnos)];
        unsigned count = rd8(r) % 4;
        trace("fail %s %d x%u", name, err, count);
        if (!xpt_sim_inject_fault(run->sim, name, err, count, NULL)) {
            die("cannot inject %s", name);
        }
        break;
    }
    case FUZZ_OP_COMMAND: {
        uint8_t devfn = pick_devfn(rd8(r));
        uint16_t v = rd16(r);
        trace("command %02x.%x = 0x%x", XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn), v);
        cfg_write(devfn, 0x04, 2, v);
        break;
    }
    case FUZZ_OP_IOREQ:
        ioreq_op(r);
        break;
    case FUZZ_OP_COUNT:
        break;
    }
    return writes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    Reader rd = { .p = data, .n = size };
    FuzzRun fr = { .be = xpt_sim_qtest_backend(), .devs = g_ptr_array_new(),
                   .ghosts = g_ptr_array_new(), .lies = g_ptr_array_new_with_free_func(free_lie) };
    for (unsigned i = 0; i < G_N_ELEMENTS(fr.spans); i++) {
        fr.spans[i] = g_array_new(FALSE, FALSE, sizeof(Span));
    }
    run = &fr;

    fr.sim = xpt_sim_new(RAM_BYTES);
    XptMachineOptions mo = { .ram_bytes = RAM_BYTES, .vcpus = 1, .host_shadow = true };
    if (!xpt_machine_parse_slots("6-7", &mo.hotplug_slots, NULL)) {
        die("hotplug-slots");
    }
    g_autoptr(GError) err = NULL;
    fr.m = xpt_machine_new(xpt_sim_hv(fr.sim), &mo, &err);
    if (!fr.m) {
        die("machine: %s", err->message);
    }
    xpt_sim_set_dispatcher(fr.sim, fr.m->disp);

    uint8_t cold = rd8(&rd);
    for (unsigned i = 0; i < NR_FIXTURES; i++) {
        if (cold & (1u << i)) {
            uint8_t flags = (cold >> (FUZZ_COLD_PERMISSIVE_SHIFT + i)) & 1;
            flags |= (cold & FUZZ_COLD_NO_ROMBAR) ? 0x02 : 0;
            device_add((uint8_t)i, flags, 0, 0);
        }
    }
    check_all();

    for (fr.op_index = 1; rd.i < rd.n && fr.op_index <= MAX_OPS; fr.op_index++) {
        FaultSnap snap;
        fault_snap(&snap);
        bool writes = run_op(&rd, cold & FUZZ_COLD_HOST_OPS);
        fr.fired |= fault_fired(&snap);
        fr.host_fault |= host_faults_fired();
        if (writes) {
            check_all();
        } else {
            for (guint k = 0; k < fr.devs->len; k++) {
                check_policy(g_ptr_array_index(fr.devs, k));   /* reads write nothing */
            }
        }
    }

    if (trace_on) {
        g_autofree char *state = xpt_sim_state_json(fr.sim);
        trace("end state %s", state);
    }
    /* Teardown: no fault may hit the detach itself. */
    for (unsigned i = 0; i < G_N_ELEMENTS(fault_ops); i++) {
        xpt_sim_inject_fault(fr.sim, fault_ops[i], EPERM, 0, NULL);
    }
    check_all();
    xpt_machine_free(fr.m);
    fr.m = NULL;
    g_auto(GStrv) leaks = xpt_sim_leak_report(fr.sim);
    if (leaks[0] && !fr.detach_fault) {
        oracle_fail("%u leak(s) after the machine was freed, first: %s",
                    g_strv_length(leaks), leaks[0]);
    }
    xpt_sim_free(fr.sim);
    g_ptr_array_free(fr.devs, TRUE);
    g_ptr_array_free(fr.ghosts, TRUE);
    g_ptr_array_free(fr.lies, TRUE);
    for (unsigned i = 0; i < G_N_ELEMENTS(fr.spans); i++) {
        g_array_free(fr.spans[i], TRUE);
    }
    run = NULL;
    return 0;
}
