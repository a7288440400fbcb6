/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QEMU-style option strings (QemuOpts rules); see util/opts.h. */
#include "util/opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

typedef struct {
    char *key;
    char *value;
    bool used;
} XptOpt;

struct XptOpts {
    GPtrArray *opts; /* of XptOpt, in order of first appearance */
};

static void opt_free(gpointer p)
{
    XptOpt *opt = p;

    g_free(opt->key);
    g_free(opt->value);
    g_free(opt);
}

static XptOpt *opts_find(XptOpts *opts, const char *key)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        XptOpt *opt = g_ptr_array_index(opts->opts, i);
        if (g_str_equal(opt->key, key)) {
            return opt;
        }
    }
    return NULL;
}

/* Takes ownership of @key and @value. Duplicate key: the new value replaces the old. */
static void opts_set(XptOpts *opts, char *key, char *value)
{
    XptOpt *opt = opts_find(opts, key);

    if (opt) {
        g_free(key);
        g_free(opt->value);
        opt->value = value;
        opt->used = false;
        return;
    }
    opt = g_new0(XptOpt, 1);
    opt->key = key;
    opt->value = value;
    g_ptr_array_add(opts->opts, opt);
}

/*
 * A value runs to the next single ',' or the end; ",," is a literal comma.
 * Returns the position of the terminating ',' or NUL.
 */
static const char *parse_value(const char *p, char **value)
{
    const char *end = p;
    while (*end && (end[0] != ',' || end[1] == ',')) {
        end += end[0] == ',' ? 2 : 1;
    }
    /* one allocation of the value's length, not a GString grown a byte at a time */
    char *v = g_malloc((size_t)(end - p) + 1), *o = v;
    for (const char *q = p; q < end; q++) {
        *o++ = *q;
        q += *q == ',';     /* ",," → "," */
    }
    *o = '\0';
    *value = v;
    return end;
}

XptOpts *xpt_opts_parse(const char *str, const char *implied_key, GError **errp)
{
    g_autoptr(XptOpts) opts = g_new0(XptOpts, 1);
    const char *p = str ? str : "";
    bool first = true;

    opts->opts = g_ptr_array_new_with_free_func(opt_free);

    while (*p) {
        size_t len = strcspn(p, "=,");
        char *key;
        char *value;

        if (len == 0) {
            /* "=value", or an empty element (",," where a key belongs, leading ',') */
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "Invalid parameter '' (empty key) in '%s'", str);
            return NULL;
        }
        if (p[len] == '=') {
            key = g_strndup(p, len);
            p = parse_value(p + len + 1, &value);
        } else if (first && implied_key) {
            key = g_strdup(implied_key);
            p = parse_value(p, &value);
        } else if (first) {
            g_autofree char *name = g_strndup(p, len);
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "Invalid parameter '%s'", name);
            return NULL;
        } else {
            key = g_strndup(p, len);
            value = g_strdup("on");
            p += len;
        }
        opts_set(opts, key, value);
        if (*p == ',') {
            p++;
        }
        first = false;
    }
    return g_steal_pointer(&opts);
}

void xpt_opts_free(XptOpts *opts)
{
    if (!opts) {
        return;
    }
    if (opts->opts) {
        g_ptr_array_unref(opts->opts);
    }
    g_free(opts);
}

const char *xpt_opts_get(XptOpts *opts, const char *key)
{
    XptOpt *opt = opts_find(opts, key);

    if (!opt) {
        return NULL;
    }
    opt->used = true;
    return opt->value;
}

bool xpt_opts_get_bool(XptOpts *opts, const char *key, bool def, bool *out, GError **errp)
{
    static const char *const true_words[] = { "on", "yes", "true", "1" };
    static const char *const false_words[] = { "off", "no", "false", "0" };
    const char *v = xpt_opts_get(opts, key);

    if (!v) {
        *out = def;
        return true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(true_words); i++) {
        if (g_str_equal(v, true_words[i])) {
            *out = true;
            return true;
        }
        if (g_str_equal(v, false_words[i])) {
            *out = false;
            return true;
        }
    }
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "Parameter '%s' expects 'on' or 'off'",
                key);
    return false;
}

/* Binary multiplier shift for a size suffix, or -1. */
static int suffix_shift(char c)
{
    switch (c) {
    case 'k': case 'K':
        return 10;
    case 'm': case 'M':
        return 20;
    case 'g': case 'G':
        return 30;
    case 't': case 'T':
        return 40;
    default:
        return -1;
    }
}

bool xpt_opts_get_u64(XptOpts *opts, const char *key, uint64_t def, bool allow_suffix,
                      uint64_t *out, GError **errp)
{
    const char *v = xpt_opts_get(opts, key);
    char *end = NULL;
    unsigned long long n;

    if (!v) {
        *out = def;
        return true;
    }
    if (v[0] == '-') {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "Parameter '%s' expects a non-negative number", key);
        return false;
    }
    /* strtoull would accept leading blanks and '+': the whole string must be a number. */
    if (!g_ascii_isdigit(v[0])) {
        goto invalid;
    }
    errno = 0;
    n = strtoull(v, &end, 0);
    if (end == v) {
        goto invalid;
    }
    if (errno == ERANGE) {
        goto overflow;
    }
    if (*end) {
        int shift = allow_suffix && end[1] == '\0' ? suffix_shift(*end) : -1;
        if (shift < 0) {
            goto invalid;
        }
        if (n > (UINT64_MAX >> shift)) {
            goto overflow;
        }
        n <<= shift;
    }
    *out = n;
    return true;

invalid:
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                allow_suffix ? "Parameter '%s' expects a number (optional suffix k, M, G, T)"
                             : "Parameter '%s' expects a number",
                key);
    return false;
overflow:
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                "Parameter '%s' expects a non-negative number below 2^64", key);
    return false;
}

bool xpt_opts_check_unused(XptOpts *opts, const char *what, GError **errp)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        XptOpt *opt = g_ptr_array_index(opts->opts, i);
        if (!opt->used) {
            if (what) {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "Property '%s.%s' not found",
                            what, opt->key);
            } else {
                g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "Property '%s' not found",
                            opt->key);
            }
            return false;
        }
    }
    return true;
}

const char **xpt_opts_keys(XptOpts *opts)
{
    const char **keys = g_new(const char *, opts->opts->len + 1);

    for (guint i = 0; i < opts->opts->len; i++) {
        XptOpt *opt = g_ptr_array_index(opts->opts, i);
        keys[i] = opt->key;
    }
    keys[opts->opts->len] = NULL;
    return keys;
}
