/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The readiness check (-check-host, issue 14 item 4): for each host device, what would
 * stop it from being passed through to an HVM guest and the fix, one finding a line,
 * then a verdict. Read-only: config space through libpci (sysfs or dump, shadow mode),
 * sysfs links and small attribute files; nothing is written, no ROM is enabled.
 *
 * Checks, in order (the "check" name of each finding):
 *   attach      the attach-time refusals themselves: xpt_host_pci_open() (bridges, PCIe
 *               ports, short or unreadable config space) and hw/host/host-rules.h (BAR
 *               pages, MSI-X table placement) — the very functions attach calls — and,
 *               when the caller gives one, a trial attach (XptCheckAttachFn) that runs
 *               all of xen-pci-passthrough's realize;
 *   system      platform functions attach does not refuse (an IOMMU: FAIL; other base
 *               system peripherals, memory controllers: WARN) that dom0 and Xen need;
 *   pciback     the sysfs driver link: pciback (xen-pciback's driver name) or the fix
 *               `xl pci-assignable-add SBDF`;
 *   iommu       what Xen reports (XEN_SYSCTL_PHYSCAP_directio, `xl info` virt_caps
 *               hvm_directio), given by the caller; "not a Xen dom0" otherwise;
 *   reset       sysfs reset_method (flr, pm, bus, ...), or the config space's FLR and
 *               PM capabilities for a dump; none → warning (libxl resets through sysfs);
 *   slot        other functions of the same device (they can reach each other);
 *   acs         the upstream bridges' Access Control Services (PCIe 4.0 §7.7.8, the
 *               flags Linux requires: SV, RR, CR, UF): the devices behind the highest
 *               bridge that does not isolate share the device's DMA isolation;
 *   iommu-group the Linux IOMMU group (sysfs iommu_group) and its other members;
 *   bars        alignment (the attach rule) and other devices' regions in the same pages;
 *   msix        the MSI-X table's BAR and pages (trapped, never mapped);
 *   rom         an expansion ROM and whether its contents are available;
 *   mmio-hole   the guest MMIO the device needs below 4 GiB against hvmloader's default
 *               hole (Xen 4.17 tools/firmware/hvmloader/pci.c: 0xF0000000–0xFC000000,
 *               not grown with qemu-xen, 64-bit BARs relocated above 4 GiB when it is
 *               too small) and the xl.cfg mmio_hole= it needs.
 */
#ifndef XPT_HW_HOST_HOST_CHECK_H
#define XPT_HW_HOST_HOST_CHECK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/** Severity of a finding. FAIL makes the device "not ready". */
typedef enum {
    XPT_CHECK_OK,
    XPT_CHECK_INFO,
    XPT_CHECK_WARN,
    XPT_CHECK_FAIL,
} XptCheckLevel;

/** XptCheckFinding: one line. @check: a static name (see above); @text: what and the fix. */
typedef struct XptCheckFinding {
    XptCheckLevel level;
    const char *check;
    char *text;
} XptCheckFinding;

/**
 * XptCheckDevice: the findings for one device.
 * @sbdf: as given or found; @vendor_id, @device_id, @class_code: 0 if unreadable;
 * @findings: GArray of XptCheckFinding; @ready: no FAIL finding.
 */
typedef struct XptCheckDevice {
    char *sbdf;
    uint16_t vendor_id;
    uint16_t device_id;
    uint32_t class_code;
    GArray *findings;
    bool ready;
} XptCheckDevice;

/**
 * XptCheckXen: what the hypervisor reports, gathered by the caller (system/, through
 * xen/; hw/ never calls libxen).
 * @dom0: physinfo could be read (running in a Xen dom0);
 * @directio: when @dom0, Xen reports XEN_SYSCTL_PHYSCAP_directio (virt_caps
 *     hvm_directio: an IOMMU it uses for passthrough);
 * @why: when !@dom0, why not (one phrase, e.g. "no /dev/xen/privcmd").
 */
typedef struct XptCheckXen {
    bool dom0;
    bool directio;
    const char *why;
} XptCheckXen;

/**
 * XptCheckAttachFn: attach the device @sbdf of the check's source to a scratch machine
 * and detach it again, without touching the device (system/check-host.c does it on the
 * simulated Xen, read-only shadow): every attach-time rule, present and future, is
 * then reported. Returns NULL if it attached, else the one-line error (g_free).
 */
typedef char *(*XptCheckAttachFn)(void *opaque, const char *sbdf);

/**
 * XptCheckOptions: @sysfs_dir (NULL → "/sys") or @dump_file (the source, as
 * host-sysfs=/host-dump=); @xen: the hypervisor's answers (NULL: not checked);
 * @attach, @attach_opaque: the trial attach (NULL: the "attach" line then covers only
 * xpt_host_pci_open() and hw/host/host-rules.h).
 */
typedef struct XptCheckOptions {
    const char *sysfs_dir;
    const char *dump_file;
    const XptCheckXen *xen;
    XptCheckAttachFn attach;
    void *attach_opaque;
} XptCheckOptions;

typedef struct XptCheckReport XptCheckReport;

/**
 * xpt_host_check: check the devices named in @sbdfs (@n of them, "SSSS:BB:DD.F" or
 * "BB:DD.F"), or every endpoint (header type 0) of the source when @sbdfs is NULL
 * ("all"). A device that is malformed or absent gets a FAIL finding, not an error.
 * Errors: the source cannot be read at all (xpt_host_tree_scan()).
 */
XptCheckReport *xpt_host_check(const XptCheckOptions *o, const char *const *sbdfs,
                               size_t n, GError **errp);
void xpt_check_report_free(XptCheckReport *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptCheckReport, xpt_check_report_free)

unsigned xpt_check_report_count(const XptCheckReport *r);
const XptCheckDevice *xpt_check_report_device(const XptCheckReport *r, unsigned i);
/** Every device ready (and at least one device). */
bool xpt_check_report_ready(const XptCheckReport *r);

/** The report as text: per device a heading, one line per finding, a verdict line. */
char *xpt_check_report_text(const XptCheckReport *r);

/**
 * The report as JSON (json-glib), one object:
 * {"source": S, "xen": {"dom0": B, "directio": B} | null, "ready": B,
 *  "devices": [{"sbdf": S, "vendor": "1af4", "device": "1041", "class": "020000",
 *               "ready": B, "findings": [{"level": "ok|info|warn|fail",
 *               "check": S, "message": S}, ...]}, ...]}
 */
char *xpt_check_report_json(const XptCheckReport *r, bool pretty);

/** "ok", "info", "warn", "fail". */
const char *xpt_check_level_name(XptCheckLevel level);

#endif
