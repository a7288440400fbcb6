/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host devices of the libFuzzer harness (tests/fuzz/fuzz-int.h): each fixture is
 * opened once per process from its full dump and rewritten as a one-device
 * `lspci -vv -xxx` dump with the sizes found (checked to give the same config space,
 * regions and IRQ); lying copies (FuzzLie, issue 13 item 13) change its header,
 * capability or BAR bytes.
 */
#include "tests/fuzz/fuzz-int.h"

FuzzFixture fz_fixtures[NR_FIXTURES] = {
    { .file = "pciutils-tests/cap-pcie-2", .hostaddr = "01:00.0" },
    { .file = "pciutils-tests/cap-phy32", .hostaddr = "2e:00.0" },
    { .file = "pciutils-tests/tree-asus-p6t6", .hostaddr = "07:00.0" },
};

bool fz_trace_on;
static char *tmp_root;

void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN fz_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz-guest: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fflush(stderr);
    abort();
}

void G_GNUC_PRINTF(1, 2) fz_trace(const char *fmt, ...)
{
    if (!fz_trace_on) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  op: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static XptHostPci *open_dump(const char *file, const char *hostaddr)
{
    g_autoptr(GError) err = NULL;
    XptHostOpenOptions o = { .hostaddr = hostaddr, .dump_file = file, .shadow = true };
    XptHostPci *h = xpt_host_pci_open(&o, &err);
    if (!h) {
        fz_die("cannot open fixture %s %s: %s", file, hostaddr, err->message);
    }
    return h;
}

static void read_config(XptHostPci *h, uint8_t *out, unsigned *size)
{
    memset(out, 0xFF, XPT_HOST_CONFIG_SIZE);
    *size = xpt_host_pci_config_size(h);
    for (unsigned off = 0; off < *size; off += 4) {
        uint32_t v;
        if (xpt_host_pci_read(h, off, 4, &v, NULL)) {
            for (unsigned i = 0; i < 4; i++) {
                out[off + i] = (uint8_t)(v >> (8 * i));
            }
        }
    }
}

/* The host capability list (bounded) as the device model walks it: offset of @id. */
static uint8_t find_cap(const uint8_t *c, uint8_t id)
{
    if (!(c[0x06] & 0x10)) {
        return 0;
    }
    unsigned ptr = c[0x34];
    for (unsigned n = 0; n < 48; n++) {
        ptr &= 0xFC;
        if (ptr < 0x40) {
            return 0;
        }
        if (c[ptr] == id) {
            return (uint8_t)ptr;
        }
        ptr = c[ptr + 1];
    }
    return 0;
}

static void write_dump(FuzzFixture *fx, const char *name)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_string_append_printf(s, "%s Fuzz fixture (from %s)\n", fx->hostaddr, fx->file);
    for (unsigned i = 0; i < 6; i++) {
        const XptHostRegion *r = &fx->bars[i];
        if (!r->size) {
            continue;
        }
        g_autofree char *sz = xpt_host_dump_format_size(r->size);
        g_string_append_printf(s, "\tRegion %u: %s at %" G_GINT64_MODIFIER "x [size=%s]\n",
                               i, (r->flags & XPT_HOST_REGION_IO) ? "I/O ports" : "Memory",
                               r->base, sz);
    }
    if (fx->rom.size) {
        g_autofree char *sz = xpt_host_dump_format_size(fx->rom.size);
        g_string_append_printf(s, "\tExpansion ROM at %" G_GINT64_MODIFIER "x [size=%s]\n",
                               fx->rom.base, sz);
    }
    /* Conventional space only: the bus never passes offsets ≥ 0x100 to a device, and
     * libpci's dump parser spends most of an input's time on the other 3840 bytes. */
    for (unsigned row = 0; row < fx->rows; row += 16) {
        g_string_append_printf(s, "%02x:", row);
        for (unsigned i = 0; i < 16; i++) {
            g_string_append_printf(s, " %02x", fx->config[row + i]);
        }
        g_string_append_c(s, '\n');
    }
    g_string_append_c(s, '\n');
    fx->dump = g_build_filename(tmp_root, name, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_file_set_contents(fx->dump, s->str, (gssize)s->len, &err)) {
        fz_die("%s", err->message);
    }
}

static void fixture_caps(FuzzFixture *fx);

static void init_fixture(const char *root, FuzzFixture *fx)
{
    g_autofree char *full = g_build_filename(root, fx->file, NULL);
    g_autoptr(XptHostPci) h = open_dump(full, fx->hostaddr);
    read_config(h, fx->config, &fx->config_size);
    for (unsigned i = 0; i < 6; i++) {
        fx->bars[i] = *xpt_host_pci_bar(h, i);
    }
    fx->rom = *xpt_host_pci_rom(h);
    fx->irq = xpt_host_pci_irq(h);
    fx->rows = XPT_PCI_CONFIG_SPACE;
    g_autofree char *name = g_path_get_basename(fx->file);
    write_dump(fx, name);

    /* The copy must be the same device. */
    g_autoptr(XptHostPci) c = open_dump(fx->dump, fx->hostaddr);
    uint8_t cfg[XPT_HOST_CONFIG_SIZE];
    unsigned size;
    read_config(c, cfg, &size);
    bool same = size == XPT_PCI_CONFIG_SPACE &&
                !memcmp(cfg, fx->config, XPT_PCI_CONFIG_SPACE) &&
                xpt_host_pci_irq(c) == fx->irq &&
                !memcmp(xpt_host_pci_rom(c), &fx->rom, sizeof(fx->rom));
    for (unsigned i = 0; i < 6; i++) {
        same = same && !memcmp(xpt_host_pci_bar(c, i), &fx->bars[i], sizeof(fx->bars[i]));
    }
    if (!same) {
        fz_die("the one-device copy %s of %s %s differs from the fixture", fx->dump, fx->file,
               fx->hostaddr);
    }

    fixture_caps(fx);
}

/* MSI and MSI-X of @fx from its config space, as the device model walks it. */
static void fixture_caps(FuzzFixture *fx)
{
    fx->msi_cap = find_cap(fx->config, 0x05);
    fx->msix_cap = find_cap(fx->config, 0x11);
    fx->msix_bir = fx->msix_entries = 0;
    fx->msix_table_off = fx->msix_first_page = fx->msix_last_page = 0;
    if (fx->msix_cap) {
        const uint8_t *p = fx->config + fx->msix_cap;
        uint32_t table = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
        fx->msix_entries = ((p[2] | p[3] << 8) & 0x7FF) + 1;
        fx->msix_bir = table & 7;
        fx->msix_table_off = table & ~7u;
        uint64_t end = fx->msix_table_off + 16ull * fx->msix_entries;
        uint64_t bar_size = fx->msix_bir < 6 ? fx->bars[fx->msix_bir].size : 0;
        fx->msix_first_page = fx->msix_table_off >> XPT_PAGE_SHIFT;
        fx->msix_last_page = (MIN(end, MAX(bar_size, 1)) - 1) >> XPT_PAGE_SHIFT;
    }
}

static void cleanup_tmp(void)
{
    for (unsigned i = 0; i < NR_FIXTURES; i++) {
        if (fz_fixtures[i].dump) {
            g_unlink(fz_fixtures[i].dump);
        }
    }
    if (tmp_root) {
        g_rmdir(tmp_root);
    }
}

void fz_init_once(void)
{
    static bool done;
    if (done) {
        return;
    }
    done = true;
    fz_trace_on = g_strcmp0(g_getenv("XPT_FUZZ_TRACE"), "1") == 0;
    const char *log = g_getenv("XPT_FUZZ_LOG");
    if (!log || !*log) {
        if (!xpt_log_set_file("/dev/null", NULL)) {
            fz_die("cannot redirect the log to /dev/null");
        }
    } else if (strcmp(log, "1") != 0 && !xpt_log_set_categories(log, NULL)) {
        fz_die("XPT_FUZZ_LOG=%s: not a list of -d categories", log);
    }
    const char *root = g_getenv("XPT_FIXTURES");
    if (!root || !*root) {
        root = "tests/fixtures";
    }
    g_autoptr(GError) err = NULL;
    tmp_root = g_dir_make_tmp("xpt-fuzz-XXXXXX", &err);
    if (!tmp_root) {
        fz_die("%s", err->message);
    }
    atexit(cleanup_tmp);
    for (unsigned i = 0; i < NR_FIXTURES; i++) {
        init_fixture(root, &fz_fixtures[i]);
    }
}

/* ---- lying host data (issue 13 item 13) ------------------------------------------------- */

/* The @n-th implemented BAR of @fx (memory only when @mem), or -1. */
static int nth_bar(const FuzzFixture *fx, unsigned n, bool mem)
{
    unsigned count = 0;
    for (unsigned i = 0; i < 6; i++) {
        count += fx->bars[i].size && !(mem && (fx->bars[i].flags & XPT_HOST_REGION_IO));
    }
    for (unsigned i = 0; count && i < 6; i++) {
        if (fx->bars[i].size && !(mem && (fx->bars[i].flags & XPT_HOST_REGION_IO)) &&
            n-- % count == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Move BAR @i of @fx to host address @base, in its Region line and its config register. */
static void set_bar_base(FuzzFixture *fx, unsigned i, uint64_t base)
{
    XptHostRegion *h = &fx->bars[i];
    uint8_t *reg = fx->config + XPT_PCI_BAR0 + 4 * i;
    bool io = h->flags & XPT_HOST_REGION_IO;
    uint32_t lo = (uint32_t)(reg[0] | reg[1] << 8 | reg[2] << 16 | (uint32_t)reg[3] << 24);
    base &= io ? 0xFFFCull : ~0xFull;
    if (!(h->flags & XPT_HOST_REGION_MEM64)) {
        base &= 0xFFFFFFFFull;
    }
    lo = (lo & (io ? 3u : 0xFu)) | (uint32_t)base;
    for (unsigned b = 0; b < 4; b++) {
        reg[b] = (uint8_t)(lo >> (8 * b));
        if ((h->flags & XPT_HOST_REGION_MEM64) && i < 5) {
            reg[4 + b] = (uint8_t)(base >> (32 + 8 * b));
        }
    }
    h->base = base;
}

/* The capability offsets of @fx's list in walk order (bounded), *n of them. */
static void cap_list(const FuzzFixture *fx, uint8_t caps[48], unsigned *n)
{
    *n = 0;
    if (!(fx->config[0x06] & 0x10)) {
        return;
    }
    for (unsigned ptr = fx->config[0x34] & 0xFC; ptr >= 0x40 && *n < 48;
         ptr = fx->config[ptr + 1] & 0xFC) {
        caps[(*n)++] = (uint8_t)ptr;
    }
}

/*
 * A copy of fixture @base whose host data lies as @kind says (FuzzLie), written to its
 * own one-device dump; NULL when the lie does not apply (no such BAR or capability).
 */
FuzzFixture *fz_make_lie(const FuzzFixture *base, uint8_t kind, uint8_t a, uint8_t b,
                         uint32_t v, uint8_t flags)
{
    g_autofree FuzzFixture *fx = g_memdup2(base, sizeof(*base));
    fx->dump = NULL;
    fx->rows = XPT_PCI_CONFIG_SPACE;
    switch ((FuzzLie)(kind % FUZZ_LIE_COUNT)) {
    case FUZZ_LIE_SHORT_CONFIG:
        fx->rows = 64;
        break;
    case FUZZ_LIE_BAR_OVERLAP: {
        int i = nth_bar(fx, a, true), j = nth_bar(fx, b, true);
        j = j == i ? nth_bar(fx, (unsigned)b + 1, true) : j;
        if (i < 0 || j < 0 || i == j) {
            return NULL;
        }
        uint64_t pages = MAX(fx->bars[j].size >> XPT_PAGE_SHIFT, 1);
        set_bar_base(fx, (unsigned)i, fx->bars[j].base + (v % pages) * XPT_PAGE_SIZE);
        break;
    }
    case FUZZ_LIE_OTHER_OVERLAP: {
        const FuzzFixture *o = &fz_fixtures[v % NR_FIXTURES];
        int i = nth_bar(fx, a, (v >> 8) & 1), j = nth_bar(o, b, (v >> 8) & 1);
        if (i < 0 || j < 0 || (fx->bars[i].flags & XPT_HOST_REGION_IO) !=
                              (o->bars[j].flags & XPT_HOST_REGION_IO)) {
            return NULL;
        }
        set_bar_base(fx, (unsigned)i, o->bars[j].base);
        break;
    }
    case FUZZ_LIE_BAR_AT_0: {
        int i = nth_bar(fx, a, false);
        if (i < 0) {
            return NULL;
        }
        set_bar_base(fx, (unsigned)i, 0);
        break;
    }
    case FUZZ_LIE_CAP_LOOP: {
        uint8_t caps[48];
        unsigned n;
        cap_list(fx, caps, &n);
        if (!n) {
            return NULL;
        }
        unsigned from = a % n;
        fx->config[caps[from] + 1] = caps[b % (from + 1)];      /* back to itself or earlier */
        break;
    }
    case FUZZ_LIE_PATCH: {
        unsigned w = 1u << (b % 3), off = a & ~(w - 1);
        if ((off >= 0x10 && off < 0x28) || (off >= 0x30 && off < 0x34)) {
            return NULL;        /* BAR and ROM registers: the kinds above lie about those */
        }
        for (unsigned k = 0; k < w; k++) {
            fx->config[off + k] = (uint8_t)(v >> (8 * k));
        }
        break;
    }
    case FUZZ_LIE_COUNT:
        return NULL;
    }
    if (!(flags & 0x80)) {
        fx->own_hostaddr = g_strdup_printf("%02x:%s", 0x80 + (unsigned)(base - fz_fixtures),
                                           strchr(base->hostaddr, ':') + 1);
        fx->hostaddr = fx->own_hostaddr;
    }
    fixture_caps(fx);
    g_autofree char *name = g_strdup_printf("lie-%u", fz_run->lies->len);
    write_dump(fx, name);
    g_ptr_array_add(fz_run->lies, fx);
    return g_steal_pointer(&fx);
}

void fz_free_lie(gpointer p)
{
    FuzzFixture *fx = p;
    g_unlink(fx->dump);
    g_free(fx->dump);
    g_free(fx->own_hostaddr);
    g_free(fx);
}
