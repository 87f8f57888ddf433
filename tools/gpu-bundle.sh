#!/usr/bin/env bash
# gpu-bundle.sh — build PaliTune for a GPU machine and pack what a GPU session
# runs into .gpu/ (git-ignored): palitune-cli, the gpu and engine test
# programs, the benches, every shared library they need except glibc and the
# CUDA/driver libraries (the GPU machine has the CUDA 13 toolkit in
# /usr/local/cuda/lib64 and the driver), GdkPixbuf loaders, the test fixtures,
# and run.sh (tools/gpu-run.sh), which runs it all there and writes logs to
# $OUT. The bundle is staged in build-gpu/bundle/ and carried xz-compressed
# (.gpu/bundle.tar.xz, with .gpu/run.sh, tools/gpu-launch.sh, to unpack and
# run it): OpenBLAS alone is 36 MB unpacked.
#
#   tools/gpu-bundle.sh            build build-gpu/ (release, CUDA, no GUI) and pack .gpu/
#   tools/gpu-bundle.sh --verify   also run the engine tests in a chroot holding only
#                                  glibc, the CUDA libraries and the bundle (as root)
#   .gpu/run.sh                    run it (here too: the GPU tests then skip)
#
# The bundle must stay well under the device tool's 64 MiB carry limit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build-gpu
DEST=$BUILD/bundle          # staged here, then packed into .gpu/
PACKED=$ROOT/.gpu
LIMIT_MIB=40                # .gpu/ (compressed); .whl and the checkout travel too

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if [ ! -f "$BUILD/build.ninja" ]; then
  log "Configuring $BUILD"
  meson setup "$BUILD" -Dgui=disabled -Dcuda=enabled -Dbuildtype=release >/dev/null
fi
log "Building $BUILD"
ninja -C "$BUILD" >/dev/null

rm -rf "$DEST"
mkdir -p "$DEST/bin" "$DEST/lib" "$DEST/src/tests" "$DEST/loaders"

# ---- programs -------------------------------------------------------------
programs=("$BUILD/app/palitune-cli")
for f in "$BUILD"/tests/gpu/test-cuda-* "$BUILD"/tests/engine/test-* "$BUILD"/bench/bench-*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  case "$f" in *-emu) continue ;; esac     # the CPU-emulator builds stay home
  programs+=("$f")
done
for f in "${programs[@]}"; do
  cp "$f" "$DEST/bin/"
  strip --strip-debug "$DEST/bin/$(basename "$f")"
done

# ---- GdkPixbuf loaders (PNG and JPEG are built into the library) ------------
LOADER_DIR=$(pkg-config --variable=gdk_pixbuf_moduledir gdk-pixbuf-2.0 2>/dev/null || true)
loaders=()
for name in bmp gif tiff webp pnm; do
  f="$LOADER_DIR/libpixbufloader-$name.so"
  [ -f "$f" ] && loaders+=("$f")
done
for f in "${loaders[@]}"; do cp "$f" "$DEST/loaders/"; done
QUERY=$(command -v gdk-pixbuf-query-loaders \
        || ls "$(dirname "$LOADER_DIR")"/../gdk-pixbuf-query-loaders 2>/dev/null || true)
if [ ${#loaders[@]} -gt 0 ] && [ -n "$QUERY" ]; then
  # absolute paths in the cache: run.sh substitutes the bundle's location
  (cd "$DEST/loaders" && "$QUERY" ./*.so) \
    | sed -e "s|\"$DEST/loaders/\./|\"@BUNDLE@/loaders/|" -e "s|\"\./|\"@BUNDLE@/loaders/|" \
    > "$DEST/loaders/loaders.cache.in"
fi
# GdkPixbuf picks a loader by the MIME type GIO sniffs, from the
# shared-mime-info database: bring its compiled form (run.sh puts it first in
# XDG_DATA_DIRS)
if [ -f /usr/share/mime/mime.cache ]; then
  mkdir -p "$DEST/share/mime"
  cp /usr/share/mime/mime.cache /usr/share/mime/globs2 /usr/share/mime/magic \
     /usr/share/mime/aliases /usr/share/mime/subclasses "$DEST/share/mime/" 2>/dev/null || true
fi
# a readable cache, even an empty one: without it GdkPixbuf drops its
# built-in PNG and JPEG loaders too
[ -f "$DEST/loaders/loaders.cache.in" ] || echo "# no extra loaders" > "$DEST/loaders/loaders.cache.in"

# ---- shared libraries: the ldd closure, minus glibc and CUDA ---------------
skip_lib() {
  case "$1" in
    linux-vdso.so*|ld-linux*|libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libresolv.so*|\
    libutil.so*|libanl.so*|libnsl.so*|libmvec.so*|\
    libcuda.so*|libcudart.so*|libcublas*|libnvidia*|libnvrtc*|libnvJitLink*) return 0 ;;
  esac
  return 1
}
declare -A seen=()
queue=("${programs[@]}" "${loaders[@]}")
while [ ${#queue[@]} -gt 0 ]; do
  obj=${queue[0]}
  queue=("${queue[@]:1}")
  while read -r name arrow path _; do
    [ "$arrow" = "=>" ] || continue
    skip_lib "$name" && continue
    if [ "$path" = "not" ]; then
      echo "gpu-bundle: $(basename "$obj") needs $name, which is not found here" >&2
      exit 1
    fi
    [ -n "${seen[$name]:-}" ] && continue
    seen[$name]=1
    cp -L "$path" "$DEST/lib/$name"
    queue+=("$path")
  done < <(ldd "$obj")
done

# ---- data the tests read ------------------------------------------------------
[ -d tests/fixtures ] && cp -r tests/fixtures "$DEST/src/tests/"
[ -d data ] && cp -r data "$DEST/src/"
[ -f "$BUILD/data/gschemas.compiled" ] && mkdir -p "$DEST/schemas" && cp "$BUILD/data/gschemas.compiled" "$DEST/schemas/"
git rev-parse HEAD > "$DEST/COMMIT" 2>/dev/null || true
git status --short --untracked-files=no | head -20 > "$DEST/DIRTY" 2>/dev/null || true

cp tools/gpu-run.sh "$DEST/run.sh"
chmod +x "$DEST/run.sh"

# ---- checks -------------------------------------------------------------------
# every library resolves inside the bundle (or is glibc/CUDA, provided there)
bad=0
for f in "$DEST"/bin/* "$DEST"/lib/* "$DEST"/loaders/*.so; do
  [ -f "$f" ] || continue
  case "$f" in *.cache.in) continue ;; esac
  while read -r name arrow path _; do
    [ "$arrow" = "=>" ] || continue
    skip_lib "$name" && continue
    case "$path" in
      "$DEST"/lib/*) ;;
      *) echo "gpu-bundle: $(basename "$f") resolves $name outside the bundle ($path)" >&2; bad=1 ;;
    esac
  done < <(LD_LIBRARY_PATH="$DEST/lib" ldd "$f")
done
[ $bad -eq 0 ] || exit 1

# ---- pack -------------------------------------------------------------------------
rm -rf "$PACKED"
mkdir -p "$PACKED"
tar -C "$DEST" -cf - . | xz -6 -T2 > "$PACKED/bundle.tar.xz"
cp tools/gpu-launch.sh "$PACKED/run.sh"
chmod +x "$PACKED/run.sh"
size_kib=$(du -sk "$PACKED" | cut -f1)
log "Bundle: $((size_kib / 1024)) MiB packed in $PACKED ($(du -sm "$DEST" | cut -f1) MiB unpacked," \
    "${#programs[@]} programs, $(ls "$DEST/lib" | wc -l) libraries)"
if [ "$size_kib" -gt $((LIMIT_MIB * 1024)) ]; then
  echo "gpu-bundle: the packed bundle is over ${LIMIT_MIB} MiB (the device tool carries 64 MiB in all)" >&2
  exit 1
fi

# ---- optional: prove it in a chroot with nothing but glibc + CUDA + the bundle --
if [ "${1:-}" = --verify ]; then
  R=$(mktemp -d)
  trap 'rm -rf "$R"' EXIT
  mkdir -p "$R/lib64" "$R/lib/x86_64-linux-gnu" "$R/cuda" "$R/tmp"
  chmod 1777 "$R/tmp"
  cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
  for l in libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1; do
    cp -L "/lib/x86_64-linux-gnu/$l" "$R/lib/x86_64-linux-gnu/"
  done
  for l in libcudart.so.13 libcublas.so.13 libcublasLt.so.13; do
    cp -L "/usr/local/cuda/lib64/$l" "$R/cuda/"
  done
  cp -r "$DEST" "$R/bundle"
  sed "s|@BUNDLE@|/bundle|g" "$DEST/loaders/loaders.cache.in" > "$R/bundle/loaders/loaders.cache"
  CHROOT=$(command -v chroot)
  for t in "$R"/bundle/bin/test-*; do
    name=$(basename "$t")
    rc=0
    env -i G_TEST_SRCDIR=/bundle/src/tests G_TEST_BUILDDIR=/bundle/bin PT_SOURCE_ROOT=/bundle/src \
      GSETTINGS_BACKEND=memory HOME=/tmp TMPDIR=/tmp GDK_PIXBUF_MODULE_FILE=/bundle/loaders/loaders.cache \
      XDG_DATA_DIRS=/bundle/share \
      "$CHROOT" "$R" /lib64/ld-linux-x86-64.so.2 --library-path /bundle/lib:/cuda "/bundle/bin/$name" \
      > "$R/tmp/$name.log" 2>&1 || rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 77 ] || tail -5 "$R/tmp/$name.log" >&2
    printf '%-24s exit %d in the chroot\n' "$name" $rc >&2
    [ $rc -eq 0 ] || [ $rc -eq 77 ] || bad=1
  done
  [ $bad -eq 0 ] || { echo "gpu-bundle: a program failed in the chroot" >&2; exit 1; }
  log "Verified: the programs run with only glibc, CUDA and the bundle"
fi
