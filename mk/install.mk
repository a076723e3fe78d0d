# SPDX-License-Identifier: GPL-2.0
#
# Installation and packaging (Documentation/install.rst):
#
#   make install [DESTDIR=] [PREFIX=/usr/local]
#       modules_install, headers_install, the preload library, itgstat
#       and the udev rule
#   make modules_install   itimer_group.ko in $(DESTDIR)/lib/modules/$(KVER)/extra
#   make headers_install [INSTALL_HDR_PATH=$(DESTDIR)$(PREFIX)]
#       include/linux/itimer_group.h
#   make dkms-install      dkms add, build and install for KVER (root)
#   make dkms-uninstall    dkms remove, and the staged source goes
#   make check-package     host-side checks of all of the above, and of
#                          the module's modinfo (root; scripts/check-package.sh)

PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_HDR_PATH ?= $(DESTDIR)$(PREFIX)
INSTALL_MOD_DIR ?= extra
UDEV_RULES_DIR ?= /etc/udev/rules.d
ITG_VERSION := $(shell sed -n 's/^\#define ITG_VERSION "\(.*\)"/\1/p' $(TOP)/module/main.c)
DKMS_SRC = /usr/src/itimer_group-$(ITG_VERSION)

.PHONY: install modules_install headers_install preload_install \
	dkms-install dkms-uninstall check-package

install: modules_install headers_install preload_install
	install -D -m 0644 packaging/60-itimer_group.rules \
		$(DESTDIR)$(UDEV_RULES_DIR)/60-itimer_group.rules
	install -D -m 0755 $(BUILD)/tools/itgstat $(DESTDIR)$(PREFIX)/bin/itgstat

# Built as `make module` builds it (in the tree, or in MODDIR for
# KERNEL=..., mk/matrix.mk); depmod runs only for a real install.
modules_install: module
	$(MAKE) -C $(KDIR) M=$(or $(MODDIR),$(TOP)) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

headers_install:
	install -D -m 0644 uapi/linux/itimer_group.h \
		$(INSTALL_HDR_PATH)/include/linux/itimer_group.h

preload_install: $(PRELOAD_LIB) tools
	install -D -m 0755 $(PRELOAD_LIB) \
		$(DESTDIR)$(PREFIX)/lib/itimer_group/libitg_preload.so

# The sources DKMS needs, staged in /usr/src (dkms add wants them there),
# then added, built and installed for KVER: never the host's running
# kernel unless it is KVER, and nothing is loaded.
dkms-install:
	@$(TOP)/scripts/deps.sh package
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)/module $(DKMS_SRC)/uapi/linux
	install -m 0644 Kbuild $(DKMS_SRC)/
	install -m 0644 module/*.c module/*.h $(DKMS_SRC)/module/
	install -m 0644 uapi/linux/*.h $(DKMS_SRC)/uapi/linux/
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(ITG_VERSION)"/' dkms.conf \
		> $(DKMS_SRC)/dkms.conf
	dkms add -m itimer_group -v $(ITG_VERSION)
	dkms build -m itimer_group -v $(ITG_VERSION) -k $(KVER)
	dkms install -m itimer_group -v $(ITG_VERSION) -k $(KVER)

dkms-uninstall:
	-dkms remove -m itimer_group -v $(ITG_VERSION) --all
	rm -rf $(DKMS_SRC)

check-package:
	@$(TOP)/scripts/deps.sh package
	@$(TOP)/scripts/check-package.sh $(KVER)
