#!/usr/bin/env python3
"""The Hugging Face baseline that PaliTune's CUDA backend is measured against.

Builds PaliGemma-3B-224 from its real configuration (spec/paligemma.md §1,
the hub's config.json) with random weights in bf16 on the GPU — nothing is
downloaded — and times, on a synthetic batch shaped like the seed workflow's
(batch 16, 256 image tokens, "answer " + a ~10-token question, 1-3 answer
tokens + <eos>, labels on the answer only, gradient accumulation 4):

  1. LoRA r=8 alpha=8 on q,o,k,v,gate,up,down_proj (PEFT), AdamW, SDPA attention
  2. full fine-tune of the decoder + projector, vision tower frozen, AdamW
  3. QLoRA: the same LoRA on a bitsandbytes NF4 base (bf16 compute, double
     quantisation), when bitsandbytes imports
  4. generation: one image + prompt -> 10 new tokens, greedy, batch 1

Each training figure is measured after warm-up over >= 20 micro-steps (whole
accumulation cycles): samples/s over the timed window, the median micro-step,
and the peak GPU memory (torch.cuda.max_memory_allocated). Out of memory is
reported as such. Works with transformers 4.57 and 5.x.

Usage:
  python3 bench/hf_baseline.py             the real model on cuda (about 2-4 min on an H100)
  python3 bench/hf_baseline.py --tiny      a tiny config, few steps, CPU is fine (a smoke test)
  options: --json FILE (default $OUT/hf_baseline.json when OUT is set),
           --steps N (timed micro-steps, default 24), --skip lora,full,qlora,generate

bitsandbytes is not installed on the GPU machines; carry it as a wheel. Here,
in the repository root (tools/gpu-wheels.sh does this and prunes the wheel to
the CUDA 13 library, ~3 MB instead of 43):
  python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
      --implementation cp --platform manylinux_2_24_x86_64 -d .whl bitsandbytes==0.50.2
and there, before running this script:
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
      --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
"""

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback

import torch

# the hub's config.json of google/paligemma-3b-pt-224 (spec/paligemma.md §1)
PALIGEMMA_3B_224 = {
    "architectures": ["PaliGemmaForConditionalGeneration"],
    "model_type": "paligemma",
    "bos_token_id": 2,
    "eos_token_id": 1,
    "pad_token_id": 0,
    "hidden_size": 2048,
    "projection_dim": 2048,
    "ignore_index": -100,
    "image_token_index": 257152,
    "vocab_size": 257216,
    "text_config": {
        "model_type": "gemma",
        "hidden_size": 2048,
        "intermediate_size": 16384,
        "num_attention_heads": 8,
        "num_hidden_layers": 18,
        "num_key_value_heads": 1,
        "head_dim": 256,
        "num_image_tokens": 256,
        "vocab_size": 257216,
        "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "hidden_act": "gelu_pytorch_tanh",
        "hidden_activation": "gelu_pytorch_tanh",
        "tie_word_embeddings": True,
        "bos_token_id": 2,
        "eos_token_id": 1,
        "pad_token_id": 0,
    },
    "vision_config": {
        "model_type": "siglip_vision_model",
        "hidden_size": 1152,
        "intermediate_size": 4304,
        "num_attention_heads": 16,
        "num_hidden_layers": 27,
        "num_image_tokens": 256,
        "image_size": 224,
        "patch_size": 14,
        "num_channels": 3,
        "layer_norm_eps": 1e-6,
        "hidden_act": "gelu_pytorch_tanh",
        "projection_dim": 2048,
        "projector_hidden_act": "gelu_fast",
        "vision_use_head": False,
    },
}

# the same architecture, small enough for a CPU smoke test
TINY = {
    **PALIGEMMA_3B_224,
    "hidden_size": 64,
    "projection_dim": 64,
    "image_token_index": 448,
    "vocab_size": 512,
    "text_config": {
        **PALIGEMMA_3B_224["text_config"],
        "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
        "num_hidden_layers": 2, "num_key_value_heads": 1, "head_dim": 16,
        "num_image_tokens": 4, "vocab_size": 512,
    },
    "vision_config": {
        **PALIGEMMA_3B_224["vision_config"],
        "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 2,
        "num_hidden_layers": 2, "num_image_tokens": 4, "image_size": 28,
        "projection_dim": 64,
    },
}

LORA_TARGETS = ["q_proj", "o_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"]
BATCH = 16
ACCUMULATION = 4
ANSWER_ID = 13072   # a stand-in for the "answer" token: ids are random anyway
NEWLINE_ID = 108


def log(*args):
    print(*args, flush=True)


def versions():
    out = {"python": platform.python_version(), "torch": torch.__version__,
           "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()}
    for name in ("transformers", "peft", "bitsandbytes", "accelerate"):
        try:
            module = __import__(name)
            out[name] = getattr(module, "__version__", "?")
        except Exception as e:  # noqa: BLE001 — any import failure means "absent"
            out[name] = None
            out[name + "_error"] = f"{type(e).__name__}: {e}".splitlines()[0][:200]
    if torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        out["gpu"] = p.name
        out["gpu_memory_gib"] = round(p.total_memory / 2**30, 1)
        out["sm"] = f"{p.major}.{p.minor}"
        try:
            import subprocess
            out["driver"] = subprocess.run(
                ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001
            out["driver"] = None
    return out


def make_config(tiny):
    from transformers import PaliGemmaConfig
    d = json.loads(json.dumps(TINY if tiny else PALIGEMMA_3B_224))
    # the loader's path for a hub config.json, in 4.x and 5.x alike
    return PaliGemmaConfig.from_dict(d)


def from_config(config, dtype):
    from transformers import PaliGemmaForConditionalGeneration
    cls = PaliGemmaForConditionalGeneration
    try:
        return cls._from_config(config, dtype=dtype, attn_implementation="sdpa")
    except TypeError:
        return cls._from_config(config, torch_dtype=dtype, attn_implementation="sdpa")


def build_model(config, device, dtype):
    t0 = time.perf_counter()
    with torch.device(device):
        model = from_config(config, dtype)
    model.to(device)
    sync(device)
    log(f"  built the model in {time.perf_counter() - t0:.1f} s "
        f"({sum(p.numel() for p in model.parameters()) / 1e6:,.1f} M parameters, "
        f"attention {getattr(model.config, '_attn_implementation', '?')})")
    return model


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def synthetic_batch(config, device, dtype, seed=0):
    """batch 16 shaped like the seed's VQAv2 records: image tokens, <bos>,
    "answer" + question, "\\n", answer (1-3 tokens) + <eos>; right padding"""
    g = torch.Generator().manual_seed(seed)
    n_img = config.vision_config.num_image_tokens if hasattr(config.vision_config, "num_image_tokens") \
        else (config.vision_config.image_size // config.vision_config.patch_size) ** 2
    image_token = config.image_token_index
    vocab_text = min(256000, image_token)   # ordinary text ids, below the special ones
    rows, types = [], []
    for _ in range(BATCH):
        n_q = int(torch.randint(8, 13, (1,), generator=g))
        n_a = int(torch.randint(1, 4, (1,), generator=g))
        question = torch.randint(3, vocab_text, (n_q,), generator=g).tolist()
        answer = torch.randint(3, vocab_text, (n_a,), generator=g).tolist()
        prefix = [image_token] * n_img + [2, min(ANSWER_ID, vocab_text - 1)] + question + [NEWLINE_ID % vocab_text]
        suffix = answer + [1]
        rows.append(prefix + suffix)
        types.append([0] * len(prefix) + [1] * len(suffix))
    length = max(len(r) for r in rows)
    ids = torch.zeros(BATCH, length, dtype=torch.long)
    mask = torch.zeros(BATCH, length, dtype=torch.long)
    tt = torch.zeros(BATCH, length, dtype=torch.long)
    for i, (r, t) in enumerate(zip(rows, types)):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
        tt[i, :len(t)] = torch.tensor(t)
    labels = ids.masked_fill(tt == 0, -100)
    size = config.vision_config.image_size
    pixels = torch.rand(BATCH, 3, size, size, generator=g) * 2 - 1
    batch = {"input_ids": ids, "attention_mask": mask, "token_type_ids": tt, "labels": labels,
             "pixel_values": pixels.to(dtype)}
    return {k: v.to(device) for k, v in batch.items()}, length


def reset_memory(device):
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_gib(device):
    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if device == "cuda" else None


def train_timing(model, params, batch, device, warmup, steps):
    """micro-steps of batch 16; AdamW every ACCUMULATION micro-steps"""
    optimizer = torch.optim.AdamW(params, lr=2e-5, weight_decay=1e-6, betas=(0.9, 0.999))
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" \
        else torch.autocast("cpu", enabled=False)
    times, losses = [], []
    total = warmup + steps
    window_start = None
    for i in range(total):
        if i == warmup:
            sync(device)
            window_start = time.perf_counter()
        t0 = time.perf_counter()
        with autocast:
            out = model(**batch)
        (out.loss / ACCUMULATION).backward()
        if (i + 1) % ACCUMULATION == 0:
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        sync(device)
        times.append(time.perf_counter() - t0)
        losses.append(float(out.loss.detach()))
    window = time.perf_counter() - window_start
    timed = times[warmup:]
    del optimizer
    return {
        "samples_per_s": round(BATCH * steps / window, 2),
        "median_micro_step_ms": round(statistics.median(timed) * 1e3, 1),
        "micro_steps_timed": steps,
        "warmup_micro_steps": warmup,
        "optimizer_state_dtype": str(params[0].dtype).replace("torch.", ""),
        "first_loss": round(losses[0], 4),
        "last_loss": round(losses[-1], 4),
        "peak_gib": peak_gib(device),
    }


def lora_config():
    from peft import LoraConfig
    return LoraConfig(r=8, lora_alpha=8, lora_dropout=0.0, target_modules=LORA_TARGETS,
                      task_type="CAUSAL_LM")


def run_lora(state, batch, device, warmup, steps):
    """LoRA on state["model"], which gets its adapters removed again afterwards"""
    from peft import get_peft_model
    reset_memory(device)
    peft_model = get_peft_model(state["model"], lora_config())
    try:
        trainable = [p for p in peft_model.parameters() if p.requires_grad]
        n = sum(p.numel() for p in trainable)
        log(f"  LoRA: {n:,} trainable parameters")
        result = train_timing(peft_model, trainable, batch, device, warmup, steps)
        result["trainable_parameters"] = n
    finally:
        state["model"] = peft_model.unload()   # the base model, without adapters
        for p in state["model"].parameters():
            p.grad = None
    return result


def run_full(state, batch, device, warmup, steps):
    model = state["model"]
    reset_memory(device)
    for name, p in model.named_parameters():
        # the seed's full fine-tune: decoder and projector train, SigLIP is frozen
        p.requires_grad = "vision_tower" not in name
    trainable = [p for p in model.parameters() if p.requires_grad]
    n = sum(p.numel() for p in trainable)
    log(f"  full: {n:,} trainable parameters")
    try:
        result = train_timing(model, trainable, batch, device, warmup, steps)
    finally:
        for p in model.parameters():
            p.grad = None
            p.requires_grad = False
    result["trainable_parameters"] = n
    return result


def run_qlora(state, batch, device, warmup, steps):
    """state["model"]: the bf16 model, saved and dropped here so that the
    peak memory counts the NF4 model only"""
    try:
        import bitsandbytes  # noqa: F401
    except Exception as e:  # noqa: BLE001
        return {"status": "not run", "reason": f"bitsandbytes does not import: {type(e).__name__}: {e}"[:300]}
    from transformers import BitsAndBytesConfig, PaliGemmaForConditionalGeneration
    from peft import get_peft_model
    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                               bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_use_double_quant=True)
    with tempfile.TemporaryDirectory(prefix="pt-hf-baseline-") as tmp:
        t0 = time.perf_counter()
        state.pop("model").save_pretrained(tmp, safe_serialization=True)
        log(f"  saved the random model in {time.perf_counter() - t0:.1f} s; quantising it on load")
        reset_memory(device)
        kwargs = dict(quantization_config=quant, attn_implementation="sdpa",
                      device_map={"": 0} if device == "cuda" else {"": "cpu"})
        t0 = time.perf_counter()
        try:
            qmodel = PaliGemmaForConditionalGeneration.from_pretrained(tmp, dtype=torch.bfloat16, **kwargs)
        except TypeError:
            qmodel = PaliGemmaForConditionalGeneration.from_pretrained(tmp, torch_dtype=torch.bfloat16, **kwargs)
        log(f"  loaded and quantised in {time.perf_counter() - t0:.1f} s")
    n4 = sum(1 for m in qmodel.modules() if type(m).__name__ == "Linear4bit")
    reset_memory(device)
    peft_model = get_peft_model(qmodel, lora_config())
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    result = train_timing(peft_model, trainable, batch, device, warmup, steps)
    result["trainable_parameters"] = sum(p.numel() for p in trainable)
    result["quantization"] = f"nf4, double quant, bf16 compute, {n4} Linear4bit modules"
    return result


def run_generate(model, config, device, dtype, repeats):
    model.eval()
    batch, _ = synthetic_batch(config, device, dtype, seed=1)
    # one row's prompt: everything before the answer
    n_prompt = int((batch["token_type_ids"][0] == 0).sum()) - int((batch["attention_mask"][0] == 0).sum())
    prompt = {"input_ids": batch["input_ids"][:1, :n_prompt],
              "attention_mask": batch["attention_mask"][:1, :n_prompt],
              "token_type_ids": torch.zeros_like(batch["input_ids"][:1, :n_prompt]),
              "pixel_values": batch["pixel_values"][:1]}
    out = {}
    for new in (1, 10):
        times = []
        for i in range(repeats + 2):
            sync(device)
            t0 = time.perf_counter()
            with torch.no_grad():
                tokens = model.generate(**prompt, max_new_tokens=new, min_new_tokens=new, do_sample=False)
            sync(device)
            if i >= 2:
                times.append(time.perf_counter() - t0)
        assert tokens.shape[1] == n_prompt + new, tokens.shape
        out[f"{new}_tokens_ms"] = round(statistics.median(times) * 1e3, 1)
    out["prompt_tokens"] = n_prompt
    out["repeats"] = repeats
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny config, few steps (CPU is fine)")
    parser.add_argument("--json", help="write the results here (default: $OUT/hf_baseline.json)")
    parser.add_argument("--steps", type=int, help="timed micro-steps (default 24; --tiny 4)")
    parser.add_argument("--skip", default="", help="comma-separated: lora,full,qlora,generate")
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    args = parser.parse_args()

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if not args.tiny and device != "cuda":
        sys.exit("hf_baseline: the real model needs a GPU (use --tiny on a CPU)")
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    steps = args.steps or (4 if args.tiny else 24)
    steps = max(ACCUMULATION, steps - steps % ACCUMULATION)   # whole accumulation cycles
    warmup = ACCUMULATION
    skip = set(filter(None, args.skip.split(",")))
    torch.manual_seed(0)

    report = {"model": "tiny PaliGemma" if args.tiny else "PaliGemma-3B-224 (random weights)",
              "device": device, "dtype": str(dtype).replace("torch.", ""), "batch": BATCH,
              "gradient_accumulation": ACCUMULATION, "versions": versions(),
              "command": " ".join([os.path.basename(sys.executable)] + sys.argv)}
    log(json.dumps(report["versions"]))
    config = make_config(args.tiny)
    batch, length = synthetic_batch(config, device, dtype)
    report["sequence_length"] = length
    report["answer_tokens"] = int((batch["labels"] != -100).sum())
    log(f"batch {BATCH} x {length} tokens, {report['answer_tokens']} labelled; "
        f"{steps} timed micro-steps after {warmup}")

    results = {}

    def phase(name, fn):
        if name in skip:
            results[name] = {"status": "skipped"}
            return
        log(f"== {name}")
        t0 = time.perf_counter()
        try:
            r = fn()
            r.setdefault("status", "ok")
        except torch.cuda.OutOfMemoryError as e:
            r = {"status": "out of memory", "error": str(e).splitlines()[0][:300],
                 "peak_gib": peak_gib(device)}
        except Exception as e:  # noqa: BLE001 — report and go on with the next phase
            traceback.print_exc()
            r = {"status": "error", "error": f"{type(e).__name__}: {e}"[:500]}
        r["wall_s"] = round(time.perf_counter() - t0, 1)
        results[name] = r
        log("  " + json.dumps(r))
        reset_memory(device)

    state = {"model": build_model(config, device, dtype)}
    phase("generate", lambda: run_generate(state["model"], config, device, dtype, 3 if args.tiny else 5))
    phase("lora", lambda: run_lora(state, batch, device, warmup, steps))
    phase("full", lambda: run_full(state, batch, device, warmup, steps))
    phase("qlora", lambda: run_qlora(state, batch, device, warmup, steps))
    state.clear()
    report["results"] = results

    log("")
    log(f"{'mode':<10} {'status':<14} {'samples/s':>10} {'step ms':>9} {'peak GiB':>9}  notes")
    for name in ("lora", "full", "qlora"):
        r = results.get(name, {})
        log(f"{name:<10} {r.get('status', '?'):<14} {r.get('samples_per_s', ''):>10} "
            f"{r.get('median_micro_step_ms', ''):>9} {str(r.get('peak_gib', '')):>9}  "
            f"{r.get('reason', r.get('error', ''))[:60]}")
    g = results.get("generate", {})
    log(f"{'generate':<10} {g.get('status', '?'):<14} prefill+1 token {g.get('1_tokens_ms', '?')} ms, "
        f"10 tokens {g.get('10_tokens_ms', '?')} ms (batch 1, greedy)")

    path = args.json or (os.path.join(os.environ["OUT"], "hf_baseline.json") if os.environ.get("OUT") else None)
    if path:
        with open(path, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        log(f"wrote {path}")
    failed = [n for n, r in results.items() if r.get("status") in ("error",)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
