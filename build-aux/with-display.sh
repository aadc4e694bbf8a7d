#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a UI test on its own X server (Xvfb) unless TEMOIN_TEST_DISPLAY=host asks
# to use the current display. CI and `make test` have no display.
#
# Not `xvfb-run -a`: it picks a display number by looking for lock files, so two
# X servers started at the same moment (another test run, a screenshot) can pick
# the same one and the test then "cannot open display". Xvfb -displayfd picks a
# free number itself and says which.
if [ "${TEMOIN_TEST_DISPLAY:-}" = host ] && [ -n "${DISPLAY:-}" ]; then
  exec "$@"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/temoin-xvfb.XXXXXX") || exit 1
fifo="$dir/display"
mkfifo "$fifo" || { rm -rf "$dir"; exit 1; }

Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fifo" 2>"$dir/xvfb.log" &
xvfb=$!
cleanup() {
  kill "$xvfb" 2>/dev/null
  wait "$xvfb" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# The display number, once the server is ready (it writes it then); bounded.
number=$(timeout 30 head -n 1 "$fifo")
if [ -z "$number" ]; then
  echo "with-display.sh: Xvfb did not start:" >&2
  cat "$dir/xvfb.log" >&2
  exit 1
fi
export DISPLAY=":$number"
unset WAYLAND_DISPLAY

"$@"
exit $?
