/* pt-backend.h — the table of operations every compute backend implements.
 *
 * The model (pt-model.c) is written once against this table; the CPU backend
 * (engine/cpu/) is the readable reference, the CUDA backend (gpu/) the fast
 * one. Every op has the same meaning on every backend; tests/engine/test-ops.c
 * runs each op case on the CPU reference and on every other backend.
 *
 * Conventions
 * - Tensors are raw pointers into backend memory (host memory on the CPU
 *   backend, device memory on CUDA), row-major and contiguous unless a
 *   stride is given. Shapes are in comments: (B, T, C).
 * - Two dtypes per backend:
 *     act_dtype  activations and their gradients      (CPU: F32, or F64 for
 *                                                       gradient checks; CUDA: BF16)
 *     acc_dtype  "vectors": norm weights, biases, LoRA and master weights,
 *                gradients of trainables, optimiser state, statistics
 *                (mean, rstd, lse, losses)             (CPU: = act_dtype; CUDA: F32)
 *   An argument documented as "act" or "acc" is in that dtype; large weight
 *   matrices carry an explicit PtDType.
 * - Parameter gradients accumulate (+=); activation gradients assign (=),
 *   except the two norms, whose dinp accumulates into the residual stream
 *   (llm.c). Each op says which.
 * - Per-token index arrays (ids, targets, rows) live in backend memory
 *   (upload them). Per-batch-row descriptors of length B (PtAttnMask,
 *   rope positions) are host arrays; B <= PT_MAX_BATCH.
 * - Ops are asynchronous on devices with streams: they are ordered on the
 *   backend's one compute stream. upload/download are ordered on the same
 *   stream; download returns when the data is on the host. Device errors are
 *   latched and reported by check().
 * - Ops never abort on bad sizes from users: the model validates shapes before
 *   calling. An op a backend lacks is NULL in the table ("not supported").
 */
#pragma once

#include <stddef.h>  /* size_t */
#include <stdint.h>  /* int32_t, int64_t, uint8_t, uint64_t */
#include <glib.h>    /* gboolean, GError */

G_BEGIN_DECLS

#define PT_MAX_BATCH 256

typedef enum {
  PT_DTYPE_F32 = 0,
  PT_DTYPE_F64,
  PT_DTYPE_BF16,
  PT_DTYPE_F16,
  PT_DTYPE_U8,
  PT_DTYPE_I32,
  PT_N_DTYPES
} PtDType;

size_t      pt_dtype_size (PtDType dtype);
const char *pt_dtype_name (PtDType dtype);   /* "F32", "BF16", … as in safetensors */

/* Prefix-LM attention visibility, per batch row b (host arrays of length B):
 * key j is visible to query row i (at key position qp = q_offset + i) iff
 *   key_start[b] <= j < key_end[b]  and  (j < prefix_end[b]  or  (causal and j <= qp))
 *   and  (window <= 0  or  qp < prefix_end[b]  or  j > qp - window).
 * NULL arrays mean: key_start 0, key_end Tk, prefix_end 0. SigLIP uses a
 * NULL mask (everything visible). Training with right padding: key_start 0,
 * key_end = valid length, prefix_end = image + prefix tokens, causal 1.
 *
 * window is Gemma 2's sliding window on the layers that have one, combined
 * with the prefix-LM mask as transformers 5.x combines them (masking_utils:
 * sliding-window causal OR the image + prefix block, AND padding): a query
 * inside the prefix sees the whole prefix however long; a suffix query sees
 * the `window` latest keys, itself included.
 *
 * softcap > 0 caps the scaled scores before the mask and the softmax,
 * s = softcap · tanh(q·kᵀ · scale / softcap) (Gemma 2's
 * attn_logit_softcapping); lse is then of the capped scores. The mask
 * struct carries it so that one attention op serves every decoder family. */
typedef struct {
  const int32_t *key_start;   /* (B) */
  const int32_t *key_end;     /* (B) */
  const int32_t *prefix_end;  /* (B) */
  int            causal;
  int            q_offset;
  int            window;      /* sliding window in keys, 0 = none */
  double         softcap;     /* attention logit softcap, 0 = none */
} PtAttnMask;

typedef struct _PtBackend PtBackend;

typedef struct {
  const char *name;   /* "cpu", "cuda" */

  /* ---- memory and transfers ------------------------------------------- */
  void    *(*alloc)       (PtBackend *be, size_t bytes, GError **error);
  void     (*free)        (PtBackend *be, void *ptr);
  void    *(*host_alloc)  (PtBackend *be, size_t bytes, GError **error);  /* pinned on CUDA */
  void     (*host_free)   (PtBackend *be, void *ptr);
  void     (*zero)        (PtBackend *be, void *ptr, size_t bytes);
  void     (*upload)      (PtBackend *be, void *dst, const void *host_src, size_t bytes);
  void     (*download)    (PtBackend *be, void *host_dst, const void *src, size_t bytes);
  void     (*copy)        (PtBackend *be, void *dst, const void *src, size_t bytes);
  void     (*synchronize) (PtBackend *be);
  gboolean (*check)       (PtBackend *be, GError **error);   /* latched device errors */
  /* dst[i] = (dst_dtype) src[i], i < n; float dtypes and I32. As torch:
   * narrowing rounds to nearest even (F64 → BF16/F16 through F32), NaN → the
   * quiet NaN; float → I32 truncates toward zero, saturating, NaN → 0. */
  void     (*convert)     (PtBackend *be, void *dst, PtDType dst_dtype,
                           const void *src, PtDType src_dtype, size_t n);

  /* ---- matrix products ---------------------------------------------------
   * Row-major: C(m,n) = alpha * op(A)(m,k) · op(B)(k,n) + beta * C, where
   * op(X) = Xᵀ when trans_x. lda/ldb/ldc are row strides in elements.
   * Accumulation is fp32, or f64 when any operand is F64 (the CPU's
   * gradient-check backend mixes F64 activations with F32/BF16 weights).
   * beta == 0 does not read C (BLAS). */
  void (*gemm) (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k,
                double alpha, const void *a, PtDType a_dtype, int lda,
                const void *b, PtDType b_dtype, int ldb,
                double beta, void *c, PtDType c_dtype, int ldc);
  /* batch independent products, matrix i at a + i*stride_a (elements) */
  void (*gemm_batched) (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k,
                        double alpha, const void *a, PtDType a_dtype, int lda, int64_t stride_a,
                        const void *b, PtDType b_dtype, int ldb, int64_t stride_b,
                        double beta, void *c, PtDType c_dtype, int ldc, int64_t stride_c,
                        int batch);

  /* ---- elementwise (act) ------------------------------------------------ */
  void (*add)           (PtBackend *be, void *out, const void *a, const void *b, size_t n); /* out = a + b; out may alias a or b */
  void (*scale)         (PtBackend *be, void *x, PtDType dtype, size_t n, double alpha);    /* x *= alpha */
  void (*gelu_forward)  (PtBackend *be, void *out, const void *inp, size_t n);              /* tanh approximation */
  void (*gelu_backward) (PtBackend *be, void *dinp, const void *inp, const void *dout, size_t n); /* dinp = */
  /* out = gelu(gate) * up                          (N, I) each */
  void (*geglu_forward)  (PtBackend *be, void *out, const void *gate, const void *up, size_t n);
  void (*geglu_backward) (PtBackend *be, void *dgate, void *dup, const void *dout,
                          const void *gate, const void *up, size_t n);                      /* dgate =, dup = */
  /* x = cap · tanh(x / cap), in place (Gemma 2's final_logit_softcapping;
   * its backward is part of cross_entropy) */
  void (*softcap) (PtBackend *be, void *x, size_t n, double cap);
  /* out = inp * keep / (1 - p), keep_i = pt_rng_uniform (seed, offset + i) >= p.
   * Its own backward: apply to dout with the same seed and offset. out may alias inp. */
  void (*dropout) (PtBackend *be, void *out, const void *inp, size_t n, double p,
                   uint64_t seed, uint64_t offset);

  /* ---- bias (acc vector over act rows) ---------------------------------- */
  void (*bias_add)      (PtBackend *be, void *out, const void *bias, int N, int C);  /* out(N,C) += bias(C) */
  void (*bias_backward) (PtBackend *be, void *dbias, const void *dout, int N, int C); /* dbias(C) += Σ_rows dout */

  /* ---- normalisation ---------------------------------------------------- */
  /* LayerNorm (SigLIP): out = (x - mean) * rstd * w + b.
   * out (N,C) act, mean (N) acc, rstd (N) acc, inp (N,C) act, weight (C) acc, bias (C) acc */
  void (*layernorm_forward)  (PtBackend *be, void *out, void *mean, void *rstd,
                              const void *inp, const void *weight, const void *bias,
                              int N, int C, double eps);
  /* dinp (N,C) +=, dweight (C) += or NULL, dbias (C) += or NULL */
  void (*layernorm_backward) (PtBackend *be, void *dinp, void *dweight, void *dbias,
                              const void *dout, const void *inp, const void *weight,
                              const void *mean, const void *rstd, int N, int C);
  /* RMSNorm (Gemma): out = x * rstd * (1 + w), computed in acc precision, one
   * cast at the end. out (N,C) act, rstd (N) acc, weight (C) acc */
  void (*rmsnorm_forward)  (PtBackend *be, void *out, void *rstd, const void *inp,
                            const void *weight, int N, int C, double eps);
  /* dinp (N,C) +=, dweight (C) += or NULL */
  void (*rmsnorm_backward) (PtBackend *be, void *dinp, void *dweight, const void *dout,
                            const void *inp, const void *weight, const void *rstd, int N, int C);

  /* ---- rotary embedding (half-split, NeoX style), in place ---------------
   * x (B, T, H, D) act. Row b, token t has position pos_start[b] + t
   * (pos_start NULL: pos0 + t). inv_freq_j = theta^(-2j/D); angles in fp32
   * (as HF; in f64 on an F64 backend). inverse rotates by the negative angle
   * (the backward of the forward). */
  void (*rope) (PtBackend *be, void *x, int B, int T, int H, int D,
                const int32_t *pos_start, int pos0, double theta, gboolean inverse);

  /* ---- attention -----------------------------------------------------------
   * out (B, Tq, Hq, D) act, lse (B, Hq, Tq) acc (log-sum-exp of the scaled,
   * masked scores, for the backward), q (B, Tq, Hq, D) act,
   * k, v (B, tk_alloc, Hkv, D) act (only the first Tk rows are read).
   * Hq % Hkv == 0 (MQA/GQA: query head h reads kv head h / (Hq/Hkv)).
   * softmax(q·kᵀ * scale + mask) · v, softmax in acc precision. A query row
   * that sees no key gets zeros, lse -inf, and zero gradients. key_start and
   * key_end are clamped to [0, Tk]. */
  void (*attention_forward) (PtBackend *be, void *out, void *lse, const void *q,
                             const void *k, const void *v, int B, int Tq, int Tk, int tk_alloc,
                             int Hq, int Hkv, int D, double scale, const PtAttnMask *mask);
  /* dq (B,Tq,Hq,D) =, dk, dv (B,tk_alloc,Hkv,D) = (first Tk rows) */
  void (*attention_backward) (PtBackend *be, void *dq, void *dk, void *dv, const void *dout,
                              const void *out, const void *lse, const void *q, const void *k,
                              const void *v, int B, int Tq, int Tk, int tk_alloc,
                              int Hq, int Hkv, int D, double scale, const PtAttnMask *mask);

  /* ---- embeddings and row moves ------------------------------------------ */
  /* out (N,C) act = (act) table[ids[i]] * (act) scale; ids out of [0,V) give zeros.
   * table (V,C) in table_dtype, ids (N) int32 */
  void (*embedding_forward)  (PtBackend *be, void *out, const int32_t *ids, const void *table,
                              PtDType table_dtype, int N, int C, int V, double scale);
  /* dtable (V,C) acc += dout * scale at rows ids */
  void (*embedding_backward) (PtBackend *be, void *dtable, const void *dout, const int32_t *ids,
                              int N, int C, int V, double scale);
  /* out (M,C) = src (N,C) rows idx (M) */
  void (*gather_rows)  (PtBackend *be, void *out, const void *src, const int32_t *idx, int M, int C);
  /* dst (N,C) rows idx (M) = src (M,C), or += when accumulate (repeated
   * rows add up; when assigning, which of them lands is unspecified) */
  void (*scatter_rows) (PtBackend *be, void *dst, const void *src, const int32_t *idx, int M, int C,
                        gboolean accumulate);
  /* SigLIP patches: out (B, (H/P)*(W/P), Cin*P*P) act from pixels (B, Cin, H, W) act;
   * patch index row-major, features ordered (c, py, px) as Conv2d weights flatten */
  void (*im2col) (PtBackend *be, void *out, const void *pixels, int B, int Cin, int H, int W, int P);

  /* ---- loss ---------------------------------------------------------------
   * Fused cross-entropy over M selected rows: losses (M) acc = lse(logits) -
   * logits[target]; when dlogits is not NULL it receives
   * (softmax - onehot) * grad_scale (act; may alias logits). Computed in acc
   * precision. targets (M) int32; a target outside [0,V) gives loss 0, grad 0.
   * softcap > 0: the logits are capped ones, y = softcap · tanh(x / softcap)
   * (softcap op below), and dlogits is the gradient with respect to the
   * uncapped x: (softmax - onehot) * grad_scale * (1 - (y / softcap)²). */
  void (*cross_entropy) (PtBackend *be, void *losses, void *dlogits, const void *logits,
                         const int32_t *targets, int M, int V, double grad_scale, double softcap);
  /* argmax over rows: out (M) int32, the first index of the maximum; a NaN
   * counts as the maximum (as torch) */
  void (*argmax) (PtBackend *be, int32_t *out, const void *logits, int M, int V);

  /* ---- optimiser and reductions (acc) ------------------------------------ */
  /* out[0] += Σ x_i², x in dtype, out acc scalar */
  void (*sum_squares) (PtBackend *be, void *out, const void *x, PtDType dtype, size_t n);
  /* AdamW with PyTorch semantics (decoupled decay, bias correction, step >= 1):
   *   p *= 1 - lr·wd;  m = b1·m + (1-b1)·g;  v = b2·v + (1-b2)·g²   (g = grad·grad_scale)
   *   p -= lr/(1-b1^t) · m / (sqrt(v)/sqrt(1-b2^t) + eps)
   * param, grad, m, v (n) acc; param_copy (n) in copy_dtype, or NULL, receives
   * the updated param (the working copy of a master weight). */
  void (*adamw) (PtBackend *be, void *param, const void *grad, void *m, void *v, size_t n,
                 double lr, double beta1, double beta2, double eps, double weight_decay,
                 int step, double grad_scale, void *param_copy, PtDType copy_dtype);

  /* ---- quantisation ------------------------------------------------------- */
  /* bitsandbytes NF4: out (n) in out_dtype = nf4_code[idx] * absmax[i/64];
   * packed ((n+1)/2) u8, first element in the high nibble; absmax (n/64 rounded up) F32 */
  void (*nf4_dequantize) (PtBackend *be, void *out, PtDType out_dtype, const uint8_t *packed,
                          const float *absmax, size_t n);
} PtBackendOps;

struct _PtBackend {
  const PtBackendOps *ops;
  PtDType  act_dtype;
  PtDType  acc_dtype;
  char    *device_id;      /* "cpu", "cuda:0" */
  char    *device_name;    /* "CPU (2 threads)", "NVIDIA H100 80GB HBM3" */
  guint64  total_memory;   /* bytes the device has, 0 when unknown */
  guint64  in_use;         /* bytes allocated through ops->alloc */
  guint64  peak;           /* high-water mark of in_use */
  void   (*destroy) (PtBackend *be);
  gpointer priv;
};

/* Devices: "cpu" always; "cuda:N" when the CUDA backend is linked and a
 * device is present. */
typedef struct {
  char    *id;            /* "cpu", "cuda:0" */
  char    *name;
  guint64  total_memory;  /* bytes; host RAM for the CPU */
  double   peak_tflops;   /* bf16 dense peak for MFU, 0 when unknown */
} PtDeviceInfo;

typedef GPtrArray *(*PtListDevicesFunc) (void);               /* of PtDeviceInfo* */
typedef PtBackend *(*PtBackendNewFunc)  (const char *device_id, GError **error);

/* gpu/ registers itself here (the engine does not link it). */
void       pt_backend_register       (const char *prefix, PtListDevicesFunc list, PtBackendNewFunc create);
GPtrArray *pt_backend_list_devices   (void);
PtBackend *pt_backend_new            (const char *device_id, GError **error);
void       pt_backend_free           (PtBackend *be);
void       pt_device_info_free       (PtDeviceInfo *info);

/* The CPU reference backend. act_dtype PT_DTYPE_F32 (normal, acc F32),
 * PT_DTYPE_F64 (gradient checks, acc F64) or PT_DTYPE_BF16 (acc F32, as
 * CUDA: products on BF16 units through oneDNN where the processor has
 * them). n_threads 0 = all cores. */
PtBackend *pt_cpu_backend_new (PtDType act_dtype, int n_threads, GError **error);
/* alloc fails with PT_ERROR_NO_MEMORY beyond `bytes` in use (0: no limit),
 * as a device's capacity does; total_memory becomes `bytes`. */
void       pt_cpu_backend_set_memory_limit (PtBackend *be, guint64 bytes);
/* Whether this processor multiplies BF16 in hardware (AVX512-BF16 or
 * AMX-BF16, with the OS's support); PALITUNE_CPU_BF16=0/1 overrides. */
gboolean   pt_cpu_has_bf16_units (void);

/* The arithmetic a run asks for. AUTO is BF16 where the device computes it
 * natively (CUDA; a CPU with BF16 units), F32 elsewhere. F32 is the exact
 * reference (CPU only). */
typedef enum {
  PT_PRECISION_AUTO = 0,
  PT_PRECISION_BF16,
  PT_PRECISION_F32,
} PtPrecision;

const char *pt_precision_name  (PtPrecision precision);          /* "auto", "bf16", "f32" */
gboolean    pt_precision_parse (const char *text, PtPrecision *out);
/* AUTO → what it picks on device_id; BF16/F32 as given */
PtPrecision pt_precision_resolve (const char *device_id, PtPrecision precision);
/* pt_backend_new with a precision and (CPU only; 0 none) a memory limit */
PtBackend  *pt_backend_new_full (const char *device_id, PtPrecision precision,
                                 guint64 memory_limit, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtBackend, pt_backend_free)

G_END_DECLS
