/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct access to a window of a host memory BAR: the device model's own view of the
 * MSI-X table pages, whose bytes outside the table (the PBA, other device registers)
 * must reach the device (reference/config-space.md "MSI-X table (trapped pages)").
 *
 * The window is the sysfs file SYSFS/bus/pci/devices/SSSS:BB:DD.F/resourceN mapped with
 * mmap(MAP_SHARED, PROT_READ|PROT_WRITE) — never /dev/mem: the kernel checks that the
 * range lies inside the BAR (pci_mmap_fits) and that the device is not claimed by a
 * driver that forbids it. In shadow mode (read-only host device: qtest accelerator,
 * lspci dumps) nothing is opened: the window is a zero-filled buffer that keeps what
 * is written to it, and the real device is never touched.
 *
 * Units: every offset and length is in bytes, relative to the start of the BAR (not to
 * the window, not to the file). Accessors take naturally aligned 4- or 8-byte accesses
 * inside the window; anything else is refused without touching the device (reads return
 * all-ones), so a caller's bounds mistake cannot become an access outside the mapping.
 * MMIO is accessed with single volatile loads and stores of the access width.
 */
#ifndef XPT_HW_HOST_HOST_BAR_H
#define XPT_HW_HOST_HOST_BAR_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct XptHostBar XptHostBar;

/**
 * XptHostBarOptions: which window of which BAR.
 * @sysfs_root: sysfs mount point, NULL for "/sys" (the host-sysfs= property otherwise).
 * @sbdf: "SSSS:BB:DD.F" of the host device.
 * @bar: BAR index 0–5 (the N of resourceN).
 * @offset: first byte of the window in the BAR; a multiple of 4096.
 * @len: window length in bytes; a non-zero multiple of 4096, at most 16 MiB.
 * @base_in_page: host BAR base address modulo 4096 (0 for a page-aligned BAR, the
 *        normal case). The kernel maps resourceN from the page holding the BAR's first
 *        byte, so BAR byte X is at file offset X + @base_in_page.
 * @shadow: true → no file: a zero-filled buffer (read-only host mode).
 */
typedef struct XptHostBarOptions {
    const char *sysfs_root;
    const char *sbdf;
    unsigned bar;
    uint64_t offset;
    uint64_t len;
    uint64_t base_in_page;
    bool shadow;
} XptHostBarOptions;

/**
 * xpt_host_bar_open: open and map the window described by @o.
 * Errors: XPT_ERROR_INVALID (bar > 5, offset/len not page multiples, len 0 or > 16 MiB,
 * offset + len overflows, base_in_page ≥ 4096); XPT_ERRNO_ERROR with the errno of
 * open/fstat/mmap, or XPT_ERROR_IO when the file is shorter than the window. Messages
 * name the SBDF and the resource file.
 */
XptHostBar *xpt_host_bar_open(const XptHostBarOptions *o, GError **errp);

/** xpt_host_bar_close: unmap and free; NULL is ignored. */
void xpt_host_bar_close(XptHostBar *hb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptHostBar, xpt_host_bar_close)

/** True when the window is a shadow buffer (nothing of the device is mapped). */
bool xpt_host_bar_is_shadow(const XptHostBar *hb);

/** The resource file path ("" in shadow mode; borrowed). */
const char *xpt_host_bar_path(const XptHostBar *hb);

/** Whether [@offset, @offset + @size) is a naturally aligned 4- or 8-byte access inside
 *  the window (byte offsets in the BAR). */
bool xpt_host_bar_access_ok(const XptHostBar *hb, uint64_t offset, unsigned size);

/**
 * xpt_host_bar_read: read @size (4 or 8) bytes at BAR byte @offset, little-endian.
 * Returns all-ones of @size bytes (~0 for 8) when !xpt_host_bar_access_ok().
 */
uint64_t xpt_host_bar_read(XptHostBar *hb, uint64_t offset, unsigned size);

/**
 * xpt_host_bar_write: write the low @size (4 or 8) bytes of @val at BAR byte @offset.
 * Returns false (nothing written) when !xpt_host_bar_access_ok().
 */
bool xpt_host_bar_write(XptHostBar *hb, uint64_t offset, uint64_t val, unsigned size);

#endif
