/* pt-cpu-bf16.c — the CPU backend with BF16 activations and F32 accumulation.
 *
 * The same dtype pair as the CUDA backend (act BF16, acc F32), so the model
 * code runs unchanged. The rule is the CUDA kernels' one: every kernel loads
 * its BF16 operands as F32, computes in F32 and rounds once when it stores a
 * BF16 result (pt-half.h, round to nearest even). Here that rule is applied
 * around the F32 kernels: an op converts its BF16 operands into F32 scratch
 * (exact), runs the F32 reference kernel on them, and rounds the BF16
 * outputs back. Acc operands (norm weights, statistics, gradients of
 * trainables, optimiser state) are F32 on both sides and go straight
 * through. Ops that only move data (gather, scatter, embedding rows) work
 * on the BF16 words directly, and products of BF16 matrices go to oneDNN
 * on a processor with BF16 units (pt-cpu-gemm.c).
 *
 * The conversions cost two passes over the activations of an op; next to
 * the products of a step (which read every weight) that is small, and it
 * keeps one F32 kernel per op, the one the fixtures check.
 */
#include "config.h"

#include <string.h>         /* memcpy */

#include "pt-half.h"        /* pt_bf16_to_f32, pt_f32_to_bf16 */
#include "pt-cpu-private.h"

/* F32 scratch slot `slot` holding at least n floats; the caller holds
 * bf16_lock. Slots grow and are kept, so a step's ops reuse warm pages. */
static float *
tmp (PtCpuBackend *self,
     int           slot,
     size_t        n)
{
  size_t bytes = MAX (n, 1) * sizeof (float);

  g_assert (slot < PT_CPU_BF16_SLOTS);
  if (self->bf16_tmp_size[slot] < bytes)
    {
      g_free (self->bf16_tmp[slot]);
      self->bf16_tmp[slot] = g_malloc (bytes);
      self->bf16_tmp_size[slot] = bytes;
    }
  return self->bf16_tmp[slot];
}

/* slot = (F32) x[0..n), or NULL when x is NULL */
static float *
load (PtCpuBackend *self,
      int           slot,
      const void   *x,
      size_t        n)
{
  float *t;

  if (x == NULL)
    return NULL;
  t = tmp (self, slot, n);
  pt_cpu_convert (self->f32, t, PT_DTYPE_F32, x, PT_DTYPE_BF16, n);
  return t;
}

/* x[0..n) = (BF16) t */
static void
store (PtCpuBackend *self,
       void         *x,
       const float  *t,
       size_t        n)
{
  if (x != NULL)
    pt_cpu_convert (self->f32, x, PT_DTYPE_BF16, t, PT_DTYPE_F32, n);
}

#define SELF PtCpuBackend *self = (PtCpuBackend *) be; g_mutex_lock (&self->bf16_lock)
#define DONE g_mutex_unlock (&self->bf16_lock)

/* ---- elementwise --------------------------------------------------------- */

PT_CPU_CLONES static void
add_chunk (uint16_t *out, const uint16_t *a, const uint16_t *b, size_t n)
{
#pragma omp simd
  for (size_t i = 0; i < n; i++)
    out[i] = pt_f32_to_bf16 (pt_bf16_to_f32 (a[i]) + pt_bf16_to_f32 (b[i]));
}

static void
bf16_add (PtBackend *be, void *out, const void *a, const void *b, size_t n)
{
  enum { CHUNK = 4096 };

#pragma omp parallel for num_threads (pt_cpu_threads (be, n)) schedule (static)
  for (size_t i = 0; i < n; i += CHUNK)
    add_chunk ((uint16_t *) out + i, (const uint16_t *) a + i, (const uint16_t *) b + i,
               MIN (CHUNK, n - i));
}

static void
bf16_softcap (PtBackend *be, void *x, size_t n, double cap)
{
  SELF;
  float *t = load (self, 0, x, n);
  pt_cpu_softcap (self->f32, t, n, cap);
  store (self, x, t, n);
  DONE;
}

static void
bf16_gelu_forward (PtBackend *be, void *out, const void *inp, size_t n)
{
  SELF;
  float *x = load (self, 0, inp, n), *y = tmp (self, 1, n);
  pt_cpu_gelu_forward (self->f32, y, x, n);
  store (self, out, y, n);
  DONE;
}

static void
bf16_gelu_backward (PtBackend *be, void *dinp, const void *inp, const void *dout, size_t n)
{
  SELF;
  float *x = load (self, 0, inp, n), *dy = load (self, 1, dout, n), *dx = tmp (self, 2, n);
  pt_cpu_gelu_backward (self->f32, dx, x, dy, n);
  store (self, dinp, dx, n);
  DONE;
}

static void
bf16_geglu_forward (PtBackend *be, void *out, const void *gate, const void *up, size_t n)
{
  SELF;
  float *g = load (self, 0, gate, n), *u = load (self, 1, up, n), *y = tmp (self, 2, n);
  pt_cpu_geglu_forward (self->f32, y, g, u, n);
  store (self, out, y, n);
  DONE;
}

static void
bf16_geglu_backward (PtBackend *be, void *dgate, void *dup, const void *dout,
                     const void *gate, const void *up, size_t n)
{
  SELF;
  float *dy = load (self, 0, dout, n), *g = load (self, 1, gate, n), *u = load (self, 2, up, n);
  float *dg = tmp (self, 3, n), *du = tmp (self, 4, n);
  pt_cpu_geglu_backward (self->f32, dg, du, dy, g, u, n);
  store (self, dgate, dg, n);
  store (self, dup, du, n);
  DONE;
}

static void
bf16_dropout (PtBackend *be, void *out, const void *inp, size_t n, double p,
              uint64_t seed, uint64_t offset)
{
  SELF;
  float *x = load (self, 0, inp, n);
  pt_cpu_dropout (self->f32, x, x, n, p, seed, offset);
  store (self, out, x, n);
  DONE;
}

static void
bf16_bias_add (PtBackend *be, void *out, const void *bias, int N, int C)
{
  SELF;
  size_t n = (size_t) N * C;
  float *y = load (self, 0, out, n);
  pt_cpu_bias_add (self->f32, y, bias, N, C);
  store (self, out, y, n);
  DONE;
}

static void
bf16_bias_backward (PtBackend *be, void *dbias, const void *dout, int N, int C)
{
  SELF;
  float *dy = load (self, 0, dout, (size_t) N * C);
  pt_cpu_bias_backward (self->f32, dbias, dy, N, C);
  DONE;
}

/* ---- normalisation -------------------------------------------------------- */

static void
bf16_layernorm_forward (PtBackend *be, void *out, void *mean, void *rstd, const void *inp,
                        const void *weight, const void *bias, int N, int C, double eps)
{
  SELF;
  size_t n = (size_t) N * C;
  float *x = load (self, 0, inp, n), *y = tmp (self, 1, n);
  pt_cpu_layernorm_forward (self->f32, y, mean, rstd, x, weight, bias, N, C, eps);
  store (self, out, y, n);
  DONE;
}

static void
bf16_layernorm_backward (PtBackend *be, void *dinp, void *dweight, void *dbias,
                         const void *dout, const void *inp, const void *weight,
                         const void *mean, const void *rstd, int N, int C)
{
  SELF;
  size_t n = (size_t) N * C;
  float *dx = load (self, 0, dinp, n), *dy = load (self, 1, dout, n), *x = load (self, 2, inp, n);
  pt_cpu_layernorm_backward (self->f32, dx, dweight, dbias, dy, x, weight, mean, rstd, N, C);
  store (self, dinp, dx, n);
  DONE;
}

static void
bf16_rmsnorm_forward (PtBackend *be, void *out, void *rstd, const void *inp,
                      const void *weight, int N, int C, double eps)
{
  SELF;
  size_t n = (size_t) N * C;
  float *x = load (self, 0, inp, n), *y = tmp (self, 1, n);
  pt_cpu_rmsnorm_forward (self->f32, y, rstd, x, weight, N, C, eps);
  store (self, out, y, n);
  DONE;
}

static void
bf16_rmsnorm_backward (PtBackend *be, void *dinp, void *dweight, const void *dout,
                       const void *inp, const void *weight, const void *rstd, int N, int C)
{
  SELF;
  size_t n = (size_t) N * C;
  float *dx = load (self, 0, dinp, n), *dy = load (self, 1, dout, n), *x = load (self, 2, inp, n);
  pt_cpu_rmsnorm_backward (self->f32, dx, dweight, dy, x, weight, rstd, N, C);
  store (self, dinp, dx, n);
  DONE;
}

/* ---- rotary embedding ------------------------------------------------------ */

static void
bf16_rope (PtBackend *be, void *x, int B, int T, int H, int D,
           const int32_t *pos_start, int pos0, double theta, gboolean inverse)
{
  SELF;
  size_t n = (size_t) B * T * H * D;
  float *xf = load (self, 0, x, n);
  pt_cpu_rope (self->f32, xf, B, T, H, D, pos_start, pos0, theta, inverse);
  store (self, x, xf, n);
  DONE;
}

/* ---- attention --------------------------------------------------------------
 * k, v, dk, dv are (B, tk_alloc, Hkv, D) of which the first Tk rows of each
 * batch row are read or written: only those are converted (the rest of a
 * caller's KV cache may be unwritten), into scratch of the same layout. */

static float *
load_kv (PtCpuBackend *self, int slot, const void *x, int B, int Tk, int tk_alloc, int HD)
{
  float *t = tmp (self, slot, (size_t) B * tk_alloc * HD);
  pt_cpu_convert_2d (t, PT_DTYPE_F32, tk_alloc * HD, x, PT_DTYPE_BF16, tk_alloc * HD,
                     B, Tk * HD, self->n_threads);
  return t;
}

static void
store_kv (PtCpuBackend *self, void *x, const float *t, int B, int Tk, int tk_alloc, int HD)
{
  pt_cpu_convert_2d (x, PT_DTYPE_BF16, tk_alloc * HD, t, PT_DTYPE_F32, tk_alloc * HD,
                     B, Tk * HD, self->n_threads);
}

static void
bf16_attention_forward (PtBackend *be, void *out, void *lse, const void *q, const void *k,
                        const void *v, int B, int Tq, int Tk, int tk_alloc, int Hq, int Hkv,
                        int D, double scale, const PtAttnMask *mask)
{
  SELF;
  size_t nq = (size_t) B * Tq * Hq * D;
  float *qf = load (self, 0, q, nq), *of = tmp (self, 1, nq);
  float *kf = load_kv (self, 2, k, B, Tk, tk_alloc, Hkv * D);
  float *vf = load_kv (self, 3, v, B, Tk, tk_alloc, Hkv * D);
  pt_cpu_attention_forward (self->f32, of, lse, qf, kf, vf, B, Tq, Tk, tk_alloc, Hq, Hkv, D,
                            scale, mask);
  store (self, out, of, nq);
  DONE;
}

static void
bf16_attention_backward (PtBackend *be, void *dq, void *dk, void *dv, const void *dout,
                         const void *out, const void *lse, const void *q, const void *k,
                         const void *v, int B, int Tq, int Tk, int tk_alloc, int Hq, int Hkv,
                         int D, double scale, const PtAttnMask *mask)
{
  SELF;
  size_t nq = (size_t) B * Tq * Hq * D, nkv = (size_t) B * tk_alloc * Hkv * D;
  float *dyf = load (self, 0, dout, nq), *of = load (self, 1, out, nq), *qf = load (self, 2, q, nq);
  float *kf = load_kv (self, 3, k, B, Tk, tk_alloc, Hkv * D);
  float *vf = load_kv (self, 4, v, B, Tk, tk_alloc, Hkv * D);
  float *dqf = tmp (self, 5, nq), *dkf = tmp (self, 6, nkv), *dvf = tmp (self, 7, nkv);
  pt_cpu_attention_backward (self->f32, dqf, dkf, dvf, dyf, of, lse, qf, kf, vf, B, Tq, Tk,
                             tk_alloc, Hq, Hkv, D, scale, mask);
  store (self, dq, dqf, nq);
  store_kv (self, dk, dkf, B, Tk, tk_alloc, Hkv * D);
  store_kv (self, dv, dvf, B, Tk, tk_alloc, Hkv * D);
  DONE;
}

/* ---- embeddings and row moves ------------------------------------------------ */

/* As the CUDA kernel: out = (BF16) table[id] · (BF16) scale, the product
 * rounded once. */
static void
bf16_embedding_forward (PtBackend *be, void *out, const int32_t *ids, const void *table,
                        PtDType table_dtype, int N, int C, int V, double scale)
{
  size_t ts = pt_dtype_size (table_dtype);
  float s = pt_bf16_to_f32 (pt_f32_to_bf16 ((float) scale));

#pragma omp parallel for num_threads (pt_cpu_threads (be, (size_t) N * C)) schedule (static)
  for (int r = 0; r < N; r++)
    {
      uint16_t *y = (uint16_t *) out + (size_t) r * C;
      int id = ids[r];

      if (id < 0 || id >= V)
        {
          memset (y, 0, (size_t) C * sizeof *y);
          continue;
        }
      pt_cpu_convert_range (y, PT_DTYPE_BF16, (const char *) table + (size_t) id * C * ts,
                            table_dtype, C);
      if (s != 1.0f)
        for (int c = 0; c < C; c++)
          y[c] = pt_f32_to_bf16 (pt_bf16_to_f32 (y[c]) * s);
    }
}

static void
bf16_embedding_backward (PtBackend *be, void *dtable, const void *dout, const int32_t *ids,
                         int N, int C, int V, double scale)
{
  SELF;
  float *dy = load (self, 0, dout, (size_t) N * C);
  pt_cpu_embedding_backward (self->f32, dtable, dy, ids, N, C, V, scale);
  DONE;
}

static void
bf16_gather_rows (PtBackend *be, void *out, const void *src, const int32_t *idx, int M, int C)
{
#pragma omp parallel for num_threads (pt_cpu_threads (be, (size_t) M * C)) schedule (static)
  for (int r = 0; r < M; r++)
    memcpy ((uint16_t *) out + (size_t) r * C, (const uint16_t *) src + (size_t) idx[r] * C,
            C * sizeof (uint16_t));
}

/* Rows in order within each column chunk (as the F32 kernel): with repeated
 * indices the last row wins, or each adds in turn, rounded after each add
 * as a serial loop over a BF16 tensor would. */
static void
bf16_scatter_rows (PtBackend *be, void *dst, const void *src, const int32_t *idx, int M, int C,
                   gboolean accumulate)
{
  enum { CHUNK = 256 };
  int n_chunks = (C + CHUNK - 1) / CHUNK;

#pragma omp parallel for num_threads (MIN (pt_cpu_threads (be, (size_t) M * C), n_chunks)) \
  schedule (static)
  for (int chunk = 0; chunk < n_chunks; chunk++)
    {
      int c0 = chunk * CHUNK, width = MIN (CHUNK, C - c0);
      for (int r = 0; r < M; r++)
        {
          uint16_t *d = (uint16_t *) dst + (size_t) idx[r] * C + c0;
          const uint16_t *s = (const uint16_t *) src + (size_t) r * C + c0;
          if (accumulate)
            for (int c = 0; c < width; c++)
              d[c] = pt_f32_to_bf16 (pt_bf16_to_f32 (d[c]) + pt_bf16_to_f32 (s[c]));
          else
            memcpy (d, s, width * sizeof *d);
        }
    }
}

static void
bf16_im2col (PtBackend *be, void *out, const void *pixels, int B, int Cin, int H, int W, int P)
{
  SELF;
  size_t np = (size_t) B * Cin * H * W, no = (size_t) B * (H / P) * (W / P) * Cin * P * P;
  float *x = load (self, 0, pixels, np), *y = tmp (self, 1, no);
  pt_cpu_im2col (self->f32, y, x, B, Cin, H, W, P);
  store (self, out, y, no);
  DONE;
}

/* ---- loss -------------------------------------------------------------------- */

static void
bf16_cross_entropy (PtBackend *be, void *losses, void *dlogits, const void *logits,
                    const int32_t *targets, int M, int V, double grad_scale, double softcap)
{
  SELF;
  size_t n = (size_t) M * V;
  float *x = load (self, 0, logits, n);
  /* dlogits may alias logits: the F32 kernel allows that in place */
  pt_cpu_cross_entropy (self->f32, losses, dlogits != NULL ? x : NULL, x, targets, M, V,
                        grad_scale, softcap);
  if (dlogits != NULL)
    store (self, dlogits, x, n);
  DONE;
}

static void
bf16_argmax (PtBackend *be, int32_t *out, const void *logits, int M, int V)
{
  SELF;
  float *x = load (self, 0, logits, (size_t) M * V);
  pt_cpu_argmax (self->f32, out, x, M, V);
  DONE;
}

/* The memory ops, and those whose operands carry their dtype or are acc
 * (convert, products, scale, sum of squares, AdamW, NF4), are the F32
 * backend's; pt-cpu-backend.c fills them in. */
void
pt_cpu_bf16_ops_init (PtBackendOps *ops)
{
  ops->name = "cpu";
  ops->add = bf16_add;
  ops->gelu_forward = bf16_gelu_forward;
  ops->gelu_backward = bf16_gelu_backward;
  ops->geglu_forward = bf16_geglu_forward;
  ops->geglu_backward = bf16_geglu_backward;
  ops->dropout = bf16_dropout;
  ops->softcap = bf16_softcap;
  ops->bias_add = bf16_bias_add;
  ops->bias_backward = bf16_bias_backward;
  ops->layernorm_forward = bf16_layernorm_forward;
  ops->layernorm_backward = bf16_layernorm_backward;
  ops->rmsnorm_forward = bf16_rmsnorm_forward;
  ops->rmsnorm_backward = bf16_rmsnorm_backward;
  ops->rope = bf16_rope;
  ops->attention_forward = bf16_attention_forward;
  ops->attention_backward = bf16_attention_backward;
  ops->embedding_forward = bf16_embedding_forward;
  ops->embedding_backward = bf16_embedding_backward;
  ops->gather_rows = bf16_gather_rows;
  ops->scatter_rows = bf16_scatter_rows;
  ops->im2col = bf16_im2col;
  ops->cross_entropy = bf16_cross_entropy;
  ops->argmax = bf16_argmax;
}

void
pt_cpu_bf16_scratch_free (PtCpuBackend *self)
{
  for (int i = 0; i < PT_CPU_BF16_SLOTS; i++)
    {
      g_clear_pointer (&self->bf16_tmp[i], g_free);
      self->bf16_tmp_size[i] = 0;
    }
}
