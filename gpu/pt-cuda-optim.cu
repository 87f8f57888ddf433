/* pt-cuda-optim.cu — fused AdamW (PyTorch semantics, optional working copy
 * of the parameter in another dtype) and a deterministic sum of squares for
 * gradient norms.
 */
#include "config.h"

#include <math.h>           /* pow, sqrt */

#include "pt-cuda-private.h"

#define THREADS 256
#define SS_BLOCKS 256       /* at most; a function of n alone, so the order of the sum
                             * (and its result) never depends on the device */
#define SS_PER_BLOCK 4096   /* elements per block before another block is worth it */

typedef struct {
  float decay;        /* 1 - lr * weight_decay */
  float beta1, beta2, one_minus_beta1, one_minus_beta2;
  float step_size;    /* lr / (1 - beta1^t) */
  float bc2_sqrt;     /* sqrt (1 - beta2^t) */
  float eps;
  float grad_scale;
} AdamArgs;

template <typename C>
__global__ static void
adamw_kernel (float *param, const float *grad, float *m, float *v, size_t n, AdamArgs a, C *copy)
{
  for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    {
      float g = grad[i] * a.grad_scale;
      float p = param[i] * a.decay;
      float mi = a.beta1 * m[i] + a.one_minus_beta1 * g;
      float vi = a.beta2 * v[i] + a.one_minus_beta2 * g * g;
      float denom = sqrtf (vi) / a.bc2_sqrt + a.eps;

      p -= a.step_size * (mi / denom);
      m[i] = mi;
      v[i] = vi;
      param[i] = p;
      if (copy != NULL)
        copy[i] = pt_from_f<C> (p);
    }
}

static void
cuda_adamw (PtBackend *be, void *param, const void *grad, void *m, void *v, size_t n,
            double lr, double beta1, double beta2, double eps, double weight_decay,
            int step, double grad_scale, void *param_copy, PtDType copy_dtype)
{
  PtCudaBackend *self = pt_cuda (be);
  unsigned grid = pt_cuda_grid (self, n, THREADS);
  AdamArgs a;

  g_return_if_fail (step >= 1);
  g_return_if_fail (param_copy == NULL || copy_dtype == PT_DTYPE_BF16 || copy_dtype == PT_DTYPE_F32
                    || copy_dtype == PT_DTYPE_F16);
  if (n == 0)
    return;
  a.decay = (float) (1.0 - lr * weight_decay);
  a.beta1 = (float) beta1;
  a.beta2 = (float) beta2;
  a.one_minus_beta1 = (float) (1.0 - beta1);
  a.one_minus_beta2 = (float) (1.0 - beta2);
  a.step_size = (float) (lr / (1.0 - pow (beta1, step)));
  a.bc2_sqrt = (float) sqrt (1.0 - pow (beta2, step));
  a.eps = (float) eps;
  a.grad_scale = (float) grad_scale;
  if (param_copy == NULL || copy_dtype == PT_DTYPE_F32)
    pt_cuda_launch (self, "adamw", adamw_kernel<float>, grid, THREADS, 0, (float *) param,
                    (const float *) grad, (float *) m, (float *) v, n, a, (float *) param_copy);
  else if (copy_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "adamw", adamw_kernel<__nv_bfloat16>, grid, THREADS, 0, (float *) param,
                    (const float *) grad, (float *) m, (float *) v, n, a,
                    (__nv_bfloat16 *) param_copy);
  else
    pt_cuda_launch (self, "adamw", adamw_kernel<__half>, grid, THREADS, 0, (float *) param,
                    (const float *) grad, (float *) m, (float *) v, n, a, (__half *) param_copy);
}

/* ---- sum of squares ---------------------------------------------------------- */

/* shared (THREADS) doubles; a fixed tree, so the result is deterministic */
static __device__ __forceinline__ double
tree_sum (double v, double *shared)
{
  shared[threadIdx.x] = v;
  __syncthreads ();
  for (int stride = THREADS / 2; stride > 0; stride >>= 1)
    {
      if ((int) threadIdx.x < stride)
        shared[threadIdx.x] += shared[threadIdx.x + stride];
      __syncthreads ();
    }
  return shared[0];
}

__global__ static void
sum_squares_partial_kernel (double *partial, const void *x, PtDType dtype, size_t n)
{
  __shared__ double shared[THREADS];
  double acc = 0.0;

  for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    {
      double v = pt_load_any (x, dtype, i);
      acc += v * v;
    }
  acc = tree_sum (acc, shared);
  if (threadIdx.x == 0)
    partial[blockIdx.x] = acc;
}

__global__ static void
sum_squares_final_kernel (float *out, const double *partial, int n_partial)
{
  __shared__ double shared[THREADS];
  double total = tree_sum ((int) threadIdx.x < n_partial ? partial[threadIdx.x] : 0.0, shared);

  if (threadIdx.x == 0)
    out[0] = (float) ((double) out[0] + total);
}

static void
cuda_sum_squares (PtBackend *be, void *out, const void *x, PtDType dtype, size_t n)
{
  PtCudaBackend *self = pt_cuda (be);
  unsigned blocks = (unsigned) MIN ((n + SS_PER_BLOCK - 1) / SS_PER_BLOCK, (size_t) SS_BLOCKS);
  double *partial;

  g_return_if_fail (dtype == PT_DTYPE_F32 || dtype == PT_DTYPE_BF16 || dtype == PT_DTYPE_F16
                    || dtype == PT_DTYPE_F64);
  if (n == 0)
    return;
  partial = (double *) pt_cuda_scratch (self, SS_BLOCKS * sizeof (double), "sum_squares");
  if (partial == NULL)
    return;
  pt_cuda_launch (self, "sum_squares", sum_squares_partial_kernel, blocks, THREADS, 0,
                  partial, x, dtype, n);
  pt_cuda_launch (self, "sum_squares", sum_squares_final_kernel, 1, THREADS, 0,
                  (float *) out, (const double *) partial, (int) blocks);
}

void
pt_cuda_optim_ops (PtBackendOps *ops)
{
  ops->adamw = cuda_adamw;
  ops->sum_squares = cuda_sum_squares;
}
