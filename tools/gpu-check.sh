#!/usr/bin/env bash
# gpu-check.sh — the one command of a GPU session: PaliTune's gpu tests, its
# training step and ops benches (from the bundle, .gpu/run.sh), and the
# Hugging Face baseline (bench/hf_baseline.py), most important first, so that
# a run cut short still brings back what matters. Everything lands in $OUT
# (7 files: summary.txt, gpu-tests.log, bench.log, bench-step.json,
# bench-ops.json, hf-baseline.log, hf_baseline.json).
#
# Prepare here:   tools/gpu-bundle.sh && tools/gpu-wheels.sh
# Run there:      bash tools/gpu-check.sh       (carry .gpu and .whl; bench/README.md)
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
export OUT PYTHONUNBUFFERED=1
status=0

if [ ! -x .gpu/run.sh ]; then
  echo "gpu-check: no .gpu/ bundle (run tools/gpu-bundle.sh first and carry .gpu)" | tee -a "$OUT/summary.txt"
  status=1
fi
phase() {   # run.sh phase with a time limit
  [ -x .gpu/run.sh ] || return
  timeout "$2" .gpu/run.sh "$1" || status=1
}

# 1. correctness on the device (the test programs, then the trainer end to
#    end), then PaliTune's step at 3B (the headline number)
phase tests 200
phase cli 150
phase step 260

# 2. the Hugging Face baseline (bitsandbytes from .whl when carried)
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/pt-site .whl/*.whl 2>&1 | grep -v "as the 'root' user" \
    ; export PYTHONPATH=/tmp/pt-site${PYTHONPATH:+:$PYTHONPATH}
fi
timeout 330 python3 bench/hf_baseline.py > "$OUT/hf-baseline.log" 2>&1 || status=1
tail -8 "$OUT/hf-baseline.log"

# 3. the op benches and the engine suite
phase ops 150
phase engine 120

{
  echo "== versions"
  python3 -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda)" 2>&1
  nvidia-smi 2>/dev/null | grep -m1 "CUDA Version"
  command -v nvcc >/dev/null && nvcc --version | tail -1
  echo "gpu-check: $([ $status -eq 0 ] && echo OK || echo FAILED)"
} >> "$OUT/summary.txt" 2>&1
tail -6 "$OUT/summary.txt"
exit $status
