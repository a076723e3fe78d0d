# SPDX-License-Identifier: GPL-2.0
#
# The kernel matrix (README, Documentation/testing.rst):
#
#   make check KERNEL=<name>   build for, boot and test another of Debian's
#                              kernels: 6.1 6.1-cloud 6.1-rt 6.12 6.12-rt
#                              (scripts/kernels.sh); also make demo, bench
#   make check-debug KERNEL=6.12|6.12-rt
#                              the debug lane on linux-source-6.12 (6.12-rt:
#                              with PREEMPT_RT)
#   make check-matrix [MATRIX="6.1 6.12-rt"] [T=...]
#                              make check W=1 on every kernel: a line per
#                              kernel and a total (build/matrix.txt)
#
# Without KERNEL nothing changes: the default target, built in the tree.
# With it, scripts/deps.sh installs that kernel's image and headers (apt,
# by exact version; 6.12 from bookworm-backports), KVER/KDIR/KIMAGE point
# at it, and the module is built in build/kernels/<release>/, a tree of
# links to the sources with objects of its own: kernels never overwrite
# each other's itimer_group.ko, nor the one `make` builds in the tree.

ifneq ($(KERNEL),)
# For scripts/deps.sh and scripts/debug-kernel.sh.
export ITG_KERNEL := $(KERNEL)
KVER = $(shell $(TOP)/scripts/kernels.sh kver $(KERNEL))
# Keyed by the build tree: check-debug's KDIR gets a directory of its own.
MODDIR = $(BUILD)/kernels/$(notdir $(KDIR:/build=))
MODTREE = @mkdir -p $(MODDIR)/module && \
	ln -sfn $(TOP)/uapi $(MODDIR)/uapi && ln -sf $(TOP)/Kbuild $(MODDIR)/Kbuild && \
	find $(MODDIR)/module -xtype l -delete && \
	ln -sf $(TOP)/module/*.c $(TOP)/module/*.h $(MODDIR)/module/
ifeq ($(origin LOG),file)
LOG = $(BUILD)/vm-$(or $(BROKEN),check)-$(KERNEL).log
endif
else
MODDIR = $(TOP)
MODTREE =
endif
KO = $(MODDIR)/itimer_group.ko

MATRIX ?= $(shell $(TOP)/scripts/kernels.sh list)

.PHONY: check-matrix

check-matrix:
	@MAKE="$(MAKE)" $(TOP)/scripts/matrix.sh $(MATRIX)

# make check-debug KERNEL=6.12-rt BROKEN=rt: the hrtimers marked _HARD, so
# their callbacks take sleeping locks in hard interrupt context; the RT
# debug kernel must fail the run (Kbuild reads it from the environment).
ifeq ($(BROKEN),rt)
export ITG_BROKEN_RT := y
endif
