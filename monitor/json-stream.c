/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP input framing on top of json-glib; see monitor/json-stream.h. */
#include "monitor/json-stream.h"

#include <math.h>
#include <string.h>

typedef enum {
    JS_START,        /* between tokens */
    JS_STRING,       /* inside a string delimited by js->quote */
    JS_STRING_ESC,   /* after a backslash in a string */
    JS_SCALAR,       /* inside a bare token: number or keyword */
    JS_RECOVER,      /* skipping after a stray byte */
} JsState;

struct XptJsonStreamer {
    JsState state;
    char quote;
    GString *buf;          /* text of the current value (empty while discarding) */
    gint64 braces, brackets;
    bool discard;          /* a limit was exceeded: skip the rest of this value */
    char *poison;          /* first lexical error of the value, reported at its end */
    gsize token_start;     /* offset in buf of the current string or scalar */
};

XptJsonStreamer *xpt_json_streamer_new(void)
{
    XptJsonStreamer *js = g_new0(XptJsonStreamer, 1);
    js->buf = g_string_new(NULL);
    return js;
}

void xpt_json_streamer_free(XptJsonStreamer *js)
{
    if (!js) {
        return;
    }
    g_string_free(js->buf, TRUE);
    g_free(js->poison);
    g_free(js);
}

/* Forget the current value; @state is where lexing goes on. */
static void js_reset_value(XptJsonStreamer *js, JsState state)
{
    g_string_truncate(js->buf, 0);
    js->braces = js->brackets = 0;
    js->discard = false;
    g_clear_pointer(&js->poison, g_free);
    js->state = state;
}

void xpt_json_streamer_reset(XptJsonStreamer *js)
{
    js_reset_value(js, JS_START);
}

static bool js_is_scalar_char(unsigned char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '+' || c == '.';
}

static bool js_is_structural(unsigned char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',';
}

static bool js_pending(const XptJsonStreamer *js)
{
    return js->buf->len || js->discard || js->braces || js->brackets;
}

static void G_GNUC_PRINTF(2, 3) js_set_poison(XptJsonStreamer *js, const char *fmt, ...)
{
    if (js->poison || js->discard) {
        return;     /* the first error of a value wins, as in QEMU's parser */
    }
    va_list ap;
    va_start(ap, fmt);
    js->poison = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/*
 * Whether @s (@len bytes) is a JSON number as RFC 8259 and QEMU's lexer define it:
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]+)?. json-glib alone would also take hex,
 * octal-looking, "1." and ".5" forms.
 */
static bool json_number_ok(const char *s, gsize len)
{
    gsize i = s[0] == '-' ? 1 : 0, d;
    if (i >= len || !g_ascii_isdigit(s[i])) {
        return false;
    }
    if (s[i++] != '0') {
        while (i < len && g_ascii_isdigit(s[i])) {
            i++;
        }
    }
    if (i < len && s[i] == '.') {
        for (d = ++i; i < len && g_ascii_isdigit(s[i]); i++) {
        }
        if (i == d) {
            return false;
        }
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i += i + 1 < len && (s[i + 1] == '+' || s[i + 1] == '-') ? 2 : 1;
        for (d = i; i < len && g_ascii_isdigit(s[i]); i++) {
        }
        if (i == d) {
            return false;
        }
    }
    return i == len;
}

/* A bare token ended: only true/false/null and numbers json-glib represents exactly. */
static void js_check_scalar(XptJsonStreamer *js)
{
    if (js->discard) {
        return;
    }
    const char *tok = js->buf->str + js->token_start;
    gsize len = js->buf->len - js->token_start;
    if (g_ascii_isalpha(tok[0])) {
        if (!(len == 4 && !strncmp(tok, "true", 4)) && !(len == 5 && !strncmp(tok, "false", 5)) &&
            !(len == 4 && !strncmp(tok, "null", 4))) {
            js_set_poison(js, "JSON parse error, invalid keyword '%.*s%s'",
                          (int)MIN(len, (gsize)32), tok, len > 32 ? "..." : "");
        }
        return;
    }
    if (!json_number_ok(tok, len)) {
        js_set_poison(js, "JSON parse error, invalid number '%.*s%s'",
                      (int)MIN(len, (gsize)32), tok, len > 32 ? "..." : "");
        return;
    }
    g_autofree char *copy = g_strndup(tok, len);
    bool integer = strspn(copy + (copy[0] == '-'), "0123456789") == len - (copy[0] == '-') &&
                   len > (gsize)(copy[0] == '-');
    if (integer) {
        gint64 v;
        if (!g_ascii_string_to_signed(copy, 10, G_MININT64, G_MAXINT64, &v, NULL)) {
            js_set_poison(js, "JSON parse error, integer out of range");
        }
        return;
    }
    char *end = NULL;
    double d = g_ascii_strtod(copy, &end);
    if (end && *end == '\0' && !isfinite(d)) {
        js_set_poison(js, "JSON parse error, number out of range");
    }
    /* anything else malformed is left to json-glib's own error */
}

/* A string ended: escapes as QEMU's parser accepts them. */
static void js_check_string(XptJsonStreamer *js)
{
    if (js->discard) {
        return;
    }
    const char *s = js->buf->str + js->token_start + 1;
    const char *end = js->buf->str + js->buf->len - 1;   /* the closing quote */
    for (; s < end; s++) {
        if (*s != '\\') {
            continue;
        }
        s++;
        if (strchr("\"'\\/bfnrt", *s)) {
            continue;
        }
        if (*s != 'u') {
            js_set_poison(js, "JSON parse error, invalid escape sequence in string");
            return;
        }
        for (int i = 1; i <= 4; i++) {
            if (s + i >= end || !g_ascii_isxdigit(s[i])) {
                js_set_poison(js, "JSON parse error, invalid hex escape sequence in string");
                return;
            }
        }
        if (!strncmp(s + 1, "0000", 4)) {
            js_set_poison(js, "JSON parse error, \\u0000 is not supported");
            return;
        }
        s += 4;
    }
}

/* json-glib's error for a complete value, in QEMU's words. */
static char *js_parse_error(const XptJsonStreamer *js, const GError *err)
{
    const char *what = "expecting value";
    if (err->domain == JSON_PARSER_ERROR) {
        switch (err->code) {
        case JSON_PARSER_ERROR_MISSING_COLON:
            what = "missing : in object pair";
            break;
        case JSON_PARSER_ERROR_MISSING_COMMA:
            what = js->buf->str[strspn(js->buf->str, " \t\r\n")] == '['
                   ? "expected separator in list" : "expected separator in dict";
            break;
        case JSON_PARSER_ERROR_INVALID_DATA:
            what = "invalid UTF-8 sequence in string";
            break;
        case JSON_PARSER_ERROR_INVALID_BAREWORD:
            if (strstr(err->message, "string constant")) {
                what = "key is not a string in object";
            }
            break;
        default:
            break;
        }
    }
    return g_strdup_printf("JSON parse error, %s", what);
}

/* The value in buf is complete. Returns NEED_MORE when it was being discarded. */
static XptJsonResult js_complete(XptJsonStreamer *js, JsonNode **value, char **error)
{
    XptJsonResult res = XPT_JSON_NEED_MORE;
    if (js->discard) {
        /* the limit error was already reported */
    } else if (js->poison) {
        *error = g_steal_pointer(&js->poison);
        res = XPT_JSON_ERROR;
    } else {
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_autoptr(GError) err = NULL;
        if (!json_parser_load_from_data(parser, js->buf->str, js->buf->len, &err)) {
            *error = js_parse_error(js, err);
            res = XPT_JSON_ERROR;
        } else if (!json_parser_get_root(parser)) {
            *error = g_strdup("JSON parse error, expecting value");
            res = XPT_JSON_ERROR;
        } else {
            *value = json_parser_steal_root(parser);
            res = XPT_JSON_VALUE;
        }
    }
    js_reset_value(js, JS_START);
    return res;
}

/* Append @c to the value unless discarding; enforce the size limit. */
static bool js_append(XptJsonStreamer *js, unsigned char c, char **error)
{
    if (js->discard) {
        return true;
    }
    if (js->buf->len >= XPT_JSON_MAX_MESSAGE) {
        *error = g_strdup("JSON token size limit exceeded");
        g_string_truncate(js->buf, 0);
        g_clear_pointer(&js->poison, g_free);
        js->discard = true;
        return false;
    }
    g_string_append_c(js->buf, (char)c);
    return true;
}

static XptJsonResult js_stray(XptJsonStreamer *js, unsigned char c, char **error)
{
    bool report = !js->discard;
    js_reset_value(js, JS_RECOVER);
    if (!report) {
        return XPT_JSON_NEED_MORE;
    }
    if (c >= 0x20 && c < 0x7f) {
        *error = g_strdup_printf("JSON parse error, stray '%c'", c);
    } else {
        *error = g_strdup_printf("JSON parse error, stray '\\x%02x'", c);
    }
    return XPT_JSON_ERROR;
}

XptJsonResult xpt_json_streamer_feed(XptJsonStreamer *js, const char *data, size_t len,
                                     size_t *consumed, JsonNode **value, char **error)
{
    size_t i = 0;
    XptJsonResult res = XPT_JSON_NEED_MORE;

    *value = NULL;
    *error = NULL;
    while (i < len && res == XPT_JSON_NEED_MORE) {
        unsigned char c = (unsigned char)data[i];

        switch (js->state) {
        case JS_RECOVER:
            if (js_is_structural(c)) {
                js->state = JS_START;       /* resynchronise on it: not consumed */
                continue;
            }
            if ((c < 0x20 && c != '\t') || c >= 0xfe) {
                js->state = JS_START;
            }
            i++;
            continue;

        case JS_STRING_ESC:
            if (c < 0x20 || c >= 0xfe) {
                res = js_stray(js, c, error);
            } else if (js_append(js, c, error)) {
                js->state = JS_STRING;
            } else {
                js->state = JS_STRING;
                res = XPT_JSON_ERROR;
            }
            i++;
            continue;

        case JS_STRING:
            if (c < 0x20 || c >= 0xfe) {
                res = js_stray(js, c, error);
                i++;
                continue;
            }
            if (!js_append(js, c, error)) {
                res = XPT_JSON_ERROR;
            }
            i++;
            if (c == '\\') {
                js->state = JS_STRING_ESC;
            } else if (c == (unsigned char)js->quote) {
                js->state = JS_START;
                js_check_string(js);
                if (!js->braces && !js->brackets) {
                    if (res == XPT_JSON_NEED_MORE) {
                        res = js_complete(js, value, error); /* a top-level string */
                    } else {
                        js_reset_value(js, JS_START);
                    }
                }
            }
            continue;

        case JS_SCALAR:
            if (js_is_scalar_char(c)) {
                if (!js_append(js, c, error)) {
                    res = XPT_JSON_ERROR;
                }
                i++;
                continue;
            }
            js->state = JS_START;
            js_check_scalar(js);
            if (!js->braces && !js->brackets) {
                res = js_complete(js, value, error);         /* a top-level number */
            }
            continue;                                         /* @c not consumed */

        case JS_START:
            break;
        }

        /* JS_START */
        i++;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (js->buf->len && !js_append(js, c, error)) {
                res = XPT_JSON_ERROR;
            }
            continue;
        }
        if (c >= 0xfe && !js_pending(js)) {
            continue;       /* a client resynchronising between values */
        }
        if (c == '"' || c == '\'') {
            js->token_start = js->buf->len;
            js->quote = (char)c;
            js->state = JS_STRING;
        } else if (js_is_scalar_char(c)) {
            js->token_start = js->buf->len;
            js->state = JS_SCALAR;
        } else if (!js_is_structural(c)) {
            res = js_stray(js, c, error);
            continue;
        }
        if (!js_append(js, c, error)) {
            res = XPT_JSON_ERROR;
        }
        switch (c) {
        case '{':
            js->braces++;
            break;
        case '[':
            js->brackets++;
            break;
        case '}':
            js->braces--;
            break;
        case ']':
            js->brackets--;
            break;
        default:
            break;
        }
        if ((c == '{' || c == '[') && js->braces + js->brackets > XPT_JSON_MAX_DEPTH &&
            !js->discard) {
            *error = g_strdup("JSON nesting depth limit exceeded");
            g_string_truncate(js->buf, 0);
            g_clear_pointer(&js->poison, g_free);
            js->discard = true;
            res = XPT_JSON_ERROR;
            continue;
        }
        bool closes = js_is_structural(c) &&
                      (js->braces < 0 || js->brackets < 0 || (!js->braces && !js->brackets));
        if (closes && res == XPT_JSON_NEED_MORE) {
            res = js_complete(js, value, error);
        } else if (closes) {
            js_reset_value(js, JS_START);   /* ended together with its limit error */
        }
    }
    *consumed = i;
    return res;
}
