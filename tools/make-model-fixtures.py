#!/usr/bin/env python3
"""Reference fixtures for the PaliGemma model (tests/engine/test-model*.c).

Run with the pinned reference environment (never a runtime dependency):

    /opt/refenv/bin/python tools/make-model-fixtures.py [OUTDIR]

transformers 5.23.0 + peft 0.21.2 + torch (CPU, float32, eager attention) are the
ground truth. For each tiny random PaliGemma (Gemma decoder) or PaliGemma 2
(Gemma 2 decoder: sliding window shorter than image + prompt, both softcaps,
query_pre_attn_scalar != head_dim) configuration it writes, under
OUTDIR/<config>/ (default tests/fixtures/model/):

  config.json, model.safetensors   save_pretrained of the random model (legacy names)
  batch.safetensors                one right-padded training batch built the way
                                   PaliGemmaProcessor builds it (input_ids, token_type_ids,
                                   attention_mask, labels, pixel_values)
  <case>.safetensors               one file per case; the header metadata key "case" holds
                                   the case settings as a JSON object; tensors:
     lora_*   init.<PEFT key>     the adapter weights the case starts from
              logits (M, V)       logits at the labelled positions (rows (b, t) with
                                  labels[b, t+1] != -100, row-major), float32
              loss (1)            ForCausalLMLoss (token mean)
              grad.<key>          d loss / d every trainable tensor (PEFT keys / legacy names)
     full_*   logits, loss, grad.<legacy name>
     train_*  init.<key> (LoRA), losses (10), grad_norms (10), lrs (10): 10 AdamW steps
     gen_*    input_ids, attention_mask, pixel_values, output_ids (greedy, 8 new tokens,
              padded with -1 after the row's end), init.<key> when run with an adapter
  adapter/                         gen_lora_batched's adapter, PEFT save_pretrained

Configurations with "bf16": True have bf16 weights: the random weights are
rounded to bf16, the checkpoint is saved in bf16 (in several shards), and the
reference runs in float32 on those rounded weights.

Everything is deterministic (fixed seeds, CPU float32).
"""
import json
import math
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import PaliGemmaConfig, PaliGemmaForConditionalGeneration, Trainer
from transformers.optimization import get_linear_schedule_with_warmup
from peft import LoraConfig, get_peft_model, get_peft_model_state_dict

torch.set_num_threads(1)

SEED_TARGETS = ["q_proj", "o_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"]
ALL_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "out_proj", "fc1", "fc2",
               "gate_proj", "up_proj", "down_proj"]
NEWLINE = 10   # the tiny vocabulary's "\n"
PAD, EOS, BOS = 0, 1, 2

CONFIGS = {
    # (a) MQA decoder (kv 1), 28 px / 14 → 4 patches
    "mqa": dict(
        vision=dict(hidden_size=24, intermediate_size=40, num_hidden_layers=2, num_attention_heads=2,
                    image_size=28, patch_size=14),
        text=dict(hidden_size=40, intermediate_size=56, num_hidden_layers=2, num_attention_heads=2,
                  num_key_value_heads=1, head_dim=16, vocab_size=320),
        image_token_index=300,
        examples=[  # (prompt length, answer length incl. <eos>)
            (3, 2), (5, 4), (1, 1)],
    ),
    # (b) GQA decoder (heads 4, kv 2), 42 px / 14 → 9 patches, odd sizes
    "gqa": dict(
        vision=dict(hidden_size=40, intermediate_size=56, num_hidden_layers=2, num_attention_heads=4,
                    image_size=42, patch_size=14),
        text=dict(hidden_size=56, intermediate_size=72, num_hidden_layers=3, num_attention_heads=4,
                  num_key_value_heads=2, head_dim=12, vocab_size=288),
        image_token_index=280,
        examples=[(4, 3), (2, 5)],
    ),
    # (c) PaliGemma 2: Gemma 2 decoder, GQA (heads 4, kv 2), sliding window 4 on the even
    # layers (default layer_types), shorter than every image + prompt; small softcaps so that
    # tanh bends; query_pre_attn_scalar 24 != head_dim 16
    "g2": dict(
        vision=dict(hidden_size=24, intermediate_size=40, num_hidden_layers=2, num_attention_heads=2,
                    image_size=28, patch_size=14),
        text=dict(model_type="gemma2", hidden_size=48, intermediate_size=64, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, head_dim=16, vocab_size=320,
                  query_pre_attn_scalar=24, sliding_window=4, attn_logit_softcapping=2.0,
                  final_logit_softcapping=4.0),
        image_token_index=300,
        examples=[(3, 2), (5, 4), (1, 1)],
    ),
    # (d) PaliGemma 2 with bf16 weights in shards: MQA, explicit layer_types (layer 1 sliding,
    # window 6), 9 image tokens
    "g2bf16": dict(
        vision=dict(hidden_size=40, intermediate_size=56, num_hidden_layers=2, num_attention_heads=4,
                    image_size=42, patch_size=14),
        text=dict(model_type="gemma2", hidden_size=56, intermediate_size=72, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=1, head_dim=12, vocab_size=288,
                  query_pre_attn_scalar=20, sliding_window=6,
                  layer_types=["full_attention", "sliding_attention"],
                  attn_logit_softcapping=3.0, final_logit_softcapping=5.0),
        image_token_index=280,
        examples=[(4, 3), (2, 5)],
        bf16=True,
    ),
}


def legacy_name(name):
    """In-memory (5.23) parameter name → the legacy checkpoint name PaliTune calls canonical
    (4.x save_pretrained's; transformers 5 keeps SigLIP flat: vision_tower.encoder… →
    vision_tower.vision_model.encoder…)."""
    if name.startswith("model.vision_tower.") and not name.startswith("model.vision_tower.vision_model."):
        name = "model.vision_tower.vision_model." + name[len("model.vision_tower."):]
    for new, old in (("model.language_model.", "language_model.model."),
                     ("model.vision_tower.", "vision_tower."),
                     ("model.multi_modal_projector.", "multi_modal_projector."),
                     ("lm_head.", "language_model.lm_head.")):
        if name.startswith(new):
            return old + name[len(new):]
    raise ValueError(name)


def peft_key(name):
    """PEFT in-memory parameter name → adapter_model.safetensors key."""
    return name.replace(".default.", ".")


def make_config(spec):
    v, t = spec["vision"], spec["text"]
    t = dict(t)
    t.setdefault("model_type", "gemma")
    cfg = PaliGemmaConfig(
        vision_config=dict(v, projection_dim=t["hidden_size"], vision_use_head=False,
                           model_type="siglip_vision_model"),
        text_config=dict(t, pad_token_id=PAD, eos_token_id=EOS, bos_token_id=BOS),
        image_token_index=spec["image_token_index"], projection_dim=t["hidden_size"],
        hidden_size=t["hidden_size"], pad_token_id=PAD, eos_token_id=EOS, bos_token_id=BOS)
    cfg._attn_implementation = "eager"
    cfg.text_config._attn_implementation = "eager"
    cfg.vision_config._attn_implementation = "eager"
    return cfg


def randomize(model, gen):
    """Every parameter random (norm weights and biases too), at scales that keep
    activations, logits and gradients O(1)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name or "post_layernorm" in name:
                if name.endswith("weight"):
                    p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
                else:
                    p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif "layernorm" in name or name.endswith("norm.weight"):   # Gemma RMSNorm: used as 1 + w
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif "embed_tokens" in name:
                p.copy_(0.15 * torch.randn(p.shape, generator=gen))
            elif "position_embedding" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            else:
                # block outputs large next to the embedding in the residual stream, so that
                # the tied head does not just echo the input token
                fan_in = p[0].numel()
                gain = 2.0 if ("o_proj" in name or "down_proj" in name) else 1.0
                p.copy_(gain * torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))


def text_ids(gen, n, vocab, image_token):
    # ordinary tokens: above the specials and "\n", below the image token
    return torch.randint(NEWLINE + 1, image_token, (n,), generator=gen).tolist()


def build_examples(spec, cfg, gen):
    """[(prefix ids, suffix ids)] as PaliGemmaProcessor tokenizes them: P × <image>,
    <bos>, prompt, "\n" | answer, <eos>."""
    n_img = (spec["vision"]["image_size"] // spec["vision"]["patch_size"]) ** 2
    out = []
    for plen, alen in spec["examples"]:
        prefix = [spec["image_token_index"]] * n_img + [BOS] + \
            text_ids(gen, plen, cfg.text_config.vocab_size, spec["image_token_index"]) + [NEWLINE]
        suffix = text_ids(gen, alen - 1, cfg.text_config.vocab_size, spec["image_token_index"]) + [EOS]
        out.append((prefix, suffix))
    return out


def train_batch(examples, pixels):
    """Right padding, token types, labels (processor with suffix=…, padding="longest")."""
    T = max(len(p) + len(s) for p, s in examples)
    B = len(examples)
    ids = torch.full((B, T), PAD, dtype=torch.int32)
    tt = torch.zeros((B, T), dtype=torch.int32)
    am = torch.zeros((B, T), dtype=torch.int32)
    for b, (p, s) in enumerate(examples):
        row = p + s
        ids[b, :len(row)] = torch.tensor(row, dtype=torch.int32)
        tt[b, len(p):len(row)] = 1
        am[b, :len(row)] = 1
    labels = ids.clone().masked_fill(tt == 0, -100)
    return dict(input_ids=ids, token_type_ids=tt, attention_mask=am, labels=labels,
                pixel_values=pixels.contiguous())


def as_long(batch):
    return dict(input_ids=batch["input_ids"].long(), token_type_ids=batch["token_type_ids"].long(),
                attention_mask=batch["attention_mask"].long(), labels=batch["labels"].long(),
                pixel_values=batch["pixel_values"])


def labelled_rows(labels):
    """(b, t) with labels[b, t+1] != -100, row-major: where our model computes logits."""
    B, T = labels.shape
    return [(b, t) for b in range(B) for t in range(T - 1) if labels[b, t + 1] != -100]


def forward_record(model, batch):
    model.zero_grad(set_to_none=True)
    out = model(**as_long(batch))
    out.loss.backward()
    rows = labelled_rows(batch["labels"])
    logits = torch.stack([out.logits[b, t] for b, t in rows]).detach().float()
    return out.loss.detach().reshape(1).float(), logits


def lora_model(base_state, cfg, targets, r, alpha, rslora, gen, random_b):
    model = PaliGemmaForConditionalGeneration(cfg)
    model.load_state_dict(base_state)
    lc = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, target_modules=targets,
                    use_rslora=rslora, init_lora_weights=True)
    pm = get_peft_model(model, lc)
    with torch.no_grad():
        for name, p in pm.named_parameters():
            if "lora_A" in name:
                # PEFT's init draws from torch's global RNG; redraw from ours, same law
                bound = 1.0 / math.sqrt(p.shape[1])
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * bound)
            if "lora_B" in name and random_b:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))
    return pm


def trainables(model):
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def save_case(path, tensors, meta):
    tensors = {k: v.detach().contiguous().clone() for k, v in tensors.items()}
    # one metadata entry: safetensors writes its metadata map in no fixed order
    save_file(tensors, path, metadata={"case": json.dumps(meta, sort_keys=True)})


def lora_case(outdir, name, base_state, cfg, batch, gen, targets, peft_targets, r, alpha, rslora):
    pm = lora_model(base_state, cfg, peft_targets, r, alpha, rslora, gen, random_b=True)
    pm.train()
    loss, logits = forward_record(pm, batch)
    t = {"loss": loss, "logits": logits}
    for n, p in trainables(pm):
        t["init." + peft_key(n)] = p.detach()
        t["grad." + peft_key(n)] = p.grad.detach()
    save_case(os.path.join(outdir, name + ".safetensors"), t,
              dict(mode="lora", targets=targets, r=r, alpha=alpha, rslora=rslora,
                   n_trainable=sum(p.numel() for _, p in trainables(pm))))
    print(f"  {name}: loss {loss.item():.6f}, {len(trainables(pm))} tensors")


def full_model(base_state, cfg, vision, projector, decoder):
    model = PaliGemmaForConditionalGeneration(cfg)
    model.load_state_dict(base_state)
    for n, p in model.named_parameters():
        ln = legacy_name(n)
        p.requires_grad_((vision and ln.startswith("vision_tower."))
                         or (projector and ln.startswith("multi_modal_projector."))
                         or (decoder and ln.startswith("language_model.")))
    return model


def full_case(outdir, name, base_state, cfg, batch, vision, projector, decoder):
    model = full_model(base_state, cfg, vision, projector, decoder)
    model.train()
    loss, logits = forward_record(model, batch)
    t = {"loss": loss, "logits": logits}
    for n, p in trainables(model):
        t["grad." + legacy_name(n)] = p.grad.detach()
    save_case(os.path.join(outdir, name + ".safetensors"), t,
              dict(mode="full", train_vision=vision, train_projector=projector,
                   train_decoder=decoder))
    print(f"  {name}: loss {loss.item():.6f}, {len(trainables(model))} tensors")


def train_steps(model, batch, lr, wd, warmup, steps, max_norm, betas, eps):
    """HF Trainer's optimiser recipe, by hand: AdamW with no decay on biases and norms
    (Trainer.get_decay_parameter_names), clip_grad_norm_, linear schedule with warmup,
    one micro-batch per step, loss = token mean."""
    decay = set(Trainer.get_decay_parameter_names(None, model))
    params = trainables(model)
    groups = [{"params": [p for n, p in params if n in decay], "weight_decay": wd},
              {"params": [p for n, p in params if n not in decay], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
    sched = get_linear_schedule_with_warmup(opt, warmup, steps)
    losses, norms, lrs = [], [], []
    model.train()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        out = model(**as_long(batch))
        out.loss.backward()
        norm = torch.nn.utils.clip_grad_norm_([p for _, p in params], max_norm)
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
        losses.append(out.loss.item())
        norms.append(norm.item())
    no_decay = sorted(n for n, _ in params if n not in decay)
    return (torch.tensor(losses), torch.tensor(norms), torch.tensor(lrs, dtype=torch.float64),
            no_decay)


def train_case(outdir, name, model, batch, meta, init, **kw):
    losses, norms, lrs, no_decay = train_steps(model, batch, **kw)
    t = dict(init)
    t.update(losses=losses.float(), grad_norms=norms.float(), lrs=lrs)
    meta = dict(meta, lr=kw["lr"], weight_decay=kw["wd"], warmup=kw["warmup"], steps=kw["steps"],
                max_grad_norm=kw["max_norm"], beta1=kw["betas"][0], beta2=kw["betas"][1],
                eps=kw["eps"], schedule="linear", n_no_decay=len(no_decay))
    save_case(os.path.join(outdir, name + ".safetensors"), t, meta)
    print(f"  {name}: losses {[round(x, 4) for x in losses.tolist()]}")
    print(f"    norms {[round(x, 3) for x in norms.tolist()]}")


def generate_case(outdir, name, model, examples, pixels, left_pad, init=None):
    model.eval()
    B = len(examples)
    if left_pad:
        T = max(len(p) for p, _ in examples)
        ids = torch.full((B, T), PAD, dtype=torch.long)
        am = torch.zeros((B, T), dtype=torch.long)
        for b, (p, _) in enumerate(examples):
            ids[b, T - len(p):] = torch.tensor(p)
            am[b, T - len(p):] = 1
        with torch.no_grad():
            # token_type_ids (all 0: prompt) as PaliGemmaProcessor returns them: without them
            # transformers 5 makes the prompt causal instead of bidirectional
            out = model.generate(input_ids=ids, attention_mask=am, pixel_values=pixels,
                                 token_type_ids=torch.zeros_like(ids), max_new_tokens=8,
                                 do_sample=False, eos_token_id=EOS, pad_token_id=PAD)
        new = out[:, T:]
        rows = [trim(new[b].tolist()) for b in range(B)]
        inp = ids
        mask = am
    else:
        rows = []
        for b, (p, _) in enumerate(examples):
            ids = torch.tensor([p])
            with torch.no_grad():
                out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                     pixel_values=pixels[b:b + 1],
                                     token_type_ids=torch.zeros_like(ids), max_new_tokens=8,
                                     do_sample=False, eos_token_id=EOS, pad_token_id=PAD)
            rows.append(trim(out[0, len(p):].tolist()))
        T = max(len(p) for p, _ in examples)
        inp = torch.full((B, T), -1, dtype=torch.long)
        mask = torch.zeros((B, T), dtype=torch.long)
        for b, (p, _) in enumerate(examples):
            inp[b, :len(p)] = torch.tensor(p)
            mask[b, :len(p)] = 1
    L = 8
    outp = torch.full((B, L), -1, dtype=torch.int32)
    for b, r in enumerate(rows):
        outp[b, :len(r)] = torch.tensor(r, dtype=torch.int32)
    t = dict(input_ids=inp.int(), attention_mask=mask.int(), pixel_values=pixels.contiguous(),
             output_ids=outp)
    if init:
        t.update(init)
    save_case(os.path.join(outdir, name + ".safetensors"), t,
              dict(left_pad=left_pad, max_new_tokens=L))
    print(f"  {name}: {rows}")


def trim(tokens):
    """Generated ids up to and including the first <eos> (the rest is HF's padding)."""
    out = []
    for x in tokens:
        out.append(x)
        if x == EOS:
            break
    return out


def make(outdir, cname, spec, seed):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    cfg = make_config(spec)
    model = PaliGemmaForConditionalGeneration(cfg)
    randomize(model, gen)
    model.eval()
    d = os.path.join(outdir, cname)
    os.makedirs(d, exist_ok=True)
    if spec.get("bf16"):
        # bf16 weights: round, save bf16 shards, and compute the reference in float32 on them
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.to(torch.bfloat16).float())
        base_state = {k: v.clone() for k, v in model.state_dict().items()}
        model.to(torch.bfloat16).save_pretrained(d, safe_serialization=True, max_shard_size="40KB")
        model.float()
    else:
        model.save_pretrained(d, safe_serialization=True)
        base_state = {k: v.clone() for k, v in model.state_dict().items()}
    print(f"{cname}: {sum(p.numel() for p in model.parameters())} parameters")

    examples = build_examples(spec, cfg, gen)
    S = spec["vision"]["image_size"]
    pixels = torch.rand((len(examples), 3, S, S), generator=gen) * 2 - 1
    batch = train_batch(examples, pixels)
    save_file({k: v.contiguous() for k, v in batch.items()}, os.path.join(d, "batch.safetensors"))

    # LoRA gradients
    lora_case(d, "lora_seed", base_state, cfg, batch, gen, SEED_TARGETS, SEED_TARGETS, 4, 8, False)
    lora_case(d, "lora_all_rs", base_state, cfg, batch, gen, ALL_TARGETS, ALL_TARGETS, 4, 8, True)
    lora_case(d, "lora_text", base_state, cfg, batch, gen, ["text.q_proj", "text.v_proj", "text.down_proj"],
              r".*language_model.*\.(q_proj|v_proj|down_proj)", 4, 8, False)
    # full fine-tune gradients
    full_case(d, "full_dec_proj", base_state, cfg, batch, False, True, True)
    full_case(d, "full_vision", base_state, cfg, batch, True, False, False)
    full_case(d, "full_all", base_state, cfg, batch, True, True, True)

    # 10 AdamW steps
    opt = dict(wd=0.1, warmup=2, steps=10, max_norm=1.0, betas=(0.9, 0.999), eps=1e-8)
    pm = lora_model(base_state, cfg, SEED_TARGETS, 4, 8, False, gen, random_b=False)
    init = {"init." + peft_key(n): p.detach().clone() for n, p in trainables(pm)}
    train_case(d, "train_lora", pm, batch,
               dict(mode="lora", targets=SEED_TARGETS, r=4, alpha=8, rslora=False), init,
               lr=5e-3, **opt)
    fm = full_model(base_state, cfg, False, True, True)
    train_case(d, "train_full", fm, batch,
               dict(mode="full", train_vision=False, train_projector=True, train_decoder=True), {},
               lr=1e-3, **opt)

    # greedy generation
    model = PaliGemmaForConditionalGeneration(cfg)
    model.load_state_dict(base_state)
    generate_case(d, "gen_single", model, examples, pixels, left_pad=False)
    generate_case(d, "gen_batched", model, examples, pixels, left_pad=True)
    pm = lora_model(base_state, cfg, SEED_TARGETS, 4, 8, False, gen, random_b=True)
    init = {"init." + peft_key(n): p.detach().clone() for n, p in trainables(pm)}
    generate_case(d, "gen_lora_batched", pm, examples, pixels, left_pad=True, init=init)
    # the same adapter as PEFT saves it (adapter_config.json + adapter_model.safetensors)
    adir = os.path.join(d, "adapter")
    pm.save_pretrained(adir)
    # deterministic: target_modules is a set (its order follows the string hash), no model card
    os.remove(os.path.join(adir, "README.md"))
    with open(os.path.join(adir, "adapter_config.json")) as f:
        ac = json.load(f)
    ac["target_modules"] = sorted(ac["target_modules"])
    with open(os.path.join(adir, "adapter_config.json"), "w") as f:
        json.dump(ac, f, indent=2, sort_keys=True)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "model")
    for i, (cname, spec) in enumerate(CONFIGS.items()):
        make(outdir, cname, spec, 1234 + i)


if __name__ == "__main__":
    main()
