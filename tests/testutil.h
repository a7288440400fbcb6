/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helpers shared by the tests/ programs: fixture paths and temporary trees.
 */
#ifndef XPT_TESTS_TESTUTIL_H
#define XPT_TESTS_TESTUTIL_H

#include <json-glib/json-glib.h>

#include "qtest/client.h"

/**
 * xpt_test_fixture: absolute path of @relpath under the fixtures directory
 * ($XPT_FIXTURES if set, else tests/fixtures of the repository root, the directory the
 * tests run from; tests/fixtures/README.md gives each file's provenance). The string is interned: never free it.
 */
const char *xpt_test_fixture(const char *relpath);

/**
 * xpt_test_make_sysfs_tree: make a temporary sysfs-like root ROOT with
 * ROOT/bus/pci/devices a symlink to @fixture_devices_dir (made absolute), so that
 * libpci's sysfs method (sysfs.path = ROOT/bus/pci) reads the fixture's device
 * folders. Returns ROOT (g_free it); aborts the test on failure. Remove the tree with
 * xpt_test_rmtree(), which does not follow the symlink.
 */
char *xpt_test_make_sysfs_tree(const char *fixture_devices_dir);

/**
 * xpt_test_rmtree: remove @path recursively without following symbolic links
 * (a link is removed, never its target). Missing paths are ignored.
 */
void xpt_test_rmtree(const char *path);

/**
 * xpt_test_finish: quit the binary and assert exit status 0 — which includes the
 * simulated hypervisor's leak check at exit — printing its stderr when it is not.
 */
void xpt_test_finish(XptQts *qts);

/** The array member @member of a "xen-sim state" reply ("mmio", "pirqs", "msi", ...). */
JsonArray *xpt_state_array(JsonNode *state, const char *member);

/**
 * xpt_test_host_writes_at: the values of the host config writes recorded for device
 * @key (devfn "SS.F", SBDF or id; see "xen-sim host-writes") at config offset @offset,
 * oldest first (GArray of uint32_t; free with g_array_unref).
 */
GArray *xpt_test_host_writes_at(XptQts *qts, const char *key, unsigned offset);

/** Whether a "xen-sim state" reply holds the p2m mapping gfn → mfn of @nr pages. */
bool xpt_state_has_mmio(JsonNode *state, uint64_t gfn, uint64_t mfn, uint64_t nr);

/** The first element of a "xen-sim state" reply's array @member whose integer member
 *  @key is @value, or NULL. */
JsonObject *xpt_state_find(JsonNode *state, const char *member, const char *key, gint64 value);

/** The "msi" binding of @pirq in a "xen-sim state" reply, or NULL. */
JsonObject *xpt_state_msi_binding(JsonNode *state, gint64 pirq);

/** The "pirqs" entries of source @source ("gsi" or "msi"): their count, and the first
 *  in *@first when @first is not NULL. */
guint xpt_state_count_pirqs(JsonNode *state, const char *source, JsonObject **first);

#endif
