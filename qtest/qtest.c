/*
 * qtest protocol server; see qtest/qtest.h.
 *
 * Replies and the -qtest-log format follow QEMU 7.2 system/qtest.c (transcripts in
 * shared/fixtures/qemu-7.2-reference/). Where QEMU aborts on bad input (g_assert on a
 * number that does not parse, a missing argument, an empty line) we answer
 * "FAIL <reason>" instead.
 */
#include "qtest/qtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "util/bytes.h"
#include "util/error.h"
#include "util/log.h"

#define QT_READ_CHUNK 65536
/* Stop reading commands while this much reply data waits for the client. */
#define QT_OUT_HIGH_WATER (4u << 20)
/* Longest piece of client input quoted back in a FAIL reply or a trace line. */
#define QT_QUOTE_MAX 64
#define QT_TRACE_MAX 200

typedef enum { QT_DETACHED, QT_CONNECT, QT_LISTEN, QT_STDIO } QtMode;

struct XptQtestServer {
    XptQtestBackend be;
    void *opaque;
    QtMode mode;

    /* transport */
    char *listen_path;      /* listen mode: socket file we created (unlinked once) */
    int listen_fd;
    int in_fd, out_fd;      /* the same socket, or 0 and 1 for stdio */
    bool is_socket;
    GIOChannel *listen_ch, *in_ch, *out_ch;
    guint listen_watch, in_watch, out_watch, hook_idle;
    bool connected;
    bool input_paused;      /* in_watch removed until the output drains */
    GString *inbuf;
    bool discarding;        /* dropping the rest of an over-long line */
    GString *outbuf;        /* detached: pending asynchronous lines */
    gsize out_pos;

    void (*close_hook)(void *);
    void *close_opaque;

    FILE *log;
    GTimer *timer;          /* started when the client connected ("OPENED") */

    bool irq_intercept;     /* irq_intercept_in/out was sent */
    GHashTable *irq_levels; /* irq -> level (0/1) seen since interception started */
    int64_t clock_ns;
};

static void qt_in_watch_add(XptQtestServer *s);

/* ---- logging and tracing ---------------------------------------------------------- */

static void qt_log_line(XptQtestServer *s, char kind, const char *text)
{
    if (s->log && s->timer) {
        fprintf(s->log, "[%c +%.06f] %s\n", kind, g_timer_elapsed(s->timer, NULL), text);
    }
    if (xpt_log_enabled(XPT_LOG_QTEST)) {
        size_t len = strlen(text);
        xpt_log(XPT_LOG_QTEST, "%s %.*s%s", kind == 'R' ? ">" : "<",
                (int)MIN(len, (size_t)QT_TRACE_MAX), text, len > QT_TRACE_MAX ? "..." : "");
    }
}

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

static char *G_GNUC_PRINTF(1, 2) qt_fail(const char *fmt, ...)
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

static char *qt_dispatch(XptQtestServer *s, const char *line)
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

char *xpt_qtest_handle_line(XptQtestServer *s, const char *line)
{
    size_t len = strlen(line);
    char *reply;

    if (len > XPT_QTEST_MAX_LINE) {
        g_autofree char *note = g_strdup_printf("<%zu bytes>", len);
        qt_log_line(s, 'R', note);
        reply = qt_fail("line too long");
    } else if (strchr(line, '\n')) {
        qt_log_line(s, 'R', "<line with a newline>");
        reply = qt_fail("line contains a newline");
    } else {
        g_autofree char *copy = g_strndup(line, len);
        if (len && copy[len - 1] == '\r') {
            copy[len - 1] = '\0';
        }
        qt_log_line(s, 'R', copy);
        reply = qt_dispatch(s, copy);
    }
    qt_log_line(s, 'S', reply);
    return reply;
}

/* ---- output --------------------------------------------------------------------------- */

static gboolean qt_out_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque);
static void qt_close_connection(XptQtestServer *s);

static gsize qt_out_pending(XptQtestServer *s)
{
    return s->outbuf->len - s->out_pos;
}

/* Write what we can; the rest waits for G_IO_OUT. May close the connection. */
static void qt_flush(XptQtestServer *s)
{
    while (s->connected && qt_out_pending(s)) {
        const char *p = s->outbuf->str + s->out_pos;
        ssize_t n = s->is_socket ? send(s->out_fd, p, qt_out_pending(s), MSG_NOSIGNAL)
                                 : write(s->out_fd, p, qt_out_pending(s));
        if (n > 0) {
            s->out_pos += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!s->out_watch) {
                s->out_watch = g_io_add_watch(s->out_ch, G_IO_OUT | G_IO_ERR | G_IO_HUP,
                                              qt_out_ready, s);
            }
            return;
        } else {
            qt_close_connection(s);
            return;
        }
    }
    g_string_truncate(s->outbuf, 0);
    s->out_pos = 0;
}

static void qt_send_line(XptQtestServer *s, const char *line)
{
    if (s->mode != QT_DETACHED && !s->connected) {
        return;
    }
    g_string_append(s->outbuf, line);
    g_string_append_c(s->outbuf, '\n');
    if (s->mode != QT_DETACHED) {
        qt_flush(s);
    }
}

void xpt_qtest_irq(XptQtestServer *s, unsigned irq, bool level)
{
    gpointer key = GUINT_TO_POINTER(irq);
    bool old = GPOINTER_TO_UINT(g_hash_table_lookup(s->irq_levels, key)) != 0;

    if (!s->irq_intercept || old == level || (s->mode != QT_DETACHED && !s->connected)) {
        return;
    }
    g_hash_table_insert(s->irq_levels, key, GUINT_TO_POINTER(level));
    g_autofree char *msg = g_strdup_printf("IRQ %s %u", level ? "raise" : "lower", irq);
    qt_log_line(s, 'S', msg);
    qt_send_line(s, msg);
}

char *xpt_qtest_server_take_output(XptQtestServer *s)
{
    if (s->mode != QT_DETACHED || s->outbuf->len == 0) {
        return NULL;
    }
    char *out = g_strndup(s->outbuf->str, s->outbuf->len);
    g_string_truncate(s->outbuf, 0);
    return out;
}

int64_t xpt_qtest_server_clock_ns(XptQtestServer *s)
{
    return s->clock_ns;
}

/* ---- input ---------------------------------------------------------------------------- */

static void qt_reply_too_long(XptQtestServer *s, gsize len)
{
    g_autofree char *note = g_strdup_printf("<%zu bytes>", (size_t)len);
    g_autofree char *reply = qt_fail("line too long");

    qt_log_line(s, 'R', note);
    qt_log_line(s, 'S', reply);
    qt_send_line(s, reply);
}

/* Run every complete line in inbuf, unless the output is congested. */
static void qt_process_input(XptQtestServer *s)
{
    gsize start = 0;

    while (s->connected && qt_out_pending(s) < QT_OUT_HIGH_WATER) {
        char *line = s->inbuf->str + start;
        char *nl = memchr(line, '\n', s->inbuf->len - start);
        gsize len;
        if (!nl) {
            break;
        }
        *nl = '\0';
        len = nl - line;
        start += len + 1;
        if (s->discarding) { /* tail of a line already answered "too long" */
            s->discarding = false;
        } else if (len > XPT_QTEST_MAX_LINE) {
            qt_reply_too_long(s, len);
        } else if (memchr(line, '\0', len)) {
            g_autofree char *reply = qt_fail("line contains a NUL byte");
            qt_log_line(s, 'R', "<line with a NUL byte>");
            qt_log_line(s, 'S', reply);
            qt_send_line(s, reply);
        } else {
            g_autofree char *reply = xpt_qtest_handle_line(s, line);
            qt_send_line(s, reply);
        }
    }
    g_string_erase(s->inbuf, 0, start);
    if (!s->discarding && s->inbuf->len > XPT_QTEST_MAX_LINE &&
        !memchr(s->inbuf->str, '\n', s->inbuf->len)) {
        qt_reply_too_long(s, s->inbuf->len);
        s->discarding = true;
    }
    if (s->discarding) {
        g_string_truncate(s->inbuf, 0);
    }
    if (s->connected && qt_out_pending(s) >= QT_OUT_HIGH_WATER) {
        /* Stop reading (and running buffered lines) until qt_out_ready drains it. */
        s->input_paused = true;
        if (s->in_watch) {
            g_source_remove(s->in_watch);
            s->in_watch = 0;
        }
    }
}

static gboolean qt_in_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque)
{
    XptQtestServer *s = opaque;
    char buf[QT_READ_CHUNK];
    ssize_t n;

    do {
        n = read(s->in_fd, buf, sizeof(buf));
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        s->in_watch = 0;
        qt_close_connection(s);
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(s->inbuf, buf, n);
    qt_process_input(s); /* may pause input or close: then the watch is already gone */
    return s->connected && !s->input_paused ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean qt_out_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque)
{
    XptQtestServer *s = opaque;

    s->out_watch = 0;
    qt_flush(s); /* re-adds the watch if it still cannot write everything */
    if (s->connected && s->input_paused && qt_out_pending(s) < QT_OUT_HIGH_WATER) {
        s->input_paused = false;
        qt_in_watch_add(s);
        qt_process_input(s);
    }
    return G_SOURCE_REMOVE;
}

static void qt_in_watch_add(XptQtestServer *s)
{
    s->in_watch = g_io_add_watch(s->in_ch, G_IO_IN | G_IO_HUP | G_IO_ERR, qt_in_ready, s);
}

/* ---- connection life cycle ------------------------------------------------------------ */

static GIOChannel *qt_channel(int fd)
{
    GIOChannel *ch = g_io_channel_unix_new(fd);
    g_io_channel_set_encoding(ch, NULL, NULL);
    g_io_channel_set_buffered(ch, FALSE);
    return ch;
}

static void qt_open_connection(XptQtestServer *s, int in_fd, int out_fd)
{
    s->in_fd = in_fd;
    s->out_fd = out_fd;
    s->in_ch = qt_channel(in_fd);
    s->out_ch = out_fd == in_fd ? g_io_channel_ref(s->in_ch) : qt_channel(out_fd);
    s->connected = true;
    g_hash_table_remove_all(s->irq_levels);
    g_clear_pointer(&s->timer, g_timer_destroy);
    s->timer = g_timer_new();
    if (s->log) {
        fprintf(s->log, "[I %.06f] OPENED\n", g_timer_elapsed(s->timer, NULL));
    }
    xpt_log(XPT_LOG_QTEST, "client connected");
    qt_in_watch_add(s);
}

static gboolean qt_run_close_hook(gpointer opaque)
{
    XptQtestServer *s = opaque;

    s->hook_idle = 0;
    s->close_hook(s->close_opaque); /* may free @s */
    return G_SOURCE_REMOVE;
}

static void qt_close_connection(XptQtestServer *s)
{
    if (!s->connected) {
        return;
    }
    s->connected = false;
    if (s->in_watch) {
        g_source_remove(s->in_watch);
        s->in_watch = 0;
    }
    if (s->out_watch) {
        g_source_remove(s->out_watch);
        s->out_watch = 0;
    }
    g_clear_pointer(&s->in_ch, g_io_channel_unref);
    g_clear_pointer(&s->out_ch, g_io_channel_unref);
    if (s->is_socket) {
        close(s->in_fd);
    }
    s->in_fd = s->out_fd = -1;
    g_string_truncate(s->inbuf, 0);
    g_string_truncate(s->outbuf, 0);
    s->out_pos = 0;
    if (s->log && s->timer) {
        fprintf(s->log, "[I +%.06f] CLOSED\n", g_timer_elapsed(s->timer, NULL));
    }
    g_clear_pointer(&s->timer, g_timer_destroy);
    xpt_log(XPT_LOG_QTEST, "client disconnected");
    if (s->close_hook && !s->hook_idle) {
        /* From an idle source so that the hook may free the server. */
        s->hook_idle = g_idle_add(qt_run_close_hook, s);
    }
}

static void qt_stop_listening(XptQtestServer *s)
{
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
        s->listen_watch = 0;
    }
    g_clear_pointer(&s->listen_ch, g_io_channel_unref);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    if (s->listen_path) {
        unlink(s->listen_path);
        g_clear_pointer(&s->listen_path, g_free);
    }
}

static gboolean qt_accept_ready(GIOChannel *ch G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED,
                              gpointer opaque)
{
    XptQtestServer *s = opaque;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED) {
            xpt_error_report("qtest: accept failed: %s", g_strerror(errno));
        }
        return G_SOURCE_CONTINUE;
    }
    s->listen_watch = 0;
    qt_stop_listening(s); /* one client only */
    qt_open_connection(s, fd, fd);
    return G_SOURCE_REMOVE;
}

/*
 * "stdio" or "unix:PATH[,server[=on|off]][,wait=on|off][,nowait]"; ",," in PATH is a
 * comma (QEMU's option syntax).
 */
static bool qt_parse_chardev(const char *spec, QtMode *mode, char **path, GError **errp)
{
    bool server = false;
    const char *p;

    if (strcmp(spec, "stdio") == 0) {
        *mode = QT_STDIO;
        return true;
    }
    if (!g_str_has_prefix(spec, "unix:")) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "qtest: unsupported chardev '%s' (use unix:PATH[,server=on] or stdio)",
                    spec);
        return false;
    }
    g_autoptr(GString) buf = g_string_new(NULL);
    for (p = spec + 5; *p && !(p[0] == ',' && p[1] != ','); p++) {
        g_string_append_c(buf, *p);
        p += (p[0] == ',');
    }
    while (*p == ',') {
        const char *end = strchr(p + 1, ',');
        g_autofree char *opt = end ? g_strndup(p + 1, end - p - 1) : g_strdup(p + 1);
        if (!strcmp(opt, "server") || !strcmp(opt, "server=on") || !strcmp(opt, "server=yes")) {
            server = true;
        } else if (!strcmp(opt, "server=off") || !strcmp(opt, "server=no")) {
            server = false;
        } else if (strcmp(opt, "wait=on") && strcmp(opt, "wait=off") && strcmp(opt, "nowait")) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "qtest: unknown option '%s' in '%s'", opt, spec);
            return false;
        }
        p = end ? end : p + strlen(p);
    }
    if (buf->len == 0) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "qtest: no socket path in '%s'", spec);
        return false;
    }
    if (buf->len >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "qtest: socket path too long in '%s'", spec);
        return false;
    }
    *mode = server ? QT_LISTEN : QT_CONNECT;
    *path = g_strdup(buf->str);
    return true;
}

static int qt_unix_socket(const char *path, bool listen_mode, GError **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        xpt_error_set_errno(errp, errno, "qtest: cannot create socket");
        return -1;
    }
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    if (listen_mode) {
        if (unlink(path) < 0 && errno != ENOENT) {
            xpt_error_set_errno(errp, errno, "qtest: cannot remove stale unix:%s", path);
        } else if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
            xpt_error_set_errno(errp, errno, "qtest: cannot listen on unix:%s", path);
        } else {
            g_unix_set_fd_nonblocking(fd, TRUE, NULL);
            return fd;
        }
    } else {
        int rc;
        do {
            rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        } while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            g_unix_set_fd_nonblocking(fd, TRUE, NULL);
            return fd;
        }
        xpt_error_set_errno(errp, errno, "qtest: cannot connect to unix:%s", path);
    }
    close(fd);
    return -1;
}

static XptQtestServer *qt_server_alloc(const XptQtestBackend *backend, void *opaque)
{
    XptQtestServer *s = g_new0(XptQtestServer, 1);

    if (backend) {
        s->be = *backend;
    }
    s->opaque = opaque;
    s->mode = QT_DETACHED;
    s->listen_fd = s->in_fd = s->out_fd = -1;
    s->inbuf = g_string_new(NULL);
    s->outbuf = g_string_new(NULL);
    s->irq_levels = g_hash_table_new(g_direct_hash, g_direct_equal);
    return s;
}

XptQtestServer *xpt_qtest_server_new_detached(const XptQtestBackend *backend, void *opaque)
{
    return qt_server_alloc(backend, opaque);
}

XptQtestServer *xpt_qtest_server_new(const char *chardev, const char *log_path,
                                     const XptQtestBackend *backend, void *opaque,
                                     GError **errp)
{
    QtMode mode;
    g_autofree char *path = NULL;
    XptQtestServer *s;
    int fd;

    if (!qt_parse_chardev(chardev, &mode, &path, errp)) {
        return NULL;
    }
    s = qt_server_alloc(backend, opaque);
    s->mode = mode;
    if (log_path && strcmp(log_path, "none") != 0) {
        s->log = fopen(log_path, "w+e");
        if (!s->log) {
            xpt_error_set_errno(errp, errno, "qtest: cannot open log file '%s'", log_path);
            xpt_qtest_server_free(s);
            return NULL;
        }
        setvbuf(s->log, NULL, _IOLBF, 0);
    }
    if (mode == QT_STDIO) {
        qt_open_connection(s, STDIN_FILENO, STDOUT_FILENO);
        return s;
    }
    s->is_socket = true;
    fd = qt_unix_socket(path, mode == QT_LISTEN, errp);
    if (fd < 0) {
        xpt_qtest_server_free(s);
        return NULL;
    }
    if (mode == QT_CONNECT) {
        qt_open_connection(s, fd, fd);
    } else {
        s->listen_fd = fd;
        s->listen_path = g_steal_pointer(&path);
        s->listen_ch = qt_channel(fd);
        s->listen_watch = g_io_add_watch(s->listen_ch, G_IO_IN, qt_accept_ready, s);
    }
    return s;
}

void xpt_qtest_server_set_close_hook(XptQtestServer *s, void (*hook)(void *), void *opaque)
{
    s->close_hook = hook;
    s->close_opaque = opaque;
}

void xpt_qtest_server_free(XptQtestServer *s)
{
    if (!s) {
        return;
    }
    s->close_hook = NULL; /* freeing is not a disconnect the owner needs to hear about */
    qt_close_connection(s);
    if (s->hook_idle) {
        g_source_remove(s->hook_idle);
    }
    qt_stop_listening(s);
    if (s->log) {
        fclose(s->log);
    }
    g_clear_pointer(&s->timer, g_timer_destroy);
    g_string_free(s->inbuf, TRUE);
    g_string_free(s->outbuf, TRUE);
    g_hash_table_destroy(s->irq_levels);
    g_free(s);
}
