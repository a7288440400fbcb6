/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make bench: the derived fixtures, made at run time in tmpdir from the real dumps and the
 * real sysfs folder in tests/fixtures, which are never edited (see bench.c for their use).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"

/* ---- derived fixtures ---------------------------------------------------------------- */

/* The block of device @bdf ("BB:DD.F") in dump @text: its header line to the line before
 * the next header (a column-0 line with ':' and '.' in its first 8 characters). */
static char *dump_block(const char *text, const char *bdf)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    bool in = false;

    for (char **l = lines; *l; l++) {
        bool header = g_ascii_isxdigit((*l)[0]) && strlen(*l) > 8 && (*l)[2] == ':' &&
                      (*l)[5] == '.';
        if (header) {
            in = g_str_has_prefix(*l, bdf);
        }
        if (in) {
            g_string_append_printf(out, "%s\n", *l);
        }
    }
    g_assert(out->len);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static char *replace(const char *text, const char *from, const char *to)
{
    g_assert_nonnull(strstr(text, from));
    g_auto(GStrv) parts = g_strsplit(text, from, 2);
    return g_strconcat(parts[0], to, parts[1], NULL);
}

static char *write_tmp(const char *name, const char *text)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_file_set_contents(path, text, -1, &err)) {
        g_error("bench: %s", err->message);
    }
    return path;
}

static char *read_fixture(const char *rel)
{
    char *text = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(xpt_test_fixture(rel), &text, NULL, &err)) {
        g_error("bench: %s", err->message);
    }
    return text;
}

/* Set byte @idx (0-15) of hex row @row ("10: 00 00 ...") of a dump block to @val. */
static void patch_hex(GString *blk, unsigned row, unsigned idx, unsigned val)
{
    g_autofree char *key = g_strdup_printf("\n%02x: ", row);
    char *p = strstr(blk->str, key);
    g_assert_nonnull(p);
    char hex[3];
    snprintf(hex, sizeof(hex), "%02x", val & 0xff);
    memcpy(p + strlen(key) + 3 * idx, hex, 2);
}

/*
 * One dump with 28 copies of the 82576's block, on buses 01..1c. Copy k is moved so
 * that no two copies share a host resource (attach refuses overlapping BARs): its
 * memory BARs and ROM k × 16 MiB up, its I/O BAR k × 0x100 up.
 */
char *make_multi_dump(void)
{
    g_autofree char *text = read_fixture(NIC_DUMP);
    g_autofree char *block = dump_block(text, NIC_BDF);
    g_autoptr(GString) out = g_string_new(NULL);

    for (unsigned bus = 1; bus <= 28; bus++) {
        g_autofree char *hdr = g_strdup_printf("%02x:00.0", bus);
        g_autofree char *b = replace(block, NIC_BDF, hdr);
        g_autoptr(GString) g = g_string_new(b);
        unsigned k = bus - 1;
        /* row 10: 00 00 80 e0 | 00 00 00 e0 | 21 10 00 00 | 00 00 84 e0; row 30: ROM c7 */
        patch_hex(g, 0x10, 3, 0xe0 + k);
        patch_hex(g, 0x10, 7, 0xe0 + k);
        patch_hex(g, 0x10, 9, 0x10 + k);
        patch_hex(g, 0x10, 15, 0xe0 + k);
        patch_hex(g, 0x30, 3, 0xc7 + k);
        g_string_append(out, g->str);
        g_string_append(out, "\n");
    }
    return write_tmp("multi-82576.dump", out->str);
}

/* The 82576 with 2048 MSI-X entries: table size 2047 (control 0x87ff with Enable as
 * dumped), the PBA moved to BAR3 + 0x8000 and BAR3 widened to 64 KiB to hold both. */
char *make_msix2048_dump(void)
{
    g_autofree char *text = read_fixture(NIC_DUMP);
    g_autofree char *block = dump_block(text, NIC_BDF);
    g_autofree char *a = replace(block, "70: 11 a0 09 80 03 00 00 00 03 20 00 00",
                                 "70: 11 a0 ff 87 03 00 00 00 03 80 00 00");
    g_autofree char *b = replace(a, "Region 3: Memory at e0840000 (32-bit, non-prefetchable) "
                                 "[size=16K]", "Region 3: Memory at e0840000 (32-bit, "
                                 "non-prefetchable) [size=64K]");
    return write_tmp("msix2048.dump", b);
}

/*
 * The Sky Lake GPU moved to 0000:01:00.0 (at 0000:00:02.0 it is an IGD, which attach
 * refuses): its BAR2 of 256 MiB as dumped, or (@big) at 256 GiB and 256 GiB large.
 */
char *make_bar_dump(bool big)
{
    g_autofree char *orig = read_fixture(GPU_DUMP);
    g_autofree char *text = replace(orig, "00:02.0 VGA", "01:00.0 VGA");
    if (!big) {
        return write_tmp("bar256m.dump", text);
    }
    g_autofree char *a = replace(text, "10: 04 00 00 a0 00 00 00 00 0c 00 00 90 00 00 00 00",
                                 "10: 04 00 00 a0 00 00 00 00 0c 00 00 00 40 00 00 00");
    g_autofree char *b = replace(a, "Memory at 90000000 (64-bit, prefetchable) [size=256M]",
                                 "Memory at 4000000000 (64-bit, prefetchable) [size=256G]");
    return write_tmp("bar256g.dump", b);
}

/*
 * A sysfs-like root with 28 copies of the Firecracker virtio device folder 0000:00:02.0,
 * as 0000:01..1c:00.0; copy k has its 512 KiB BAR 0 moved k MiB up (config and resource
 * files alike) so that no two copies overlap.
 */
char *make_sysfs_tree(void)
{
    char *root = g_build_filename(tmpdir, "sysfs", NULL);
    const char *src = xpt_test_fixture(VIRTIO_DIR);
    g_autoptr(GDir) dir = g_dir_open(src, 0, NULL);
    g_assert_nonnull(dir);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (const char *n; (n = g_dir_read_name(dir));) {
        g_ptr_array_add(names, g_strdup(n));
    }
    for (int bus = 1; bus <= 28; bus++) {
        uint64_t shift = (uint64_t)(bus - 1) << 20;
        g_autofree char *sbdf = g_strdup_printf("0000:%02x:00.0", bus);
        g_autofree char *d = g_build_filename(root, "bus", "pci", "devices", sbdf, NULL);
        g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
        for (guint i = 0; i < names->len; i++) {
            const char *name = names->pdata[i];
            g_autofree char *from = g_build_filename(src, name, NULL);
            g_autofree char *to = g_build_filename(d, name, NULL);
            g_autofree char *data = NULL;
            gsize len;
            g_assert_true(g_file_get_contents(from, &data, &len, NULL));
            if (!strcmp(name, "config")) {
                g_assert_cmpuint(len, >=, 0x18);
                uint64_t bar = 0;
                memcpy(&bar, data + 0x10, 8);   /* little-endian host */
                bar += shift;
                memcpy(data + 0x10, &bar, 8);
            } else if (!strcmp(name, "resource")) {
                g_autofree char *old = g_strdup("0x0000004000080000 0x00000040000fffff");
                g_autofree char *moved = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x 0x%016"
                                                         G_GINT64_MODIFIER "x",
                                                         (guint64)(0x4000080000ull + shift),
                                                         (guint64)(0x40000fffffull + shift));
                g_autofree char *r = replace(data, old, moved);
                g_free(data);
                data = g_steal_pointer(&r);
                len = strlen(data);
            }
            g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
        }
    }
    return root;
}
