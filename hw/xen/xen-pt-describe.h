/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one line the log gets for each attach of a passthrough device. */
#ifndef XPT_HW_XEN_PT_DESCRIBE_H
#define XPT_HW_XEN_PT_DESCRIBE_H

#include "hw/xen/xen-pt.h"

/**
 * xpt_pt_describe: what the attach gave the guest, for qemu-dm-GUEST.log (libxl attaches
 * every pci= device by QMP device_add, whose reply the administrator never sees):
 * "0000:03:00.0 (id nic0) → guest 00:04.0: BAR0 128 KiB mem32, BAR3 16 KiB mem64 pref,
 * ROM 256 KiB; INTx A (pirq 20); MSI; MSI-X 5 vectors". Sizes are the guest BAR sizes
 * in bytes, written with binary units; INTx says "none" when the guest sees pin 0.
 * Returns a newly allocated string.
 */
char *xpt_pt_describe(const XptPtDevice *d);

#endif
