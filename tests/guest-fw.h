/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-side firmware for tests and the demo: what hvmloader does to bus 0
 * (reference/toolstack.md §firmware), through the qtest client.
 */
#ifndef XPT_TESTS_GUEST_FW_H
#define XPT_TESTS_GUEST_FW_H

#include <stdbool.h>
#include <stdint.h>

#include "qtest/client.h"

/** One BAR as the guest found and placed it. index 6 = ROM. */
typedef struct GuestBar {
    bool present;
    bool io, mem64, prefetch;
    uint64_t size;     /* bytes, from the sizing read-back */
    uint64_t addr;     /* placed at (0 = not placed) */
} GuestBar;

typedef struct GuestDev {
    uint8_t devfn;
    uint16_t vendor, device;
    GuestBar bars[7];
    uint8_t config[256];   /* guest view after set-up */
} GuestDev;

/** Scan all 256 devfns of bus 0; returns the number of functions found (≤ @max). */
unsigned guest_scan(XptQts *qts, GuestDev *devs, unsigned max);

/** Size every BAR (decode off, all-ones, read back, restore) like hvmloader. */
void guest_size_bars(XptQts *qts, GuestDev *dev);

/**
 * guest_setup_all: hvmloader 4.17's pci_setup (tools/firmware/hvmloader/pci.c) on the
 * @n functions of @devs: PIIX3 PIRQ routes LNKA→5, LNKB→10, LNKC→11, LNKD→5 (the
 * PCI_ISA_IRQ_MASK walk); the PIIX4 PM writes (SCI IRQ 9, PMBA 0xB001); every BAR and
 * ROM sized with decode off and put in one list by descending size (equal sizes in scan
 * order, I/O and memory mixed); interrupt line by the barber's pole ((pin - 1 + slot)
 * mod 4); the low MMIO hole [0xF0000000, 0xFC000000) lowered by doubling its size until
 * the memory BARs fit; 64-bit BARs above 1 GiB, or all 64-bit BARs when the hole is
 * still too small, placed from 4 GiB; ports from 0xC000; each naturally aligned; a BAR
 * with no space left unplaced; the ROM placed but not enabled; then command |= bus
 * master and the decode types placed. Skips devfn 0x00 and 0x08 (the chipset).
 */
void guest_setup_all(XptQts *qts, GuestDev *devs, unsigned n);

/**
 * guest_enable_interrupts: what a driver does after firmware: with MSI-X, program table
 * entry 0 (address 0xFEE00000, data @vector), unmask it and enable MSI-X (the table BAR
 * must be placed and decoded); else with MSI, program address/data and enable MSI.
 * Returns 2 (MSI-X), 1 (MSI) or 0 (neither).
 */
int guest_enable_interrupts(XptQts *qts, GuestDev *dev, uint8_t vector);

/** Read the 256-byte guest view of @dev into dev->config. */
void guest_read_config(XptQts *qts, GuestDev *dev);

/** Append @dev as an `lspci -xxx` dump block ("00:02.0 Class ...\n00: ..") to @out. */
void guest_dump_lspci(const GuestDev *dev, GString *out);

#endif
