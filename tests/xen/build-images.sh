#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check-xen, step 2: build the images the nested run boots, from the packages that
# tests/xen/fetch.sh unpacked and the device model under test.
#   build-images.sh DM OUT
#     DM   the xen-pt-dm binary to test (copied into dom0 as /usr/lib/xen/bin/xen-pt-dm)
#     OUT  output folder: xen.elf, vmlinuz, dom0.cpio.gz, guest-disk.img
# Env: XPT_XEN_CACHE (as for fetch.sh).
set -euo pipefail
DM=$(readlink -f "$1"); OUT=$(readlink -f "$2")
C=${XPT_XEN_CACHE:?}; R=$C/root; KVER=$(cat "$C/kver")
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"

# Xen: the package's gzipped multiboot ELF, unpacked (QEMU's -kernel takes the ELF).
zcat "$R/boot/xen-4.17-amd64.gz" > "$OUT/xen.elf"
cp "$R/boot/vmlinuz-$KVER" "$OUT/vmlinuz"

# ---- helpers ----
LIBPATH=$R/usr/lib/x86_64-linux-gnu:$R/lib/x86_64-linux-gnu
# copy_libs ROOT BINARY: the shared libraries BINARY needs, into ROOT/lib/x86_64-linux-gnu,
# taken from the unpacked packages where they are there, else from this (Debian 12) host.
copy_libs() {
    local root=$1 bin=$2 l b src
    LD_LIBRARY_PATH=$LIBPATH ldd "$bin" | awk '/=>/ { print $3 }' | while read -r l; do
        [ -n "$l" ] || continue
        b=$(basename "$l")
        [ -e "$root/lib/x86_64-linux-gnu/$b" ] && continue
        if [ -e "$R/usr/lib/x86_64-linux-gnu/$b" ]; then src=$R/usr/lib/x86_64-linux-gnu/$b; else src=$l; fi
        cp -L "$src" "$root/lib/x86_64-linux-gnu/$b"
    done
}
# busybox ROOT: busybox and one link per applet.
busybox_into() {
    mkdir -p "$1/bin"
    cp "$R/bin/busybox" "$1/bin/busybox"
    for a in $("$1/bin/busybox" --list); do [ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"; done
}
# add_module DIR NAME: the kernel module NAME and, first, the modules it depends on, into
# DIR; appends the load order to DIR/order. Dependencies come from the module's own
# .modinfo "depends=" (the package ships no modules.dep).
add_module() {
    local dir=$1 n=${2//-/_} f dep
    grep -qx "$n" "$dir/order" 2>/dev/null && return 0
    f=$(find "$R/lib/modules/$KVER/kernel" \( -name "$n.ko" -o -name "${n//_/-}.ko" \) | head -1)
    [ -n "$f" ] || { echo "build-images: kernel module $n not found" >&2; return 1; }
    for dep in $(strings "$f" | sed -n 's/^depends=//p' | tr , ' '); do add_module "$dir" "$dep"; done
    cp "$f" "$dir/$n.ko"
    echo "$n" >> "$dir/order"
}
cpio_gz() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1); }

# ---- dom0: busybox, xl and its daemons, hvmloader, SeaBIOS, the device model ----
I=$OUT/dom0-root
rm -rf "$I"
mkdir -p "$I"/{etc,proc,sys,dev,run,tmp,root,var/lib/xen,var/log/xen,var/lock,usr/bin,usr/sbin}
mkdir -p "$I"/usr/lib/xen-4.17/{bin,boot} "$I/usr/lib/xen/bin" "$I/usr/share/seabios" \
         "$I/lib/x86_64-linux-gnu" "$I/lib64" "$I/lib/modules"
ln -s /run "$I/var/run"
busybox_into "$I"
for b in xl xenstored xen-init-dom0 xenconsoled xenconsole xenctx; do
    cp "$R/usr/lib/xen-4.17/bin/$b" "$I/usr/lib/xen-4.17/bin/"
    copy_libs "$I" "$R/usr/lib/xen-4.17/bin/$b"
    ln -sf ../lib/xen-4.17/bin/$b "$I/usr/sbin/$b"
done
cp "$R/usr/bin/xenstore" "$I/usr/bin/xenstore"
copy_libs "$I" "$R/usr/bin/xenstore"
for t in read write ls list rm exists chmod watch; do ln -sf xenstore "$I/usr/bin/xenstore-$t"; done
cp /lib64/ld-linux-x86-64.so.2 "$I/lib64/"
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$I/lib/x86_64-linux-gnu/"   # pthread_cancel dlopen()s it
cp "$R/usr/lib/xen-4.17/boot/hvmloader" "$I/usr/lib/xen-4.17/boot/"
cp "$R/usr/share/seabios/bios-256k.bin" "$I/usr/share/seabios/"
cp -a "$R/etc/xen" "$I/etc/xen"
cp "$DM" "$I/usr/lib/xen/bin/xen-pt-dm"
copy_libs "$I" "$DM"
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc xen-pciback xen-blkback brd; do
    add_module "$I/lib/modules" "$m"
done
# libxl runs /etc/xen/scripts/block for the guest's phy: PV disk (xl.conf
# run_hotplug_scripts=1): a bash script whose locking.sh needs flock(1), neither of
# which busybox has; both from this (Debian 12) host.
for b in /bin/bash /usr/bin/flock; do
    cp "$b" "$I$b"
    copy_libs "$I" "$b"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$I/etc/passwd"
echo "root:x:0:" > "$I/etc/group"
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >> "$I/etc/passwd"
cp "$HERE/dom0-init.sh" "$I/init"
chmod +x "$I/init"
cpio_gz "$I" > "$OUT/dom0.cpio.gz"

# ---- the guest: a FAT disk with SYSLINUX, the same kernel and a busybox initramfs ----
G=$OUT/guest-root
rm -rf "$G"
mkdir -p "$G"/{proc,sys,dev,mnt,tmp,lib/modules,usr/share/udhcpc}
busybox_into "$G"
for m in nvme e1000e virtio_pci virtio_net virtio_rng button xen-blkfront; do add_module "$G/lib/modules" "$m"; done
cp "$HERE/guest-init.sh" "$G/init"
chmod +x "$G/init"
# The kernel's orderly_poweroff (drivers/xen/manage.c, on xenstore control/shutdown =
# poweroff: what xl shutdown sends once the guest has its event-channel callback) runs
# /sbin/poweroff; busybox's would only signal an init we do not run.
mkdir -p "$G/sbin"
printf '#!/bin/sh\necho "GUEST: POWER-OFF asked by the kernel" > /dev/kmsg\nexec /bin/busybox poweroff -f\n' > "$G/sbin/poweroff"
chmod +x "$G/sbin/poweroff"
# The same for orderly_reboot (xl reboot): busybox's reboot -f, whose reboot(2) makes
# Linux reset through the FADT reset register (0xCF9 on Xen's tables, reboot=acpi):
# the device model's PIIX3 reset control, which asks Xen for SHUTDOWN_reboot.
printf '#!/bin/sh\necho "GUEST: REBOOT asked by the kernel" > /dev/kmsg\nexec /bin/busybox reboot -f\n' > "$G/sbin/reboot"
chmod +x "$G/sbin/reboot"
# The shell getty starts on COM1 (stage 9), whatever login name getty passes.
printf '#!/bin/sh\nexec /bin/sh\n' > "$G/sbin/xpt-console-shell"
chmod +x "$G/sbin/xpt-console-shell"
cpio_gz "$G" > "$OUT/guest-initrd.gz"

T=$R/usr/bin; export PATH=$T:$R/usr/sbin:$R/sbin:$PATH MTOOLS_SKIP_CHECK=1
D=$OUT/guest-disk.img
rm -f "$D"
mkfs.fat -C -n XPTGUEST "$D" 32768 >/dev/null   # 32 MiB FAT, no partition table
cat > "$OUT/syslinux.cfg" <<CFG
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND earlyprintk=xen,keep console=hvc0 loglevel=5 rdinit=/init irqaffinity=0 pci=nocrs
CFG
# irqaffinity=0: interrupts start on vCPU 0, where guest-init.sh opens COM1 (see there).
mcopy -i "$D" "$R/boot/vmlinuz-$KVER" ::vmlinuz
mcopy -i "$D" "$OUT/guest-initrd.gz" ::initrd.gz
mcopy -i "$D" "$OUT/syslinux.cfg" ::syslinux.cfg
syslinux --install "$D"
# A marker past the FAT that the guest reads back through the passed-through NVMe.
truncate -s 34M "$D"
printf 'XPT-NVME-MARKER-0123456789' | dd of="$D" bs=512 seek=66000 conv=notrunc 2>/dev/null
# The same disk for a guest whose MSI-X is delivered by vector, not by pirq and event
# channel: xen_no_vector_callback keeps Linux from pci_xen_hvm_init's pirq MSI
# (arch/x86/pci/xen.c), so it programs and moves MSI-X entries natively (mask, address/
# data, unmask) through Xen's MSI-X table interception. Its event channels then come
# through the Xen platform device's INTx. reboot=pci: stage 8's xl reboot of this guest
# makes Linux write the reset control 0xCF9 itself; by default it skips Xen's FADT reset
# register (not flagged as supported), polls a keyboard controller that is not there and
# goes to the BIOS, whose 0xCF9 write came about 45 s later here (docs/xen.md, "Power-off
# and reboot"), silent time that can put a loaded run over its timeout.
DN=$OUT/guest-disk-native.img
cp "$D" "$DN"
sed 's/pci=nocrs$/pci=nocrs xen_no_vector_callback reboot=pci/' "$OUT/syslinux.cfg" > "$OUT/syslinux-native.cfg"
mcopy -o -i "$DN" "$OUT/syslinux-native.cfg" ::syslinux.cfg
echo "build-images: $(du -h "$OUT/dom0.cpio.gz" | cut -f1) dom0 initramfs, $(du -h "$D" | cut -f1) guest disk (twice)"
