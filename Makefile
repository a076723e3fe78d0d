# SPDX-License-Identifier: GPL-2.0
#
# itimer groups: build the module, boot a VM and test it there.
#
#   make            build the module (against KVER, Debian's 6.1 by default)
#   make check      build, boot the VM, run every selftest
#   make demo       build, boot the VM, show the module at work
#   make lint       W=1 + sparse, checkpatch --strict, uapi header checks
#   make check-debug  make check on a KASAN/lockdep/kmemleak kernel
#   make bench      benchmarks against the native timers, table + plots
#                   (BENCH_ONLY="cpu scale": only those modes)
#   make deb        Debian packages (itimer-group-dkms, -tools), lintian
#   make check-deb  install them in a bookworm root, DKMS, VM, purge
#
# Variables:
#   KVER=<release>      kernel to build for and boot (default: the one
#                       Debian's linux-headers-amd64 depends on)
#   T="prog ..."        make check: run only these test programs
#   T_SKIP="prog ..."   make check: all but these
#   BROKEN=test|warn    make check on a deliberately broken build (must fail)
#   ITG_KVM=1           use /dev/kvm when it works (TCG by default)
#   ITG_MTTCG=1         multi-threaded TCG (one host thread per vCPU)
#   ITG_MODPARAMS="p=v ..."  module parameters for the guest's insmod
#   make fuzz [FUZZ_CALLS=N] [FUZZ_SEED=S]   the ioctl fuzzer, long mode
#   LOG=<file>          where to keep the VM console log

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
KVER = $(shell $(TOP)/scripts/kver.sh)
KDIR = /lib/modules/$(KVER)/build
KIMAGE = /boot/vmlinuz-$(KVER)
# The debug kernel lane's cache (see scripts/debug-kernel.sh).
DEBUG_CACHE ?= /var/cache/itimer-group/debug-kernel
KSRC := $(BUILD)/ksrc
LOG ?= $(BUILD)/vm-$(or $(BROKEN),check).log

CC ?= gcc
TEST_CFLAGS := -O2 -g -Wall -D_GNU_SOURCE \
	-static -pthread -I$(TOP)/uapi -I$(KSRC)/tools/testing/selftests
ifeq ($(BROKEN),test)
TEST_CFLAGS += -DITG_BROKEN_TEST
endif

# Test programs: selftests/<name>.c, run as listed in selftests/tests.list.
TEST_PROGS := $(patsubst selftests/%.c,%,$(wildcard selftests/itg_*.c))
SELDIR := $(BUILD)/selftests$(if $(filter test,$(BROKEN)),-broken)
# Built again with -m32: every ioctl through the compat path.
TEST_PROGS_32 := itg_device itg_errno itg_real itg_groups itg_timerfd
TEST_BINS := $(addprefix $(SELDIR)/,$(TEST_PROGS)) \
	$(patsubst %,$(SELDIR)/%_32,$(TEST_PROGS_32))
HDRS := $(wildcard uapi/linux/*.h) $(wildcard selftests/*.h)
MOD_SRCS := $(wildcard module/*.c module/*.h) Kbuild

.PHONY: all module deps check check-debug demo bench bench-deps lint clean selftests tools help fuzz
.DELETE_ON_ERROR:

all: module tools

# The comment block at the head of this file and of each mk/*.mk.
help:
	@for f in Makefile mk/*.mk; do \
		echo "== $$f"; \
		sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' $$f; \
	done

deps:
	@$(TOP)/scripts/deps.sh

$(KSRC)/.extracted: | deps
	@$(TOP)/scripts/ksrc.sh $(KSRC)

module: deps
	$(MODTREE)
	$(MAKE) -C $(KDIR) M=$(MODDIR) $(if $(filter warn,$(BROKEN)),ITG_BROKEN_WARN=y) modules

$(SELDIR)/%: selftests/%.c $(HDRS) $(KSRC)/.extracted
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< -lrt

# The harness prints pointers through intmax_t: harmless on 32-bit.
$(SELDIR)/%_32: selftests/%.c $(HDRS) $(KSRC)/.extracted
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -m32 -Wno-pointer-to-int-cast -o $@ $< -lrt

include mk/preload.mk mk/install.mk mk/deb.mk
include mk/matrix.mk

# Tools: tools/<name>.c, installed in the VM's /bin.
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(wildcard tools/*.c))

$(BUILD)/tools/%: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -D_GNU_SOURCE -static -o $@ $<

tools: deps $(TOOL_BINS)

selftests: deps $(TEST_BINS) $(TOOL_BINS)

# The list of programs the guest runs, limited to T when given; FUZZ
# replaces the fuzzer's arguments.
$(BUILD)/tests.list: selftests/tests.list FORCE
	@mkdir -p $(BUILD)
	@awk -v only="$(T)" -v fuzz="$(FUZZ)" \
		'BEGIN { n = split(only, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 } \
		/^[[:space:]]*(#|$$)/ { next } \
		fuzz != "" && $$3 == "itg_fuzz" { $$0 = $$1 " " $$2 " " $$3 " " fuzz } \
		function prog(i) { if ($$3 != "itg-preload") return $$3; \
			for (i = 4; i < NF && $$i ~ /=/; i++); return $$i } \
		n == 0 || ($$3 in want) || (prog() in want)' $< | \
	awk -v skip="$(T_SKIP)" \
		'BEGIN { n = split(skip, a, " "); for (i = 1; i <= n; i++) drop[a[i]] = 1 } \
		!($$3 in drop) && !($$NF in drop)' > $@
	@[ -s $@ ] || { echo "no test matches T=$(T)"; exit 1; }

$(BUILD)/check$(BROKEN).cpio.gz: module selftests $(BUILD)/tests.list
	@echo "initramfs: $(words $(TEST_BINS)) test programs"
	@$(TOP)/scripts/mkinitramfs.sh $@ check $(KO) \
		$(BUILD)/tests.list $(TEST_BINS) $(TOOL_BINS)

check: $(BUILD)/check$(BROKEN).cpio.gz
	@$(TOP)/scripts/vm-run.sh check $(KIMAGE) $< $(LOG)

# The whole suite on a kernel with KASAN, lockdep, kmemleak and debug
# objects, built from linux-source-6.1 (once; cached in DEBUG_CACHE), but
# the setitimer-semantics programs of the preload library: they check
# native pacing (posix_timers' own bounds among them) that a debug kernel
# 20 times slower breaks, and the library is userspace (testing.rst).
# Without 5-level paging: a KASAN kernel that finds LA57 (QEMU's -cpu max
# has it) may die at boot, before any of our code ran (testing.rst).
DEBUG_T_SKIP ?= itg_setitimer itg_ldpreload itg-posix-timers
check-debug:
	@$(TOP)/scripts/deps.sh debug
	@tree=$$($(TOP)/scripts/debug-kernel.sh $(DEBUG_CACHE)) && \
	$(MAKE) --no-print-directory check KDIR=$$tree \
		KIMAGE=$$tree/arch/x86/boot/bzImage LOG=$(BUILD)/vm-debug.log \
		ITG_VM_TIMEOUT=$${ITG_VM_TIMEOUT:-3600} ITG_VM_MEM=2G ITG_SLOW=1 \
		ITG_VM_CPU=max,la57=off T_SKIP="$(DEBUG_T_SKIP)"

DEMO_BINS := $(SELDIR)/itg_demo

$(BUILD)/demo.cpio.gz: module selftests
	@echo > $(BUILD)/demo.list
	@$(TOP)/scripts/mkinitramfs.sh $@ demo $(KO) \
		$(BUILD)/demo.list $(DEMO_BINS) $(TOOL_BINS) \
		$(TOP)/scripts/itg-demo.sh

demo: $(BUILD)/demo.cpio.gz
	@$(TOP)/scripts/vm-run.sh demo $(KIMAGE) $< $(BUILD)/vm-demo.log

# Benchmarks: bench/<name>.c, run by scripts/itg-bench.sh in the VM.
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
RESULTS ?= $(BUILD)/bench-results

$(BUILD)/bench/%: bench/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -D_GNU_SOURCE -static -pthread -I$(TOP)/uapi -o $@ $< -lrt

# The profiler benchmark's workload runs under gperftools' libprofiler
# (LD_PRELOAD, so dynamic), with and without the preload library; not PIE,
# with frame pointers, and its burn functions never folded into one, so
# that google-pprof names every sample's function on the host.
PROFILER_LIB := /usr/lib/$(shell $(CC) -print-multiarch)/libprofiler.so.0
# The "perf" benchmark: Debian's linux-perf, run in the VM.
PERF_BIN := /usr/bin/perf

$(BUILD)/bench/itg_profwork: bench/itg_profwork.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -D_GNU_SOURCE -pthread -no-pie -fno-omit-frame-pointer \
		-fno-ipa-icf -o $@ $<

bench-deps:
	@$(TOP)/scripts/deps.sh bench

$(BUILD)/bench.cpio.gz: bench-deps module $(BENCH_BINS) $(TOOL_BINS) \
		$(PRELOAD_LIB) FORCE
	@echo > $(BUILD)/bench.list
	@BENCH_ONLY="$(BENCH_ONLY)" $(TOP)/scripts/mkinitramfs.sh $@ bench $(KO) \
		$(BUILD)/bench.list $(BENCH_BINS) $(PRELOAD_LIB) $(PROFILER_LIB) \
		$(PERF_BIN) $(TOP)/scripts/itg-bench.sh

# Exits non-zero only when a benchmark cannot run (goals are reported).
bench: $(BUILD)/bench.cpio.gz
	@ITG_VM_TIMEOUT=$${ITG_VM_TIMEOUT:-1800} ITG_VM_MEM=$${ITG_VM_MEM:-2G} \
		$(TOP)/scripts/vm-run.sh bench \
		$(KIMAGE) $< $(BUILD)/vm-bench.log
	@BENCH_ONLY="$(BENCH_ONLY)" ITG_PROFWORK=$(BUILD)/bench/itg_profwork \
		ITG_PRELOAD_LIB=$(PRELOAD_LIB) ITG_PROFILER_LIB=$(PROFILER_LIB) \
		$(TOP)/scripts/bench-report.py $(BUILD)/vm-bench.log $(RESULTS)
	@echo "results: $(RESULTS)/summary.md, latency.png, cpu.png, profiler.png, raw/"

FUZZ_CALLS ?= 1000000
FUZZ_SEED ?= $(shell date +%s)

fuzz:
	@$(MAKE) --no-print-directory check T=itg_fuzz ITG_VM_TIMEOUT=3600 \
		FUZZ="-s $(FUZZ_SEED) -n $(FUZZ_CALLS) -t 8" LOG=$(BUILD)/vm-fuzz.log

lint: deps $(KSRC)/.extracted
	@$(TOP)/scripts/lint.sh $(KDIR) $(KSRC)

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null
	rm -rf $(BUILD)

FORCE:
