/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fixture of the ioreq dispatcher's tests: tests/ioreq-fixture.h. */
#include "tests/ioreq-fixture.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/log.h"

G_STATIC_ASSERT(sizeof(ioreq_t) == 32);     /* the ABI of xen/hvm/ioreq.h */

/* All-ones of @size bytes (size ≥ 8: 64 bits). */
uint64_t fx_ones(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* ---- recording hypervisor ----------------------------------------------------------- */

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

/* Byte i of a config read is (offset + i); garbage above @len that the bus must mask. */
uint32_t fx_cfg_pattern(unsigned offset, unsigned len)
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
    uint32_t v = fx_cfg_pattern(offset, len);
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
char *fx_log_take(Fx *fx)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(fx->log_path, &text, NULL, NULL));
    g_assert_cmpint(truncate(fx->log_path, 0), ==, 0);
    fake_now_us += 10 * G_USEC_PER_SEC;
    return text;
}

void fx_assert_logged(Fx *fx, const char *needle)
{
    g_autofree char *text = fx_log_take(fx);

    if (!strstr(text, needle)) {
        g_test_message("expected \"%s\" in the log:\n%s", needle, text);
    }
    g_assert_nonnull(strstr(text, needle));
}

void fx_assert_quiet(Fx *fx)
{
    g_autofree char *text = fx_log_take(fx);

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

void fx_setup(Fx *fx, gconstpointer data)
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
    g_free(fx_log_take(fx));
}

void fx_teardown(Fx *fx, gconstpointer data)
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
TReg *fx_treg_new(Fx *fx, const char *name, XptRangeType type, uint64_t base,
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
TReg *fx_treg_add(Fx *fx, const char *name, XptRangeType type, uint64_t base,
                  uint64_t size)
{
    g_autoptr(GError) err = NULL;
    TReg *t = fx_treg_new(fx, name, type, base, size);

    g_assert_true(xpt_dispatcher_add_region(fx->d, &t->r, &err));
    g_assert_no_error(err);
    g_assert_true(t->r.registered);
    return t;
}

void fx_assert_access(GArray *log, guint i, bool write, uint64_t offset, unsigned size,
                      uint64_t val)
{
    g_assert_cmpuint(i, <, log->len);
    Access *a = &g_array_index(log, Access, i);
    g_assert_cmpint(a->write, ==, write);
    g_assert_cmphex(a->offset, ==, offset);
    g_assert_cmpuint(a->size, ==, size);
    g_assert_cmphex(a->val, ==, val);
}

const Claim *fx_claim_at(Fx *fx, guint i)
{
    g_assert_cmpuint(i, <, fx->fh.claims->len);
    return &g_array_index(fx->fh.claims, Claim, i);
}

void fx_assert_claim(Fx *fx, guint i, bool add, XptRangeType type, uint64_t start,
                     uint64_t end)
{
    const Claim *c = fx_claim_at(fx, i);
    g_assert_cmpint(c->add, ==, add);
    g_assert_cmpint(c->type, ==, type);
    g_assert_cmphex(c->start, ==, start);
    g_assert_cmphex(c->end, ==, end);
}

uint64_t fx_ram_get(Fx *fx, uint64_t gpa, unsigned size)
{
    uint64_t v = 0;

    g_assert_cmpuint(gpa, >=, RAM_BASE);
    g_assert_cmpuint(gpa + size, <=, RAM_BASE + RAM_SIZE);
    memcpy(&v, fx->fh.ram + (gpa - RAM_BASE), size);     /* x86: little-endian */
    return v;
}

void fx_ram_put(Fx *fx, uint64_t gpa, unsigned size, uint64_t v)
{
    g_assert_cmpuint(gpa, >=, RAM_BASE);
    g_assert_cmpuint(gpa + size, <=, RAM_BASE + RAM_SIZE);
    memcpy(fx->fh.ram + (gpa - RAM_BASE), &v, size);
}

/* ---- requests ------------------------------------------------------------------------- */

/* A request as Xen hands it over: count 1, state INPROCESS (the DM set it), an event port. */
ioreq_t fx_mkreq(uint8_t type, uint8_t dir, uint64_t addr, uint32_t size, uint64_t data)
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

ioreq_t fx_mkrep(uint8_t type, uint8_t dir, uint64_t addr, uint32_t size, uint32_t count,
                 bool df, bool ptr, uint64_t data)
{
    ioreq_t r = fx_mkreq(type, dir, addr, size, data);

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
void fx_dispatch(Fx *fx, ioreq_t *req)
{
    ioreq_t before = *req;

    xpt_dispatch(fx->d, req);
    if (before.dir == IOREQ_READ && !before.data_is_ptr) {
        before.data = req->data;
    }
    g_assert_cmpmem(&before, sizeof(before), req, sizeof(*req));
}

uint64_t fx_io_read(Fx *fx, uint8_t type, uint64_t addr, uint32_t size)
{
    ioreq_t req = fx_mkreq(type, IOREQ_READ, addr, size, SENTINEL);

    fx_dispatch(fx, &req);
    return req.data;
}

void fx_io_write(Fx *fx, uint8_t type, uint64_t addr, uint32_t size, uint64_t val)
{
    ioreq_t req = fx_mkreq(type, IOREQ_WRITE, addr, size, val);

    fx_dispatch(fx, &req);
}

/* PCI_CONFIG address as Xen builds it: SBDF in bits 63:32, register in bits 31:0. */
uint64_t fx_cfg_addr(unsigned seg, unsigned bus, uint8_t devfn, uint32_t reg)
{
    return (uint64_t)XEN_DMOP_PCI_SBDF(seg, bus, XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn))
               << 32 | reg;
}
