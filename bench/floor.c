/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The floor of start-up cost for make bench: a program that loads the same shared
 * libraries as xen-pt-dm (it is linked with the same PKG_LIBS: json-glib, GIO, GObject,
 * GLib, libpci and what they pull in) and does nothing else. Its time to main and its
 * peak RSS are what the libraries cost before any line of the device model runs, so the
 * bench can show how much of xen-pt-dm's start-up is its own (issue 15's ≤ 3 ms and
 * ≤ 4 MiB targets).
 *
 * Protocol with the bench: one byte written to stdout when main runs, then it waits for
 * stdin to close, so that the bench reads its VmHWM from /proc while it is alive (the
 * wait4 ru_maxrss of a posix_spawn child also counts the spawning process's pages).
 * The library calls below are never made; they are there so that a linker run with
 * --as-needed still records every library as needed, as it must for xen-pt-dm.
 */
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <pci/pci.h>

int main(int argc, char **argv)
{
    char c;

    (void)argv;
    if (argc > 1000) {
        g_autoptr(JsonNode) n = json_node_new(JSON_NODE_NULL);
        g_autoptr(GCancellable) cancel = g_cancellable_new();
        pci_cleanup(pci_alloc());
        return n != NULL && cancel != NULL;
    }
    if (write(STDOUT_FILENO, "r", 1) != 1) {
        return 1;
    }
    while (read(STDIN_FILENO, &c, 1) > 0) {
    }
    return 0;
}
