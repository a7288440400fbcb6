#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: pass a real device of this machine through under the qtest accelerator
# (read-only: its config space is read once, nothing is written to it), or a bundled
# real-hardware dump when the machine has no PCI endpoint, and show the guest's view.
# usage: demo.sh BUILD [SBDF]: SBDF (make demo DEV=...) picks the device; without it,
# the first endpoint of /sys/bus/pci/devices.
set -eu
BUILD=${1:-build}
DEV=${2:-}
FIXTURES=${XPT_FIXTURES:-tests/fixtures}

dev=""
if [ -n "$DEV" ]; then
    case "$DEV" in
        [0-9a-fA-F][0-9a-fA-F]:[0-9a-fA-F][0-9a-fA-F].[0-7]) DEV="0000:$DEV" ;;
    esac
    DEV=$(echo "$DEV" | tr 'A-F' 'a-f')
    if [ ! -e "/sys/bus/pci/devices/$DEV/config" ]; then
        echo "make demo: DEV=$DEV: no such PCI device on this machine; \`lspci -D\` lists them (DEV=SSSS:BB:DD.F)" >&2
        exit 1
    fi
    dev=$DEV
fi
[ -n "$dev" ] || for d in /sys/bus/pci/devices/*; do
    [ -r "$d/config" ] || continue
    class=$(cat "$d/class" 2>/dev/null || echo 0)
    # endpoints only: header type 0 and not a bridge (class 0x06xxxx)
    htype=$(od -An -tx1 -j14 -N1 "$d/config" 2>/dev/null | tr -d ' ')
    case "$class" in 0x06*) continue ;; esac
    [ "$(( 0x${htype:-ff} & 0x7f ))" = 0 ] || continue
    dev=$(basename "$d")
    break
done

if [ -n "$dev" ]; then
    echo "== Passing through this machine's $dev ($(cat /sys/bus/pci/devices/$dev/vendor):$(cat /sys/bus/pci/devices/$dev/device)), read-only, under -accel qtest =="
    check="$dev"
    set -- -device "xen-pci-passthrough,hostaddr=$dev,id=hostdev0"
else
    echo "== No PCI endpoint on this machine: passing through an Intel 82576 NIC from a real lspci dump =="
    check="-host-dump $FIXTURES/pciutils-tests/cap-pcie-2 0000:01:00.0"
    set -- -device "xen-pci-passthrough,hostaddr=0000:01:00.0,id=nic0,host-dump=$FIXTURES/pciutils-tests/cap-pcie-2"
fi
echo
# What would stop it on a real Xen dom0 (exit status 1 = not ready: shown, not fatal).
echo "== Readiness check: xen-pt-dm -check-host $check =="
# shellcheck disable=SC2086
"$BUILD/xen-pt-dm" -check-host $check || true
echo
exec "$BUILD/tests/tools/guest-view" -- "$@"
