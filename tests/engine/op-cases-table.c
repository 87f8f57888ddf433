/* op-cases-table.c — the op cases: shapes chosen odd (nothing a multiple of
 * a vector width), MQA and GQA, every mask feature, in-place variants.
 * Parameters per family are documented in op-cases-*.c. */
#include "config.h"

#include "op-cases.h"

#define ACT PT_OC_ACT
#define ACC PT_OC_ACC
#define F32 PT_DTYPE_F32
#define F64 PT_DTYPE_F64
#define BF16 PT_DTYPE_BF16
#define F16 PT_DTYPE_F16
#define I32 PT_DTYPE_I32

const PtOpCase pt_op_cases[] = {
  /* convert: { src, dst, n } */
  { &pt_oc_convert, "f32-bf16", { F32, BF16, 301 } },
  { &pt_oc_convert, "bf16-f32", { BF16, F32, 301 } },
  { &pt_oc_convert, "f32-f16", { F32, F16, 301 } },
  { &pt_oc_convert, "f16-f32", { F16, F32, 301 } },
  { &pt_oc_convert, "f64-f32", { F64, F32, 301 } },
  { &pt_oc_convert, "f32-f64", { F32, F64, 301 } },
  { &pt_oc_convert, "f64-bf16", { F64, BF16, 301 } },
  { &pt_oc_convert, "f64-f16", { F64, F16, 301 } },
  { &pt_oc_convert, "bf16-f16", { BF16, F16, 301 } },
  { &pt_oc_convert, "f16-bf16", { F16, BF16, 301 } },
  { &pt_oc_convert, "f32-i32", { F32, I32, 301 } },
  { &pt_oc_convert, "f64-i32", { F64, I32, 301 } },
  { &pt_oc_convert, "i32-f32", { I32, F32, 301 } },
  { &pt_oc_convert, "i32-bf16", { I32, BF16, 301 } },
  { &pt_oc_convert, "bf16-f64", { BF16, F64, 301 } },
  { &pt_oc_convert, "big", { F32, BF16, 70001 } },

  /* gemm: { m, n, k, ta, tb, a, b, c, pad a, pad b, pad c, batch }, { alpha, beta } */
  { &pt_oc_gemm, "nn", { 7, 9, 13, 0, 0, ACT, ACT, ACT }, { 1, 0 } },
  { &pt_oc_gemm, "nt-bf16-weight", { 17, 5, 33, 0, 1, ACT, BF16, ACT }, { 1, 0 } },
  { &pt_oc_gemm, "tn-beta", { 6, 11, 19, 1, 0, ACT, ACT, ACT }, { 0.5, 1 } },
  { &pt_oc_gemm, "tt-alpha-beta", { 9, 7, 5, 1, 1, ACT, ACT, ACT }, { -1.5, 0.25 } },
  { &pt_oc_gemm, "nt-f16-weight", { 5, 13, 21, 0, 1, ACT, F16, ACT }, { 1, 0 } },
  { &pt_oc_gemm, "nn-f32-weight", { 8, 6, 10, 0, 0, ACT, F32, ACT }, { 1, 1 } },
  { &pt_oc_gemm, "padded-ld", { 7, 5, 9, 0, 1, ACT, ACT, ACT, 3, 2, 4 }, { 1, 0.5 } },
  { &pt_oc_gemm, "acc-c", { 6, 10, 7, 1, 0, ACT, ACT, ACC }, { 1, 1 } },
  { &pt_oc_gemm, "bf16-c", { 5, 9, 8, 0, 0, ACT, ACT, BF16, 0, 0, 2 }, { 1, 1 } },
  { &pt_oc_gemm, "k0", { 4, 3, 0, 0, 0, ACT, ACT, ACT }, { 1, 0.5 } },
  { &pt_oc_gemm, "large", { 67, 45, 131, 0, 1, ACT, BF16, ACT }, { 1, 0 } },
  { &pt_oc_gemm_batched, "nt", { 5, 7, 9, 0, 1, ACT, ACT, ACT, 0, 0, 0, 3 }, { 1, 0 } },
  { &pt_oc_gemm_batched, "tn-padded", { 6, 4, 5, 1, 0, ACT, ACT, ACT, 1, 2, 3, 4 }, { 0.5, 1 } },
  { &pt_oc_gemm_batched, "bf16", { 3, 8, 11, 0, 0, ACT, BF16, ACT, 0, 0, 0, 2 }, { 1, 0 } },

  /* add: { n, in place }; scale: { n, kind }, { alpha } */
  { &pt_oc_add, "odd", { 1003 } },
  { &pt_oc_add, "in-place", { 515, 1 } },
  { &pt_oc_add, "big", { 70001 } },
  { &pt_oc_scale, "act", { 999, ACT }, { -0.37 } },
  { &pt_oc_scale, "acc", { 33, ACC }, { 3.5 } },
  { &pt_oc_scale, "bf16", { 257, BF16 }, { 0.3 } },
  { &pt_oc_scale, "f32", { 70001, F32 }, { 1.7 } },

  /* gelu: { n }; geglu: { N·I } */
  { &pt_oc_gelu, "odd", { 377 } },
  { &pt_oc_gelu, "big", { 40007 } },
  { &pt_oc_geglu, "odd", { 391 } },
  { &pt_oc_geglu, "big", { 40007 } },

  /* dropout: { n, in place, seed, offset }, { p } */
  { &pt_oc_dropout, "p0.1", { 523, 0, 42, 1000 }, { 0.1 } },
  { &pt_oc_dropout, "in-place-p0.5", { 261, 1, 7, 3 }, { 0.5 } },
  { &pt_oc_dropout, "p0", { 97, 0, 1, 0 }, { 0.0 } },
  { &pt_oc_dropout, "big", { 50001, 0, 9, 77 }, { 0.2 } },

  /* bias: { N, C } */
  { &pt_oc_bias, "odd", { 13, 37 } },
  { &pt_oc_bias, "wide", { 5, 600 } },
  { &pt_oc_bias, "big", { 201, 331 } },

  /* layernorm: { N, C, dweight, dbias }, { eps } */
  { &pt_oc_layernorm, "odd", { 7, 37, 1, 1 }, { 1e-6 } },
  { &pt_oc_layernorm, "no-dweight", { 5, 19, 0, 1 }, { 1e-5 } },
  { &pt_oc_layernorm, "no-param-grads", { 3, 23, 0, 0 }, { 1e-6 } },
  { &pt_oc_layernorm, "wide", { 9, 300, 1, 1 }, { 1e-6 } },
  { &pt_oc_layernorm, "big", { 131, 513, 1, 1 }, { 1e-6 } },

  /* rmsnorm: { N, C, dweight }, { eps } */
  { &pt_oc_rmsnorm, "odd", { 7, 37, 1 }, { 1e-6 } },
  { &pt_oc_rmsnorm, "no-dweight", { 4, 29, 0 }, { 1e-6 } },
  { &pt_oc_rmsnorm, "wide", { 6, 300, 1 }, { 1e-6 } },
  { &pt_oc_rmsnorm, "big", { 131, 513, 1 }, { 1e-6 } },

  /* rope: { B, T, H, D, per-row starts, pos0 }, { theta } */
  { &pt_oc_rope, "pos0", { 2, 5, 3, 8, 0, 1 }, { 10000 } },
  { &pt_oc_rope, "per-row", { 3, 7, 2, 16, 1, 0 }, { 10000 } },
  { &pt_oc_rope, "mqa-k", { 2, 9, 1, 12, 1, 0 }, { 500 } },
  { &pt_oc_rope, "big", { 2, 61, 4, 64, 1, 0 }, { 10000 } },

  /* attention: { B, Tq, Tk, tk_alloc, Hq, Hkv, D, mask, q_offset }, { scale } */
  { &pt_oc_attention, "siglip", { 2, 9, 9, 9, 3, 3, 8, 0 } },
  { &pt_oc_attention, "mqa-train", { 3, 11, 11, 11, 4, 1, 8, 1 } },
  { &pt_oc_attention, "gqa-train", { 2, 10, 10, 10, 6, 2, 4, 1 } },
  { &pt_oc_attention, "decode-tk-alloc", { 2, 3, 9, 13, 2, 1, 8, 2, 6 } },
  { &pt_oc_attention, "left-pad", { 3, 9, 9, 9, 2, 2, 6, 3 } },
  { &pt_oc_attention, "prefix-only", { 2, 7, 7, 7, 2, 1, 5, 4 } },
  { &pt_oc_attention, "empty-rows", { 3, 8, 8, 10, 2, 2, 4, 5 } },
  { &pt_oc_attention, "peaky", { 1, 7, 7, 7, 2, 1, 8, 1 }, { 3.0 } },
  { &pt_oc_attention, "big", { 2, 67, 67, 67, 8, 1, 32, 1 } },
  /* the real models' head dims, over several of the CUDA kernels' key and
   * query tiles (once tests/gpu/test-cuda-attention.c's own cases) */
  { &pt_oc_attention, "siglip-d72", { 2, 20, 20, 20, 4, 4, 72, 0 } },
  { &pt_oc_attention, "gemma-train-d256", { 3, 41, 41, 44, 4, 1, 256, 1 } },
  { &pt_oc_attention, "decode-gqa-d64", { 2, 3, 20, 24, 6, 2, 64, 2, 17 } },
  { &pt_oc_attention, "causal-d128", { 1, 50, 50, 50, 2, 2, 128, 6 } },
  { &pt_oc_attention, "left-pad-d96", { 2, 37, 37, 40, 2, 1, 96, 3 } },
  /* Gemma 2: sliding window shorter than the prefix, logit softcap, GQA */
  { &pt_oc_attention, "window", { 3, 12, 12, 12, 4, 2, 8, 1, 0, 3 } },
  { &pt_oc_attention, "softcap", { 2, 11, 11, 11, 4, 2, 8, 1 }, { 2.0, 1.5 } },
  { &pt_oc_attention, "window-softcap-decode", { 2, 3, 9, 13, 4, 2, 8, 2, 6, 4 }, { 0, 0.8 } },
  { &pt_oc_attention, "window-left-pad", { 3, 10, 10, 10, 2, 1, 6, 3, 0, 2 }, { 0, 3.0 } },
  /* Gemma 2 at the real head dims, over several of the CUDA kernels' tiles
   * (once tests/gpu/test-cuda-attention.c's Gemma 2 cases): a window longer
   * than the prefix on 80 rows, a decode step at head_dim 256, left padding,
   * a window of one key, the longest window that still hides a key */
  { &pt_oc_attention, "gemma2-train-d64", { 3, 80, 80, 84, 4, 2, 64, 1, 0, 18 }, { 0, 1.5 } },
  { &pt_oc_attention, "gemma2-decode-d256", { 2, 3, 50, 64, 8, 2, 256, 2, 47, 16 }, { 0, 2.0 } },
  { &pt_oc_attention, "window-left-pad-d96", { 2, 45, 45, 48, 2, 1, 96, 3, 0, 20 } },
  { &pt_oc_attention, "window-1", { 1, 40, 40, 40, 2, 2, 64, 6, 0, 1 } },
  { &pt_oc_attention, "window-edge", { 1, 40, 40, 40, 2, 1, 32, 6, 0, 39 } },
  { &pt_oc_attention, "softcap-d256", { 2, 33, 33, 33, 4, 4, 256, 1 }, { 0, 1.0 } },

  /* embedding: { N, C, V, table kind }, { scale } */
  { &pt_oc_embedding, "acc-table", { 11, 13, 7, ACC }, { 3.5 } },
  { &pt_oc_embedding, "bf16-table", { 9, 17, 6, BF16 }, { 45.254833995939045 } },
  { &pt_oc_embedding, "big", { 250, 300, 50, ACC }, { 1 } },

  /* gather: { N, C, M }; scatter: { N, C, M, accumulate } */
  { &pt_oc_gather, "odd", { 9, 13, 15 } },
  { &pt_oc_gather, "wide", { 20, 700, 33 } },
  { &pt_oc_gather, "big", { 50, 1500, 60 } },
  { &pt_oc_scatter, "assign", { 11, 7, 9, 0 } },
  { &pt_oc_scatter, "accumulate", { 6, 300, 17, 1 } },
  { &pt_oc_scatter, "big", { 40, 1300, 70, 1 } },

  /* im2col: { B, Cin, H, W, P } */
  { &pt_oc_im2col, "siglip-like", { 2, 3, 28, 28, 14 } },
  { &pt_oc_im2col, "ragged", { 1, 2, 11, 13, 3 } },
  { &pt_oc_im2col, "big", { 2, 3, 112, 112, 14 } },

  /* cross_entropy: { M, V, in place }, { grad_scale, logit range } */
  { &pt_oc_cross_entropy, "odd", { 7, 33 }, { 0.25 } },
  { &pt_oc_cross_entropy, "in-place", { 5, 19, 1 }, { 1.0 } },
  { &pt_oc_cross_entropy, "wide-range", { 4, 301, 0 }, { 0.5, 30 } },
  { &pt_oc_cross_entropy, "big", { 9, 5003, 1 }, { 0.1 } },
  /* Gemma 2's final logit softcap, raw logits past the cap */
  { &pt_oc_cross_entropy, "softcap", { 6, 41, 0 }, { 0.5, 6.0, 3.0 } },
  { &pt_oc_cross_entropy, "softcap-wide", { 5, 529, 1 }, { 1.0, 9.0, 5.0 } },

  /* argmax: { M, V } */
  { &pt_oc_argmax, "ties-nan", { 5, 37 } },
  { &pt_oc_argmax, "big", { 16, 5003 } },

  /* sum_squares: { n, kind } */
  { &pt_oc_sum_squares, "act", { 1001, ACT } },
  { &pt_oc_sum_squares, "bf16", { 333, BF16 } },
  { &pt_oc_sum_squares, "big", { 100003, ACC } },

  /* adamw: { n, steps, first step, copy kind, beta1 % }, { lr, weight decay, grad scale } */
  { &pt_oc_adamw, "3-steps", { 257, 3, 1, -3 }, { 1e-3, 0.01, 1.0 } },
  { &pt_oc_adamw, "resumed-bf16-copy", { 129, 3, 41, BF16 }, { 2e-5, 1e-6, 0.5 } },
  { &pt_oc_adamw, "no-decay-beta1-0.3", { 77, 2, 1, F32, 30 }, { 1e-2, 0.0, 2.0 } },
  { &pt_oc_adamw, "big", { 50001, 3, 1, -3 }, { 1e-3, 0.01, 1.0 } },

  /* nf4_dequantize: { n, out kind, out offset } */
  { &pt_oc_nf4, "f32", { 64 * 5 + 37, F32 } },
  { &pt_oc_nf4, "bf16", { 64 * 3, BF16 } },
  { &pt_oc_nf4, "act-odd", { 129, ACT } },
  { &pt_oc_nf4, "big", { 64 * 1500 + 3, F32 } },
  { &pt_oc_nf4, "misaligned-f32", { 64 * 40 + 5, F32, 1 } },
  { &pt_oc_nf4, "misaligned-bf16", { 64 * 40 + 5, BF16, 1 } },

  { NULL }
};
