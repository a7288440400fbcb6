#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate tests/corpus/: the bad-input corpus of tests/test-badinput.c.

Every case is derived from a real input by a mutation whose outcome is known by
construction, and written with that expected outcome:

  cmdline.txt  one JSON object per line: {"args": [...], "expect": "substring"}; the
               binary must exit 1 with exactly one stderr line ("xen-pt-dm: error: ...")
               containing the substring. Seeds: libxl's launch line (reference/toolstack.md
               §launch) in its qtest form, README's examples.
  qmp.txt      "CLASS<TAB>request" per line, the request escaped as g_strcompress() reads
               it (\\\\, \\NNN octal); the first reply to it must be an error of CLASS and
               nothing may succeed. Seeds: the requests of QEMU 7.2's QMP transcript
               (fixtures/qemu-7.2-reference/qmp-qtest-session.txt) and libxl's device_add.
  qtest.txt    one escaped line per case; the reply must start with FAIL or ERR. Seeds:
               the requests of QEMU 7.2's qtest log (qtest-server-log.txt).
  dumps/       NNNN-name.dump files and index.txt ("file<TAB>hostaddr<TAB>expect"):
               expect "OK" = accepted (the device model starts and exits 0 at EOF), else
               exit 1 with one error line containing the device, the file and the
               substring. Seeds: four fixture endpoints reduced to their header line, the
               Region/ROM lines with [size=...] and the 256-byte hex rows.

Placeholders the test substitutes: @FIXTURES@ (the fixtures directory), @TMP@ (a
fresh temporary directory), @CORPUS@ (tests/corpus).

Usage: tests/tools/gen-badinput-corpus.py [FIXTURES_DIR]   (default tests/fixtures)
The output is deterministic (fixed seed); rerun it after changing it and commit the
result.
"""
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "tests", "corpus")
FIX = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "tests", "fixtures"))
rng = random.Random(20240606)


def escape(data: bytes) -> str:
    """Bytes as a g_strcompress() input: printable ASCII kept, backslash doubled,
    everything else as a 3-digit octal escape."""
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return "".join(out)


# ---- command lines --------------------------------------------------------------------------

NIC_DEV = "xen-pci-passthrough,hostaddr=0000:01:00.0,id=pt0,host-dump=@FIXTURES@/pciutils-tests/cap-pcie-2"
# libxl's launch line (reference/toolstack.md §launch), qtest form: what must work.
SEED = ["-accel", "qtest", "-qtest", "stdio", "-no-shutdown", "-nodefaults", "-no-user-config",
        "-name", "guest", "-machine", "xenfv,suppress-vmdesc=on", "-m", "512", "-smp", "2",
        "-display", "none", "-device", NIC_DEV]


def with_opt(opt, *vals):
    """The seed with option @opt set to @vals (appended, or replacing its value)."""
    args = list(SEED)
    if opt in args and vals:
        i = args.index(opt)
        args[i + 1] = vals[0]
        return args
    return args + [opt] + list(vals)




def gen_cmdline():
    cases = []

    def add(args, expect):
        cases.append({"args": args, "expect": expect})

    # options the device model does not have, spelled like real ones
    # (not QEMU options libxl may pass, such as -boot or -k: the device model may accept
    # those with no effect)
    for o in ["-bogus", "-devic", "-Device", "-qtest-logx", "-mm", "-smpp", "-machin",
              "-accell", "-chardevs", "-qmpp", "-monitorr", "-S2", "-nographicx", "-enable-kvm",
              "-bios", "-object", "-incoming", "-loadvm", "-snapshotx", "-runass",
              "-", "---", "-\u00e9", "-x" * 3, "--devicex", "-D2", "-xen-domid-restrictx"]:
        add(SEED[:4] + [o] + SEED[4:], o)
    # options that need an argument, given none
    for o in ["-m", "-smp", "-device", "-machine", "-M", "-D", "-d", "-accel", "-qtest",
              "-qtest-log", "-chardev", "-mon", "-qmp", "-name", "-display", "-vnc",
              "-audio", "-monitor", "-xen-domid"]:
        add(SEED + [o], o)
    # emulated devices refused with a reason
    for o, v, why in [("-drive", "file=disk.img", "disk"), ("-hda", "disk.img", "disk"),
                      ("-cdrom", "x.iso", "disk"), ("-net", "nic", "NIC"),
                      ("-netdev", "user,id=n0", "NIC"), ("-vga", "std", "graphics"),
                      ("-usb", "", "USB"),
                      ("-soundhw", "ac97", "sound")]:
        add(SEED + [o] + ([v] if v else []), why)
    # serial backends libxl may pass through serial= that COM1 does not support
    for v, why in [("tcp:127.0.0.1:4444", "unsupported backend"), ("vc", "unsupported backend"),
                   ("/dev/ttyS0", "unsupported backend"), ("chardev:nope", "'nope' not found"),
                   ("file:", "path= is missing"), ("unix:", "empty socket path")]:
        add(SEED + ["-serial", v], why)
    add(SEED + ["-serial", "null", "-serial", "null"], "one serial port")
    # bad numbers
    for v in ["0", "-1", "abc", "1048577", "1e3", "0x100", "", " 512", "512M", "99999999999999999999",
              "1.5", "+5"]:
        add(with_opt("-m", v), "-m")
    for v in ["0", "129", "x", "-2", "1e1", "cores=2", "4096", ",2", ""]:
        add(with_opt("-smp", v), "-smp")
    # values of options with a fixed set
    # (display types and VNC addresses are accepted with a warning: libxl passes them)
    for v in ["sdl2", "headless", "vnc:0", "", "None", "=sdl"]:
        add(with_opt("-display", v), "-display")
    for o, v in [("-vnc", "0"), ("-vnc", "127.0.0.1"), ("-vnc", ""), ("-vnc", ",to=99:0"),
                 ("-audio", "pa"), ("-monitor", "stdio"), ("-monitor", "vc")]:
        add(SEED + [o, v], o)
    for v, why in [("bogus", "bogus"), ("guest_errors,nope", "nope"), ("hv,,pci", "category"),
                   ("GUEST_ERRORS", "GUEST_ERRORS"), ("trace:foo", "trace:foo")]:
        add(SEED + ["-d", v], why)
    for v in ["/nonexistent/dir/log", "@TMP@/no/such/dir/log", "/"]:
        add(SEED + ["-D", v], v.replace("@TMP@", ""))
    # machine
    for v, why in [("q35", "q35"), ("xenfv,bogus=1", "bogus"), ("xenfv,hotplug-slots=1-3", "hotplug-slots"),
                   ("xenfv,hotplug-slots=32", "hotplug-slots"), ("xenfv,hotplug-slots=7-6", "hotplug-slots"),
                   ("xenfv,hotplug-slots=x", "hotplug-slots"), ("xenfv,hotplug-slots=6-", "hotplug-slots"),
                   ("pc,accel=kvm", "kvm"), ("isapc", "isapc"),
                   ("xenfv,=1", "xenfv,=1"), ("microvm", "microvm"),
                   ("xenfv,igd-passthru=on", "igd-passthru=on")]:
        add(with_opt("-machine", v), why)
    # accelerator and the simulated hypervisor's fault injection
    for v, why in [("kvm", "kvm"), ("tcg", "tcg"), ("qtest,bogus=1", "bogus"),
                   ("qtest,sim-fail=nope:EPERM", "nope"), ("qtest,sim-fail=memory_mapping:EBOGUS", "EBOGUS"),
                   ("qtest,sim-fail=x", "sim-fail"), ("qtest,sim-fail=map_pirq:EPERM:-1", "-1"),
                   ("qtest,sim-fail=map_pirq:0", "0"), ("qtest,sim-fail=map_pirq:4096", "4096"),
                   ("qtest,sim-fail=a:b:c:d", "sim-fail"), ("xen,sim-fail=map_pirq:EPERM", "xen")]:
        add(with_opt("-accel", v), why)
    add([a for a in SEED if a not in ("-qtest", "stdio")] + [], "-qtest")
    for v in ["tcp:127.0.0.1:4444", "unix:", "pty", "file:/tmp/x", "stdio,bogus=1", "unix:@TMP@/nodir/sock"]:
        add(with_opt("-qtest", v), "qtest")
    # QMP monitors and chardevs
    for chr_, mon, why in [
            ("socket,id=c0", "chardev=c0,mode=control", "path"),
            ("bogus,id=c0", "chardev=c0,mode=control", "bogus"),
            ("socket,path=@TMP@/q.sock,server=on,wait=off", "chardev=c0,mode=control", "id"),
            ("socket,id=c0,path=@TMP@/q.sock,server=on,wait=off", "chardev=nope,mode=control", "nope"),
            ("socket,id=c0,path=@TMP@/q.sock,server=on,wait=off", "chardev=c0,mode=readline", "HMP"),
            ("socket,id=c0,path=@TMP@/q.sock,server=on,wait=off", "chardev=c0", "HMP"),
            ("socket,id=c0,path=@TMP@/q.sock,server=on,wait=off", "mode=control", "chardev"),
            ("socket,id=c0,path=@TMP@/q.sock,server=on,wait=off", "chardev=c0,mode=control,pretty=maybe", "pretty"),
            ("socket,id=c0,path=@TMP@/q.sock,server=on,wait=off", "chardev=c0,mode=control,bogus=1", "bogus"),
            ("socket,id=c0,path=@TMP@/q.sock,server=maybe", "chardev=c0,mode=control", "server"),
            ("socket,id=c0,fd=abc", "chardev=c0,mode=control", "fd"),
            ("socket,id=c0,path=@TMP@/nodir/q.sock", "chardev=c0,mode=control", "q.sock"),
            ("stdio,id=c0", "chardev=c0,mode=control", "stdio")]:
        add(SEED + ["-chardev", chr_, "-mon", mon], why)
    add(SEED + ["-chardev", "socket,id=c0,path=@TMP@/a", "-chardev", "socket,id=c0,path=@TMP@/b",
                "-mon", "chardev=c0,mode=control"], "Duplicate")
    add(SEED + ["-chardev", "socket,id=c0,path=@TMP@/a,server=on,wait=off", "-mon", "chardev=c0,mode=control",
                "-mon", "chardev=c0,mode=control"], "already used")
    for v, why in [("tcp:localhost:4444", "-qmp"), ("unix:", "-qmp"), ("bogus", "-qmp"),
                   ("unix:@TMP@/nodir/q.sock", "q.sock"), ("stdio", "stdio")]:
        add(SEED + ["-qmp", v], why)
    # xen accelerator without Xen / bad domain ids
    for v in ["0", "abc", "-1", "32752", "99999999999", ""]:
        add(["-xen-domid", v, "-nodefaults"], "-xen-domid")
    add(["-xen-domid", "5", "-nodefaults"], "xen")
    add(["-accel", "xen", "-nodefaults"], "xen-domid")
    add(["-accel", "bogus", "-qtest", "stdio"], "bogus")
    # -device: the property list mutated one property at a time
    props = [("hostaddr", "0000:01:00.0"), ("id", "pt0"), ("host-dump", "@FIXTURES@/pciutils-tests/cap-pcie-2")]

    def dev(extra=None, drop=None, repl=None):
        p = [(k, v) for k, v in props if k != drop]
        if repl:
            p = [(k, repl[1] if k == repl[0] else v) for k, v in p]
        s = "xen-pci-passthrough," + ",".join("%s=%s" % kv for kv in p)
        if extra:
            s += "," + extra
        return SEED[:-2] + ["-device", s]

    for v, why in [("01:00", "01:00"), ("0000:01:00.8", "0000:01:00.8"), ("0000:01:20.0", "0000:01:20.0"),
                   ("zz:00.0", "zz:00.0"), ("10000:01:00.0", "10000:01:00.0"), ("", "hostaddr"),
                   ("0000:01:00.0.0", "0000:01:00.0.0"), ("0000-01-00.0", "0000-01-00.0"),
                   ("0000:1:00.0", "0000:1:00.0"), (" 0000:01:00.0", "hostaddr"), ("0000:99:00.0", "0000:99:00.0"),
                   ("0000:01:01.0", "0000:01:01.0"), ("0001:01:00.0", "0001:01:00.0"), ("ffff:ff:1f.7", "ffff:ff:1f.7"),
                   ("01:00.0x", "01:00.0x"), ("0x01:00.0", "0x01:00.0")]:
        add(dev(repl=("hostaddr", v)), why)
    add(dev(drop="hostaddr"), "hostaddr")
    add(dev(repl=("host-dump", "/nonexistent/dump")), "/nonexistent/dump")
    add(dev(repl=("host-dump", "@TMP@")), "dump")
    add(dev(repl=("host-dump", "@FIXTURES@/qemu-7.2-reference/query-pci-pc-with-e1000.json")), "0000:01:00.0")
    add(dev(repl=("host-dump", "@FIXTURES@/pciutils-tests/PCI-X-bridges-and-domains")), "0000:01:00.0")
    add(dev(extra="host-sysfs=@TMP@"), "mutually exclusive")
    # Intel's integrated GPU (Sky Lake, 00:02.0): refused, IGD passthrough is not provided
    add(dev(repl=("host-dump", "@FIXTURES@/pciutils-tests/cap-pasid-pri"))[:-1] +
        ["xen-pci-passthrough,hostaddr=0000:00:02.0,id=pt0,host-dump=@FIXTURES@/pciutils-tests/cap-pasid-pri"],
        "integrated GPU (IGD)")
    for k, v in [("permissive", "maybe"), ("permissive", "2"), ("permissive", ""), ("multifunction", "yes please"),
                 ("unaligned-bars", "0x1"), ("rombar", "abc"), ("rombar", "-1"), ("rombar", "0x"),
                 ("bogus", "1"), ("hostaddr2", "x"), ("Permissive", "on"), ("addr", "zz"), ("addr", "32"),
                 ("addr", "0"), ("addr", "1"), ("addr", "5.8"), ("addr", "5."), ("addr", ".1"),
                 ("addr", "-5"), ("addr", "1f.7.1"), ("romfile", "/nonexistent/rom.bin"),
                 ("romfile", "@TMP@"), ("x-igd-opregion", "on"), ("bus", "pci.1")]:
        add(dev(extra="%s=%s" % (k, v)), k if k not in ("addr", "romfile") else ("addr" if k == "addr" else "romfile"))
    add(SEED + ["-device", NIC_DEV.replace("id=pt0", "id=pt1")], "0000:01:00.0")      # same host twice
    add(SEED + ["-device", NIC_DEV.replace("hostaddr=0000:01:00.0", "hostaddr=0000:2e:00.0")
                .replace("cap-pcie-2", "cap-phy32")], "Duplicate")                      # same id twice
    for d, why in [("e1000", "e1000"), ("e1000,id=n0", "e1000"), ("virtio-net-pci", "virtio-net-pci"),
                   ("xen-pci-passthrough", "hostaddr"), (",hostaddr=01:00.0", ",hostaddr=01:00.0"),
                   ("xen-pci-passthrough,,hostaddr=01:00.0", "hostaddr"), ("xen-pci-passthrough,=x", "xen-pci-passthrough"),
                   ("xen-platform", "xen-platform"), ("xen-pci-passthrough,hostaddr", "hostaddr")]:
        add(SEED[:-2] + ["-device", d], why)
    # mutations of the seed: an option's value replaced by a random token
    tokens = ["", "=", ",", ",,", "\u00ff", "%s", "\\", "'", "\"", "a" * 300, "-", "0x", "\t"]
    vals = {"-m": "-m", "-smp": "-smp", "-machine": "machine", "-display": "-display", "-accel": "-accel",
            "-qtest": "qtest"}
    for opt, why in vals.items():
        for t in tokens:
            args = with_opt(opt, t)
            if opt == "-machine" and t in ("", ",", ",,"):
                continue    # "-machine ''": no type, defaults apply (valid)
            if opt == "-qtest" and t == "-":
                continue
            add(args, why if opt not in ("-machine", "-accel", "-qtest") else "")
    # a misspelt property is named, before the missing hostaddr (issue 13 item 11)
    for prop, dev in [("hostadr", "xen-pci-passthrough,hostadr=0000:01:00.0,id=pt0"),
                      ("permisive", NIC_DEV + ",permisive=on"),
                      ("hostdump", "xen-pci-passthrough,hostaddr=0000:01:00.0,hostdump=x")]:
        add(SEED[:-1] + [dev], "Property 'xen-pci-passthrough.%s' not found" % prop)
    return cases


# ---- QMP --------------------------------------------------------------------------------------

def qmp_seeds():
    seeds = []
    with open(os.path.join(FIX, "qemu-7.2-reference", "qmp-qtest-session.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("QMP > "):
                req = line[6:].rstrip("\n")
                try:
                    obj = json.loads(req)
                except ValueError:
                    continue
                if isinstance(obj, dict) and obj.get("execute") not in ("quit",):
                    seeds.append(obj)
    # libxl's attach (reference/toolstack.md §pci), with a dump that exists
    seeds.append({"execute": "device_add", "arguments": {
        "driver": "xen-pci-passthrough", "id": "pci-pt-01_00.0", "hostaddr": "0000:01:00.0",
        "host-dump": "@FIXTURES@/pciutils-tests/cap-pcie-2", "addr": "5.0", "permissive": True}, "id": 3})
    seeds.append({"execute": "device_del", "arguments": {"id": "pci-pt-01_00.0"}, "id": 4})
    seeds.append({"execute": "query-pci", "id": 5})
    return seeds


COMMAND_ARGS = {    # the argument types of our commands (monitor/qmp-cmds.c)
    "device_del": {"id": "str"},
    "qom-list-types": {"implements": "str", "abstract": "bool"},
}
NOT = {"str": [1, True, None, [], {}, 1.5], "bool": ["yes", 1, None, [], {}]}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)


def gen_qmp():
    cases = []

    def add(klass, text):
        data = text.encode("utf-8") if isinstance(text, str) else text
        cases.append((klass, data))

    seeds = qmp_seeds()
    for s in seeds:
        full = dumps(s)
        # truncations: every proper prefix that starts the object (the test then sends
        # 0xFF, which ends an unfinished value with an error)
        cuts = sorted(set(rng.randrange(1, len(full)) for _ in range(6)))
        for c in cuts:
            add("GenericError", full[:c])
        # unknown members, at the top and in the arguments
        for name in ["foo", "Execute", "arguments ", "id2", "exec-oob2", "", "\u00e9"]:
            o = dict(s)
            o[name] = 1
            add("GenericError", dumps(o))
        if isinstance(s.get("arguments"), dict) or s["execute"] in ("device_del", "query-status", "query-pci"):
            o = dict(s)
            o["arguments"] = dict(s.get("arguments", {}))
            o["arguments"]["bogus%d" % rng.randrange(1000)] = rng.choice([1, "x", None, [], {}])
            if s["execute"] not in ("qmp_capabilities", "device_add"):
                add("GenericError", dumps(o))
        # 'execute' and 'arguments' of the wrong type
        for bad in [1, None, True, [], {}, 1.5, ["query-status"]]:
            o = dict(s)
            o["execute"] = bad
            add("GenericError", dumps(o))
        for bad in [1, "x", None, True, [], [{}]]:
            o = dict(s)
            o["arguments"] = bad
            add("GenericError", dumps(o))
        # unknown command names near real ones
        name = s["execute"]
        for mut in [name.upper(), name + " ", " " + name, name.replace("-", "_") + "x", name[:-1],
                    name + "\u00e9", name.replace("query", "qeury")]:
            if mut != name and mut not in ("qmp_capabilities",):
                o = {"execute": mut}        # only valid members: the name is the fault
                if "id" in s:
                    o["id"] = s["id"]
                add("CommandNotFound", dumps(o))
        # huge numbers and bad literals in place of the id
        for lit in ["99999999999999999999", "1e999", "-1e999", "0x10", "01", "NaN", "Infinity", "-",
                    "1.", ".5", "+1", "tru", "nul", "'", "\"\\q\"", "\"\\u12\"", "\"\\u0000\"",
                    "\"\\ud800\""]:
            o = dict(s)
            o["id"] = "@@"
            add("GenericError", dumps(o).replace("\"@@\"", lit))
        # bad UTF-8 and control bytes inside the command name
        raw = dumps(s).encode("utf-8")
        at = raw.index(b'"execute": "') + len(b'"execute": "')
        for bad in [b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80",
                    b"\xfe", b"\x01", b"\x1f", b"\x7f\xc3"]:
            if bad == b"\x7f\xc3":
                continue
            add("GenericError", raw[:at] + bad + raw[at:])
        # structural damage: a byte removed, doubled or replaced at random places
        for _ in range(6):
            i = rng.randrange(len(raw))
            ch = raw[i:i + 1]
            if ch in (b"{", b"}", b":", b","):
                add("GenericError", raw[:i] + raw[i + 1:])
        for junk in [b"[", b"]", b"}", b":", b"{{", b",,", b"#", b"\\", b"'"]:
            i = rng.randrange(1, len(raw) - 1)
            # inside a string these are harmless; only insert between tokens
            if raw[:i].count(b'"') % 2 == 0 and raw[i - 1:i] in (b" ", b",", b":", b"{"):
                add("GenericError", raw[:i] + junk + raw[i:])
    # wrong argument types for our commands
    for cmd, args in COMMAND_ARGS.items():
        for arg, typ in args.items():
            for bad in NOT[typ]:
                add("GenericError", dumps({"execute": cmd, "arguments": {arg: bad}}))
    # missing and wrong device_add arguments (never a valid attach)
    base = {"driver": "xen-pci-passthrough", "id": "x1", "hostaddr": "0000:01:00.0",
            "host-dump": "@FIXTURES@/pciutils-tests/cap-pcie-2"}
    for k in ["driver", "hostaddr"]:
        a = dict(base)
        del a[k]
        add("GenericError", dumps({"execute": "device_add", "arguments": a}))
    for k, v in [("hostaddr", "zz"), ("hostaddr", "0000:01:00.8"), ("hostaddr", 5), ("hostaddr", None),
                 ("hostaddr", "0000:99:00.0"), ("host-dump", "/nonexistent"), ("host-dump", 1),
                 ("addr", "zz"), ("addr", "0"), ("addr", 32), ("addr", "1.0"), ("addr", -1),
                 ("addr", 1e999), ("permissive", "maybe"), ("permissive", [True]), ("rombar", "x"),
                 ("rombar", {}), ("id", "1x"), ("id", ""), ("id", "a b"), ("id", 7), ("id", "x" * 200 + "!"),
                 ("driver", "e1000"), ("driver", 5), ("driver", ""), ("bus", "pci.1"), ("bogus", 1),
                 ("multifunction", "nope"), ("romfile", "/nonexistent/rom"), ("host-sysfs", "/nonexistent"),
                 ("a,b=c", 1), ("hostaddr", "0000:01:00.0,id=y"), ("unaligned-bars", 2)]:
        a = dict(base)
        a[k] = v
        text = dumps({"execute": "device_add", "arguments": a})
        if v == 1e999:
            text = text.replace("Infinity", "1e999")
        add("GenericError", text)
    # device_del of devices that do not exist
    for i in ["nope", "", "pt0 ", "/machine/peripheral/nope", "/machine/peripheral/", "x" * 1000, "\u00e9"]:
        add("DeviceNotFound", dumps({"execute": "device_del", "arguments": {"id": i}}))
    # deep nesting beyond the limit, and an oversized request
    for depth in [1025, 2000, 5000]:
        add("GenericError", "[" * depth + "]" * depth)
        add("GenericError", '{"execute": "query-status", "arguments": ' + "[" * depth)
    add("GenericError", '{"execute": "query-status", "id": "' + "a" * 70000 + '"}')
    # not objects
    for t in ["[]", "1", "\"query-status\"", "null", "true", "[{\"execute\": \"query-status\"}]", "}", "]", ":",
              ",", "'x'"]:
        add("GenericError", t)
    add("CommandNotFound", dumps({"execute": "qmp_capabilities"}))   # already negotiated
    return cases


# ---- qtest -------------------------------------------------------------------------------------

def qtest_seeds():
    seeds = []
    with open(os.path.join(FIX, "qemu-7.2-reference", "qtest-server-log.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\[R \+[0-9.]+\] (.*)$", line.rstrip("\n"))
            if m and m.group(1) not in seeds:
                seeds.append(m.group(1))
    return seeds


ARGC = {"outb": 2, "outw": 2, "outl": 2, "inb": 1, "inw": 1, "inl": 1, "writeb": 2, "writew": 2,
        "writel": 2, "writeq": 2, "readb": 1, "readw": 1, "readl": 1, "readq": 1, "read": 2,
        "write": 3, "b64read": 2, "b64write": 3, "memset": 3, "endianness": 0, "clock_set": 1,
        "irq_intercept_in": 1, "irq_intercept_out": 1, "module_load": 2}
BAD_NUMBERS = ["0xzz", "-1", "+1", "1e3", "0x", "18446744073709551616", "0x1ffffffffffffffff", "09",
               "1.5", "0b101", "\uff11", "x10", "0X", "1_000", "0xfffffffffffffffff", "99999999999999999999",
               "0x-1", " 1", "1 ", "\t1", "0o7", "1h"]


def gen_qtest():
    cases = []

    def add(line):
        cases.append(line.encode("utf-8") if isinstance(line, str) else line)

    for s in qtest_seeds():
        w = s.split(" ")
        cmd = w[0]
        if cmd not in ARGC:
            continue
        n = ARGC[cmd]
        # argument count off by one either way (skip commands with optional arguments)
        if len(w) - 1 == n:
            if n > 0:
                add(" ".join(w[:-1]))
            add(" ".join(w + ["0x1"]))
            add(" ".join(w + [""]))          # trailing space: an empty extra word
        # every numeric argument replaced by a bad number (module_load/irq_intercept: names)
        if cmd in ("module_load", "irq_intercept_in", "irq_intercept_out", "endianness"):
            continue
        for i in range(1, len(w)):
            if cmd in ("write", "b64write") and i == 3:
                continue
            for bad in rng.sample(BAD_NUMBERS, 8):
                ww = list(w)
                ww[i] = bad
                add(" ".join(ww))
        # the command name mutated
        for mut in [cmd.upper(), cmd + "x", cmd[:-1], "x" + cmd, cmd + "\u00e9", cmd.replace("l", "1")]:
            if mut not in ARGC and mut not in ("clock_step", "xen-sim", "clock_set"):
                add(" ".join([mut] + w[1:]))
    # values wider than the access, ports beyond 0xffff, sizes beyond the limit, wraps
    for c, v in [("outb", "0x100"), ("outw", "0x10000"), ("outl", "0x100000000"), ("writeb", "0x100"),
                 ("writew", "0x10000"), ("writel", "0x100000000")]:
        add("%s 0x1000 %s" % (c, v))
    for c in ["inb", "inw", "inl"]:
        add("%s 0x10000" % c)
        add("%s 0xffffffffffffffff" % c)
    for c in ["outb", "outw", "outl"]:
        add("%s 0x10000 0" % c)
    for c, a in [("readw", "0xffffffffffffffff"), ("readl", "0xfffffffffffffffd"), ("readq", "0xfffffffffffffff9"),
                 ("writeq", "0xfffffffffffffff9 0"), ("writel", "0xfffffffffffffffe 0")]:
        add("%s %s" % (c, a))
    for c in ["read", "b64read"]:
        add("%s 0 0x1000001" % c)
        add("%s 0xffffffffffffffff 2" % c)
        add("%s 0xfffffffffffff000 0x2000" % c)
    add("read 0 0")
    add("memset 0 0x1000001 0")
    add("memset 0xffffffffffffffff 2 0")
    add("memset 0 4 0x100")
    add("memset 0 4 -1")
    # bad data
    for d in ["deadbeef", "0xzz", "0x123", "0x", "0xdeadbeefdead", "0x 12", "0xg0", "0x\u00e9\u00e9"]:
        add("write 0x1000 4 %s" % d)
    for d in ["!!!!", "A", "AQID BA==", "====", "A===", "\u00e9\u00e9\u00e9\u00e9", "AQIDBA=="[:-1] + "!"]:
        add("b64write 0x1000 4 %s" % d)
    add("write 0x1000 1 0x1122")
    add("b64write 0x1000 0x1000001 AAAA")
    # unknown QOM paths, modules
    for p in ["ioapicx", "/machine/ioapic/", "", "/machine/unattached/device[0]", "i8259"]:
        add("irq_intercept_in %s" % p)
        add("irq_intercept_out %s" % p)
    add("module_load block- curl")
    add("module_load a b")
    # empty, blank, control bytes, NUL, bad UTF-8, tabs
    for line in [b"", b" ", b"  ", b"\t", b"inb\t0xcfc", b"inb 0xcfc\x00", b"\x00", b"\x01inb 0xcfc",
                 b"inb 0xc\xffc", b"\xc3\x28", b"inb  0xcfc", b"inb 0xcfc ", b" inb 0xcfc",
                 b"\x1b[A", b"\r\r", b"OK", b"FAIL", b"IRQ raise 9", b"#inb 0xcfc"]:
        add(line)
    # the simulated hypervisor's commands with bad arguments
    for x in ["", "bogus", "state 1", "leaks now", "fail", "fail memory_mapping", "fail nope EPERM",
              "fail memory_mapping EBOGUS", "fail memory_mapping 0", "fail memory_mapping 4096",
              "fail memory_mapping EPERM -1", "fail memory_mapping EPERM 1 2", "fail memory_mapping EPERM x",
              "fail memory_mapping EPERM 4294967296", "host-writes", "host-writes nope", "host-writes 02.0 x",
              "host-writes 1f.7", "host-fail pt0", "host-fail pt0 read", "host-fail pt0 rw EIO",
              "host-fail pt0 read EBOGUS", "host-fail pt0 read EIO x", "host-fail nope read EIO",
              "host-fail pt0 write 0", "host-gone", "host-gone nope", "host-gone pt0 maybe",
              "host-gone pt0 on off", "STATE", "state\t", "fail\tmap_pirq EPERM"]:
        add(("xen-sim " + x).rstrip(" ") if x else "xen-sim")
    add("x" * 70000)                    # longer than XPT_QTEST_MAX_LINE
    add("inb " + "0" * 70000)
    return cases


# ---- dumps ---------------------------------------------------------------------------------------

BASES = [  # (fixture, lspci address, hostaddr for -device, short name)
    ("pciutils-tests/cap-pcie-2", "01:00.0", "0000:01:00.0", "nic"),
    ("pciutils-tests/cap-phy32", "2e:00.0", "0000:2e:00.0", "nvme"),
    ("pciutils-tests/cap-vc-and-rcl", "00:1b.0", "0000:00:1b.0", "hda"),
    ("pciutils-tests/cap-vendor-virtio", "00:09.0", "0000:00:09.0", "virtio"),
]


class Dump:
    """A device block reduced to header line, Region/ROM lines and hex rows 00-f0."""

    def __init__(self, fixture, addr):
        with open(os.path.join(FIX, fixture), encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        start = next(i for i, l in enumerate(lines) if l.startswith(addr + " "))
        self.head = lines[start]
        self.regions = []
        self.cfg = bytearray([0xff] * 256)
        for l in lines[start + 1:]:
            if not l.strip() or re.match(r"^[0-9a-f]+:[0-9a-f]+\.[0-7] ", l):
                break
            m = re.match(r"^([0-9a-f]{2}): (.*)$", l)
            if m:
                row = int(m.group(1), 16)
                for i, b in enumerate(m.group(2).split()):
                    self.cfg[row + i] = int(b, 16)
            elif re.search(r"Region [0-9]:|Expansion ROM", l):
                self.regions.append(l)

    def text(self, cfg=None, regions=None, head=None):
        cfg = self.cfg if cfg is None else cfg
        out = [self.head if head is None else head] + list(self.regions if regions is None else regions)
        for row in range(0, 256, 16):
            out.append("%02x: %s" % (row, " ".join("%02x" % b for b in cfg[row:row + 16])))
        return "\n".join(out) + "\n"

    def caps(self):
        """(offset, id) of the host capability list."""
        res, p, seen = [], self.cfg[0x34] & 0xfc, set()
        while p >= 0x40 and p not in seen:
            seen.add(p)
            res.append((p, self.cfg[p]))
            p = self.cfg[p + 1] & 0xfc
        return res


def put(cfg, off, val, n):
    c = bytearray(cfg)
    for i in range(n):
        c[off + i] = (val >> (8 * i)) & 0xff
    return c


def gen_dumps():
    cases = []   # (name, hostaddr, expect, text)
    for fixture, addr, hostaddr, short in BASES:
        d = Dump(fixture, addr)
        base = d.text()
        caps = dict((cid, off) for off, cid in reversed(d.caps()))
        add = lambda name, expect, text: cases.append(("%s-%s" % (short, name), hostaddr, expect, text))
        add("base", "OK", base)
        lines = base.split("\n")
        first_row = next(i for i, l in enumerate(lines) if l.startswith("00: "))
        # truncated in the middle of a line: libpci refuses the unterminated line
        for k in range(4):
            li = rng.randrange(first_row, len(lines) - 1)
            cut = rng.randrange(4, len(lines[li]) - 1)
            add("cut-%d" % k, "unterminated", "\n".join(lines[:li] + [lines[li][:cut]]))
        add("no-rows", "64 bytes", "\n".join(lines[:first_row]) + "\n")
        add("header-only", "64 bytes", lines[0] + "\n")
        add("empty", "not an lspci dump", "")
        # malformed hex bytes in a row
        for k in range(5):
            li = rng.randrange(first_row, first_row + 16)
            w = lines[li].split(" ")
            j = rng.randrange(1, len(w))
            w[j] = rng.choice(["zz", "g0", "0g", "-1", "+1", "x1", "0x1", "1g", "..", "\u00e9\u00e9"])
            add("badhex-%d" % k, "Malformed line", "\n".join(lines[:li] + [" ".join(w)] + lines[li + 1:]))
        # region sizes that cannot be parsed
        for k, s in enumerate(["0", "16E", "8E", "128Q", "", "-4K", "4KK", "0x1000", "1.5M", "K"]):
            if not d.regions:
                break
            r = list(d.regions)
            i = rng.randrange(len(r))
            if "[size=" not in r[i]:
                continue
            r[i] = re.sub(r"\[size=[^\]]*\]", "[size=%s]" % s, r[i])
            add("size-%d" % k, "region size", d.text(regions=r))
        # a memory region size that is not a multiple of the page size (a power of two
        # below a page is a sub-page BAR, accepted when alone in its page: not here), or
        # below the 16 bytes any memory BAR decodes
        mem = [i for i, r in enumerate(d.regions) if "Memory at" in r and "[size=" in r]
        for k, (s, why) in enumerate([("1", "16 bytes"), ("6K", "page-aligned"),
                                      ("10K", "page-aligned"), ("18K", "page-aligned")]):
            if mem:
                r = list(d.regions)
                i = mem[k % len(mem)]
                r[i] = re.sub(r"\[size=[^\]]*\]", "[size=%s]" % s, r[i])
                add("unaligned-%d" % k, why, d.text(regions=r))
        io = [i for i, r in enumerate(d.regions) if "I/O ports" in r]
        for k, s in enumerate(["64K", "128K", "1M"]):
            if io:
                r = list(d.regions)
                r[io[0]] = re.sub(r"\[size=[^\]]*\]", "[size=%s]" % s, r[io[0]])
                add("iosize-%d" % k, "grant", d.text(regions=r))
        # the device is not where -device says
        add("renamed", "no such device", d.text(head=d.head.replace(addr, "1f:1f.7", 1)))
        add("bad-devfn", "no such device", d.text(head=d.head.replace(addr, addr[:-1] + "9", 1)))
        # identity and header type
        add("vendor-ffff", "all-ones", d.text(cfg=put(d.cfg, 0, 0xffff, 2)))
        for ht, why in [(1, "bridge"), (2, "CardBus"), (0x7f, "header type"), (0x81, "bridge"), (3, "header type")]:
            add("htype-%02x" % ht, why, d.text(cfg=put(d.cfg, 0x0e, ht, 1)))
        add("bar5-64bit", "64-bit", d.text(cfg=put(d.cfg, 0x24, 0x4, 4)))
        # PCI Express ports are refused
        if 0x10 in caps:
            for t in [4, 5, 6, 7, 8, 10]:
                flags = (d.cfg[caps[0x10] + 2] | d.cfg[caps[0x10] + 3] << 8) & ~0xf0 | t << 4
                add("pcie-type-%d" % t, "PCI Express", d.text(cfg=put(d.cfg, caps[0x10] + 2, flags, 2)))
        # hostile MSI-X tables: the capability lies about its table
        if 0x11 in caps:
            m = caps[0x11]
            table = d.cfg[m + 4] | d.cfg[m + 5] << 8 | d.cfg[m + 6] << 16 | d.cfg[m + 7] << 24
            bir = table & 7
            add("msix-bir-6", "names no BAR", d.text(cfg=put(d.cfg, m + 4, (table & ~7) | 6, 4)))
            add("msix-bir-7", "names no BAR", d.text(cfg=put(d.cfg, m + 4, (table & ~7) | 7, 4)))
            add("msix-offset-max", "does not fit", d.text(cfg=put(d.cfg, m + 4, 0xfffffff8 | bir, 4)))
            add("msix-size-2048", "does not fit",
                d.text(cfg=put(put(d.cfg, m + 2, 0x07ff, 2), m + 4, (0xfffff000 & 0xfffff000) | bir, 4)))
            empty = [b for b in range(6) if not any("Region %d:" % b in r for r in d.regions)
                     and (b == 0 or not (d.cfg[0x10 + 4 * (b - 1)] & 0x6) == 0x4)]
            if empty:
                add("msix-bir-empty", "does not implement", d.text(cfg=put(d.cfg, m + 4, (table & ~7) | empty[-1], 4)))
            iob = [b for b in range(6) if d.cfg[0x10 + 4 * b] & 1 and any("Region %d:" % b in r for r in d.regions)]
            if iob:
                add("msix-io-bar", "I/O BAR", d.text(cfg=put(d.cfg, m + 4, (table & ~7) | iob[0], 4)))
        # contained: hostile capability chains and lying sizes must not hurt (exit 0)
        chain = [off for off, _ in d.caps()]
        if chain:
            add("cap-loop-self", "OK", d.text(cfg=put(d.cfg, chain[0] + 1, chain[0], 1)))
            add("cap-loop-back", "OK", d.text(cfg=put(d.cfg, chain[-1] + 1, chain[0], 1)))
            add("cap-id-ff", "OK", d.text(cfg=put(d.cfg, chain[0], 0xff, 1)))
            add("cap-ptr-header", "OK", d.text(cfg=put(d.cfg, 0x34, 0x3c, 1)))
            add("cap-ptr-fc", "OK", d.text(cfg=put(put(d.cfg, 0x34, 0xfc, 1), 0xfc, 0x01800005, 4)))
            add("cap-vendor-len-ff", "OK", d.text(cfg=put(put(d.cfg, chain[-1] + 1, 0xf0, 1), 0xf0, 0x00ff0009, 4)))
            for k in range(4):
                c = bytearray(d.cfg)
                for _ in range(3):
                    off = rng.choice(chain)
                    c[off + rng.choice([0, 1])] = rng.randrange(256)
                add("cap-random-%d" % k, "OK", d.text(cfg=c))
        add("status-nocaps", "OK", d.text(cfg=put(d.cfg, 0x06, d.cfg[6] & ~0x10, 1)))
        if mem:
            # one and a half times the size: not a power of two, still page-aligned and
            # still holding whatever the BAR holds
            r = list(d.regions)
            m0 = re.search(r"\[size=([0-9]+)([KMG])\]", r[mem[0]])
            size = int(m0.group(1)) * {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m0.group(2)] * 3 // 2
            if size % 4096 == 0:
                r[mem[0]] = re.sub(r"\[size=[^\]]*\]", "[size=%dK]" % (size >> 10), r[mem[0]])
                add("size-not-pow2", "OK", d.text(regions=r))
        # no [size=] at all: an assigned BAR gets a bound from the dump's layout, and a
        # one-device dump has none to give
        add("no-sizes", "no [size=]", d.text(regions=[re.sub(r" ?\[size=[^\]]*\]", "", r) for r in d.regions]))
    return cases


def main():
    os.makedirs(os.path.join(OUT, "dumps"), exist_ok=True)
    cl = gen_cmdline()
    with open(os.path.join(OUT, "cmdline.txt"), "w", encoding="utf-8") as f:
        for c in cl:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    qm = gen_qmp()
    with open(os.path.join(OUT, "qmp.txt"), "w", encoding="ascii") as f:
        for klass, data in qm:
            f.write("%s\t%s\n" % (klass, escape(data)))
    qt = gen_qtest()
    with open(os.path.join(OUT, "qtest.txt"), "w", encoding="ascii") as f:
        for data in qt:
            f.write(escape(data) + "\n")
    for old in os.listdir(os.path.join(OUT, "dumps")):
        os.unlink(os.path.join(OUT, "dumps", old))
    dl = gen_dumps()
    with open(os.path.join(OUT, "dumps", "index.txt"), "w", encoding="utf-8") as idx:
        for n, (name, hostaddr, expect, text) in enumerate(dl):
            fn = "%04d-%s.dump" % (n, name)
            with open(os.path.join(OUT, "dumps", fn), "w", encoding="utf-8") as f:
                f.write(text)
            idx.write("%s\t%s\t%s\n" % (fn, hostaddr, expect))
    total = len(cl) + len(qm) + len(qt) + len(dl)
    print("cmdline %d, qmp %d, qtest %d, dumps %d: %d cases" % (len(cl), len(qm), len(qt), len(dl), total))


if __name__ == "__main__":
    main()
