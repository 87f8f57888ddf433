/* pt-cuda-attention-gemm.cu — attention with the scores in memory: the two
 * products per direction through cuBLAS (bf16 tensor cores, fp32
 * accumulation), the mask, softmax and its backward in one warp-per-row
 * kernel each. PaliGemma's sequences are short (256–4096 image tokens plus
 * text), so the scores of a chunk of batch rows fit a bounded buffer; the
 * numerics follow HF's eager attention (fp32 softmax, probabilities rounded
 * to the activation dtype before P·V).
 *
 * Layouts: q-like tensors (B, Tq, Hq, D), k-like (B, tk_alloc, Hkv, D),
 * scores (B, Tq, Hq, Tk) with rows (i, h) of a batch row consecutive and
 * rows padded to TKP columns. Per batch row b and query head h (kv head
 * g = h / G):
 *   S  = scale · Q_bh · K_bgᵀ       P = softmax_masked (S)   lse = logsumexp
 *   (with a logit softcap, S = cap · tanh(S / cap) first, in the softmax kernel)
 *   O  = P · V_bg
 * backward (S recomputed, Dsum = rowsum (dO ∘ O)):
 *   dP = dO_bh · V_bgᵀ              dS = scale · P ∘ (dP − Dsum)   (∘ (1 − (S/cap)²))
 *   dQ = dS · K_bg                  dK_bg = Σ_h∈g dSᵀ Q_bh    dV_bg = Σ_h∈g Pᵀ dO_bh
 * With MQA (one kv head) the rows (i, h) of a batch row form one matrix and
 * every product is one strided-batched call over the batch rows; otherwise
 * the calls loop over heads (batched over rows) or over rows (batched over
 * the heads of a group), whichever makes fewer calls.
 */
#include "config.h"

#include <math.h>           /* INFINITY */

#include "pt-cuda-attention.h"

#define ROW_WARPS 4
#define SCORE_BUDGET ((size_t) 768 << 20)   /* bytes of score buffers per chunk */
#define ROW_LIMIT ((size_t) 4 << 30)        /* one batch row beyond this: flash kernels */

/* ---- kernels --------------------------------------------------------------- */

/* P (rows, TKP) in T and lse from the scaled scores S (rows, TKP) fp32,
 * softcapped here in place when the mask has a softcap; one warp per row
 * r = ((b - b0) · Tq + i) · Hq + h */
template <typename T>
__global__ static void
softmax_rows_kernel (T *P, float *lse, float *S, Dims dm, MaskArgs mk, int b0, int n_rows,
                     int TKP)
{
  int r = blockIdx.x * ROW_WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
  int h, i, b, lo, hi;
  float *s;
  T *p;
  float m = -INFINITY, sum = 0.0f, l;

  if (r >= n_rows)
    return;
  h = r % dm.Hq;
  i = (r / dm.Hq) % dm.Tq;
  b = b0 + r / (dm.Hq * dm.Tq);
  s = S + (size_t) r * TKP;
  p = P + (size_t) r * TKP;
  visible_range (mk, b, i, dm.Tk, &lo, &hi);
  /* each lane reads back only the scores it capped */
  for (int j = lo + lane; j < hi; j += 32)
    {
      if (mk.softcap > 0.0f)
        s[j] = soft_cap (s[j], mk.softcap);
      m = fmaxf (m, s[j]);
    }
  m = pt_warp_max (m);
  if (m != -INFINITY)
    for (int j = lo + lane; j < hi; j += 32)
      sum += expf (s[j] - m);
  sum = pt_warp_sum (sum);
  l = m == -INFINITY ? -INFINITY : m + logf (sum);
  for (int j = lane; j < dm.Tk; j += 32)
    p[j] = pt_from_f<T> (l != -INFINITY && j >= lo && j < hi ? expf (s[j] - l) : 0.0f);
  if (lane == 0 && lse != NULL)
    lse[((size_t) b * dm.Hq + h) * dm.Tq + i] = l;
}

/* P (recomputed) and dS = scale · P ∘ (dP − Dsum), both in T; with a
 * softcap, P is of the capped scores and dS gains 1 - (s/cap)² */
template <typename T>
__global__ static void
softmax_backward_rows_kernel (T *P, T *dS, const float *S, const float *dP, const float *lse,
                              const float *dsum, Dims dm, MaskArgs mk, int b0, int n_rows, int TKP)
{
  int r = blockIdx.x * ROW_WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
  int h, i, b, lo, hi;
  size_t si;
  float l, d;

  if (r >= n_rows)
    return;
  h = r % dm.Hq;
  i = (r / dm.Hq) % dm.Tq;
  b = b0 + r / (dm.Hq * dm.Tq);
  si = ((size_t) b * dm.Hq + h) * dm.Tq + i;
  l = lse[si];
  d = dsum[si];
  visible_range (mk, b, i, dm.Tk, &lo, &hi);
  for (int j = lane; j < dm.Tk; j += 32)
    {
      size_t e = (size_t) r * TKP + j;
      bool vis = l != -INFINITY && j >= lo && j < hi;
      float sc = vis ? soft_cap (S[e], mk.softcap) : 0.0f;
      float p = vis ? expf (sc - l) : 0.0f;
      P[e] = pt_from_f<T> (p);
      dS[e] = pt_from_f<T> (p * (dP[e] - d) * dm.scale * soft_cap_grad (sc, mk.softcap));
    }
}

/* ---- products ---------------------------------------------------------------- */

typedef struct {
  PtCudaBackend *self;
  PtDType        act;
  Dims           dm;
  int            TKP;     /* padded score row */
  int            b0, nb;  /* the chunk of batch rows */
} Ctx;

static size_t
q_off (const Ctx *c, int b, int h)   /* (b, 0, h, 0) of a q-like tensor */
{
  return ((size_t) b * c->dm.Tq * c->dm.Hq + h) * c->dm.D;
}

static size_t
k_off (const Ctx *c, int b, int g)   /* (b, 0, g, 0) of a k-like tensor */
{
  return ((size_t) b * c->dm.tk_alloc * c->dm.Hkv + g) * c->dm.D;
}

static size_t
s_off (const Ctx *c, int b, int h)   /* (b - b0, 0, h, 0) of the chunk's scores */
{
  return ((size_t) (b - c->b0) * c->dm.Tq * c->dm.Hq + h) * c->TKP;
}

/* per (b, h) in the chunk: C_bh (Tq × n) = op (X_bh) · Y_bgᵀ or Y_bg, where X
 * is q-like or score-like and Y k-like:
 *   scores_out: C = S (Tq × Tk) = alpha X_bh (q-like) · Y_bgᵀ        (QKᵀ, dO Vᵀ)
 *   !scores_out: C (q-like, Tq × D) = X_bh (scores) · Y_bg           (P V, dS K) */
static void
rows_product (const Ctx *c, gboolean scores_out, double alpha, const void *x, PtDType x_dtype,
              const void *y, void *out, PtDType out_dtype)
{
  const Dims &dm = c->dm;
  size_t xs = pt_dtype_size (x_dtype), ys = pt_dtype_size (c->act), os = pt_dtype_size (out_dtype);
  int G = dm.Hq / dm.Hkv;
  int n = scores_out ? dm.Tk : dm.D, k = scores_out ? dm.D : dm.Tk;
  /* row strides: q-like rows (i) of one head are Hq·D apart, score rows Hq·TKP */
  int ld_q = dm.Hq * dm.D, ld_s = dm.Hq * c->TKP;
  int ldx = scores_out ? ld_q : ld_s, ldo = scores_out ? ld_s : ld_q, ldy = dm.Hkv * dm.D;
#define X_AT(b, h) ((const char *) x + (scores_out ? q_off (c, b, h) : s_off (c, b, h)) * xs)
#define O_AT(b, h) ((char *) out + (scores_out ? s_off (c, b, h) : q_off (c, b, h)) * os)
#define Y_AT(b, g) ((const char *) y + k_off (c, b, g) * ys)

  if (dm.Hkv == 1)
    {
      /* MQA: rows (i, h) of a batch row are one (Tq·Hq)-row matrix */
      int ldx1 = scores_out ? dm.D : c->TKP, ldo1 = scores_out ? c->TKP : dm.D;
      pt_cuda_gemm_strided (c->self, FALSE, scores_out, dm.Tq * dm.Hq, n, k, alpha,
                            X_AT (c->b0, 0), x_dtype, ldx1,
                            (int64_t) dm.Tq * dm.Hq * (scores_out ? dm.D : c->TKP),
                            Y_AT (c->b0, 0), c->act, ldy, (int64_t) dm.tk_alloc * dm.D,
                            0.0, O_AT (c->b0, 0), out_dtype, ldo1,
                            (int64_t) dm.Tq * dm.Hq * (scores_out ? c->TKP : dm.D), c->nb);
    }
  else if (dm.Hq <= c->nb * dm.Hkv)
    {
      /* a call per head, batched over the chunk's rows */
      for (int h = 0; h < dm.Hq; h++)
        pt_cuda_gemm_strided (c->self, FALSE, scores_out, dm.Tq, n, k, alpha,
                              X_AT (c->b0, h), x_dtype, ldx,
                              (int64_t) dm.Tq * dm.Hq * (scores_out ? dm.D : c->TKP),
                              Y_AT (c->b0, h / G), c->act, ldy, (int64_t) dm.tk_alloc * dm.Hkv * dm.D,
                              0.0, O_AT (c->b0, h), out_dtype, ldo,
                              (int64_t) dm.Tq * dm.Hq * (scores_out ? c->TKP : dm.D), c->nb);
    }
  else
    {
      /* a call per (row, kv head), batched over the group's query heads */
      for (int b = c->b0; b < c->b0 + c->nb; b++)
        for (int g = 0; g < dm.Hkv; g++)
          pt_cuda_gemm_strided (c->self, FALSE, scores_out, dm.Tq, n, k, alpha,
                                X_AT (b, g * G), x_dtype, ldx,
                                scores_out ? dm.D : c->TKP,
                                Y_AT (b, g), c->act, ldy, 0,
                                0.0, O_AT (b, g * G), out_dtype, ldo,
                                scores_out ? c->TKP : dm.D, G);
    }
#undef X_AT
#undef O_AT
#undef Y_AT
}

/* per (b, g): out_bg (Tk × D, k-like) = Σ_h∈g X_bhᵀ (scores, Tq × Tk) · Y_bh (q-like, Tq × D) */
static void
keys_product (const Ctx *c, const void *x, const void *y, void *out)
{
  const Dims &dm = c->dm;
  size_t es = pt_dtype_size (c->act);
  int G = dm.Hq / dm.Hkv;
  int ld_q = dm.Hq * dm.D, ld_s = dm.Hq * c->TKP, ld_k = dm.Hkv * dm.D;
#define X_AT(b, h) ((const char *) x + s_off (c, b, h) * es)
#define Y_AT(b, h) ((const char *) y + q_off (c, b, h) * es)
#define O_AT(b, g) ((char *) out + k_off (c, b, g) * es)

  if (dm.Hkv == 1)
    /* MQA: the sum over heads is the contraction over the (i, h) rows */
    pt_cuda_gemm_strided (c->self, TRUE, FALSE, dm.Tk, dm.D, dm.Tq * dm.Hq, 1.0,
                          X_AT (c->b0, 0), c->act, c->TKP, (int64_t) dm.Tq * dm.Hq * c->TKP,
                          Y_AT (c->b0, 0), c->act, dm.D, (int64_t) dm.Tq * dm.Hq * dm.D,
                          0.0, O_AT (c->b0, 0), c->act, dm.D, (int64_t) dm.tk_alloc * dm.D, c->nb);
  else if (G == 1)
    for (int h = 0; h < dm.Hq; h++)
      pt_cuda_gemm_strided (c->self, TRUE, FALSE, dm.Tk, dm.D, dm.Tq, 1.0,
                            X_AT (c->b0, h), c->act, ld_s, (int64_t) dm.Tq * dm.Hq * c->TKP,
                            Y_AT (c->b0, h), c->act, ld_q, (int64_t) dm.Tq * dm.Hq * dm.D,
                            0.0, O_AT (c->b0, h), c->act, ld_k,
                            (int64_t) dm.tk_alloc * dm.Hkv * dm.D, c->nb);
  else
    /* GQA: the group's heads accumulate into one output */
    for (int hh = 0; hh < G; hh++)
      for (int g = 0; g < dm.Hkv; g++)
        pt_cuda_gemm_strided (c->self, TRUE, FALSE, dm.Tk, dm.D, dm.Tq, 1.0,
                              X_AT (c->b0, g * G + hh), c->act, ld_s, (int64_t) dm.Tq * dm.Hq * c->TKP,
                              Y_AT (c->b0, g * G + hh), c->act, ld_q, (int64_t) dm.Tq * dm.Hq * dm.D,
                              hh == 0 ? 0.0 : 1.0, O_AT (c->b0, g), c->act, ld_k,
                              (int64_t) dm.tk_alloc * dm.Hkv * dm.D, c->nb);
#undef X_AT
#undef Y_AT
#undef O_AT
}

/* ---- the ops ---------------------------------------------------------------------- */

/* batch rows per chunk for per_row bytes of buffers each; 0: the flash path */
static int
chunk_rows (PtCudaBackend *self, const Dims &dm, size_t per_row)
{
  if (self->attention_path == PT_CUDA_ATTENTION_FLASH)
    return 0;
  if (per_row > ROW_LIMIT && self->attention_path != PT_CUDA_ATTENTION_GEMM)
    return 0;
  return (int) MAX ((size_t) 1, MIN ((size_t) dm.B, SCORE_BUDGET / MAX (per_row, (size_t) 1)));
}

static int
padded (int Tk)
{
  return (Tk + 7) & ~7;   /* 16-byte rows of BF16 for the tensor cores */
}

gboolean
pt_cuda_attention_gemm_forward (PtCudaBackend *self, void *out, void *lse, const void *q,
                                const void *k, const void *v, const Dims &dm, const MaskArgs &mk)
{
  const char *op = "attention_forward";
  PtDType act = self->parent.act_dtype;
  int TKP = padded (dm.Tk);
  size_t rows = (size_t) dm.Tq * dm.Hq, es = pt_dtype_size (act);
  size_t per_row = rows * TKP * (sizeof (float) + es);
  int chunk = chunk_rows (self, dm, per_row);
  char *buf;

  if (chunk == 0)
    return FALSE;
  buf = (char *) pt_cuda_scratch_slot (self, 1, per_row * chunk, op);
  if (buf == NULL)
    return TRUE;   /* the error is latched */
  for (int b0 = 0; b0 < dm.B; b0 += chunk)
    {
      Ctx c = { self, act, dm, TKP, b0, MIN (chunk, dm.B - b0) };
      float *S = (float *) buf;
      void *P = buf + (size_t) c.nb * rows * TKP * sizeof (float);
      int n_rows = c.nb * (int) rows;
      unsigned blocks = (unsigned) ((n_rows + ROW_WARPS - 1) / ROW_WARPS);

      rows_product (&c, TRUE, dm.scale, q, act, k, S, PT_DTYPE_F32);
      if (act == PT_DTYPE_BF16)
        pt_cuda_launch (self, op, softmax_rows_kernel<__nv_bfloat16>, blocks, ROW_WARPS * 32, 0,
                        (__nv_bfloat16 *) P, (float *) lse, S, dm, mk, b0, n_rows, TKP);
      else
        pt_cuda_launch (self, op, softmax_rows_kernel<float>, blocks, ROW_WARPS * 32, 0,
                        (float *) P, (float *) lse, S, dm, mk, b0, n_rows, TKP);
      rows_product (&c, FALSE, 1.0, P, act, v, out, act);
    }
  return TRUE;
}

gboolean
pt_cuda_attention_gemm_backward (PtCudaBackend *self, void *dq, void *dk, void *dv,
                                 const void *dout, const void *out, const void *lse,
                                 const void *q, const void *k, const void *v,
                                 const Dims &dm, const MaskArgs &mk)
{
  const char *op = "attention_backward";
  PtDType act = self->parent.act_dtype;
  int TKP = padded (dm.Tk);
  size_t rows = (size_t) dm.Tq * dm.Hq, es = pt_dtype_size (act);
  size_t per_row = rows * TKP * (2 * sizeof (float) + 2 * es);
  int chunk = chunk_rows (self, dm, per_row);
  float *dsum;
  char *buf;

  if (chunk == 0)
    return FALSE;
  dsum = (float *) pt_cuda_scratch (self, (size_t) dm.B * rows * sizeof (float), op);
  buf = (char *) pt_cuda_scratch_slot (self, 1, per_row * chunk, op);
  if (dsum == NULL || buf == NULL)
    return TRUE;   /* the error is latched */
  pt_cuda_attention_dsum (self, dsum, dout, out, dm);
  for (int b0 = 0; b0 < dm.B; b0 += chunk)
    {
      Ctx c = { self, act, dm, TKP, b0, MIN (chunk, dm.B - b0) };
      size_t n_el = (size_t) c.nb * rows * TKP;
      float *S = (float *) buf, *dP = S + n_el;
      char *P = (char *) (dP + n_el), *dS = P + n_el * es;
      int n_rows = c.nb * (int) rows;
      unsigned blocks = (unsigned) ((n_rows + ROW_WARPS - 1) / ROW_WARPS);

      rows_product (&c, TRUE, dm.scale, q, act, k, S, PT_DTYPE_F32);
      rows_product (&c, TRUE, 1.0, dout, act, v, dP, PT_DTYPE_F32);
      if (act == PT_DTYPE_BF16)
        pt_cuda_launch (self, op, softmax_backward_rows_kernel<__nv_bfloat16>, blocks, ROW_WARPS * 32, 0,
                        (__nv_bfloat16 *) P, (__nv_bfloat16 *) dS, (const float *) S, (const float *) dP,
                        (const float *) lse, (const float *) dsum, dm, mk, b0, n_rows, TKP);
      else
        pt_cuda_launch (self, op, softmax_backward_rows_kernel<float>, blocks, ROW_WARPS * 32, 0,
                        (float *) P, (float *) dS, (const float *) S, (const float *) dP,
                        (const float *) lse, (const float *) dsum, dm, mk, b0, n_rows, TKP);
      rows_product (&c, FALSE, 1.0, dS, act, k, dq, act);
      keys_product (&c, dS, q, dk);
      keys_product (&c, P, dout, dv);
    }
  return TRUE;
}
