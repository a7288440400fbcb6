/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging (-D, -d) and the rate limiter; see util/log.h. */
#include "util/log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

#define LOG_PREFIX "xen-pt-dm: "

typedef struct {
    const char *name;
    uint32_t mask;
    const char *help;
} LogCategoryName;

static const LogCategoryName log_categories[] = {
    { "guest_errors", XPT_LOG_GUEST_ERROR, "log when the guest does something invalid" },
    { "unimp", XPT_LOG_UNIMP, "log guest use of unimplemented functionality" },
    { "ioreq", XPT_LOG_IOREQ, "log every ioreq dispatched (verbose)" },
    { "pci", XPT_LOG_PCI, "log config-space accesses of passthrough devices" },
    { "hv", XPT_LOG_HV, "log hypervisor operations" },
    { "host", XPT_LOG_HOST, "log writes to host device config space" },
    { "qtest", XPT_LOG_QTEST, "log the qtest protocol" },
    { "qmp", XPT_LOG_QMP, "log QMP monitor traffic" },
};

#define LOG_ALL_MASK                                                               \
    (XPT_LOG_GUEST_ERROR | XPT_LOG_UNIMP | XPT_LOG_IOREQ | XPT_LOG_PCI | XPT_LOG_HV | \
     XPT_LOG_HOST | XPT_LOG_QTEST | XPT_LOG_QMP)

static uint32_t log_mask;
static FILE *log_file; /* NULL: stderr */
static bool log_timestamp;
static int64_t (*ratelimit_clock)(void);

static FILE *log_out(void)
{
    return log_file ? log_file : stderr;
}

static const char *category_name(uint32_t cat)
{
    for (size_t i = 0; i < G_N_ELEMENTS(log_categories); i++) {
        if (cat & log_categories[i].mask) {
            return log_categories[i].name;
        }
    }
    return NULL;
}

bool xpt_log_set_categories(const char *list, GError **errp)
{
    uint32_t mask = 0;

    if (!list || !*list) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "empty log category list (see -d help)");
        return false;
    }

    g_auto(GStrv) items = g_strsplit(list, ",", -1);

    for (size_t i = 0; items[i]; i++) {
        const char *item = items[i];
        bool found = false;

        if (g_str_equal(item, "all")) {
            mask |= LOG_ALL_MASK;
            continue;
        }
        if (g_str_equal(item, "none")) {
            mask = 0;
            continue;
        }
        for (size_t j = 0; j < G_N_ELEMENTS(log_categories); j++) {
            if (g_str_equal(item, log_categories[j].name)) {
                mask |= log_categories[j].mask;
                found = true;
                break;
            }
        }
        if (!found) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "unknown log category '%s' (see -d help)", item);
            return false;
        }
    }
    log_mask = mask;
    return true;
}

const char *xpt_log_categories_help(void)
{
    static char *help;

    if (!help) {
        GString *s = g_string_new("Log items (comma separated):\n");
        for (size_t i = 0; i < G_N_ELEMENTS(log_categories); i++) {
            g_string_append_printf(s, "%-13s %s\n", log_categories[i].name,
                                   log_categories[i].help);
        }
        g_string_append_printf(s, "%-13s %s\n", "all", "enable all of the above");
        g_string_append_printf(s, "%-13s %s\n", "none", "disable all logging (default)");
        help = g_string_free(s, FALSE);
    }
    return help;
}

bool xpt_log_set_file(const char *path, GError **errp)
{
    FILE *f = NULL;

    if (path) {
        f = fopen(path, "ae");
        if (!f) {
            xpt_error_set_errno(errp, errno, "cannot open log file '%s'", path);
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    if (log_file) {
        fclose(log_file);
    }
    log_file = f;
    return true;
}

bool xpt_log_enabled(uint32_t cat)
{
    return (log_mask & cat) != 0;
}

/* The start of an output line: timestamp (if on), prefix, tag. */
static GString *line_begin(const char *tag)
{
    GString *line = g_string_new(NULL);

    if (log_timestamp) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ ");
        g_string_append(line, ts);
    }
    g_string_append(line, LOG_PREFIX);
    g_string_append(line, tag);
    return line;
}

/* The end of @line (freed): optional suppressed count, newline, one write. */
static void line_end(GString *line, unsigned suppressed)
{
    if (suppressed) {
        g_string_append_printf(line, " (%u similar messages suppressed)", suppressed);
    }
    g_string_append_c(line, '\n');

    FILE *out = log_out();
    fwrite(line->str, 1, line->len, out);
    fflush(out);
    g_string_free(line, TRUE);
}

/* One output line: prefix, formatted message, optional suppressed count, newline. */
static void G_GNUC_PRINTF(3, 0)
emit_line(const char *tag, unsigned suppressed, const char *fmt, va_list ap)
{
    GString *line = line_begin(tag);

    g_string_append_vprintf(line, fmt, ap);
    line_end(line, suppressed);
}

static void G_GNUC_PRINTF(3, 0)
log_vcat(uint32_t cat, unsigned suppressed, const char *fmt, va_list ap)
{
    const char *name = category_name(cat);
    g_autofree char *tag = name ? g_strdup_printf("[%s] ", name) : g_strdup("");

    emit_line(tag, suppressed, fmt, ap);
}

void xpt_log(uint32_t cat, const char *fmt, ...)
{
    va_list ap;

    if (!xpt_log_enabled(cat)) {
        return;
    }
    va_start(ap, fmt);
    log_vcat(cat, 0, fmt, ap);
    va_end(ap);
}

void xpt_error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit_line("error: ", 0, fmt, ap);
    va_end(ap);
}

void xpt_log_set_timestamp(bool on)
{
    log_timestamp = on;
}

void xpt_info_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_line("", 0, fmt, ap);
    va_end(ap);
}

void xpt_info_report_text(const char *first, const char *second)
{
    GString *line = line_begin("");

    g_string_append(line, first);
    g_string_append(line, second);
    line_end(line, 0);
}

void xpt_warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit_line("warning: ", 0, fmt, ap);
    va_end(ap);
}

void xpt_ratelimit_set_clock(int64_t (*now_us)(void))
{
    ratelimit_clock = now_us;
}

bool xpt_ratelimit_check(XptRateLimit *rl, unsigned *suppressed)
{
    if (rl->burst == 0 || rl->interval_ms == 0) {
        if (suppressed) {
            *suppressed = rl->suppressed;
        }
        rl->suppressed = 0;
        return true;
    }

    int64_t now = ratelimit_clock ? ratelimit_clock() : g_get_monotonic_time();
    int64_t interval_us = (int64_t)rl->interval_ms * 1000;

    /* A fresh limiter (count 0) or an expired window: start a new window now. */
    if (rl->count == 0 || now - rl->window_start_us >= interval_us ||
        now < rl->window_start_us) {
        rl->window_start_us = now;
        rl->count = 0;
    }
    if (rl->count < rl->burst) {
        rl->count++;
        if (suppressed) {
            *suppressed = rl->suppressed;
        }
        rl->suppressed = 0;
        return true;
    }
    if (rl->suppressed < UINT_MAX) {
        rl->suppressed++;
    }
    return false;
}

void xpt_log_ratelimited(XptRateLimit *rl, uint32_t cat, const char *fmt, ...)
{
    va_list ap;
    unsigned suppressed = 0;

    if (!xpt_log_enabled(cat) || !xpt_ratelimit_check(rl, &suppressed)) {
        return;
    }
    va_start(ap, fmt);
    log_vcat(cat, suppressed, fmt, ap);
    va_end(ap);
}

void xpt_warn_ratelimited(XptRateLimit *rl, const char *fmt, ...)
{
    va_list ap;
    unsigned suppressed = 0;

    if (!xpt_ratelimit_check(rl, &suppressed)) {
        return;
    }
    va_start(ap, fmt);
    emit_line("warning: ", suppressed, fmt, ap);
    va_end(ap);
}
