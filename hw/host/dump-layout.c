/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Region size upper bounds from an lspci dump's layout; see hw/host/dump-layout.h. */
#include "hw/host/dump-layout.h"

#include <string.h>

#include "hw/host/host-libpci.h"
#include "util/error.h"

#define LAYOUT_HEADER_BYTES 64
#define LAYOUT_IO_BAR_MAX 256ull              /* PCI LB 3.0 §6.2.5.1 */
#define LAYOUT_MEM_MIN 16ull
#define LAYOUT_IO_MIN 4ull
#define LAYOUT_ROM_MIN 2048ull                /* PCI LB 3.0 §6.2.5.2 */

enum { WIN_IO, WIN_MEM, WIN_PREF, WIN_COUNT };

/* One BAR or the ROM as the dump's config space gives it. */
typedef struct LayoutRegion {
    bool present;       /* register not 0 */
    bool upper;         /* upper dword of a 64-bit BAR */
    bool io, prefetch;
    uint64_t base;      /* host address or port, flag bits stripped; 0 = unassigned */
} LayoutRegion;

/* A bridge window: host addresses [start, end], both inclusive. */
typedef struct LayoutWindow {
    bool enabled;
    uint64_t start, end;
} LayoutWindow;

typedef struct LayoutDev {
    unsigned domain, bus, devfn;
    LayoutRegion regions[XPT_DUMP_LAYOUT_ROM + 1];
    bool bridge;        /* type 1 */
    bool subtractive;   /* class 0604, programming interface 01 */
    unsigned secondary, subordinate;
    LayoutWindow win[WIN_COUNT];
} LayoutDev;

struct XptDumpLayout {
    GArray *devs;       /* LayoutDev */
};

static uint32_t cfg_le(const uint8_t *cfg, unsigned off, unsigned len)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < len; i++) {
        v |= (uint32_t)cfg[off + i] << (8 * i);
    }
    return v;
}

/* BARs 0..@nbars-1 at 0x10 (PCI LB 3.0 §6.2.5.1). */
static void decode_bars(LayoutDev *ld, const uint8_t *cfg, unsigned nbars)
{
    for (unsigned i = 0; i < nbars; i++) {
        uint32_t raw = cfg_le(cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4);
        LayoutRegion *r = &ld->regions[i];

        if (!raw || raw == 0xffffffffu) {
            continue;
        }
        r->present = true;
        if (raw & PCI_BASE_ADDRESS_SPACE_IO) {
            r->io = true;
            r->base = raw & PCI_BASE_ADDRESS_IO_MASK;
            continue;
        }
        r->prefetch = raw & PCI_BASE_ADDRESS_MEM_PREFETCH;
        r->base = raw & PCI_BASE_ADDRESS_MEM_MASK;
        if ((raw & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64 &&
            i + 1 < nbars) {
            r->base |= (uint64_t)cfg_le(cfg, PCI_BASE_ADDRESS_0 + 4 * (i + 1), 4) << 32;
            ld->regions[i + 1].upper = true;
            i++;
        }
    }
}

static void decode_rom(LayoutDev *ld, const uint8_t *cfg, unsigned off)
{
    uint32_t raw = cfg_le(cfg, off, 4);
    LayoutRegion *r = &ld->regions[XPT_DUMP_LAYOUT_ROM];

    if (raw && raw != 0xffffffffu) {
        r->present = true;
        r->base = raw & PCI_ROM_ADDRESS_MASK;
    }
}

/* Type-1 windows (PCI-to-PCI Bridge Architecture 1.2 §3.2.5.6, 3.2.5.8, 3.2.5.9). */
static void decode_windows(LayoutDev *ld, const uint8_t *cfg)
{
    uint32_t io_base = cfg[PCI_IO_BASE], io_limit = cfg[PCI_IO_LIMIT];
    LayoutWindow *w = &ld->win[WIN_IO];
    w->start = (uint64_t)(io_base & PCI_IO_RANGE_MASK) << 8;
    w->end = ((uint64_t)(io_limit & PCI_IO_RANGE_MASK) << 8) | 0xfff;
    if ((io_base & PCI_IO_RANGE_TYPE_MASK) == PCI_IO_RANGE_TYPE_32) {
        w->start |= (uint64_t)cfg_le(cfg, PCI_IO_BASE_UPPER16, 2) << 16;
        w->end |= (uint64_t)cfg_le(cfg, PCI_IO_LIMIT_UPPER16, 2) << 16;
    }

    uint32_t mem_base = cfg_le(cfg, PCI_MEMORY_BASE, 2);
    uint32_t mem_limit = cfg_le(cfg, PCI_MEMORY_LIMIT, 2);
    w = &ld->win[WIN_MEM];
    w->start = (uint64_t)(mem_base & PCI_MEMORY_RANGE_MASK) << 16;
    w->end = ((uint64_t)(mem_limit & PCI_MEMORY_RANGE_MASK) << 16) | 0xfffff;

    uint32_t pref_base = cfg_le(cfg, PCI_PREF_MEMORY_BASE, 2);
    uint32_t pref_limit = cfg_le(cfg, PCI_PREF_MEMORY_LIMIT, 2);
    w = &ld->win[WIN_PREF];
    w->start = (uint64_t)(pref_base & PCI_PREF_RANGE_MASK) << 16;
    w->end = ((uint64_t)(pref_limit & PCI_PREF_RANGE_MASK) << 16) | 0xfffff;
    if ((pref_base & PCI_PREF_RANGE_TYPE_MASK) == PCI_PREF_RANGE_TYPE_64) {
        w->start |= (uint64_t)cfg_le(cfg, PCI_PREF_BASE_UPPER32, 4) << 32;
        w->end |= (uint64_t)cfg_le(cfg, PCI_PREF_LIMIT_UPPER32, 4) << 32;
    }

    for (unsigned i = 0; i < WIN_COUNT; i++) {
        ld->win[i].enabled = ld->win[i].start <= ld->win[i].end;
    }
}

static void decode_dev(LayoutDev *ld, const uint8_t *cfg)
{
    switch (cfg[PCI_HEADER_TYPE] & 0x7f) {
    case PCI_HEADER_TYPE_NORMAL:
        decode_bars(ld, cfg, 6);
        decode_rom(ld, cfg, PCI_ROM_ADDRESS);
        break;
    case PCI_HEADER_TYPE_BRIDGE:
        decode_bars(ld, cfg, 2);
        decode_rom(ld, cfg, PCI_ROM_ADDRESS1);
        ld->bridge = true;
        ld->subtractive = cfg_le(cfg, PCI_CLASS_DEVICE, 2) == PCI_CLASS_BRIDGE_PCI &&
                          cfg[PCI_CLASS_PROG] == 0x01;
        ld->secondary = cfg[PCI_SECONDARY_BUS];
        ld->subordinate = cfg[PCI_SUBORDINATE_BUS];
        decode_windows(ld, cfg);
        break;
    case PCI_HEADER_TYPE_CARDBUS:
        decode_bars(ld, cfg, 1);
        break;
    default:
        break;
    }
}

XptDumpLayout *xpt_dump_layout_from_access(struct pci_access *acc, const char *file,
                                           GError **errp)
{
    char why[XPT_LIBPCI_MSG_LEN];
    g_autoptr(XptDumpLayout) layout = g_new0(XptDumpLayout, 1);

    layout->devs = g_array_new(FALSE, TRUE, sizeof(LayoutDev));
    for (struct pci_dev *d = acc->devices; d; d = d->next) {
        uint8_t cfg[LAYOUT_HEADER_BYTES];
        LayoutDev ld = { .domain = (unsigned)d->domain, .bus = d->bus,
                         .devfn = (unsigned)(d->dev << 3 | d->func) };

        if (!xpt_libpci_block(d, false, 0, cfg, sizeof(cfg), why)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                        "cannot read the header of %04x:%02x:%02x.%u from dump %s (%s); "
                        "the dump is truncated", ld.domain, ld.bus, ld.devfn >> 3,
                        ld.devfn & 7, file, why);
            return NULL;
        }
        decode_dev(&ld, cfg);
        g_array_append_val(layout->devs, ld);
    }
    return g_steal_pointer(&layout);
}

XptDumpLayout *xpt_dump_layout_load(const char *file, GError **errp)
{
    char why[XPT_LIBPCI_MSG_LEN];
    struct pci_access *acc = xpt_libpci_new(file, NULL, false, file, errp);

    if (!acc) {
        return NULL;
    }
    if (!xpt_libpci_init_scan(acc, why)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "cannot read dump %s (%s); check the host-dump= path", file, why);
        pci_cleanup(acc);
        return NULL;
    }
    XptDumpLayout *layout = xpt_dump_layout_from_access(acc, file, errp);
    pci_cleanup(acc);
    return layout;
}

void xpt_dump_layout_free(XptDumpLayout *layout)
{
    if (!layout) {
        return;
    }
    g_array_free(layout->devs, TRUE);
    g_free(layout);
}

static const LayoutDev *find_dev(const XptDumpLayout *layout, unsigned domain,
                                 unsigned bus, unsigned devfn)
{
    for (guint i = 0; i < layout->devs->len; i++) {
        const LayoutDev *ld = &g_array_index(layout->devs, LayoutDev, i);
        if (ld->domain == domain && ld->bus == bus && ld->devfn == devfn) {
            return ld;
        }
    }
    return NULL;
}

static bool behind(const LayoutDev *bridge, unsigned domain, unsigned bus)
{
    return bridge->bridge && bridge->domain == domain && bridge->secondary <= bus &&
           bus <= bridge->subordinate;
}

/* The direct parent: the narrowest bus range containing @bus (ties: the deeper one). */
static const LayoutDev *upstream_bridge(const XptDumpLayout *layout, unsigned domain,
                                        unsigned bus)
{
    const LayoutDev *best = NULL;
    for (guint i = 0; i < layout->devs->len; i++) {
        const LayoutDev *b = &g_array_index(layout->devs, LayoutDev, i);
        if (!behind(b, domain, bus)) {
            continue;
        }
        unsigned span = b->subordinate - b->secondary;
        unsigned best_span = best ? best->subordinate - best->secondary : 0;
        if (!best || span < best_span || (span == best_span && b->bus > best->bus)) {
            best = b;
        }
    }
    return best;
}

/* Lowest start above @base of any resource in @io's space of @self's domain, except
 * the windows of bridges @self is behind (@self's own region starts at @base). */
static bool next_resource(const XptDumpLayout *layout, const LayoutDev *self, bool io,
                          uint64_t base, uint64_t *next)
{
    bool found = false;
    for (guint i = 0; i < layout->devs->len; i++) {
        const LayoutDev *o = &g_array_index(layout->devs, LayoutDev, i);
        if (o->domain != self->domain) {
            continue;
        }
        for (unsigned r = 0; r <= XPT_DUMP_LAYOUT_ROM; r++) {
            const LayoutRegion *reg = &o->regions[r];
            if (!reg->present || reg->upper || !reg->base || reg->io != io ||
                reg->base <= base) {
                continue;
            }
            if (!found || reg->base < *next) {
                *next = reg->base;
                found = true;
            }
        }
        if (!o->bridge || behind(o, self->domain, self->bus)) {
            continue;
        }
        for (unsigned w = 0; w < WIN_COUNT; w++) {
            const LayoutWindow *win = &o->win[w];
            if (!win->enabled || (w == WIN_IO) != io || win->start <= base) {
                continue;
            }
            if (!found || win->start < *next) {
                *next = win->start;
                found = true;
            }
        }
    }
    return found;
}

/*
 * *win = the window of @self's upstream bridge that holds @reg's base, or NULL when
 * there is no upstream bridge or a subtractive one misses it. False with @errp when the
 * windows of a positive-decode upstream bridge miss it.
 */
static bool upstream_window(const XptDumpLayout *layout, const LayoutDev *self,
                            const LayoutRegion *reg, bool rom, const LayoutWindow **win,
                            GError **errp)
{
    const LayoutDev *up = upstream_bridge(layout, self->domain, self->bus);
    unsigned order[2], n = 0;

    *win = NULL;
    if (!up) {
        return true;
    }
    if (reg->io) {
        order[n++] = WIN_IO;
    } else {
        if (reg->prefetch || rom) {
            order[n++] = WIN_PREF;
        }
        order[n++] = WIN_MEM;
    }
    for (unsigned k = 0; k < n; k++) {
        const LayoutWindow *w = &up->win[order[k]];
        if (w->enabled && w->start <= reg->base && reg->base <= w->end) {
            *win = w;
            return true;
        }
    }
    if (up->subtractive) {
        return true;
    }
    const char *space = reg->io ? "I/O" : reg->prefetch || rom ? "memory"
                                                               : "non-prefetchable memory";
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                "0x%" G_GINT64_MODIFIER "x lies outside every %s window of its upstream "
                "bridge %04x:%02x:%02x.%u", reg->base, space, up->domain, up->bus,
                up->devfn >> 3, up->devfn & 7);
    return false;
}

static uint64_t pow2_floor(uint64_t v)
{
    return v ? 1ull << (63 - __builtin_clzll(v)) : 0;
}

bool xpt_dump_layout_bound(const XptDumpLayout *layout, unsigned domain, unsigned bus,
                           unsigned devfn, unsigned index, uint64_t *bound, GError **errp)
{
    const LayoutDev *self = find_dev(layout, domain, bus, devfn);
    bool rom = index == XPT_DUMP_LAYOUT_ROM;

    *bound = 0;
    if (!self) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND, "no such device in the dump");
        return false;
    }
    if (index > XPT_DUMP_LAYOUT_ROM) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "region %u does not exist", index);
        return false;
    }
    const LayoutRegion *reg = &self->regions[index];
    if (reg->upper) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "it is the upper half of a 64-bit BAR");
        return false;
    }
    if (!reg->present || !reg->base) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "it is %s",
                    reg->present ? "unassigned (base 0)" : "not implemented (reads 0)");
        return false;
    }

    const LayoutWindow *win;
    if (!upstream_window(layout, self, reg, rom, &win, errp)) {
        return false;
    }
    uint64_t base = reg->base, next = 0;
    bool has_next = next_resource(layout, self, reg->io, base, &next);
    if (!win && !has_next) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "no upstream bridge window holds 0x%" G_GINT64_MODIFIER "x and no "
                    "resource starts above it", base);
        return false;
    }

    uint64_t size = base & (~base + 1);                  /* natural alignment */
    if (win) {
        size = MIN(size, pow2_floor(win->end - base + 1));
    }
    if (has_next) {
        size = MIN(size, pow2_floor(next - base));
    }
    if (reg->io) {
        size = MIN(size, LAYOUT_IO_BAR_MAX);
    }
    /* A 32-bit BAR or ROM ends at or below 4 GiB: base < 4 GiB and base % size == 0. */

    uint64_t min = reg->io ? LAYOUT_IO_MIN : rom ? LAYOUT_ROM_MIN : LAYOUT_MEM_MIN;
    if (size < min) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "the layout leaves %" G_GUINT64_FORMAT " bytes at 0x%"
                    G_GINT64_MODIFIER "x, less than the smallest %s (%" G_GUINT64_FORMAT
                    "); the dump's resources overlap", size, base,
                    reg->io ? "I/O BAR" : rom ? "ROM" : "memory BAR", min);
        return false;
    }
    *bound = size;
    return true;
}
