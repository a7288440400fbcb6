/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libpci without exit() (internal to hw/host).
 *
 * libpci reports fatal errors through pci_access->error, which must not return, and
 * its default handler calls exit(). The accesses made here install callbacks that
 * never exit: every libpci call that can fail runs through one of the functions
 * below, where an error longjmp()s back and becomes a false return with libpci's
 * message. Warnings (failed reads/writes) are kept as the reason of a failure.
 */
#ifndef XPT_HW_HOST_HOST_LIBPCI_H
#define XPT_HW_HOST_HOST_LIBPCI_H

#include <glib.h>
#include <pci/pci.h>
#include <stdbool.h>
#include <stdint.h>

/** Length of the reason buffers the functions below fill. */
#define XPT_LIBPCI_MSG_LEN 256

/**
 * xpt_libpci_new: a pci_access with non-exiting callbacks and debugging off, for the
 * dump method on @dump_file when it is non-NULL, else the sysfs method on the folder
 * @sysfs_bus_pci (sysfs.path: a sysfs root's "bus/pci", which the caller has built
 * anyway, so that it is built once per device). @writeable (sysfs only):
 * config files are opened read-write from the first access (devices the model writes:
 * the xen accelerator), so the open happens at attach, before privileges are dropped.
 * Not initialised yet. Fails (XPT_ERROR_FAILED, naming @who) only if libpci lacks the
 * method.
 */
struct pci_access *xpt_libpci_new(const char *dump_file, const char *sysfs_bus_pci,
                                  bool writeable, const char *who, GError **errp);

/** xpt_libpci_init_scan: pci_init() and pci_scan_bus(); false with @why on error. */
bool xpt_libpci_init_scan(struct pci_access *acc, char why[XPT_LIBPCI_MSG_LEN]);

/**
 * xpt_libpci_init_dev: pci_init() and pci_get_dev(@domain:@bus:@dev.@fn) without a bus
 * scan: the sysfs method then reads only that device's folder, so attaching N devices
 * costs N folders, not N scans of the whole tree. The device is not in acc->devices:
 * free it with pci_free_dev() before pci_cleanup(). It need not exist (check its sysfs
 * folder first). NULL with @why on error.
 */
struct pci_dev *xpt_libpci_init_dev(struct pci_access *acc, unsigned domain, unsigned bus,
                                    unsigned dev, unsigned fn, char why[XPT_LIBPCI_MSG_LEN]);

/**
 * xpt_libpci_fill_info: pci_fill_info(@dev, @flags); *known receives the known
 * fields. False with @why if libpci failed (e.g. a mandatory sysfs file is missing).
 */
bool xpt_libpci_fill_info(struct pci_dev *dev, int flags, int *known,
                          char why[XPT_LIBPCI_MSG_LEN]);

/**
 * xpt_libpci_block: pci_read_block() (or pci_write_block() if @write) of @len bytes
 * at @pos. False with @why (libpci's error or warning) if it failed.
 */
bool xpt_libpci_block(struct pci_dev *dev, bool write, unsigned pos, uint8_t *buf,
                      unsigned len, char why[XPT_LIBPCI_MSG_LEN]);

#endif
