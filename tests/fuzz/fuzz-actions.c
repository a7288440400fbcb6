/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest's side of the libFuzzer harness (tests/fuzz/fuzz-int.h): port, config and
 * MMIO accesses through the sim's qtest backend, BAR placement (by hand and as hvmloader
 * does), MSI and MSI-X as a driver programs them, and device_add of the fixtures.
 */
#include "tests/fuzz/fuzz-int.h"

/* ---- guest actions ------------------------------------------------------------------------ */

uint32_t fz_pio_read(uint16_t port, unsigned size)
{
    return fz_run->be->pio_read(fz_run->sim, port, size);
}

void fz_pio_write(uint16_t port, unsigned size, uint32_t val)
{
    fz_run->be->pio_write(fz_run->sim, port, size, val);
}

uint32_t fz_cfg_read(uint8_t devfn, unsigned off, unsigned size)
{
    fz_pio_write(0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (off & 0xFC));
    return fz_pio_read((uint16_t)(0xCFC + (off & 3)), size);
}

void fz_cfg_write(uint8_t devfn, unsigned off, unsigned size, uint32_t val)
{
    fz_pio_write(0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (off & 0xFC));
    fz_pio_write((uint16_t)(0xCFC + (off & 3)), size, val);
}

unsigned fz_width_124(uint8_t b)
{
    static const unsigned w[4] = { 1, 2, 4, 4 };
    return w[b & 3];
}

/* An attached device chosen by @sel, or NULL. */
FuzzDev *fz_pick_dev(uint8_t sel)
{
    return fz_run->devs->len ? g_ptr_array_index(fz_run->devs, sel % fz_run->devs->len) : NULL;
}

/* A config target: sel < 0xF0 an attached device, else a fixed devfn (chipset, empty). */
uint8_t fz_pick_devfn(uint8_t sel)
{
    static const uint8_t fixed[16] = { 0x00, 0x08, 0x0B, 0x09, 0x10, 0x18, 0x20, 0x28,
                                       0x30, 0x38, 0x11, 0x80, 0xF8, 0xFF, 0x0C, 0x01 };
    FuzzDev *f = sel < 0xF0 ? fz_pick_dev(sel) : NULL;
    return f ? f->d->pci.devfn : fixed[sel & 0x0F];
}

/* Guest address of BAR @bar of @f (0 if it has none). */
static uint64_t bar_addr(FuzzDev *f, unsigned bar, uint64_t *size)
{
    uint64_t addr = 0;
    bool io, decode;
    *size = 0;
    if (!f || !fz_guest_bar(f, bar, &addr, size, &io, &decode)) {
        return 0;
    }
    return addr;
}

/* An MMIO target address. */
uint64_t fz_pick_target(Reader *r)
{
    static const uint64_t bases[8] = {
        0xE0000000ull, 0xF0000000ull, 0xF1000000ull, 0xFEC00000ull,
        0x100000000ull, 0x0ull, RAM_BYTES - 0x1000, 0xFFFFFFFFFFFFF000ull,
    };
    uint8_t mode = fz_rd8(r);
    FuzzDev *f = fz_pick_dev(fz_rd8(r));
    uint64_t size;
    switch (mode & 3) {
    case 0: {                                   /* BAR-relative */
        unsigned bar = fz_rd8(r) % 7;
        uint64_t base = bar_addr(f, bar, &size);
        return base + fz_rd32(r) % (size + 0x1000);
    }
    case 1: {                                   /* the MSI-X table */
        if (!f || !f->fx->msix_cap) {
            return fz_rd32(r);
        }
        uint64_t base = bar_addr(f, f->fx->msix_bir, &size);
        uint16_t entry = fz_rd16(r) % (f->fx->msix_entries + 4);
        return base + f->fx->msix_table_off + entry * 16u + fz_rd8(r) % 16;
    }
    case 2:
        return bases[(mode >> 2) & 7] + (fz_rd32(r) & 0xFFFFF);
    default:
        return fz_rd64(r);
    }
}

/* A port: the config ports, ACPI blocks, a device's I/O BAR, or any. */
uint16_t fz_pick_port(Reader *r)
{
    uint8_t mode = fz_rd8(r), k = fz_rd8(r);
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
        FuzzDev *f = fz_pick_dev(k);
        for (unsigned i = 0; f && i < 6; i++) {
            uint64_t size, a = bar_addr(f, i, &size);
            if (size && (f->fx->bars[i].flags & XPT_HOST_REGION_IO)) {
                return (uint16_t)(a + fz_rd8(r) % (size + 4));
            }
        }
        return (uint16_t)(0xC000 + k);
    }
    default:
        return (uint16_t)(k | fz_rd8(r) << 8);
    }
}

/* Write BAR register(s) @off with a 32-bit value @v as 1, 2 or 4-byte accesses. */
static void bar_reg_write(uint8_t devfn, unsigned off, uint32_t v, bool split)
{
    if (!split) {
        fz_cfg_write(devfn, off, 4, v);
        return;
    }
    for (unsigned i = 0; i < 4; i++) {
        fz_cfg_write(devfn, off + i, 1, (v >> (8 * i)) & 0xFF);
    }
}

uint64_t fz_pick_bar_address(Reader *r, bool io)
{
    static const uint64_t mem[12] = {
        0xE0000000ull, 0xE1000000ull, 0xF0000000ull, 0xF1000000ull, 0xFE000000ull,
        0x80000000ull, 0xC0000000ull, 0x100000000ull, 0x8000000000ull, 0,
        0xFFFFF000ull, 0x1000ull,
    };
    static const uint64_t ports[6] = { 0xC000, 0xC100, 0xD000, 0xE000, 0xFF00, 0 };
    uint8_t k = fz_rd8(r);
    if (io) {
        return k < 0xF0 ? ports[k % 6] : fz_rd16(r);
    }
    if (k >= 0xF8) {
        return fz_rd64(r);
    }
    return k >= 0xF0 ? fz_rd32(r) : mem[k % 12];
}

/* Place BAR @bar of @f at @addr the way @how says (see FUZZ_OP_BAR_PLACE). */
void fz_place_bar(FuzzDev *f, unsigned bar, uint64_t addr, uint8_t how)
{
    uint8_t devfn = f->d->pci.devfn;
    uint16_t cmd = (uint16_t)fz_cfg_read(devfn, 0x04, 2);
    bool split = how & 0x08;
    if (how & 0x01) {
        fz_cfg_write(devfn, 0x04, 2, cmd & ~3u);        /* decode off while moving */
    }
    if (bar == XPT_PT_ROM_INDEX) {
        if (how & 0x02) {
            bar_reg_write(devfn, 0x30, 0xFFFFF800u, split);
            fz_cfg_read(devfn, 0x30, 4);
        }
        bar_reg_write(devfn, 0x30, (uint32_t)addr | ((how & 0x20) ? 0 : 1), split);
    } else {
        unsigned off = XPT_PCI_BAR0 + 4 * bar;
        bool mem64 = (f->fx->bars[bar].flags & XPT_HOST_REGION_MEM64) && bar < 5;
        if (how & 0x02) {                               /* sizing probe */
            bar_reg_write(devfn, off, 0xFFFFFFFFu, split);
            fz_cfg_read(devfn, off, 4);
            if (mem64) {
                bar_reg_write(devfn, off + 4, 0xFFFFFFFFu, split);
                fz_cfg_read(devfn, off + 4, 4);
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
        fz_cfg_write(devfn, 0x04, 2, cmd);
    }
    if (how & 0x10) {
        fz_cfg_write(devfn, 0x04, 2, cmd | 0x7);
    }
}

/* hvmloader-like placement of every BAR of @f in a window of its slot; decode on. */
void fz_firmware(FuzzDev *f, uint8_t flags)
{
    unsigned slot = XPT_PCI_SLOT(f->d->pci.devfn);
    uint64_t mem = 0xE0000000ull + slot * 0x00800000ull;
    uint64_t high = 0x100000000ull + slot * 0x10000000ull;
    uint32_t io = 0xC000 + slot * 0x100;
    uint8_t devfn = f->d->pci.devfn;
    fz_cfg_write(devfn, 0x04, 2, 0);
    for (unsigned i = 0; i < 7; i++) {
        uint64_t addr, size;
        bool is_io, decode;
        if (!fz_guest_bar(f, i, &addr, &size, &is_io, &decode)) {
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
        fz_place_bar(f, i, addr, 0);
    }
    fz_cfg_write(devfn, 0x3C, 1, 0x0A);
    fz_cfg_write(devfn, 0x04, 2, (flags & 0x02) ? 0x0003 : 0x0007);
}

static uint32_t msi_address(uint8_t dest, uint8_t flags)
{
    return 0xFEE00000u | (uint32_t)dest << 12 | (flags & 0x0C);
}

static uint32_t msi_data(uint8_t vec, uint8_t flags)
{
    return vec | (uint32_t)(flags & 0x07) << 8 | ((flags & 0x80) ? 0x8000 : 0);
}

void fz_msix_op(FuzzDev *f, uint16_t entry_sel, uint8_t steps, uint8_t vec, uint8_t dest)
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
        fz_cfg_write(devfn, ctrl, 2, 0xC000);           /* enable, function masked */
    }
    if (steps & 0x02) {
        uint32_t a = msi_address(dest, vec >> 4);
        if (steps & 0x40) {
            fz_run->be->mmio_write(fz_run->sim, entry, 8, a);
        } else {
            fz_run->be->mmio_write(fz_run->sim, entry, 4, a);
            fz_run->be->mmio_write(fz_run->sim, entry + 4, 4, 0);
        }
        fz_run->be->mmio_write(fz_run->sim, entry + 8, 4, msi_data(vec, dest));
    }
    if (steps & 0x04) {
        fz_run->be->mmio_write(fz_run->sim, entry + 12, 4, 0);     /* unmask */
    }
    if (steps & 0x08) {
        fz_cfg_write(devfn, ctrl, 2, 0x8000);           /* function mask off */
    }
    if (steps & 0x80) {
        fz_run->be->mmio_write(fz_run->sim, entry + 8, 4,
                               msi_data(vec ^ 0x55, dest));  /* latched */
        fz_run->be->mmio_write(fz_run->sim, entry + 12, 4, 1);
        fz_run->be->mmio_write(fz_run->sim, entry + 12, 4, 0);
    }
    if (steps & 0x10) {
        fz_run->be->mmio_write(fz_run->sim, entry + 12, 4, 1);     /* mask */
    }
    if (steps & 0x20) {
        fz_cfg_write(devfn, ctrl, 2, 0);                /* disable */
    }
}

void fz_msi_op(FuzzDev *f, uint8_t steps, uint8_t vec, uint8_t dest)
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
        fz_cfg_write(devfn, cap + 4, 4, msi_address(dest, vec >> 4));
    }
    if ((steps & 0x02) && is64) {
        fz_cfg_write(devfn, cap + 8, 4, (steps & 0x40) ? 0x100u * dest : 0);
    }
    if (steps & 0x04) {
        fz_cfg_write(devfn, data_off, 2, (steps & 0x40) ? 0 : msi_data(vec, dest));
    }
    if (steps & 0x08) {
        uint16_t c = (uint16_t)fz_cfg_read(devfn, cap + 2, 2);
        fz_cfg_write(devfn, cap + 2, 2, c | 1);
    }
    if (steps & 0x20) {
        fz_cfg_write(devfn, data_off, 2, msi_data(vec + 1, dest));   /* rebind while on */
    }
    if (steps & 0x10) {
        uint16_t c = (uint16_t)fz_cfg_read(devfn, cap + 2, 2);
        fz_cfg_write(devfn, cap + 2, 2, c & ~1u);
    }
}

void fz_device_add_fx(const FuzzFixture *fx, uint8_t flags, uint8_t slot, uint8_t id)
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
    fz_trace("device_add %s", s->str);
    g_autoptr(GError) err = NULL;
    g_autoptr(XptOpts) opts = xpt_opts_parse(s->str, NULL, &err);
    if (!opts) {
        fz_die("bad device options %s: %s", s->str, err->message);
    }
    uint64_t before = fz_state_signature();
    g_autofree char *before_json = fz_trace_on ? xpt_sim_state_json(fz_run->sim) : NULL;
    FaultSnap snap;
    fz_fault_snap(&snap);
    XptPciDevice *pci = xpt_machine_device_add(fz_run->m, opts, &err);
    uint32_t fired = fz_fault_fired(&snap);
    fz_run->fired |= fired;
    if (pci) {
        fz_track(pci, fx);
        return;
    }
    fz_trace("  -> %s", err->message);
    if (fired & RELEASE_OPS) {
        /* the rollback itself failed: what it could not undo stays (one warning) */
        fz_run->detach_fault = true;
        g_ptr_array_add(fz_run->ghosts, (gpointer)fx);
    } else if (!(fz_run->fired & OPBIT(SIM_OP_UNCLAIM_RANGE)) && !fz_is_ghost(fx) &&
               !fz_ghost_sbdf(fz_fixture_sbdf(fx)) && !fz_ghost_irq(fx->irq) &&
               fz_state_signature() != before) {
        /* (a claim whose release failed earlier is retried by any detach, this one's
         * rollback included, and the host device's own leftovers from an earlier failed
         * detach, a lying copy's on the same host function or GSI included, may be
         * reused and released: then the state may shrink) */
        g_autofree char *state = xpt_sim_state_json(fz_run->sim);
        fz_trace("state before the device_add: %s", before_json);
        fz_oracle_fail("failed device_add (%s) changed the sim's state: now %s", err->message,
                       state);
    }
}

void fz_device_add(uint8_t fxi, uint8_t flags, uint8_t slot, uint8_t id)
{
    fz_device_add_fx(&fz_fixtures[fxi % NR_FIXTURES], flags, slot, id);
}
