# vigil: one Makefile. Quiet by default; `make V=1` shows full commands.
# Artefacts go to build/ only.

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

BUILD      ?= build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)"
endif

WARN     := -Wall -Wextra -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -I$(BUILD)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wno-unused-function \
	      -I$(BUILD) -Iinclude -Ibpf
# libbpf, libelf, zlib, libzstd, libyaml and jansson (the docker API's
# answers) ship .a files in Debian and are linked statically. Three
# libraries exist in Debian 12 only as shared libraries, or with
# dependencies that have no static archives, and are linked dynamically,
# so glibc is too: libcurl (HTTP output; nghttp2, libssh2, librtmp, libpsl,
# GSSAPI, LDAP have no .a), libmicrohttpd (webserver) and libnats (the NATS
# C client, src/fleet/; libssl, libcrypto, libprotobuf-c under it).
LDLIBS_VIGIL := -Wl,-Bstatic -lbpf -lelf -lz -lzstd -lyaml -ljansson -Wl,-Bdynamic \
	-lcurl -lmicrohttpd -lnats -lpthread
LDLIBS_STATIC := $(LDLIBS_VIGIL)
UNIT_LIBS := -lcmocka -lbpf -lelf -lz -lyaml -ljansson -lcurl -lmicrohttpd -lnats -lpthread

SRC_ALL  := $(sort $(wildcard src/*/*.c))
SRC_MAIN := src/cli/main.c
SRC_LIB  := $(filter-out $(SRC_MAIN),$(SRC_ALL))
BPF_SRC  := $(wildcard bpf/*.bpf.c)
BPF_HDRS := $(wildcard bpf/lib/*.h) $(wildcard include/abi/*.h)
HDRS     := $(wildcard src/*/*.h) $(wildcard include/abi/*.h)
SKELS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRC))

OBJ_LIB  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC_LIB))
OBJ_MAIN := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC_MAIN))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
SAN_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/san/tests/%,$(UNIT_SRC))
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SUITES   := attacks benign evasion runtimes
INTEG_BIN := $(BUILD)/tests/integration \
	$(patsubst tests/integration/%_it.c,$(BUILD)/tests/integration-%,$(wildcard tests/integration/*_it.c)) \
	$(patsubst %,$(BUILD)/tests/integration-%,$(SUITES)) $(BUILD)/tests/integration-fleet-san
BENCH_BIN := $(BUILD)/bench/tpbench $(BUILD)/bench/rulebench $(BUILD)/bench/agentbench $(BUILD)/bench/killbench \
	$(BUILD)/bench/outputbench \
	$(BUILD)/bench/ctxbench $(BUILD)/bench/hostbench $(BUILD)/bench/fleetbench

.PHONY: all deps run test check unit sanitize integration vmtest bench clean format format-check deb \
	chroot-test
all: $(BUILD)/vigil

deps:
	$(Q)scripts/install-deps

# --- BPF ------------------------------------------------------------------
# vmlinux.h is generated from the build machine's kernel BTF (see
# docs/ARCHITECTURE.md): CO-RE relocates against the running kernel anyway.
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,BTF,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# --- user space -------------------------------------------------------------
# Every x86_64 syscall name, from the kernel headers: lets the rule compiler
# tell an untraced syscall (a warning) from a typo (an error).
UNISTD := $(firstword $(wildcard /usr/include/x86_64-linux-gnu/asm/unistd_64.h /usr/include/asm/unistd_64.h))
$(BUILD)/sysnames.h: $(UNISTD) | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/"\1",/p' $< > $@

# The i386 numbers of the same syscalls, for ia32 (int 0x80) calls: the
# dispatcher table has a row for each (src/pipeline/syscalls.c).
UNISTD32 := $(firstword $(wildcard /usr/include/x86_64-linux-gnu/asm/unistd_32.h /usr/include/asm/unistd_32.h))
$(BUILD)/sysnums32.h: $(UNISTD32) | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/{ "\1", \2 },/p' $< > $@

$(BUILD)/obj/%.o: src/%.c $(HDRS) $(SKELS) $(BUILD)/sysnames.h $(BUILD)/sysnums32.h
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The bundled rules are embedded with .incbin: rebuild when they change.
$(BUILD)/obj/rules/bundled.o $(BUILD)/san/obj/rules/bundled.o: rules/default.yaml

$(BUILD)/libvigil.a: $(OBJ_LIB)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/vigil: $(OBJ_MAIN) $(BUILD)/libvigil.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_VIGIL)

# --- tests ------------------------------------------------------------------
$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(BUILD)/libvigil.a
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libvigil.a $(UNIT_LIBS)

# The same unit tests under AddressSanitizer and UBSan, from a separate build
# of the library so that sanitizer instrumentation covers our code too.
SAN_OBJ := $(patsubst src/%.c,$(BUILD)/san/obj/%.o,$(SRC_LIB))
$(BUILD)/san/obj/%.o: src/%.c $(HDRS) $(SKELS) $(BUILD)/sysnames.h $(BUILD)/sysnums32.h
	@mkdir -p $(@D)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@
$(BUILD)/san/libvigil.a: $(SAN_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/san/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(BUILD)/san/libvigil.a
	@mkdir -p $(@D)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests/unit -o $@ $< $(BUILD)/san/libvigil.a $(UNIT_LIBS)

$(BUILD)/tests/integration: tests/integration/integration.c tests/integration/harness.c tests/integration/harness.h
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/integration -o $@ $< tests/integration/harness.c -lcmocka -ljansson
$(BUILD)/tests/integration-%: tests/integration/%_it.c tests/integration/harness.c tests/integration/harness.h \
		tests/uring.h
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/integration -o $@ $< tests/integration/harness.c -lcmocka -ljansson

# The fleet suite drives src/fleet/ directly (simulated agents publishing
# through the library) besides running build/vigil: it links libvigil.
$(BUILD)/tests/integration-fleet: tests/integration/fleet_it.c tests/fleetsim.h tests/integration/harness.c \
		tests/integration/harness.h $(BUILD)/libvigil.a
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/integration -o $@ $< tests/integration/harness.c \
		$(BUILD)/libvigil.a -lcmocka $(LDLIBS_VIGIL)

# The agents' fleet suite: real `vigil run` agents with nats_output and
# the fleet link; it reads the stream back through the library.
$(BUILD)/tests/integration-fleetagent: tests/integration/fleetagent_it.c tests/fleetsim.h \
		tests/integration/harness.c tests/integration/harness.h $(BUILD)/libvigil.a
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/integration -o $@ $< tests/integration/harness.c \
		$(BUILD)/libvigil.a -lcmocka $(LDLIBS_VIGIL)

# The same suite with the library under ASan+UBSan (leaks included): the
# publisher's callbacks run on libnats' threads, where mistakes hide.
$(BUILD)/tests/integration-fleet-san: tests/integration/fleet_it.c tests/fleetsim.h \
		tests/integration/harness.c tests/integration/harness.h $(BUILD)/san/libvigil.a
	@mkdir -p $(@D)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests/integration -o $@ $< tests/integration/harness.c \
		$(BUILD)/san/libvigil.a -lcmocka $(LDLIBS_VIGIL)

# Integration suites with a folder of their own, built from every .c there
# plus the harness: tests/attacks/ (a scenario per bundled rule) and
# tests/benign/ (ordinary work that must stay quiet).
define suite
$(BUILD)/tests/integration-$(1): $(wildcard tests/$(1)/*.c tests/$(1)/*.h) \
		tests/integration/harness.c tests/integration/harness.h tests/uring.h
	@mkdir -p $$(@D)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(CFLAGS) -Itests/integration -o $$@ $(wildcard tests/$(1)/*.c) \
		tests/integration/harness.c -lcmocka -ljansson
endef
$(foreach s,$(SUITES),$(eval $(call suite,$(s))))

# The runtimes suite's container image: this one static program.
PAYLOAD := $(BUILD)/tests/runtimes-payload
$(PAYLOAD): tests/runtimes/payload/payload.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -static -o $@ $<

# --- fuzzing ------------------------------------------------------------------
# libFuzzer targets for the rule loader and the condition parser, built with
# clang from the sources they need (rules, common, pipeline minus the parts
# that drive BPF), as an archive so that only what is used gets linked.
# Run one at a time; the first directory receives new inputs, the seeds stay
# as they are:
#   mkdir -p build/fuzz/corpus-rules
#   build/fuzz/fuzz_rules -max_total_time=180 build/fuzz/corpus-rules tests/fuzz/corpus/rules
# (fuzz_cond likewise with tests/fuzz/corpus/cond)
FUZZ_CC     ?= clang
FUZZ_FLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SRC    := $(filter-out src/pipeline/agent.c src/pipeline/consumer.c,\
		$(filter src/rules/% src/common/% src/pipeline/%,$(SRC_LIB)))
FUZZ_OBJ    := $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_SRC))
FUZZ_BIN    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(BUILD)/fuzz/obj/%.o: src/%.c $(HDRS) $(BUILD)/sysnames.h $(BUILD)/sysnums32.h
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARN) -std=gnu11 -D_GNU_SOURCE \
		-Iinclude -Isrc -I$(BUILD) -c $< -o $@
$(BUILD)/fuzz/obj/rules/bundled.o: rules/default.yaml
$(BUILD)/fuzz/libvigil-fuzz.a: $(FUZZ_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_events.h $(BUILD)/fuzz/libvigil-fuzz.a
	$(call msg,CC-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) -std=gnu11 -D_GNU_SOURCE \
		-Iinclude -Isrc -I$(BUILD) -o $@ $< $(BUILD)/fuzz/libvigil-fuzz.a -lyaml -ljansson

.PHONY: fuzz
fuzz: $(FUZZ_BIN)

$(BUILD)/bench/fleetbench: bench/fleetbench.c $(BUILD)/libvigil.a
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libvigil.a $(LDLIBS_VIGIL)

$(BUILD)/bench/%: bench/%.c bench/bench.h tests/uring.h $(SKELS) $(BUILD)/libvigil.a
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libvigil.a $(LDLIBS_STATIC)

unit: $(UNIT_BIN)
sanitize: $(SAN_BIN)
integration: $(INTEG_BIN) $(PAYLOAD) $(BUILD)/vigil

# The README's two commands. Each first installs what is missing (a no-op
# when all is there; `make test` also the container runtimes its runtimes
# suite drives), then builds in a second make so that the build sees the
# freshly installed tools.
test:
	$(Q)scripts/install-deps --runtimes --deb
	$(Q)$(MAKE) --no-print-directory check

run:
	$(Q)scripts/install-deps
	$(Q)$(MAKE) --no-print-directory $(BUILD)/vigil
	$(BUILD)/vigil run $(ARGS)

# tests/vm/*.sh in a QEMU guest booting Debian's own kernel, where fentry and
# LSM-BPF work (the host may refuse them) and CO-RE meets a second kernel's
# BTF. Installs QEMU and fetches the kernel package on first use; see
# tests/vm/README.md.
vmtest: $(BUILD)/vigil
	$(Q)scripts/vmtest --build $(BUILD)
	$(Q)scripts/vmtest --races --build $(BUILD)

# `make test` as a new user of a minimal Debian would run it: in a fresh
# `mmdebstrap --variant=apt bookworm` root (cached in /var/cache/vigil),
# with the repository's HEAD cloned inside, scripts/install-deps, then make
# test. It takes the BPF lock itself for the tests (do not wrap it in
# flock). scripts/chroot-test says more.
chroot-test:
	$(Q)scripts/chroot-test --build $(BUILD) --lock /tmp/vigil-bpf.lock

# The Debian package: dpkg-deb, then lintian (scripts/mkdeb; packaging/).
VERSION := $(shell sed -n 's/^\#define VIGIL_VERSION "\(.*\)"/\1/p' src/cli/main.c)
DEB := $(BUILD)/vigil_$(VERSION)_amd64.deb
$(DEB): $(BUILD)/vigil scripts/mkdeb rules/default.yaml docs/vigil.8 $(wildcard packaging/* packaging/debian/*)
	$(call msg,DEB,$@)
	$(Q)scripts/mkdeb $(BUILD)
# As Debian's package builds do, the tests run when DEB_BUILD_OPTIONS is
# set (sbuild and pbuilder set it) unless it says nocheck; a failing test
# removes the package. `DEB_BUILD_OPTIONS= make deb` asks for them.
DEB_CHECK := $(if $(filter undefined,$(origin DEB_BUILD_OPTIONS)),,$(if $(filter nocheck,$(DEB_BUILD_OPTIONS)),,yes))
deb:
	$(Q)scripts/install-deps --deb $(if $(DEB_CHECK),--runtimes)
	$(Q)$(MAKE) --no-print-directory $(DEB) $(if $(DEB_CHECK),$(UNIT_BIN) $(SAN_BIN) $(INTEG_BIN) $(PAYLOAD))
ifneq ($(DEB_CHECK),)
	$(Q)tests/run $(BUILD) || { rm -f $(DEB); echo "deb: the tests failed: $(DEB) removed" >&2; exit 1; }
endif

# Every suite (unit, unit under ASan+UBSan, integration, vmtest), one summary line.
check: $(BUILD)/vigil $(UNIT_BIN) $(SAN_BIN) $(INTEG_BIN) $(PAYLOAD) $(DEB)
	$(Q)tests/run $(BUILD)

bench:
	$(Q)scripts/install-deps --bench
	$(Q)$(MAKE) --no-print-directory $(BUILD)/vigil $(BENCH_BIN)
	$(BUILD)/bench/rulebench 500
	$(BUILD)/bench/tpbench $(BUILD)/vigil
	$(BUILD)/bench/agentbench $(BUILD)/vigil
	$(BUILD)/bench/ctxbench $(BUILD)/vigil
	$(BUILD)/bench/killbench $(BUILD)/vigil
	$(BUILD)/bench/hostbench $(BUILD)/vigil
	$(BUILD)/bench/fleetbench $(BUILD)/vigil
	$(BUILD)/bench/outputbench $(BUILD)/vigil

format:
	$(Q)clang-format -i $(SRC_ALL) $(wildcard src/*/*.h) $(wildcard tests/*/*.[ch]) $(wildcard bench/*.c)
format-check:
	$(Q)clang-format --dry-run --Werror $(SRC_ALL) $(wildcard src/*/*.h) $(wildcard tests/*/*.[ch]) $(wildcard bench/*.c)

$(BUILD):
	@mkdir -p $@

clean:
	rm -rf $(BUILD)
