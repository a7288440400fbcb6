/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP monitor end to end (monitor/qmp.h), the protocol: the real binary under -accel
 * qtest with the monitor libqtest uses, driven through a real socket. Device hot-plug
 * is in test-qmp-hotplug.c, run states, several monitors and the command line in
 * test-qmp-monitors.c; their shared helpers in tests/qmp-test-util.h.
 *
 * Conformance: the QEMU 7.2 transcript fixtures/qemu-7.2-reference/qmp-qtest-session.txt
 * is replayed request by request and our replies compared as JSON with QEMU's (events
 * without their timestamps; query-version and query-pci by shape, since the version
 * and the machine differ; e1000 replaced by a passthrough device from a fixture dump).
 * The rest covers greeting, negotiation, ids, hostile input (monitor/json-stream.h),
 * framing, limits, the rate-limited log and introspection.
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
#include "tests/qmp-test-util.h"
#include "tests/testutil.h"

/* ---- conformance with the QEMU 7.2 transcript ---------------------------------------------- */

/* Remove an event's timestamp (checking it first when @ours). */
static void drop_timestamp(JsonNode *msg, bool ours)
{
    JsonObject *o = json_node_get_object(msg);
    if (json_object_has_member(o, "event")) {
        if (ours) {
            qmpt_event_data(msg, json_object_get_string_member(o, "event"));
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
    QmptVm *vm = qmpt_vm_start("-S", false);
    unsigned requests = 0, exact = 0;
    bool greeting_done = false;

    for (unsigned i = 0; lines[i]; i++) {
        if (!greeting_done && g_str_has_prefix(lines[i], "QMP < ")) {
            g_autoptr(JsonNode) want = qmpt_parse(lines[i] + 6);
            qmpt_assert_same_shape(vm->greeting, want);
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
            g_autoptr(JsonNode) want = qmpt_parse(lines[j] + 6);
            g_autoptr(JsonNode) got = xpt_qmp_receive(vm->qmp);
            g_assert_nonnull(got);
            drop_timestamp(want, false);
            drop_timestamp(got, true);
            bool is_event = json_object_has_member(json_node_get_object(want), "event");
            if (strstr(req, "query-version") || strstr(req, "query-pci")) {
                /* our version numbers, our machine: compare the shape only */
                qmpt_assert_same_shape(got, want);
                JsonNode *gid = json_object_get_member(json_node_get_object(got), "id");
                JsonNode *wid = json_object_get_member(json_node_get_object(want), "id");
                g_assert_true(!gid == !wid);
                if (wid) {
                    qmpt_assert_json_eq(gid, wid);
                }
            } else {
                qmpt_assert_json_eq(got, want);
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
    qmpt_vm_finish(vm);
}

/* The greeting's values: our version in QEMU's shape, capabilities ["oob"]. */
static void test_greeting(void)
{
    QmptVm *vm = qmpt_vm_start("", false);
    unsigned major = 0, minor = 0, micro = 0;
    g_assert_cmpint(sscanf(XPT_VERSION, "%u.%u.%u", &major, &minor, &micro), ==, 3);
    g_autofree char *want = g_strdup_printf(
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": %u, \"minor\": %u, \"major\": %u}, "
        "\"package\": \"xen-pt-dm %s\"}, \"capabilities\": [\"oob\"]}}",
        micro, minor, major, XPT_VERSION);
    qmpt_assert_json_eq_text(vm->greeting, want);
    /* query-version says the same */
    xpt_qmp_negotiate(vm->qmp);
    g_autoptr(JsonNode) r = xpt_qmp_command(vm->qmp, "{\"execute\": \"query-version\"}");
    JsonNode *v = json_object_get_member(json_node_get_object(vm->greeting), "QMP");
    qmpt_assert_json_eq(xpt_qmp_reply_return(r), json_object_get_member(json_node_get_object(v),
                                                                        "version"));
    qmpt_vm_finish(vm);
}

/* Lines end in "\r\n" (raw check), and a command without a newline is answered. */
static void test_line_endings(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    const char *req = "{\"execute\":\"query-status\",\"id\":\"raw\"}";
    xpt_qmp_send_raw(vm->qmp, req, strlen(req));
    g_autofree char *line = xpt_qmp_receive_line(vm->qmp);   /* split at "\r\n" */
    g_assert_nonnull(line);
    g_assert_null(strchr(line, '\n'));
    g_assert_null(strchr(line, '\r'));
    g_autoptr(JsonNode) r = qmpt_parse(line);
    qmpt_assert_json_eq_text(r, "{\"return\": {\"status\": \"running\", \"singlestep\": false, "
                           "\"running\": true}, \"id\": \"raw\"}");
    qmpt_vm_finish(vm);
}

/* Negotiation: before it only qmp_capabilities exists; id is echoed even then. */
static void test_negotiation(void)
{
    QmptVm *vm = qmpt_vm_start("", false);
    XptQmp *q = vm->qmp;
    qmpt_check(q, "{\"execute\": \"query-pci\", \"id\": 3}",
               "{\"id\": 3, \"error\": {\"class\": \"CommandNotFound\", \"desc\": "
               "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
    qmpt_check(q, "{\"execute\": \"nonsense\"}",
               "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
               "\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}");
    /* non-CommandNotFound errors keep their text */
    qmpt_check_error(q, "{\"execute\": \"query-status\", \"foo\": 1}",
                     "QMP input member 'foo' is unexpected");
    qmpt_check_error(q, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"x\"]}}",
                     "Parameter 'null' does not accept value 'x'");
    qmpt_check_error(q, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [1]}}",
                     "Invalid parameter type for 'enable[0]', expected: string");
    qmpt_check_error(q, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": \"oob\"}}",
                     "Invalid parameter type for 'enable', expected: array");
    /* exec-oob is not a member before oob is enabled */
    qmpt_check_error(q, "{\"exec-oob\": \"query-status\"}",
                     "QMP input member 'exec-oob' is unexpected");
    qmpt_check(q, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}, "
             "\"id\": \"n\"}", "{\"return\": {}, \"id\": \"n\"}");
    qmpt_check(q, "{\"execute\": \"qmp_capabilities\"}",
               "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
               "\"Capabilities negotiation is already complete, command ignored\"}}");
    /* with oob enabled: exec-oob is understood, but no command allows it */
    qmpt_check_error(q, "{\"exec-oob\": \"query-status\"}",
                     "The command query-status does not support OOB");
    qmpt_check(q, "{\"exec-oob\": \"nope\", \"id\": 1}",
               "{\"id\": 1, \"error\": {\"class\": \"CommandNotFound\", \"desc\": "
               "\"The command nope has not been found\"}}");
    qmpt_check_error(q, "{\"exec-oob\": \"query-status\", \"execute\": \"query-status\"}",
                     "QMP input member 'execute' clashes with 'exec-oob'");
    qmpt_check_alive(q);
    qmpt_vm_finish(vm);
}

/* "id" of any JSON type comes back unchanged, on success and on error. */
static void test_id_echo(void)
{
    static const char *const ids[] = {
        "\"s\"", "0", "-17", "9007199254740993", "1.5", "true", "false", "null", "[]",
        "[1, \"two\", [3]]", "{}", "{\"a\": {\"b\": [null, 2.25]}}", "\"\\u00e9\\n\"",
    };
    QmptVm *vm = qmpt_vm_start("", true);
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autoptr(JsonNode) id = qmpt_parse(ids[i]);
        g_autoptr(JsonNode) ok = xpt_qmp_command(vm->qmp, "{\"execute\": \"query-status\", "
                                                 "\"id\": %s}", ids[i]);
        g_assert_nonnull(xpt_qmp_reply_return(ok));
        qmpt_assert_json_eq(json_object_get_member(json_node_get_object(ok), "id"), id);
        g_autoptr(JsonNode) bad = xpt_qmp_command(vm->qmp, "{\"id\": %s, \"execute\": "
                                                  "\"no-such\"}", ids[i]);
        g_assert_cmpstr(xpt_qmp_reply_class(bad), ==, "CommandNotFound");
        qmpt_assert_json_eq(json_object_get_member(json_node_get_object(bad), "id"), id);
    }
    /* errors found after the envelope was read carry the id too */
    qmpt_check(vm->qmp, "{\"id\": 5}",
               "{\"id\": 5, \"error\": {\"class\": \"GenericError\", \"desc\": "
               "\"QMP input lacks member 'execute'\"}}");
    qmpt_check(vm->qmp, "{\"execute\": \"device_del\", \"id\": \"d\"}",
               "{\"id\": \"d\", \"error\": {\"class\": \"GenericError\", \"desc\": "
               "\"Parameter 'id' is missing\"}}");
    /* parse errors never do */
    qmpt_check_error(vm->qmp, "{\"execute\": \"query-status\", \"id\": 7,}",
                     "JSON parse error, expecting value");
    qmpt_vm_finish(vm);
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
    QmptVm *vm = qmpt_vm_start("", true);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        qmpt_check_error(vm->qmp, cases[i].req, cases[i].desc);
        qmpt_check_alive(vm->qmp);
    }
    qmpt_vm_finish(vm);
}

/* Framing: split writes, several requests per write, whitespace, single quotes,
 * stray bytes and resynchronisation. */
static void test_framing(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    XptQmp *q = vm->qmp;

    /* one request over three writes */
    const char *part1 = "{\"execute\": \"query-", *part2 = "status\",\n  \"id\"";
    xpt_qmp_send_raw(q, part1, strlen(part1));
    g_usleep(20000);
    xpt_qmp_send_raw(q, part2, strlen(part2));
    g_usleep(20000);
    qmpt_check(q, ": \"split\"}", "{\"return\": {\"status\": \"running\", \"singlestep\": false, "
                             "\"running\": true}, \"id\": \"split\"}");
    /* three requests in one write, answered in order */
    const char *three = "{\"execute\":\"cont\",\"id\":1}{\"execute\":\"cont\",\"id\":2} \r\n"
                        "\t{\"execute\":\"cont\",\"id\":3}";
    xpt_qmp_send_raw(q, three, strlen(three));
    for (int i = 1; i <= 3; i++) {
        g_autoptr(JsonNode) r = xpt_qmp_receive(q);
        g_autofree char *want = g_strdup_printf("{\"return\": {}, \"id\": %d}", i);
        qmpt_assert_json_eq_text(r, want);
    }
    /* QEMU accepts single-quoted strings */
    qmpt_check(q, "{'execute': 'cont', 'id': 'sq'}", "{\"return\": {}, \"id\": \"sq\"}");
    /* a stray control byte in a string: error, recovery, then the rest of that object
     * is skipped up to its '}' (which alone is another error), as QEMU's lexer does */
    const char *ctl = "{\"execute\": \"query-\x01status\"}";
    xpt_qmp_send_raw(q, ctl, strlen(ctl));
    g_autoptr(JsonNode) e1 = xpt_qmp_receive(q);
    g_autoptr(JsonNode) e2 = xpt_qmp_receive(q);
    g_assert_cmpstr(xpt_qmp_reply_desc(e1), ==, "JSON parse error, stray '\\x01'");
    g_assert_cmpstr(xpt_qmp_reply_desc(e2), ==, "JSON parse error, expecting value");
    qmpt_check_alive(q);
    const char *hash = "{\"execute\": \"query-status\" # }";
    xpt_qmp_send_raw(q, hash, strlen(hash));
    g_autoptr(JsonNode) e3 = xpt_qmp_receive(q);
    g_autoptr(JsonNode) e4 = xpt_qmp_receive(q);
    g_assert_cmpstr(xpt_qmp_reply_desc(e3), ==, "JSON parse error, stray '#'");
    g_assert_cmpstr(xpt_qmp_reply_desc(e4), ==, "JSON parse error, expecting value");
    qmpt_check_alive(q);
    /* 0xFF between requests resynchronises silently; inside one it drops the request */
    xpt_qmp_send_raw(q, "\xff\xff", 2);
    qmpt_check_alive(q);
    qmpt_check_error(q, "{\"execute\": \xff", "JSON parse error, stray '\\\\xff'");
    qmpt_check_alive(q);
    qmpt_vm_finish(vm);
}

/* Limits: an oversized request and deep nesting cost one error each, nothing more. */
static void test_limits(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    XptQmp *q = vm->qmp;

    g_autoptr(GString) big = g_string_new("{\"execute\": \"query-status\", \"id\": \"");
    for (int i = 0; i < 100000; i++) {
        g_string_append(big, "{[\\\"");    /* brackets inside a string do not count */
    }
    g_string_append(big, "\"}");
    qmpt_check_error(q, big->str, "JSON token size limit exceeded");
    qmpt_check_alive(q);

    g_autoptr(GString) deep = g_string_new(NULL);
    for (int i = 0; i < 1100; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < 1100; i++) {
        g_string_append_c(deep, ']');
    }
    qmpt_check_error(q, deep->str, "JSON nesting depth limit exceeded");
    qmpt_check_alive(q);

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
    qmpt_assert_no_event(q);
    qmpt_vm_finish(vm);
}

/* What a flooding client can make the -d qmp log print is rate-limited. */
static void test_log_ratelimit(void)
{
    QmptVm *vm = qmpt_vm_start("-d qmp", true);
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
    qmpt_check_alive(vm->qmp);
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
    qmpt_vm_finish(vm);
}

/* ---- introspection -------------------------------------------------------------------------- */

static void test_query_commands(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    qmpt_check(vm->qmp, "{\"execute\": \"query-commands\"}",
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
    qmpt_vm_finish(vm);
}

static void test_qom_list_types(void)
{
    QmptVm *vm = qmpt_vm_start("", true);
    XptQmp *q = vm->qmp;
    qmpt_check(q, "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": "
             "\"pci-device\"}}",
               "{\"return\": [{\"name\": \"xen-pci-passthrough\", \"parent\": \"pci-device\"}, "
               "{\"name\": \"i440FX\", \"parent\": \"pci-device\"}, "
               "{\"name\": \"PIIX3\", \"parent\": \"pci-device\"}, "
               "{\"name\": \"PIIX4_PM\", \"parent\": \"pci-device\"}]}");
    qmpt_check(q, "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": "
             "\"device\", \"abstract\": true}}",
               "{\"return\": [{\"name\": \"device\", \"abstract\": true, \"parent\": \"object\"}, "
               "{\"name\": \"pci-device\", \"abstract\": true, \"parent\": \"device\"}, "
               "{\"name\": \"xen-pci-passthrough\", \"parent\": \"pci-device\"}, "
               "{\"name\": \"i440FX\", \"parent\": \"pci-device\"}, "
               "{\"name\": \"PIIX3\", \"parent\": \"pci-device\"}, "
               "{\"name\": \"PIIX4_PM\", \"parent\": \"pci-device\"}]}");
    qmpt_check(q, "{\"execute\": \"qom-list-types\", \"arguments\": {\"implements\": \"nope\"}}",
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
    qmpt_vm_finish(vm);
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
    g_test_add_func("/qmp/query-commands", test_query_commands);
    g_test_add_func("/qmp/qom-list-types", test_qom_list_types);
    return g_test_run();
}
