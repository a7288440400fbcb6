/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole host PCI tree of one source, read-only: every device that libpci lists in a
 * sysfs tree (/sys or host-sysfs=DIR) or an lspci dump (host-dump=FILE), with its config
 * space and its regions. It answers the questions that involve devices other than the
 * one passed through: which other resources share a 4 KiB page with a BAR (the sub-page
 * BAR rule), which bridges are upstream of a device (ACS, co-assignment), which
 * functions share its slot.
 *
 * Regions: sysfs → libpci's pci_fill_info (bases, sizes and PCI_IORESOURCE_* flags from
 * the "resource" file); dump → bases and types from the hex rows, sizes from the -vv
 * "[size=…]" text (hw/host/host-dump.h), else the layout's upper bound
 * (hw/host/dump-layout.h), else unknown (size_known false, size 0). Nothing is written:
 * every file is opened read-only, and checked to be a regular file without blocking
 * before libpci reads it (util/file.h).
 */
#ifndef XPT_HW_HOST_HOST_TREE_H
#define XPT_HW_HOST_HOST_TREE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/host/host-pci.h"

/** Region index of the expansion ROM in XptHostTreeDev.regions (BARs are 0–5). */
#define XPT_HOST_TREE_ROM 6
#define XPT_HOST_TREE_REGIONS 7

/**
 * XptHostTreeRegion: one BAR or the ROM of a device in the tree.
 * @r: base (bus address, flags stripped), size in bytes (0 = absent or unknown) and
 *     XPT_HOST_REGION_* flags. A BAR at address 0 (unassigned) is absent.
 * @size_known: false when a dump gives neither "[size=…]" nor a layout bound; then
 *     r.size is 0 but r.base is the assigned base.
 */
typedef struct XptHostTreeRegion {
    XptHostRegion r;
    bool size_known;
} XptHostTreeRegion;

/**
 * XptHostTreeDev: one function of the tree.
 * @sbdf: "SSSS:BB:DD.F".
 * @config: @config_size bytes (4096, 256 or 64 — what the backend gave; 0 if none
 *     could be read, then the device has only its SBDF); bytes beyond read all-ones.
 * @header_type: config 0x0E & 0x7F; @multifunction: bit 7 of it.
 * @class_code: base class << 16 | subclass << 8 | programming interface.
 * @secondary, @subordinate: bus range of a type-1 or CardBus bridge (else 0, 0; also 0
 *     when the range does not lie above the bridge's own bus).
 */
typedef struct XptHostTreeDev {
    char sbdf[sizeof("ffff:ff:1f.7")];
    uint16_t segment;
    uint8_t bus;
    uint8_t devfn;
    uint16_t vendor_id;
    uint16_t device_id;
    uint32_t class_code;
    uint8_t header_type;
    bool multifunction;
    uint8_t secondary;
    uint8_t subordinate;
    unsigned config_size;
    uint8_t config[XPT_HOST_CONFIG_SIZE];
    XptHostTreeRegion regions[XPT_HOST_TREE_REGIONS];
} XptHostTreeDev;

typedef struct XptHostTree XptHostTree;

/**
 * xpt_host_tree_scan: read every device of the source: @dump_file if non-NULL (libpci's
 * dump method), else the sysfs tree rooted at @sysfs_dir (NULL → "/sys").
 * Errors (XPT_ERROR, one line naming the source and the fix): XPT_ERROR_FAILED if libpci
 * lacks the method; XPT_ERROR_INVALID if the dump file is not a regular file;
 * XPT_ERROR_NOT_FOUND if libpci cannot scan the source (missing or malformed tree).
 * A device whose files are unreadable or not regular files stays in the tree with
 * config_size 0 and no regions (see xpt_host_tree_dev_problem()).
 */
XptHostTree *xpt_host_tree_scan(const char *sysfs_dir, const char *dump_file,
                                GError **errp);
void xpt_host_tree_free(XptHostTree *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptHostTree, xpt_host_tree_free)

/** Number of devices, in libpci's order sorted by SBDF. */
unsigned xpt_host_tree_count(const XptHostTree *t);
/** Device @i (< count), borrowed. */
const XptHostTreeDev *xpt_host_tree_dev(const XptHostTree *t, unsigned i);
/** The device @segment:@bus:@devfn, or NULL. */
const XptHostTreeDev *xpt_host_tree_find(const XptHostTree *t, unsigned segment,
                                         unsigned bus, unsigned devfn);
/** Why device @d has no config space or regions in the tree (borrowed), or NULL. */
const char *xpt_host_tree_dev_problem(const XptHostTree *t, const XptHostTreeDev *d);
/** The source, for messages: the dump file or the sysfs root (borrowed). */
const char *xpt_host_tree_source(const XptHostTree *t);
bool xpt_host_tree_is_dump(const XptHostTree *t);

/**
 * xpt_host_tree_parent_bridge: the bridge directly upstream of @d: among the type-1
 * (PCI-to-PCI) and type-2 (CardBus) bridges of @d's segment on a lower bus whose
 * secondary..subordinate range holds @d's bus, the one with the narrowest range; NULL
 * on a root bus. Bridges whose range does not lie above their own bus are ignored, so
 * walking up always ends (bus numbers strictly decrease).
 */
const XptHostTreeDev *xpt_host_tree_parent_bridge(const XptHostTree *t,
                                                  const XptHostTreeDev *d);

/**
 * xpt_host_tree_find_ext_cap: offset of PCI Express extended capability @id (PCIe Base
 * 4.0 §7.6: header dword at 0x100, ID bits 15:0, next offset bits 31:20) in @d's config
 * space, or 0 if absent or if only 256 bytes are known. The walk is bounded ((4096 -
 * 256) / 4 steps, next offsets below 0x100 or not dword-aligned end it), so a looping
 * list terminates.
 */
unsigned xpt_host_tree_find_ext_cap(const XptHostTreeDev *d, uint16_t id);

/**
 * xpt_host_tree_find_cap: offset of conventional capability @id (PCI LB 3.0 §6.7) in
 * @d's config space, or 0; bounded to 48 entries, as xpt_host_pci_find_cap.
 */
unsigned xpt_host_tree_find_cap(const XptHostTreeDev *d, uint8_t id);

/**
 * XptHostNeighbour: a memory region of another device that shares a page.
 * @sbdf: the other device; @region: its BAR 0–5 or XPT_HOST_TREE_ROM; @base, @size:
 * its host range (size 0 if unknown: then only the page of @base is known to be shared).
 */
typedef struct XptHostNeighbour {
    char sbdf[sizeof("ffff:ff:1f.7")];
    unsigned region;
    uint64_t base;
    uint64_t size;
} XptHostNeighbour;

/**
 * xpt_host_tree_page_neighbours: the memory regions (BARs and assigned ROMs, of
 * endpoints and bridges alike) of devices other than @segment:@bus:@devfn in the same
 * segment that touch any 4 KiB page of [@base, @base + @size): the resources a guest
 * would reach if those pages were mapped to it (issue 11 item 4: "another host resource
 * in the same page"). I/O BARs and bridge windows are not resources of this kind (a
 * window contains the device itself). Returns a GArray of XptHostNeighbour (empty if
 * none; g_array_unref). @size 0 is taken as 1.
 */
GArray *xpt_host_tree_page_neighbours(const XptHostTree *t, unsigned segment,
                                      unsigned bus, unsigned devfn, uint64_t base,
                                      uint64_t size);

/**
 * xpt_host_page_neighbours: xpt_host_tree_page_neighbours() for the opened device @h
 * and the range [@base, @base + @size), scanning @h's own source (its sysfs tree or
 * dump) once per call. Errors: those of xpt_host_tree_scan().
 */
GArray *xpt_host_page_neighbours(XptHostPci *h, uint64_t base, uint64_t size,
                                 GError **errp);

/** xpt_host_region_name: "BAR3" or "ROM" for a region index (static string). */
const char *xpt_host_region_name(unsigned region);

#endif
