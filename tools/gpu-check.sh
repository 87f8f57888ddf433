#!/usr/bin/env bash
# gpu-check.sh — the one command of a GPU session: PaliTune's gpu and engine
# test suites and benches from the bundle (.gpu/run.sh), then the Hugging
# Face baseline (bench/hf_baseline.py). Everything lands in $OUT (7 files at
# most: summary.txt, gpu-tests.log, bench-cuda.log, bench-cuda.json,
# hf-baseline.log, hf_baseline.json, versions.txt).
#
# Prepare here:   tools/gpu-bundle.sh && tools/gpu-wheels.sh
# Run there:      bash tools/gpu-check.sh       (carry .gpu and .whl; bench/README.md)
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
status=0

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(cat .gpu/COMMIT 2>/dev/null || echo '(no bundle)')"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
  nvidia-smi 2>/dev/null | grep -m1 "CUDA Version"
  command -v nvcc >/dev/null && nvcc --version | tail -2
  python3 -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda)" 2>&1
} > "$OUT/versions.txt" 2>&1
cat "$OUT/versions.txt"

# 1. our tests and benches (a few minutes at most)
if [ -x .gpu/run.sh ]; then
  OUT=$OUT timeout 330 .gpu/run.sh || status=1
else
  echo "gpu-check: no .gpu/ bundle (run tools/gpu-bundle.sh first and carry .gpu)" | tee "$OUT/summary.txt"
  status=1
fi

# 2. the Hugging Face baseline (bitsandbytes from .whl when carried)
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/pt-site .whl/*.whl && export PYTHONPATH=/tmp/pt-site${PYTHONPATH:+:$PYTHONPATH}
fi
OUT=$OUT timeout 420 python3 bench/hf_baseline.py > "$OUT/hf-baseline.log" 2>&1 || status=1
tail -8 "$OUT/hf-baseline.log"
echo "gpu-check: $([ $status -eq 0 ] && echo OK || echo FAILED)"
exit $status
