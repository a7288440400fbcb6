/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What reaches the log without -d (issue 14, "refusals reach the log"): libxl attaches
 * every pci= device with QMP device_add and keeps only "unable to add device" from a
 * refusal, so xen-pt-dm's stderr (qemu-dm-GUEST.log) must have one line per attach and
 * one per refused device_add; -msg timestamp=on starts each line with the UTC time, as
 * QEMU's does.
 */
#include <string.h>

#include "qtest/client.h"
#include "tests/testutil.h"

#define DUMP_HDA "pciutils-tests/cap-vc-and-rcl"   /* ICH7 HDA: 16 KiB mem64, INTx A, MSI */
#define HOST_HDA "0000:00:1b.0"
#define DUMP_82576 "pciutils-tests/cap-pcie-2"     /* 82576: MSI-X, two memory BARs, I/O */
#define HOST_82576 "0000:01:00.0"

/* Whether @text has a line containing @needle. */
static bool has(const char *text, const char *needle)
{
    return strstr(text, needle) != NULL;
}

/* The binary with one cold-plugged device from dump @dump, after @pre options. */
static XptQts *start_with(const char *pre, const char *host, const char *dump, const char *id)
{
    g_autofree char *args = g_strdup_printf(
        "%s -device xen-pci-passthrough,hostaddr=%s,host-dump=%s,id=%s", pre, host,
        xpt_test_fixture(dump), id);
    return xpt_qts_start(args);
}

/* A cold-plugged device: one "attached" line with the guest slot, BARs and interrupts. */
static void test_attach_line(void)
{
    XptQts *qts = start_with("", HOST_HDA, DUMP_HDA, "hda");
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_true(has(err, "xen-pt-dm: attached 0000:00:1b.0 (id hda) → guest 00:02.0: "
                           "BAR0 16 KiB mem64; INTx A (pirq "));
    g_assert_true(has(err, "; MSI\n"));
    xpt_test_finish(qts);
}

/* MSI-X and several BARs are named, in order. */
static void test_attach_line_msix(void)
{
    XptQts *qts = start_with("", HOST_82576, DUMP_82576, "nic");
    g_autofree char *err = xpt_qts_stderr(qts);
    g_autofree char *line = NULL;
    for (const char *p = err; p && *p;) {
        const char *nl = strchr(p, '\n');
        if (g_str_has_prefix(p, "xen-pt-dm: attached")) {
            line = g_strndup(p, nl ? (size_t)(nl - p) : strlen(p));
        }
        p = nl ? nl + 1 : NULL;
    }
    g_assert_nonnull(line);
    /* every part: sizes in B, KiB and MiB, I/O and memory BARs, the ROM, INTx, MSI-X */
    g_assert_cmpstr(line, ==, "xen-pt-dm: attached 0000:01:00.0 (id nic) → guest 00:02.0: "
                    "BAR0 128 KiB mem32, BAR1 4 MiB mem32, BAR2 32 B io, BAR3 16 KiB mem32, "
                    "ROM 4 MiB; INTx A (pirq 11); MSI; MSI-X 10 vectors");
    xpt_test_finish(qts);
}

/* A refused device_add is in the log with its id, host address and reason; a hot-plug
 * that works says "hot-plugged". */
static void test_refusal_and_hotplug(void)
{
    XptQmp *qmp = xpt_qmp_listen();
    XptQts *qts = xpt_qts_start(xpt_qmp_args(qmp));
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(qmp);
    xpt_qmp_negotiate(qmp);
    g_autoptr(JsonNode) bad = xpt_qmp_command(
        qmp, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
        "\"xen-pci-passthrough\", \"id\": \"pci-pt-99_00.0\", \"hostaddr\": \"0000:99:00.0\", "
        "\"host-dump\": \"%s\"}}", xpt_test_fixture(DUMP_HDA));
    g_assert_cmpstr(xpt_qmp_reply_class(bad), ==, "GenericError");
    g_autofree char *err = xpt_qts_stderr(qts);
    g_autofree char *want = g_strdup_printf("xen-pt-dm: error: device_add pci-pt-99_00.0 "
                                            "(hostaddr 0000:99:00.0) refused: %s",
                                            xpt_qmp_reply_desc(bad));
    g_assert_true(has(err, want));

    xpt_outw(qts, 0xafe2, 0x0002);        /* GPE0 enable: the guest's ACPI runs */
    g_autoptr(JsonNode) ok = xpt_qmp_command(
        qmp, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
        "\"xen-pci-passthrough\", \"id\": \"hot\", \"hostaddr\": \"%s\", "
        "\"host-dump\": \"%s\"}}", HOST_HDA, xpt_test_fixture(DUMP_HDA));
    g_assert_nonnull(xpt_qmp_reply_return(ok));
    g_autofree char *err2 = xpt_qts_stderr(qts);
    g_assert_true(has(err2, "xen-pt-dm: hot-plugged 0000:00:1b.0 (id hot) → guest 00:06.0"));
    xpt_qmp_free(qmp);
    xpt_test_finish(qts);
}

/* -msg timestamp=on: "YYYY-MM-DDTHH:MM:SS.uuuuuuZ xen-pt-dm: ..."; a bad -msg is refused. */
static void test_timestamps(void)
{
    XptQts *qts = start_with("-msg timestamp=on", HOST_HDA, DUMP_HDA, "hda");
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z "
                                       "xen-pt-dm: attached 0000:00:1b.0", err,
                                       G_REGEX_MULTILINE, 0));
    xpt_test_finish(qts);

    g_autofree char *bad = NULL;
    int st = xpt_qts_run_expect_fail("-msg timestamp=maybe", &bad);
    g_assert_cmpint(st, ==, 1);
    g_assert_true(has(bad, "-msg timestamp=maybe: "));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/log/attach-line", test_attach_line);
    g_test_add_func("/log/attach-line-msix", test_attach_line_msix);
    g_test_add_func("/log/refusal-and-hotplug", test_refusal_and_hotplug);
    g_test_add_func("/log/timestamps", test_timestamps);
    return g_test_run();
}
