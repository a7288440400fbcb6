# SPDX-License-Identifier: GPL-2.0-or-later
# xen-pt-dm — GNU make. Objects under build/, binary build/xen-pt-dm.
#   make          build the device model
#   make demo     the main job: pass a real device through under qtest and show the guest view
#   make check    build and run every test; prints "N passed, N failed" last
#   make bench    measure costs beside QEMU (bench/): bench/results.json, docs/performance.md
#   make install / uninstall   /usr/lib/xen/bin/xen-pt-dm and its man page
#   make deb / check-deb       the Debian package; check-deb also lints, installs and runs it
#   V=1           print the full commands instead of "CC file.o"
# Every target first installs missing Debian packages (scripts/install-deps.sh).

BUILD   := build
# Where tests and the demo find the fixtures: tests/fixtures unless XPT_FIXTURES says.
XPT_FIXTURES ?= $(shell sh scripts/fixtures-dir.sh)
export XPT_FIXTURES
CC      ?= cc
CFLAGS  ?= -O2 -g
XPT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
              -Wmissing-prototypes -Wstrict-prototypes -Wshadow -fno-strict-aliasing \
              -D_GNU_SOURCE -I. -I$(BUILD)
SAN     ?=
ifneq ($(SAN),)
CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SAN)
LDFLAGS += -fsanitize=$(SAN)
endif

# Quiet build lines ("CC hw/pci/regs.o"); V=1 prints the full commands.
V ?= 0
ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-6s %s\n' $(1) $(2)
endif

.DEFAULT_GOAL := all
DEPS_STAMP := $(BUILD)/.deps-installed
CONFIG_MAK := $(BUILD)/config-host.mak

$(DEPS_STAMP): scripts/install-deps.sh
	@mkdir -p $(BUILD)
	@sh scripts/install-deps.sh
	@touch $@

$(CONFIG_MAK): configure $(DEPS_STAMP)
	@sh ./configure --builddir=$(BUILD) >/dev/null

-include $(CONFIG_MAK)

CORE_SRCS := $(wildcard util/*.c hw/pci/*.c hw/host/*.c hw/xen/*.c hw/i386/*.c hw/char/*.c \
                        xen/*.c qtest/*.c monitor/*.c)
CORE_SRCS := $(filter-out qtest/client.c qtest/qmp-client.c,$(CORE_SRCS))
MAIN_SRCS := system/vl.c system/cmdline.c system/privileges.c system/compat-opts.c system/check-host.c
TESTLIB_SRCS := qtest/client.c qtest/qmp-client.c tests/testutil.c tests/guest-fw.c
TEST_SRCS := $(wildcard tests/test-*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)

CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJS := $(MAIN_SRCS:%.c=$(BUILD)/%.o)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)

BIN := $(BUILD)/xen-pt-dm
LIBCORE := $(BUILD)/libxptcore.a

all: $(BIN)

$(BUILD)/%.o: %.c $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCORE): $(CORE_OBJS)
	@rm -f $@
	$(call quiet,AR,$@)
	$(Q)ar rcs $@ $^

$(BIN): $(MAIN_OBJS) $(LIBCORE)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJS) $(LIBCORE) $(PKG_LIBS)

# A test program links its own tests/test-*.c, TESTLIB_OBJS and the objects its family
# shares (the prerequisites below).
$(BUILD)/tests/%: tests/%.c $(TESTLIB_OBJS) $(LIBCORE) $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(LIBCORE) $(PKG_LIBS)

# Test families and the helpers they share (tests/*-util.c, tests/*-fixture.c,
# tests/qtest-fake-backend.c).
$(filter $(BUILD)/tests/test-qmp%,$(TEST_BINS)): $(BUILD)/tests/qmp-test-util.o
$(filter $(BUILD)/tests/test-ioreq%,$(TEST_BINS)): $(BUILD)/tests/ioreq-fixture.o
$(filter $(BUILD)/tests/test-security%,$(TEST_BINS)): $(BUILD)/tests/security-util.o
$(filter $(BUILD)/tests/test-xen-sim%,$(TEST_BINS)): $(BUILD)/tests/sim-test-util.o
$(filter $(BUILD)/tests/test-msix $(BUILD)/tests/test-msix-%,$(TEST_BINS)): \
    $(BUILD)/tests/msix-test-util.o
$(filter $(BUILD)/tests/test-host $(BUILD)/tests/test-host-%,$(TEST_BINS)): \
    $(BUILD)/tests/host-test-util.o
$(filter $(BUILD)/tests/test-qtest-proto%,$(TEST_BINS)): $(BUILD)/tests/qtest-fake-backend.o
$(filter $(BUILD)/tests/test-regs%,$(TEST_BINS)): $(BUILD)/tests/regs-fixture.o

# The xen accelerator's tests link the libxen fake (tests/fake-libxen*.c) in place of the
# Xen libraries.
FAKE_LIBXEN_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fake-libxen*.c))
XEN_ACCEL_TEST_BINS := $(filter $(BUILD)/tests/test-xen-accel $(BUILD)/tests/test-xen-accel-%,\
                                $(TEST_BINS))
$(XEN_ACCEL_TEST_BINS): $(BUILD)/tests/%: tests/%.c $(FAKE_LIBXEN_OBJS) \
                        $(BUILD)/tests/xen-accel-fixture.o $(LIBCORE) $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(LIBCORE) $(filter-out -lxen%,$(PKG_LIBS))

# The fuzzer's replay (tests/test-fuzz-replay.c) links the harness of tests/fuzz/.
FUZZ_HARNESS_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fuzz/*.c)) \
                     $(BUILD)/tests/host-policy.o
$(BUILD)/tests/test-fuzz-replay: tests/test-fuzz-replay.c $(FUZZ_HARNESS_OBJS) $(LIBCORE) $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(FUZZ_HARNESS_OBJS) $(LIBCORE) $(PKG_LIBS)

# xen-pt-dm linked with the libxen fake: tests/test-deprivilege.c runs the xen
# accelerator's start-up and shutdown under -xen-domid-restrict and -sandbox with it.
FAKEXEN_BIN := $(BUILD)/tests/xen-pt-dm-fakexen
$(FAKEXEN_BIN): $(MAIN_OBJS) $(FAKE_LIBXEN_OBJS) $(LIBCORE)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJS) $(FAKE_LIBXEN_OBJS) $(LIBCORE) $(filter-out -lxen%,$(PKG_LIBS))

$(BUILD)/tests/tools/%: tests/tools/%.c $(TESTLIB_OBJS) $(LIBCORE) $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJS) $(LIBCORE) $(PKG_LIBS)

tests: $(BIN) $(TEST_BINS) $(TOOL_BINS) $(FAKEXEN_BIN)

check: tests
	@sh tests/run-tests.sh $(BUILD) $(TEST_BINS)

# make check-xen: the real-Xen test. Debian 12's Xen 4.17, xl, hvmloader and a Linux guest
# against $(BIN), nested in QEMU TCG (tests/xen/check-xen.sh: it downloads the Xen and
# kernel packages with apt-get download into XPT_XEN_CACHE, installs nothing but QEMU and
# cpio). One PASS/FAIL line per stage with its evidence, then "N passed, N failed".
check-xen: $(BIN)
	@sh scripts/install-deps.sh qemu-system-x86 cpio binutils bash util-linux
	@bash tests/xen/check-xen.sh $(BUILD)

check-sanitize:
	$(MAKE) BUILD=build-san SAN=address,undefined check

# make check-valgrind: the tests that drive the real binary, with it under valgrind's
# memcheck (scripts/valgrind-wrapper.sh); an error or a definite leak fails. Not in check.
VALGRIND_TESTS := $(addprefix $(BUILD)/tests/test-,passthrough irq msix msix-nvme msix-layout \
                                                 hotplug pt-tree qmp qmp-hotplug qmp-monitors \
                                                 security security-dump security-faults badinput)
check-valgrind: tests
	@sh scripts/check-valgrind.sh $(BUILD) $(VALGRIND_TESTS)

# make fuzz [SECONDS=N] [FUZZ_ARGS=...]: libFuzzer + ASan/UBSan (clang, objects in
# build-fuzz/) for N seconds; seeds from tests/fuzz/corpus/, new inputs in build-fuzz/corpus/.
# make fuzz-merge: add the inputs of build-fuzz/corpus/ that reach new edges to tests/fuzz/corpus/.
# make coverage: line coverage of hw/ and xen/ from the corpus replay (gcc --coverage, build-cov/).
SECONDS ?= 60
FUZZ_ARGS ?=
FUZZ_BIN := build-fuzz/tests/fuzz/fuzz-guest
$(BUILD)/tests/fuzz/fuzz-guest: $(FUZZ_HARNESS_OBJS) $(LIBCORE)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_HARNESS_OBJS) $(LIBCORE) $(PKG_LIBS)

FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
               -fsanitize-coverage-allowlist=tests/fuzz/coverage-allowlist.txt
fuzz-build:
	@sh scripts/install-deps.sh --fuzz
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" $(FUZZ_BIN)

fuzz: fuzz-build
	@mkdir -p build-fuzz/corpus
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(FUZZ_BIN) -max_total_time=$(SECONDS) \
	    -timeout=10 -max_len=1024 -print_final_stats=1 -artifact_prefix=build-fuzz/ \
	    $(FUZZ_ARGS) build-fuzz/corpus tests/fuzz/corpus

fuzz-merge: fuzz-build
	$(FUZZ_BIN) -merge=1 -use_counters=0 -use_cmp=0 tests/fuzz/corpus build-fuzz/corpus

coverage:
	$(MAKE) BUILD=build-cov CFLAGS="-O0 -g --coverage" LDFLAGS=--coverage build-cov/tests/test-fuzz-replay
	@find build-cov -name '*.gcda' -delete
	build-cov/tests/test-fuzz-replay >/dev/null
	@sh tests/fuzz/coverage.sh build-cov hw xen

.PHONY: fuzz fuzz-build fuzz-merge coverage

# make bench: start-up, config accesses, MSI-X, BAR moves, hot-plug and scale of the real
# binary beside QEMU 7.2 (bench/*.c; bench/run.sh writes bench/results.json and the
# figures of docs/performance.md). Timings only: nothing here is asserted by make check.
BENCH_BIN := $(BUILD)/bench/bench
BENCH_FLOOR := $(BUILD)/bench/floor
$(BENCH_FLOOR): bench/floor.c $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(PKG_LIBS)
BENCH_SRCS := bench/bench.c bench/fixtures.c bench/start.c bench/qtest-figures.c
$(BENCH_BIN): $(BENCH_SRCS) bench/bench.h $(TESTLIB_OBJS) $(LIBCORE) $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $(BENCH_SRCS) $(TESTLIB_OBJS) $(LIBCORE) $(PKG_LIBS) -lm

# built (not run) by make check, so that a change of the client or the core that breaks it
# is seen at once
tests: $(BENCH_BIN) $(BENCH_FLOOR)

bench: $(BIN) $(BENCH_BIN) $(BENCH_FLOOR)
	@sh scripts/install-deps.sh qemu-system-x86 valgrind gnuplot-nox
	@sh bench/run.sh $(BUILD)

# make demo [DEV=SSSS:BB:DD.F]: DEV picks the host device (default: the first endpoint).
DEV ?=
demo: $(BIN) $(BUILD)/tests/tools/guest-view
	@sh scripts/demo.sh $(BUILD) $(DEV)

# make install [PREFIX=DIR] [DESTDIR=staging]: the binary where xl's device_model_override
# points (/usr/lib/xen/bin/xen-pt-dm, docs/xen.md; PREFIX defaults to /usr, ./configure
# --prefix changes it) and the man page; make uninstall removes both (tests/test-install.c).
INSTALLED_BIN := $(DESTDIR)$(PREFIX)/lib/xen/bin/xen-pt-dm
INSTALLED_MAN := $(DESTDIR)$(PREFIX)/share/man/man1/xen-pt-dm.1
install: $(BIN)
	install -D -m 0755 $(BIN) $(INSTALLED_BIN)
	install -D -m 0644 docs/xen-pt-dm.1 $(INSTALLED_MAN)

uninstall: $(CONFIG_MAK)
	rm -f $(INSTALLED_BIN) $(INSTALLED_MAN)
	@rmdir $(DESTDIR)$(PREFIX)/lib/xen/bin $(DESTDIR)$(PREFIX)/lib/xen 2>/dev/null || true

# make deb: the Debian package (debian/), built by dpkg-buildpackage from a copy of the
# source in $(BUILD)/deb/ (the tree itself stays as it is); the .deb lands in $(BUILD)/deb.
# make check-deb: make deb without its tests (make check ran them), lintian on the result
# (errors and warnings fail), then the package installed with dpkg -i (as root: this
# changes the system, which CI's throwaway machine allows) and its binary run.
DEB_DIR := $(BUILD)/deb
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_FILE = $(DEB_DIR)/xen-pt-dm_$(DEB_VERSION)_$(shell dpkg --print-architecture).deb
deb:
	@sh scripts/install-deps.sh --deb
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	@tar -cf - --exclude=./build --exclude='./build-*' --exclude=./.git . | tar -xf - -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc >../build.log 2>&1 \
	    || { tail -40 ../build.log; exit 1; }
	@ls $(DEB_FILE)

check-deb: export DEB_BUILD_OPTIONS = nocheck
check-deb: deb
	@sh scripts/check-deb.sh $(DEB_DIR) $(DEB_FILE)

clean:
	rm -rf build build-san

.PHONY: all tests check check-xen check-sanitize check-valgrind bench demo install uninstall deb \
        check-deb clean
.SECONDARY:

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
