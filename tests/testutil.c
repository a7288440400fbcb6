/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helpers; see tests/testutil.h. */
#include "tests/testutil.h"

#include <ftw.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#ifdef XPT_SRCDIR
#define XPT_TEST_ROOT XPT_SRCDIR
#else
#define XPT_TEST_ROOT NULL /* the current directory: tests run from the repository root */
#endif

const char *xpt_test_fixture(const char *relpath)
{
    const char *env = g_getenv("XPT_FIXTURES");
    g_autofree char *base = env && *env
                            ? g_canonicalize_filename(env, NULL)
                            : g_canonicalize_filename("tests/fixtures", XPT_TEST_ROOT);
    g_autofree char *path = g_build_filename(base, relpath, NULL);
    return g_intern_string(path);
}

char *xpt_test_make_sysfs_tree(const char *fixture_devices_dir)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *target = g_canonicalize_filename(fixture_devices_dir, NULL);
    char *root = g_dir_make_tmp("xpt-sysfs-XXXXXX", &err);

    g_assert_no_error(err);
    g_autofree char *bus_pci = g_build_filename(root, "bus", "pci", NULL);
    g_autofree char *link = g_build_filename(bus_pci, "devices", NULL);
    g_assert_cmpint(g_mkdir_with_parents(bus_pci, 0755), ==, 0);
    g_assert_cmpint(symlink(target, link), ==, 0);
    return root;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0) {
        g_printerr("xpt_test_rmtree: cannot remove %s\n", path);
    }
    return 0;
}

void xpt_test_rmtree(const char *path)
{
    if (path && g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)) {
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
}

void xpt_test_finish(XptQts *qts)
{
    g_autofree char *err = xpt_qts_stderr(qts);
    int status = xpt_qts_quit(qts);
    if (status != 0) {
        g_printerr("xen-pt-dm stderr:\n%s\n", err);
    }
    g_assert_cmpint(status, ==, 0);
}

JsonArray *xpt_state_array(JsonNode *state, const char *member)
{
    return json_object_get_array_member(json_node_get_object(state), member);
}

JsonObject *xpt_state_find(JsonNode *state, const char *member, const char *key, gint64 value)
{
    JsonArray *a = xpt_state_array(state, member);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        if (json_object_get_int_member(o, key) == value) {
            return o;
        }
    }
    return NULL;
}

JsonObject *xpt_state_msi_binding(JsonNode *state, gint64 pirq)
{
    return xpt_state_find(state, "msi", "pirq", pirq);
}

guint xpt_state_count_pirqs(JsonNode *state, const char *source, JsonObject **first)
{
    JsonArray *a = xpt_state_array(state, "pirqs");
    guint n = 0;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        if (g_strcmp0(json_object_get_string_member(o, "source"), source) == 0) {
            if (n++ == 0 && first) {
                *first = o;
            }
        }
    }
    return n;
}

GArray *xpt_test_host_writes_at(XptQts *qts, const char *key, unsigned offset)
{
    g_autoptr(JsonNode) w = xpt_sim_command(qts, "host-writes %s", key);
    JsonArray *a = json_node_get_array(w);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        if (json_object_get_int_member(o, "offset") == offset) {
            uint32_t v = (uint32_t)json_object_get_int_member(o, "value");
            g_array_append_val(out, v);
        }
    }
    return out;
}

bool xpt_state_has_mmio(JsonNode *state, uint64_t gfn, uint64_t mfn, uint64_t nr)
{
    JsonArray *a = xpt_state_array(state, "mmio");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *m = json_array_get_object_element(a, i);
        if ((uint64_t)json_object_get_int_member(m, "gfn") == gfn &&
            (uint64_t)json_object_get_int_member(m, "mfn") == mfn &&
            (uint64_t)json_object_get_int_member(m, "nr") == nr) {
            return true;
        }
    }
    return false;
}
