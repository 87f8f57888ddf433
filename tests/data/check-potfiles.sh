#!/bin/sh
# check-potfiles.sh SOURCE_ROOT — po/POTFILES.in lists every file of app/,
# ui/ and data/ with translatable strings, and only files that exist.
set -eu
cd "$1"
status=0
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d')
for f in $listed; do
  [ -f "$f" ] || { echo "po/POTFILES.in lists $f, which does not exist"; status=1; }
done
found=$( { grep -lE '\b(_|N_|C_|NC_|g_dngettext|ngettext)\s*\(' app/*.c ui/*.c 2>/dev/null || true
           grep -l 'translatable="yes"' ui/*.ui ui/*/*.ui 2>/dev/null || true
           ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml 2>/dev/null || true; } | sort -u)
for f in $found; do
  printf '%s\n' "$listed" | grep -qxF "$f" || { echo "$f has translatable strings: add it to po/POTFILES.in"; status=1; }
done
exit $status
