/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config-space register framework: group discovery, capability chain, and the read/write
 * rules documented in hw/pci/regs.h (SPEC §5, reference/config-space.md).
 */
#include "hw/pci/regs.h"

#include <string.h>

#include "util/bytes.h"
#include "util/error.h"

#define CAP_LIST_START 0x40
#define PCI_CAPABILITY_LIST 0x34
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10

/* Emulated next pointer of every visible capability (reference/config-space.md). */
static const XptRegInfo next_ptr_row = {
    .offset = 1, .size = 1, .ro_mask = 0xFF, .emu_mask = 0xFF,
};

/* Capability ID of every visible capability: reads the host, read-only, so a guest write
 * (a dword write at the capability's start) is neither forwarded, even when permissive,
 * nor reported as a write to an unvirtualized register (PCI LB 3.0 §6.7: read-only). */
static const XptRegInfo cap_id_row = {
    .offset = 0, .size = 1, .ro_mask = 0xFF,
};

bool xpt_regfile_host_read(XptRegFile *rf, unsigned offset, unsigned len, uint32_t *val)
{
    if (!rf->host->read(rf->owner, offset, len, val)) {
        *val = xpt_ones32(len);
        return false;
    }
    return true;
}

/*
 * The capability table for capability ID @id, or NULL. tables[0] is the type-0 header,
 * whose cap_id 0xFF is only a convention: a capability whose ID byte reads 0xFF (a
 * hostile or absent device) must not instantiate the header's rows at its offset
 * (their hooks index BAR arrays by offset: XSA-337 class), so the header is skipped.
 */
static const XptRegGroupInfo *find_table(const XptRegGroupInfo *const *tables, uint8_t id)
{
    for (unsigned i = 1; tables[0] && tables[i]; i++) {
        if (tables[i]->cap_id == id) {
            return tables[i];
        }
    }
    return NULL;
}

/* True if [base, base+size) overlaps a group already instantiated. */
static bool overlaps_group(const XptRegFile *rf, unsigned base, unsigned size)
{
    for (unsigned i = 0; i < rf->n_groups; i++) {
        const XptRegGroup *g = &rf->groups[i];
        if (base < (unsigned)g->base + g->size && g->base < base + size) {
            return true;
        }
    }
    return false;
}

/* Walk the host's capability list (bounded) and instantiate known groups. */
static void discover_groups(XptRegFile *rf, const XptRegGroupInfo *const *tables)
{
    uint32_t status, ptr;
    if (!xpt_regfile_host_read(rf, PCI_STATUS, 2, &status) || !(status & PCI_STATUS_CAP_LIST)) {
        return;
    }
    xpt_regfile_host_read(rf, PCI_CAPABILITY_LIST, 1, &ptr);
    uint8_t seen[256 / 8] = { 0 };
    for (unsigned n = 0; n < XPT_REGFILE_MAX_GROUPS; n++) {
        ptr &= 0xFC;
        if (ptr < CAP_LIST_START || (seen[ptr / 8] & (1u << (ptr % 8)))) {
            break;    /* end of list, bogus pointer, or a loop */
        }
        seen[ptr / 8] |= 1u << (ptr % 8);
        uint32_t id, next;
        if (!xpt_regfile_host_read(rf, ptr, 1, &id) ||
            !xpt_regfile_host_read(rf, ptr + 1, 1, &next)) {
            break;
        }
        const XptRegGroupInfo *t = find_table(tables, id);
        if (t && rf->n_groups < G_N_ELEMENTS(rf->groups)) {
            unsigned size = t->size_of ? t->size_of(rf, ptr) : t->size;
            size = MIN(size, 0x100 - ptr);
            if (size >= 2 && !overlaps_group(rf, ptr, size)) {
                XptRegGroup *g = &rf->groups[rf->n_groups];
                g->info = t;
                g->base = ptr;
                g->size = size;
                if (t->type == XPT_GRP_EMU) {
                    rf->visible[rf->n_visible++] = rf->n_groups;
                }
                rf->n_groups++;
            }
        }
        ptr = next;
    }
}

uint8_t xpt_regfile_first_cap(const XptRegFile *rf)
{
    return rf->n_visible ? rf->groups[rf->visible[0]].base : 0;
}

/* Next pointer value for visible group number @vi in chain order. */
static uint8_t next_visible(const XptRegFile *rf, unsigned group_index)
{
    for (unsigned v = 0; v < rf->n_visible; v++) {
        if (rf->visible[v] == group_index) {
            return v + 1 < rf->n_visible ? rf->groups[rf->visible[v + 1]].base : 0;
        }
    }
    return 0;
}

/* Append @reg; the array was sized for every row of every group (xpt_regfile_init). */
static void push_reg(XptRegFile *rf, const XptReg *reg)
{
    g_assert(rf->n_regs < rf->max_regs);
    rf->regs[rf->n_regs++] = *reg;
}

static bool add_reg(XptRegFile *rf, const XptRegInfo *row, unsigned base, unsigned grp_size,
                    GError **errp)
{
    unsigned addr = base + row->offset;
    if (row->offset + row->size > grp_size || addr + row->size > 0x100) {
        return true;    /* row beyond this instance of the group */
    }
    for (unsigned b = 0; b < row->size; b++) {
        if (rf->byte_reg[addr + b]) {
            return true;    /* already described (e.g. the next pointer row) */
        }
    }
    XptReg reg = {
        .info = row, .addr = addr, .size = row->size, .val = row->init_val,
        .res_mask = row->res_mask, .ro_mask = row->ro_mask, .emu_mask = row->emu_mask,
        .rw1c_mask = row->rw1c_mask,
    };
    if (row->init) {
        uint32_t host_val;
        xpt_regfile_host_read(rf, addr, row->size, &host_val);
        switch (row->init(rf, &reg, host_val, errp)) {
        case XPT_REG_OK:
            break;
        case XPT_REG_ABSENT:
            return true;
        case XPT_REG_ERROR:
            return false;
        }
    }
    push_reg(rf, &reg);
    for (unsigned b = 0; b < row->size; b++) {
        rf->byte_reg[addr + b] = (uint16_t)rf->n_regs;
    }
    return true;
}

bool xpt_regfile_init(XptRegFile *rf, const XptRegGroupInfo *const *tables, void *owner,
                      const char *who, const XptRegHostOps *host, bool permissive,
                      GError **errp)
{
    memset(rf, 0, sizeof(*rf));
    rf->owner = owner;
    rf->who = who;
    rf->host = host;
    rf->permissive = permissive;
    rf->drop_rl = (XptRateLimit)XPT_RATELIMIT_INIT(1, 60000);

    g_assert(tables[0] && tables[0]->cap_id == XPT_REG_HEADER_ID);
    rf->groups[0] = (XptRegGroup){ .info = tables[0], .base = 0, .size = 0x40 };
    rf->n_groups = 1;
    discover_groups(rf, tables);

    /* Room for every row of every group (and each capability's ID and next pointer)
     * from the start: one allocation instead of one per doubling (issue 15). */
    guint rows = 0;
    for (unsigned gi = 0; gi < rf->n_groups; gi++) {
        const XptRegInfo *row = rf->groups[gi].info->regs;
        rows += 2;
        for (; row && row->size; row++) {
            rows++;
        }
    }
    rf->regs = g_new(XptReg, rows);
    rf->max_regs = rows;

    for (unsigned gi = 0; gi < rf->n_groups; gi++) {
        XptRegGroup *g = &rf->groups[gi];
        memset(&rf->byte_group[g->base], (int)(gi + 1), g->size);  /* base + size ≤ 0x100 */
        if (g->info->type != XPT_GRP_EMU) {
            continue;
        }
        if (gi > 0) {
            XptReg id = {
                .info = &cap_id_row, .addr = g->base, .size = 1, .ro_mask = 0xFF,
            };
            push_reg(rf, &id);
            rf->byte_reg[g->base] = (uint16_t)rf->n_regs;
            XptReg next = {
                .info = &next_ptr_row, .addr = g->base + 1, .size = 1,
                .val = next_visible(rf, gi), .ro_mask = 0xFF, .emu_mask = 0xFF,
            };
            push_reg(rf, &next);
            rf->byte_reg[g->base + 1] = (uint16_t)rf->n_regs;
        }
        for (const XptRegInfo *row = g->info->regs; row && row->size; row++) {
            if (!add_reg(rf, row, g->base, g->size, errp)) {
                xpt_regfile_destroy(rf);
                return false;
            }
        }
    }
    return true;
}

void xpt_regfile_destroy(XptRegFile *rf)
{
    g_clear_pointer(&rf->regs, g_free);
    rf->n_regs = rf->max_regs = 0;
}

XptReg *xpt_regfile_reg(XptRegFile *rf, unsigned addr)
{
    if (addr >= 0x100 || !rf->byte_reg[addr]) {
        return NULL;
    }
    XptReg *r = &rf->regs[rf->byte_reg[addr] - 1];
    return r->addr == addr ? r : NULL;
}

const XptRegGroup *xpt_regfile_group(const XptRegFile *rf, uint8_t cap_id)
{
    for (unsigned i = 0; i < rf->n_groups; i++) {
        if (rf->groups[i].info->cap_id == cap_id) {
            return &rf->groups[i];
        }
    }
    return NULL;
}

static bool hardwired(const XptRegFile *rf, unsigned addr)
{
    unsigned g = rf->byte_group[addr];
    return g && rf->groups[g - 1].info->type == XPT_GRP_HARDWIRED;
}

static XptReg *reg_at(XptRegFile *rf, unsigned addr)
{
    unsigned i = rf->byte_reg[addr];
    return i ? &rf->regs[i - 1] : NULL;
}

uint32_t xpt_regfile_read(XptRegFile *rf, unsigned offset, unsigned len)
{
    uint32_t host;
    xpt_regfile_host_read(rf, offset, len, &host);
    uint32_t out = 0;
    XptReg *cached = NULL;
    uint32_t emu_val = 0;

    for (unsigned i = 0; i < len; i++) {
        unsigned addr = offset + i;
        uint32_t byte = (host >> (8 * i)) & 0xFF;
        XptReg *r = reg_at(rf, addr);
        if (hardwired(rf, addr)) {
            byte = 0;
        } else if (r) {
            if (r != cached) {
                cached = r;
                emu_val = r->info->read ? r->info->read(rf, r) : r->val;
            }
            unsigned k = addr - r->addr;
            uint32_t em = (r->emu_mask >> (8 * k)) & 0xFF;
            byte = (byte & ~em) | ((emu_val >> (8 * k)) & em);
        }
        out |= byte << (8 * i);
    }
    return out;
}

/* Write to one register the access [offset, offset+len) overlaps. */
static void write_reg(XptRegFile *rf, XptReg *r, unsigned offset, unsigned len, uint32_t val,
                      uint32_t host, bool host_ok)
{
    unsigned lo = MAX(offset, r->addr);
    unsigned hi = MIN(offset + len, (unsigned)r->addr + r->size);
    unsigned shift_reg = 8 * (lo - r->addr);      /* position of lo inside the register */
    unsigned shift_acc = 8 * (lo - offset);       /* position of lo inside the access */
    unsigned n = hi - lo;
    uint32_t valid = xpt_ones32(n) << shift_reg;
    uint32_t guest = ((val >> shift_acc) & xpt_ones32(n)) << shift_reg;
    uint32_t host_reg = ((host >> shift_acc) & xpt_ones32(n)) << shift_reg;

    uint32_t old = r->val;
    /* rw1c bits are not plain-writable: writing 0 leaves them, writing 1 clears them. */
    uint32_t w = r->emu_mask & ~r->ro_mask & ~r->res_mask & ~r->rw1c_mask & valid;
    uint32_t nv = (old & ~w) | (guest & w);
    nv &= ~(guest & valid & r->emu_mask & r->rw1c_mask);
    r->val = nv & xpt_ones32(r->size);

    uint32_t pt = ~r->emu_mask & ~r->ro_mask & ~r->res_mask & valid & xpt_ones32(r->size);
    uint32_t out = (host_reg & ~pt & ~r->rw1c_mask) | (guest & pt);
    uint32_t mask = pt;
    if (r->info->write) {
        r->info->write(rf, r, old, guest, valid, &out, &mask);
    }
    if (!(mask & valid) || !host_ok) {
        return;    /* nothing passes through, or XSA-128: no write after a failed read */
    }
    rf->host->write(rf->owner, lo, n, (out & valid) >> shift_reg);
}

static void drop_write(XptRegFile *rf, unsigned addr, unsigned n)
{
    rf->dropped_writes++;
    unsigned suppressed = 0;
    if (xpt_ratelimit_check(&rf->drop_rl, &suppressed)) {
        xpt_warn_report("%s: guest write to config register 0x%02x (%u byte%s) dropped: "
                        "not a virtualized register; set permissive=on for this device "
                        "if its driver needs it (xl: 'BDF,permissive=1' in pci=[...] or "
                        "pci_permissive=1)%s", rf->who, addr, n, n > 1 ? "s" : "",
                        suppressed ? " (further drops suppressed)" : "");
    }
}

void xpt_regfile_write(XptRegFile *rf, unsigned offset, unsigned len, uint32_t val)
{
    uint32_t host;
    bool host_ok = xpt_regfile_host_read(rf, offset, len, &host);
    unsigned i = 0;
    while (i < len) {
        unsigned addr = offset + i;
        XptReg *r = reg_at(rf, addr);
        if (hardwired(rf, addr)) {
            i++;
            continue;
        }
        if (r) {
            write_reg(rf, r, offset, len, val, host, host_ok);
            i = MIN(len, (unsigned)r->addr + r->size - offset);
            continue;
        }
        /* A run of bytes in no register. */
        unsigned j = i;
        while (j < len && !reg_at(rf, offset + j) && !hardwired(rf, offset + j)) {
            j++;
        }
        if (!rf->permissive) {
            drop_write(rf, addr, j - i);
        } else if (host_ok) {
            /* Naturally aligned pieces as wide as possible: a dword stays one dword. */
            for (unsigned b = i, n; b < j; b += n) {
                n = (offset + b) % 4 == 0 && j - b >= 4 ? 4 :
                    (offset + b) % 2 == 0 && j - b >= 2 ? 2 : 1;
                rf->host->write(rf->owner, offset + b, n, (val >> (8 * b)) & xpt_ones32(n));
            }
        }
        i = j;
    }
}
