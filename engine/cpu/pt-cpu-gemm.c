/* pt-cpu-gemm.c — matrix products through OpenBLAS (row-major cblas).
 *
 * The product runs in F64 when any operand is F64 (the gradient-check
 * backend), else in F32. Operands in another dtype (BF16/F16 weights, F32
 * weights under F64 activations, …) are first converted into the backend's
 * scratch buffers; a C in another dtype is converted in (when beta != 0),
 * multiplied, and converted back.
 */
#include "config.h"

#include <cblas.h>          /* cblas_sgemm, cblas_dgemm, openblas_set_num_threads */

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
