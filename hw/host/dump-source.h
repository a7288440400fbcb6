/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One parsed lspci dump per file (internal to hw/host).
 *
 * A dump names many devices, and libpci's dump method parses all of them (one sscanf
 * per config byte) whichever one is wanted: opening N devices of a dump one by one cost
 * N whole parses (issue 15: 80 ms for 21 devices). A dump source is that work done once
 * and shared: libpci's access on the file (scanned), the region sizes of every block
 * (hw/host/host-dump.h) and, on first use, the dump's layout (hw/host/dump-layout.h).
 *
 * Freshness: a dump is a file the administrator may replace or edit between two
 * attaches (a hot-plug by QMP device_add comes long after start-up). Every
 * xpt_dump_source_get() reads the file again — cheap beside a parse — and reuses the
 * cached source only when the path names the same bytes as when it was parsed; any
 * change (new contents, a file moved over it, a -chroot that makes the path name
 * another file) parses anew, so each attach sees the file as it is at that attach.
 * Devices attached from an older version keep their reference to it (they copied
 * everything they need at open: config space into their shadow, regions, IRQ).
 * Single-threaded (the main loop), like the rest of the device model.
 */
#ifndef XPT_HW_HOST_DUMP_SOURCE_H
#define XPT_HW_HOST_DUMP_SOURCE_H

#include <glib.h>
#include <pci/pci.h>
#include <stdbool.h>

#include "hw/host/dump-layout.h"
#include "hw/host/host-dump.h"

typedef struct XptDumpSource XptDumpSource;

/**
 * xpt_dump_source_get: the parsed dump @file (a new reference), from the cache when the
 * file's contents are those that were parsed, else parsed now and cached.
 * The file must be a regular file of at most XPT_FILE_MAX bytes, checked without
 * blocking (util/file.h). Errors (one line starting with @who, the device's SBDF):
 * XPT_ERROR_INVALID/NOT_FOUND/IO from util/file.h (not a regular file, cannot be
 * opened or read); XPT_ERROR_FAILED if libpci has no dump method; XPT_ERROR_NOT_FOUND if
 * libpci cannot parse it ("cannot open dump FILE (libpci's reason); check the
 * host-dump= path").
 */
XptDumpSource *xpt_dump_source_get(const char *file, const char *who, GError **errp);
XptDumpSource *xpt_dump_source_ref(XptDumpSource *src);
void xpt_dump_source_unref(XptDumpSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptDumpSource, xpt_dump_source_unref)

/** The device @domain:@bus:@dev.@fn of the dump (owned by @src), or NULL. */
struct pci_dev *xpt_dump_source_find(XptDumpSource *src, unsigned domain, unsigned bus,
                                     unsigned dev, unsigned fn);

/** The region sizes of every block of the dump (owned by @src). */
const XptDumpIndex *xpt_dump_source_index(const XptDumpSource *src);

/**
 * xpt_dump_source_layout: the dump's layout (hw/host/dump-layout.h), built on first use
 * and kept (owned by @src). Errors as xpt_dump_layout_load (XPT_ERROR_IO for a device
 * whose header cannot be read); a failure is not kept, the next call tries again.
 */
const XptDumpLayout *xpt_dump_source_layout(XptDumpSource *src, GError **errp);

/** xpt_dump_source_cache_clear: drop the cache's references (sources still referenced
 *  by devices live on). Tests; the cache otherwise lives as long as the process. */
void xpt_dump_source_cache_clear(void);

/** xpt_dump_source_parses: how many times a dump was parsed by libpci since start
 *  (tests check that N devices of one unchanged dump cost one parse). */
unsigned xpt_dump_source_parses(void);

#endif
