#!/usr/bin/env python3
"""Writes tests/fixtures/io/: checkpoint, adapter and config files made by the
pinned reference (transformers 5.23.0, peft 0.21.2, safetensors), plus JSON
files of what they hold, for the engine's I/O tests.

Run with the reference environment:  /opt/refenv/bin/python tools/make-io-fixtures.py
Deterministic (fixed seeds); the output is committed, CI never runs this.
"""
import json
import os
import re
import shutil
import sys

# peft stores target_modules as a set: fix str hashing so the files repeat
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch
import transformers
import peft
import safetensors
from safetensors.torch import save_file
from transformers import PaliGemmaConfig, PaliGemmaForConditionalGeneration
from peft import LoraConfig, get_peft_model
from peft.tuners.lora import LoraLayer

assert transformers.__version__ == "5.23.0", transformers.__version__
assert peft.__version__ == "0.21.2", peft.__version__

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "io")

transformers.logging.set_verbosity_error()


def clean(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def head(t, n=8):
    return [float(x) for x in t.detach().flatten()[:n].to(torch.float64).tolist()]


# ---- the tiny PaliGemma ---------------------------------------------------------

TINY = dict(
    vision_config=dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                       patch_size=14, image_size=28, vision_use_head=False),
    text_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                     num_key_value_heads=2, head_dim=8, vocab_size=300),
    image_token_index=290, projection_dim=32, hidden_size=32,
)


def tiny_model():
    torch.manual_seed(1234)
    model = PaliGemmaForConditionalGeneration(PaliGemmaConfig(**TINY)).eval()
    # the default init leaves norms at 0/1 and biases at 0: make every value distinct
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    return model


def legacy_name(name):
    """in-memory (≥ 4.52) → the legacy hub name PaliTune calls canonical (4.x save_pretrained's;
    transformers 5 keeps SigLIP flat in memory and on disk: vision_tower.encoder… →
    vision_tower.vision_model.encoder…)"""
    name = re.sub(r"^model\.vision_tower\.(?!vision_model\.)", "model.vision_tower.vision_model.", name)
    for a, b in ((r"^model\.language_model\.", "language_model.model."), (r"^model\.vision_tower\.", "vision_tower."),
                 (r"^model\.multi_modal_projector\.", "multi_modal_projector."), (r"^lm_head\.", "language_model.lm_head.")):
        if re.match(a, name):
            return re.sub(a, b, name)
    return name


def write_models(model):
    f32 = os.path.join(OUT, "tiny-f32")
    bf16 = os.path.join(OUT, "tiny-bf16")
    sharded = os.path.join(OUT, "tiny-sharded")
    newnames = os.path.join(OUT, "tiny-newnames")
    for d in (f32, bf16, sharded, newnames):
        clean(d)
    model.save_pretrained(f32)
    model_bf16 = tiny_model().to(torch.bfloat16)
    model_bf16.save_pretrained(bf16)
    model_bf16.save_pretrained(sharded, max_shard_size="40KB")
    # the in-memory names of 4.57.6 (what save_file(model.state_dict()) gives), head included
    sd = {k: v.detach().clone().contiguous() for k, v in model_bf16.state_dict().items()}
    save_file(sd, os.path.join(newnames, "model.safetensors"), metadata={"format": "pt"})
    shutil.copy(os.path.join(bf16, "config.json"), newnames)

    values = {}
    for name, p in model.state_dict().items():
        if name == "lm_head.weight":
            continue
        q = p.to(torch.bfloat16)
        values[legacy_name(name)] = dict(shape=list(p.shape), f32_head=head(p),
                                         f32_sum=float(p.to(torch.float64).sum()),
                                         bf16_head=head(q), bf16_sum=float(q.to(torch.float64).sum()))
    n_params = sum(p.numel() for p in model.parameters())
    dump(os.path.join(OUT, "tiny-values.json"),
         dict(tensors=values, n_params=n_params,
              shards=sorted(f for f in os.listdir(sharded) if f.endswith(".safetensors")),
              newnames=sorted(sd.keys())))


# ---- PEFT adapters and module matching -------------------------------------------

def wrapped_modules(peft_model):
    out = []
    for name, module in peft_model.get_base_model().named_modules():
        if isinstance(module, LoraLayer):
            out.append(dict(path=name, type=type(module.base_layer).__name__,
                            r=int(module.r["default"]), scaling=float(module.scaling["default"])))
    return out


def write_adapter(base_dir, name, **kwargs):
    model = PaliGemmaForConditionalGeneration.from_pretrained(base_dir)
    torch.manual_seed(99)
    pm = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", init_lora_weights=False, **kwargs))
    d = os.path.join(OUT, name)
    clean(d)
    pm.save_pretrained(d)
    from safetensors import safe_open
    with safe_open(os.path.join(d, "adapter_model.safetensors"), "pt") as f:
        tensors = {k: dict(shape=list(f.get_tensor(k).shape), head=head(f.get_tensor(k)),
                           sum=float(f.get_tensor(k).to(torch.float64).sum())) for k in f.keys()}
    return d, tensors, wrapped_modules(pm)


def legacy_adapter_key(key):
    prefix = "base_model.model."
    return prefix + legacy_name(key[len(prefix):])


CASES = [
    dict(target_modules=["q_proj", "o_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj"]),
    dict(target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "out_proj", "fc1", "fc2",
                         "gate_proj", "up_proj", "down_proj"]),
    dict(target_modules="all-linear"),
    dict(target_modules=r".*language_model.*\.(q_proj|v_proj)"),
    dict(target_modules=r"model\.vision_tower.*(fc1|fc2)"),
    dict(target_modules=["q_proj", "fc1"], layers_to_transform=[1]),
    dict(target_modules=["q_proj"], layers_to_transform=[0], layers_pattern="layers"),
    dict(target_modules=["q_proj"], layers_to_transform=[1], layers_pattern="encoder"),
    dict(target_modules=["q_proj", "v_proj"], exclude_modules=["model.language_model.layers.0.self_attn.q_proj"]),
    dict(target_modules=["down_proj", "fc2"], exclude_modules=r".*layers\.1\..*"),
    dict(target_modules=["self_attn.q_proj"]),
    dict(target_modules=["model.language_model.layers.1.mlp.up_proj", "gate_proj"], layers_to_transform=[0]),
    dict(target_modules=["linear"]),
    dict(target_modules="all-linear", exclude_modules=["fc1", "o_proj"]),
    dict(target_modules=["q_proj", "v_proj"], rank_pattern={"v_proj": 2, r"layers\.1\.self_attn\.q_proj": 6},
         alpha_pattern={"q_proj": 3}, use_rslora=True),
    dict(target_modules=["layer_norm1"]),
    dict(target_modules=["embed_tokens"]),
    dict(target_modules=["nonexistent"]),
    dict(target_modules=["mlp"]),
    dict(target_modules=["lm_head"]),
]


def write_peft(base_dir):
    _, default_tensors, _ = write_adapter(base_dir, "adapter-default", r=4, lora_alpha=8,
                                          target_modules=CASES[0]["target_modules"])
    # the same adapter as transformers ≤ 4.51 + peft saved it
    legacy = os.path.join(OUT, "adapter-legacy")
    clean(legacy)
    shutil.copy(os.path.join(OUT, "adapter-default", "adapter_config.json"), legacy)
    from safetensors import safe_open
    with safe_open(os.path.join(OUT, "adapter-default", "adapter_model.safetensors"), "pt") as f:
        sd = {legacy_adapter_key(k): f.get_tensor(k) for k in f.keys()}
    save_file(sd, os.path.join(legacy, "adapter_model.safetensors"), metadata={"format": "pt"})
    _, pattern_tensors, pattern_wrapped = write_adapter(base_dir, "adapter-patterns", **CASES[14])
    _, layers_tensors, _ = write_adapter(base_dir, "adapter-layers", r=2, lora_alpha=4, **CASES[5])

    model = PaliGemmaForConditionalGeneration.from_pretrained(base_dir)
    modules = [[name, type(m).__name__] for name, m in model.named_modules()]
    cases = []
    for case in CASES:
        entry = dict(config=case)
        try:
            m = PaliGemmaForConditionalGeneration.from_pretrained(base_dir)
            pm = get_peft_model(m, LoraConfig(task_type="CAUSAL_LM", **case))
            entry["wrapped"] = wrapped_modules(pm)
        except Exception as e:  # PEFT refuses the config
            entry["error"] = "%s: %s" % (type(e).__name__, str(e)[:200])
        cases.append(entry)
    dump(os.path.join(OUT, "peft-modules.json"), dict(modules=modules, cases=cases))
    dump(os.path.join(OUT, "adapter-values.json"),
         dict(default=default_tensors, patterns=pattern_tensors, layers=layers_tensors,
              patterns_wrapped=pattern_wrapped))


# ---- real-world configs ----------------------------------------------------------

def hub_config(size):
    """paligemma-3b-pt-{224,448,896}/config.json as the hub has them: spec §1 and
    the vidore/colpali (pt-448) copy in transformers' convert_colpali_weights_to_hf.py;
    pt-224 omits image_size (SigLIP default 224)"""
    tokens = (size // 14) ** 2
    vision = {"hidden_size": 1152, "intermediate_size": 4304, "model_type": "siglip_vision_model",
              "num_attention_heads": 16, "num_hidden_layers": 27, "num_image_tokens": tokens, "patch_size": 14,
              "projection_dim": 2048, "projector_hidden_act": "gelu_fast", "vision_use_head": False}
    if size != 224:
        vision["image_size"] = size
    return {
        "_name_or_path": "google/paligemma-3b-pt-%d" % size,
        "architectures": ["PaliGemmaForConditionalGeneration"],
        "bos_token_id": 2, "eos_token_id": 1, "hidden_size": 2048, "ignore_index": -100,
        "image_token_index": 257152, "model_type": "paligemma", "pad_token_id": 0, "projection_dim": 2048,
        "text_config": {"hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2048, "intermediate_size": 16384,
                        "model_type": "gemma", "num_attention_heads": 8, "num_hidden_layers": 18,
                        "num_image_tokens": tokens, "num_key_value_heads": 1, "torch_dtype": "float32",
                        "vocab_size": 257216},
        "torch_dtype": "float32", "transformers_version": "4.41.0.dev0", "vision_config": vision,
    }


def paligemma2_config():
    """PaliGemma 2 3B (spec §8): the Gemma 2 decoder"""
    c = hub_config(224)
    c["text_config"] = {"model_type": "gemma2", "hidden_size": 2304, "num_hidden_layers": 26,
                        "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
                        "intermediate_size": 9216, "query_pre_attn_scalar": 256, "vocab_size": 257216,
                        "hidden_activation": "gelu_pytorch_tanh", "final_logit_softcapping": 30.0,
                        "attn_logit_softcapping": 50.0, "sliding_window": 4096}
    c["hidden_size"] = 2304
    c["projection_dim"] = 2304
    return c


def expected(cfg):
    """what transformers makes of a config: the fields PtModelConfig holds, and
    the parameter count of the model it builds (meta device, tied head once)"""
    pc = PaliGemmaConfig.from_dict(cfg)
    v, t = pc.vision_config, pc.text_config
    with torch.device("meta"):
        model = PaliGemmaForConditionalGeneration(pc)
    return dict(image_size=v.image_size, patch_size=v.patch_size, num_channels=v.num_channels,
                v_hidden=v.hidden_size, v_layers=v.num_hidden_layers, v_heads=v.num_attention_heads,
                v_intermediate=v.intermediate_size, v_layer_norm_eps=v.layer_norm_eps,
                num_image_tokens=t.num_image_tokens, projection_dim=v.projection_dim,
                t_hidden=t.hidden_size, t_layers=t.num_hidden_layers, t_heads=t.num_attention_heads,
                t_kv_heads=t.num_key_value_heads, t_head_dim=t.head_dim, t_intermediate=t.intermediate_size,
                vocab_size=t.vocab_size, t_rms_norm_eps=t.rms_norm_eps,
                rope_theta=t.rope_parameters["rope_theta"],
                max_position_embeddings=t.max_position_embeddings, image_token_index=pc.image_token_index,
                tie_word_embeddings=t.tie_word_embeddings,
                n_params=sum(p.numel() for p in model.parameters()))


def write_configs():
    d = os.path.join(OUT, "configs")
    clean(d)
    exp = {}
    for size in (224, 448, 896):
        name = "paligemma-3b-pt-%d.json" % size
        cfg = hub_config(size)
        dump(os.path.join(d, name), cfg)
        exp[name] = expected(cfg)
    # pt-224 as transformers 5.23 writes it back (every key, "dtype", rope_parameters)
    resaved = json.loads(PaliGemmaConfig.from_dict(hub_config(224)).to_json_string())
    dump(os.path.join(d, "paligemma-3b-pt-224-resaved.json"), resaved)
    exp["paligemma-3b-pt-224-resaved.json"] = expected(resaved)
    with open(os.path.join(OUT, "tiny-f32", "config.json")) as f:
        exp["tiny"] = expected(json.load(f))
    # sections omitted entirely: PaliGemmaConfig's own defaults
    bare = {"model_type": "paligemma"}
    dump(os.path.join(d, "bare.json"), bare)
    exp["bare.json"] = expected(bare)
    dump(os.path.join(d, "paligemma2-3b-pt-224.json"), paligemma2_config())
    exp["paligemma2-3b-pt-224.json"] = expected(paligemma2_config())
    resaved2 = json.loads(PaliGemmaConfig.from_dict(paligemma2_config()).to_json_string())
    dump(os.path.join(d, "paligemma2-3b-pt-224-resaved.json"), resaved2)
    exp["paligemma2-3b-pt-224-resaved.json"] = expected(resaved2)
    dump(os.path.join(OUT, "configs-expected.json"), exp)


# ---- dtype conversions and the writer's byte layout ----------------------------------

def write_dtypes():
    torch.manual_seed(5)
    specials = [0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"), 65504.0, 65520.0, 1e-8,
                6e-8, 3e-8, 2.98e-8, 5.96e-8, 6.1e-5, 6.0e-5, 1e-40, -1e-45, 3.4e38, 1.0 + 2 ** -8,
                1.0 + 3 * 2 ** -8, 1.0 + 2 ** -11, 1.0 + 3 * 2 ** -11, 2 ** -14 * (1 + 2 ** -10), 1e38]
    base = torch.cat([torch.tensor(specials, dtype=torch.float64),
                      torch.randn(200, dtype=torch.float64) * torch.logspace(-9, 9, 200, dtype=torch.float64)])
    # exact ties for bf16 / f16 rounding
    ties = torch.tensor([1 + 2 ** -8, 1 + 3 * 2 ** -8, 2 + 2 ** -7, 1 + 2 ** -11, 1 + 3 * 2 ** -11], dtype=torch.float64)
    base = torch.cat([base, ties, -ties])
    srcs = {"F64": base, "F32": base.to(torch.float32), "BF16": base.to(torch.bfloat16), "F16": base.to(torch.float16)}
    save_file(srcs, os.path.join(OUT, "dtypes.safetensors"), metadata={"format": "pt"})
    ref = {}
    for name, t in srcs.items():
        ref[name] = {
            "F32": t.to(torch.float32).view(torch.int32).tolist(),
            "F64": [x for x in t.to(torch.float64).view(torch.int64).tolist()],
            "BF16": t.to(torch.bfloat16).view(torch.int16).tolist(),
            "F16": t.to(torch.float16).view(torch.int16).tolist(),
        }
    dump(os.path.join(OUT, "dtypes-expected.json"), dict(n=len(base), bits=ref))

    # a file with every dtype, written by the Python package: the writer must reproduce its bytes
    mixed = {"a_bool": torch.tensor([True, False, True]), "b_u8": torch.arange(5, dtype=torch.uint8),
             "c_i8": torch.tensor([-3, 4], dtype=torch.int8), "d_i16": torch.tensor([-300, 7], dtype=torch.int16),
             "e_f16": torch.tensor([1.5, -2.25, 3.0], dtype=torch.float16),
             "f_bf16": torch.tensor([[1.5, -2.25, 3.0]], dtype=torch.bfloat16),
             "g_i32": torch.tensor([7, -8, 9], dtype=torch.int32), "h_f32": torch.randn(2, 3),
             "i_f64": torch.randn(4, dtype=torch.float64), "j_i64": torch.tensor([2 ** 40, -5]),
             "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3), "z\"q\\é": torch.ones(1)}
    save_file(mixed, os.path.join(OUT, "mixed.safetensors"), metadata={"format": "p\nt\"\u00e9"})  # one key: Rust orders several at random
    save_file({}, os.path.join(OUT, "empty.safetensors"))


# ---- pre-quantised bitsandbytes NF4 checkpoints ------------------------------------

def write_nf4(base_dir):
    """tiny-nf4-dq: NF4 with double quantisation, bf16; tiny-nf4: NF4 alone, the
    default float16. Beside each, what bitsandbytes dequantises every weight to."""
    import bitsandbytes as bnb
    from transformers import BitsAndBytesConfig
    out = {}
    for name, double, dtype in (("tiny-nf4-dq", True, torch.bfloat16), ("tiny-nf4", False, None)):
        q = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=double,
                               bnb_4bit_compute_dtype=torch.bfloat16)
        kwargs = dict(quantization_config=q, device_map="cpu")
        if dtype is not None:
            kwargs["dtype"] = dtype
        model = PaliGemmaForConditionalGeneration.from_pretrained(base_dir, **kwargs)
        d = os.path.join(OUT, name)
        clean(d)
        model.save_pretrained(d)
        # bitsandbytes' reference dequantisation (backends/default/ops.py, the
        # CUDA kernels' math). Its CPU backend's native dequantize_4bit kernel
        # gets these row-straddling blocks wrong (error 2× the quantisation
        # step against the original weights), so it is not used here.
        from bitsandbytes.backends.default.ops import _dequantize_4bit_compute, _dequantize_blockwise_compute
        from bitsandbytes.backends.utils import _get_4bit_code
        from safetensors import safe_open
        deq = {}
        with safe_open(os.path.join(d, "model.safetensors"), "pt") as f:
            for key in f.keys():
                if not key.endswith(".quant_state.bitsandbytes__nf4"):
                    continue
                base = key[: -len(".quant_state.bitsandbytes__nf4")]
                qs = json.loads(bytes(f.get_tensor(key).tolist()).decode())
                absmax = f.get_tensor(base + ".absmax")
                if "nested_blocksize" in qs:
                    absmax = _dequantize_blockwise_compute(absmax.reshape(-1), f.get_tensor(base + ".nested_absmax"),
                                                           f.get_tensor(base + ".nested_quant_map"),
                                                           qs["nested_blocksize"], torch.float32)
                    absmax += qs["nested_offset"]
                deq[base] = _dequantize_4bit_compute(f.get_tensor(base).reshape(-1), absmax,
                                                     _get_4bit_code("nf4", absmax.device), qs["blocksize"],
                                                     qs["shape"], getattr(torch, qs["dtype"])).contiguous()
        save_file(deq, os.path.join(OUT, name + "-dequantized.safetensors"), metadata={"format": "pt"})
        out[name] = sorted(deq)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    model = tiny_model()
    write_models(model)
    os.chdir(OUT)   # adapter configs record the base model path: keep it relative
    write_peft("tiny-f32")
    write_configs()
    write_dtypes()
    write_nf4("tiny-f32")
    total = 0
    for dirpath, _, files in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    print("wrote %s (%.0f KiB)" % (OUT, total / 1024))


if __name__ == "__main__":
    sys.exit(main())
