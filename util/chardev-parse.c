/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Character devices' option strings (-chardev, -qmp/-qtest legacy forms, -serial)
 * into an XptChardevSpec; see util/chardev.h. */
#include "util/chardev.h"

#include <limits.h>
#include <string.h>
#include <sys/un.h>

#include "util/error.h"
#include "util/opts.h"

/* ---- parsing ----------------------------------------------------------------------- */

void xpt_chardev_spec_clear(XptChardevSpec *spec)
{
    g_clear_pointer(&spec->id, g_free);
    g_clear_pointer(&spec->path, g_free);
    spec->fd = -1;
}

static bool chr_bool(XptOpts *o, const char *key, bool def, bool *out, const char *str,
                     GError **errp)
{
    g_autoptr(GError) err = NULL;
    if (!xpt_opts_get_bool(o, key, def, out, &err)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "chardev '%s': %s", str,
                    err->message);
        return false;
    }
    return true;
}

/* Options shared by both syntaxes: server, wait, nowait; anything else is refused. */
static bool chr_parse_flags(XptOpts *o, const char *str, const char *const *extra,
                            XptChardevSpec *spec, GError **errp)
{
    bool nowait = false;
    if (!chr_bool(o, "server", false, &spec->server, str, errp) ||
        !chr_bool(o, "wait", true, &spec->wait, str, errp) ||
        !chr_bool(o, "nowait", false, &nowait, str, errp)) {
        return false;
    }
    if (nowait) {
        spec->wait = false;
    }
    g_autofree const char **keys = xpt_opts_keys(o);
    for (unsigned i = 0; keys[i]; i++) {
        bool known = !strcmp(keys[i], "server") || !strcmp(keys[i], "wait") ||
                     !strcmp(keys[i], "nowait");
        for (unsigned j = 0; extra && extra[j] && !known; j++) {
            known = !strcmp(keys[i], extra[j]);
        }
        if (!known) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "chardev '%s': unsupported option '%s' (xen-pt-dm supports id, "
                        "path, fd, server and wait)", str, keys[i]);
            return false;
        }
    }
    return true;
}

static bool chr_check_path(const char *path, const char *str, GError **errp)
{
    if (!*path) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "chardev '%s': empty socket path",
                    str);
        return false;
    }
    if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "chardev '%s': socket path longer than %zu bytes", str,
                    sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
        return false;
    }
    return true;
}

/* "unix:PATH[,opts]" or "stdio" (QEMU's legacy chardev syntax for -qmp/-qtest). */
static bool chr_parse_legacy(const char *str, XptChardevSpec *spec, GError **errp)
{
    if (!strcmp(str, "stdio")) {
        spec->backend = XPT_CHARDEV_STDIO;
        return true;
    }
    if (!g_str_has_prefix(str, "unix:")) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "unsupported chardev '%s' (xen-pt-dm supports "
                    "unix:PATH[,server=on,wait=off] and stdio)", str);
        return false;
    }
    /* PATH runs to the first single ','; ",," is a literal comma. */
    g_autoptr(GString) path = g_string_new(NULL);
    const char *p = str + 5;
    for (; *p && !(p[0] == ',' && p[1] != ','); p++) {
        g_string_append_c(path, *p);
        p += (p[0] == ',');
    }
    if (!chr_check_path(path->str, str, errp)) {
        return false;
    }
    g_autoptr(XptOpts) o = xpt_opts_parse(*p ? p + 1 : "", NULL, errp);
    if (!o || !chr_parse_flags(o, str, NULL, spec, errp)) {
        return false;
    }
    spec->backend = XPT_CHARDEV_UNIX;
    spec->path = g_strdup(path->str);
    return true;
}

/* Keys of a pty/null/file chardev: @extra only. */
static bool chr_check_keys(XptOpts *o, const char *str, const char *const *extra,
                           GError **errp)
{
    g_autofree const char **keys = xpt_opts_keys(o);
    for (unsigned i = 0; keys[i]; i++) {
        bool known = false;
        for (unsigned j = 0; extra[j] && !known; j++) {
            known = !strcmp(keys[i], extra[j]);
        }
        if (!known) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "chardev '%s': unsupported option '%s'", str, keys[i]);
            return false;
        }
    }
    return true;
}

static bool chr_parse_file_path(const char *path, const char *str, XptChardevSpec *spec,
                                GError **errp)
{
    if (!path || !*path) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "chardev '%s': path= is missing",
                    str);
        return false;
    }
    spec->backend = XPT_CHARDEV_FILE;
    spec->path = g_strdup(path);
    return true;
}

static bool chr_parse_opts(const char *str, XptChardevSpec *spec, GError **errp)
{
    g_autoptr(XptOpts) o = xpt_opts_parse(str, "backend", errp);
    if (!o) {
        return false;
    }
    const char *backend = xpt_opts_get(o, "backend");
    const char *id = xpt_opts_get(o, "id");
    if (!id || !*id) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "chardev '%s': id= is missing", str);
        return false;
    }
    if (!g_strcmp0(backend, "pty") || !g_strcmp0(backend, "null")) {
        static const char *const extra[] = { "backend", "id", NULL };
        if (!chr_check_keys(o, str, extra, errp)) {
            return false;
        }
        spec->backend = backend[0] == 'p' ? XPT_CHARDEV_PTY : XPT_CHARDEV_NULL;
        spec->id = g_strdup(id);
        return true;
    }
    if (!g_strcmp0(backend, "file")) {
        static const char *const extra[] = { "backend", "id", "path", "append", NULL };
        if (!chr_check_keys(o, str, extra, errp) ||
            !chr_bool(o, "append", false, &spec->append, str, errp) ||
            !chr_parse_file_path(xpt_opts_get(o, "path"), str, spec, errp)) {
            return false;
        }
        spec->id = g_strdup(id);
        return true;
    }
    if (!g_strcmp0(backend, "stdio")) {
        static const char *const extra[] = { "backend", "id", "signal", NULL };
        bool sig;
        if (!chr_bool(o, "signal", false, &sig, str, errp) ||
            !chr_parse_flags(o, str, extra, spec, errp)) {
            return false;
        }
        spec->backend = XPT_CHARDEV_STDIO;
        spec->id = g_strdup(id);
        return true;
    }
    if (g_strcmp0(backend, "socket") != 0) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "chardev '%s': backend '%s' is not supported (xen-pt-dm supports "
                    "socket with path= or fd=, stdio, pty, file and null)", str,
                    backend ? backend : "");
        return false;
    }
    static const char *const extra[] = { "backend", "id", "path", "fd", NULL };
    if (!chr_parse_flags(o, str, extra, spec, errp)) {
        return false;
    }
    const char *path = xpt_opts_get(o, "path");
    const char *fd = xpt_opts_get(o, "fd");
    if (!path == !fd) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "chardev '%s': give exactly one of path= and fd=", str);
        return false;
    }
    if (path) {
        if (!chr_check_path(path, str, errp)) {
            return false;
        }
        spec->backend = XPT_CHARDEV_UNIX;
        spec->path = g_strdup(path);
    } else {
        guint64 n;
        if (!g_ascii_string_to_unsigned(fd, 10, 0, INT_MAX, &n, NULL)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "chardev '%s': fd= expects a file descriptor number", str);
            return false;
        }
        spec->backend = XPT_CHARDEV_FD;
        spec->fd = (int)n;
    }
    spec->id = g_strdup(id);
    return true;
}

bool xpt_chardev_parse(const char *str, bool legacy, XptChardevSpec *spec, GError **errp)
{
    memset(spec, 0, sizeof(*spec));
    spec->fd = -1;
    spec->wait = true;
    bool ok = legacy ? chr_parse_legacy(str, spec, errp) : chr_parse_opts(str, spec, errp);
    if (!ok) {
        xpt_chardev_spec_clear(spec);
    }
    return ok;
}

bool xpt_chardev_parse_serial(const char *str, XptChardevSpec *spec, GError **errp)
{
    memset(spec, 0, sizeof(*spec));
    spec->fd = -1;
    spec->wait = true;
    if (!strcmp(str, "pty")) {
        spec->backend = XPT_CHARDEV_PTY;
        return true;
    }
    if (!strcmp(str, "null")) {
        spec->backend = XPT_CHARDEV_NULL;
        return true;
    }
    if (g_str_has_prefix(str, "file:")) {
        return chr_parse_file_path(str + 5, str, spec, errp);
    }
    if (!strcmp(str, "stdio") || g_str_has_prefix(str, "unix:")) {
        bool ok = chr_parse_legacy(str, spec, errp);
        if (!ok) {
            xpt_chardev_spec_clear(spec);
        }
        return ok;
    }
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                "-serial %s: unsupported backend (xen-pt-dm supports pty, chardev:ID, "
                "file:PATH, unix:PATH[,server=on,wait=off], stdio, null and none)", str);
    return false;
}
