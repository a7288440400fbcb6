/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 16550A UART (SPEC §10): COM1 at ports 0x3F8–0x3FF, ISA IRQ 4, the guest's serial
 * console. Registers as the datasheet gives them (TI PC16550D, "Register Summary"
 * table 2; DLAB = LCR bit 7 selects DLL/DLM at offsets 0/1):
 *
 *   off  read                 write       notes
 *   0    RBR (DLAB 0) / DLL   THR / DLL   RBR pops the receive FIFO
 *   1    IER / DLM            IER / DLM   IER keeps bits 3:0 (hvmloader's uart_exists
 *                                          writes 0 and 0xF and reads them back)
 *   2    IIR                  FCR         IIR bits 7:6 = 11 with the FIFOs on
 *   3    LCR                  LCR
 *   4    MCR                  MCR         bits 4:0; bit 4 = loopback
 *   5    LSR                  (ignored)   reading clears OE/PE/FE/BI
 *   6    MSR                  (ignored)   reading clears the delta bits 3:0
 *   7    SCR                  SCR
 *
 * Interrupts (IIR priority, highest first): receiver line status (0x6, IER bit 2),
 * received data at the FIFO trigger level (0x4) or character timeout (0xC, four
 * character times at the programmed baud rate after the last byte arrived or was read
 * while the FIFO holds fewer bytes than the trigger; capped at 1 s), THR empty (0x2,
 * cleared by reading IIR while it is the source or by writing THR, set again when THR
 * empties or when IER bit 1 is turned on with THR empty), modem status (0x0). The IRQ
 * line is high while IIR reports an interrupt; each change goes to the hypervisor with
 * xendevicemodel_set_isa_irq_level (xen/hvops.h), the path of the ACPI SCI. As in
 * QEMU 7.2 hw/char/serial.c (serial_update_irq), MCR.OUT2 does not gate the line;
 * guests written for qemu-xen rely on that.
 *
 * Transmission is immediate: a THR byte goes to the chardev at once and THR/TSR read
 * empty again (no baud-rate pacing, as QEMU's serial_xmit). With loopback on it goes
 * to the receive FIFO instead (a full FIFO sets OE and drops it) and MSR reflects MCR
 * (DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD); otherwise MSR reads DCD|DSR|CTS.
 *
 * Bounds (guest and host input are hostile): the receive FIFO holds 16 bytes (1 with
 * FIFOs off) and takes from the chardev only what fits: the rest waits in the chardev,
 * which stops reading until the guest makes room (xpt_chardev_accept_input), so a host
 * peer cannot make memory grow. Output waits in the chardev up to XPT_SERIAL_OUT_MAX
 * bytes; beyond that (a pty reader that does not read) guest bytes are dropped, with
 * one warning per 10 s giving the count; without a peer (a pty nobody opened) they are
 * dropped silently, as QEMU does. Each guest access costs O(1) work and at most one
 * write(2); nothing a guest writes is kept beyond those bounds.
 */
#ifndef XPT_HW_CHAR_SERIAL_H
#define XPT_HW_CHAR_SERIAL_H

#include <glib.h>
#include <stdint.h>

#include "util/chardev.h"
#include "xen/hvops.h"
#include "xen/ioreq.h"

#define XPT_SERIAL_COM1_BASE 0x3F8
#define XPT_SERIAL_COM1_IRQ 4
#define XPT_SERIAL_PORTS 8
#define XPT_SERIAL_FIFO_LEN 16
#define XPT_SERIAL_OUT_MAX (64u << 10)     /* output bytes waiting before drops */
#define XPT_SERIAL_BAUDBASE 115200         /* 1.8432 MHz crystal / 16 */

/* Register offsets and bits (PC16550D datasheet; Linux include/uapi/linux/serial_reg.h). */
enum {
    XPT_UART_RBR = 0, XPT_UART_IER = 1, XPT_UART_IIR = 2, XPT_UART_LCR = 3,
    XPT_UART_MCR = 4, XPT_UART_LSR = 5, XPT_UART_MSR = 6, XPT_UART_SCR = 7,
};
#define XPT_UART_IER_RDI 0x01
#define XPT_UART_IER_THRI 0x02
#define XPT_UART_IER_RLSI 0x04
#define XPT_UART_IER_MSI 0x08
#define XPT_UART_IIR_NO_INT 0x01
#define XPT_UART_IIR_MSI 0x00
#define XPT_UART_IIR_THRI 0x02
#define XPT_UART_IIR_RDI 0x04
#define XPT_UART_IIR_RLSI 0x06
#define XPT_UART_IIR_CTI 0x0C
#define XPT_UART_IIR_FIFO 0xC0
#define XPT_UART_FCR_ENABLE 0x01
#define XPT_UART_FCR_CLEAR_RCVR 0x02
#define XPT_UART_FCR_CLEAR_XMIT 0x04
#define XPT_UART_LCR_DLAB 0x80
#define XPT_UART_MCR_DTR 0x01
#define XPT_UART_MCR_RTS 0x02
#define XPT_UART_MCR_OUT1 0x04
#define XPT_UART_MCR_OUT2 0x08
#define XPT_UART_MCR_LOOP 0x10
#define XPT_UART_LSR_DR 0x01
#define XPT_UART_LSR_OE 0x02
#define XPT_UART_LSR_PE 0x04
#define XPT_UART_LSR_FE 0x08
#define XPT_UART_LSR_BI 0x10
#define XPT_UART_LSR_THRE 0x20
#define XPT_UART_LSR_TEMT 0x40
#define XPT_UART_MSR_DELTAS 0x0F
#define XPT_UART_MSR_CTS 0x10
#define XPT_UART_MSR_DSR 0x20
#define XPT_UART_MSR_RI 0x40
#define XPT_UART_MSR_DCD 0x80

typedef struct XptSerial XptSerial;

/**
 * xpt_serial_new: a 16550A at ports @base..@base+7 (claimed through @disp) raising ISA
 * IRQ @isa_irq (0–15) through @hv, on a chardev opened from @chr. @label names it in
 * query-chardev ("serial0" for -serial pty, the chardev's id for -serial chardev:ID,
 * as QEMU 7.2) and in log lines. A pty is announced with one line, "char device
 * redirected to /dev/pts/N (label LABEL)", QEMU's words. Errors: the chardev's
 * (util/chardev.h) or the claim's (XPT_ERRNO_ERROR); nothing is left behind.
 */
XptSerial *xpt_serial_new(XptDispatcher *disp, XptHv *hv, uint16_t base, uint8_t isa_irq,
                          const XptChardevSpec *chr, const char *label, GError **errp);

/** Unclaim the ports, lower the IRQ if raised, close the chardev, free (NULL is fine). */
void xpt_serial_free(XptSerial *s);

/** query-chardev's label of the serial port's chardev. */
const char *xpt_serial_label(const XptSerial *s);

/** The serial port's chardev (query-chardev's filename: xpt_chardev_filename). */
XptChardev *xpt_serial_chardev(const XptSerial *s);

#endif
