/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay of the fuzzer's saved corpus (issue 6): every file of tests/fuzz/corpus/ (or of
 * the directory $XPT_FUZZ_CORPUS, or that one file) goes through the same
 * LLVMFuzzerTestOneInput as under libFuzzer (tests/fuzz/fuzz-guest.c), built here with
 * the ordinary compiler, so the corpus and its regression inputs run on every
 * `make check` without clang. An oracle failure aborts with its message on stderr.
 * Also: the host-write policy oracle (tests/host-policy.h) flags the writes it must
 * flag and passes those it must pass.
 */
#include <string.h>

#include <glib.h>

#include "hw/i386/machine.h"
#include "hw/xen/xen-pt.h"
#include "qtest/xen-sim.h"
#include "tests/fuzz/fuzz-guest.h"
#include "tests/host-policy.h"
#include "util/log.h"
#include "util/opts.h"

#define MIN_CORPUS 20

static const char *corpus_dir(void)
{
    const char *dir = g_getenv("XPT_FUZZ_CORPUS");
    return dir && *dir ? dir : "tests/fuzz/corpus";
}

static void test_replay(gconstpointer data)
{
    const char *path = data;
    g_autofree char *buf = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_get_contents(path, &buf, &len, &err));
    g_assert_no_error(err);
    g_assert_cmpint(LLVMFuzzerTestOneInput((const uint8_t *)buf, len), ==, 0);
}

/* Every input twice in one process: state must not leak from one input to the next. */
static void test_replay_all_twice(gconstpointer data)
{
    GPtrArray *files = (GPtrArray *)data;
    for (unsigned round = 0; round < 2; round++) {
        for (guint i = 0; i < files->len; i++) {
            test_replay(g_ptr_array_index(files, i));
        }
    }
}

static void test_corpus_size(gconstpointer data)
{
    const GPtrArray *files = data;
    g_assert_cmpuint(files->len, >=, MIN_CORPUS);
}

static void test_empty_input(void)
{
    g_assert_cmpint(LLVMFuzzerTestOneInput(NULL, 0), ==, 0);
    const uint8_t all_devices = 0x07;
    g_assert_cmpint(LLVMFuzzerTestOneInput(&all_devices, 1), ==, 0);
}

/* ---- the host-write policy oracle itself (tests/host-policy.h) --------------------------- */

/* One host write made behind the device model's back, and whether policy allows it.
 * Host: Intel 82576 of pciutils-tests/cap-pcie-2 (command 0x0407, PM at 0x40, MSI at 0x50
 * 64-bit with per-vector masking, MSI-X at 0x70, PCIe v2 at 0xA0; INTx bound). */
typedef struct PolicyCase {
    const char *what;
    bool permissive;
    unsigned offset, len;
    uint32_t value;
    bool allowed;
} PolicyCase;

static const PolicyCase policy_cases[] = {
    { "BAR 0", false, 0x10, 4, 0x12345000, false },
    { "ROM", false, 0x30, 4, 0xFE000001, false },
    { "interrupt line", false, 0x3C, 1, 0x05, false },
    { "latency timer", false, 0x0D, 1, 0x40, false },
    { "cache line size", false, 0x0C, 1, 0x08, false },
    { "capability ID, permissive off", false, 0x40, 1, 0x05, false },
    { "capability ID, permissive on", true, 0x40, 1, 0x05, false },
    { "next pointer", true, 0x41, 1, 0x70, false },
    { "MSI address", false, 0x54, 4, 0xFEE00000, false },
    { "MSI data", false, 0x5C, 2, 0x4041, false },
    { "MSI per-vector mask", false, 0x60, 4, 1, false },
    { "PM D3hot", false, 0x44, 2, 0x2003, false },
    { "decode off", false, 0x04, 2, 0x0404, false },
    { "BIST, permissive off", false, 0x0F, 1, 0x40, false },
    { "extended space", false, 0x100, 4, 0, false },
    { "MSI-X table size", false, 0x72, 2, 0x001F, false },
    { "MSI-X table offset", false, 0x74, 4, 0x2003, false },
    { "PCIe DevCtl", false, 0xA8, 2, 0x2820, false },
    { "header type", true, 0x0E, 1, 0x00, false },
    { "bus master off", false, 0x04, 2, 0x0403, true },
    { "INTx disable off while bound", false, 0x04, 2, 0x0007, true },
    { "MSI Enable", false, 0x52, 2, 0x0181, true },
    { "MSI-X Enable and Function Mask", false, 0x72, 2, 0xC009, true },
    { "status write-1-to-clear", false, 0x06, 2, 0xF910, true },
    { "status CapList cleared", false, 0x06, 2, 0xF900, false },
    { "BIST, permissive on", true, 0x0F, 1, 0x40, true },
    { "MSI reserved word, permissive on", true, 0x5E, 2, 0xFFFF, true },
};

static const char *fixture_root(void)
{
    const char *root = g_getenv("XPT_FIXTURES");
    return root && *root ? root : "tests/fixtures";
}

static void test_policy_case(gconstpointer data)
{
    const PolicyCase *c = data;
    g_autofree char *dump = g_build_filename(fixture_root(), "pciutils-tests/cap-pcie-2", NULL);
    g_autoptr(GError) err = NULL;

    /* The host's config space before attach, from a separate open of the same dump. */
    XptHostOpenOptions o = { .hostaddr = "01:00.0", .dump_file = dump, .shadow = true };
    g_autoptr(XptHostPci) h = xpt_host_pci_open(&o, &err);
    g_assert_no_error(err);
    uint8_t initial[256];
    for (unsigned off = 0; off < sizeof(initial); off += 4) {
        uint32_t v;
        g_assert_true(xpt_host_pci_read(h, off, 4, &v, NULL));
        for (unsigned i = 0; i < 4; i++) {
            initial[off + i] = (uint8_t)(v >> (8 * i));
        }
    }

    XptSim *sim = xpt_sim_new(128 << 20);
    XptMachineOptions mo = { .ram_bytes = 128 << 20, .vcpus = 1, .host_shadow = true };
    XptMachine *m = xpt_machine_new(xpt_sim_hv(sim), &mo, &err);
    g_assert_no_error(err);
    xpt_sim_set_dispatcher(sim, m->disp);
    g_autofree char *spec = g_strdup_printf("driver=xen-pci-passthrough,hostaddr=01:00.0,"
                                            "host-dump=%s%s", dump,
                                            c->permissive ? ",permissive=on" : "");
    g_autoptr(XptOpts) opts = xpt_opts_parse(spec, NULL, &err);
    g_assert_no_error(err);
    XptPtDevice *d = (XptPtDevice *)xpt_machine_device_add(m, opts, &err);
    g_assert_no_error(err);

    g_autoptr(XptHostPolicy) p = xpt_host_policy_new(initial, sizeof(initial));
    g_autofree char *attach = xpt_host_policy_check(p, d);
    g_assert_null(attach);                        /* what the attach itself wrote */
    g_assert_cmpuint(xpt_host_policy_checked(p), >, 0);   /* MSI-X Enable cleared */

    xpt_host_pci_write(d->host, c->offset, c->len, c->value, NULL);
    g_autofree char *why = xpt_host_policy_check(p, d);
    if (g_test_verbose() && why) {
        g_test_message("%s: %s", c->what, why);
    }
    if (c->allowed) {
        g_assert_null(why);
    } else {
        g_assert_nonnull(why);
    }

    xpt_machine_free(m);
    g_auto(GStrv) leaks = xpt_sim_leak_report(sim);
    g_assert_cmpuint(g_strv_length(leaks), ==, 0);
    xpt_sim_free(sim);
}

/* g_ptr_array_sort passes pointers to the elements. */
static gint cmp_path(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    const char *dir = corpus_dir();
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    if (g_file_test(dir, G_FILE_TEST_IS_REGULAR)) {
        g_ptr_array_add(files, g_strdup(dir));      /* one input, e.g. a crash */
    } else {
        g_autoptr(GError) err = NULL;
        g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
        if (!d) {
            g_printerr("test-fuzz-replay: %s\n", err->message);
            return 1;
        }
        for (const char *name; (name = g_dir_read_name(d));) {
            if (name[0] != '.') {
                g_ptr_array_add(files, g_build_filename(dir, name, NULL));
            }
        }
        g_ptr_array_sort(files, cmp_path);
        g_test_add_func("/fuzz/empty-input", test_empty_input);
        g_test_add_data_func("/fuzz/corpus-size", files, test_corpus_size);
    }
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        g_autofree char *base = g_path_get_basename(path);
        g_autofree char *name = g_strdup_printf("/fuzz/replay/%s", base);
        g_test_add_data_func(name, path, test_replay);
    }
    g_test_add_data_func("/fuzz/replay-all-twice", files, test_replay_all_twice);
    for (unsigned i = 0; i < G_N_ELEMENTS(policy_cases); i++) {
        g_autofree char *name = g_strdup_printf("/fuzz/host-policy/%u", i);
        g_test_add_data_func(name, &policy_cases[i], test_policy_case);
    }
    int rc = g_test_run();
    g_ptr_array_free(files, TRUE);
    return rc;
}
