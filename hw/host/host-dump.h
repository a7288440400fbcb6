/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Region sizes from an `lspci -vv -xxx[x]` dump (internal to hw/host).
 *
 * libpci's dump method reads only the hex rows, which cannot tell a BAR's size. The
 * `-vv` text of each device carries them: "Region N: ... [size=128K]" and
 * "Expansion ROM at ... [size=4M]". These exact sizes always win; only a region with
 * no such text falls back to the upper bound of hw/host/dump-layout.h. This parser
 * reads those two kinds of line, and only inside the block of the selected device (a
 * block starts with a column-0 line "BB:DD.F ..." or "SSSS:BB:DD.F ..."), and only at
 * the block's top indentation level (so the VF BARs of an SR-IOV capability, printed
 * deeper, are not taken for the device's own).
 */
#ifndef XPT_HW_HOST_HOST_DUMP_H
#define XPT_HW_HOST_HOST_DUMP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/** XptDumpSizes: sizes in bytes; 0 = the dump gives no size for that region. */
typedef struct XptDumpSizes {
    uint64_t bar[6];
    uint64_t rom;
} XptDumpSizes;

/**
 * xpt_host_dump_parse_size: parse the text after "[size=" ("128K", "4M", "16G", "32")
 * up to the closing ']'. Suffixes K, M, G, T are powers of 1024. Returns false on
 * anything else (no digits, unknown suffix, missing ']', overflow, zero).
 */
bool xpt_host_dump_parse_size(const char *s, uint64_t *size);

/**
 * xpt_host_dump_format_size: @size bytes as lspci prints it inside "[size=…]": the
 * largest of the suffixes K, M, G, T (powers of 1024) that divides it exactly, e.g.
 * "16M", "512K", "256". The inverse of xpt_host_dump_parse_size. Newly allocated.
 */
char *xpt_host_dump_format_size(uint64_t size);

/**
 * xpt_host_dump_sizes: fill *sizes with the region sizes that @file gives for device
 * @domain:@bus:@dev.@fn (all zero if its block has no -vv lines).
 * Errors: XPT_ERROR_NOT_FOUND if the file cannot be read or has no block for the
 * device; XPT_ERROR_INVALID for a "[size=" that does not parse. Messages name @sbdf.
 */
bool xpt_host_dump_sizes(const char *file, const char *sbdf, unsigned domain,
                         unsigned bus, unsigned dev, unsigned fn, XptDumpSizes *sizes,
                         GError **errp);

/**
 * XptDumpIndex: the region sizes of every device block of one dump, parsed in one pass
 * (hw/host/dump-source.h keeps one per dump file, so N devices of a dump cost one parse,
 * not N). Same rules as xpt_host_dump_sizes: the first block of a device wins; only the
 * block's top indentation level counts.
 */
typedef struct XptDumpIndex XptDumpIndex;

/** xpt_host_dump_index_new: index the dump text @text (never fails; free with
 *  xpt_host_dump_index_free). */
XptDumpIndex *xpt_host_dump_index_new(const char *text);
void xpt_host_dump_index_free(XptDumpIndex *idx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XptDumpIndex, xpt_host_dump_index_free)

/**
 * xpt_host_dump_index_sizes: the sizes of device @domain:@bus:@dev.@fn from @idx, with
 * the errors of xpt_host_dump_sizes (@file and @sbdf only name things in messages):
 * XPT_ERROR_NOT_FOUND if the dump has no block for the device, XPT_ERROR_INVALID if a
 * "[size=" of its block does not parse.
 */
bool xpt_host_dump_index_sizes(const XptDumpIndex *idx, const char *file, const char *sbdf,
                               unsigned domain, unsigned bus, unsigned dev, unsigned fn,
                               XptDumpSizes *sizes, GError **errp);

/**
 * xpt_host_dump_for_libpci: what libpci's dump method reads of dump text @text, when
 * @text as it is would be refused: NULL if every line fits, else a new string.
 * libpci's reader (pciutils lib/dump.c dump_init) reads lines with fgets() into a
 * 256-byte buffer and refuses the whole file at the first line of more than
 * XPT_DUMP_LIBPCI_LINE_MAX characters ("dump: line too long or unterminated"),
 * although it uses only three kinds of line: a device line
 * ("BB:DD.F " or "SSSS:BB:DD.F " at column 0), a blank line (ends the device) and a hex
 * row ("xx: 86 80 ..."). `lspci -vv -nn` prints longer header lines for some devices
 * (255 characters for an ICH9R SATA controller in native IDE mode, issue 13 item 9).
 * The copy keeps those three kinds only, each device line cut after its address, so
 * libpci sees the same devices and bytes (and an unterminated last line stays one, which
 * libpci refuses: a cut file); the -vv text stays in the original file, which
 * xpt_host_dump_sizes reads.
 */
#define XPT_DUMP_LIBPCI_LINE_MAX 253
char *xpt_host_dump_for_libpci(const char *text);

#endif
