/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The readiness check's report as text and JSON; see hw/host/host-check.h. */
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "hw/host/host-check.h"
#include "hw/host/host-check-int.h"

unsigned xpt_check_report_count(const XptCheckReport *r)
{
    return r->devices->len;
}

const XptCheckDevice *xpt_check_report_device(const XptCheckReport *r, unsigned i)
{
    return i < r->devices->len ? g_ptr_array_index(r->devices, i) : NULL;
}

bool xpt_check_report_ready(const XptCheckReport *r)
{
    for (unsigned i = 0; i < r->devices->len; i++) {
        if (!((XptCheckDevice *)g_ptr_array_index(r->devices, i))->ready) {
            return false;
        }
    }
    return r->devices->len > 0;
}

static void counts(const XptCheckDevice *d, unsigned *fail, unsigned *warn)
{
    *fail = *warn = 0;
    for (unsigned j = 0; j < d->findings->len; j++) {
        XptCheckLevel l = g_array_index(d->findings, XptCheckFinding, j).level;
        *fail += l == XPT_CHECK_FAIL;
        *warn += l == XPT_CHECK_WARN;
    }
}

char *xpt_check_report_text(const XptCheckReport *r)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "readiness check of %s %s\n", r->is_dump ? "dump" : "sysfs",
                           r->source);
    for (unsigned i = 0; i < r->devices->len; i++) {
        const XptCheckDevice *d = g_ptr_array_index(r->devices, i);
        unsigned fail, warn;
        counts(d, &fail, &warn);
        if (d->vendor_id || d->device_id) {
            g_string_append_printf(s, "%s %04x:%04x class %06x\n", d->sbdf,
                                   d->vendor_id, d->device_id, d->class_code);
        } else {
            g_string_append_printf(s, "%s\n", d->sbdf);
        }
        for (unsigned j = 0; j < d->findings->len; j++) {
            const XptCheckFinding *f = &g_array_index(d->findings, XptCheckFinding, j);
            g_autofree char *level = g_ascii_strup(xpt_check_level_name(f->level), -1);
            g_string_append_printf(s, "  %-4s %-11s %s\n", level, f->check, f->text);
        }
        g_string_append_printf(s, "  verdict: %s: %s (%u problem%s, %u warning%s)\n",
                               d->sbdf, d->ready ? "ready" : "NOT READY", fail,
                               fail == 1 ? "" : "s", warn, warn == 1 ? "" : "s");
    }
    return g_string_free(s, FALSE);
}

char *xpt_check_report_json(const XptCheckReport *r, bool pretty)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    char hex[16];

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "source");
    json_builder_add_string_value(b, r->source);
    json_builder_set_member_name(b, "xen");
    if (!r->xen_known || r->is_dump) {
        json_builder_add_null_value(b);
    } else {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "dom0");
        json_builder_add_boolean_value(b, r->xen.dom0);
        json_builder_set_member_name(b, "directio");
        json_builder_add_boolean_value(b, r->xen.dom0 && r->xen.directio);
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "ready");
    json_builder_add_boolean_value(b, xpt_check_report_ready(r));
    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < r->devices->len; i++) {
        const XptCheckDevice *d = g_ptr_array_index(r->devices, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "sbdf");
        json_builder_add_string_value(b, d->sbdf);
        snprintf(hex, sizeof(hex), "%04x", d->vendor_id);
        json_builder_set_member_name(b, "vendor");
        json_builder_add_string_value(b, hex);
        snprintf(hex, sizeof(hex), "%04x", d->device_id);
        json_builder_set_member_name(b, "device");
        json_builder_add_string_value(b, hex);
        snprintf(hex, sizeof(hex), "%06x", d->class_code);
        json_builder_set_member_name(b, "class");
        json_builder_add_string_value(b, hex);
        json_builder_set_member_name(b, "ready");
        json_builder_add_boolean_value(b, d->ready);
        json_builder_set_member_name(b, "findings");
        json_builder_begin_array(b);
        for (unsigned j = 0; j < d->findings->len; j++) {
            const XptCheckFinding *f = &g_array_index(d->findings, XptCheckFinding, j);
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "level");
            json_builder_add_string_value(b, xpt_check_level_name(f->level));
            json_builder_set_member_name(b, "check");
            json_builder_add_string_value(b, f->check);
            json_builder_set_member_name(b, "message");
            json_builder_add_string_value(b, f->text);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);

    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_pretty(gen, pretty);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}
