#!/usr/bin/env python3
"""make-nf4-fixtures.py — reference data for engine/pt-nf4.c from bitsandbytes.

Run with the reference environment (torch + bitsandbytes >= 0.45, which
quantizes on the CPU):
    /opt/refenv/bin/python tools/make-nf4-fixtures.py tests/fixtures/nf4/nf4.json

Writes one JSON file:
  nf4:      x (n floats), packed ((n+1)/2 bytes), absmax (blocks of 64) and
            dequant, from bitsandbytes.functional.quantize_4bit /
            dequantize_4bit (quant_type="nf4", blocksize=64, no double quant).
            x has a zero block, values on the fp32-rounded code midpoints, and a
            partial last block.
            packed_tree: the same indices by the CUDA kernel's decision tree
            (csrc/kernels.cu dQuantizeNF4: x > threshold, the thresholds being
            float literals, i.e. the decimal midpoints rounded to fp32 by the
            compiler). bitsandbytes' CPU path compares against midpoints
            computed in fp32 ((a + b) / 2 rounds ties to even), so the two
            disagree exactly for an x on such a rounded midpoint, where the
            tree picks the truly nearer code. PaliTune follows the tree; the
            script checks that the two differ nowhere else.
  dq:       double quantisation of an absmax vector (600 blocks, so two full
            256-blocks and a partial one): offset = mean(absmax) and
            quantize_blockwise(absmax - offset, blocksize=256) with the signed
            dynamic map. bitsandbytes' own CPU kernel for this step uses a
            65536-bin lookup table (and its CUDA kernel a binary search), which
            both only approximate "nearest code"; the reference here is its
            pure-torch default kernel (nearest code by float32 midpoints, ties
            to the lower code), which is what PaliTune implements. The
            bitsandbytes CPU result is stored too (qabsmax_bnb) with its
            dequantisation, for the record.
  code8:    create_dynamic_map(signed=True) as float32 (torch.linspace makes
            its last bits depend on the CPU's vector width; PaliTune embeds
            this table).
"""
import json
import sys
from fractions import Fraction

import numpy as np
import torch
import bitsandbytes.functional as F


# dQuantizeNF4's thresholds, as written in csrc/kernels.cu (ascending)
TREE = ["-0.8480964004993439", "-0.6106329262256622", "-0.4599952697753906",
        "-0.33967943489551544", "-0.23460740596055984", "-0.13791173323988914",
        "-0.045525018125772476", "0.03979014977812767", "0.1202552504837513",
        "0.2035212516784668", "0.2920137718319893", "0.3893125355243683",
        "0.5016634166240692", "0.6427869200706482", "0.8614784181118011"]


def decimal_to_f32(text):
    """A C compiler's float literal: the decimal rounded once to fp32."""
    exact = Fraction(text)
    near = np.float32(float(exact))
    lo = hi = near
    while Fraction(float(lo)) > exact:
        lo = np.nextafter(lo, np.float32(-np.inf))
    while Fraction(float(hi)) < exact:
        hi = np.nextafter(hi, np.float32(np.inf))
    if lo == hi:
        return lo
    dl, dh = exact - Fraction(float(lo)), Fraction(float(hi)) - exact
    if dl != dh:
        return lo if dl < dh else hi
    return lo if (int(lo.view(np.uint32)) & 1) == 0 else hi


def tree_pack(x, absmax):
    thresholds = np.array([decimal_to_f32(t) for t in TREE], dtype=np.float32)
    xs = x.numpy().astype(np.float32)
    idx = []
    for i, v in enumerate(xs):
        am = np.float32(absmax[i // 64])
        recip = np.float32(1.0) / max(am, np.float32(1e-38))
        scaled = np.clip(np.float32(v * recip), np.float32(-1), np.float32(1))
        idx.append(int((scaled > thresholds).sum()))
    if len(idx) % 2:
        idx.append(7)
    return [(idx[i] << 4) | idx[i + 1] for i in range(0, len(idx), 2)]


def f32list(t):
    return [float(v) for v in t.reshape(-1).float().tolist()]


def main(path):
    g = torch.Generator().manual_seed(1234)

    # ---- 4-bit NF4 -------------------------------------------------------
    n = 64 * 9 + 37
    x = torch.randn(n, generator=g) * 0.05
    x[64:128] = 0.0                                  # an all-zero block
    code = F.get_4bit_type("nf4", device="cpu").float()
    mids = ((code[:-1] + code[1:]) / 2).float()      # float32 midpoints
    # block 2: values that scale to exactly a midpoint (absmax 1 → x = mid)
    x[128:128 + 15] = mids
    x[128 + 15] = 1.0
    x[128 + 16:128 + 31] = -mids
    packed, state = F.quantize_4bit(x, blocksize=64, quant_type="nf4", compress_statistics=False)
    deq = F.dequantize_4bit(packed, state)
    packed_tree = tree_pack(x, state.absmax.numpy())
    bnb_bytes = [int(v) for v in packed.reshape(-1).tolist()]
    differ = [i for i in range(len(bnb_bytes)) if bnb_bytes[i] != packed_tree[i]]
    assert all(64 <= i < 80 for i in differ), differ   # only the midpoint block
    print(f"nf4: the decision tree and the CPU path differ in {len(differ)} bytes "
          f"(values on rounded midpoints)", file=sys.stderr)

    # ---- double quantisation ----------------------------------------------
    w = torch.randn(600 * 64, generator=g) * 0.02
    w[:64] *= 10.0                                   # one outlier block
    _, st = F.quantize_4bit(w, blocksize=64, quant_type="nf4", compress_statistics=False)
    absmax = st.absmax.float()
    _, st2 = F.quantize_4bit(w, blocksize=64, quant_type="nf4", compress_statistics=True)
    offset = float(st2.offset)
    code8 = st2.state2.code.float()
    assert torch.equal(code8, F.create_dynamic_map(signed=True).float())

    # the pure-torch reference (bitsandbytes/backends/default/ops.py)
    a = (absmax - st2.offset).float()
    blocks = (a.numel() + 255) // 256
    absmax2 = torch.zeros(blocks)
    q = torch.zeros(a.numel(), dtype=torch.int64)
    bounds = (code8[:-1] + code8[1:]) / 2
    for b in range(blocks):
        part = a[b * 256:(b + 1) * 256]
        am = part.abs().max()
        absmax2[b] = am
        scaled = torch.clamp(part * (1.0 / am.clamp(min=1e-38)), -1, 1)
        q[b * 256:(b + 1) * 256] = torch.bucketize(scaled, bounds)
    deq_absmax = (code8[q] * absmax2.repeat_interleave(256)[:a.numel()]) + st2.offset

    q_bnb = st2.absmax.to(torch.int64)
    deq_absmax_bnb = F.dequantize_blockwise(st2.absmax, st2.state2) + st2.offset
    differ = int((q_bnb != q).sum())
    print(f"double quant: {differ} of {q.numel()} codes differ between the bitsandbytes CPU "
          f"lookup table and nearest-code", file=sys.stderr)

    out = {
        "generator": "tools/make-nf4-fixtures.py, bitsandbytes " + __import__("bitsandbytes").__version__
                     + ", torch " + torch.__version__,
        "nf4": {
            "n": n,
            "x": f32list(x),
            "packed": bnb_bytes,
            "packed_tree": packed_tree,
            "absmax": f32list(state.absmax),
            "dequant": f32list(deq),
        },
        "dq": {
            "absmax": f32list(absmax),
            "offset": offset,
            "qabsmax": [int(v) for v in q.tolist()],
            "absmax2": f32list(absmax2),
            "dequant": f32list(deq_absmax),
            "qabsmax_bnb": [int(v) for v in q_bnb.tolist()],
            "absmax2_bnb": f32list(st2.state2.absmax),
            "dequant_bnb": f32list(deq_absmax_bnb),
        },
        "code8": f32list(code8),
    }
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/nf4/nf4.json")
