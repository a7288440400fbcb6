/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whole host PCI tree of one source, read-only; see hw/host/host-tree.h. */
#include "hw/host/host-tree.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hw/host/dump-layout.h"
#include "hw/host/host-dump.h"
#include "hw/host/host-libpci.h"
#include "util/bytes.h"
#include "util/error.h"
#include "util/file.h"

#define TREE_PAGE_SIZE 4096u
#define TREE_CAP_WALK_MAX 48
#define TREE_FILL_FLAGS (PCI_FILL_IDENT | PCI_FILL_BASES | PCI_FILL_ROM_BASE | \
                         PCI_FILL_SIZES | PCI_FILL_CLASS | PCI_FILL_IO_FLAGS)

struct XptHostTree {
    char *source;
    bool is_dump;
    GArray *devs;       /* XptHostTreeDev, sorted by SBDF */
    GPtrArray *problems; /* per device (same index): char * or NULL */
    XptDumpIndex *sizes; /* a dump's [size=] of every block, read once (NULL: none) */
};

/*
 * The files libpci's sysfs method may read for each device (pciutils 3.9
 * lib/sysfs.c): every one that exists must be a regular file, or libpci's plain open()
 * could block (FIFO) or read forever (a device node). stat() never blocks.
 */
static const char *const sysfs_device_files[] = {
    "vendor", "device", "class", "irq", "resource", "config", "revision",
    "subsystem_vendor", "subsystem_device", "label", "numa_node", "modalias",
};

static bool check_sysfs_tree(const char *root, GError **errp)
{
    g_autofree char *devices = g_build_filename(root, "bus", "pci", "devices", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) dir = g_dir_open(devices, 0, &err);

    if (!dir) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "cannot read the sysfs tree %s (%s); give the root of a sysfs-like "
                    "tree holding bus/pci/devices", root, err->message);
        return false;
    }
    for (const char *name; (name = g_dir_read_name(dir));) {
        unsigned dom, bus, dev, fn;
        char end;
        /* libpci's sysfs_scan() parses each name with "%x:%x:%x.%d" and calls its error
         * handler (a longjmp here, leaking its open directory) on anything else. */
        if (sscanf(name, "%x:%x:%x.%u%c", &dom, &bus, &dev, &fn, &end) != 4) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                        "sysfs tree %s: %s/%s is not named like a PCI device "
                        "(SSSS:BB:DD.F); this is not a sysfs tree libpci can read", root,
                        devices, name);
            return false;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(sysfs_device_files); i++) {
            g_autofree char *path = g_build_filename(devices, name, sysfs_device_files[i],
                                                     NULL);
            struct stat st;
            if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                            "sysfs tree %s: %s is not a regular file; this is not a "
                            "sysfs tree libpci can read", root, path);
                return false;
            }
        }
    }
    return true;
}

static int dev_cmp(gconstpointer a, gconstpointer b)
{
    const XptHostTreeDev *x = a, *y = b;
    uint32_t kx = (uint32_t)x->segment << 16 | x->bus << 8 | x->devfn;
    uint32_t ky = (uint32_t)y->segment << 16 | y->bus << 8 | y->devfn;
    return kx < ky ? -1 : kx > ky;
}

/* Config space: 4096, 256 or 64 bytes, whichever libpci gives first. */
static void read_config(XptHostTreeDev *d, struct pci_dev *p)
{
    static const unsigned sizes[] = { XPT_HOST_CONFIG_SIZE, 256, 64 };
    char why[XPT_LIBPCI_MSG_LEN];

    memset(d->config, 0xff, sizeof(d->config));
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        if (xpt_libpci_block(p, false, 0, d->config, sizes[i], why)) {
            d->config_size = sizes[i];
            return;
        }
        memset(d->config, 0xff, sizeof(d->config));
    }
}

static uint32_t cfg(const XptHostTreeDev *d, unsigned off, unsigned len)
{
    if (off + len > d->config_size) {
        return xpt_ones32(len);
    }
    return (uint32_t)xpt_le_load(d->config + off, len);
}

/* BAR slots of the header: 6 for type 0, 2 for type 1 bridges, 1 for CardBus. */
static unsigned bar_slots(const XptHostTreeDev *d)
{
    return d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : d->header_type == 2 ? 1 : 0;
}

static void regions_sysfs(XptHostTreeDev *d, struct pci_dev *p, int known)
{
    for (unsigned i = 0; i < XPT_HOST_NUM_BARS; i++) {
        XptHostTreeRegion *r = &d->regions[i];
        bool io = (known & PCI_FILL_IO_FLAGS) ? (p->flags[i] & PCI_IORESOURCE_IO)
                                              : (p->base_addr[i] & PCI_BASE_ADDRESS_SPACE_IO);
        uint64_t base = p->base_addr[i] & (io ? PCI_ADDR_IO_MASK : PCI_ADDR_MEM_MASK);
        if (!p->size[i] || !base) {
            continue;
        }
        r->r.base = base;
        r->r.size = p->size[i];
        r->size_known = true;
        if (io) {
            r->r.flags = XPT_HOST_REGION_IO;
        } else if (known & PCI_FILL_IO_FLAGS) {
            r->r.flags |= (p->flags[i] & PCI_IORESOURCE_MEM_64) ? XPT_HOST_REGION_MEM64 : 0;
            r->r.flags |= (p->flags[i] & PCI_IORESOURCE_PREFETCH) ? XPT_HOST_REGION_PREFETCH
                                                                  : 0;
        }
    }
    uint64_t rom = p->rom_base_addr & PCI_ROM_ADDRESS_MASK;
    if (p->rom_size && rom) {
        d->regions[XPT_HOST_TREE_ROM].r.base = rom;
        d->regions[XPT_HOST_TREE_ROM].r.size = p->rom_size;
        d->regions[XPT_HOST_TREE_ROM].size_known = true;
    }
}

/* A dump: bases and types from the hex rows, sizes from [size=] or the layout's bound. */
static void regions_dump(XptHostTree *t, XptHostTreeDev *d, XptDumpLayout *layout)
{
    XptDumpSizes sizes = { { 0 }, 0 };

    if (!t->sizes ||
        !xpt_host_dump_index_sizes(t->sizes, t->source, d->sbdf, d->segment, d->bus,
                                   d->devfn >> 3, d->devfn & 7, &sizes, NULL)) {
        memset(&sizes, 0, sizeof(sizes));
    }
    for (unsigned i = 0; i < bar_slots(d); i++) {
        XptHostTreeRegion *r = &d->regions[i];
        uint32_t raw = cfg(d, PCI_BASE_ADDRESS_0 + 4 * i, 4);
        uint64_t base;
        unsigned slot = i;

        if (raw == 0xffffffffu) {
            continue;
        }
        if (raw & PCI_BASE_ADDRESS_SPACE_IO) {
            r->r.flags = XPT_HOST_REGION_IO;
            base = raw & PCI_BASE_ADDRESS_IO_MASK;
        } else {
            base = raw & PCI_BASE_ADDRESS_MEM_MASK;
            if ((raw & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64 &&
                i + 1 < bar_slots(d)) {
                base |= (uint64_t)cfg(d, PCI_BASE_ADDRESS_0 + 4 * (i + 1), 4) << 32;
                r->r.flags = XPT_HOST_REGION_MEM64;
                i++;
            }
            r->r.flags |= (raw & PCI_BASE_ADDRESS_MEM_PREFETCH) ? XPT_HOST_REGION_PREFETCH
                                                                : 0;
        }
        if (!base) {
            r->r.flags = 0;
            continue;
        }
        r->r.base = base;
        r->r.size = sizes.bar[slot];
        if (!r->r.size && layout &&
            !xpt_dump_layout_bound(layout, d->segment, d->bus, d->devfn, slot, &r->r.size,
                                   NULL)) {
            r->r.size = 0;
        }
        r->size_known = r->r.size != 0;
    }
    unsigned rom_off = d->header_type == 1 ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
    uint32_t rom_raw = d->header_type <= 1 ? cfg(d, rom_off, 4) : 0;
    uint64_t rom = rom_raw == 0xffffffffu ? 0 : (rom_raw & PCI_ROM_ADDRESS_MASK);
    if (rom) {
        XptHostTreeRegion *r = &d->regions[XPT_HOST_TREE_ROM];
        r->r.base = rom;
        r->r.size = sizes.rom;
        if (!r->r.size && layout &&
            !xpt_dump_layout_bound(layout, d->segment, d->bus, d->devfn,
                                   XPT_DUMP_LAYOUT_ROM, &r->r.size, NULL)) {
            r->r.size = 0;
        }
        r->size_known = r->r.size != 0;
    }
}

/* The regular-file check of the files libpci reads for the device (sysfs). */
static char *sysfs_dev_problem(const XptHostTree *t, const char *sbdf)
{
    static const char *const files[] = { "config", "resource" };

    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = g_build_filename(t->source, "bus", "pci", "devices", sbdf,
                                                 files[i], NULL);
        g_autoptr(GError) err = NULL;
        g_autofree char *what = g_strdup_printf("sysfs %s file", files[i]);
        if (!xpt_file_check_regular(path, sbdf, what, XPT_FILE_MAX, NULL, &err)) {
            return g_strdup(err->message);
        }
    }
    return NULL;
}

static void fill_dev(XptHostTree *t, XptHostTreeDev *d, struct pci_dev *p,
                     XptDumpLayout *layout, char **problem)
{
    char why[XPT_LIBPCI_MSG_LEN];
    int known = 0;

    if (!t->is_dump && (*problem = sysfs_dev_problem(t, d->sbdf))) {
        return;
    }
    if (!xpt_libpci_fill_info(p, TREE_FILL_FLAGS, &known, why)) {
        *problem = g_strdup_printf("%s: libpci cannot read the device from %s (%s)",
                                   d->sbdf, t->source, why);
        return;
    }
    read_config(d, p);
    if (!d->config_size) {
        *problem = g_strdup_printf("%s: config space unreadable in %s", d->sbdf, t->source);
        return;
    }
    d->vendor_id = (uint16_t)cfg(d, PCI_VENDOR_ID, 2);
    d->device_id = (uint16_t)cfg(d, PCI_DEVICE_ID, 2);
    d->class_code = cfg(d, PCI_CLASS_REVISION, 4) >> 8;
    d->header_type = (uint8_t)(cfg(d, PCI_HEADER_TYPE, 1) & 0x7f);
    d->multifunction = cfg(d, PCI_HEADER_TYPE, 1) & 0x80;
    if (d->header_type == 1) {
        d->secondary = (uint8_t)cfg(d, PCI_SECONDARY_BUS, 1);
        d->subordinate = (uint8_t)cfg(d, PCI_SUBORDINATE_BUS, 1);
    } else if (d->header_type == 2) {   /* CardBus: PCI LB 3.0 / PC Card 16-bit header */
        d->secondary = (uint8_t)cfg(d, PCI_CB_CARD_BUS, 1);
        d->subordinate = (uint8_t)cfg(d, PCI_CB_SUBORDINATE_BUS, 1);
    }
    if (d->secondary <= d->bus || d->subordinate < d->secondary) {
        d->secondary = d->subordinate = 0;  /* not a usable bus range (or a loop) */
    }
    if (t->is_dump) {
        regions_dump(t, d, layout);
    } else {
        regions_sysfs(d, p, known);
    }
}

XptHostTree *xpt_host_tree_scan(const char *sysfs_dir, const char *dump_file,
                                GError **errp)
{
    char why[XPT_LIBPCI_MSG_LEN];
    g_autoptr(XptHostTree) t = g_new0(XptHostTree, 1);

    t->is_dump = dump_file != NULL;
    t->source = g_strdup(dump_file ? dump_file : sysfs_dir ? sysfs_dir : "/sys");
    t->devs = g_array_new(FALSE, TRUE, sizeof(XptHostTreeDev));
    t->problems = g_ptr_array_new_with_free_func(g_free);

    if (t->is_dump) {
        if (!xpt_file_check_regular(dump_file, "host tree", "host-dump", XPT_FILE_MAX,
                                    NULL, errp)) {
            return NULL;
        }
    } else if (!check_sysfs_tree(t->source, errp)) {
        return NULL;
    }
    g_autofree char *bus_pci = t->is_dump ? NULL
                               : g_build_filename(t->source, "bus", "pci", NULL);
    struct pci_access *acc = xpt_libpci_new(dump_file, bus_pci, false, t->source, errp);
    if (!acc) {
        return NULL;
    }
    if (!xpt_libpci_init_scan(acc, why)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "cannot scan the %s %s (%s); check the %s path",
                    t->is_dump ? "dump" : "sysfs tree", t->source, why,
                    t->is_dump ? "host-dump=" : "host-sysfs=");
        pci_cleanup(acc);
        return NULL;
    }
    g_autoptr(XptDumpLayout) layout = NULL;
    if (t->is_dump) {
        /* the dump is parsed once (issue 15): the layout from the scan above, every
         * block's sizes indexed in one pass */
        g_autofree char *text = NULL;
        layout = xpt_dump_layout_from_access(acc, dump_file, NULL); /* NULL: no bounds */
        if (g_file_get_contents(dump_file, &text, NULL, NULL)) {
            t->sizes = xpt_host_dump_index_new(text);   /* else: sizes unknown */
        }
    }
    /* Domains above 0xffff (Intel VMD's 10000+) have no SSSS:BB:DD.F name: skipped. */
    unsigned n = 0;
    for (struct pci_dev *p = acc->devices; p; p = p->next) {
        n += p->domain >= 0 && p->domain <= 0xffff;
    }
    g_array_set_size(t->devs, n);
    char **problems = g_new0(char *, n);
    unsigned i = 0;
    for (struct pci_dev *p = acc->devices; p; p = p->next) {
        if (p->domain < 0 || p->domain > 0xffff) {
            continue;
        }
        XptHostTreeDev *d = &g_array_index(t->devs, XptHostTreeDev, i);
        d->segment = (uint16_t)p->domain;
        d->bus = p->bus;
        d->devfn = (uint8_t)(p->dev << 3 | p->func);
        snprintf(d->sbdf, sizeof(d->sbdf), "%04x:%02x:%02x.%u", d->segment, d->bus,
                 (unsigned)(d->devfn >> 3), (unsigned)(d->devfn & 7));
        memset(d->config, 0xff, sizeof(d->config));
        fill_dev(t, d, p, layout, &problems[i]);
        i++;
    }
    pci_cleanup(acc);

    /* Sort devices and keep each problem with its device. */
    g_autofree unsigned *order = g_new(unsigned, n ? n : 1);
    for (i = 0; i < n; i++) {
        order[i] = i;
    }
    for (i = 1; i < n; i++) {            /* insertion sort of indices: n is small */
        for (unsigned j = i; j > 0; j--) {
            XptHostTreeDev *a = &g_array_index(t->devs, XptHostTreeDev, order[j - 1]);
            XptHostTreeDev *b = &g_array_index(t->devs, XptHostTreeDev, order[j]);
            if (dev_cmp(a, b) <= 0) {
                break;
            }
            unsigned tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    }
    GArray *sorted = g_array_sized_new(FALSE, TRUE, sizeof(XptHostTreeDev), n);
    for (i = 0; i < n; i++) {
        g_array_append_val(sorted, g_array_index(t->devs, XptHostTreeDev, order[i]));
        g_ptr_array_add(t->problems, problems[order[i]]);
    }
    g_free(problems);
    g_array_unref(t->devs);
    t->devs = sorted;
    return g_steal_pointer(&t);
}

void xpt_host_tree_free(XptHostTree *t)
{
    if (!t) {
        return;
    }
    if (t->devs) {
        g_array_unref(t->devs);
    }
    if (t->problems) {
        g_ptr_array_unref(t->problems);
    }
    xpt_host_dump_index_free(t->sizes);
    g_free(t->source);
    g_free(t);
}

unsigned xpt_host_tree_count(const XptHostTree *t)
{
    return t->devs->len;
}

const XptHostTreeDev *xpt_host_tree_dev(const XptHostTree *t, unsigned i)
{
    return i < t->devs->len ? &g_array_index(t->devs, XptHostTreeDev, i) : NULL;
}

const XptHostTreeDev *xpt_host_tree_find(const XptHostTree *t, unsigned segment,
                                         unsigned bus, unsigned devfn)
{
    for (unsigned i = 0; i < t->devs->len; i++) {
        const XptHostTreeDev *d = &g_array_index(t->devs, XptHostTreeDev, i);
        if (d->segment == segment && d->bus == bus && d->devfn == devfn) {
            return d;
        }
    }
    return NULL;
}

const char *xpt_host_tree_dev_problem(const XptHostTree *t, const XptHostTreeDev *d)
{
    size_t i = (size_t)(d - &g_array_index(t->devs, XptHostTreeDev, 0));
    return i < t->problems->len ? g_ptr_array_index(t->problems, i) : NULL;
}

const char *xpt_host_tree_source(const XptHostTree *t)
{
    return t->source;
}

bool xpt_host_tree_is_dump(const XptHostTree *t)
{
    return t->is_dump;
}

const XptHostTreeDev *xpt_host_tree_parent_bridge(const XptHostTree *t,
                                                  const XptHostTreeDev *d)
{
    const XptHostTreeDev *best = NULL;

    for (unsigned i = 0; i < t->devs->len; i++) {
        const XptHostTreeDev *b = &g_array_index(t->devs, XptHostTreeDev, i);
        if (b == d || !b->secondary || b->segment != d->segment ||
            d->bus < b->secondary || d->bus > b->subordinate) {
            continue;
        }
        /* The direct parent has the narrowest range (its secondary bus is d's bus when
         * the tree is consistent). */
        if (!best || b->subordinate - b->secondary < best->subordinate - best->secondary ||
            (b->secondary == d->bus && best->secondary != d->bus)) {
            best = b;
        }
    }
    return best;
}

unsigned xpt_host_tree_find_ext_cap(const XptHostTreeDev *d, uint16_t id)
{
    unsigned off = 0x100;

    if (d->config_size < XPT_HOST_CONFIG_SIZE) {
        return 0;
    }
    for (unsigned n = 0; n < (XPT_HOST_CONFIG_SIZE - 0x100) / 4; n++) {
        uint32_t hdr = cfg(d, off, 4);
        if (hdr == 0 || hdr == 0xffffffffu) {
            return 0;
        }
        if ((hdr & 0xffff) == id) {
            return off;
        }
        unsigned next = hdr >> 20;
        if (next < 0x100 || (next & 3)) {
            return 0;
        }
        off = next;
    }
    return 0;
}

unsigned xpt_host_tree_find_cap(const XptHostTreeDev *d, uint8_t id)
{
    if (d->config_size < 256 || !(cfg(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    unsigned ptr = cfg(d, d->header_type == 2 ? PCI_CB_CAPABILITY_LIST
                                               : PCI_CAPABILITY_LIST, 1) & 0xfc;
    for (unsigned n = 0; n < TREE_CAP_WALK_MAX && ptr >= 0x40; n++) {
        if (cfg(d, ptr, 1) == id) {
            return ptr;
        }
        ptr = cfg(d, ptr + 1, 1) & 0xfc;
    }
    return 0;
}

static uint64_t page_floor(uint64_t v)
{
    return v & ~(uint64_t)(TREE_PAGE_SIZE - 1);
}

/* Last page of [base, base + size) (size ≥ 1), saturating at the top of the space. */
static uint64_t page_last(uint64_t base, uint64_t size)
{
    uint64_t end = base + (size ? size : 1) - 1;
    return page_floor(end < base ? UINT64_MAX : end);
}

GArray *xpt_host_tree_page_neighbours(const XptHostTree *t, unsigned segment,
                                      unsigned bus, unsigned devfn, uint64_t base,
                                      uint64_t size)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(XptHostNeighbour));
    uint64_t first = page_floor(base), last = page_last(base, size);

    for (unsigned i = 0; i < t->devs->len; i++) {
        const XptHostTreeDev *d = &g_array_index(t->devs, XptHostTreeDev, i);
        if (d->segment != segment || (d->bus == bus && d->devfn == devfn)) {
            continue;
        }
        for (unsigned r = 0; r < XPT_HOST_TREE_REGIONS; r++) {
            const XptHostTreeRegion *reg = &d->regions[r];
            if (!reg->r.base || (reg->r.flags & XPT_HOST_REGION_IO)) {
                continue;
            }
            uint64_t f = page_floor(reg->r.base), l = page_last(reg->r.base, reg->r.size);
            if (f > last || l < first) {
                continue;
            }
            XptHostNeighbour n = { .region = r, .base = reg->r.base,
                                   .size = reg->size_known ? reg->r.size : 0 };
            g_strlcpy(n.sbdf, d->sbdf, sizeof(n.sbdf));
            g_array_append_val(out, n);
        }
    }
    return out;
}

GArray *xpt_host_page_neighbours(XptHostPci *h, uint64_t base, uint64_t size,
                                 GError **errp)
{
    bool dump = xpt_host_pci_backend(h) == XPT_HOST_BACKEND_DUMP;
    const char *src = xpt_host_pci_source(h);
    g_autoptr(XptHostTree) t = xpt_host_tree_scan(dump ? NULL : src, dump ? src : NULL,
                                                  errp);
    if (!t) {
        return NULL;
    }
    return xpt_host_tree_page_neighbours(t, xpt_host_pci_segment(h), xpt_host_pci_bus(h),
                                         xpt_host_pci_devfn(h), base, size);
}

const char *xpt_host_region_name(unsigned region)
{
    static const char *const names[] = { "BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5",
                                         "ROM" };
    return region < G_N_ELEMENTS(names) ? names[region] : "region?";
}
