/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpci calls that never exit(); see hw/host/host-libpci.h. */
#include "hw/host/host-libpci.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/host/host-dump.h"
#include "util/error.h"
#include "util/file.h"

typedef struct LibpciTrap {
    jmp_buf env;
} LibpciTrap;

static _Thread_local LibpciTrap *libpci_trap;
static _Thread_local char libpci_error_msg[XPT_LIBPCI_MSG_LEN];
static _Thread_local char libpci_warning[XPT_LIBPCI_MSG_LEN];

static G_NORETURN void G_GNUC_PRINTF(1, 2) libpci_error_cb(char *fmt, ...)
{
    LibpciTrap *trap = libpci_trap;
    va_list ap;

    va_start(ap, fmt);
    if (trap) {
        vsnprintf(libpci_error_msg, sizeof(libpci_error_msg), fmt, ap);
        va_end(ap);
        longjmp(trap->env, 1);
    }
    /* A libpci call outside libpci_guard() is a bug of this file. */
    fputs("xen-pt-dm: libpci error outside a guarded call: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static void G_GNUC_PRINTF(1, 2) libpci_warning_cb(char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(libpci_warning, sizeof(libpci_warning), fmt, ap);
    va_end(ap);
}

static void G_GNUC_PRINTF(1, 2) libpci_debug_cb(char *fmt G_GNUC_UNUSED, ...)
{
}

typedef struct LibpciOp {
    enum { OP_INIT_SCAN, OP_INIT_DEV, OP_FILL_INFO, OP_READ, OP_WRITE } kind;
    struct pci_access *acc;
    struct pci_dev *dev;
    int arg;        /* fill flags, or block position */
    int addr[4];    /* OP_INIT_DEV: domain, bus, device, function */
    uint8_t *buf;
    int len;
    int result;     /* known fields, or block success */
} LibpciOp;

static void libpci_run(LibpciOp *op)
{
    switch (op->kind) {
    case OP_INIT_SCAN:
        pci_init(op->acc);
        pci_scan_bus(op->acc);
        op->result = 1;
        break;
    case OP_INIT_DEV:
        pci_init(op->acc);
        op->dev = pci_get_dev(op->acc, op->addr[0], op->addr[1], op->addr[2], op->addr[3]);
        op->result = op->dev != NULL;
        break;
    case OP_FILL_INFO:
        op->result = pci_fill_info(op->dev, op->arg);
        break;
    case OP_READ:
        op->result = pci_read_block(op->dev, op->arg, op->buf, op->len);
        break;
    case OP_WRITE:
        op->result = pci_write_block(op->dev, op->arg, op->buf, op->len);
        break;
    }
}

/* Run @op; on a libpci error return false with its message in @why. */
static bool libpci_guard(LibpciOp *op, char why[XPT_LIBPCI_MSG_LEN])
{
    LibpciTrap trap;

    libpci_error_msg[0] = '\0';
    libpci_warning[0] = '\0';
    why[0] = '\0';
    libpci_trap = &trap;
    if (setjmp(trap.env) != 0) {
        libpci_trap = NULL;
        g_strlcpy(why, libpci_error_msg, XPT_LIBPCI_MSG_LEN);
        return false;
    }
    libpci_run(op);
    libpci_trap = NULL;
    return true;
}

struct pci_access *xpt_libpci_new(const char *dump_file, const char *sysfs_bus_pci,
                                  bool writeable, const char *who, GError **errp)
{
    struct pci_access *acc = pci_alloc();
    int rc;

    /* Open config files read-write from the first access, so that a device attached
     * before -chroot/-runas stays writable afterwards (libpci keeps the fd). */
    acc->writeable = writeable && !dump_file;
    acc->error = libpci_error_cb;
    acc->warning = libpci_warning_cb;
    acc->debug = libpci_debug_cb;
    acc->debugging = 0;
    acc->numeric_ids = 1;
    if (dump_file) {
        acc->method = PCI_ACCESS_DUMP;
        rc = pci_set_param(acc, (char *)"dump.name", (char *)dump_file);
    } else {
        acc->method = PCI_ACCESS_SYS_BUS_PCI;
        rc = pci_set_param(acc, (char *)"sysfs.path", (char *)sysfs_bus_pci);
    }
    if (rc) {
        g_set_error(errp, XPT_ERROR, XPT_ERROR_FAILED,
                    "%s: this libpci has no %s access method; install a libpci built "
                    "with it", who, dump_file ? "dump" : "sysfs");
        pci_cleanup(acc);
        return NULL;
    }
    return acc;
}

/*
 * A dump that libpci's reader would refuse only for its long -vv lines (issue 13 item
 * 9) is read through a copy holding what that reader uses (xpt_host_dump_for_libpci),
 * in a memfd named by /proc/self/fd (or, without /proc, a temporary file); *fd and
 * *tmp receive what to close or remove after pci_init, which reads the file whole.
 * The original's name is put back then. False with @why if the copy cannot be made.
 */
static bool dump_copy_for_libpci(struct pci_access *acc, const char *name, int *fd,
                                 char **tmp, char why[XPT_LIBPCI_MSG_LEN])
{
    g_autoptr(GError) err = NULL;
    size_t len = 0;
    g_autofree char *text = (char *)xpt_file_read_regular(name, name, "host-dump",
                                                          XPT_FILE_MAX, &len, &err);
    if (!text) {
        g_strlcpy(why, err->message, XPT_LIBPCI_MSG_LEN);
        return false;
    }
    text = g_realloc(text, len + 1);
    text[len] = '\0';
    g_autofree char *copy = xpt_host_dump_for_libpci(text);
    if (!copy) {
        return true;                    /* libpci reads the original */
    }
    g_autofree char *path = NULL;
    *fd = memfd_create("xpt-dump", MFD_CLOEXEC);
    if (*fd >= 0) {
        path = g_strdup_printf("/proc/self/fd/%d", *fd);
    }
    if (*fd < 0 || !g_file_test(path, G_FILE_TEST_EXISTS)) {
        if (*fd >= 0) {
            close(*fd);
        }
        g_clear_pointer(&path, g_free);
        *fd = g_file_open_tmp("xpt-dump-XXXXXX", &path, &err);
        if (*fd < 0) {
            g_strlcpy(why, err->message, XPT_LIBPCI_MSG_LEN);
            return false;
        }
        *tmp = g_strdup(path);
    }
    size_t n = strlen(copy);
    for (size_t done = 0; done < n;) {
        ssize_t w = write(*fd, copy + done, n - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            g_snprintf(why, XPT_LIBPCI_MSG_LEN, "cannot write the copy of %s for libpci: %s",
                       name, g_strerror(errno));
            return false;
        }
        done += (size_t)w;
    }
    pci_set_param(acc, (char *)"dump.name", path);
    return true;
}

bool xpt_libpci_init_scan(struct pci_access *acc, char why[XPT_LIBPCI_MSG_LEN])
{
    LibpciOp op = { .kind = OP_INIT_SCAN, .acc = acc };
    if (acc->method != PCI_ACCESS_DUMP) {
        return libpci_guard(&op, why);
    }
    g_autofree char *name = g_strdup(pci_get_param(acc, (char *)"dump.name"));
    int fd = -1;
    g_autofree char *tmp = NULL;
    bool ok = dump_copy_for_libpci(acc, name, &fd, &tmp, why) && libpci_guard(&op, why);
    if (fd >= 0) {
        close(fd);
        pci_set_param(acc, (char *)"dump.name", name);
    }
    if (tmp) {
        unlink(tmp);
    }
    return ok;
}

struct pci_dev *xpt_libpci_init_dev(struct pci_access *acc, unsigned domain, unsigned bus,
                                    unsigned dev, unsigned fn, char why[XPT_LIBPCI_MSG_LEN])
{
    LibpciOp op = { .kind = OP_INIT_DEV, .acc = acc,
                    .addr = { (int)domain, (int)bus, (int)dev, (int)fn } };

    if (!libpci_guard(&op, why)) {
        return NULL;
    }
    if (!op.dev) {
        g_strlcpy(why, "libpci could not allocate the device", XPT_LIBPCI_MSG_LEN);
    }
    return op.dev;
}

bool xpt_libpci_fill_info(struct pci_dev *dev, int flags, int *known,
                          char why[XPT_LIBPCI_MSG_LEN])
{
    LibpciOp op = { .kind = OP_FILL_INFO, .dev = dev, .arg = flags };
    bool ok = libpci_guard(&op, why);
    *known = ok ? op.result : 0;
    return ok;
}

bool xpt_libpci_block(struct pci_dev *dev, bool write, unsigned pos, uint8_t *buf,
                      unsigned len, char why[XPT_LIBPCI_MSG_LEN])
{
    LibpciOp op = { .kind = write ? OP_WRITE : OP_READ, .dev = dev, .arg = (int)pos,
                    .buf = buf, .len = (int)len };

    if (!libpci_guard(&op, why)) {
        return false;
    }
    if (!op.result) {
        g_strlcpy(why, libpci_warning[0] ? libpci_warning : "libpci reported failure",
                  XPT_LIBPCI_MSG_LEN);
        return false;
    }
    return true;
}
