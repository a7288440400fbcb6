/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `make install` and the man page (docs/xen-pt-dm.1).
 *
 * install: `make install DESTDIR=TMP` from the repository root (the directory the tests
 * run from), with the build directory of $XPT_BINARY and the binary taken as up to date
 * (-o), puts the binary at TMP/usr/lib/xen/bin/xen-pt-dm, where docs/xen.md's
 * device_model_override points (PREFIX defaults to /usr), and the man page at
 * TMP/usr/share/man/man1/xen-pt-dm.1; `make uninstall DESTDIR=TMP` removes them.
 * quiet build: make prints "  CC     FILE.o" per object, V=1 the full command.
 * man page: renders with `groff -man -Tutf8 -ww` without a warning (groff-base, from
 * scripts/install-deps.sh), and names every option of `xen-pt-dm -h` and every property
 * of `-device xen-pci-passthrough,help`.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/testutil.h"

#define MAN_PAGE "docs/xen-pt-dm.1"

static const char *binary(void)
{
    const char *bin = g_getenv("XPT_BINARY");
    return bin && *bin ? bin : "build/xen-pt-dm";
}

/* Run @argv (searched in PATH) from the current directory without the outer make's
 * variables; returns the wait status, stdout and stderr. */
static int run(char **argv, char **out, char **err)
{
    g_auto(GStrv) env = g_get_environ();
    env = g_environ_unsetenv(env, "MAKEFLAGS");
    env = g_environ_unsetenv(env, "MFLAGS");
    env = g_environ_unsetenv(env, "MAKELEVEL");
    int status = -1;
    g_autoptr(GError) gerr = NULL;
    if (!g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, out, err, &status,
                      &gerr)) {
        g_error("cannot run %s: %s", argv[0], gerr->message);
    }
    return status;
}

static void assert_file(const char *path, mode_t mode, const char *same_as)
{
    GStatBuf st;
    if (g_stat(path, &st) != 0) {
        g_error("%s was not installed", path);
    }
    g_assert_cmphex(st.st_mode & 07777, ==, mode);
    g_autofree char *a = NULL, *b = NULL;
    gsize la = 0, lb = 0;
    g_assert_true(g_file_get_contents(path, &a, &la, NULL));
    g_assert_true(g_file_get_contents(same_as, &b, &lb, NULL));
    g_assert_cmpmem(a, la, b, lb);
}

static void test_install_destdir(void)
{
    if (!g_file_test("Makefile", G_FILE_TEST_EXISTS) ||
        !g_file_test(MAN_PAGE, G_FILE_TEST_EXISTS)) {
        g_error("run from the repository root (where make check runs the tests)");
    }
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dest = g_dir_make_tmp("xpt-install-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    g_autofree char *build = g_path_get_dirname(binary());
    g_autofree char *build_var = g_strdup_printf("BUILD=%s", build);
    g_autofree char *dest_var = g_strdup_printf("DESTDIR=%s", dest);
    char *argv[] = { (char *)"make", (char *)"-s", (char *)"--no-print-directory",
                     (char *)"-o", (char *)binary(), (char *)"install", build_var, dest_var,
                     NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = run(argv, &out, &err);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_error("make install failed (status 0x%x):\n%s%s", status, out, err);
    }
    g_autofree char *bin = g_build_filename(dest, "usr/lib/xen/bin/xen-pt-dm", NULL);
    g_autofree char *man = g_build_filename(dest, "usr/share/man/man1/xen-pt-dm.1", NULL);
    assert_file(bin, 0755, binary());
    assert_file(man, 0644, MAN_PAGE);

    argv[5] = (char *)"uninstall";
    g_autofree char *out2 = NULL, *err2 = NULL;
    status = run(argv, &out2, &err2);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_error("make uninstall failed (status 0x%x):\n%s%s", status, out2, err2);
    }
    g_autofree char *libxen = g_build_filename(dest, "usr/lib/xen", NULL);
    g_assert_false(g_file_test(bin, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(man, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(libxen, G_FILE_TEST_EXISTS));   /* emptied, removed */
    xpt_test_rmtree(dest);
}

/* One object of the tree built into a scratch build directory, quiet and with V=1. */
static void test_quiet_build(void)
{
    g_autoptr(GError) gerr = NULL;
    g_autofree char *build = g_dir_make_tmp("xpt-build-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    g_autofree char *build_var = g_strdup_printf("BUILD=%s", build);
    g_autofree char *obj = g_build_filename(build, "util/error.o", NULL);
    char *argv[] = { (char *)"make", (char *)"--no-print-directory", build_var, obj, NULL,
                     NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = run(argv, &out, &err);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_error("make %s failed (status 0x%x):\n%s%s", obj, status, out, err);
    }
    g_autofree char *line = g_strdup_printf("  CC     %s\n", obj);
    g_assert_cmpstr(out, ==, line);                /* nothing but the one line */
    g_assert_cmpint(g_unlink(obj), ==, 0);
    argv[4] = (char *)"V=1";
    g_autofree char *out2 = NULL, *err2 = NULL;
    status = run(argv, &out2, &err2);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_null(strstr(out2, "  CC  "));
    g_assert_nonnull(strstr(out2, " -c util/error.c -o "));
    xpt_test_rmtree(build);
}

static void test_man_renders(void)
{
    char *argv[] = { (char *)"groff", (char *)"-man", (char *)"-Tutf8", (char *)"-ww",
                     (char *)"-z", (char *)MAN_PAGE, NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = run(argv, &out, &err);
    if (!g_spawn_check_wait_status(status, NULL) || *err) {
        g_error("groff -man -ww " MAN_PAGE ": status 0x%x\n%s", status, err);
    }
}

/* The option as the man page's source spells it: leading dashes as \-. */
static char *man_spelling(const char *opt)
{
    GString *s = g_string_new(NULL);
    const char *p = opt;
    while (*p == '-') {
        g_string_append(s, "\\-");
        p++;
    }
    g_string_append(s, p);
    return g_string_free(s, FALSE);
}

static void test_man_covers_options(void)
{
    g_autofree char *page = NULL;
    g_assert_true(g_file_get_contents(MAN_PAGE, &page, NULL, NULL));

    char *help_argv[] = { (char *)binary(), (char *)"-h", NULL };
    g_autofree char *usage = NULL, *err = NULL;
    g_assert_true(g_spawn_check_wait_status(run(help_argv, &usage, &err), NULL));
    g_autoptr(GRegex) opt_re = g_regex_new("(?:^|[ ,])(--?[A-Za-z][A-Za-z0-9-]*)", 0, 0, NULL);
    g_auto(GStrv) lines = g_strsplit(usage, "\n", -1);
    unsigned n = 0;
    for (char **l = lines; *l; l++) {
        /* Option lines start with two blanks and a dash; descriptions are indented more. */
        if (!g_str_has_prefix(*l, "  -")) {
            continue;
        }
        g_autofree char *head = g_strndup(*l, strcspn(*l, "["));
        g_autoptr(GMatchInfo) m = NULL;
        g_regex_match(opt_re, head, 0, &m);
        for (; g_match_info_matches(m); g_match_info_next(m, NULL)) {
            g_autofree char *opt = g_match_info_fetch(m, 1);
            g_autofree char *spelled = man_spelling(opt);
            if (!strstr(page, spelled)) {
                g_error("%s (in xen-pt-dm -h) is not in " MAN_PAGE, opt);
            }
            n++;
        }
    }
    g_assert_cmpuint(n, >, 30);

    char *dev_argv[] = { (char *)binary(), (char *)"-device", (char *)"xen-pci-passthrough,help",
                         NULL };
    g_autofree char *props = NULL, *err2 = NULL;
    g_assert_true(g_spawn_check_wait_status(run(dev_argv, &props, &err2), NULL));
    g_auto(GStrv) plines = g_strsplit(props, "\n", -1);
    unsigned np = 0;
    for (char **l = plines; *l; l++) {
        const char *eq = strchr(*l, '=');
        if (!g_str_has_prefix(*l, "  ") || !eq) {
            continue;
        }
        g_autofree char *name = g_strstrip(g_strndup(*l, (gsize)(eq - *l)));
        g_autofree char *want = g_strdup_printf("%s=", name);
        if (!strstr(page, want)) {
            g_error("property %s is not in " MAN_PAGE, name);
        }
        np++;
    }
    g_assert_cmpuint(np, ==, 10);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/install/destdir", test_install_destdir);
    g_test_add_func("/install/quiet-build", test_quiet_build);
    g_test_add_func("/install/man-renders", test_man_renders);
    g_test_add_func("/install/man-covers-options", test_man_covers_options);
    return g_test_run();
}
