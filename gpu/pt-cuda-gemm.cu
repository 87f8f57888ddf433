/* pt-cuda-gemm.cu — matrix products through cuBLAS (cublasGemmEx and its
 * strided-batched form), fp32 accumulation, bf16 tensor cores.
 *
 * Row-major to column-major: a row-major C (m,n) is a column-major Cᵀ (n,m),
 * and Cᵀ = op(B)ᵀ · op(A)ᵀ, so the row-major product is the column-major one
 * with A and B swapped and m and n swapped; the transposes and leading
 * dimensions carry over unchanged.
 *
 * Operand dtypes: when A and B share a dtype cuBLAS reads them directly
 * (BF16/F16 with a C of the same dtype or F32; F32 with F32; F64 with F64).
 * Otherwise both are promoted to F32 (F64 if either is F64) in scratch memory,
 * and a C dtype cuBLAS cannot write for that input type goes through a
 * scratch copy as well.
 */
#include "config.h"

#include "pt-cuda-private.h"

static cudaDataType_t
blas_type (PtDType dtype)
{
  switch (dtype)
    {
    case PT_DTYPE_F64: return CUDA_R_64F;
    case PT_DTYPE_BF16: return CUDA_R_16BF;
    case PT_DTYPE_F16: return CUDA_R_16F;
    case PT_DTYPE_F32:
    default: return CUDA_R_32F;
    }
}

static gboolean
is_float_dtype (PtDType dtype)
{
  return dtype == PT_DTYPE_F32 || dtype == PT_DTYPE_F64 || dtype == PT_DTYPE_BF16
         || dtype == PT_DTYPE_F16;
}

/* C (m rows, n cols, row stride ldc) of each batch entry *= beta (k = 0). */
template <typename T>
__global__ static void
scale_matrix_kernel (T *c, int m, int n, int ldc, long long stride_c, int batch, float beta)
{
  size_t total = (size_t) m * n * batch;
  for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (size_t) gridDim.x * blockDim.x)
    {
      size_t bi = i / ((size_t) m * n), r = (i / n) % m, col = i % n;
      T *p = c + bi * stride_c + r * (size_t) ldc + col;
      *p = beta == 0.0f ? pt_from_f<T> (0.0f) : pt_from_f<T> (pt_to_f (*p) * beta);
    }
}

/* Elements spanned by a batch of row-major matrices. */
static size_t
extent (int rows, int cols, int ld, int64_t stride, int batch)
{
  if (rows <= 0 || cols <= 0 || batch <= 0)
    return 0;
  return (size_t) (rows - 1) * (size_t) ld + (size_t) cols + (size_t) (batch - 1) * (size_t) stride;
}

static size_t
round_up (size_t bytes)
{
  return (bytes + 255) & ~(size_t) 255;
}

static void
gemm_any (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k,
          double alpha, const void *a, PtDType a_dtype, int lda, int64_t stride_a,
          const void *b, PtDType b_dtype, int ldb, int64_t stride_b,
          double beta, void *c, PtDType c_dtype, int ldc, int64_t stride_c,
          int batch, gboolean batched)
{
  PtCudaBackend *self = pt_cuda (be);
  const char *op = batched ? "gemm_batched" : "gemm";
  PtDType in_dtype, c_work_dtype;
  size_t a_ext, b_ext, c_ext, need = 0;
  const void *a_use = a, *b_use = b;
  void *c_use = c;
  char *scratch = NULL;
  cublasStatus_t status;
  cublasComputeType_t compute;
  float alpha_f = (float) alpha, beta_f = (float) beta;

  g_return_if_fail (is_float_dtype (a_dtype) && is_float_dtype (b_dtype) && is_float_dtype (c_dtype));
  if (m <= 0 || n <= 0 || batch <= 0)
    return;

  if (k <= 0)
    {
      /* no products: C = beta * C */
      if (beta == 1.0)
        return;
      if (c_dtype == PT_DTYPE_F32)
        pt_cuda_launch (self, op, scale_matrix_kernel<float>, pt_cuda_grid (self, (size_t) m * n * batch, 256),
                        256, 0, (float *) c, m, n, ldc, (long long) stride_c, batch, beta_f);
      else if (c_dtype == PT_DTYPE_BF16)
        pt_cuda_launch (self, op, scale_matrix_kernel<__nv_bfloat16>,
                        pt_cuda_grid (self, (size_t) m * n * batch, 256), 256, 0,
                        (__nv_bfloat16 *) c, m, n, ldc, (long long) stride_c, batch, beta_f);
      else if (c_dtype == PT_DTYPE_F16)
        pt_cuda_launch (self, op, scale_matrix_kernel<__half>,
                        pt_cuda_grid (self, (size_t) m * n * batch, 256), 256, 0,
                        (__half *) c, m, n, ldc, (long long) stride_c, batch, beta_f);
      else
        pt_cuda_launch (self, op, scale_matrix_kernel<double>,
                        pt_cuda_grid (self, (size_t) m * n * batch, 256), 256, 0,
                        (double *) c, m, n, ldc, (long long) stride_c, batch, beta_f);
      return;
    }

  /* the dtype cuBLAS reads A and B in, and the one it writes C in */
  if (a_dtype == b_dtype)
    in_dtype = a_dtype;
  else if (a_dtype == PT_DTYPE_F64 || b_dtype == PT_DTYPE_F64)
    in_dtype = PT_DTYPE_F64;
  else
    in_dtype = PT_DTYPE_F32;
  if (in_dtype == PT_DTYPE_F64)
    c_work_dtype = PT_DTYPE_F64;
  else if (in_dtype == PT_DTYPE_F32)
    c_work_dtype = PT_DTYPE_F32;
  else
    c_work_dtype = c_dtype == in_dtype ? in_dtype : PT_DTYPE_F32;

  a_ext = extent (trans_a ? k : m, trans_a ? m : k, lda, stride_a, batched ? batch : 1);
  b_ext = extent (trans_b ? n : k, trans_b ? k : n, ldb, stride_b, batched ? batch : 1);
  c_ext = extent (m, n, ldc, stride_c, batched ? batch : 1);
  if (a_dtype != in_dtype)
    need += round_up (a_ext * pt_dtype_size (in_dtype));
  if (b_dtype != in_dtype)
    need += round_up (b_ext * pt_dtype_size (in_dtype));
  if (c_dtype != c_work_dtype)
    need += round_up (c_ext * pt_dtype_size (c_work_dtype));
  if (need > 0)
    {
      scratch = (char *) pt_cuda_scratch (self, need, op);
      if (scratch == NULL)
        return;
    }
  if (a_dtype != in_dtype)
    {
      pt_cuda_convert_n (self, scratch, in_dtype, a, a_dtype, a_ext, op);
      a_use = scratch;
      scratch += round_up (a_ext * pt_dtype_size (in_dtype));
    }
  if (b_dtype != in_dtype)
    {
      pt_cuda_convert_n (self, scratch, in_dtype, b, b_dtype, b_ext, op);
      b_use = scratch;
      scratch += round_up (b_ext * pt_dtype_size (in_dtype));
    }
  if (c_dtype != c_work_dtype)
    {
      /* copied in even when beta is 0: the copy back covers the gaps
       * between rows too (cuBLAS never reads C when beta is 0) */
      pt_cuda_convert_n (self, scratch, c_work_dtype, c, c_dtype, c_ext, op);
      c_use = scratch;
    }

  compute = in_dtype == PT_DTYPE_F64 ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
  {
    const void *alpha_p = compute == CUBLAS_COMPUTE_64F ? (const void *) &alpha : (const void *) &alpha_f;
    const void *beta_p = compute == CUBLAS_COMPUTE_64F ? (const void *) &beta : (const void *) &beta_f;
    cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;

    if (batched)
      status = cublasGemmStridedBatchedEx (self->cublas, op_b, op_a, n, m, k, alpha_p,
                                           b_use, blas_type (in_dtype), ldb, (long long) stride_b,
                                           a_use, blas_type (in_dtype), lda, (long long) stride_a,
                                           beta_p, c_use, blas_type (c_work_dtype), ldc,
                                           (long long) stride_c, batch, compute, CUBLAS_GEMM_DEFAULT);
    else
      status = cublasGemmEx (self->cublas, op_b, op_a, n, m, k, alpha_p,
                             b_use, blas_type (in_dtype), ldb,
                             a_use, blas_type (in_dtype), lda,
                             beta_p, c_use, blas_type (c_work_dtype), ldc,
                             compute, CUBLAS_GEMM_DEFAULT);
    pt_cuda_latch_blas (self, status, op);
  }
  if (c_use != c)
    pt_cuda_convert_n (self, c, c_dtype, c_use, c_work_dtype, c_ext, op);
}

static void
cuda_gemm (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k,
           double alpha, const void *a, PtDType a_dtype, int lda,
           const void *b, PtDType b_dtype, int ldb,
           double beta, void *c, PtDType c_dtype, int ldc)
{
  gemm_any (be, trans_a, trans_b, m, n, k, alpha, a, a_dtype, lda, 0, b, b_dtype, ldb, 0,
            beta, c, c_dtype, ldc, 0, 1, FALSE);
}

static void
cuda_gemm_batched (PtBackend *be, gboolean trans_a, gboolean trans_b, int m, int n, int k,
                   double alpha, const void *a, PtDType a_dtype, int lda, int64_t stride_a,
                   const void *b, PtDType b_dtype, int ldb, int64_t stride_b,
                   double beta, void *c, PtDType c_dtype, int ldc, int64_t stride_c,
                   int batch)
{
  gemm_any (be, trans_a, trans_b, m, n, k, alpha, a, a_dtype, lda, stride_a, b, b_dtype, ldb,
            stride_b, beta, c, c_dtype, ldc, stride_c, batch, TRUE);
}

void
pt_cuda_gemm_strided (PtCudaBackend *self, gboolean trans_a, gboolean trans_b,
                      int m, int n, int k, double alpha,
                      const void *a, PtDType a_dtype, int lda, int64_t stride_a,
                      const void *b, PtDType b_dtype, int ldb, int64_t stride_b,
                      double beta, void *c, PtDType c_dtype, int ldc, int64_t stride_c,
                      int batch)
{
  gemm_any (&self->parent, trans_a, trans_b, m, n, k, alpha, a, a_dtype, lda, stride_a,
            b, b_dtype, ldb, stride_b, beta, c, c_dtype, ldc, stride_c, batch, TRUE);
}

void
pt_cuda_gemm_ops (PtBackendOps *ops)
{
  ops->gemm = cuda_gemm;
  ops->gemm_batched = cuda_gemm_batched;
}
