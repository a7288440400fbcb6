/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest commands (reference/qtest-qmp.md §qtest protocol; replies as QEMU 7.2
 * system/qtest.c): strict argument parsing, then the backend call. Bad input is answered
 * "FAIL <reason>" where QEMU would abort.
 */
#include "qtest/qtest-int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "util/bytes.h"
#include "util/error.h"
#include "util/log.h"

/* Client text for a reply: at most QT_QUOTE_MAX bytes, control characters as '?'. */
static char *qt_quote(const char *str)
{
    size_t len = strlen(str);
    GString *out = g_string_sized_new(MIN(len, (size_t)QT_QUOTE_MAX) + 4);

    for (size_t i = 0; i < len && i < QT_QUOTE_MAX; i++) {
        unsigned char c = str[i];
        g_string_append_c(out, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
    }
    if (len > QT_QUOTE_MAX) {
        g_string_append(out, "...");
    }
    return g_string_free(out, FALSE);
}

/* A reply must stay one line whatever a backend returned. */
static char *qt_one_line(char *text)
{
    for (char *p = text; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    return text;
}

char *qt_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return g_strconcat("FAIL ", msg, NULL);
}

/* ---- argument parsing -------------------------------------------------------------- */

/*
 * Strict C-syntax unsigned number (0x.., 0.. octal, decimal), no sign, no blanks,
 * nothing after it, at most @max. Returns NULL or the FAIL reply.
 */
static char *qt_parse_u64(const char *str, const char *what, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    uint64_t v;

    if (!g_ascii_isdigit(str[0])) {
        g_autofree char *q = qt_quote(str);
        return qt_fail("invalid %s '%s'", what, q);
    }
    errno = 0;
    v = g_ascii_strtoull(str, &end, 0);
    if (errno != 0 || end == str || *end != '\0') {
        g_autofree char *q = qt_quote(str);
        return qt_fail(errno == ERANGE ? "%s '%s' out of range" : "invalid %s '%s'", what, q);
    }
    if (v > max) {
        g_autofree char *q = qt_quote(str);
        return qt_fail("%s '%s' out of range (max 0x%" PRIx64 ")", what, q, max);
    }
    *out = v;
    return NULL;
}

/* Signed 64-bit number: an optional '-' then qt_parse_u64 syntax. */
static char *qt_parse_i64(const char *str, const char *what, int64_t *out)
{
    bool neg = str[0] == '-';
    uint64_t v;
    char *fail = qt_parse_u64(str + neg, what, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v);

    if (fail) {
        return fail;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return NULL;
}

static unsigned qt_size_suffix(char c)
{
    switch (c) {
    case 'b': return 1;
    case 'w': return 2;
    case 'l': return 4;
    default: return 8;
    }
}

/* ADDR and SIZE of a memory range; SIZE bounded by XPT_QTEST_MAX_XFER, no wrap-around. */
static char *qt_parse_range(char **w, uint64_t *addr, uint64_t *len)
{
    char *fail = qt_parse_u64(w[1], "ADDR", UINT64_MAX, addr);

    if (!fail) {
        fail = qt_parse_u64(w[2], "SIZE", XPT_QTEST_MAX_XFER, len);
    }
    if (!fail && *len && *addr > UINT64_MAX - (*len - 1)) {
        fail = qt_fail("range 0x%" PRIx64 "+0x%" PRIx64 " wraps around", *addr, *len);
    }
    return fail;
}

/* ---- commands ------------------------------------------------------------------- */

typedef char *(*QtCmdFn)(XptQtestServer *s, char **w);

static char *qt_cmd_out(XptQtestServer *s, char **w)
{
    unsigned size = qt_size_suffix(w[0][3]);
    uint64_t port, val;
    char *fail = qt_parse_u64(w[1], "ADDR", 0xffff, &port);

    if (!fail) {
        fail = qt_parse_u64(w[2], "VALUE", xpt_ones64(size), &val);
    }
    if (fail) {
        return fail;
    }
    if (s->be.pio_write) {
        s->be.pio_write(s->opaque, (uint16_t)port, size, (uint32_t)val);
    }
    return g_strdup("OK");
}

static char *qt_cmd_in(XptQtestServer *s, char **w)
{
    unsigned size = qt_size_suffix(w[0][2]);
    uint64_t port;
    uint32_t val;
    char *fail = qt_parse_u64(w[1], "ADDR", 0xffff, &port);

    if (fail) {
        return fail;
    }
    val = s->be.pio_read ? s->be.pio_read(s->opaque, (uint16_t)port, size)
                         : (uint32_t)xpt_ones64(size);
    return g_strdup_printf("OK 0x%04x", val & (uint32_t)xpt_ones64(size));
}

static char *qt_cmd_writex(XptQtestServer *s, char **w)
{
    unsigned size = qt_size_suffix(w[0][5]);
    uint64_t addr, val;
    char *fail = qt_parse_u64(w[1], "ADDR", UINT64_MAX - (size - 1), &addr);

    if (!fail) {
        fail = qt_parse_u64(w[2], "VALUE", xpt_ones64(size), &val);
    }
    if (fail) {
        return fail;
    }
    if (s->be.mmio_write) {
        s->be.mmio_write(s->opaque, addr, size, val);
    }
    return g_strdup("OK");
}

static char *qt_cmd_readx(XptQtestServer *s, char **w)
{
    unsigned size = qt_size_suffix(w[0][4]);
    uint64_t addr, val;
    char *fail = qt_parse_u64(w[1], "ADDR", UINT64_MAX - (size - 1), &addr);

    if (fail) {
        return fail;
    }
    val = s->be.mmio_read ? s->be.mmio_read(s->opaque, addr, size) : UINT64_MAX;
    return g_strdup_printf("OK 0x%016" PRIx64, val & xpt_ones64(size));
}

static char *qt_cmd_read(XptQtestServer *s, char **w)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t addr, len;
    char *fail = qt_parse_range(w, &addr, &len);

    if (fail) {
        return fail;
    }
    if (len == 0) {
        return qt_fail("SIZE must not be 0");
    }
    g_autofree uint8_t *buf = g_malloc0(len);
    if (s->be.mem_read) {
        s->be.mem_read(s->opaque, addr, buf, len);
    }
    GString *out = g_string_sized_new(5 + 2 * len);
    g_string_append(out, "OK 0x");
    for (uint64_t i = 0; i < len; i++) {
        g_string_append_c(out, hex[buf[i] >> 4]);
        g_string_append_c(out, hex[buf[i] & 0xf]);
    }
    return g_string_free(out, FALSE);
}

static char *qt_cmd_b64read(XptQtestServer *s, char **w)
{
    uint64_t addr, len;
    char *fail = qt_parse_range(w, &addr, &len);

    if (fail) {
        return fail;
    }
    g_autofree uint8_t *buf = g_malloc0(len ? len : 1);
    if (len && s->be.mem_read) {
        s->be.mem_read(s->opaque, addr, buf, len);
    }
    g_autofree char *b64 = g_base64_encode(buf, len);
    return g_strconcat("OK ", b64, NULL); /* SIZE 0: "OK " like QEMU */
}

static int qt_hex_nibble(char c)
{
    return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

static char *qt_cmd_write(XptQtestServer *s, char **w)
{
    uint64_t addr, len;
    const char *data = w[3];
    size_t dlen = strlen(data);
    char *fail = qt_parse_range(w, &addr, &len);

    if (fail) {
        return fail;
    }
    if (dlen < 3) {
        return g_strdup("ERR invalid argument size"); /* QEMU's reply */
    }
    if (data[0] != '0' || (data[1] != 'x' && data[1] != 'X')) {
        return qt_fail("DATA must start with 0x");
    }
    data += 2;
    dlen -= 2;
    if (dlen % 2) {
        return qt_fail("DATA has an odd number of hex digits");
    }
    if (dlen / 2 > len) {
        return qt_fail("DATA is longer than SIZE 0x%" PRIx64, len);
    }
    g_autofree uint8_t *buf = g_malloc0(len ? len : 1);
    for (size_t i = 0; i < dlen / 2; i++) {
        int hi = qt_hex_nibble(data[2 * i]), lo = qt_hex_nibble(data[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return qt_fail("DATA is not hexadecimal");
        }
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    /* Shorter data is zero-filled up to SIZE, as QEMU does. */
    if (len && s->be.mem_write) {
        s->be.mem_write(s->opaque, addr, buf, len);
    }
    return g_strdup("OK");
}

/* Padded standard base64 (what g_base64_encode produces); rejects anything else. */
static bool qt_base64_valid(const char *str)
{
    size_t len = strlen(str), pad = 0;

    if (len % 4) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = str[i];
        if (c == '=') {
            pad++;
        } else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
            return false;
        }
    }
    return pad <= 2;
}

static char *qt_cmd_b64write(XptQtestServer *s, char **w)
{
    uint64_t addr, len;
    gsize out_len = 0;
    char *fail = qt_parse_range(w, &addr, &len);

    if (fail) {
        return fail;
    }
    if (strlen(w[3]) < 3) {
        return g_strdup("ERR invalid argument size"); /* QEMU's reply */
    }
    if (!qt_base64_valid(w[3])) {
        return qt_fail("invalid base64 data");
    }
    g_autofree uint8_t *dec = g_base64_decode(w[3], &out_len);
    if (out_len != len) {
        /* QEMU logs the mismatch and truncates; we also zero-fill short data. */
        g_autofree char *msg = g_strdup_printf(
            "b64write: data length mismatch (told %" PRIu64 ", found %zu)", len,
            (size_t)out_len);
        qt_log_line(s, 'S', msg);
    }
    g_autofree uint8_t *buf = g_malloc0(len ? len : 1);
    memcpy(buf, dec, MIN((uint64_t)out_len, len));
    if (len && s->be.mem_write) {
        s->be.mem_write(s->opaque, addr, buf, len);
    }
    return g_strdup("OK");
}

static char *qt_cmd_memset(XptQtestServer *s, char **w)
{
    uint64_t addr, len, pattern;
    char *fail = qt_parse_range(w, &addr, &len);

    if (!fail) {
        fail = qt_parse_u64(w[3], "VALUE", 0xff, &pattern);
    }
    if (fail) {
        return fail;
    }
    if (len && s->be.mem_write) {
        g_autofree uint8_t *buf = g_malloc(len);
        memset(buf, (int)pattern, len);
        s->be.mem_write(s->opaque, addr, buf, len);
    }
    return g_strdup("OK");
}

static char *qt_cmd_endianness(XptQtestServer *s G_GNUC_UNUSED, char **w G_GNUC_UNUSED)
{
    return g_strdup("OK little");
}

static void qt_clock_advance(XptQtestServer *s, int64_t ns)
{
    if (ns > 0) {
        s->clock_ns = s->clock_ns > INT64_MAX - ns ? INT64_MAX : s->clock_ns + ns;
    }
}

static char *qt_cmd_clock_step(XptQtestServer *s, char **w)
{
    int64_t ns = XPT_QTEST_CLOCK_STEP_DEFAULT_NS;

    if (w[1]) {
        char *fail = qt_parse_i64(w[1], "NS", &ns);
        if (fail) {
            return fail;
        }
    }
    qt_clock_advance(s, ns);
    return g_strdup_printf("OK %" PRIi64, s->clock_ns);
}

static char *qt_cmd_clock_set(XptQtestServer *s, char **w)
{
    int64_t ns;
    char *fail = qt_parse_i64(w[1], "NS", &ns);

    if (fail) {
        return fail;
    }
    if (ns > s->clock_ns) { /* the clock never goes back */
        s->clock_ns = ns;
    }
    return g_strdup_printf("OK %" PRIi64, s->clock_ns);
}

/*
 * The only interrupt controller is the PC's I/O APIC: QEMU resolves "ioapic" (a partial
 * QOM path) and "/machine/ioapic" to it. Intercepting it again answers OK, as in QEMU.
 */
static char *qt_cmd_irq_intercept(XptQtestServer *s, char **w)
{
    if (strcmp(w[1], "ioapic") != 0 && strcmp(w[1], "/machine/ioapic") != 0) {
        return g_strdup("FAIL Unknown device");
    }
    if (!s->irq_intercept) {
        s->irq_intercept = true;
        g_hash_table_remove_all(s->irq_levels);
    }
    return g_strdup("OK");
}

static char *qt_cmd_module_load(XptQtestServer *s G_GNUC_UNUSED, char **w G_GNUC_UNUSED)
{
    return qt_fail("xen-pt-dm has no loadable modules");
}

static char *qt_cmd_xen_sim(XptQtestServer *s, char **w)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;

    if (!s->be.extension) {
        return g_strdup("FAIL Unknown command 'xen-sim'");
    }
    text = s->be.extension(s->opaque, w, &err);
    if (!text) {
        return qt_one_line(qt_fail("%s", err ? err->message : "xen-sim command failed"));
    }
    return qt_one_line(*text ? g_strconcat("OK ", text, NULL) : g_strdup("OK"));
}

typedef struct {
    const char *name;
    int min_args, max_args; /* words after the command; -1 = unbounded */
    const char *usage;
    QtCmdFn fn;
} QtCmd;

static const QtCmd qt_cmds[] = {
    { "outb", 2, 2, "ADDR VALUE", qt_cmd_out },
    { "outw", 2, 2, "ADDR VALUE", qt_cmd_out },
    { "outl", 2, 2, "ADDR VALUE", qt_cmd_out },
    { "inb", 1, 1, "ADDR", qt_cmd_in },
    { "inw", 1, 1, "ADDR", qt_cmd_in },
    { "inl", 1, 1, "ADDR", qt_cmd_in },
    { "writeb", 2, 2, "ADDR VALUE", qt_cmd_writex },
    { "writew", 2, 2, "ADDR VALUE", qt_cmd_writex },
    { "writel", 2, 2, "ADDR VALUE", qt_cmd_writex },
    { "writeq", 2, 2, "ADDR VALUE", qt_cmd_writex },
    { "readb", 1, 1, "ADDR", qt_cmd_readx },
    { "readw", 1, 1, "ADDR", qt_cmd_readx },
    { "readl", 1, 1, "ADDR", qt_cmd_readx },
    { "readq", 1, 1, "ADDR", qt_cmd_readx },
    { "read", 2, 2, "ADDR SIZE", qt_cmd_read },
    { "write", 3, 3, "ADDR SIZE DATA", qt_cmd_write },
    { "b64read", 2, 2, "ADDR SIZE", qt_cmd_b64read },
    { "b64write", 3, 3, "ADDR SIZE B64_DATA", qt_cmd_b64write },
    { "memset", 3, 3, "ADDR SIZE VALUE", qt_cmd_memset },
    { "endianness", 0, 0, "", qt_cmd_endianness },
    { "clock_step", 0, 1, "[NS]", qt_cmd_clock_step },
    { "clock_set", 1, 1, "NS", qt_cmd_clock_set },
    { "irq_intercept_in", 1, 1, "QOM-PATH", qt_cmd_irq_intercept },
    { "irq_intercept_out", 1, 1, "QOM-PATH", qt_cmd_irq_intercept },
    { "module_load", 2, 2, "PREFIX NAME", qt_cmd_module_load },
    { "xen-sim", 0, -1, "ARGS...", qt_cmd_xen_sim },
};

char *qt_dispatch(XptQtestServer *s, const char *line)
{
    g_auto(GStrv) w = NULL;
    int argc;

    if (!*line) {
        return qt_fail("empty command");
    }
    w = g_strsplit(line, " ", 0); /* single spaces, like QEMU: "a  b" has an empty word */
    argc = (int)g_strv_length(w) - 1;
    for (size_t i = 0; i < G_N_ELEMENTS(qt_cmds); i++) {
        const QtCmd *c = &qt_cmds[i];
        if (strcmp(w[0], c->name) != 0) {
            continue;
        }
        if (argc < c->min_args || (c->max_args >= 0 && argc > c->max_args)) {
            return qt_fail("%s: wrong number of arguments (usage: %s%s%s)", c->name, c->name,
                           *c->usage ? " " : "", c->usage);
        }
        return c->fn(s, w);
    }
    g_autofree char *q = qt_quote(w[0]);
    return qt_fail("Unknown command '%s'", q);
}
