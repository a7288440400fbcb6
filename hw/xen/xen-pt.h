/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xen-pci-passthrough: a host PCI device presented in a guest slot (SPEC §5, §6).
 *
 * Properties (-device xen-pci-passthrough,...; QEMU's names):
 *   hostaddr=SSSS:BB:DD.F   host device (required)
 *   id=NAME                 qdev id
 *   addr=SS[.F]             guest slot (hex, QEMU syntax)
 *   permissive=on|off       let writes to registers we do not virtualize reach the host
 *   multifunction=on|off    keep the host function number; header type bit 7 set
 *   rombar=0|1              expose the expansion ROM (default 1)
 *   romfile=PATH            ROM contents from a file instead of the host
 *   unaligned-bars=on|off   accept memory BARs whose host base/size is not page-aligned
 *                           (UNSAFE: the guest then maps a neighbour's registers)
 *   host-sysfs=DIR          sysfs-like tree for the sysfs backend (default /sys)
 *   host-dump=FILE          lspci -vv -xxx dump backend
 */
#ifndef XPT_HW_XEN_XEN_PT_H
#define XPT_HW_XEN_XEN_PT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/host/host-pci.h"
#include "hw/i386/machine.h"
#include "hw/pci/bar.h"
#include "hw/pci/pci.h"
#include "hw/pci/regs.h"
#include "hw/xen/xen-pt-msi.h"
#include "hw/xen/xen-pt-msix.h"
#include "xen/ioreq.h"

#define XPT_PT_DRIVER "xen-pci-passthrough"
#define XPT_PT_ROM_INDEX 6

/** Guest state of one BAR (0–5) or the ROM (6). Addresses are guest-physical. */
typedef struct XptPtBar {
    XptBar bar;                  /* guest size and type */
    const XptHostRegion *host;   /* host region backing it */
    bool mapped;                 /* currently mapped in the p2m / ioport map / as region */
    uint64_t mapped_addr;
    /* Memory BARs: which of the (at most two) page runs around the MSI-X table pages are
     * in the p2m (bit per run), so that a removal that failed halfway is retried for
     * what is left only. */
    uint8_t runs_mapped;
    /* Pages of the BAR [skip_first, skip_last] (byte offsets, page-aligned) not mapped
     * because they hold the MSI-X table (trapped, never mapped to the guest). */
    bool has_skip;
    uint64_t skip_first, skip_last;
} XptPtBar;

typedef struct XptPtProps {
    char *hostaddr;
    bool permissive;
    bool multifunction;
    bool rombar;
    char *romfile;
    bool unaligned_bars;
    char *host_sysfs;
    char *host_dump;
} XptPtProps;

typedef struct XptPtDevice {
    XptPciDevice pci;            /* must be first */
    XptMachine *machine;
    XptPtProps props;
    XptHostPci *host;
    char *who;                   /* "0000:01:00.0 (id nic0)" for messages */
    XptRegFile regs;
    XptPtBar bars[7];            /* 0–5, ROM */
    XptHostGrant grant;          /* what the toolstack granted (sim) */
    bool granted;
    uint16_t guest_cmd;          /* last guest command value (decode bits) */
    XptIoRegion rom_region;
    uint8_t *rom_data;           /* ROM image served to the guest, rom_len bytes */
    size_t rom_len;
    XptRateLimit map_rl;         /* mapping failure messages */
    /* INTx (hw/xen/xen-pt-intx.c): guest pin 1–4 or 0; pirq of the host GSI, -1 none. */
    uint8_t intx_pin;
    int intx_pirq;
    bool intx_bound;
    bool intx_hot;               /* intx_pirq mapped after the guest started: kept at detach */
    XptPtMsi msi;                /* hw/xen/xen-pt-msi.c */
    XptPtMsix *msix;             /* hw/xen/xen-pt-msix.c; NULL without MSI-X */
} XptPtDevice;

/**
 * xpt_pt_create: open the host device and realize it on machine @m at @devfn (the
 * machine chose the slot). @props is consumed (ownership moves to the device on success
 * and is freed on failure). Errors: host open errors (hw/host/host-pci.h), unaligned BARs
 * (XPT_ERROR_UNSUPPORTED naming `pci=resource_alignment=` and unaligned-bars=on),
 * romfile unreadable, claim failures. On failure nothing is left behind.
 */
XptPtDevice *xpt_pt_create(XptMachine *m, XptPtProps *props, const char *id, uint8_t devfn,
                           GError **errp);

/** xpt_pt_parse_props: read the properties above from @opts (driver and id removed). */
bool xpt_pt_parse_props(XptOpts *opts, XptPtProps *props, GError **errp);
void xpt_pt_props_clear(XptPtProps *props);

/** xpt_pt_open_host: open the host device of @props (for slot decisions before create). */
XptHostPci *xpt_pt_open_host(const XptPtProps *props, bool shadow, GError **errp);

/**
 * xpt_pt_host_read: read @len (1, 2, 4) host config bytes at @offset for a
 * read-modify-write. False when the read failed, and also when it returned all-ones
 * while the vendor ID reads 0xFFFF too: that is a master abort, not a value (the device
 * is gone, in reset or powered off; PCI LB 3.0 §6.2.1: no function has vendor ID
 * 0xFFFF; Linux pci_device_is_present tests the same), and writing back what was merged
 * from it would set read-only and reserved bits (XSA-128's rule: no host write after a
 * failed read; found by the fuzzer's host-gone operation, which saw MSI-X control
 * written back as 0xFFFF and 0x7FFF).
 */
bool xpt_pt_host_read(XptPtDevice *d, unsigned offset, unsigned len, uint32_t *val);

/** The register tables of the passthrough device (hw/xen/xen-pt-header.c, -caps.c). */
extern const XptRegGroupInfo xpt_pt_header_group;
extern const XptRegGroupInfo *const xpt_pt_cap_groups[];

/** BAR/ROM state after a BAR, ROM or command register write (hw/xen/xen-pt-bar.c):
 *  unmap what moved or lost decode, then map what is now decodable. */
void xpt_pt_bars_update(XptPtDevice *d);
/** Compute guest BAR types/sizes from the host (at realize). Fails on unaligned BARs. */
bool xpt_pt_bars_init(XptPtDevice *d, GError **errp);
/**
 * xpt_pt_bars_check_host: refuse a host BAR layout that would expose the same host
 * registers twice or an MSI-X table (issue 13 item 2), after xpt_pt_bars_init. Compared
 * are @d's BARs with each other and with those of the @n devices @others (attached):
 * byte or port ranges that overlap; memory BARs sharing a host page (allowed when either
 * device has unaligned-bars=on); a memory BAR whose mapped frames (the host frames
 * for_each_piece maps: every page of the BAR but the MSI-X table pages of the table's
 * own BAR) hold an MSI-X table page of @d or of another device (never allowed).
 * Thus no p2m mapping ever covers an attached device's MSI-X table page, and no host
 * frame is mapped at two guest addresses. Error: XPT_ERROR_INVALID, one line naming both
 * BARs and their host ranges.
 */
bool xpt_pt_bars_check_host(XptPtDevice *d, const XptPtDevice *const *others, size_t n,
                            GError **errp);
/** Unmap everything (detach/shutdown); idempotent. A mapping the hypervisor refuses to
 *  remove stays recorded (one warning), so calling it again retries. */
void xpt_pt_bars_release(XptPtDevice *d);

/**
 * xpt_pt_intx_init: at realize (after the grant): if the host has an IRQ and an interrupt
 * pin, map a pirq for the host GSI (xc_physdev_map_pirq) and bind it to (bus 0, guest
 * slot, pin-1) (xc_domain_bind_pt_pci_irq; the pirq must be < 256, a libxenctrl limit).
 * Sets d->intx_pin to the host pin on success. When the host IRQ is 0 or a call fails,
 * the guest sees pin 0 and the host INTx-disable bit is set (one warning naming the
 * device and the call). Never fails the attach.
 */
void xpt_pt_intx_init(XptPtDevice *d);

/**
 * xpt_pt_intx_release: unbind, then unmap the INTx pirq (detach). Idempotent; what the
 * hypervisor refuses stays recorded (one warning), so calling it again retries.
 * A pirq mapped after the guest started (a hot-plugged device's) is unbound but left
 * mapped, in m->kept_intx_pirqs: its number is the host GSI, and the guest may have taken
 * the same pirq for one of its emulated GSIs (Linux with a vector callback maps COM1's,
 * the SCI's... from pirq 16 up, Xen 4.17 physdev_hvm_map_pirq → get_free_pirq); Xen's
 * physdev_unmap_pirq would silence that interrupt for good (unmap_domain_pirq_emuirq).
 * A later attach of the same host GSI takes the pirq back; the machine unmaps the rest
 * when it ends (xpt_pt_intx_unmap_kept). A failed attach or INTx set-up unmaps at once,
 * so that it leaves nothing behind.
 */
void xpt_pt_intx_release(XptPtDevice *d);

/** xpt_pt_intx_unmap_kept: unmap the pirqs xpt_pt_intx_release left mapped (machine end,
 *  after its devices are gone); what the hypervisor refuses is warned about and dropped. */
void xpt_pt_intx_unmap_kept(XptMachine *m);

#endif
