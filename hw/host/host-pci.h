/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host PCI device: the real device behind a passthrough slot, opened through libpci.
 *
 * Backends (SPEC §3):
 *   - sysfs: libpci's "linux-sysfs" method; default /sys, or a sysfs-like tree given by
 *     host-sysfs=DIR (DIR/bus/pci/devices/SSSS:BB:DD.F/{config,resource,irq,...}).
 *   - dump:  libpci's "dump" method on `lspci -vv -xxx[x]` text (host-dump=FILE); the
 *     region and ROM sizes come from the "[size=…]" text of the -vv lines because the
 *     hex rows cannot tell them (hw/host/host-dump.h). A hex-only dump (`lspci -xxx`)
 *     has no such text: an assigned region without a size then gets an upper bound
 *     from the dump's layout (the other BARs and the bridge windows of the same dump,
 *     hw/host/dump-layout.h), reported in one warning; it is never an exact size.
 * BAR bases, sizes and flags, ROM, IRQ and the capability lists come from libpci's
 * pci_fill_info(), never from hand-parsed sysfs files.
 *
 * Shadow mode: config space is read once into a 4096-byte shadow and every write goes
 * to the shadow only (dump backend always; sysfs backend in the qtest accelerator,
 * where a real device stays bound to its ordinary host driver and is never touched).
 * Otherwise reads and writes go to the device through libpci (xen accelerator, device
 * bound to pciback).
 *
 * Every host write is recorded (offset, width, value) so tests and the policy checks of
 * issue 6 can prove that the guest never wrote a host register outside policy.
 */
#ifndef XPT_HW_HOST_HOST_PCI_H
#define XPT_HW_HOST_HOST_PCI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define XPT_HOST_NUM_BARS 6
#define XPT_HOST_CONFIG_SIZE 4096

/* Region flags (XptHostRegion.flags). */
#define XPT_HOST_REGION_IO       (1u << 0) /* I/O port BAR */
#define XPT_HOST_REGION_MEM64    (1u << 1) /* 64-bit memory BAR (occupies two BAR slots) */
#define XPT_HOST_REGION_PREFETCH (1u << 2) /* prefetchable memory */

/**
 * XptHostRegion: one host BAR or the expansion ROM.
 * @base: host physical address (memory) or port number (I/O), without flag bits;
 *        0 if unassigned.
 * @size: bytes; 0 means the BAR does not exist.
 * @flags: XPT_HOST_REGION_*.
 */
typedef struct XptHostRegion {
    uint64_t base;
    uint64_t size;
    uint32_t flags;
} XptHostRegion;

/** XptHostBackend: which libpci method opened the device. */
typedef enum {
    XPT_HOST_BACKEND_SYSFS,
    XPT_HOST_BACKEND_DUMP,
} XptHostBackend;

/**
 * XptHostOpenOptions: how to find and open the device.
 * @hostaddr: "SSSS:BB:DD.F" or "BB:DD.F" (segment 0), required.
 * @sysfs_dir: sysfs root for the sysfs backend (NULL → "/sys").
 * @dump_file: path of an lspci dump; selects the dump backend when non-NULL.
 * @shadow: true → writes go to the shadow only (always true for dumps).
 */
typedef struct XptHostOpenOptions {
    const char *hostaddr;
    const char *sysfs_dir;
    const char *dump_file;
    bool shadow;
} XptHostOpenOptions;

/** XptHostWrite: one recorded host config write. */
typedef struct XptHostWrite {
    uint16_t offset;
    uint8_t len;     /* 1, 2 or 4 bytes */
    uint32_t value;
} XptHostWrite;

typedef struct XptHostPci XptHostPci;

/**
 * xpt_host_pci_open: open the host device.
 * Errors (XPT_ERROR, one line naming the SBDF and what to do):
 *   XPT_ERROR_INVALID      malformed hostaddr; a dump region without "[size=…]" that
 *                          is unassigned (base 0) or that the dump's layout does not
 *                          bound (hw/host/dump-layout.h);
 *                          host-dump=, or the device's sysfs "config" or "resource",
 *                          not a regular file (a FIFO is never opened blocking);
 *   XPT_ERROR_NOT_FOUND    no such device in the sysfs tree / dump, or unreadable file;
 *   XPT_ERROR_IO           the 256-byte config header could not be read (a sysfs
 *                          "config" cut to 64 bytes for a reader without
 *                          CAP_SYS_ADMIN, an `lspci -x` dump): refused, because the
 *                          capabilities (MSI-X above all) would be invisible;
 *   XPT_ERROR_UNSUPPORTED  header type ≠ 0 (bridges, CardBus): "cannot pass through a
 *                          PCI bridge"; a PCI Express port (PCIe capability type is not
 *                          an endpoint, legacy endpoint or RC-integrated endpoint); a
 *                          system bridge of class 0x06 (host, ISA/LPC, EISA, MCA,
 *                          PCMCIA, NuBus, RACEway, InfiniBand or AS host bridge; only
 *                          06/80 "other bridge" passes: see system_bridge_name).
 */
XptHostPci *xpt_host_pci_open(const XptHostOpenOptions *opts, GError **errp);
void xpt_host_pci_free(XptHostPci *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptHostPci, xpt_host_pci_free)

/** SBDF as "SSSS:BB:DD.F" (borrowed). */
const char *xpt_host_pci_sbdf(const XptHostPci *h);
uint16_t xpt_host_pci_segment(const XptHostPci *h);
uint8_t xpt_host_pci_bus(const XptHostPci *h);
/** devfn = device << 3 | function (host numbering). */
uint8_t xpt_host_pci_devfn(const XptHostPci *h);
XptHostBackend xpt_host_pci_backend(const XptHostPci *h);
/** The source the device was opened from: the dump file, or the sysfs root ("/sys" or
 *  host-sysfs=DIR) (borrowed). */
const char *xpt_host_pci_source(const XptHostPci *h);
bool xpt_host_pci_is_shadow(const XptHostPci *h);

/**
 * xpt_host_pci_config_size: bytes of config space the backend provides: 256 for
 * conventional devices or dumps with 256 bytes, 4096 for PCIe dumps/sysfs with
 * extended space (never fewer: a shorter one is refused at open). Offsets beyond it
 * read all-ones.
 */
unsigned xpt_host_pci_config_size(const XptHostPci *h);

/**
 * xpt_host_pci_read: read @len (1, 2 or 4) bytes at @offset (naturally aligned,
 * < 4096), little-endian, into *val. From the shadow in shadow mode, from the device
 * otherwise. Fails with XPT_ERROR_INVALID on a bad width/alignment/offset,
 * XPT_ERROR_IO when the device read fails and XPT_ERRNO_ERROR for an injected fault
 * (then *val = all-ones). A device set "gone" reads all-ones without failing.
 */
bool xpt_host_pci_read(XptHostPci *h, unsigned offset, unsigned len, uint32_t *val,
                       GError **errp);

/**
 * xpt_host_pci_write: write @len (1, 2, 4) bytes at @offset. Records the write; goes to
 * the shadow in shadow mode, to the device otherwise (nowhere for a device set "gone").
 * Same errors as read.
 */
bool xpt_host_pci_write(XptHostPci *h, unsigned offset, unsigned len, uint32_t val,
                        GError **errp);

/** Region @bar (0–5) as libpci reported it (size 0 if absent). For a 64-bit BAR, the
 *  upper slot (bar+1) reports size 0. A BAR the host left unassigned (address 0) is
 *  reported absent, with one warning at open, in both backends: it decodes nothing the
 *  guest could use, and libxl grants no frames for it (issue 13 item 3). */
const XptHostRegion *xpt_host_pci_bar(const XptHostPci *h, unsigned bar);
/** The expansion ROM (size 0 if none). */
const XptHostRegion *xpt_host_pci_rom(const XptHostPci *h);
/** Host IRQ (GSI) from libpci; 0 if none. */
int xpt_host_pci_irq(const XptHostPci *h);

/**
 * xpt_host_pci_find_cap: offset of the first capability @cap_id in the conventional
 * capability list of the host config space, or 0. Bounded walk (at most 48 entries,
 * offsets 0x40–0xFC), so a looping or corrupted list terminates.
 */
unsigned xpt_host_pci_find_cap(XptHostPci *h, uint8_t cap_id);

/** Recorded host writes in order (borrowed); *n receives the count. */
const XptHostWrite *xpt_host_pci_writes(const XptHostPci *h, size_t *n);

/**
 * xpt_host_pci_inject_fault: make the next @count config reads (@is_write false) or
 * writes (@is_write true) through xpt_host_pci_read / xpt_host_pci_write fail with
 * XPT_ERRNO_ERROR @err (1-4095), as a device or backend error would (a failed read
 * gives all-ones; a failed write is still recorded, since it was attempted, but changes
 * nothing). @count 0 cancels. Tests only (the qtest accelerator's "xen-sim host-fail"):
 * it is how the XSA-128 rule "no host write after a failed host read" and the EIO
 * paths are exercised without real hardware. Reads made while opening the device are
 * not affected.
 */
void xpt_host_pci_inject_fault(XptHostPci *h, bool is_write, int err, unsigned count);

/** xpt_host_pci_pending_fault: injected faults of one direction still to fire (and their
 *  errno in *err when @err is not NULL), so that a test's own oracle reads can set them
 *  aside and restore them. Tests only. */
unsigned xpt_host_pci_pending_fault(const XptHostPci *h, bool is_write, int *err);

/**
 * xpt_host_pci_set_gone: simulate a device that disappeared (surprise removal, a
 * function that fell off the bus): while @gone, every config read succeeds and returns
 * all-ones, as a master abort does, and writes go nowhere (still recorded). Tests only
 * ("xen-sim host-gone").
 */
void xpt_host_pci_set_gone(XptHostPci *h, bool gone);

/** Read the expansion ROM contents (sysfs "rom" file) into a new buffer, or NULL with
 *  XPT_ERROR_NOT_FOUND if the backend has none (dumps). *len in bytes. The file must be
 *  a regular file of at most the ROM BAR size (and 16 MiB), checked without blocking
 *  before it is enabled or read (util/file.h). */
uint8_t *xpt_host_pci_read_rom(XptHostPci *h, size_t *len, GError **errp);

#endif
