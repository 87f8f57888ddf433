/* pt-profile.c — a backend that times each op of another one (bench --profile).
 *
 * A decorator over the op table: every op calls the inner backend's op and
 * adds the wall time to that op's row. On a device with streams each op is
 * followed by a synchronize, so the time is the op's own (and the step runs
 * slower than it would: the profile is for where the time goes, not for
 * how long a step takes). Ops the inner backend lacks stay NULL.
 */
#include "config.h"

#include <stddef.h>         /* offsetof */
#include <string.h>         /* memset */
#include <time.h>           /* clock_gettime */

#include "pt-profile.h"

typedef struct {
  PtBackend    parent;
  PtBackend   *inner;       /* owned */
  PtBackendOps ops;
  double       seconds[PT_PROFILE_MAX_OPS];
  guint64      calls[PT_PROFILE_MAX_OPS];
} PtProfile;

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* the op's row: its function pointer's index in PtBackendOps */
#define ROW(op) ((offsetof (PtBackendOps, op) - offsetof (PtBackendOps, alloc)) / sizeof (void (*) (void)))

static void
done (PtProfile *p, size_t row, double t0)
{
  if (p->inner->ops->synchronize != NULL)
    p->inner->ops->synchronize (p->inner);
  p->seconds[row] += now_s () - t0;
  p->calls[row]++;
  /* the model and the trainer read the memory counters of the backend they hold */
  p->parent.in_use = p->inner->in_use;
  p->parent.peak = p->inner->peak;
}


static void *
prof_alloc (PtBackend *be, size_t bytes, GError **error)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();
  void *r = self->inner->ops->alloc (self->inner, bytes, error);

  done (self, ROW (alloc), t0);
  return r;
}

static void
prof_free (PtBackend *be, void *ptr)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->free (self->inner, ptr);
  done (self, ROW (free), t0);
}

static void *
prof_host_alloc (PtBackend *be, size_t bytes, GError **error)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();
  void *r = self->inner->ops->host_alloc (self->inner, bytes, error);

  done (self, ROW (host_alloc), t0);
  return r;
}

static void
prof_host_free (PtBackend *be, void *ptr)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->host_free (self->inner, ptr);
  done (self, ROW (host_free), t0);
}

static void
prof_zero (PtBackend *be, void *ptr, size_t bytes)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->zero (self->inner, ptr, bytes);
  done (self, ROW (zero), t0);
}

static void
prof_upload (PtBackend *be, void *dst, const void *host_src, size_t bytes)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->upload (self->inner, dst, host_src, bytes);
  done (self, ROW (upload), t0);
}

static void
prof_download (PtBackend *be, void *host_dst, const void *src, size_t bytes)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->download (self->inner, host_dst, src, bytes);
  done (self, ROW (download), t0);
}

static void
prof_copy (PtBackend *be, void *dst, const void *src, size_t bytes)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->copy (self->inner, dst, src, bytes);
  done (self, ROW (copy), t0);
}

static void
prof_synchronize (PtBackend *be)
{
  PtProfile *self = (PtProfile *) be;
  self->inner->ops->synchronize (self->inner);
}

static gboolean
prof_check (PtBackend *be, GError **error)
{
  PtProfile *self = (PtProfile *) be;
  return self->inner->ops->check (self->inner, error);
}

static void
prof_convert (PtBackend *be, void *dst, PtDType dst_dtype, const void *src, PtDType src_dtype, size_t n)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->convert (self->inner, dst, dst_dtype, src, src_dtype, n);
  done (self, ROW (convert), t0);
}

static void
prof_gemm (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k, double alpha, const void *a, PtDType a_dtype, int lda, const void *b, PtDType b_dtype, int ldb, double beta, void *c, PtDType c_dtype, int ldc)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->gemm (self->inner, trans_a, trans_b, m, n, k, alpha, a, a_dtype, lda, b, b_dtype, ldb, beta, c, c_dtype, ldc);
  done (self, ROW (gemm), t0);
}

static void
prof_gemm_batched (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k, double alpha, const void *a, PtDType a_dtype, int lda, int64_t stride_a, const void *b, PtDType b_dtype, int ldb, int64_t stride_b, double beta, void *c, PtDType c_dtype, int ldc, int64_t stride_c, int batch)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->gemm_batched (self->inner, trans_a, trans_b, m, n, k, alpha, a, a_dtype, lda, stride_a, b, b_dtype, ldb, stride_b, beta, c, c_dtype, ldc, stride_c, batch);
  done (self, ROW (gemm_batched), t0);
}

static void
prof_add (PtBackend *be, void *out, const void *a, const void *b, size_t n)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->add (self->inner, out, a, b, n);
  done (self, ROW (add), t0);
}

static void
prof_scale (PtBackend *be, void *x, PtDType dtype, size_t n, double alpha)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->scale (self->inner, x, dtype, n, alpha);
  done (self, ROW (scale), t0);
}

static void
prof_gelu_forward (PtBackend *be, void *out, const void *inp, size_t n)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->gelu_forward (self->inner, out, inp, n);
  done (self, ROW (gelu_forward), t0);
}

static void
prof_gelu_backward (PtBackend *be, void *dinp, const void *inp, const void *dout, size_t n)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->gelu_backward (self->inner, dinp, inp, dout, n);
  done (self, ROW (gelu_backward), t0);
}

static void
prof_geglu_forward (PtBackend *be, void *out, const void *gate, const void *up, size_t n)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->geglu_forward (self->inner, out, gate, up, n);
  done (self, ROW (geglu_forward), t0);
}

static void
prof_geglu_backward (PtBackend *be, void *dgate, void *dup, const void *dout, const void *gate, const void *up, size_t n)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->geglu_backward (self->inner, dgate, dup, dout, gate, up, n);
  done (self, ROW (geglu_backward), t0);
}

static void
prof_softcap (PtBackend *be, void *x, size_t n, double cap)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->softcap (self->inner, x, n, cap);
  done (self, ROW (softcap), t0);
}

static void
prof_dropout (PtBackend *be, void *out, const void *inp, size_t n, double p, uint64_t seed, uint64_t offset)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->dropout (self->inner, out, inp, n, p, seed, offset);
  done (self, ROW (dropout), t0);
}

static void
prof_bias_add (PtBackend *be, void *out, const void *bias, int N, int C)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->bias_add (self->inner, out, bias, N, C);
  done (self, ROW (bias_add), t0);
}

static void
prof_bias_backward (PtBackend *be, void *dbias, const void *dout, int N, int C)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->bias_backward (self->inner, dbias, dout, N, C);
  done (self, ROW (bias_backward), t0);
}

static void
prof_layernorm_forward (PtBackend *be, void *out, void *mean, void *rstd, const void *inp, const void *weight, const void *bias, int N, int C, double eps)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->layernorm_forward (self->inner, out, mean, rstd, inp, weight, bias, N, C, eps);
  done (self, ROW (layernorm_forward), t0);
}

static void
prof_layernorm_backward (PtBackend *be, void *dinp, void *dweight, void *dbias, const void *dout, const void *inp, const void *weight, const void *mean, const void *rstd, int N, int C)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->layernorm_backward (self->inner, dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C);
  done (self, ROW (layernorm_backward), t0);
}

static void
prof_rmsnorm_forward (PtBackend *be, void *out, void *rstd, const void *inp, const void *weight, int N, int C, double eps)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->rmsnorm_forward (self->inner, out, rstd, inp, weight, N, C, eps);
  done (self, ROW (rmsnorm_forward), t0);
}

static void
prof_rmsnorm_backward (PtBackend *be, void *dinp, void *dweight, const void *dout, const void *inp, const void *weight, const void *rstd, int N, int C)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->rmsnorm_backward (self->inner, dinp, dweight, dout, inp, weight, rstd, N, C);
  done (self, ROW (rmsnorm_backward), t0);
}

static void
prof_rope (PtBackend *be, void *x, int B, int T, int H, int D, const int32_t *pos_start, int pos0, double theta, gboolean inverse)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->rope (self->inner, x, B, T, H, D, pos_start, pos0, theta, inverse);
  done (self, ROW (rope), t0);
}

static void
prof_attention_forward (PtBackend *be, void *out, void *lse, const void *q, const void *k, const void *v, int B, int Tq, int Tk, int tk_alloc, int Hq, int Hkv, int D, double scale, const PtAttnMask *mask)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->attention_forward (self->inner, out, lse, q, k, v, B, Tq, Tk, tk_alloc, Hq, Hkv, D, scale, mask);
  done (self, ROW (attention_forward), t0);
}

static void
prof_attention_backward (PtBackend *be, void *dq, void *dk, void *dv, const void *dout, const void *out, const void *lse, const void *q, const void *k, const void *v, int B, int Tq, int Tk, int tk_alloc, int Hq, int Hkv, int D, double scale, const PtAttnMask *mask)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->attention_backward (self->inner, dq, dk, dv, dout, out, lse, q, k, v, B, Tq, Tk, tk_alloc, Hq, Hkv, D, scale, mask);
  done (self, ROW (attention_backward), t0);
}

static void
prof_embedding_forward (PtBackend *be, void *out, const int32_t *ids, const void *table, PtDType table_dtype, int N, int C, int V, double scale)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->embedding_forward (self->inner, out, ids, table, table_dtype, N, C, V, scale);
  done (self, ROW (embedding_forward), t0);
}

static void
prof_embedding_backward (PtBackend *be, void *dtable, const void *dout, const int32_t *ids, int N, int C, int V, double scale)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->embedding_backward (self->inner, dtable, dout, ids, N, C, V, scale);
  done (self, ROW (embedding_backward), t0);
}

static void
prof_gather_rows (PtBackend *be, void *out, const void *src, const int32_t *idx, int M, int C)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->gather_rows (self->inner, out, src, idx, M, C);
  done (self, ROW (gather_rows), t0);
}

static void
prof_scatter_rows (PtBackend *be, void *dst, const void *src, const int32_t *idx, int M, int C, gboolean accumulate)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->scatter_rows (self->inner, dst, src, idx, M, C, accumulate);
  done (self, ROW (scatter_rows), t0);
}

static void
prof_im2col (PtBackend *be, void *out, const void *pixels, int B, int Cin, int H, int W, int P)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->im2col (self->inner, out, pixels, B, Cin, H, W, P);
  done (self, ROW (im2col), t0);
}

static void
prof_cross_entropy (PtBackend *be, void *losses, void *dlogits, const void *logits, const int32_t *targets, int M, int V, double grad_scale, double softcap)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->cross_entropy (self->inner, losses, dlogits, logits, targets, M, V, grad_scale, softcap);
  done (self, ROW (cross_entropy), t0);
}

static void
prof_argmax (PtBackend *be, int32_t *out, const void *logits, int M, int V)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->argmax (self->inner, out, logits, M, V);
  done (self, ROW (argmax), t0);
}

static void
prof_sum_squares (PtBackend *be, void *out, const void *x, PtDType dtype, size_t n)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->sum_squares (self->inner, out, x, dtype, n);
  done (self, ROW (sum_squares), t0);
}

static void
prof_adamw (PtBackend *be, void *param, const void *grad, void *m, void *v, size_t n, double lr, double beta1, double beta2, double eps, double weight_decay, int step, double grad_scale, void *param_copy, PtDType copy_dtype)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->adamw (self->inner, param, grad, m, v, n, lr, beta1, beta2, eps, weight_decay, step, grad_scale, param_copy, copy_dtype);
  done (self, ROW (adamw), t0);
}

static void
prof_nf4_dequantize (PtBackend *be, void *out, PtDType out_dtype, const uint8_t *packed, const float *absmax, size_t n)
{
  PtProfile *self = (PtProfile *) be;
  double t0 = now_s ();

  self->inner->ops->nf4_dequantize (self->inner, out, out_dtype, packed, absmax, n);
  done (self, ROW (nf4_dequantize), t0);
}

static const char *const op_names[] = {
  [ROW (alloc)] = "alloc",
  [ROW (free)] = "free",
  [ROW (host_alloc)] = "host_alloc",
  [ROW (host_free)] = "host_free",
  [ROW (zero)] = "zero",
  [ROW (upload)] = "upload",
  [ROW (download)] = "download",
  [ROW (copy)] = "copy",
  [ROW (synchronize)] = "synchronize",
  [ROW (check)] = "check",
  [ROW (convert)] = "convert",
  [ROW (gemm)] = "gemm",
  [ROW (gemm_batched)] = "gemm_batched",
  [ROW (add)] = "add",
  [ROW (scale)] = "scale",
  [ROW (gelu_forward)] = "gelu_forward",
  [ROW (gelu_backward)] = "gelu_backward",
  [ROW (geglu_forward)] = "geglu_forward",
  [ROW (geglu_backward)] = "geglu_backward",
  [ROW (softcap)] = "softcap",
  [ROW (dropout)] = "dropout",
  [ROW (bias_add)] = "bias_add",
  [ROW (bias_backward)] = "bias_backward",
  [ROW (layernorm_forward)] = "layernorm_forward",
  [ROW (layernorm_backward)] = "layernorm_backward",
  [ROW (rmsnorm_forward)] = "rmsnorm_forward",
  [ROW (rmsnorm_backward)] = "rmsnorm_backward",
  [ROW (rope)] = "rope",
  [ROW (attention_forward)] = "attention_forward",
  [ROW (attention_backward)] = "attention_backward",
  [ROW (embedding_forward)] = "embedding_forward",
  [ROW (embedding_backward)] = "embedding_backward",
  [ROW (gather_rows)] = "gather_rows",
  [ROW (scatter_rows)] = "scatter_rows",
  [ROW (im2col)] = "im2col",
  [ROW (cross_entropy)] = "cross_entropy",
  [ROW (argmax)] = "argmax",
  [ROW (sum_squares)] = "sum_squares",
  [ROW (adamw)] = "adamw",
  [ROW (nf4_dequantize)] = "nf4_dequantize",
};

static void
prof_destroy (PtBackend *be)
{
  PtProfile *p = (PtProfile *) be;

  pt_backend_free (p->inner);
  g_free (be->device_id);
  g_free (be->device_name);
  g_free (p);
}

PtBackend *
pt_profile_backend_new (PtBackend *inner)
{
  PtProfile *p = g_new0 (PtProfile, 1);
  const PtBackendOps *in = inner->ops;

  G_STATIC_ASSERT (ROW (nf4_dequantize) < PT_PROFILE_MAX_OPS);
  p->inner = inner;
  p->ops.name = in->name;
#define SET(op) p->ops.op = in->op != NULL ? prof_##op : NULL
  SET (alloc);
  SET (free);
  SET (host_alloc);
  SET (host_free);
  SET (zero);
  SET (upload);
  SET (download);
  SET (copy);
  SET (synchronize);
  SET (check);
  SET (convert);
  SET (gemm);
  SET (gemm_batched);
  SET (add);
  SET (scale);
  SET (gelu_forward);
  SET (gelu_backward);
  SET (geglu_forward);
  SET (geglu_backward);
  SET (softcap);
  SET (dropout);
  SET (bias_add);
  SET (bias_backward);
  SET (layernorm_forward);
  SET (layernorm_backward);
  SET (rmsnorm_forward);
  SET (rmsnorm_backward);
  SET (rope);
  SET (attention_forward);
  SET (attention_backward);
  SET (embedding_forward);
  SET (embedding_backward);
  SET (gather_rows);
  SET (scatter_rows);
  SET (im2col);
  SET (cross_entropy);
  SET (argmax);
  SET (sum_squares);
  SET (adamw);
  SET (nf4_dequantize);
#undef SET
  p->parent.ops = &p->ops;
  p->parent.act_dtype = inner->act_dtype;
  p->parent.acc_dtype = inner->acc_dtype;
  p->parent.device_id = g_strdup (inner->device_id);
  p->parent.device_name = g_strdup (inner->device_name);
  p->parent.total_memory = inner->total_memory;
  p->parent.in_use = inner->in_use;
  p->parent.peak = inner->peak;
  p->parent.destroy = prof_destroy;
  return &p->parent;
}

void
pt_profile_reset (PtBackend *be)
{
  PtProfile *p = (PtProfile *) be;

  g_return_if_fail (be->destroy == prof_destroy);
  memset (p->seconds, 0, sizeof p->seconds);
  memset (p->calls, 0, sizeof p->calls);
}

static int
by_time (gconstpointer a, gconstpointer b)
{
  const PtProfileRow *x = a, *y = b;
  return x->seconds < y->seconds ? 1 : x->seconds > y->seconds ? -1 : g_strcmp0 (x->op, y->op);
}

GArray *
pt_profile_rows (PtBackend *be)
{
  PtProfile *p = (PtProfile *) be;
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (PtProfileRow));

  g_return_val_if_fail (be->destroy == prof_destroy, rows);
  for (size_t i = 0; i < G_N_ELEMENTS (op_names); i++)
    if (op_names[i] != NULL && p->calls[i] > 0)
      {
        PtProfileRow r = { op_names[i], p->calls[i], p->seconds[i] };
        g_array_append_val (rows, r);
      }
  g_array_sort (rows, by_time);
  return rows;
}
