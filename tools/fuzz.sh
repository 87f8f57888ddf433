#!/usr/bin/env bash
# tools/fuzz.sh NAME [SECONDS] — fuzz one target with libFuzzer (clang), ASan + UBSan.
# Builds a clang build directory (build-fuzz) the first time. New crashing
# inputs land in build-fuzz/crash-*; interesting inputs grow a scratch copy of
# the corpus (build-fuzz/corpus-NAME), never the committed one.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: tools/fuzz.sh NAME [SECONDS]}
secs=${2:-60}
if [ ! -f build-fuzz/build.ninja ]; then
  # fuzzer-no-link: the engine itself carries coverage feedback, not only the target
  CC=clang CXX=clang++ meson setup build-fuzz -Dgui=disabled -Dcuda=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
    -Dc_args=-fsanitize=fuzzer-no-link -Dcpp_args=-fsanitize=fuzzer-no-link >/dev/null
else  # a build-fuzz set up before C++ entered the engine
  meson configure build-fuzz -Dc_args=-fsanitize=fuzzer-no-link \
    -Dcpp_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C build-fuzz engine/libpalitune-engine.a >/dev/null
mkdir -p build-fuzz/corpus-"$name"
cp -n tests/fuzz/corpus/"$name"/* build-fuzz/corpus-"$name"/ 2>/dev/null || true
flags=$(pkg-config --cflags --libs glib-2.0 gio-2.0 gobject-2.0 json-glib-1.0 gdk-pixbuf-2.0 openblas sentencepiece snappy libzstd zlib)
# compiled as C, linked by clang++: the engine holds C++ (the SentencePiece shim),
# whose UBSan checks need the C++ sanitizer runtime
clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ibuild-fuzz -Iengine -Iengine/cpu \
  $(pkg-config --cflags glib-2.0 gdk-pixbuf-2.0 json-glib-1.0) \
  -c tests/fuzz/fuzz-"$name".c -o build-fuzz/fuzz-"$name".o
clang++ -fsanitize=fuzzer,address,undefined build-fuzz/fuzz-"$name".o \
  build-fuzz/engine/libpalitune-engine.a $flags -fopenmp -lm -o build-fuzz/fuzz-"$name"
cd build-fuzz && ./fuzz-"$name" -max_total_time="$secs" corpus-"$name"
