/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * INTx of xen-pci-passthrough (SPEC §6; reference/xen-abi.md §Interrupts and §Call
 * sequences "Attach"/"Detach"; QEMU hw/xen/xen_pt.c xen_pt_realize). The guest pin is the
 * host pin; Xen routes the guest's (slot, pin) to GSI ((dev*4 + dev/8 + intx) & 31) + 16
 * itself once the host IRQ's pirq is bound to (bus 0, slot, pin-1).
 *
 * Shared host GSI (GPU + HDMI audio, UHCI pairs: several passed-through functions behind
 * one host IRQ): the GSI's pirq is mapped once, by the first device that needs it, and
 * every device binds its own (slot, pin) to it; a device leaving unbinds only its own
 * binding and unmaps the pirq only when no other device of the machine still holds it.
 * The rule comes from Xen 4.17: mapping a GSI again returns the same pirq but keeps no
 * count (xen/arch/x86/irq.c allocate_and_map_gsi_pirq), and unmapping a pirq that is
 * still bound succeeds by force-unbinding all of its bindings at once
 * (unmap_domain_pirq → pirq_guest_force_unbind), so one device's unmap would silence its
 * siblings; unbinding one (dev, intx) leaves the others bound (pt_irq_destroy_bind in
 * xen/drivers/passthrough/x86/hvm.c). The holders are found among the machine's devices
 * (d->intx_pirq ≥ 0 means "holds a reference"), so no separate count can drift.
 *
 * Hot-plugged devices share one more thing: the pirq number space with the guest. A Linux
 * HVM guest with a vector callback routes its emulated GSIs (COM1's 4, the SCI's 9, the
 * RTC's 8...) through pirqs it maps itself, from 16 up (Xen 4.17 physdev_hvm_map_pirq →
 * get_free_pirq), and a GSI pirq is the host GSI (libxenctrl xc_physdev_map_pirq; libxl's
 * pci_add_dm_done maps the same one): a device hot-plugged on host GSI 23 takes the pirq
 * the guest may already use for COM1. Xen allows it (map_domain_pirq does not look at
 * the emulated IRQ) and both keep working, but unmapping it from the device model
 * (physdev_unmap_pirq → unmap_domain_pirq_emuirq) also removes the guest's routing, and
 * the emulated interrupt goes to a vIOAPIC pin the guest masked: seen under real Xen as
 * COM1 falling silent after a hot-unplug. libxl unmaps only for PV guests
 * (do_pci_remove), so the device model's unmap is the one that matters: a pirq mapped
 * once the guest ran is left mapped (unbound, so the host GSI reaches nobody) until the
 * same GSI is attached again or the machine ends. QEMU 7.2 unmaps it (xen_pt.c
 * xen_pt_destroy).
 */
#include "hw/xen/xen-pt.h"

#include "util/error.h"
#include "util/log.h"

#define PCI_INTERRUPT_PIN 0x3D
#define PCI_COMMAND 0x04
#define XPT_INTX_MAX_PIRQ 0xFF   /* xc_domain_bind_pt_pci_irq takes the pirq as uint8_t */

/* Host INTx disable on: the host line must not assert with nobody to deliver it. */
static void host_intx_off(XptPtDevice *d)
{
    uint32_t cmd;
    if (xpt_pt_host_read(d, PCI_COMMAND, 2, &cmd) &&
        !(cmd & XPT_PCI_COMMAND_INTX_DISABLE)) {
        xpt_host_pci_write(d->host, PCI_COMMAND, 2, cmd | XPT_PCI_COMMAND_INTX_DISABLE, NULL);
    }
}

/*
 * Another passthrough device of @d's machine holding a pirq: the one mapped from host
 * GSI @irq when @irq > 0, else the one using @pirq. NULL if none. Passthrough devices
 * are those of @d's class; @d itself is skipped (it may still be in the device list
 * while it is released, or not yet in it while it is created).
 */
static XptPtDevice *intx_holder(XptPtDevice *d, int irq, int pirq)
{
    GPtrArray *devs = d->machine->devices;
    for (guint i = 0; devs && i < devs->len; i++) {
        XptPciDevice *pci = g_ptr_array_index(devs, i);
        if (pci == &d->pci || pci->klass != d->pci.klass) {
            continue;
        }
        XptPtDevice *o = (XptPtDevice *)pci;
        if (o->intx_pirq < 0) {
            continue;
        }
        if (irq > 0 ? xpt_host_pci_irq(o->host) == irq : o->intx_pirq == pirq) {
            return o;
        }
    }
    return NULL;
}

/* Remove @pirq from the pirqs kept mapped (a device holds it again); false if absent. */
static bool take_kept(XptMachine *m, int pirq)
{
    for (guint i = 0; i < m->kept_intx_pirqs->len; i++) {
        if (g_array_index(m->kept_intx_pirqs, int, i) == pirq) {
            g_array_remove_index_fast(m->kept_intx_pirqs, i);
            return true;
        }
    }
    return false;
}

void xpt_pt_intx_init(XptPtDevice *d)
{
    XptHv *hv = d->machine->hv;
    uint8_t slot = XPT_PCI_SLOT(d->pci.devfn);
    int irq = xpt_host_pci_irq(d->host);
    uint32_t pin = 0;

    d->intx_pin = 0;
    d->intx_pirq = -1;
    d->intx_bound = false;
    if (!xpt_host_pci_read(d->host, PCI_INTERRUPT_PIN, 1, &pin, NULL) || pin < 1 || pin > 4) {
        return;   /* no INTx: nothing to route (MSI-only devices) */
    }
    if (irq <= 0) {
        xpt_log(XPT_LOG_HV, "%s: host IRQ 0 (no INTx routed in dom0): guest pin 0", d->who);
        host_intx_off(d);
        return;
    }
    g_autoptr(GError) err = NULL;
    int pirq = -1;
    XptPtDevice *holder = intx_holder(d, irq, -1);
    d->intx_hot = d->machine->guest_started;
    if (holder) {
        pirq = holder->intx_pirq;    /* shared GSI: already mapped, bind only */
        d->intx_hot = holder->intx_hot;   /* what matters is when the pirq was mapped */
        xpt_log(XPT_LOG_HV, "%s: host IRQ %d shared with %s: binding its pirq %d", d->who,
                irq, holder->who, pirq);
    } else if (!xpt_hv_map_pirq(hv, d->who, irq, &pirq, &err)) {
        goto fail;
    } else {
        take_kept(d->machine, pirq);  /* mapped again: Xen returned the kept pirq */
    }
    d->intx_pirq = pirq;
    if (pirq > XPT_INTX_MAX_PIRQ) {
        g_set_error(&err, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "%s: pirq %d of host IRQ %d does not fit xc_domain_bind_pt_pci_irq's "
                    "8-bit pirq", d->who, pirq, irq);
        goto fail;
    }
    if (!xpt_hv_bind_pt_intx(hv, d->who, pirq, 0, slot, (uint8_t)(pin - 1), &err)) {
        goto fail;
    }
    d->intx_bound = true;
    d->intx_pin = (uint8_t)pin;
    return;

fail:
    xpt_warn_report("%s; INTx disabled (the guest sees interrupt pin 0; MSI/MSI-X still "
                    "work)", err->message);
    d->intx_hot = false;          /* a failed set-up leaves nothing (the pirq is unmapped) */
    xpt_pt_intx_release(d);
    host_intx_off(d);
}

void xpt_pt_intx_release(XptPtDevice *d)
{
    XptHv *hv = d->machine->hv;
    if (d->intx_bound) {
        g_autoptr(GError) err = NULL;
        uint8_t intx = (uint8_t)(d->intx_pin - 1);
        if (!xpt_hv_unbind_pt_intx(hv, d->who, d->intx_pirq, 0, XPT_PCI_SLOT(d->pci.devfn),
                                   intx, &err)) {
            xpt_warn_report("%s; will retry", err->message);
            return;    /* still bound, so its pirq cannot be unmapped yet */
        }
        d->intx_bound = false;
    }
    if (d->intx_pirq >= 0) {
        XptPtDevice *holder = intx_holder(d, 0, d->intx_pirq);
        if (holder) {
            /* Xen would force-unbind the holder's binding too (unmap_domain_pirq):
             * leave the mapping to the last device using it. */
            xpt_log(XPT_LOG_HV, "%s: pirq %d still used by %s: not unmapped", d->who,
                    d->intx_pirq, holder->who);
            d->intx_pirq = -1;
            return;
        }
        if (d->intx_hot) {
            xpt_log(XPT_LOG_HV, "%s: pirq %d left mapped (unbound): mapped while the guest "
                    "ran, it may also carry one of the guest's emulated GSIs, which an unmap "
                    "would silence (Xen physdev_unmap_pirq → unmap_domain_pirq_emuirq)",
                    d->who, d->intx_pirq);
            g_array_append_val(d->machine->kept_intx_pirqs, d->intx_pirq);
            d->intx_pirq = -1;
            return;
        }
        g_autoptr(GError) err = NULL;
        if (!xpt_hv_unmap_pirq(hv, d->who, d->intx_pirq, &err)) {
            xpt_warn_report("%s; will retry", err->message);
            return;
        }
        d->intx_pirq = -1;
    }
}

void xpt_pt_intx_unmap_kept(XptMachine *m)
{
    for (guint i = 0; i < m->kept_intx_pirqs->len; i++) {
        g_autoptr(GError) err = NULL;
        int pirq = g_array_index(m->kept_intx_pirqs, int, i);
        if (!xpt_hv_unmap_pirq(m->hv, "xen-pci-passthrough", pirq, &err)) {
            xpt_warn_report("%s", err->message);
        }
    }
    g_array_set_size(m->kept_intx_pirqs, 0);
}
