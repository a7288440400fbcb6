/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QEMU-style option strings (QemuOpts rules); see util/opts.h. */
#include "util/opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

typedef struct {
    const char *key;    /* both point into XptOpts's text */
    const char *value;
    bool used;
} XptOpt;

/*
 * One allocation per option string (issue 15: an attach's -device string cost four
 * allocations per key before): the struct, then room for every key=value pair the
 * string can hold (one more than its commas), then the string, which is cut into its
 * keys and values in place (the ",," of a value unescaped into fewer bytes), the
 * implied key, and "on" for the boolean shorthand.
 */
struct XptOpts {
    guint len, max;     /* pairs, in order of first appearance; room for max */
    XptOpt *opts;
    char *text;
};

static XptOpt *opts_find(XptOpts *opts, const char *key)
{
    for (guint i = 0; i < opts->len; i++) {
        XptOpt *opt = &opts->opts[i];
        if (g_str_equal(opt->key, key)) {
            return opt;
        }
    }
    return NULL;
}

/* Duplicate key: the new value replaces the old. The room was counted at the parse. */
static void opts_set(XptOpts *opts, const char *key, const char *value)
{
    XptOpt *opt = opts_find(opts, key);

    if (opt) {
        opt->value = value;
        opt->used = false;
        return;
    }
    g_assert(opts->len < opts->max);
    opts->opts[opts->len++] = (XptOpt){ .key = key, .value = value };
}

/*
 * A value runs to the next single ',' or the end; ",," is a literal comma. The value
 * is unescaped in place and NUL-terminated; returns the position after it, past its
 * ',' if one ended it.
 */
static char *parse_value(char *p, const char **value)
{
    char *end = p;
    while (*end && (end[0] != ',' || end[1] == ',')) {
        end += end[0] == ',' ? 2 : 1;
    }
    bool comma = *end == ',';
    char *o = p;
    for (const char *q = p; q < end; q++) {
        *o++ = *q;
        q += *q == ',';     /* ",," → "," */
    }
    *o = '\0';              /* o <= end: never past the value's own bytes */
    *value = p;
    return end + comma;
}

XptOpts *xpt_opts_parse(const char *str, const char *implied_key, GError **errp)
{
    const char *src = str ? str : "";
    size_t len = strlen(src), ilen = implied_key ? strlen(implied_key) + 1 : 0;
    size_t max = 1;
    for (const char *c = src; (c = strchr(c, ',')); c++) {
        max++;
    }
    g_autoptr(XptOpts) opts = g_malloc(sizeof(XptOpts) + max * sizeof(XptOpt) + len + 1 +
                                       ilen + sizeof("on"));
    opts->len = 0;
    opts->max = (guint)max;
    opts->opts = (XptOpt *)(opts + 1);
    opts->text = (char *)(opts->opts + max);
    memcpy(opts->text, src, len + 1);
    char *implied = opts->text + len + 1, *on = implied + ilen;
    if (implied_key) {
        memcpy(implied, implied_key, ilen);
    }
    memcpy(on, "on", sizeof("on"));

    char *p = opts->text;
    bool first = true;
    while (*p) {
        size_t klen = strcspn(p, "=,");
        const char *key;
        const char *value;

        if (klen == 0) {
            /* "=value", or an empty element (",," where a key belongs, leading ',') */
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "Invalid parameter '' (empty key) in '%s'", str);
            return NULL;
        }
        if (p[klen] == '=') {
            key = p;
            p[klen] = '\0';
            p = parse_value(p + klen + 1, &value);
        } else if (first && implied_key) {
            key = implied;
            p = parse_value(p, &value);
        } else if (first) {
            g_autofree char *name = g_strndup(p, klen);
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "Invalid parameter '%s'", name);
            return NULL;
        } else {
            char *k = p;
            p += klen + (p[klen] == ',');
            k[klen] = '\0';
            key = k;
            value = on;
        }
        opts_set(opts, key, value);
        first = false;
    }
    return g_steal_pointer(&opts);
}

void xpt_opts_free(XptOpts *opts)
{
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
    for (guint i = 0; i < opts->len; i++) {
        const XptOpt *opt = &opts->opts[i];
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
    const char **keys = g_new(const char *, opts->len + 1);

    for (guint i = 0; i < opts->len; i++) {
        keys[i] = opts->opts[i].key;
    }
    keys[opts->len] = NULL;
    return keys;
}
