/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host PCI device through libpci (sysfs or dump), with a shadow; see hw/host/host-pci.h. */
#include "hw/host/host-pci-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/host/host-rules.h"
#include "util/bytes.h"
#include "util/error.h"
#include "util/file.h"
#include "util/log.h"

/* What libpci is asked for: only the fields read below (d->irq, base_addr, size, flags,
 * rom_base_addr, rom_size). Identity, class and capabilities come from the config space
 * read whole (read_config, xpt_host_pci_find_cap); asking libpci for them too made it
 * open "vendor", "device" and "class" and walk the capability lists through the config
 * file for every device (issue 15; test /host/sysfs/files-read). */
#define HOST_FILL_FLAGS (PCI_FILL_IRQ | PCI_FILL_BASES | PCI_FILL_ROM_BASE | \
                         PCI_FILL_SIZES | PCI_FILL_IO_FLAGS)
#define HOST_CAP_WALK_MAX 48

/* "SSSS:BB:DD.F" or "BB:DD.F", fixed-width hex, device ≤ 1f, function ≤ 7. */
static bool parse_hostaddr(const char *s, unsigned *seg, unsigned *bus, unsigned *dev,
                           unsigned *fn)
{
    static const char *const formats[] = { "hhhh:hh:hh.f", "hh:hh.f" };

    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        const char *f = formats[i];
        unsigned vals[4] = { 0 }, field = strlen(f) == 7 ? 1 : 0;
        size_t n;

        if (strlen(s) != strlen(f)) {
            continue;
        }
        for (n = 0; f[n]; n++) {
            char c = s[n];
            if (f[n] == 'h' && g_ascii_isxdigit(c)) {
                vals[field] = vals[field] * 16 + (unsigned)g_ascii_xdigit_value(c);
            } else if (f[n] == 'f' && c >= '0' && c <= '7') {
                vals[field] = (unsigned)(c - '0');
            } else if (f[n] == c && (c == ':' || c == '.')) {
                field++;
            } else {
                break;
            }
        }
        if (f[n] == '\0' && vals[2] <= 0x1f) {
            *seg = vals[0];
            *bus = vals[1];
            *dev = vals[2];
            *fn = vals[3];
            return true;
        }
    }
    return false;
}

/* The message of an access check_access refuses; out of line, so that the check itself
 * stays a few instructions in the callers (issue 15: a config read is called ~40 times
 * per attach, and from every guest config access in shadow mode). */
static G_GNUC_NO_INLINE void access_error(const XptHostPci *h, const char *what,
                                         unsigned offset, unsigned len, GError **errp)
{
    g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                "%s: invalid host config %s of %u bytes at 0x%x; use 1, 2 or 4 "
                "naturally aligned bytes below 0x1000", h->sbdf, what, len, offset);
}

static inline bool check_access(const XptHostPci *h, const char *what, unsigned offset,
                                unsigned len, GError **errp)
{
    if ((len != 1 && len != 2 && len != 4) || offset % len ||
        offset + len > XPT_HOST_CONFIG_SIZE) {
        access_error(h, what, offset, len, errp);
        return false;
    }
    return true;
}

void xpt_host_pci_inject_fault(XptHostPci *h, bool is_write, int err, unsigned count)
{
    h->fault_err[is_write] = err;
    h->fault_count[is_write] = count;
}

unsigned xpt_host_pci_pending_fault(const XptHostPci *h, bool is_write, int *err)
{
    if (err) {
        *err = h->fault_err[is_write];
    }
    return h->fault_count[is_write];
}

void xpt_host_pci_set_gone(XptHostPci *h, bool gone)
{
    h->gone = gone;
}

/* Consume an injected fault of this direction: false (with *errp set) if one was due. */
static bool injected_fault(XptHostPci *h, bool is_write, unsigned offset, unsigned len,
                           GError **errp)
{
    if (!h->fault_count[is_write]) {
        return true;
    }
    h->fault_count[is_write]--;
    xpt_error_set_errno(errp, h->fault_err[is_write],
                        "%s: host config %s of %u bytes at 0x%x failed (injected fault)",
                        h->sbdf, is_write ? "write" : "read", len, offset);
    return false;
}

/* A read through libpci (not shadow mode); out of line with its message buffer. */
static G_GNUC_NO_INLINE bool read_libpci(XptHostPci *h, unsigned offset, unsigned len,
                                        uint32_t *val, GError **errp)
{
    uint8_t buf[4];
    char why[XPT_LIBPCI_MSG_LEN];

    if (!xpt_libpci_block(h->dev, false, offset, buf, len, why)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                    "%s: host config read of %u bytes at 0x%x failed (%s); check that "
                    "the device is present and readable", h->sbdf, len, offset, why);
        return false;
    }
    *val = (uint32_t)xpt_le_load(buf, len);
    return true;
}

bool xpt_host_pci_read(XptHostPci *h, unsigned offset, unsigned len, uint32_t *val,
                       GError **errp)
{
    *val = 0xffffffffu;
    if (!check_access(h, "read", offset, len, errp)) {
        return false;
    }
    *val = xpt_ones32(len);
    if (!injected_fault(h, false, offset, len, errp)) {
        return false;
    }
    if (h->gone || offset + len > h->config_size) {
        return true;
    }
    if (h->shadow) {
        *val = (uint32_t)xpt_le_load(h->config + offset, len);
        return true;
    }
    return read_libpci(h, offset, len, val, errp);
}

bool xpt_host_pci_write(XptHostPci *h, unsigned offset, unsigned len, uint32_t val,
                        GError **errp)
{
    uint8_t buf[4];
    char why[XPT_LIBPCI_MSG_LEN];

    if (!check_access(h, "write", offset, len, errp)) {
        return false;
    }
    val &= xpt_ones32(len);
    XptHostWrite w = { .offset = (uint16_t)offset, .len = (uint8_t)len, .value = val };
    g_array_append_val(h->writes, w);
    xpt_log(XPT_LOG_HOST, "%s: host config write [0x%03x] len %u = 0x%x%s", h->sbdf,
            offset, len, val, h->shadow ? " (shadow)" : "");

    if (!injected_fault(h, true, offset, len, errp)) {
        return false;
    }
    if (h->gone || offset + len > h->config_size) {
        return true; /* no device, or beyond the config space the backend has: dropped */
    }
    if (h->shadow) {
        xpt_le_store(h->config + offset, val, len);
        return true;
    }
    xpt_le_store(buf, val, len);
    if (!xpt_libpci_block(h->dev, true, offset, buf, len, why)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                    "%s: host config write of %u bytes at 0x%x failed (%s); check that "
                    "the device is bound to pciback and writable", h->sbdf, len, offset,
                    why);
        return false;
    }
    return true;
}

/* Read a register for internal walks; all-ones on failure. */
static uint32_t host_rd(XptHostPci *h, unsigned offset, unsigned len)
{
    uint32_t v;
    xpt_host_pci_read(h, offset, len, &v, NULL);
    return v;
}

unsigned xpt_host_pci_find_cap(XptHostPci *h, uint8_t cap_id)
{
    if (!(host_rd(h, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
        return 0;
    }
    unsigned ptr = host_rd(h, PCI_CAPABILITY_LIST, 1) & 0xfc;
    for (unsigned n = 0; n < HOST_CAP_WALK_MAX && ptr >= 0x40; n++) {
        uint32_t id = host_rd(h, ptr, 1);
        if (id == cap_id) {
            return ptr;
        }
        /* An ID of 0xFF is walked past like any unknown ID, as the register file's walk
         * (hw/pci/regs.c) does: both walks must find the same capabilities, or MSI/MSI-X
         * set-up and the guest-visible registers disagree. The bound ends the walk. */
        ptr = host_rd(h, ptr + 1, 1) & 0xfc;
    }
    return 0;
}

/*
 * Read as much config space as the backend gives: 4096 or 256 bytes. Fewer than the
 * 256-byte header is refused (issue 13 item 1): the capability list lives in bytes
 * 0x40-0xFF (PCI LB 3.0 §6.7), so a short read would hide MSI-X (its table page would
 * then be mapped into the guest), PM, MSI and the PCIe port check. Linux returns only
 * the first 64 bytes of sysfs "config" to a reader without CAP_SYS_ADMIN
 * (drivers/pci/pci-sysfs.c pci_read_config), which is what a device attached after
 * -runas gets; a dump made with `lspci -x` has 64 bytes too.
 */
static bool read_config(XptHostPci *h, GError **errp)
{
    static const unsigned sizes[] = { XPT_HOST_CONFIG_SIZE, 256 };
    char why[XPT_LIBPCI_MSG_LEN] = "";

    /* No fill first: a successful read writes bytes 0 to config_size - 1, the only ones
     * read afterwards, and a failed one leaves config_size 0 (nothing is read). */
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        /* A read past the end of a regular file comes back short, which libpci reports
         * as a failure (after formatting a warning): a sysfs config file of 256 bytes
         * is not asked for 4096 (issue 15). */
        if (h->config_file_size && sizes[i] > h->config_file_size) {
            continue;
        }
        if (xpt_libpci_block(h->dev, false, 0, h->config, sizes[i], why)) {
            h->config_size = sizes[i];
            break;
        }
    }
    if (!h->config_size) {
        uint8_t hdr[64];
        char why64[XPT_LIBPCI_MSG_LEN];
        bool short_read = xpt_libpci_block(h->dev, false, 0, hdr, sizeof(hdr), why64);
        if (short_read && h->backend == XPT_HOST_BACKEND_DUMP) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                        "%s: dump %s holds only 64 of the 256 bytes of config space, so "
                        "its capabilities (MSI-X, PM, PCIe) cannot be seen; capture it "
                        "with `lspci -vv -xxx` (or -xxxx) as root", h->sbdf, h->source);
        } else if (short_read) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                        "%s: only 64 of the 256 bytes of config space are readable in %s "
                        "(Linux hides the rest from a process without CAP_SYS_ADMIN: not "
                        "root, or privileges dropped by -runas/-chroot before this device "
                        "was attached); attach it as root, on the command line or before "
                        "dropping privileges", h->sbdf, h->source);
        } else {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                        "%s: cannot read 64 bytes of config space from %s (%s); run as "
                        "root or check the device", h->sbdf, h->source, why64);
        }
        return false;
    }
    if ((uint32_t)xpt_le_load(h->config + PCI_VENDOR_ID, 2) == 0xffff) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                    "%s: config space reads all-ones in %s; the device is absent or "
                    "powered off", h->sbdf, h->source);
        return false;
    }
    return true;
}

/*
 * Before libpci opens anything: the device's sysfs "config" and "resource" files must
 * be regular files, checked without blocking (util/file.h; a dump file is checked so by
 * xpt_dump_source_get).
 * libpci opens them with a plain open(), which blocks forever on a FIFO. Files that do
 * not exist are left to libpci, which reports them. @dir is the device's sysfs folder.
 */
static bool check_host_files(XptHostPci *h, const char *dir, GError **errp)
{
    static const char *const sysfs_files[] = { "config", "resource" };
    static const char *const whats[] = { "sysfs config file", "sysfs resource file" };

    /* "@dir/<file>" for each file in one buffer (as g_strconcat gives; issue 15) */
    size_t dlen = strlen(dir);
    g_autofree char *path = g_malloc(dlen + sizeof(G_DIR_SEPARATOR_S "resource"));
    memcpy(path, dir, dlen);
    path[dlen] = G_DIR_SEPARATOR;

    for (size_t i = 0; i < G_N_ELEMENTS(sysfs_files); i++) {
        strcpy(path + dlen + 1, sysfs_files[i]);
        const char *what = whats[i];
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
            continue;
        }
        /* the resource file's read below checks it the same way, with the same errors */
        if (i == 0 && !xpt_file_check_regular(path, h->sbdf, what, XPT_FILE_MAX,
                                              &h->config_file_size, errp)) {
            return false;
        }
        /* An empty resource file gives libpci no region at all: said so here, not as
         * "MSI-X table in a BAR the device does not implement" (issue 13 item 11). A
         * real sysfs one has a line per BAR and the ROM (pci-sysfs.c resource_show). */
        size_t len = 0;
        g_autofree char *text = i == 1 ? (char *)xpt_file_read_regular(
                                             path, h->sbdf, what, XPT_FILE_MAX, &len, errp)
                                       : NULL;
        if (i == 1 && !text) {
            return false;
        }
        bool blank = i == 1;
        for (size_t k = 0; blank && k < len; k++) {
            blank = g_ascii_isspace(text[k]);
        }
        if (blank) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "%s: sysfs resource file %s is empty, so the device's regions are "
                        "unknown; copy it again from /sys/bus/pci/devices/%s/resource",
                        h->sbdf, path, h->sbdf);
            return false;
        }
    }
    return true;
}

/* @digits lowercase hex digits of @v at @o; returns the position after them. */
static char *put_hex(char *o, unsigned v, unsigned digits)
{
    for (unsigned i = 0; i < digits; i++) {
        o[i] = "0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 0xf];
    }
    return o + digits;
}

/* "%04x:%02x:%02x.%u" of parse_hostaddr's fields (seg ≤ 0xffff, bus ≤ 0xff, dev ≤ 0x1f,
 * fn ≤ 7) without snprintf, which cost 2,000 instructions per attach (issue 15). */
static void format_sbdf(char out[sizeof("ffff:ff:1f.7")], unsigned seg, unsigned bus,
                        unsigned dev, unsigned fn)
{
    char *o = put_hex(out, seg, 4);
    *o++ = ':';
    o = put_hex(o, bus, 2);
    *o++ = ':';
    o = put_hex(o, dev, 2);
    *o++ = '.';
    *o++ = (char)('0' + (fn & 7));
    *o = '\0';
}

XptHostPci *xpt_host_pci_open(const XptHostOpenOptions *opts, GError **errp)
{
    unsigned seg, bus, dev, fn;
    char why[XPT_LIBPCI_MSG_LEN];
    int known = 0;

    if (!opts->hostaddr || !parse_hostaddr(opts->hostaddr, &seg, &bus, &dev, &fn)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "hostaddr '%s' is malformed; use SSSS:BB:DD.F or BB:DD.F (hex, "
                    "device 00-1f, function 0-7)", opts->hostaddr ? opts->hostaddr : "");
        return NULL;
    }

    /* All but the 4 KiB config image zeroed (see struct XptHostPci): a page zeroed per
     * device for nothing was 4,100 of the instructions of its attach (issue 15). */
    g_autoptr(XptHostPci) h = g_malloc(sizeof(XptHostPci));
    memset(h, 0, offsetof(XptHostPci, config));
    h->writes = g_array_new(FALSE, FALSE, sizeof(XptHostWrite));
    h->segment = (uint16_t)seg;
    h->bus = (uint8_t)bus;
    h->devfn = (uint8_t)(dev << 3 | fn);
    format_sbdf(h->sbdf, seg, bus, dev, fn);
    h->backend = opts->dump_file ? XPT_HOST_BACKEND_DUMP : XPT_HOST_BACKEND_SYSFS;
    h->shadow = opts->dump_file ? true : opts->shadow;
    h->source = g_strdup(opts->dump_file ? opts->dump_file
                         : opts->sysfs_dir ? opts->sysfs_dir : "/sys");

    if (opts->dump_file) {
        /* one parse per dump file, shared by its devices (hw/host/dump-source.h) */
        h->dump = xpt_dump_source_get(opts->dump_file, h->sbdf, errp);
        if (!h->dump) {
            return NULL;
        }
        h->dev = xpt_dump_source_find(h->dump, seg, bus, dev, fn);
        if (!h->dev) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                        "%s: no such device in dump %s; check hostaddr (lspci -D lists "
                        "the devices)", h->sbdf, h->source);
            return NULL;
        }
    } else {
        g_autofree char *bus_pci = g_build_filename(h->source, "bus", "pci", NULL);
        /* as g_build_filename(h->source, "bus", "pci", "devices"[, sbdf]) give: @bus_pci
         * ends in "pci", "devices" in "devices" */
        g_autofree char *devices = g_strconcat(bus_pci, G_DIR_SEPARATOR_S "devices", NULL);
        g_autofree char *dir = g_strconcat(devices, G_DIR_SEPARATOR_S, h->sbdf, NULL);
        if (!g_file_test(devices, G_FILE_TEST_IS_DIR)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                        "%s: cannot open sysfs tree %s (no folder %s); check the "
                        "host-sysfs= path", h->sbdf, h->source, devices);
            return NULL;
        }
        if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                        "%s: no such device in sysfs tree %s; check hostaddr (lspci -D "
                        "lists the devices)", h->sbdf, h->source);
            return NULL;
        }
        if (!check_host_files(h, dir, errp)) {
            return NULL;
        }
        h->acc = xpt_libpci_new(NULL, bus_pci, !h->shadow, h->sbdf, errp);
        if (!h->acc) {
            return NULL;
        }
        /* this device's folder only, read afresh at every attach: no bus scan */
        h->dev = xpt_libpci_init_dev(h->acc, seg, bus, dev, fn, why);
        if (!h->dev) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                        "%s: cannot open sysfs tree %s (%s); check the host-sysfs= path",
                        h->sbdf, h->source, why);
            return NULL;
        }
    }
    if (!xpt_libpci_fill_info(h->dev, HOST_FILL_FLAGS, &known, why)) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "%s: libpci cannot read the device's resources from %s (%s); check "
                    "the device's files and permissions", h->sbdf, h->source, why);
        return NULL;
    }

    /* the device-kind rules the readiness check reports too (hw/host/host-rules.h) */
    if (!read_config(h, errp) || !xpt_host_rule_device_kind(h, errp)) {
        return NULL;
    }
    if (h->backend == XPT_HOST_BACKEND_DUMP) {
        if (!xpt_host_pci_regions_from_dump(h, opts->dump_file, errp)) {
            return NULL;
        }
    } else {
        xpt_host_pci_regions_from_sysfs(h, known);
    }
    h->irq = h->dev->irq;
    if (h->backend == XPT_HOST_BACKEND_DUMP &&
        (!h->config[PCI_INTERRUPT_PIN] || h->irq == 0xff)) {
        h->irq = 0; /* a dump's IRQ is its interrupt line: 0xff or no pin = none */
    }
    if (!xpt_host_pci_check_grantable(h, errp)) {
        return NULL;
    }
    return g_steal_pointer(&h);
}

void xpt_host_pci_free(XptHostPci *h)
{
    if (!h) {
        return;
    }
    if (h->acc) {
        if (h->dev) {
            pci_free_dev(h->dev); /* from pci_get_dev: not in acc->devices */
        }
        pci_cleanup(h->acc);
    }
    xpt_dump_source_unref(h->dump);
    g_array_free(h->writes, TRUE);
    g_free(h->source);
    g_free(h);
}

const char *xpt_host_pci_sbdf(const XptHostPci *h)
{
    return h->sbdf;
}

uint16_t xpt_host_pci_segment(const XptHostPci *h)
{
    return h->segment;
}

uint8_t xpt_host_pci_bus(const XptHostPci *h)
{
    return h->bus;
}

uint8_t xpt_host_pci_devfn(const XptHostPci *h)
{
    return h->devfn;
}

XptHostBackend xpt_host_pci_backend(const XptHostPci *h)
{
    return h->backend;
}

const char *xpt_host_pci_source(const XptHostPci *h)
{
    return h->source;
}

bool xpt_host_pci_is_shadow(const XptHostPci *h)
{
    return h->shadow;
}

unsigned xpt_host_pci_config_size(const XptHostPci *h)
{
    return h->config_size;
}

const XptHostRegion *xpt_host_pci_bar(const XptHostPci *h, unsigned bar)
{
    static const XptHostRegion none;
    return bar < XPT_HOST_NUM_BARS ? &h->bars[bar] : &none;
}

const XptHostRegion *xpt_host_pci_rom(const XptHostPci *h)
{
    return &h->rom;
}

int xpt_host_pci_irq(const XptHostPci *h)
{
    return h->irq;
}

const XptHostWrite *xpt_host_pci_writes(const XptHostPci *h, size_t *n)
{
    *n = h->writes->len;
    return (const XptHostWrite *)(void *)h->writes->data;
}

/* Write "1" or "0" to the sysfs rom file (enables/disables reading it); never blocks. */
static bool rom_file_enable(const char *path, const char *sbdf, bool on, GError **errp)
{
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

    if (fd < 0 || write(fd, on ? "1" : "0", 1) != 1) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
        }
        g_set_error(errp, XPT_ERROR, err == ENOENT ? XPT_ERROR_NOT_FOUND : XPT_ERROR_IO,
                    "%s: cannot %s the expansion ROM through %s (%s); check that the "
                    "device has a ROM and run as root", sbdf, on ? "enable" : "disable",
                    path, g_strerror(err));
        return false;
    }
    close(fd);
    return true;
}

uint8_t *xpt_host_pci_read_rom(XptHostPci *h, size_t *len, GError **errp)
{
    *len = 0;
    if (h->backend != XPT_HOST_BACKEND_SYSFS || h->shadow || !h->rom.size) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_NOT_FOUND,
                    "%s: no expansion ROM contents available (%s); use the sysfs "
                    "backend without shadow on a device that has a ROM", h->sbdf,
                    h->backend == XPT_HOST_BACKEND_DUMP ? "dump backend"
                    : h->shadow ? "read-only shadow mode" : "the device has no ROM");
        return NULL;
    }

    g_autofree char *path = g_build_filename(h->source, "bus", "pci", "devices",
                                             h->sbdf, "rom", NULL);
    /* The sysfs rom file is as large as the ROM BAR (Linux pci_create_attr): a file
     * that is not regular or larger than the BAR (and 16 MiB) is not the device's ROM,
     * and is refused before it is enabled or read (util/file.h). */
    uint64_t max = MIN(h->rom.size, (uint64_t)XPT_FILE_MAX);
    if (!xpt_file_check_regular(path, h->sbdf, "expansion ROM file", max, NULL, errp) ||
        !rom_file_enable(path, h->sbdf, true, errp)) {
        return NULL;
    }
    g_autoptr(GError) local_err = NULL;
    g_autofree uint8_t *data = xpt_file_read_regular(path, h->sbdf, "expansion ROM file",
                                                     max, len, &local_err);
    bool off = rom_file_enable(path, h->sbdf, false, data && *len ? errp : NULL);
    if (!data || !*len) {
        *len = 0;
        g_set_error(errp, XPT_ERROR, XPT_ERROR_IO,
                    "%s: cannot read the expansion ROM from %s (%s); the ROM may be "
                    "invalid or shadowed by the host firmware", h->sbdf, path,
                    local_err ? local_err->message : "empty");
        return NULL;
    }
    if (!off) {
        *len = 0;
        return NULL;
    }
    return g_steal_pointer(&data);
}
