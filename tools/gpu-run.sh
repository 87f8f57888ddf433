#!/usr/bin/env bash
# run.sh — PaliTune's GPU checks, from a bundle made by tools/gpu-bundle.sh
# (this file is tools/gpu-run.sh, copied into .gpu/ as run.sh).
#
#   run.sh [PHASE...]    phases, in the order given (default: tests step ops engine):
#     tests   nvidia-smi, `palitune-cli devices`, the gpu test suite
#     step    bench-cuda-step: PaliTune's training step at PaliGemma-3B-224
#     ops     bench-cuda-ops: the ops at PaliGemma-3B-224 shapes
#     cli     palitune-cli end to end: 4 training steps of the fixture model on
#             cpu and on cuda:0 (losses compared), `palitune-cli bench` per mode
#     engine  the engine test suite (CPU tests, on this machine's libraries)
#
# Writes into $OUT (default: gpu-out beside the bundle), appending across
# calls: summary.txt, gpu-tests.log, bench.log, bench-step.json,
# bench-ops.json. Exit status 0 when nothing failed. On a machine without a GPU the gpu tests
# skip (exit 77), which still shows that the bundle is self-contained; on a
# machine with one, a skipped gpu test is a failure (the backend did not see
# the device: a library path problem, shown with ldd in the log).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/../gpu-out}
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
TESTS_LOG=$OUT/gpu-tests.log
BENCH_LOG=$OUT/bench.log
PHASES=("$@")
[ ${#PHASES[@]} -gt 0 ] || PHASES=(tests cli step ops engine)

say() { echo "$*" | tee -a "$SUMMARY"; }

# ---- libraries: the bundle, then the CUDA toolkit and the driver -------------
libs=$HERE/lib
have_lib() { ls "$1"/"$2" >/dev/null 2>&1; }
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/nvidia/lib64 \
         /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64; do
  [ -d "$d" ] && libs=$libs:$d
done
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13; do
  found=0
  IFS=: read -r -a dirs <<< "$libs"
  for d in "${dirs[@]}"; do have_lib "$d" "$lib" && found=1 && break; done
  if [ $found -eq 0 ] && command -v python3 >/dev/null; then
    # PyTorch's CUDA wheels carry them too
    extra=$(python3 - "$lib" <<'EOF' 2>/dev/null
import glob, os, site, sys
for base in site.getsitepackages() + [site.getusersitepackages()]:
    for p in glob.glob(os.path.join(base, "nvidia", "**", sys.argv[1]), recursive=True):
        print(os.path.dirname(p)); sys.exit(0)
EOF
)
    [ -n "$extra" ] && libs=$libs:$extra
  fi
done
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

export G_TEST_SRCDIR=$HERE/src/tests G_TEST_BUILDDIR=$HERE/bin PT_SOURCE_ROOT=$HERE/src
export G_DEBUG=gc-friendly GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 MALLOC_CHECK_=2
export PT_CLI=$HERE/bin/palitune-cli
[ -d "$HERE/schemas" ] && export GSETTINGS_SCHEMA_DIR=$HERE/schemas
# the MIME database GdkPixbuf sniffs image types with (the machine may have none)
export XDG_DATA_DIRS=$HERE/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}
if [ -f "$HERE/loaders/loaders.cache.in" ]; then
  cache=$(mktemp)
  trap 'rm -f "$cache"' EXIT
  sed "s|@BUNDLE@|$HERE|g" "$HERE/loaders/loaders.cache.in" > "$cache"
  export GDK_PIXBUF_MODULE_FILE=$cache
fi

# ---- the machine ----------------------------------------------------------------
has_gpu=0
command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1 && has_gpu=1
describe_machine() {
{
  echo "== bundle $(cat "$HERE/COMMIT" 2>/dev/null) $(date -u +%FT%TZ)"
  [ -s "$HERE/DIRTY" ] && { echo "uncommitted changes:"; cat "$HERE/DIRTY"; }
  echo "== nvidia-smi"
} >> "$TESTS_LOG"
if [ $has_gpu -eq 1 ]; then
  nvidia-smi >> "$TESTS_LOG" 2>&1
  say "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
else
  say "gpu: none (nvidia-smi absent or failed)"
fi
{
  echo "== nvcc: $(command -v nvcc >/dev/null && nvcc --version | tail -1)"
  echo "== LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  echo "== palitune-cli devices"
  "$HERE/bin/palitune-cli" devices 2>&1
} >> "$TESTS_LOG"
}

# ---- tests ------------------------------------------------------------------------
failed=0
run_test() {   # suite program [args…]
  local suite=$1 exe=$2 name rc t0 t1 verdict
  shift 2
  name=$(basename "$exe")${1:+ $1}
  echo "== $suite / $(basename "$exe") $*" >> "$TESTS_LOG"
  t0=$(date +%s.%N)
  (cd "$OUT" && timeout 300 "$exe" "$@" >> "$TESTS_LOG" 2>&1)
  rc=$?
  t1=$(date +%s.%N)
  case $rc in
    0) verdict=PASS ;;
    77) verdict=SKIP
        if [ $has_gpu -eq 1 ] && [ "$suite" = gpu ]; then
          verdict="FAIL (skipped on a machine with a GPU)"
          failed=1
          { echo "-- ldd $name"; ldd "$exe"; } >> "$TESTS_LOG" 2>&1
        fi ;;
    124) verdict="FAIL (timeout)"; failed=1 ;;
    *) verdict="FAIL (exit $rc)"; failed=1 ;;
  esac
  say "$(printf '%-6s %-28s %-8s %6.1fs' "$suite" "$name" "$verdict" "$(echo "$t1 - $t0" | bc 2>/dev/null || echo 0)")"
}

run_bench() {   # name timeout args...
  local name=$1 limit=$2 rc
  shift 2
  if [ $has_gpu -ne 1 ] || [ ! -x "$HERE/bin/$name" ]; then
    say "bench  $name               skipped (no GPU)"
    return
  fi
  echo "== $name $*" >> "$BENCH_LOG"
  (cd "$OUT" && timeout "$limit" "$HERE/bin/$name" "$@" >> "$BENCH_LOG" 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then say "bench  $name               done (bench.log)"
  else say "bench  $name               FAIL (exit $rc)"; failed=1; fi
}

# the trainer on both devices: the CUDA losses within 2 % of the CPU's
run_cli() {
  local cli=$HERE/bin/palitune-cli fx=$HERE/src/tests/fixtures/export tmp rc=0
  if [ $has_gpu -ne 1 ]; then
    say "cli    palitune-cli train/bench    skipped (no GPU)"
    return
  fi
  tmp=$(mktemp -d)
  for which in cpu gpu; do
    dev=cpu
    [ $which = gpu ] && dev=${PT_RUN_GPU_DEVICE:-cuda:0}
    echo "== palitune-cli train --device $dev" >> "$TESTS_LOG"
    timeout 120 "$cli" train -m "$fx/model" -d "$fx/data/train.jsonl" --device "$dev" --max-steps 4 \
      -b 4 --grad-accum 1 --val-split 0 --lr 1e-3 -o "$tmp/run-$which" >> "$TESTS_LOG" 2>&1 || rc=1
  done
  if [ $rc -eq 0 ]; then
    python3 - "$tmp/run-cpu/metrics.jsonl" "$tmp/run-gpu/metrics.jsonl" >> "$TESTS_LOG" 2>&1 <<'PY' || rc=1
import json, sys
def losses(path):
    return [r["loss"] for r in map(json.loads, open(path)) if r.get("type") == "train"]
cpu, gpu = losses(sys.argv[1]), losses(sys.argv[2])
print("losses cpu ", cpu)
print("losses cuda", gpu)
assert len(cpu) == len(gpu) == 4, "4 steps each"
worst = max(abs(a - b) / abs(a) for a, b in zip(cpu, gpu))
print(f"largest relative difference {worst:.2e} (bound 2e-2)")
sys.exit(0 if worst <= 2e-2 else 1)
PY
  fi
  if [ $rc -eq 0 ]; then say "cli    palitune-cli train cpu=cuda   PASS"
  else say "cli    palitune-cli train cpu=cuda   FAIL (gpu-tests.log)"; failed=1; fi
  # data parallel: one rank whose gradients go through NCCL (PT_COMM_DEVICE=1)
  # makes the same steps as the plain GPU run
  echo "== PT_COMM_DEVICE=1 palitune-cli train --device cuda:0 (NCCL, one rank)" >> "$TESTS_LOG"
  if [ -d "$tmp/run-gpu" ] && PT_COMM_DEVICE=1 timeout 120 "$cli" train -m "$fx/model" -d "$fx/data/train.jsonl" \
       --device "${PT_RUN_GPU_DEVICE:-cuda:0}" --max-steps 4 -b 4 --grad-accum 1 --val-split 0 --lr 1e-3 \
       -o "$tmp/run-nccl" >> "$TESTS_LOG" 2>&1 \
     && python3 - "$tmp/run-gpu/metrics.jsonl" "$tmp/run-nccl/metrics.jsonl" >> "$TESTS_LOG" 2>&1 <<'PY'
import json, sys
def losses(path):
    return [r["loss"] for r in map(json.loads, open(path)) if r.get("type") == "train"]
gpu, nccl = losses(sys.argv[1]), losses(sys.argv[2])
print("losses cuda      ", gpu)
print("losses cuda+NCCL ", nccl)
worst = max(abs(a - b) / abs(a) for a, b in zip(gpu, nccl))
print(f"largest relative difference {worst:.2e} (bound 1e-6)")
sys.exit(0 if len(gpu) == len(nccl) == 4 and worst <= 1e-6 else 1)
PY
  then say "cli    train on NCCL, 1 rank = cuda  PASS"
  else say "cli    train on NCCL, 1 rank = cuda  FAIL (gpu-tests.log)"; failed=1; fi
  rm -rf "$tmp"
  for mode in lora qlora full; do
    echo "== palitune-cli bench --device cuda:0 --mode $mode" >> "$BENCH_LOG"
    timeout 120 "$cli" bench --device "${PT_RUN_GPU_DEVICE:-cuda:0}" --mode "$mode" >> "$BENCH_LOG" 2>&1 \
      || { say "cli    palitune-cli bench $mode       FAIL"; failed=1; }
  done
}

for phase in "${PHASES[@]}"; do
  case $phase in
    tests)
      describe_machine
      # test-cuda-ops runs the attention cases on the backend's choice, then
      # on each path forced (cuBLAS scores, flash kernels)
      for exe in "$HERE"/bin/test-cuda-*; do run_test gpu "$exe"; done ;;
    cli) run_cli ;;
    step) run_bench bench-cuda-step 240 --json "$OUT/bench-step.json" ;;
    ops) run_bench bench-cuda-ops 150 --json "$OUT/bench-ops.json" ;;
    engine)
      for exe in "$HERE"/bin/test-*; do
        case "$(basename "$exe")" in test-cuda-*) continue ;; esac
        run_test engine "$exe"
      done ;;
    *) say "run.sh: unknown phase $phase"; failed=1 ;;
  esac
done

say "run.sh ${PHASES[*]}: $([ $failed -eq 0 ] && echo OK || echo FAILED)"
exit $failed
