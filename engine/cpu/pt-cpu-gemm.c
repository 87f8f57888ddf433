/* pt-cpu-gemm.c — matrix products through OpenBLAS (row-major cblas).
 *
 * The product runs in F64 when any operand is F64 (the gradient-check
 * backend), else in F32. Operands in another dtype (BF16/F16 weights, F32
 * weights under F64 activations, …) are first converted into the backend's
 * scratch buffers; a C in another dtype is converted in (when beta != 0),
 * multiplied, and converted back.
 *
 * On the BF16 backend, a product of two BF16 matrices goes to oneDNN's
 * matmul when the processor has BF16 units (AVX512-BF16 or AMX, where
 * oneDNN runs it natively with F32 accumulation); elsewhere oneDNN has no
 * fast BF16 product (2.6 reports it unimplemented on an AVX2 processor),
 * and converting to F32 for OpenBLAS's sgemm is the faster path (measured
 * in bench/RESULTS.md).
 */
#include "config.h"

#include <cblas.h>          /* cblas_sgemm, cblas_dgemm, openblas_set_num_threads */
#if HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

#include "pt-cpu-private.h"

/* A scratch buffer of at least `bytes`; the caller holds scratch_lock. */
static void *
scratch_get (PtCpuBackend *self,
             int           slot,
             size_t        bytes)
{
  if (self->scratch_size[slot] < bytes)
    {
      g_free (self->scratch[slot]);
      self->scratch[slot] = g_malloc (bytes);
      self->scratch_size[slot] = bytes;
    }
  return self->scratch[slot];
}

void
pt_cpu_scratch_free (PtCpuBackend *self)
{
  for (int i = 0; i < 3; i++)
    {
      g_clear_pointer (&self->scratch[i], g_free);
      self->scratch_size[i] = 0;
    }
}

/* A stored operand of `rows` × `cols` elements, `*ld` apart, converted to
 * `compute` unless it already is. Returns the pointer to use. */
static const void *
operand (PtCpuBackend *self,
         int           slot,
         const void   *x,
         PtDType       dtype,
         PtDType       compute,
         int           rows,
         int           cols,
         int          *ld)
{
  void *tmp;

  if (dtype == compute)
    return x;
  tmp = scratch_get (self, slot, (size_t) rows * cols * pt_dtype_size (compute));
  pt_cpu_convert_2d (tmp, compute, cols, x, dtype, *ld, rows, cols, self->n_threads);
  *ld = cols;
  return tmp;
}

#if HAVE_DNNL
typedef struct {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
} Dnnl;

static void
dnnl_free (Dnnl *d)
{
  if (d->stream != NULL)
    dnnl_stream_destroy (d->stream);
  if (d->engine != NULL)
    dnnl_engine_destroy (d->engine);
  g_free (d);
}

/* The oneDNN engine, made on first use; NULL when oneDNN cannot make one. */
static Dnnl *
dnnl_get (PtCpuBackend *self)
{
  static Dnnl failed;

  if (self->dnnl == NULL)
    {
      Dnnl *d = g_new0 (Dnnl, 1);
      if (dnnl_engine_create (&d->engine, dnnl_cpu, 0) != dnnl_success
          || dnnl_stream_create (&d->stream, d->engine, dnnl_stream_default_flags) != dnnl_success)
        {
          dnnl_free (d);
          self->dnnl = &failed;
        }
      else
        self->dnnl = d;
    }
  return self->dnnl == &failed ? NULL : self->dnnl;
}

/* A 2-D row-major descriptor of a stored (rows, cols) operand used as
 * (cols, rows) when trans: oneDNN takes the transposition as strides. */
static gboolean
dnnl_md (dnnl_memory_desc_t *md, int rows, int cols, int ld, gboolean trans, dnnl_data_type_t dt)
{
  dnnl_dims_t dims = { trans ? cols : rows, trans ? rows : cols };
  dnnl_dims_t strides = { trans ? 1 : ld, trans ? ld : 1 };
  return dnnl_memory_desc_init_by_strides (md, 2, dims, dt, strides) == dnnl_success;
}

/* C = alpha·op(A)·op(B) + beta·C through oneDNN with A, B BF16 and C BF16
 * or F32. FALSE (nothing written) when oneDNN cannot do it: the caller
 * falls back to sgemm. Primitives come from oneDNN's primitive cache, so a
 * shape seen before costs no new JIT. */
static gboolean
gemm_dnnl (PtCpuBackend *self, gboolean trans_a, gboolean trans_b, int m, int n, int k,
           double alpha, const void *a, int lda, const void *b, int ldb,
           double beta, void *c, PtDType c_dtype, int ldc)
{
  Dnnl *d = dnnl_get (self);
  dnnl_memory_desc_t a_md, b_md, c_md;
  dnnl_matmul_desc_t desc;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_post_ops_t post = NULL;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_t prim = NULL;
  dnnl_memory_t am = NULL, bm = NULL, cm = NULL;
  float scale = (float) alpha;
  gboolean ok = FALSE;

  if (d == NULL
      || !dnnl_md (&a_md, trans_a ? k : m, trans_a ? m : k, lda, trans_a, dnnl_bf16)
      || !dnnl_md (&b_md, trans_b ? n : k, trans_b ? k : n, ldb, trans_b, dnnl_bf16)
      || !dnnl_md (&c_md, m, n, ldc, FALSE, c_dtype == PT_DTYPE_BF16 ? dnnl_bf16 : dnnl_f32)
      || dnnl_matmul_desc_init (&desc, &a_md, &b_md, NULL, &c_md) != dnnl_success
      || dnnl_primitive_attr_create (&attr) != dnnl_success)
    goto out;
  if (alpha != 1.0 && dnnl_primitive_attr_set_output_scales (attr, 1, 0, &scale) != dnnl_success)
    goto out;
  if (beta != 0.0
      && (dnnl_post_ops_create (&post) != dnnl_success
          || dnnl_post_ops_append_sum (post, (float) beta) != dnnl_success
          || dnnl_primitive_attr_set_post_ops (attr, post) != dnnl_success))
    goto out;
  if (dnnl_primitive_desc_create (&pd, &desc, attr, d->engine, NULL) != dnnl_success
      || dnnl_primitive_create (&prim, pd) != dnnl_success
      || dnnl_memory_create (&am, &a_md, d->engine, (void *) a) != dnnl_success
      || dnnl_memory_create (&bm, &b_md, d->engine, (void *) b) != dnnl_success
      || dnnl_memory_create (&cm, &c_md, d->engine, c) != dnnl_success)
    goto out;
  {
    dnnl_exec_arg_t args[] = {
      { DNNL_ARG_SRC, am }, { DNNL_ARG_WEIGHTS, bm }, { DNNL_ARG_DST, cm },
    };
    ok = dnnl_primitive_execute (prim, d->stream, G_N_ELEMENTS (args), args) == dnnl_success
         && dnnl_stream_wait (d->stream) == dnnl_success;
  }

out:
  if (am != NULL) dnnl_memory_destroy (am);
  if (bm != NULL) dnnl_memory_destroy (bm);
  if (cm != NULL) dnnl_memory_destroy (cm);
  if (prim != NULL) dnnl_primitive_destroy (prim);
  if (pd != NULL) dnnl_primitive_desc_destroy (pd);
  if (post != NULL) dnnl_post_ops_destroy (post);
  if (attr != NULL) dnnl_primitive_attr_destroy (attr);
  return ok;
}
#endif

gboolean
pt_cpu_gemm_bf16_native (PtCpuBackend *self)
{
#if HAVE_DNNL
  return self->parent.act_dtype == PT_DTYPE_BF16 && pt_cpu_has_bf16_units ()
         && dnnl_get (self) != NULL;
#else
  return FALSE;
#endif
}

void
pt_cpu_gemm_free (PtCpuBackend *self)
{
#if HAVE_DNNL
  if (self->dnnl != NULL && dnnl_get (self) != NULL)
    dnnl_free (self->dnnl);
#endif
  self->dnnl = NULL;
}

/* One product, scratch_lock held. */
static void
gemm_locked (PtCpuBackend *self,
             gboolean      trans_a,
             gboolean      trans_b,
             int           m,
             int           n,
             int           k,
             double        alpha,
             const void   *a,     /* op(A) (m, k): stored (k, m) when trans_a */
             PtDType       a_dtype,
             int           lda,
             const void   *b,     /* op(B) (k, n): stored (n, k) when trans_b */
             PtDType       b_dtype,
             int           ldb,
             double        beta,
             void         *c,     /* (m, n) */
             PtDType       c_dtype,
             int           ldc)
{
  PtDType compute = (a_dtype == PT_DTYPE_F64 || b_dtype == PT_DTYPE_F64 || c_dtype == PT_DTYPE_F64)
                    ? PT_DTYPE_F64 : PT_DTYPE_F32;
  void *cc = c;
  int ldcc = ldc;

  if (m <= 0 || n <= 0)
    return;
#if HAVE_DNNL
  if (self->bf16_native && k > 0 && a_dtype == PT_DTYPE_BF16 && b_dtype == PT_DTYPE_BF16
      && (c_dtype == PT_DTYPE_BF16 || c_dtype == PT_DTYPE_F32))
    {
      if (gemm_dnnl (self, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, c_dtype, ldc))
        return;
      /* oneDNN cannot here after all (an old oneDNN, a processor it does
       * not know): sgemm from now on, without asking again every product */
      self->bf16_native = FALSE;
    }
#endif

  if (c_dtype != compute)
    {
      cc = scratch_get (self, 2, (size_t) m * n * pt_dtype_size (compute));
      ldcc = n;
      if (beta != 0.0)
        pt_cpu_convert_2d (cc, compute, n, c, c_dtype, ldc, m, n, self->n_threads);
    }

  if (k <= 0)
    {
      /* BLAS would reject lda < 1: C = beta·C by hand (beta 0 does not read C) */
      for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
          {
            size_t at = (size_t) i * ldcc + j;
            double cv = beta == 0.0 ? 0.0 : beta * pt_cpu_load (cc, compute, at);
            pt_cpu_store (cc, compute, at, cv);
          }
    }
  else
    {
      a = operand (self, 0, a, a_dtype, compute, trans_a ? k : m, trans_a ? m : k, &lda);
      b = operand (self, 1, b, b_dtype, compute, trans_b ? n : k, trans_b ? k : n, &ldb);
      if (compute == PT_DTYPE_F64)
        cblas_dgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                     trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                     alpha, a, lda, b, ldb, beta, cc, ldcc);
      else
        cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                     trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                     (float) alpha, a, lda, b, ldb, (float) beta, cc, ldcc);
    }

  if (cc != c)
    pt_cpu_convert_2d (c, c_dtype, ldc, cc, compute, n, m, n, self->n_threads);
}

static void
set_blas_threads (PtCpuBackend *self)
{
#if HAVE_OPENBLAS_THREADS
  if (openblas_get_num_threads () != self->n_threads)
    openblas_set_num_threads (self->n_threads);
#endif
}

void
pt_cpu_gemm (PtBackend  *be,
             gboolean    trans_a,
             gboolean    trans_b,
             int         m,
             int         n,
             int         k,
             double      alpha,
             const void *a,
             PtDType     a_dtype,
             int         lda,
             const void *b,
             PtDType     b_dtype,
             int         ldb,
             double      beta,
             void       *c,
             PtDType     c_dtype,
             int         ldc)
{
  PtCpuBackend *self = (PtCpuBackend *) be;

  g_mutex_lock (&self->scratch_lock);
  set_blas_threads (self);
  gemm_locked (self, trans_a, trans_b, m, n, k, alpha, a, a_dtype, lda, b, b_dtype, ldb,
               beta, c, c_dtype, ldc);
  g_mutex_unlock (&self->scratch_lock);
}

void
pt_cpu_gemm_batched (PtBackend  *be,
                     gboolean    trans_a,
                     gboolean    trans_b,
                     int         m,
                     int         n,
                     int         k,
                     double      alpha,
                     const void *a,
                     PtDType     a_dtype,
                     int         lda,
                     int64_t     stride_a,
                     const void *b,
                     PtDType     b_dtype,
                     int         ldb,
                     int64_t     stride_b,
                     double      beta,
                     void       *c,
                     PtDType     c_dtype,
                     int         ldc,
                     int64_t     stride_c,
                     int         batch)
{
  PtCpuBackend *self = (PtCpuBackend *) be;
  size_t as = pt_dtype_size (a_dtype), bs = pt_dtype_size (b_dtype), cs = pt_dtype_size (c_dtype);

  g_mutex_lock (&self->scratch_lock);
  set_blas_threads (self);
  for (int i = 0; i < batch; i++)
    gemm_locked (self, trans_a, trans_b, m, n, k, alpha,
                 (const char *) a + i * stride_a * (int64_t) as, a_dtype, lda,
                 (const char *) b + i * stride_b * (int64_t) bs, b_dtype, ldb,
                 beta, (char *) c + i * stride_c * (int64_t) cs, c_dtype, ldc);
  g_mutex_unlock (&self->scratch_lock);
}
