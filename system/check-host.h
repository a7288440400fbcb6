/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The -check-host command line (issue 14 item 4): a mode of its own, chosen when
 * "-check-host" is among the arguments:
 *
 *   xen-pt-dm -check-host [-json] [-host-sysfs DIR | -host-dump FILE] SBDF... | all
 *
 * It runs the readiness check of hw/host/host-check.h on the named devices (or every
 * endpoint with "all"), asks Xen for its IOMMU capability (xen/xen-physinfo.h) when the
 * source is a sysfs tree, prints the report as text (or JSON with -json) on stdout and
 * returns the exit status: 0 every device ready, 1 a device not ready or a usage error
 * (one line on stderr).
 */
#ifndef XPT_SYSTEM_CHECK_HOST_H
#define XPT_SYSTEM_CHECK_HOST_H

#include <stdbool.h>

/** xpt_check_host_wanted: "-check-host" (or "--check-host") is among @argv. */
bool xpt_check_host_wanted(int argc, char **argv);

/** xpt_check_host_main: run the mode; returns the exit status (0 ready, 1 otherwise). */
int xpt_check_host_main(int argc, char **argv);

#endif
