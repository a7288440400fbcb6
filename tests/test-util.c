/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for util/opts.c and util/log.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "util/error.h"
#include "util/log.h"
#include "util/opts.h"

/* ---- opts ------------------------------------------------------------------------ */

/* Parse @str, which must succeed. */
static XptOpts *parse_ok(const char *str, const char *implied)
{
    g_autoptr(GError) err = NULL;
    XptOpts *opts = xpt_opts_parse(str, implied, &err);

    g_assert_no_error(err);
    g_assert_nonnull(opts);
    return opts;
}

/* Parse @str, which must fail with @msg. */
static void parse_fails(const char *str, const char *implied, const char *msg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(XptOpts) opts = xpt_opts_parse(str, implied, &err);

    g_assert_null(opts);
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    if (msg) {
        g_assert_cmpstr(err->message, ==, msg);
    }
}

/* The keys of @opts joined with '|'. */
static char *keys_joined(XptOpts *opts)
{
    g_autofree const char **keys = xpt_opts_keys(opts);

    return g_strjoinv("|", (char **)keys);
}

static void test_opts_device(void)
{
    g_autoptr(XptOpts) opts = parse_ok(
        "xen-pci-passthrough,hostaddr=0000:01:00.0,id=nic0,permissive=on", "driver");
    g_autofree char *keys = keys_joined(opts);
    g_autoptr(GError) err = NULL;
    bool permissive = false;

    g_assert_cmpstr(keys, ==, "driver|hostaddr|id|permissive");
    g_assert_cmpstr(xpt_opts_get(opts, "driver"), ==, "xen-pci-passthrough");
    g_assert_cmpstr(xpt_opts_get(opts, "hostaddr"), ==, "0000:01:00.0");
    g_assert_cmpstr(xpt_opts_get(opts, "id"), ==, "nic0");
    g_assert_null(xpt_opts_get(opts, "romfile"));

    /* permissive not read yet: it is the unused one, with QEMU's text */
    g_assert_false(xpt_opts_check_unused(opts, "xen-pci-passthrough", &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, "Property 'xen-pci-passthrough.permissive' not found");
    g_clear_error(&err);

    g_assert_true(xpt_opts_get_bool(opts, "permissive", false, &permissive, &err));
    g_assert_no_error(err);
    g_assert_true(permissive);
    g_assert_true(xpt_opts_check_unused(opts, "xen-pci-passthrough", &err));
    g_assert_no_error(err);
}

static void test_opts_implied(void)
{
    g_autoptr(GError) err = NULL;

    {
        g_autoptr(XptOpts) opts = parse_ok("qtest", "accel");
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "accel");
        g_assert_cmpstr(xpt_opts_get(opts, "accel"), ==, "qtest");
    }
    {
        /* the implied value may contain escaped commas */
        g_autoptr(XptOpts) opts = parse_ok("e1000,,x,id=a", "driver");
        g_assert_cmpstr(xpt_opts_get(opts, "driver"), ==, "e1000,x");
        g_assert_cmpstr(xpt_opts_get(opts, "id"), ==, "a");
    }
    {
        /* with an implied key, a first element with '=' is an ordinary pair */
        g_autoptr(XptOpts) opts = parse_ok("accel=xen,igd-passthru=off", "type");
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "accel|igd-passthru");
        g_assert_null(xpt_opts_get(opts, "type"));
    }
    {
        /* later element without '=': boolean shorthand; "no" prefix is not special */
        g_autoptr(XptOpts) opts = parse_ok("pc,usb,nodefaults", "type");
        bool usb = false, nodefaults = false;
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "type|usb|nodefaults");
        g_assert_cmpstr(xpt_opts_get(opts, "usb"), ==, "on");
        g_assert_true(xpt_opts_get_bool(opts, "usb", false, &usb, &err));
        g_assert_true(usb);
        g_assert_true(xpt_opts_get_bool(opts, "nodefaults", false, &nodefaults, &err));
        g_assert_true(nodefaults);
        g_assert_null(xpt_opts_get(opts, "defaults"));
        g_assert_no_error(err);
    }
    {
        /* an explicit driver= later overrides the implied value (last wins) */
        g_autoptr(XptOpts) opts = parse_ok("a,id=x,driver=b", "driver");
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "driver|id");
        g_assert_cmpstr(xpt_opts_get(opts, "driver"), ==, "b");
    }
    /* no implied key: a first element without '=' is an error */
    parse_fails("qtest", NULL, "Invalid parameter 'qtest'");
    parse_fails("qtest,x=1", NULL, "Invalid parameter 'qtest'");
    {
        /* ... but a later one is still a flag */
        g_autoptr(XptOpts) opts = parse_ok("x=1,verbose", NULL);
        g_assert_cmpstr(xpt_opts_get(opts, "verbose"), ==, "on");
    }
}

static void test_opts_escape(void)
{
    {
        g_autoptr(XptOpts) opts = parse_ok("romfile=/tmp/a,,b.rom,id=x", NULL);
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "romfile|id");
        g_assert_cmpstr(xpt_opts_get(opts, "romfile"), ==, "/tmp/a,b.rom");
        g_assert_cmpstr(xpt_opts_get(opts, "id"), ==, "x");
    }
    {
        g_autoptr(XptOpts) opts = parse_ok("a=,,,,b", NULL);
        g_assert_cmpstr(xpt_opts_get(opts, "a"), ==, ",,b");
    }
    {
        /* ",,," = escaped comma, then separator */
        g_autoptr(XptOpts) opts = parse_ok("a=x,,,b=1", NULL);
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "a|b");
        g_assert_cmpstr(xpt_opts_get(opts, "a"), ==, "x,");
        g_assert_cmpstr(xpt_opts_get(opts, "b"), ==, "1");
    }
    {
        g_autoptr(XptOpts) opts = parse_ok("a=1,,", NULL);
        g_assert_cmpstr(xpt_opts_get(opts, "a"), ==, "1,");
    }
    {
        /* escaped comma, then a trailing separator */
        g_autoptr(XptOpts) opts = parse_ok("a=1,b=2,,,", NULL);
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "a|b");
        g_assert_cmpstr(xpt_opts_get(opts, "b"), ==, "2,");
    }
    {
        /* '=' inside a value is literal */
        g_autoptr(XptOpts) opts = parse_ok("a=b=c,d=", NULL);
        g_assert_cmpstr(xpt_opts_get(opts, "a"), ==, "b=c");
        g_assert_cmpstr(xpt_opts_get(opts, "d"), ==, "");
    }
}

/* Shorthands, escapes and a repeated key in one string: the pairs are cut out of one
 * copy of it, with room for one pair more than it has commas (util/opts.c). */
static void test_opts_in_place(void)
{
    g_autoptr(XptOpts) opts = parse_ok("e1000,a,b=,,,,,c,a=2,d", "driver");
    g_autofree char *keys = keys_joined(opts);
    g_assert_cmpstr(keys, ==, "driver|a|b|c|d");
    g_assert_cmpstr(xpt_opts_get(opts, "driver"), ==, "e1000");
    g_assert_cmpstr(xpt_opts_get(opts, "a"), ==, "2");
    g_assert_cmpstr(xpt_opts_get(opts, "b"), ==, ",,");
    g_assert_cmpstr(xpt_opts_get(opts, "c"), ==, "on");
    g_assert_cmpstr(xpt_opts_get(opts, "d"), ==, "on");
    g_autoptr(XptOpts) full = parse_ok("k=1,b,c", NULL);    /* as many pairs as room */
    g_autofree char *full_keys = keys_joined(full);
    g_assert_cmpstr(full_keys, ==, "k|b|c");
    g_assert_cmpstr(xpt_opts_get(full, "c"), ==, "on");
}

static void test_opts_structure(void)
{
    {
        g_autoptr(XptOpts) opts = parse_ok("", NULL);
        g_autofree const char **keys = xpt_opts_keys(opts);
        g_autoptr(GError) err = NULL;
        g_assert_null(keys[0]);
        g_assert_true(xpt_opts_check_unused(opts, "x", &err));
        g_assert_no_error(err);
    }
    {
        g_autoptr(XptOpts) opts = parse_ok("", "driver");
        g_autofree const char **keys = xpt_opts_keys(opts);
        g_assert_null(keys[0]);
    }
    {
        /* duplicate: last value wins, first position kept */
        g_autoptr(XptOpts) opts = parse_ok("a=1,b=2,a=3", NULL);
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "a|b");
        g_assert_cmpstr(xpt_opts_get(opts, "a"), ==, "3");
    }
    {
        /* trailing comma ignored */
        g_autoptr(XptOpts) opts = parse_ok("a=1,", NULL);
        g_autofree char *keys = keys_joined(opts);
        g_assert_cmpstr(keys, ==, "a");
    }
    xpt_opts_free(NULL);
}

static void test_opts_malformed(void)
{
    parse_fails("=x", NULL, "Invalid parameter '' (empty key) in '=x'");
    parse_fails("=x", "driver", NULL);
    parse_fails(",,", NULL, NULL);
    parse_fails(",,", "driver", NULL);
    parse_fails(",", NULL, NULL);
    parse_fails(",a=1", "driver", NULL);
    parse_fails("a=1,=2", NULL, NULL);
    parse_fails("a=1,,,,,=2", NULL, NULL);
    parse_fails("x=1,a,,b", NULL, NULL); /* flag names have no ",," escape */
    parse_fails("a=1,,,=2", NULL, NULL);
}

static void check_bool(const char *value, bool expect)
{
    g_autofree char *str = g_strdup_printf("k=%s", value);
    g_autoptr(XptOpts) opts = parse_ok(str, NULL);
    g_autoptr(GError) err = NULL;
    bool out = !expect;

    g_assert_true(xpt_opts_get_bool(opts, "k", !expect, &out, &err));
    g_assert_no_error(err);
    g_assert_cmpint(out, ==, expect);
}

static void check_bool_bad(const char *value)
{
    g_autofree char *str = g_strdup_printf("k=%s", value);
    g_autoptr(XptOpts) opts = parse_ok(str, NULL);
    g_autoptr(GError) err = NULL;
    bool out = true;

    g_assert_false(xpt_opts_get_bool(opts, "k", true, &out, &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, "Parameter 'k' expects 'on' or 'off'");
}

static void test_opts_bool(void)
{
    check_bool("on", true);
    check_bool("yes", true);
    check_bool("true", true);
    check_bool("1", true);
    check_bool("off", false);
    check_bool("no", false);
    check_bool("false", false);
    check_bool("0", false);
    check_bool_bad("maybe");
    check_bool_bad("");
    check_bool_bad("ON");
    check_bool_bad("2");
    check_bool_bad("on ");

    g_autoptr(XptOpts) opts = parse_ok("a=1", NULL);
    g_autoptr(GError) err = NULL;
    bool out = false;
    g_assert_true(xpt_opts_get_bool(opts, "absent", true, &out, &err));
    g_assert_true(out);
    g_assert_true(xpt_opts_get_bool(opts, "absent", false, &out, &err));
    g_assert_false(out);
    g_assert_no_error(err);
}

static void check_u64(const char *value, bool suffix, uint64_t expect)
{
    g_autofree char *str = g_strdup_printf("n=%s", value);
    g_autoptr(XptOpts) opts = parse_ok(str, NULL);
    g_autoptr(GError) err = NULL;
    uint64_t out = 0xdead;

    if (!xpt_opts_get_u64(opts, "n", 7, suffix, &out, &err)) {
        g_error("'%s': %s", value, err->message);
    }
    g_assert_cmphex(out, ==, expect);
}

static void check_u64_bad(const char *value, bool suffix, const char *msg)
{
    g_autofree char *str = g_strdup_printf("n=%s", value);
    g_autoptr(XptOpts) opts = parse_ok(str, NULL);
    g_autoptr(GError) err = NULL;
    uint64_t out = 0xdead;

    if (xpt_opts_get_u64(opts, "n", 7, suffix, &out, &err)) {
        g_error("'%s' accepted as %" G_GUINT64_FORMAT, value, out);
    }
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_assert_cmphex(out, ==, 0xdead);
    if (msg) {
        g_assert_cmpstr(err->message, ==, msg);
    }
}

static void test_opts_u64(void)
{
    const char *nan = "Parameter 'n' expects a number";
    const char *nan_sfx = "Parameter 'n' expects a number (optional suffix k, M, G, T)";
    const char *neg = "Parameter 'n' expects a non-negative number";
    const char *big = "Parameter 'n' expects a non-negative number below 2^64";

    check_u64("0", false, 0);
    check_u64("10", false, 10);
    check_u64("0x10", false, 16);
    check_u64("0XfF", false, 255);
    check_u64("010", false, 8);
    check_u64("18446744073709551615", false, UINT64_MAX);
    check_u64("0xffffffffffffffff", false, UINT64_MAX);
    check_u64("4k", true, 4096);
    check_u64("3K", true, 3072);
    check_u64("2M", true, 2u << 20);
    check_u64("1G", true, 1u << 30);
    check_u64("1T", true, 1ull << 40);
    check_u64("0x10M", true, 16ull << 20);
    check_u64("16777215T", true, 16777215ull << 40);
    check_u64("10", true, 10);

    check_u64_bad("4k", false, nan);
    check_u64_bad("", false, nan);
    check_u64_bad("", true, nan_sfx);
    check_u64_bad("12abc", false, nan);
    check_u64_bad("12abc", true, nan_sfx);
    check_u64_bad("4kk", true, nan_sfx);
    check_u64_bad("4E", true, nan_sfx);
    check_u64_bad("k", true, nan_sfx);
    check_u64_bad("0x", false, nan);
    check_u64_bad("08", false, nan);
    check_u64_bad(" 5", false, nan);
    check_u64_bad("+5", false, nan);
    check_u64_bad("5 ", false, nan);
    check_u64_bad("-1", false, neg);
    check_u64_bad("-1k", true, neg);
    check_u64_bad("-0", false, neg);
    check_u64_bad("18446744073709551616", false, big);
    check_u64_bad("99999999999999999999999", true, big);
    check_u64_bad("16777216T", true, big);
    check_u64_bad("17179869184G", true, big);

    g_autoptr(XptOpts) opts = parse_ok("", NULL);
    g_autoptr(GError) err = NULL;
    uint64_t out = 0;
    g_assert_true(xpt_opts_get_u64(opts, "absent", 42, true, &out, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(out, ==, 42);
}

static void test_opts_unused(void)
{
    g_autoptr(XptOpts) opts = parse_ok("e1000,mac=52:54:00:12:34:56,rombar=1,size=4k",
                                       "driver");
    g_autoptr(GError) err = NULL;
    bool b;
    uint64_t n;

    /* the first unused key in order is reported */
    g_assert_false(xpt_opts_check_unused(opts, "e1000", &err));
    g_assert_cmpstr(err->message, ==, "Property 'e1000.driver' not found");
    g_clear_error(&err);

    xpt_opts_get(opts, "driver");
    xpt_opts_get(opts, "nonexistent");
    g_assert_false(xpt_opts_check_unused(opts, "e1000", &err));
    g_assert_cmpstr(err->message, ==, "Property 'e1000.mac' not found");
    g_clear_error(&err);

    xpt_opts_get(opts, "mac");
    g_assert_true(xpt_opts_get_bool(opts, "rombar", false, &b, &err));
    g_assert_false(xpt_opts_check_unused(opts, "e1000", &err));
    g_assert_cmpstr(err->message, ==, "Property 'e1000.size' not found");
    g_clear_error(&err);

    /* a failed conversion still counts as read: the error is the conversion's */
    g_assert_false(xpt_opts_get_u64(opts, "size", 0, false, &n, &err));
    g_clear_error(&err);
    g_assert_true(xpt_opts_check_unused(opts, "e1000", &err));
    g_assert_no_error(err);
}

/* ---- log ------------------------------------------------------------------------- */

static char *tmpdir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static char *read_file(const char *path)
{
    g_autoptr(GError) err = NULL;
    char *contents = NULL;

    g_assert_true(g_file_get_contents(path, &contents, NULL, &err));
    g_assert_no_error(err);
    return contents;
}

/* Route the log to a fresh file @name in tmpdir; returns its path. */
static char *log_to_tmp(const char *name)
{
    g_autoptr(GError) err = NULL;
    char *path = tmp_path(name);

    g_unlink(path);
    g_assert_true(xpt_log_set_file(path, &err));
    g_assert_no_error(err);
    return path;
}

static void log_restore(void)
{
    g_assert_true(xpt_log_set_file(NULL, NULL));
    g_assert_true(xpt_log_set_categories("none", NULL));
    xpt_ratelimit_set_clock(NULL);
}

static void test_log_categories(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(xpt_log_enabled(XPT_LOG_GUEST_ERROR));

    g_assert_true(xpt_log_set_categories("guest_errors,hv", &err));
    g_assert_no_error(err);
    g_assert_true(xpt_log_enabled(XPT_LOG_GUEST_ERROR));
    g_assert_true(xpt_log_enabled(XPT_LOG_HV));
    g_assert_false(xpt_log_enabled(XPT_LOG_PCI));
    g_assert_false(xpt_log_enabled(XPT_LOG_QMP));

    /* each name maps to its bit */
    static const struct {
        const char *name;
        uint32_t bit;
    } names[] = {
        { "guest_errors", XPT_LOG_GUEST_ERROR }, { "unimp", XPT_LOG_UNIMP },
        { "ioreq", XPT_LOG_IOREQ }, { "pci", XPT_LOG_PCI }, { "hv", XPT_LOG_HV },
        { "host", XPT_LOG_HOST }, { "qtest", XPT_LOG_QTEST }, { "qmp", XPT_LOG_QMP },
    };
    const char *help = xpt_log_categories_help();
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_assert_true(xpt_log_set_categories(names[i].name, &err));
        g_assert_no_error(err);
        for (size_t j = 0; j < G_N_ELEMENTS(names); j++) {
            g_assert_cmpint(xpt_log_enabled(names[j].bit), ==, i == j);
        }
        g_autofree char *line = g_strdup_printf("\n%s ", names[i].name);
        g_assert_nonnull(strstr(help, line));
    }
    g_assert_nonnull(strstr(help, "\nall "));
    g_assert_nonnull(strstr(help, "\nnone "));

    g_assert_true(xpt_log_set_categories("all", &err));
    for (size_t j = 0; j < G_N_ELEMENTS(names); j++) {
        g_assert_true(xpt_log_enabled(names[j].bit));
    }
    g_assert_true(xpt_log_set_categories("none", &err));
    for (size_t j = 0; j < G_N_ELEMENTS(names); j++) {
        g_assert_false(xpt_log_enabled(names[j].bit));
    }
    g_assert_no_error(err);

    /* unknown: error, and the previous mask stays */
    g_assert_true(xpt_log_set_categories("pci", &err));
    g_assert_false(xpt_log_set_categories("hv,foo", &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, "unknown log category 'foo' (see -d help)");
    g_clear_error(&err);
    g_assert_true(xpt_log_enabled(XPT_LOG_PCI));
    g_assert_false(xpt_log_enabled(XPT_LOG_HV));

    g_assert_false(xpt_log_set_categories("PCI", &err));
    g_assert_cmpstr(err->message, ==, "unknown log category 'PCI' (see -d help)");
    g_clear_error(&err);
    g_assert_false(xpt_log_set_categories("pci,", &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_false(xpt_log_set_categories("", &err));
    g_assert_error(err, XPT_ERROR, XPT_ERROR_INVALID);
    g_clear_error(&err);

    log_restore();
}

static void test_log_file(void)
{
    g_autofree char *path = tmp_path("log.txt");
    g_autoptr(GError) err = NULL;

    /* -D appends */
    g_assert_true(g_file_set_contents(path, "earlier line\n", -1, &err));
    g_assert_true(xpt_log_set_file(path, &err));
    g_assert_no_error(err);
    g_assert_true(xpt_log_set_categories("pci,guest_errors", &err));

    xpt_log(XPT_LOG_PCI, "read 0x%x from %s", 0x10, "0000:01:00.0");
    xpt_log(XPT_LOG_HV, "not enabled");
    xpt_log(XPT_LOG_GUEST_ERROR, "bad write");
    xpt_error_report("boom %d", 1);
    xpt_warn_report("careful");

    /* line buffered: the content is there before the file is closed */
    {
        g_autofree char *now = read_file(path);
        g_assert_nonnull(strstr(now, "xen-pt-dm: warning: careful\n"));
    }

    /* a failing -D names the file and strerror, and keeps the current destination */
    g_autofree char *bad = tmp_path("no/such/dir/log");
    g_assert_false(xpt_log_set_file(bad, &err));
    g_assert_error(err, XPT_ERRNO_ERROR, ENOENT);
    g_assert_nonnull(strstr(err->message, bad));
    g_assert_nonnull(strstr(err->message, g_strerror(ENOENT)));
    g_clear_error(&err);
    xpt_log(XPT_LOG_PCI, "still here");

    g_assert_true(xpt_log_set_file(NULL, &err));

    g_autofree char *contents = read_file(path);
    g_assert_cmpstr(contents, ==,
                    "earlier line\n"
                    "xen-pt-dm: [pci] read 0x10 from 0000:01:00.0\n"
                    "xen-pt-dm: [guest_errors] bad write\n"
                    "xen-pt-dm: error: boom 1\n"
                    "xen-pt-dm: warning: careful\n"
                    "xen-pt-dm: [pci] still here\n");
    g_unlink(path);
    log_restore();
}

static void test_log_stderr(void)
{
    g_autofree char *path = tmp_path("stderr.txt");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int saved = dup(STDERR_FILENO);

    /* without -D, everything goes to stderr: capture fd 2 in a file */
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(saved, >=, 0);
    fflush(stderr);
    g_assert_cmpint(dup2(fd, STDERR_FILENO), ==, STDERR_FILENO);
    close(fd);

    g_assert_true(xpt_log_set_categories("qmp", NULL));
    xpt_error_report("no device %s", "0000:01:00.0");
    xpt_warn_report("w");
    xpt_log(XPT_LOG_QMP, "{\"execute\": \"cont\"}");
    xpt_log(XPT_LOG_PCI, "hidden");

    fflush(stderr);
    g_assert_cmpint(dup2(saved, STDERR_FILENO), ==, STDERR_FILENO);
    close(saved);

    g_autofree char *contents = read_file(path);
    g_assert_cmpstr(contents, ==,
                    "xen-pt-dm: error: no device 0000:01:00.0\n"
                    "xen-pt-dm: warning: w\n"
                    "xen-pt-dm: [qmp] {\"execute\": \"cont\"}\n");
    g_unlink(path);
    log_restore();
}

static int64_t fake_now_us;

static int64_t fake_clock(void)
{
    return fake_now_us;
}

static void test_ratelimit_check(void)
{
    XptRateLimit rl = XPT_RATELIMIT_INIT(3, 1000);
    unsigned suppressed = 99;

    xpt_ratelimit_set_clock(fake_clock);
    fake_now_us = 5000000;

    /* burst of 3 in the first window */
    for (int i = 0; i < 3; i++) {
        suppressed = 99;
        g_assert_true(xpt_ratelimit_check(&rl, &suppressed));
        g_assert_cmpuint(suppressed, ==, 0);
        fake_now_us += 100;
    }
    /* then suppressed until the window (1000 ms from the first event) ends */
    g_assert_false(xpt_ratelimit_check(&rl, &suppressed));
    g_assert_false(xpt_ratelimit_check(&rl, NULL));
    fake_now_us = 5000000 + 999999;
    g_assert_false(xpt_ratelimit_check(&rl, &suppressed));
    g_assert_cmpuint(rl.suppressed, ==, 3);

    /* new window: allowed, with the suppressed count, which is then reset */
    fake_now_us = 5000000 + 1000000;
    suppressed = 99;
    g_assert_true(xpt_ratelimit_check(&rl, &suppressed));
    g_assert_cmpuint(suppressed, ==, 3);
    g_assert_true(xpt_ratelimit_check(&rl, &suppressed));
    g_assert_cmpuint(suppressed, ==, 0);
    g_assert_true(xpt_ratelimit_check(&rl, &suppressed));
    g_assert_false(xpt_ratelimit_check(&rl, &suppressed));

    /* long quiet period: next window, one suppressed in the last */
    fake_now_us += 3600ll * 1000000;
    g_assert_true(xpt_ratelimit_check(&rl, &suppressed));
    g_assert_cmpuint(suppressed, ==, 1);

    /* a window with no suppression reports 0 */
    fake_now_us += 2000000;
    g_assert_true(xpt_ratelimit_check(&rl, &suppressed));
    g_assert_cmpuint(suppressed, ==, 0);

    /* zero-initialised (unconfigured) limiter does not limit */
    XptRateLimit zero = { 0 };
    for (int i = 0; i < 100; i++) {
        g_assert_true(xpt_ratelimit_check(&zero, &suppressed));
        g_assert_cmpuint(suppressed, ==, 0);
    }

    /* a fake clock starting at 0 works too */
    XptRateLimit rl0 = XPT_RATELIMIT_INIT(1, 10);
    fake_now_us = 0;
    g_assert_true(xpt_ratelimit_check(&rl0, &suppressed));
    g_assert_false(xpt_ratelimit_check(&rl0, &suppressed));
    fake_now_us = 10000;
    g_assert_true(xpt_ratelimit_check(&rl0, &suppressed));
    g_assert_cmpuint(suppressed, ==, 1);

    /* real monotonic clock: a 1-per-minute limiter allows one, then refuses */
    xpt_ratelimit_set_clock(NULL);
    XptRateLimit real = XPT_RATELIMIT_INIT(1, 60000);
    g_assert_true(xpt_ratelimit_check(&real, NULL));
    g_assert_false(xpt_ratelimit_check(&real, NULL));
    g_assert_cmpuint(real.suppressed, ==, 1);
}

static void test_ratelimit_log(void)
{
    g_autofree char *path = log_to_tmp("ratelimit.txt");
    XptRateLimit rl = XPT_RATELIMIT_INIT(2, 1000);
    XptRateLimit wrl = XPT_RATELIMIT_INIT(1, 1000);

    xpt_ratelimit_set_clock(fake_clock);
    fake_now_us = 1000000;

    /* category off: nothing printed, and the limiter is not consumed */
    for (int i = 0; i < 10; i++) {
        xpt_log_ratelimited(&rl, XPT_LOG_GUEST_ERROR, "off %d", i);
    }
    g_assert_cmpuint(rl.suppressed, ==, 0);

    g_assert_true(xpt_log_set_categories("guest_errors", NULL));
    for (int i = 0; i < 5; i++) {
        xpt_log_ratelimited(&rl, XPT_LOG_GUEST_ERROR, "bad BAR write %d", i);
    }
    fake_now_us += 1000000;
    xpt_log_ratelimited(&rl, XPT_LOG_GUEST_ERROR, "bad BAR write %d", 5);
    xpt_log_ratelimited(&rl, XPT_LOG_GUEST_ERROR, "bad BAR write %d", 6);
    fake_now_us += 1000000;
    xpt_log_ratelimited(&rl, XPT_LOG_GUEST_ERROR, "bad BAR write %d", 7);

    /* warnings are on without -d */
    g_assert_true(xpt_log_set_categories("none", NULL));
    xpt_warn_ratelimited(&wrl, "dropped write %d", 0);
    xpt_warn_ratelimited(&wrl, "dropped write %d", 1);
    xpt_warn_ratelimited(&wrl, "dropped write %d", 2);
    fake_now_us += 1000000;
    xpt_warn_ratelimited(&wrl, "dropped write %d", 3);

    g_assert_true(xpt_log_set_file(NULL, NULL));
    g_autofree char *contents = read_file(path);
    g_assert_cmpstr(contents, ==,
                    "xen-pt-dm: [guest_errors] bad BAR write 0\n"
                    "xen-pt-dm: [guest_errors] bad BAR write 1\n"
                    "xen-pt-dm: [guest_errors] bad BAR write 5"
                    " (3 similar messages suppressed)\n"
                    "xen-pt-dm: [guest_errors] bad BAR write 6\n"
                    "xen-pt-dm: [guest_errors] bad BAR write 7\n"
                    "xen-pt-dm: warning: dropped write 0\n"
                    "xen-pt-dm: warning: dropped write 3"
                    " (2 similar messages suppressed)\n");
    g_unlink(path);
    log_restore();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_autoptr(GError) err = NULL;
    tmpdir = g_dir_make_tmp("test-util-XXXXXX", &err);
    g_assert_no_error(err);

    g_test_add_func("/opts/device", test_opts_device);
    g_test_add_func("/opts/implied", test_opts_implied);
    g_test_add_func("/opts/escape", test_opts_escape);
    g_test_add_func("/opts/in-place", test_opts_in_place);
    g_test_add_func("/opts/structure", test_opts_structure);
    g_test_add_func("/opts/malformed", test_opts_malformed);
    g_test_add_func("/opts/bool", test_opts_bool);
    g_test_add_func("/opts/u64", test_opts_u64);
    g_test_add_func("/opts/unused", test_opts_unused);
    g_test_add_func("/log/categories", test_log_categories);
    g_test_add_func("/log/file", test_log_file);
    g_test_add_func("/log/stderr", test_log_stderr);
    g_test_add_func("/log/ratelimit/check", test_ratelimit_check);
    g_test_add_func("/log/ratelimit/log", test_ratelimit_log);

    int ret = g_test_run();

    g_rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
