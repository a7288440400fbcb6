/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the ioreq dispatcher (xen/ioreq.c), driven with the ioreq_t of Xen's own
 * header <xen/hvm/ioreq.h>, filled the way Xen fills it (reference/xen-abi.md §ioreq_t).
 *
 * The dispatcher's hypervisor is a recording XptHvOps: ioreq-server claims and unclaims are
 * logged (with injectable failures), guest memory for data_is_ptr is a 64 KiB fake RAM at
 * RAM_BASE (with fault injection and a check that no access wraps at 2^64), and every other
 * operation is counted as a call the dispatcher must never make. Emulated regions log each
 * access; two test PCI functions on bus 0 receive IOREQ_TYPE_PCI_CONFIG. Guest errors are
 * checked in the guest_errors log (a -D file, rate limiters on a fake clock).
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "hw/pci/pci.h"
#include "util/error.h"
#include "util/log.h"
#include "xen/hvops.h"
#include "xen/ioreq.h"

#define RAM_BASE 0x100000ull        /* fake guest RAM: [RAM_BASE, RAM_BASE + RAM_SIZE) */
#define RAM_SIZE 0x10000u
#define SENTINEL 0x5a5a5a5a5a5a5a5aull
#define TOP_PAGE 0xfffffffffffff000ull

G_STATIC_ASSERT(sizeof(ioreq_t) == 32);     /* the ABI of xen/hvm/ioreq.h */

/* All-ones of @size bytes (size ≥ 8: 64 bits). */
static uint64_t ones(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* ---- recording hypervisor ----------------------------------------------------------- */

typedef struct Claim {
    bool add;               /* claim (true) or unclaim */
    XptRangeType type;
    uint64_t start, end;    /* inclusive, as passed */
    int rc;                 /* what the fake returned */
} Claim;

typedef struct GuestOp {
    bool write;
    uint64_t gpa;
    size_t len;
} GuestOp;

typedef struct FakeHv {
    GArray *claims;         /* Claim, every call in order */
    GArray *guest_ops;      /* GuestOp, every call in order (failed ones too) */
    int claim_errno;        /* next claim fails with -claim_errno (once) */
    int unclaim_errno;      /* next unclaim fails with -unclaim_errno (once) */
    int guest_ok_left;      /* guest-memory ops that succeed before -EIO; -1: no limit */
    unsigned wrapped;       /* guest-memory ops whose range wrapped at 2^64 (must stay 0) */
    unsigned unexpected;    /* calls the dispatcher must never make (must stay 0) */
    uint8_t ram[RAM_SIZE];
} FakeHv;

static int fh_claim_op(FakeHv *h, bool add, XptRangeType type, uint64_t start, uint64_t end)
{
    int *inject = add ? &h->claim_errno : &h->unclaim_errno;
    Claim c = { .add = add, .type = type, .start = start, .end = end, .rc = -*inject };

    *inject = 0;
    g_array_append_val(h->claims, c);
    return c.rc;
}

static int fh_claim(void *opaque, XptRangeType type, uint64_t start, uint64_t end)
{
    return fh_claim_op(opaque, true, type, start, end);
}

static int fh_unclaim(void *opaque, XptRangeType type, uint64_t start, uint64_t end)
{
    return fh_claim_op(opaque, false, type, start, end);
}

/* Log one guest-memory access and decide its fate: wrap, injected fault, outside RAM. */
static int fh_guest_check(FakeHv *h, bool write, uint64_t gpa, size_t len)
{
    GuestOp op = { .write = write, .gpa = gpa, .len = len };

    g_array_append_val(h->guest_ops, op);
    if (len == 0 || gpa + len - 1 < gpa) {
        h->wrapped++;
        return -EFAULT;
    }
    if (h->guest_ok_left == 0) {
        return -EIO;
    }
    if (h->guest_ok_left > 0) {
        h->guest_ok_left--;
    }
    if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len) {
        return -EFAULT;
    }
    return 0;
}

static int fh_guest_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    FakeHv *h = opaque;
    int rc = fh_guest_check(h, false, gpa, len);

    if (rc == 0) {
        memcpy(buf, h->ram + (gpa - RAM_BASE), len);
    }
    return rc;
}

static int fh_guest_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    FakeHv *h = opaque;
    int rc = fh_guest_check(h, true, gpa, len);

    if (rc == 0) {
        memcpy(h->ram + (gpa - RAM_BASE), buf, len);
    }
    return rc;
}

/* Operations the dispatcher has no business calling. */
static int fh_unexpected(void *opaque)
{
    ((FakeHv *)opaque)->unexpected++;
    return -ENOSYS;
}

static int fh_memory_mapping(void *o, uint64_t gfn, uint64_t mfn, uint64_t n, bool add)
{
    return fh_unexpected(o);
}

static int fh_ioport_mapping(void *o, uint32_t gport, uint32_t mport, uint32_t n, bool add)
{
    return fh_unexpected(o);
}

static int fh_set_pci_link_route(void *o, uint8_t link, uint8_t isa_irq)
{
    return fh_unexpected(o);
}

static int fh_set_isa_irq_level(void *o, uint8_t isa_irq, unsigned level)
{
    return fh_unexpected(o);
}

static int fh_map_pirq(void *o, int host_irq, int *pirq)
{
    return fh_unexpected(o);
}

static int fh_map_pirq_msi(void *o, int *pirq, uint16_t seg, uint8_t bus, uint8_t devfn,
                           int entry_nr, uint64_t table_base)
{
    return fh_unexpected(o);
}

static int fh_unmap_pirq(void *o, int pirq)
{
    return fh_unexpected(o);
}

static int fh_bind_msi(void *o, uint32_t gvec, int pirq, uint32_t gflags, uint64_t gtable)
{
    return fh_unexpected(o);
}

static int fh_unbind_msi(void *o, uint32_t gvec, int pirq, uint32_t gflags)
{
    return fh_unexpected(o);
}

static int fh_intx(void *o, int pirq, uint8_t bus, uint8_t dev, uint8_t intx)
{
    return fh_unexpected(o);
}

static int fh_grant(void *o, const XptHostGrant *grant)
{
    return fh_unexpected(o);
}

static const XptHvOps fake_hv_ops = {
    .name = "test-ioreq",
    .memory_mapping = fh_memory_mapping,
    .ioport_mapping = fh_ioport_mapping,
    .claim_range = fh_claim,
    .unclaim_range = fh_unclaim,
    .set_pci_link_route = fh_set_pci_link_route,
    .set_isa_irq_level = fh_set_isa_irq_level,
    .map_pirq = fh_map_pirq,
    .map_pirq_msi = fh_map_pirq_msi,
    .unmap_pirq = fh_unmap_pirq,
    .bind_msi = fh_bind_msi,
    .unbind_msi = fh_unbind_msi,
    .bind_pt_intx = fh_intx,
    .unbind_pt_intx = fh_intx,
    .guest_read = fh_guest_read,
    .guest_write = fh_guest_write,
    .grant_device = fh_grant,
    .revoke_device = fh_grant,
};

/* ---- emulated regions and PCI functions --------------------------------------------- */

typedef struct Access {
    bool write;
    uint64_t offset;
    unsigned size;
    uint64_t val;           /* written, or returned by the read handler */
} Access;

/* A region whose read handler returns next_read++ (all 64 bits: the dispatcher masks). */
typedef struct TReg {
    XptIoRegion r;
    GArray *log;            /* Access */
    uint64_t next_read;
} TReg;

static uint64_t treg_read(void *opaque, uint64_t offset, unsigned size)
{
    TReg *t = opaque;
    Access a = { .write = false, .offset = offset, .size = size, .val = t->next_read };

    g_array_append_val(t->log, a);
    return t->next_read++;
}

static void treg_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    TReg *t = opaque;
    Access a = { .write = true, .offset = offset, .size = size, .val = val };

    g_array_append_val(t->log, a);
}

static const XptIoOps treg_ops = { .read = treg_read, .write = treg_write };

typedef struct TestDev {
    XptPciDevice pci;
    GArray *log;            /* Access */
} TestDev;

/* Byte i of a config read is (offset + i); garbage above @len that the bus must mask. */
static uint32_t cfg_pattern(unsigned offset, unsigned len)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < len; i++) {
        v |= (uint32_t)((offset + i) & 0xff) << (8 * i);
    }
    return v;
}

static uint32_t td_config_read(XptPciDevice *d, unsigned offset, unsigned len)
{
    TestDev *t = (TestDev *)d;
    uint32_t v = cfg_pattern(offset, len);
    Access a = { .write = false, .offset = offset, .size = len, .val = v };

    g_array_append_val(t->log, a);
    return len < 4 ? v | (0xABCDEF00u << (8 * len)) : v;
}

static void td_config_write(XptPciDevice *d, unsigned offset, unsigned len, uint32_t val)
{
    TestDev *t = (TestDev *)d;
    Access a = { .write = true, .offset = offset, .size = len, .val = val };

    g_array_append_val(t->log, a);
}

static const XptPciDeviceClass td_class = {
    .name = "test-dev",
    .config_read = td_config_read,
    .config_write = td_config_write,
};

#define DEV_A_DEVFN XPT_PCI_DEVFN(3, 1)
#define DEV_B_DEVFN XPT_PCI_DEVFN(31, 7)

/* ---- fixture ------------------------------------------------------------------------- */

typedef struct Fx {
    FakeHv fh;
    XptHv hv;
    XptPciBus bus;
    XptDispatcher *d;
    TestDev dev_a, dev_b;
    GPtrArray *regions;     /* TReg *, unregistered and freed at teardown */
    unsigned first_io;
    char *log_path;
} Fx;

static int64_t fake_now_us = 1000 * G_USEC_PER_SEC;

static int64_t fake_clock(void)
{
    return fake_now_us;
}

static void count_first_io(void *opaque)
{
    ((Fx *)opaque)->first_io++;
}

/* Everything logged since the last call (caller frees); then a fresh rate-limit window. */
static char *log_take(Fx *fx)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(fx->log_path, &text, NULL, NULL));
    g_assert_cmpint(truncate(fx->log_path, 0), ==, 0);
    fake_now_us += 10 * G_USEC_PER_SEC;
    return text;
}

static void assert_logged(Fx *fx, const char *needle)
{
    g_autofree char *text = log_take(fx);

    if (!strstr(text, needle)) {
        g_test_message("expected \"%s\" in the log:\n%s", needle, text);
    }
    g_assert_nonnull(strstr(text, needle));
}

static void assert_quiet(Fx *fx)
{
    g_autofree char *text = log_take(fx);

    g_assert_cmpstr(text, ==, "");
}

static void treg_free(gpointer p)
{
    TReg *t = p;

    g_array_unref(t->log);
    g_free(t);
}

static void plug(Fx *fx, TestDev *dev, uint8_t devfn)
{
    g_autoptr(GError) err = NULL;

    dev->pci.klass = &td_class;
    dev->log = g_array_new(FALSE, TRUE, sizeof(Access));
    g_assert_true(xpt_pci_bus_plug(&fx->bus, &dev->pci, devfn, &err));
    g_assert_no_error(err);
}

static void fx_setup(Fx *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    int fd = g_file_open_tmp("test-ioreq-XXXXXX.log", &fx->log_path, &err);

    g_assert_no_error(err);
    close(fd);
    g_assert_true(xpt_log_set_file(fx->log_path, &err));
    g_assert_true(xpt_log_set_categories("guest_errors", &err));
    g_assert_no_error(err);
    xpt_ratelimit_set_clock(fake_clock);

    fx->fh.claims = g_array_new(FALSE, TRUE, sizeof(Claim));
    fx->fh.guest_ops = g_array_new(FALSE, TRUE, sizeof(GuestOp));
    fx->fh.guest_ok_left = -1;
    memset(fx->fh.ram, 0xee, sizeof(fx->fh.ram));
    fx->hv = (XptHv){ .ops = &fake_hv_ops, .opaque = &fx->fh };
    xpt_pci_bus_init(&fx->bus, &fx->hv);
    fx->d = xpt_dispatcher_new(&fx->hv, &fx->bus);
    xpt_dispatcher_set_first_io_hook(fx->d, count_first_io, fx);
    fx->regions = g_ptr_array_new_with_free_func(treg_free);
    plug(fx, &fx->dev_a, DEV_A_DEVFN);
    plug(fx, &fx->dev_b, DEV_B_DEVFN);
    g_free(log_take(fx));
}

static void fx_teardown(Fx *fx, gconstpointer data)
{
    for (guint i = 0; i < fx->regions->len; i++) {
        xpt_dispatcher_del_region(fx->d, &((TReg *)fx->regions->pdata[i])->r);
    }
    xpt_pci_bus_unplug(&fx->bus, &fx->dev_a.pci);
    xpt_pci_bus_unplug(&fx->bus, &fx->dev_b.pci);
    xpt_dispatcher_free(fx->d);
    g_ptr_array_unref(fx->regions);
    g_array_unref(fx->dev_a.log);
    g_array_unref(fx->dev_b.log);

    /* Never a guest-memory access that wraps, never a call outside claims and memory. */
    g_assert_cmpuint(fx->fh.wrapped, ==, 0);
    g_assert_cmpuint(fx->fh.unexpected, ==, 0);
    g_array_unref(fx->fh.claims);
    g_array_unref(fx->fh.guest_ops);

    g_assert_true(xpt_log_set_file(NULL, NULL));
    g_assert_true(xpt_log_set_categories("none", NULL));
    xpt_ratelimit_set_clock(NULL);
    g_unlink(fx->log_path);
    g_free(fx->log_path);
}

/* A new region (not registered). */
static TReg *treg_new(Fx *fx, const char *name, XptRangeType type, uint64_t base,
                      uint64_t size)
{
    TReg *t = g_new0(TReg, 1);

    t->r = (XptIoRegion){ .name = name, .type = type, .base = base, .size = size,
                          .ops = &treg_ops, .opaque = t };
    t->log = g_array_new(FALSE, TRUE, sizeof(Access));
    t->next_read = 0x8877665544332211ull;
    g_ptr_array_add(fx->regions, t);
    return t;
}

/* A new region, registered. */
static TReg *treg_add(Fx *fx, const char *name, XptRangeType type, uint64_t base,
                      uint64_t size)
{
    g_autoptr(GError) err = NULL;
    TReg *t = treg_new(fx, name, type, base, size);

    g_assert_true(xpt_dispatcher_add_region(fx->d, &t->r, &err));
    g_assert_no_error(err);
    g_assert_true(t->r.registered);
    return t;
}

static void assert_access(GArray *log, guint i, bool write, uint64_t offset, unsigned size,
                          uint64_t val)
{
    g_assert_cmpuint(i, <, log->len);
    Access *a = &g_array_index(log, Access, i);
    g_assert_cmpint(a->write, ==, write);
    g_assert_cmphex(a->offset, ==, offset);
    g_assert_cmpuint(a->size, ==, size);
    g_assert_cmphex(a->val, ==, val);
}

static const Claim *claim_at(Fx *fx, guint i)
{
    g_assert_cmpuint(i, <, fx->fh.claims->len);
    return &g_array_index(fx->fh.claims, Claim, i);
}

static void assert_claim(Fx *fx, guint i, bool add, XptRangeType type, uint64_t start,
                         uint64_t end)
{
    const Claim *c = claim_at(fx, i);
    g_assert_cmpint(c->add, ==, add);
    g_assert_cmpint(c->type, ==, type);
    g_assert_cmphex(c->start, ==, start);
    g_assert_cmphex(c->end, ==, end);
}

static uint64_t ram_get(Fx *fx, uint64_t gpa, unsigned size)
{
    uint64_t v = 0;

    g_assert_cmpuint(gpa, >=, RAM_BASE);
    g_assert_cmpuint(gpa + size, <=, RAM_BASE + RAM_SIZE);
    memcpy(&v, fx->fh.ram + (gpa - RAM_BASE), size);     /* x86: little-endian */
    return v;
}

static void ram_put(Fx *fx, uint64_t gpa, unsigned size, uint64_t v)
{
    g_assert_cmpuint(gpa, >=, RAM_BASE);
    g_assert_cmpuint(gpa + size, <=, RAM_BASE + RAM_SIZE);
    memcpy(fx->fh.ram + (gpa - RAM_BASE), &v, size);
}

/* ---- requests ------------------------------------------------------------------------- */

/* A request as Xen hands it over: count 1, state INPROCESS (the DM set it), an event port. */
static ioreq_t mkreq(uint8_t type, uint8_t dir, uint64_t addr, uint32_t size, uint64_t data)
{
    ioreq_t r;

    memset(&r, 0, sizeof(r));
    r.type = type;
    r.dir = dir;
    r.addr = addr;
    r.size = size;
    r.count = 1;
    r.data = data;
    r.state = STATE_IOREQ_INPROCESS;
    r.vp_eport = 7;
    return r;
}

static ioreq_t mkrep(uint8_t type, uint8_t dir, uint64_t addr, uint32_t size, uint32_t count,
                     bool df, bool ptr, uint64_t data)
{
    ioreq_t r = mkreq(type, dir, addr, size, data);

    r.count = count;
    r.df = df;
    r.data_is_ptr = ptr;
    return r;
}

/*
 * Dispatch @req and check what Xen relies on for every request: the dispatcher changes
 * nothing but `data`, and `data` only for a read whose data is not a guest pointer
 * (Xen copies back p->data of a read; with data_is_ptr the data went to guest memory).
 */
static void dispatch(Fx *fx, ioreq_t *req)
{
    ioreq_t before = *req;

    xpt_dispatch(fx->d, req);
    if (before.dir == IOREQ_READ && !before.data_is_ptr) {
        before.data = req->data;
    }
    g_assert_cmpmem(&before, sizeof(before), req, sizeof(*req));
}

static uint64_t io_read(Fx *fx, uint8_t type, uint64_t addr, uint32_t size)
{
    ioreq_t req = mkreq(type, IOREQ_READ, addr, size, SENTINEL);

    dispatch(fx, &req);
    return req.data;
}

static void io_write(Fx *fx, uint8_t type, uint64_t addr, uint32_t size, uint64_t val)
{
    ioreq_t req = mkreq(type, IOREQ_WRITE, addr, size, val);

    dispatch(fx, &req);
}

/* PCI_CONFIG address as Xen builds it: SBDF in bits 63:32, register in bits 31:0. */
static uint64_t cfg_addr(unsigned seg, unsigned bus, uint8_t devfn, uint32_t reg)
{
    return (uint64_t)XEN_DMOP_PCI_SBDF(seg, bus, XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn))
               << 32 | reg;
}

/* ---- IOREQ_TYPE_PIO ------------------------------------------------------------------- */

static void test_pio_sizes(Fx *fx, gconstpointer data)
{
    TReg *t = treg_add(fx, "uart", XPT_RANGE_PORT, 0x3f8, 8);

    /* Reads: handler gets the offset from the base and the width; data is masked. */
    t->next_read = 0xfedcba9876543210ull;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x3f8, 1), ==, 0x10);
    assert_access(t->log, 0, false, 0, 1, 0xfedcba9876543210ull);
    t->next_read = 0xfedcba9876543210ull;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x3fa, 2), ==, 0x3210);
    assert_access(t->log, 1, false, 2, 2, 0xfedcba9876543210ull);
    t->next_read = 0xfedcba9876543210ull;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x3fc, 4), ==, 0x76543210);
    assert_access(t->log, 2, false, 4, 4, 0xfedcba9876543210ull);
    /* x86 allows unaligned port I/O: one access, as Xen sends it. */
    t->next_read = 0xabcd;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x3f9, 2), ==, 0xabcd);
    assert_access(t->log, 3, false, 1, 2, 0xabcd);

    /* Writes: value masked to the access size (Xen leaves the rest of data undefined). */
    io_write(fx, IOREQ_TYPE_PIO, 0x3f9, 1, 0xffffffffffffff5aull);
    assert_access(t->log, 4, true, 1, 1, 0x5a);
    io_write(fx, IOREQ_TYPE_PIO, 0x3fa, 2, 0xdead0000beefull);
    assert_access(t->log, 5, true, 2, 2, 0xbeef);
    io_write(fx, IOREQ_TYPE_PIO, 0x3fc, 4, 0x123456789ull);
    assert_access(t->log, 6, true, 4, 4, 0x23456789);
    g_assert_cmpuint(t->log->len, ==, 7);

    /* Nothing else happened: no guest memory, no claims beyond the region's, no errors. */
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    assert_quiet(fx);
}

static void test_pio_unregistered(Fx *fx, gconstpointer data)
{
    TReg *low = treg_add(fx, "dma", XPT_RANGE_PORT, 0, 4);
    TReg *t = treg_add(fx, "dev", XPT_RANGE_PORT, 0x1000, 0x10);
    static const unsigned sizes[] = { 1, 2, 4 };

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x2000, sizes[i]), ==, ones(sizes[i]));
        io_write(fx, IOREQ_TYPE_PIO, 0x2000, sizes[i], 0);
    }
    assert_logged(fx, "[guest_errors] port read of 4 bytes at 0x2000: no handler");
    io_write(fx, IOREQ_TYPE_PIO, 0x2000, 2, 0x1234);
    assert_logged(fx, "[guest_errors] port write of 2 bytes at 0x2000: no handler");

    /* Beyond the 16-bit port space: never truncated onto port 0. */
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x10000, 1), ==, 0xff);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0xffffffff00001000ull, 4), ==, 0xffffffffu);
    io_write(fx, IOREQ_TYPE_PIO, 0x10000, 1, 0);
    io_write(fx, IOREQ_TYPE_PIO, 0x100001000ull, 4, 0);
    g_assert_cmpuint(low->log->len, ==, 0);
    g_assert_cmpuint(t->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

static void test_pio_boundaries(Fx *fx, gconstpointer data)
{
    TReg *a = treg_add(fx, "a", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *b = treg_add(fx, "b", XPT_RANGE_PORT, 0x1010, 4);
    TReg *top = treg_add(fx, "top", XPT_RANGE_PORT, 0xfff0, 0x10);

    /* Last port and last dword of a region. */
    a->next_read = 0x11;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x100f, 1), ==, 0x11);
    assert_access(a->log, 0, false, 0xf, 1, 0x11);
    a->next_read = 0x22;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x100c, 4), ==, 0x22);
    assert_access(a->log, 1, false, 0xc, 4, 0x22);
    b->next_read = 0x33;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1013, 1), ==, 0x33);
    assert_access(b->log, 0, false, 3, 1, 0x33);

    /* Straddling a and b: neither handler sees it (each is only called for accesses
     * wholly inside it); reads all-ones, writes dropped. */
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x100f, 2), ==, 0xffff);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x100e, 4), ==, 0xffffffffu);
    io_write(fx, IOREQ_TYPE_PIO, 0x100f, 2, 0xbeef);
    io_write(fx, IOREQ_TYPE_PIO, 0x100d, 4, 0xbeef);
    /* Past the end of b, into nothing. */
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1012, 4), ==, 0xffffffffu);
    io_write(fx, IOREQ_TYPE_PIO, 0x1013, 2, 0);
    /* Starting before a. */
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x0fff, 2), ==, 0xffff);
    g_assert_cmpuint(a->log->len, ==, 2);
    g_assert_cmpuint(b->log->len, ==, 1);
    assert_logged(fx, "port read of 2 bytes at 0x100f: no handler");

    /* The end of the port space: 0xffff + 4 must not index past ports[0xffff]. */
    top->next_read = 0x4455;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0xfffe, 2), ==, 0x4455);
    assert_access(top->log, 0, false, 0xe, 2, 0x4455);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0xfffe, 4), ==, 0xffffffffu);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0xffff, 4), ==, 0xffffffffu);
    io_write(fx, IOREQ_TYPE_PIO, 0xffff, 2, 0);
    g_assert_cmpuint(top->log->len, ==, 1);
}

static void test_pio_bad_size(Fx *fx, gconstpointer data)
{
    TReg *t = treg_add(fx, "dev", XPT_RANGE_PORT, 0x1000, 0x10);
    static const uint32_t sizes[] = { 0, 3, 8, 16, 0xffffffffu };

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autofree char *msg = g_strdup_printf("dropped ioreq type 0: size %u, count 1",
                                               sizes[i]);
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1000, sizes[i]), ==, ~0ull);
        assert_logged(fx, msg);
        io_write(fx, IOREQ_TYPE_PIO, 0x1000, sizes[i], 0x12);
        assert_logged(fx, msg);
        /* rep ins/outs of a bad size: guest memory is not touched either. */
        ioreq_t req = mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x1000, sizes[i], 2, false, true,
                            RAM_BASE);
        dispatch(fx, &req);
        req.dir = IOREQ_WRITE;
        dispatch(fx, &req);
    }
    g_assert_cmpuint(t->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

/* ---- IOREQ_TYPE_COPY (MMIO) ------------------------------------------------------------ */

static void test_mmio_sizes(Fx *fx, gconstpointer data)
{
    TReg *t = treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfebf0000, 0x1000);
    static const struct { uint64_t off; unsigned size; } acc[] = {
        { 0x10, 1 }, { 0x22, 2 }, { 0x104, 4 }, { 0xff8, 8 }, { 0x203, 4 }, { 0xfff, 1 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(acc); i++) {
        t->next_read = 0xfedcba9876543210ull;
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfebf0000 + acc[i].off, acc[i].size),
                        ==, 0xfedcba9876543210ull & ones(acc[i].size));
        assert_access(t->log, 2 * i, false, acc[i].off, acc[i].size, 0xfedcba9876543210ull);
        io_write(fx, IOREQ_TYPE_COPY, 0xfebf0000 + acc[i].off, acc[i].size,
                 0x0123456789abcdefull);
        assert_access(t->log, 2 * i + 1, true, acc[i].off, acc[i].size,
                      0x0123456789abcdefull & ones(acc[i].size));
    }
    g_assert_cmpuint(t->log->len, ==, 2 * G_N_ELEMENTS(acc));
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    assert_quiet(fx);
}

static void test_mmio_multi_page(Fx *fx, gconstpointer data)
{
    TReg *t = treg_add(fx, "bar", XPT_RANGE_MEMORY, 0xfe001000, 0x3000);
    static const struct { uint64_t off; unsigned size; } acc[] = {
        { 0x0, 8 }, { 0x1004, 4 }, { 0x2ff8, 8 }, { 0x2fff, 1 },
        { 0xffc, 8 },           /* crosses a page boundary inside the region: one access */
        { 0x1fff, 2 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(acc); i++) {
        t->next_read = 0x40 + i;
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe001000 + acc[i].off, acc[i].size),
                        ==, 0x40 + i);
        assert_access(t->log, i, false, acc[i].off, acc[i].size, 0x40 + i);
    }
    /* Past the end, starting before the base, the page after: nothing. */
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe003ffc, 8), ==, ~0ull);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe004000, 4), ==, 0xffffffffu);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe000fff, 2), ==, 0xffff);
    io_write(fx, IOREQ_TYPE_COPY, 0xfe003ffe, 4, 0);
    io_write(fx, IOREQ_TYPE_COPY, 0xfe000ffc, 8, 0);
    g_assert_cmpuint(t->log->len, ==, G_N_ELEMENTS(acc));
    assert_logged(fx, "mmio read of 8 bytes at 0xfe003ffc: no handler");
}

static void test_mmio_sub_page(Fx *fx, gconstpointer data)
{
    TReg *t = treg_add(fx, "small", XPT_RANGE_MEMORY, 0xfe010100, 0x100);

    /* Same page, outside the region: the page lookup alone must not be trusted. */
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010000, 4), ==, 0xffffffffu);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe0100fe, 4), ==, 0xffffffffu);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010200, 1), ==, 0xff);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe0101fc, 8), ==, ~0ull);
    io_write(fx, IOREQ_TYPE_COPY, 0xfe0100ff, 2, 0);
    g_assert_cmpuint(t->log->len, ==, 0);

    t->next_read = 7;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010100, 4), ==, 7);
    assert_access(t->log, 0, false, 0, 4, 7);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe0101f8, 8), ==, 8);
    assert_access(t->log, 1, false, 0xf8, 8, 8);
}

static void test_mmio_unregistered(Fx *fx, gconstpointer data)
{
    TReg *t = treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfebf0000, 0x1000);
    static const unsigned sizes[] = { 1, 2, 4, 8 };

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfd000000, sizes[i]), ==,
                        ones(sizes[i]));
        io_write(fx, IOREQ_TYPE_COPY, 0xfd000000, sizes[i], 0);
        /* The gfn is 52 bits: 4 GiB above the region is not the region. */
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0x1febf0000ull, sizes[i]), ==,
                        ones(sizes[i]));
        io_write(fx, IOREQ_TYPE_COPY, 0x1febf0000ull, sizes[i], 0);
        g_autofree char *text = log_take(fx);
        g_autofree char *rd = g_strdup_printf(
            "[guest_errors] mmio read of %u bytes at 0xfd000000: no handler", sizes[i]);
        g_autofree char *wr = g_strdup_printf(
            "[guest_errors] mmio write of %u bytes at 0x1febf0000: no handler", sizes[i]);
        g_assert_nonnull(strstr(text, rd));
        g_assert_nonnull(strstr(text, wr));
    }
    g_assert_cmpuint(t->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

static void test_mmio_boundaries(Fx *fx, gconstpointer data)
{
    TReg *m1 = treg_add(fx, "m1", XPT_RANGE_MEMORY, 0xfe100000, 0x1000);
    TReg *m2 = treg_add(fx, "m2", XPT_RANGE_MEMORY, 0xfe101000, 0x1000);
    TReg *top = treg_add(fx, "top", XPT_RANGE_MEMORY, TOP_PAGE, 0x1000);

    /* Straddling two adjacent regions: Xen merges adjacent claims of one server and does
     * send it; neither handler may see bytes outside itself, so it is dropped. */
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe100ffc, 8), ==, ~0ull);
    io_write(fx, IOREQ_TYPE_COPY, 0xfe100fff, 2, 0);
    g_assert_cmpuint(m1->log->len, ==, 0);
    g_assert_cmpuint(m2->log->len, ==, 0);
    m1->next_read = 1;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe100ff8, 8), ==, 1);
    m2->next_read = 2;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe101000, 8), ==, 2);

    /* The last page of the address space: its last bytes work, wrapping past 2^64 not. */
    top->next_read = 3;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfffffffffffffff8ull, 8), ==, 3);
    assert_access(top->log, 0, false, 0xff8, 8, 3);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xffffffffffffffffull, 1), ==, 4);
    assert_access(top->log, 1, false, 0xfff, 1, 4);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfffffffffffffffcull, 8), ==, ~0ull);
    io_write(fx, IOREQ_TYPE_COPY, 0xfffffffffffffffeull, 4, 0);
    g_assert_cmpuint(top->log->len, ==, 2);
    assert_logged(fx, "dropped ioreq: address range wraps");
}

static void test_mmio_bad_size(Fx *fx, gconstpointer data)
{
    TReg *t = treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfebf0000, 0x1000);
    static const uint32_t sizes[] = { 0, 3, 5, 16, 0x80000000u };

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autofree char *msg = g_strdup_printf("dropped ioreq type 1: size %u, count 1",
                                               sizes[i]);
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfebf0000, sizes[i]), ==, ~0ull);
        assert_logged(fx, msg);
        io_write(fx, IOREQ_TYPE_COPY, 0xfebf0000, sizes[i], 0);
        assert_logged(fx, msg);
        ioreq_t req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfebf0000, sizes[i], 2, false,
                            true, RAM_BASE);
        dispatch(fx, &req);
    }
    g_assert_cmpuint(t->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

/* ---- rep, df, data_is_ptr -------------------------------------------------------------- */

static void assert_guest_op(Fx *fx, guint i, bool write, uint64_t gpa, size_t len)
{
    g_assert_cmpuint(i, <, fx->fh.guest_ops->len);
    GuestOp *op = &g_array_index(fx->fh.guest_ops, GuestOp, i);
    g_assert_cmpint(op->write, ==, write);
    g_assert_cmphex(op->gpa, ==, gpa);
    g_assert_cmpuint(op->len, ==, len);
}

/* rep outs / rep ins: the port stays, the guest buffer steps by size (down with df). */
static void test_rep_pio_ptr(Fx *fx, gconstpointer data)
{
    TReg *p = treg_add(fx, "fifo", XPT_RANGE_PORT, 0x2000, 4);
    uint64_t g = RAM_BASE + 0x100;
    ioreq_t req;

    for (unsigned i = 0; i < 4; i++) {
        ram_put(fx, g + 2 * i, 2, 0x1111 * (i + 1));
    }
    /* rep outsw, df=0: words in buffer order. */
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 2, 4, false, true, g);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_access(p->log, i, true, 0, 2, 0x1111 * (i + 1));
        assert_guest_op(fx, i, false, g + 2 * i, 2);
    }
    /* rep outsw, df=1: data points at the last word, which goes out first. */
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 2, 4, true, true, g + 6);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 8);
    for (unsigned i = 0; i < 4; i++) {
        assert_access(p->log, 4 + i, true, 0, 2, 0x1111 * (4 - i));
        assert_guest_op(fx, 4 + i, false, g + 6 - 2 * i, 2);
    }

    /* rep insl, df=0: each read lands at data + i*4; only 4 bytes of each are written. */
    uint64_t g2 = RAM_BASE + 0x200;
    p->next_read = 0xffffffffa0000001ull;
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x2000, 4, 3, false, true, g2);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 11);
    for (unsigned i = 0; i < 3; i++) {
        assert_access(p->log, 8 + i, false, 0, 4, 0xffffffffa0000001ull + i);
        g_assert_cmphex(ram_get(fx, g2 + 4 * i, 4), ==, 0xa0000001u + i);
        assert_guest_op(fx, 8 + i, true, g2 + 4 * i, 4);
    }
    g_assert_cmphex(ram_get(fx, g2 - 1, 1), ==, 0xee);
    g_assert_cmphex(ram_get(fx, g2 + 12, 1), ==, 0xee);

    /* rep insl, df=1: the first read lands at data, the next ones below it. */
    uint64_t g3 = RAM_BASE + 0x300;
    p->next_read = 0xb0000001;
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x2000, 4, 3, true, true, g3 + 8);
    dispatch(fx, &req);
    for (unsigned i = 0; i < 3; i++) {
        assert_access(p->log, 11 + i, false, 0, 4, 0xb0000001u + i);
        g_assert_cmphex(ram_get(fx, g3 + 8 - 4 * i, 4), ==, 0xb0000001u + i);
        assert_guest_op(fx, 11 + i, true, g3 + 8 - 4 * i, 4);
    }
    g_assert_cmphex(ram_get(fx, g3 - 1, 1), ==, 0xee);
    g_assert_cmphex(ram_get(fx, g3 + 12, 1), ==, 0xee);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 14);
    assert_quiet(fx);
}

/* rep movs between MMIO and RAM: both the MMIO address and the buffer step. */
static void test_rep_mmio_ptr(Fx *fx, gconstpointer data)
{
    TReg *m = treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfe200000, 0x1000);
    uint64_t g = RAM_BASE + 0x1000;
    ioreq_t req;

    /* MMIO → RAM, df=0, 8-byte elements. */
    m->next_read = 0x1000000000000001ull;
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe200100, 8, 4, false, true, g);
    dispatch(fx, &req);
    for (unsigned i = 0; i < 4; i++) {
        assert_access(m->log, i, false, 0x100 + 8 * i, 8, 0x1000000000000001ull + i);
        g_assert_cmphex(ram_get(fx, g + 8 * i, 8), ==, 0x1000000000000001ull + i);
    }
    /* MMIO → RAM, df=1: both addresses go down from the last element. */
    m->next_read = 0x2000000000000001ull;
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe200118, 8, 4, true, true, g + 0x100 + 24);
    dispatch(fx, &req);
    for (unsigned i = 0; i < 4; i++) {
        assert_access(m->log, 4 + i, false, 0x118 - 8 * i, 8, 0x2000000000000001ull + i);
        g_assert_cmphex(ram_get(fx, g + 0x100 + 24 - 8 * i, 8), ==,
                        0x2000000000000001ull + i);
    }
    g_assert_cmphex(ram_get(fx, g + 0x100 - 1, 1), ==, 0xee);

    /* RAM → MMIO, df=0, 4-byte elements. */
    uint64_t src = RAM_BASE + 0x2000;
    for (unsigned i = 0; i < 3; i++) {
        ram_put(fx, src + 4 * i, 4, 0xc0000000u + i);
    }
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe200200, 4, 3, false, true, src);
    dispatch(fx, &req);
    for (unsigned i = 0; i < 3; i++) {
        assert_access(m->log, 8 + i, true, 0x200 + 4 * i, 4, 0xc0000000u + i);
    }
    /* RAM → MMIO, df=1. */
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe200208, 4, 3, true, true, src + 8);
    dispatch(fx, &req);
    for (unsigned i = 0; i < 3; i++) {
        assert_access(m->log, 11 + i, true, 0x208 - 4 * i, 4, 0xc0000002u - i);
    }
    g_assert_cmpuint(m->log->len, ==, 14);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 14);
    assert_quiet(fx);
}

/* Rep without data_is_ptr: rep stos to MMIO (Xen's hvmemul_rep_stos) repeats req->data. */
static void test_rep_no_ptr(Fx *fx, gconstpointer data)
{
    TReg *m = treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfe200000, 0x1000);
    TReg *p = treg_add(fx, "port", XPT_RANGE_PORT, 0x2000, 4);
    ioreq_t req;

    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe200000, 4, 3, false, false,
                0xffffffffcafef00dull);
    dispatch(fx, &req);
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe200108, 4, 3, true, false, 0x5a5a);
    dispatch(fx, &req);
    for (unsigned i = 0; i < 3; i++) {
        assert_access(m->log, i, true, 4 * i, 4, 0xcafef00d);
        assert_access(m->log, 3 + i, true, 0x108 - 4 * i, 4, 0x5a5a);
    }
    /* A rep read without a buffer: every element is read, data holds the last one. */
    m->next_read = 0x700;
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe200010, 2, 3, false, false, SENTINEL);
    dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0x702);
    for (unsigned i = 0; i < 3; i++) {
        assert_access(m->log, 6 + i, false, 0x10 + 2 * i, 2, 0x700 + i);
    }
    /* Port rep without a buffer (Xen does not send it): bounded, the port never steps. */
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2001, 1, 3, true, false, 0x1ab);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_access(p->log, i, true, 1, 1, 0xab);
    }
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    assert_quiet(fx);
}

static void test_rep_count_bounds(Fx *fx, gconstpointer data)
{
    TReg *m = treg_add(fx, "mmio", XPT_RANGE_MEMORY, 0xfe300000, 0x8000);
    TReg *p = treg_add(fx, "port", XPT_RANGE_PORT, 0x3000, 4);
    ioreq_t req;

    /* count 0: nothing to do; Xen never sends it, so it is a logged drop. */
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe300000, 4, 0, false, false, SENTINEL);
    dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0xffffffffu);
    assert_logged(fx, "dropped ioreq type 1: size 4, count 0");
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3000, 4, 0, false, true, RAM_BASE);
    dispatch(fx, &req);
    assert_logged(fx, "dropped ioreq type 0: size 4, count 0");
    g_assert_cmpuint(m->log->len + p->log->len + fx->fh.guest_ops->len, ==, 0);

    /* XPT_IOREQ_MAX_COUNT is served in full: rep outsb of 4096 bytes ... */
    for (unsigned i = 0; i < XPT_IOREQ_MAX_COUNT; i++) {
        ram_put(fx, RAM_BASE + i, 1, (i * 7) & 0xff);
    }
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3000, 1, XPT_IOREQ_MAX_COUNT, false, true,
                RAM_BASE);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, XPT_IOREQ_MAX_COUNT);
    assert_access(p->log, 0, true, 0, 1, 0);
    assert_access(p->log, 4095, true, 0, 1, (4095 * 7) & 0xff);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, XPT_IOREQ_MAX_COUNT);
    /* ... and rep stosq of 4096 quadwords. */
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe300000, 8, XPT_IOREQ_MAX_COUNT, false,
                false, 0x42);
    dispatch(fx, &req);
    g_assert_cmpuint(m->log->len, ==, XPT_IOREQ_MAX_COUNT);
    assert_access(m->log, 4095, true, 0x7ff8, 8, 0x42);
    assert_quiet(fx);

    /* One more, or a huge count: refused before any element is done. */
    guint pn = p->log->len, mn = m->log->len, gn = fx->fh.guest_ops->len;
    static const uint32_t counts[] = { XPT_IOREQ_MAX_COUNT + 1, 0x80000000u, 0xffffffffu };
    for (unsigned i = 0; i < G_N_ELEMENTS(counts); i++) {
        g_autofree char *msg = g_strdup_printf("count %u", counts[i]);
        req = mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x3000, 4, counts[i], false, true, RAM_BASE);
        dispatch(fx, &req);
        assert_logged(fx, msg);
        req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe300000, 1, counts[i], true, true,
                    RAM_BASE + 0x8000);
        dispatch(fx, &req);
        req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfe300000, 8, counts[i], false, false,
                    SENTINEL);
        dispatch(fx, &req);
        g_assert_cmphex(req.data, ==, ~0ull);
        assert_logged(fx, msg);
    }
    g_assert_cmpuint(p->log->len, ==, pn);
    g_assert_cmpuint(m->log->len, ==, mn);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, gn);
}

/* The MMIO address range of a rep op wraps at 2^64 (either direction): refused whole. */
static void test_rep_addr_wrap(Fx *fx, gconstpointer data)
{
    TReg *top = treg_add(fx, "top", XPT_RANGE_MEMORY, TOP_PAGE, 0x1000);
    TReg *zero = treg_add(fx, "zero", XPT_RANGE_MEMORY, 0, 0x1000);
    ioreq_t req;

    /* df=0 from the last 8 bytes over the top: ..f8, ..fc, 0x0, 0x4. */
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfffffffffffffff8ull, 4, 4, false, false, 1);
    dispatch(fx, &req);
    assert_logged(fx, "dropped ioreq: address range wraps");
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfffffffffffffff8ull, 4, 4, false, false,
                SENTINEL);
    dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0xffffffffu);      /* a dropped read reads all-ones */
    assert_logged(fx, "dropped ioreq: address range wraps");
    /* df=1 from 4 downwards: 0x4, 0x0, -4. */
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0x4, 4, 3, true, false, SENTINEL);
    dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0xffffffffu);
    assert_logged(fx, "dropped ioreq: address range wraps");
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0x4, 4, 3, true, true, RAM_BASE);
    dispatch(fx, &req);
    assert_logged(fx, "dropped ioreq: address range wraps");
    /* df=1, but the first (highest) element itself runs past 2^64. */
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0xfffffffffffffffcull, 8, 2, true, false,
                SENTINEL);
    dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, ~0ull);
    assert_logged(fx, "dropped ioreq: address range wraps");
    g_assert_cmpuint(top->log->len, ==, 0);
    g_assert_cmpuint(zero->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);

    /* Right up to the last byte is fine, in both directions. */
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfffffffffffffff8ull, 4, 2, false, false, 1);
    dispatch(fx, &req);
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfffffffffffffffcull, 4, 2, true, false, 2);
    dispatch(fx, &req);
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_WRITE, 0x4, 4, 2, true, false, 3);
    dispatch(fx, &req);
    assert_access(top->log, 0, true, 0xff8, 4, 1);
    assert_access(top->log, 1, true, 0xffc, 4, 1);
    assert_access(top->log, 2, true, 0xffc, 4, 2);
    assert_access(top->log, 3, true, 0xff8, 4, 2);
    assert_access(zero->log, 0, true, 4, 4, 3);
    assert_access(zero->log, 1, true, 0, 4, 3);
    assert_quiet(fx);
}

/* The guest buffer of a data_is_ptr op wraps at 2^64: refused, no device access. */
static void test_rep_ptr_wrap(Fx *fx, gconstpointer data)
{
    TReg *p = treg_add(fx, "port", XPT_RANGE_PORT, 0x2000, 4);
    ioreq_t req;

    /* df=0 over the top: a rep ins must not even read the device (side effects). */
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x2000, 4, 4, false, true,
                0xfffffffffffffff8ull);
    dispatch(fx, &req);
    assert_logged(fx, "dropped ioreq: data pointer range wraps");
    /* df=1 below zero. */
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 4, true, true, 0x4);
    dispatch(fx, &req);
    assert_logged(fx, "dropped ioreq: data pointer range wraps");
    /* One element that itself runs past 2^64, df=0 and df=1. */
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 1, false, true,
                0xfffffffffffffffeull);
    dispatch(fx, &req);
    assert_logged(fx, "dropped ioreq: data pointer range wraps");
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 1, true, true,
                0xfffffffffffffffeull);
    dispatch(fx, &req);
    assert_logged(fx, "dropped ioreq: data pointer range wraps");
    req = mkrep(IOREQ_TYPE_COPY, IOREQ_READ, 0x2000, 8, 2, true, true, 0xfffffffffffffffcull);
    dispatch(fx, &req);
    assert_logged(fx, "dropped ioreq: data pointer range wraps");
    g_assert_cmpuint(p->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.wrapped, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);

    /* Up to the last byte does not wrap: the hypervisor is asked (and says no RAM). */
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 1, true, true,
                0xfffffffffffffffcull);
    dispatch(fx, &req);
    assert_guest_op(fx, 0, false, 0xfffffffffffffffcull, 4);
    assert_logged(fx, "guest memory read of 4 bytes at 0xfffffffffffffffc failed");
    g_assert_cmpuint(p->log->len, ==, 0);
}

/* A guest-memory failure stops the rep op at that element; earlier elements stand. */
static void test_rep_guest_fault(Fx *fx, gconstpointer data)
{
    TReg *p = treg_add(fx, "port", XPT_RANGE_PORT, 0x2000, 4);
    uint64_t g = RAM_BASE + 0x400;
    ioreq_t req;

    for (unsigned i = 0; i < 4; i++) {
        ram_put(fx, g + 4 * i, 4, 0xd0000000u + i);
    }
    /* rep outsl: the third buffer read fails. */
    fx->fh.guest_ok_left = 2;
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 4, false, true, g);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 2);
    assert_access(p->log, 0, true, 0, 4, 0xd0000000u);
    assert_access(p->log, 1, true, 0, 4, 0xd0000001u);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 3);
    assert_logged(fx, "[guest_errors] guest memory read of 4 bytes at 0x100408 failed");

    /* rep insl: the second buffer write fails; the device was read twice. */
    fx->fh.guest_ok_left = 1;
    p->next_read = 0x55;
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_READ, 0x2000, 4, 4, false, true, g + 0x100);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 4);
    g_assert_cmphex(ram_get(fx, g + 0x100, 4), ==, 0x55);
    g_assert_cmphex(ram_get(fx, g + 0x104, 4), ==, 0xeeeeeeee);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 5);
    assert_logged(fx, "[guest_errors] guest memory write of 4 bytes at 0x100504 failed");

    /* The buffer runs off the end of RAM: only the elements inside it are done. */
    fx->fh.guest_ok_left = -1;
    ram_put(fx, RAM_BASE + RAM_SIZE - 4, 4, 0x600d);
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 3, false, true,
                RAM_BASE + RAM_SIZE - 4);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 5);
    assert_access(p->log, 4, true, 0, 4, 0x600d);
    assert_logged(fx, "guest memory read of 4 bytes at 0x110000 failed");
    /* Not RAM at all: no device access. */
    req = mkrep(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x2000, 4, 1, false, true, 0x1000);
    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 5);
    assert_logged(fx, "guest memory read of 4 bytes at 0x1000 failed");
}

/* ---- IOREQ_TYPE_PCI_CONFIG --------------------------------------------------------------- */

static uint64_t cfg_read(Fx *fx, uint64_t addr, uint32_t size)
{
    return io_read(fx, IOREQ_TYPE_PCI_CONFIG, addr, size);
}

static void test_pci_config_decode(Fx *fx, gconstpointer data)
{
    /* The bus claimed each function's SBDF in XEN_DMOP_PCI_SBDF form (seg<<16|bus<<8|devfn);
     * Xen puts that same SBDF in addr bits 63:32 of the ioreq. */
    assert_claim(fx, 0, true, XPT_RANGE_PCI, 0x19, 0x19);
    assert_claim(fx, 1, true, XPT_RANGE_PCI, 0xff, 0xff);
    uint64_t sbdf_a = claim_at(fx, 0)->start;

    g_assert_cmphex(cfg_read(fx, sbdf_a << 32 | 0x10, 4), ==, cfg_pattern(0x10, 4));
    assert_access(fx->dev_a.log, 0, false, 0x10, 4, cfg_pattern(0x10, 4));
    g_assert_cmphex(cfg_read(fx, cfg_addr(0, 0, DEV_B_DEVFN, 0x3c), 1), ==, 0x3c);
    assert_access(fx->dev_b.log, 0, false, 0x3c, 1, 0x3c);
    io_write(fx, IOREQ_TYPE_PCI_CONFIG, cfg_addr(0, 0, DEV_B_DEVFN, 0x04), 2, 0x0507);
    assert_access(fx->dev_b.log, 1, true, 0x04, 2, 0x0507);
    g_assert_cmpuint(fx->dev_a.log->len, ==, 1);

    /* Same devfn on another bus or segment, or an empty devfn: all-ones, nobody called. */
    g_assert_cmphex(cfg_read(fx, cfg_addr(0, 1, DEV_A_DEVFN, 0x10), 4), ==, 0xffffffffu);
    g_assert_cmphex(cfg_read(fx, cfg_addr(1, 0, DEV_A_DEVFN, 0x10), 4), ==, 0xffffffffu);
    g_assert_cmphex(cfg_read(fx, cfg_addr(0xffff, 0xff, DEV_A_DEVFN, 0), 2), ==, 0xffff);
    g_assert_cmphex(cfg_read(fx, cfg_addr(0, 0, XPT_PCI_DEVFN(3, 0), 0), 4), ==, 0xffffffffu);
    io_write(fx, IOREQ_TYPE_PCI_CONFIG, cfg_addr(0, 1, DEV_A_DEVFN, 0x04), 2, 0);
    io_write(fx, IOREQ_TYPE_PCI_CONFIG, cfg_addr(2, 0, DEV_B_DEVFN, 0x04), 2, 0);
    g_assert_cmpuint(fx->dev_a.log->len, ==, 1);
    g_assert_cmpuint(fx->dev_b.log->len, ==, 2);

    /* The register is all 32 low bits: 0x1003c is not 0x3c (no aliasing). */
    g_assert_cmphex(cfg_read(fx, cfg_addr(0, 0, DEV_A_DEVFN, 0x1003c), 1), ==, 0xff);
    g_assert_cmphex(cfg_read(fx, cfg_addr(0, 0, DEV_A_DEVFN, 0x8000003c), 1), ==, 0xff);
    g_assert_cmpuint(fx->dev_a.log->len, ==, 1);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

static void test_pci_config_sizes(Fx *fx, gconstpointer data)
{
    uint64_t a = cfg_addr(0, 0, DEV_A_DEVFN, 0);

    /* Reads: the device's bits above the width never reach the guest. */
    g_assert_cmphex(cfg_read(fx, a | 0x0e, 1), ==, 0x0e);
    g_assert_cmphex(cfg_read(fx, a | 0x0e, 2), ==, 0x0f0e);
    g_assert_cmphex(cfg_read(fx, a | 0x0c, 4), ==, 0x0f0e0d0c);
    g_assert_cmphex(cfg_read(fx, a | 0xff, 1), ==, 0xff);
    g_assert_cmphex(cfg_read(fx, a | 0xfc, 4), ==, 0xfffefdfc);
    assert_access(fx->dev_a.log, 0, false, 0x0e, 1, 0x0e);
    assert_access(fx->dev_a.log, 1, false, 0x0e, 2, 0x0f0e);
    assert_access(fx->dev_a.log, 2, false, 0x0c, 4, 0x0f0e0d0c);
    assert_access(fx->dev_a.log, 4, false, 0xfc, 4, 0xfffefdfc);
    /* Writes: the value is masked to the width. */
    io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x3c, 1, 0xffffffffffffff5aull);
    io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x04, 2, 0x12340007);
    io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x10, 4, 0xfffffffffe000000ull);
    assert_access(fx->dev_a.log, 5, true, 0x3c, 1, 0x5a);
    assert_access(fx->dev_a.log, 6, true, 0x04, 2, 0x0007);
    assert_access(fx->dev_a.log, 7, true, 0x10, 4, 0xfe000000);
    g_assert_cmpuint(fx->dev_a.log->len, ==, 8);
    assert_quiet(fx);
}

/* Offsets ≥ 0x100: Xen 4.17 routes them only for AMD's CF8 extension, never MMCFG; the bus
 * answers all-ones and drops writes without asking the device (hw/pci/pci.h). */
static void test_pci_config_extended(Fx *fx, gconstpointer data)
{
    uint64_t a = cfg_addr(0, 0, DEV_A_DEVFN, 0);

    g_assert_cmphex(cfg_read(fx, a | 0x100, 4), ==, 0xffffffffu);
    g_assert_cmphex(cfg_read(fx, a | 0x102, 2), ==, 0xffff);
    g_assert_cmphex(cfg_read(fx, a | 0xfff, 1), ==, 0xff);
    io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x100, 4, 0);
    io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0xffc, 4, 0);
    assert_quiet(fx);
    /* ≥ 0x1000 is not config space at all: a logged guest error. */
    g_assert_cmphex(cfg_read(fx, a | 0x1000, 4), ==, 0xffffffffu);
    assert_logged(fx, "dropped invalid config read: offset 0x1000, 4 bytes");
    g_assert_cmpuint(fx->dev_a.log->len, ==, 0);
}

static void test_pci_config_bad(Fx *fx, gconstpointer data)
{
    uint64_t a = cfg_addr(0, 0, DEV_A_DEVFN, 0);
    static const uint32_t sizes[] = { 0, 3, 8, 16 };
    ioreq_t req;

    for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_assert_cmphex(cfg_read(fx, a | 0x10, sizes[i]), ==, ~0ull);
        io_write(fx, IOREQ_TYPE_PCI_CONFIG, a | 0x10, sizes[i], 0);
        assert_logged(fx, "[guest_errors]");
    }
    /* Misaligned. */
    g_assert_cmphex(cfg_read(fx, a | 0x11, 2), ==, 0xffff);
    g_assert_cmphex(cfg_read(fx, a | 0x12, 4), ==, 0xffffffffu);
    assert_logged(fx, "dropped invalid config read: offset 0x11, 2 bytes");
    /* Rep (Xen decodes "rep insl" from 0xcfc into PCI_CONFIG with count > 1 and a guest
     * buffer): dropped, the buffer pointer stays, guest memory untouched. */
    req = mkrep(IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, a | 0x10, 4, 2, false, false, SENTINEL);
    dispatch(fx, &req);
    g_assert_cmphex(req.data, ==, 0xffffffffu);
    assert_logged(fx, "[guest_errors]");
    req = mkrep(IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, a | 0x10, 4, 1, false, true, RAM_BASE);
    dispatch(fx, &req);
    req = mkrep(IOREQ_TYPE_PCI_CONFIG, IOREQ_WRITE, a | 0x10, 4, 4, true, true, RAM_BASE);
    dispatch(fx, &req);
    assert_logged(fx, "[guest_errors]");
    g_assert_cmpuint(fx->dev_a.log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

/* ---- other types --------------------------------------------------------------------- */

/*
 * INVALIDATE (xen/common/ioreq.c, ioreq_signal_mapcache_invalidate): broadcast to every
 * server after the guest's p2m changed: {type 8, size 4, dir WRITE, data ~0, count 0}.
 * The documented effect is "drop any guest-memory map cache": the dispatcher keeps none
 * (guest memory goes through xpt_hv_guest_read/write every time), so it must acknowledge
 * without touching regions, the hypervisor or the guest, and without a guest error (count
 * 0 is normal here). It is not guest I/O: the first-I/O hook does not run.
 */
static void test_invalidate(Fx *fx, gconstpointer data)
{
    TReg *p = treg_add(fx, "port0", XPT_RANGE_PORT, 0, 0x10);
    TReg *m = treg_add(fx, "mmio0", XPT_RANGE_MEMORY, 0, 0x1000);
    guint claims = fx->fh.claims->len;
    ioreq_t req;

    memset(&req, 0, sizeof(req));
    req.type = IOREQ_TYPE_INVALIDATE;
    req.size = 4;
    req.dir = IOREQ_WRITE;
    req.data = ~0ull;
    req.state = STATE_IOREQ_INPROCESS;
    for (unsigned i = 0; i < 3; i++) {
        dispatch(fx, &req);
        g_assert_cmphex(req.data, ==, ~0ull);
    }
    g_assert_cmpuint(fx->first_io, ==, 0);
    g_assert_cmpuint(p->log->len + m->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.claims->len, ==, claims);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    assert_quiet(fx);
    /* Regions are still there and routed afterwards. */
    g_assert_true(p->r.registered && m->r.registered);
    p->next_read = 0x12;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x4, 1), ==, 0x12);
    m->next_read = 0x34;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0x8, 4), ==, 0x34);
    g_assert_cmpuint(fx->first_io, ==, 1);
}

/* TIMEOFFSET comes only through the buffered ring (xen-abi.md); ignored if it arrives. */
static void test_timeoffset(Fx *fx, gconstpointer data)
{
    TReg *p = treg_add(fx, "port0", XPT_RANGE_PORT, 0, 0x10);
    ioreq_t req = mkreq(IOREQ_TYPE_TIMEOFFSET, IOREQ_WRITE, 0, 8, 3600);

    dispatch(fx, &req);
    g_assert_cmpuint(p->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
    assert_quiet(fx);
}

static void test_bad_type(Fx *fx, gconstpointer data)
{
    TReg *p = treg_add(fx, "port0", XPT_RANGE_PORT, 0, 0x10);
    TReg *m = treg_add(fx, "mmio0", XPT_RANGE_MEMORY, 0, 0x1000);
    static const uint8_t types[] = { 3, 4, 5, 6, 9, 0x80, 0xff };

    for (unsigned i = 0; i < G_N_ELEMENTS(types); i++) {
        g_autofree char *msg = g_strdup_printf("[guest_errors] unknown ioreq type %u",
                                               types[i]);
        g_assert_cmphex(io_read(fx, types[i], 0, 4), ==, ~0ull);
        assert_logged(fx, msg);
        io_write(fx, types[i], 0, 4, 0);
        assert_logged(fx, msg);
        /* With a guest pointer, the pointer in data is left alone (dispatch() checks). */
        ioreq_t req = mkrep(types[i], IOREQ_READ, 0, 4, 2, false, true, RAM_BASE);
        dispatch(fx, &req);
    }
    g_assert_cmpuint(p->log->len + m->log->len, ==, 0);
    g_assert_cmpuint(fx->fh.guest_ops->len, ==, 0);
}

static void test_first_io_hook(Fx *fx, gconstpointer data)
{
    g_assert_cmpuint(fx->first_io, ==, 0);
    ioreq_t inv = mkreq(IOREQ_TYPE_INVALIDATE, IOREQ_WRITE, 0, 4, ~0ull);
    dispatch(fx, &inv);
    g_assert_cmpuint(fx->first_io, ==, 0);
    /* Any guest access, even one nobody handles, leaves prelaunch; once. */
    io_read(fx, IOREQ_TYPE_PIO, 0x80, 1);
    g_assert_cmpuint(fx->first_io, ==, 1);
    io_read(fx, IOREQ_TYPE_COPY, 0xfd000000, 4);
    cfg_read(fx, cfg_addr(0, 0, DEV_A_DEVFN, 0), 4);
    g_assert_cmpuint(fx->first_io, ==, 1);
}

/* ---- regions: claims, overlap, removal ------------------------------------------------- */

static void test_region_claims(Fx *fx, gconstpointer data)
{
    guint n = fx->fh.claims->len;
    TReg *p = treg_add(fx, "ports", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *m = treg_add(fx, "bar", XPT_RANGE_MEMORY, 0xfe000000, 0x2000);
    TReg *s = treg_add(fx, "small", XPT_RANGE_MEMORY, 0xfe010100, 0x100);

    /* One claim each: inclusive ranges, ports and byte addresses (not frame numbers). */
    g_assert_cmpuint(fx->fh.claims->len, ==, n + 3);
    assert_claim(fx, n, true, XPT_RANGE_PORT, 0x1000, 0x100f);
    assert_claim(fx, n + 1, true, XPT_RANGE_MEMORY, 0xfe000000, 0xfe001fff);
    assert_claim(fx, n + 2, true, XPT_RANGE_MEMORY, 0xfe010100, 0xfe0101ff);

    /* Adding a registered region again is a no-op (no second claim). */
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(fx->fh.claims->len, ==, n + 3);

    /* Removal unclaims exactly what was claimed; a second removal does nothing. */
    xpt_dispatcher_del_region(fx->d, &m->r);
    xpt_dispatcher_del_region(fx->d, &m->r);
    xpt_dispatcher_del_region(fx->d, &p->r);
    xpt_dispatcher_del_region(fx->d, &s->r);
    g_assert_false(m->r.registered || p->r.registered || s->r.registered);
    g_assert_cmpuint(fx->fh.claims->len, ==, n + 6);
    assert_claim(fx, n + 3, false, XPT_RANGE_MEMORY, 0xfe000000, 0xfe001fff);
    assert_claim(fx, n + 4, false, XPT_RANGE_PORT, 0x1000, 0x100f);
    assert_claim(fx, n + 5, false, XPT_RANGE_MEMORY, 0xfe010100, 0xfe0101ff);
    assert_quiet(fx);
}

/* add_region must fail with XPT_ERROR_BUSY and leave everything as it was. */
static void add_busy(Fx *fx, const char *name, XptRangeType type, uint64_t base,
                     uint64_t size, const char *other)
{
    g_autoptr(GError) err = NULL;
    guint n = fx->fh.claims->len;
    TReg *t = treg_new(fx, name, type, base, size);

    g_assert_false(xpt_dispatcher_add_region(fx->d, &t->r, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_BUSY);
    g_assert_nonnull(strstr(err->message, name));
    g_assert_nonnull(strstr(err->message, other));
    g_assert_false(t->r.registered);
    g_assert_cmpuint(fx->fh.claims->len, ==, n);
}

static void test_region_overlap(Fx *fx, gconstpointer data)
{
    TReg *a = treg_add(fx, "a", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *m = treg_add(fx, "m", XPT_RANGE_MEMORY, 0xfe000000, 0x3000);

    add_busy(fx, "tail", XPT_RANGE_PORT, 0x100f, 2, "a");
    add_busy(fx, "head", XPT_RANGE_PORT, 0xfff, 2, "a");
    add_busy(fx, "same", XPT_RANGE_PORT, 0x1000, 0x10, "a");
    add_busy(fx, "outer", XPT_RANGE_PORT, 0xf00, 0x200, "a");
    add_busy(fx, "inner", XPT_RANGE_PORT, 0x1004, 1, "a");
    add_busy(fx, "mtail", XPT_RANGE_MEMORY, 0xfe002ff0, 0x20, "m");
    add_busy(fx, "mmid", XPT_RANGE_MEMORY, 0xfe001800, 8, "m");
    add_busy(fx, "mouter", XPT_RANGE_MEMORY, 0xfdfff000, 0x5000, "m");
    g_autoptr(GError) err = NULL;
    {
        TReg *t = treg_new(fx, "a", XPT_RANGE_PORT, 0x1008, 1);
        g_assert_false(xpt_dispatcher_add_region(fx->d, &t->r, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_BUSY);
        g_assert_cmpstr(err->message, ==, "a at 0x1008 overlaps a at 0x1000");
        g_clear_error(&err);
    }

    /* Adjacent regions are fine: ports and memory are separate spaces. */
    TReg *e = treg_add(fx, "e", XPT_RANGE_PORT, 0x1010, 4);
    TReg *f = treg_add(fx, "f", XPT_RANGE_MEMORY, 0xfe003000, 0x1000);
    TReg *g = treg_add(fx, "g", XPT_RANGE_MEMORY, 0x1000, 0x10);

    /* The failures left the index alone: every byte still goes where it belongs. */
    a->next_read = 1;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x100f, 1), ==, 1);
    e->next_read = 2;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1010, 1), ==, 2);
    m->next_read = 3;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe002ff8, 8), ==, 3);
    m->next_read = 4;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe001800, 4), ==, 4);
    f->next_read = 5;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe003000, 4), ==, 5);
    g->next_read = 6;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0x1000, 4), ==, 6);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0xfff, 1), ==, 0xff);
    g_assert_cmpuint(a->log->len + e->log->len + m->log->len + f->log->len + g->log->len,
                     ==, 6);
}

/*
 * Two MMIO regions in one 4 KiB page without a common byte. The MMIO index is per page:
 * if the dispatcher accepts the second region, both must still be served and removing one
 * must not unroute the other; if it refuses, it must be XPT_ERROR_BUSY with nothing
 * claimed and the first region intact.
 */
static void test_region_same_page(Fx *fx, gconstpointer data)
{
    TReg *lo = treg_add(fx, "lo", XPT_RANGE_MEMORY, 0xfe010000, 0x800);
    TReg *hi = treg_new(fx, "hi", XPT_RANGE_MEMORY, 0xfe010800, 0x800);
    g_autoptr(GError) err = NULL;
    guint n = fx->fh.claims->len;

    if (xpt_dispatcher_add_region(fx->d, &hi->r, &err)) {
        g_assert_no_error(err);
        lo->next_read = 1;
        hi->next_read = 2;
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010000, 4), ==, 1);
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010800, 4), ==, 2);
        xpt_dispatcher_del_region(fx->d, &hi->r);
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe0107fc, 4), ==, 2);
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010800, 4), ==, 0xffffffffu);
        g_assert_true(xpt_dispatcher_add_region(fx->d, &hi->r, &err));
        xpt_dispatcher_del_region(fx->d, &lo->r);
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010ffc, 4), ==, 3);
        g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010000, 4), ==, 0xffffffffu);
        return;
    }
    g_assert_error(err, XPT_ERROR, XPT_ERROR_BUSY);
    g_assert_nonnull(strstr(err->message, "hi at 0xfe010800"));
    g_assert_nonnull(strstr(err->message, "lo at 0xfe010000"));
    g_assert_false(hi->r.registered);
    g_assert_cmpuint(fx->fh.claims->len, ==, n);
    lo->next_read = 1;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe0107fc, 4), ==, 1);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe010800, 4), ==, 0xffffffffu);
    g_assert_cmpuint(hi->log->len, ==, 0);
    /* The neighbouring page is free. */
    TReg *next = treg_add(fx, "next", XPT_RANGE_MEMORY, 0xfe011000, 0x800);
    next->next_read = 9;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe011000, 4), ==, 9);
}

static void test_region_invalid(Fx *fx, gconstpointer data)
{
    static const struct { XptRangeType type; uint64_t base, size; } bad[] = {
        { XPT_RANGE_PORT, 0x1000, 0 },
        { XPT_RANGE_PORT, 0xffff, 2 },              /* past the 16-bit port space */
        { XPT_RANGE_PORT, 0x10000, 1 },
        { XPT_RANGE_PORT, 0, 0x10001 },
        { XPT_RANGE_PORT, ~0ull, 2 },               /* wraps */
        { XPT_RANGE_MEMORY, 0xfe000000, 0 },
        { XPT_RANGE_MEMORY, TOP_PAGE, 0x2000 },     /* wraps */
        { XPT_RANGE_MEMORY, 0x100000000ull, (64ull << 20) + 1 },  /* > 64 MiB */
        { XPT_RANGE_MEMORY, 0, ~0ull },
        { XPT_RANGE_PCI, 0x10, 1 },                 /* SBDF claims are the bus's */
        { (XptRangeType)7, 0x1000, 1 },
    };
    guint n = fx->fh.claims->len;

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        TReg *t = treg_new(fx, "bad", bad[i].type, bad[i].base, bad[i].size);
        g_assert_false(xpt_dispatcher_add_region(fx->d, &t->r, &err));
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        g_assert_true(g_str_has_prefix(err->message, "bad: invalid I/O region"));
        g_assert_false(t->r.registered);
    }
    g_assert_cmpuint(fx->fh.claims->len, ==, n);
    /* The largest ones that are valid. */
    TReg *all = treg_add(fx, "all-ports", XPT_RANGE_PORT, 0, 0x10000);
    TReg *big = treg_add(fx, "64M", XPT_RANGE_MEMORY, 0x100000000ull, 64ull << 20);
    assert_claim(fx, n, true, XPT_RANGE_PORT, 0, 0xffff);
    assert_claim(fx, n + 1, true, XPT_RANGE_MEMORY, 0x100000000ull, 0x103ffffffull);
    all->next_read = 1;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0xffff, 1), ==, 1);
    assert_access(all->log, 0, false, 0xffff, 1, 1);
    big->next_read = 2;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0x103fffff8ull, 8), ==, 2);
    assert_access(big->log, 0, false, 0x3fffff8, 8, 2);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0x104000000ull, 1), ==, 0xff);
    g_assert_cmpuint(big->log->len, ==, 1);
}

static void test_region_claim_fails(Fx *fx, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    TReg *t = treg_new(fx, "dev", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *m = treg_new(fx, "mdev", XPT_RANGE_MEMORY, 0xfe000000, 0x2000);

    fx->fh.claim_errno = EPERM;
    g_assert_false(xpt_dispatcher_add_region(fx->d, &t->r, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, EPERM);
    g_assert_nonnull(strstr(err->message, "xendevicemodel_map_io_range_to_ioreq_server"));
    g_clear_error(&err);
    fx->fh.claim_errno = ENOSPC;
    g_assert_false(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOSPC);
    g_clear_error(&err);
    g_assert_false(t->r.registered || m->r.registered);

    /* Not indexed: not routed; removing it does not unclaim what was never claimed. */
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1000, 4), ==, 0xffffffffu);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe001000, 4), ==, 0xffffffffu);
    guint n = fx->fh.claims->len;
    xpt_dispatcher_del_region(fx->d, &t->r);
    xpt_dispatcher_del_region(fx->d, &m->r);
    g_assert_cmpuint(fx->fh.claims->len, ==, n);
    g_assert_cmpuint(t->log->len + m->log->len, ==, 0);

    /* And the range is free: the next attempt succeeds. */
    g_assert_true(xpt_dispatcher_add_region(fx->d, &t->r, &err));
    g_assert_true(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_no_error(err);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe001000, 4), !=, 0xffffffffu);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1000, 4), !=, 0xffffffffu);
}

static void test_region_del_readd(Fx *fx, gconstpointer data)
{
    TReg *a = treg_add(fx, "a", XPT_RANGE_PORT, 0x1000, 0x10);
    TReg *m = treg_add(fx, "m", XPT_RANGE_MEMORY, 0xfe000000, 0x3000);

    xpt_dispatcher_del_region(fx->d, &a->r);
    xpt_dispatcher_del_region(fx->d, &m->r);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1000, 1), ==, 0xff);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x100f, 1), ==, 0xff);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe000000, 4), ==, 0xffffffffu);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe002ffc, 4), ==, 0xffffffffu);
    io_write(fx, IOREQ_TYPE_PIO, 0x1008, 4, 0);
    io_write(fx, IOREQ_TYPE_COPY, 0xfe001000, 4, 0);
    g_assert_cmpuint(a->log->len + m->log->len, ==, 0);
    assert_logged(fx, "port read of 1 bytes at 0x1000: no handler");

    /* Their ports and pages are free: overlapping newcomers fit and own them. */
    TReg *b = treg_add(fx, "b", XPT_RANGE_PORT, 0x1008, 0x10);
    TReg *n = treg_add(fx, "n", XPT_RANGE_MEMORY, 0xfe001000, 0x1000);
    b->next_read = 1;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x100f, 1), ==, 1);
    assert_access(b->log, 0, false, 7, 1, 1);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1000, 1), ==, 0xff);
    n->next_read = 2;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe001ffc, 4), ==, 2);
    assert_access(n->log, 0, false, 0xffc, 4, 2);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe000000, 4), ==, 0xffffffffu);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe002000, 4), ==, 0xffffffffu);

    /* And the original regions come back once the newcomers leave. */
    xpt_dispatcher_del_region(fx->d, &b->r);
    xpt_dispatcher_del_region(fx->d, &n->r);
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_dispatcher_add_region(fx->d, &a->r, &err));
    g_assert_true(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_no_error(err);
    a->next_read = 3;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_PIO, 0x1000, 1), ==, 3);
    m->next_read = 4;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe002ffc, 4), ==, 4);
    assert_access(m->log, 0, false, 0x2ffc, 4, 4);
}

static void test_region_unclaim_fails(Fx *fx, gconstpointer data)
{
    TReg *m = treg_add(fx, "m", XPT_RANGE_MEMORY, 0xfe000000, 0x1000);
    g_autoptr(GError) err = NULL;

    fx->fh.unclaim_errno = ENOENT;
    xpt_dispatcher_del_region(fx->d, &m->r);
    assert_logged(fx, "warning: m: xendevicemodel_unmap_io_range_from_ioreq_server(mmio "
                      "0xfe000000-0xfe000fff) failed");
    /* Unregistered and unrouted all the same; it can be added again. */
    g_assert_false(m->r.registered);
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe000000, 4), ==, 0xffffffffu);
    g_assert_true(xpt_dispatcher_add_region(fx->d, &m->r, &err));
    g_assert_no_error(err);
    m->next_read = 5;
    g_assert_cmphex(io_read(fx, IOREQ_TYPE_COPY, 0xfe000000, 4), ==, 5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/ioreq/" path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("pio/sizes", test_pio_sizes);
    ADD("pio/unregistered", test_pio_unregistered);
    ADD("pio/boundaries", test_pio_boundaries);
    ADD("pio/bad-size", test_pio_bad_size);
    ADD("mmio/sizes", test_mmio_sizes);
    ADD("mmio/multi-page", test_mmio_multi_page);
    ADD("mmio/sub-page", test_mmio_sub_page);
    ADD("mmio/unregistered", test_mmio_unregistered);
    ADD("mmio/boundaries", test_mmio_boundaries);
    ADD("mmio/bad-size", test_mmio_bad_size);
    ADD("rep/pio-ptr", test_rep_pio_ptr);
    ADD("rep/mmio-ptr", test_rep_mmio_ptr);
    ADD("rep/no-ptr", test_rep_no_ptr);
    ADD("rep/count-bounds", test_rep_count_bounds);
    ADD("rep/addr-wrap", test_rep_addr_wrap);
    ADD("rep/ptr-wrap", test_rep_ptr_wrap);
    ADD("rep/guest-fault", test_rep_guest_fault);
    ADD("pci-config/decode", test_pci_config_decode);
    ADD("pci-config/sizes", test_pci_config_sizes);
    ADD("pci-config/extended", test_pci_config_extended);
    ADD("pci-config/bad", test_pci_config_bad);
    ADD("invalidate", test_invalidate);
    ADD("timeoffset", test_timeoffset);
    ADD("bad-type", test_bad_type);
    ADD("first-io-hook", test_first_io_hook);
    ADD("region/claims", test_region_claims);
    ADD("region/overlap", test_region_overlap);
    ADD("region/same-page", test_region_same_page);
    ADD("region/invalid", test_region_invalid);
    ADD("region/claim-fails", test_region_claim_fails);
    ADD("region/del-readd", test_region_del_readd);
    ADD("region/unclaim-fails", test_region_unclaim_fails);
#undef ADD
    return g_test_run();
}
