/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU-style option strings: "driver,key=value,key2=value2" (-device),
 * "key=value,..." (-machine, -accel with an implied first key), with ",," as an
 * escaped comma inside a value (QEMU's QemuOpts rules).
 */
#ifndef XPT_UTIL_OPTS_H
#define XPT_UTIL_OPTS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/** XptOpts: an ordered list of key=value pairs parsed from one option string. */
typedef struct XptOpts XptOpts;

/**
 * xpt_opts_parse: parse @str. If @implied_key is non-NULL, a first element without '='
 * is taken as the value of that key (QEMU: "-device e1000" → driver=e1000;
 * "-accel qtest" → accel=qtest); without @implied_key it is an error ("Invalid
 * parameter 'x'"). A later element without '=' is "key=on" (QEMU's boolean shorthand;
 * "noKEY" is not special). In values (the implied one included) ",," is a literal comma;
 * keys cannot contain ',' or '='. A trailing ',' is ignored; "" gives empty opts.
 * Duplicate keys: the last value wins, the key keeps its first position. Empty keys
 * ("=x", a leading ',', ",," where a key belongs) are an error.
 * Returns NULL with XPT_ERROR_INVALID on a malformed string.
 */
XptOpts *xpt_opts_parse(const char *str, const char *implied_key, GError **errp);
void xpt_opts_free(XptOpts *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptOpts, xpt_opts_free)

/** xpt_opts_get: value of @key or NULL. Marks the key as used. */
const char *xpt_opts_get(XptOpts *opts, const char *key);

/**
 * xpt_opts_get_bool: on/off/yes/no/true/false/1/0 → *out; absent → @def.
 * Returns false with XPT_ERROR_INVALID ("Parameter 'KEY' expects 'on' or 'off'").
 */
bool xpt_opts_get_bool(XptOpts *opts, const char *key, bool def, bool *out, GError **errp);

/**
 * xpt_opts_get_u64: decimal, 0x hex or 0 octal (strtoull base 0), with optional
 * k/M/G/T suffix (either case) when @allow_suffix (binary multiples); absent → @def.
 * The whole value must be the number (no blanks, no '+'). Returns false with
 * XPT_ERROR_INVALID: "Parameter 'KEY' expects a non-negative number" for a negative
 * value, "... expects a non-negative number below 2^64" on overflow, "... expects a
 * number" otherwise.
 */
bool xpt_opts_get_u64(XptOpts *opts, const char *key, uint64_t def, bool allow_suffix,
                      uint64_t *out, GError **errp);

/**
 * xpt_opts_check_unused: fails with XPT_ERROR_INVALID "Property 'DRIVER.KEY' not found"
 * (QEMU's text) for the first key never read with xpt_opts_get*; @what names the
 * driver/option in that message.
 */
bool xpt_opts_check_unused(XptOpts *opts, const char *what, GError **errp);

/** xpt_opts_keys: the keys in order (borrowed, NULL-terminated array, free with g_free). */
const char **xpt_opts_keys(XptOpts *opts);

#endif
