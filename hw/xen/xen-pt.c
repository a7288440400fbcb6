/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xen-pci-passthrough device: properties, realize/unrealize, config access glue between
 * bus 0, the register framework and the host backend (hw/xen/xen-pt.h).
 */
#include "hw/xen/xen-pt.h"

#include <string.h>

#include "util/error.h"
#include "util/bytes.h"
#include "util/file.h"
#include "util/log.h"

bool xpt_pt_host_read(XptPtDevice *d, unsigned offset, unsigned len, uint32_t *val)
{
    uint32_t vendor;
    if (!xpt_host_pci_read(d->host, offset, len, val, NULL)) {
        return false;
    }
    return *val != xpt_ones32(len) ||
           (xpt_host_pci_read(d->host, 0x00 /* vendor ID */, 2, &vendor, NULL) &&
            vendor != 0xFFFF);
}

static bool host_read(void *owner, unsigned offset, unsigned len, uint32_t *val)
{
    return xpt_pt_host_read(owner, offset, len, val);
}

static bool host_write(void *owner, unsigned offset, unsigned len, uint32_t val)
{
    XptPtDevice *d = owner;
    g_autoptr(GError) err = NULL;
    xpt_log(XPT_LOG_HOST, "%s: host config write 0x%02x/%u = 0x%x", d->who, offset, len, val);
    if (!xpt_host_pci_write(d->host, offset, len, val, &err)) {
        xpt_warn_ratelimited(&d->map_rl, "%s: %s", d->who, err->message);
        return false;
    }
    return true;
}

static const XptRegHostOps host_ops = { .read = host_read, .write = host_write };

static uint32_t pt_config_read(XptPciDevice *pci, unsigned offset, unsigned len)
{
    XptPtDevice *d = (XptPtDevice *)pci;
    uint32_t v = xpt_regfile_read(&d->regs, offset, len);
    xpt_log(XPT_LOG_PCI, "%s: read 0x%02x/%u = 0x%x", d->who, offset, len, v);
    return v;
}

static void pt_config_write(XptPciDevice *pci, unsigned offset, unsigned len, uint32_t val)
{
    XptPtDevice *d = (XptPtDevice *)pci;
    xpt_log(XPT_LOG_PCI, "%s: write 0x%02x/%u = 0x%x", d->who, offset, len, val);
    xpt_regfile_write(&d->regs, offset, len, val);
}

/*
 * Detach (reference/xen-abi.md §Call sequences "Detach"): MSI/MSI-X pirqs, INTx,
 * mappings, SBDF claim, then the toolstack's grant. Every release keeps the record of
 * what the hypervisor refused to undo (one warning each), so a second pass retries it:
 * a transient failure leaves nothing behind. The grant goes last and is retried once
 * too, since nothing of the device can be removed once it is revoked.
 */
static void pt_unrealize(XptPciDevice *pci)
{
    XptPtDevice *d = (XptPtDevice *)pci;
    for (int pass = 0; pass < 2; pass++) {
        xpt_pt_msix_release(d);
        xpt_pt_msi_release(d);
        xpt_pt_intx_release(d);
        xpt_pt_bars_release(d);
        xpt_dispatcher_retry_unclaims(d->machine->disp);
    }
    if (pci->plugged) {
        xpt_pci_bus_unplug(pci->bus, pci);
    }
    for (int attempt = 0; d->granted && attempt < 2; attempt++) {
        g_autoptr(GError) err = NULL;
        if (xpt_hv_revoke_device(d->machine->hv, d->who, &d->grant, &err)) {
            d->granted = false;
        } else {
            xpt_warn_report("%s%s", err->message, attempt ? "" : "; retrying");
        }
    }
    d->granted = false;
}

void xpt_pt_props_clear(XptPtProps *props)
{
    g_clear_pointer(&props->hostaddr, g_free);
    g_clear_pointer(&props->romfile, g_free);
    g_clear_pointer(&props->host_sysfs, g_free);
    g_clear_pointer(&props->host_dump, g_free);
}

static void pt_free(XptPciDevice *pci)
{
    XptPtDevice *d = (XptPtDevice *)pci;
    xpt_pt_msix_free(d);
    xpt_regfile_destroy(&d->regs);
    xpt_host_pci_free(d->host);
    xpt_pt_props_clear(&d->props);
    g_free(d->rom_data);
    g_free(d->who);
    g_free(pci->id);
    g_free(d);
}

static const XptPciDeviceClass pt_class = {
    .name = XPT_PT_DRIVER,
    .config_read = pt_config_read,
    .config_write = pt_config_write,
    .unrealize = pt_unrealize,
    .free = pt_free,
};

bool xpt_pt_parse_props(XptOpts *opts, XptPtProps *props, GError **errp)
{
    memset(props, 0, sizeof(*props));
    const char *hostaddr = xpt_opts_get(opts, "hostaddr");
    uint64_t rombar;
    if (!xpt_opts_get_bool(opts, "permissive", false, &props->permissive, errp) ||
        !xpt_opts_get_bool(opts, "multifunction", false, &props->multifunction, errp) ||
        !xpt_opts_get_bool(opts, "unaligned-bars", false, &props->unaligned_bars, errp) ||
        !xpt_opts_get_u64(opts, "rombar", 1, false, &rombar, errp)) {
        return false;
    }
    if (!hostaddr) {
        /* A misspelt property (hostadr=) is named first, as QEMU's qdev does: it sets
         * properties ("Property '...' not found") before realize checks hostaddr
         * (issue 13 item 11). */
        (void)xpt_opts_get(opts, "romfile");
        (void)xpt_opts_get(opts, "host-sysfs");
        (void)xpt_opts_get(opts, "host-dump");
        if (xpt_opts_check_unused(opts, XPT_PT_DRIVER, errp)) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "xen-pci-passthrough: Parameter 'hostaddr' is missing "
                        "(e.g. hostaddr=0000:01:00.0)");
        }
        return false;
    }
    props->rombar = rombar != 0;
    props->hostaddr = g_strdup(hostaddr);
    props->romfile = g_strdup(xpt_opts_get(opts, "romfile"));
    props->host_sysfs = g_strdup(xpt_opts_get(opts, "host-sysfs"));
    props->host_dump = g_strdup(xpt_opts_get(opts, "host-dump"));
    if (props->host_sysfs && props->host_dump) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                    "xen-pci-passthrough: host-sysfs and host-dump are mutually exclusive");
        xpt_pt_props_clear(props);
        return false;
    }
    return true;
}

XptHostPci *xpt_pt_open_host(const XptPtProps *props, bool shadow, GError **errp)
{
    XptHostOpenOptions o = {
        .hostaddr = props->hostaddr, .sysfs_dir = props->host_sysfs,
        .dump_file = props->host_dump, .shadow = shadow || props->host_dump,
    };
    return xpt_host_pci_open(&o, errp);
}

/* What the toolstack grants for this device (libxl: iomem/ioport/irq permissions). */
static void build_grant(XptPtDevice *d)
{
    XptHostGrant *g = &d->grant;
    memset(g, 0, sizeof(*g));
    for (unsigned i = 0; i < 6; i++) {
        const XptHostRegion *h = xpt_host_pci_bar(d->host, i);
        if (!h->size) {
            continue;
        }
        if (h->flags & XPT_HOST_REGION_IO) {
            g->io[i].first_port = (uint32_t)h->base;
            g->io[i].nr_ports = (uint32_t)h->size;
        } else {
            g->mem[i].first_mfn = h->base >> XPT_PAGE_SHIFT;
            g->mem[i].nr_mfns = (h->size + (h->base & (XPT_PAGE_SIZE - 1)) +
                                 XPT_PAGE_SIZE - 1) >> XPT_PAGE_SHIFT;
        }
    }
    const XptHostRegion *rom = xpt_host_pci_rom(d->host);
    if (rom->size && rom->base) {
        g->mem[6].first_mfn = rom->base >> XPT_PAGE_SHIFT;
        g->mem[6].nr_mfns = (rom->size + XPT_PAGE_SIZE - 1) >> XPT_PAGE_SHIFT;
    }
    g->irq = xpt_host_pci_irq(d->host);
    g->host_sbdf = XEN_DMOP_PCI_SBDF(xpt_host_pci_segment(d->host), xpt_host_pci_bus(d->host),
                                     xpt_host_pci_devfn(d->host) >> 3,
                                     xpt_host_pci_devfn(d->host) & 7);
}

static bool load_rom(XptPtDevice *d, GError **errp)
{
    if (!d->props.rombar) {
        return true;
    }
    if (d->props.romfile) {
        /* The guest ROM BAR is sized to hold the file (xen-pt-bar.c), so the file's cap
         * is the largest ROM BAR, 16 MiB (PCI LB 3.0 §6.2.5.2). A FIFO, /dev/zero or any
         * other non-regular file is refused without blocking or reading it
         * (util/file.h; issue 13 item 5). */
        size_t len = 0;
        uint8_t *data = xpt_file_read_regular(d->props.romfile, d->who, "romfile",
                                              XPT_FILE_MAX, &len, errp);
        if (!data) {
            return false;
        }
        if (len == 0) {
            g_free(data);
            g_set_error(errp, XPT_ERROR, XPT_ERROR_INVALID,
                        "%s: romfile %s is empty; give a ROM image of 1 byte to 16 MiB",
                        d->who, d->props.romfile);
            return false;
        }
        d->rom_data = data;
        d->rom_len = len;
        return true;
    }
    /* Host ROM contents: only from a device we may touch (not shadow mode). */
    if (xpt_host_pci_rom(d->host)->size && !xpt_host_pci_is_shadow(d->host)) {
        g_autoptr(GError) err = NULL;
        d->rom_data = xpt_host_pci_read_rom(d->host, &d->rom_len, &err);
        if (!d->rom_data) {
            xpt_warn_report("%s: ROM contents unavailable (%s); the guest reads 0xFF",
                            d->who, err->message);
        }
    }
    return true;
}

/* The passthrough devices attached to @d's machine: *n of them, borrowed, in one new
 * array (issue 15: a GPtrArray grown device by device before). A passthrough device is
 * one whose class is named XPT_PT_DRIVER, as everywhere else: its class may be a copy
 * of pt_class (the fuzzer's guest hooks unrealize and free that way). */
static const XptPtDevice **attached_devices(const XptPtDevice *d, size_t *n)
{
    const GPtrArray *all = d->machine->devices;
    guint len = all ? all->len : 0;
    const XptPtDevice **out = g_new(const XptPtDevice *, MAX(len, 1));
    *n = 0;
    for (guint i = 0; i < len; i++) {
        const XptPciDevice *p = g_ptr_array_index(all, i);
        if (p != &d->pci && g_strcmp0(p->klass->name, XPT_PT_DRIVER) == 0) {
            out[(*n)++] = (const XptPtDevice *)p;
        }
    }
    return out;
}

/*
 * One host function, one guest device (issue 13 item 11): a second one would map the
 * same host frames at two guest addresses and fight over the device's MSI/MSI-X state.
 * Under Xen nothing else stops it: a device assigned to this domain passes libxl's
 * xc_test_assign_device (Xen 4.17 libxl_pci.c libxl__device_pci_add), and QMP
 * device_add reaches the device model directly.
 */
static bool check_not_attached(XptPtDevice *d, const XptPtDevice *const *others, size_t n,
                               GError **errp)
{
    for (size_t i = 0; i < n; i++) {
        const XptPtDevice *o = others[i];
        if (strcmp(xpt_host_pci_sbdf(o->host), xpt_host_pci_sbdf(d->host)) == 0) {
            g_set_error(errp, XPT_ERROR, XPT_ERROR_BUSY,
                        "%s is already attached as %s%s (guest slot %02x.%x); detach it "
                        "first (device_del) or pass through another function",
                        xpt_host_pci_sbdf(d->host), *o->pci.id ? "id " : "",
                        *o->pci.id ? o->pci.id : "a device without id",
                        XPT_PCI_SLOT(o->pci.devfn), XPT_PCI_FUNC(o->pci.devfn));
            return false;
        }
    }
    return true;
}

/* No host BAR of @d may overlap another's or reach an MSI-X table (issue 13 item 2). */
static bool check_host_layout(XptPtDevice *d, const XptPtDevice *const *others, size_t n,
                              GError **errp)
{
    return xpt_pt_bars_check_host(d, others, n, errp);
}

XptPtDevice *xpt_pt_create(XptMachine *m, XptPtProps *props, const char *id, uint8_t devfn,
                           GError **errp)
{
    g_autofree const XptPtDevice **others = NULL;
    size_t n_others = 0;
    XptPtDevice *d = g_new0(XptPtDevice, 1);
    d->pci.klass = &pt_class;
    d->pci.id = g_strdup(id ? id : "");
    d->machine = m;
    d->props = *props;
    memset(props, 0, sizeof(*props));
    d->map_rl = (XptRateLimit)XPT_RATELIMIT_INIT(5, 5000);
    d->pci.devfn = devfn;
    d->intx_pirq = -1;
    d->msi.vec = (XptMsiVector)XPT_MSI_VECTOR_INIT;

    d->host = xpt_pt_open_host(&d->props, m->opts.host_shadow, errp);
    if (!d->host) {
        goto fail;
    }
    d->who = id && *id ? g_strconcat(xpt_host_pci_sbdf(d->host), " (id ", id, ")", NULL)
                       : g_strdup(xpt_host_pci_sbdf(d->host));
    others = attached_devices(d, &n_others);     /* both checks, one walk */
    if (!check_not_attached(d, others, n_others, errp) || !load_rom(d, errp) ||
        !xpt_pt_bars_init(d, errp) || !check_host_layout(d, others, n_others, errp)) {
        goto fail;
    }
    build_grant(d);
    if (!xpt_hv_grant_device(m->hv, d->who, &d->grant, errp)) {
        goto fail;
    }
    d->granted = true;
    xpt_pt_intx_init(d);              /* before the tables: the guest pin depends on it */
    if (!xpt_regfile_init(&d->regs, xpt_pt_cap_groups, d, d->who, &host_ops,
                          d->props.permissive, errp) ||
        !xpt_pt_msi_init(d, errp) || !xpt_pt_msix_init(d, errp)) {
        goto fail;
    }
    d->pci.who = d->who;              /* the SBDF claim's messages name the device */
    if (!xpt_pci_bus_plug(&m->bus, &d->pci, devfn, errp)) {
        goto fail;
    }
    if (d->props.permissive) {
        xpt_warn_report("%s: permissive mode: guest writes to registers xen-pt-dm does not "
                        "virtualize reach the device", d->who);
    }
    return d;

fail:
    d->intx_hot = false;              /* a failed attach leaves nothing, its pirq neither */
    pt_unrealize(&d->pci);
    pt_free(&d->pci);
    return NULL;
}
