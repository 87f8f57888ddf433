#!/usr/bin/env bash
# cuda-regs.sh — registers, spills and stack per kernel for one GPU
# architecture, as ptxas reports them (no GPU needed): the .cu files are
# compiled again with the flags of a configured CUDA build, for one
# architecture only, with -Xptxas -v.
#
#   tools/cuda-regs.sh [BUILD [ARCH [FILE.cu…]]]
#     BUILD  a meson build folder with the CUDA backend (default build)
#     ARCH   sm_90 (default), sm_80, …
#     FILE   gpu/ sources (default: the two attention files)
#
# Prints "kernel  registers  spill-stores  spill-loads  stack" per kernel,
# sorted by name, so that two runs (before and after a change) diff.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ARCH=${2:-sm_90}
shift $(( $# < 2 ? $# : 2 ))
FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=(gpu/pt-cuda-attention.cu gpu/pt-cuda-attention-gemm.cu)
[ -f "$BUILD/compile_commands.json" ] || { echo "cuda-regs: no $BUILD/compile_commands.json" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for f in "${FILES[@]}"; do
  # the build's own command, minus its -gencode/-o/-c and warnings-as-errors
  cmd=$(python3 - "$BUILD/compile_commands.json" "$f" <<'EOF'
import json, shlex, sys
for c in json.load(open(sys.argv[1])):
    if c["file"].endswith(sys.argv[2]):
        args = shlex.split(c["command"])
        out, skip = [], False
        for a in args:
            if skip:
                skip = False
                continue
            if a in ("-o", "-c"):
                skip = True
                continue
            if a.startswith("-gencode") or a.startswith("-Werror"):
                continue
            out.append(a)
        print(shlex.join(out))
        break
EOF
)
  [ -n "$cmd" ] || { echo "cuda-regs: $f is not in $BUILD (configured with -Dcuda=enabled?)" >&2; exit 2; }
  (cd "$BUILD" && eval "$cmd" "-gencode=arch=compute_${ARCH#sm_},code=$ARCH" -Xptxas -v \
     -c "../$f" -o "$TMP/out.o") 2>&1 | grep -E "Compiling entry|stack frame|Used [0-9]+ registers"
done > "$TMP/ptxas.txt"

awk '
  /Compiling entry function/ { match ($0, /\x27[^\x27]*\x27/); name = substr ($0, RSTART + 1, RLENGTH - 2) }
  /stack frame/ { stack = $1; stores = $5; loads = $9 }
  /Used [0-9]+ registers/ { for (i = 1; i <= NF; i++) if ($i == "Used") regs = $(i + 1);
                            print name, regs, stores, loads, stack }
' "$TMP/ptxas.txt" | while read -r mangled regs stores loads stack; do
  printf '%-72s %4s regs  %4s/%-4s spill B  %4s stack\n' \
    "$(echo "$mangled" | c++filt | sed -e 's/(.*//' -e 's/^void //' -e 's/, /,/g')" "$regs" "$stores" "$loads" "$stack"
done | sort
