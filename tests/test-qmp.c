/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP monitor end to end (monitor/qmp.h): the real binary under -accel qtest with the
 * monitors libxl and libqtest use, driven through real sockets and pipes.
 *
 * Conformance: the QEMU 7.2 transcript fixtures/qemu-7.2-reference/qmp-qtest-session.txt
 * is replayed request by request and our replies compared as JSON with QEMU's (events
 * without their timestamps; query-version and query-pci by shape, since the version
 * and the machine differ; e1000 replaced by a passthrough device from a fixture dump).
 * query-pci is compared with query-pci-pc-with-e1000.json: the chipset entries exactly,
 * passthrough entries member by member. The rest covers libxl's device_add/device_del
 * sequence (reference/toolstack.md §pci), hostile input (monitor/json-stream.h),
 * several monitors, vanishing clients, run states, quit and SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config-host.h"
#include "qtest/client.h"
#include "tests/testutil.h"

#define DUMP_82576 "pciutils-tests/cap-pcie-2"
#define HOST_82576 "0000:01:00.0"
#define DUMP_VIRTIO "pciutils-tests/cap-vendor-virtio"
#define HOST_VIRTIO "0000:00:09.0"

/* ---- helpers --------------------------------------------------------------------------- */

typedef struct {
    XptQts *qts;
    XptQmp *qmp;            /* the libqtest-style monitor: the binary connects to us */
    JsonNode *greeting;
} Vm;

static Vm *vm_start(const char *extra, bool negotiate)
{
    Vm *vm = g_new0(Vm, 1);
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
static void vm_finish(Vm *vm)
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

static JsonNode *parse(const char *text)
{
    g_autoptr(GError) err = NULL;
    JsonNode *node = json_from_string(text, &err);
    if (!node) {
        g_error("test: bad JSON '%s': %s", text, err ? err->message : "empty");
    }
    return node;
}

static char *text_of(JsonNode *node)
{
    return node ? json_to_string(node, FALSE) : g_strdup("(null)");
}

static void assert_json_eq(JsonNode *got, JsonNode *want)
{
    if (!got || !want || !json_node_equal(got, want)) {
        g_autofree char *g = text_of(got);
        g_autofree char *w = text_of(want);
        g_error("JSON mismatch:\n  got  %s\n  want %s", g, w);
    }
}

static void assert_json_eq_text(JsonNode *got, const char *want)
{
    g_autoptr(JsonNode) w = parse(want);
    assert_json_eq(got, w);
}

/* Send @request, assert the reply equals @want (JSON text). */
static void check(XptQmp *qmp, const char *request, const char *want)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "%s", request);
    assert_json_eq_text(r, want);
}

/* Send @request, assert a GenericError with @desc and no "id". */
static void check_error(XptQmp *qmp, const char *request, const char *desc)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "%s", request);
    g_autofree char *want = g_strdup_printf(
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"%s\"}}", desc);
    g_autoptr(JsonNode) w = parse(want);
    assert_json_eq(r, w);
}

static void check_ok(XptQmp *qmp, const char *request)
{
    check(qmp, request, "{\"return\": {}}");
}

/* The session still answers. */
static void check_alive(XptQmp *qmp)
{
    g_autoptr(JsonNode) r = xpt_qmp_command(qmp, "{\"execute\": \"query-status\", "
                                                 "\"id\": \"alive\"}");
    g_assert_nonnull(xpt_qmp_reply_return(r));
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(r), "id"), ==, "alive");
}

static JsonArray *query_pci_devices(XptQmp *qmp)
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
static JsonObject *pci_find(XptQmp *qmp, const char *id)
{
    g_autoptr(JsonArray) devs = query_pci_devices(qmp);
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        if (!g_strcmp0(json_object_get_string_member(d, "qdev_id"), id)) {
            return json_object_ref(d);
        }
    }
    return NULL;
}

static char *device_add_82576(const char *id, const char *extra)
{
    return g_strdup_printf("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                           "\"xen-pci-passthrough\", \"id\": \"%s\", \"hostaddr\": \"%s\", "
                           "\"host-dump\": \"%s\"%s}}", id, HOST_82576,
                           xpt_test_fixture(DUMP_82576), extra ? extra : "");
}

static void assert_no_event(XptQmp *qmp)
{
    g_autoptr(JsonNode) ev = xpt_qmp_event_pop(qmp);
    if (ev) {
        g_autofree char *t = text_of(ev);
        g_error("unexpected event %s", t);
    }
}

/* An event with a well-formed timestamp; returns its "data" (borrowed) or NULL. */
static JsonObject *event_data(JsonNode *ev, const char *name)
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

/* ---- conformance with the QEMU 7.2 transcript ---------------------------------------------- */

/* Same members, and the same JSON types member by member (recursively for objects). */
static void assert_same_shape(JsonNode *got, JsonNode *want)
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
        assert_same_shape(gn, wn);
    }
}

/* Remove an event's timestamp (checking it first when @ours). */
static void drop_timestamp(JsonNode *msg, bool ours)
{
    JsonObject *o = json_node_get_object(msg);
    if (json_object_has_member(o, "event")) {
        if (ours) {
            event_data(msg, json_object_get_string_member(o, "event"));
        }
        json_object_remove_member(o, "timestamp");
    }
}

/* Our request for one of the transcript's: e1000 becomes the 82576 fixture dump. */
static char *adapt_request(const char *req)
{
    const char *e1000 = "\"driver\": \"e1000\"";
    const char *at = strstr(req, e1000);
    if (!at) {
        return g_strdup(req);
    }
    return g_strdup_printf("%.*s\"driver\": \"xen-pci-passthrough\", \"hostaddr\": \"%s\", "
                           "\"host-dump\": \"%s\"%s", (int)(at - req), req, HOST_82576,
                           xpt_test_fixture(DUMP_82576), at + strlen(e1000));
}

static void test_transcript_replay(void)
{
    const char *path = xpt_test_fixture("qemu-7.2-reference/qmp-qtest-session.txt");
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    /* QEMU was started with -S, so the run state is prelaunch. */
    Vm *vm = vm_start("-S", false);
    unsigned requests = 0, exact = 0;
    bool greeting_done = false;

    for (unsigned i = 0; lines[i]; i++) {
        if (!greeting_done && g_str_has_prefix(lines[i], "QMP < ")) {
            g_autoptr(JsonNode) want = parse(lines[i] + 6);
            assert_same_shape(vm->greeting, want);
            greeting_done = true;
            continue;
        }
        if (!g_str_has_prefix(lines[i], "QMP > ")) {
            continue;
        }
        const char *req = lines[i] + 6;
        g_autofree char *ours = adapt_request(req);
        bool quit = strstr(req, "\"quit\"") != NULL;
        xpt_qmp_send_raw(vm->qmp, ours, strlen(ours));
        requests++;
        /* QEMU's answer: the "QMP <" lines up to and including the first non-event. */
        for (unsigned j = i + 1; lines[j] && !g_str_has_prefix(lines[j], "QMP > "); j++) {
            if (!g_str_has_prefix(lines[j], "QMP < ")) {
                continue;
            }
            g_autoptr(JsonNode) want = parse(lines[j] + 6);
            g_autoptr(JsonNode) got = xpt_qmp_receive(vm->qmp);
            g_assert_nonnull(got);
            drop_timestamp(want, false);
            drop_timestamp(got, true);
            bool is_event = json_object_has_member(json_node_get_object(want), "event");
            if (strstr(req, "query-version") || strstr(req, "query-pci")) {
                /* our version numbers, our machine: compare the shape only */
                assert_same_shape(got, want);
                JsonNode *gid = json_object_get_member(json_node_get_object(got), "id");
                JsonNode *wid = json_object_get_member(json_node_get_object(want), "id");
                g_assert_true(!gid == !wid);
                if (wid) {
                    assert_json_eq(gid, wid);
                }
            } else {
                assert_json_eq(got, want);
                exact++;
            }
            if (!is_event) {
                break;
            }
        }
        if (quit) {
            g_assert_true(xpt_qmp_wait_eof(vm->qmp, 10000));
            g_assert_cmpint(xpt_qts_wait_exit(vm->qts, 10000), ==, 0);
            break;
        }
    }
    g_assert_true(greeting_done);
    g_assert_cmpuint(requests, >=, 18);     /* the whole QMP side of the transcript */
    g_assert_cmpuint(exact, >=, 16);
    vm_finish(vm);
}

/* The greeting's values: our version in QEMU's shape, capabilities ["oob"]. */
static void test_greeting(void)
{
    Vm *vm = vm_start("", false);
    unsigned major = 0, minor = 0, micro = 0;
    g_assert_cmpint(sscanf(XPT_VERSION, "%u.%u.%u", &major, &minor, &micro), ==, 3);
    g_autofree char *want = g_strdup_printf(
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": %u, \"minor\": %u, \"major\": %u}, "
        "\"package\": \"xen-pt-dm %s\"}, \"capabilities\": [\"oob\"]}}",
        micro, minor, major, XPT_VERSION);
    assert_json_eq_text(vm->greeting, want);
    /* query-version says the same */
    xpt_qmp_negotiate(vm->qmp);
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "{\"execute\": \"query-version\"}");
    JsonNode *v = json_object_get_member(json_node_get_object(vm->greeting), "QMP");
    assert_json_eq(xpt_qmp_reply_return(r), json_object_get_member(json_node_get_object(v),
                                                                   "version"));
    vm_finish(vm);
}

/* Lines end in "\r\n" (raw check), and a command without a newline is answered. */
static void test_line_endings(void)
{
    Vm *vm = vm_start("", true);
    const char *req = "{\"execute\":\"query-status\",\"id\":\"raw\"}";
    xpt_qmp_send_raw(vm->qmp, req, strlen(req));
    g_autofree char *line = xpt_qmp_receive_line(vm->qmp);   /* split at "\r\n" */
    g_assert_nonnull(line);
    g_assert_null(strchr(line, '\n'));
    g_assert_null(strchr(line, '\r'));
    g_autoptr(JsonNode) r = parse(line);
    assert_json_eq_text(r, "{\"return\": {\"status\": \"running\", \"singlestep\": false, "
                           "\"running\": true}, \"id\": \"raw\"}");
    vm_finish(vm);
}

/* Negotiation: before it only qmp_capabilities exists; id is echoed even then. */
static void test_negotiation(void)
{
    Vm *vm = vm_start("", false);
    XptQmp *q = vm->qmp;
    check(q, "{\"execute\": \"query-pci\", \"id\": 3}",
          "{\"id\": 3, \"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
    check(q, "{\"execute\": \"nonsense\"}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
    /* non-CommandNotFound errors keep their text */
    check_error(q, "{\"execute\": \"query-status\", \"foo\": 1}",
                "QMP input member 'foo' is unexpected");
    check_error(q, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"x\"]}}",
                "Parameter 'null' does not accept value 'x'");
    check_error(q, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [1]}}",
                "Invalid parameter type for 'enable[0]', expected: string");
    check_error(q, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": \"oob\"}}",
                "Invalid parameter type for 'enable', expected: array");
    /* exec-oob is not a member before oob is enabled */
    check_error(q, "{\"exec-oob\": \"query-status\"}",
                "QMP input member 'exec-oob' is unexpected");
    check(q, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}, "
             "\"id\": \"n\"}", "{\"return\": {}, \"id\": \"n\"}");
    check(q, "{\"execute\": \"qmp_capabilities\"}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"Capabilities negotiation is already complete, command ignored\"}}");
    /* with oob enabled: exec-oob is understood, but no command allows it */
    check_error(q, "{\"exec-oob\": \"query-status\"}",
                "The command query-status does not support OOB");
    check(q, "{\"exec-oob\": \"nope\", \"id\": 1}",
          "{\"id\": 1, \"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command nope has not been found\"}}");
    check_error(q, "{\"exec-oob\": \"query-status\", \"execute\": \"query-status\"}",
                "QMP input member 'execute' clashes with 'exec-oob'");
    check_alive(q);
    vm_finish(vm);
}

/* "id" of any JSON type comes back unchanged, on success and on error. */
static void test_id_echo(void)
{
    static const char *const ids[] = {
        "\"s\"", "0", "-17", "9007199254740993", "1.5", "true", "false", "null", "[]",
        "[1, \"two\", [3]]", "{}", "{\"a\": {\"b\": [null, 2.25]}}", "\"\\u00e9\\n\"",
    };
    Vm *vm = vm_start("", true);
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autoptr(JsonNode) id = parse(ids[i]);
        g_autoptr(JsonNode) ok = xpt_qmp_command(vm->qmp, "{\"execute\": \"query-status\", "
                                                 "\"id\": %s}", ids[i]);
        g_assert_nonnull(xpt_qmp_reply_return(ok));
        assert_json_eq(json_object_get_member(json_node_get_object(ok), "id"), id);
        g_autoptr(JsonNode) bad = xpt_qmp_command(vm->qmp, "{\"id\": %s, \"execute\": "
                                                  "\"no-such\"}", ids[i]);
        g_assert_cmpstr(xpt_qmp_reply_class(bad), ==, "CommandNotFound");
        assert_json_eq(json_object_get_member(json_node_get_object(bad), "id"), id);
    }
    /* errors found after the envelope was read carry the id too */
    check(vm->qmp, "{\"id\": 5}",
          "{\"id\": 5, \"error\": {\"class\": \"GenericError\", \"desc\": "
          "\"QMP input lacks member 'execute'\"}}");
    check(vm->qmp, "{\"execute\": \"device_del\", \"id\": \"d\"}",
          "{\"id\": \"d\", \"error\": {\"class\": \"GenericError\", \"desc\": "
          "\"Parameter 'id' is missing\"}}");
    /* parse errors never do */
    check_error(vm->qmp, "{\"execute\": \"query-status\", \"id\": 7,}",
                "JSON parse error, expecting value");
    vm_finish(vm);
}

/* Malformed requests: QEMU's texts, and the session stays usable after each. */
static void test_bad_requests(void)
{
    static const struct {
        const char *req, *desc;
    } cases[] = {
        { "[1, 2]", "QMP input must be a JSON object" },
        { "\"execute\"", "QMP input must be a JSON object" },
        { "42 ", "QMP input must be a JSON object" },
        { "null ", "QMP input must be a JSON object" },
        { "{\"execute\": 1}", "QMP input member 'execute' must be a string" },
        { "{\"execute\": \"query-status\", \"arguments\": []}",
          "QMP input member 'arguments' must be an object" },
        { "{\"arguments\": {}}", "QMP input lacks member 'execute'" },
        { "{\"execute\": \"device_del\", \"arguments\": {\"id\": 5}}",
          "Invalid parameter type for 'id', expected: string" },
        { "{\"execute\": \"device_del\", \"arguments\": {\"id\": null}}",
          "Invalid parameter type for 'id', expected: string" },
        { "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"x\", \"bogus\": 1}}",
          "Parameter 'bogus' is unexpected" },
        { "{\"execute\": \"qom-list-types\", \"arguments\": {\"abstract\": \"yes\"}}",
          "Invalid parameter type for 'abstract', expected: boolean" },
        { "{\"execute\": \"query-pci\", \"arguments\": {\"bus\": 0}}",
          "Parameter 'bus' is unexpected" },
        { "{\"execute\": foo}", "JSON parse error, invalid keyword 'foo'" },
        { "{\"execute\": \"query-status\" \"id\": 1}",
          "JSON parse error, expected separator in dict" },
        { "{\"execute\" \"query-status\"}", "JSON parse error, missing : in object pair" },
        { "{\"execute\": \"a\\qb\"}", "JSON parse error, invalid escape sequence in string" },
        { "{\"execute\": \"a\\u12\"}",
          "JSON parse error, invalid hex escape sequence in string" },
        { "{\"execute\": \"query-status\\u0000\"}",
          "JSON parse error, \\\\u0000 is not supported" },
        { "{\"execute\": \"query-status\", \"id\": 99999999999999999999}",
          "JSON parse error, integer out of range" },
        { "{\"execute\": \"query-status\", \"id\": 1e999}",
          "JSON parse error, number out of range" },
        { "{\"execute\": \"\xc3\x28\"}", "JSON parse error, invalid UTF-8 sequence in string" },
        { "}", "JSON parse error, expecting value" },
        { ":", "JSON parse error, expecting value" },
    };
    Vm *vm = vm_start("", true);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        check_error(vm->qmp, cases[i].req, cases[i].desc);
        check_alive(vm->qmp);
    }
    vm_finish(vm);
}

/* Framing: split writes, several requests per write, whitespace, single quotes,
 * stray bytes and resynchronisation. */
static void test_framing(void)
{
    Vm *vm = vm_start("", true);
    XptQmp *q = vm->qmp;

    /* one request over three writes */
    const char *part1 = "{\"execute\": \"query-", *part2 = "status\",\n  \"id\"";
    xpt_qmp_send_raw(q, part1, strlen(part1));
    g_usleep(20000);
    xpt_qmp_send_raw(q, part2, strlen(part2));
    g_usleep(20000);
    check(q, ": \"split\"}", "{\"return\": {\"status\": \"running\", \"singlestep\": false, "
                             "\"running\": true}, \"id\": \"split\"}");
    /* three requests in one write, answered in order */
    const char *three = "{\"execute\":\"cont\",\"id\":1}{\"execute\":\"cont\",\"id\":2} \r\n"
                        "\t{\"execute\":\"cont\",\"id\":3}";
    xpt_qmp_send_raw(q, three, strlen(three));
    for (int i = 1; i <= 3; i++) {
        g_autoptr(JsonNode) r = xpt_qmp_receive(q);
        g_autofree char *want = g_strdup_printf("{\"return\": {}, \"id\": %d}", i);
        assert_json_eq_text(r, want);
    }
    /* QEMU accepts single-quoted strings */
    check(q, "{'execute': 'cont', 'id': 'sq'}", "{\"return\": {}, \"id\": \"sq\"}");
    /* a stray control byte in a string: error, recovery, then the rest of that object
     * is skipped up to its '}' (which alone is another error), as QEMU's lexer does */
    const char *ctl = "{\"execute\": \"query-\x01status\"}";
    xpt_qmp_send_raw(q, ctl, strlen(ctl));
    g_autoptr(JsonNode) e1 = xpt_qmp_receive(q);
    g_autoptr(JsonNode) e2 = xpt_qmp_receive(q);
    g_assert_cmpstr(xpt_qmp_reply_desc(e1), ==, "JSON parse error, stray '\\x01'");
    g_assert_cmpstr(xpt_qmp_reply_desc(e2), ==, "JSON parse error, expecting value");
    check_alive(q);
    const char *hash = "{\"execute\": \"query-status\" # }";
    xpt_qmp_send_raw(q, hash, strlen(hash));
    g_autoptr(JsonNode) e3 = xpt_qmp_receive(q);
    g_autoptr(JsonNode) e4 = xpt_qmp_receive(q);
    g_assert_cmpstr(xpt_qmp_reply_desc(e3), ==, "JSON parse error, stray '#'");
    g_assert_cmpstr(xpt_qmp_reply_desc(e4), ==, "JSON parse error, expecting value");
    check_alive(q);
    /* 0xFF between requests resynchronises silently; inside one it drops the request */
    xpt_qmp_send_raw(q, "\xff\xff", 2);
    check_alive(q);
    check_error(q, "{\"execute\": \xff", "JSON parse error, stray '\\\\xff'");
    check_alive(q);
    vm_finish(vm);
}

/* Limits: an oversized request and deep nesting cost one error each, nothing more. */
static void test_limits(void)
{
    Vm *vm = vm_start("", true);
    XptQmp *q = vm->qmp;

    g_autoptr(GString) big = g_string_new("{\"execute\": \"query-status\", \"id\": \"");
    for (int i = 0; i < 100000; i++) {
        g_string_append(big, "{[\\\"");    /* brackets inside a string do not count */
    }
    g_string_append(big, "\"}");
    check_error(q, big->str, "JSON token size limit exceeded");
    check_alive(q);

    g_autoptr(GString) deep = g_string_new(NULL);
    for (int i = 0; i < 1100; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < 1100; i++) {
        g_string_append_c(deep, ']');
    }
    check_error(q, deep->str, "JSON nesting depth limit exceeded");
    check_alive(q);

    /* 1024 levels are fine (an array is not a JSON object, though) */
    g_autoptr(GString) ok = g_string_new("{\"execute\": \"cont\", \"id\": ");
    for (int i = 0; i < 1023; i++) {
        g_string_append_c(ok, '[');
    }
    for (int i = 0; i < 1023; i++) {
        g_string_append_c(ok, ']');
    }
    g_string_append_c(ok, '}');
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "%s", ok->str);
    g_assert_nonnull(xpt_qmp_reply_return(r));
    assert_no_event(q);
    vm_finish(vm);
}

/* What a flooding client can make the -d qmp log print is rate-limited. */
static void test_log_ratelimit(void)
{
    Vm *vm = vm_start("-d qmp", true);
    g_autoptr(GString) flood = g_string_new(NULL);
    for (int i = 0; i < 200; i++) {
        g_string_append(flood, "bogus ");
    }
    gint64 t0 = g_get_monotonic_time();
    xpt_qmp_send_raw(vm->qmp, flood->str, flood->len);
    for (int i = 0; i < 200; i++) {
        g_autoptr(JsonNode) r = xpt_qmp_receive(vm->qmp);
        g_assert_cmpstr(xpt_qmp_reply_desc(r), ==, "JSON parse error, invalid keyword 'bogus'");
    }
    check_alive(vm->qmp);
    /* rate-limit windows of 1 s the flood could span */
    gint64 windows = (g_get_monotonic_time() - t0) / G_USEC_PER_SEC + 2;
    g_autofree char *err = xpt_qts_stderr(vm->qts);
    unsigned bad = 0, all = 0;
    for (const char *p = err; (p = strstr(p, "bad input")); p++) {
        bad++;
    }
    for (const char *p = err; (p = strchr(p, '\n')); p++) {
        all++;
    }
    g_assert_cmpuint(bad, >=, 1);
    g_assert_cmpuint(bad, <=, 10 * windows);     /* 10 per second per monitor */
    g_assert_cmpuint(bad, <, 200);
    /* 400 messages went through; their traces are limited too (100 per second) */
    g_assert_cmpuint(all, <=, 100 * windows + 20);
    g_assert_cmpuint(all, <, 400);
    vm_finish(vm);
}

/* ---- query-pci ------------------------------------------------------------------------------- */

static JsonArray *fixture_devices(void)
{
    const char *path = xpt_test_fixture("qemu-7.2-reference/query-pci-pc-with-e1000.json");
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_autoptr(JsonNode) root = parse(text);
    JsonArray *buses = json_object_get_array_member(json_node_get_object(root), "return");
    JsonObject *bus = json_array_get_object_element(buses, 0);
    return json_array_ref(json_object_get_array_member(bus, "devices"));
}

static JsonObject *find_dev(JsonArray *devs, gint64 slot, gint64 fn)
{
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);
        if (json_object_get_int_member(d, "slot") == slot &&
            json_object_get_int_member(d, "function") == fn) {
            return d;
        }
    }
    return NULL;
}

static void assert_obj_eq(JsonObject *got, JsonObject *want)
{
    g_autoptr(JsonNode) g = json_node_init_object(json_node_alloc(), got);
    g_autoptr(JsonNode) w = json_node_init_object(json_node_alloc(), want);
    assert_json_eq(g, w);
}

/* A device entry has exactly the members of QEMU's entries of the same kind. */
static void assert_entry_like_fixture(JsonObject *ours, JsonArray *fixture)
{
    bool has_pin = json_object_get_int_member(ours, "irq_pin") != 0;
    /* the fixture's e1000 (irq_pin 1) / host bridge (irq_pin 0) */
    JsonObject *model = find_dev(fixture, has_pin ? 5 : 0, 0);
    g_autoptr(JsonNode) o = json_node_init_object(json_node_alloc(), ours);
    g_autoptr(JsonNode) m = json_node_init_object(json_node_alloc(), model);
    /* compare members and types, not the regions list's length */
    JsonObject *oc = json_object_get_object_member(ours, "class_info");
    g_assert_true(json_object_has_member(oc, "class"));
    g_assert_cmpuint(json_object_get_size(ours), ==, json_object_get_size(model));
    JsonObjectIter it;
    const char *name;
    JsonNode *mn;
    json_object_iter_init(&it, model);
    while (json_object_iter_next(&it, &name, &mn)) {
        JsonNode *on = json_object_get_member(ours, name);
        if (!on) {
            g_error("query-pci entry lacks '%s'", name);
        }
        g_assert_cmpint(json_node_get_node_type(on), ==, json_node_get_node_type(mn));
        if (!strcmp(name, "id")) {
            assert_same_shape(on, mn);
        }
    }
    /* regions: memory and io members as QEMU's */
    JsonObject *mem_model = NULL, *io_model = NULL;
    JsonArray *mr = json_object_get_array_member(model, "regions");
    for (guint i = 0; i < json_array_get_length(mr); i++) {
        JsonObject *r = json_array_get_object_element(mr, i);
        if (!strcmp(json_object_get_string_member(r, "type"), "io")) {
            io_model = r;
        } else {
            mem_model = r;
        }
    }
    JsonArray *regs = json_object_get_array_member(ours, "regions");
    for (guint i = 0; i < json_array_get_length(regs); i++) {
        JsonObject *r = json_array_get_object_element(regs, i);
        bool io = !strcmp(json_object_get_string_member(r, "type"), "io");
        JsonObject *rm = io ? io_model : mem_model;
        g_assert_nonnull(rm);
        g_autoptr(JsonNode) rn = json_node_init_object(json_node_alloc(), r);
        g_autoptr(JsonNode) rmn = json_node_init_object(json_node_alloc(), rm);
        assert_same_shape(rn, rmn);
    }
}

/* Expected region of the 82576 dump: bar, type, size, prefetch, 64-bit. */
static void assert_region(JsonObject *r, gint64 bar, const char *type, gint64 size,
                          gint64 address)
{
    g_assert_cmpint(json_object_get_int_member(r, "bar"), ==, bar);
    g_assert_cmpstr(json_object_get_string_member(r, "type"), ==, type);
    g_assert_cmpint(json_object_get_int_member(r, "size"), ==, size);
    g_assert_cmpint(json_object_get_int_member(r, "address"), ==, address);
    if (!strcmp(type, "memory")) {
        g_assert_false(json_object_get_boolean_member(r, "prefetch"));
        g_assert_false(json_object_get_boolean_member(r, "mem_type_64"));
    }
}

static void test_query_pci(void)
{
    g_autoptr(JsonArray) fixture = fixture_devices();
    Vm *vm = vm_start("-S", true);
    XptQmp *q = vm->qmp;

    /* the chipset functions answer exactly as QEMU's PC does */
    g_autoptr(JsonArray) devs = query_pci_devices(q);
    g_assert_cmpuint(json_array_get_length(devs), ==, 3);
    static const int chip[][2] = { { 0, 0 }, { 1, 0 }, { 1, 3 } };
    for (size_t i = 0; i < G_N_ELEMENTS(chip); i++) {
        JsonObject *got = json_array_get_object_element(devs, i);
        assert_obj_eq(got, find_dev(fixture, chip[i][0], chip[i][1]));
        assert_entry_like_fixture(got, fixture);
    }

    /* a passthrough device: the guest's view of the 82576 (cap-pcie-2 01:00.0) */
    g_autofree char *add = device_add_82576("nic0", NULL);
    check_ok(q, add);
    g_autoptr(JsonObject) nic = pci_find(q, "nic0");
    g_assert_nonnull(nic);
    assert_entry_like_fixture(nic, fixture);
    g_assert_cmpint(json_object_get_int_member(nic, "slot"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(nic, "function"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(nic, "bus"), ==, 0);
    g_assert_cmpint(json_object_get_int_member(nic, "irq_pin"), ==, 1);
    g_assert_true(json_object_has_member(nic, "irq"));
    assert_json_eq_text(json_object_get_member(nic, "class_info"),
                        "{\"class\": 512, \"desc\": \"Ethernet controller\"}");
    assert_json_eq_text(json_object_get_member(nic, "id"),
                        "{\"device\": 4297, \"subsystem-vendor\": 32902, \"vendor\": 32902, "
                        "\"subsystem\": 41020}");
    JsonArray *regs = json_object_get_array_member(nic, "regions");
    g_assert_cmpuint(json_array_get_length(regs), ==, 5);
    assert_region(json_array_get_object_element(regs, 0), 0, "memory", 128 << 10, -1);
    assert_region(json_array_get_object_element(regs, 1), 1, "memory", 4 << 20, -1);
    assert_region(json_array_get_object_element(regs, 2), 2, "io", 32, -1);
    assert_region(json_array_get_object_element(regs, 3), 3, "memory", 16 << 10, -1);
    assert_region(json_array_get_object_element(regs, 4), 6, "memory", 4 << 20, -1);

    /* the guest programs BAR 0, the I/O BAR and the interrupt line; decode on */
    uint8_t devfn = 2 << 3;
    xpt_cfg_writel(vm->qts, devfn, 0x10, 0xe0000000);
    xpt_cfg_writel(vm->qts, devfn, 0x18, 0xc000);
    xpt_cfg_writeb(vm->qts, devfn, 0x3c, 11);
    g_autoptr(JsonObject) before = pci_find(q, "nic0");
    regs = json_object_get_array_member(before, "regions");
    assert_region(json_array_get_object_element(regs, 0), 0, "memory", 128 << 10, -1);
    xpt_cfg_writew(vm->qts, devfn, 0x04, 0x3);
    g_autoptr(JsonObject) after = pci_find(q, "nic0");
    regs = json_object_get_array_member(after, "regions");
    assert_region(json_array_get_object_element(regs, 0), 0, "memory", 128 << 10, 0xe0000000);
    assert_region(json_array_get_object_element(regs, 1), 1, "memory", 4 << 20, -1);
    assert_region(json_array_get_object_element(regs, 2), 2, "io", 32, 0xc000);
    assert_region(json_array_get_object_element(regs, 4), 6, "memory", 4 << 20, -1);
    g_assert_cmpint(json_object_get_int_member(after, "irq"), ==, 11);
    /* memory decode off again: the address is gone */
    xpt_cfg_writew(vm->qts, devfn, 0x04, 0x1);
    g_autoptr(JsonObject) off = pci_find(q, "nic0");
    regs = json_object_get_array_member(off, "regions");
    assert_region(json_array_get_object_element(regs, 0), 0, "memory", 128 << 10, -1);
    assert_region(json_array_get_object_element(regs, 2), 2, "io", 32, 0xc000);
    vm_finish(vm);
}

/* ---- device_add / device_del ---------------------------------------------------------------- */

/* libxl's sequence (reference/toolstack.md §pci): device_add with its arguments, find
 * the devfn with query-pci, device_del, poll query-pci until gone, re-attach. */
static void test_libxl_attach_detach(void)
{
    Vm *vm = vm_start("", true);
    XptQmp *q = vm->qmp;
    const char *id = "pci-pt-01_00.0";

    g_autofree char *add = device_add_82576(id, ", \"addr\": \"5.0\", \"permissive\": true");
    check(q, add, "{\"return\": {}}");
    g_autoptr(JsonObject) d = pci_find(q, id);
    g_assert_nonnull(d);
    g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 5);
    g_assert_cmpint(json_object_get_int_member(d, "function"), ==, 0);

    /* same id again: QEMU's text */
    g_autofree char *again = device_add_82576(id, NULL);
    check_error(q, again, "Duplicate device ID 'pci-pt-01_00.0'");

    /* device_del: {} at once, then DEVICE_DELETED; query-pci no longer lists it */
    g_autofree char *del = g_strdup_printf("{\"execute\": \"device_del\", \"arguments\": "
                                           "{\"id\": \"%s\"}, \"id\": 4}", id);
    check(q, del, "{\"return\": {}, \"id\": 4}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(q, "DEVICE_DELETED");
    JsonObject *data = event_data(ev, "DEVICE_DELETED");
    g_autoptr(JsonNode) dn = json_node_init_object(json_node_alloc(), data);
    assert_json_eq_text(dn, "{\"device\": \"pci-pt-01_00.0\", "
                            "\"path\": \"/machine/peripheral/pci-pt-01_00.0\"}");
    g_autoptr(JsonObject) gone = pci_find(q, id);
    g_assert_null(gone);
    check(q, del, "{\"id\": 4, \"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
                  "\"Device 'pci-pt-01_00.0' not found\"}}");

    /* re-attach with the same id right after, without addr: first free slot (2) */
    check_ok(q, again);
    g_autoptr(JsonObject) back = pci_find(q, id);
    g_assert_nonnull(back);
    g_assert_cmpint(json_object_get_int_member(back, "slot"), ==, 2);
    /* and remove it by QOM path */
    check_ok(q, "{\"execute\": \"device_del\", \"arguments\": "
                "{\"id\": \"/machine/peripheral/pci-pt-01_00.0\"}}");
    g_autoptr(JsonNode) ev2 = xpt_qmp_event_wait(q, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(event_data(ev2, "DEVICE_DELETED"), "device"),
                    ==, id);
    assert_no_event(q);
    vm_finish(vm);
}

/* The next IRQ line the binary sent over qtest ("IRQ raise 9"), waiting up to @ms. */
static char *next_irq(XptQts *qts, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        char *line = xpt_qts_pop_irq(qts);
        if (line) {
            return line;
        }
        g_usleep(10 * 1000);
    }
    return NULL;
}

/* As libqtest tests do: IRQ lines are only reported once the I/O APIC is intercepted. */
static void intercept_irqs(XptQts *qts)
{
    g_autofree char *r = xpt_qts_command(qts, "irq_intercept_in ioapic");
    g_assert_cmpstr(r, ==, "OK");
}

static void assert_irq(XptQts *qts, const char *want)
{
    g_autofree char *line = next_irq(qts, 5000);
    g_assert_cmpstr(line, ==, want);
}

/*
 * What the guest's ACPI code does on GPE bit 1 (Xen 4.17 DSDT _E01): read PCIU/PCID,
 * notify, then (for an eject request) _EJ0 writes B0EJ; the OS clears the GPE status.
 */
#define GPE_STS 0xafe0
#define GPE_EN 0xafe2
#define PCIU 0xae00
#define PCID 0xae04
#define B0EJ 0xae08

/*
 * A device from the command line, removed while the guest runs: device_del asks the
 * guest (PCID bit, GPE status bit 1, SCI = IRQ 9 raised); nothing leaves until the guest
 * ejects the slot; then DEVICE_DELETED, and the sim holds nothing of the device.
 */
static void test_device_del_coldplugged(void)
{
    g_autofree char *dev = g_strdup_printf("-device xen-pci-passthrough,id=cold,hostaddr=%s,"
                                           "host-dump=%s", HOST_82576,
                                           xpt_test_fixture(DUMP_82576));
    Vm *vm = vm_start(dev, true);
    intercept_irqs(vm->qts);
    g_autoptr(JsonObject) d = pci_find(vm->qmp, "cold");
    g_assert_nonnull(d);
    /* the guest runs: it maps BAR 0 and enables GPE bit 1 as its ACPI driver does */
    xpt_cfg_writel(vm->qts, 0x10, 0x10, 0xe0000000);
    xpt_cfg_writew(vm->qts, 0x10, 0x04, 0x2);
    xpt_outw(vm->qts, GPE_EN, 0x0002);
    g_autoptr(JsonNode) before = xpt_sim_state(vm->qts);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
                         json_node_get_object(before), "mmio")), >, 0);

    check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"cold\"}}");
    assert_irq(vm->qts, "IRQ raise 9");
    g_assert_cmphex(xpt_inw(vm->qts, GPE_STS), ==, 0x0002);
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 1u << 2);
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, 0);
    assert_no_event(vm->qmp);                              /* still there */
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0x10, 0x00), ==, 0x10c98086);
    g_autoptr(JsonObject) still = pci_find(vm->qmp, "cold");
    g_assert_nonnull(still);

    xpt_outw(vm->qts, GPE_STS, 0x0002);                    /* OS acknowledges the GPE */
    assert_irq(vm->qts, "IRQ lower 9");
    xpt_outl(vm->qts, B0EJ, 1u << 2);                      /* _EJ0 of slot 2 */
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(event_data(ev, "DEVICE_DELETED"), "path"),
                    ==, "/machine/peripheral/cold");
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 0);
    g_autoptr(JsonNode) st = xpt_sim_state(vm->qts);
    JsonObject *so = json_node_get_object(st);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(so, "mmio")), ==, 0);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(so, "pirqs")), ==, 0);
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0x10, 0x00), ==, 0xffffffff);
    g_autoptr(JsonObject) gone = pci_find(vm->qmp, "cold");
    g_assert_null(gone);
    vm_finish(vm);
}

/*
 * Hot-plug while the guest runs (SPEC §4): device_add without addr takes slot 6, then 7,
 * then fails naming addr=; each add sets its PCIU bit and raises the SCI; INTx is bound
 * at once (Xen's GSI for slot 6 INTA is 40, on LNKC). Removal: device_del → guest eject →
 * DEVICE_DELETED; the same id and host device go back into slot 6 right after.
 */
/*
 * The hot-plug slots as an xl user reserves more of them: libxl passes its own
 * "-machine xenfv,suppress-vmdesc=on" and then device_model_args_hvm (libxl_dm.c
 * libxl__build_device_model_args_new, RELEASE-4.17.5), so a later -machine with
 * hotplug-slots=5-7 must hold: hot plug takes 5, 6, 7, then fails naming that range.
 */
static void test_hotplug_slots_from_xl(void)
{
    Vm *vm = vm_start("-machine xenfv,suppress-vmdesc=on -machine xenfv,hotplug-slots=5-7",
                      true);
    XptQmp *q = vm->qmp;
    g_autofree char *cold = device_add_82576("cold", NULL);
    check_ok(q, cold);
    xpt_outw(vm->qts, GPE_EN, 0x0002);     /* the guest runs: the next adds are hot */
    static const struct { const char *id, *host, *dump; } hot[] = {
        { "h5", HOST_VIRTIO, DUMP_VIRTIO },
        { "h6", "0000:2e:00.0", "pciutils-tests/cap-phy32" },
        { "h7", "0000:00:1b.0", "pciutils-tests/cap-vc-and-rcl" },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(hot); i++) {
        g_autofree char *add = g_strdup_printf(
            "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
            "\"xen-pci-passthrough\", \"id\": \"%s\", \"hostaddr\": \"%s\", "
            "\"host-dump\": \"%s\"}}", hot[i].id, hot[i].host, xpt_test_fixture(hot[i].dump));
        check_ok(q, add);
        g_autoptr(JsonObject) d = pci_find(q, hot[i].id);
        g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 5 + (int)i);
    }
    /* refused for want of a slot, before the host device is opened */
    g_autofree char *add = device_add_82576("h8", NULL);
    g_autoptr(JsonNode) rc = xpt_qmp_command(q, "%s", add);
    g_assert_cmpstr(xpt_qmp_reply_class(rc), ==, "GenericError");
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(rc), "(hotplug-slots=5-7)"));
    g_autoptr(JsonObject) c = pci_find(q, "cold");
    g_assert_cmpint(json_object_get_int_member(c, "slot"), ==, 2);
    vm_finish(vm);
}

static void test_hotplug_lifecycle(void)
{
    Vm *vm = vm_start("", true);
    XptQmp *q = vm->qmp;
    intercept_irqs(vm->qts);
    /* the guest boots: any guest I/O marks it started; its ACPI driver enables GPE 1 */
    xpt_outw(vm->qts, GPE_EN, 0x0002);

    g_autofree char *a = device_add_82576("hot-a", NULL);
    check_ok(q, a);
    assert_irq(vm->qts, "IRQ raise 9");
    g_autoptr(JsonObject) da = pci_find(q, "hot-a");
    g_assert_nonnull(da);
    g_assert_cmpint(json_object_get_int_member(da, "slot"), ==, 6);
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, 1u << 6);
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, 1u << 6);   /* not cleared by reading */
    g_autoptr(JsonNode) st = xpt_sim_state(vm->qts);
    JsonArray *intx = json_object_get_array_member(json_node_get_object(st), "intx");
    g_assert_cmpuint(json_array_get_length(intx), ==, 1);
    g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(intx, 0), "dev"),
                    ==, 6);
    /* the guest handles the GPE: acknowledges it, finds the device */
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0x30, 0x00), ==, 0x10c98086);

    g_autofree char *b = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"hot-b\", \"hostaddr\": \"0000:2e:00.0\", \"host-dump\": \"%s\"}}",
        xpt_test_fixture("pciutils-tests/cap-phy32"));
    check_ok(q, b);
    assert_irq(vm->qts, "IRQ raise 9");
    g_autoptr(JsonObject) db = pci_find(q, "hot-b");
    g_assert_cmpint(json_object_get_int_member(db, "slot"), ==, 7);
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, (1u << 6) | (1u << 7));
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");

    g_autofree char *c = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"hot-c\", \"hostaddr\": \"0000:00:1b.0\", \"host-dump\": \"%s\"}}",
        xpt_test_fixture("pciutils-tests/cap-vc-and-rcl"));
    g_autoptr(JsonNode) rc = xpt_qmp_command(q, "%s", c);
    g_assert_cmpstr(xpt_qmp_reply_class(rc), ==, "GenericError");
    /* a slot that is taken, as xl's @VSLOT gives it (libxl's addr=) */
    g_autofree char *taken = device_add_82576("taken", ", \"addr\": \"6\"");
    g_autoptr(JsonNode) rt = xpt_qmp_command(q, "%s", taken);
    g_assert_cmpstr(xpt_qmp_reply_desc(rt), ==,
                    "addr=6: PCI slot 06.0 is already in use; choose another (xl: BDF@VSLOT)");
    /* the refusal names the fixes in the form xl can apply (issue 14 item 6), and the
     * first of them works: a free slot given as xl's @VSLOT (libxl's addr=) is hot too */
    const char *desc = xpt_qmp_reply_desc(rc);
    g_assert_nonnull(strstr(desc, "hotplug-slots=6-7"));
    g_assert_nonnull(strstr(desc, "xl pci-attach GUEST BDF@VSLOT"));
    g_assert_nonnull(strstr(desc, "addr="));
    g_assert_nonnull(strstr(desc, "device_model_args_hvm = [ \"-machine\", "
                                  "\"xenfv,hotplug-slots=5-7\" ]"));
    g_assert_null(next_irq(vm->qts, 300) ? "unexpected IRQ" : NULL);
    g_autofree char *c9 = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", "
        "\"id\": \"hot-c\", \"hostaddr\": \"0000:00:1b.0\", \"addr\": \"9\", "
        "\"host-dump\": \"%s\"}}", xpt_test_fixture("pciutils-tests/cap-vc-and-rcl"));
    check_ok(q, c9);
    assert_irq(vm->qts, "IRQ raise 9");
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, (1u << 6) | (1u << 7) | (1u << 9));
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");

    /* remove hot-a the ACPI way */
    check_ok(q, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"hot-a\"}}");
    assert_irq(vm->qts, "IRQ raise 9");
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 1u << 6);
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");
    xpt_outl(vm->qts, B0EJ, 1u << 6);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(q, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(event_data(ev, "DEVICE_DELETED"), "device"),
                    ==, "hot-a");
    g_assert_cmphex(xpt_inl(vm->qts, PCIU), ==, (1u << 7) | (1u << 9));
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 0);

    /* same id, same host device, right after: slot 6 again */
    check_ok(q, a);
    assert_irq(vm->qts, "IRQ raise 9");
    g_autoptr(JsonObject) again = pci_find(q, "hot-a");
    g_assert_cmpint(json_object_get_int_member(again, "slot"), ==, 6);
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");
    vm_finish(vm);   /* shutdown detaches both; leak check clean */
}

/*
 * A guest that never ejects (no ACPI driver, or it ignores the request): the first
 * device_del only asks; a second one removes the device at once with a warning (the
 * documented forced path), so the toolstack can always get its device back.
 */
static void test_device_del_forced(void)
{
    Vm *vm = vm_start("", true);
    intercept_irqs(vm->qts);
    xpt_outw(vm->qts, GPE_EN, 0x0000);                     /* guest started, no GPE enabled */
    g_autofree char *a = device_add_82576("stuck", NULL);
    check_ok(vm->qmp, a);
    check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"stuck\"}}");
    assert_no_event(vm->qmp);
    g_assert_null(next_irq(vm->qts, 300) ? "unexpected IRQ" : NULL);   /* GPE disabled: no SCI */
    g_assert_cmphex(xpt_inw(vm->qts, GPE_STS), ==, 0x0002);
    check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"stuck\"}}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(event_data(ev, "DEVICE_DELETED"), "device"),
                    ==, "stuck");
    g_assert_cmphex(xpt_inl(vm->qts, PCID), ==, 0);
    g_autofree char *err = xpt_qts_stderr(vm->qts);
    g_assert_nonnull(strstr(err, "forced"));
    vm_finish(vm);
}

/*
 * After the guest powered off (ACPI S5 on PM1a control), libxl destroys the domain and
 * sends device_del for each device: nothing will ever eject it, so it goes at once
 * (before, libxl waited its 10 s per device with the device model still running).
 */
static void test_device_del_after_poweroff(void)
{
    Vm *vm = vm_start("", true);
    intercept_irqs(vm->qts);
    xpt_outw(vm->qts, GPE_EN, 0x0002);                     /* the guest's ACPI runs */
    g_autofree char *a = device_add_82576("gone", NULL);
    check_ok(vm->qmp, a);
    assert_irq(vm->qts, "IRQ raise 9");
    xpt_outw(vm->qts, GPE_STS, 0x0002);
    assert_irq(vm->qts, "IRQ lower 9");
    xpt_outw(vm->qts, 0xb004, 0x2000);                     /* SLP_EN, SLP_TYP 0: S5 */
    g_autoptr(JsonNode) sd = xpt_qmp_event_wait(vm->qmp, "SHUTDOWN");
    check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"gone\"}}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(event_data(ev, "DEVICE_DELETED"), "device"),
                    ==, "gone");
    g_assert_null(pci_find(vm->qmp, "gone"));
    g_assert_null(next_irq(vm->qts, 100) ? "unexpected SCI for a dead guest" : NULL);
    vm_finish(vm);
}

static void test_device_add_errors(void)
{
    Vm *vm = vm_start("", true);
    XptQmp *q = vm->qmp;
    check_error(q, "{\"execute\": \"device_add\"}", "Parameter 'driver' is missing");
    check_error(q, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": 5}}",
                "Parameter 'driver' is missing");
    check_error(q, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"e1000\"}}",
                "'e1000' is not a valid device model name");
    g_autofree char *bus = device_add_82576("b", ", \"bus\": \"pci.1\"");
    check_error(q, bus, "Bus 'pci.1' not found");
    g_autofree char *badid = device_add_82576("1x", NULL);
    check_error(q, badid, "Parameter 'id' expects an identifier");
    check_error(q, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                   "\"xen-pci-passthrough\", \"id\": 7}}",
                "Invalid parameter type for 'id', expected: string");
    g_autofree char *prop = device_add_82576("p", ", \"bogus\": 1");
    check_error(q, prop, "Property 'xen-pci-passthrough.bogus' not found");
    g_autofree char *weird = device_add_82576("p", ", \"a,b=c\": 1");
    check_error(q, weird, "Property 'xen-pci-passthrough.a,b=c' not found");
    g_autofree char *type = device_add_82576("p", ", \"permissive\": [true]");
    check_error(q, type, "Invalid parameter type for 'permissive', expected: boolean");
    /* the machine's own one-line errors come through as GenericError */
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "{\"execute\": \"device_add\", \"arguments\": "
                                           "{\"driver\": \"xen-pci-passthrough\", \"id\": "
                                           "\"h\", \"hostaddr\": \"0000:99:00.0\", "
                                           "\"host-dump\": \"%s\"}}",
                                           xpt_test_fixture(DUMP_82576));
    g_assert_cmpstr(xpt_qmp_reply_class(r), ==, "GenericError");
    g_assert_nonnull(xpt_qmp_reply_desc(r));
    g_assert_null(strchr(xpt_qmp_reply_desc(r), '\n'));
    g_autofree char *slot = device_add_82576("s", ", \"addr\": \"1.0\"");
    g_autoptr(JsonNode) r2 = xpt_qmp_command(q, "%s", slot);
    g_assert_cmpstr(xpt_qmp_reply_class(r2), ==, "GenericError");
    /* nothing was left behind by the failures */
    g_autoptr(JsonArray) devs = query_pci_devices(q);
    g_assert_cmpuint(json_array_get_length(devs), ==, 3);
    /* values as QEMU 7.2 converts them: booleans on/off, "on", an integer addr (hex) */
    g_autofree char *conv = device_add_82576("conv", ", \"permissive\": \"on\", "
                                             "\"rombar\": 0, \"addr\": 10");
    check_ok(q, conv);
    g_autoptr(JsonObject) d = pci_find(q, "conv");
    g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 0x10);
    /* rombar=0: no ROM region */
    JsonArray *regs = json_object_get_array_member(d, "regions");
    for (guint i = 0; i < json_array_get_length(regs); i++) {
        g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(regs, i),
                                                   "bar"), !=, 6);
    }
    vm_finish(vm);
}

/* SPEC §4: while prelaunch a device_add is a cold plug even after qtest I/O; once the
 * guest runs and did I/O, it goes to the first hot-plug slot. */
static void test_prelaunch_coldplug(void)
{
    Vm *vm = vm_start("-S", true);
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0, 0), ==, 0x12378086);    /* guest I/O */
    g_autofree char *a = device_add_82576("first", NULL);
    check_ok(vm->qmp, a);
    g_autoptr(JsonObject) d1 = pci_find(vm->qmp, "first");
    g_assert_cmpint(json_object_get_int_member(d1, "slot"), ==, 2);
    check_ok(vm->qmp, "{\"execute\": \"cont\"}");
    g_autoptr(JsonNode) resume = xpt_qmp_event_wait(vm->qmp, "RESUME");
    g_assert_null(event_data(resume, "RESUME"));
    g_autofree char *b = g_strdup_printf("{\"execute\": \"device_add\", \"arguments\": "
                                         "{\"driver\": \"xen-pci-passthrough\", \"id\": "
                                         "\"second\", \"hostaddr\": \"%s\", \"host-dump\": "
                                         "\"%s\"}}", HOST_VIRTIO,
                                         xpt_test_fixture(DUMP_VIRTIO));
    check_ok(vm->qmp, b);
    g_autoptr(JsonObject) d2 = pci_find(vm->qmp, "second");
    g_assert_cmpint(json_object_get_int_member(d2, "slot"), ==, 6);
    vm_finish(vm);
}

/* ---- run states, quit, signals ------------------------------------------------------------- */

static void check_status(XptQmp *q, const char *status, bool running)
{
    g_autofree char *want = g_strdup_printf("{\"return\": {\"status\": \"%s\", "
                                            "\"singlestep\": false, \"running\": %s}}",
                                            status, running ? "true" : "false");
    check(q, "{\"execute\": \"query-status\"}", want);
}

static void test_stop_cont(void)
{
    Vm *vm = vm_start("", true);
    XptQmp *q = vm->qmp;
    check_status(q, "running", true);
    check_ok(q, "{\"execute\": \"stop\"}");
    g_autoptr(JsonNode) stop = xpt_qmp_event_wait(q, "STOP");
    g_assert_null(event_data(stop, "STOP"));
    check_status(q, "paused", false);
    check_ok(q, "{\"execute\": \"stop\"}");       /* already stopped: no event */
    check_status(q, "paused", false);
    assert_no_event(q);
    /* qtest accesses keep working while paused */
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0, 0), ==, 0x12378086);
    check_ok(q, "{\"execute\": \"cont\"}");
    g_autoptr(JsonNode) resume = xpt_qmp_event_wait(q, "RESUME");
    g_assert_null(event_data(resume, "RESUME"));
    check_status(q, "running", true);
    check_ok(q, "{\"execute\": \"cont\"}");       /* already running: no event */
    check_status(q, "running", true);
    assert_no_event(q);
    vm_finish(vm);

    /* -S: prelaunch until cont (what libxl checks with dm_restrict) */
    vm = vm_start("-S", true);
    check_status(vm->qmp, "prelaunch", false);
    check_ok(vm->qmp, "{\"execute\": \"stop\"}");
    assert_no_event(vm->qmp);
    check_status(vm->qmp, "prelaunch", false);
    check_ok(vm->qmp, "{\"execute\": \"cont\"}");
    g_autoptr(JsonNode) r2 = xpt_qmp_event_wait(vm->qmp, "RESUME");
    check_status(vm->qmp, "running", true);
    vm_finish(vm);
}

/* quit: SHUTDOWN before the {} reply (as in the transcript), then exit status 0. */
static void test_quit(void)
{
    g_autofree char *dev = g_strdup_printf("-device xen-pci-passthrough,id=q,hostaddr=%s,"
                                           "host-dump=%s", HOST_82576,
                                           xpt_test_fixture(DUMP_82576));
    Vm *vm = vm_start(dev, true);
    const char *quit = "{\"execute\": \"quit\", \"id\": \"bye\"}";
    xpt_qmp_send_raw(vm->qmp, quit, strlen(quit));
    g_autoptr(JsonNode) ev = xpt_qmp_receive(vm->qmp);
    g_autoptr(JsonNode) dn = json_node_init_object(json_node_alloc(),
                                                   event_data(ev, "SHUTDOWN"));
    assert_json_eq_text(dn, "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
    g_autoptr(JsonNode) r = xpt_qmp_receive(vm->qmp);
    assert_json_eq_text(r, "{\"return\": {}, \"id\": \"bye\"}");
    g_assert_true(xpt_qmp_wait_eof(vm->qmp, 10000));
    g_assert_cmpint(xpt_qts_wait_exit(vm->qts, 10000), ==, 0);
    vm_finish(vm);
}

/* SIGTERM after a QMP session: SHUTDOWN "host-signal", exit status 0 (libqtest). */
/*
 * QEMU's libqtest command line (reference/qtest-qmp.md §libqtest): both sockets connect
 * out, -display none -audio none, then endianness, greeting, qmp_capabilities; SIGTERM
 * gives SHUTDOWN and exit status 0.
 */
static void test_libqtest_command_line(void)
{
    Vm *vm = vm_start("-qtest-log /dev/null -display none -audio none -accel qtest", true);
    g_autofree char *e = xpt_qts_command(vm->qts, "endianness");
    g_assert_cmpstr(e, ==, "OK little");
    g_assert_true(json_object_has_member(json_node_get_object(vm->greeting), "QMP"));
    xpt_qts_signal(vm->qts, SIGTERM);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "SHUTDOWN");
    g_assert_cmpint(xpt_qts_wait_exit(vm->qts, 10000), ==, 0);
    vm_finish(vm);
}

static void test_sigterm(void)
{
    Vm *vm = vm_start("", true);
    check_alive(vm->qmp);
    xpt_qts_signal(vm->qts, SIGTERM);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "SHUTDOWN");
    g_autoptr(JsonNode) dn = json_node_init_object(json_node_alloc(),
                                                   event_data(ev, "SHUTDOWN"));
    assert_json_eq_text(dn, "{\"guest\": false, \"reason\": \"host-signal\"}");
    g_assert_true(xpt_qmp_wait_eof(vm->qmp, 10000));
    g_assert_cmpint(xpt_qts_wait_exit(vm->qts, 10000), ==, 0);
    vm_finish(vm);
}

/*
 * SIGHUP, as libxl 4.17 stops the device model on xl destroy (libxl_aoutils.c
 * libxl__kill_xs_path): like SIGTERM, SHUTDOWN "host-signal" and exit status 0, also
 * with libxl's -no-shutdown. Before, SIGHUP's default action killed the process
 * (status 129) without the event or any teardown.
 */
static void test_sighup(void)
{
    Vm *vm = vm_start("-no-shutdown", true);
    check_alive(vm->qmp);
    xpt_qts_signal(vm->qts, SIGHUP);
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "SHUTDOWN");
    g_autoptr(JsonNode) dn = json_node_init_object(json_node_alloc(),
                                                   event_data(ev, "SHUTDOWN"));
    assert_json_eq_text(dn, "{\"guest\": false, \"reason\": \"host-signal\"}");
    g_assert_true(xpt_qmp_wait_eof(vm->qmp, 10000));
    g_assert_cmpint(xpt_qts_wait_exit(vm->qts, 10000), ==, 0);
    vm_finish(vm);
}

/* ---- what libxl 4.17 sends (docs/xen.md "QMP commands libxl 4.17 sends") -------------------- */

static char *tmp_sock(const char *dir, const char *name)
{
    return g_build_filename(dir, name, NULL);
}


/* The query-chardev entry labelled @label (borrowed from @list), or NULL. */
static JsonObject *chardev_find(JsonArray *list, const char *label)
{
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *c = json_array_get_object_element(list, i);
        g_assert_cmpuint(json_object_get_size(c), ==, 3);
        g_assert_true(json_object_get_boolean_member(c, "frontend-open"));
        if (!g_strcmp0(json_object_get_string_member(c, "label"), label)) {
            return c;
        }
    }
    return NULL;
}

static void assert_chardev(JsonArray *list, const char *label, const char *filename)
{
    JsonObject *c = chardev_find(list, label);
    if (!c) {
        g_error("query-chardev: no entry '%s'", label);
    }
    g_assert_cmpstr(json_object_get_string_member(c, "filename"), ==, filename);
}

/*
 * query-chardev, which libxl 4.17 sends once "running" is in xenstore and without
 * which xl create fails (libxl_dm.c device_model_spawn_outcome): QEMU's shape, one
 * entry per monitor chardev with QEMU's filenames, connected or not; libxl's parse
 * (device_model_postconfig_chardev) finds no "serialN" without -serial (with one:
 * tests/test-serial.c).
 */
static void test_query_chardev(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *p1 = tmp_sock(dir, "qmp-libxl-1");
    g_autofree char *p2 = tmp_sock(dir, "qmp-libxenstat-1");
    g_autofree char *p3 = tmp_sock(dir, "legacy.sock");
    g_autofree char *p4 = tmp_sock(dir, "pre.sock");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, p4, sizeof(sa.sun_path));
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);      /* libxl's dm_restrict fd=N */
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 4), ==, 0);
    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=libxl-cmd,path=%s,server=on,wait=off "
        "-mon chardev=libxl-cmd,mode=control "
        "-chardev socket,id=libxenstat-cmd,path=%s,server=on,wait=off "
        "-mon chardev=libxenstat-cmd,mode=control -qmp unix:%s,server=on,wait=off "
        "-chardev socket,id=pre,fd=%d,server=on,wait=off -mon chardev=pre,mode=control",
        p1, p2, p3, lfd);
    Vm *vm = vm_start(args, true);
    close(lfd);

    XptQmp *libxl = xpt_qmp_connect(p1, NULL);
    xpt_qmp_negotiate(libxl);
    g_autoptr(JsonNode) r = xpt_qmp_command(libxl, "{\"execute\": \"query-chardev\", "
                                                   "\"id\": 1}");
    JsonNode *ret = xpt_qmp_reply_return(r);
    g_assert_nonnull(ret);
    JsonArray *list = json_node_get_array(ret);
    g_assert_cmpuint(json_array_get_length(list), ==, 5);
    g_autofree char *f1 = g_strdup_printf("unix:%s,server=on", p1);
    g_autofree char *f2 = g_strdup_printf("disconnected:unix:%s,server=on", p2);
    g_autofree char *f3 = g_strdup_printf("disconnected:unix:%s,server=on", p3);
    g_autofree char *f4 = g_strdup_printf("disconnected:fd:%d,server=on", lfd);
    g_autofree char *f5 = g_strdup_printf("unix:%s", xpt_qmp_path(vm->qmp));
    assert_chardev(list, "libxl-cmd", f1);
    assert_chardev(list, "libxenstat-cmd", f2);
    assert_chardev(list, "compat_monitor0", f3);
    assert_chardev(list, "pre", f4);
    /* the test's own monitor: a client socket (libqtest's form) */
    for (guint i = 0; i < json_array_get_length(list); i++) {
        JsonObject *c = json_array_get_object_element(list, i);
        const char *label = json_object_get_string_member(c, "label");
        g_assert_false(g_str_has_prefix(label, "serial"));
        if (g_str_has_prefix(label, "qmp")) {
            g_assert_cmpstr(json_object_get_string_member(c, "filename"), ==, f5);
        }
    }

    /* an inherited listening socket with its client: the path it listens on */
    XptQmp *pre = xpt_qmp_connect(p4, NULL);
    xpt_qmp_negotiate(pre);
    g_autoptr(JsonNode) r2 = xpt_qmp_command(pre, "{\"execute\": \"query-chardev\"}");
    g_autofree char *f4c = g_strdup_printf("unix:%s,server=on", p4);
    assert_chardev(json_node_get_array(xpt_qmp_reply_return(r2)), "pre", f4c);
    xpt_qmp_free(pre);
    xpt_qmp_free(libxl);
    vm_finish(vm);
    unlink(p4);
    rmdir(dir);
}

/*
 * libxl 4.17's whole conversation with a qemu-xen device model of a passthrough guest,
 * each command on a new connection of libxl-cmd as libxl__ev_qmp makes them:
 * with dm_restrict, query-status must say "prelaunch" (-S); then query-chardev,
 * query-vnc (VNC is on by default) and, with vncpasswd, change-vnc-password must
 * succeed or xl create fails; device_add with libxl's arguments ("%x.%x" addr,
 * permissive true) and query-pci; cont; query-cpus-fast (xl reboot, save, vcpu-set);
 * the refusals of vCPU hot-plug and S3 wake-up; xentop's block queries; and the
 * commands of xl save / qemu-monitor-command, which are not found.
 */
static void test_libxl_conversation(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *path = tmp_sock(dir, "qmp-libxl-7");
    g_autofree char *args = g_strdup_printf(
        "-no-shutdown -chardev socket,id=libxl-cmd,path=%s,server=on,wait=off "
        "-mon chardev=libxl-cmd,mode=control -S -nodefaults -no-user-config -name guest "
        "-vnc 127.0.0.1:0,password=on,to=99 -display none -device cirrus-vga,vgamem_mb=8 "
        "-boot order=cda -smp 2,maxcpus=4 -net none -machine xenfv,suppress-vmdesc=on "
        "-m 1024", path);
    Vm *vm = vm_start(args, true);
    static const struct {
        const char *request, *reply;
    } steps[] = {
        { "{\"execute\": \"query-status\", \"id\": 1}",
          "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, "
          "\"running\": false}, \"id\": 1}" },
        { "{\"execute\": \"query-vnc\", \"id\": 2}",
          "{\"return\": {\"enabled\": false}, \"id\": 2}" },
        { "{\"execute\": \"change-vnc-password\", \"arguments\": {\"password\": "
          "\"s3cret\"}, \"id\": 3}", "{\"return\": {}, \"id\": 3}" },
        { "{\"execute\": \"change-vnc-password\", \"id\": 4}",
          "{\"error\": {\"class\": \"GenericError\", \"desc\": "
          "\"Parameter 'password' is missing\"}, \"id\": 4}" },
        { "{\"execute\": \"query-block\", \"id\": 5}", "{\"return\": [], \"id\": 5}" },
        { "{\"execute\": \"query-blockstats\", \"id\": 6}",
          "{\"return\": [], \"id\": 6}" },
        { "{\"execute\": \"query-hotpluggable-cpus\", \"id\": 7}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command query-hotpluggable-cpus has not been found\"}, \"id\": 7}" },
        { "{\"execute\": \"add-fd\", \"id\": 8}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command add-fd has not been found\"}, \"id\": 8}" },
        { "{\"execute\": \"xen-save-devices-state\", \"arguments\": {\"filename\": "
          "\"/dev/fdset/1\", \"live\": false}, \"id\": 9}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command xen-save-devices-state has not been found\"}, \"id\": 9}" },
        { "{\"execute\": \"human-monitor-command\", \"arguments\": "
          "{\"command-line\": \"info pci\"}, \"id\": 10}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"The command human-monitor-command has not been found\"}, \"id\": 10}" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        XptQmp *c = xpt_qmp_connect(path, NULL);
        xpt_qmp_negotiate(c);
        check(c, steps[i].request, steps[i].reply);
        xpt_qmp_free(c);
    }

    /* query-chardev: a list whose labels and filenames are strings, no serialN */
    XptQmp *c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    g_autoptr(JsonNode) chr = xpt_qmp_command(c, "{\"execute\": \"query-chardev\"}");
    JsonArray *list = json_node_get_array(xpt_qmp_reply_return(chr));
    g_autofree char *fname = g_strdup_printf("unix:%s,server=on", path);
    assert_chardev(list, "libxl-cmd", fname);

    /* pci_add_qmp_device_add: id "pci-pt-BB_DD.F", hostaddr, addr "%x.%x", permissive */
    g_autofree char *add = g_strdup_printf(
        "{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
        "\"xen-pci-passthrough\", \"id\": \"pci-pt-01_00.0\", \"hostaddr\": "
        "\"0000:01:00.0\", \"addr\": \"a.0\", \"permissive\": true, "
        "\"host-dump\": \"%s\"}, \"id\": 11}", xpt_test_fixture(DUMP_82576));
    check(c, add, "{\"return\": {}, \"id\": 11}");
    g_autoptr(JsonObject) d = pci_find(c, "pci-pt-01_00.0");
    g_assert_nonnull(d);
    g_assert_cmpint(json_object_get_int_member(d, "slot"), ==, 10);
    g_assert_cmpint(json_object_get_int_member(d, "function"), ==, 0);
    check_ok(c, "{\"execute\": \"cont\"}");

    /* query-cpus-fast: the -smp 2 vCPUs present at start, QEMU's members */
    g_autoptr(JsonNode) cpus = xpt_qmp_command(c, "{\"execute\": \"query-cpus-fast\"}");
    JsonArray *cl = json_node_get_array(xpt_qmp_reply_return(cpus));
    g_assert_cmpuint(json_array_get_length(cl), ==, 2);
    for (guint i = 0; i < 2; i++) {
        JsonObject *cpu = json_array_get_object_element(cl, i);
        g_assert_cmpint(json_object_get_int_member(cpu, "cpu-index"), ==, i);
        g_assert_nonnull(json_object_get_string_member(cpu, "qom-path"));
        g_assert_cmpint(json_object_get_int_member(cpu, "thread-id"), >, 0);
        g_assert_cmpstr(json_object_get_string_member(cpu, "target"), ==, "i386");
        JsonObject *props = json_object_get_object_member(cpu, "props");
        g_assert_cmpint(json_object_get_int_member(props, "socket-id"), ==, i);
    }
    /* xl vcpu-set 4 falls back to cpu-add; xl trigger s3resume sends system_wakeup */
    g_autoptr(JsonNode) ca = xpt_qmp_command(c, "{\"execute\": \"cpu-add\", "
                                                "\"arguments\": {\"id\": 2}}");
    g_assert_cmpstr(xpt_qmp_reply_class(ca), ==, "GenericError");
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(ca), "cannot add vCPU 2"));
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(ca), "vcpus="));
    g_autoptr(JsonNode) wk = xpt_qmp_command(c, "{\"execute\": \"system_wakeup\"}");
    g_assert_cmpstr(xpt_qmp_reply_class(wk), ==, "GenericError");
    g_assert_nonnull(strstr(xpt_qmp_reply_desc(wk), "wake-up from suspend is not supported"));

    /* pci-detach: device_del, then query-pci until the id is gone (guest not started
     * under qtest: it goes at once) */
    check_ok(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": "
                "\"pci-pt-01_00.0\"}}");
    g_autoptr(JsonObject) gone = pci_find(c, "pci-pt-01_00.0");
    g_assert_null(gone);
    xpt_qmp_free(c);
    vm_finish(vm);
    rmdir(dir);
}

/* The one stderr warning line of @err that mentions the display (asserting only one). */
static const char *display_warning(char **lines)
{
    const char *found = NULL;
    for (char **l = lines; *l; l++) {
        if (strstr(*l, "display")) {
            g_assert_null(found);
            found = *l;
        }
    }
    return found;
}

/*
 * xl's default HVM display (vnc on, vga cirrus) gives "-vnc 127.0.0.1:0,to=99 -display
 * none -device cirrus-vga,vgamem_mb=8" (libxl 4.17 libxl__build_device_model_args_new):
 * accepted with one warning naming the xl settings that silence it, no graphics card
 * on the bus. Before, xen-pt-dm exited ("has no display").
 */
static void test_display_defaults(void)
{
    Vm *vm = vm_start("-vnc 127.0.0.1:0,to=99 -display none -device cirrus-vga,vgamem_mb=8 "
                      "-k en-us", true);
    check(vm->qmp, "{\"execute\": \"query-vnc\"}", "{\"return\": {\"enabled\": false}}");
    g_autoptr(JsonArray) devs = query_pci_devices(vm->qmp);
    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *cls = json_object_get_object_member(
            json_array_get_object_element(devs, i), "class_info");
        g_assert_cmpint(json_object_get_int_member(cls, "class") >> 8, !=, 0x03);
    }
    g_autofree char *err = xpt_qts_stderr(vm->qts);
    g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
    const char *w = display_warning(lines);
    g_assert_nonnull(w);
    g_assert_true(g_str_has_prefix(w, "xen-pt-dm: warning: no display is served"));
    g_assert_nonnull(strstr(w, "-vnc 127.0.0.1:0,to=99"));
    g_assert_nonnull(strstr(w, "-device cirrus-vga,vgamem_mb=8"));
    g_assert_nonnull(strstr(w, "-k en-us"));
    g_assert_nonnull(strstr(w, "vnc=0 and vga=\"none\""));
    vm_finish(vm);

    /* -display sdl and a std VGA card: named in the hint too */
    vm = vm_start("-vnc none -display sdl -device VGA,vgamem_mb=16", true);
    g_autofree char *err2 = xpt_qts_stderr(vm->qts);
    g_auto(GStrv) lines2 = g_strsplit(err2, "\n", -1);
    w = display_warning(lines2);
    g_assert_nonnull(w);
    g_assert_nonnull(strstr(w, "vga=\"none\" and sdl=0"));
    g_assert_null(strstr(w, "vnc=0"));
    vm_finish(vm);

    /* vnc=0 and vga="none" (and nographic=1): no warning */
    vm = vm_start("-vnc none -display none -nographic", true);
    g_autofree char *err3 = xpt_qts_stderr(vm->qts);
    g_assert_null(strstr(err3, "display"));
    vm_finish(vm);
}

/* What still misleads is still refused, with one line: SPICE, a std VGA by -vga, a
 * disk; and display values QEMU would not take. */
static void test_display_refusals(void)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        { "-spice port=5900,tls-port=0", "spice=0" },
        { "-vga std", "vga=\"none\"" },
        { "-drive file=/dev/null,if=ide", "PV disk" },
        { "-vnc 5900", "not a VNC address" },
        { "-display sdl2", "not a display type" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args = g_strdup_printf("-accel qtest -qtest stdio %s", cases[i].args);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        if (status != 1 || !strstr(err, cases[i].msg) ||
            strchr(err, '\n') != err + strlen(err) - 1) {
            g_error("'%s': status %d, stderr:\n%s\n(expected one line with '%s')",
                    cases[i].args, status, err, cases[i].msg);
        }
    }
}

/* ---- several monitors, vanishing clients ---------------------------------------------------- */

/* A raw connection that does not read the greeting (to test queueing). */
static int raw_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static bool readable_within(int fd, int ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    return poll(&pfd, 1, ms) > 0;
}

/* libxl's two server monitors plus libqtest's client one: events go to every
 * negotiated session; a server takes its next client after the current one left. */
static void test_two_monitors(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *p1 = tmp_sock(dir, "libxl.sock");
    g_autofree char *p2 = tmp_sock(dir, "stat.sock");
    XptQmp *legacy = xpt_qmp_listen();      /* "-qmp unix:PATH": connects out */
    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=libxl-cmd,path=%s,server=on,wait=off "
        "-mon chardev=libxl-cmd,mode=control -qmp unix:%s,server=on,wait=off "
        "-qmp unix:%s", p1, p2, xpt_qmp_path(legacy));
    Vm *vm = vm_start(args, true);
    g_autoptr(JsonNode) lg = xpt_qmp_accept(legacy);
    xpt_qmp_negotiate(legacy);
    XptQmp *a = xpt_qmp_connect(p1, NULL);
    XptQmp *b = xpt_qmp_connect(p2, NULL);
    xpt_qmp_negotiate(a);
    /* b stays un-negotiated for now: no events for it */
    g_autofree char *add = device_add_82576("shared", NULL);
    check_ok(a, add);
    check_ok(vm->qmp, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"shared\"}}");
    g_autoptr(JsonNode) e1 = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    g_autoptr(JsonNode) e2 = xpt_qmp_event_wait(a, "DEVICE_DELETED");
    g_assert_cmpstr(json_object_get_string_member(event_data(e2, "DEVICE_DELETED"), "device"),
                    ==, "shared");
    xpt_qmp_negotiate(b);
    check_alive(b);
    assert_no_event(b);
    check_ok(b, "{\"execute\": \"stop\"}");
    g_autoptr(JsonNode) s1 = xpt_qmp_event_wait(vm->qmp, "STOP");
    g_autoptr(JsonNode) s2 = xpt_qmp_event_wait(a, "STOP");
    g_autoptr(JsonNode) s3 = xpt_qmp_event_wait(b, "STOP");
    g_autoptr(JsonNode) s4 = xpt_qmp_event_wait(legacy, "DEVICE_DELETED");
    g_autoptr(JsonNode) s5 = xpt_qmp_event_wait(legacy, "STOP");
    assert_no_event(legacy);

    /* a second client of libxl-cmd waits until the first leaves, then is greeted */
    int second = raw_connect(p1);
    g_assert_false(readable_within(second, 300));
    xpt_qmp_free(a);
    g_assert_true(readable_within(second, 10000));
    XptQmp *a2 = xpt_qmp_from_fds(second, second, NULL);
    /* a new session must negotiate again */
    check(a2, "{\"execute\": \"query-status\"}",
          "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
          "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
    xpt_qmp_negotiate(a2);
    check_status(a2, "paused", false);
    xpt_qmp_free(a2);
    xpt_qmp_free(b);
    xpt_qmp_free(legacy);
    vm_finish(vm);
    /* the server sockets were removed at exit */
    g_assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(p2, G_FILE_TEST_EXISTS));
    rmdir(dir);
}

/* Clients that vanish mid-command, mid-request or with unread replies harm nothing. */
static void test_vanishing_clients(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *path = tmp_sock(dir, "qmp.sock");
    g_autofree char *args = g_strdup_printf("-qmp unix:%s,server=on,wait=off", path);
    Vm *vm = vm_start(args, true);

    /* 1. a command, then gone before the reply: the command still ran */
    XptQmp *c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    g_autofree char *add = device_add_82576("ghost", NULL);
    xpt_qmp_send_raw(c, add, strlen(add));
    xpt_qmp_free(c);
    /* 2. half a request, then gone */
    c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    const char *half = "{\"execute\": \"device_del\", \"argu";
    xpt_qmp_send_raw(c, half, strlen(half));
    xpt_qmp_free(c);
    /* 3. many replies never read, then gone (the writes fail: no SIGPIPE death) */
    c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    g_autoptr(GString) many = g_string_new(NULL);
    for (int i = 0; i < 3000; i++) {
        g_string_append(many, "{\"execute\": \"query-pci\"}");
    }
    xpt_qmp_send_raw(c, many->str, many->len);
    xpt_qmp_free(c);
    /* 4. gone before even reading the greeting */
    close(raw_connect(path));

    /* the device model lives on: a new client works, the device is there */
    c = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(c);
    g_autoptr(JsonObject) d = pci_find(c, "ghost");
    g_assert_nonnull(d);
    check_ok(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"ghost\"}}");
    g_autoptr(JsonNode) ev = xpt_qmp_event_wait(vm->qmp, "DEVICE_DELETED");
    xpt_qmp_free(c);
    check_alive(vm->qmp);
    g_assert_cmphex(xpt_cfg_readl(vm->qts, 0, 0), ==, 0x12378086);
    vm_finish(vm);
    rmdir(dir);
}

/* ---- command-line forms --------------------------------------------------------------------- */

/* -qmp stdio, with the qtest socket as usual. */
static void test_qmp_stdio(void)
{
    int to_stdin, from_stdout;
    XptQts *qts = xpt_qts_start_stdio("-qmp stdio", &to_stdin, &from_stdout);
    XptQmp *q = xpt_qmp_from_fds(from_stdout, to_stdin, NULL);
    xpt_qmp_negotiate(q);
    check_status(q, "running", true);
    g_autoptr(JsonNode) r = xpt_qmp_command(q, "{\"execute\": \"quit\"}");
    g_assert_nonnull(xpt_qmp_reply_return(r));
    g_assert_cmpint(xpt_qts_wait_exit(qts, 10000), ==, 0);
    xpt_qmp_free(q);
    g_assert_cmpint(xpt_qts_quit(qts), ==, 0);
}

/* fd=N as libxl passes pre-opened sockets: a listening one (server=on) and a
 * connected one (server=off). */
static void test_inherited_fds(void)
{
    g_autofree char *dir = g_dir_make_tmp("xpt-qmp-XXXXXX", NULL);
    g_autofree char *path = tmp_sock(dir, "pre.sock");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);      /* inherited: no CLOEXEC */
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 4), ==, 0);
    int pair[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), ==, 0);
    fcntl(pair[0], F_SETFD, FD_CLOEXEC);            /* our end */

    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=pre,fd=%d,server=on,wait=off -mon chardev=pre,mode=control "
        "-chardev socket,id=conn,fd=%d -mon chardev=conn,mode=control,pretty=on",
        lfd, pair[1]);
    Vm *vm = vm_start(args, true);
    close(lfd);
    close(pair[1]);
    XptQmp *a = xpt_qmp_connect(path, NULL);
    xpt_qmp_negotiate(a);
    check_status(a, "running", true);
    /* pretty=on: indented JSON, still one "\r\n"-terminated message */
    XptQmp *b = xpt_qmp_from_fds(pair[0], pair[0], NULL);
    const char *req = "{\"execute\": \"qmp_capabilities\"}";
    xpt_qmp_send_raw(b, req, strlen(req));
    g_autofree char *line = xpt_qmp_receive_line(b);
    g_assert_nonnull(strchr(line, '\n'));
    g_autoptr(JsonNode) r = parse(line);
    assert_json_eq_text(r, "{\"return\": {}}");
    xpt_qmp_free(a);
    xpt_qmp_free(b);
    vm_finish(vm);
    unlink(path);
    rmdir(dir);
}

/* Bad monitor options: one line on stderr and exit status 1. */
static void test_bad_options(void)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        { "-mon chardev=nope,mode=control", "chardev 'nope' not found" },
        { "-chardev socket,id=a,path=/tmp/xpt-none.sock -mon chardev=a",
          "no human monitor (HMP)" },
        { "-chardev socket,id=a,path=/tmp/xpt-a.sock -chardev socket,id=a,path=/tmp/b",
          "Duplicate ID 'a' for chardev" },
        { "-chardev socket,id=a -mon chardev=a,mode=control", "exactly one of path= and fd=" },
        { "-chardev socket,id=a,path=/tmp/x,telnet=on", "unsupported option 'telnet'" },
        { "-chardev vc,id=a", "backend 'vc' is not supported" },
        { "-qmp tcp:localhost:4444,server=on", "unsupported chardev" },
        { "-monitor stdio", "no human monitor (HMP)" },
        { "-qmp stdio -qtest stdio", "stdio can serve only one" },
        { "-chardev socket,id=a,fd=0,server=on -mon chardev=a,mode=control "
          "-qtest unix:/nonexistent/q.sock", "fd=0 is not a stream socket" },
        { "-chardev socket,id=a,path=/nonexistent/xpt.sock -mon chardev=a,mode=control "
          "-qtest unix:/nonexistent/q.sock", "cannot connect to unix:/nonexistent/xpt.sock" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *args = g_strdup_printf("-accel qtest %s", cases[i].args);
        g_autofree char *err = NULL;
        int status = xpt_qts_run_expect_fail(args, &err);
        if (status != 1 || !strstr(err, cases[i].msg)) {
            g_error("'%s': status %d, stderr:\n%s\n(expected '%s')", cases[i].args, status,
                    err, cases[i].msg);
        }
        /* one line */
        g_assert_cmpstr(strchr(err, '\n'), ==, err + strlen(err) - 1);
    }
}

/* ---- introspection -------------------------------------------------------------------------- */

static void test_query_commands(void)
{
    Vm *vm = vm_start("", true);
    check(vm->qmp, "{\"execute\": \"query-commands\"}",
          "{\"return\": [{\"name\": \"qmp_capabilities\"}, {\"name\": \"query-commands\"}, "
          "{\"name\": \"query-version\"}, {\"name\": \"query-status\"}, {\"name\": \"stop\"}, "
          "{\"name\": \"cont\"}, {\"name\": \"quit\"}, {\"name\": \"device_add\"}, "
          "{\"name\": \"device_del\"}, {\"name\": \"query-pci\"}, "
          "{\"name\": \"qom-list-types\"}, {\"name\": \"query-chardev\"}, "
          "{\"name\": \"query-vnc\"}, {\"name\": \"change-vnc-password\"}, "
          "{\"name\": \"query-cpus-fast\"}, {\"name\": \"cpu-add\"}, "
          "{\"name\": \"system_wakeup\"}, {\"name\": \"system_reset\"}, "
          "{\"name\": \"system_powerdown\"}, {\"name\": \"query-block\"}, "
          "{\"name\": \"query-blockstats\"}]}");
    vm_finish(vm);
}

static void test_qom_list_types(void)
{
    Vm *vm = vm_start("", true);
    XptQmp *q = vm->qmp;
    check(q, "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": "
             "\"pci-device\"}}",
          "{\"return\": [{\"name\": \"xen-pci-passthrough\", \"parent\": \"pci-device\"}, "
          "{\"name\": \"i440FX\", \"parent\": \"pci-device\"}, "
          "{\"name\": \"PIIX3\", \"parent\": \"pci-device\"}, "
          "{\"name\": \"PIIX4_PM\", \"parent\": \"pci-device\"}]}");
    check(q, "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": "
             "\"device\", \"abstract\": true}}",
          "{\"return\": [{\"name\": \"device\", \"abstract\": true, \"parent\": \"object\"}, "
          "{\"name\": \"pci-device\", \"abstract\": true, \"parent\": \"device\"}, "
          "{\"name\": \"xen-pci-passthrough\", \"parent\": \"pci-device\"}, "
          "{\"name\": \"i440FX\", \"parent\": \"pci-device\"}, "
          "{\"name\": \"PIIX3\", \"parent\": \"pci-device\"}, "
          "{\"name\": \"PIIX4_PM\", \"parent\": \"pci-device\"}]}");
    check(q, "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": \"nope\"}}",
          "{\"return\": []}");
    g_autoptr(JsonNode) all = xpt_qmp_command(q, "{\"execute\": \"qom-list-types\"}");
    JsonArray *types = json_node_get_array(xpt_qmp_reply_return(all));
    bool found = false;
    for (guint i = 0; i < json_array_get_length(types); i++) {
        JsonObject *t = json_array_get_object_element(types, i);
        g_assert_false(json_object_has_member(t, "abstract"));
        found = found || !strcmp(json_object_get_string_member(t, "name"),
                                 "xen-pci-passthrough");
    }
    g_assert_true(found);
    vm_finish(vm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/transcript-replay", test_transcript_replay);
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/line-endings", test_line_endings);
    g_test_add_func("/qmp/negotiation", test_negotiation);
    g_test_add_func("/qmp/id-echo", test_id_echo);
    g_test_add_func("/qmp/bad-requests", test_bad_requests);
    g_test_add_func("/qmp/framing", test_framing);
    g_test_add_func("/qmp/limits", test_limits);
    g_test_add_func("/qmp/log-ratelimit", test_log_ratelimit);
    g_test_add_func("/qmp/query-pci", test_query_pci);
    g_test_add_func("/qmp/libxl-attach-detach", test_libxl_attach_detach);
    g_test_add_func("/qmp/device-del-coldplugged", test_device_del_coldplugged);
    g_test_add_func("/qmp/hotplug-lifecycle", test_hotplug_lifecycle);
    g_test_add_func("/qmp/hotplug-slots-from-xl", test_hotplug_slots_from_xl);
    g_test_add_func("/qmp/device-del-forced", test_device_del_forced);
    g_test_add_func("/qmp/device-del-after-poweroff", test_device_del_after_poweroff);
    g_test_add_func("/qmp/device-add-errors", test_device_add_errors);
    g_test_add_func("/qmp/prelaunch-coldplug", test_prelaunch_coldplug);
    g_test_add_func("/qmp/stop-cont", test_stop_cont);
    g_test_add_func("/qmp/quit", test_quit);
    g_test_add_func("/qmp/sigterm", test_sigterm);
    g_test_add_func("/qmp/sighup", test_sighup);
    g_test_add_func("/qmp/query-chardev", test_query_chardev);
    g_test_add_func("/qmp/libxl-conversation", test_libxl_conversation);
    g_test_add_func("/qmp/display-defaults", test_display_defaults);
    g_test_add_func("/qmp/display-refusals", test_display_refusals);
    g_test_add_func("/qmp/libqtest-command-line", test_libqtest_command_line);
    g_test_add_func("/qmp/two-monitors", test_two_monitors);
    g_test_add_func("/qmp/vanishing-clients", test_vanishing_clients);
    g_test_add_func("/qmp/stdio", test_qmp_stdio);
    g_test_add_func("/qmp/inherited-fds", test_inherited_fds);
    g_test_add_func("/qmp/bad-options", test_bad_options);
    g_test_add_func("/qmp/query-commands", test_query_commands);
    g_test_add_func("/qmp/qom-list-types", test_qom_list_types);
    return g_test_run();
}
