/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QEMU options libxl 4.17 passes to a qemu-xen device model that have nothing to
 * drive in xen-pt-dm (reference/toolstack.md §launch; tools/libs/light/libxl_dm.c
 * libxl__build_device_model_args_new): the display ones, accepted with one warning;
 * -boot and -msg, checked; the emulated-device ones, refused with the reason.
 */
#ifndef XPT_SYSTEM_COMPAT_OPTS_H
#define XPT_SYSTEM_COMPAT_OPTS_H

#include <glib.h>
#include <stdbool.h>

/* Display options accepted without effect, for the one warning line. */
typedef struct XptDisplayOpts {
    GPtrArray *ignored;      /* "OPT ARG" strings, owned by the array (g_free) */
    bool vnc;                /* -vnc other than none */
    bool vga;                /* a graphics card: -device cirrus-vga/VGA */
    bool sdl;                /* -display sdl */
} XptDisplayOpts;

/** xpt_display_take_device: whether -device @spec is a graphics card libxl asks for
 *  (cirrus-vga, VGA); if so it is recorded and not created. */
bool xpt_display_take_device(XptDisplayOpts *d, const char *spec);

/**
 * xpt_display_take_option: -display, -vnc or -k with @arg: checked against the values
 * QEMU 7.2 takes (XPT_ERROR_INVALID "-vnc X: not a VNC address ...", "-display X: not a
 * display type ..."), then recorded unless "none".
 */
bool xpt_display_take_option(XptDisplayOpts *d, const char *opt, const char *arg,
                             GError **errp);

/** xpt_display_warn: one warning line if anything was recorded, naming the xl settings
 *  that silence it (vnc=0, vga="none", sdl=0). */
void xpt_display_warn(const XptDisplayOpts *d);

/** xpt_refused_option: why option @opt (an emulated disk, NIC, serial port, ...) is
 *  refused, one line with the fix; NULL if it is not one of those. */
const char *xpt_refused_option(const char *opt);

/** xpt_check_boot: -boot as QEMU parses it; checked, then without effect (hvmloader
 *  boots the guest). Errors: XPT_ERROR_INVALID naming the option. */
bool xpt_check_boot(const char *spec, GError **errp);

/** xpt_parse_msg: -msg timestamp=on|off[,guest-name=on|off]; timestamp=on turns on
 *  xpt_log_set_timestamp. Errors: XPT_ERROR_INVALID naming the option. */
bool xpt_parse_msg(const char *spec, GError **errp);

#endif
