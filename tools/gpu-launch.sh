#!/usr/bin/env bash
# .gpu/run.sh — the launcher of a GPU bundle (tools/gpu-bundle.sh copies
# tools/gpu-launch.sh here): unpacks bundle.tar.xz beside it into a
# temporary folder (once per bundle) and runs the bundle's run.sh
# (tools/gpu-run.sh) with the same arguments. $OUT defaults to gpu-out
# beside .gpu/.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DEST=${PT_BUNDLE_DIR:-${TMPDIR:-/tmp}/palitune-gpu-bundle}
stamp=$(cksum < "$HERE/bundle.tar.xz" | cut -d' ' -f1)
if [ "$(cat "$DEST/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$DEST"
  mkdir -p "$DEST"
  if ! tar -C "$DEST" -xJf "$HERE/bundle.tar.xz" 2>/dev/null; then
    # no xz program: Python's tarfile reads it too
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
      "$HERE/bundle.tar.xz" "$DEST" || { echo "run.sh: cannot unpack $HERE/bundle.tar.xz" >&2; exit 1; }
  fi
  echo "$stamp" > "$DEST/.stamp"
fi
export OUT=${OUT:-$(dirname "$HERE")/gpu-out}
exec "$DEST/run.sh" "$@"
