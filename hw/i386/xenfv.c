/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenfv machine: bus 0, dispatcher, chipset, and the slot rules of SPEC §4
 * (hw/i386/machine.h).
 */
#include "hw/i386/machine.h"

#include <stdlib.h>
#include <string.h>

#include "hw/char/serial.h"
#include "hw/i386/acpi-hotplug.h"
#include "hw/i386/chipset.h"
#include "hw/i386/pm.h"
#include "hw/i386/xen-platform.h"
#include "hw/xen/xen-pt.h"
#include "hw/xen/xen-pt-describe.h"
#include "util/error.h"
#include "util/log.h"

#define FIRST_USER_SLOT 2

static const char pt_help[] =
    "xen-pci-passthrough options:\n"
    "  hostaddr=<SSSS:BB:DD.F>  host device to pass through (required)\n"
    "  id=<str>                 device id\n"
    "  addr=<SS[.F]>            guest slot (and function), hex\n"
    "  permissive=<bool>        let writes to unvirtualized registers reach the device (default off)\n"
    "  multifunction=<bool>     keep the host function number (default off)\n"
    "  rombar=<0|1>             expose the expansion ROM (default 1)\n"
    "  romfile=<path>           ROM image instead of the host ROM\n"
    "  unaligned-bars=<bool>    accept BARs not page-aligned on the host (UNSAFE, default off)\n"
    "  host-sysfs=<dir>         sysfs-like tree for the host device (default /sys)\n"
    "  host-dump=<file>         lspci -vv -xxx dump holding the host device\n";

static const char platform_help[] =
    "xen-platform options:\n"
    "  id=<str>                 device id\n"
    "  addr=<SS[.F]>            guest slot, hex (default 03 if free)\n";

const char *xpt_machine_device_help(const char *driver)
{
    if (g_strcmp0(driver, XPT_XEN_PLATFORM_DRIVER) == 0) {
        return platform_help;
    }
    return g_strcmp0(driver, XPT_PT_DRIVER) == 0 ? pt_help : NULL;
}

static void first_io(void *opaque)
{
    ((XptMachine *)opaque)->guest_started = true;
}

/* Remove every function of @slot (passthrough devices only) and report each. */
static void remove_slot(XptMachine *m, unsigned slot)
{
    for (unsigned fn = 0; fn < 8; fn++) {
        XptPciDevice *dev = m->bus.devices[XPT_PCI_DEVFN(slot, fn)];
        if (!dev || g_strcmp0(dev->klass->name, XPT_PT_DRIVER) != 0) {
            continue;
        }
        g_autofree char *id = g_strdup(dev->id);
        xpt_machine_device_del(m, dev);
        if (m->device_deleted) {
            m->device_deleted(m->device_deleted_opaque, id);
        }
    }
    xpt_acpi_hotplug_slot_cleared(m->acpi, slot);
}

/* The guest ejected @slot (ACPI _EJ0 → B0EJ). */
static void acpi_eject(void *opaque, unsigned slot)
{
    XptMachine *m = opaque;
    xpt_log(XPT_LOG_PCI, "guest ejected slot %u", slot);
    remove_slot(m, slot);
}

static const XptAcpiHotplugOps acpi_ops = { .eject = acpi_eject };

bool xpt_machine_device_unplug(XptMachine *m, XptPciDevice *dev, GError **errp)
{
    unsigned slot = XPT_PCI_SLOT(dev->devfn);
    if (g_strcmp0(dev->klass->name, XPT_PT_DRIVER) != 0) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "Device '%s' does not support hotplugging", dev->klass->name);
        return false;
    }
    /*
     * No eject can come from a guest that has not run yet, nor from one whose domain we
     * shut down (power-off or reset): Xen never runs a shut-down domain's vCPUs again
     * (xen/common/domain.c domain_shutdown). libxl's destroy after a guest power-off
     * sends device_del for every device and would otherwise wait 10 s for them
     * (libxl_pci.c pci_remove_timeout), with the device model still running.
     */
    if (!m->guest_started || m->shutdown_reason >= 0) {
        remove_slot(m, slot);
        return true;
    }
    if (xpt_acpi_hotplug_pending_down(m->acpi) & (1u << slot)) {
        xpt_warn_report("device_del %s: the guest has not ejected slot %u yet; removing "
                        "the device now (forced)", dev->id, slot);
        remove_slot(m, slot);
        return true;
    }
    xpt_acpi_hotplug_request_remove(m->acpi, slot);
    return true;
}

static const char *cause_what(XptPowerCause cause)
{
    switch (cause) {
    case XPT_POWER_GUEST_SHUTDOWN: return "guest power-off (ACPI S5)";
    case XPT_POWER_GUEST_RESET: return "guest reset (0xCF9)";
    case XPT_POWER_HOST_RESET: return "system_reset";
    }
    return "?";
}

bool xpt_machine_power_request(XptMachine *m, XptPowerCause cause, GError **errp)
{
    if (m->shutdown_reason >= 0) {
        const char *name = xpt_hv_shutdown_reason_name((unsigned)m->shutdown_reason);
        g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY,
                    "%s: the domain is already shutting down (%s); the toolstack destroys "
                    "it (xl create starts it again)", cause_what(cause), name ? name : "?");
        return false;
    }
    unsigned reason = cause == XPT_POWER_GUEST_SHUTDOWN ? SHUTDOWN_poweroff : SHUTDOWN_reboot;
    if (!xpt_hv_shutdown(m->hv, reason, errp)) {
        g_prefix_error(errp, "%s: ", cause_what(cause));
        return false;
    }
    m->shutdown_reason = (int)reason;
    if (m->power_event) {
        m->power_event(m->power_event_opaque, cause);
    }
    return true;
}

bool xpt_machine_powerdown(XptMachine *m, GError **errp)
{
    return xpt_hv_power_button(m->hv, errp);
}

/*
 * A power request from the guest's chipset registers. Guest input: a failure (or a
 * request after the domain already shuts down) is logged rate-limited, never fatal.
 */
static void guest_power(void *opaque, XptPowerCause cause)
{
    XptMachine *m = opaque;
    g_autoptr(GError) err = NULL;
    if (!xpt_machine_power_request(m, cause, &err)) {
        if (g_error_matches(err, XPT_ERROR, XPT_ERROR_BUSY)) {
            xpt_log_ratelimited(&m->power_rl, XPT_LOG_GUEST_ERROR, "%s", err->message);
        } else {
            xpt_warn_ratelimited(&m->power_rl, "%s (the guest may try again)", err->message);
        }
    }
}

/* Create the Xen platform device and plug it at @slot (QEMU's xenfv machine does it in
 * pc_xen_hvm_init; -device xen-platform does it too). */
static XptPciDevice *add_platform(XptMachine *m, int slot, const char *id, GError **errp)
{
    XptPciDevice *p = xpt_xen_platform_new(m->disp, errp);
    if (!p) {
        return NULL;
    }
    if (id) {
        g_free(p->id);
        p->id = g_strdup(id);
    }
    if (!xpt_pci_bus_plug(&m->bus, p, XPT_PCI_DEVFN(slot, 0), errp)) {
        p->klass->unrealize(p);
        p->klass->free(p);
        return NULL;
    }
    g_ptr_array_add(m->devices, p);
    return p;
}

XptMachine *xpt_machine_new(XptHv *hv, const XptMachineOptions *opts, GError **errp)
{
    XptMachine *m = g_new0(XptMachine, 1);
    m->opts = *opts;
    m->hv = hv;
    m->shutdown_reason = -1;
    m->power_rl = (XptRateLimit)XPT_RATELIMIT_INIT(5, 5000);
    m->devices = g_ptr_array_new();
    m->kept_intx_pirqs = g_array_new(FALSE, FALSE, sizeof(int));
    xpt_pci_bus_init(&m->bus, hv);
    m->disp = xpt_dispatcher_new(hv, &m->bus);
    xpt_dispatcher_set_first_io_hook(m->disp, first_io, m);

    XptPciDevice *chips[3] = { xpt_i440fx_new(m->disp, guest_power, m),
                               xpt_piix3_new(hv), xpt_piix4_pm_new() };
    uint8_t devfns[3] = { XPT_I440FX_DEVFN, XPT_PIIX3_DEVFN, XPT_PIIX4_PM_DEVFN };
    for (unsigned i = 0; i < G_N_ELEMENTS(chips); i++) {
        g_ptr_array_add(m->devices, chips[i]);
        if (!xpt_pci_bus_plug(&m->bus, chips[i], devfns[i], errp)) {
            for (unsigned j = i + 1; j < G_N_ELEMENTS(chips); j++) {
                chips[j]->klass->free(chips[j]);
            }
            xpt_machine_free(m);
            return NULL;
        }
    }
    if (!xpt_i440fx_realize(chips[0], errp)) {
        xpt_machine_free(m);
        return NULL;
    }
    m->acpi = xpt_acpi_hotplug_new(hv, m->disp, opts->vcpus, &acpi_ops, m, errp);
    if (!m->acpi) {
        xpt_machine_free(m);
        return NULL;
    }
    m->pm1 = xpt_pm1_control_new(m->disp, guest_power, m, errp);
    if (!m->pm1) {
        xpt_machine_free(m);
        return NULL;
    }
    if (opts->xen_platform && !add_platform(m, XPT_XEN_PLATFORM_SLOT, NULL, errp)) {
        xpt_machine_free(m);
        return NULL;
    }
    if (opts->serial) {
        /* COM1 where Xen 4.17's DSDT puts UAR1 (tools/libacpi/dsdt.asl: 0x3F8, IRQ 4). */
        m->serial = xpt_serial_new(m->disp, hv, XPT_SERIAL_COM1_BASE, XPT_SERIAL_COM1_IRQ,
                                   opts->serial, opts->serial_label, errp);
        if (!m->serial) {
            xpt_machine_free(m);
            return NULL;
        }
    }
    m->opts.serial = NULL;          /* borrowed: not kept */
    m->opts.serial_label = NULL;
    return m;
}

void xpt_machine_device_del(XptMachine *m, XptPciDevice *dev)
{
    if (!dev) {
        return;
    }
    dev->klass->unrealize(dev);
    g_ptr_array_remove(m->devices, dev);
    dev->klass->free(dev);
}

void xpt_machine_free(XptMachine *m)
{
    if (!m) {
        return;
    }
    while (m->devices->len) {
        xpt_machine_device_del(m, g_ptr_array_index(m->devices, m->devices->len - 1));
    }
    xpt_pt_intx_unmap_kept(m);
    g_array_free(m->kept_intx_pirqs, TRUE);
    xpt_serial_free(m->serial);
    xpt_pm1_control_free(m->pm1);
    xpt_acpi_hotplug_free(m->acpi);
    g_ptr_array_free(m->devices, TRUE);
    xpt_dispatcher_free(m->disp);
    g_free(m);
}

XptPciDevice *xpt_machine_find_id(XptMachine *m, const char *id)
{
    for (unsigned i = 0; id && *id && i < m->devices->len; i++) {
        XptPciDevice *d = g_ptr_array_index(m->devices, i);
        if (g_strcmp0(d->id, id) == 0) {
            return d;
        }
    }
    return NULL;
}

bool xpt_machine_parse_slots(const char *s, uint32_t *mask, GError **errp)
{
    *mask = 0;
    g_auto(GStrv) parts = g_strsplit(s, ",", -1);
    for (unsigned i = 0; parts[i]; i++) {
        if (!*parts[i]) {
            continue;
        }
        char *end;
        unsigned long lo = strtoul(parts[i], &end, 10), hi = lo;
        if (*end == '-') {
            hi = strtoul(end + 1, &end, 10);
        }
        if (*end || end == parts[i] || lo < FIRST_USER_SLOT || hi > 31 || lo > hi) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "hotplug-slots: '%s' is not a slot range within 2-31 (e.g. 6-7)",
                        parts[i]);
            return false;
        }
        for (unsigned long sl = lo; sl <= hi; sl++) {
            *mask |= 1u << sl;
        }
    }
    return true;
}

/* @mask (bit per slot) in hotplug-slots= syntax ("6-7", "5-7,,9"; commas doubled as
 * -machine needs them), into @buf of @len bytes. */
static void format_slots(uint32_t mask, char *buf, size_t len)
{
    GString *s = g_string_new(NULL);
    for (unsigned lo = 0; lo < 32; lo++) {
        if (!(mask & (1u << lo))) {
            continue;
        }
        unsigned hi = lo;
        while (hi < 31 && (mask & (1u << (hi + 1)))) {
            hi++;
        }
        g_string_append_printf(s, s->len ? ",,%u" : "%u", lo);
        if (hi > lo) {
            g_string_append_printf(s, "-%u", hi);
        }
        lo = hi;
    }
    g_strlcpy(buf, s->len ? s->str : "none", len);
    g_string_free(s, TRUE);
}

/* QEMU's addr syntax: "SS" or "SS.F", hex, optional 0x. */
static bool parse_addr(const char *s, int *slot, int *fn, GError **errp)
{
    char *end;
    unsigned long sl = strtoul(s, &end, 16), f = 0;
    bool ok = end != s;
    if (ok && *end == '.') {
        const char *fs = end + 1;
        f = strtoul(fs, &end, 16);
        ok = end != fs;
    }
    if (!ok || *end || sl > 31 || f > 7) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "Property 'addr' expects a slot[.function] in hex, e.g. 5 or 05.1, "
                    "not '%s'", s);
        return false;
    }
    *slot = (int)sl;
    *fn = (int)f;
    return true;
}

static bool slot_free(XptMachine *m, int slot)
{
    for (int f = 0; f < 8; f++) {
        if (m->bus.devices[XPT_PCI_DEVFN(slot, f)]) {
            return false;
        }
    }
    return true;
}

/*
 * "SSSS:BB:DD" of a hostaddr ("SSSS:BB:DD.F" or "BB:DD.F"), lower case, into @out
 * (≥ 11 bytes); false if it has no function part.
 */
static bool host_slot_key(const char *hostaddr, char *out, size_t len)
{
    const char *dot = strrchr(hostaddr, '.');
    if (!dot) {
        return false;
    }
    bool has_seg = strchr(hostaddr, ':') != strrchr(hostaddr, ':');
    g_autofree char *lower = g_ascii_strdown(hostaddr, dot - hostaddr);
    g_snprintf(out, len, "%s%s", has_seg ? "" : "0000:", lower);
    return true;
}

/*
 * The guest slot holding another function of the same host device (multifunction=on
 * without addr=), so that the functions share a guest slot as they share a host one;
 * -1 if there is none.
 */
static int sibling_slot(XptMachine *m, const char *hostaddr)
{
    char key[32], other[32];
    if (!host_slot_key(hostaddr, key, sizeof(key))) {
        return -1;
    }
    for (unsigned i = 0; i < m->devices->len; i++) {
        XptPciDevice *d = g_ptr_array_index(m->devices, i);
        if (g_strcmp0(d->klass->name, XPT_PT_DRIVER) != 0) {
            continue;
        }
        XptPtDevice *pt = (XptPtDevice *)d;
        if (pt->props.multifunction &&
            host_slot_key(xpt_host_pci_sbdf(pt->host), other, sizeof(other)) &&
            strcmp(key, other) == 0) {
            return XPT_PCI_SLOT(d->devfn);
        }
    }
    return -1;
}

/* Choose the guest devfn for a new device (SPEC §4). */
static bool choose_devfn(XptMachine *m, const char *addr, int fn, uint8_t *devfn,
                         GError **errp)
{
    int slot = -1, afn = 0;
    if (addr) {
        if (!parse_addr(addr, &slot, &afn, errp)) {
            return false;
        }
        if (slot < FIRST_USER_SLOT) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "addr=%s: slots 0 and 1 hold the chipset; use a slot from 2 to 1f "
                        "(xl: BDF@VSLOT)",
                        addr);
            return false;
        }
        if (strchr(addr, '.')) {
            fn = afn;
        }
        *devfn = XPT_PCI_DEVFN(slot, fn);
        if (m->bus.devices[*devfn]) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY,
                        "addr=%s: PCI slot %02x.%x is already in use; choose another "
                        "(xl: BDF@VSLOT)", addr, slot, fn);
            return false;
        }
        return true;
    }
    if (!m->guest_started) {
        for (slot = FIRST_USER_SLOT; slot < XPT_PCI_SLOTS; slot++) {
            if (!(m->opts.hotplug_slots & (1u << slot)) && slot_free(m, slot)) {
                *devfn = XPT_PCI_DEVFN(slot, fn);
                return true;
            }
        }
        g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY,
                    "no free PCI slot left for a cold-plugged device (slots 2-31 outside "
                    "hotplug-slots); give it a slot taken by nothing else: BDF@VSLOT "
                    "in xl's pci=[...] (QMP or -device: addr=)");
        return false;
    }
    for (slot = FIRST_USER_SLOT; slot < XPT_PCI_SLOTS; slot++) {
        if ((m->opts.hotplug_slots & (1u << slot)) && slot_free(m, slot)) {
            *devfn = XPT_PCI_DEVFN(slot, fn);
            return true;
        }
    }
    char slots_text[96];
    format_slots(m->opts.hotplug_slots, slots_text, sizeof(slots_text));
    g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY,
                "all hot-plug slots (hotplug-slots=%s) are in use; detach a device, give "
                "this one a free slot (xl pci-attach GUEST BDF@VSLOT; QMP: addr=), or "
                "reserve more slots when the guest starts: device_model_args_hvm = "
                "[ \"-machine\", \"xenfv,hotplug-slots=5-7\" ]",
                slots_text);
    return false;
}

/*
 * -device xen-platform[,id=][,addr=]: what libxl passes with a q35 machine, and what
 * `-machine pc` plus this option gives by hand. One per machine (its ports 0x10-0x1f
 * are claimed once); not hot-pluggable: PV drivers look for it at boot. Without addr it
 * takes 00:03.0 if free, else the cold-plug rule.
 */
static XptPciDevice *platform_device_add(XptMachine *m, XptOpts *opts, const char *id,
                                         GError **errp)
{
    const char *addr = xpt_opts_get(opts, "addr");
    if (!xpt_opts_check_unused(opts, XPT_XEN_PLATFORM_DRIVER, errp)) {
        return NULL;
    }
    if (m->guest_started) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_UNSUPPORTED,
                    "Device 'xen-platform' does not support hotplugging (the guest's PV "
                    "drivers look for it at boot: use -machine xenfv or -device)");
        return NULL;
    }
    for (unsigned i = 0; i < m->devices->len; i++) {
        XptPciDevice *d = g_ptr_array_index(m->devices, i);
        if (!strcmp(d->klass->name, XPT_XEN_PLATFORM_DRIVER)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY,
                        "xen-platform: the machine already has one at 00:%02x.0 (-machine "
                        "xenfv adds it; use -machine pc to place it yourself)",
                        XPT_PCI_SLOT(d->devfn));
            return NULL;
        }
    }
    uint8_t devfn = XPT_PCI_DEVFN(XPT_XEN_PLATFORM_SLOT, 0);
    if ((addr || !slot_free(m, XPT_XEN_PLATFORM_SLOT) ||
         (m->opts.hotplug_slots & (1u << XPT_XEN_PLATFORM_SLOT))) &&
        !choose_devfn(m, addr, 0, &devfn, errp)) {
        return NULL;
    }
    XptPciDevice *p = add_platform(m, XPT_PCI_SLOT(devfn), id, errp);
    if (p) {
        xpt_info_report("attached xen-platform at 00:%02x.0", XPT_PCI_SLOT(devfn));
    }
    return p;
}

XptPciDevice *xpt_machine_device_add(XptMachine *m, XptOpts *opts, GError **errp)
{
    const char *driver = xpt_opts_get(opts, "driver");
    if (!driver) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "Parameter 'driver' is missing");
        return NULL;
    }
    if (strcmp(driver, XPT_PT_DRIVER) != 0 && strcmp(driver, XPT_XEN_PLATFORM_DRIVER) != 0) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "'%s' is not a valid device model name (xen-pt-dm only provides "
                    "xen-pci-passthrough and xen-platform)", driver);
        return NULL;
    }
    const char *id = xpt_opts_get(opts, "id");
    if (id && xpt_machine_find_id(m, id)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY, "Duplicate device ID '%s'", id);
        return NULL;
    }
    if (strcmp(driver, XPT_XEN_PLATFORM_DRIVER) == 0) {
        return platform_device_add(m, opts, id, errp);
    }
    const char *addr = xpt_opts_get(opts, "addr");
    XptPtProps props;
    if (!xpt_pt_parse_props(opts, &props, errp)) {
        return NULL;
    }
    if (!xpt_opts_check_unused(opts, driver, errp)) {
        xpt_pt_props_clear(&props);
        return NULL;
    }
    /* With multifunction=on the host function number is kept. */
    int fn = 0;
    if (props.multifunction) {
        const char *dot = strrchr(props.hostaddr, '.');
        fn = dot && g_ascii_isdigit(dot[1]) ? (dot[1] - '0') & 7 : 0;
    }
    uint8_t devfn;
    int sib = props.multifunction && !addr ? sibling_slot(m, props.hostaddr) : -1;
    if (sib >= 0 && !m->bus.devices[XPT_PCI_DEVFN(sib, fn)]) {
        devfn = XPT_PCI_DEVFN(sib, fn);      /* join the other functions' slot */
    } else if (!choose_devfn(m, addr, fn, &devfn, errp)) {
        xpt_pt_props_clear(&props);
        return NULL;
    }
    XptPtDevice *d = xpt_pt_create(m, &props, id, devfn, errp);
    xpt_pt_props_clear(&props);
    if (!d) {
        return NULL;
    }
    g_ptr_array_add(m->devices, d);
    /* One line per attach in qemu-dm-GUEST.log, -d or not (issue 14). */
    g_autofree char *what = xpt_pt_describe(d);
    xpt_info_report_text(m->guest_started ? "hot-plugged " : "attached ", what);
    if (m->guest_started) {
        xpt_acpi_hotplug_insert(m->acpi, XPT_PCI_SLOT(devfn));   /* hot-plug: tell the guest */
    }
    return &d->pci;
}
