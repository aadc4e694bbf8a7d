#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `meson install --destdir` lays out what a desktop needs: the app, the CLI, the
# desktop file, metainfo, icons, the schema, the translations and the user unit.
# Prints TAP.
set -u
builddir=$1
prefix=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

echo "1..2"
if meson install -C "$builddir" --destdir "$dest" --no-rebuild --quiet >"$dest.log" 2>&1; then
  echo "ok 1 - meson install --destdir succeeds"
else
  echo "not ok 1 - meson install --destdir succeeds"
  sed 's/^/# /' "$dest.log"
fi
rm -f "$dest.log"

missing=""
for f in \
  bin/temoin \
  bin/temoinctl \
  share/applications/io.github.temoin.Temoin.desktop \
  share/metainfo/io.github.temoin.Temoin.metainfo.xml \
  share/icons/hicolor/scalable/apps/io.github.temoin.Temoin.svg \
  share/icons/hicolor/symbolic/apps/io.github.temoin.Temoin-symbolic.svg \
  share/glib-2.0/schemas/io.github.temoin.Temoin.gschema.xml \
  share/locale/fr/LC_MESSAGES/temoin.mo \
  lib/systemd/user/temoin-proxy.service
do
  [ -e "$dest$prefix/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
  echo "ok 2 - installed tree has the app, CLI, data files, translations and user unit"
else
  echo "not ok 2 - installed tree has the app, CLI, data files, translations and user unit"
  echo "# missing:$missing"
  (cd "$dest" && find . -type f | sed 's/^/# have: /')
fi
