/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the qtest server shared by its two halves: qtest/qtest.c (line handling,
 * transports, -qtest-log) and qtest/qtest-cmds.c (argument parsing and the commands).
 */
#ifndef XPT_QTEST_QTEST_INT_H
#define XPT_QTEST_QTEST_INT_H

#include <stdio.h>

#include "qtest/qtest.h"

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
    gint64 connected_us;    /* g_get_monotonic_time() when the client connected; 0 = not */

    bool irq_intercept;     /* irq_intercept_in/out was sent */
    GHashTable *irq_levels; /* irq -> level (0/1) seen since interception started */
    int64_t clock_ns;
};

/** qt_log_line: one -qtest-log line ("[R +t] text" received, "S" sent) and a -d qtest trace. */
void qt_log_line(XptQtestServer *s, char kind, const char *text);

/** qt_fail: a "FAIL <reason>" reply (newly allocated). */
char *qt_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/** qt_dispatch: run one complete, NUL- and newline-free command line; the reply. */
char *qt_dispatch(XptQtestServer *s, const char *line);

#endif
