/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging: QEMU-style -D FILE and -d CATEGORIES, plus a rate limiter for anything a
 * guest can trigger (XSA-130: a guest must not be able to flood the host's logs).
 *
 * Messages go to stderr unless -D FILE redirected them. xpt_error_report() and
 * xpt_warn_report() always print; xpt_log() prints only when its category is enabled.
 */
#ifndef XPT_UTIL_LOG_H
#define XPT_UTIL_LOG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* -d categories (bit mask). Names as printed by `-d help`. */
typedef enum {
    XPT_LOG_GUEST_ERROR = 1u << 0, /* "guest_errors": the guest did something invalid */
    XPT_LOG_UNIMP       = 1u << 1, /* "unimp": guest used something we do not model */
    XPT_LOG_IOREQ       = 1u << 2, /* "ioreq": every ioreq dispatched (verbose) */
    XPT_LOG_PCI         = 1u << 3, /* "pci": config-space accesses of passthrough devices */
    XPT_LOG_HV          = 1u << 4, /* "hv": hypervisor operations */
    XPT_LOG_HOST        = 1u << 5, /* "host": host device config writes */
    XPT_LOG_QTEST       = 1u << 6, /* "qtest": qtest protocol */
    XPT_LOG_QMP         = 1u << 7, /* "qmp": QMP monitor traffic */
} XptLogCategory;

/**
 * xpt_log_set_categories: parse a comma list of category names ("guest_errors,hv"),
 * "all" or "none". The result replaces the current set (a later -d wins); "none" inside
 * a list clears what came before it. Returns false with XPT_ERROR_INVALID ("unknown log
 * category 'foo' (see -d help)"; an empty list or empty item is also an error) and
 * leaves the current set unchanged.
 */
bool xpt_log_set_categories(const char *list, GError **errp);

/**
 * xpt_log_categories_help: the text `-d help` prints: a title line, then one category a
 * line ("name  description"), "all" and "none" included. Static; do not free.
 */
const char *xpt_log_categories_help(void);

/**
 * xpt_log_set_file: send all messages to @path (appended, line-buffered, close-on-exec).
 * NULL = stderr. A previously opened log file is closed. On failure the destination is
 * unchanged and the error (XPT_ERRNO_ERROR, code = errno) names the file and strerror.
 */
bool xpt_log_set_file(const char *path, GError **errp);

/** xpt_log_enabled: whether category @cat is on. */
bool xpt_log_enabled(uint32_t cat);

/** xpt_log: print a line if @cat is enabled; a trailing newline is added. */
void xpt_log(uint32_t cat, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** xpt_error_report: always print "xen-pt-dm: error: <msg>". */
void xpt_error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/** xpt_warn_report: always print "xen-pt-dm: warning: <msg>". */
void xpt_warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/** xpt_info_report: always print "xen-pt-dm: <msg>" (what an administrator must see in
 *  qemu-dm-GUEST.log without -d: each attach). */
void xpt_info_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/** xpt_info_report_text: print "xen-pt-dm: <first><second>", as xpt_info_report("%s%s",
 *  first, second) does, without formatting (issue 15: the attach line of each device). */
void xpt_info_report_text(const char *first, const char *second);

/**
 * xpt_log_set_timestamp: start every line with the UTC time, ISO 8601 with
 * microseconds ("2026-12-04T15:40:01.123456Z xen-pt-dm: ..."), as QEMU's
 * `-msg timestamp=on` does (QEMU util/error-report.c).
 */
void xpt_log_set_timestamp(bool on);

/**
 * XptRateLimit: allows @burst events per @interval_ms; the rest are counted as
 * suppressed and reported ("N similar messages suppressed") with the next allowed one.
 * Zero-initialise, then set burst and interval_ms (or use XPT_RATELIMIT_INIT).
 * A window starts with the first event after the previous window ended. A limiter
 * whose burst or interval_ms is 0 does not limit (every event is allowed).
 */
typedef struct XptRateLimit {
    unsigned burst;
    unsigned interval_ms;
    int64_t window_start_us;
    unsigned count;
    unsigned suppressed;
} XptRateLimit;

#define XPT_RATELIMIT_INIT(burst_, interval_ms_) \
    { .burst = (burst_), .interval_ms = (interval_ms_) }

/**
 * xpt_ratelimit_check: true if an event may be logged now. Uses the monotonic clock.
 * *suppressed (if non-NULL) receives the number of events dropped since the last
 * allowed one, and is reset.
 */
bool xpt_ratelimit_check(XptRateLimit *rl, unsigned *suppressed);

/**
 * xpt_ratelimit_set_clock: for tests only: make the rate limiters read the time (in
 * microseconds, monotonic) from @now_us instead of g_get_monotonic_time().
 * NULL restores the monotonic clock.
 */
void xpt_ratelimit_set_clock(int64_t (*now_us)(void));

/**
 * xpt_log_ratelimited: rate-limited xpt_log() (usually XPT_LOG_GUEST_ERROR). Prints only
 * when the category is enabled and @rl allows it (a disabled category does not consume
 * @rl); appends " (N similar messages suppressed)" when N is non-zero.
 */
void xpt_log_ratelimited(XptRateLimit *rl, uint32_t cat, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/**
 * xpt_warn_ratelimited: like xpt_warn_report (always on, not behind -d) but through @rl.
 * For warnings an administrator must see even without -d, e.g. dropped config writes.
 */
void xpt_warn_ratelimited(XptRateLimit *rl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
