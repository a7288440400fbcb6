/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI of xen-pci-passthrough and the per-vector map/bind helpers MSI-X shares
 * (hw/xen/xen-pt-msi.h).
 */
#include "hw/xen/xen-pt-msi.h"

#define __XEN_TOOLS__ 1   /* domctl.h is a tools-only header; we need its gflags bits */
#include <xen/domctl.h>

#include "hw/xen/xen-pt.h"
#include "util/error.h"
#include "util/log.h"

#define PCI_CAP_ID_MSI 0x05
#define PCI_MSI_FLAGS 0x02
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_64BIT 0x0080
#define PCI_MSI_ADDRESS_LO 0x04
#define PCI_MSI_ADDRESS_HI 0x08
#define PCI_MSI_DATA_32 0x08
#define PCI_MSI_DATA_64 0x0C

/* x86 MSI address/data fields (Intel SDM vol. 3 §11.11.1–2). */
#define MSI_ADDR_DEST_ID_SHIFT 12
#define MSI_ADDR_RH 0x8
#define MSI_ADDR_DM 0x4
#define MSI_DATA_VECTOR_MASK 0xFF
#define MSI_DATA_DELIV_SHIFT 8
#define MSI_DATA_TRIGGER 0x8000

uint32_t xpt_msi_gflags(uint64_t addr, uint32_t data, bool masked)
{
    uint32_t f = 0;
    f |= (uint32_t)(addr >> MSI_ADDR_DEST_ID_SHIFT) & XEN_DOMCTL_VMSI_X86_DEST_ID_MASK;
    f |= (addr & MSI_ADDR_RH) ? XEN_DOMCTL_VMSI_X86_RH_MASK : 0;
    f |= (addr & MSI_ADDR_DM) ? XEN_DOMCTL_VMSI_X86_DM_MASK : 0;
    f |= ((data >> MSI_DATA_DELIV_SHIFT) & 7) << 12;   /* XEN_DOMCTL_VMSI_X86_DELIV_MASK */
    f |= (data & MSI_DATA_TRIGGER) ? XEN_DOMCTL_VMSI_X86_TRIG_MASK : 0;
    f |= masked ? 0 : XEN_DOMCTL_VMSI_X86_UNMASKED;
    return f;
}

int xpt_msi_requested_pirq(uint64_t addr, uint32_t data)
{
    if (data & MSI_DATA_VECTOR_MASK) {
        return -1;
    }
    uint32_t pirq = (uint32_t)((addr >> MSI_ADDR_DEST_ID_SHIFT) & 0xFF) |
                    ((uint32_t)(addr >> 32) & 0xFFFFFF00u);
    return pirq && pirq <= G_MAXINT ? (int)pirq : -1;
}

bool xpt_msi_vector_bind(XptPtDevice *d, XptMsiVector *v, uint64_t addr, uint32_t data,
                         bool masked, int entry_nr, uint64_t host_table_base,
                         uint64_t gtable, GError **errp)
{
    XptHv *hv = d->machine->hv;

    if (v->pirq < 0) {
        int pirq = xpt_msi_requested_pirq(addr, data);
        if (pirq >= 0) {
            xpt_log(XPT_LOG_HV, "%s: guest requests pirq %d (PV-on-HVM MSI%s entry %d)",
                    d->who, pirq, host_table_base ? "-X" : "", entry_nr);
        }
        if (!xpt_hv_map_pirq_msi(hv, d->who, &pirq, xpt_host_pci_segment(d->host),
                                 xpt_host_pci_bus(d->host), xpt_host_pci_devfn(d->host),
                                 entry_nr, host_table_base, errp)) {
            return false;
        }
        v->pirq = pirq;
    }
    if (v->bound && v->gtable != gtable) {
        /* Xen reads gtable only at the first bind: unbind first. If that fails the old
         * binding stays as it is and so does our record of it. */
        if (!xpt_hv_unbind_msi(hv, d->who, v->gvec, v->pirq, v->gflags, errp)) {
            return false;
        }
        v->bound = false;
    }
    uint32_t gvec = data & MSI_DATA_VECTOR_MASK;
    uint32_t gflags = xpt_msi_gflags(addr, data, masked);
    if (!xpt_hv_bind_msi(hv, d->who, gvec, v->pirq, gflags, gtable, errp)) {
        if (!v->bound) {
            /* Nothing bound on this pirq: give it back (QEMU msi_msix_update). If that
             * fails too, keep it: the next bind reuses it and a release retries (found
             * by the fuzzer: forgetting it leaked the pirq, and every later map of the
             * entry failed with EEXIST). */
            g_autoptr(GError) err = NULL;
            if (xpt_hv_unmap_pirq(hv, d->who, v->pirq, &err)) {
                v->pirq = -1;
            } else {
                xpt_warn_report("%s; will retry at the next release", err->message);
            }
        }
        return false;
    }
    v->bound = true;
    v->gvec = gvec;
    v->gflags = gflags;
    v->gtable = gtable;
    return true;
}

bool xpt_msi_vector_release(XptPtDevice *d, XptMsiVector *v)
{
    XptHv *hv = d->machine->hv;
    if (v->bound) {
        g_autoptr(GError) err = NULL;
        if (!xpt_hv_unbind_msi(hv, d->who, v->gvec, v->pirq, v->gflags, &err)) {
            xpt_warn_report("%s; will retry at the next release", err->message);
            return false;
        }
        v->bound = false;
    }
    if (v->pirq >= 0) {
        g_autoptr(GError) err = NULL;
        if (!xpt_hv_unmap_pirq(hv, d->who, v->pirq, &err)) {
            xpt_warn_report("%s; will retry at the next release", err->message);
            return false;
        }
    }
    *v = (XptMsiVector)XPT_MSI_VECTOR_INIT;
    return true;
}

/* ---- the MSI capability ---------------------------------------------------------------- */

static uint32_t emulated(XptPtDevice *d, unsigned off)
{
    XptReg *r = xpt_regfile_reg(&d->regs, d->msi.cap + off);
    return r ? r->val : 0;
}

static void guest_msg(XptPtDevice *d, uint64_t *addr, uint32_t *data)
{
    XptPtMsi *m = &d->msi;
    *addr = emulated(d, PCI_MSI_ADDRESS_LO);
    if (m->is_64) {
        *addr |= (uint64_t)emulated(d, PCI_MSI_ADDRESS_HI) << 32;
    }
    *data = emulated(d, m->is_64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32) & 0xFFFF;
}

bool xpt_pt_msi_init(XptPtDevice *d, GError **errp)
{
    XptPtMsi *m = &d->msi;
    *m = (XptPtMsi){ .vec = XPT_MSI_VECTOR_INIT };
    const XptRegGroup *g = xpt_regfile_group(&d->regs, PCI_CAP_ID_MSI);
    unsigned cap = g ? g->base : 0;
    if (!cap) {
        return true;
    }
    uint32_t ctrl;
    if (!xpt_host_pci_read(d->host, cap + PCI_MSI_FLAGS, 2, &ctrl, errp)) {
        g_prefix_error(errp, "%s: MSI control: ", d->who);
        return false;
    }
    m->cap = (uint8_t)cap;
    m->is_64 = ctrl & PCI_MSI_FLAGS_64BIT;
    if (ctrl & PCI_MSI_FLAGS_ENABLE) {
        xpt_log(XPT_LOG_HOST, "%s: host MSI was enabled at attach: disabling it", d->who);
        if (!xpt_host_pci_write(d->host, cap + PCI_MSI_FLAGS, 2,
                                ctrl & ~PCI_MSI_FLAGS_ENABLE, errp)) {
            g_prefix_error(errp, "%s: clearing the host MSI enable: ", d->who);
            return false;
        }
    }
    return true;
}

void xpt_pt_msi_ctrl_write(XptPtDevice *d, uint16_t guest_val, uint16_t valid,
                           uint32_t *host_val, uint32_t *host_mask)
{
    XptPtMsi *m = &d->msi;
    if (!m->cap) {
        *host_mask &= ~(uint32_t)PCI_MSI_FLAGS_ENABLE;       /* no MSI set up: keep it off */
        return;
    }
    if (!(valid & PCI_MSI_FLAGS_ENABLE)) {
        return;
    }
    bool want = guest_val & PCI_MSI_FLAGS_ENABLE;
    if (want && !m->enabled) {
        uint64_t addr;
        uint32_t data;
        xpt_pt_msix_retry_release(d);   /* MSI-X pirqs left by a failed release: EBUSY */
        guest_msg(d, &addr, &data);
        g_autoptr(GError) err = NULL;
        if (!xpt_msi_vector_bind(d, &m->vec, addr, data, false, 0, 0, 0, &err)) {
            xpt_warn_ratelimited(&d->map_rl, "%s; MSI stays disabled", err->message);
            *host_mask &= ~(uint32_t)PCI_MSI_FLAGS_ENABLE;   /* guest reads Enable 0 */
            return;
        }
        m->enabled = true;
    } else if (!want && m->enabled) {
        xpt_msi_vector_release(d, &m->vec);
        m->enabled = false;
    } else {
        *host_mask &= ~(uint32_t)PCI_MSI_FLAGS_ENABLE;       /* no change for the host */
        return;
    }
    *host_val = (*host_val & ~(uint32_t)PCI_MSI_FLAGS_ENABLE) | (want ? 1u : 0u);
    *host_mask |= PCI_MSI_FLAGS_ENABLE;
}

void xpt_pt_msi_update(XptPtDevice *d)
{
    XptPtMsi *m = &d->msi;
    if (!m->enabled) {
        return;
    }
    uint64_t addr;
    uint32_t data;
    guest_msg(d, &addr, &data);
    uint32_t gflags = xpt_msi_gflags(addr, data, false);
    if (m->vec.bound && m->vec.gvec == (data & MSI_DATA_VECTOR_MASK) &&
        m->vec.gflags == gflags) {
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!xpt_msi_vector_bind(d, &m->vec, addr, data, false, 0, 0, 0, &err)) {
        xpt_warn_ratelimited(&d->map_rl, "%s; the previous MSI binding stays", err->message);
    }
}

void xpt_pt_msi_release(XptPtDevice *d)
{
    XptPtMsi *m = &d->msi;
    bool was = m->enabled || m->vec.pirq >= 0;
    xpt_msi_vector_release(d, &m->vec);       /* whatever is held, even without a cap */
    if (!m->cap) {
        return;
    }
    m->enabled = false;
    uint32_t ctrl;
    if (was && xpt_pt_host_read(d, m->cap + PCI_MSI_FLAGS, 2, &ctrl) &&
        (ctrl & PCI_MSI_FLAGS_ENABLE)) {
        xpt_host_pci_write(d->host, m->cap + PCI_MSI_FLAGS, 2, ctrl & ~PCI_MSI_FLAGS_ENABLE,
                           NULL);
    }
}
