/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the QMP test programs (test-qmp.c, test-qmp-hotplug.c,
 * test-qmp-monitors.c): the real binary under -accel qtest with a libqtest-style QMP
 * monitor, JSON comparison, and the 82576 passthrough device of a fixture dump. Every
 * check fails the running test (g_assert/g_error) instead of returning an error.
 */
#ifndef XPT_TESTS_QMP_TEST_UTIL_H
#define XPT_TESTS_QMP_TEST_UTIL_H

#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "qtest/client.h"

/* The Intel 82576 of pciutils' test dump: the passthrough device of most QMP tests. */
#define DUMP_82576 "pciutils-tests/cap-pcie-2"
#define HOST_82576 "0000:01:00.0"

/* A running binary and its QMP monitor. */
typedef struct {
    XptQts *qts;
    XptQmp *qmp;            /* the libqtest-style monitor: the binary connects to us */
    JsonNode *greeting;
} QmptVm;

/** qmpt_vm_start: start the binary with a QMP monitor we listen on and the options
 *  @extra (may be NULL); the greeting is kept, and qmp_capabilities sent if @negotiate. */
QmptVm *qmpt_vm_start(const char *extra, bool negotiate);

/** qmpt_vm_finish: stop the binary (closing its qtest socket) and require exit status 0,
 *  which includes the simulated hypervisor's leak check; frees @vm. */
void qmpt_vm_finish(QmptVm *vm);

/** qmpt_parse: @text as JSON (new ref); aborts on bad JSON. */
JsonNode *qmpt_parse(const char *text);

/** qmpt_text_of: compact JSON text of @node, "(null)" for NULL (g_free it). */
char *qmpt_text_of(JsonNode *node);

/** qmpt_assert_json_eq: @got equals @want as JSON, else abort printing both. */
void qmpt_assert_json_eq(JsonNode *got, JsonNode *want);

/** qmpt_assert_json_eq_text: @got equals the JSON text @want. */
void qmpt_assert_json_eq_text(JsonNode *got, const char *want);

/** qmpt_check: send @request, assert the reply equals @want (JSON text). */
void qmpt_check(XptQmp *qmp, const char *request, const char *want);

/** qmpt_check_error: send @request, assert a GenericError with @desc and no "id". */
void qmpt_check_error(XptQmp *qmp, const char *request, const char *desc);

/** qmpt_check_ok: send @request, assert the reply {"return": {}}. */
void qmpt_check_ok(XptQmp *qmp, const char *request);

/** qmpt_check_alive: the session still answers (query-status with an id). */
void qmpt_check_alive(XptQmp *qmp);

/** qmpt_query_pci_devices: the "devices" of query-pci's only bus, bus 0 (new ref). */
JsonArray *qmpt_query_pci_devices(XptQmp *qmp);

/** qmpt_pci_find: the query-pci entry whose qdev_id is @id, as libxl finds its device
 *  (new ref), or NULL. */
JsonObject *qmpt_pci_find(XptQmp *qmp, const char *id);

/** qmpt_device_add_82576: a device_add request for the 82576 fixture with id @id and the
 *  extra JSON members @extra (", \"addr\": ..." or NULL); g_free it. */
char *qmpt_device_add_82576(const char *id, const char *extra);

/** qmpt_assert_no_event: no event is queued on @qmp. */
void qmpt_assert_no_event(XptQmp *qmp);

/** qmpt_event_data: assert @ev is event @name with a well-formed timestamp (seconds
 *  within a minute of now, microseconds < 10^6); its "data" (borrowed) or NULL. */
JsonObject *qmpt_event_data(JsonNode *ev, const char *name);

/** qmpt_assert_same_shape: same members, and the same JSON types member by member
 *  (recursively for objects). */
void qmpt_assert_same_shape(JsonNode *got, JsonNode *want);

#endif
