/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The documentation's commands work as printed, and its citations stay inside the
 * repository (issue 14 items 1 and 3). Runs from the repository root, as make check does.
 *
 * Commands: scripts/doc-commands.sh extracts them from README.md, docs/ (markdown) and the
 * man page's EXAMPLES (see that script for the markup). By class:
 * - check: run here with `sh -c '(COMMAND) 2>&1'` from the repository root; must exit 0,
 *   and the lines printed after the command in the documentation must appear, whole and
 *   in that order, in its output. They run with DESTDIR set to a scratch directory (so
 *   `make install` stages there instead of changing the system), with the outer make's
 *   variables unset, and with a scratch directory holding `xen-pt-dm` (the binary under
 *   test) first in PATH, as if installed. When the binary under test is not
 *   build/xen-pt-dm (make check-sanitize), `build/xen-pt-dm` in a command is it, and
 *   `make` gets its build directory as BUILD=.
 * - ci: CI's (.ci/run runs them): each must be `make TARGET` of a target this Makefile has.
 * - xen: for a dom0 under Xen. An `xl` command must name a subcommand of Xen 4.17's xl
 *   (tests/fixtures/xen-4.17/xl_cmdtable.c) and only options that subcommand's help
 *   lists (global options: xl.c's getopt string "+vftTN"); a `xen-pt-dm` command line
 *   (as libxl runs it) must get through the option parser to the one line that says Xen
 *   is missing; a readiness check (-check-host) must give its verdicts on this machine. Other programs of such a command (modprobe, grep) are not checked.
 * Blocks that do not say what they are fail (BAD records).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#define XL_CMDTABLE "xen-4.17/xl_cmdtable.c"
#define XL_GLOBAL_OPTS "vftTN"           /* tools/xl/xl.c main(): getopt "+vftTN" */
#define NO_XEN_LINE "is this dom0 under Xen?"

typedef struct {
    char *kind;      /* CMD, OUT, BAD */
    char *cls;       /* check, ci, xen, - */
    char *where;     /* FILE:LINE */
    char *text;
} DocRecord;

static const char *binary(void)
{
    const char *bin = g_getenv("XPT_BINARY");
    return bin && *bin ? bin : "build/xen-pt-dm";
}

static void record_free(gpointer p)
{
    DocRecord *r = p;
    g_free(r->kind);
    g_free(r->cls);
    g_free(r->where);
    g_free(r->text);
    g_free(r);
}

/* The documentation files: README.md, docs/ *.md, docs/reference/ *.md, the man page. */
static GPtrArray *doc_files(void)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(files, g_strdup("README.md"));
    const char *dirs[] = { "docs", "docs/reference" };
    for (unsigned i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autoptr(GDir) d = g_dir_open(dirs[i], 0, NULL);
        g_assert_nonnull(d);
        const char *name;
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        while ((name = g_dir_read_name(d))) {
            if (g_str_has_suffix(name, ".md") || g_str_has_suffix(name, ".1")) {
                g_ptr_array_add(names, g_build_filename(dirs[i], name, NULL));
            }
        }
        g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
        for (guint j = 0; j < names->len; j++) {
            g_ptr_array_add(files, g_strdup(g_ptr_array_index(names, j)));
        }
    }
    return files;
}

/* Every record of scripts/doc-commands.sh over doc_files(). */
static GPtrArray *doc_records(void)
{
    g_autoptr(GPtrArray) files = doc_files();
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)"sh");
    g_ptr_array_add(argv, (char *)"scripts/doc-commands.sh");
    for (guint i = 0; i < files->len; i++) {
        g_ptr_array_add(argv, g_ptr_array_index(files, i));
    }
    g_ptr_array_add(argv, NULL);
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_autoptr(GError) gerr = NULL;
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &out, &err, &status, &gerr) ||
        !g_spawn_check_wait_status(status, NULL)) {
        g_error("scripts/doc-commands.sh failed: %s%s", gerr ? gerr->message : "", err);
    }
    GPtrArray *recs = g_ptr_array_new_with_free_func(record_free);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l) {
            continue;
        }
        g_auto(GStrv) f = g_strsplit(*l, "\t", 4);
        g_assert_cmpuint(g_strv_length(f), ==, 4);
        DocRecord *r = g_new0(DocRecord, 1);
        r->kind = g_strdup(f[0]);
        r->cls = g_strdup(f[1]);
        r->where = g_strdup(f[2]);
        r->text = g_strdup(f[3]);
        g_ptr_array_add(recs, r);
    }
    return recs;
}

static void test_blocks_say_what_they_are(void)
{
    g_autoptr(GPtrArray) recs = doc_records();
    unsigned cmds = 0;
    for (guint i = 0; i < recs->len; i++) {
        DocRecord *r = g_ptr_array_index(recs, i);
        if (g_str_equal(r->kind, "BAD")) {
            g_error("%s: %s", r->where, r->text);
        }
        cmds += g_str_equal(r->kind, "CMD");
    }
    g_assert_cmpuint(cmds, >=, 10);
}

/* @text with every @from replaced by @to. */
static char *replace_all(const char *text, const char *from, const char *to)
{
    g_auto(GStrv) parts = g_strsplit(text, from, -1);
    return g_strjoinv(to, parts);
}

/* Does every line of @want (in order) appear as a whole line of @out? */
static bool lines_in_order(const char *out, GPtrArray *want, const char **missing)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    char **l = lines;
    for (guint i = 0; i < want->len; i++) {
        const char *w = g_ptr_array_index(want, i);
        while (*l && strcmp(g_strchomp(*l), w) != 0) {
            l++;
        }
        if (!*l) {
            *missing = w;
            return false;
        }
        l++;
    }
    return true;
}

static void test_check_commands(void)
{
    g_autoptr(GPtrArray) recs = doc_records();
    g_autoptr(GError) gerr = NULL;
    g_autofree char *scratch = g_dir_make_tmp("xpt-docs-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    g_autofree char *bindir = g_build_filename(scratch, "bin", NULL);
    g_autofree char *destdir = g_build_filename(scratch, "dest", NULL);
    g_assert_cmpint(g_mkdir(bindir, 0755), ==, 0);
    g_autofree char *abs_bin = g_canonicalize_filename(binary(), NULL);
    g_autofree char *link = g_build_filename(bindir, "xen-pt-dm", NULL);
    g_assert_cmpint(symlink(abs_bin, link), ==, 0);

    g_auto(GStrv) env = g_get_environ();
    env = g_environ_unsetenv(env, "MAKEFLAGS");
    env = g_environ_unsetenv(env, "MFLAGS");
    env = g_environ_unsetenv(env, "MAKELEVEL");
    env = g_environ_setenv(env, "DESTDIR", destdir, TRUE);
    g_autofree char *path = g_strdup_printf("%s:%s", bindir, g_getenv("PATH"));
    env = g_environ_setenv(env, "PATH", path, TRUE);
    g_autofree char *build = g_path_get_dirname(binary());
    bool other_build = !g_str_equal(build, "build");

    unsigned ran = 0;
    for (guint i = 0; i < recs->len; i++) {
        DocRecord *r = g_ptr_array_index(recs, i);
        if (!g_str_equal(r->kind, "CMD") || !g_str_equal(r->cls, "check")) {
            continue;
        }
        g_autoptr(GPtrArray) want = g_ptr_array_new();
        for (guint j = i + 1; j < recs->len; j++) {
            DocRecord *o = g_ptr_array_index(recs, j);
            if (!g_str_equal(o->kind, "OUT")) {
                break;
            }
            g_ptr_array_add(want, o->text);
        }
        g_autofree char *cmd = g_strdup(r->text);
        if (other_build) {
            g_autofree char *b = g_strdup_printf("%s/xen-pt-dm", build);
            g_autofree char *c1 = replace_all(cmd, "build/xen-pt-dm", b);
            g_autofree char *m = g_strdup_printf("make BUILD=%s", build);
            g_free(cmd);
            cmd = g_str_has_prefix(c1, "make ") || g_str_equal(c1, "make")
                  ? g_strconcat(m, c1 + 4, NULL) : g_strdup(c1);
        }
        g_autofree char *script = g_strdup_printf("(%s) 2>&1", cmd);
        char *argv[] = { (char *)"timeout", (char *)"300", (char *)"sh", (char *)"-c", script,
                         NULL };
        g_autofree char *out = NULL;
        int status = -1;
        if (!g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                          NULL, NULL, &out, NULL, &status, &gerr)) {
            g_error("%s: cannot run: %s", r->where, gerr->message);
        }
        if (!g_spawn_check_wait_status(status, NULL)) {
            g_error("%s: `%s` failed (wait status 0x%x):\n%s", r->where, cmd, status, out);
        }
        const char *missing = NULL;
        if (!lines_in_order(out, want, &missing)) {
            g_error("%s: `%s` did not print, in the documented order, the line\n  %s\n"
                    "it printed:\n%s", r->where, cmd, missing, out);
        }
        ran++;
    }
    g_assert_cmpuint(ran, >=, 4);
    xpt_test_rmtree(scratch);
}

static void test_ci_commands(void)
{
    g_autoptr(GPtrArray) recs = doc_records();
    g_auto(GStrv) env = g_get_environ();
    env = g_environ_unsetenv(env, "MAKEFLAGS");
    env = g_environ_unsetenv(env, "MFLAGS");
    env = g_environ_unsetenv(env, "MAKELEVEL");
    unsigned n = 0;
    for (guint i = 0; i < recs->len; i++) {
        DocRecord *r = g_ptr_array_index(recs, i);
        if (!g_str_equal(r->kind, "CMD") || !g_str_equal(r->cls, "ci")) {
            continue;
        }
        g_auto(GStrv) w = g_strsplit(r->text, " ", -1);
        if (g_strv_length(w) != 2 || !g_str_equal(w[0], "make")) {
            g_error("%s: a CI command is `make TARGET`, not `%s`", r->where, r->text);
        }
        /* make -n: the target exists (nothing is built or run) */
        char *argv[] = { (char *)"make", (char *)"-n", (char *)"--no-print-directory", w[1],
                         NULL };
        int status = -1;
        g_autofree char *out = NULL, *err = NULL;
        g_assert_true(g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                                   &err, &status, NULL));
        if (!g_spawn_check_wait_status(status, NULL)) {
            g_error("%s: `%s`: %s", r->where, r->text, err);
        }
        n++;
    }
    g_assert_cmpuint(n, >=, 3);     /* check, check-deb, check-xen */
}

/* xl's command table: subcommand → the text of its usage and options. */
static GHashTable *xl_commands(void)
{
    g_autofree char *src = NULL;
    g_assert_true(g_file_get_contents(xpt_test_fixture(XL_CMDTABLE), &src, NULL, NULL));
    GHashTable *cmds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    /* An entry: { "name", &main_fn, ..., "help" "usage" "options"... }, */
    g_autoptr(GRegex) entry = g_regex_new("\\{\\s*\"([a-z0-9-]+)\",\\s*&main_\\w+,(.*?)\\n\\s*\\}",
                                          G_REGEX_DOTALL, 0, NULL);
    g_autoptr(GRegex) lit = g_regex_new("\"((?:[^\"\\\\]|\\\\.)*)\"", 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    g_regex_match(entry, src, 0, &m);
    for (; g_match_info_matches(m); g_match_info_next(m, NULL)) {
        g_autofree char *body = g_match_info_fetch(m, 2);
        GString *text = g_string_new(NULL);
        g_autoptr(GMatchInfo) lm = NULL;
        g_regex_match(lit, body, 0, &lm);
        for (; g_match_info_matches(lm); g_match_info_next(lm, NULL)) {
            g_autofree char *s = g_match_info_fetch(lm, 1);
            g_string_append(text, s);
            g_string_append_c(text, ' ');
        }
        g_hash_table_replace(cmds, g_match_info_fetch(m, 1), g_string_free(text, FALSE));
    }
    g_assert_cmpuint(g_hash_table_size(cmds), >, 50);
    return cmds;
}

/* Is @opt ("-r", "--name") one of the options in @help? */
static bool help_has_option(const char *help, const char *opt)
{
    g_autofree char *name = g_strndup(opt, strcspn(opt, "="));
    g_autofree char *esc = g_regex_escape_string(name, -1);
    g_autofree char *re = g_strdup_printf("(^|[\\s,\\[])%s([\\s,=\\]]|\\\\n|$)", esc);
    return g_regex_match_simple(re, help, 0, 0);
}

static void check_xl(const char *where, char **argv, GHashTable *cmds)
{
    int i = 1;
    for (; argv[i] && argv[i][0] == '-'; i++) {
        for (const char *c = argv[i] + 1; *c; c++) {
            if (!strchr(XL_GLOBAL_OPTS, *c)) {
                g_error("%s: xl has no global option -%c", where, *c);
            }
        }
    }
    if (!argv[i]) {
        g_error("%s: xl without a subcommand", where);
    }
    const char *help = g_hash_table_lookup(cmds, argv[i]);
    if (!help) {
        g_error("%s: xl 4.17 has no subcommand %s", where, argv[i]);
    }
    for (i++; argv[i]; i++) {
        if (argv[i][0] == '-' && argv[i][1] && !help_has_option(help, argv[i])) {
            g_error("%s: xl %s has no option %s (its options: %s)", where, argv[i - 1],
                    argv[i], help);
        }
    }
}

static void check_dm_cmdline(const char *where, char **argv)
{
    g_free(argv[0]);
    argv[0] = g_strdup(binary());
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, NULL));
    bool exit1 = WIFEXITED(status) && WEXITSTATUS(status) == 1;
    if (g_strv_contains((const char *const *)argv, "-check-host")) {
        /* the readiness check reads this machine: ready (0) or not (1), with verdicts */
        bool json = g_strv_contains((const char *const *)argv, "-json");
        g_autoptr(JsonNode) doc = json ? json_from_string(out, NULL) : NULL;
        bool verdicts = json ? doc && JSON_NODE_HOLDS_OBJECT(doc) &&
                               json_object_has_member(json_node_get_object(doc), "devices")
                             : strstr(out, "verdict: ") != NULL;
        if ((g_spawn_check_wait_status(status, NULL) || exit1) && verdicts) {
            return;
        }
    } else if (exit1 && strstr(err, NO_XEN_LINE)) {
        return;
    }
    g_error("%s: xen-pt-dm did not accept the command line (wait status 0x%x):\n%s", where,
            status, err);
}

static void test_xen_commands(void)
{
    if (g_file_test("/dev/xen/privcmd", G_FILE_TEST_EXISTS)) {
        g_test_skip("this is a dom0: the command lines would start a device model");
        return;
    }
    g_autoptr(GPtrArray) recs = doc_records();
    g_autoptr(GHashTable) cmds = xl_commands();
    unsigned xl = 0, dm = 0;
    for (guint i = 0; i < recs->len; i++) {
        DocRecord *r = g_ptr_array_index(recs, i);
        if (!g_str_equal(r->kind, "CMD") || !g_str_equal(r->cls, "xen")) {
            continue;
        }
        /* the simple commands of a pipeline or list */
        g_auto(GStrv) segs = g_regex_split_simple("\\s*(?:\\|\\|?|&&|;)\\s*", r->text, 0, 0);
        for (char **s = segs; *s; s++) {
            g_auto(GStrv) argv = NULL;
            g_autoptr(GError) gerr = NULL;
            if (!**s) {
                continue;
            }
            if (!g_shell_parse_argv(*s, NULL, &argv, &gerr)) {
                g_error("%s: `%s`: %s", r->where, *s, gerr->message);
            }
            g_autofree char *prog = g_path_get_basename(argv[0]);
            if (g_str_equal(prog, "xl")) {
                check_xl(r->where, argv, cmds);
                xl++;
            } else if (g_str_equal(prog, "xen-pt-dm")) {
                check_dm_cmdline(r->where, argv);
                dm++;
            }
        }
    }
    g_assert_cmpuint(xl, >=, 5);
    g_assert_cmpuint(dm, >=, 2);
}

/* The checker itself: it refuses what xl 4.17 would refuse. */
static void test_xl_checker_refuses(void)
{
    g_autoptr(GHashTable) cmds = xl_commands();
    g_assert_nonnull(g_hash_table_lookup(cmds, "pci-assignable-list"));
    g_assert_true(help_has_option(g_hash_table_lookup(cmds, "pci-assignable-remove"), "-r"));
    g_assert_false(help_has_option(g_hash_table_lookup(cmds, "pci-assignable-remove"), "-f"));
    g_assert_true(help_has_option(g_hash_table_lookup(cmds, "pci-assignable-add"),
                                  "--name=x"));
    g_assert_false(help_has_option(g_hash_table_lookup(cmds, "pci-assignable-add"),
                                   "--bogus"));
    g_assert_null(g_hash_table_lookup(cmds, "pci-attachh"));
}

/* Text files of the repository that cite the design (sources, docs, scripts). */
static void collect_texts(const char *dir, GPtrArray *out)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (!d) {
        return;
    }
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *p = g_str_equal(dir, ".") ? g_strdup(name)
                                                   : g_build_filename(dir, name, NULL);
        if (name[0] == '.' || g_str_has_prefix(name, "build") ||
            g_str_equal(p, "tests/fixtures") || g_str_equal(p, "debian")) {
            continue;
        }
        if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK)) {
            collect_texts(p, out);
        } else if (g_str_has_suffix(name, ".c") || g_str_has_suffix(name, ".h") ||
                   g_str_has_suffix(name, ".md") || g_str_has_suffix(name, ".sh") ||
                   g_str_has_suffix(name, ".1") || g_str_equal(name, "Makefile")) {
            g_ptr_array_add(out, g_steal_pointer(&p));
        }
    }
}

static void test_citations_inside(void)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    collect_texts(".", files);
    g_assert_cmpuint(files->len, >, 100);
    g_autofree char *spec = NULL;
    g_assert_true(g_file_get_contents("docs/spec.md", &spec, NULL, NULL));
    g_autoptr(GRegex) ref_re = g_regex_new("reference/([a-z0-9-]+\\.md)", 0, 0, NULL);
    g_autoptr(GRegex) spec_re = g_regex_new("SPEC §([0-9]+)", 0, 0, NULL);
    g_autoptr(GRegex) link_re = g_regex_new("\\]\\(([^)#\\s]+)(#[^)]*)?\\)", 0, 0, NULL);
    unsigned refs = 0, specs = 0, links = 0;
    for (guint i = 0; i < files->len; i++) {
        const char *f = g_ptr_array_index(files, i);
        g_autofree char *text = NULL;
        g_assert_true(g_file_get_contents(f, &text, NULL, NULL));
        /* this file names the old location to forbid it */
        if (strstr(text, "../shared/") && !g_str_equal(f, "tests/test-docs.c")) {
            g_error("%s cites ../shared/, outside the repository", f);
        }
        g_autoptr(GMatchInfo) m = NULL;
        g_regex_match(ref_re, text, 0, &m);
        for (; g_match_info_matches(m); g_match_info_next(m, NULL), refs++) {
            g_autofree char *name = g_match_info_fetch(m, 1);
            g_autofree char *p = g_build_filename("docs/reference", name, NULL);
            if (!g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
                g_error("%s cites reference/%s, which docs/reference/ does not have", f, name);
            }
        }
        g_autoptr(GMatchInfo) sm = NULL;
        g_regex_match(spec_re, text, 0, &sm);
        for (; g_match_info_matches(sm); g_match_info_next(sm, NULL), specs++) {
            g_autofree char *n = g_match_info_fetch(sm, 1);
            g_autofree char *heading = g_strdup_printf("\n## %s. ", n);
            if (!strstr(spec, heading)) {
                g_error("%s cites SPEC §%s, which docs/spec.md does not have", f, n);
            }
        }
        if (!g_str_has_suffix(f, ".md")) {
            continue;
        }
        g_autofree char *dir = g_path_get_dirname(f);
        g_autoptr(GMatchInfo) lm = NULL;
        g_regex_match(link_re, text, 0, &lm);
        for (; g_match_info_matches(lm); g_match_info_next(lm, NULL)) {
            g_autofree char *target = g_match_info_fetch(lm, 1);
            if (strstr(target, "://") || g_str_has_prefix(target, "mailto:")) {
                continue;
            }
            g_autofree char *p = g_build_filename(dir, target, NULL);
            if (!g_file_test(p, G_FILE_TEST_EXISTS)) {
                g_error("%s links to %s, which does not exist", f, target);
            }
            links++;
        }
    }
    g_assert_cmpuint(refs, >, 50);
    g_assert_cmpuint(specs, >, 20);
    g_assert_cmpuint(links, >, 10);
}

/* The last PCI endpoint (header type 0, not a bridge) of this machine's sysfs, or NULL. */
static char *last_endpoint(void)
{
    g_autoptr(GDir) d = g_dir_open("/sys/bus/pci/devices", 0, NULL);
    if (!d) {
        return NULL;
    }
    char *best = NULL;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *cls_path = g_strdup_printf("/sys/bus/pci/devices/%s/class", name);
        g_autofree char *cfg_path = g_strdup_printf("/sys/bus/pci/devices/%s/config", name);
        g_autofree char *cls = NULL, *cfg = NULL;
        gsize len = 0;
        if (!g_file_get_contents(cls_path, &cls, NULL, NULL) ||
            !g_file_get_contents(cfg_path, &cfg, &len, NULL) || len < 64 ||
            g_str_has_prefix(cls, "0x06") || (cfg[14] & 0x7f) != 0) {
            continue;
        }
        if (!best || strcmp(name, best) > 0) {
            g_free(best);
            best = g_strdup(name);
        }
    }
    return best;
}

/* make demo DEV=: a device that does not exist is refused in one line; one that does is
 * the one passed through (the last endpoint, where the default takes the first). */
static void test_demo_dev(void)
{
    g_auto(GStrv) env = g_get_environ();
    env = g_environ_unsetenv(env, "MAKEFLAGS");
    env = g_environ_unsetenv(env, "MFLAGS");
    env = g_environ_unsetenv(env, "MAKELEVEL");
    g_autofree char *build = g_path_get_dirname(binary());
    g_autofree char *build_var = g_strdup_printf("BUILD=%s", build);
    char *argv[] = { (char *)"make", (char *)"-s", (char *)"--no-print-directory", build_var,
                     (char *)"demo", (char *)"DEV=0000:ff:1f.7", NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                               &status, NULL));
    g_assert_false(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(err, "DEV=0000:ff:1f.7: no such PCI device on this machine"));

    g_autofree char *dev = last_endpoint();
    if (!dev) {
        g_test_message("no PCI endpoint in /sys: only the refusal is checked");
        return;
    }
    g_autofree char *dev_var = g_strdup_printf("DEV=%s", dev);
    argv[5] = dev_var;
    g_autofree char *out2 = NULL, *err2 = NULL;
    g_assert_true(g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out2, &err2,
                               &status, NULL));
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_error("make demo %s failed:\n%s%s", dev_var, out2, err2);
    }
    g_autofree char *want = g_strdup_printf("== Passing through this machine's %s ", dev);
    g_assert_true(g_str_has_prefix(out2, want));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_file_test("scripts/doc-commands.sh", G_FILE_TEST_EXISTS)) {
        g_error("run from the repository root (where make check runs the tests)");
    }
    g_test_add_func("/docs/blocks-say-what-they-are", test_blocks_say_what_they_are);
    g_test_add_func("/docs/check-commands", test_check_commands);
    g_test_add_func("/docs/ci-commands", test_ci_commands);
    g_test_add_func("/docs/xl-checker-refuses", test_xl_checker_refuses);
    g_test_add_func("/docs/xen-commands", test_xen_commands);
    g_test_add_func("/docs/citations-inside", test_citations_inside);
    g_test_add_func("/docs/demo-dev", test_demo_dev);
    return g_test_run();
}
