# SPDX-License-Identifier: GPL-3.0-or-later
# The two commands: `make run` and `make test`. Both install missing Debian
# packages first (`make deps`).

BUILDDIR ?= build
# The uninstalled app finds its schemas and catalogues in the build tree.
RUN_ENV = GSETTINGS_SCHEMA_DIR=$(CURDIR)/$(BUILDDIR)/data TEMOIN_LOCALEDIR=$(CURDIR)/$(BUILDDIR)/po

.PHONY: all deps bench-deps build build-sanitized run test test-sanitized bench install clean

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

# The GTK-free suites, the fuzz corpora and the browser tests again under
# AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer, in a second
# build directory: any report fails. Not the ui suite: GTK, Pango and fontconfig
# under full-stack leak tracking take over ten times as long (its tests time
# out) and report a thousand one-time caches.
# fast_unwind_on_malloc=0: Debian's libraries have no frame pointers, and a leak's
# whole stack is what tests/lsan.supp matches. intercept_tls_get_addr=0: gcc 12's
# LeakSanitizer misreads glibc 2.36's dynamic TLS and crashes (every library with
# thread-local storage is linked at start, so its TLS is still scanned).
# exitcode=66: a report in a temoinctl run by a test must not pass for its own
# exit status 1.
ASAN_BUILDDIR ?= build-asan
SANITIZED_SUITES ?= core cli proxy fuzz e2e
SANITIZER_ENV = \
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:exitcode=66:fast_unwind_on_malloc=0:malloc_context_size=40:intercept_tls_get_addr=0 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=66 \
  G_SLICE=always-malloc G_DEBUG=gc-friendly

$(ASAN_BUILDDIR)/build.ninja:
	meson setup $(ASAN_BUILDDIR) -Db_sanitize=address,undefined -Db_lundef=false \
	  || { rm -rf $(ASAN_BUILDDIR); exit 1; }

build-sanitized: deps $(ASAN_BUILDDIR)/build.ninja
	meson compile -C $(ASAN_BUILDDIR)

SANITIZED_TEST = $(SANITIZER_ENV) meson test -C $(ASAN_BUILDDIR) --print-errorlogs \
  $(foreach s,$(SANITIZED_SUITES),--suite $(s))

test: build build-sanitized
	meson test -C $(BUILDDIR) --print-errorlogs $(TESTARGS)
	$(SANITIZED_TEST)

test-sanitized: build-sanitized
	$(SANITIZED_TEST) $(TESTARGS)

bench: bench-deps build
	sh bench/run.sh $(BUILDDIR)

install: build
	meson install -C $(BUILDDIR)

clean:
	rm -rf $(BUILDDIR) $(ASAN_BUILDDIR) $(FUZZ_BUILDDIR)

# `make fuzz`: each libFuzzer harness of tests/fuzz for FUZZ_SECONDS (default 60)
# in its own clang build (ASan, UBSan); new crashes land in tests/fuzz/crashes/NAME/,
# FUZZ_MERGE=1 keeps the new corpus entries. See tests/fuzz/README.md.
FUZZ_BUILDDIR ?= build-fuzz
.PHONY: fuzz fuzz-deps

fuzz-deps:
	@sh build-aux/install-deps.sh --fuzz

$(FUZZ_BUILDDIR)/build.ninja:
	CC=clang-14 meson setup $(FUZZ_BUILDDIR) -Dfuzzing=true \
	  -Db_sanitize=address,undefined -Db_lundef=false || { rm -rf $(FUZZ_BUILDDIR); exit 1; }

fuzz: fuzz-deps $(FUZZ_BUILDDIR)/build.ninja
	sh tests/fuzz/run-fuzz.sh $(FUZZ_BUILDDIR)
