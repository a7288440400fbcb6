/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Power-off and reboot, end to end through the real binary under -accel qtest (issue 12
 * item 2; SPEC §10): the PIIX4 PM1a control register at Xen 4.17's PM1a_CNT_BLK
 * (0xB004: ACPI_PM1A_CNT_BLK_ADDRESS_V1 in xen/include/public/hvm/ioreq.h, the FADT of
 * tools/libacpi/static_tables.c), the \_S5 value of tools/libacpi/dsdt.asl (SLP_TYP 0),
 * the PIIX3 reset control register 0xCF9 (the FADT reset register, reset value 6),
 * QMP system_reset / system_powerdown and their events (QEMU 7.2 qapi/run-state.json),
 * and what the simulated hypervisor records ("shutdown", "power_button").
 */
#include <string.h>

#include "qtest/client.h"
#include "tests/testutil.h"

#define PM1A_EVT 0xb000
#define PM1A_CNT 0xb004
#define PM_TMR 0xb008
#define SLP_EN 0x2000
#define SLP_TYP(t) ((t) << 10)
#define RCR 0xcf9

/* The sim's "shutdown": NULL while the domain runs, else the reason's name. */
static char *sim_shutdown(XptQts *qts)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *o = json_node_get_object(st);
    g_assert_true(json_object_has_member(o, "shutdown"));
    JsonNode *n = json_object_get_member(o, "shutdown");
    return JSON_NODE_HOLDS_NULL(n) ? NULL : g_strdup(json_node_get_string(n));
}

static gint64 sim_calls(XptQts *qts, const char *op)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    JsonObject *c = json_object_get_object_member(json_node_get_object(st), "calls");
    g_assert_true(json_object_has_member(c, op));
    return json_object_get_int_member(c, op);
}

static gint64 sim_power_button(XptQts *qts)
{
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    return json_object_get_int_member(json_node_get_object(st), "power_button");
}

static void assert_running(XptQts *qts)
{
    g_autofree char *s = sim_shutdown(qts);
    g_assert_null(s);
    g_assert_cmpint(sim_calls(qts, "shutdown"), ==, 0);
}

static void assert_shutdown(XptQts *qts, const char *reason)
{
    g_autofree char *s = sim_shutdown(qts);
    g_assert_cmpstr(s, ==, reason);
    g_assert_cmpint(sim_calls(qts, "shutdown"), ==, 1);
}

/* Whether one port claim contains [s, e], and whether any claim touches it. */
static bool port_claim(JsonNode *st, gint64 s, gint64 e, bool whole)
{
    JsonObject *claims = json_object_get_object_member(json_node_get_object(st), "claims");
    JsonArray *ports = json_object_get_array_member(claims, "port");
    for (guint i = 0; i < json_array_get_length(ports); i++) {
        JsonObject *r = json_array_get_object_element(ports, i);
        gint64 rs = json_object_get_int_member(r, "start");
        gint64 re = json_object_get_int_member(r, "end");
        if (whole ? (rs <= s && re >= e) : (rs <= e && s <= re)) {
            return true;
        }
    }
    return false;
}

/* Only PM1a control is ours: PM1a status/enable and the PM timer are Xen's. */
static void test_pm1_claims(void)
{
    XptQts *qts = xpt_qts_start("");
    g_autoptr(JsonNode) st = xpt_sim_state(qts);
    g_assert_true(port_claim(st, PM1A_CNT, PM1A_CNT + 1, true));
    g_assert_false(port_claim(st, PM1A_EVT, PM1A_EVT + 3, false));
    g_assert_false(port_claim(st, PM1A_CNT + 2, PM1A_CNT + 3, false));
    g_assert_false(port_claim(st, PM_TMR, PM_TMR + 3, false));
    xpt_test_finish(qts);
}

/*
 * hvmloader's acpi_enable_sci: a byte read of 0xB004 must show SCI_EN (nothing decodes
 * the SMI command port it would write otherwise). Read/write bits keep their value,
 * SLP_EN and GBL_RLS read 0, reserved bits read 0.
 */
static void test_pm1_register(void)
{
    XptQts *qts = xpt_qts_start("");
    g_assert_cmphex(xpt_inb(qts, PM1A_CNT) & 1, ==, 1);
    g_assert_cmphex(xpt_inw(qts, PM1A_CNT), ==, 0x0001);
    xpt_outw(qts, PM1A_CNT, 0xdfff);                 /* everything but SLP_EN */
    g_assert_cmphex(xpt_inw(qts, PM1A_CNT), ==, 0x1c03);
    g_assert_cmphex(xpt_inb(qts, PM1A_CNT + 1), ==, 0x1c);
    xpt_outb(qts, PM1A_CNT, 0x00);                   /* low byte only: SCI_EN stays 1 */
    g_assert_cmphex(xpt_inw(qts, PM1A_CNT), ==, 0x1c01);
    xpt_outw(qts, PM1A_CNT, 0);
    g_assert_cmphex(xpt_inw(qts, PM1A_CNT), ==, 0x0001);
    /* A dword does not fit the 2-byte claim: Xen never sends it, reads float. */
    g_assert_cmphex(xpt_inl(qts, PM1A_CNT), ==, 0xffffffff);
    assert_running(qts);
    xpt_test_finish(qts);
}

/* S5: SLP_TYP 0 (\_S5 of Xen's DSDT) with SLP_EN → SHUTDOWN_poweroff, once. */
static void test_s5_poweroff(void)
{
    XptQts *qts = xpt_qts_start("");
    xpt_outw(qts, PM1A_CNT, SLP_TYP(0) | 0x0001);     /* SLP_TYP first, as ACPICA does */
    assert_running(qts);
    xpt_outw(qts, PM1A_CNT, SLP_TYP(0) | SLP_EN | 0x0001);
    assert_shutdown(qts, "poweroff");
    g_assert_cmphex(xpt_inw(qts, PM1A_CNT) & SLP_EN, ==, 0);
    /* Again (a guest whose vCPUs still ran): no second hypervisor call. */
    xpt_outw(qts, PM1A_CNT, SLP_EN);
    xpt_outb(qts, RCR, 0x06);
    assert_shutdown(qts, "poweroff");
    xpt_test_finish(qts);
}

/* The high byte alone carries SLP_TYP and SLP_EN: byte writes to 0xB005 work too. */
static void test_s5_byte_write(void)
{
    XptQts *qts = xpt_qts_start("");
    xpt_outb(qts, PM1A_CNT + 1, SLP_EN >> 8);
    assert_shutdown(qts, "poweroff");
    xpt_test_finish(qts);
}

/* SLP_TYP 1 (S3) and 2–7 (no state of Xen's tables) do not power off. */
static void test_other_slp_typ(void)
{
    XptQts *qts = xpt_qts_start("-d unimp,guest_errors");
    for (unsigned t = 1; t < 8; t++) {
        xpt_outw(qts, PM1A_CNT, (uint16_t)(SLP_TYP(t) | SLP_EN));
        xpt_outb(qts, PM1A_CNT + 1, (uint8_t)((SLP_TYP(t) | SLP_EN) >> 8));
        g_assert_cmphex(xpt_inw(qts, PM1A_CNT), ==, SLP_TYP(t) | 0x0001);
    }
    assert_running(qts);
    /* Rate-limited: 14 requests, at most 5 lines (burst) plus nothing else. */
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "S3"));
    unsigned lines = 0;
    for (const char *p = err; (p = strstr(p, "PM1a_CNT")); p++) {
        lines++;
    }
    g_assert_cmpuint(lines, <=, 5);
    xpt_test_finish(qts);
}

/* 0xCF9: RCPU → SHUTDOWN_reboot; SRST alone is latched and read back. */
static void test_cf9_reset(void)
{
    XptQts *qts = xpt_qts_start("");
    g_assert_cmphex(xpt_inb(qts, RCR), ==, 0x00);
    xpt_outb(qts, RCR, 0x02);
    g_assert_cmphex(xpt_inb(qts, RCR), ==, 0x02);
    xpt_outb(qts, RCR, 0xfb);                          /* every bit but RCPU */
    g_assert_cmphex(xpt_inb(qts, RCR), ==, 0x02);
    xpt_outb(qts, RCR, 0x00);
    g_assert_cmphex(xpt_inb(qts, RCR), ==, 0x00);
    assert_running(qts);
    xpt_outb(qts, RCR, 0x06);                          /* the FADT's reset value */
    assert_shutdown(qts, "reboot");
    g_assert_cmphex(xpt_inb(qts, RCR), ==, 0x02);
    xpt_test_finish(qts);
}

/*
 * CONFADD keeps working next to the reset register: a dword whose byte 1 has bit 2 set
 * (function 4) is CONFADD only, word cycles over 0xCF9 are not reset writes, and config
 * data at 0xCFC still reaches bus 0.
 */
static void test_cf9_beside_confadd(void)
{
    XptQts *qts = xpt_qts_start("");
    xpt_outl(qts, 0xcf8, 0x80000400);
    g_assert_cmphex(xpt_inl(qts, 0xcf8), ==, 0x80000400);
    xpt_outl(qts, 0xcf8, 0x80000e00);
    xpt_outw(qts, 0xcf8, 0x0600);
    xpt_outw(qts, 0xcf9, 0x0006);
    g_assert_cmphex(xpt_inw(qts, 0xcf8), ==, 0xffff);
    g_assert_cmphex(xpt_inb(qts, 0xcf8), ==, 0xff);
    g_assert_cmphex(xpt_inb(qts, 0xcfa), ==, 0xff);
    g_assert_cmphex(xpt_inb(qts, RCR), ==, 0x00);
    assert_running(qts);
    g_assert_cmphex(xpt_inl(qts, 0xcf8), ==, 0x80000e00);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x00, 0x00), ==, 0x12378086);
    xpt_outb(qts, RCR, 0x02);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x08, 0x00), ==, 0x70008086);
    g_assert_cmphex(xpt_cfg_readl(qts, 0x0b, 0x00), ==, 0x71138086);
    g_assert_cmphex(xpt_inl(qts, 0xcf8) & 0x80000000, ==, 0x80000000);
    assert_running(qts);
    xpt_test_finish(qts);
}

/* A failed hypervisor call latches nothing: the guest's retry gets through. */
static void test_shutdown_fault(void)
{
    XptQts *qts = xpt_qts_start("");
    g_autoptr(JsonNode) r = xpt_sim_command(qts, "fail shutdown EIO 1");
    xpt_outb(qts, RCR, 0x04);
    g_autofree char *s = sim_shutdown(qts);
    g_assert_null(s);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_nonnull(strstr(err, "xendevicemodel_shutdown"));
    xpt_outw(qts, PM1A_CNT, SLP_EN);
    g_autofree char *s2 = sim_shutdown(qts);
    g_assert_cmpstr(s2, ==, "poweroff");
    g_assert_cmpint(sim_calls(qts, "shutdown"), ==, 2);
    xpt_test_finish(qts);
}

/* Hostile: every width and many values over both registers and their neighbours. */
static void test_hostile(void)
{
    XptQts *qts = xpt_qts_start("-d guest_errors,unimp");
    static const uint32_t vals[] = { 0, 0xffffffff, 0x2000, 0x3c00, 0x06, 0x04,
                                     0xdeadbeef, 0x5a5a5a5a, 0x80000000 };
    static const uint16_t bases[] = { 0xb000, 0xcf8 };
    for (unsigned b = 0; b < G_N_ELEMENTS(bases); b++) {
        for (uint16_t port = bases[b]; port < bases[b] + 12; port++) {
            for (unsigned v = 0; v < G_N_ELEMENTS(vals); v++) {
                xpt_outb(qts, port, (uint8_t)vals[v]);
                xpt_outw(qts, port, (uint16_t)vals[v]);
                xpt_outl(qts, port, vals[v]);
                (void)xpt_inb(qts, port);
                (void)xpt_inw(qts, port);
                (void)xpt_inl(qts, port);
            }
        }
    }
    /* Still serving, one hypervisor call at most, and the leak check passes. */
    g_assert_cmphex(xpt_cfg_readl(qts, 0x00, 0x00), ==, 0x12378086);
    g_assert_cmpint(sim_calls(qts, "shutdown"), ==, 1);
    g_autofree char *err = xpt_qts_stderr(qts);
    g_assert_cmpuint(strlen(err), <, 8192);
    xpt_test_finish(qts);
}

/* ---- QMP ------------------------------------------------------------------------------ */

typedef struct Vm {
    XptQmp *qmp;
    XptQts *qts;
} Vm;

static Vm *vm_start(void)
{
    Vm *vm = g_new0(Vm, 1);
    vm->qmp = xpt_qmp_listen();
    vm->qts = xpt_qts_start(xpt_qmp_args(vm->qmp));
    g_autoptr(JsonNode) greeting = xpt_qmp_accept(vm->qmp);
    xpt_qmp_negotiate(vm->qmp);
    return vm;
}

static void vm_finish(Vm *vm)
{
    xpt_qmp_free(vm->qmp);
    xpt_test_finish(vm->qts);
    g_free(vm);
}

static JsonObject *event_data(JsonNode *ev)
{
    return json_object_get_object_member(json_node_get_object(ev), "data");
}

static void assert_cause(JsonNode *ev, bool guest, const char *reason)
{
    JsonObject *d = event_data(ev);
    g_assert_nonnull(d);
    g_assert_cmpint(json_object_get_boolean_member(d, "guest"), ==, guest);
    g_assert_cmpstr(json_object_get_string_member(d, "reason"), ==, reason);
    g_assert_cmpuint(json_object_get_size(d), ==, 2);
}

static const char *status(Vm *vm)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "{\"execute\": \"query-status\"}");
    static char buf[32];
    g_strlcpy(buf, json_object_get_string_member(
                       json_node_get_object(xpt_qmp_reply_return(r)), "status"),
              sizeof(buf));
    return buf;
}

/* system_reset: {} first, then RESET (host, "host-qmp-system-reset"); a reboot. */
static void test_qmp_system_reset(void)
{
    Vm *vm = vm_start();
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "{\"execute\": \"system_reset\", "
                                                     "\"id\": 7}");
    g_assert_nonnull(xpt_qmp_reply_return(r));
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "RESET");
    assert_cause(ev, false, "host-qmp-system-reset");
    assert_shutdown(vm->qts, "reboot");
    /* Once the domain is going down, another one is refused with a reason. */
    g_autoptr(JsonNode) r2 = xpt_qmp_command(vm->qmp, "{\"execute\": \"system_reset\"}");
    g_assert_cmpstr(xpt_qmp_reply_class(r2), ==, "GenericError");
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(r2), "already shutting down"));
    assert_shutdown(vm->qts, "reboot");
    g_assert_null(xpt_qmp_event_pop(vm->qmp));
    vm_finish(vm);
}

/* system_powerdown: the power button through Xen, {} then POWERDOWN; no shutdown. */
static void test_qmp_system_powerdown(void)
{
    Vm *vm = vm_start();
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "{\"execute\": \"system_powerdown\"}");
    g_assert_nonnull(xpt_qmp_reply_return(r));
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "POWERDOWN");
    g_assert_false(json_object_has_member(json_node_get_object(ev), "data"));
    g_assert_cmpint(sim_power_button(vm->qts), ==, 1);
    assert_running(vm->qts);
    g_assert_cmpstr(status(vm), ==, "running");
    /* The guest's answer to the button: an S5 write. */
    xpt_outw(vm->qts, PM1A_CNT, SLP_EN);
    assert_shutdown(vm->qts, "poweroff");
    vm_finish(vm);
}

/* A failed trigger is a GenericError naming the call, and no POWERDOWN. */
static void test_qmp_system_powerdown_fails(void)
{
    Vm *vm = vm_start();
    g_autoptr(JsonNode) f = xpt_sim_command(vm->qts, "fail power_button EPERM 1");
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "{\"execute\": \"system_powerdown\"}");
    g_assert_cmpstr(xpt_qmp_reply_class(r), ==, "GenericError");
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(r), "xc_domain_send_trigger"));
    g_assert_cmpint(sim_power_button(vm->qts), ==, 0);
    g_assert_null(xpt_qmp_event_pop(vm->qmp));
    vm_finish(vm);
}

/* Guest power-off: SHUTDOWN (guest, "guest-shutdown"), then STOP; state "shutdown". */
static void test_qmp_guest_shutdown_events(void)
{
    Vm *vm = vm_start();
    xpt_outw(vm->qts, PM1A_CNT, SLP_TYP(0) | SLP_EN);
    g_autoptr(JsonNode) ev = xpt_qmp_receive(vm->qmp);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(ev), "event"), ==,
                    "SHUTDOWN");
    assert_cause(ev, true, "guest-shutdown");
    g_autoptr(JsonNode) stop = xpt_qmp_receive(vm->qmp);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(stop), "event"), ==,
                    "STOP");
    g_assert_cmpstr(status(vm), ==, "shutdown");
    vm_finish(vm);
}

/* Guest reset: RESET (guest, "guest-reset"). */
static void test_qmp_guest_reset_event(void)
{
    Vm *vm = vm_start();
    xpt_outb(vm->qts, RCR, 0x06);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "RESET");
    assert_cause(ev, true, "guest-reset");
    assert_shutdown(vm->qts, "reboot");
    g_assert_null(xpt_qmp_event_pop(vm->qmp));
    vm_finish(vm);
}

/* Both commands are listed for clients that probe. */
static void test_qmp_commands_listed(void)
{
    Vm *vm = vm_start();
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "{\"execute\": \"query-commands\"}");
    JsonArray *a = json_node_get_array(xpt_qmp_reply_return(r));
    unsigned found = 0;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        const char *n = json_object_get_string_member(json_array_get_object_element(a, i),
                                                      "name");
        found += !strcmp(n, "system_reset") || !strcmp(n, "system_powerdown");
    }
    g_assert_cmpuint(found, ==, 2);
    vm_finish(vm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/power/pm1/claims", test_pm1_claims);
    g_test_add_func("/power/pm1/register", test_pm1_register);
    g_test_add_func("/power/pm1/s5-poweroff", test_s5_poweroff);
    g_test_add_func("/power/pm1/s5-byte-write", test_s5_byte_write);
    g_test_add_func("/power/pm1/other-slp-typ", test_other_slp_typ);
    g_test_add_func("/power/cf9/reset", test_cf9_reset);
    g_test_add_func("/power/cf9/beside-confadd", test_cf9_beside_confadd);
    g_test_add_func("/power/shutdown-fault", test_shutdown_fault);
    g_test_add_func("/power/hostile", test_hostile);
    g_test_add_func("/power/qmp/system-reset", test_qmp_system_reset);
    g_test_add_func("/power/qmp/system-powerdown", test_qmp_system_powerdown);
    g_test_add_func("/power/qmp/system-powerdown-fails", test_qmp_system_powerdown_fails);
    g_test_add_func("/power/qmp/guest-shutdown", test_qmp_guest_shutdown_events);
    g_test_add_func("/power/qmp/guest-reset", test_qmp_guest_reset_event);
    g_test_add_func("/power/qmp/commands", test_qmp_commands_listed);
    return g_test_run();
}
