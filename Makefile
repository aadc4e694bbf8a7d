# SPDX-License-Identifier: GPL-3.0-or-later
# The two commands: `make run` and `make test`. Both install missing Debian
# packages first (`make deps`).

BUILDDIR ?= build
# The uninstalled app finds its schemas and catalogues in the build tree.
RUN_ENV = GSETTINGS_SCHEMA_DIR=$(CURDIR)/$(BUILDDIR)/data TEMOIN_LOCALEDIR=$(CURDIR)/$(BUILDDIR)/po

.PHONY: all deps bench-deps build run test bench install clean

all: build

deps:
	@sh build-aux/install-deps.sh

bench-deps:
	@sh build-aux/install-deps.sh --bench

$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR) || { rm -rf $(BUILDDIR); exit 1; }

build: deps $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR)

run: build
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "No display: run 'make run' in a desktop session, or try: xvfb-run -a make run" >&2; exit 1; fi
	$(RUN_ENV) $(BUILDDIR)/src/app/temoin $(ARGS)

test: build
	meson test -C $(BUILDDIR) --print-errorlogs $(TESTARGS)

bench: bench-deps build
	sh bench/run.sh $(BUILDDIR)

install: build
	meson install -C $(BUILDDIR)

clean:
	rm -rf $(BUILDDIR)
