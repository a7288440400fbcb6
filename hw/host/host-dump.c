/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Region sizes from the -vv text of an lspci dump; see hw/host/host-dump.h. */
#include "hw/host/host-dump.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

bool xpt_host_dump_parse_size(const char *s, uint64_t *size)
{
    uint64_t v = 0;
    const char *p = s;

    if (!isdigit((unsigned char)*p)) {
        return false;
    }
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (UINT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*p - '0');
    }

    unsigned shift = 0;
    switch (*p) {
    case 'K': shift = 10; p++; break;
    case 'M': shift = 20; p++; break;
    case 'G': shift = 30; p++; break;
    case 'T': shift = 40; p++; break;
    default: break;
    }
    if (*p != ']' || v == 0 || v > (UINT64_MAX >> shift)) {
        return false;
    }
    *size = v << shift;
    return true;
}

char *xpt_host_dump_format_size(uint64_t size)
{
    static const char suffix[] = "KMGT";
    unsigned i = 0;

    while (size && size % 1024 == 0 && i < sizeof(suffix) - 1) {
        size /= 1024;
        i++;
    }
    return i ? g_strdup_printf("%" G_GUINT64_FORMAT "%c", size, suffix[i - 1])
             : g_strdup_printf("%" G_GUINT64_FORMAT, size);
}

/* "[S]SSSS:" prefix of 4 or 5 hex digits, as libpci's dump reader accepts. */
static const char *parse_domain(const char *p, unsigned *domain)
{
    unsigned n = 0, v = 0;

    while (n < 6 && isxdigit((unsigned char)p[n])) {
        v = v * 16 + (unsigned)g_ascii_xdigit_value(p[n]);
        n++;
    }
    if ((n != 4 && n != 5) || p[n] != ':') {
        return NULL;
    }
    *domain = v;
    return p + n + 1;
}

/*
 * A device header line: "BB:DD.F " or "SSSS:BB:DD.F " at column 0 (the hex rows,
 * "00: 86 80 ...", do not match: they have no ".F").
 */
static bool parse_header(const char *line, unsigned *domain, unsigned *bus,
                         unsigned *dev, unsigned *fn)
{
    const char *p = parse_domain(line, domain);

    if (!p) {
        *domain = 0;
        p = line;
    }
    if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) || p[2] != ':' ||
        !isxdigit((unsigned char)p[3]) || !isxdigit((unsigned char)p[4]) || p[5] != '.' ||
        p[6] < '0' || p[6] > '7' || (p[7] != ' ' && p[7] != '\0')) {
        return false;
    }
    *bus = (unsigned)(g_ascii_xdigit_value(p[0]) * 16 + g_ascii_xdigit_value(p[1]));
    *dev = (unsigned)(g_ascii_xdigit_value(p[3]) * 16 + g_ascii_xdigit_value(p[4]));
    *fn = (unsigned)(p[6] - '0');
    return true;
}

/*
 * Classify a region line (after its indentation): returns 0–5 for "Region N:",
 * 6 for "Expansion ROM at", -1 otherwise. "[virtual] " prefixes (Enhanced Allocation)
 * are accepted.
 */
static int region_index(const char *text)
{
    if (g_str_has_prefix(text, "[virtual] ")) {
        text += strlen("[virtual] ");
    }
    if (g_str_has_prefix(text, "Expansion ROM at ")) {
        return 6;
    }
    if (g_str_has_prefix(text, "Region ") && text[7] >= '0' && text[7] <= '5' &&
        text[8] == ':') {
        return text[7] - '0';
    }
    return -1;
}

/* One device block of the index: its sizes, or why one of them does not parse. */
typedef struct DumpEntry {
    XptDumpSizes sizes;
    size_t bad_line;    /* 0, or the 1-based line of a "[size=" that does not parse */
    char *bad_text;     /* that line, stripped */
} DumpEntry;

struct XptDumpIndex {
    GHashTable *devs;   /* domain << 16 | bus << 8 | devfn → DumpEntry */
};

static guint64 dump_key(unsigned domain, unsigned bus, unsigned dev, unsigned fn)
{
    return (guint64)domain << 16 | (guint64)bus << 8 | dev << 3 | fn;
}

static void dump_entry_free(gpointer p)
{
    DumpEntry *e = p;
    g_free(e->bad_text);
    g_free(e);
}

XptDumpIndex *xpt_host_dump_index_new(const char *text)
{
    XptDumpIndex *idx = g_new0(XptDumpIndex, 1);
    /* one copy cut into lines in place, not a string per line (g_strsplit) */
    g_autofree char *copy = g_strdup(text);
    char *next = copy;
    DumpEntry *cur = NULL;  /* the block being read; NULL outside one or in a repeat */
    bool seen[7] = { false };
    size_t top_indent = 0;  /* indentation of the block's first text line; 0 = unknown */

    idx->devs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, dump_entry_free);
    for (size_t i = 0; next; i++) {
        char *line = next;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        next = nl ? nl + 1 : NULL;
        size_t len = strlen(line);
        unsigned d, b, s, f;

        if (len && line[len - 1] == '\r') {
            line[len - 1] = '\0';
        }
        if (parse_header(line, &d, &b, &s, &f)) {
            gint64 key = (gint64)dump_key(d, b, s, f);
            cur = NULL;
            if (!g_hash_table_contains(idx->devs, &key)) {
                /* the first block of a device wins */
                cur = g_new0(DumpEntry, 1);
                g_hash_table_insert(idx->devs, g_memdup2(&key, sizeof(key)), cur);
            }
            memset(seen, 0, sizeof(seen));
            top_indent = 0;
            continue;
        }
        if (!cur || cur->bad_line) {
            continue;
        }

        size_t indent = strspn(line, " \t");
        if (indent == 0 || line[indent] == '\0') {
            continue; /* hex row or blank line */
        }
        if (top_indent == 0) {
            top_indent = indent;
        }
        if (indent != top_indent) {
            continue; /* nested (capability or SR-IOV VF) lines */
        }

        int ri = region_index(line + indent);
        const char *sz = ri >= 0 ? strstr(line + indent, "[size=") : NULL;
        if (!sz || seen[ri]) {
            continue;
        }
        uint64_t size;
        if (!xpt_host_dump_parse_size(sz + strlen("[size="), &size)) {
            cur->bad_line = i + 1;
            cur->bad_text = g_strdup(g_strstrip(line));
            continue;
        }
        seen[ri] = true;
        if (ri == 6) {
            cur->sizes.rom = size;
        } else {
            cur->sizes.bar[ri] = size;
        }
    }
    return idx;
}

void xpt_host_dump_index_free(XptDumpIndex *idx)
{
    if (idx) {
        g_hash_table_destroy(idx->devs);
        g_free(idx);
    }
}

bool xpt_host_dump_index_sizes(const XptDumpIndex *idx, const char *file, const char *sbdf,
                               unsigned domain, unsigned bus, unsigned dev, unsigned fn,
                               XptDumpSizes *sizes, GError **errp)
{
    gint64 key = (gint64)dump_key(domain, bus, dev, fn);
    const DumpEntry *e = g_hash_table_lookup(idx->devs, &key);

    memset(sizes, 0, sizeof(*sizes));
    if (!e) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "%s: no such device in dump %s; check hostaddr against the dump's "
                    "device lines", sbdf, file);
        return false;
    }
    if (e->bad_line) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "%s: cannot parse the region size in %s line %zu (\"%s\"); "
                    "fix the dump or capture it again with lspci -vv -xxxx",
                    sbdf, file, e->bad_line, e->bad_text);
        return false;
    }
    *sizes = e->sizes;
    return true;
}

bool xpt_host_dump_sizes(const char *file, const char *sbdf, unsigned domain,
                         unsigned bus, unsigned dev, unsigned fn, XptDumpSizes *sizes,
                         GError **errp)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) local_err = NULL;

    memset(sizes, 0, sizeof(*sizes));
    if (!g_file_get_contents(file, &text, NULL, &local_err)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "%s: cannot read dump file: %s; check the host-dump= path",
                    sbdf, local_err->message);
        return false;
    }
    g_autoptr(XptDumpIndex) idx = xpt_host_dump_index_new(text);
    return xpt_host_dump_index_sizes(idx, file, sbdf, domain, bus, dev, fn, sizes, errp);
}

/* A hex row as libpci's dump reader takes it: 2 to 8 hex digits, ": ". */
static bool is_hex_row(const char *line)
{
    size_t n = 0;
    while (n < 9 && g_ascii_isxdigit(line[n])) {
        n++;
    }
    return n >= 2 && n <= 8 && line[n] == ':' && line[n + 1] == ' ';
}

char *xpt_host_dump_for_libpci(const char *text)
{
    size_t len = strlen(text);
    bool refused = false;
    for (const char *p = text; !refused && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        refused = n > XPT_DUMP_LIBPCI_LINE_MAX;
        p += n + (nl ? 1 : 0);
    }
    if (!refused) {
        return NULL;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GString *out = g_string_sized_new(len / 4);
    for (size_t i = 0; lines[i]; i++) {
        char *line = lines[i];
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r') {
            line[--n] = '\0';
        }
        unsigned domain, bus, dev, fn;
        if (!lines[i + 1] && !n) {
            break;                                  /* after the last newline */
        }
        if (!n) {
            g_string_append_c(out, '\n');
        } else if (parse_header(line, &domain, &bus, &dev, &fn) && strchr(line, ' ')) {
            g_string_append_len(out, line, strchr(line, ' ') - line + 1);
            g_string_append_c(out, '\n');
        } else if (is_hex_row(line)) {                /* (a long one stays refused) */
            g_string_append_printf(out, "%s\n", line);
        }
    }
    if (text[len - 1] != '\n' && out->len && out->str[out->len - 1] == '\n') {
        g_string_truncate(out, out->len - 1);   /* still unterminated: libpci says so */
    }
    return g_string_free(out, FALSE);
}
