#!/bin/sh
# check-po.sh PO [--complete] — msgfmt --check on a translation; with
# --complete, untranslated or fuzzy messages fail it too.
set -eu
po=$1
if ! stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1); then
  printf '%s\n' "$stats"
  exit 1
fi
printf '%s: %s\n' "$(basename "$po")" "$stats"
if [ "${2:-}" = --complete ]; then
  case $stats in
    *untranslated*|*fuzzy*)
      echo "$(basename "$po") must be complete: translate the untranslated and fuzzy messages" \
           "(meson compile palitune-update-po updates it from the sources)"
      exit 1 ;;
  esac
fi
