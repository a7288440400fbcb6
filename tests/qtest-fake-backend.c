/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fake qtest backend of the qtest protocol tests: tests/qtest-fake-backend.h. */
#include "tests/qtest-fake-backend.h"

#include <inttypes.h>
#include <string.h>

#include "util/error.h"

static uint8_t *fake_page(Fake *f, uint64_t addr, bool create)
{
    gint64 key = (gint64)(addr / FAKE_PAGE);
    uint8_t *page = g_hash_table_lookup(f->pages, &key);

    if (!page && create) {
        page = g_malloc0(FAKE_PAGE);
        g_hash_table_insert(f->pages, g_memdup2(&key, sizeof(key)), page);
    }
    return page;
}

static void fake_ram_read(Fake *f, uint64_t addr, uint8_t *buf, size_t len)
{
    while (len) {
        size_t off = addr % FAKE_PAGE, n = MIN(len, FAKE_PAGE - off);
        uint8_t *page = fake_page(f, addr, false);
        if (page) {
            memcpy(buf, page + off, n);
        } else {
            memset(buf, 0, n);
        }
        buf += n;
        addr += n;
        len -= n;
    }
}

static void fake_ram_write(Fake *f, uint64_t addr, const uint8_t *buf, size_t len)
{
    while (len) {
        size_t off = addr % FAKE_PAGE, n = MIN(len, FAKE_PAGE - off);
        memcpy(fake_page(f, addr, true) + off, buf, n);
        buf += n;
        addr += n;
        len -= n;
    }
}

/* Xen-like CF8/CFC decoding: offset = (CF8 & 0xfc) | (port & 3); only FAKE_DEVFN exists. */
static bool fake_cfg_offset(Fake *f, uint16_t port, unsigned *off)
{
    if (port < 0xcfc || port > 0xcff || !(f->cf8 & (1u << 31)) ||
        ((f->cf8 >> 8) & 0xffff) != FAKE_DEVFN) {
        return false;
    }
    *off = (f->cf8 & 0xfc) | (port & 3);
    return true;
}

typedef struct {
    Fake *fake;
    uint32_t val;
} FakeLaterIrq;

static gboolean fake_irq_later(gpointer opaque)
{
    FakeLaterIrq *l = opaque;

    xpt_qtest_irq(l->fake->server, l->val >> 1, l->val & 1);
    g_free(l);
    return G_SOURCE_REMOVE;
}

static uint32_t fake_pio_read(void *opaque, uint16_t port, unsigned size)
{
    Fake *f = opaque;
    unsigned off;
    uint32_t v = 0;

    g_string_append_printf(f->calls, "pio_read 0x%x %u\n", port, size);
    if (port == 0xcf8 && size == 4) {
        return f->cf8;
    }
    if (!fake_cfg_offset(f, port, &off)) {
        return 0xffffffff; /* garbage above the access width: the server must mask it */
    }
    for (unsigned i = 0; i < size && off + i < sizeof(f->cfg); i++) {
        v |= (uint32_t)f->cfg[off + i] << (8 * i);
    }
    return v;
}

static void fake_pio_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
    Fake *f = opaque;
    unsigned off;

    g_string_append_printf(f->calls, "pio_write 0x%x %u 0x%x\n", port, size, val);
    if (port == 0xcf8 && size == 4) {
        f->cf8 = val;
    } else if (port == FAKE_IRQ_PORT && f->server) {
        xpt_qtest_irq(f->server, val >> 1, val & 1);
    } else if (port == FAKE_IRQ_LATER_PORT && f->server) {
        FakeLaterIrq *l = g_new(FakeLaterIrq, 1);
        l->fake = f;
        l->val = val;
        g_timeout_add(10, fake_irq_later, l);
    } else if (fake_cfg_offset(f, port, &off)) {
        if (off >= 0x10 && off < 0x14) { /* BAR0: 128 KiB memory BAR, like e1000's */
            uint32_t bar = 0;
            for (unsigned i = 0; i < 4; i++) {
                bar |= (uint32_t)f->cfg[0x10 + i] << (8 * i);
            }
            for (unsigned i = 0; i < size; i++) {
                unsigned sh = 8 * (off - 0x10 + i);
                bar = (bar & ~(0xffu << sh)) | (((val >> (8 * i)) & 0xff) << sh);
            }
            val = bar & 0xfffe0000;
            off = 0x10;
            size = 4;
        }
        for (unsigned i = 0; i < size && off + i < sizeof(f->cfg); i++) {
            f->cfg[off + i] = (uint8_t)(val >> (8 * i));
        }
    }
}

static uint64_t fake_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    Fake *f = opaque;
    uint8_t b[8];
    uint64_t v = 0;

    g_string_append_printf(f->calls, "mmio_read 0x%" PRIx64 " %u\n", addr, size);
    fake_ram_read(f, addr, b, size);
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    return v;
}

static void fake_mmio_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    Fake *f = opaque;
    uint8_t b[8];

    g_string_append_printf(f->calls, "mmio_write 0x%" PRIx64 " %u 0x%" PRIx64 "\n", addr, size,
                           val);
    for (unsigned i = 0; i < size; i++) {
        b[i] = (uint8_t)(val >> (8 * i));
    }
    fake_ram_write(f, addr, b, size);
}

static void fake_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    Fake *f = opaque;

    g_string_append_printf(f->calls, "mem_read 0x%" PRIx64 " %zu\n", addr, len);
    fake_ram_read(f, addr, buf, len);
}

static void fake_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    Fake *f = opaque;

    g_string_append_printf(f->calls, "mem_write 0x%" PRIx64 " %zu\n", addr, len);
    fake_ram_write(f, addr, buf, len);
}

static char *fake_extension(void *opaque, char **argv, GError **errp)
{
    Fake *f = opaque;
    g_autofree char *joined = g_strjoinv("|", argv);

    g_string_append_printf(f->calls, "extension %s\n", joined);
    if (!argv[1]) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "xen-sim: missing subcommand");
        return NULL;
    }
    if (strcmp(argv[1], "state") == 0) {
        return g_strdup_printf("{\"cf8\": %u, \"pages\": %u, \"argc\": %u}", f->cf8,
                               g_hash_table_size(f->pages), g_strv_length(argv));
    }
    if (strcmp(argv[1], "empty") == 0) {
        return g_strdup("");
    }
    if (strcmp(argv[1], "multiline") == 0) {
        return g_strdup("[1,\n2]");
    }
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "xen-sim: unknown subcommand '%s'\nsecond",
                argv[1]);
    return NULL;
}

const XptQtestBackend fake_backend = {
    .pio_read = fake_pio_read,
    .pio_write = fake_pio_write,
    .mmio_read = fake_mmio_read,
    .mmio_write = fake_mmio_write,
    .mem_read = fake_mem_read,
    .mem_write = fake_mem_write,
    .extension = fake_extension,
};

Fake *fake_new(void)
{
    static const uint8_t bar0[16] = { 0x40, 0x02, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x83, 0x07, 0x08, 0x80, 0x00, 0x00, 0x00, 0x00 };
    static const uint8_t id[4] = { 0x86, 0x80, 0x0e, 0x10 }; /* 8086:100e */
    Fake *f = g_new0(Fake, 1);

    f->pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    f->calls = g_string_new(NULL);
    memcpy(f->cfg, id, sizeof(id));
    fake_ram_write(f, 0xfebc0000, bar0, sizeof(bar0));
    return f;
}

void fake_free(Fake *f)
{
    g_hash_table_destroy(f->pages);
    g_string_free(f->calls, TRUE);
    g_free(f);
}
