/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make bench (issue 15): what the parts of the bench share. bench.c has the options, the
 * results table and main; fixtures.c makes the derived fixtures; start.c the start-up and
 * scale figures (spawned processes, QMP, callgrind); qtest-figures.c the figures of qtest
 * sessions (config accesses, MSI-X, BAR moves, hot-plug). See bench.c for what is measured.
 */
#ifndef XPT_BENCH_H
#define XPT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "qtest/client.h"
#include "tests/testutil.h"

#define SLOT2 0x10
#define NIC_DUMP "pciutils-tests/cap-pcie-2"   /* Intel 82576, 0000:01:00.0 */
#define NIC_BDF "01:00.0"
#define NIC_MSIX_CAP 0x70
#define GPU_DUMP "pciutils-tests/cap-pasid-pri" /* Sky Lake GPU 00:02.0, BAR2 256M 64-bit */
#define VIRTIO_DIR "sysfs-firecracker/devices/0000:00:02.0"
#define GPE_STS 0xafe0
#define GPE_EN 0xafe2
#define B0EJ 0xae08
#define BNUM 0xae10  /* QEMU's PIIX4 only: the bus B0EJ applies to */

#define CG_ACCESSES 4000  /* accesses per callgrind session */

/* the options (bench.c) */
extern int opt_runs;            /* runs per figure (median) */
extern int opt_accesses;        /* accesses per timed run */
extern const char *opt_ours;    /* xen-pt-dm binary, absolute */
extern const char *opt_qemu;    /* QEMU binary */
extern const char *opt_wrap;    /* callgrind wrapper script, absolute */
extern const char *opt_floor;   /* bench/floor.c's program, absolute */
extern bool have_qemu;
extern bool have_valgrind;
extern char *tmpdir;            /* derived fixtures and profiles; removed at the end */

/*
 * A start-up takes a few milliseconds, and one descheduling on a shared machine moves a
 * run by as much: the start-up figures take the median of four times --runs runs, plus
 * one (21 by default), which costs a second or two.
 */
#define START_RUNS (4 * opt_runs + 1)

/* One point of the scale series (the plot): ms and MiB, NAN where not measured. */
typedef struct ScalePoint {
    const char *series; /* "ours-dump", "ours-sysfs" or "qemu" */
    int n;              /* devices */
    double ms, ready_ms, rss_mib; /* start → quit, start → QMP ready, peak RSS */
} ScalePoint;
extern GArray *scale_points;

/* Add one figure to the table: @ours and @qemu in @unit, NAN where not measured. */
void row(const char *section, const char *metric, const char *unit, double ours,
         double qemu);
/* The median of an array of doubles (sorted in place); NAN if empty. */
double median(GArray *a);
/* CLOCK_MONOTONIC in ns. */
double now_ns(void);

/* fixtures.c: derived fixtures in tmpdir, made from the real ones (never edited); each
 * returns the path of what it made (g_free it) */
char *make_multi_dump(void);
char *make_msix2048_dump(void);
char *make_bar_dump(bool big);
char *make_sysfs_tree(void);

/* start.c: spawned start-ups; times in ms, RSS in MiB */
typedef struct StartResult {
    double total_ms, ready_ms, rss_mib, anon_mib;
} StartResult;
/* Median of START_RUNS start → QMP ready → query-pci → quit sessions. */
StartResult start_median(bool qemu, const char *dev_args);
/* A "Key: N kB" line of /proc/PID/status in MiB (NAN if unreadable). */
double status_mib(pid_t pid, const char *key);
/* The start-up section: one dump device, one sysfs device, the floor, QEMU's e1000. */
void bench_startup(const char *sysfs);
/* The scale section: @counts devices of each backend (and QEMU e1000s), the ratio of the
 * last count to the first. */
void bench_scale(const char *multi, const char *sysfs, const int *counts, size_t n_counts);

/* qtest-figures.c: figures of qtest sessions, without (@log false) or with -qtest-log */
void bench_config(bool log);
void bench_msix(bool log);
void bench_msix2048(const char *dump);
void bench_bar(const char *label, const char *dump, uint64_t size, bool log);
void bench_hotplug(bool log);

#endif
