/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 16550A UART on a chardev: hw/char/serial.h. */
#include "hw/char/serial.h"

#include <string.h>

#include "util/error.h"
#include "util/log.h"

#define CTI_MAX_MS 1000                 /* character timeout cap (slow baud rates) */
#define DROP_LOG_MS 10000               /* one dropped-output warning per 10 s */

struct XptSerial {
    XptDispatcher *disp;
    XptHv *hv;
    uint8_t irq;
    char *label;
    XptChardev *chr;
    XptIoRegion region;

    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t rx[XPT_SERIAL_FIFO_LEN];
    unsigned rx_head, rx_count;
    bool thr_ipending;                  /* THR-empty interrupt pending */
    bool timeout_ipending;              /* character timeout */
    guint cti_timer;
    bool irq_level;                     /* last level the hypervisor accepted */

    uint64_t dropped;                   /* output bytes dropped since the last warning */
    XptRateLimit drop_rl, hv_rl;
};

/* ---- interrupts ------------------------------------------------------------------ */

static bool fifo_on(const XptSerial *s)
{
    return s->fcr & XPT_UART_FCR_ENABLE;
}

static unsigned rx_trigger(const XptSerial *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };   /* FCR bits 7:6 */
    return fifo_on(s) ? levels[s->fcr >> 6] : 1;
}

static uint8_t compute_iir(const XptSerial *s)
{
    uint8_t id = XPT_UART_IIR_NO_INT;
    if ((s->ier & XPT_UART_IER_RLSI) &&
        (s->lsr & (XPT_UART_LSR_OE | XPT_UART_LSR_PE | XPT_UART_LSR_FE | XPT_UART_LSR_BI))) {
        id = XPT_UART_IIR_RLSI;
    } else if ((s->ier & XPT_UART_IER_RDI) && s->timeout_ipending) {
        id = XPT_UART_IIR_CTI;
    } else if ((s->ier & XPT_UART_IER_RDI) && s->rx_count >= rx_trigger(s)) {
        id = XPT_UART_IIR_RDI;
    } else if ((s->ier & XPT_UART_IER_THRI) && s->thr_ipending) {
        id = XPT_UART_IIR_THRI;
    } else if ((s->ier & XPT_UART_IER_MSI) && (s->msr & XPT_UART_MSR_DELTAS)) {
        id = XPT_UART_IIR_MSI;
    }
    return id | (fifo_on(s) ? XPT_UART_IIR_FIFO : 0);
}

/* The IRQ follows IIR; a failed hypercall is retried at the next change. */
static void update_irq(XptSerial *s)
{
    bool level = !(compute_iir(s) & XPT_UART_IIR_NO_INT);
    if (level == s->irq_level) {
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!xpt_hv_set_isa_irq_level(s->hv, s->irq, level, &err)) {
        xpt_warn_ratelimited(&s->hv_rl, "%s: ISA IRQ %u %s: %s", s->label, s->irq,
                             level ? "raise" : "lower", err->message);
        return;
    }
    s->irq_level = level;
}

/* ---- receive ----------------------------------------------------------------------- */

/* Four character times at the programmed rate and frame (datasheet: FIFO timeout). */
static unsigned cti_ms(const XptSerial *s)
{
    unsigned bits = 1 + 5 + (s->lcr & 3) + ((s->lcr & 0x08) ? 1 : 0) + ((s->lcr & 0x04) ? 2 : 1);
    uint64_t div = s->divisor ? s->divisor : 1;
    uint64_t ms = (4 * bits * div * 1000 + XPT_SERIAL_BAUDBASE - 1) / XPT_SERIAL_BAUDBASE;
    return (unsigned)CLAMP(ms, 1, CTI_MAX_MS);
}

static gboolean cti_expired(gpointer opaque)
{
    XptSerial *s = opaque;
    s->cti_timer = 0;
    if (s->rx_count) {
        s->timeout_ipending = true;
        update_irq(s);
    }
    return G_SOURCE_REMOVE;
}

static void cti_restart(XptSerial *s)
{
    if (s->cti_timer) {
        g_source_remove(s->cti_timer);
        s->cti_timer = 0;
    }
    if (fifo_on(s) && s->rx_count) {
        s->cti_timer = g_timeout_add(cti_ms(s), cti_expired, s);
    }
}

static unsigned rx_room(const XptSerial *s)
{
    return (fifo_on(s) ? XPT_SERIAL_FIFO_LEN : 1) - s->rx_count;
}

/* One byte into the FIFO (or RBR); false (overrun, OE set) when it is full. */
static bool rx_push(XptSerial *s, uint8_t b)
{
    if (!rx_room(s)) {
        s->lsr |= XPT_UART_LSR_OE;
        return false;
    }
    s->rx[(s->rx_head + s->rx_count) % XPT_SERIAL_FIFO_LEN] = b;
    s->rx_count++;
    s->lsr |= XPT_UART_LSR_DR;
    return true;
}

static void rx_clear(XptSerial *s)
{
    s->rx_head = s->rx_count = 0;
    s->lsr &= ~XPT_UART_LSR_DR;
    s->timeout_ipending = false;
    cti_restart(s);
}

/* Chardev input: take what fits; the rest waits in the chardev (backpressure). */
static size_t chr_input(XptChardev *c, const char *buf, size_t len, void *opaque)
{
    XptSerial *s = opaque;
    size_t n = 0;
    if (s->mcr & XPT_UART_MCR_LOOP) {
        return 0;           /* loopback disconnects the receive pin; taken when it ends */
    }
    while (n < len && rx_room(s)) {
        rx_push(s, (uint8_t)buf[n++]);
    }
    if (n) {
        s->timeout_ipending = false;
        cti_restart(s);
        update_irq(s);
    }
    return n;
}

static uint8_t read_rbr(XptSerial *s)
{
    uint8_t b = 0;
    if (s->rx_count) {
        b = s->rx[s->rx_head];
        s->rx_head = (s->rx_head + 1) % XPT_SERIAL_FIFO_LEN;
        s->rx_count--;
    }
    if (!s->rx_count) {
        s->lsr &= ~XPT_UART_LSR_DR;
    }
    s->timeout_ipending = false;
    cti_restart(s);
    update_irq(s);
    xpt_chardev_accept_input(s->chr);
    return b;
}

/* ---- transmit ---------------------------------------------------------------------- */

static void transmit(XptSerial *s, uint8_t b)
{
    if (s->mcr & XPT_UART_MCR_LOOP) {
        rx_push(s, b);
        s->timeout_ipending = false;
        cti_restart(s);
        return;
    }
    if (!xpt_chardev_connected(s->chr)) {
        xpt_chardev_write(s->chr, (const char *)&b, 1);   /* a pty reader may have come */
        return;                                           /* else dropped, as QEMU */
    }
    if (xpt_chardev_pending(s->chr) >= XPT_SERIAL_OUT_MAX) {
        unsigned suppressed;
        s->dropped++;
        if (xpt_ratelimit_check(&s->drop_rl, &suppressed)) {
            g_autofree char *name = xpt_chardev_filename(s->chr);
            xpt_warn_report("%s: guest output dropped (%" G_GUINT64_FORMAT " bytes so far): "
                            "the reader of %s does not keep up (%u bytes wait)", s->label,
                            s->dropped, name, XPT_SERIAL_OUT_MAX);
        }
        return;
    }
    xpt_chardev_write(s->chr, (const char *)&b, 1);
}

static void write_thr(XptSerial *s, uint8_t b)
{
    /* Writing THR clears the THRE interrupt; the byte leaves at once and THR is empty
     * again (QEMU 7.2 serial_ioport_write/serial_xmit: a lower, then a raise). */
    s->thr_ipending = false;
    s->lsr &= ~(XPT_UART_LSR_THRE | XPT_UART_LSR_TEMT);
    update_irq(s);
    transmit(s, b);
    s->lsr |= XPT_UART_LSR_THRE | XPT_UART_LSR_TEMT;
    s->thr_ipending = true;
    update_irq(s);
}

/* ---- modem lines ------------------------------------------------------------------ */

static void update_msr(XptSerial *s)
{
    uint8_t lines;
    if (s->mcr & XPT_UART_MCR_LOOP) {
        lines = ((s->mcr & XPT_UART_MCR_DTR) ? XPT_UART_MSR_DSR : 0) |
                ((s->mcr & XPT_UART_MCR_RTS) ? XPT_UART_MSR_CTS : 0) |
                ((s->mcr & XPT_UART_MCR_OUT1) ? XPT_UART_MSR_RI : 0) |
                ((s->mcr & XPT_UART_MCR_OUT2) ? XPT_UART_MSR_DCD : 0);
    } else {
        lines = XPT_UART_MSR_DCD | XPT_UART_MSR_DSR | XPT_UART_MSR_CTS;
    }
    uint8_t old = s->msr, changed = (uint8_t)(old ^ lines);
    uint8_t deltas = old & XPT_UART_MSR_DELTAS;
    deltas |= (changed & XPT_UART_MSR_CTS) ? 0x01 : 0;
    deltas |= (changed & XPT_UART_MSR_DSR) ? 0x02 : 0;
    deltas |= ((old & XPT_UART_MSR_RI) && !(lines & XPT_UART_MSR_RI)) ? 0x04 : 0;  /* TERI */
    deltas |= (changed & XPT_UART_MSR_DCD) ? 0x08 : 0;
    s->msr = lines | deltas;
}

/* ---- the register table ------------------------------------------------------------ */

static uint8_t r_rbr(XptSerial *s) { return read_rbr(s); }
static uint8_t r_dll(XptSerial *s) { return s->divisor & 0xFF; }
static uint8_t r_dlm(XptSerial *s) { return s->divisor >> 8; }
static uint8_t r_ier(XptSerial *s) { return s->ier; }
static uint8_t r_lcr(XptSerial *s) { return s->lcr; }
static uint8_t r_mcr(XptSerial *s) { return s->mcr; }
static uint8_t r_scr(XptSerial *s) { return s->scr; }

static uint8_t r_iir(XptSerial *s)
{
    uint8_t iir = compute_iir(s);
    if ((iir & 0x0F) == XPT_UART_IIR_THRI) {
        s->thr_ipending = false;        /* reading IIR clears a THRE interrupt */
        update_irq(s);
    }
    return iir;
}

static uint8_t r_lsr(XptSerial *s)
{
    uint8_t v = s->lsr;
    s->lsr &= ~(XPT_UART_LSR_OE | XPT_UART_LSR_PE | XPT_UART_LSR_FE | XPT_UART_LSR_BI);
    update_irq(s);
    return v;
}

static uint8_t r_msr(XptSerial *s)
{
    uint8_t v = s->msr;
    s->msr &= ~XPT_UART_MSR_DELTAS;
    update_irq(s);
    return v;
}

static void w_thr(XptSerial *s, uint8_t v) { write_thr(s, v); }
static void w_dll(XptSerial *s, uint8_t v) { s->divisor = (uint16_t)((s->divisor & 0xFF00) | v); }
static void w_dlm(XptSerial *s, uint8_t v) { s->divisor = (uint16_t)((s->divisor & 0xFF) | v << 8); }
static void w_lcr(XptSerial *s, uint8_t v) { s->lcr = v; }
static void w_scr(XptSerial *s, uint8_t v) { s->scr = v; }
static void w_ignore(XptSerial *s, uint8_t v) { }

static void w_ier(XptSerial *s, uint8_t v)
{
    uint8_t changed = (s->ier ^ v) & 0x0F;
    s->ier = v & 0x0F;
    if (changed & XPT_UART_IER_THRI) {
        /* Turning ETBEI on with THR empty raises the THRE interrupt (datasheet). */
        s->thr_ipending = (s->ier & XPT_UART_IER_THRI) && (s->lsr & XPT_UART_LSR_THRE);
    }
    update_irq(s);
}

static void w_fcr(XptSerial *s, uint8_t v)
{
    if ((v ^ s->fcr) & XPT_UART_FCR_ENABLE) {
        rx_clear(s);                    /* changing FIFO mode clears both FIFOs */
    }
    if (v & XPT_UART_FCR_CLEAR_RCVR) {
        rx_clear(s);
    }
    /* Transmission is immediate: the transmit FIFO is always empty (CLEAR_XMIT). */
    s->fcr = (v & XPT_UART_FCR_ENABLE) ? (v & 0xC9) : 0;
    cti_restart(s);
    update_irq(s);
    xpt_chardev_accept_input(s->chr);
}

static void w_mcr(XptSerial *s, uint8_t v)
{
    bool was_loop = s->mcr & XPT_UART_MCR_LOOP;
    s->mcr = v & 0x1F;
    update_msr(s);
    update_irq(s);
    if (was_loop && !(s->mcr & XPT_UART_MCR_LOOP)) {
        xpt_chardev_accept_input(s->chr);   /* host bytes held during loopback */
    }
}

typedef struct {
    uint8_t (*read)(XptSerial *s);
    void (*write)(XptSerial *s, uint8_t v);
} SerialReg;

/* [dlab][offset] */
static const SerialReg regs[2][XPT_SERIAL_PORTS] = {
    { { r_rbr, w_thr }, { r_ier, w_ier }, { r_iir, w_fcr }, { r_lcr, w_lcr },
      { r_mcr, w_mcr }, { r_lsr, w_ignore }, { r_msr, w_ignore }, { r_scr, w_scr } },
    { { r_dll, w_dll }, { r_dlm, w_dlm }, { r_iir, w_fcr }, { r_lcr, w_lcr },
      { r_mcr, w_mcr }, { r_lsr, w_ignore }, { r_msr, w_ignore }, { r_scr, w_scr } },
};

static const SerialReg *reg_at(const XptSerial *s, uint64_t off)
{
    return &regs[(s->lcr & XPT_UART_LCR_DLAB) ? 1 : 0][off % XPT_SERIAL_PORTS];
}

/* Wider accesses are split into bytes, lowest address first (QEMU: impl size 1). */
static uint64_t serial_read(void *opaque, uint64_t offset, unsigned size)
{
    XptSerial *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && i < 8; i++) {
        v |= (uint64_t)reg_at(s, offset + i)->read(s) << (8 * i);
    }
    return v;
}

static void serial_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    XptSerial *s = opaque;
    for (unsigned i = 0; i < size && i < 8; i++) {
        reg_at(s, offset + i)->write(s, (uint8_t)(val >> (8 * i)));
    }
}

static const XptIoOps serial_ops = { .read = serial_read, .write = serial_write };

/* ---- life cycle ---------------------------------------------------------------------- */

XptSerial *xpt_serial_new(XptDispatcher *disp, XptHv *hv, uint16_t base, uint8_t isa_irq,
                          const XptChardevSpec *chr, const char *label, GError **errp)
{
    static const XptChardevHandlers handlers = { .input = chr_input };
    XptSerial *s = g_new0(XptSerial, 1);
    s->disp = disp;
    s->hv = hv;
    s->irq = isa_irq;
    s->label = g_strdup(label);
    s->drop_rl = (XptRateLimit)XPT_RATELIMIT_INIT(1, DROP_LOG_MS);
    s->hv_rl = (XptRateLimit)XPT_RATELIMIT_INIT(5, 5000);
    /* Reset values (datasheet "UART Reset Configuration"; QEMU serial_reset). */
    s->lsr = XPT_UART_LSR_THRE | XPT_UART_LSR_TEMT;
    s->msr = XPT_UART_MSR_DCD | XPT_UART_MSR_DSR | XPT_UART_MSR_CTS;
    s->divisor = 12;                    /* 9600 baud */
    s->lcr = 0x03;                      /* 8N1, QEMU's reset value */
    s->region = (XptIoRegion){ .name = "16550A UART", .type = XPT_RANGE_PORT,
        .base = base, .size = XPT_SERIAL_PORTS, .ops = &serial_ops, .opaque = s };
    g_autofree char *what = g_strdup_printf("serial port '%s'", label);
    s->chr = xpt_chardev_open(chr, what, &handlers, s, errp);
    if (!s->chr || !xpt_dispatcher_add_region(disp, &s->region, errp)) {
        xpt_chardev_free(s->chr);
        g_free(s->label);
        g_free(s);
        return NULL;
    }
    if (xpt_chardev_pty_path(s->chr)) {
        xpt_info_report("char device redirected to %s (label %s)",
                        xpt_chardev_pty_path(s->chr), label);
    }
    return s;
}

void xpt_serial_free(XptSerial *s)
{
    if (!s) {
        return;
    }
    xpt_dispatcher_del_region(s->disp, &s->region);
    if (s->cti_timer) {
        g_source_remove(s->cti_timer);
    }
    if (s->irq_level) {
        xpt_hv_set_isa_irq_level(s->hv, s->irq, 0, NULL);
    }
    xpt_chardev_free(s->chr);
    g_free(s->label);
    g_free(s);
}

const char *xpt_serial_label(const XptSerial *s)
{
    return s->label;
}

XptChardev *xpt_serial_chardev(const XptSerial *s)
{
    return s->chr;
}
