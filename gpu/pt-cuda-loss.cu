/* pt-cuda-loss.cu — fused cross-entropy over selected rows and argmax.
 *
 * One block per row (rows are 257216 wide for Gemma): each thread keeps an
 * online (max, sum of exp) over its columns, the block combines the pairs,
 * and a second pass writes (softmax - onehot) * grad_scale when asked, in
 * place if dlogits aliases logits. All in fp32.
 */
#include "config.h"

#include <math.h>           /* INFINITY */

#include "pt-cuda-private.h"

#define CE_THREADS 1024

/* (m1, s1) ⊕ (m2, s2): the log-sum-exp pair of the union */
static __device__ __forceinline__ void
lse_combine (float &m, float &s, float m2, float s2)
{
  float mm = fmaxf (m, m2);
  if (mm == -INFINITY)
    {
      m = mm;
      s = 0.0f;
      return;
    }
  s = s * expf (m - mm) + s2 * expf (m2 - mm);
  m = mm;
}

template <typename T>
__global__ static void __launch_bounds__ (CE_THREADS)
cross_entropy_kernel (float *losses, T *dlogits, const T *logits, const int32_t *targets,
                      int V, float grad_scale, float softcap)
{
  __shared__ float sm[32], ss[32];
  __shared__ float target_logit;
  int row = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const T *x = logits + (size_t) row * V;
  int target = targets[row];
  gboolean valid = target >= 0 && target < V;
  float m = -INFINITY, s = 0.0f, lse;

  if (threadIdx.x == 0)
    target_logit = valid ? pt_to_f (x[target]) : 0.0f;   /* before any in-place write */
  for (int i = threadIdx.x; i < V; i += blockDim.x)
    {
      float v = pt_to_f (x[i]);
      if (v == -INFINITY)
        continue;
      if (v > m)
        {
          s = s * expf (m - v) + 1.0f;
          m = v;
        }
      else
        s += expf (v - m);
    }
  for (int o = 16; o > 0; o >>= 1)
    {
      float m2 = __shfl_xor_sync (PT_FULL_MASK, m, o), s2 = __shfl_xor_sync (PT_FULL_MASK, s, o);
      lse_combine (m, s, m2, s2);
    }
  if (lane == 0)
    {
      sm[warp] = m;
      ss[warp] = s;
    }
  __syncthreads ();
  if (warp == 0)
    {
      int n_warps = blockDim.x >> 5;
      m = lane < n_warps ? sm[lane] : -INFINITY;
      s = lane < n_warps ? ss[lane] : 0.0f;
      for (int o = 16; o > 0; o >>= 1)
        {
          float m2 = __shfl_xor_sync (PT_FULL_MASK, m, o), s2 = __shfl_xor_sync (PT_FULL_MASK, s, o);
          lse_combine (m, s, m2, s2);
        }
      if (lane == 0)
        {
          sm[0] = m + logf (s);
          if (losses != NULL)
            losses[row] = valid ? sm[0] - target_logit : 0.0f;
        }
    }
  __syncthreads ();
  lse = sm[0];
  if (dlogits == NULL)
    return;
  {
    T *d = dlogits + (size_t) row * V;
    for (int i = threadIdx.x; i < V; i += blockDim.x)
      {
        float g = 0.0f;
        if (valid)
          {
            float xi = pt_to_f (x[i]);   /* read before d[i] (they may alias) */
            g = (expf (xi - lse) - (i == target ? 1.0f : 0.0f)) * grad_scale;
            if (softcap > 0.0f)
              {
                /* the logits are cap·tanh(raw/cap): d/draw = 1 - (x/cap)² */
                float th = xi / softcap;
                g *= 1.0f - th * th;
              }
          }
        d[i] = pt_from_f<T> (g);
      }
  }
}

static void
cuda_cross_entropy (PtBackend *be, void *losses, void *dlogits, const void *logits,
                    const int32_t *targets, int M, int V, double grad_scale, double softcap)
{
  PtCudaBackend *self = pt_cuda (be);

  if (M <= 0 || V <= 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "cross_entropy", cross_entropy_kernel<__nv_bfloat16>, (unsigned) M,
                    CE_THREADS, 0, (float *) losses, (__nv_bfloat16 *) dlogits,
                    (const __nv_bfloat16 *) logits, targets, V, (float) grad_scale, (float) softcap);
  else
    pt_cuda_launch (self, "cross_entropy", cross_entropy_kernel<float>, (unsigned) M,
                    CE_THREADS, 0, (float *) losses, (float *) dlogits,
                    (const float *) logits, targets, V, (float) grad_scale, (float) softcap);
}

/* ---- argmax: the first index of the maximum, NaN counting as the maximum ---- */

/* the better of two (value, index) candidates: a NaN beats any number (as
 * torch), then the larger value, then the lower index */
static __device__ __forceinline__ void
arg_better (float &v, int &i, float v2, int i2)
{
  bool nan1 = v != v, nan2 = v2 != v2, take;

  if (i2 < 0)
    return;
  if (i < 0)
    take = true;
  else if (nan1 || nan2)
    take = nan2 && (!nan1 || i2 < i);
  else
    take = v2 > v || (v2 == v && i2 < i);
  if (take)
    {
      v = v2;
      i = i2;
    }
}

template <typename T>
__global__ static void __launch_bounds__ (CE_THREADS)
argmax_kernel (int32_t *out, const T *logits, int V)
{
  __shared__ float sv[32];
  __shared__ int si[32];
  int row = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const T *x = logits + (size_t) row * V;
  float best = -INFINITY;
  int best_i = -1;

  for (int i = threadIdx.x; i < V; i += blockDim.x)
    arg_better (best, best_i, pt_to_f (x[i]), i);
  for (int o = 16; o > 0; o >>= 1)
    {
      float v2 = __shfl_xor_sync (PT_FULL_MASK, best, o);
      int i2 = __shfl_xor_sync (PT_FULL_MASK, best_i, o);
      arg_better (best, best_i, v2, i2);
    }
  if (lane == 0)
    {
      sv[warp] = best;
      si[warp] = best_i;
    }
  __syncthreads ();
  if (warp == 0)
    {
      int n_warps = blockDim.x >> 5;
      best = lane < n_warps ? sv[lane] : -INFINITY;
      best_i = lane < n_warps ? si[lane] : -1;
      for (int o = 16; o > 0; o >>= 1)
        {
          float v2 = __shfl_xor_sync (PT_FULL_MASK, best, o);
          int i2 = __shfl_xor_sync (PT_FULL_MASK, best_i, o);
          arg_better (best, best_i, v2, i2);
        }
      if (lane == 0)
        out[row] = best_i >= 0 ? best_i : 0;
    }
}

static void
cuda_argmax (PtBackend *be, int32_t *out, const void *logits, int M, int V)
{
  PtCudaBackend *self = pt_cuda (be);

  if (M <= 0 || V <= 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "argmax", argmax_kernel<__nv_bfloat16>, (unsigned) M, CE_THREADS, 0,
                    out, (const __nv_bfloat16 *) logits, V);
  else
    pt_cuda_launch (self, "argmax", argmax_kernel<float>, (unsigned) M, CE_THREADS, 0,
                    out, (const float *) logits, V);
}

void
pt_cuda_loss_ops (PtBackendOps *ops)
{
  ops->cross_entropy = cuda_cross_entropy;
  ops->argmax = cuda_argmax;
}
