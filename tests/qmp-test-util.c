/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the QMP test programs: tests/qmp-test-util.h. */
#include "tests/qmp-test-util.h"

#include <stdlib.h>

#include "tests/testutil.h"

QmptVm *qmpt_vm_start(const char *extra, bool negotiate)
{
    QmptVm *vm = g_new0(QmptVm, 1);
    vm->qmp = xpt_qmp_listen();
    g_autofree char *args = g_strdup_printf("%s %s", xpt_qmp_args(vm->qmp),
                                            extra ? extra : "");
    vm->qts = xpt_qts_start(args);
    vm->greeting = xpt_qmp_accept(vm->qmp);
    if (negotiate) {
        xpt_qmp_negotiate(vm->qmp);
    }
    return vm;
}

/* Stop the binary (closing its qtest socket) and require exit status 0, which includes
 * the simulated hypervisor's leak check. */
void qmpt_vm_finish(QmptVm *vm)
{
    g_autofree char *err = xpt_qts_stderr(vm->qts);
    xpt_qmp_free(vm->qmp);
    int status = xpt_qts_quit(vm->qts);
    if (status != 0) {
        g_printerr("xen-pt-dm stderr:\n%s\n", err);
    }
    g_assert_cmpint(status, ==, 0);
    json_node_unref(vm->greeting);
    g_free(vm);
}

JsonNode *qmpt_parse(const char *text)
{
    g_autoptr(GError) err = NULL;
    JsonNode *node = json_from_string(text, &err);
    if (!node) {
        g_error("test: bad JSON '%s': %s", text, err ? err->message : "empty");
    }
    return node;
}

char *qmpt_text_of(JsonNode *node)
{
    return node ? json_to_string(node, FALSE) : g_strdup("(null)");
}

void qmpt_assert_json_eq(JsonNode *got, JsonNode *want)
{
    if (!got || !want || !json_node_equal(got, want)) {
        g_autofree char *g = qmpt_text_of(got);
        g_autofree char *w = qmpt_text_of(want);
        g_error("JSON mismatch:\n  got  %s\n  want %s", g, w);
    }
}

void qmpt_assert_json_eq_text(JsonNode *got, const char *want)
{
    g_autoptr(JsonNode) w = qmpt_parse(want);
    qmpt_assert_json_eq(got, w);
}

/* Send @request, assert the reply equals @want (JSON text). */
void qmpt_check(XptQmp *qmp, const char *request, const char *want)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "%s", request);
    qmpt_assert_json_eq_text(r, want);
}

/* Send @request, assert a GenericError with @desc and no "id". */
void qmpt_check_error(XptQmp *qmp, const char *request, const char *desc)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "%s", request);
    g_autofree char *want = g_strdup_printf(
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"%s\"}}", desc);
    g_autoptr(JsonNode) w = qmpt_parse(want);
    qmpt_assert_json_eq(r, w);
}

void qmpt_check_ok(XptQmp *qmp, const char *request)
{
    qmpt_check(qmp, request, "{\"return\": {}}");
}

/* The session still answers. */
void qmpt_check_alive(XptQmp *qmp)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "{\"execute\": \"query-status\", "
                                                 "\"id\": \"alive\"}");
    g_assert_nonnull(xpt_qmp_reply_return(r));
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(r), "id"), ==, "alive");
}

JsonArray *qmpt_query_pci_devices(XptQmp *qmp)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "{\"execute\": \"query-pci\"}");
    JsonNode *ret = xpt_qmp_reply_return(r);
    g_assert_nonnull(ret);
    JsonArray *buses = json_node_get_array(ret);
    g_assert_cmpuint(json_array_get_length(buses), ==, 1);
    JsonObject *bus = json_array_get_object_element(buses, 0);
    g_assert_cmpint(json_object_get_int_member(bus, "bus"), ==, 0);
    return json_array_ref(json_object_get_array_member(bus, "devices"));
}

/* The query-pci entry whose qdev_id is @id, as libxl finds its device (new ref). */
JsonObject *qmpt_pci_find(XptQmp *qmp, const char *id)
{
    g_autoptr(JsonArray) devs = qmpt_query_pci_devices(qmp);
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        if (!g_strcmp0(json_object_get_string_member(d, "qdev_id"), id)) {
            return json_object_ref(d);
        }
    }
    return NULL;
}

char *qmpt_device_add_82576(const char *id, const char *extra)
{
    return g_strdup_printf("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                           "\"xen-pci-passthrough\", \"id\": \"%s\", \"hostaddr\": \"%s\", "
                           "\"host-dump\": \"%s\"%s}}", id, HOST_82576,
                           xpt_test_fixture(DUMP_82576), extra ? extra : "");
}

void qmpt_assert_no_event(XptQmp *qmp)
{
    g_autoptr(JsonNode) ev = xpt_qmp_event_pop(qmp);
    if (ev) {
        g_autofree char *t = qmpt_text_of(ev);
        g_error("unexpected event %s", t);
    }
}

/* An event with a well-formed timestamp; returns its "data" (borrowed) or NULL. */
JsonObject *qmpt_event_data(JsonNode *ev, const char *name)
{
    g_assert_nonnull(ev);
    JsonObject *o = json_node_get_object(ev);
    g_assert_cmpstr(json_object_get_string_member(o, "event"), ==, name);
    JsonObject *ts = json_object_get_object_member(o, "timestamp");
    g_assert_nonnull(ts);
    g_assert_cmpuint(json_object_get_size(ts), ==, 2);
    gint64 s = json_object_get_int_member(ts, "seconds");
    gint64 us = json_object_get_int_member(ts, "microseconds");
    g_assert_cmpint(us, >=, 0);
    g_assert_cmpint(us, <, 1000000);
    g_assert_cmpint(llabs(s - g_get_real_time() / G_USEC_PER_SEC), <, 60);
    return json_object_has_member(o, "data") ? json_object_get_object_member(o, "data") : NULL;
}

/* Same members, and the same JSON types member by member (recursively for objects). */
void qmpt_assert_same_shape(JsonNode *got, JsonNode *want)
{
    g_assert_cmpint(json_node_get_node_type(got), ==, json_node_get_node_type(want));
    if (JSON_NODE_HOLDS_VALUE(want)) {
        g_assert_true(json_node_get_value_type(got) == json_node_get_value_type(want));
        return;
    }
    if (!JSON_NODE_HOLDS_OBJECT(want)) {
        return;
    }
    JsonObject *g = json_node_get_object(got), *w = json_node_get_object(want);
    g_assert_cmpuint(json_object_get_size(g), ==, json_object_get_size(w));
    JsonObjectIter it;
    const char *name;
    JsonNode *wn;
    json_object_iter_init(&it, w);
    while (json_object_iter_next(&it, &name, &wn)) {
        JsonNode *gn = json_object_get_member(g, name);
        if (!gn) {
            g_error("member '%s' missing", name);
        }
        qmpt_assert_same_shape(gn, wn);
    }
}
