/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Security regression suite (issue 6): one test per class of
 * docs/reference/config-space.md §"Invariants (what went wrong before)", fault
 * tolerance of every hypervisor operation over a whole guest life cycle, and host
 * backend failures (EIO, a device that disappears). Everything runs the real binary under
 * -accel qtest with fixture devices as hosts; the guest, the QMP client and the device
 * (through hostile copies of real dumps) are the attackers.
 *
 * Each test asserts what a user relies on: the host device never sees a bit the guest
 * must not control, every log line a guest can cause is rate-limited, nothing the device
 * reports is trusted for memory safety, detach leaves no mapping behind, and a failure of
 * the hypervisor or the device degrades one device with one clear message while the
 * process, the other devices and the final leak check (exit status 0) stay clean.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/host-pci.h"
#include "tests/guest-fw.h"
#include "tests/testutil.h"

#define SLOT2 0x10                  /* devfn of the first cold-plugged slot */
#define SLOT3 0x18

/* Intel 82576 (pciutils-tests/cap-pcie-2 01:00.0): PM 40, MSI 50 (64-bit, maskable),
 * MSI-X 70 (10 entries in BAR3 at 0, PBA BAR3+0x2000), PCIe v2 a0; BAR0 128K, BAR1 4M,
 * BAR2 I/O 32 ports, BAR3 16K, ROM 4M; host IRQ 11. */
#define NIC_DUMP "pciutils-tests/cap-pcie-2"
#define NIC "0000:01:00.0"
#define NIC_MSI 0x50
#define NIC_MSIX 0x70
#define NIC_BAR0_HOST 0xe0800000ull
#define NIC_BAR3_HOST 0xe0840000ull

/* Samsung PM174X NVMe (pciutils-tests/cap-phy32 2e:00.0): 64-bit BAR0 32K at 0x88400000,
 * MSI-X 129 entries at BAR0+0x4000, no INTx. */
#define NVME_DUMP "pciutils-tests/cap-phy32"
#define NVME "0000:2e:00.0"
#define NVME_BAR0_HOST 0x88400000ull

/* ACPI PCI hot-plug registers (reference/toolstack.md §acpi). */
#define GPE_STS 0xafe0
#define GPE_EN 0xafe2
#define B0EJ 0xae08

/* ---- generic helpers ----------------------------------------------------------------------- */

static char *dev_arg(const char *dump, const char *hostaddr, const char *id, const char *extra)
{
    return g_strdup_printf("-device xen-pci-passthrough,hostaddr=%s,id=%s,host-dump=%s%s",
                           hostaddr, id, dump, extra ? extra : "");
}

static XptQts *start_nic(const char *pre, const char *extra)
{
    g_autofree char *dev = dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", extra);
    g_autofree char *args = g_strdup_printf("%s %s", pre ? pre : "", dev);
    return xpt_qts_start(args);
}

static JsonObject *root(JsonNode *st)
{
    return json_node_get_object(st);
}

static guint state_len(JsonNode *st, const char *member)
{
    return json_array_get_length(xpt_state_array(st, member));
}

static JsonArray *claims(JsonNode *st, const char *type)
{
    return json_object_get_array_member(json_object_get_object_member(root(st), "claims"),
                                         type);
}

static gint64 calls_of(JsonNode *st, const char *op)
{
    JsonObject *c = json_object_get_object_member(root(st), "calls");
    return json_object_has_member(c, op) ? json_object_get_int_member(c, op) : 0;
}

/* Whether any p2m mapping touches host frames [mfn, mfn + nr). */
static bool maps_host(JsonNode *st, uint64_t mfn, uint64_t nr)
{
    JsonArray *a = xpt_state_array(st, "mmio");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *m = json_array_get_object_element(a, i);
        uint64_t f = (uint64_t)json_object_get_int_member(m, "mfn");
        uint64_t n = (uint64_t)json_object_get_int_member(m, "nr");
        if (f < mfn + nr && mfn < f + n) {
            return true;
        }
    }
    return false;
}

/* Whether a claim of @type contains [start, end]. */
static bool claimed(JsonNode *st, const char *type, uint64_t start, uint64_t end)
{
    JsonArray *a = claims(st, type);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *c = json_array_get_object_element(a, i);
        if ((uint64_t)json_object_get_int_member(c, "start") <= start &&
            (uint64_t)json_object_get_int_member(c, "end") >= end) {
            return true;
        }
    }
    return false;
}

/* Pirqs whose "sbdf" is @sbdf (MSI) or whose GSI is @irq (INTx). */
static guint pirqs_of(JsonNode *st, const char *sbdf, gint64 irq)
{
    JsonArray *a = xpt_state_array(st, "pirqs");
    guint n = 0;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        const char *src = json_object_get_string_member(o, "source");
        if (!g_strcmp0(src, "msi")) {
            n += !g_strcmp0(json_object_get_string_member(o, "sbdf"), sbdf);
        } else if (json_object_has_member(o, "irq")) {
            n += json_object_get_int_member(o, "irq") == irq;
        }
    }
    return n;
}

/* Whether the sim records a toolstack grant for host device @sbdf. */
static bool granted(JsonNode *st, const char *sbdf)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    JsonNode *g = json_object_get_member(root(st), "grants");
    json_generator_set_root(gen, g);
    g_autofree char *text = json_generator_to_data(gen, NULL);
    return strstr(text, sbdf) != NULL;
}

/* Lines of @text containing @a (and @b if not NULL). */
static unsigned count_lines(const char *text, const char *a, const char *b)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    unsigned n = 0;
    for (unsigned i = 0; lines[i]; i++) {
        n += strstr(lines[i], a) && (!b || strstr(lines[i], b));
    }
    return n;
}

/* Sanitizer or crash reports in a stderr text. */
static void assert_no_sanitizer(const char *err)
{
    g_assert_null(strstr(err, "AddressSanitizer"));
    g_assert_null(strstr(err, "runtime error:"));
    g_assert_null(strstr(err, "LeakSanitizer"));
}

static GArray *host_writes(XptQts *qts, const char *key)
{
    g_autoptr(JsonNode) w = xpt_sim_command(qts, "host-writes %s", key);
    JsonArray *a = json_node_get_array(w);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(XptHostWrite));
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        XptHostWrite hw = {
            .offset = (uint16_t)json_object_get_int_member(o, "offset"),
            .len = (uint8_t)json_object_get_int_member(o, "len"),
            .value = (uint32_t)json_object_get_int_member(o, "value"),
        };
        g_array_append_val(out, hw);
    }
    return out;
}

static guint host_write_count(XptQts *qts, const char *key)
{
    g_autoptr(GArray) w = host_writes(qts, key);
    return w->len;
}

/* ---- fixture dumps: reading and hostile copies ---------------------------------------------- */

/* Index of the line opening device @addr ("01:00.0", as lspci prints it) in @lines. */
static int dump_device_line(char **lines, const char *addr)
{
    for (int i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], addr) && lines[i][strlen(addr)] == ' ') {
            return i;
        }
    }
    g_error("device %s not in the dump", addr);
}

/* Index of hex row @row (0x00, 0x10, ...) of the device starting at line @dev, or -1. */
static int dump_row_line(char **lines, int dev, unsigned row)
{
    g_autofree char *key = g_strdup_printf(row < 0x100 ? "%02x: " : "%03x: ", row);
    for (int i = dev + 1; lines[i] && lines[i][0]; i++) {
        if (g_str_has_prefix(lines[i], key)) {
            return i;
        }
    }
    return -1;
}

/* The first 256 config bytes of device @addr in fixture @fixture (rows missing: 0xff). */
static void dump_config(const char *fixture, const char *addr, uint8_t cfg[256])
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture(fixture), &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    int dev = dump_device_line(lines, addr);
    memset(cfg, 0xff, 256);
    for (unsigned row = 0; row < 256; row += 16) {
        int l = dump_row_line(lines, dev, row);
        if (l < 0) {
            continue;
        }
        g_auto(GStrv) w = g_strsplit(lines[l], " ", -1);
        for (unsigned c = 0; c < 16 && w[c + 1]; c++) {
            cfg[row + c] = (uint8_t)g_ascii_strtoull(w[c + 1], NULL, 16);
        }
    }
}

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
    int dev = dump_device_line(lines, addr);
    for (const Patch *p = patches; p && p->len; p++) {
        for (unsigned b = 0; b < p->len; b++) {
            unsigned off = p->off + b;
            int l = dump_row_line(lines, dev, off & ~15u);
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

/* ---- QMP helpers ------------------------------------------------------------------------------- */

typedef struct {
    XptQts *qts;
    XptQmp *qmp;
} Vm;

static Vm *vm_start(const char *extra)
{
    Vm *vm = g_new0(Vm, 1);
    vm->qmp = xpt_qmp_listen();
    g_autofree char *args = g_strdup_printf("%s %s", xpt_qmp_args(vm->qmp), extra ? extra : "");
    vm->qts = xpt_qts_start(args);
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(vm->qmp);
    xpt_qmp_negotiate(vm->qmp);
    return vm;
}

/* Quit; exit status 0 includes the sim's leak check. Returns the binary's stderr. */
static char *vm_finish(Vm *vm)
{
    char *err = xpt_qts_stderr(vm->qts);
    xpt_qmp_free(vm->qmp);
    int status = xpt_qts_quit(vm->qts);
    if (status != 0) {
        g_printerr("xen-pt-dm stderr:\n%s\n", err);
    }
    g_assert_cmpint(status, ==, 0);
    assert_no_sanitizer(err);
    g_free(vm);
    return err;
}

static void qmp_ok(XptQmp *q, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void qmp_ok(XptQmp *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *req = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "%s", req);
    if (!xpt_qmp_reply_return(r)) {
        g_error("QMP %s failed: %s", req, xpt_qmp_reply_desc(r));
    }
}

static char *device_add_json(const char *id, const char *hostaddr, const char *dump,
                             const char *extra)
{
    return g_strdup_printf("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                           "\"xen-pci-passthrough\", \"id\": \"%s\", \"hostaddr\": \"%s\", "
                           "\"host-dump\": \"%s\"%s}}", id, hostaddr, dump,
                           extra ? extra : "");
}

/* The query-pci entries (new ref). */
static JsonArray *query_pci(XptQmp *q)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "{\"execute\": \"query-pci\"}");
    JsonNode *ret = xpt_qmp_reply_return(r);
    g_assert_nonnull(ret);
    JsonObject *bus = json_array_get_object_element(json_node_get_array(ret), 0);
    return json_array_ref(json_object_get_array_member(bus, "devices"));
}

static bool pci_has_id(XptQmp *q, const char *id)
{
    g_autoptr(JsonArray) devs = query_pci(q);
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        if (!g_strcmp0(json_object_get_string_member(d, "qdev_id"), id)) {
            return true;
        }
    }
    return false;
}

/* device_del @id as libxl sends it, then the guest's ACPI code ejects @slot (Xen 4.17
 * DSDT _EJ0 → B0EJ); waits for DEVICE_DELETED. */
static void unplug_and_eject(Vm *vm, const char *id, unsigned slot)
{
    qmp_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"%s\"}}", id);
    xpt_outl(vm->qts, B0EJ, 1u << slot);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    JsonObject *data = json_object_get_object_member(json_node_get_object(ev), "data");
    g_assert_cmpstr(json_object_get_string_member(data, "device"), ==, id);
}

/* ================================================================================================
 * Invariant 1: command register and decode (XSA-126, CVE-2015-2756, CVE-2020-12888)
 * ============================================================================================== */

/*
 * Whatever the guest writes to Command, in any width, the host keeps memory and I/O
 * decode on for the BARs the device has: every host write of the register has IO and
 * MEM set (the 82576 has memory and I/O BARs).
 */
static void test_decode_never_reaches_host(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    static const uint32_t vals[] = { 0x0000, 0xffff, 0x0004, 0x0001, 0x0002, 0x0400, 0xfbfc,
                                     0xfffc };
    guint n0 = host_write_count(qts, "pt0");
    for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
        xpt_cfg_writew(qts, SLOT2, 0x04, (uint16_t)vals[i]);
        xpt_cfg_writeb(qts, SLOT2, 0x04, (uint8_t)vals[i]);
        xpt_cfg_writel(qts, SLOT2, 0x04, vals[i] | 0xf9000000u);   /* + status rw1c */
        /* the guest's view follows its own decode bits */
        g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 3, ==, vals[i] & 3);
    }
    g_autoptr(GArray) w = host_writes(qts, "pt0");
    guint cmd_writes = 0;
    for (guint i = n0; i < w->len; i++) {
        const XptHostWrite *hw = &g_array_index(w, XptHostWrite, i);
        if (hw->offset == 0x04) {
            cmd_writes++;
            g_assert_cmphex(hw->value & 0x3, ==, 0x3);
        }
    }
    g_assert_cmpuint(cmd_writes, >, 0);
    xpt_test_finish(qts);
}

/*
 * With decode off, the guest's BAR, MSI-X table page and ROM addresses reach nothing:
 * no p2m mapping, no ioport mapping, no claim, so no access can reach the device (or the
 * device model's host BAR mapping); reads give all-ones and nothing faults. Moving a BAR
 * while decode is off maps nothing either; turning decode on maps the new place.
 */
static void test_disabled_bar_access(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    const uint64_t bar0 = 0xf0000000, bar3 = 0xf1000000, rom = 0xf0400000;
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)bar0);
    xpt_cfg_writel(qts, SLOT2, 0x18, 0xc001);
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)bar3);
    xpt_cfg_writel(qts, SLOT2, 0x30, (uint32_t)rom | 1);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
    g_autoptr(JsonNode) on = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(on, bar0 >> 12, NIC_BAR0_HOST >> 12, 32));
    g_assert_true(claimed(on, "mmio", bar3, bar3 + 0xfff));
    g_assert_true(claimed(on, "mmio", rom, rom + 0x3fffff));
    g_assert_cmpuint(state_len(on, "ioports"), ==, 1);
    xpt_writel(qts, bar0 + 0x10, 0x12345678);                 /* the device's own BAR */
    g_assert_cmphex(xpt_readl(qts, bar0 + 0x10), ==, 0x12345678);

    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0000);
    g_autoptr(JsonNode) off = xpt_sim_state(qts);
    g_assert_cmpuint(state_len(off, "mmio"), ==, 0);
    g_assert_cmpuint(state_len(off, "ioports"), ==, 0);
    g_assert_false(claimed(off, "mmio", bar3, bar3));
    g_assert_false(claimed(off, "mmio", rom, rom));
    gint64 calls_before = calls_of(off, "memory_mapping");

    /* Every width, in every region, reads all-ones and writes vanish. */
    const uint64_t addrs[] = { bar0, bar0 + 0x1fffc, bar3, bar3 + 0x8, bar3 + 0x2000, rom,
                               rom + 0x3ffff8 };
    for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
        xpt_writeq(qts, addrs[i], 0);
        xpt_writel(qts, addrs[i], 0);
        xpt_writeb(qts, addrs[i] + 1, 0);
        g_assert_cmphex(xpt_readb(qts, addrs[i]), ==, 0xff);
        g_assert_cmphex(xpt_readw(qts, addrs[i]), ==, 0xffff);
        g_assert_cmphex(xpt_readl(qts, addrs[i]), ==, 0xffffffff);
        g_assert_cmphex(xpt_readq(qts, addrs[i]), ==, ~0ull);
    }
    uint8_t buf[64];
    xpt_memread(qts, bar3, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++) {
        g_assert_cmphex(buf[i], ==, 0xff);
    }
    g_autofree char *r = xpt_qts_command(qts, "memset 0x%" G_GINT64_MODIFIER "x 4096 0",
                                         bar3);
    g_assert_cmpstr(r, ==, "OK");
    g_assert_cmphex(xpt_inl(qts, 0xc000), ==, 0xffffffff);
    xpt_outl(qts, 0xc000, 0);

    /* A BAR moved while decode is off is not mapped; decode on maps the new place. */
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xf2000000);
    g_autoptr(JsonNode) moved = xpt_sim_state(qts);
    g_assert_cmpuint(state_len(moved, "mmio"), ==, 0);
    g_assert_cmpint(calls_of(moved, "memory_mapping"), ==, calls_before);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0002);
    g_autoptr(JsonNode) back = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(back, 0xf2000, NIC_BAR0_HOST >> 12, 32));
    g_assert_false(xpt_state_has_mmio(back, bar0 >> 12, NIC_BAR0_HOST >> 12, 32));
    g_assert_cmphex(xpt_readl(qts, 0xf2000010), ==, 0x12345678);   /* same host page */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    xpt_test_finish(qts);
}

/* ================================================================================================
 * Invariant 3: per-register decomposition (XSA-128)
 * ============================================================================================== */

/*
 * The register rows of reference/config-space.md that the 82576 instantiates, restated
 * here independently of the product's tables: a host write may change only the bits
 * that are neither emulated, read-only nor reserved (+ the bits the model forwards on
 * purpose: Command INTx-disable; MSI/MSI-X Enable and Function Mask).
 */
typedef struct {
    unsigned off, size;
    uint32_t res, ro, emu;
    uint32_t forced;           /* bits the model itself decides for the host */
} RegRow;

static const RegRow nic_rows[] = {
    { 0x04, 2, 0xF880, 0x0000, 0x0743, 0x0403 },   /* Command: INTx-disable, decode on */
    { 0x06, 2, 0x0007, 0x06F8, 0x0010, 0 },        /* Status */
    { 0x0C, 1, 0, 0, 0xFF, 0 }, { 0x0D, 1, 0, 0, 0xFF, 0 }, { 0x0E, 1, 0, 0xFF, 0x80, 0 },
    { 0x10, 4, 0, 0, 0xFFFFFFFF, 0 }, { 0x14, 4, 0, 0, 0xFFFFFFFF, 0 },
    { 0x18, 4, 0, 0, 0xFFFFFFFF, 0 }, { 0x1C, 4, 0, 0, 0xFFFFFFFF, 0 },
    { 0x20, 4, 0, 0, 0xFFFFFFFF, 0 }, { 0x24, 4, 0, 0, 0xFFFFFFFF, 0 },
    { 0x30, 4, 0, 0, 0xFFFFFFFF, 0 }, { 0x34, 1, 0, 0xFF, 0xFF, 0 },
    { 0x3C, 1, 0, 0, 0xFF, 0 }, { 0x3D, 1, 0, 0xFF, 0xFF, 0 },
    { 0x41, 1, 0, 0xFF, 0xFF, 0 },                                  /* PM next */
    { 0x42, 2, 0, 0xFFFF, 0xF9C8, 0 },                              /* PMC */
    { 0x44, 2, 0x00F0, 0x610C, 0x810B, 0 },                         /* PMCSR (rw1c 8000) */
    { 0x51, 1, 0, 0xFF, 0xFF, 0 },                                  /* MSI next */
    { 0x52, 2, 0xFE00, 0x018E, 0x017E, 0x0001 },                    /* MSI Control */
    { 0x54, 4, 0, 0x0003, 0xFFFFFFFF, 0 }, { 0x58, 4, 0, 0, 0xFFFFFFFF, 0 },
    { 0x5C, 2, 0, 0, 0xFFFF, 0 },
    { 0x60, 4, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0 },                      /* Mask (XSA-129) */
    { 0x64, 4, 0, 0xFFFFFFFF, 0, 0 },                               /* Pending */
    { 0x71, 1, 0, 0xFF, 0xFF, 0 },                                  /* MSI-X next */
    { 0x72, 2, 0x3800, 0x07FF, 0, 0xC000 },                         /* MSI-X Control */
    { 0x74, 4, 0, 0xFFFFFFFF, 0, 0 }, { 0x78, 4, 0, 0xFFFFFFFF, 0, 0 },
    { 0xA1, 1, 0, 0xFF, 0xFF, 0 },                                  /* PCIe next */
    { 0xA4, 4, 0, 0xFFFFFFFF, 0x10000000, 0 },                      /* DevCap */
    { 0xA8, 2, 0, 0x8400, 0xFFFF, 0 },                              /* DevCtl */
    { 0xAA, 2, 0xFFC0, 0x0030, 0, 0 },                              /* DevSta (rw1c 000F) */
    { 0xB0, 2, 0, 0xFC34, 0xFFFF, 0 },                              /* LnkCtl */
    { 0xB2, 2, 0, 0x3FFF, 0, 0 },                                   /* LnkSta (rw1c C000) */
    { 0xC8, 2, 0, 0xFFA0, 0xFFBF, 0 },                              /* DevCtl2 */
    { 0xD0, 2, 0, 0xE040, 0xFFFF, 0 },                              /* LnkCtl2 */
};

static const RegRow *nic_row_at(unsigned off)
{
    for (size_t i = 0; i < G_N_ELEMENTS(nic_rows); i++) {
        if (off >= nic_rows[i].off && off < nic_rows[i].off + nic_rows[i].size) {
            return &nic_rows[i];
        }
    }
    return NULL;
}

/* The bits of @r that may reach the host. */
static uint32_t row_host_bits(const RegRow *r)
{
    uint32_t width = r->size == 4 ? 0xffffffffu : (1u << (8 * r->size)) - 1;
    return ((~r->emu & ~r->ro & ~r->res) | r->forced) & width;
}

/*
 * Every host write since @from touches exactly one pass-through register of the table,
 * and leaves every bit the guest must not control as the host had it (@orig: the host's
 * config space at attach; pass-through bits may have changed since).
 */
static void check_host_writes(XptQts *qts, guint from, const uint8_t orig[256])
{
    g_autoptr(GArray) w = host_writes(qts, "pt0");
    for (guint i = from; i < w->len; i++) {
        const XptHostWrite *hw = &g_array_index(w, XptHostWrite, i);
        const RegRow *r = nic_row_at(hw->offset);
        if (!r || hw->offset + hw->len > r->off + r->size) {
            g_error("host write at 0x%x/%u is not inside one register", hw->offset, hw->len);
        }
        uint32_t allowed = row_host_bits(r);
        if (!allowed) {
            g_error("host write to register 0x%x, which nothing may pass through", r->off);
        }
        for (unsigned b = 0; b < hw->len; b++) {
            unsigned off = hw->offset + b;
            uint8_t v = (uint8_t)(hw->value >> (8 * b));
            uint8_t ok = (uint8_t)(allowed >> (8 * (off - r->off)));
            if ((v ^ orig[off]) & ~ok) {
                g_error("host write at 0x%x changed protected bits: byte 0x%x was 0x%02x, "
                        "written 0x%02x (may change 0x%02x)", hw->offset, off, orig[off], v,
                        ok);
            }
        }
    }
}

static void test_xsa128_decomposition(void)
{
    uint8_t orig[256];
    dump_config(NIC_DUMP, "01:00.0", orig);
    XptQts *qts = start_nic(NULL, NULL);
    guint n0 = host_write_count(qts, "pt0");
    static const uint32_t vals[] = { 0xffffffff, 0x00000000, 0x5a5a5a5a, 0xa5a5a5a5 };
    for (size_t r = 0; r < G_N_ELEMENTS(nic_rows); r++) {
        unsigned off = nic_rows[r].off;
        for (size_t v = 0; v < G_N_ELEMENTS(vals); v++) {
            xpt_cfg_writeb(qts, SLOT2, (uint8_t)off, (uint8_t)vals[v]);
            xpt_cfg_writew(qts, SLOT2, (uint8_t)(off & ~1u), (uint16_t)vals[v]);
            xpt_cfg_writel(qts, SLOT2, (uint8_t)(off & ~3u), vals[v]);
        }
    }
    check_host_writes(qts, n0, orig);
    /* Some writes did reach the host (Command, PMCSR Data_Select...), so the check ran. */
    g_assert_cmpuint(host_write_count(qts, "pt0"), >, n0);
    xpt_test_finish(qts);
}

/* A failed host read means no host write (XSA-128), in a register and with permissive. */
static void test_xsa128_no_write_after_failed_read(void)
{
    for (int perm = 0; perm < 2; perm++) {
        XptQts *qts = start_nic(NULL, perm ? ",permissive=on" : NULL);
        guint n0 = host_write_count(qts, "pt0");
        g_autoptr(JsonNode) f1 = xpt_sim_command(qts, "host-fail pt0 read EIO");
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);            /* bus master: passes through */
        g_assert_cmpuint(host_write_count(qts, "pt0"), ==, n0);
        if (perm) {
            g_autoptr(JsonNode) f2 = xpt_sim_command(qts, "host-fail pt0 read EIO");
            xpt_cfg_writel(qts, SLOT2, 0x28, 0x12345678);    /* no register: permissive */
            g_assert_cmpuint(host_write_count(qts, "pt0"), ==, n0);
        }
        /* PMCSR Data_Select passes through; its read fails: nothing written either. */
        g_autoptr(JsonNode) f3 = xpt_sim_command(qts, "host-fail pt0 read EIO");
        xpt_cfg_writew(qts, SLOT2, 0x44, 0x1e00);
        g_assert_cmpuint(host_write_count(qts, "pt0"), ==, n0);
        /* The device works again once reads do. */
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);
        g_autoptr(GArray) cmd = xpt_test_host_writes_at(qts, "pt0", 0x04);
        g_assert_cmpuint(cmd->len, ==, 1);
        g_assert_cmphex(g_array_index(cmd, uint32_t, 0) & 0x4, ==, 0x4);
        if (perm) {
            xpt_cfg_writel(qts, SLOT2, 0x28, 0x12345678);
            g_autoptr(GArray) cis = xpt_test_host_writes_at(qts, "pt0", 0x28);
            g_assert_cmpuint(cis->len, ==, 1);
        }
        /* A failed read in a guest read: pass-through bytes all-ones, emulated ones kept. */
        g_autoptr(JsonNode) f4 = xpt_sim_command(qts, "host-fail pt0 read EIO");
        g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x08), ==, 0xffffffff);
        g_autoptr(JsonNode) f5 = xpt_sim_command(qts, "host-fail pt0 read EIO");
        g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
        xpt_test_finish(qts);
    }
}

/* ================================================================================================
 * Invariant 4: the MSI per-vector mask is never guest-owned (XSA-129)
 * ============================================================================================== */

static void test_xsa129_msi_mask(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    const unsigned mask = NIC_MSI + 0x10, ctrl = NIC_MSI + 2;
    /* Per-vector-masking capable (Control bit 8) reads 0, and stays 0. */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, ctrl) & 0x100, ==, 0);
    xpt_cfg_writew(qts, SLOT2, ctrl, 0x0100);
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, ctrl) & 0x100, ==, 0);
    /* Program and enable MSI, then attack the mask in every width, also while enabled. */
    xpt_cfg_writel(qts, SLOT2, NIC_MSI + 4, 0xfee00000);
    xpt_cfg_writel(qts, SLOT2, NIC_MSI + 8, 0);
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0041);
    for (int enabled = 0; enabled < 2; enabled++) {
        if (enabled) {
            xpt_cfg_writew(qts, SLOT2, ctrl, 0x0001);
        }
        for (unsigned b = 0; b < 4; b++) {
            xpt_cfg_writeb(qts, SLOT2, (uint8_t)(mask + b), 0xff);
        }
        xpt_cfg_writew(qts, SLOT2, (uint8_t)mask, 0xffff);
        xpt_cfg_writew(qts, SLOT2, (uint8_t)(mask + 2), 0xffff);
        xpt_cfg_writel(qts, SLOT2, (uint8_t)mask, 0xffffffff);
        xpt_cfg_writel(qts, SLOT2, (uint8_t)(mask + 4), 0xffffffff);    /* pending */
        g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, mask), ==, 0);
    }
    g_autoptr(GArray) w = host_writes(qts, "pt0");
    for (guint i = 0; i < w->len; i++) {
        const XptHostWrite *hw = &g_array_index(w, XptHostWrite, i);
        g_assert_false(hw->offset + hw->len > mask && hw->offset < mask + 8);
    }
    /* The binding Xen holds is unmasked whatever the guest wrote to the mask. */
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *msi = xpt_state_array(st, "msi");
    g_assert_cmpuint(json_array_get_length(msi), ==, 1);
    JsonObject *b = json_array_get_object_element(msi, 0);
    g_assert_cmphex(json_object_get_int_member(b, "gflags") & (1u << 16), ==, 1u << 16);
    g_assert_cmphex(json_object_get_int_member(b, "gvec"), ==, 0x41);
    xpt_test_finish(qts);
}

/* ================================================================================================
 * Invariant 5: whatever the guest can trigger that logs is rate-limited (XSA-130)
 * ============================================================================================== */

static unsigned file_lines(const char *path, const char *needle)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return needle ? count_lines(text, needle, NULL) : count_lines(text, "xen-pt-dm", NULL);
}

/*
 * A guest floods every path that logs (bad config accesses, dropped register writes,
 * bad MSI-X table accesses, BAR mappings the hypervisor refuses, host config writes that
 * fail): 1,000 events each. The -D log grows by a bounded number of lines.
 */
static void test_xsa130_log_flood(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-xsa130-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "log", NULL);
    g_autofree char *pre = g_strdup_printf("-D %s -d guest_errors,unimp", log);
    XptQts *qts = start_nic(pre, NULL);
    const uint64_t table = 0xf1000000;
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)table);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    unsigned before = file_lines(log, NULL);
    gint64 t0 = g_get_monotonic_time();
    const unsigned N = 1000;

    for (unsigned i = 0; i < N; i++) {                 /* misaligned config accesses */
        xpt_outl(qts, 0xcf8, 0x80000000u | (SLOT2 << 8));
        (void)xpt_inw(qts, 0xcfd);
    }
    for (unsigned i = 0; i < N; i++) {                 /* unvirtualized register writes */
        xpt_cfg_writel(qts, SLOT2, 0x28, i);
    }
    for (unsigned i = 0; i < N; i++) {                 /* bad MSI-X table accesses */
        xpt_writeb(qts, table + (i % 160), 0);
    }
    g_autoptr(JsonNode) f1 = xpt_sim_command(qts, "fail memory_mapping EPERM %u", 4 * N);
    for (unsigned i = 0; i < N; i++) {                 /* refused BAR mappings */
        xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000u + (i % 2) * 0x100000u);
    }
    g_autoptr(JsonNode) f2 = xpt_sim_command(qts, "fail memory_mapping EPERM 0");
    g_autoptr(JsonNode) f3 = xpt_sim_command(qts, "host-fail pt0 write EIO %u", N);
    for (unsigned i = 0; i < N; i++) {                 /* failing host config writes */
        xpt_cfg_writew(qts, SLOT2, 0x04, (i & 1) ? 0x0006 : 0x0002);
    }
    double secs = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    xpt_test_finish(qts);

    unsigned lines = file_lines(log, NULL) - before;
    /* Bursts: invalid config 10/s, MSI-X table 10/s, drops 1/60 s, map/host write 5/5 s
     * (the last two share one limiter); one summary line may follow each window. */
    unsigned windows = (unsigned)secs + 2;
    unsigned bound = windows * (11 + 11) + 2 + (windows / 5 + 2) * 6;
    g_test_message("%u events in %.2f s -> %u log lines (bound %u)", 5 * N, secs, lines,
                   bound);
    g_assert_cmpuint(lines, >, 3);                     /* something was reported */
    g_assert_cmpuint(lines, <=, bound);
    g_assert_cmpuint(file_lines(log, "dropped invalid config"), <=, windows * 11);
    g_assert_cmpuint(file_lines(log, "permissive"), <=, 2);
    g_assert_cmpuint(file_lines(log, "MSI-X table page"), <=, windows * 11);
    xpt_test_rmtree(dir);
}

/* ================================================================================================
 * Invariant 2: reserved and unknown bits are read-only unless permissive (XSA-131)
 * ============================================================================================== */

/* Config bytes of the 82576 that belong to no register the model virtualizes. */
static const unsigned nic_unknown[] = {
    0x08, 0x28, 0x2c, 0x38, 0x46, 0x68, 0x7c, 0xac, 0xb4, 0xcc, 0xf0,
};

static void test_xsa131_reserved_and_unknown(void)
{
    uint8_t orig[256];
    dump_config(NIC_DUMP, "01:00.0", orig);
    for (int perm = 0; perm < 2; perm++) {
        XptQts *qts = start_nic(NULL, perm ? ",permissive=on" : NULL);
        guint n0 = host_write_count(qts, "pt0");
        for (size_t i = 0; i < G_N_ELEMENTS(nic_unknown); i++) {
            unsigned off = nic_unknown[i];
            uint32_t was = xpt_cfg_readl(qts, SLOT2, (uint8_t)(off & ~3u));
            uint32_t v = 0xc3a55a3cu ^ (uint32_t)off;
            xpt_cfg_writel(qts, SLOT2, (uint8_t)(off & ~3u), v);
            uint32_t now = xpt_cfg_readl(qts, SLOT2, (uint8_t)(off & ~3u));
            uint32_t lane = 0xffu << (8 * (off & 3));    /* the unknown byte's lane */
            if (perm) {
                g_assert_cmphex(now & lane, ==, v & lane);   /* reached the host */
            } else {
                g_assert_cmphex(now & lane, ==, was & lane);
            }
        }
        /* Reserved bits of registers: Command F880, Status 0007, PMCSR 00F0, MSI Control
         * FE00, MSI-X Control 3800 keep the host's value. */
        xpt_cfg_writew(qts, SLOT2, 0x04, 0xf880);
        xpt_cfg_writew(qts, SLOT2, 0x06, 0x0007);
        xpt_cfg_writew(qts, SLOT2, 0x44, 0x00f0);
        xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, 0xfe00);
        xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x3800);
        g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 0xf880, ==,
                        (orig[4] | orig[5] << 8) & 0xf880);
        g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, NIC_MSIX + 2) & 0x3800, ==, 0);
        g_autoptr(GArray) w = host_writes(qts, "pt0");
        guint unknown_writes = 0;
        for (guint i = n0; i < w->len; i++) {
            const XptHostWrite *hw = &g_array_index(w, XptHostWrite, i);
            const RegRow *r = nic_row_at(hw->offset);
            if (!r) {
                unknown_writes++;
                continue;
            }
            /* reserved bits never change on the host */
            for (unsigned b = 0; b < hw->len; b++) {
                uint8_t res = (uint8_t)(r->res >> (8 * (hw->offset + b - r->off)));
                g_assert_cmphex(((hw->value >> (8 * b)) ^ orig[hw->offset + b]) & res, ==, 0);
            }
        }
        g_autofree char *err = xpt_qts_stderr(qts);
        if (perm) {
            g_assert_cmpuint(unknown_writes, >=, G_N_ELEMENTS(nic_unknown));
            g_assert_cmpuint(count_lines(err, "dropped", NULL), ==, 0);
        } else {
            g_assert_cmpuint(unknown_writes, ==, 0);
            /* one line per device, naming the register and the property */
            g_assert_cmpuint(count_lines(err, "permissive", NULL), ==, 1);
            g_assert_cmpuint(count_lines(err, "permissive", NIC), ==, 1);
        }
        xpt_test_finish(qts);
    }
}

/* ================================================================================================
 * Invariants 6, 7, 10: MSI-X table bounds, alignment, index (XSA-164, CVE-2020-13754)
 * ============================================================================================== */

static guint msi_pirq_count(XptQts *qts)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return pirqs_of(st, NIC, -1);
}

static void test_xsa164_msix_bounds(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    const uint64_t table = 0xf1000000;
    xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)table);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x8000);        /* MSI-X enable */

    /* Latch of the last entry (9) before the attack. */
    uint32_t last[4];
    for (unsigned d = 0; d < 4; d++) {
        last[d] = xpt_readl(qts, table + 16 * 9 + 4 * d);
    }
    g_assert_cmphex(last[3], ==, 1);                          /* masked */
    /* Every width at every offset of entry 9: only aligned 4/8-byte accesses count. */
    for (unsigned off = 0; off < 16; off++) {
        uint64_t a = table + 16 * 9 + off;
        xpt_writeb(qts, a, 0);
        if (off % 2 == 0) {
            xpt_writew(qts, a, 0);
        }
        if (off % 4 != 0) {
            xpt_writel(qts, a, 0);
            g_assert_cmphex(xpt_readl(qts, a), ==, 0xffffffff);
        }
        if (off % 8 != 0 && off % 4 == 0) {
            /* 4-aligned but not 8-aligned qword: straddles two dwords of the entry */
            xpt_writeq(qts, a, 0);
        }
        g_assert_cmphex(xpt_readb(qts, a), ==, 0xff);
    }
    for (unsigned d = 0; d < 4; d++) {
        g_assert_cmphex(xpt_readl(qts, table + 16 * 9 + 4 * d), ==, last[d]);
    }
    g_assert_cmpuint(msi_pirq_count(qts), ==, 0);

    /* "Entries" 10..255 of the page are not entries: they go to the host BAR shadow, and
     * unmasking them binds nothing. */
    for (unsigned e = 10; e < 256; e += 7) {
        xpt_writeq(qts, table + 16 * e, 0xfee00000);
        xpt_writeq(qts, table + 16 * e + 8, 0x41);            /* data, vector control 0 */
    }
    g_assert_cmpuint(msi_pirq_count(qts), ==, 0);
    g_assert_cmphex(xpt_readl(qts, table + 16 * 10 + 8), ==, 0x41);   /* shadow kept it */

    /* Bulk transfers over the whole page (split into naturally aligned chunks): memset 0
     * unmasks every entry; only the 10 real ones bind. */
    g_autofree char *r1 = xpt_qts_command(qts, "memset 0x%" G_GINT64_MODIFIER "x 4096 0",
                                          table);
    g_assert_cmpstr(r1, ==, "OK");
    g_assert_cmpuint(msi_pirq_count(qts), ==, 10);
    g_autofree char *r2 = xpt_qts_command(qts, "b64read 0x%" G_GINT64_MODIFIER "x 4096",
                                          table);
    g_assert_true(g_str_has_prefix(r2, "OK "));
    g_autofree char *r3 = xpt_qts_command(qts, "read 0x%" G_GINT64_MODIFIER "x 8200",
                                          table - 4096);
    g_assert_true(g_str_has_prefix(r3, "OK 0x"));
    /* Accesses straddling the end of the trapped page (split by the hypervisor). */
    xpt_writeq(qts, table + 0xffc, 0x1122334455667788ull);
    (void)xpt_readq(qts, table + 0xffc);
    xpt_writel(qts, table + 0xffe, 0);
    g_assert_cmpuint(msi_pirq_count(qts), ==, 10);

    /* Disable: every binding goes. */
    xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x0000);
    g_assert_cmpuint(msi_pirq_count(qts), ==, 0);
    xpt_test_finish(qts);
}

/*
 * Invariant 7: guest-derived BAR addresses at the edges: the top of the 32-bit space,
 * the 64-bit sizing pattern, a 64-bit BAR beyond the physical address width, I/O BARs
 * wrapping past 0xFFFF. Nothing wraps, nothing crashes, nothing is mapped outside the
 * device's frames.
 */
static void test_bar_address_edges(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
    static const uint32_t bar3[] = { 0xffffc000, 0xfffff000, 0xffffffff, 0x00000000,
                                     0x80000008, 0xfff00000 };
    for (size_t i = 0; i < G_N_ELEMENTS(bar3); i++) {
        xpt_cfg_writel(qts, SLOT2, 0x1c, bar3[i]);
        (void)xpt_readl(qts, 0xfffffffcull);
        (void)xpt_readq(qts, 0xfffffff8ull);
        xpt_writel(qts, 0xfffffffcull, 0);
    }
    static const uint32_t io[] = { 0xffe1, 0xffff, 0xfff0, 0x0001 };
    for (size_t i = 0; i < G_N_ELEMENTS(io); i++) {
        xpt_cfg_writel(qts, SLOT2, 0x18, io[i]);
        (void)xpt_inl(qts, 0xfffc);
    }
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonArray *ports = xpt_state_array(st, "ioports");
    for (guint i = 0; i < json_array_get_length(ports); i++) {
        JsonObject *p = json_array_get_object_element(ports, i);
        g_assert_cmpint(json_object_get_int_member(p, "gport") +
                        json_object_get_int_member(p, "nr"), <=, 0x10000);
    }
    xpt_test_finish(qts);

    /* 64-bit BAR0 of the NVMe: all-ones, above 2^52, at the top of 2^64. */
    g_autofree char *dev = dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "pt0", NULL);
    qts = xpt_qts_start(dev);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    static const uint64_t hi[] = { 0xffffffffffff8000ull, 0x0010000000000000ull,
                                   0xfffffffffff00000ull, 0x000fffffffff8000ull };
    for (size_t i = 0; i < G_N_ELEMENTS(hi); i++) {
        xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)hi[i] | 4);
        xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)(hi[i] >> 32));
        (void)xpt_readq(qts, hi[i] + 0x4000);
        xpt_writeq(qts, hi[i] + 0x4000, 0);
        (void)xpt_readq(qts, 0xfffffffffffffff8ull);
    }
    g_autoptr(JsonNode) st2 = xpt_sim_state(qts);
    JsonArray *mm = xpt_state_array(st2, "mmio");
    for (guint i = 0; i < json_array_get_length(mm); i++) {
        JsonObject *m = json_array_get_object_element(mm, i);
        uint64_t gfn = (uint64_t)json_object_get_int_member(m, "gfn");
        g_assert_cmpuint(gfn + (uint64_t)json_object_get_int_member(m, "nr"), <=, 1ull << 40);
    }
    xpt_test_finish(qts);
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
    g_autofree char *dev = dev_arg(dump, NIC, "pt0", NULL);
    if (c->outcome == REFUSED) {
        g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s", dev);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        g_assert_cmpint(status, ==, 1);
        assert_no_sanitizer(err);
        g_assert_null(strstr(err, "leak"));
        g_assert_cmpuint(count_lines(err, "error:", NULL), ==, 1);
        g_assert_cmpuint(count_lines(err, "error:", NIC), ==, 1);
        if (!strstr(err, c->why)) {
            g_error("%s: expected '%s' in: %s", c->name, c->why, err);
        }
    } else {
        XptQts *qts = xpt_qts_start(dev);
        guest_abuse(qts);
        g_autofree char *err = xpt_qts_stderr(qts);
        assert_no_sanitizer(err);
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
    g_autofree char *dev = dev_arg(dump, NIC, "pt0", NULL);
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
    int dev = dump_device_line(lines, "2e:00.0");
    int row = dump_row_line(lines, dev, 0x10);
    g_assert_cmpint(row, >=, 0);
    g_assert_true(g_str_has_prefix(lines[row], "10: 04 00 40 88 00 00 00 00"));
    memcpy(lines[row], "10: 04 00 84 e0 00 00 00 00", 27);  /* BAR0 0xe0840000, 64-bit */
    g_autofree char *dir = g_dir_make_tmp("xpt-layout-XXXXXX", NULL);
    g_autofree char *dump = g_build_filename(dir, "dump", NULL);
    g_autofree char *out = g_strjoinv("\n", lines);
    g_assert_true(g_file_set_contents(dump, out, -1, NULL));
    g_autofree char *nic = dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", NULL);
    g_autofree char *nvme = dev_arg(dump, NVME, "pt1", NULL);
    for (int order = 0; order < 2; order++) {
        g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s %s",
                                                order ? nvme : nic, order ? nic : nvme);
        g_autofree char *err = NULL;
        g_assert_cmpint(xpt_qts_run_expect_fail(args, &err), ==, 1);
        assert_no_sanitizer(err);
        g_assert_cmpuint(count_lines(err, "error:", NULL), ==, 1);
        g_assert_cmpuint(count_lines(err, "overlaps", NULL), ==, 1);
        g_assert_nonnull(strstr(err, order ? "BAR 3 (0xe0840000-0xe0843fff) overlaps BAR 0 "
                                             "(0xe0840000-0xe0847fff) of 0000:2e:00.0"
                                           : "BAR 0 (0xe0840000-0xe0847fff) overlaps BAR 3 "
                                             "(0xe0840000-0xe0843fff) of 0000:01:00.0"));
        g_assert_null(strstr(err, "leak"));
    }
    /* the same host function twice */
    g_autofree char *nic2 = dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt1", NULL);
    g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s %s", nic, nic2);
    g_autofree char *err = NULL;
    g_assert_cmpint(xpt_qts_run_expect_fail(args, &err), ==, 1);
    g_assert_cmpuint(count_lines(err, "error:", NULL), ==, 1);
    g_assert_nonnull(strstr(err, "0000:01:00.0 is already attached as id pt0"));
    xpt_test_rmtree(dir);
}

/* ================================================================================================
 * Invariant 11: detach revokes every mapping with 64-bit arithmetic (XSA-476), idempotent,
 * and the id can be reused at once
 * ============================================================================================== */

/* Whether the pirq mapped from host GSI @irq, if any, still has an INTx binding. */
static bool gsi_pirq_bound(JsonNode *st, gint64 irq)
{
    JsonArray *p = xpt_state_array(st, "pirqs"), *x = xpt_state_array(st, "intx");
    for (guint i = 0; i < json_array_get_length(p); i++) {
        JsonObject *o = json_array_get_object_element(p, i);
        if (!json_object_has_member(o, "irq") || json_object_get_int_member(o, "irq") != irq) {
            continue;
        }
        for (guint j = 0; j < json_array_get_length(x); j++) {
            JsonObject *b = json_array_get_object_element(x, j);
            if (json_object_get_int_member(b, "pirq") == json_object_get_int_member(o, "pirq")) {
                return true;
            }
        }
    }
    return false;
}

/* Nothing of a detached device is left, except that a device attached while the guest
 * ran leaves its GSI pirq mapped and unbound: the guest may route one of its emulated
 * GSIs through the same pirq number (hw/xen/xen-pt-intx.c). Its MSI pirqs are gone. */
static void assert_nothing_of(JsonNode *st, const char *sbdf, uint64_t host_mfn, uint64_t nr,
                              gint64 irq, unsigned slot)
{
    g_assert_false(maps_host(st, host_mfn, nr));
    g_assert_cmpuint(pirqs_of(st, sbdf, -2), ==, 0);
    g_assert_false(gsi_pirq_bound(st, irq));
    g_assert_false(granted(st, sbdf));
    g_assert_false(claimed(st, "pci", slot << 3, slot << 3));
}

static void test_xsa476_detach_64bit(void)
{
    g_autofree char *dev = dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "nvme", NULL);
    Vm *vm = vm_start(dev);
    XptQts *qts = vm->qts;
    const unsigned cap = 0xb0;                                 /* MSI-X, 129 entries */
    const uint64_t lo = 0x123458000ull, hi = 0x1223458000ull;   /* same low dword */
    xpt_cfg_writel(qts, SLOT2, 0x10, (uint32_t)lo | 4);
    xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)(lo >> 32));
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_autoptr(JsonNode) s1 = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(s1, lo >> 12, NVME_BAR0_HOST >> 12, 4));
    g_assert_true(claimed(s1, "mmio", lo + 0x4000, lo + 0x4fff));
    /* MSI-X entry 128 bound with the 64-bit gtable. */
    xpt_cfg_writew(qts, SLOT2, cap + 2, 0x8000);
    xpt_writeq(qts, lo + 0x4000 + 16 * 128, 0xfee00000);
    xpt_writeq(qts, lo + 0x4000 + 16 * 128 + 8, 0x51);
    g_autoptr(JsonNode) s2 = xpt_sim_state(qts);
    g_assert_cmpuint(pirqs_of(s2, NVME, -1), ==, 1);
    JsonObject *b = json_array_get_object_element(xpt_state_array(s2, "msi"), 0);
    g_assert_cmphex(json_object_get_int_member(b, "gtable"), ==, lo + 0x4000);

    /* Only the high dword changes: a 32-bit comparison would see no move. */
    xpt_cfg_writel(qts, SLOT2, 0x14, (uint32_t)(hi >> 32));
    g_autoptr(JsonNode) s3 = xpt_sim_state(qts);
    g_assert_false(xpt_state_has_mmio(s3, lo >> 12, NVME_BAR0_HOST >> 12, 4));
    g_assert_true(xpt_state_has_mmio(s3, hi >> 12, NVME_BAR0_HOST >> 12, 4));
    g_assert_true(xpt_state_has_mmio(s3, (hi >> 12) + 5, (NVME_BAR0_HOST >> 12) + 5, 3));
    g_assert_false(claimed(s3, "mmio", lo + 0x4000, lo + 0x4fff));
    g_assert_true(claimed(s3, "mmio", hi + 0x4000, hi + 0x4fff));
    b = json_array_get_object_element(xpt_state_array(s3, "msi"), 0);
    g_assert_cmphex(json_object_get_int_member(b, "gtable"), ==, hi + 0x4000);

    /* Detach the ACPI way: nothing of the device remains, at any address. */
    xpt_outw(qts, GPE_EN, 0x0002);
    unplug_and_eject(vm, "nvme", 2);
    g_autoptr(JsonNode) s4 = xpt_sim_state(qts);
    g_assert_cmpuint(state_len(s4, "mmio"), ==, 0);
    g_assert_cmpuint(state_len(s4, "msi"), ==, 0);
    g_assert_false(claimed(s4, "mmio", hi + 0x4000, hi + 0x4000));
    assert_nothing_of(s4, NVME, NVME_BAR0_HOST >> 12, 8, -1, 2);
    g_assert_cmphex(xpt_readl(qts, hi + 0x4000 + 16 * 128 + 8), ==, 0xffffffff);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0), ==, 0xffffffff);
    /* Ejecting the empty slot again is harmless (idempotent). */
    xpt_outl(qts, B0EJ, 1u << 2);
    g_autofree char *err = vm_finish(vm);
}

/* A Firecracker virtio device with its BAR at 0x40_0010_0000 on the host, placed by the
 * guest above 2^40: every frame number needs more than 32 bits. */
static void test_xsa476_firecracker(void)
{
    g_autofree char *tree = xpt_test_make_sysfs_tree(
        xpt_test_fixture("sysfs-firecracker/devices"));
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=0000:00:03.0,id=vnet,host-sysfs=%s", tree);
    Vm *vm = vm_start(args);
    const uint64_t g = 0x20000000000ull, host = 0x4000100000ull;
    xpt_cfg_writel(vm->qts, SLOT2, 0x10, (uint32_t)g | 4);
    xpt_cfg_writel(vm->qts, SLOT2, 0x14, (uint32_t)(g >> 32));
    xpt_cfg_writew(vm->qts, SLOT2, 0x04, 0x0002);
    g_autoptr(JsonNode) s1 = xpt_sim_state(vm->qts);
    g_assert_true(xpt_state_has_mmio(s1, g >> 12, host >> 12, 8));
    xpt_outw(vm->qts, GPE_EN, 0x0002);
    unplug_and_eject(vm, "vnet", 2);
    g_autoptr(JsonNode) s2 = xpt_sim_state(vm->qts);
    g_assert_cmpuint(state_len(s2, "mmio"), ==, 0);
    g_assert_cmpuint(json_array_get_length(claims(s2, "mmio")), ==, 0);
    g_autofree char *err = vm_finish(vm);
    xpt_test_rmtree(tree);
}

/* QEMU's "Duplicate ID 'pci-pt-…'" on re-attach: the id is free right after detach —
 * after an ACPI eject, after a forced removal, and after a failed attach. */
static void test_duplicate_id_after_detach(void)
{
    Vm *vm = vm_start("");
    XptQmp *q = vm->qmp;
    g_autofree char *add = device_add_json("pci-pt-01_00.0", NIC, xpt_test_fixture(NIC_DUMP),
                                           NULL);
    xpt_outw(vm->qts, GPE_EN, 0x0002);                 /* the guest runs, ACPI enabled */
    for (int round = 0; round < 3; round++) {
        qmp_ok(q, "%s", add);
        g_assert_true(pci_has_id(q, "pci-pt-01_00.0"));
        g_autoptr(JsonNode) dup = xpt_qmp_command(q, "%s", add);
        g_assert_nonnull(strstr(xpt_qmp_reply_desc(dup), "Duplicate"));
        if (round == 1) {
            /* forced: a guest that never ejects, device_del twice */
            qmp_ok(q, "{\"execute\": \"device_del\", \"arguments\": {\"id\": "
                      "\"pci-pt-01_00.0\"}}");
            qmp_ok(q, "{\"execute\": \"device_del\", \"arguments\": {\"id\": "
                      "\"pci-pt-01_00.0\"}}");
            g_autoptr(JsonNode) ev = xpt_qmp_event_wait(q, "DEVICE_DELETED");
        } else {
            unplug_and_eject(vm, "pci-pt-01_00.0", 6);
        }
        xpt_outw(vm->qts, GPE_STS, 0x0002);
        g_assert_false(pci_has_id(q, "pci-pt-01_00.0"));
        g_autoptr(JsonNode) st = xpt_sim_state(vm->qts);
        assert_nothing_of(st, NIC, NIC_BAR0_HOST >> 12, 32, 11, 6);
    }
    /* A failed attach does not take the id either. */
    g_autoptr(JsonNode) f = xpt_sim_command(vm->qts, "fail grant_device EIO");
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "%s", add);
    g_assert_cmpstr(xpt_qmp_reply_class(r), ==, "GenericError");
    qmp_ok(q, "%s", add);
    g_autofree char *err = vm_finish(vm);
}

/* ================================================================================================
 * Invariant 12: a failed or partial attach leaves nothing behind
 * ============================================================================================== */

typedef struct {
    const char *op;
    const char *call;       /* what the one-line message names */
    bool refused;           /* the attach fails (else: degraded, INTx off) */
} AttachFault;

static const AttachFault attach_faults[] = {
    { "grant_device", "toolstack grant", true },
    { "claim_range", "xendevicemodel_map_pcidev_to_ioreq_server", true },
    { "map_pirq", "xc_physdev_map_pirq", false },
    { "bind_pt_intx", "xc_domain_bind_pt_pci_irq", false },
};

/*
 * Hot-plug of the 82576 (host IRQ 11) while the NVMe runs in slot 2; the fault hits the
 * attach. Refused: a GenericError naming the SBDF and the call, and the sim holds no
 * grant, claim, pirq or binding of it. Degraded: attached with interrupt pin 0 and no
 * INTx state. Either way the NVMe keeps working, the same id attaches afterwards and the
 * leak check at exit is clean.
 */
static void test_failed_attach(gconstpointer data)
{
    const AttachFault *f = data;
    g_autofree char *nvme = dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "nvme", NULL);
    Vm *vm = vm_start(nvme);
    XptQts *qts = vm->qts;
    xpt_cfg_writel(qts, SLOT2, 0x10, 0xe0000004);
    xpt_cfg_writel(qts, SLOT2, 0x14, 0);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0006);
    g_autoptr(JsonNode) before = xpt_sim_state(qts);
    g_autofree char *add = device_add_json("victim", NIC, xpt_test_fixture(NIC_DUMP), NULL);

    g_autoptr(JsonNode) inj = xpt_sim_command(qts, "fail %s EIO", f->op);
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "%s", add);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_autofree char *err = xpt_qts_stderr(qts);
    if (f->refused) {
        g_assert_cmpstr(xpt_qmp_reply_class(r), ==, "GenericError");
        const char *desc = xpt_qmp_reply_desc(r);
        g_test_message("refused: %s", desc);
        g_assert_nonnull(strstr(desc, NIC));
        g_assert_nonnull(strstr(desc, f->call));
        g_assert_false(pci_has_id(vm->qmp, "victim"));
        assert_nothing_of(st, NIC, NIC_BAR0_HOST >> 12, 32, 11, 6);
        g_assert_cmpuint(state_len(st, "intx"), ==, 0);
        g_assert_cmphex(xpt_cfg_readl(qts, 0x30, 0), ==, 0xffffffff);
    } else {
        g_assert_nonnull(xpt_qmp_reply_return(r));
        g_assert_cmphex(xpt_cfg_readb(qts, 0x30, 0x3d), ==, 0);     /* pin 0 */
        g_assert_cmpuint(pirqs_of(st, NIC, 11), ==, 0);
        g_assert_cmpuint(state_len(st, "intx"), ==, 0);
        g_assert_cmpuint(count_lines(err, f->call, NIC), ==, 1);
        g_assert_cmpuint(count_lines(err, "INTx disabled", NULL), ==, 1);
    }
    /* The other device and the process are unaffected. */
    g_assert_true(xpt_state_has_mmio(st, 0xe0000, NVME_BAR0_HOST >> 12, 4));
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0), ==, 0xa826144d);
    if (f->refused) {
        qmp_ok(vm->qmp, "%s", add);                    /* same id, no fault: works */
    }
    g_assert_true(pci_has_id(vm->qmp, "victim"));
    g_assert_cmphex(xpt_cfg_readl(qts, 0x30, 0), ==, 0x10c98086);
    g_autofree char *err2 = vm_finish(vm);
}

/* The same faults at cold plug (-accel qtest,sim-fail=...): a refused device is exit
 * status 1 with one line and nothing leaked; a degraded one (INTx) starts next to the
 * NVMe, which works. */
static void test_failed_coldplug(void)
{
    static const char *const degraded[][2] = {
        { "map_pirq:EIO", "xc_physdev_map_pirq" },
        { "bind_pt_intx:EPERM", "xc_domain_bind_pt_pci_irq" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(degraded); i++) {
        g_autofree char *nic = dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", NULL);
        g_autofree char *nvme = dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "pt1", NULL);
        g_autofree char *args = g_strdup_printf("-accel qtest,sim-fail=%s %s %s",
                                                degraded[i][0], nic, nvme);
        XptQts *qts = xpt_qts_start(args);
        g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x3d), ==, 0);
        g_autoptr(JsonNode) st = xpt_sim_state(qts);
        g_assert_cmpuint(pirqs_of(st, NIC, 11), ==, 0);
        g_assert_cmpuint(state_len(st, "intx"), ==, 0);
        xpt_cfg_writel(qts, SLOT3, 0x10, 0xe0000004);
        xpt_cfg_writel(qts, SLOT3, 0x14, 0);
        xpt_cfg_writew(qts, SLOT3, 0x04, 0x0006);
        g_autoptr(JsonNode) st2 = xpt_sim_state(qts);
        g_assert_true(xpt_state_has_mmio(st2, 0xe0000, NVME_BAR0_HOST >> 12, 4));
        g_autofree char *err = xpt_qts_stderr(qts);
        g_assert_cmpuint(count_lines(err, degraded[i][1], NIC), ==, 1);
        xpt_test_finish(qts);
    }

    static const struct { const char *spec, *call; } cases[] = {
        { "grant_device:EIO", "toolstack grant" },
        { "grant_device:EPERM", "toolstack grant" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *dev = dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", NULL);
        g_autofree char *args = g_strdup_printf("-accel qtest,sim-fail=%s -qtest stdio %s",
                                                cases[i].spec, dev);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        g_assert_cmpint(status, ==, 1);
        g_assert_cmpuint(count_lines(err, "error:", NULL), ==, 1);
        g_assert_cmpuint(count_lines(err, cases[i].call, NIC), ==, 1);
        g_assert_null(strstr(err, "leak"));
        assert_no_sanitizer(err);
    }
}

/* ================================================================================================
 * Fault tolerance: every hypervisor operation fails once, at every step of a guest's life
 * ============================================================================================== */

/* The libxen call each sim operation stands for (the name in messages). */
static const struct {
    const char *op, *call;
} sim_ops[] = {
    { "memory_mapping", "xc_domain_memory_mapping" },
    { "ioport_mapping", "xc_domain_ioport_mapping" },
    { "claim_range", "xendevicemodel_map_" },
    { "unclaim_range", "xendevicemodel_unmap_" },
    { "set_pci_link_route", "xendevicemodel_set_pci_link_route" },
    { "set_isa_irq_level", "xendevicemodel_set_isa_irq_level" },
    { "map_pirq", "xc_physdev_map_pirq(" },
    { "map_pirq_msi", "xc_physdev_map_pirq_msi" },
    { "unmap_pirq", "xc_physdev_unmap_pirq" },
    { "bind_msi", "xc_domain_update_msi_irq" },
    { "unbind_msi", "xc_domain_unbind_msi_irq" },
    { "bind_pt_intx", "xc_domain_bind_pt_pci_irq" },
    { "unbind_pt_intx", "xc_domain_unbind_pt_irq" },
    { "guest_read", "xenforeignmemory" },
    { "guest_write", "xenforeignmemory" },
    { "grant_device", "toolstack grant" },
    { "revoke_device", "toolstack revoke" },
};

#define LC_TABLE 0xf1000000ull      /* where the life cycle puts the 82576's BAR3 */
#define LC_MOVED 0xf2000000ull

/*
 * The guest life cycle of the 82576 (pt0, slot 2) next to the NVMe (pt1, slot 3, BAR0
 * mapped at 0xe0000000), step by step as a Linux guest drives it.
 */
static void lc_step(Vm *vm, unsigned step)
{
    XptQts *qts = vm->qts;
    switch (step) {
    case 0:   /* firmware: BARs, ROM, decode on */
        xpt_cfg_writel(qts, SLOT2, 0x10, 0xf0000000);
        xpt_cfg_writel(qts, SLOT2, 0x18, 0xc001);
        xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)LC_TABLE);
        xpt_cfg_writel(qts, SLOT2, 0x30, 0xf0400001);
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
        break;
    case 1:   /* firmware: PCI link routes (PIIX3 PIRQRC) */
        xpt_cfg_writel(qts, 0x08, 0x60, 0x050b0a05);
        break;
    case 2:   /* MSI on */
        xpt_cfg_writel(qts, SLOT2, NIC_MSI + 4, 0xfee01000);
        xpt_cfg_writel(qts, SLOT2, NIC_MSI + 8, 0);
        xpt_cfg_writew(qts, SLOT2, NIC_MSI + 0xC, 0x0041);
        xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, 0x0081);
        break;
    case 3:   /* MSI off */
        xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, 0x0080);
        break;
    case 4:   /* MSI-X: enable, program entries 0 and 1, unmask them */
        xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0xc009);
        for (unsigned i = 0; i < 2; i++) {
            xpt_writel(qts, LC_TABLE + 16 * i, 0xfee00000 | (i << 12));
            xpt_writel(qts, LC_TABLE + 16 * i + 4, 0);
            xpt_writel(qts, LC_TABLE + 16 * i + 8, 0x50 + i);
        }
        xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x8009);
        xpt_writel(qts, LC_TABLE + 12, 0);
        xpt_writel(qts, LC_TABLE + 16 + 12, 0);
        break;
    case 5:   /* BAR moves: the table's BAR (rebind) and BAR0 */
        xpt_cfg_writel(qts, SLOT2, 0x1c, (uint32_t)LC_MOVED);
        xpt_cfg_writel(qts, SLOT2, 0x10, 0xf3000000);
        break;
    case 6:   /* decode off */
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0004);
        break;
    case 7:   /* decode on */
        xpt_cfg_writew(qts, SLOT2, 0x04, 0x0007);
        break;
    case 8:   /* detach: device_del, the guest ejects slot 2 */
        unplug_and_eject(vm, "pt0", 2);
        break;
    default:
        g_assert_not_reached();
    }
}

#define LC_STEPS 9
static const char *const lc_names[LC_STEPS] = {
    "bar-programming", "link-routes", "msi-enable", "msi-disable", "msix-unmask",
    "bar-move", "decode-off", "decode-on", "detach",
};

static Vm *lc_start(void)
{
    g_autofree char *nic = dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", NULL);
    g_autofree char *nvme = dev_arg(xpt_test_fixture(NVME_DUMP), NVME, "pt1", NULL);
    g_autofree char *args = g_strdup_printf("%s %s", nic, nvme);
    Vm *vm = vm_start(args);
    xpt_cfg_writel(vm->qts, SLOT3, 0x10, 0xe0000004);
    xpt_cfg_writel(vm->qts, SLOT3, 0x14, 0);
    xpt_cfg_writew(vm->qts, SLOT3, 0x04, 0x0006);
    xpt_outw(vm->qts, GPE_EN, 0x0002);             /* the guest's ACPI driver */
    return vm;
}

/* The NVMe next door still works: config space, its BAR mapping, its MSI-X table. */
static void assert_bystander_ok(XptQts *qts)
{
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT3, 0x00), ==, 0xa826144d);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_true(xpt_state_has_mmio(st, 0xe0000, NVME_BAR0_HOST >> 12, 4));
    g_assert_true(claimed(st, "mmio", 0xe0004000, 0xe0004fff));
    g_assert_cmphex(xpt_readl(qts, 0xe0004000 + 12), ==, 1);      /* entry 0 masked */
}

/* Which operations each life-cycle step calls (from one clean run). */
static gint64 lc_calls[LC_STEPS][G_N_ELEMENTS(sim_ops)];
static bool lc_dry_done;

static void lc_dry_run(void)
{
    if (lc_dry_done) {
        return;
    }
    Vm *vm = lc_start();
    for (unsigned s = 0; s < LC_STEPS; s++) {
        g_autoptr(JsonNode) a = xpt_sim_state(vm->qts);
        lc_step(vm, s);
        g_autoptr(JsonNode) b = xpt_sim_state(vm->qts);
        for (size_t o = 0; o < G_N_ELEMENTS(sim_ops); o++) {
            lc_calls[s][o] = calls_of(b, sim_ops[o].op) - calls_of(a, sim_ops[o].op);
        }
        assert_bystander_ok(vm->qts);
    }
    g_autofree char *err = vm_finish(vm);
    g_assert_cmpuint(count_lines(err, "warning:", NULL), ==, 0);
    lc_dry_done = true;
}

/*
 * For every (operation, step) where the step calls the operation: the operation fails
 * once (EIO) at that step. The 82576 degrades with one clear message naming its SBDF
 * (chipset operations: the chipset function) and the call; the NVMe and the process keep
 * working through the rest of the life cycle; the detach and the exit are clean (the
 * leak check makes the exit status 2 otherwise).
 */
static void test_fault_tolerance(void)
{
    lc_dry_run();
    unsigned runs = 0;
    for (unsigned s = 0; s < LC_STEPS; s++) {
        for (size_t o = 0; o < G_N_ELEMENTS(sim_ops); o++) {
            if (!lc_calls[s][o]) {
                continue;
            }
            runs++;
            g_test_message("fault: %s fails at %s", sim_ops[o].op, lc_names[s]);
            Vm *vm = lc_start();
            for (unsigned k = 0; k < LC_STEPS; k++) {
                if (k == s) {
                    g_autoptr(JsonNode) f = xpt_sim_command(vm->qts, "fail %s EIO 1",
                                                            sim_ops[o].op);
                }
                lc_step(vm, k);
                if (k == s) {
                    g_autoptr(JsonNode) c = xpt_sim_command(vm->qts, "fail %s EIO 0",
                                                            sim_ops[o].op);
                }
                assert_bystander_ok(vm->qts);
                if (k < 8) {
                    g_assert_cmphex(xpt_cfg_readl(vm->qts, SLOT2, 0x00), ==, 0x10c98086);
                }
            }
            /* After the detach only the NVMe holds anything. */
            g_autoptr(JsonNode) st = xpt_sim_state(vm->qts);
            assert_nothing_of(st, NIC, NIC_BAR0_HOST >> 12, 32, 11, 2);
            g_assert_false(maps_host(st, NIC_BAR3_HOST >> 12, 4));
            g_assert_cmpuint(state_len(st, "mmio"), ==, 2);      /* NVMe BAR0 around its table */
            g_assert_cmpuint(state_len(st, "ioports"), ==, 0);
            g_assert_cmpuint(state_len(st, "msi"), ==, 0);
            g_assert_cmpuint(state_len(st, "intx"), ==, 0);
            g_assert_cmpuint(json_array_get_length(claims(st, "mmio")), ==, 1);
            g_autofree char *err = vm_finish(vm);
            unsigned n = count_lines(err, sim_ops[o].call, NULL);
            if (n != 1 || count_lines(err, "warning:", NULL) != 1 ||
                (strcmp(sim_ops[o].op, "set_pci_link_route") &&
                 strcmp(sim_ops[o].op, "set_isa_irq_level") &&
                 count_lines(err, sim_ops[o].call, NIC) != 1)) {
                g_error("%s failing at %s: expected one warning naming %s and %s, got:\n%s",
                        sim_ops[o].op, lc_names[s], NIC, sim_ops[o].call, err);
            }
        }
    }
    g_test_message("%u fault runs", runs);
    g_assert_cmpuint(runs, >=, 20);
}

/* ================================================================================================
 * Host backend failures: EIO, and a device that disappears
 * ============================================================================================== */

/* EIO on host config writes: one rate-limited warning naming the SBDF; a flood of them
 * stays bounded; the guest's view and the process are unaffected. */
static void test_host_write_eio(void)
{
    XptQts *qts = start_nic(NULL, NULL);
    /* The host has bus master on (0x0407); the guest clears it, the write fails. */
    g_autoptr(JsonNode) f = xpt_sim_command(qts, "host-fail pt0 write EIO");
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0000);
    g_autofree char *err1 = xpt_qts_stderr(qts);
    g_assert_cmpuint(count_lines(err1, "warning:", NULL), ==, 1);
    g_assert_cmpuint(count_lines(err1, "host config write", NIC), ==, 1);
    g_assert_nonnull(strstr(err1, g_strerror(EIO)));
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 0x4, ==, 0x4);   /* not written */

    g_autoptr(JsonNode) f2 = xpt_sim_command(qts, "host-fail pt0 write EIO 300");
    for (unsigned i = 0; i < 300; i++) {
        xpt_cfg_writew(qts, SLOT2, 0x04, (i & 1) ? 0x0004 : 0x0000);
    }
    g_autofree char *err2 = xpt_qts_stderr(qts);
    g_assert_cmpuint(count_lines(err2, "host config write", NULL), <=, 7);
    xpt_cfg_writew(qts, SLOT2, 0x04, 0x0000);                 /* the fault is used up */
    g_assert_cmphex(xpt_cfg_readw(qts, SLOT2, 0x04) & 0x4, ==, 0);
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);
    /* Bad host-fail/host-gone lines are refused. */
    static const char *bad[] = { "host-fail pt0", "host-fail pt0 read", "host-fail pt0 rw EIO",
                                 "host-fail pt0 read ENOPE", "host-fail pt0 read EIO -1",
                                 "host-fail nope read EIO", "host-gone", "host-gone pt0 maybe",
                                 "host-fail pt0 read 0", "host-fail pt0 read 4096" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *r = xpt_qts_command(qts, "xen-sim %s", bad[i]);
        g_assert_true(g_str_has_prefix(r, "FAIL"));
    }
    xpt_test_finish(qts);
}

/*
 * The device disappears while the guest uses it (surprise removal): config reads from
 * the host give all-ones. The guest sees all-ones where it reads the host, its own
 * emulated values elsewhere; MSI, MSI-X and BAR changes keep working against the
 * hypervisor; nothing crashes; detach and exit are clean.
 */
static void test_host_device_gone(void)
{
    Vm *vm = lc_start();
    for (unsigned s = 0; s < 5; s++) {
        lc_step(vm, s);
    }
    g_autoptr(JsonNode) g = xpt_sim_command(vm->qts, "host-gone pt0");
    XptQts *qts = vm->qts;
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x00), ==, 0x10c98086);   /* emulated IDs */
    g_assert_cmphex(xpt_cfg_readl(qts, SLOT2, 0x08), ==, 0xffffffff);   /* class: host */
    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, 0x34), ==, 0x40);         /* emulated chain */
    for (unsigned off = 0; off < 256; off += 4) {
        (void)xpt_cfg_readl(qts, SLOT2, (uint8_t)off);
        (void)xpt_cfg_readw(qts, SLOT2, (uint8_t)off);
    }
    /* The rest of the life cycle on a vanished device. */
    for (unsigned s = 5; s < 8; s++) {
        lc_step(vm, s);
        assert_bystander_ok(qts);
    }
    xpt_cfg_writew(qts, SLOT2, NIC_MSIX + 2, 0x0000);
    xpt_cfg_writew(qts, SLOT2, NIC_MSI + 2, 0x0081);
    (void)xpt_readl(qts, LC_MOVED + 12);
    lc_step(vm, 8);
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    assert_nothing_of(st, NIC, NIC_BAR0_HOST >> 12, 32, 11, 2);
    assert_bystander_ok(qts);
    g_autofree char *err = vm_finish(vm);
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
    g_test_add_func("/security/decode/never-reaches-host", test_decode_never_reaches_host);
    g_test_add_func("/security/decode/disabled-bar-access", test_disabled_bar_access);
    g_test_add_func("/security/xsa128/decomposition", test_xsa128_decomposition);
    g_test_add_func("/security/xsa128/no-write-after-failed-read",
                    test_xsa128_no_write_after_failed_read);
    g_test_add_func("/security/xsa129/msi-mask", test_xsa129_msi_mask);
    g_test_add_func("/security/xsa130/log-flood", test_xsa130_log_flood);
    g_test_add_func("/security/xsa131/reserved-and-unknown", test_xsa131_reserved_and_unknown);
    g_test_add_func("/security/xsa164/msix-bounds", test_xsa164_msix_bounds);
    g_test_add_func("/security/bar-address-edges", test_bar_address_edges);
    for (size_t i = 0; i < G_N_ELEMENTS(hostile_cases); i++) {
        g_autofree char *path = g_strdup_printf("/security/xsa337/%s", hostile_cases[i].name);
        g_test_add_data_func(path, &hostile_cases[i], test_xsa337_hostile_dump);
    }
    g_test_add_data_func("/security/xsa337/long-looping-chain", &long_chain,
                         test_xsa337_hostile_dump);
    g_test_add_func("/security/xsa337/truncated-dump", test_xsa337_truncated_dump);
    g_test_add_func("/security/host-layout/other-device", test_host_layout_other_device);
    g_test_add_func("/security/xsa476/detach-64bit", test_xsa476_detach_64bit);
    g_test_add_func("/security/xsa476/firecracker", test_xsa476_firecracker);
    g_test_add_func("/security/duplicate-id-after-detach", test_duplicate_id_after_detach);
    for (size_t i = 0; i < G_N_ELEMENTS(attach_faults); i++) {
        g_autofree char *path = g_strdup_printf("/security/failed-attach/%s",
                                                attach_faults[i].op);
        g_test_add_data_func(path, &attach_faults[i], test_failed_attach);
    }
    g_test_add_func("/security/failed-attach/coldplug", test_failed_coldplug);
    g_test_add_func("/security/fault-tolerance/life-cycle", test_fault_tolerance);
    g_test_add_func("/security/host/write-eio", test_host_write_eio);
    g_test_add_func("/security/host/device-gone", test_host_device_gone);
    return g_test_run();
}
