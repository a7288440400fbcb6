#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dom0's /init for make check-xen: start the Xen daemons, then run the stages against
# xen-pt-dm with xl, and report on the console (hvc0 -> Xen's console -> L1's serial):
#   XPT-EV N <line>                   evidence for stage N (log excerpts)
#   XPT-RESULT N PASS|FAIL <summary>  the verdict of stage N
#   XPT-DONE                          all stages ran
# Devices from the kernel command line: xpt_pt=SBDF+SBDF (cold-plugged), xpt_hp=SBDF+SBDF
# (hot-plugged, in that order).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /tmp
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen /var/lock

now() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }
log() { echo "XPT-LOG [$(now)s] $*"; }
ev() { sed "s/^/XPT-EV $1 /"; }                  # evidence for stage $1, from stdin
result() { echo "XPT-RESULT $1 $2 [$(now)s] $3"; }
arg() { sed -n "s/.*$1=\([0-9a-f:.+]*\).*/\1/p" /proc/cmdline | tr + ' '; }
PT=$(arg xpt_pt); HP=$(arg xpt_hp)
DMLOG=/var/log/xen/qemu-dm-xpt.log
finish() {
    echo "XPT-DONE"
    sync; poweroff -f
}
# wait_for PATTERN SECONDS: until `xl dmesg` has a line matching PATTERN (extended regex).
wait_for() {
    local t=$(( $(now) + $2 ))
    while [ "$(now)" -lt $t ]; do
        xl dmesg | grep -q -E "$1" && return 0
        sleep 2
    done
    return 1
}
guest_lines() { xl dmesg | grep -a -E "\(d$1\) .*GUEST: " | sed 's/.*GUEST: /GUEST: /'; }

log "dom0 up: kernel $(uname -r), passthrough '$PT', hot-plug '$HP'"
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko || log "insmod $m failed"; done
mount -t xenfs xenfs /proc/xen
xenstored --pid-file=/run/xen/xenstored.pid
sleep 1
xen-init-dom0 >/dev/null
xenconsoled --pid-file=/run/xen/xenconsoled.pid --log=none
if ! xl info > /tmp/xl-info 2>&1; then
    ev 1 < /tmp/xl-info
    result 1 FAIL "xl info failed: the toolstack did not come up"
    finish
fi
grep -E '^(xen_version|virt_caps|nr_cpus)' /tmp/xl-info | ev 1
xl dmesg | grep -E 'HVM: (SVM|VMX) enabled|HAP|Intel VT-d.*(enabled|Interrupt Remapping)|I/O virtualisation' | head -8 | ev 1
for d in $PT $HP; do
    xl pci-assignable-add "$d" > /tmp/pa.log 2>&1 || { ev 1 < /tmp/pa.log; log "pci-assignable-add $d failed"; }
done

# ---- stage 1: xl create with xl's default display settings ----
PCICFG=""; for d in $PT; do PCICFG="$PCICFG\"$d\", "; done
cat > /etc/xen/xpt.cfg <<CFG
# a passthrough-only HVM guest with xl's defaults (VNC on, default VGA, no serial line)
name = "xpt"
type = "hvm"
memory = 256
vcpus = 2
device_model_version = "qemu-xen"
device_model_override = "/usr/lib/xen/bin/xen-pt-dm"
device_model_args = [ "-d", "hv" ]
boot = "c"
pci = [ $PCICFG ]
CFG
# create_guest N: xl create; evidence and verdict of the start-up for stage N.
create_guest() {
    local st=$1 rc t0 domid state
    t0=$(now)
    xl -vvv create /etc/xen/xpt.cfg > /tmp/create.log 2>&1; rc=$?
    domid=$(xl domid xpt 2>/dev/null)
    state=$(xenstore-read /local/domain/0/device-model/$domid/state 2>/dev/null)
    grep -E 'error|fail|warn|running|query-chardev|qmp' /tmp/create.log | grep -v -E 'libxl_event|ev_fd' | tail -15 | ev $st
    log "xl create rc=$rc in $(( $(now) - t0 ))s, domid '$domid', device-model state '$state'"
    echo "xl create rc=$rc domid=$domid device-model state=$state" | ev $st
    DOMID=$domid
    [ $rc = 0 ] && [ "$state" = running ] || return 1
    wait_for "\(d$domid\) .*(Invoking SeaBIOS|Booting from)" 120 || return 2
    xl dmesg | grep -a -E "\(d$domid\) .*(HVM Loader|pci dev|PCI-ISA link|Invoking|Found [0-9]+ PCI)" | head -30 | ev $st
    [ -f $DMLOG ] && head -20 $DMLOG | ev $st
    return 0
}
create_guest 1; rc=$?
if [ $rc = 0 ] && xl dmesg | grep -a -q -E "\(d$DOMID\) pci dev 0[2-9]:0 bar"; then
    result 1 PASS "xl create with xl's defaults: running, hvmloader placed the passthrough BARs"
else
    tail -30 /tmp/create.log | ev 1; [ -f $DMLOG ] && tail -20 $DMLOG | ev 1
    result 1 FAIL "xl create with xl's defaults (step $rc)"
    for s in 2 3 4; do result $s FAIL "not run: stage 1 failed"; done
    xl destroy xpt 2>/dev/null
fi

# ---- stage 2: the Linux guest's NVMe (MSI-X) and e1000e ----
if [ $rc = 0 ]; then
    T=$(now)
    wait_for "\(d$DOMID\) .*GUEST: E1000E-(OK|BAD)" ${XPT_GUEST_WAIT:-600}
    guest_lines $DOMID | head -40 | ev 2
    grep -E 'pirq|msi|MSI' $DMLOG | head -20 | ev 2
    log "guest reached stage 2's end in $(( $(now) - T ))s"
    if guest_lines $DOMID | grep -q NVME-OK && guest_lines $DOMID | grep -q E1000E-OK; then
        result 2 PASS "Linux guest: NVMe I/O with MSI-X interrupts, e1000e DHCP + ping"
    else
        xl dmesg | grep -a -E "\(d$DOMID\)" | tail -40 | ev 2
        result 2 FAIL "Linux guest: NVMe or e1000e did not work"
    fi
    # ---- stage 3: interrupt affinity ----
    wait_for "\(d$DOMID\) .*GUEST: AFFINITY-(OK|BAD)" 120
    guest_lines $DOMID | grep -E 'affinity|irq' | tail -12 | ev 3
    if guest_lines $DOMID | grep -q AFFINITY-OK; then
        result 3 PASS "interrupts keep arriving after affinity changes and a vCPU offline/online"
    else
        result 3 FAIL "interrupt affinity change"
    fi
fi

# ---- stage 4: hot-plug into the running guest ----
# seen_in_guest DOMID PATTERN SECONDS: the guest's newest PCI-NOW line matches PATTERN;
# gone_from_guest: until it no longer does.
seen_in_guest() {
    local t=$(( $(now) + $3 ))
    while [ "$(now)" -lt $t ]; do
        guest_lines $1 | grep PCI-NOW | tail -1 | grep -q -E "$2" && return 0
        sleep 2
    done
    return 1
}
gone_from_guest() {
    local t=$(( $(now) + $3 ))
    while [ "$(now)" -lt $t ]; do
        guest_lines $1 | grep PCI-NOW | tail -1 | grep -q -E "$2" || return 0
        sleep 2
    done
    return 1
}
# attach SBDF: xl pci-attach; the guest must still be the same domain afterwards.
attach() {
    local rc
    xl -vvv pci-attach xpt "$1" > /tmp/att.log 2>&1; rc=$?
    grep -E 'device_add|query-pci|error|rc=' /tmp/att.log | grep -v ' ev 0x' | tail -4 | ev 4
    echo "xl pci-attach $1: rc=$rc" | ev 4
    [ "$(xl domid xpt 2>/dev/null)" = "$DOMID" ] || { echo "the guest is no longer domain $DOMID" | ev 4; return 1; }
    [ $rc = 0 ]
}
# detach SBDF: xl pci-detach, timed; it must succeed well before libxl's 10 s timeout.
detach() {
    local t0 rc dt
    t0=$(date +%s)
    xl -vvv pci-detach xpt "$1" > /tmp/det.log 2>&1; rc=$?
    dt=$(( $(date +%s) - t0 ))
    grep -E 'DEVICE_DELETED|device_del|timed out|timeout|error' /tmp/det.log | tail -4 | ev 4
    echo "xl pci-detach $1: rc=$rc in ${dt}s" | ev 4
    [ $rc = 0 ] && [ $dt -lt 10 ]
}
HP1=${HP%% *}; HP2=${HP#* }
if [ $rc = 0 ] && wait_for "\(d$DOMID\) .*GUEST: READY-FOR-HOTPLUG" 60; then
    ok=1
    attach "$HP1" || ok=0
    seen_in_guest $DOMID '0000:00:06.0=[^ ]*:virtio-pci' 60 || { ok=0; echo "guest did not bind slot 6" | ev 4; }
    guest_lines $DOMID | grep PCI-NOW | tail -1 | ev 4
    detach "$HP1" || ok=0
    gone_from_guest $DOMID '0000:00:06.0=' 30 || { ok=0; echo "slot 6 still in the guest" | ev 4; }
    xl pci-list xpt | ev 4
    attach "$HP1" || ok=0
    seen_in_guest $DOMID '0000:00:06.0=[^ ]*:virtio-pci' 60 || { ok=0; echo "re-attach: guest did not bind slot 6" | ev 4; }
    attach "$HP2" || ok=0
    seen_in_guest $DOMID '0000:00:07.0=[^ ]*:virtio-pci' 60 || { ok=0; echo "guest did not bind slot 7" | ev 4; }
    guest_lines $DOMID | grep PCI-NOW | tail -1 | ev 4
    xl pci-list xpt | ev 4
    detach "$HP2" || ok=0
    detach "$HP1" || ok=0
    tail -15 $DMLOG | ev 4
    [ $ok = 1 ] && result 4 PASS "pci-attach to slots 6 and 7, guest binds, detach without the 10 s timeout, re-attach" \
                || result 4 FAIL "hot-plug"
elif [ $rc = 0 ]; then
    result 4 FAIL "not run: the guest never reached its hot-plug loop"
fi

# ---- stage 5: destroy, and create again ----
ok=1
xl destroy xpt > /tmp/destroy.log 2>&1 || { ok=0; ev 5 < /tmp/destroy.log; }
sleep 2
n=$(ps | grep -v grep | grep -c xen-pt-dm)
echo "after xl destroy: $n xen-pt-dm processes" | ev 5
[ -f $DMLOG ] && tail -5 $DMLOG | ev 5
[ "$n" = 0 ] || ok=0
mv $DMLOG $DMLOG.1 2>/dev/null
create_guest 5 || ok=0
xl destroy xpt > /tmp/destroy.log 2>&1 || { ok=0; ev 5 < /tmp/destroy.log; }
sleep 2
n=$(ps | grep -v grep | grep -c xen-pt-dm)
echo "after the second xl destroy: $n xen-pt-dm processes; domains: $(xl list | tail -n +2 | awk '{print $1}' | tr '\n' ' ')" | ev 5
[ "$n" = 0 ] || ok=0
[ $ok = 1 ] && result 5 PASS "xl destroy leaves no device model behind; the guest starts again" \
            || result 5 FAIL "destroy / create again"
finish
