#!/usr/bin/env python3
"""Hugging Face transformers + PEFT on the CPU, shaped like `palitune-cli bench`
and `palitune-cli predict`, for side-by-side figures (bench/RESULTS.md).

  step     training steps on a model folder: LoRA r=8 alpha=8 on the seed's
           seven modules (PEFT names, so the vision tower's q/k/v match too,
           as in PaliTune), or a full fine-tune (--mode full, --train-vision),
           AdamW lr 2e-5; a synthetic batch exactly like PaliTune's bench
           (image tokens, <bos>, --prompt-tokens random ids, --answer-tokens
           random ids + <eos>, labels on the answer and <eos>, no padding).
           Prints the median step after one warm-up step, samples/s and the
           peak resident memory (ru_maxrss).
  processor  write a PaliTune folder's processor files (preprocessor_config.json,
           tokenizer.json, …) as a hub folder has them.
  predict  load the folder (processor + model) and greedily generate
           --max-new-tokens for one image and prompt; prints the answer, the
           load and generate times and the peak resident memory.

  --dtype f32|bf16 (the weights and the compute, as from_pretrained's
  torch_dtype), --threads N (torch.set_num_threads; default 2).

Run with /opt/refenv/bin/python (tools/requirements-reference.txt).
"""
import argparse
import resource
import statistics
import sys
import time

T_START = time.perf_counter()

import torch  # noqa: E402

SEED_TARGETS = ["q_proj", "o_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"]


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_model(folder, dtype):
    from transformers import PaliGemmaForConditionalGeneration
    try:
        return PaliGemmaForConditionalGeneration.from_pretrained(folder, dtype=dtype,
                                                                 attn_implementation="sdpa")
    except TypeError:
        return PaliGemmaForConditionalGeneration.from_pretrained(folder, torch_dtype=dtype,
                                                                 attn_implementation="sdpa")


def synthetic_batch(config, batch, prompt_len, answer_len, dtype, seed=1):
    g = torch.Generator().manual_seed(seed)
    vc = config.vision_config
    n_img = (vc.image_size // vc.patch_size) ** 2
    text_vocab = min(config.image_token_index, config.text_config.vocab_size)
    rows, types = [], []
    for _ in range(batch):
        prompt = torch.randint(3, text_vocab, (prompt_len,), generator=g).tolist()
        answer = torch.randint(3, text_vocab, (answer_len,), generator=g).tolist()
        prefix = [config.image_token_index] * n_img + [config.text_config.bos_token_id or 2] + prompt
        suffix = answer + [config.text_config.eos_token_id or 1]
        rows.append(prefix + suffix)
        types.append([0] * len(prefix) + [1] * len(suffix))
    ids = torch.tensor(rows)
    tt = torch.tensor(types)
    return {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "token_type_ids": tt,
        "labels": ids.masked_fill(tt == 0, -100),
        "pixel_values": (torch.rand(batch, 3, vc.image_size, vc.image_size, generator=g) * 2 - 1).to(dtype),
    }


def cmd_step(a, dtype):
    model = load_model(a.model, dtype)
    model.train()
    if a.mode == "lora":
        from peft import LoraConfig, get_peft_model
        for p in model.parameters():
            p.requires_grad = False
        model = get_peft_model(model, LoraConfig(r=a.rank, lora_alpha=a.rank, lora_dropout=0.0,
                                                 target_modules=SEED_TARGETS))
        # LoRA weights in f32 (PaliTune keeps trainables, gradients and AdamW state in f32)
        for n, p in model.named_parameters():
            if p.requires_grad:
                p.data = p.data.float()
    else:
        for n, p in model.named_parameters():
            p.requires_grad = a.train_vision or "vision_tower" not in n
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=2e-5, weight_decay=1e-6)
    batch = synthetic_batch(model.config if a.mode != "lora" else model.base_model.model.config,
                            a.batch, a.prompt_tokens, a.answer_tokens, dtype)
    times, cpu, losses = [], [], []
    for i in range(a.steps + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        out = model(**batch)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i > 0:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        losses.append(float(out.loss.detach()))
    med = statistics.median(times)
    print(f"hf step: {a.mode}{' + vision' if a.train_vision else ''}, {a.dtype}, batch {a.batch} x "
          f"{batch['input_ids'].shape[1]} tokens, {sum(p.numel() for p in params):,} trained")
    print(f"hf step: {med * 1e3:.1f} ms median of {a.steps} ({a.batch / med:.2f} samples/s); "
          f"CPU time {statistics.median(cpu) * 1e3:.1f} ms per step, all threads; "
          f"losses {losses[0]:.4f} .. {losses[-1]:.4f}; peak RSS {peak_rss_mib():.0f} MiB")


def load_processor(folder):
    """the folder's processor, or (a PaliTune folder: config.json and
    tokenizer.model only) the one the hub's PaliGemma folders describe:
    SigLIP resize to image_size (bicubic), scale to [-1, 1], Gemma's
    SentencePiece tokenizer; <image> is added after the last piece"""
    import json
    import os
    from transformers import GemmaTokenizer, PaliGemmaProcessor, SiglipImageProcessor
    if any(os.path.exists(os.path.join(folder, f)) for f in ("preprocessor_config.json",
                                                              "processor_config.json")):
        return PaliGemmaProcessor.from_pretrained(folder)
    config = json.load(open(os.path.join(folder, "config.json")))
    size = config["vision_config"]["image_size"]
    images = SiglipImageProcessor(do_resize=True, size={"height": size, "width": size}, resample=3,
                                  do_rescale=True, rescale_factor=1 / 255, do_normalize=True,
                                  image_mean=[0.5] * 3, image_std=[0.5] * 3)
    images.image_seq_length = config["vision_config"].get("num_image_tokens", (size // 14) ** 2)
    tokenizer = GemmaTokenizer.from_pretrained(folder)   # converts tokenizer.model
    return PaliGemmaProcessor(image_processor=images, tokenizer=tokenizer)


def cmd_processor(a):
    """writes the processor's files into the folder (as a hub folder has
    them), so that loading it later costs no tokenizer conversion"""
    load_processor(a.model).save_pretrained(a.model)
    print(f"wrote the processor files into {a.model}")


def cmd_predict(a, dtype):
    from PIL import Image
    t0 = time.perf_counter()
    processor = load_processor(a.model)
    model = load_model(a.model, dtype)
    model.eval()
    t1 = time.perf_counter()
    image = Image.open(a.image).convert("RGB")
    inputs = processor(text=a.prompt, images=image, return_tensors="pt")
    inputs["pixel_values"] = inputs["pixel_values"].to(dtype)
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=a.max_new_tokens, do_sample=False)
    t2 = time.perf_counter()
    n = inputs["input_ids"].shape[1]
    answer = processor.decode(out[0][n:], skip_special_tokens=True)
    print(answer)
    print(f"hf predict: {a.dtype}; python start + imports {t0 - T_START:.2f} s, load {t1 - t0:.2f} s, "
          f"generate {a.max_new_tokens} tokens {t2 - t1:.2f} s; peak RSS {peak_rss_mib():.0f} MiB",
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["step", "predict", "processor"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mode", choices=["lora", "full"], default="lora")
    ap.add_argument("--train-vision", action="store_true")
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--prompt-tokens", type=int, default=12)
    ap.add_argument("--answer-tokens", type=int, default=2)
    ap.add_argument("--image")
    ap.add_argument("--prompt", default="answer what color is the shape?")
    ap.add_argument("--max-new-tokens", type=int, default=4)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    if a.command == "step":
        cmd_step(a, dtype)
    elif a.command == "processor":
        cmd_processor(a)
    else:
        if a.image is None:
            ap.error("predict needs --image")
        cmd_predict(a, dtype)


if __name__ == "__main__":
    main()
