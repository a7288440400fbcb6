/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The QEMU options libxl passes that have nothing to drive here: system/compat-opts.h. */
#include "system/compat-opts.h"

#include <string.h>

#include "util/error.h"
#include "util/log.h"
#include "util/opts.h"

/* Options for emulated devices xen-pt-dm does not provide: refused, with the reason. */
static const struct {
    const char *opt;
    const char *why;
} refused[] = {
    /* libxl 4.17 asks for -drive for the first four disks of an HVM guest (xvda-xvdd,
     * hdX) and every sdX one (libxl_dm.c); later xvdX disks are PV only. */
    { "-drive", "xen-pt-dm emulates no disks; name PV disks xvde or later (libxl asks to "
                "emulate xvda-xvdd, hdX and sdX) or use QEMU" },
    { "-hda", "xen-pt-dm emulates no disks; use a PV disk (xen-blkfront) or QEMU" },
    { "-cdrom", "xen-pt-dm emulates no disks; use a PV disk (xen-blkfront) or QEMU" },
    { "-net", "xen-pt-dm emulates no NICs; pass a NIC through or use a PV vif" },
    { "-netdev", "xen-pt-dm emulates no NICs; pass a NIC through or use a PV vif" },
    { "-vga", "xen-pt-dm emulates no graphics; configure vga=\"none\"" },
    { "-usb", "xen-pt-dm emulates no USB controller; pass one through" },
    { "-soundhw", "xen-pt-dm emulates no sound device; pass one through" },
    { "-spice", "xen-pt-dm serves no display (no SPICE server); configure spice=0" },
};

const char *xpt_refused_option(const char *opt)
{
    for (size_t r = 0; r < G_N_ELEMENTS(refused); r++) {
        if (!strcmp(opt, refused[r].opt)) {
            return refused[r].why;
        }
    }
    return NULL;
}

/*
 * The graphics cards libxl 4.17 asks a qemu-xen device model for (tools/libs/light/
 * libxl_dm.c libxl__build_device_model_args_new: vga="cirrus", xl's default for HVM,
 * gives "-device cirrus-vga,vgamem_mb=8"; vga="stdvga" gives "-device VGA,vgamem_mb=16").
 * Nothing would show their output (no VNC, no SDL), so they are left out with the
 * display warning rather than refused.
 */
static bool is_display_device(const char *spec)
{
    static const char *const cards[] = { "cirrus-vga", "VGA" };
    size_t len = strcspn(spec, ",");
    for (size_t i = 0; i < G_N_ELEMENTS(cards); i++) {
        if (len == strlen(cards[i]) && !strncmp(spec, cards[i], len)) {
            return true;
        }
    }
    return false;
}

/* A display option accepted without effect: kept for the one line of xpt_display_warn. */
static void display_ignored(XptDisplayOpts *d, const char *opt, const char *arg)
{
    g_ptr_array_add(d->ignored, g_strdup_printf("%s %s", opt, arg));
}

/*
 * The values QEMU 7.2 takes (qemu-options.hx -display and -vnc): a display type of
 * QEMU's list, optionally with ",options"; for -vnc "none" or an address with a ':'
 * (HOST:DISPLAY, unix:PATH) and ",options". Anything else is a typing error, refused
 * as QEMU refuses it.
 */
static bool check_display(const char *opt, const char *arg, GError **errp)
{
    static const char *const types[] = { "none", "sdl", "gtk", "vnc", "curses",
                                         "egl-headless", "spice-app", "dbus", "cocoa" };
    size_t len = strcspn(arg, opt[1] == 'v' ? "," : ",=");
    if (opt[1] == 'v') {
        if (!strcmp(arg, "none") || (len && memchr(arg, ':', len))) {
            return true;
        }
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "-vnc %s: not a VNC address (libxl "
                    "passes HOST:DISPLAY[,to=99] or none)", arg);
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        if (len == strlen(types[i]) && !strncmp(arg, types[i], len)) {
            return true;
        }
    }
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "-display %s: not a display type (libxl "
                "passes none or sdl)", arg);
    return false;
}

/*
 * xl turns VNC on for HVM guests by default and libxl then passes "-vnc
 * 127.0.0.1:0,to=99" and "-device cirrus-vga,vgamem_mb=8" (libxl 4.17
 * libxl__build_device_model_args_new; libxl_create.c libxl__domain_build_info_setdefault
 * turns vnc and findunused on and picks cirrus). QEMU would serve the guest's screen;
 * xen-pt-dm has no display, so it says so in one line (into qemu-dm-NAME.log) and names
 * the xl settings that make libxl stop asking.
 */
void xpt_display_warn(const XptDisplayOpts *d)
{
    if (!d->ignored->len) {
        return;
    }
    g_autoptr(GString) opts = g_string_new(NULL);
    for (unsigned i = 0; i < d->ignored->len; i++) {
        g_string_append_printf(opts, "%s%s", i ? ", " : "",
                               (const char *)g_ptr_array_index(d->ignored, i));
    }
    g_autoptr(GString) fix = g_string_new(NULL);
    if (d->vnc) {
        g_string_append(fix, "vnc=0");
    }
    if (d->vga) {
        g_string_append_printf(fix, "%svga=\"none\"", fix->len ? " and " : "");
    }
    if (d->sdl) {
        g_string_append_printf(fix, "%ssdl=0", fix->len ? " and " : "");
    }
    if (!fix->len) {
        g_string_append(fix, "-display none (no keymap=)");
    }
    xpt_warn_report("no display is served, the guest gets no graphics card and no VNC "
                    "server (ignored: %s); set %s in the guest's xl configuration to "
                    "silence this", opts->str, fix->str);
}

bool xpt_display_take_device(XptDisplayOpts *d, const char *spec)
{
    if (!is_display_device(spec)) {
        return false;
    }
    display_ignored(d, "-device", spec);
    d->vga = true;
    return true;
}

bool xpt_display_take_option(XptDisplayOpts *d, const char *opt, const char *arg,
                             GError **errp)
{
    if (!strcmp(opt, "-k")) {       /* libxl passes keymap= for the VNC/SDL display */
        display_ignored(d, opt, arg);
        return true;
    }
    if (!check_display(opt, arg, errp)) {
        return false;
    }
    if (strcmp(arg, "none") != 0) {
        display_ignored(d, opt, arg);
        if (opt[1] == 'v') {
            d->vnc = true;
        } else if (!strcmp(arg, "sdl") || g_str_has_prefix(arg, "sdl,")) {
            d->sdl = true;
        }
    }
    return true;
}

/*
 * -boot [order=]DRIVES[,once=DRIVES][,menu=on|off][,strict=on|off][,splash=FILE]
 * [,splash-time=MS][,reboot-timeout=MS] (QEMU's syntax; DRIVES are letters a-p): checked,
 * then ignored, as the guest's firmware (hvmloader) does the booting.
 */
bool xpt_check_boot(const char *spec, GError **errp)
{
    g_autoptr(XptOpts) o = xpt_opts_parse(spec, "order", errp);
    bool flag;
    if (!o) {
        g_prefix_error(errp, "-boot %s: ", spec);
        return false;
    }
    const char *drives[] = { xpt_opts_get(o, "order"), xpt_opts_get(o, "once") };
    for (size_t i = 0; i < G_N_ELEMENTS(drives); i++) {
        if (drives[i] && (!*drives[i] || strspn(drives[i], "abcdefghijklmnop") !=
                                             strlen(drives[i]))) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID, "-boot %s: '%s' is not a boot "
                        "order (letters a-p, as libxl's order=cda)", spec, drives[i]);
            return false;
        }
    }
    xpt_opts_get(o, "splash");
    xpt_opts_get(o, "splash-time");
    xpt_opts_get(o, "reboot-timeout");
    if (!xpt_opts_get_bool(o, "menu", false, &flag, errp) ||
        !xpt_opts_get_bool(o, "strict", false, &flag, errp) ||
        !xpt_opts_check_unused(o, "boot", errp)) {
        g_prefix_error(errp, "-boot %s: ", spec);
        return false;
    }
    return true;
}

/*
 * -msg [timestamp=on|off][,guest-name=on|off] (QEMU's qemu-options.hx): timestamp=on
 * starts every log line with the UTC time; guest-name is accepted (one guest per
 * process, its name is in the log file's name already).
 */
bool xpt_parse_msg(const char *spec, GError **errp)
{
    g_autoptr(XptOpts) o = xpt_opts_parse(spec, NULL, errp);
    bool ts = false, name = false;
    if (!o || !xpt_opts_get_bool(o, "timestamp", false, &ts, errp) ||
        !xpt_opts_get_bool(o, "guest-name", false, &name, errp) ||
        !xpt_opts_check_unused(o, "msg", errp)) {
        g_prefix_error(errp, "-msg %s: ", spec);
        return false;
    }
    xpt_log_set_timestamp(ts);
    return true;
}
