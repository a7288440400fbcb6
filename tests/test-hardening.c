/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host-side hardening of issue 13 (items 1, 3, 4 and 5): lying or hostile host data and
 * files, checked on the host backend directly and through the real binary under qtest.
 *
 *  1. a config space shorter than the 256-byte header (sysfs "config" cut to 64 bytes,
 *     what Linux gives a reader without CAP_SYS_ADMIN) is refused with one line;
 *  3. a host BAR at address 0 (unassigned) is not implemented, in the sysfs and dump
 *     backends, and never granted or mapped (the simulated toolstack grants like libxl,
 *     from resource lines whose start is not 0);
 *  4. guest writes to the VPD data register, and the VPD "write" flag, reach the device
 *     only with permissive=on;
 *  5. romfile=, host-dump= and the sysfs config/resource/rom files are checked to be
 *     regular files of bounded size without blocking: a FIFO or /dev/zero is refused
 *     with one line at once.
 * Every open that would block on unfixed code runs in a subprocess with a time limit.
 */
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/host/host-pci.h"
#include "tests/testutil.h"
#include "util/error.h"

#define VIRTIO "0000:00:01.0"       /* Firecracker virtio-net: BAR0 512K, MSI-X in BAR0 */
#define NIC_DUMP "pciutils-tests/cap-pcie-2"
#define NIC "0000:01:00.0"          /* Intel 82576: BAR0, BAR1, I/O BAR2, MSI-X in BAR3 */
#define SAS_DUMP "pciutils-tests/tree-asus-p6t6"
#define SAS "0000:04:00.0"          /* LSI SAS2008: VPD at 0xd0 */
#define SAS_VPD 0xd0
#define SLOT2 0x10                  /* devfn of the first passthrough slot */
#define SUBPROCESS_TIMEOUT_US (10 * G_USEC_PER_SEC)

static const char *const sysfs_files[] = {
    "config", "resource", "irq", "vendor", "device", "class", "revision",
    "subsystem_vendor", "subsystem_device",
};

/* A private sysfs-like tree holding a copy of the Firecracker device @sbdf. */
static char *copy_tree(const char *sbdf, char **devdir_out)
{
    g_autoptr(GError) err = NULL;
    char *root = g_dir_make_tmp("xpt-hard-XXXXXX", &err);
    g_assert_no_error(err);
    g_autofree char *devdir = g_build_filename(root, "bus", "pci", "devices", sbdf, NULL);
    g_assert_cmpint(g_mkdir_with_parents(devdir, 0755), ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(sysfs_files); i++) {
        g_autofree char *rel = g_build_filename("sysfs-firecracker/devices", sbdf,
                                                sysfs_files[i], NULL);
        g_autofree char *dst = g_build_filename(devdir, sysfs_files[i], NULL);
        g_autofree char *data = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(xpt_test_fixture(rel), &data, &len, &err));
        g_assert_true(g_file_set_contents(dst, data, (gssize)len, &err));
    }
    *devdir_out = g_steal_pointer(&devdir);
    return root;
}

/* Replace line @index of the text file @path by @line. */
static void set_line(const char *path, unsigned index, const char *line)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), >, index);
    g_free(lines[index]);
    lines[index] = g_strdup(line);
    g_autofree char *out = g_strjoinv("\n", lines);
    g_assert_true(g_file_set_contents(path, out, -1, NULL));
}

/* Replace @path by a FIFO. */
static void make_fifo(const char *path)
{
    unlink(path);
    g_assert_cmpint(mkfifo(path, 0600), ==, 0);
}

/* Assert @msg is one line holding every string of the NULL-terminated list. */
static void assert_line(const char *msg, ...)
{
    va_list ap;
    g_autofree char *text = g_strstrip(g_strdup(msg));
    g_assert_null(strchr(text, '\n'));
    va_start(ap, msg);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
        if (!strstr(msg, s)) {
            g_error("expected '%s' in: %s", s, msg);
        }
    }
    va_end(ap);
}

/* Run the binary with @args; assert exit 1 within 10 s and return its stderr. */
static char *run_refused(const char *args)
{
    g_autofree char *err = NULL;
    int status = xpt_qts_run_expect_fail(args, &err);
    if (status != 1) {
        g_error("expected exit 1, got %d for %s\n%s", status, args, err);
    }
    g_assert_null(strstr(err, "leak"));
    return g_steal_pointer(&err);
}

/* ---- 1. short config space ---------------------------------------------------------------- */

static void test_short_config_sysfs(void)
{
    g_autofree char *devdir = NULL;
    g_autofree char *root = copy_tree(VIRTIO, &devdir);
    g_autofree char *config = g_build_filename(devdir, "config", NULL);
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(truncate(config, 64), ==, 0);   /* what a non-root reader gets */
    for (int shadow = 0; shadow < 2; shadow++) {
        XptHostOpenOptions o = { .hostaddr = VIRTIO, .sysfs_dir = root, .shadow = shadow };
        g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
        g_assert_null(h);
        g_assert_error(err, XPT_ERROR, XPT_ERROR_IO);
        assert_line(err->message, VIRTIO, "64 of the 256 bytes", "CAP_SYS_ADMIN",
                    "-runas", "attach it as root", NULL);
        g_clear_error(&err);
    }

    /* The binary refuses the device with that one line, and leaves nothing behind. */
    g_autofree char *args = g_strdup_printf(
        "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=%s,host-sysfs=%s",
        VIRTIO, root);
    g_autofree char *out = run_refused(args);
    assert_line(out, "xen-pt-dm: error:", VIRTIO, "CAP_SYS_ADMIN", NULL);

    /* The full 256 bytes are accepted. */
    g_autofree char *rel = g_build_filename("sysfs-firecracker/devices", VIRTIO, "config",
                                            NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(xpt_test_fixture(rel), &data, &len, NULL));
    g_assert_cmpuint(len, ==, 256);
    g_assert_true(g_file_set_contents(config, data, (gssize)len, NULL));
    XptHostOpenOptions o = { .hostaddr = VIRTIO, .sysfs_dir = root, .shadow = true };
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(xpt_host_pci_config_size(h), ==, 256);
    g_assert_cmpuint(xpt_host_pci_find_cap(h, 0x11), !=, 0);   /* MSI-X seen */
    xpt_test_rmtree(root);
}

/* ---- 3. unassigned host BARs ---------------------------------------------------------------- */

static void test_unassigned_bar_sysfs(void)
{
    g_autofree char *devdir = NULL;
    g_autofree char *root = copy_tree(VIRTIO, &devdir);
    g_autofree char *resource = g_build_filename(devdir, "resource", NULL);
    g_autoptr(GError) err = NULL;

    /* BAR0 (64-bit, 512K) as Linux shows an unassigned resource: start 0, its size. */
    set_line(resource, 0, "0x0000000000000000 0x000000000007ffff 0x0000000000140204");
    XptHostOpenOptions o = { .hostaddr = VIRTIO, .sysfs_dir = root, .shadow = true };
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(xpt_host_pci_bar(h, 0)->size, ==, 0);
    g_assert_cmpuint(xpt_host_pci_bar(h, 0)->base, ==, 0);

    /* Its MSI-X table lives in that BAR: the binary refuses the device, nothing mapped. */
    g_autofree char *args = g_strdup_printf(
        "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=%s,host-sysfs=%s",
        VIRTIO, root);
    g_autofree char *out = run_refused(args);
    g_assert_nonnull(strstr(out, "unassigned on the host"));
    g_assert_nonnull(strstr(out, "MSI-X table"));
    xpt_test_rmtree(root);
}

/* The 82576 dump with BAR0, BAR1 (memory) and BAR2 (I/O) at address 0. */
static char *unassigned_nic_dump(char **dir_out)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture(NIC_DUMP), &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    bool in_dev = false, done = false;
    for (unsigned i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "01:00.0 ")) {
            in_dev = true;
        } else if (in_dev && !done && g_str_has_prefix(lines[i], "10: ")) {
            g_free(lines[i]);
            lines[i] = g_strdup("10: 00 00 00 00 00 00 00 00 01 00 00 00 00 00 84 e0");
            done = true;
        }
    }
    g_assert_true(done);
    g_autofree char *out = g_strjoinv("\n", lines);
    char *dir = g_dir_make_tmp("xpt-hard-XXXXXX", NULL);
    char *path = g_build_filename(dir, "dump", NULL);
    g_assert_true(g_file_set_contents(path, out, -1, NULL));
    *dir_out = dir;
    return path;
}

static void test_unassigned_bar_dump(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *dump = unassigned_nic_dump(&dir);
    g_autoptr(GError) err = NULL;

    XptHostOpenOptions o = { .hostaddr = NIC, .dump_file = dump };
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    g_assert_no_error(err);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmpuint(xpt_host_pci_bar(h, i)->size, ==, 0);
    }
    g_assert_cmphex(xpt_host_pci_bar(h, 3)->base, ==, 0xe0840000);

    /* Through the binary: one warning, BAR0-2 read 0 and ignore writes, and with memory
     * and I/O decode on nothing from frame 0 or port 0 is granted or mapped. */
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=%s,id=pt0,host-dump=%s", NIC, dump);
    XptQts *qts = xpt_qts_start(args);
    g_autofree char *log = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(log, "BAR0, BAR1, BAR2 unassigned on the host"));
    g_assert_null(strstr(strstr(log, "unassigned on the host") + 1, "unassigned on the host"));
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0xf1000000);
    xpt_cfg_writel(qts, SLOT2, 0x18, 0xc000);
    xpt_cfg_writel(qts, SLOT2, 0x1c, 0xf2000000);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0003);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x10), ==, 0);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x14), ==, 0);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x18), ==, 0);

    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *mmio = xpt_state_array(st, "mmio");
    g_assert_cmpuint(json_array_get_length(mmio), >, 0);         /* BAR3 is mapped */
    for (guint i = 0; i < json_array_get_length(mmio); i++) {
        JsonObject *m = json_array_get_object_element(mmio, i);
        g_assert_cmphex(json_object_get_int_member(m, "mfn"), >=, 0xe0840);
    }
    JsonArray *io = xpt_state_array(st, "ioports");
    for (guint i = 0; i < json_array_get_length(io); i++) {
        JsonObject *m = json_array_get_object_element(io, i);
        g_assert_cmpint(json_object_get_int_member(m, "mport"), !=, 0);
    }
    xpt_test_finish(qts);
    xpt_test_rmtree(dir);
}

/* ---- 4. VPD writes ---------------------------------------------------------------------- */

static void vpd_case(bool permissive)
{
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=%s,id=pt0,host-dump=%s%s", SAS,
        xpt_test_fixture(SAS_DUMP), permissive ? ",permissive=on" : "");
    XptQts *qts = xpt_qts_start(args);

    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, SAS_VPD), ==, 0x03);   /* VPD visible */
    /* A VPD write: the data, then the address with the F flag (bit 15) set. */
    xpt_cfg_writel(qts, SLOT2, SAS_VPD + 4, 0x12345678);
    xpt_cfg_writew(qts, SLOT2, SAS_VPD + 2, 0x8010);

    g_autoptr(GArray) data = xpt_test_host_writes_at(qts, "pt0", SAS_VPD + 4);
    g_autoptr(GArray) addr = xpt_test_host_writes_at(qts, "pt0", SAS_VPD + 2);
    g_assert_cmpuint(addr->len, ==, 1);
    if (permissive) {
        g_assert_cmpuint(data->len, ==, 1);
        g_assert_cmphex(g_array_index(data, uint32_t, 0), ==, 0x12345678);
        g_assert_cmphex(g_array_index(addr, uint32_t, 0), ==, 0x8010);
    } else {
        g_assert_cmpuint(data->len, ==, 0);               /* never reaches the EEPROM */
        g_assert_cmphex(g_array_index(addr, uint32_t, 0), ==, 0x0010);   /* a read */
        g_autofree char *log = xpt_qts_stderr(qts);
        g_assert_nonnull(strstr(log, "permissive=on"));
    }
    xpt_test_finish(qts);
}

static void test_vpd_write_dropped(void)
{
    vpd_case(false);
}

static void test_vpd_write_permissive(void)
{
    vpd_case(true);
}

/* ---- 5. files: type and size checked, never blocking -------------------------------------- */

static void test_romfile_refused(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-hard-XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    g_autofree char *big = g_build_filename(dir, "big.rom", NULL);
    g_autofree char *empty = g_build_filename(dir, "empty.rom", NULL);
    make_fifo(fifo);
    g_assert_true(g_file_set_contents(empty, "", 0, NULL));
    g_assert_true(g_file_set_contents(big, "", 0, NULL));
    g_assert_cmpint(truncate(big, (16 << 20) + 1), ==, 0);
    struct { const char *path; const char *why; } cases[] = {
        { "/dev/zero", "character device" },
        { fifo, "FIFO" },
        { dir, "directory" },
        { big, "16777216" },
        { empty, "empty" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args = g_strdup_printf(
            "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=%s,"
            "host-dump=%s,romfile=%s", NIC, xpt_test_fixture(NIC_DUMP), cases[i].path);
        g_autofree char *out = run_refused(args);
        assert_line(out, "xen-pt-dm: error:", NIC, "romfile", cases[i].path, cases[i].why,
                    NULL);
    }
    xpt_test_rmtree(dir);
}

static void test_host_dump_fifo(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-hard-XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename(dir, "dump", NULL);
    make_fifo(fifo);
    g_autofree char *args = g_strdup_printf(
        "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=%s,host-dump=%s",
        NIC, fifo);
    g_autofree char *out = run_refused(args);
    assert_line(out, "xen-pt-dm: error:", NIC, "host-dump", fifo, "FIFO", NULL);
    g_autofree char *args2 = g_strdup_printf(
        "-accel qtest -qtest stdio -device xen-pci-passthrough,hostaddr=%s,"
        "host-dump=/dev/zero", NIC);
    g_autofree char *out2 = run_refused(args2);
    assert_line(out2, NIC, "host-dump", "character device", NULL);
    xpt_test_rmtree(dir);
}

/* Subprocess: open VIRTIO from a private tree whose @file is a FIFO. */
static void sysfs_fifo_child(const char *file)
{
    g_autofree char *devdir = NULL;
    g_autofree char *root = copy_tree(VIRTIO, &devdir);
    g_autofree char *path = g_build_filename(devdir, file, NULL);
    make_fifo(path);
    /* Read-only (shadow: libpci opens O_RDONLY, which blocks on a FIFO) and writable. */
    for (int shadow = 1; shadow >= 0; shadow--) {
        XptHostOpenOptions o = { .hostaddr = VIRTIO, .sysfs_dir = root, .shadow = shadow };
        g_autoptr(GError) err = NULL;
        g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
        g_assert_null(h);
        g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
        assert_line(err->message, VIRTIO, file, "FIFO", NULL);
    }
    xpt_test_rmtree(root);
}

static void test_sysfs_fifo(gconstpointer data)
{
    const char *file = data;
    if (g_test_subprocess()) {
        sysfs_fifo_child(file);
        return;
    }
    g_test_trap_subprocess(NULL, SUBPROCESS_TIMEOUT_US, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* A copy of VIRTIO with a ROM resource of 2 KiB and a "rom" file of @rom_bytes bytes,
 * or a FIFO when @rom_bytes is 0. */
static char *rom_tree(size_t rom_bytes, char **rom_path)
{
    g_autofree char *devdir = NULL;
    char *root = copy_tree(VIRTIO, &devdir);
    g_autofree char *res = g_build_filename(devdir, "resource", NULL);
    set_line(res, 6, "0x00000000fe000000 0x00000000fe0007ff 0x0000000000046200");
    *rom_path = g_build_filename(devdir, "rom", NULL);
    if (rom_bytes) {
        g_autofree char *image = g_malloc0(rom_bytes);
        image[0] = 0x55;
        image[1] = (char)0xaa;
        g_assert_true(g_file_set_contents(*rom_path, image, (gssize)rom_bytes, NULL));
    } else {
        make_fifo(*rom_path);
    }
    return root;
}

static void rom_child(size_t rom_bytes, const char *why)
{
    g_autofree char *rom = NULL;
    g_autofree char *root = rom_tree(rom_bytes, &rom);
    XptHostOpenOptions o = { .hostaddr = VIRTIO, .sysfs_dir = root };
    g_autoptr(GError) err = NULL;
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    g_assert_no_error(err);
    size_t len = 1;
    g_autofree uint8_t *data = xpt_host_pci_read_rom(h, &len, &err);
    xpt_test_rmtree(root);
    g_assert_null(data);
    g_assert_cmpuint(len, ==, 0);
    g_assert_nonnull(err);
    assert_line(err->message, VIRTIO, rom, why, NULL);
}

static void test_sysfs_rom(void)
{
    if (g_test_subprocess()) {
        if (g_strcmp0(g_getenv("XPT_HARD_CASE"), "fifo") == 0) {
            rom_child(0, "FIFO");
        } else {
            rom_child(4096, "more than the 2048");   /* larger than the ROM BAR */
        }
        return;
    }
    /* A ROM file the size of the ROM BAR is read. */
    {
        g_autofree char *rom = NULL;
        g_autofree char *root = rom_tree(2048, &rom);
        XptHostOpenOptions o = { .hostaddr = VIRTIO, .sysfs_dir = root };
        g_autoptr(GError) err = NULL;
        g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
        g_assert_no_error(err);
        size_t len = 0;
        g_autofree uint8_t *data = xpt_host_pci_read_rom(h, &len, &err);
        g_assert_no_error(err);
        g_assert_cmpuint(len, ==, 2048);
        xpt_test_rmtree(root);
    }
    static const char *const cases[] = { "fifo", "big" };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_setenv("XPT_HARD_CASE", cases[i], TRUE);
        g_test_trap_subprocess(NULL, SUBPROCESS_TIMEOUT_US, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
    }
    g_unsetenv("XPT_HARD_CASE");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hardening/short-config/sysfs", test_short_config_sysfs);
    g_test_add_func("/hardening/unassigned-bar/sysfs", test_unassigned_bar_sysfs);
    g_test_add_func("/hardening/unassigned-bar/dump", test_unassigned_bar_dump);
    g_test_add_func("/hardening/vpd/write-dropped", test_vpd_write_dropped);
    g_test_add_func("/hardening/vpd/write-permissive", test_vpd_write_permissive);
    g_test_add_func("/hardening/files/romfile", test_romfile_refused);
    g_test_add_func("/hardening/files/host-dump-fifo", test_host_dump_fifo);
    g_test_add_data_func("/hardening/files/sysfs-config-fifo", "config", test_sysfs_fifo);
    g_test_add_data_func("/hardening/files/sysfs-resource-fifo", "resource",
                         test_sysfs_fifo);
    g_test_add_func("/hardening/files/sysfs-rom", test_sysfs_rom);
    return g_test_run();
}
