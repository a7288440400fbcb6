/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Xen's MSI-X table interception ("MSI-X mask bit acceleration"), as Xen 4.17 does it in
 * xen/arch/x86/hvm/vmsi.c, for the guest's CPU accesses the sim routes (xen-sim-io.c).
 * Xen's internal I/O handlers see an access before any ioreq server (hvmemul_do_io:
 * hvm_io_intercept first, an ioreq only when it answers X86EMUL_UNHANDLEABLE), so this
 * decides what of a passed-through device's MSI-X table the device model never sees.
 *
 *  - registration: the first MSI bind with a non-zero gtable of a pirq whose device has
 *    no entry yet adds one (msixtbl_pt_register: keyed by the device, gtable of that
 *    first bind, newest first); every such bind adds a reference. Unbinding (including
 *    an MSI bind without gtable later unbound) drops one with Xen 4.17's inverted test
 *    (msixtbl_pt_unregister: `if ( !atomic_dec_and_test(&entry->refcnt) )
 *    del_msixtbl_entry(entry)`): the entry is deleted when references REMAIN, and kept,
 *    with 0 references and its old gtable, when the last one goes. Fixed only in
 *    4.19.4 (ea87662c7781, "x86/msix: fix incorrect refcount decrease in msixtlb");
 *    stable-4.17 has the bug. A kept entry intercepts again as soon as the device's
 *    MSI-X entries are mapped again, at the gtable of its first registration.
 *  - accept (msixtbl_range): an access is Xen's only if it falls in a registered table
 *    and the device has that entry mapped (an msi_desc with that entry_nr). Xen bounds a
 *    table by the device's entry count; the sim does not know it and takes the first
 *    entry (newest first) whose gtable..gtable+32 KiB holds the address and whose device
 *    has that entry mapped — the same as Xen's for tables that do not overlap.
 *    A write that is not Xen's but unmasks a vector control dword (4 bytes at offset
 *    12, or the high half of 8 bytes at offset 8) is snooped: if the device model binds
 *    that entry with gtable while handling the write, the unmask is completed by Xen
 *    (msixtbl_pt_register's loop over blocked vCPUs → msix_unmask_address).
 *  - read (msixtbl_read): vector control → Xen's guest mask; address/data of entries
 *    0–2 → Xen's shadow of what the guest wrote since registration; anything else
 *    (other entries' address/data, bad sizes) → the device model.
 *  - write (msixtbl_write): only 4 or 8 aligned bytes; address/data are shadowed
 *    (entries 0–2), flag the entry, and go on to the device model. A vector control
 *    write that unmasks a flagged entry clears the flag and goes to the device model;
 *    after it completed, Xen applies the unmask itself (msix_write_completion). Any
 *    other vector control write sets Xen's guest mask (guest_mask_msi_irq) and never
 *    reaches the device model — unless it came as the high half of an 8-byte write,
 *    which is forwarded whole after Xen handled it.
 *  - XENFEAT_dm_msix_all_writes (Xen ≥ 4.19, 64b21662b1 "x86/msi: passthrough all MSI-X
 *    vector ctrl writes to device model"), off unless "xen-sim feature
 *    dm_msix_all_writes on": every write is handled as above and then forwarded too;
 *    writes of bad size or alignment are dropped.
 */
#include "qtest/xen-sim-int.h"

#include <string.h>

#include "util/log.h"

/* PCI LB 3.0 §6.8.2 (Xen's PCI_MSIX_* names). */
#define MSIX_ENTRY_SIZE 16u
#define MSIX_VECTOR_CTRL_OFFSET 12u
#define MSIX_VECTOR_BITMASK 1u
#define MAX_MSIX_TABLE_ENTRIES 2048u          /* xen/include/xen/pci_regs.h */
#define MAX_MSIX_ACC_ENTRIES 3u               /* entries whose address/data Xen shadows */

struct SimMsixtbl {
    uint32_t sbdf;                            /* the device (pdev) */
    uint64_t gtable;                          /* guest address of its table */
    int refcnt;
    unsigned long table_flags[MAX_MSIX_TABLE_ENTRIES / (8 * sizeof(unsigned long))];
    uint32_t msi_ad[MAX_MSIX_ACC_ENTRIES][3]; /* address lo, hi, data */
    bool acc_valid[MAX_MSIX_ACC_ENTRIES][3];
};

static bool flag_test_and_clear(SimMsixtbl *e, unsigned nr)
{
    unsigned long bit = 1ul << (nr % (8 * sizeof(unsigned long)));
    unsigned long *w = &e->table_flags[nr / (8 * sizeof(unsigned long))];
    bool was = *w & bit;
    *w &= ~bit;
    return was;
}

static void flag_set(SimMsixtbl *e, unsigned nr)
{
    e->table_flags[nr / (8 * sizeof(unsigned long))] |= 1ul << (nr % (8 * sizeof(unsigned long)));
}

/* The mapped MSI-X pirq of entry @nr of device @sbdf (msixtbl_addr_to_desc), or NULL. */
static SimPirq *entry_desc(XptSim *sim, uint32_t sbdf, uint64_t nr)
{
    for (int p = 0; p < XPT_SIM_NR_PIRQS; p++) {
        SimPirq *q = &sim->pirqs[p];
        if (q->used && !q->forced && q->is_msi && q->table_base && q->sbdf == sbdf &&
            (uint64_t)q->entry == nr) {
            return q;
        }
    }
    return NULL;
}

/* msixtbl_find_entry + msixtbl_addr_to_desc (see the header comment); *desc receives
 * the vector's pirq entry. */
static SimMsixtbl *find_entry(XptSim *sim, uint64_t addr, SimPirq **desc)
{
    if (!sim->msixtbl) {
        return NULL;
    }
    for (guint i = 0; i < sim->msixtbl->len; i++) {
        SimMsixtbl *e = g_ptr_array_index(sim->msixtbl, i);
        if (addr < e->gtable || addr - e->gtable >= MAX_MSIX_TABLE_ENTRIES * MSIX_ENTRY_SIZE) {
            continue;
        }
        SimPirq *q = entry_desc(sim, e->sbdf, (addr - e->gtable) / MSIX_ENTRY_SIZE);
        if (q) {
            *desc = q;
            return e;
        }
    }
    return NULL;
}

void sim_msixtbl_register(XptSim *sim, const SimPirq *p, uint64_t gtable)
{
    SimMsixtbl *e = NULL;
    if (!sim->msixtbl) {
        sim->msixtbl = g_ptr_array_new_with_free_func(g_free);
    }
    for (guint i = 0; i < sim->msixtbl->len && !e; i++) {
        SimMsixtbl *x = g_ptr_array_index(sim->msixtbl, i);
        e = x->sbdf == p->sbdf ? x : NULL;
    }
    if (!e) {
        e = g_new0(SimMsixtbl, 1);
        e->sbdf = p->sbdf;
        e->gtable = gtable;
        g_ptr_array_insert(sim->msixtbl, 0, e);
    }
    e->refcnt++;
    /* The vCPU waiting for this write's completion snooped an unmask of this very
     * entry (of the gtable passed, not the entry's): Xen completes it. */
    if (sim->in_ioreq && sim->msix_snoop_address &&
        sim->msix_snoop_address ==
            gtable + (uint64_t)p->entry * MSIX_ENTRY_SIZE + MSIX_VECTOR_CTRL_OFFSET) {
        sim->msix_unmask_address = sim->msix_snoop_address;
    }
}

void sim_msixtbl_unregister(XptSim *sim, const SimPirq *p)
{
    if (!p->is_msi || !sim->msixtbl) {
        return;
    }
    for (guint i = 0; i < sim->msixtbl->len; i++) {
        SimMsixtbl *e = g_ptr_array_index(sim->msixtbl, i);
        if (e->sbdf == p->sbdf) {
            if (--e->refcnt != 0) {           /* Xen 4.17's inverted test, see above */
                g_ptr_array_remove_index(sim->msixtbl, i);
            }
            return;
        }
    }
}

bool sim_msixtbl_covers(XptSim *sim, uint64_t addr, unsigned len)
{
    SimPirq *q;
    for (unsigned i = 0; i < len; i += 4) {
        if (find_entry(sim, addr + i, &q)) {
            return true;
        }
    }
    return false;
}

bool sim_msixtbl_read(XptSim *sim, uint64_t addr, unsigned len, uint64_t *val)
{
    SimPirq *desc;
    SimMsixtbl *e = find_entry(sim, addr, &desc);
    if (!e || (len != 4 && len != 8) || (addr & (len - 1))) {
        return false;
    }
    unsigned offset = addr & (MSIX_ENTRY_SIZE - 1);
    uint64_t v = 0;
    if (offset != MSIX_VECTOR_CTRL_OFFSET) {
        uint64_t nr = (addr - e->gtable) / MSIX_ENTRY_SIZE;
        unsigned index = offset / 4;
        if (nr >= MAX_MSIX_ACC_ENTRIES || !e->acc_valid[nr][index]) {
            return false;
        }
        v = e->msi_ad[nr][index];
        if (len == 8) {
            if (index) {
                offset = MSIX_VECTOR_CTRL_OFFSET;
            } else if (e->acc_valid[nr][1]) {
                v |= (uint64_t)e->msi_ad[nr][1] << 32;
            } else {
                return false;
            }
        }
    }
    if (offset == MSIX_VECTOR_CTRL_OFFSET) {
        uint64_t mask = desc->guest_masked ? MSIX_VECTOR_BITMASK : 0;
        v = len == 4 ? mask : v | mask << 32;
    }
    *val = v;
    return true;
}

/* msixtbl_write: true = X86EMUL_OKAY (handled by Xen), false = X86EMUL_UNHANDLEABLE. */
static bool msixtbl_write(XptSim *sim, uint64_t addr, unsigned len, uint64_t val)
{
    if ((len != 4 && len != 8) || (addr & (len - 1))) {
        return false;
    }
    SimPirq *desc;
    SimMsixtbl *e = find_entry(sim, addr, &desc);
    if (!e) {
        return false;
    }
    uint64_t nr = (addr - e->gtable) / MSIX_ENTRY_SIZE;
    unsigned offset = addr & (MSIX_ENTRY_SIZE - 1);
    if (offset != MSIX_VECTOR_CTRL_OFFSET) {
        unsigned index = offset / 4;
        if (nr < MAX_MSIX_ACC_ENTRIES) {
            e->msi_ad[nr][index] = (uint32_t)val;
            e->acc_valid[nr][index] = true;
            if (len == 8 && !index) {
                e->msi_ad[nr][1] = (uint32_t)(val >> 32);
                e->acc_valid[nr][1] = true;
            }
        }
        flag_set(e, (unsigned)nr);
        if (len != 8 || !index) {
            return false;
        }
        val >>= 32;
        addr += 4;
    }
    /* Unmasking after address/data changed: the device model must see it. */
    if (!(val & MSIX_VECTOR_BITMASK) && flag_test_and_clear(e, (unsigned)nr)) {
        sim->msix_unmask_address = addr;
        return false;
    }
    desc->guest_masked = val & MSIX_VECTOR_BITMASK;    /* guest_mask_msi_irq */
    return len == 4;
}

/* msixtbl_range's snoop of a write it does not take (an inline write only). */
static void snoop(XptSim *sim, uint64_t addr, unsigned len, uint64_t val)
{
    if (len == 8) {
        val >>= 32;
        addr += 4;
        len = 4;
    }
    if (len == 4 && (addr & (MSIX_ENTRY_SIZE - 1)) == MSIX_VECTOR_CTRL_OFFSET &&
        !(val & MSIX_VECTOR_BITMASK)) {
        sim->msix_snoop_address = addr;
    }
}

bool sim_msixtbl_write(XptSim *sim, uint64_t addr, unsigned len, uint64_t val)
{
    SimPirq *desc;
    if (!find_entry(sim, addr, &desc)) {
        snoop(sim, addr, len, val);
        return false;
    }
    if (sim->dm_msix_all_writes) {                     /* _msixtbl_write, Xen ≥ 4.19 */
        if ((len != 4 && len != 8) || (addr & (len - 1))) {
            return true;
        }
        msixtbl_write(sim, addr, len, val);
        return false;
    }
    return msixtbl_write(sim, addr, len, val);
}

void sim_msixtbl_completion(XptSim *sim)
{
    uint64_t ctrl_address = sim->msix_unmask_address;
    sim->msix_snoop_address = 0;
    if (!ctrl_address) {
        return;
    }
    sim->msix_unmask_address = 0;
    if (!msixtbl_write(sim, ctrl_address, 4, 0)) {
        xpt_log(XPT_LOG_HV, "xen-sim: MSI-X write completion failure");  /* as Xen */
    }
}

JsonBuilder *sim_msixtbl_json(XptSim *sim, JsonBuilder *b)
{
    json_builder_begin_array(b);
    for (guint i = 0; sim->msixtbl && i < sim->msixtbl->len; i++) {
        const SimMsixtbl *e = g_ptr_array_index(sim->msixtbl, i);
        g_autofree char *sbdf = sim_sbdf_str(e->sbdf);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "sbdf");
        json_builder_add_string_value(b, sbdf);
        json_builder_set_member_name(b, "gtable");
        json_builder_add_int_value(b, (gint64)e->gtable);
        json_builder_set_member_name(b, "refcnt");
        json_builder_add_int_value(b, e->refcnt);
        json_builder_end_object(b);
    }
    return json_builder_end_array(b);
}

void sim_msixtbl_free(XptSim *sim)
{
    if (sim->msixtbl) {
        g_ptr_array_free(sim->msixtbl, TRUE);
        sim->msixtbl = NULL;
    }
}
