/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host config-write policy of xen-pci-passthrough, as an oracle for tests and the fuzzer
 * (issue 6; docs/reference/config-space.md §Invariants 1–4 and the register tables).
 *
 * Every host config write a device made (xpt_host_pci_writes) is checked against two
 * independent descriptions of what may reach the host:
 *
 *  1. the reference, built here from the host's config space before attach: bits that
 *     must never change on the host — vendor/device ID, cache line size, latency timer,
 *     header type, BARs 0x10–0x27, ROM 0x30, capability pointer, interrupt line and pin,
 *     the next pointer of every capability that has a table, hard-wired capabilities, PM capabilities and D-state bits, VPD address flag bits, PCIe
 *     DevCap/DevCtl/LnkCtl/LnkCtl2, MSI control (all but Enable), address, data, mask and
 *     pending bits (not the reserved word after the data: permissive=on may write it),
 *     MSI-X control (all but Enable and Function Mask), table and PBA
 *     offsets; and host IO/MEM decode bits never go from 1 to 0 (XSA-126);
 *  2. the device's register file (hw/pci/regs.h, filled from the product's tables):
 *     a written byte must lie in a register, or in no register with permissive=on, never
 *     in a hard-wired capability; within a register only pass-through bits
 *     (~emu & ~ro & ~res) may change, plus the bits the model forces by design (command
 *     IO/MEM decode and INTx disable, MSI Enable, MSI-X Enable and Function Mask); a 1
 *     may be written to a write-1-to-clear bit only if it passes through; INTx disable
 *     may be cleared only while INTx is bound.
 *
 * A visible capability's ID byte is a read-only register (hw/pci/regs.c cap_id_row):
 * a write to it is flagged with permissive on or off (QEMU forwards it when permissive;
 * the byte is read-only in hardware, so we never do).
 *
 * Writes must be 1, 2 or 4 bytes, naturally aligned, below 0x100 (the bus never passes
 * extended config space). "Change" is judged against a model of the host register
 * values that starts from the config space before attach and follows every write
 * (write-1-to-clear bits clear on 1 and keep their value on 0).
 */
#ifndef XPT_TESTS_HOST_POLICY_H
#define XPT_TESTS_HOST_POLICY_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/xen/xen-pt.h"

typedef struct XptHostPolicy XptHostPolicy;

/**
 * xpt_host_policy_new: a checker for one attached device whose host config space before
 * attach is @initial (@len bytes, at least 64; missing bytes count as all-ones).
 */
XptHostPolicy *xpt_host_policy_new(const uint8_t *initial, size_t len);

void xpt_host_policy_free(XptHostPolicy *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptHostPolicy, xpt_host_policy_free)

/**
 * xpt_host_policy_check: check the host writes @d recorded since the previous call
 * (the first call checks them all, including those made while it attached). Returns
 * NULL when they all comply, else a newly allocated one-line description of the first
 * violation (offset, width, value, which rule); later calls then start after it.
 */
char *xpt_host_policy_check(XptHostPolicy *p, XptPtDevice *d);

/** Number of host writes checked so far. */
size_t xpt_host_policy_checked(const XptHostPolicy *p);

#endif
