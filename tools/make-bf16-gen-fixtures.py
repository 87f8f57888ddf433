#!/usr/bin/env python3
"""Greedy answers of HF transformers in bf16 for the model fixtures'
generation cases, for tests/engine/test-model-bf16.c.

Usage: tools/make-bf16-gen-fixtures.py [tests/fixtures/model]

For each config (mqa, gqa) and each of gen_single, gen_batched,
gen_lora_batched (written by tools/make-model-fixtures.py), loads the
fixture model (and, for the LoRA case, its PEFT adapter in adapter/) with
torch_dtype=bfloat16, runs the case's inputs through generate() exactly as
make-model-fixtures.py did in f32 (greedy, 8 new tokens; single rows
unpadded, batches left-padded), and writes <case>_bf16.safetensors with
output_ids (B, 8) int32, -1 padded after the first <eos>.

Run with /opt/refenv/bin/python (tools/requirements-reference.txt).
"""
import os
import sys

import torch
from safetensors.torch import load_file, save_file

EOS, PAD = 1, 0


def trim(tokens):
    out = []
    for x in tokens:
        out.append(x)
        if x == EOS:
            break
    return out


def load(folder, lora):
    from transformers import PaliGemmaForConditionalGeneration
    try:
        model = PaliGemmaForConditionalGeneration.from_pretrained(folder, dtype=torch.bfloat16)
    except TypeError:
        model = PaliGemmaForConditionalGeneration.from_pretrained(folder, torch_dtype=torch.bfloat16)
    if lora:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, os.path.join(folder, "adapter"))
        model = model.to(torch.bfloat16)
    return model.eval()


def run(folder, name):
    case = load_file(os.path.join(folder, name + ".safetensors"))
    ids, mask = case["input_ids"].long(), case["attention_mask"].long()
    pixels = case["pixel_values"].to(torch.bfloat16)
    model = load(folder, name.startswith("gen_lora"))
    B, T = ids.shape
    rows = []
    with torch.no_grad():
        if name == "gen_single":
            for b in range(B):
                n = int(mask[b].sum())
                p = ids[b:b + 1, :n]
                out = model.generate(input_ids=p, attention_mask=torch.ones_like(p),
                                     pixel_values=pixels[b:b + 1], max_new_tokens=8,
                                     do_sample=False, eos_token_id=EOS, pad_token_id=PAD)
                rows.append(trim(out[0, n:].tolist()))
        else:
            out = model.generate(input_ids=ids, attention_mask=mask, pixel_values=pixels,
                                 max_new_tokens=8, do_sample=False, eos_token_id=EOS,
                                 pad_token_id=PAD)
            rows = [trim(out[b, T:].tolist()) for b in range(B)]
    outp = torch.full((B, 8), -1, dtype=torch.int32)
    for b, r in enumerate(rows):
        outp[b, :len(r)] = torch.tensor(r, dtype=torch.int32)
    save_file({"output_ids": outp}, os.path.join(folder, name + "_bf16.safetensors"),
              metadata={"dtype": "bfloat16", "max_new_tokens": "8"})
    f32 = case["output_ids"]
    same = int((outp == f32).sum())
    print(f"  {os.path.basename(folder)}/{name}: {rows}  ({same} of {outp.numel()} slots as f32)")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/model"
    torch.manual_seed(0)
    torch.set_num_threads(1)
    for cfg in ("mqa", "gqa"):
        for name in ("gen_single", "gen_batched", "gen_lora_batched"):
            run(os.path.join(root, cfg), name)


if __name__ == "__main__":
    main()
