# SPDX-License-Identifier: GPL-2.0
#
# The preload library (preload/): libitg_preload.so routes an unmodified
# program's setitimer/getitimer/alarm through the module.  For make check:
# the dynamic test programs that run natively and under it, the kernel's
# posix_timers selftest (from linux-source-6.1, built unmodified), and the
# wrappers that run a tests.list line under the library.

PRELOAD_DIR := $(BUILD)/preload
PRELOAD_LIB := $(PRELOAD_DIR)/libitg_preload.so
PRELOAD_CFLAGS := -O2 -g -Wall -Wextra -D_GNU_SOURCE -fPIC -fvisibility=hidden \
	-I$(TOP)/uapi

# Test programs built dynamically: LD_PRELOAD needs the dynamic loader.
DYN_TEST_PROGS := itg_setitimer itg_ldpreload
POSIX_TIMERS_C := $(KSRC)/tools/testing/selftests/timers/posix_timers.c

PRELOAD_TEST_BINS := $(PRELOAD_LIB) $(SELDIR)/posix_timers \
	$(PRELOAD_DIR)/itg-preload $(PRELOAD_DIR)/itg-posix-timers
TEST_BINS += $(PRELOAD_TEST_BINS)

.PHONY: preload

preload: $(PRELOAD_LIB)

$(PRELOAD_LIB): preload/itg_preload.c uapi/linux/itimer_group.h
	@mkdir -p $(dir $@)
	$(CC) $(PRELOAD_CFLAGS) -shared -Wl,-z,defs -o $@ $< -pthread

$(PRELOAD_DIR)/%: preload/%.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(addprefix $(SELDIR)/,$(DYN_TEST_PROGS)): $(SELDIR)/%: selftests/%.c $(HDRS) \
		$(KSRC)/.extracted
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -static,$(TEST_CFLAGS)) -o $@ $< -lrt

# Extracted by scripts/ksrc.sh on a tree extracted before it listed it.
$(POSIX_TIMERS_C): | deps
	@$(TOP)/scripts/ksrc.sh $(KSRC)

# As tools/testing/selftests/timers/Makefile builds it.
$(SELDIR)/posix_timers: $(POSIX_TIMERS_C)
	@mkdir -p $(dir $@)
	$(CC) -O3 -Wl,-no-as-needed -Wall -o $@ $< -lrt -lpthread -lm
