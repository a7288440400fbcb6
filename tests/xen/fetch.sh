#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check-xen, step 1: fetch Debian 12's Xen 4.17, dom0/guest kernel and the small
# user-space tools the nested test needs, as .deb files unpacked under $XPT_XEN_CACHE
# (apt-get download + dpkg -x: nothing is installed system-wide here).
#   out: $XPT_XEN_CACHE/root/   the unpacked packages (boot/xen-4.17-amd64.gz, ...)
#        $XPT_XEN_CACHE/kver    the kernel release the images use (e.g. 6.1.0-57-amd64)
set -eu
C=${XPT_XEN_CACHE:?}
mkdir -p "$C/debs" "$C/root"
cd "$C"

# The kernel Debian's metapackage points at today (dom0 and guest run the same one).
if [ ! -s kver ]; then
    kernel() {
        apt-cache depends linux-image-amd64 2>/dev/null |
            sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -1
    }
    k=$(kernel)
    # A machine whose packages were installed long ago may have no (or old) lists.
    [ -n "$k" ] || { apt-get update -qq >/dev/null 2>&1; k=$(kernel); }
    [ -n "$k" ] || { echo "fetch: no linux-image-amd64 in apt's lists (apt-get update failed?)" >&2; exit 1; }
    echo "$k" > kver
fi
KVER=$(cat kver)

# Xen and its toolstack; dom0's kernel; busybox for both initramfs; SeaBIOS for hvmloader;
# SYSLINUX and mtools/dosfstools to make the guest's boot disk without loop devices.
PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common libxenmisc4.17
      linux-image-$KVER busybox-static xenstore-utils libyajl2 seabios
      syslinux syslinux-common mtools dosfstools"
if [ ! -f debs/.done ] || [ "$(cat debs/.done)" != "$PKGS" ]; then
    rm -f debs/*.deb
    # shellcheck disable=SC2086
    (cd debs && { apt-get download -q $PKGS || { apt-get update -qq && apt-get download -q $PKGS; }; }) || {
        echo "fetch: apt-get download of the Xen 4.17 and kernel packages failed" >&2; exit 1; }
    echo "$PKGS" > debs/.done
    rm -rf root; mkdir root
fi
if [ ! -f root/.done ]; then
    for d in debs/*.deb; do dpkg -x "$d" root; done
    touch root/.done
fi
echo "fetch: Xen $(ls root/boot | sed -n 's/^xen-\(4[^-]*\)-amd64.gz$/\1/p'), kernel $KVER in $C/root"
