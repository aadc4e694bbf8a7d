#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs each libFuzzer harness of tests/fuzz (built with -Dfuzzing=true, clang,
# ASan and UBSan: `make fuzz` configures it) on a scratch copy of its corpus.
#
#   sh tests/fuzz/run-fuzz.sh [BUILDDIR [HARNESS…]]     (default build-fuzz, all)
#
#   FUZZ_SECONDS  time per harness (default 60; 0: no time limit)
#   FUZZ_RUNS     stop a harness after this many executions (default: no limit)
#   FUZZ_MERGE=1  merge the inputs that found new coverage into tests/fuzz/corpus/
#
# New crashes, leaks and hangs are written to tests/fuzz/crashes/NAME/, where the
# `fuzz` test suite replays them from then on. One line per harness says how many
# executions it made and what it found; the exit status is 1 when it found any.
set -eu

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${1:-build-fuzz}
[ $# -gt 0 ] && shift
harnesses=${*:-"cookie csv catalog host settings"}
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:--1}
merge=${FUZZ_MERGE:-0}

if [ ! -f "$builddir/build.ninja" ]; then
  echo "$builddir is not configured: run 'make fuzz' (it configures it with clang)." >&2
  exit 1
fi
if ! meson introspect "$builddir" --buildoptions | grep -q '"name": "fuzzing", "value": true'; then
  echo "$builddir is not a fuzzing build: configure it with CC=clang-14 -Dfuzzing=true (make fuzz does)." >&2
  exit 1
fi

targets=""
for h in $harnesses; do
  if [ ! -d "$srcdir/tests/fuzz/corpus/$h" ]; then
    echo "No harness called $h (there is no tests/fuzz/corpus/$h)." >&2
    exit 2
  fi
  targets="$targets tests/fuzz/fuzz-$h"
done
# shellcheck disable=SC2086
nice meson compile -C "$builddir" -j 2 $targets >/dev/null || {
  echo "The fuzz harnesses did not build: see 'meson compile -C $builddir'." >&2
  exit 1
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/temoin-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# Ctrl+C stops the whole run, not just the harness running then.
trap 'exit 130' INT TERM

# A leak or undefined behaviour is a finding like a crash. GLib's slice allocator
# would hide leaks from LeakSanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export G_SLICE=always-malloc G_DEBUG=gc-friendly

status=0
for h in $harnesses; do
  bin="$builddir/tests/fuzz/fuzz-$h"
  corpus="$srcdir/tests/fuzz/corpus/$h"
  crashes="$srcdir/tests/fuzz/crashes/$h"
  work="$scratch/$h"
  log="$builddir/fuzz-logs/$h.log"

  mkdir -p "$work" "$crashes" "$builddir/fuzz-logs"
  cp "$corpus"/* "$work"/
  before=$(ls -A "$crashes" | grep -vc '^\.' || true)
  started=$(date +%s)
  # The crashes found before are read too (never written to): one that comes
  # back stops the run at once.
  if nice "$bin" -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "$crashes" >"$log" 2>&1; then
    result=0
  else
    result=$?
  fi
  elapsed=$(( $(date +%s) - started ))
  after=$(ls -A "$crashes" | grep -vc '^\.' || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  found=$((after - before))
  stopped=""
  if [ "$result" -eq 72 ]; then
    stopped=" (interrupted)"   # libFuzzer's status after SIGINT: no finding
    result=0
  elif [ "$result" -ne 0 ] && [ "$found" -eq 0 ]; then
    found=1   # it stopped on an input it was given: a crash already recorded
  fi
  echo "fuzz-$h: ${execs:-?} executions in ${elapsed} s$stopped, $found crash(es), corpus $(ls "$corpus" | wc -l) -> $(ls "$work" | wc -l) inputs"

  if [ "$result" -ne 0 ]; then
    status=1
    echo "  libFuzzer stopped (exit $result); the end of $log:" >&2
    tail -n 40 "$log" | sed 's/^/  | /' >&2
    echo "  New inputs are in tests/fuzz/crashes/$h/: fix the bug, keep the input (the fuzz suite replays it)." >&2
  fi

  if [ "$merge" = 1 ]; then
    # Only inputs that add coverage join the corpus kept in the repository.
    nice "$bin" -merge=1 "$corpus" "$work" >"$scratch/$h.merge.log" 2>&1 || {
      echo "  merging into tests/fuzz/corpus/$h failed: see below" >&2
      tail -n 20 "$scratch/$h.merge.log" >&2
      status=1
    }
    echo "  merged: tests/fuzz/corpus/$h now has $(ls "$corpus" | wc -l) inputs"
  fi
done
exit $status
