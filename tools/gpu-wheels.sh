#!/usr/bin/env bash
# gpu-wheels.sh — the Python wheels the GPU machine lacks, into .whl/
# (git-ignored; the device tool carries it): bitsandbytes, for the QLoRA line
# of bench/hf_baseline.py. Its wheel holds one library per CUDA version
# (43 MB); only the CUDA 13 ones and the CPU one are kept (a few MB), so that
# .gpu/ and .whl/ together stay under the 64 MiB the tool carries.
#
#   tools/gpu-wheels.sh            (BNB_VERSION=0.50.2 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${BNB_VERSION:-0.50.2}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

mkdir -p .whl
rm -f .whl/bitsandbytes-*.whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_24_x86_64 --platform manylinux_2_28_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d "$TMP" "bitsandbytes==$VERSION"
python3 - "$TMP"/bitsandbytes-*.whl .whl <<'PY'
import os, re, sys, zipfile
src, dst_dir = sys.argv[1], sys.argv[2]
drop = re.compile(r"libbitsandbytes_(?!cpu\.so$|cuda13\d\.so$).*\.so$")
dst = os.path.join(dst_dir, os.path.basename(src))
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if drop.search(item.filename):
            continue
        data = zin.read(item.filename)
        if item.filename.endswith(".dist-info/RECORD"):
            lines = data.decode().splitlines(keepends=True)
            data = "".join(l for l in lines if not drop.search(l.split(",")[0])).encode()
        zout.writestr(item, data)
print(f"{dst}: {os.path.getsize(dst) / 2**20:.1f} MiB")
PY
