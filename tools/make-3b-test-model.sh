#!/usr/bin/env bash
# make-3b-test-model.sh — a PaliGemma-3B-224-shaped test model, and both
# sides (PaliTune, Hugging Face transformers + PEFT) run on it.
#
#   tools/make-3b-test-model.sh DIR [--small] [--run] [--threads N]
#
# DIR/model: `palitune-cli init-model` with the hub's paligemma-3b-pt-224
# config (bench/hf_baseline.py), random weights stored in bf16 in three
# shards with the hub's tensor names, and a 257 152-piece tokenizer (the
# demo's, padded by tools/pad-tokenizer.py: <loc0000> = 256000,
# <seg127> = 257151, <image> = 257152). DIR/image.png: a demo scene.
# --small: the demo's micro architecture with the 3B vocabulary instead
# (seconds, a few hundred MB): checks the recipe and both sides end to end.
#
# --run prints, side by side (LoRA r=8 on the seed's seven modules, batch 1,
# --threads threads, default 2):
#   LoRA step: PaliTune at --precision auto (and f32 and bf16 when auto is
#              f32 here: no BF16 units), HF + PEFT bf16 — median step, peak RSS
#   predict:   load + 4 new tokens, whole process — wall time, peak RSS
# Peak RSS and wall come from GNU time (/usr/bin/time -v). Needs the build in
# build/ and /opt/refenv (tools/requirements-reference.txt). The 3B model
# takes about 6 GB on disk; the 3B run needs ~12 GB of free memory (PaliTune
# f32 holds its weights in f32).
set -euo pipefail
cd "$(dirname "$0")/.."

out="" small=0 run=0 threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small=1 ;;
    --run) run=1 ;;
    --threads) threads="$2"; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) out="$1" ;;
  esac
  shift
done
[ -n "$out" ] || { sed -n '2,25p' "$0" >&2; exit 2; }

cli=build/app/palitune-cli
py=${PYTHON:-/opt/refenv/bin/python}
model="$out/model"
mkdir -p "$out"

if [ ! -f "$model/config.json" ]; then
  "$py" - "$out/config.json" "$small" <<'EOF'
import json, sys
sys.path.insert(0, "bench")
from hf_baseline import PALIGEMMA_3B_224
out, small = sys.argv[1], sys.argv[2] == "1"
c = json.loads(json.dumps(PALIGEMMA_3B_224))
if small:
    # the demo's micro model (data/demo/config.json) with the 3B vocabulary
    demo = json.load(open("data/demo/config.json"))
    demo["image_token_index"] = c["image_token_index"]
    demo["text_config"]["vocab_size"] = c["text_config"]["vocab_size"]
    demo["vocab_size"] = c["vocab_size"]
    demo.pop("dtype", None)
    c = demo
json.dump(c, open(out, "w"), indent=2)
EOF
  "$py" tools/pad-tokenizer.py data/demo/tokenizer.model "$out/tokenizer.model"
  shard=2500M   # 5.9 GB in three shards, as the hub's
  [ "$small" = 1 ] && shard=40M
  /usr/bin/time -f "init-model: %e s wall, peak RSS %M KB" \
    "$cli" init-model --config "$out/config.json" --tokenizer "$out/tokenizer.model" \
      --out "$model" --dtype bf16 --max-shard-size "$shard"
  # the processor files a hub folder has (HF then loads without converting the tokenizer)
  "$py" bench/hf_cpu.py processor --model "$model" 2>&1 | grep -v -i warn
  ls -l "$model"
fi
if [ ! -f "$out/image.png" ]; then
  size=$("$py" -c "import json; print(json.load(open('$model/config.json'))['vision_config']['image_size'])")
  "$cli" demo-data --out "$out/scenes" --n 1 --image-size "$size" --tasks color --seed 3 >/dev/null
  cp "$(find "$out/scenes/images" -name '*.png' | head -1)" "$out/image.png"
fi
[ "$run" = 1 ] || exit 0

export OMP_NUM_THREADS="$threads" OMP_WAIT_POLICY=passive
prompt="answer what color is the shape?"
timed() {   # label, command…: the command's output, then its wall time and peak RSS
  local label="$1"; shift
  /usr/bin/time -o "$out/time.txt" -f "%x %e %M" "$@" 2>&1 | grep -v -i 'warn' || true
  read -r code wall rss < <(tail -1 "$out/time.txt")
  if [ "$code" != 0 ]; then
    printf '== %-34s FAILED (exit %s)\n' "$label" "$code"
    return
  fi
  printf '== %-34s wall %7.2f s   peak RSS %7.2f GB\n' "$label" "$wall" "$(echo "$rss / 1048576" | bc -l)"
}

lscpu | grep 'Model name'
"$cli" devices
auto=$("$cli" devices --json | "$py" -c "import json,sys; print([d for d in json.load(sys.stdin) if d['id']=='cpu'][0]['precision_auto'])")
precisions="auto"
[ "$auto" = f32 ] && precisions="auto bf16"
for p in $precisions; do
  timed "PaliTune LoRA step ($p → $( [ $p = auto ] && echo $auto || echo $p ))" \
    "$cli" bench --model "$model" --batch 1 --steps 3 --precision "$p"
done
timed "HF + PEFT LoRA step (bf16)" \
  "$py" bench/hf_cpu.py step --model "$model" --dtype bf16 --batch 1 --steps 3 --threads "$threads"
for p in $precisions; do
  timed "PaliTune predict, 4 tokens ($p)" \
    "$cli" predict -m "$model" -i "$out/image.png" -p "$prompt" --max-new-tokens 4 --batch 1 --precision "$p"
done
timed "HF predict, 4 tokens (bf16)" \
  "$py" bench/hf_cpu.py predict --model "$model" --dtype bf16 --image "$out/image.png" \
    --prompt "$prompt" --max-new-tokens 4 --threads "$threads"
