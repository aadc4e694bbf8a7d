#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a UI test on its own X server (Xvfb) unless TEMOIN_TEST_DISPLAY=host asks
# to use the current display. CI and `make test` have no display.
if [ "${TEMOIN_TEST_DISPLAY:-}" = host ] && [ -n "${DISPLAY:-}" ]; then
  exec "$@"
fi
exec xvfb-run -a -s '-screen 0 1280x800x24 -nolisten tcp' "$@"
