/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP input framing: splits a byte stream into JSON values and parses each with
 * json-glib. QMP has no line framing: QEMU's JSON streamer dispatches a value as soon as
 * its outermost object/array closes (a command without a trailing newline is answered at
 * once; fixtures/qemu-7.2-reference/README.md) and several values may share a line or
 * one value span several writes. This module is that streamer: a small lexer that only
 * tracks strings (double- and single-quoted, as QEMU accepts both), bracket depth and
 * bare tokens, enforces the limits below, and hands each complete value's text to
 * json-glib (it never builds values itself).
 *
 * Errors are reported with QEMU 7.2's texts (qobject/json-streamer.c, json-parser.c;
 * GenericError, no "id" — reference/qtest-qmp.md §qmp):
 *   "JSON parse error, stray 'X'"          a byte that cannot start or continue a token
 *                                          (control character in a string, '/', 0xFE,
 *                                          ...); the partial value is dropped and input
 *                                          is skipped up to the next structural
 *                                          character or line break (QEMU's recovery)
 *   "JSON parse error, expecting value"    '}' ']' ':' ',' where no value can be, and
 *                                          most json-glib syntax errors
 *   "JSON parse error, invalid keyword 'foo'"   a bare word other than true/false/null
 *   "JSON parse error, missing : in object pair", "... expected separator in dict",
 *   "... invalid UTF-8 sequence in string"      from json-glib's error codes
 *   "JSON token size limit exceeded"       value longer than XPT_JSON_MAX_MESSAGE bytes
 *   "JSON nesting depth limit exceeded"    more than XPT_JSON_MAX_DEPTH open brackets
 *   After a limit error the rest of that value is skipped silently (structure is still
 *   tracked, nothing is stored), so one oversized request costs one error reply.
 * Deviations, because json-glib cannot represent the value exactly (it would wrap an
 * over-long integer to -1 and print an infinite double as invalid JSON):
 *   "JSON parse error, integer out of range"   integer outside the int64 range
 *   "JSON parse error, number out of range"    non-finite floating-point number
 *   "JSON parse error, invalid number 'X'"    a bare token starting like a number that
 *                                          is not one by JSON's grammar (0x10, 01, 1.,
 *                                          .5, +1), which json-glib alone would accept;
 *                                          QEMU's lexer rejects them with a "stray"
 *                                          error at the first bad character
 * (QEMU keeps such integers as uint64 or double.) Bytes 0xFE/0xFF between values are
 * ignored (the QMP spec's way for a client to resynchronise); inside a value they drop
 * it with a "stray" error.
 */
#ifndef XPT_MONITOR_JSON_STREAM_H
#define XPT_MONITOR_JSON_STREAM_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Bound on one request's text. QMP requests of this device model are < 1 KiB. */
#define XPT_JSON_MAX_MESSAGE (64u << 10)
/* QEMU's MAX_NESTING; also bounds json-glib's recursion. */
#define XPT_JSON_MAX_DEPTH 1024

typedef enum {
    XPT_JSON_NEED_MORE,   /* all input consumed, no value complete yet */
    XPT_JSON_VALUE,       /* *value set (a new JsonNode) */
    XPT_JSON_ERROR,       /* *error set (newly allocated text, QEMU's wording) */
} XptJsonResult;

typedef struct XptJsonStreamer XptJsonStreamer;

/** A streamer with nothing pending. Free with xpt_json_streamer_free() (NULL is fine). */
XptJsonStreamer *xpt_json_streamer_new(void);
void xpt_json_streamer_free(XptJsonStreamer *js);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptJsonStreamer, xpt_json_streamer_free)

/** Forget any partial value (a new client connected). */
void xpt_json_streamer_reset(XptJsonStreamer *js);

/**
 * xpt_json_streamer_feed: consume bytes of @data until one value or error is complete
 * (or all @len bytes are used). *@consumed receives the bytes used; call again with the
 * rest. Exactly one of *@value / *@error is set for XPT_JSON_VALUE / XPT_JSON_ERROR.
 */
XptJsonResult xpt_json_streamer_feed(XptJsonStreamer *js, const char *data, size_t len,
                                     size_t *consumed, JsonNode **value, char **error);

#endif
