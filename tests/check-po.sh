#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-po.sh SRCDIR — the translations, checked the way a translator's tools see
# them (TAP):
#  1. every po/LL.po of po/LINGUAS compiles with `msgfmt --check`;
#  2. against a template freshly extracted from po/POTFILES.in (with the keywords
#     of meson's "glib" preset), no catalogue has an untranslated or fuzzy string;
#  3. po/POTFILES.in is sorted, lists only existing files, and lists every file
#     under src/ and data/ that has translatable strings.
set -u

srcdir=${1:?usage: check-po.sh SRCDIR}
podir=$srcdir/po
package=temoin

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-po.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $1"; }
diag () { sed 's/^/# /'; }

for tool in msgfmt msgmerge msgattrib xgettext; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "Bail out! $tool is missing: install the gettext package"
    exit 1
  fi
done

# The arguments of meson's i18n.gettext(preset: 'glib'). xgettext picks ITS rules
# by itself for .ui, .desktop.in, .metainfo.xml.in and .gschema.xml files.
xgettext_args="--from-code=UTF-8 --add-comments -k_ --keyword=_ --keyword=N_
  --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2
  --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format"

# Prints the msgids (with their context) of a po file, one per line, header aside.
list_msgids () {
  awk '
    function flush() {
      if (in_id && (id != "" || ctxt != ""))
        print (ctxt != "" ? "[" ctxt "] " : "") id
      in_id = 0; id = ""; ctxt = ""
    }
    function unquote(s) { sub(/^"/, "", s); sub(/"$/, "", s); return s }
    /^msgctxt / { flush(); ctxt = unquote(substr($0, 9)); in_ctxt = 1; next }
    /^msgid / { in_ctxt = 0; in_id = 1; id = unquote(substr($0, 7)); next }
    /^"/ { if (in_id) id = id unquote($0); else if (in_ctxt) ctxt = ctxt unquote($0); next }
    { if (in_id) flush(); in_ctxt = 0 }
    END { flush() }
  ' "$1"
}

linguas=$(sed -e 's/#.*//' "$podir/LINGUAS" 2>/dev/null | tr -s ' \t' '\n' | grep -v '^$')
if [ -z "$linguas" ]; then
  not_ok "po/LINGUAS lists at least one language"
fi

# 1. Every catalogue compiles.
for lang in $linguas; do
  po=$podir/$lang.po
  if [ ! -f "$po" ]; then
    not_ok "po/$lang.po exists (listed in po/LINGUAS)"
    continue
  fi
  if out=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1); then
    ok "msgfmt --check po/$lang.po: $out"
  else
    not_ok "msgfmt --check po/$lang.po"
    printf '%s\n' "$out" | diag
  fi
done

# 2. Nothing untranslated or fuzzy against a fresh template.
pot=$tmp/$package.pot
# shellcheck disable=SC2086 # the arguments are meant to split
if out=$(xgettext --package-name=$package -D "$srcdir" -f "$podir/POTFILES.in" \
           $xgettext_args -o "$pot" 2>&1) && [ -f "$pot" ]; then
  ok "xgettext extracts a template from po/POTFILES.in ($(list_msgids "$pot" | wc -l) strings)"
  printf '%s\n' "$out" | grep -v '^$' | diag
  for lang in $linguas; do
    po=$podir/$lang.po
    [ -f "$po" ] || continue
    merged=$tmp/$lang.po
    if ! out=$(msgmerge --quiet -o "$merged" "$po" "$pot" 2>&1); then
      not_ok "msgmerge po/$lang.po with the template"
      printf '%s\n' "$out" | diag
      continue
    fi
    msgattrib --untranslated --no-obsolete -o "$tmp/untranslated" "$merged"
    msgattrib --only-fuzzy --no-obsolete --clear-obsolete -o "$tmp/fuzzy" "$merged"
    untranslated=$( [ -f "$tmp/untranslated" ] && list_msgids "$tmp/untranslated")
    fuzzy=$( [ -f "$tmp/fuzzy" ] && list_msgids "$tmp/fuzzy")
    rm -f "$tmp/untranslated" "$tmp/fuzzy"
    if [ -z "$untranslated" ]; then
      ok "po/$lang.po translates every string"
    else
      count=$(printf '%s\n' "$untranslated" | wc -l)
      not_ok "po/$lang.po translates every string ($count untranslated)"
      printf '%s\n' "$untranslated" | sed 's/^/untranslated: /' | diag
    fi
    if [ -z "$fuzzy" ]; then
      ok "po/$lang.po has no fuzzy string"
    else
      not_ok "po/$lang.po has no fuzzy string ($(printf '%s\n' "$fuzzy" | wc -l) fuzzy)"
      printf '%s\n' "$fuzzy" | sed 's/^/fuzzy: /' | diag
    fi
  done
else
  not_ok "xgettext extracts a template from po/POTFILES.in"
  printf '%s\n' "$out" | diag
fi

# 3. POTFILES.in: sorted, existing, complete.
sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$podir/POTFILES.in" > "$tmp/potfiles"
if LC_ALL=C sort -c "$tmp/potfiles" 2>"$tmp/sort"; then
  ok "po/POTFILES.in is sorted"
else
  not_ok "po/POTFILES.in is sorted (byte order, as LC_ALL=C sort)"
  diag < "$tmp/sort"
fi

missing=
while read -r file; do
  [ -f "$srcdir/$file" ] || missing="$missing $file"
done < "$tmp/potfiles"
if [ -z "$missing" ]; then
  ok "po/POTFILES.in lists only existing files"
else
  not_ok "po/POTFILES.in lists only existing files"
  # shellcheck disable=SC2086 # one path a line
  printf '%s\n' $missing | sed 's/^/missing: /' | diag
fi

# A file has translatable strings when it has a marker and xgettext extracts
# something from it (a marker in a comment does not count). Desktop entries and
# AppStream metainfo are translatable by nature.
markers='(^|[^A-Za-z0-9_])(_|N_|C_|NC_|g_dngettext|ngettext|g_dpgettext2)[[:space:]]*\('
markers="$markers"'|translatable="yes"|<summary|<description'
unlisted=
for file in $(cd "$srcdir" && find -H src data -type f \( -name '*.c' -o -name '*.h' \
                -o -name '*.ui' -o -name '*.desktop.in' -o -name '*.metainfo.xml.in' \
                -o -name '*.gschema.xml' \) 2>/dev/null | LC_ALL=C sort); do
  grep -qxF "$file" "$tmp/potfiles" && continue
  case $file in
    *.desktop.in|*.metainfo.xml.in) ;;
    *)
      grep -qE "$markers" "$srcdir/$file" || continue ;;
  esac
  rm -f "$tmp/one.pot"
  # shellcheck disable=SC2086
  xgettext -D "$srcdir" $xgettext_args -o "$tmp/one.pot" "$file" >/dev/null 2>&1
  if [ -f "$tmp/one.pot" ] && [ -n "$(list_msgids "$tmp/one.pot")" ]; then
    unlisted="$unlisted $file"
  fi
done
if [ -z "$unlisted" ]; then
  ok "every file with translatable strings is in po/POTFILES.in"
else
  not_ok "every file with translatable strings is in po/POTFILES.in"
  # shellcheck disable=SC2086 # one path a line
  printf '%s\n' $unlisted | sed 's/^/not listed: /' | diag
fi

echo "1..$n"
