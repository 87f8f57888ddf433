/* pt-cpu-private.h — the CPU backend's state, shared by its op files.
 *
 * Each op family lives in its own file (pt-cpu-gemm.c, pt-cpu-norm.c, …).
 * A family whose kernels run in the activation dtype writes them once in a
 * `.inc.c` file that its `.c` includes twice, with `real` = float and with
 * `real` = double; the entry points declared here pick one by act_dtype
 * (for F32 and F64, acc_dtype == act_dtype). The BF16 backend (act BF16,
 * acc F32, pt-cpu-bf16.c) runs the F32 kernels on converted operands.
 */
#pragma once

#include <string.h>         /* memcpy */

#include "pt-backend.h"

G_BEGIN_DECLS

enum { PT_CPU_BF16_SLOTS = 8 };

typedef struct {
  PtBackend parent;
  GMutex    lock;          /* guards parent.in_use / peak */
  int       n_threads;
  GMutex    scratch_lock;  /* guards the GEMM conversion scratch */
  void     *scratch[3];    /* A, B, C operands converted to the compute dtype */
  size_t    scratch_size[3];
  guint64   memory_limit;  /* bytes alloc may hand out, 0: no limit */
  /* BF16 backend only: */
  PtBackend *f32;          /* an F32 backend whose kernels do the arithmetic */
  GMutex    bf16_lock;     /* guards bf16_tmp */
  void     *bf16_tmp[PT_CPU_BF16_SLOTS];   /* F32 copies of an op's BF16 operands */
  size_t    bf16_tmp_size[PT_CPU_BF16_SLOTS];
  void     *dnnl;          /* oneDNN engine and stream (pt-cpu-gemm.c), or NULL */
  gboolean  bf16_native;   /* BF16 products go to oneDNN (pt_cpu_gemm_bf16_native) */
} PtCpuBackend;

/* Threads for a loop over `work` units (about one simple float operation
 * each): 1 below ~30 µs of work, where waking the team costs as much as it
 * saves (and, on a machine whose cores are all busy, far more: a thread
 * spinning at a barrier can take the core from the one it waits for; run
 * with OMP_WAIT_POLICY=passive there). */
static inline int
pt_cpu_threads (PtBackend *be,
                size_t     work)
{
  return work < 65536 ? 1 : ((PtCpuBackend *) be)->n_threads;
}

/* Hot kernels are compiled three times — AVX-512, AVX2 and the baseline
 * (SSE2) — and the loader picks one for the processor (GCC ifunc). Kernels
 * marked so must not depend on the vector width for their rounding: no
 * `omp simd reduction`, sums in a fixed order (the engine builds with
 * -ffp-contract=off, so no clone fuses a·b + c either). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PT_CPU_CLONES __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PT_CPU_CLONES
#endif

/* exp(x) in float with plain arithmetic, so that `omp simd` loops vectorise
 * it (glibc's expf is a scalar call): x = n·ln2 + r with |r| ≤ ln2/2, e^r
 * by Cephes' expf polynomial (relative error below 2 ulp), times 2^n built
 * in the exponent bits. The argument is clamped to [-87, 88], so the
 * result is never 0 or inf (1.6e-38 … 1.7e38); NaN stays NaN. Every lane
 * computes the same bits as the scalar code. */
static inline float
pt_cpu_expf (float x)
{
  const float shifter = 12582912.0f;   /* 1.5·2^23: adding it rounds to an integer */
  float xc = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
  float t = xc * 1.44269504088896341f + shifter;
  float n = t - shifter;
  float r = xc - n * 0.693359375f;     /* exact: ln2_hi has 9 significant bits */
  float p, e, scale;
  uint32_t bits;

  r = r - n * -2.12194440e-4f;         /* ln2_lo */
  p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  e = p * r * r + r + 1.0f;
  memcpy (&bits, &t, sizeof bits);     /* t's low mantissa bits hold n + 2^22 */
  bits = (bits - 0x4B400000u + 127u) << 23;
  memcpy (&scale, &bits, sizeof scale);
  return e * scale;
}

static inline gboolean
pt_cpu_f64 (PtBackend *be)
{
  return be->act_dtype == PT_DTYPE_F64;
}

/* Calls name_f64 (…) or name_f32 (…) by the backend's act dtype. */
#define PT_CPU_DISPATCH(be, name, ...) \
  (pt_cpu_f64 (be) ? name##_f64 (__VA_ARGS__) : name##_f32 (__VA_ARGS__))

/* Conversions (pt-cpu-convert.c) */
void pt_cpu_convert (PtBackend *be, void *dst, PtDType dst_dtype,
                     const void *src, PtDType src_dtype, size_t n);
/* dst[0..n) = src[0..n), single-threaded */
void pt_cpu_convert_range (void *dst, PtDType dst_dtype, const void *src, PtDType src_dtype, size_t n);
/* dst (rows, cols), rows ld_dst apart = src (rows, cols), rows ld_src apart */
void pt_cpu_convert_2d (void *dst, PtDType dst_dtype, int ld_dst,
                        const void *src, PtDType src_dtype, int ld_src,
                        int rows, int cols, int n_threads);
double pt_cpu_load (const void *src, PtDType dtype, size_t i);
void   pt_cpu_store (void *dst, PtDType dtype, size_t i, double value);
void   pt_cpu_scratch_free (PtCpuBackend *self);

/* The BF16 backend (pt-cpu-bf16.c): sets the ops that take BF16 activations */
void pt_cpu_bf16_ops_init (PtBackendOps *ops);
void pt_cpu_bf16_scratch_free (PtCpuBackend *self);

/* GEMM (pt-cpu-gemm.c) */
/* TRUE when products of BF16 matrices go to oneDNN (BF16 units and oneDNN) */
gboolean pt_cpu_gemm_bf16_native (PtCpuBackend *self);
void     pt_cpu_gemm_free (PtCpuBackend *self);
void pt_cpu_gemm (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k,
                  double alpha, const void *a, PtDType a_dtype, int lda,
                  const void *b, PtDType b_dtype, int ldb,
                  double beta, void *c, PtDType c_dtype, int ldc);
void pt_cpu_gemm_batched (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k,
                          double alpha, const void *a, PtDType a_dtype, int lda, int64_t stride_a,
                          const void *b, PtDType b_dtype, int ldb, int64_t stride_b,
                          double beta, void *c, PtDType c_dtype, int ldc, int64_t stride_c,
                          int batch);

/* Elementwise and bias (pt-cpu-elementwise.c) */
void pt_cpu_add (PtBackend *be, void *out, const void *a, const void *b, size_t n);
void pt_cpu_scale (PtBackend *be, void *x, PtDType dtype, size_t n, double alpha);
void pt_cpu_softcap (PtBackend *be, void *x, size_t n, double cap);
void pt_cpu_gelu_forward (PtBackend *be, void *out, const void *inp, size_t n);
void pt_cpu_gelu_backward (PtBackend *be, void *dinp, const void *inp, const void *dout, size_t n);
void pt_cpu_geglu_forward (PtBackend *be, void *out, const void *gate, const void *up, size_t n);
void pt_cpu_geglu_backward (PtBackend *be, void *dgate, void *dup, const void *dout,
                            const void *gate, const void *up, size_t n);
void pt_cpu_dropout (PtBackend *be, void *out, const void *inp, size_t n, double p,
                     uint64_t seed, uint64_t offset);
void pt_cpu_bias_add (PtBackend *be, void *out, const void *bias, int N, int C);
void pt_cpu_bias_backward (PtBackend *be, void *dbias, const void *dout, int N, int C);

/* Normalisation (pt-cpu-norm.c) */
void pt_cpu_layernorm_forward (PtBackend *be, void *out, void *mean, void *rstd,
                               const void *inp, const void *weight, const void *bias,
                               int N, int C, double eps);
void pt_cpu_layernorm_backward (PtBackend *be, void *dinp, void *dweight, void *dbias,
                                const void *dout, const void *inp, const void *weight,
                                const void *mean, const void *rstd, int N, int C);
void pt_cpu_rmsnorm_forward (PtBackend *be, void *out, void *rstd, const void *inp,
                             const void *weight, int N, int C, double eps);
void pt_cpu_rmsnorm_backward (PtBackend *be, void *dinp, void *dweight, const void *dout,
                              const void *inp, const void *weight, const void *rstd, int N, int C);

/* Rotary embedding (pt-cpu-rope.c) */
void pt_cpu_rope (PtBackend *be, void *x, int B, int T, int H, int D,
                  const int32_t *pos_start, int pos0, double theta, gboolean inverse);

/* Attention (pt-cpu-attention.c) */
void pt_cpu_attention_forward (PtBackend *be, void *out, void *lse, const void *q,
                               const void *k, const void *v, int B, int Tq, int Tk, int tk_alloc,
                               int Hq, int Hkv, int D, double scale, const PtAttnMask *mask);
void pt_cpu_attention_backward (PtBackend *be, void *dq, void *dk, void *dv, const void *dout,
                                const void *out, const void *lse, const void *q, const void *k,
                                const void *v, int B, int Tq, int Tk, int tk_alloc,
                                int Hq, int Hkv, int D, double scale, const PtAttnMask *mask);

/* Embeddings and row moves (pt-cpu-embed.c) */
void pt_cpu_embedding_forward (PtBackend *be, void *out, const int32_t *ids, const void *table,
                               PtDType table_dtype, int N, int C, int V, double scale);
void pt_cpu_embedding_backward (PtBackend *be, void *dtable, const void *dout, const int32_t *ids,
                                int N, int C, int V, double scale);
void pt_cpu_gather_rows (PtBackend *be, void *out, const void *src, const int32_t *idx, int M, int C);
void pt_cpu_scatter_rows (PtBackend *be, void *dst, const void *src, const int32_t *idx, int M, int C,
                          gboolean accumulate);
void pt_cpu_im2col (PtBackend *be, void *out, const void *pixels, int B, int Cin, int H, int W, int P);

/* Loss (pt-cpu-loss.c) */
void pt_cpu_cross_entropy (PtBackend *be, void *losses, void *dlogits, const void *logits,
                           const int32_t *targets, int M, int V, double grad_scale, double softcap);
void pt_cpu_argmax (PtBackend *be, int32_t *out, const void *logits, int M, int V);

/* Optimiser and reductions (pt-cpu-optim.c) */
void pt_cpu_sum_squares (PtBackend *be, void *out, const void *x, PtDType dtype, size_t n);
void pt_cpu_adamw (PtBackend *be, void *param, const void *grad, void *m, void *v, size_t n,
                   double lr, double beta1, double beta2, double eps, double weight_decay,
                   int step, double grad_scale, void *param_copy, PtDType copy_dtype);

/* Quantisation (pt-cpu-nf4.c) */
void pt_cpu_nf4_dequantize (PtBackend *be, void *out, PtDType out_dtype, const uint8_t *packed,
                            const float *absmax, size_t n);

G_END_DECLS
