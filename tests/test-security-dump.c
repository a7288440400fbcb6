/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Security regression suite (issue 6), the device as attacker: hostile copies of real
 * dumps (docs/reference/config-space.md invariant 9, XSA-337) whose capability chains,
 * MSI-X geometry and BARs lie, a truncated dump, and a BAR that overlaps another host
 * device. Nothing the device reports is trusted for memory safety: each is refused with
 * one line or contained, and the process and its leak check stay clean. The real binary
 * under -accel qtest; helpers in tests/security-util.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/host-pci.h"
#include "tests/guest-fw.h"
#include "tests/security-util.h"
#include "tests/testutil.h"

/* One edit of a hostile dump: @len (1, 2 or 4) bytes at config offset @off = @val;
 * len 0 ends a list. */
typedef struct {
    unsigned off;
    unsigned len;
    uint32_t val;
} Patch;

/*
 * A copy of fixture @fixture in the new temporary directory *@dir with device @addr's hex
 * rows edited by @patches, and, if @sub_from is not NULL, the first occurrence of
 * @sub_from in its -vv text replaced by @sub_to. Returns the copy's path.
 */
static char *hostile_dump(const char *fixture, const char *addr, const Patch *patches,
                          const char *sub_from, const char *sub_to, char **dir)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture(fixture), &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    int dev = sec_dump_device_line(lines, addr);
    for (const Patch *p = patches; p && p->len; p++) {
        for (unsigned b = 0; b < p->len; b++) {
            unsigned off = p->off + b;
            int l = sec_dump_row_line(lines, dev, off & ~15u);
            g_assert_cmpint(l, >=, 0);
            g_auto(GStrv) w = g_strsplit(lines[l], " ", -1);
            g_assert_cmpuint(g_strv_length(w), >, 1 + (off & 15));
            g_free(w[1 + (off & 15)]);
            w[1 + (off & 15)] = g_strdup_printf("%02x", (p->val >> (8 * b)) & 0xff);
            g_free(lines[l]);
            lines[l] = g_strjoinv(" ", w);
        }
    }
    if (sub_from) {
        for (int i = dev; lines[i]; i++) {
            char *at = strstr(lines[i], sub_from);
            if (at) {
                char *nl = g_strdup_printf("%.*s%s%s", (int)(at - lines[i]), lines[i], sub_to,
                                           at + strlen(sub_from));
                g_free(lines[i]);
                lines[i] = nl;
                break;
            }
        }
    }
    g_autoptr(GError) err = NULL;
    *dir = g_dir_make_tmp("xpt-hostile-XXXXXX", &err);
    g_assert_no_error(err);
    char *path = g_build_filename(*dir, "dump", NULL);
    g_autofree char *out = g_strjoinv("\n", lines);
    g_assert_true(g_file_set_contents(path, out, -1, &err));
    return path;
}

/* ================================================================================================
 * Invariant 9: values read back from the device are not trusted (XSA-337)
 * ============================================================================================== */

typedef enum { CONTAINED, REFUSED } Outcome;

typedef struct {
    const char *name;
    Patch patches[56];
    const char *sub_from, *sub_to;
    Outcome outcome;
    const char *why;                 /* REFUSED: a substring of the one-line error */
} HostileCase;

/* A chain of vendor capabilities over all of 0x40-0xFC whose last one points back to
 * the first (filled in main()). */
static HostileCase long_chain = { "long-looping-chain", { { 0 } }, NULL, NULL, CONTAINED, NULL };

static const HostileCase hostile_cases[] = {
    { "cap-id-ff", { { 0x40, 1, 0xff } }, NULL, NULL, CONTAINED, NULL },
    { "cap-self-loop", { { 0x41, 1, 0x40 } }, NULL, NULL, CONTAINED, NULL },
    { "cap-loop-msix-to-msi", { { 0x71, 1, 0x50 } }, NULL, NULL, CONTAINED, NULL },
    { "cap-ptr-into-header", { { 0x34, 1, 0x3c } }, NULL, NULL, CONTAINED, NULL },
    { "cap-ptr-ff", { { 0x34, 1, 0xff } }, NULL, NULL, CONTAINED, NULL },
    { "msi-at-end-of-space", { { 0x34, 1, 0xfc }, { 0xfc, 4, 0x01800005 } }, NULL, NULL,
      CONTAINED, NULL },
    { "msi-64bit-clipped", { { 0x41, 1, 0xf4 }, { 0xf4, 4, 0x01800005 } }, NULL, NULL,
      CONTAINED, NULL },
    { "msi-overlaps-msix", { { 0x51, 1, 0x54 }, { 0x54, 4, 0x00090011 } }, NULL, NULL,
      CONTAINED, NULL },
    { "vendor-cap-length-ff", { { 0x41, 1, 0xf0 }, { 0xf0, 4, 0x00ff0009 } }, NULL, NULL,
      CONTAINED, NULL },
    { "pm-cap-at-f8-self-loop", { { 0x34, 1, 0xf8 }, { 0xf8, 2, 0xf801 } }, NULL, NULL,
      CONTAINED, NULL },
    { "msix-pba-outside-bar", { { 0x78, 4, 0xfffffff3 } }, NULL, NULL, CONTAINED, NULL },
    { "msix-table-2048-entries", { { 0x72, 2, 0x07ff } }, NULL, NULL, REFUSED, "does not fit" },
    { "msix-table-bir-7", { { 0x74, 4, 0x7 } }, NULL, NULL, REFUSED, "names no BAR" },
    { "msix-table-bir-5", { { 0x74, 4, 0x5 } }, NULL, NULL, REFUSED,
      "does not implement" },
    { "msix-table-io-bar", { { 0x74, 4, 0x2 } }, NULL, NULL, REFUSED, "I/O BAR" },
    { "msix-table-offset-ffff", { { 0x74, 4, 0xfffffff3 } }, NULL, NULL, REFUSED,
      "does not fit" },
    { "msix-table-at-bar-end", { { 0x74, 4, 0x00003ff3 } }, NULL, NULL, REFUSED,
      "does not fit" },
    { "header-type-7f", { { 0x0e, 1, 0x7f } }, NULL, NULL, REFUSED, "header type" },
    { "header-type-bridge", { { 0x0e, 1, 0x01 } }, NULL, NULL, REFUSED, "bridge" },
    { "pcie-root-port", { { 0xa2, 2, 0x0042 } }, NULL, NULL, REFUSED, "root port" },
    { "bar5-64bit", { { 0x24, 4, 0x4 } }, NULL, NULL, REFUSED, "64-bit" },
    { "bar1-64bit-eats-bar2", { { 0x14, 4, 0xe0000004 } }, NULL, NULL, CONTAINED, NULL },
    /* 4 GiB from 0xe0800000 covers BAR1 and BAR3 (issue 13 item 2) */
    { "bar0-size-4g", { { 0 } }, "[size=128K]", "[size=4G]", REFUSED,
      "BAR 0 (0xe0800000-0x1e07fffff) overlaps BAR 3" },
    { "bar0-size-not-pow2", { { 0 } }, "[size=128K]", "[size=12K]", CONTAINED, NULL },
    { "bar0-size-1", { { 0 } }, "[size=128K]", "[size=1]", REFUSED,
      "BAR 0 claims 1 bytes, less than the 16 bytes any memory BAR decodes" },
    { "bar0-size-16E", { { 0 } }, "[size=128K]", "[size=16E]", REFUSED, "region size" },
    { "rom-size-2g", { { 0 } }, "[disabled] [size=4M]", "[disabled] [size=2G]", CONTAINED,
      NULL },
    { "io-bar-size-64k", { { 0 } }, "[size=32]", "[size=64K]", REFUSED,
      "I/O BAR2 (ports 0x1020, 65536 ports) lies beyond the 64 KiB x86 I/O port space" },
    { "vendor-id-ffff", { { 0x00, 2, 0xffff } }, NULL, NULL, REFUSED, "all-ones" },
    /* issue 13 item 2: BAR0 moved over BAR3, which holds the MSI-X table */
    { "bar0-overlaps-msix-bar3", { { 0x10, 4, 0xe0830000 } }, NULL, NULL, REFUSED,
      "BAR 0 (0xe0830000-0xe084ffff) overlaps BAR 3 (0xe0840000-0xe0843fff)" },
};

/* What a guest does with a device it does not trust: firmware set-up, a bounded walk of
 * the capability list that must end, interrupts, every dword read and written. */
static void guest_abuse(XptQts *qts)
{
    GuestDev devs[8];
    unsigned n = guest_scan(qts, devs, 8);
    g_assert_cmpuint(n, ==, 4);
    guest_setup_all(qts, devs, n);
    guest_enable_interrupts(qts, &devs[3], 0x42);
    uint8_t seen[256] = { 0 };
    uint8_t p = xpt_cfg_readb(qts, SLOT2, 0x34) & 0xfc;
    unsigned steps = 0;
    while (p) {
        g_assert_cmpuint(p, >=, 0x40);
        g_assert_false(seen[p]);                     /* the guest's chain never loops */
        seen[p] = 1;
        p = xpt_cfg_readb(qts, SLOT2, p + 1) & 0xfc;
        g_assert_cmpuint(++steps, <=, 48);
    }
    for (unsigned off = 0; off < 256; off += 4) {
        (void)xpt_cfg_readl(qts, SLOT2, (uint8_t)off);
    }
    for (unsigned off = 0x40; off < 256; off += 4) {
        xpt_cfg_writel(qts, SLOT2, (uint8_t)off, 0xffffffff);
    }
    for (unsigned off = 0; off < 0x40; off += 4) {
        xpt_cfg_writel(qts, SLOT2, (uint8_t)off, 0xffffffff);
        xpt_cfg_writel(qts, SLOT2, (uint8_t)off, 0);
    }
    g_assert_cmphex(xpt_cfg_readl(qts, 0x00, 0x00), ==, 0x12378086);    /* chipset fine */
}

static void test_xsa337_hostile_dump(gconstpointer data)
{
    const HostileCase *c = data;
    g_autofree char *dir = NULL;
    g_autofree char *dump = hostile_dump(NIC_DUMP, "01:00.0", c->patches, c->sub_from,
                                         c->sub_to, &dir);
    g_autofree char *dev = sec_dev_arg(dump, NIC, "pt0", NULL);
    if (c->outcome == REFUSED) {
        g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s", dev);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        g_assert_cmpint(status, ==, 1);
        sec_assert_no_sanitizer(err);
        g_assert_null(strstr(err, "leak"));
        g_assert_cmpuint(sec_count_lines(err, "error:", NULL), ==, 1);
        g_assert_cmpuint(sec_count_lines(err, "error:", NIC), ==, 1);
        if (!strstr(err, c->why)) {
            g_error("%s: expected '%s' in: %s", c->name, c->why, err);
        }
    } else {
        XptQts *qts = xpt_qts_start(dev);
        guest_abuse(qts);
        g_autofree char *err = xpt_qts_stderr(qts);
        sec_assert_no_sanitizer(err);
        xpt_test_finish(qts);
    }
    xpt_test_rmtree(dir);
}

/*
 * A dump cut after the header (64 bytes, `lspci -x`): the capability pointer leads past
 * the end, so MSI-X (and its table page) would be invisible. Refused at attach with one
 * line naming the device, the dump and how to capture it (issue 13 item 1).
 */
static void test_xsa337_truncated_dump(void)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture(NIC_DUMP), &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    for (unsigned i = 0; lines[i]; i++) {
        unsigned row;
        if (sscanf(lines[i], "%x: ", &row) == 1 && strchr(lines[i], ':') - lines[i] <= 3 &&
            row >= 0x40) {
            continue;
        }
        g_string_append_printf(out, "%s\n", lines[i]);
    }
    g_autofree char *dir = g_dir_make_tmp("xpt-trunc-XXXXXX", NULL);
    g_autofree char *dump = g_build_filename(dir, "dump", NULL);
    g_assert_true(g_file_set_contents(dump, out->str, -1, NULL));
    g_autofree char *dev = sec_dev_arg(dump, NIC, "pt0", NULL);
    g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s", dev);
    g_autofree char *err = NULL;
    g_assert_cmpint(xpt_qts_run_expect_fail(args, &err), ==, 1);
    g_assert_nonnull(strstr(err, NIC));
    g_assert_nonnull(strstr(err, "64 of the 256 bytes"));
    g_assert_nonnull(strstr(err, "lspci -vv -xxx"));
    g_auto(GStrv) err_lines = g_strsplit(g_strstrip(err), "\n", -1);
    g_assert_cmpuint(g_strv_length(err_lines), ==, 1);                 /* one line */
    xpt_test_rmtree(dir);
}

/*
 * Issue 13 item 2 across devices: a second device whose (lying) host BAR covers the first
 * one's MSI-X table BAR is refused, whichever comes first; and item 11: a second device
 * on the same host function is refused by name.
 */
static void test_host_layout_other_device(void)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture(NVME_DUMP), &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    int dev = sec_dump_device_line(lines, "2e:00.0");
    int row = sec_dump_row_line(lines, dev, 0x10);
    g_assert_cmpint(row, >=, 0);
    g_assert_true(g_str_has_prefix(lines[row], "10: 04 00 40 88 00 00 00 00"));
    memcpy(lines[row], "10: 04 00 84 e0 00 00 00 00", 27);  /* BAR0 0xe0840000, 64-bit */
    g_autofree char *dir = g_dir_make_tmp("xpt-layout-XXXXXX", NULL);
    g_autofree char *dump = g_build_filename(dir, "dump", NULL);
    g_autofree char *out = g_strjoinv("\n", lines);
    g_assert_true(g_file_set_contents(dump, out, -1, NULL));
    g_autofree char *nic = sec_dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", NULL);
    g_autofree char *nvme = sec_dev_arg(dump, NVME, "pt1", NULL);
    for (int order = 0; order < 2; order++) {
        g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s %s",
                                                order ? nvme : nic, order ? nic : nvme);
        g_autofree char *err = NULL;
        g_assert_cmpint(xpt_qts_run_expect_fail(args, &err), ==, 1);
        sec_assert_no_sanitizer(err);
        g_assert_cmpuint(sec_count_lines(err, "error:", NULL), ==, 1);
        g_assert_cmpuint(sec_count_lines(err, "overlaps", NULL), ==, 1);
        g_assert_nonnull(strstr(err, order ? "BAR 3 (0xe0840000-0xe0843fff) overlaps BAR 0 "
                                             "(0xe0840000-0xe0847fff) of 0000:2e:00.0"
                                           : "BAR 0 (0xe0840000-0xe0847fff) overlaps BAR 3 "
                                             "(0xe0840000-0xe0843fff) of 0000:01:00.0"));
        g_assert_null(strstr(err, "leak"));
    }
    /* the same host function twice */
    g_autofree char *nic2 = sec_dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt1", NULL);
    g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s %s", nic, nic2);
    g_autofree char *err = NULL;
    g_assert_cmpint(xpt_qts_run_expect_fail(args, &err), ==, 1);
    g_assert_cmpuint(sec_count_lines(err, "error:", NULL), ==, 1);
    g_assert_nonnull(strstr(err, "0000:01:00.0 is already attached as id pt0"));
    xpt_test_rmtree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    unsigned n = 0;
    for (unsigned off = 0x40; off <= 0xfc; off += 4) {
        long_chain.patches[n++] = (Patch){ off, 4,
                                           0x00040009u | (off < 0xfc ? off + 4 : 0x40) << 8 };
    }
    long_chain.patches[n] = (Patch){ 0x34, 1, 0x40 };
    for (size_t i = 0; i < G_N_ELEMENTS(hostile_cases); i++) {
        g_autofree char *path = g_strdup_printf("/security/xsa337/%s", hostile_cases[i].name);
        g_test_add_data_func(path, &hostile_cases[i], test_xsa337_hostile_dump);
    }
    g_test_add_data_func("/security/xsa337/long-looping-chain", &long_chain,
                         test_xsa337_hostile_dump);
    g_test_add_func("/security/xsa337/truncated-dump", test_xsa337_truncated_dump);
    g_test_add_func("/security/host-layout/other-device", test_host_layout_other_device);
    return g_test_run();
}
