/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Power requests a guest makes through the chipset (hw/i386/pm.c PM1a control,
 * hw/i386/chipset.c reset control 0xCF9) or the monitor makes (QMP system_reset), and
 * that the machine carries out (hw/i386/machine.h xpt_machine_power_request).
 *
 * Each cause has the QMP ShutdownCause name QEMU 7.2 reports for it
 * (qapi/run-state.json; softmmu/runstate.c) and the Xen shutdown reason QEMU's Xen
 * machine passes to xendevicemodel_shutdown for it (QEMU 7.2 hw/i386/xen/xen-hvm.c
 * destroy_hvm_domain: a guest shutdown request → SHUTDOWN_poweroff, a reset request →
 * SHUTDOWN_reboot).
 */
#ifndef XPT_HW_I386_POWER_H
#define XPT_HW_I386_POWER_H

typedef enum {
    XPT_POWER_GUEST_SHUTDOWN,   /* SLP_EN with SLP_TYP S5/S4: SHUTDOWN_poweroff,
                                 * "guest-shutdown" */
    XPT_POWER_GUEST_RESET,      /* reset control 0xCF9 RCPU: SHUTDOWN_reboot, "guest-reset" */
    XPT_POWER_HOST_RESET,       /* QMP system_reset: SHUTDOWN_reboot,
                                 * "host-qmp-system-reset" */
} XptPowerCause;

/** A device's way to ask the machine for @cause (the machine logs its failures). */
typedef void (*XptPowerRequestFn)(void *opaque, XptPowerCause cause);

#endif
