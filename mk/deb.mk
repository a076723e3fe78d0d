# SPDX-License-Identifier: GPL-2.0
#
# Debian packages (Documentation/install.rst):
#
#   make deb        itimer-group-dkms and itimer-group-tools in build/deb/,
#                   built by dpkg-buildpackage from a copy of the tree,
#                   then checked by lintian
#   make check-deb  install them in a minimal bookworm root with the test
#                   kernels' headers, boot the VM with the module DKMS
#                   built there, purge them and look for leftovers
#                   (scripts/deb-check.sh; root)
#
# The version is the module's (ITG_VERSION): debian/changelog is written
# here, never kept in the tree.

DEB_DIR := $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/itimer-group-$(ITG_VERSION)
DEBS = $(DEB_DIR)/itimer-group-dkms_$(ITG_VERSION)_all.deb \
	$(DEB_DIR)/itimer-group-tools_$(ITG_VERSION)_amd64.deb

.PHONY: deb check-deb

deb:
	@$(TOP)/scripts/deps.sh deb
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	cd $(TOP) && git ls-files -z --cached --others --exclude-standard | \
		grep -zv '^debian/changelog$$' | \
		xargs -0 cp --parents -t $(DEB_SRC)
	printf '%s\n' "itimer-group ($(ITG_VERSION)) unstable; urgency=medium" "" \
		"  * Built from the itimer groups tree (make deb)." "" \
		" -- itimer groups developers <itimer-group@localhost>  $$(date -R)" \
		> $(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -n 30 ../build.log; exit 1; }
	lintian --fail-on error,warning --info $(DEBS)
	@ls -1 $(DEBS)

check-deb: deb
	$(TOP)/scripts/deb-check.sh $(DEB_DIR)
