/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest view of a BAR (PCI LB 3.0 §6.2.5.1, expansion ROM §6.2.5.2): sizing masks,
 * type bits and address decoding, independent of how a device backs the BAR.
 *
 * Sizes are bytes, powers of two. A memory BAR is presented with at least 4 KiB so that
 * the guest never places two BARs in one page (the hypervisor maps whole pages).
 * Addresses are guest-physical (memory) or port numbers (I/O).
 */
#ifndef XPT_HW_PCI_BAR_H
#define XPT_HW_PCI_BAR_H

#include <stdbool.h>
#include <stdint.h>

#define XPT_BAR_IO       (1u << 0)
#define XPT_BAR_MEM64    (1u << 1)
#define XPT_BAR_PREFETCH (1u << 2)
#define XPT_BAR_ROM      (1u << 3)

#define XPT_PCI_BAR0 0x10
#define XPT_PCI_ROM_ADDRESS 0x30
#define XPT_PCI_ROM_ENABLE 0x1u
#define XPT_PCI_COMMAND_IO 0x1u
#define XPT_PCI_COMMAND_MEMORY 0x2u
#define XPT_PCI_COMMAND_INTX_DISABLE 0x400u

/** XptBar: type and size of one BAR (size 0 = not implemented). */
typedef struct XptBar {
    uint64_t size;
    uint32_t flags;     /* XPT_BAR_* */
} XptBar;

/** xpt_bar_guest_size: the size the guest sees: memory rounded up to 4 KiB, a power of
 *  two; I/O at least 4 bytes; 0 stays 0. */
uint64_t xpt_bar_guest_size(uint64_t host_size, uint32_t flags);

/** Type bits of the low dword (I/O bit 0; memory bits 2:1 = 10b for 64-bit; bit 3
 *  prefetchable). ROM: 0. */
uint32_t xpt_bar_type_bits(const XptBar *bar);

/**
 * Read-only mask of the low dword: type bits and the address bits below the size
 * (so all-ones written reads back the size). A 64-bit BAR of ≥ 4 GiB has a read-only low
 * dword (address bits all above 32). ROM: bits 10:1 and the bits below the size; bit 0
 * (enable) writable. Unimplemented BAR: all read-only.
 */
uint32_t xpt_bar_ro_mask_low(const XptBar *bar);

/** Read-only mask of the upper dword of a 64-bit BAR: bits below size>>32 (0 if < 4 GiB). */
uint32_t xpt_bar_ro_mask_high(const XptBar *bar);

/** Address from the register values (@hi ignored unless 64-bit); type bits stripped. */
uint64_t xpt_bar_address(const XptBar *bar, uint32_t lo, uint32_t hi);

/**
 * xpt_bar_address_usable: whether @addr is a real placement the device can decode: not 0,
 * aligned to the size, not the all-ones sizing pattern, no wrap, I/O below 0x10000, a
 * 32-bit BAR below 4 GiB, and below the 52-bit physical address limit of x86 (Xen).
 */
bool xpt_bar_address_usable(const XptBar *bar, uint64_t addr);

#endif
