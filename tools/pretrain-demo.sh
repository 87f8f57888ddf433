#!/usr/bin/env bash
# tools/pretrain-demo.sh — pretrain the demo's micro PaliGemma (data/demo) from
# scratch with PaliTune's own engine, on the built-in shapes dataset.
#
#   tools/pretrain-demo.sh [WORK_DIR]        (default /tmp/palitune-demo-pretrain)
#
# Every step is PaliTune's CLI (build/app/palitune-cli, or $PT_CLI): the demo
# dataset generator, init-model, train --mode full --train-vision, export
# --merged-out. Stages chain: each one's merged model is the next one's
# --model (the optimiser starts afresh, with a warmup). The tokenizer is the
# one Python step (tools/train-tokenizer.py, SentencePiece's trainer).
#
# Resumable: a finished stage (WORK/NAME/model) is skipped, an unfinished one
# resumes from its last checkpoint (train --resume). Run it in the background:
#   setsid nohup tools/pretrain-demo.sh /tmp/pretrain > /tmp/pretrain.log 2>&1 &
# Copy WORK/release/* into data/demo.
#
# Deterministic given the seeds below on one machine (another BLAS build or CPU
# may round differently, and the run then drifts). The shipped model took
# about an hour and a half of two CPU cores in all (data/demo/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

CLI=${PT_CLI:-$PWD/build/app/palitune-cli}
PYTHON=${PYTHON:-/opt/refenv/bin/python}   # sentencepiece, safetensors, numpy
WORK=${1:-/tmp/palitune-demo-pretrain}
SEED=1                      # the random initialisation

# A passive OpenMP team and OpenBLAS workers that sleep at once when idle: on a
# busy (or 2-core) machine, spinning threads take the cores the work needs.
export OMP_WAIT_POLICY=passive OPENBLAS_THREAD_TIMEOUT=4

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
mkdir -p "$WORK"

# ---- 1. the tokenizer: every question and answer of every task, BPE + bytes + loc/seg ----
if [ ! -f "$WORK/tokenizer.model" ]; then
  log "Tokenizer"
  "$CLI" demo-data --corpus "$WORK/corpus.txt" --tasks all
  "$PYTHON" tools/train-tokenizer.py "$WORK/corpus.txt" "$WORK/tokenizer.model" --vocab-size 600
fi

# ---- 2. the micro model: SigLIP 112 px / patch 14 (64 tokens), 128 wide × 4 layers;
#         Gemma 192 wide × 4 layers, MQA 4 heads of 48, MLP 768; vocabulary 1752 + <image>
if [ ! -f "$WORK/init/model.safetensors" ]; then
  log "Random initialisation"
  "$CLI" init-model --config data/demo/config.json --tokenizer "$WORK/tokenizer.model" \
    --out "$WORK/init" --seed "$SEED"
fi

# stage NAME MODEL_IN DATA_DIR TRAIN_OPTIONS…: full training (vision included) of
# MODEL_IN on DATA_DIR/train.jsonl, validated on DATA_DIR/val.jsonl; the merged
# result goes to WORK/NAME/model.
stage() {
  local name=$1 model=$2 data=$3; shift 3
  local run="$WORK/$name/run" out="$WORK/$name/model"
  if [ -f "$out/model.safetensors" ]; then
    return
  fi
  if [ -f "$run/run.json" ]; then
    log "Stage $name: resuming"
    "$CLI" train --resume "$run" -q || true
  else
    log "Stage $name"
    mkdir -p "$WORK/$name"
    "$CLI" train --model "$model" --data "$data/train.jsonl" --val-data "$data/val.jsonl" \
      --mode full --train-vision --out "$run" --name "demo-$name" \
      --lr 1e-3 --weight-decay 0 --beta2 0.95 --batch 32 --grad-accum 1 \
      --max-new-tokens 3 --eval-every 500 --eval-samples 300 --save-every 250 --keep 3 -q "$@"
  fi
  "$CLI" export --run "$run" --checkpoint "$(ls -d "$run"/checkpoints/step-* | tail -1)" \
    --merged-out "$out" --force
}

# data NAME DEMO_DATA_OPTIONS…: a demo dataset at the model's 112 px in WORK/data-NAME
data() {
  local name=$1; shift
  if [ ! -f "$WORK/data-$name/demo-data.json" ]; then
    log "Data $name"
    "$CLI" demo-data --out "$WORK/data-$name" --image-size 112 --quiet --force "$@"
  fi
}

# Stage 1: shapes alone, on one big shape per image (an easy start: a model
# that never saw anything must first learn to look; 48 k samples).
data easy --seed 1 --n 8000 --val 300 --easy --tasks color,shape
for split in train val; do
  [ -f "$WORK/data-easy/shape-$split.jsonl" ] ||
    grep '"question_type": "shape"' "$WORK/data-easy/$split.jsonl" > "$WORK/data-easy/shape-$split.jsonl"
done
stage shapes "$WORK/init" "$WORK/data-easy" --data "$WORK/data-easy/shape-train.jsonl" \
  --val-data "$WORK/data-easy/shape-val.jsonl" --schedule constant --warmup 100 --max-steps 1500

# Stage 2: colour, shape, position and yes/no questions on big single shapes (48 k samples).
data easy4 --seed 101 --n 30000 --val 300 --easy --tasks color,shape,position,exists
stage easy4 "$WORK/shapes/model" "$WORK/data-easy4" --schedule constant --warmup 50 --max-steps 1500

# Stage 3: the demo's own scenes (one shape of any size from 0.12 to 0.25 of the
# image, anywhere), the learning rate decaying to zero (160 k samples).
data demo --seed 104 --n 40000 --val 300 --min-shapes 1 --max-shapes 1 --min-size 0.12 \
  --max-size 0.25 --tasks color,shape,position,exists
stage final "$WORK/easy4/model" "$WORK/data-demo" --schedule linear --warmup 50 --max-steps 5000 \
  --seed 104

# The tokens stage 3 never used get their initial embedding rows back (see
# the script: the French answers of the demo fine-tune are such tokens).
if [ ! -f "$WORK/release/model.safetensors" ]; then
  log "Release"
  mkdir -p "$WORK/release"
  cp "$WORK/final/model/"{config.json,generation_config.json,tokenizer.model} "$WORK/release/"
  "$CLI" demo-data --corpus "$WORK/corpus-pretrained.txt" --tasks color,shape,position,exists
  "$PYTHON" tools/demo-restore-unused-rows.py "$WORK/init" "$WORK/final/model" \
    "$WORK/corpus-pretrained.txt" "$WORK/release/model.safetensors"
fi

log "Done: $WORK/release (copy config.json, generation_config.json, model.safetensors and tokenizer.model into data/demo)"
