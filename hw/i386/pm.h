/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PIIX4 PM1a control register (PMCNTRL, PIIX4 datasheet §7.2.3; ACPI 6.4 §4.8.3.2.1
 * "PM1 Control Registers") at the address Xen 4.17's ACPI tables give the guest:
 * PM1a_CNT_BLK = ACPI_PM1A_CNT_BLK_ADDRESS_V1 (0xB004, xen/include/public/hvm/ioreq.h)
 * in the FADT of tools/libacpi/static_tables.c, 2 bytes (pm1_cnt_len).
 *
 * Xen itself emulates the rest of the PM1a block — PM1a status/enable at 0xB000 and the
 * PM timer at 0xB008 (xen/arch/x86/hvm/pmtimer.c registers exactly those two 4-byte
 * handlers "because PM1a_CNT is between PM1a_EN and TMR_VAL and is handled by qemu") —
 * so only 0xB004–0xB005 are claimed here. The block stays at the address of the tables
 * whatever the guest writes to the PIIX4 PMBA register (00:01.3 config 0x40): Xen's
 * handlers and the FADT are fixed too (hvmloader sets HVM_PARAM_ACPI_IOPORTS_LOCATION
 * 1 and PMBA 0xB001, which agree).
 *
 * Bits (16-bit register, 1- and 2-byte accesses, as QEMU 7.2 hw/acpi/core.c
 * acpi_pm_cnt_ops accepts them; a byte is merged into the register):
 *   0      SCI_EN   reads 1 always: the FADT has no SMI_CMD port, so the guest is in
 *                   ACPI mode from the start (hvmloader acpi_enable_sci reads a byte at
 *                   0xB004 and stops the boot with BUG_ON if SCI_EN is clear)
 *   1      BM_RLD   read/write, no effect
 *   2      GBL_RLS  write-only (reads 0), no effect (there is no SMI handler)
 *   10–12  SLP_TYP  read/write
 *   13     SLP_EN   write-only (reads 0): writing 1 enters the sleep state SLP_TYP
 *   other bits reserved: read 0, writes ignored.
 *
 * SLP_TYP values of Xen 4.17's tables: \_S5 = 0 (tools/libacpi/dsdt.asl), \_S4 = 0
 * (ssdt_s4.asl), \_S3 = 1 (ssdt_s3.asl, present unless xl.cfg acpi_s3=0).
 *   0 (S5, and S4 after the guest wrote its hibernation image) → XPT_POWER_GUEST_SHUTDOWN,
 *     which the machine turns into xendevicemodel_shutdown(SHUTDOWN_poweroff) — what
 *     QEMU 7.2 does (acpi_pm1_cnt_write sus_typ 0 → shutdown request; xen-hvm.c
 *     destroy_hvm_domain(false)).
 *   1 (S3): ignored, one rate-limited `-d unimp` line. QEMU under Xen suspends the
 *     domain (HVM_PARAM_ACPI_S_STATE 3) and resumes it on QMP system_wakeup; xen-pt-dm
 *     models no S3 (system_wakeup is refused), so the guest's write has no effect and
 *     the guest carries on. Give such guests acpi_s3=0.
 *   2–7: no sleep state of Xen's tables: ignored, rate-limited `-d guest_errors` line
 *     (QEMU would treat its s4_val, 2, as S4; Xen's tables never name it).
 */
#ifndef XPT_HW_I386_PM_H
#define XPT_HW_I386_PM_H

#include <glib.h>

#include "hw/i386/power.h"
#include "xen/ioreq.h"

#define XPT_PM1A_CNT_PORT ACPI_PM1A_CNT_BLK_ADDRESS_V1    /* 0xB004 */
#define XPT_PM1A_CNT_LEN 2

#define XPT_PM1_SCI_EN (1u << 0)
#define XPT_PM1_BM_RLD (1u << 1)
#define XPT_PM1_GBL_RLS (1u << 2)
#define XPT_PM1_SLP_TYP_SHIFT 10
#define XPT_PM1_SLP_TYP_MASK (7u << XPT_PM1_SLP_TYP_SHIFT)
#define XPT_PM1_SLP_EN (1u << 13)

/* SLP_TYP values of Xen 4.17's \_S5/\_S4 and \_S3 packages (see above). */
#define XPT_SLP_TYP_S5 0u
#define XPT_SLP_TYP_S3 1u

typedef struct XptPm1Control XptPm1Control;

/**
 * xpt_pm1_control_new: the register, claimed through @disp at XPT_PM1A_CNT_PORT. A
 * guest power-off calls @power(@opaque, XPT_POWER_GUEST_SHUTDOWN). Errors: the
 * dispatcher's claim error; nothing stays claimed on failure.
 */
XptPm1Control *xpt_pm1_control_new(XptDispatcher *disp, XptPowerRequestFn power, void *opaque,
                                   GError **errp);
/** Unclaim and free (NULL is fine). */
void xpt_pm1_control_free(XptPm1Control *p);

#endif
