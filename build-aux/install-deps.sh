#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian packages Témoin needs to build, run and test, when some are
# missing: directly as root, through sudo otherwise. Says which are missing and
# how to install them when it cannot.
set -eu

packages="
  meson ninja-build gcc libc6-dev pkg-config gettext
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libadwaita-1-dev
  libsoup-3.0-dev libsqlite3-dev libgnutls28-dev
  desktop-file-utils appstream
  xvfb xauth dbus at-spi2-core
  curl sqlite3 chromium python3 python3-pyatspi
  fonts-cantarell
"
if [ "${1:-}" = "--bench" ]; then
  packages="$packages wrk nginx-light privoxy procps iproute2 openssl"
fi
# `make fuzz`: clang 14, libFuzzer and the sanitizers' runtimes (libclang_rt.fuzzer
# is in libclang-rt-14-dev), llvm-symbolizer for readable stacks.
if [ "${1:-}" = "--fuzz" ]; then
  packages="$packages clang-14 libclang-rt-14-dev llvm-14"
fi

missing=""
for p in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done

[ -z "$missing" ] && exit 0

echo "Installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
  run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run="sudo"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
  run="sudo"
else
  echo "Cannot install them: not root and sudo is not available." >&2
  echo "Install them as root, then run make again:" >&2
  echo "  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$run apt-get update -q || echo "apt-get update failed; trying the install with the lists we have." >&2
# shellcheck disable=SC2086
if ! $run apt-get install -y -q --no-install-recommends $missing; then
  echo "apt-get could not install:$missing" >&2
  echo "Check the network and the apt sources, then run: apt-get install -y$missing" >&2
  exit 1
fi
