/* pt-cuda-attention.h — shared by the two attention paths of the CUDA
 * backend: the mask and shape arguments the kernels take by value. */
#pragma once

#include "pt-cuda-private.h"

typedef struct {
  int32_t key_start[PT_MAX_BATCH];
  int32_t key_end[PT_MAX_BATCH];
  int32_t prefix_end[PT_MAX_BATCH];
  int     causal;
  int     q_offset;
  int     window;             /* sliding window in keys, 0 = none */
  float   softcap;            /* attention logit softcap, 0 = none */
  int     all_visible;        /* NULL PtAttnMask: every key is visible (no window, no softcap) */
} MaskArgs;

typedef struct {
  int B, Tq, Tk, tk_alloc, Hq, Hkv, D;
  float scale;
} Dims;

/* padded row stride for tiles read one row per lane: odd, so the 32 rows a
 * warp reads fall into 32 different banks */
static __host__ __device__ __forceinline__ int
odd_stride (int D)
{
  return D | 1;
}

/* key j visible to query row i of batch row b (pt-backend.h PtAttnMask):
 * a query past the prefix sees only the `window` latest keys */
static __device__ __forceinline__ bool
visible (const MaskArgs &mk, int b, int i, int j)
{
  int qp = mk.q_offset + i;

  if (mk.all_visible)
    return true;
  return j >= mk.key_start[b] && j < mk.key_end[b]
         && (j < mk.prefix_end[b] || (mk.causal && j <= qp))
         && (mk.window <= 0 || qp < mk.prefix_end[b] || j > qp - mk.window);
}

/* the keys query row i of batch row b sees, as [*lo, *hi) (empty when
 * *lo >= *hi): visible() is an interval, as in the CPU backend's
 * attn_visible, since both alternatives are prefixes of the keys and the
 * window only raises the lower end */
static __device__ __forceinline__ void
visible_range (const MaskArgs &mk, int b, int i, int Tk, int *lo, int *hi)
{
  int qp = mk.q_offset + i;

  if (mk.all_visible)
    {
      *lo = 0;
      *hi = Tk;
      return;
    }
  *lo = pt_imax (mk.key_start[b], 0);
  if (mk.window > 0 && qp >= mk.prefix_end[b])
    *lo = pt_imax (*lo, qp - mk.window + 1);
  *hi = pt_imin (pt_imin (mk.key_end[b], Tk),
                 mk.causal ? pt_imax (mk.prefix_end[b], qp + 1) : mk.prefix_end[b]);
}

/* s = cap · tanh(s / cap) on a scaled score, torch's order (the CPU
 * backend's too); cap 0: s */
static __device__ __forceinline__ float
soft_cap (float s, float cap)
{
  return cap > 0.0f ? tanhf (s / cap) * cap : s;
}

/* d soft_cap / ds = 1 - (capped / cap)², from the capped score; 1 without a cap */
static __device__ __forceinline__ float
soft_cap_grad (float capped, float cap)
{
  float t = capped / cap;
  return cap > 0.0f ? 1.0f - t * t : 1.0f;
}

/* checks the shapes (latching an error for unsupported ones) and fills dm
 * and mk; FALSE: nothing to do or unsupported */
gboolean pt_cuda_attention_prepare (PtCudaBackend *self, const char *op, int B, int Tq, int Tk,
                                    int tk_alloc, int Hq, int Hkv, int D, double scale,
                                    const PtAttnMask *mask, Dims *dm, MaskArgs *mk);
/* dsum (B, Hq, Tq) = Σ_d dout·out */
void     pt_cuda_attention_dsum    (PtCudaBackend *self, float *dsum, const void *dout,
                                    const void *out, const Dims &dm);
/* the cuBLAS path; FALSE when it does not apply (the flash kernels run instead) */
gboolean pt_cuda_attention_gemm_forward  (PtCudaBackend *self, void *out, void *lse, const void *q,
                                          const void *k, const void *v, const Dims &dm,
                                          const MaskArgs &mk);
gboolean pt_cuda_attention_gemm_backward (PtCudaBackend *self, void *dq, void *dk, void *dv,
                                          const void *dout, const void *out, const void *lse,
                                          const void *q, const void *k, const void *v,
                                          const Dims &dm, const MaskArgs &mk);
