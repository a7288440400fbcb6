/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI-X of xen-pci-passthrough: see hw/xen/xen-pt-msix.h. Semantics follow QEMU 7.2
 * hw/xen/xen_pt_msi.c (entry latches, per-entry `updated`, table_base = host BAR base,
 * gtable = guest table address, rebind on a BAR move; at MSI-X enable / function-mask
 * clear every written entry is bound, masked or not: xen_pt_msix_update) except where
 * reference/config-space.md decides otherwise (aligned 4/8-byte accesses only; the host
 * BAR through sysfs resourceN, never /dev/mem).
 *
 * Deviation from SPEC §6 ("an entry is mapped/bound when unmasked with MSI-X enabled"),
 * found on real Xen 4.17: an entry whose address/data the guest wrote since reset or
 * the last disable is also bound, with the masked gflags, when MSI-X becomes enabled
 * with the function unmasked or the function mask clears while enabled. A Linux HVM
 * guest using pirqs for MSI (arch/x86/pci/xen.c xen_hvm_setup_msi_irqs; it sets
 * pci_msi_ignore_mask, so it never clears a per-vector mask bit) relies on it: its
 * EVTCHNOP_bind_pirq unmasks the vector and routes it to the event channel only if the
 * pirq is already mapped (Xen 4.17 xen/arch/x86/irq.c arch_evtchn_bind_pirq), and
 * otherwise nothing ever delivers its interrupts.
 */
#include "hw/xen/xen-pt-msix.h"

#include "hw/host/host-bar.h"
#include "hw/host/host-rules.h"
#include "hw/xen/xen-pt.h"
#include "util/bytes.h"
#include "util/error.h"
#include "util/log.h"

/* PCI LB 3.0 §6.8.2 (linux/pci_regs.h names). */
#define PCI_CAP_ID_MSIX 0x11
#define PCI_MSIX_FLAGS 0x02
#define PCI_MSIX_FLAGS_QSIZE 0x07FF
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE 0x04
#define PCI_MSIX_PBA 0x08
#define PCI_MSIX_BIR 0x7
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1

/* Dword index of each field in an entry. */
enum { ENTRY_ADDR_LO, ENTRY_ADDR_HI, ENTRY_DATA, ENTRY_CTRL, ENTRY_DWORDS };

typedef struct XptPtMsixEntry {
    uint32_t latch[ENTRY_DWORDS];   /* the guest's view; reads return it */
    uint64_t addr;                  /* address/data the binding was made from */
    uint32_t data;
    bool updated;                   /* address/data written and not yet applied: any
                                     * write while unbound, a change while bound */
    XptMsiVector vec;
} XptPtMsixEntry;

struct XptPtMsix {
    uint8_t cap;                    /* config offset of the capability */
    unsigned nr_entries;            /* 1..2048 */
    unsigned bar;                   /* BIR of the table */
    uint64_t table_off;             /* table offset in the BAR, bytes */
    uint64_t table_len;             /* nr_entries * 16 */
    uint64_t pba_off, pba_len;      /* PBA in the table's BAR (pba_len 0: another BAR) */
    uint64_t trap_off, trap_len;    /* trapped pages: BAR offset and length, bytes */
    uint64_t host_base;             /* host BAR base: table_base of map_pirq_msi */
    bool enabled;                   /* guest's Enable (forwarded to the host) */
    bool maskall;                   /* guest's Function Mask */
    bool released;
    uint64_t gtable;                /* guest table address (last BAR placement; 0 never) */
    char *region_name;
    XptIoRegion region;             /* the trapped pages while the BAR is mapped */
    XptHostBar *host_bar;           /* trapped pages of the host BAR (or a shadow) */
    XptRateLimit access_rl;         /* guest_errors about table accesses (XSA-130) */
    XptPtMsixEntry *entries;
};

static bool entry_masked(const XptPtMsixEntry *e)
{
    return e->latch[ENTRY_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

static uint64_t latched_addr(const XptPtMsixEntry *e)
{
    return e->latch[ENTRY_ADDR_LO] | (uint64_t)e->latch[ENTRY_ADDR_HI] << 32;
}

/*
 * Whether Xen, not the device model, knows entry @e's mask: the entry is bound with a
 * table address on a Xen that does not forward mask writes (Xen 4.17: msixtbl_write in
 * xen/arch/x86/hvm/vmsi.c sets the guest mask of every mapped entry of a table
 * registered by a bind with gtable, and only an unmask after an address/data write
 * reaches the device model). The latched mask bit of such an entry may be stale, so a
 * binding made for it leaves Xen's guest mask alone: gflags without
 * XEN_DOMCTL_VMSI_X86_UNMASKED keep it as it is (pt_irq_create_bind). With
 * XENFEAT_dm_msix_all_writes (Xen ≥ 4.19) every write arrives and the latch is exact.
 */
static bool mask_is_xens(XptPtDevice *d, const XptPtMsixEntry *e)
{
    return e->vec.bound && e->vec.gtable && !xpt_hv_dm_msix_all_writes(d->machine->hv);
}

/* The mask to bind entry @e with: its latched mask bit, or "masked" when it is Xen's. */
static bool bind_masked(XptPtDevice *d, const XptPtMsixEntry *e)
{
    return mask_is_xens(d, e) || entry_masked(e);
}

/*
 * Map (once) and bind, or update the binding of, entry @i from @addr/@data; the masked
 * gflags bit comes from bind_masked (QEMU msi_msix_update). On success the entry
 * records what it is bound with; on failure xpt_msi_vector_bind left it either unbound
 * with its pirq given back, or with its previous binding, and one rate-limited warning
 * names the device and the call.
 */
static bool entry_bind(XptPtDevice *d, unsigned i, uint64_t addr, uint32_t data)
{
    XptPtMsix *m = d->msix;
    XptPtMsixEntry *e = &m->entries[i];
    g_autoptr(GError) err = NULL;
    if (!xpt_msi_vector_bind(d, &e->vec, addr, data, bind_masked(d, e), (int)i, m->host_base,
                             m->gtable, &err)) {
        xpt_warn_ratelimited(&d->map_rl, "%s; MSI-X entry %u %s", err->message, i,
                             e->vec.bound ? "keeps its previous binding"
                                          : "stays unbound");
        return false;
    }
    e->addr = addr;
    e->data = data;
    e->updated = false;
    return true;
}

/*
 * Entry @i becomes effective (unmasked, MSI-X enabled, function mask clear) after having
 * been masked in some way, or MSI-X went live with the entry written but masked
 * (apply_live): the latched address/data take effect now (PCI LB 3.0 §6.8.2.9: software
 * changes them only while masked), with UNMASKED from the entry's mask bit. Nothing to
 * do for a bound entry whose address/data did not change, whose table did not move and
 * whose binding already has the entry's mask state (one made while the entry was masked
 * — at enable or by a BAR move — does not once it is unmasked: it is updated in place
 * so that Xen unmasks the vector). When the mask is Xen's (mask_is_xens), Xen unmasks
 * the vector itself and the binding's mask state does not matter.
 */
static void entry_apply(XptPtDevice *d, unsigned i)
{
    XptPtMsix *m = d->msix;
    XptPtMsixEntry *e = &m->entries[i];
    if (e->vec.bound && !e->updated && e->vec.gtable == m->gtable &&
        (mask_is_xens(d, e) ||
         e->vec.gflags == xpt_msi_gflags(e->addr, e->data, entry_masked(e)))) {
        return;
    }
    entry_bind(d, i, latched_addr(e), e->latch[ENTRY_DATA]);
}

/*
 * MSI-X became live (enabled with the function unmasked, or the function mask cleared
 * while enabled): bind every unmasked entry, and every masked one whose address/data
 * the guest wrote since reset or the last disable, with gflags masked (QEMU
 * xen_pt_msix_update: every `updated` entry, its mask as XEN_DOMCTL_VMSI_X86_UNMASKED).
 * Xen keeps such a vector masked (msix_capability_init: guest_masked) until an unmask
 * reaches it — the guest's own (trapped: our unmask path), or the guest's
 * EVTCHNOP_bind_pirq on the mapped pirq (Xen 4.17 xen/arch/x86/irq.c
 * arch_evtchn_bind_pirq), which is the only one a Linux HVM guest using pirqs ever
 * makes: it must find the pirq mapped (the one it asked for in the address, vector 0).
 * An entry never written is left alone: its latch holds no message.
 */
static void apply_live(XptPtDevice *d)
{
    XptPtMsix *m = d->msix;
    for (unsigned i = 0; i < m->nr_entries; i++) {
        const XptPtMsixEntry *e = &m->entries[i];
        if (!entry_masked(e) || e->updated) {
            entry_apply(d, i);
        }
    }
}

/* Unbind and unmap every entry (disable, detach). */
static void release_entries(XptPtDevice *d)
{
    XptPtMsix *m = d->msix;
    for (unsigned i = 0; i < m->nr_entries; i++) {
        XptPtMsixEntry *e = &m->entries[i];
        xpt_msi_vector_release(d, &e->vec);
        e->updated = false;
    }
}

/*
 * The table moved (m->gtable changed): Xen reads gtable only at the first bind, so every
 * bound entry is unbound and bound again (QEMU xen_pt_msix_update_remap). A masked entry
 * (or all of them under the function mask) takes its latched address/data, an unmasked
 * one keeps what it was bound with.
 */
static void rebind_moved(XptPtDevice *d)
{
    XptPtMsix *m = d->msix;
    for (unsigned i = 0; i < m->nr_entries; i++) {
        XptPtMsixEntry *e = &m->entries[i];
        if (!e->vec.bound || e->vec.gtable == m->gtable) {
            continue;
        }
        if (entry_masked(e) || m->maskall) {
            entry_bind(d, i, latched_addr(e), e->latch[ENTRY_DATA]);
        } else {
            entry_bind(d, i, e->addr, e->data);
        }
    }
}

/* ---- the trapped pages ------------------------------------------------------------------ */

/* Valid accesses are naturally aligned 4 or 8 bytes (reference/config-space.md). */
static bool access_ok(XptPtDevice *d, uint64_t off, unsigned size, bool write)
{
    XptPtMsix *m = d->msix;
    if ((size == 4 || size == 8) && off % size == 0 && off - m->trap_off < m->trap_len &&
        m->trap_len - (off - m->trap_off) >= size) {
        return true;
    }
    xpt_log_ratelimited(&m->access_rl, XPT_LOG_GUEST_ERROR,
                        "%s: MSI-X table page %s of %u bytes at BAR %u offset 0x%"
                        G_GINT64_MODIFIER "x ignored (aligned 4 or 8 bytes only)", d->who,
                        write ? "write" : "read", size, m->bar, off);
    return false;
}

/* Whether BAR byte @off lies in the table; *entry and *dword receive the position. */
static bool in_table(const XptPtMsix *m, uint64_t off, unsigned *entry, unsigned *dword)
{
    if (off < m->table_off || off - m->table_off >= m->table_len) {
        return false;
    }
    uint64_t rel = off - m->table_off;
    *entry = (unsigned)(rel / PCI_MSIX_ENTRY_SIZE);
    *dword = (unsigned)(rel % PCI_MSIX_ENTRY_SIZE) / 4;
    return *entry < m->nr_entries;    /* implied by table_len; kept as the explicit bound */
}

static bool in_pba(const XptPtMsix *m, uint64_t off, unsigned size)
{
    return m->pba_len && off < m->pba_off + m->pba_len && m->pba_off < off + size;
}

static uint64_t trap_read(void *opaque, uint64_t offset, unsigned size)
{
    XptPtDevice *d = opaque;
    XptPtMsix *m = d->msix;
    uint64_t off = m->trap_off + offset;        /* dispatcher: offset < trap_len */
    if (!access_ok(d, off, size, false)) {
        return xpt_ones64(size);
    }
    unsigned entry, dword;
    if (in_table(m, off, &entry, &dword)) {
        const XptPtMsixEntry *e = &m->entries[entry];
        uint64_t v = e->latch[dword];
        if (size == 8) {                        /* dword is 0 or 2: aligned qword */
            v |= (uint64_t)e->latch[dword + 1] << 32;
        }
        return v;
    }
    /* PBA or other registers of the page: the host BAR (or its shadow). */
    return xpt_host_bar_read(m->host_bar, off, size);
}

/* A guest write to dword @dword of entry @i (QEMU pci_msix_write). */
static void entry_write(XptPtDevice *d, unsigned i, unsigned dword, uint32_t val)
{
    XptPtMsix *m = d->msix;
    XptPtMsixEntry *e = &m->entries[i];
    if (dword != ENTRY_CTRL) {
        /* Latched; applied at the next unmask or when MSI-X goes live (invariant 8).
         * An unbound entry is flagged by any write, even of the value it holds (QEMU
         * pci_msix_write: an entry without a pirq): a guest that reloads its driver
         * writes the same pirq message again and must be bound again. */
        if (e->latch[dword] != val || !e->vec.bound) {
            e->latch[dword] = val;
            e->updated = true;
        }
        return;
    }
    bool was_masked = entry_masked(e);
    e->latch[ENTRY_CTRL] = val;
    /* Masking a bound entry is no hypervisor operation: once gtable is registered Xen
     * tracks the vector's mask itself (msixtbl), as under QEMU. An unmask applies the
     * latched address/data when the entry was masked as far as we saw, and also when
     * they changed since the binding: Xen 4.17 forwards only such an unmask of an entry
     * it intercepts (mask writes never reach us, so the latch may still say unmasked:
     * Linux's mask → address/data → unmask of an affinity change), and completes the
     * unmask itself afterwards (msix_write_completion). QEMU xen_pt_msi.c
     * pci_msix_write does the same (entry->updated). */
    if (!entry_masked(e) && (was_masked || e->updated) && m->enabled && !m->maskall) {
        entry_apply(d, i);
    }
}

static void trap_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    XptPtDevice *d = opaque;
    XptPtMsix *m = d->msix;
    uint64_t off = m->trap_off + offset;
    if (!access_ok(d, off, size, true)) {
        return;
    }
    unsigned entry, dword;
    if (in_table(m, off, &entry, &dword)) {
        entry_write(d, entry, dword, (uint32_t)val);
        if (size == 8) {
            entry_write(d, entry, dword + 1, (uint32_t)(val >> 32));
        }
        return;
    }
    if (in_pba(m, off, size)) {
        xpt_log_ratelimited(&m->access_rl, XPT_LOG_GUEST_ERROR,
                            "%s: MSI-X PBA write at BAR %u offset 0x%" G_GINT64_MODIFIER
                            "x dropped", d->who, m->bar, off);
        return;
    }
    xpt_host_bar_write(m->host_bar, off, val, size);
}

static const XptIoOps trap_ops = { .read = trap_read, .write = trap_write };

/* ---- interface --------------------------------------------------------------------------- */

static void msix_destroy(XptPtMsix *m)
{
    if (!m) {
        return;
    }
    xpt_host_bar_close(m->host_bar);
    g_free(m->entries);
    g_free(m->region_name);
    g_free(m);
}

bool xpt_pt_msix_init(XptPtDevice *d, GError **errp)
{
    /* The capability whose Control hook calls xpt_pt_msix_ctrl_write (see msi_init). */
    const XptRegGroup *g = xpt_regfile_group(&d->regs, PCI_CAP_ID_MSIX);
    unsigned cap = g ? g->base : 0;
    if (!cap) {
        return true;
    }
    /* Where the table is, and the rule the readiness check reports too
     * (hw/host/host-rules.h). */
    XptHostMsixTable mt;
    if (!xpt_host_rule_msix_table(d->host, cap, d->who, &mt, errp)) {
        return false;
    }
    unsigned nr = mt.nr, bir = mt.bir;
    uint64_t table_off = mt.table_off, table_len = mt.table_len;
    uint32_t pba = mt.pba, ctrl = mt.ctrl;
    const XptHostRegion *h = xpt_host_pci_bar(d->host, bir);
    uint64_t trap_off = table_off & ~(XPT_PAGE_SIZE - 1);
    uint64_t trap_last = (table_off + table_len - 1) & ~(XPT_PAGE_SIZE - 1);
    const XptPtBar *b = &d->bars[bir];
    if (!b->has_skip || b->skip_first != trap_off || b->skip_last != trap_last) {
        /* The table pages must never be mapped to the guest (invariant 10). */
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: MSI-X table pages of BAR %u (0x%" G_GINT64_MODIFIER "x-0x%"
                    G_GINT64_MODIFIER "x) are not left out of the guest mapping", d->who,
                    bir, trap_off, (uint64_t)(trap_last + XPT_PAGE_SIZE - 1));
        return false;
    }

    g_autoptr(XptHostBar) hb = NULL;
    XptHostBarOptions o = {
        .sysfs_root = d->props.host_sysfs, .sbdf = xpt_host_pci_sbdf(d->host), .bar = bir,
        .offset = trap_off, .len = trap_last + XPT_PAGE_SIZE - trap_off,
        .base_in_page = h->base & (XPT_PAGE_SIZE - 1),
        .shadow = xpt_host_pci_is_shadow(d->host),
    };
    hb = xpt_host_bar_open(&o, errp);
    if (!hb) {
        g_prefix_error(errp, "%s: MSI-X: ", d->who);
        return false;
    }

    XptPtMsix *m = g_new0(XptPtMsix, 1);
    m->cap = (uint8_t)cap;
    m->nr_entries = nr;
    m->bar = bir;
    m->table_off = table_off;
    m->table_len = table_len;
    if ((pba & PCI_MSIX_BIR) == bir) {
        m->pba_off = pba & ~(uint32_t)PCI_MSIX_BIR;
        m->pba_len = (uint64_t)(nr + 63) / 64 * 8;
    }
    m->trap_off = o.offset;
    m->trap_len = o.len;
    m->host_base = h->base;
    m->region_name = g_strconcat(d->who, " MSI-X table", NULL);
    m->access_rl = (XptRateLimit)XPT_RATELIMIT_INIT(10, 1000);
    m->host_bar = g_steal_pointer(&hb);
    m->entries = g_new0(XptPtMsixEntry, nr);
    for (unsigned i = 0; i < nr; i++) {
        m->entries[i].latch[ENTRY_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;   /* start masked */
        m->entries[i].vec = (XptMsiVector)XPT_MSI_VECTOR_INIT;
    }
    d->msix = m;
    xpt_log(XPT_LOG_HOST, "%s: MSI-X %u entries in BAR %u at 0x%" G_GINT64_MODIFIER "x, "
            "PBA %s0x%x, trapped pages 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
            "x (%s)", d->who, nr, bir, table_off, m->pba_len ? "" : "in another BAR, ",
            pba, m->trap_off, m->trap_len,
            xpt_host_bar_is_shadow(m->host_bar) ? "shadow" : xpt_host_bar_path(m->host_bar));

    if (ctrl & PCI_MSIX_FLAGS_ENABLE) {
        xpt_log(XPT_LOG_HOST, "%s: host MSI-X was enabled at attach: disabling it", d->who);
        if (!xpt_host_pci_write(d->host, cap + PCI_MSIX_FLAGS, 2,
                                ctrl & ~(uint32_t)PCI_MSIX_FLAGS_ENABLE, errp)) {
            g_prefix_error(errp, "%s: clearing the host MSI-X enable: ", d->who);
            return false;    /* d->msix is freed with the device */
        }
    }
    return true;
}

void xpt_pt_msix_ctrl_write(XptPtDevice *d, uint16_t guest_val, uint16_t valid,
                            uint32_t *host_val, uint32_t *host_mask)
{
    const uint32_t bits = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;
    XptPtMsix *m = d->msix;
    if (!m || m->released) {
        *host_mask &= ~bits;            /* nothing can be bound: keep the host disabled */
        return;
    }
    if (!(valid & bits)) {
        return;                         /* the access did not cover byte 1 */
    }
    bool enable = guest_val & PCI_MSIX_FLAGS_ENABLE;
    bool maskall = guest_val & PCI_MSIX_FLAGS_MASKALL;
    bool was_live = m->enabled && !m->maskall;

    if (enable && !m->enabled && !d->msi.enabled) {
        /* An MSI vector whose release failed at the last MSI disable still holds its
         * pirq, and Xen refuses MSI-X pirqs while it does (EBUSY): retry it first. */
        xpt_msi_vector_release(d, &d->msi.vec);
    }

    if (!enable && m->enabled) {
        release_entries(d);             /* disable: unbind and unmap every entry */
    }
    m->enabled = enable;
    m->maskall = maskall;
    if (enable && !maskall && !was_live) {
        apply_live(d);                  /* enabled, or function mask cleared */
    }
    /* Forward both bits now that the entries are bound (QEMU xen_pt_msixctrl_reg_write). */
    *host_val = (*host_val & ~bits) | (guest_val & bits);
    *host_mask |= bits & valid;
}

void xpt_pt_msix_bar_mapped(XptPtDevice *d, unsigned bar, bool mapped, uint64_t bar_gaddr)
{
    XptPtMsix *m = d->msix;
    if (!m || bar != m->bar) {
        return;
    }
    xpt_dispatcher_del_region(d->machine->disp, &m->region);   /* idempotent */
    if (!mapped || m->released) {
        return;
    }
    m->region = (XptIoRegion){
        .name = m->region_name, .type = XPT_RANGE_MEMORY, .base = bar_gaddr + m->trap_off,
        .size = m->trap_len, .ops = &trap_ops, .opaque = d,
    };
    g_autoptr(GError) err = NULL;
    if (!xpt_dispatcher_add_region(d->machine->disp, &m->region, &err)) {
        xpt_warn_ratelimited(&d->map_rl, "%s: MSI-X table pages at 0x%" G_GINT64_MODIFIER
                             "x not claimed (the guest cannot reach the table): %s",
                             d->who, m->region.base, err->message);
    }
    m->gtable = bar_gaddr + m->table_off;
    rebind_moved(d);
}

void xpt_pt_msix_release(XptPtDevice *d)
{
    XptPtMsix *m = d->msix;
    if (!m) {
        return;
    }
    release_entries(d);                 /* again after a partial failure: retries */
    if (m->released) {
        return;
    }
    xpt_dispatcher_del_region(d->machine->disp, &m->region);
    m->released = true;
    /* As on disable (QEMU xen_pt_msix_disable): the host Enable goes off. */
    uint32_t ctrl;
    if (m->enabled &&
        xpt_pt_host_read(d, m->cap + PCI_MSIX_FLAGS, 2, &ctrl) &&
        (ctrl & PCI_MSIX_FLAGS_ENABLE)) {
        xpt_host_pci_write(d->host, m->cap + PCI_MSIX_FLAGS, 2,
                           ctrl & ~(uint32_t)PCI_MSIX_FLAGS_ENABLE, NULL);
    }
    m->enabled = false;
    g_clear_pointer(&m->host_bar, xpt_host_bar_close);
}

void xpt_pt_msix_retry_release(XptPtDevice *d)
{
    XptPtMsix *m = d->msix;
    if (m && !m->enabled && !m->released) {
        release_entries(d);
    }
}

void xpt_pt_msix_free(XptPtDevice *d)
{
    g_clear_pointer(&d->msix, msix_destroy);
}

unsigned xpt_pt_msix_nr_entries(const XptPtMsix *m)
{
    return m->nr_entries;
}
