#!/usr/bin/env python3
"""Export round trip through Hugging Face: PaliTune's exports load in PEFT /
transformers and give the same numbers (tests/engine/test-export.c).

    /opt/refenv/bin/python tools/make-export-fixtures.py BUILD_DIR/app/palitune-cli [--paligemma2] [OUTDIR]

With the pinned reference environment (transformers 5.23.0, peft 0.21.2,
torch CPU float32; never a runtime dependency), it

1. makes a tiny random PaliGemma with `palitune-cli init-model` (the fixture
   tokenizer), a few demo images with `palitune-cli demo-data`,
2. trains a LoRA run with `palitune-cli train` — targets per tower
   (text.q_proj, vision.fc1, o_proj, down_proj), so the exported
   adapter_config.json needs a target regex — and exports it with
   `palitune-cli export --adapter-out` and `--merged-out`,
3. loads base + adapter with peft.PeftModel.from_pretrained and the merged
   folder with PaliGemmaForConditionalGeneration.from_pretrained, builds each
   record's inputs with PaliGemmaProcessor (GemmaTokenizerFast from the same
   tokenizer.model, SiglipImageProcessor), and writes the token-mean loss over
   the records and the per-record losses to expected.json.

--paligemma2 does the same with a Gemma 2 decoder (default OUTDIR
tests/fixtures/export-g2). OUTDIR (default tests/fixtures/export) keeps model/, adapter/, merged/
(safetensors + configs), data/ (images + records) and expected.json; the run
folder is scratch. The C test evaluates the same records through PaliTune's
pipeline with the committed adapter and merged model and compares.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from PIL import Image
from peft import PeftModel
from transformers import (GemmaTokenizerFast, PaliGemmaForConditionalGeneration,
                          PaliGemmaProcessor, SiglipImageProcessor)

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CONFIG = {
    "model_type": "paligemma", "image_token_index": 1752, "hidden_size": 32, "projection_dim": 32,
    "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0, "torch_dtype": "float32",
    "text_config": {"model_type": "gemma", "hidden_size": 32, "intermediate_size": 64,
                    "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 16,
                    "num_hidden_layers": 2, "vocab_size": 1760, "num_image_tokens": 4},
    "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 16, "intermediate_size": 32,
                      "num_attention_heads": 2, "num_hidden_layers": 1, "image_size": 28,
                      "patch_size": 14, "num_image_tokens": 4, "projection_dim": 32},
}
# the same with a Gemma 2 decoder (PaliGemma 2): GQA, a sliding window shorter than image +
# prompt on the even layers, both softcaps, query_pre_attn_scalar != head_dim
CONFIG_G2 = json.loads(json.dumps(CONFIG))
CONFIG_G2["text_config"] = {"model_type": "gemma2", "hidden_size": 32, "intermediate_size": 64,
                            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
                            "num_hidden_layers": 2, "vocab_size": 1760, "num_image_tokens": 4,
                            "query_pre_attn_scalar": 24, "sliding_window": 5,
                            "attn_logit_softcapping": 3.0, "final_logit_softcapping": 6.0}
TEMPLATE = "answer {question}"


def run(cli, *args):
    print("+", "palitune-cli", " ".join(args), file=sys.stderr)
    subprocess.run([cli, *args], check=True)


def processor_for(model_dir):
    # transformers 5 converts a SentencePiece model only through from_pretrained on a folder
    d = tempfile.mkdtemp()
    shutil.copy(os.path.join(model_dir, "tokenizer.model"), os.path.join(d, "tokenizer.model"))
    tok = GemmaTokenizerFast.from_pretrained(d, add_bos_token=False, add_eos_token=False)
    image_processor = SiglipImageProcessor(size={"height": 28, "width": 28}, resample=3,
                                           image_mean=[0.5] * 3, image_std=[0.5] * 3)
    image_processor.image_seq_length = 4
    return PaliGemmaProcessor(image_processor=image_processor, tokenizer=tok)


def record_losses(model, processor, data_dir, records):
    """Σ token losses and token counts per record (one forward each, no padding)."""
    out = []
    model.eval()
    for r in records:
        image = Image.open(os.path.join(data_dir, r["image"])).convert("RGB")
        prompt = r["prefix"] if "prefix" in r else TEMPLATE.replace("{question}", r["question"])
        inputs = processor(text=prompt, images=image, suffix=r["answer"], return_tensors="pt")
        with torch.no_grad():
            logits = model(input_ids=inputs["input_ids"], pixel_values=inputs["pixel_values"],
                           attention_mask=inputs["attention_mask"],
                           token_type_ids=inputs["token_type_ids"], labels=inputs["labels"]).logits
        labels = inputs["labels"][0, 1:]
        logp = torch.log_softmax(logits[0, :-1].float(), dim=-1)
        mask = labels != -100
        nll = -logp[mask].gather(1, labels[mask].unsqueeze(1)).squeeze(1)
        out.append({"loss_sum": float(nll.sum()), "n_tokens": int(mask.sum())})
    return out


def main():
    args = [a for a in sys.argv[1:] if a != "--paligemma2"]
    g2 = "--paligemma2" in sys.argv
    cli = os.path.abspath(args[0])
    default = os.path.join(ROOT, "tests", "fixtures", "export-g2" if g2 else "export")
    out = os.path.abspath(args[1] if len(args) > 1 else default)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    scratch = tempfile.mkdtemp(prefix="pt-export-fixture-")
    try:
        cfg = os.path.join(scratch, "config.json")
        with open(cfg, "w") as f:
            json.dump(CONFIG_G2 if g2 else CONFIG, f)
        model_dir = os.path.join(out, "model")
        data_dir = os.path.join(out, "data")
        run(cli, "init-model", "--config", cfg, "--out", model_dir, "--seed", "11",
            "--tokenizer", os.path.join(ROOT, "tests", "fixtures", "tokenizer", "tokenizer.model"))
        run(cli, "demo-data", "--out", data_dir, "--n", "6", "--val", "0", "--image-size", "32",
            "--max-shapes", "2", "--tasks", "color,shape,detect", "--seed", "3", "-q", "-j", "1")
        run_dir = os.path.join(scratch, "run")
        run(cli, "train", "--model", model_dir, "--data", os.path.join(data_dir, "train.jsonl"),
            "--val-split", "0", "--batch", "2", "--grad-accum", "1", "--max-steps", "4",
            "--lr", "2e-2", "--rank", "4", "--alpha", "8",
            "--targets", "text.q_proj,vision.fc1,o_proj,down_proj", "--workers", "1",
            "--out", run_dir, "--quiet")
        run(cli, "export", "--run", run_dir, "--adapter-out", os.path.join(out, "adapter"))
        run(cli, "export", "--run", run_dir, "--merged-out", os.path.join(out, "merged"))

        with open(os.path.join(data_dir, "train.jsonl")) as f:
            records = [json.loads(line) for line in f if line.strip()]
        processor = processor_for(model_dir)

        base = PaliGemmaForConditionalGeneration.from_pretrained(model_dir, attn_implementation="eager")
        tuned = PeftModel.from_pretrained(base, os.path.join(out, "adapter"))
        adapter_losses = record_losses(tuned, processor, data_dir, records)
        with tuned.disable_adapter():
            base_losses = record_losses(tuned, processor, data_dir, records)
        merged = PaliGemmaForConditionalGeneration.from_pretrained(os.path.join(out, "merged"),
                                                                   attn_implementation="eager")
        merged_losses = record_losses(merged, processor, data_dir, records)

        def mean(losses):
            return sum(l["loss_sum"] for l in losses) / sum(l["n_tokens"] for l in losses)

        expected = {
            "transformers": __import__("transformers").__version__,
            "peft": __import__("peft").__version__,
            "records": len(records),
            "template": TEMPLATE,
            "adapter_loss": mean(adapter_losses),
            "merged_loss": mean(merged_losses),
            "base_loss": mean(base_losses),
            "adapter_records": adapter_losses,
            "peft_wrapped_modules": sorted(n for n, m in tuned.named_modules() if hasattr(m, "lora_A")
                                           and hasattr(m, "base_layer")),
        }
        with open(os.path.join(out, "expected.json"), "w") as f:
            json.dump(expected, f, indent=2)
        print(json.dumps({k: expected[k] for k in ("adapter_loss", "merged_loss", "base_loss")}))
    finally:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
