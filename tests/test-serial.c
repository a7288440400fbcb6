/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * COM1, the 16550A UART (issue 12 item 1; SPEC §10; hw/char/serial.h), end to end
 * through the real binary under -accel qtest: hvmloader's presence probe, the registers
 * of the PC16550D datasheet, loopback, the receive FIFO and its trigger levels and
 * character timeout, ISA IRQ 4 raised and lowered through the simulated hypervisor,
 * a pty round trip with backpressure, a pty without a reader and one that does not
 * read, query-chardev against QEMU 7.2's (fixtures/qemu-7.2-reference/
 * query-chardev-serial.txt), the -serial/-chardev command line libxl 4.17 produces,
 * hostile register sequences.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hw/char/serial.h"
#include "qtest/client.h"
#include "tests/testutil.h"

#define COM1 XPT_SERIAL_COM1_BASE
#define THR (COM1 + XPT_UART_RBR)
#define IER (COM1 + XPT_UART_IER)
#define IIR (COM1 + XPT_UART_IIR)
#define FCR (COM1 + XPT_UART_IIR)
#define LCR (COM1 + XPT_UART_LCR)
#define MCR (COM1 + XPT_UART_MCR)
#define LSR (COM1 + XPT_UART_LSR)
#define MSR (COM1 + XPT_UART_MSR)
#define SCR (COM1 + XPT_UART_SCR)

typedef struct Vm {
    XptQmp *qmp;
    XptQts *qts;
    JsonNode *greeting;
} Vm;

static Vm *vm_start(const char *extra)
{
    Vm *vm = g_new0(Vm, 1);
    vm->qmp = xpt_qmp_listen();
    g_autofree char *args = g_strdup_printf("%s %s", xpt_qmp_args(vm->qmp), extra);
    vm->qts = xpt_qts_start(args);
    vm->greeting = xpt_qmp_accept(vm->qmp);
    xpt_qmp_negotiate(vm->qmp);
    return vm;
}

static void vm_finish(Vm *vm)
{
    xpt_qmp_free(vm->qmp);
    json_node_unref(vm->greeting);
    xpt_test_finish(vm->qts);
    g_free(vm);
}

static JsonArray *query_chardev(Vm *vm, JsonNode **keep)
{
    *keep = xpt_qmp_command(vm->qmp, "{\"execute\": \"query-chardev\"}");
    JsonNode *ret = xpt_qmp_reply_return(*keep);
    g_assert_nonnull(ret);
    return json_node_get_array(ret);
}

/* The entry labelled @label, or NULL. */
static JsonObject *chardev_entry(JsonArray *list, const char *label)
{
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *o = json_array_get_object_element(list, i);
        if (!g_strcmp0(json_object_get_string_member(o, "label"), label)) {
            return o;
        }
    }
    return NULL;
}

/* The /dev/pts/N of serial port @label from query-chardev, as libxl reads it. */
static char *serial_pty(Vm *vm, const char *label)
{
    g_autoptr(JsonNode) r = NULL;
    JsonObject *o = chardev_entry(query_chardev(vm, &r), label);
    g_assert_nonnull(o);
    const char *f = json_object_get_string_member(o, "filename");
    g_assert_true(g_str_has_prefix(f, "pty:/dev/pts/"));
    return g_strdup(f + 4);
}

static int open_pty(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    return fd;
}

/* Read from @fd until @len bytes came or @ms passed; returns how many. */
static size_t read_for(int fd, char *buf, size_t len, int ms)
{
    size_t got = 0;
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
    while (got < len) {
        gint64 left = (end - g_get_monotonic_time()) / 1000;
        if (left <= 0) {
            break;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, (int)left) <= 0) {
            break;
        }
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0) {
            break;
        }
        got += n;
    }
    return got;
}

static gint64 isa_level(XptQts *qts, unsigned irq)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return json_array_get_int_element(xpt_state_array(st, "isa_irq"), irq);
}

static gint64 sim_calls(XptQts *qts, const char *op)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *c = json_object_get_object_member(json_node_get_object(st), "calls");
    return json_object_get_int_member(c, op);
}

static void expect_irq(XptQts *qts, const char *line)
{
    g_autofree char *got = xpt_qts_pop_irq(qts);
    g_assert_cmpstr(got, ==, line);
}

/* hvmloader's uart_exists (tools/firmware/hvmloader/util.c), which sets ACPI_HAS_COM1. */
static bool uart_exists(XptQts *qts)
{
    uint8_t a = xpt_inb(qts, IER);
    xpt_outb(qts, IER, 0);
    uint8_t b = xpt_inb(qts, IER);
    xpt_outb(qts, IER, 0xf);
    uint8_t c = xpt_inb(qts, IER);
    xpt_outb(qts, IER, a);
    return b == 0 && c == 0xf;
}

/* Without -serial nothing answers at COM1; with it hvmloader finds the UART. */
static void test_presence(void)
{
    XptQts *qts = xpt_qts_start("-serial none");
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0xff);
    g_assert_false(uart_exists(qts));
    xpt_test_finish(qts);

    qts = xpt_qts_start("-serial null");
    g_assert_true(uart_exists(qts));
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
    JsonArray *ports = json_object_get_array_member(claims, "port");
    bool found = false;
    for (guint i = 0; i < json_array_get_length(ports); i++) {
        JsonObject *r = json_array_get_object_element(ports, i);
        found |= json_object_get_int_member(r, "start") == COM1 &&
                 json_object_get_int_member(r, "end") == COM1 + 7;
    }
    g_assert_true(found);
    g_assert_cmpuint(xpt_inb(qts, COM1 + 8), ==, 0xff);   /* 0x400: not ours */
    xpt_test_finish(qts);
}

/* Reset values and plain registers (PC16550D "UART Reset Configuration"). */
static void test_registers(void)
{
    XptQts *qts = xpt_qts_start("-serial null");
    g_assert_cmpuint(xpt_inb(qts, IER), ==, 0);
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0x01);
    g_assert_cmpuint(xpt_inb(qts, LCR), ==, 0x03);
    g_assert_cmpuint(xpt_inb(qts, MCR), ==, 0);
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);
    g_assert_cmpuint(xpt_inb(qts, MSR), ==, 0xb0);
    xpt_outb(qts, SCR, 0x5a);
    g_assert_cmpuint(xpt_inb(qts, SCR), ==, 0x5a);
    xpt_outb(qts, IER, 0xff);
    g_assert_cmpuint(xpt_inb(qts, IER), ==, 0x0f);       /* bits 7:4 read 0 */
    xpt_outb(qts, IER, 0);
    xpt_outb(qts, MCR, 0xff);
    g_assert_cmpuint(xpt_inb(qts, MCR), ==, 0x1f);
    xpt_outb(qts, MCR, 0);
    g_assert_cmpuint(xpt_inb(qts, MSR), ==, 0xb4);       /* RI fell in loopback: TERI */
    /* DLAB: offsets 0/1 are the divisor latch (reset 12 = 9600 baud), IER untouched. */
    xpt_outb(qts, LCR, 0x83);
    g_assert_cmpuint(xpt_inb(qts, THR), ==, 12);
    g_assert_cmpuint(xpt_inb(qts, IER), ==, 0);
    xpt_outb(qts, THR, 0x01);
    xpt_outb(qts, IER, 0x00);                            /* 115200 baud */
    g_assert_cmpuint(xpt_inw(qts, THR), ==, 0x0001);
    xpt_outb(qts, LCR, 0x03);
    g_assert_cmpuint(xpt_inb(qts, IER), ==, 0);
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);       /* no byte was sent */
    /* LSR and MSR are read-only. */
    xpt_outb(qts, LSR, 0xff);
    xpt_outb(qts, MSR, 0xff);
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);
    g_assert_cmpuint(xpt_inb(qts, MSR), ==, 0xb0);
    /* FIFOs: IIR bits 7:6 say so (Linux's autoconfig tells a 16550A by them). */
    xpt_outb(qts, FCR, 0x07);
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0xc1);
    xpt_outb(qts, FCR, 0x00);
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0x01);
    xpt_test_finish(qts);
}

/* Loopback: THR comes back in RBR, MSR mirrors MCR, nothing leaves on the chardev. */
static void test_loopback(void)
{
    Vm *vm = vm_start("-serial pty");
    XptQts *qts = vm->qts;
    g_autofree char *pts = serial_pty(vm, "serial0");
    int fd = open_pty(pts);

    xpt_outb(qts, MCR, XPT_UART_MCR_LOOP | 0x0a);        /* Linux autoconfig's check */
    g_assert_cmpuint(xpt_inb(qts, MSR) & 0xf0, ==, 0x90);
    xpt_outb(qts, MCR, XPT_UART_MCR_LOOP | 0x0f);
    uint8_t msr = xpt_inb(qts, MSR);
    g_assert_cmpuint(msr & 0xf0, ==, 0xf0);
    g_assert_cmpuint(xpt_inb(qts, MSR) & 0x0f, ==, 0);   /* deltas cleared by the read */
    xpt_outb(qts, MCR, XPT_UART_MCR_LOOP);               /* RI 1 → 0: TERI */
    g_assert_cmpuint(xpt_inb(qts, MSR), ==, 0x0f);

    xpt_outb(qts, THR, 'x');
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x61);
    g_assert_cmpuint(xpt_inb(qts, THR), ==, 'x');
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);
    /* Without FIFOs a second byte overruns the first (OE, cleared by reading LSR). */
    xpt_outb(qts, THR, 'a');
    xpt_outb(qts, THR, 'b');
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x63);
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x61);
    g_assert_cmpuint(xpt_inb(qts, THR), ==, 'a');

    /* Host bytes wait while loopback is on and arrive once it is off. */
    g_assert_cmpint(write(fd, "h", 1), ==, 1);
    g_usleep(50000);
    g_assert_cmpuint(xpt_inb(qts, LSR) & XPT_UART_LSR_DR, ==, 0);
    char buf[8];
    g_assert_cmpuint(read_for(fd, buf, sizeof(buf), 100), ==, 0);   /* loopback stayed in */
    xpt_outb(qts, MCR, 0);
    g_assert_cmpuint(xpt_inb(qts, MSR), ==, 0xbb);      /* back to DCD|DSR|CTS, deltas */
    for (int i = 0; i < 300 && !(xpt_inb(qts, LSR) & XPT_UART_LSR_DR); i++) {
        g_usleep(10000);
    }
    g_assert_cmpuint(xpt_inb(qts, THR), ==, 'h');
    close(fd);
    vm_finish(vm);
}

/* The 16-byte receive FIFO, overrun, clearing, trigger levels. */
static void test_fifo(void)
{
    XptQts *qts = xpt_qts_start("-serial null");
    xpt_outb(qts, FCR, 0x07);
    xpt_outb(qts, MCR, XPT_UART_MCR_LOOP);
    for (int i = 0; i < 17; i++) {
        xpt_outb(qts, THR, (uint8_t)('A' + i));
    }
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x63);       /* the 17th overran */
    for (int i = 0; i < 16; i++) {
        g_assert_cmpuint(xpt_inb(qts, LSR) & XPT_UART_LSR_DR, ==, 1);
        g_assert_cmpuint(xpt_inb(qts, THR), ==, 'A' + i);
    }
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);
    g_assert_cmpuint(xpt_inb(qts, THR), ==, 0);          /* empty FIFO: no pop */
    /* FCR bit 1 empties the receive FIFO; turning FIFOs off does too. */
    xpt_outb(qts, THR, '1');
    xpt_outb(qts, THR, '2');
    xpt_outb(qts, FCR, 0x03);
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);
    xpt_outb(qts, THR, '3');
    xpt_outb(qts, FCR, 0x00);
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);
    xpt_test_finish(qts);
}

/* ISA IRQ 4 follows IIR: THRE, received data, trigger level, timeout, line status. */
static void test_irq(void)
{
    XptQts *qts = xpt_qts_start("-serial null");
    g_autofree char *r = xpt_qts_command(qts, "irq_intercept_in ioapic");
    g_assert_cmpstr(r, ==, "OK");
    g_assert_cmpint(isa_level(qts, 4), ==, 0);

    /* ETBEI with THR empty: THRE interrupt; reading IIR clears it. */
    xpt_outb(qts, IER, XPT_UART_IER_THRI);
    expect_irq(qts, "IRQ raise 4");
    g_assert_cmpint(isa_level(qts, 4), ==, 1);
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0x02);
    expect_irq(qts, "IRQ lower 4");
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0x01);
    /* A byte written empties THR at once: THRE again (one raise per byte). */
    xpt_outb(qts, THR, 'z');
    expect_irq(qts, "IRQ raise 4");
    xpt_outb(qts, IER, 0);
    expect_irq(qts, "IRQ lower 4");
    g_assert_null(xpt_qts_pop_irq(qts));

    /* Received data (FIFOs off: one byte is the trigger). */
    xpt_outb(qts, MCR, XPT_UART_MCR_LOOP);
    xpt_outb(qts, IER, XPT_UART_IER_RDI);
    xpt_outb(qts, THR, 'r');
    expect_irq(qts, "IRQ raise 4");
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0x04);
    xpt_inb(qts, THR);
    expect_irq(qts, "IRQ lower 4");

    /* FIFO trigger level 4: three bytes give no RDI, the fourth does (the slowest
     * divisor keeps the character timeout away meanwhile). */
    xpt_outb(qts, LCR, 0x83);
    xpt_outb(qts, THR, 0xff);
    xpt_outb(qts, IER, 0xff);
    xpt_outb(qts, LCR, 0x03);
    xpt_outb(qts, FCR, 0x41);
    for (int i = 0; i < 3; i++) {
        xpt_outb(qts, THR, 'a');
    }
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0xc1);
    g_assert_null(xpt_qts_pop_irq(qts));
    xpt_outb(qts, THR, 'a');
    expect_irq(qts, "IRQ raise 4");
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0xc4);
    xpt_inb(qts, THR);
    expect_irq(qts, "IRQ lower 4");
    /* Below the trigger: the character timeout (4 character times) fires. */
    xpt_outb(qts, LCR, 0x83);
    xpt_outb(qts, THR, 1);                               /* 115200 baud: < 1 ms */
    xpt_outb(qts, IER, 0);
    xpt_outb(qts, LCR, 0x03);
    xpt_inb(qts, THR);                                   /* a read restarts the timer */
    g_usleep(50000);
    expect_irq(qts, "IRQ raise 4");
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0xcc);
    xpt_inb(qts, THR);
    xpt_inb(qts, THR);
    expect_irq(qts, "IRQ lower 4");
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0xc1);

    /* Line status: overrun with ELSI. */
    xpt_outb(qts, FCR, 0x00);
    xpt_outb(qts, IER, XPT_UART_IER_RLSI);
    xpt_outb(qts, THR, 'a');
    xpt_outb(qts, THR, 'b');
    expect_irq(qts, "IRQ raise 4");
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0x06);
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x63);
    expect_irq(qts, "IRQ lower 4");
    /* Modem status: MSR deltas with EDSSI. */
    xpt_inb(qts, THR);
    xpt_inb(qts, MSR);                                   /* the deltas of entering loopback */
    xpt_outb(qts, IER, XPT_UART_IER_MSI);
    xpt_outb(qts, MCR, XPT_UART_MCR_LOOP | XPT_UART_MCR_RTS);
    expect_irq(qts, "IRQ raise 4");
    g_assert_cmpuint(xpt_inb(qts, IIR), ==, 0x00);
    g_assert_cmpuint(xpt_inb(qts, MSR), ==, 0x11);
    expect_irq(qts, "IRQ lower 4");
    g_assert_cmpint(isa_level(qts, 4), ==, 0);
    xpt_test_finish(qts);
}

/*
 * What Linux 6.1's serial8250_do_startup does at each open of ttyS0 (8250_port.c): clear
 * and disable the FIFOs, clear the interrupt registers, then the THRE test (IER = ETBEI,
 * IIR must show the THRE interrupt; IER = 0, IER = ETBEI again, IIR must show it again,
 * else the port is marked UART_BUG_THRE and polled by a backup timer), then the TXEN test.
 */
static void test_linux_startup(void)
{
    XptQts *qts = xpt_qts_start("-serial null");
    for (int open = 0; open < 3; open++) {
        xpt_outb(qts, FCR, 0x01);
        xpt_outb(qts, FCR, 0x07);
        xpt_outb(qts, FCR, 0x00);
        xpt_inb(qts, LSR);
        xpt_inb(qts, THR);
        xpt_inb(qts, IIR);
        xpt_inb(qts, MSR);
        g_assert_cmpuint(xpt_inb(qts, LSR), !=, 0xff);
        g_assert_cmpuint(xpt_inb(qts, LSR) & 0x20, ==, 0x20);     /* wait_for_xmitr */
        xpt_outb(qts, IER, XPT_UART_IER_THRI);
        xpt_inb(qts, LCR);                                       /* serial_port_out_sync */
        uint8_t iir1 = xpt_inb(qts, IIR);
        xpt_outb(qts, IER, 0);
        xpt_outb(qts, IER, XPT_UART_IER_THRI);
        xpt_inb(qts, LCR);
        uint8_t iir = xpt_inb(qts, IIR);
        xpt_outb(qts, IER, 0);
        g_test_message("open %d: iir1 0x%02x iir 0x%02x", open, iir1, iir);
        g_assert_false(!(iir1 & 1) && (iir & 1));                 /* no UART_BUG_THRE */
        xpt_outb(qts, LCR, 0x03);
        xpt_outb(qts, MCR, 0x0b);
        xpt_outb(qts, IER, XPT_UART_IER_THRI);
        uint8_t lsr = xpt_inb(qts, LSR);
        iir = xpt_inb(qts, IIR);
        xpt_outb(qts, IER, 0);
        g_assert_false((lsr & 0x40) && (iir & 1));                /* no UART_BUG_TXEN */
        xpt_inb(qts, LSR);
        xpt_inb(qts, THR);
        xpt_inb(qts, IIR);
        xpt_inb(qts, MSR);
        xpt_outb(qts, IER, XPT_UART_IER_RLSI | XPT_UART_IER_RDI);
        /* set_termios: FIFO on, trigger 8; close: IER 0, FIFOs cleared */
        xpt_outb(qts, FCR, 0x81);
        xpt_outb(qts, IER, 0);
        xpt_outb(qts, FCR, 0x07);
    }
    xpt_test_finish(qts);
}

/* A failed set_isa_irq_level is reported and retried at the next change. */
static void test_irq_fault(void)
{
    XptQts *qts = xpt_qts_start("-serial null");
    g_autoptr(JsonNode) f = xpt_sim_command(qts, "fail set_isa_irq_level EIO 1");
    gint64 calls = sim_calls(qts, "set_isa_irq_level");
    xpt_outb(qts, IER, XPT_UART_IER_THRI);
    g_assert_cmpint(isa_level(qts, 4), ==, 0);
    g_assert_cmpint(sim_calls(qts, "set_isa_irq_level"), ==, calls + 1);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "serial0: ISA IRQ 4 raise"));
    xpt_outb(qts, SCR, 1);                                /* no change: nothing tried */
    xpt_outb(qts, THR, 'x');                              /* THRE again: retried */
    g_assert_cmpint(isa_level(qts, 4), ==, 1);
    g_assert_cmpint(sim_calls(qts, "set_isa_irq_level"), ==, calls + 2);   /* once each */
    xpt_outb(qts, IER, 0);
    g_assert_cmpint(isa_level(qts, 4), ==, 0);
    xpt_test_finish(qts);
}

/* The guest's console through a pty, both ways, with backpressure on input. */
static void test_pty_round_trip(void)
{
    Vm *vm = vm_start("-serial pty");
    XptQts *qts = vm->qts;
    g_autofree char *pts = serial_pty(vm, "serial0");
    g_autofree char *err = xpt_qts_stderr(qts);
    g_autofree char *line = g_strdup_printf("char device redirected to %s (label serial0)",
                                            pts);
    g_assert_nonnull(strstr(err, line));
    int fd = open_pty(pts);
    struct termios tio;
    g_assert_cmpint(tcgetattr(fd, &tio), ==, 0);
    g_assert_cmpuint(tio.c_lflag & (ECHO | ICANON), ==, 0);   /* raw, as QEMU's */

    /* Give the chardev its once-a-second look for a reader, then send. */
    g_usleep(1200 * 1000);
    const char *msg = "login: \r\n";
    for (const char *p = msg; *p; p++) {
        xpt_outb(qts, THR, (uint8_t)*p);
    }
    char buf[4096];
    size_t n = read_for(fd, buf, strlen(msg), 5000);
    g_assert_cmpmem(buf, n, msg, strlen(msg));

    /* 3000 bytes typed at once: all arrive, in order, through a 16-byte FIFO. */
    char in[3000];
    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (char)('a' + i % 26);
    }
    xpt_outb(qts, FCR, 0x07);
    g_assert_cmpint(write(fd, in, sizeof(in)), ==, (ssize_t)sizeof(in));
    size_t got = 0;
    gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (got < sizeof(in) && g_get_monotonic_time() < end) {
        uint8_t lsr = xpt_inb(qts, LSR);
        g_assert_cmpuint(lsr & XPT_UART_LSR_OE, ==, 0);
        if (lsr & XPT_UART_LSR_DR) {
            g_assert_cmpuint(xpt_inb(qts, THR), ==, (uint8_t)in[got]);
            got++;
        }
    }
    g_assert_cmpuint(got, ==, sizeof(in));

    /* The reader leaves (EIO on the master) and comes back: output flows again. */
    close(fd);
    g_usleep(100000);
    for (int i = 0; i < 100; i++) {
        xpt_outb(qts, THR, 'x');
    }
    fd = open_pty(pts);
    g_usleep(1200 * 1000);
    xpt_outb(qts, THR, '!');
    n = read_for(fd, buf, 1, 5000);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpint(buf[0], ==, '!');                     /* no stale 'x' queued */
    close(fd);
    vm_finish(vm);
}

/*
 * A flood of THR with nobody on the pty, then with a reader that does not read: every
 * write completes (THRE), output beyond the bound is dropped with one warning, and what
 * the reader finally gets is bounded by the kernel's pty buffer plus XPT_SERIAL_OUT_MAX.
 */
static void test_flood(void)
{
    Vm *vm = vm_start("-serial pty");
    XptQts *qts = vm->qts;
    g_autofree char *pts = serial_pty(vm, "serial0");
    enum { FLOOD = 40000 };

    gint64 t0 = g_get_monotonic_time();
    for (int i = 0; i < FLOOD; i++) {
        xpt_outb(qts, THR, 'n');
    }
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);
    g_test_message("%d THR writes without a reader: %" G_GINT64_FORMAT " ms", FLOOD,
                   (g_get_monotonic_time() - t0) / 1000);

    int fd = open_pty(pts);
    g_usleep(1200 * 1000);
    for (int i = 0; i < 3 * FLOOD; i++) {
        xpt_outb(qts, THR, 'y');
    }
    g_assert_cmpuint(xpt_inb(qts, LSR), ==, 0x60);
    g_autofree char *err = xpt_qts_stderr(qts);
    const char *w = strstr(err, "serial0: guest output dropped");
    g_assert_nonnull(w);
    g_assert_null(strstr(w + 1, "serial0: guest output dropped"));   /* rate-limited */
    g_autofree char *buf = g_malloc(4 * FLOOD);
    size_t n = read_for(fd, buf, 4 * FLOOD, 2000);
    g_test_message("a reader that did not read got %zu of %d bytes", n, 3 * FLOOD);
    g_assert_cmpuint(n, <, 3 * FLOOD);
    g_assert_cmpuint(n, <=, XPT_SERIAL_OUT_MAX + 64 * 1024);
    for (size_t i = 0; i < n; i++) {
        g_assert_cmpint(buf[i], ==, 'y');                 /* none from before the reader */
    }
    close(fd);
    vm_finish(vm);
}

/*
 * query-chardev as QEMU 7.2 answers it (the recorded transcript): the same members and
 * types, "serial0" with "pty:/dev/pts/N" for -serial pty, the chardev's id for
 * -serial chardev:ID, "file" and "null" filenames.
 */
static JsonArray *reference_reply(const char *section, JsonNode **keep)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(
        xpt_test_fixture("qemu-7.2-reference/query-chardev-serial.txt"), &text, NULL, NULL));
    g_autofree char *head = g_strdup_printf("## %s\n", section);
    const char *p = strstr(text, head);
    g_assert_nonnull(p);
    p = strstr(p, "> {\"execute\": \"query-chardev\"}\n< ");
    g_assert_nonnull(p);
    p = strchr(p, '\n') + 3;
    g_autofree char *line = g_strndup(p, strcspn(p, "\n"));
    *keep = json_from_string(line, NULL);
    g_assert_nonnull(*keep);
    return json_node_get_array(xpt_qmp_reply_return(*keep));
}

static void assert_same_shape(JsonObject *ours, JsonObject *qemu)
{
    g_autoptr(GList) ok = json_object_get_members(ours);
    g_autoptr(GList) qk = json_object_get_members(qemu);
    g_assert_cmpuint(g_list_length(ok), ==, g_list_length(qk));
    for (GList *l = qk; l; l = l->next) {
        g_assert_true(json_object_has_member(ours, l->data));
        g_assert_cmpint(json_node_get_value_type(json_object_get_member(ours, l->data)), ==,
                        json_node_get_value_type(json_object_get_member(qemu, l->data)));
    }
    g_assert_true(json_object_get_boolean_member(ours, "frontend-open") ==
                  json_object_get_boolean_member(qemu, "frontend-open"));
}

static void test_query_chardev(void)
{
    static const struct {
        const char *section, *args, *label, *filename;   /* NULL filename: a pty */
    } cases[] = {
        { "serial pty", "-serial pty", "serial0", NULL },
        { "chardev pty + serial chardev:", "-chardev pty,id=con0 -serial chardev:con0",
          "con0", NULL },
        { "serial null", "-serial null", "serial0", "null" },
        { "serial file", "-serial file:@DIR@/out.txt", "serial0", "file" },
        { "socket server", "-chardev socket,id=s0,path=@DIR@/ser.sock,server=on,wait=off "
          "-serial chardev:s0", "s0", "disconnected:unix:@DIR@/ser.sock,server=on" },
    };
    g_autofree char *dir = xpt_qts_tmpdir();
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GString) args = g_string_new(cases[i].args);
        g_string_replace(args, "@DIR@", dir, 0);
        Vm *vm = vm_start(args->str);
        g_autoptr(JsonNode) r = NULL, ref = NULL;
        JsonArray *ours = query_chardev(vm, &r);
        JsonArray *qemu = reference_reply(cases[i].section, &ref);
        g_assert_cmpuint(json_array_get_length(ours), ==, json_array_get_length(qemu));
        JsonObject *o = chardev_entry(ours, cases[i].label);
        JsonObject *q = chardev_entry(qemu, cases[i].label);
        g_assert_nonnull(o);
        g_assert_nonnull(q);
        assert_same_shape(o, q);
        const char *f = json_object_get_string_member(o, "filename");
        if (cases[i].filename) {
            g_autoptr(GString) want = g_string_new(cases[i].filename);
            g_string_replace(want, "@DIR@", dir, 0);
            g_autoptr(GString) qf = g_string_new(json_object_get_string_member(q, "filename"));
            g_string_replace(qf, "$TMPDIR", dir, 0);
            g_assert_cmpstr(f, ==, want->str);
            g_assert_cmpstr(qf->str, ==, f);
        } else {
            g_assert_true(g_str_has_prefix(f, "pty:/dev/pts/"));
            g_assert_true(g_file_test(f + 4, G_FILE_TEST_EXISTS));
        }
        /* libxl's rule (device_model_postconfig_chardev): only "serialN" labels. */
        g_assert_cmpint(!!chardev_entry(ours, "serial0"), ==, !!chardev_entry(qemu, "serial0"));
        vm_finish(vm);
    }
    g_autofree char *out = g_build_filename(dir, "out.txt", NULL);
    g_remove(out);
    g_rmdir(dir);
}

/* -serial unix:PATH,server=on: a client talks to the guest both ways; a new one may come. */
static void test_socket_backend(void)
{
    g_autofree char *dir = xpt_qts_tmpdir();
    g_autofree char *path = g_build_filename(dir, "com1.sock", NULL);
    g_autofree char *args = g_strdup_printf("-serial unix:%s,server=on,wait=off", path);
    XptQts *qts = xpt_qts_start(args);
    for (int round = 0; round < 2; round++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
        g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(write(fd, "in", 2), ==, 2);
        char got[2];
        for (int i = 0; i < 2; i++) {
            int tries = 0;
            while (!(xpt_inb(qts, LSR) & XPT_UART_LSR_DR) && tries++ < 500) {
                g_usleep(10000);
            }
            got[i] = (char)xpt_inb(qts, THR);
        }
        g_assert_cmpmem(got, 2, "in", 2);
        xpt_outb(qts, THR, 'o');
        char c = 0;
        g_assert_cmpuint(read_for(fd, &c, 1, 5000), ==, 1);
        g_assert_cmpint(c, ==, 'o');
        close(fd);
        g_usleep(100000);       /* the next client is accepted once this one is gone */
    }
    xpt_test_finish(qts);
    g_rmdir(dir);
}

/* -serial file:PATH gets the guest's bytes. */
static void test_file_backend(void)
{
    g_autofree char *dir = xpt_qts_tmpdir();
    g_autofree char *out = g_build_filename(dir, "console.log", NULL);
    g_autofree char *args = g_strdup_printf("-serial file:%s", out);
    XptQts *qts = xpt_qts_start(args);
    for (const char *p = "boot ok\n"; *p; p++) {
        xpt_outb(qts, THR, (uint8_t)*p);
    }
    xpt_test_finish(qts);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(out, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "boot ok\n");
    g_remove(out);
    g_rmdir(dir);
}

/* What libxl passes is accepted; anything else is one clear line and exit status 1. */
static void test_cmdline(void)
{
    static const struct {
        const char *args, *msg;
    } bad[] = {
        { "-serial tcp:127.0.0.1:4444", "-serial tcp:127.0.0.1:4444: unsupported backend" },
        { "-serial /dev/ttyS0", "unsupported backend" },
        { "-serial vc", "unsupported backend" },
        { "-serial pty -serial pty", "provides one serial port (COM1)" },
        { "-serial chardev:nope", "chardev 'nope' not found" },
        { "-chardev socket,id=m,path=/tmp/xpt-ser.sock,server=on,wait=off "
          "-mon chardev=m,mode=control -serial chardev:m", "already used by a monitor" },
        { "-chardev pty,id=p,mux=on -serial chardev:p", "unsupported option 'mux'" },
        { "-chardev file,id=f -serial chardev:f", "path= is missing" },
        { "-serial file:/nonexistent/dir/x", "cannot open file:/nonexistent/dir/x" },
        { "-serial stdio", "stdio can serve only one" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s", bad[i].args);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        if (status != 1 || !strstr(err, bad[i].msg)) {
            g_error("%s: status %d, stderr '%s' (expected '%s')", bad[i].args, status, err,
                    bad[i].msg);
        }
        g_assert_cmpuint(strchr(err, '\n') - err + 1, ==, strlen(err));   /* one line */
    }
    /* -serial none (libxl without serial=) and none beside a port. */
    XptQts *qts = xpt_qts_start("-serial none -serial null -serial none");
    g_assert_true(uart_exists(qts));
    xpt_test_finish(qts);
}

/*
 * Hostile register sequences: random widths, offsets and values (DLAB, divisor 0, FCR
 * garbage, loopback on and off) while the host types into the pty; the process stays
 * up, invariants hold after each access, and the leak check passes at exit.
 */
static void test_hostile(void)
{
    Vm *vm = vm_start("-serial pty");
    XptQts *qts = vm->qts;
    g_autofree char *pts = serial_pty(vm, "serial0");
    int fd = open_pty(pts);
    GRand *rnd = g_rand_new_with_seed(0x16550a);
    for (int i = 0; i < 3000; i++) {
        unsigned off = g_rand_int_range(rnd, 0, 8);
        unsigned width = 1u << g_rand_int_range(rnd, 0, 3);
        uint32_t v = g_rand_int(rnd);
        while (off % width || off + width > 8) {
            width >>= 1;
        }
        if (i % 50 == 0) {
            char junk[64];
            memset(junk, (char)v, sizeof(junk));
            ssize_t n = write(fd, junk, sizeof(junk));
            (void)n;
        }
        if (g_rand_boolean(rnd)) {
            switch (width) {
            case 1: xpt_outb(qts, COM1 + off, (uint8_t)v); break;
            case 2: xpt_outw(qts, COM1 + off, (uint16_t)v); break;
            default: xpt_outl(qts, COM1 + off, v); break;
            }
        } else {
            switch (width) {
            case 1: xpt_inb(qts, COM1 + off); break;
            case 2: xpt_inw(qts, COM1 + off); break;
            default: xpt_inl(qts, COM1 + off); break;
            }
        }
        if (i % 100 == 0) {
            uint8_t lcr = xpt_inb(qts, LCR);
            xpt_outb(qts, LCR, lcr & 0x7f);
            uint8_t ier = xpt_inb(qts, IER);
            g_assert_cmpuint(ier & 0xf0, ==, 0);
            uint8_t iir = xpt_inb(qts, IIR);
            uint8_t id = iir & 0x0f;
            g_assert_true(id == 1 || id == 0 || id == 2 || id == 4 || id == 6 || id == 0xc);
            g_assert_cmpuint(xpt_inb(qts, MCR) & 0xe0, ==, 0);
            xpt_outb(qts, LCR, lcr);
        }
    }
    g_rand_free(rnd);
    /* The device still works: reset what the guest may have left and loop a byte. */
    xpt_outb(qts, LCR, 0x03);
    xpt_outb(qts, IER, 0);
    xpt_outb(qts, FCR, 0x07);
    xpt_outb(qts, MCR, XPT_UART_MCR_LOOP);
    xpt_outb(qts, THR, 0x42);
    g_assert_cmpuint(xpt_inb(qts, THR), ==, 0x42);
    xpt_outb(qts, MCR, 0);
    g_assert_cmpint(isa_level(qts, 4), ==, 0);
    close(fd);
    vm_finish(vm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/serial/presence", test_presence);
    g_test_add_func("/serial/registers", test_registers);
    g_test_add_func("/serial/loopback", test_loopback);
    g_test_add_func("/serial/fifo", test_fifo);
    g_test_add_func("/serial/irq", test_irq);
    g_test_add_func("/serial/linux-startup", test_linux_startup);
    g_test_add_func("/serial/irq-fault", test_irq_fault);
    g_test_add_func("/serial/pty-round-trip", test_pty_round_trip);
    g_test_add_func("/serial/flood", test_flood);
    g_test_add_func("/serial/query-chardev", test_query_chardev);
    g_test_add_func("/serial/file", test_file_backend);
    g_test_add_func("/serial/socket", test_socket_backend);
    g_test_add_func("/serial/cmdline", test_cmdline);
    g_test_add_func("/serial/hostile", test_hostile);
    return g_test_run();
}
