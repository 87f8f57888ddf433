/* pt-cuda-norm.cu — LayerNorm (SigLIP), RMSNorm with (1 + w) (Gemma) and the
 * bias gradient.
 *
 * Row statistics: one warp per row, fp32 sums (two passes for the variance),
 * rows re-read from L1/L2 rather than held in registers so any C works.
 * Parameter gradients are column sums over rows: each block sums a chunk of
 * rows for 32 columns, the chunks land in scratch memory, and a second kernel
 * adds them up in a fixed order — deterministic, no atomics.
 */
#include "config.h"

#include "pt-cuda-private.h"

#define ROW_WARPS 4                 /* rows per block in the row kernels */
#define COL_TILE 32                 /* columns per block in the column sums */
#define COL_ROWS 8                  /* row threads per block in the column sums */

/* ---- LayerNorm ----------------------------------------------------------- */

template <typename T>
__global__ static void
layernorm_forward_kernel (T *out, float *mean_out, float *rstd_out, const T *inp,
                          const float *weight, const float *bias, int N, int C, float eps)
{
  int row = blockIdx.x * ROW_WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
  const T *x;
  T *y;
  float sum = 0.0f, var = 0.0f, mean, rstd;

  if (row >= N)
    return;
  x = inp + (size_t) row * C;
  y = out + (size_t) row * C;
  for (int c = lane; c < C; c += 32)
    sum += pt_to_f (x[c]);
  mean = pt_warp_sum (sum) / (float) C;
  for (int c = lane; c < C; c += 32)
    {
      float d = pt_to_f (x[c]) - mean;
      var += d * d;
    }
  rstd = 1.0f / sqrtf (pt_warp_sum (var) / (float) C + eps);
  for (int c = lane; c < C; c += 32)
    {
      float v = (pt_to_f (x[c]) - mean) * rstd * weight[c];
      y[c] = pt_from_f<T> (bias != NULL ? v + bias[c] : v);
    }
  if (lane == 0)
    {
      if (mean_out != NULL)
        mean_out[row] = mean;
      if (rstd_out != NULL)
        rstd_out[row] = rstd;
    }
}

template <typename T>
__global__ static void
layernorm_backward_kernel (T *dinp, const T *dout, const T *inp, const float *weight,
                           const float *mean_in, const float *rstd_in, int N, int C)
{
  int row = blockIdx.x * ROW_WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
  const T *x, *dy;
  T *dx;
  float mean, rstd, a = 0.0f, b = 0.0f;

  if (row >= N)
    return;
  x = inp + (size_t) row * C;
  dy = dout + (size_t) row * C;
  dx = dinp + (size_t) row * C;
  mean = mean_in[row];
  rstd = rstd_in[row];
  for (int c = lane; c < C; c += 32)
    {
      float xhat = (pt_to_f (x[c]) - mean) * rstd, g = pt_to_f (dy[c]) * weight[c];
      a += g;
      b += g * xhat;
    }
  a = pt_warp_sum (a) / (float) C;
  b = pt_warp_sum (b) / (float) C;
  for (int c = lane; c < C; c += 32)
    {
      float xhat = (pt_to_f (x[c]) - mean) * rstd, g = pt_to_f (dy[c]) * weight[c];
      dx[c] = pt_from_f<T> (pt_to_f (dx[c]) + rstd * (g - a - xhat * b));
    }
}

/* ---- RMSNorm -------------------------------------------------------------- */

template <typename T>
__global__ static void
rmsnorm_forward_kernel (T *out, float *rstd_out, const T *inp, const float *weight,
                        int N, int C, float eps)
{
  int row = blockIdx.x * ROW_WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
  const T *x;
  T *y;
  float ss = 0.0f, rstd;

  if (row >= N)
    return;
  x = inp + (size_t) row * C;
  y = out + (size_t) row * C;
  for (int c = lane; c < C; c += 32)
    {
      float v = pt_to_f (x[c]);
      ss += v * v;
    }
  rstd = 1.0f / sqrtf (pt_warp_sum (ss) / (float) C + eps);
  for (int c = lane; c < C; c += 32)
    y[c] = pt_from_f<T> ((pt_to_f (x[c]) * rstd) * (1.0f + weight[c]));
  if (lane == 0 && rstd_out != NULL)
    rstd_out[row] = rstd;
}

template <typename T>
__global__ static void
rmsnorm_backward_kernel (T *dinp, const T *dout, const T *inp, const float *weight,
                         const float *rstd_in, int N, int C)
{
  int row = blockIdx.x * ROW_WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
  const T *x, *dy;
  T *dx;
  float rstd, dot = 0.0f, k;

  if (row >= N)
    return;
  x = inp + (size_t) row * C;
  dy = dout + (size_t) row * C;
  dx = dinp + (size_t) row * C;
  rstd = rstd_in[row];
  for (int c = lane; c < C; c += 32)
    dot += pt_to_f (dy[c]) * (1.0f + weight[c]) * pt_to_f (x[c]);
  /* d/dx of x·rstd·(1+w): rstd·g − x·rstd³·(g·x)/C with g = dout·(1+w) */
  k = pt_warp_sum (dot) * rstd * rstd * rstd / (float) C;
  for (int c = lane; c < C; c += 32)
    {
      float g = pt_to_f (dy[c]) * (1.0f + weight[c]);
      dx[c] = pt_from_f<T> (pt_to_f (dx[c]) + rstd * g - pt_to_f (x[c]) * k);
    }
}

/* ---- column sums for the parameter gradients ------------------------------ */

enum { SUM_DOUT = 0, SUM_LAYERNORM = 1, SUM_RMSNORM = 2 };

/* partial (n_chunks, n_out, C): block (x, y) sums rows of chunk y for columns
 * x*32 .. x*32+31. SUM_DOUT: Σ dout; SUM_LAYERNORM: Σ dout·xhat and Σ dout;
 * SUM_RMSNORM: Σ dout·x·rstd. */
template <typename T, int MODE>
__global__ static void
column_partial_kernel (float *partial, const T *dout, const T *inp, const float *mean,
                       const float *rstd, int N, int C, int rows_per_chunk)
{
  __shared__ float s0[COL_ROWS][COL_TILE + 1];
  __shared__ float s1[COL_ROWS][COL_TILE + 1];
  int tx = threadIdx.x & (COL_TILE - 1), ty = threadIdx.x / COL_TILE;
  int c = blockIdx.x * COL_TILE + tx;
  int r0 = blockIdx.y * rows_per_chunk, r1 = pt_imin (N, r0 + rows_per_chunk);
  int n_out = MODE == SUM_LAYERNORM ? 2 : 1;
  float a0 = 0.0f, a1 = 0.0f;

  if (c < C)
    for (int r = r0 + ty; r < r1; r += COL_ROWS)
      {
        float d = pt_to_f (dout[(size_t) r * C + c]);
        if (MODE == SUM_DOUT)
          a0 += d;
        else if (MODE == SUM_LAYERNORM)
          {
            a0 += d * (pt_to_f (inp[(size_t) r * C + c]) - mean[r]) * rstd[r];
            a1 += d;
          }
        else
          a0 += d * pt_to_f (inp[(size_t) r * C + c]) * rstd[r];
      }
  s0[ty][tx] = a0;
  s1[ty][tx] = a1;
  __syncthreads ();
  if (ty == 0 && c < C)
    {
      for (int j = 1; j < COL_ROWS; j++)
        {
          a0 += s0[j][tx];
          a1 += s1[j][tx];
        }
      partial[((size_t) blockIdx.y * n_out) * C + c] = a0;
      if (n_out == 2)
        partial[((size_t) blockIdx.y * n_out + 1) * C + c] = a1;
    }
}

/* dst0[c] += Σ_chunks partial[chunk][0][c]; dst1 likewise with [1] */
__global__ static void
column_final_kernel (float *dst0, float *dst1, const float *partial, int n_chunks, int n_out, int C)
{
  for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < C; c += gridDim.x * blockDim.x)
    {
      float a0 = 0.0f, a1 = 0.0f;
      for (int k = 0; k < n_chunks; k++)
        {
          a0 += partial[((size_t) k * n_out) * C + c];
          if (n_out == 2)
            a1 += partial[((size_t) k * n_out + 1) * C + c];
        }
      if (dst0 != NULL)
        dst0[c] += a0;
      if (dst1 != NULL)
        dst1[c] += a1;
    }
}

template <typename T, int MODE>
static void
column_sums (PtCudaBackend *self, const char *op, float *dst0, float *dst1, const T *dout,
             const T *inp, const float *mean, const float *rstd, int N, int C)
{
  int n_out = MODE == SUM_LAYERNORM ? 2 : 1;
  int n_chunks = pt_imin ((N + 31) / 32, 256);
  int rows_per_chunk = (N + n_chunks - 1) / n_chunks;
  float *partial;
  dim3 grid ((unsigned) ((C + COL_TILE - 1) / COL_TILE), (unsigned) n_chunks);

  if (N <= 0 || C <= 0)
    return;
  partial = (float *) pt_cuda_scratch (self, (size_t) n_chunks * n_out * C * sizeof (float), op);
  if (partial == NULL)
    return;
  pt_cuda_launch (self, op, column_partial_kernel<T, MODE>, grid, COL_TILE * COL_ROWS, 0,
                  partial, dout, inp, mean, rstd, N, C, rows_per_chunk);
  pt_cuda_launch (self, op, column_final_kernel, (unsigned) ((C + 255) / 256), 256, 0,
                  dst0, dst1, (const float *) partial, n_chunks, n_out, C);
}

/* ---- the ops ---------------------------------------------------------------- */

static unsigned
row_blocks (int N)
{
  return (unsigned) ((N + ROW_WARPS - 1) / ROW_WARPS);
}

static void
cuda_layernorm_forward (PtBackend *be, void *out, void *mean, void *rstd, const void *inp,
                        const void *weight, const void *bias, int N, int C, double eps)
{
  PtCudaBackend *self = pt_cuda (be);

  if (N <= 0 || C <= 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "layernorm_forward", layernorm_forward_kernel<__nv_bfloat16>, row_blocks (N),
                    ROW_WARPS * 32, 0, (__nv_bfloat16 *) out, (float *) mean, (float *) rstd,
                    (const __nv_bfloat16 *) inp, (const float *) weight, (const float *) bias,
                    N, C, (float) eps);
  else
    pt_cuda_launch (self, "layernorm_forward", layernorm_forward_kernel<float>, row_blocks (N),
                    ROW_WARPS * 32, 0, (float *) out, (float *) mean, (float *) rstd,
                    (const float *) inp, (const float *) weight, (const float *) bias,
                    N, C, (float) eps);
}

template <typename T>
static void
layernorm_backward (PtCudaBackend *self, T *dinp, float *dweight, float *dbias, const T *dout,
                    const T *inp, const float *weight, const float *mean, const float *rstd,
                    int N, int C)
{
  if (dinp != NULL)
    pt_cuda_launch (self, "layernorm_backward", layernorm_backward_kernel<T>, row_blocks (N),
                    ROW_WARPS * 32, 0, dinp, dout, inp, weight, mean, rstd, N, C);
  if (dweight != NULL || dbias != NULL)
    column_sums<T, SUM_LAYERNORM> (self, "layernorm_backward", dweight, dbias, dout, inp,
                                   mean, rstd, N, C);
}

static void
cuda_layernorm_backward (PtBackend *be, void *dinp, void *dweight, void *dbias,
                         const void *dout, const void *inp, const void *weight,
                         const void *mean, const void *rstd, int N, int C)
{
  if (N <= 0 || C <= 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    layernorm_backward (pt_cuda (be), (__nv_bfloat16 *) dinp, (float *) dweight, (float *) dbias,
                        (const __nv_bfloat16 *) dout, (const __nv_bfloat16 *) inp,
                        (const float *) weight, (const float *) mean, (const float *) rstd, N, C);
  else
    layernorm_backward (pt_cuda (be), (float *) dinp, (float *) dweight, (float *) dbias,
                        (const float *) dout, (const float *) inp,
                        (const float *) weight, (const float *) mean, (const float *) rstd, N, C);
}

static void
cuda_rmsnorm_forward (PtBackend *be, void *out, void *rstd, const void *inp, const void *weight,
                      int N, int C, double eps)
{
  PtCudaBackend *self = pt_cuda (be);

  if (N <= 0 || C <= 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "rmsnorm_forward", rmsnorm_forward_kernel<__nv_bfloat16>, row_blocks (N),
                    ROW_WARPS * 32, 0, (__nv_bfloat16 *) out, (float *) rstd,
                    (const __nv_bfloat16 *) inp, (const float *) weight, N, C, (float) eps);
  else
    pt_cuda_launch (self, "rmsnorm_forward", rmsnorm_forward_kernel<float>, row_blocks (N),
                    ROW_WARPS * 32, 0, (float *) out, (float *) rstd,
                    (const float *) inp, (const float *) weight, N, C, (float) eps);
}

template <typename T>
static void
rmsnorm_backward (PtCudaBackend *self, T *dinp, float *dweight, const T *dout, const T *inp,
                  const float *weight, const float *rstd, int N, int C)
{
  if (dinp != NULL)
    pt_cuda_launch (self, "rmsnorm_backward", rmsnorm_backward_kernel<T>, row_blocks (N),
                    ROW_WARPS * 32, 0, dinp, dout, inp, weight, rstd, N, C);
  if (dweight != NULL)
    column_sums<T, SUM_RMSNORM> (self, "rmsnorm_backward", dweight, (float *) NULL, dout, inp,
                                 (const float *) NULL, rstd, N, C);
}

static void
cuda_rmsnorm_backward (PtBackend *be, void *dinp, void *dweight, const void *dout,
                       const void *inp, const void *weight, const void *rstd, int N, int C)
{
  if (N <= 0 || C <= 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    rmsnorm_backward (pt_cuda (be), (__nv_bfloat16 *) dinp, (float *) dweight,
                      (const __nv_bfloat16 *) dout, (const __nv_bfloat16 *) inp,
                      (const float *) weight, (const float *) rstd, N, C);
  else
    rmsnorm_backward (pt_cuda (be), (float *) dinp, (float *) dweight, (const float *) dout,
                      (const float *) inp, (const float *) weight, (const float *) rstd, N, C);
}

static void
cuda_bias_backward (PtBackend *be, void *dbias, const void *dout, int N, int C)
{
  if (N <= 0 || C <= 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    column_sums<__nv_bfloat16, SUM_DOUT> (pt_cuda (be), "bias_backward", (float *) dbias,
                                          (float *) NULL, (const __nv_bfloat16 *) dout,
                                          (const __nv_bfloat16 *) NULL, (const float *) NULL,
                                          (const float *) NULL, N, C);
  else
    column_sums<float, SUM_DOUT> (pt_cuda (be), "bias_backward", (float *) dbias, (float *) NULL,
                                  (const float *) dout, (const float *) NULL,
                                  (const float *) NULL, (const float *) NULL, N, C);
}

void
pt_cuda_norm_ops (PtBackendOps *ops)
{
  ops->layernorm_forward = cuda_layernorm_forward;
  ops->layernorm_backward = cuda_layernorm_backward;
  ops->rmsnorm_forward = cuda_rmsnorm_forward;
  ops->rmsnorm_backward = cuda_rmsnorm_backward;
  ops->bias_backward = cuda_bias_backward;
}
