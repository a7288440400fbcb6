/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the security regression programs: tests/security-util.h. */
#include "tests/security-util.h"

#include <string.h>

#include "tests/testutil.h"

char *sec_dev_arg(const char *dump, const char *hostaddr, const char *id, const char *extra)
{
    return g_strdup_printf("-device xen-pci-passthrough,hostaddr=%s,id=%s,host-dump=%s%s",
                           hostaddr, id, dump, extra ? extra : "");
}

XptQts *sec_start_nic(const char *pre, const char *extra)
{
    g_autofree char *dev = sec_dev_arg(xpt_test_fixture(NIC_DUMP), NIC, "pt0", extra);
    g_autofree char *args = g_strdup_printf("%s %s", pre ? pre : "", dev);
    return xpt_qts_start(args);
}

JsonObject *sec_root(JsonNode *st)
{
    return json_node_get_object(st);
}

guint sec_state_len(JsonNode *st, const char *member)
{
    return json_array_get_length(xpt_state_array(st, member));
}

JsonArray *sec_claims(JsonNode *st, const char *type)
{
    return json_object_get_array_member(json_object_get_object_member(sec_root(st), "claims"),
                                         type);
}

gint64 sec_calls_of(JsonNode *st, const char *op)
{
    JsonObject *c = json_object_get_object_member(sec_root(st), "calls");
    return json_object_has_member(c, op) ? json_object_get_int_member(c, op) : 0;
}

/* Whether a claim of @type contains [start, end]. */
bool sec_claimed(JsonNode *st, const char *type, uint64_t start, uint64_t end)
{
    JsonArray *a = sec_claims(st, type);
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
guint sec_pirqs_of(JsonNode *st, const char *sbdf, gint64 irq)
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

/* Lines of @text containing @a (and @b if not NULL). */
unsigned sec_count_lines(const char *text, const char *a, const char *b)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    unsigned n = 0;
    for (unsigned i = 0; lines[i]; i++) {
        n += strstr(lines[i], a) && (!b || strstr(lines[i], b));
    }
    return n;
}

/* Sanitizer or crash reports in a stderr text. */
void sec_assert_no_sanitizer(const char *err)
{
    g_assert_null(strstr(err, "AddressSanitizer"));
    g_assert_null(strstr(err, "runtime error:"));
    g_assert_null(strstr(err, "LeakSanitizer"));
}

/* ---- fixture dumps: reading and hostile copies ---------------------------------------------- */

/* Index of the line opening device @addr ("01:00.0", as lspci prints it) in @lines. */
int sec_dump_device_line(char **lines, const char *addr)
{
    for (int i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], addr) && lines[i][strlen(addr)] == ' ') {
            return i;
        }
    }
    g_error("device %s not in the dump", addr);
}

/* Index of hex row @row (0x00, 0x10, ...) of the device starting at line @dev, or -1. */
int sec_dump_row_line(char **lines, int dev, unsigned row)
{
    g_autofree char *key = g_strdup_printf(row < 0x100 ? "%02x: " : "%03x: ", row);
    for (int i = dev + 1; lines[i] && lines[i][0]; i++) {
        if (g_str_has_prefix(lines[i], key)) {
            return i;
        }
    }
    return -1;
}
