# xen-pt-dm — GNU make. Objects under build/, binary build/xen-pt-dm.
#   make          build the device model
#   make demo     the main job: pass a real device through under qtest and show the guest view
#   make check    build and run every test; prints "N passed, N failed" last
# Every target first installs missing Debian packages (scripts/install-deps.sh).

BUILD   := build
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

CORE_SRCS := $(wildcard util/*.c hw/pci/*.c hw/host/*.c hw/xen/*.c hw/i386/*.c \
                        xen/*.c qtest/*.c monitor/*.c)
CORE_SRCS := $(filter-out qtest/client.c,$(CORE_SRCS))
MAIN_SRCS := system/vl.c
TESTLIB_SRCS := qtest/client.c tests/testutil.c tests/guest-fw.c
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
	$(CC) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCORE): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJS) $(LIBCORE)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJS) $(LIBCORE) $(PKG_LIBS)

$(BUILD)/tests/%: tests/%.c $(TESTLIB_OBJS) $(LIBCORE) $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJS) $(LIBCORE) $(PKG_LIBS)

# The xen accelerator's test links tests/fake-libxen.c in place of the Xen libraries.
$(BUILD)/tests/test-xen-accel: tests/test-xen-accel.c $(BUILD)/tests/fake-libxen.o $(LIBCORE) $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/tests/fake-libxen.o $(LIBCORE) $(filter-out -lxen%,$(PKG_LIBS))

$(BUILD)/tests/tools/%: tests/tools/%.c $(TESTLIB_OBJS) $(LIBCORE) $(CONFIG_MAK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XPT_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJS) $(LIBCORE) $(PKG_LIBS)

tests: $(BIN) $(TEST_BINS) $(TOOL_BINS)

check: tests
	@sh tests/run-tests.sh $(BUILD) $(TEST_BINS)

check-sanitize:
	$(MAKE) BUILD=build-san SAN=address,undefined check

demo: $(BIN) $(BUILD)/tests/tools/guest-view
	@sh scripts/demo.sh $(BUILD)

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/lib/xen/bin/xen-pt-dm

clean:
	rm -rf build build-san

.PHONY: all tests check check-sanitize demo install clean
.SECONDARY:

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
