/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * End-to-end passthrough of the endpoints of pciutils' hex-only tree dumps
 * (tree-asus-p6t6, tree-fsl-p2020): their BAR sizes are the upper bounds of the dump's
 * layout (hw/host/dump-layout.h). The real binary runs under -accel qtest; the guest
 * firmware of tests/guest-fw.c sizes and places the BARs, and the simulated Xen's
 * state shows exactly which host pages and ports the guest got.
 *
 * Expected values come from `lspci -F FILE -vv` of the fixtures: IDs, class, the
 * capability chain (visible per reference/config-space.md "Capabilities handled": PM,
 * VPD, MSI, vendor, PCIe, MSI-X; others leave the chain), BAR types, host bases, the
 * MSI-X table placement, and the sizes the layout bounds (see tests/test-dump-layout.c).
 */
#include <string.h>

#include "hw/host/host-pci.h"
#include "tests/guest-fw.h"
#include "tests/testutil.h"
#include "util/log.h"

#define K (1024ull)
#define M (1024ull * 1024)
#define PAGE 4096ull
#define SLOT2 0x10   /* devfn of the first passthrough slot */

typedef struct ExpBar {
    uint64_t host;      /* host base (0 = the BAR does not exist) */
    uint64_t size;      /* host size: the layout's upper bound */
    bool io, mem64, prefetch;
} ExpBar;

typedef struct Endpoint {
    const char *file;       /* under pciutils-tests/ */
    const char *hostaddr;
    uint32_t id;            /* device << 16 | vendor */
    uint32_t class_rev;     /* dword at 0x08 */
    uint8_t caps[8][2];     /* visible chain: { offset, id }, ends at offset 0 */
    unsigned hidden;        /* host capabilities left out of the chain */
    ExpBar bars[7];         /* 6 = ROM */
    int msix_bar;           /* -1: none */
    uint32_t msix_offset;
    unsigned msix_entries;
    uint8_t pin;            /* interrupt pin the guest sees */
} Endpoint;

/* NVIDIA GT218 VGA: 32-bit BAR, two 64-bit prefetchable BARs, I/O BAR, ROM, MSI. */
static const Endpoint gt218 = {
    .file = "tree-asus-p6t6", .hostaddr = "0000:06:00.0",
    .id = 0x0a6510de, .class_rev = 0x030000a2,
    .caps = { { 0x60, 0x01 }, { 0x68, 0x05 }, { 0x78, 0x10 }, { 0xb4, 0x09 } },
    .bars = {
        [0] = { 0xfa000000, 16 * M },
        [1] = { 0xd0000000, 256 * M, .mem64 = true, .prefetch = true },
        [3] = { 0xce000000, 32 * M, .mem64 = true, .prefetch = true },
        [5] = { 0xcc00, 256, .io = true },
        [6] = { 0xfbc00000, 512 * K },
    },
    .msix_bar = -1, .pin = 1,
};

/* Its HDMI audio function 1. */
static const Endpoint gt218_hda = {
    .file = "tree-asus-p6t6", .hostaddr = "0000:06:00.1",
    .id = 0x0be310de, .class_rev = 0x040300a1,
    .caps = { { 0x60, 0x01 }, { 0x68, 0x05 }, { 0x78, 0x10 } },
    .bars = { [0] = { 0xfbcfc000, 16 * K } },
    .msix_bar = -1, .pin = 2,
};

/* LSI SAS2008: MSI + MSI-X (table in BAR1 at 0x2000), VPD, chain out of order, ROM. */
static const Endpoint sas2008 = {
    .file = "tree-asus-p6t6", .hostaddr = "0000:04:00.0",
    .id = 0x00721000, .class_rev = 0x01070002,
    .caps = { { 0x50, 0x01 }, { 0x68, 0x10 }, { 0xd0, 0x03 }, { 0xa8, 0x05 },
              { 0xc0, 0x11 } },
    .bars = {
        [0] = { 0xb000, 256, .io = true },
        [1] = { 0xf9ffc000, 16 * K, .mem64 = true },
        [3] = { 0xf9f80000, 256 * K, .mem64 = true },
        [6] = { 0xf9f00000, 512 * K },
    },
    .msix_bar = 1, .msix_offset = 0x2000, .msix_entries = 15, .pin = 1,
};

/* Realtek RTL8111: MSI-X table in the 64-bit prefetchable BAR4 at offset 0. */
static const Endpoint rtl8111 = {
    .file = "tree-asus-p6t6", .hostaddr = "0000:07:00.0",
    .id = 0x816810ec, .class_rev = 0x02000002,
    .caps = { { 0x40, 0x01 }, { 0x50, 0x05 }, { 0x70, 0x10 }, { 0xb0, 0x11 },
              { 0xd0, 0x03 } },
    .bars = {
        [0] = { 0xd800, 256, .io = true },
        [2] = { 0xfbdff000, 4 * K, .mem64 = true },
        [4] = { 0xf8df0000, 64 * K, .mem64 = true, .prefetch = true },
    },
    .msix_bar = 4, .msix_offset = 0, .msix_entries = 2, .pin = 1,
};

/* ICH10 UHCI on bus 0: one I/O BAR, INTx, only a PCI AF capability (not visible). */
static const Endpoint uhci = {
    .file = "tree-asus-p6t6", .hostaddr = "0000:00:1a.0",
    .id = 0x3a378086, .class_rev = 0x0c030000,
    .caps = { { 0 } }, .hidden = 1,     /* PCI Advanced Features (0x13) */
    .bars = { [4] = { 0xa800, 128, .io = true } },
    .msix_bar = -1, .pin = 1,
};

/* TI TUSB73x0 xHCI in PCI domain 2: MSI-X table in BAR2 at 0, no usable IRQ. */
static const Endpoint xhci = {
    .file = "tree-fsl-p2020", .hostaddr = "0002:01:00.0",
    .id = 0x8241104c, .class_rev = 0x0c033002,
    .caps = { { 0x40, 0x01 }, { 0x48, 0x05 }, { 0x70, 0x10 }, { 0xc0, 0x11 } },
    .bars = {
        [0] = { 0xc0000000, 64 * K, .mem64 = true },
        [2] = { 0xc0010000, 64 * K, .mem64 = true },
    },
    .msix_bar = 2, .msix_offset = 0, .msix_entries = 8, .pin = 0,
};

static const char *tree_path(const char *file)
{
    g_autofree char *rel = g_build_filename("pciutils-tests", file, NULL);
    return xpt_test_fixture(rel);
}

static XptQts *start_devices(const Endpoint *const *eps, const char *const *extra, size_t n)
{
    g_autoptr(GString) args = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(args, "%s-device xen-pci-passthrough,hostaddr=%s,id=pt%zu,"
                               "host-dump=%s%s", i ? " " : "", eps[i]->hostaddr, i,
                               tree_path(eps[i]->file), extra && extra[i] ? extra[i] : "");
    }
    return xpt_qts_start(args->str);
}

static JsonArray *state_array(JsonNode *state, const char *member)
{
    return json_object_get_array_member(json_node_get_object(state), member);
}

static uint64_t member(JsonArray *a, guint i, const char *name)
{
    return (uint64_t)json_object_get_int_member(json_array_get_object_element(a, i), name);
}

/* The p2m extent holding guest frame @gfn: its host frame, or false if unmapped. */
static bool p2m_lookup(JsonNode *state, uint64_t gfn, uint64_t *mfn)
{
    JsonArray *a = state_array(state, "mmio");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        uint64_t g = member(a, i, "gfn"), nr = member(a, i, "nr");
        if (gfn >= g && gfn < g + nr) {
            *mfn = member(a, i, "mfn") + (gfn - g);
            return true;
        }
    }
    return false;
}

static uint64_t p2m_pages(JsonNode *state)
{
    JsonArray *a = state_array(state, "mmio");
    uint64_t total = 0;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        total += member(a, i, "nr");
    }
    return total;
}

/* The guest view of the capability chain is @ep's list, and the host @h agrees. */
static void check_caps(XptQts *qts, uint8_t devfn, const Endpoint *ep, XptHostPci *h)
{
    unsigned n = 0;
    while (n < G_N_ELEMENTS(ep->caps) && ep->caps[n][0]) {
        n++;
    }
    uint16_t status = xpt_cfg_readw(qts, devfn, 0x06);
    g_assert_cmphex(status & 0x10, ==, n ? 0x10 : 0);          /* CapList */
    uint8_t ptr = xpt_cfg_readb(qts, devfn, 0x34);
    for (unsigned i = 0; i < n; i++) {
        g_assert_cmphex(ptr, ==, ep->caps[i][0]);
        g_assert_cmphex(xpt_cfg_readb(qts, devfn, ptr), ==, ep->caps[i][1]);
        ptr = xpt_cfg_readb(qts, devfn, ptr + 1);
    }
    g_assert_cmphex(ptr, ==, 0);

    /* The host chain, filtered by the visible IDs, is the same list. */
    static const uint8_t visible[] = { 0x01, 0x03, 0x05, 0x09, 0x10, 0x11 };
    uint32_t hptr = 0, id = 0;
    unsigned seen = 0, hidden = 0;
    g_assert_true(xpt_host_pci_read(h, 0x34, 1, &hptr, NULL));
    for (unsigned guard = 0; hptr >= 0x40 && guard < 48; guard++) {
        g_assert_true(xpt_host_pci_read(h, hptr, 1, &id, NULL));
        if (memchr(visible, (int)id, sizeof(visible))) {
            g_assert_cmpuint(seen, <, n);
            g_assert_cmphex(hptr, ==, ep->caps[seen][0]);
            seen++;
        } else {
            hidden++;
        }
        g_assert_true(xpt_host_pci_read(h, hptr + 1, 1, &hptr, NULL));
        hptr &= 0xfc;
    }
    g_assert_cmpuint(seen, ==, n);
    g_assert_cmpuint(hidden, ==, ep->hidden);
}

/* Identity, class, header type, pin and capabilities; then the BAR types and sizes. */
static void check_guest_view(XptQts *qts, uint8_t devfn, const Endpoint *ep, bool multi)
{
    /* the host as the device model sees it (its bounds warning is the binary's to print) */
    XptHostOpenOptions o = { .hostaddr = ep->hostaddr, .dump_file = tree_path(ep->file) };
    g_autoptr(GError) err = NULL;
    g_assert_true(xpt_log_set_file("/dev/null", NULL));
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    g_assert_true(xpt_log_set_file(NULL, NULL));
    g_assert_no_error(err);
    uint32_t host_id = 0, host_class = 0;
    g_assert_true(xpt_host_pci_read(h, 0x00, 4, &host_id, NULL));
    g_assert_true(xpt_host_pci_read(h, 0x08, 4, &host_class, NULL));

    g_assert_cmphex(xpt_cfg_readl(qts, devfn, 0x00), ==, ep->id);
    g_assert_cmphex(xpt_cfg_readl(qts, devfn, 0x00), ==, host_id);
    g_assert_cmphex(xpt_cfg_readl(qts, devfn, 0x08), ==, ep->class_rev);
    g_assert_cmphex(xpt_cfg_readl(qts, devfn, 0x08), ==, host_class);
    g_assert_cmphex(xpt_cfg_readb(qts, devfn, 0x0e), ==, multi ? 0x80 : 0x00);
    g_assert_cmphex(xpt_cfg_readb(qts, devfn, 0x3d), ==, ep->pin);
    check_caps(qts, devfn, ep, h);
    if (ep->msix_bar >= 0) {
        unsigned cap = 0;
        for (unsigned i = 0; i < G_N_ELEMENTS(ep->caps); i++) {
            cap = ep->caps[i][1] == 0x11 ? ep->caps[i][0] : cap;
        }
        g_assert_cmphex(cap, !=, 0);
        g_assert_cmphex(xpt_cfg_readw(qts, devfn, cap + 2) & 0x7ff, ==,
                        ep->msix_entries - 1);
        g_assert_cmphex(xpt_cfg_readl(qts, devfn, cap + 4), ==,
                        ep->msix_offset | (uint32_t)ep->msix_bar);
    }

    GuestDev d = { .devfn = devfn };
    guest_size_bars(qts, &d);
    for (unsigned i = 0; i < 7; i++) {
        const ExpBar *e = &ep->bars[i];
        const GuestBar *b = &d.bars[i];
        if (!e->host) {
            g_assert_false(b->present);
            continue;
        }
        g_assert_true(b->present);
        if (i == 6) {
            g_assert_cmpuint(b->size, ==, e->size);
            continue;
        }
        g_assert_cmpint(b->io, ==, e->io);
        g_assert_cmpint(b->mem64, ==, e->mem64);
        g_assert_cmpint(b->prefetch, ==, e->prefetch);
        /* the guest sees memory BARs of at least a page; these are all ≥ 4 KiB */
        g_assert_cmpuint(b->size, ==, e->size);
    }
}

/* hvmloader places ROMs without enabling them; SeaBIOS enables one to run it. */
static void enable_roms(XptQts *qts, GuestDev *devs, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        if (devs[k].bars[6].addr) {
            xpt_cfg_writel(qts, devs[k].devfn, 0x30, (uint32_t)devs[k].bars[6].addr | 1);
        }
    }
}

/* After guest_setup_all and enable_roms: exactly the BARs' pages and ports are mapped,
 * the ROM is an emulated range (claimed, never in the p2m). Returns the pages this
 * device maps. */
static uint64_t check_mappings(JsonNode *state, const GuestDev *d, const Endpoint *ep,
                               unsigned *nports)
{
    uint64_t pages = 0;
    for (unsigned i = 0; i < 6; i++) {
        const ExpBar *e = &ep->bars[i];
        const GuestBar *b = &d->bars[i];
        if (!e->host) {
            continue;
        }
        g_assert_cmphex(b->addr, !=, 0);                 /* the firmware placed it */
        if (e->io) {
            JsonArray *io = state_array(state, "ioports");
            bool found = false;
            for (guint k = 0; k < json_array_get_length(io); k++) {
                if (member(io, k, "gport") == b->addr) {
                    g_assert_cmphex(member(io, k, "mport"), ==, e->host);
                    g_assert_cmpuint(member(io, k, "nr"), ==, e->size);
                    found = true;
                }
            }
            g_assert_true(found);
            (*nports)++;
            continue;
        }
        uint64_t skip_first = UINT64_MAX, skip_last = 0;
        if (ep->msix_bar == (int)i) {
            skip_first = ep->msix_offset / PAGE;
            skip_last = (ep->msix_offset + ep->msix_entries * 16 - 1) / PAGE;
        }
        for (uint64_t p = 0; p < e->size / PAGE; p++) {
            uint64_t mfn = 0;
            bool mapped = p2m_lookup(state, b->addr / PAGE + p, &mfn);
            if (p >= skip_first && p <= skip_last) {
                g_assert_false(mapped);                  /* MSI-X table page */
                continue;
            }
            g_assert_true(mapped);
            g_assert_cmphex(mfn, ==, e->host / PAGE + p);
            pages++;
        }
        uint64_t after = 0;                              /* nothing past the BAR */
        g_assert_false(p2m_lookup(state, (b->addr + e->size) / PAGE, &after) &&
                       after == (e->host + e->size) / PAGE);
    }

    const ExpBar *rom = &ep->bars[6];
    if (rom->host) {
        const GuestBar *b = &d->bars[6];
        g_assert_cmphex(b->addr, !=, 0);
        JsonArray *claims = json_object_get_array_member(
            json_object_get_object_member(json_node_get_object(state), "claims"), "mmio");
        bool claimed = false;
        for (guint k = 0; k < json_array_get_length(claims); k++) {
            claimed |= member(claims, k, "start") <= b->addr &&
                       member(claims, k, "end") >= b->addr + rom->size - 1;
        }
        g_assert_true(claimed);
        for (uint64_t p = 0; p < rom->size / PAGE; p++) {
            uint64_t mfn;
            g_assert_false(p2m_lookup(state, b->addr / PAGE + p, &mfn));
        }
    }
    return pages;
}

/* The function at @devfn among the @n scanned; every other one is the chipset's
 * (slots 0 and 1), so the passthrough functions are exactly those expected. */
static GuestDev *scanned(GuestDev *devs, unsigned n, uint8_t devfn, unsigned expected)
{
    GuestDev *found = NULL;
    unsigned ours = 0;
    for (unsigned i = 0; i < n; i++) {
        if (devs[i].devfn >= SLOT2) {
            ours++;
        }
        if (devs[i].devfn == devfn) {
            found = &devs[i];
        }
    }
    g_assert_cmpuint(ours, ==, expected);
    g_assert_nonnull(found);
    return found;
}

static void run_endpoint(const void *data)
{
    const Endpoint *ep = data;
    const Endpoint *eps[] = { ep };
    XptQts *qts = start_devices(eps, NULL, 1);

    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "using upper bounds from the dump's layout"));
    g_assert_nonnull(strstr(err, ep->hostaddr));

    check_guest_view(qts, SLOT2, ep, false);

    GuestDev devs[16];
    unsigned n = guest_scan(qts, devs, G_N_ELEMENTS(devs));
    GuestDev *d = scanned(devs, n, SLOT2, 1);
    guest_setup_all(qts, devs, n);
    enable_roms(qts, devs, n);
    g_autoptr(JsonNode) s = xpt_sim_state(qts);
    unsigned nports = 0;
    uint64_t pages = check_mappings(s, d, ep, &nports);
    g_assert_cmpuint(p2m_pages(s), ==, pages);           /* nothing else is mapped */
    g_assert_cmpuint(json_array_get_length(state_array(s, "ioports")), ==, nports);

    /* Decode off: the memory pages go, the ports stay until I/O decode goes too. */
    uint16_t cmd = xpt_cfg_readw(qts, SLOT2, 0x04);
    xpt_cfg_writew(qts, SLOT2, 0x04, cmd & ~0x2);
    g_autoptr(JsonNode) s2 = xpt_sim_state(qts);
    g_assert_cmpuint(p2m_pages(s2), ==, 0);
    g_assert_cmpuint(json_array_get_length(state_array(s2, "ioports")), ==, nports);
    xpt_cfg_writew(qts, SLOT2, 0x04, cmd & ~0x3);
    g_autoptr(JsonNode) s3 = xpt_sim_state(qts);
    g_assert_cmpuint(json_array_get_length(state_array(s3, "ioports")), ==, 0);
    xpt_test_finish(qts);
}

/*
 * The GT218's two functions in one guest slot, as QEMU users pass a multi-function
 * device: addr=SLOT.FN and multifunction=on (header type bit 7 on function 0, so an
 * OS scans the other functions). Each function maps exactly its own pages.
 */
static void test_gt218_multifunction(void)
{
    const Endpoint *eps[] = { &gt218, &gt218_hda };
    const char *const extra[] = { ",addr=04.0,multifunction=on",
                                  ",addr=04.1,multifunction=on" };
    const uint8_t devfn[] = { 0x20, 0x21 };
    XptQts *qts = start_devices(eps, extra, 2);

    for (unsigned f = 0; f < 2; f++) {
        check_guest_view(qts, devfn[f], eps[f], true);
    }
    g_assert_cmphex(xpt_cfg_readl(qts, 0x22, 0x00), ==, 0xffffffff);  /* no function 2 */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0xffffffff); /* slot 2 unused */

    GuestDev devs[16];
    unsigned n = guest_scan(qts, devs, G_N_ELEMENTS(devs));
    GuestDev *vga = scanned(devs, n, devfn[0], 2);
    GuestDev *hda = scanned(devs, n, devfn[1], 2);
    guest_setup_all(qts, devs, n);
    enable_roms(qts, devs, n);
    g_autoptr(JsonNode) s = xpt_sim_state(qts);
    unsigned nports = 0;
    uint64_t pages = check_mappings(s, vga, &gt218, &nports) +
                     check_mappings(s, hda, &gt218_hda, &nports);
    g_assert_cmpuint(p2m_pages(s), ==, pages);
    g_assert_cmpuint(pages, ==, (16 * M + 256 * M + 32 * M + 16 * K) / PAGE);
    g_assert_cmpuint(json_array_get_length(state_array(s, "ioports")), ==, nports);
    g_assert_cmpuint(nports, ==, 1);
    /* config cycles of both guest functions reach the device model */
    JsonArray *pci = json_object_get_array_member(
        json_object_get_object_member(json_node_get_object(s), "claims"), "pci");
    bool both = false;
    for (guint k = 0; k < json_array_get_length(pci); k++) {
        both |= member(pci, k, "start") <= devfn[0] && member(pci, k, "end") >= devfn[1];
    }
    g_assert_true(both);
    xpt_test_finish(qts);
}

/*
 * Without addr=, multifunction=on functions of one host device share the guest slot the
 * first of them got, whatever the command-line order (functions keep their host number).
 */
static void test_gt218_multifunction_auto(void)
{
    const Endpoint *eps[] = { &gt218_hda, &gt218 };
    const char *const extra[] = { ",multifunction=on", ",multifunction=on" };
    XptQts *qts = start_devices(eps, extra, 2);
    check_guest_view(qts, SLOT2 | 1, &gt218_hda, true);
    check_guest_view(qts, SLOT2, &gt218, true);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x18, 0x00), ==, 0xffffffff);  /* slot 3 unused */
    xpt_test_finish(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/pt-tree/asus/gt218-vga", &gt218, run_endpoint);
    g_test_add_data_func("/pt-tree/asus/gt218-hda", &gt218_hda, run_endpoint);
    g_test_add_data_func("/pt-tree/asus/sas2008", &sas2008, run_endpoint);
    g_test_add_data_func("/pt-tree/asus/rtl8111", &rtl8111, run_endpoint);
    g_test_add_data_func("/pt-tree/asus/uhci", &uhci, run_endpoint);
    g_test_add_data_func("/pt-tree/fsl/xhci-domain2", &xhci, run_endpoint);
    g_test_add_func("/pt-tree/asus/gt218-multifunction", test_gt218_multifunction);
    g_test_add_func("/pt-tree/asus/gt218-multifunction-auto", test_gt218_multifunction_auto);
    return g_test_run();
}
