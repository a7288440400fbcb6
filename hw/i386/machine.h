/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenfv machine (SPEC §4): bus 0 with the i440FX host bridge at 00.0, PIIX3 at 01.0,
 * the Xen platform device at 03.0 (hw/i386/xen-platform.h; only with the xen_platform
 * option) and passthrough devices from slot 2 up; slots 6 and 7 (the hotplug-slots machine
 * option) are kept for devices added after the guest started.
 */
#ifndef XPT_HW_I386_MACHINE_H
#define XPT_HW_I386_MACHINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/i386/power.h"
#include "hw/pci/pci.h"
#include "util/chardev.h"
#include "util/log.h"
#include "util/opts.h"
#include "xen/hvops.h"
#include "xen/ioreq.h"

/** XptMachineOptions: from -machine, -m, -smp and the accelerator. */
typedef struct XptMachineOptions {
    uint64_t ram_bytes;          /* -m, bytes */
    unsigned vcpus;              /* -smp */
    uint32_t hotplug_slots;      /* bit per slot reserved for hot-plug; default 6–7 */
    bool host_shadow;            /* qtest: sysfs devices opened read-only (SPEC §3) */
    bool xen_platform;           /* the Xen platform device at 00:03.0 (-machine xenfv,
                                    libxl's xen_platform_pci=1); off for -machine pc */
    /* -serial: COM1's chardev (borrowed until xpt_machine_new returns; NULL = no UART)
     * and its query-chardev label ("serial0", or the ID of -serial chardev:ID). */
    const XptChardevSpec *serial;
    const char *serial_label;
} XptMachineOptions;

typedef struct XptAcpiHotplug XptAcpiHotplug;
typedef struct XptPm1Control XptPm1Control;
typedef struct XptSerial XptSerial;

typedef struct XptMachine {
    XptMachineOptions opts;
    XptHv *hv;
    XptPciBus bus;
    XptDispatcher *disp;
    bool guest_started;          /* first guest I/O seen: later device_adds are hot */
    GPtrArray *devices;          /* XptPciDevice*, creation order; chipset first */
    XptAcpiHotplug *acpi;        /* GPE0, PCI hot-plug and CPU registers (acpi-hotplug.h) */
    /* Called after a device left the machine (guest eject or forced removal) with its
     * qdev id: the monitor emits DEVICE_DELETED. May be NULL. */
    void (*device_deleted)(void *opaque, const char *id);
    void *device_deleted_opaque;
    XptPm1Control *pm1;          /* PM1a control at Xen's PM1a_CNT_BLK (hw/i386/pm.h) */
    int shutdown_reason;         /* SHUTDOWN_* asked of the hypervisor, -1 = none yet */
    /* Called after a power request reached the hypervisor (xpt_machine_power_request):
     * the monitor emits SHUTDOWN / RESET. May be NULL. */
    void (*power_event)(void *opaque, XptPowerCause cause);
    void *power_event_opaque;
    XptRateLimit power_rl;       /* failed guest power requests */
    XptSerial *serial;           /* COM1 (hw/char/serial.h), NULL without -serial */
    GArray *kept_intx_pirqs;     /* int: hot devices' GSI pirqs left mapped (xen-pt-intx.c) */
} XptMachine;

/**
 * xpt_machine_new: create bus 0, the dispatcher and the chipset (claims their SBDFs and
 * ports through @hv), and COM1 (0x3F8, ISA IRQ 4) when @opts->serial is set. Fails with
 * the hypervisor's error if a claim fails, or the chardev's if it cannot be opened.
 */
XptMachine *xpt_machine_new(XptHv *hv, const XptMachineOptions *opts, GError **errp);

/**
 * xpt_machine_free: unrealize every device in reverse creation order (releasing all
 * mappings, bindings and claims), then free.
 */
void xpt_machine_free(XptMachine *m);

/**
 * xpt_machine_device_add: create a device from -device / device_add options
 * ("driver=...,id=...,..."). Slot rule of SPEC §4 (addr=, cold plug from slot 2 skipping
 * the hot-plug slots, hot plug into them). Errors: XPT_ERROR_INVALID (unknown driver
 * or property, bad value), XPT_ERROR_BUSY (slot or id in use, no free hot-plug slot),
 * and whatever the device's realize reports. On failure nothing is left behind.
 */
XptPciDevice *xpt_machine_device_add(XptMachine *m, XptOpts *opts, GError **errp);

/** xpt_machine_device_del: unrealize and remove a device (idempotent on NULL). */
void xpt_machine_device_del(XptMachine *m, XptPciDevice *dev);

/**
 * xpt_machine_device_unplug: device_del (SPEC §4, reference/toolstack.md §acpi).
 * Before the guest runs (no guest I/O yet, e.g. -S) the device is removed at once.
 * Afterwards the guest is asked through ACPI (PCID bit, GPE bit 1, SCI) and the device
 * leaves when the guest ejects the slot (B0EJ). Forced path: a second device_del of a
 * device whose removal request is still pending removes it at once (for guests that
 * never eject; the guest driver then loses the device without warning). Every removal
 * calls m->device_deleted. Errors: XPT_ERROR_UNSUPPORTED for a device other than a
 * passthrough one (the Xen platform device stays for the guest's life, as in QEMU).
 */
bool xpt_machine_device_unplug(XptMachine *m, XptPciDevice *dev, GError **errp);

/**
 * xpt_machine_power_request: end the domain for @cause (hw/i386/power.h) with
 * xendevicemodel_shutdown — SHUTDOWN_poweroff for a guest power-off, SHUTDOWN_reboot for
 * a guest or QMP reset — as QEMU 7.2's Xen machine does (hw/i386/xen/xen-hvm.c
 * destroy_hvm_domain). Xen then stops the domain's vCPUs and libxl destroys it, and for
 * a reboot creates it again with a new device model; this process keeps running until
 * libxl stops it (as QEMU does under -no-shutdown, which libxl always passes). Then
 * m->power_event is called. One request per machine reaches the hypervisor (Xen keeps
 * the first reason anyway, xen/common/domain.c domain_shutdown): later ones fail with
 * XPT_ERROR_BUSY naming the pending reason. Errors: the hypervisor's (nothing is
 * latched then, so the guest or client may retry).
 */
bool xpt_machine_power_request(XptMachine *m, XptPowerCause cause, GError **errp);

/**
 * xpt_machine_powerdown: QMP system_powerdown — press the guest's ACPI power button.
 * Under Xen the PM1a status and enable registers, where the button's PWRBTN_STS lives,
 * are Xen's (xen/arch/x86/hvm/pmtimer.c), so the device model cannot raise it the way
 * QEMU's PIIX4 does; it asks Xen with xc_domain_send_trigger(
 * XEN_DOMCTL_SENDTRIGGER_POWER), exactly what `xl trigger DOM power` and
 * `xl shutdown -F` do (libxl_domain.c libxl_send_trigger). The guest's OS then shuts
 * down and ends with an S5 write (xpt_machine_power_request). Errors: the hypervisor's
 * (EPERM when libxenctrl's handle is restricted to the domain).
 */
bool xpt_machine_powerdown(XptMachine *m, GError **errp);

/** Device with qdev id @id, or NULL. */
XptPciDevice *xpt_machine_find_id(XptMachine *m, const char *id);

/** The -device help text for @driver ("-device DRIVER,help"), or NULL if unknown. */
const char *xpt_machine_device_help(const char *driver);

/** Parse "hotplug-slots=6-7" style ranges ("6-7", "6,7", "" = none) to a slot mask. */
bool xpt_machine_parse_slots(const char *s, uint32_t *mask, GError **errp);

#endif
