/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The readiness check: see hw/host/host-check.h. */
#include "hw/host/host-check.h"
#include "hw/host/host-check-int.h"

#include <errno.h>
#include <pci/header.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/host-pci.h"
#include "hw/host/host-rules.h"
#include "hw/host/host-tree.h"
#include "util/error.h"
#include "util/file.h"

/* The ACS controls Linux requires of every bridge on a device's path before it puts the
 * device in its own IOMMU group (drivers/pci/pci.c REQ_ACS_FLAGS): Source Validation,
 * P2P Request Redirect, P2P Completion Redirect, Upstream Forwarding. */
#define CHECK_ACS_REQUIRED (PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_REQ_RED | \
                            PCI_ACS_CTRL_CMPLT_RED | PCI_ACS_CTRL_FORWARD)

/* hvmloader's default MMIO hole, Xen 4.17 tools/firmware/hvmloader/config.h and pci.c:
 * pci_mem_start = HVM_BELOW_4G_MMIO_START (0xF0000000), pci_mem_end =
 * RESERVED_MEMBASE (0xFC000000); libxl sets allow-memory-relocate=0 for qemu-xen, so the
 * hole does not grow over guest RAM. 64-bit BARs larger than BAR_RELOC_THRESH (1 GiB) go
 * above 4 GiB. The Xen platform device (00:03.0) takes 16 MiB of it. */
#define CHECK_HOLE_DEFAULT (0xFC000000ull - 0xF0000000ull)
#define CHECK_HOLE_PLATFORM (16ull << 20)
#define CHECK_BAR_RELOC_THRESH (1ull << 30)


typedef struct CheckCtx {
    const XptCheckOptions *o;
    XptHostTree *tree;
    XptCheckDevice *dev;
    XptHostPci *h;                  /* NULL if open failed */
    const XptHostTreeDev *td;       /* the device in the tree, or NULL */
    char *dir;                      /* sysfs device folder (sysfs only) */
} CheckCtx;

const char *xpt_check_level_name(XptCheckLevel level)
{
    static const char *const names[] = { "ok", "info", "warn", "fail" };
    return level <= XPT_CHECK_FAIL ? names[level] : "?";
}

static void G_GNUC_PRINTF(4, 5) add(CheckCtx *c, XptCheckLevel level, const char *check,
                                    const char *fmt, ...)
{
    va_list ap;
    XptCheckFinding f = { .level = level, .check = check };

    va_start(ap, fmt);
    f.text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* One line each, whatever a host file contained. */
    for (char *p = f.text; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            *p = ' ';
        }
    }
    g_array_append_val(c->dev->findings, f);
    if (level == XPT_CHECK_FAIL) {
        c->dev->ready = false;
    }
}

static const char *size_text(uint64_t size, char buf[32])
{
    static const char units[] = "KMGT";
    unsigned u = 0;

    if (size < 1024 || size % 1024) {
        snprintf(buf, 32, "%" G_GUINT64_FORMAT, size);
        return buf;
    }
    size /= 1024;
    while (u + 1 < sizeof(units) - 1 && size >= 1024 && size % 1024 == 0) {
        size /= 1024;
        u++;
    }
    snprintf(buf, 32, "%" G_GUINT64_FORMAT "%c", size, units[u]);
    return buf;
}

/* A small sysfs attribute of the device, read without blocking; NULL if absent. */
static char *read_attr(CheckCtx *c, const char *name, GError **errp)
{
    g_autofree char *path = g_build_filename(c->dir, name, NULL);
    size_t len = 0;

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        return NULL;
    }
    g_autofree uint8_t *data = xpt_file_read_regular(path, c->dev->sbdf, name, 4096, &len,
                                                     errp);
    if (!data) {
        return NULL;
    }
    char *s = g_strndup((const char *)data, len);
    return g_strstrip(s);
}

/* ---- the checks ------------------------------------------------------------------- */

/* Platform functions attach does not refuse (host-pci.c refuses the class 06 chipset
 * bridges itself, so those are reported by the "attach" line). */
static const char *system_kind(uint32_t class_code, bool *fatal)
{
    unsigned base = class_code >> 16, sub = (class_code >> 8) & 0xff;

    *fatal = base == 0x08 && sub == 0x06;
    if (*fatal) {
        return "an IOMMU, which Xen keeps for itself";
    }
    if (base == 0x08) {
        return "a base system peripheral (interrupt controller, timer, RTC or chipset "
               "registers)";
    }
    if (base == 0x05) {
        return "a memory controller";
    }
    return NULL;
}

static void check_system(CheckCtx *c)
{
    bool fatal;
    const char *kind = system_kind(c->dev->class_code, &fatal);

    if (!kind) {
        return;
    }
    add(c, fatal ? XPT_CHECK_FAIL : XPT_CHECK_WARN, "system",
        "class %06x is %s, part of the platform that dom0 and Xen rely on; %s",
        c->dev->class_code, kind,
        fatal ? "do not pass it through" : "pass it through only if you know dom0 can "
        "run without it");
}

static void check_pciback(CheckCtx *c)
{
    if (!c->dir) {
        add(c, XPT_CHECK_INFO, "pciback", "dump source: driver binding not known; on the "
            "host, `xl pci-assignable-list` must list %s", c->dev->sbdf);
        return;
    }
    g_autofree char *link = g_build_filename(c->dir, "driver", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    if (!target) {
        add(c, XPT_CHECK_FAIL, "pciback", "not bound to pciback (no driver); run `xl "
            "pci-assignable-add %s` (needs the xen-pciback module)", c->dev->sbdf);
        return;
    }
    g_autofree char *name = g_path_get_basename(target);
    if (!strcmp(name, "pciback")) {
        add(c, XPT_CHECK_OK, "pciback", "bound to pciback (assignable)");
    } else {
        add(c, XPT_CHECK_FAIL, "pciback", "bound to dom0 driver %s, not pciback; run `xl "
            "pci-assignable-add %s` (it unbinds %s)", name, c->dev->sbdf, name);
    }
}

static void check_iommu(const XptCheckReport *r, CheckCtx *c)
{
    if (r->is_dump) {
        add(c, XPT_CHECK_INFO, "iommu", "dump source: IOMMU not checked; on the host, `xl "
            "info` must list hvm_directio in virt_caps");
    } else if (!r->xen_known) {
        add(c, XPT_CHECK_INFO, "iommu", "IOMMU not checked");
    } else if (!r->xen.dom0) {
        add(c, XPT_CHECK_WARN, "iommu", "not a Xen dom0 (%s): IOMMU not checked; under Xen, "
            "`xl info` must list hvm_directio in virt_caps",
            r->xen.why ? r->xen.why : "no hypervisor");
    } else if (r->xen.directio) {
        add(c, XPT_CHECK_OK, "iommu", "Xen reports an IOMMU for passthrough (virt_caps "
            "hvm_directio); interrupt remapping: `xl dmesg | grep -i remapping` should say "
            "enabled");
    } else {
        add(c, XPT_CHECK_FAIL, "iommu", "Xen reports no IOMMU (virt_caps lacks "
            "hvm_directio): enable VT-d/AMD-Vi in the firmware and boot Xen with iommu=1; "
            "`xl dmesg | grep -i iommu` tells why");
    }
}

/* Reset methods from config space (a dump): PCIe FLR, AF FLR, PM soft reset. */
static void reset_from_config(CheckCtx *c)
{
    g_autoptr(GString) m = g_string_new(NULL);
    uint32_t v;
    unsigned cap;

    if ((cap = xpt_host_pci_find_cap(c->h, PCI_CAP_ID_EXP)) &&
        xpt_host_pci_read(c->h, cap + PCI_EXP_DEVCAP, 4, &v, NULL) &&
        (v & PCI_EXP_DEVCAP_FLRESET)) {
        g_string_append(m, "flr ");
    }
    if ((cap = xpt_host_pci_find_cap(c->h, PCI_CAP_ID_AF)) &&
        xpt_host_pci_read(c->h, cap + PCI_AF_CAP, 1, &v, NULL) &&
        (v & PCI_AF_CAP_FLR) && (v & PCI_AF_CAP_TP)) {
        g_string_append(m, "af_flr ");
    }
    if ((cap = xpt_host_pci_find_cap(c->h, PCI_CAP_ID_PM)) &&
        xpt_host_pci_read(c->h, cap + PCI_PM_CTRL, 2, &v, NULL) &&
        !(v & PCI_PM_CTRL_NO_SOFT_RST)) {
        g_string_append(m, "pm ");
    }
    if (m->len) {
        g_string_truncate(m, m->len - 1);
        add(c, XPT_CHECK_OK, "reset", "reset methods from config space: %s", m->str);
    } else {
        add(c, XPT_CHECK_WARN, "reset", "no function reset in config space (no FLR, PM "
            "reset off): only a bus reset, which takes the whole bus; the device may "
            "keep state from the previous guest");
    }
}

static void check_reset(CheckCtx *c)
{
    if (!c->dir) {
        reset_from_config(c);
        return;
    }
    g_autoptr(GError) err = NULL;
    g_autofree char *methods = read_attr(c, "reset_method", &err);
    if (err) {
        add(c, XPT_CHECK_WARN, "reset", "cannot read reset_method (%s)", err->message);
        return;
    }
    if (methods && *methods) {
        add(c, XPT_CHECK_OK, "reset", "reset methods: %s", methods);
        return;
    }
    g_autofree char *reset = g_build_filename(c->dir, "reset", NULL);
    if (g_file_test(reset, G_FILE_TEST_EXISTS)) {
        add(c, XPT_CHECK_OK, "reset", "resettable through sysfs reset");
        return;
    }
    add(c, XPT_CHECK_WARN, "reset", "no reset method (sysfs has no reset_method or reset): "
        "libxl cannot reset the device between guests, so it may keep state from the "
        "previous one");
}

static void check_slot(CheckCtx *c)
{
    g_autoptr(GString) others = g_string_new(NULL);

    if (!c->td) {
        return;
    }
    for (unsigned i = 0; i < xpt_host_tree_count(c->tree); i++) {
        const XptHostTreeDev *d = xpt_host_tree_dev(c->tree, i);
        if (d != c->td && d->segment == c->td->segment && d->bus == c->td->bus &&
            (d->devfn >> 3) == (c->td->devfn >> 3)) {
            g_string_append_printf(others, "%s%s (class %06x)", others->len ? ", " : "",
                                   d->sbdf, d->class_code);
        }
    }
    if (!others->len) {
        add(c, XPT_CHECK_OK, "slot", "single function in its slot");
        return;
    }
    unsigned acs = xpt_host_tree_find_ext_cap(c->td, PCI_EXT_CAP_ID_ACS);
    const char *acs_note = acs ? "it has ACS, so they may be isolated; "
                               : "without ACS they can reach each other; ";
    add(c, acs ? XPT_CHECK_INFO : XPT_CHECK_WARN, "slot",
        "shares its slot with %s: %sassign them to the same guest (xl.cfg pci=[...] with "
        "each) or leave them unused", others->str, acs_note);
}

/* Does bridge @b isolate what is below it? 1 yes, 0 no, -1 unknown (short config). */
static int bridge_isolates(const XptHostTreeDev *b, const char **why)
{
    unsigned exp = xpt_host_tree_find_cap(b, PCI_CAP_ID_EXP);

    if (!exp) {
        *why = "conventional PCI bridge (no ACS)";
        return 0;
    }
    unsigned type = (b->config[exp + PCI_EXP_FLAGS] & PCI_EXP_FLAGS_TYPE) >> 4;
    if (type == PCI_EXP_TYPE_UPSTREAM) {
        *why = "switch upstream port (ACS not required)";
        return 1;
    }
    if (type == PCI_EXP_TYPE_PCI_BRIDGE) {
        *why = "PCIe-to-PCI bridge (no ACS below it)";
        return 0;
    }
    if (b->config_size < XPT_HOST_CONFIG_SIZE) {
        *why = "extended config space not readable, ACS unknown";
        return -1;
    }
    unsigned acs = xpt_host_tree_find_ext_cap(b, PCI_EXT_CAP_ID_ACS);
    if (!acs) {
        *why = "no ACS capability";
        return 0;
    }
    uint16_t cap = (uint16_t)(b->config[acs + PCI_ACS_CAP] |
                              b->config[acs + PCI_ACS_CAP + 1] << 8);
    uint16_t ctrl = (uint16_t)(b->config[acs + PCI_ACS_CTRL] |
                               b->config[acs + PCI_ACS_CTRL + 1] << 8);
    /* Linux pci_acs_flags_enabled(): only the controls the port implements count. */
    uint16_t need = CHECK_ACS_REQUIRED & cap;
    if ((ctrl & need) != need) {
        *why = "ACS present but not enabled";
        return 0;
    }
    *why = "ACS enabled";
    return 1;
}

static void check_acs(CheckCtx *c)
{
    if (!c->td) {
        return;
    }
    const XptHostTreeDev *top = NULL, *unknown = NULL;
    const char *top_why = NULL;
    unsigned depth = 0;
    /* Walk up; bounded by the number of devices, so a bus-number loop terminates. */
    for (const XptHostTreeDev *b = xpt_host_tree_parent_bridge(c->tree, c->td);
         b && depth < xpt_host_tree_count(c->tree);
         b = xpt_host_tree_parent_bridge(c->tree, b), depth++) {
        const char *why;
        int iso = bridge_isolates(b, &why);
        if (iso == 0) {
            top = b;
            top_why = why;
        } else if (iso < 0 && !unknown) {
            unknown = b;
        }
    }
    if (!depth) {
        add(c, XPT_CHECK_OK, "acs", "on a root bus (no bridge above it)");
        return;
    }
    if (!top) {
        if (unknown) {
            add(c, XPT_CHECK_INFO, "acs", "ACS of upstream bridge %s unknown (only 256 "
                "bytes of its config space are readable; run as root)", unknown->sbdf);
        } else {
            add(c, XPT_CHECK_OK, "acs", "every upstream PCIe port isolates it (ACS)");
        }
        return;
    }
    g_autoptr(GString) others = g_string_new(NULL);
    for (unsigned i = 0; i < xpt_host_tree_count(c->tree); i++) {
        const XptHostTreeDev *d = xpt_host_tree_dev(c->tree, i);
        if (d != c->td && d->segment == top->segment && d->header_type == 0 &&
            d->bus >= top->secondary && d->bus <= top->subordinate) {
            g_string_append_printf(others, "%s%s", others->len ? ", " : "", d->sbdf);
        }
    }
    if (!others->len) {
        add(c, XPT_CHECK_OK, "acs", "behind %s (%s), but alone there", top->sbdf, top_why);
    } else {
        add(c, XPT_CHECK_WARN, "acs", "behind %s (%s): %s can reach it by peer-to-peer "
            "DMA; assign them to the same guest or leave them unused", top->sbdf, top_why,
            others->str);
    }
}

static void check_iommu_group(CheckCtx *c)
{
    if (!c->dir) {
        return;
    }
    g_autofree char *link = g_build_filename(c->dir, "iommu_group", NULL);
    g_autofree char *target = g_file_read_link(link, NULL);
    if (!target) {
        add(c, XPT_CHECK_INFO, "iommu-group", "no Linux IOMMU group (normal in a Xen dom0, "
            "where Xen owns the IOMMU; then the acs line is what counts)");
        return;
    }
    g_autofree char *group = g_path_get_basename(target);
    g_autofree char *devs = g_build_filename(c->dir, "iommu_group", "devices", NULL);
    g_autoptr(GDir) dir = g_dir_open(devs, 0, NULL);
    g_autoptr(GString) others = g_string_new(NULL);
    for (const char *name; dir && (name = g_dir_read_name(dir));) {
        if (strcmp(name, c->dev->sbdf)) {
            g_string_append_printf(others, "%s%s", others->len ? ", " : "", name);
        }
    }
    if (!others->len) {
        add(c, XPT_CHECK_OK, "iommu-group", "alone in IOMMU group %s", group);
    } else {
        add(c, XPT_CHECK_WARN, "iommu-group", "IOMMU group %s also holds %s: assign them "
            "together or leave them unused", group, others->str);
    }
}

static void neighbour_text(GString *s, GArray *n)
{
    for (unsigned i = 0; i < n->len; i++) {
        const XptHostNeighbour *x = &g_array_index(n, XptHostNeighbour, i);
        g_string_append_printf(s, "%s%s %s at 0x%" G_GINT64_MODIFIER "x", i ? ", " : "",
                               x->sbdf, xpt_host_region_name(x->region), x->base);
    }
}

static void check_bars(CheckCtx *c)
{
    g_autoptr(GString) ok = g_string_new(NULL);
    char sz[32];

    for (unsigned i = 0; i < XPT_HOST_NUM_BARS; i++) {
        const XptHostRegion *r = xpt_host_pci_bar(c->h, i);
        if (!r->size) {
            continue;
        }
        const char *kind = (r->flags & XPT_HOST_REGION_IO) ? "I/O"
                         : (r->flags & XPT_HOST_REGION_MEM64) ? "64-bit" : "32-bit";
        g_autoptr(GError) err = NULL;
        bool pass = xpt_host_rule_bar_pages(c->h, i, false, &err);
        g_autoptr(GArray) n = NULL;
        if (!(r->flags & XPT_HOST_REGION_IO)) {
            n = xpt_host_tree_page_neighbours(c->tree, xpt_host_pci_segment(c->h),
                                              xpt_host_pci_bus(c->h),
                                              xpt_host_pci_devfn(c->h), r->base, r->size);
        }
        g_autoptr(GString) nt = g_string_new(NULL);
        if (n && n->len) {
            neighbour_text(nt, n);
        }
        if (!pass) {
            /* The neighbours, unless the rule's own line already names them. */
            bool named = n && n->len &&
                         strstr(err->message, g_array_index(n, XptHostNeighbour, 0).sbdf);
            add(c, XPT_CHECK_FAIL, "attach", "%s%s%s", err->message,
                nt->len && !named ? "; its page also holds " : "", named ? "" : nt->str);
        } else if (nt->len) {
            add(c, XPT_CHECK_FAIL, "bars", "BAR %u (0x%" G_GINT64_MODIFIER "x) shares a page "
                "with %s; boot dom0 with pci=resource_alignment=%s", i, r->base, nt->str,
                c->dev->sbdf);
        } else {
            g_string_append_printf(ok, "%sBAR%u %s %s at 0x%" G_GINT64_MODIFIER "x",
                                   ok->len ? ", " : "", i, size_text(r->size, sz), kind,
                                   r->base);
        }
    }
    if (ok->len) {
        add(c, XPT_CHECK_OK, "bars", "%s: page-aligned, no other device in their pages",
            ok->str);
    } else if (!c->dev->findings->len ||
               !xpt_host_pci_bar(c->h, 0)->size) {
        bool any = false;
        for (unsigned i = 0; i < XPT_HOST_NUM_BARS; i++) {
            any |= xpt_host_pci_bar(c->h, i)->size != 0;
        }
        if (!any) {
            add(c, XPT_CHECK_INFO, "bars", "no BARs");
        }
    }
}

static void check_msix(CheckCtx *c)
{
    unsigned cap = xpt_host_pci_find_cap(c->h, PCI_CAP_ID_MSIX);
    XptHostMsixTable t;
    g_autoptr(GError) err = NULL;

    if (!cap) {
        unsigned msi = xpt_host_pci_find_cap(c->h, PCI_CAP_ID_MSI);
        add(c, XPT_CHECK_INFO, "msix", "no MSI-X%s", msi ? "; MSI (one vector)" :
            xpt_host_pci_irq(c->h) ? "; INTx only" : "; no MSI and no IRQ");
        return;
    }
    if (!xpt_host_rule_msix_table(c->h, cap, c->dev->sbdf, &t, &err)) {
        add(c, XPT_CHECK_FAIL, "attach", "%s", err->message);
        return;
    }
    const XptHostRegion *bar = xpt_host_pci_bar(c->h, t.bir);
    uint64_t first = t.table_off & ~(uint64_t)(XPT_HOST_PAGE_SIZE - 1);
    uint64_t last = (t.table_off + t.table_len - 1) & ~(uint64_t)(XPT_HOST_PAGE_SIZE - 1);
    unsigned pages = (unsigned)((last - first) / XPT_HOST_PAGE_SIZE + 1);
    bool pba_shared = (t.pba & PCI_MSIX_BIR) == t.bir &&
                      ((t.pba & ~(uint32_t)PCI_MSIX_BIR) & ~(XPT_HOST_PAGE_SIZE - 1)) >= first &&
                      ((t.pba & ~(uint32_t)PCI_MSIX_BIR) & ~(XPT_HOST_PAGE_SIZE - 1)) <= last;
    bool whole = first == 0 && last + XPT_HOST_PAGE_SIZE >= bar->size;
    add(c, whole ? XPT_CHECK_WARN : XPT_CHECK_OK, "msix",
        "%u vectors, table in BAR%u at 0x%" G_GINT64_MODIFIER "x: %u page%s trapped by the "
        "device model, never mapped%s%s", t.nr, t.bir, t.table_off, pages,
        pages == 1 ? "" : "s", pba_shared ? "; the PBA shares them (read from the host)" : "",
        whole ? "; that is the whole BAR, so every access to it goes through the device "
        "model (slow)" : "");
}

static void check_rom(CheckCtx *c)
{
    const XptHostRegion *rom = xpt_host_pci_rom(c->h);
    char sz[32];

    if (!rom->size) {
        add(c, XPT_CHECK_OK, "rom", "no expansion ROM");
        return;
    }
    if (!c->dir) {
        add(c, XPT_CHECK_INFO, "rom", "expansion ROM of %s: contents not in a dump; on "
            "the host they come from sysfs rom, or give romfile=", size_text(rom->size, sz));
        return;
    }
    g_autofree char *path = g_build_filename(c->dir, "rom", NULL);
    g_autoptr(GError) err = NULL;
    uint64_t fsize = 0;
    if (!xpt_file_check_regular(path, c->dev->sbdf, "expansion ROM file", XPT_FILE_MAX,
                                &fsize, &err)) {
        add(c, XPT_CHECK_WARN, "rom", "expansion ROM of %s but %s; the guest reads 0xFF "
            "unless you give romfile= (or rombar=0)", size_text(rom->size, sz),
            err->message);
    } else if (access(path, R_OK | W_OK)) {
        add(c, XPT_CHECK_WARN, "rom", "expansion ROM of %s; %s is not readable and "
            "writable by this user (%s): run as root", size_text(rom->size, sz), path,
            g_strerror(errno));
    } else {
        add(c, XPT_CHECK_OK, "rom", "expansion ROM of %s, sysfs rom present (contents not "
            "read: the check never enables a ROM)", size_text(rom->size, sz));
    }
}

/* Guest size of a host region as hvmloader sizes it: at least a page, a power of two. */
static uint64_t guest_size(uint64_t size)
{
    uint64_t s = XPT_HOST_PAGE_SIZE;
    while (s < size && s < (1ull << 63)) {
        s <<= 1;
    }
    return s;
}

static void check_mmio_hole(CheckCtx *c)
{
    uint64_t low = 0, movable = 0, high = 0;
    char a[32], b[32];
    bool above4g = false;

    for (unsigned i = 0; i < XPT_HOST_NUM_BARS; i++) {
        const XptHostRegion *r = xpt_host_pci_bar(c->h, i);
        if (!r->size || (r->flags & XPT_HOST_REGION_IO)) {
            continue;
        }
        uint64_t s = guest_size(r->size);
        above4g |= r->base >= (1ull << 32);
        if (!(r->flags & XPT_HOST_REGION_MEM64)) {
            low += s;
        } else if (s > CHECK_BAR_RELOC_THRESH) {
            high += s;
        } else {
            movable += s;
        }
    }
    const XptHostRegion *rom = xpt_host_pci_rom(c->h);
    if (rom->size) {
        low += guest_size(rom->size);
    }
    if (!low && !movable && !high) {
        return;                                 /* no guest MMIO at all */
    }
    uint64_t room = CHECK_HOLE_DEFAULT - CHECK_HOLE_PLATFORM;
    g_autofree char *host = above4g ? g_strdup("; host BARs above 4 GiB are fine (Xen "
                                               "maps any frame)") : g_strdup("");
    if (low > room) {
        /* mmio_hole= in MiB: 256-3840 (xl.cfg(5)); the hole must hold the 32-bit BARs. */
        uint64_t need = guest_size(low + CHECK_HOLE_PLATFORM) >> 20;
        need = MAX(need, 256u);
        if (need > 3840) {
            add(c, XPT_CHECK_FAIL, "mmio-hole", "32-bit BARs and ROM need %s below 4 GiB, "
                "more than the largest mmio_hole (3840 MiB)", size_text(low, a));
        } else {
            add(c, XPT_CHECK_WARN, "mmio-hole", "32-bit BARs and ROM need %s below 4 GiB; "
                "hvmloader's default hole holds %s: set mmio_hole=%" G_GUINT64_FORMAT
                " in the guest's xl.cfg%s", size_text(low, a), size_text(room, b), need,
                host);
        }
    } else if (low + movable > room || high) {
        add(c, XPT_CHECK_INFO, "mmio-hole", "64-bit BARs of %s go above 4 GiB in the guest "
            "(hvmloader relocates them when the default hole is too small): the guest OS "
            "must handle 64-bit BARs, or set mmio_hole=%" G_GUINT64_FORMAT "%s",
            size_text(movable + high, a),
            MAX(guest_size(low + movable + CHECK_HOLE_PLATFORM) >> 20, (uint64_t)256),
            host);
    } else {
        add(c, XPT_CHECK_OK, "mmio-hole", "%s of guest MMIO fits hvmloader's default hole "
            "(%s)%s", size_text(low + movable, a), size_text(room, b), host);
    }
}

/* The whole attach, when the caller can run it: reports any rule not covered above. */
static void check_trial_attach(CheckCtx *c)
{
    if (!c->o->attach) {
        return;
    }
    g_autofree char *why = c->o->attach(c->o->attach_opaque, c->dev->sbdf);
    if (!why) {
        add(c, XPT_CHECK_OK, "attach", "a trial attach to a simulated guest passed "
            "(every attach-time rule)");
        return;
    }
    for (unsigned i = 0; i < c->dev->findings->len; i++) {
        const XptCheckFinding *f = &g_array_index(c->dev->findings, XptCheckFinding, i);
        if (f->level == XPT_CHECK_FAIL && strstr(f->text, why)) {
            return;                     /* already said, with more detail */
        }
    }
    add(c, XPT_CHECK_FAIL, "attach", "%s", why);
}

/* ---- driver ------------------------------------------------------------------------ */

static void check_one(XptCheckReport *r, const XptCheckOptions *o, XptHostTree *tree,
                      const char *sbdf)
{
    XptCheckDevice *dev = g_new0(XptCheckDevice, 1);
    CheckCtx c = { .o = o, .tree = tree, .dev = dev };
    g_autoptr(GError) err = NULL;

    dev->sbdf = g_strdup(sbdf);
    dev->findings = g_array_new(FALSE, TRUE, sizeof(XptCheckFinding));
    dev->ready = true;
    g_ptr_array_add(r->devices, dev);

    XptHostOpenOptions oo = { .hostaddr = sbdf, .sysfs_dir = o->sysfs_dir,
                              .dump_file = o->dump_file, .shadow = true };
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&oo, &err);
    if (h) {
        g_free(dev->sbdf);
        dev->sbdf = g_strdup(xpt_host_pci_sbdf(h));
        c.td = xpt_host_tree_find(tree, xpt_host_pci_segment(h), xpt_host_pci_bus(h),
                                  xpt_host_pci_devfn(h));
    } else {
        for (unsigned i = 0; i < xpt_host_tree_count(tree); i++) {
            const XptHostTreeDev *d = xpt_host_tree_dev(tree, i);
            if (!strcmp(d->sbdf, sbdf) || !strcmp(d->sbdf + 5, sbdf)) {
                c.td = d;
                g_free(dev->sbdf);
                dev->sbdf = g_strdup(d->sbdf);
            }
        }
    }
    if (c.td) {
        dev->vendor_id = c.td->vendor_id;
        dev->device_id = c.td->device_id;
        dev->class_code = c.td->class_code;
    }
    if (!r->is_dump && c.td) {
        c.dir = g_build_filename(r->source, "bus", "pci", "devices", dev->sbdf, NULL);
    }
    c.h = h;
    if (!h) {
        add(&c, XPT_CHECK_FAIL, "attach", "%s", err->message);
    }
    if (h) {
        check_system(&c);
        check_pciback(&c);
        check_iommu(r, &c);
        check_reset(&c);
        check_slot(&c);
        check_acs(&c);
        check_iommu_group(&c);
        check_bars(&c);
        check_msix(&c);
        check_rom(&c);
        check_mmio_hole(&c);
        check_trial_attach(&c);
    }
    g_free(c.dir);
}

XptCheckReport *xpt_host_check(const XptCheckOptions *o, const char *const *sbdfs,
                               size_t n, GError **errp)
{
    g_autoptr(XptHostTree) tree = xpt_host_tree_scan(o->sysfs_dir, o->dump_file, errp);
    if (!tree) {
        return NULL;
    }
    XptCheckReport *r = g_new0(XptCheckReport, 1);
    r->source = g_strdup(xpt_host_tree_source(tree));
    r->is_dump = xpt_host_tree_is_dump(tree);
    r->devices = g_ptr_array_new();
    if (o->xen) {
        r->xen_known = true;
        r->xen = *o->xen;
        r->xen.why = NULL;
        r->xen.why = o->xen->why ? g_strdup(o->xen->why) : NULL;
    }
    if (sbdfs) {
        for (size_t i = 0; i < n; i++) {
            check_one(r, o, tree, sbdfs[i]);
        }
    } else {
        for (unsigned i = 0; i < xpt_host_tree_count(tree); i++) {
            const XptHostTreeDev *d = xpt_host_tree_dev(tree, i);
            if (d->header_type == 0 || xpt_host_tree_dev_problem(tree, d)) {
                check_one(r, o, tree, d->sbdf);
            }
        }
    }
    return r;
}

void xpt_check_report_free(XptCheckReport *r)
{
    if (!r) {
        return;
    }
    for (unsigned i = 0; i < r->devices->len; i++) {
        XptCheckDevice *d = g_ptr_array_index(r->devices, i);
        for (unsigned j = 0; j < d->findings->len; j++) {
            g_free(g_array_index(d->findings, XptCheckFinding, j).text);
        }
        g_array_unref(d->findings);
        g_free(d->sbdf);
        g_free(d);
    }
    g_ptr_array_unref(r->devices);
    g_free((char *)r->xen.why);
    g_free(r->source);
    g_free(r);
}

