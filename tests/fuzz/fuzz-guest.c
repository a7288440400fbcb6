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
#include "tests/fuzz/fuzz-int.h"

uint8_t fz_rd8(Reader *r)
{
    return r->i < r->n ? r->p[r->i++] : 0;
}

uint16_t fz_rd16(Reader *r)
{
    uint16_t lo = fz_rd8(r);
    return (uint16_t)(lo | fz_rd8(r) << 8);
}

uint32_t fz_rd32(Reader *r)
{
    uint32_t lo = fz_rd16(r);
    return lo | (uint32_t)fz_rd16(r) << 16;
}

uint64_t fz_rd64(Reader *r)
{
    uint64_t lo = fz_rd32(r);
    return lo | (uint64_t)fz_rd32(r) << 32;
}

FuzzRun *fz_run;             /* the run in progress (the class hooks need it) */

ORACLE void fz_fault_snap(FaultSnap *s)
{
    for (unsigned i = 0; i < SIM_OP_COUNT; i++) {
        s->count[i] = fz_run->sim->faults[i].count;
    }
}

/* Operations whose pending fault count went down since @s (the fault fired). */
ORACLE uint32_t fz_fault_fired(const FaultSnap *s)
{
    uint32_t f = 0;
    for (unsigned i = 0; i < SIM_OP_COUNT; i++) {
        if (fz_run->sim->faults[i].count < s->count[i]) {
            f |= OPBIT(i);
        }
    }
    return f;
}

void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN fz_oracle_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fz_die("oracle failed after operation %u: %s (rerun with XPT_FUZZ_TRACE=1 to see the "
           "operations)", fz_run ? fz_run->op_index : 0, msg);
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
uint32_t fz_host_value(XptPtDevice *d, unsigned off, unsigned len)
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
bool fz_guest_bar(FuzzDev *f, unsigned i, uint64_t *addr, uint64_t *size, bool *io,
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

FuzzDev *fz_fdev(XptPciDevice *pci)
{
    return (FuzzDev *)pci->klass;
}

static const int fault_errnos[12];

/* Host faults of the attached devices that fired since the last call. */
static bool host_faults_fired(void)
{
    bool fired = false;
    for (guint k = 0; k < fz_run->devs->len; k++) {
        FuzzDev *f = g_ptr_array_index(fz_run->devs, k);
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
        FuzzDev *f = fz_pick_dev(fz_rd8(r));
        bool is_write = fz_rd8(r) & 1;
        int err = fault_errnos[fz_rd8(r) % G_N_ELEMENTS(fault_errnos)];
        unsigned count = fz_rd8(r) % 4;
        if (f) {
            fz_trace("%s: host-fail %s %d x%u", f->d->who, is_write ? "write" : "read", err, count);
            xpt_host_pci_inject_fault(f->d->host, is_write, err, count);
            f->host_armed[is_write] = count;
        }
        break;
    }
    case FUZZ_HOST_GONE: {
        FuzzDev *f = fz_pick_dev(fz_rd8(r));
        bool on = fz_rd8(r) & 1;
        if (f) {
            fz_trace("%s: host-gone %s", f->d->who, on ? "on" : "off");
            xpt_host_pci_set_gone(f->d->host, on);
            fz_run->host_fault |= on;
        }
        break;
    }
    case FUZZ_HOST_LIE: {
        uint8_t fxi = fz_rd8(r), kind = fz_rd8(r), a = fz_rd8(r), b = fz_rd8(r);
        uint32_t v = fz_rd32(r);
        uint8_t flags = fz_rd8(r), slot = fz_rd8(r), id = fz_rd8(r);
        const FuzzFixture *lie = fz_make_lie(&fz_fixtures[fxi % NR_FIXTURES], kind, a, b, v, flags);
        if (lie) {
            fz_trace("lie %u (a %u b %u v 0x%x) about %s as %s", kind % FUZZ_LIE_COUNT, a, b, v,
                     fz_fixtures[fxi % NR_FIXTURES].file, lie->hostaddr);
            fz_device_add_fx(lie, flags & 0x7F, slot, id);
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
    XptSim *sim = fz_run->sim;
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
    q.type = types[fz_rd8(r) % 6];
    if (q.type == IOREQ_TYPE_PIO) {
        q.addr = fz_pick_port(r);
    } else if (q.type == IOREQ_TYPE_PCI_CONFIG) {
        uint8_t devfn = fz_pick_devfn(fz_rd8(r));
        q.addr = (uint64_t)xpt_pci_sbdf(devfn) << 32 | fz_rd8(r);
    } else {
        q.addr = fz_pick_target(r);
    }
    q.size = sizes[fz_rd8(r) & 7];
    uint16_t c = fz_rd16(r);
    q.count = c < 0xF000 ? c % 9 + 1 : c;           /* mostly short reps, sometimes huge */
    uint8_t flags = fz_rd8(r);
    q.df = flags & 1;
    q.data_is_ptr = (flags >> 1) & 1;
    q.dir = (flags >> 2) & 1 ? IOREQ_WRITE : IOREQ_READ;
    uint64_t data = fz_rd64(r);
    q.data = q.data_is_ptr && !(flags & 0x08) ? data % RAM_BYTES : data;
    q.state = STATE_IOREQ_READY;
    fz_trace("ioreq type %u addr 0x%" G_GINT64_MODIFIER "x size %u count %u df %u ptr %u dir %u",
             q.type, q.addr, q.size, q.count, q.df, q.data_is_ptr, q.dir);
    if (ioreq_claimed(&q)) {
        xpt_dispatch(fz_run->m->disp, &q);
    }
}

/* Run one operation; false when it only read (no state of the device model can change). */
static bool run_op(Reader *r, bool host_ops)
{
    uint8_t op = fz_rd8(r) % (host_ops ? FUZZ_OP_COUNT + FUZZ_HOST_OP_COUNT : FUZZ_OP_COUNT);
    if (op >= FUZZ_OP_COUNT) {
        host_op(r, (FuzzHostOp)(op - FUZZ_OP_COUNT));
        return true;
    }
    bool writes = true;
    switch ((FuzzOp)op) {
    case FUZZ_OP_CFG_READ: {
        uint8_t devfn = fz_pick_devfn(fz_rd8(r));
        uint8_t off = fz_rd8(r);
        unsigned w = fz_width_124(fz_rd8(r));
        fz_trace("cfg read %02x.%x [0x%02x]/%u", XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn), off, w);
        fz_cfg_read(devfn, off, w);
        writes = false;
        break;
    }
    case FUZZ_OP_CFG_WRITE: {
        uint8_t devfn = fz_pick_devfn(fz_rd8(r));
        uint8_t off = fz_rd8(r);
        unsigned w = fz_width_124(fz_rd8(r));
        uint32_t v = fz_rd32(r);
        fz_trace("cfg write %02x.%x [0x%02x]/%u = 0x%x", XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn),
                 off, w, v);
        fz_cfg_write(devfn, off, w, v);
        break;
    }
    case FUZZ_OP_PIO_READ: {
        uint16_t port = fz_pick_port(r);
        unsigned w = fz_width_124(fz_rd8(r));
        fz_trace("in 0x%x/%u", port, w);
        fz_pio_read(port, w);
        writes = false;
        break;
    }
    case FUZZ_OP_PIO_WRITE: {
        uint16_t port = fz_pick_port(r);
        unsigned w = fz_width_124(fz_rd8(r));
        uint32_t v = fz_rd32(r);
        fz_trace("out 0x%x/%u = 0x%x", port, w, v);
        fz_pio_write(port, w, v);
        break;
    }
    case FUZZ_OP_MMIO_READ: {
        uint64_t a = fz_pick_target(r);
        unsigned w = 1u << (fz_rd8(r) & 3);
        fz_trace("read 0x%" G_GINT64_MODIFIER "x/%u", a, w);
        fz_run->be->mmio_read(fz_run->sim, a, w);
        writes = false;
        break;
    }
    case FUZZ_OP_MMIO_WRITE: {
        uint64_t a = fz_pick_target(r);
        unsigned w = 1u << (fz_rd8(r) & 3);
        uint64_t v = fz_rd64(r);
        fz_trace("write 0x%" G_GINT64_MODIFIER "x/%u = 0x%" G_GINT64_MODIFIER "x", a, w, v);
        fz_run->be->mmio_write(fz_run->sim, a, w, v);
        break;
    }
    case FUZZ_OP_MEM_BULK: {
        uint64_t a = fz_pick_target(r);
        unsigned len = fz_rd8(r) % 64 + 1;
        uint8_t how = fz_rd8(r);
        uint8_t buf[64];
        fz_trace("mem %s 0x%" G_GINT64_MODIFIER "x+%u", (how & 1) ? "write" : "read", a, len);
        if (how & 1) {
            memset(buf, how, sizeof(buf));
            fz_run->be->mem_write(fz_run->sim, a, buf, len);
        } else {
            fz_run->be->mem_read(fz_run->sim, a, buf, len);
            writes = false;
        }
        break;
    }
    case FUZZ_OP_BAR_PLACE: {
        FuzzDev *f = fz_pick_dev(fz_rd8(r));
        unsigned bar = fz_rd8(r) % 7;
        bool io = f && bar < 6 && (f->fx->bars[bar].flags & XPT_HOST_REGION_IO);
        uint64_t addr = fz_pick_bar_address(r, io);
        uint8_t how = fz_rd8(r);
        if (f) {
            fz_trace("%s: BAR %u to 0x%" G_GINT64_MODIFIER "x how 0x%x", f->d->who, bar, addr, how);
            fz_place_bar(f, bar, addr, how);
        }
        break;
    }
    case FUZZ_OP_FIRMWARE: {
        FuzzDev *f = fz_pick_dev(fz_rd8(r));
        uint8_t flags = fz_rd8(r);
        if (f) {
            fz_trace("%s: firmware placement 0x%x", f->d->who, flags);
            fz_firmware(f, flags);
        }
        break;
    }
    case FUZZ_OP_MSIX: {
        FuzzDev *f = fz_pick_dev(fz_rd8(r));
        uint16_t entry = fz_rd16(r);
        uint8_t steps = fz_rd8(r), vec = fz_rd8(r), dest = fz_rd8(r);
        if (f) {
            fz_trace("%s: MSI-X entry %u steps 0x%x vec 0x%x dest 0x%x", f->d->who, entry, steps,
                     vec, dest);
            fz_msix_op(f, entry, steps, vec, dest);
        }
        break;
    }
    case FUZZ_OP_MSI: {
        FuzzDev *f = fz_pick_dev(fz_rd8(r));
        uint8_t steps = fz_rd8(r), vec = fz_rd8(r), dest = fz_rd8(r);
        if (f) {
            fz_trace("%s: MSI steps 0x%x vec 0x%x dest 0x%x", f->d->who, steps, vec, dest);
            fz_msi_op(f, steps, vec, dest);
        }
        break;
    }
    case FUZZ_OP_DEVICE_ADD: {
        uint8_t fxi = fz_rd8(r), flags = fz_rd8(r), slot = fz_rd8(r), id = fz_rd8(r);
        fz_device_add(fxi, flags, slot, id);
        break;
    }
    case FUZZ_OP_UNPLUG: {
        FuzzDev *f = fz_pick_dev(fz_rd8(r));
        if (f) {
            fz_trace("device_del %s", f->d->who);
            xpt_machine_device_unplug(fz_run->m, &f->d->pci, NULL);
        }
        break;
    }
    case FUZZ_OP_EJECT: {
        uint8_t mode = fz_rd8(r);
        uint32_t v;
        if (mode & 1) {
            v = fz_rd32(r);
        } else {
            FuzzDev *f = fz_pick_dev(fz_rd8(r));
            v = f ? 1u << XPT_PCI_SLOT(f->d->pci.devfn) : 1u << (mode >> 3);
        }
        unsigned w = (mode & 2) ? 1 : 4;
        fz_trace("eject 0x%x/%u", v, w);
        fz_pio_write(XPT_ACPI_PCIHP_PORT + 8 + ((mode & 2) ? (mode >> 2) & 3 : 0), w, v);
        break;
    }
    case FUZZ_OP_FAULT: {
        const char *name = fault_ops[fz_rd8(r) % G_N_ELEMENTS(fault_ops)];
        int err = fault_errnos[fz_rd8(r) % G_N_ELEMENTS(fault_errnos)];
        unsigned count = fz_rd8(r) % 4;
        fz_trace("fail %s %d x%u", name, err, count);
        if (!xpt_sim_inject_fault(fz_run->sim, name, err, count, NULL)) {
            fz_die("cannot inject %s", name);
        }
        break;
    }
    case FUZZ_OP_COMMAND: {
        uint8_t devfn = fz_pick_devfn(fz_rd8(r));
        uint16_t v = fz_rd16(r);
        fz_trace("command %02x.%x = 0x%x", XPT_PCI_SLOT(devfn), XPT_PCI_FUNC(devfn), v);
        fz_cfg_write(devfn, 0x04, 2, v);
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
    fz_init_once();
    Reader rd = { .p = data, .n = size };
    FuzzRun fr = { .be = xpt_sim_qtest_backend(), .devs = g_ptr_array_new(),
                   .ghosts = g_ptr_array_new(),
                   .lies = g_ptr_array_new_with_free_func(fz_free_lie) };
    for (unsigned i = 0; i < G_N_ELEMENTS(fr.spans); i++) {
        fr.spans[i] = g_array_new(FALSE, FALSE, sizeof(Span));
    }
    fz_run = &fr;

    fr.sim = xpt_sim_new(RAM_BYTES);
    XptMachineOptions mo = { .ram_bytes = RAM_BYTES, .vcpus = 1, .host_shadow = true };
    if (!xpt_machine_parse_slots("6-7", &mo.hotplug_slots, NULL)) {
        fz_die("hotplug-slots");
    }
    g_autoptr(GError) err = NULL;
    fr.m = xpt_machine_new(xpt_sim_hv(fr.sim), &mo, &err);
    if (!fr.m) {
        fz_die("machine: %s", err->message);
    }
    xpt_sim_set_dispatcher(fr.sim, fr.m->disp);

    uint8_t cold = fz_rd8(&rd);
    for (unsigned i = 0; i < NR_FIXTURES; i++) {
        if (cold & (1u << i)) {
            uint8_t flags = (cold >> (FUZZ_COLD_PERMISSIVE_SHIFT + i)) & 1;
            flags |= (cold & FUZZ_COLD_NO_ROMBAR) ? 0x02 : 0;
            fz_device_add((uint8_t)i, flags, 0, 0);
        }
    }
    fz_check_all();

    for (fr.op_index = 1; rd.i < rd.n && fr.op_index <= MAX_OPS; fr.op_index++) {
        FaultSnap snap;
        fz_fault_snap(&snap);
        bool writes = run_op(&rd, cold & FUZZ_COLD_HOST_OPS);
        fr.fired |= fz_fault_fired(&snap);
        fr.host_fault |= host_faults_fired();
        if (writes) {
            fz_check_all();
        } else {
            for (guint k = 0; k < fr.devs->len; k++) {
                fz_check_policy(g_ptr_array_index(fr.devs, k));   /* reads write nothing */
            }
        }
    }

    if (fz_trace_on) {
        g_autofree char *state = xpt_sim_state_json(fr.sim);
        fz_trace("end state %s", state);
    }
    /* Teardown: no fault may hit the detach itself. */
    for (unsigned i = 0; i < G_N_ELEMENTS(fault_ops); i++) {
        xpt_sim_inject_fault(fr.sim, fault_ops[i], EPERM, 0, NULL);
    }
    fz_check_all();
    xpt_machine_free(fr.m);
    fr.m = NULL;
    g_auto(GStrv) leaks = xpt_sim_leak_report(fr.sim);
    if (leaks[0] && !fr.detach_fault) {
        fz_oracle_fail("%u leak(s) after the machine was freed, first: %s",
                       g_strv_length(leaks), leaks[0]);
    }
    xpt_sim_free(fr.sim);
    g_ptr_array_free(fr.devs, TRUE);
    g_ptr_array_free(fr.ghosts, TRUE);
    g_ptr_array_free(fr.lies, TRUE);
    for (unsigned i = 0; i < G_N_ELEMENTS(fr.spans); i++) {
        g_array_free(fr.spans[i], TRUE);
    }
    fz_run = NULL;
    return 0;
}
