/*
 * Test helpers shared by the tests/ programs: fixture paths and temporary trees.
 */
#ifndef XPT_TESTS_TESTUTIL_H
#define XPT_TESTS_TESTUTIL_H

/**
 * xpt_test_fixture: absolute path of @relpath under the shared fixtures directory
 * ($XPT_FIXTURES if set, else ../shared/fixtures next to the repository root, the
 * directory the tests run from). The string is interned: never free it.
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

#endif
