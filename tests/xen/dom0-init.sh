#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dom0's /init for make check-xen: start the Xen daemons, then run the stages against
# xen-pt-dm with xl, and report on the console (hvc0 -> Xen's console -> L1's serial):
#   XPT-EV N <line>                   evidence for stage N (log excerpts)
#   XPT-RESULT N PASS|FAIL <summary>  the verdict of stage N
#   XPT-DONE                          all stages ran
# Devices from the kernel command line: xpt_pt=SBDF+SBDF (cold-plugged), xpt_hp=SBDF+SBDF
# (hot-plugged, in that order), xpt_native=SBDF+SBDF (stage 7's guest: the NVMe whose
# disk boots Linux with xen_no_vector_callback, and the e1000e).
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
PT=$(arg xpt_pt); HP=$(arg xpt_hp); NATIVE=$(arg xpt_native)
DEBUG=$(arg xpt_debug)   # xpt_debug=1: keep a crashed guest and dump its vCPUs
XPT_GUEST_CPUS=$(sed -n 's/.*xpt_guest_cpus=\([0-9,-]*\).*/\1/p' /proc/cmdline)
DMLOG=/var/log/xen/qemu-dm-xpt.log
DOMID=""
finish() {
    dmesg | grep -E 'segfault|general protection|traps:' | head -10 | ev 9
    echo "XPT-DONE"
    sync; poweroff -f
}
# guest_alive: the guest is still domain $DOMID and running; if not, say why (and with
# xpt_debug=1, where its vCPUs were).
guest_alive() {
    [ -z "${DOMID:-}" ] && return 0
    if [ "$(xl domid xpt 2>/dev/null)" = "$DOMID" ] &&
       ! xl list xpt 2>/dev/null | awk 'NR == 2 { exit $5 !~ /s/ }'; then
        return 0
    fi
    [ -n "$DEBUG" ] && for v in 0 1; do xenctx -a "$DOMID" $v 2>&1 | head -40 | ev 9; done
    log "domain $DOMID is gone: $(xl dmesg | grep -a -E "d${DOMID}v[0-9]+ (Triple fault|.*shutdown)" | head -2)"
    return 1
}
# wait_for PATTERN SECONDS: until `xl dmesg` has a line matching PATTERN (extended regex);
# fails at once if the guest is no longer domain $DOMID (it crashed or rebooted).
wait_for() {
    local t=$(( $(now) + $2 ))
    while [ "$(now)" -lt $t ]; do
        xl dmesg | grep -q -E "$1" && return 0
        guest_alive || return 1
        sleep 2
    done
    return 1
}
guest_lines() { xl dmesg | grep -a -E "\(d$1\) .*GUEST: " | sed 's/.*GUEST: /GUEST: /'; }

log "dom0 up: kernel $(uname -r), passthrough '$PT', hot-plug '$HP'"
# Watchdog: every 30 s, the kernel stacks of tasks stuck in D state twice in a row (a
# wedged pciback or xenbus would otherwise leave only a silent console).
(
    seen=""
    while sleep 30; do
        now_d=""
        for p in /proc/[0-9]*; do
            awk '/^State:/ { exit $2 != "D" }' "$p/status" 2>/dev/null || continue
            pid=${p#/proc/}; now_d="$now_d $pid"
            case " $seen " in *" $pid "*)
                echo "task $pid ($(cat "$p/comm")) stuck in D state:" | ev 9
                cat "$p/stack" 2>/dev/null | ev 9 ;;
            esac
        done
        seen=$now_d
    done
) &
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
for d in $PT $HP $NATIVE; do
    xl pci-assignable-add "$d" > /tmp/pa.log 2>&1 || { ev 1 < /tmp/pa.log; log "pci-assignable-add $d failed"; }
done

# A PV disk for the PV stage: a RAM disk with a marker the guest must read through blkfront.
# libxl runs /etc/xen/scripts/block for it; its claim_lock (locking.sh) stats /dev/stdin
# and retries forever without it. devtmpfs has no /dev/fd links; udev makes them on a
# full dom0.
ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
PVMARK=XPT-PVDISK-$(cut -c1-8 /proc/sys/kernel/random/uuid)
printf '%s' "$PVMARK" | dd of=/dev/ram0 bs=512 conv=notrunc,fsync 2>/dev/null || log "writing the PV disk marker failed"

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
# A PV disk, served by dom0's blkback through libxl's block script (PV stage). xvde: libxl
# asks the device model to emulate the first four disks as IDE (-drive), which xen-pt-dm
# refuses; from the fifth on they are PV only.
disk = [ "phy:/dev/ram0,xvde,w" ]
# libxl gives every HVM guest a PV keyboard whose backend is QEMU's; nothing serves it
# here, and a Linux guest whose xenbus works (through the platform device) waits 30 s
# for it at boot ("Timeout connecting to device: device/vkbd/0").
vkb_device = 0
# COM1 on a pty: libxl passes -serial pty and writes the pty xen-pt-dm names in
# query-chardev to xenstore, where xl console -t serial finds it (stage 9).
serial = "pty"
# Not for xen-pt-dm: under QEMU TCG's emulated SVM (no invariant TSC, so Xen intercepts
# every guest RDTSC, and no NRIPS) the guest's vCPU was seen resuming with Xen's own
# registers (xenctx: rip in Xen's text, cs e008) and triple-faulting; a guest that reads
# the TSC natively makes far fewer exits.
tsc_mode = "native"
# Not for xen-pt-dm either: dom0 has physical CPU 0 to itself (dom0_vcpus_pin), the guest
# CPU 1. Where a PV dom0 vCPU and an HVM vCPU took turns on one CPU, dom0's processes
# segfaulted on their TLS (a wrong FS base after TCG's VMLOAD/VMSAVE).
cpus = "${XPT_GUEST_CPUS:-1}"
CFG
[ -n "$DEBUG" ] && echo 'on_reboot = "preserve"' >> /etc/xen/xpt.cfg
# create_guest N: xl create; evidence and verdict of the start-up for stage N.
create_guest() {
    local st=$1 rc t0 domid state
    t0=$(now)
    xl -vvv create "${GUEST_CFG:-/etc/xen/xpt.cfg}" > /tmp/create.log 2>&1; rc=$?
    domid=$(xl domid xpt 2>/dev/null)
    state=$(xenstore-read /local/domain/0/device-model/$domid/state 2>/dev/null)
    grep -E "error|warn|cmd '" /tmp/create.log | grep -v -E 'libxl_event|ev_fd' |
        sed "s/^libxl: debug: .*cmd '\(.*\)'$/libxl sent QMP \1/" | tail -12 | ev $st
    log "xl create rc=$rc in $(( $(now) - t0 ))s, domid '$domid', device-model state '$state'"
    echo "xl create rc=$rc domid=$domid device-model state=$state" | ev $st
    DOMID=$domid
    [ $rc = 0 ] && [ "$state" = running ] || return 1
    wait_for "\(d$domid\) .*(Invoking SeaBIOS|Booting from)" 120 || return 2
    xl dmesg | grep -a -E "\(d$domid\) .*(HVM Loader|pci dev|PCI-ISA link|Invoking|Found [0-9]+ PCI)" | head -30 | ev $st
    [ -f $DMLOG ] && head -20 $DMLOG | ev $st
    return 0
}
# crashed ST: the guest died under us (a triple fault: see docs/xen.md §5 on the nested
# environment's TCG SVM); evidence for stage ST, and the count for the summary.
CRASHES=0
crashed() {
    CRASHES=$((CRASHES + 1))
    xl dmesg | grep -a -E "d${DOMID}v[0-9]+ (Triple fault|.*shutdown)" | head -2 | ev $1
    guest_lines $DOMID | tail -3 | ev $1
    echo "the guest (domain $DOMID) crashed; retrying on a new guest" | ev $1
    xl destroy xpt > /dev/null 2>&1
}
# ready ST: create the guest if needed and wait until its Linux reports it is ready for
# hot-plug (stages 2 and 3 are then in its lines); one retry if it crashes on the way.
ready() {
    local try
    for try in 1 2; do
        if [ -z "$DOMID" ] || ! guest_alive; then
            create_guest $1 || return 1
        fi
        wait_for "\(d$DOMID\) .*GUEST: READY-FOR-HOTPLUG" ${XPT_GUEST_WAIT:-600} && return 0
        guest_alive && return 1           # alive but stuck: a real failure
        crashed $1
    done
    return 1
}

create_guest 1; rc=$?
if [ $rc = 0 ] && xl dmesg | grep -a -q -E "\(d$DOMID\) pci dev 0[2-9]:0 bar"; then
    result 1 PASS "xl create with xl's defaults: running, hvmloader placed the passthrough BARs"
else
    tail -30 /tmp/create.log | ev 1; [ -f $DMLOG ] && tail -20 $DMLOG | ev 1
    result 1 FAIL "xl create with xl's defaults (step $rc)"
    xl destroy xpt 2>/dev/null; DOMID=""
fi

# ---- stages 2 and 3: the Linux guest's NVMe (MSI-X) and e1000e; interrupt affinity ----
T=$(now)
ready 2; up=$?
guest_lines $DOMID | grep -v -E 'PCI-NOW|^GUEST: pci ' | head -40 | ev 2
grep -E 'pirq|msi|MSI' $DMLOG 2>/dev/null | head -12 | ev 2
log "the guest's Linux was ready after $(( $(now) - T ))s"
if guest_lines $DOMID | grep -q NVME-OK && guest_lines $DOMID | grep -q E1000E-OK; then
    result 2 PASS "Linux guest: NVMe I/O with MSI-X interrupts, e1000e DHCP + ping"
else
    xl dmesg | grep -a -E "\(d$DOMID\)" | tail -30 | ev 2
    result 2 FAIL "Linux guest: NVMe or e1000e did not work"
fi
guest_lines $DOMID | grep -E 'affinity|irq' | tail -12 | ev 3
if guest_lines $DOMID | grep -q AFFINITY-OK; then
    result 3 PASS "interrupts keep arriving after their affinity moves to the other vCPU and back"
else
    result 3 FAIL "interrupt affinity change"
fi

# ---- stage PV: PV drivers find Xen through the platform device; a blkback PV disk ----
PV_STAGE=6
stage_pv() {
    local st=$PV_STAGE ans
    guest_lines $DOMID | grep -E 'platform 00:03|pv: |pvdisk' | ev $st
    xl dmesg | grep -a -E "\(d$DOMID\) pci dev 03:0" | ev $st
    grep -E 'xen-platform|unplug' $DMLOG 2>/dev/null | head -4 | ev $st
    xl block-list xpt 2>&1 | ev $st
    tail -4 /var/log/xen/xen-hotplug.log 2>/dev/null | ev $st
    echo 3 > /proc/sys/vm/drop_caches
    ans=$(dd if=/dev/ram0 bs=512 skip=8 count=1 2>/dev/null | head -c 60 | tr -cd 'A-Za-z0-9-')
    echo "dom0 wrote '$PVMARK' on /dev/ram0, read back '$ans' from sector 8" | ev $st
    guest_lines $DOMID | grep -q PVDISK-OK && [ "$ans" = "XPT-PVDISK-ANSWER-$PVMARK" ] &&
        grep -q 'unplug emulated' $DMLOG 2>/dev/null
}
if stage_pv; then
    result $PV_STAGE PASS "xen-platform-pci binds 00:03.0, the unplug handshake reaches xen-pt-dm, blkfront reads dom0's marker from a blkback disk and writes back"
else
    result $PV_STAGE FAIL "PV drivers: platform device or blkback disk"
fi

# ---- stage 9: a shell on the guest's COM1 through xl console -t serial, before and after
# hot-plug ----
# libxl put the pty of xen-pt-dm's query-chardev reply ("serial0", "pty:/dev/pts/N") at
# /local/domain/N/serial/0/tty (libxl_dm.c device_model_postconfig_chardev), where
# xl console -t serial finds it. Not interactive (stdin is no tty), xl console copies the
# guest's output to a file; a command line written to the same pty reaches the shell
# getty started on the guest's ttyS0 (guest-init.sh), and its output comes back.
# serial_ping WHEN TRIES: `echo XPT-$((N+1))` typed on COM1 prints XPT-<N+1> on xl console
# within 8 s, in one of TRIES tries (getty may not be up yet).
serial_ping() {
    local tty n t try cpid ok=1
    tty=$(xenstore-read /local/domain/$DOMID/serial/0/tty 2>/dev/null)
    echo "$1: xenstore /local/domain/$DOMID/serial/0/tty = '$tty'" | ev 9
    [ -n "$tty" ] && [ -c "$tty" ] || return 1
    xl console -t serial xpt < /dev/null > /tmp/console.out 2>&1 &
    cpid=$!
    sleep 2
    n=$(now)
    for try in $(seq $2); do
        # (a subshell in its own session: pid 1 must not take the pty as its
        # controlling terminal by opening it)
        printf 'echo XPT-$((%s+1)) IRQ4 $(grep " 4:" /proc/interrupts)\r' "$n" > /tmp/cmd
        setsid sh -c "cat /tmp/cmd > '$tty'" < /dev/null
        t=$(( $(now) + 8 ))
        while [ "$(now)" -lt $t ] && ! grep -a -q "XPT-$((n + 1)) " /tmp/console.out; do sleep 1; done
        grep -a -q "XPT-$((n + 1)) " /tmp/console.out && { ok=0; break; }
    done
    kill $cpid 2>/dev/null; wait $cpid 2>/dev/null
    echo "$1: xl console -t serial got:" | ev 9
    tr -d '\r' < /tmp/console.out | grep -a -v '^$' | tail -3 | ev 9
    return $ok
}
S9_BEFORE=1
ready 9 && serial_ping "before hot-plug" 3 && S9_BEFORE=0

# ---- stage 4: hot-plug into the running guest ----
# seen_in_guest DOMID PATTERN SECONDS: the guest's newest PCI-NOW line matches PATTERN;
# gone_from_guest: until it no longer does. Both fail at once if the guest died.
seen_in_guest() {
    local t=$(( $(now) + $3 ))
    while [ "$(now)" -lt $t ]; do
        guest_lines $1 | grep PCI-NOW | tail -1 | grep -q -E "$2" && return 0
        guest_alive || return 1
        sleep 2
    done
    return 1
}
gone_from_guest() {
    local t=$(( $(now) + $3 ))
    while [ "$(now)" -lt $t ]; do
        guest_lines $1 | grep PCI-NOW | tail -1 | grep -q -E "$2" || return 0
        guest_alive || return 1
        sleep 2
    done
    return 1
}
# attach SBDF SLOT: xl pci-attach; the guest's driver binds the device in SLOT.
attach() {
    local rc
    timeout 60 xl -vvv pci-attach xpt "$1" > /tmp/att.log 2>&1; rc=$?
    grep -E 'device_add|error' /tmp/att.log | grep -v ' ev 0x' | tail -3 | ev 4
    [ $rc = 143 ] && { tail -5 /tmp/att.log | ev 4; tail -5 $DMLOG | ev 4; ps | grep -v grep | grep -E 'xl|xen-pt-dm' | cut -c1-80 | ev 4; }
    echo "xl pci-attach $1: rc=$rc" | ev 4
    [ $rc = 0 ] || return 1
    seen_in_guest $DOMID " $2=[^ ]*:virtio-pci" 60 || { echo "the guest did not bind slot $2" | ev 4; return 1; }
}
# detach SBDF SLOT: xl pci-detach, timed; the guest ejects the device, and xl returns
# well before libxl's 10 s timeout.
detach() {
    local t0 rc dt
    t0=$(date +%s)
    timeout 60 xl -vvv pci-detach xpt "$1" > /tmp/det.log 2>&1; rc=$?
    dt=$(( $(date +%s) - t0 ))
    grep -E 'DEVICE_DELETED|timed out|error' /tmp/det.log | tail -3 | ev 4
    echo "xl pci-detach $1: rc=$rc in ${dt}s" | ev 4
    [ $rc = 0 ] && [ $dt -lt 10 ] || return 1
    gone_from_guest $DOMID " $2=" 30 || { echo "slot $2 is still in the guest" | ev 4; return 1; }
}
HP1=${HP%% *}; HP2=${HP#* }
hotplug() {
    attach "$HP1" 06.0 && detach "$HP1" 06.0 && attach "$HP1" 06.0 &&
        attach "$HP2" 07.0 && guest_lines $DOMID | grep PCI-NOW | tail -1 | ev 4 &&
        xl pci-list xpt | ev 4 && detach "$HP2" 07.0 && detach "$HP1" 06.0
}
ok=0
for try in 1 2; do
    ready 4 || break
    if hotplug; then ok=1; break; fi
    guest_alive && break
    crashed 4
    for d in $HP1 $HP2; do xl pci-assignable-add "$d" > /dev/null 2>&1; done
done
tail -8 $DMLOG 2>/dev/null | ev 4
[ $ok = 1 ] && result 4 PASS "pci-attach to slots 6 and 7, the guest binds; detach ejects without the 10 s timeout; re-attach" \
            || result 4 FAIL "hot-plug"

# Stage 9 again after stage 4: the hot-plugged devices' host GSIs (here 21 and 23) are
# pirqs the guest may route its own emulated GSIs through (Linux took pirq 23 for COM1's
# GSI 4 in every run seen); an unmap of such a pirq at detach would have silenced COM1
# (hw/xen/xen-pt-intx.c).
echo "hot-plugged host GSIs: $(cat /sys/bus/pci/devices/$HP1/irq) $(cat /sys/bus/pci/devices/$HP2/irq)" | ev 9
S9_AFTER=1
guest_alive && serial_ping "after hot-unplug" 2 && S9_AFTER=0
if [ $S9_BEFORE = 0 ] && [ $S9_AFTER = 0 ]; then
    result 9 PASS "xl console -t serial: a shell on the guest's ttyS0 (16550A at 0x3F8, IRQ 4) runs what is typed on the pty xen-pt-dm reported, before and after the hot-plug stage"
else
    grep -a 'char device redirected' $DMLOG 2>/dev/null | tail -1 | ev 9
    guest_lines $DOMID | grep -a 'serial' | tail -4 | ev 9
    result 9 FAIL "the shell on COM1 did not answer on xl console -t serial ($([ $S9_BEFORE = 0 ] && echo "after the hot-plug stage only" || echo "before the hot-plug stage"))"
fi

# ---- stage 5: xl shutdown, xl destroy, and create again ----
# no_dm: no xen-pt-dm process is left (within 10 s).
no_dm() {
    local i=0 n st=${1:-5}
    while [ $i -lt 10 ]; do
        n=$(ps | grep -v grep | grep -c xen-pt-dm)
        [ "$n" = 0 ] && return 0
        sleep 1; i=$((i + 1))
    done
    echo "$n xen-pt-dm processes left: $(ps | grep -v grep | grep xen-pt-dm)" | ev $st
    return 1
}
ok=1
if ready 5; then
    # libxl asks through xenstore (control/shutdown) when the guest has set its event-
    # channel callback, which a Linux PVHVM guest does even without the Xen platform
    # device; otherwise -F presses the ACPI power button (Xen's PM1a status). Either way
    # the guest powers off through PM1a control, which the device model turns into
    # SHUTDOWN_poweroff; xl's on_poweroff then destroys the domain and stops the model.
    t0=$(date +%s)
    timeout 120 xl shutdown -F -w xpt > /tmp/shutdown.log 2>&1; src=$?
    echo "xl shutdown -F -w: rc=$src in $(( $(date +%s) - t0 ))s" | ev 5
    tail -3 /tmp/shutdown.log | ev 5
    guest_lines $DOMID | grep -i 'POWER-' | ev 5
    [ $src = 0 ] || ok=0
    no_dm || ok=0
    grep -E 'shutdown|SHUTDOWN|poweroff|PM1' $DMLOG 2>/dev/null | tail -4 | ev 5
else
    echo "xl shutdown: not run, no guest reached its Linux" | ev 5
    ok=0
fi
xl destroy xpt > /dev/null 2>&1
no_dm || ok=0
mv $DMLOG $DMLOG.1 2>/dev/null
create_guest 5 || ok=0
t0=$(date +%s)
xl destroy xpt > /tmp/destroy.log 2>&1 || { ok=0; ev 5 < /tmp/destroy.log; }
echo "xl destroy: $(( $(date +%s) - t0 ))s" | ev 5
no_dm || ok=0
tail -3 $DMLOG 2>/dev/null | ev 5
echo "domains left: $(xl list | tail -n +2 | awk '{print $1}' | tr '\n' ' ')" | ev 5
[ $ok = 1 ] && result 5 PASS "xl shutdown and xl destroy leave no device model behind; the guest starts again" \
            || result 5 FAIL "shutdown / destroy / create again"

# ---- stage 7: MSI-X delivered by vector, moved through Xen's MSI-X table interception ----
# Linux without the event-channel vector callback (xen_no_vector_callback on the second
# NVMe's disk) programs MSI-X natively. Moving eth0's interrupt to the other vCPU rewrites
# its entry (mask, address/data, unmask): Xen 4.17 keeps the mask writes to itself
# (xen/arch/x86/hvm/vmsi.c msixtbl_write) and forwards only the address/data and the
# unmask after them; the device model must rebind with the new vector and destination
# then, or interrupts keep arriving on the old vCPU.
ok=0
if [ -n "$NATIVE" ]; then
    NCFG=""; for d in $NATIVE; do NCFG="$NCFG\"$d\", "; done
    sed "s|^pci = .*|pci = [ $NCFG ]|" /etc/xen/xpt.cfg > /etc/xen/xpt-native.cfg
    GUEST_CFG=/etc/xen/xpt-native.cfg; DOMID=""
    mv $DMLOG $DMLOG.2 2>/dev/null
    if ready 7; then
        guest_lines $DOMID | grep -E 'OK|BAD|affinity|irq .*eth0' | tail -12 | ev 7
        grep -E 'update_msi_irq' $DMLOG 2>/dev/null | tail -6 | ev 7
        if guest_lines $DOMID | grep -q AFFINITY-OK && guest_lines $DOMID | grep -q E1000E-OK &&
           guest_lines $DOMID | grep -q NVME-OK &&
           guest_lines $DOMID | grep -E 'irq .*eth0' | grep -q 'PCI-MSI' &&
           ! guest_lines $DOMID | grep -E 'irq .*eth0' | grep -q 'xen-pirq'; then
            ok=1
        fi
    else
        guest_lines $DOMID | tail -10 | ev 7
    fi
else
    echo "no xpt_native devices on dom0's command line" | ev 7
fi
[ $ok = 1 ] && result 7 PASS "MSI-X by vector (no pirqs): NVMe, e1000e, and eth0's interrupt follows its affinity to the other vCPU and back" \
            || result 7 FAIL "MSI-X by vector: affinity change"

# ---- stage 8: xl reboot of stage 7's guest ----
# libxl asks the guest (control/shutdown = reboot); its kernel runs /sbin/reboot, Linux
# (booted with reboot=pci, build-images.sh) writes the reset control 0xCF9 (the device
# model's PIIX3 reset control → xendevicemodel_shutdown(SHUTDOWN_reboot)), and libxl's
# on_reboot = "restart" builds the domain again with a new device model, whose guest
# boots Linux again (its kernel banner on Xen's console is the proof; the guest's checks
# are not run twice).
# Every step is bounded, and all of them end well before the nested run's own timeout
# (xpt_run_timeout, from check-xen.sh; dom0's uptime lags it by Xen's few seconds of
# boot): a reboot that does not come back fails here with the state of the domains, the
# device models, xl's restart and Xen instead of a silent console.
RUN_TIMEOUT=$(arg xpt_run_timeout)
S8_END=$(( ${RUN_TIMEOUT:-540} - 60 ))   # dom0 uptime by which stage 8 has its verdict
# left N: seconds to wait for a step that takes up to N, within stage 8's end (at least 1)
left() { local l=$(( S8_END - $(now) )); [ $l -gt $1 ] && l=$1; [ $l -lt 1 ] && l=1; echo $l; }
# xen_procs: the xl and device model processes: pid, state, kernel wait channel, command
xen_procs() {
    local p c
    for p in /proc/[0-9]*; do
        c=$(cat "$p/comm" 2>/dev/null)
        case "$c" in xl|xen-pt-dm|qemu*) ;; *) continue ;; esac
        echo "pid ${p#/proc/} $(awk '/^State:/ { print $2 }' "$p/status") wchan=$(cat "$p/wchan" 2>/dev/null)" \
             "$(tr '\0' ' ' < "$p/cmdline" | cut -c1-150)"
        [ "$(awk '/^State:/ { print $2 }' "$p/status")" = D ] && cat "$p/stack" 2>/dev/null | head -8
    done
}
# reboot_diag OLD NEW: what a Xen developer needs when the reboot did not come back: the
# domains, the device models (is the old one still alive, did a new one start), their
# xenstore state, the tail of their logs, of xl's restart (xl-xpt.log, the daemon
# `xl create` left behind) and of Xen's console. Every command is bounded.
reboot_diag() {
    local d
    echo "--- xl list (and -v: the shutdown reason)"
    timeout 10 xl list 2>&1; timeout 10 xl list -v 2>&1 | tail -n +2 | cut -c1-120
    timeout 10 xl list -l 2>&1 | grep -E '"domid"|"on_reboot"' | tr -s ' ' | paste -sd ' '
    echo "--- xl and device model processes"
    xen_procs
    for d in $1 $2; do
        echo "--- xenstore: domain $d: device-model state" \
             "'$(timeout 5 xenstore-read /local/domain/0/device-model/$d/state 2>&1)'," \
             "control/shutdown '$(timeout 5 xenstore-read /local/domain/$d/control/shutdown 2>&1)'"
    done
    for d in $DMLOG $DMLOG.1; do
        [ -f $d ] || continue
        echo "--- tail of $d ($(wc -l < $d) lines)"
        tail -8 $d
    done
    echo "--- tail of /var/log/xen/xl-xpt.log (xl's restart of the domain)"
    grep -v -E 'ev_(fd|time)|libxl_event|poller|watch w=|epath=' /var/log/xen/xl-xpt.log 2>/dev/null | tail -20
    echo "--- tail of xl dmesg"
    timeout 10 xl dmesg 2>&1 | tail -20
}
ok=0; why=""
if [ -n "$DOMID" ] && guest_alive; then
    old=$DOMID
    S8_DONE=/tmp/stage8.done
    # If dom0's own flow wedges (a task in D state), this still reports, once.
    w=$(( S8_END - $(now) + 30 )); [ $w -lt 30 ] && w=30
    ( sleep $w; [ -e $S8_DONE ] && exit 0
      log "stage 8 did not end by ${S8_END}s of uptime: dom0 is stuck in it"
      reboot_diag $old "" 2>&1 | ev 8
      result 8 FAIL "xl reboot: dom0's stage 8 itself hung (see the evidence)"
      finish ) &
    S8_WATCH=$!
    timeout $(left 30) xl reboot xpt > /tmp/reboot.log 2>&1; rrc=$?
    log "xl reboot of domain $old: rc=$rrc; waiting for the new domain"
    new=""; t=$(( $(now) + $(left 90) ))
    while [ "$(now)" -lt $t ]; do
        new=$(timeout 10 xl domid xpt 2>/dev/null)
        [ -n "$new" ] && [ "$new" != "$old" ] && break
        new=""; sleep 2
    done
    log "domain $old -> ${new:-none}"
    echo "xl reboot: rc=$rrc, domain $old -> ${new:-none}" | ev 8
    tail -2 /tmp/reboot.log | ev 8
    guest_lines $old | grep -E 'REBOOT' | ev 8
    grep -h -E 'SHUTDOWN_reboot|reset control' $DMLOG.1 $DMLOG 2>/dev/null | tail -3 | ev 8
    if [ $rrc = 0 ] && [ -n "$new" ]; then
        DOMID=$new
        # the rebooted guest's kernel prints its banner on Xen's console (earlyprintk)
        wait_for "\(d$new\) .*Linux version" $(left 180) && ok=1 ||
            why="domain $new's Linux did not start by $(now)s of dom0's uptime"
        xl dmesg | grep -a -E "\(d$new\) .*(Invoking SeaBIOS|Linux version)" | head -2 | ev 8
        grep -h 'SHUTDOWN_reboot' $DMLOG.1 $DMLOG 2>/dev/null | grep -q . ||
            { ok=0; why="no SHUTDOWN_reboot in the device model's log"; }
    else
        why="xl reboot rc=$rrc, domain $old -> ${new:-no new domain} by $(now)s of dom0's uptime"
    fi
    if [ $ok = 0 ]; then
        log "stage 8: the reboot did not come back by $(now)s; the state follows"
        reboot_diag $old "$new" 2>&1 | ev 8
    fi
    touch $S8_DONE; kill $S8_WATCH 2>/dev/null
else
    echo "xl reboot: not run, stage 7's guest is not running" | ev 8
fi
timeout 20 xl destroy xpt > /dev/null 2>&1
no_dm 8 || { ok=0; why="${why:+$why; }a device model was left after xl destroy"; }
[ $ok = 1 ] && result 8 PASS "xl reboot: the guest reset through 0xCF9 (SHUTDOWN_reboot), libxl built it again with a new device model, and its Linux started" \
            || result 8 FAIL "xl reboot${why:+: $why}"

echo "the guest crashed $CRASHES times in the nested environment (each retried once)" | ev 9
log "guest crashes in the nested environment: $CRASHES"
finish
