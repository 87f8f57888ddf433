/* pt-cuda-embed.cu — token embeddings, row gathers and scatters, and the
 * SigLIP patch extraction (im2col).
 */
#include "config.h"

#include "pt-cuda-private.h"

#define THREADS 256
#define GRID_STRIDE(i, n) \
  for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
       i += (size_t) gridDim.x * blockDim.x)

/* ---- embeddings ------------------------------------------------------------ */

/* out (N,C) = (T) table[ids] * (T) scale: both factors rounded to the
 * activation dtype first, as the model dtype does it in PyTorch. */
template <typename T>
__global__ static void
embedding_forward_kernel (T *out, const int32_t *ids, const void *table, PtDType table_dtype,
                          int N, int C, int V, float scale)
{
  float s = pt_to_f (pt_from_f<T> (scale));
  size_t total = (size_t) N * C;

  GRID_STRIDE (i, total)
    {
      size_t row = i / C, c = i % C;
      int id = ids[row];
      float v = 0.0f;
      if (id >= 0 && id < V)
        v = pt_to_f (pt_from_f<T> ((float) pt_load_any (table, table_dtype, (size_t) id * C + c))) * s;
      out[i] = pt_from_f<T> (v);
    }
}

/* dtable (V,C) += dout * scale at rows ids; repeated ids meet in atomics */
template <typename T>
__global__ static void
embedding_backward_kernel (float *dtable, const T *dout, const int32_t *ids, int N, int C, int V,
                           float scale)
{
  size_t total = (size_t) N * C;

  GRID_STRIDE (i, total)
    {
      size_t row = i / C, c = i % C;
      int id = ids[row];
      if (id >= 0 && id < V)
        atomicAdd (&dtable[(size_t) id * C + c], pt_to_f (dout[i]) * scale);
    }
}

static void
cuda_embedding_forward (PtBackend *be, void *out, const int32_t *ids, const void *table,
                        PtDType table_dtype, int N, int C, int V, double scale)
{
  PtCudaBackend *self = pt_cuda (be);
  size_t total = (size_t) (N > 0 ? N : 0) * (size_t) (C > 0 ? C : 0);

  if (total == 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "embedding_forward", embedding_forward_kernel<__nv_bfloat16>,
                    pt_cuda_grid (self, total, THREADS), THREADS, 0, (__nv_bfloat16 *) out, ids,
                    table, table_dtype, N, C, V, (float) scale);
  else
    pt_cuda_launch (self, "embedding_forward", embedding_forward_kernel<float>,
                    pt_cuda_grid (self, total, THREADS), THREADS, 0, (float *) out, ids,
                    table, table_dtype, N, C, V, (float) scale);
}

static void
cuda_embedding_backward (PtBackend *be, void *dtable, const void *dout, const int32_t *ids,
                         int N, int C, int V, double scale)
{
  PtCudaBackend *self = pt_cuda (be);
  size_t total = (size_t) (N > 0 ? N : 0) * (size_t) (C > 0 ? C : 0);

  if (total == 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "embedding_backward", embedding_backward_kernel<__nv_bfloat16>,
                    pt_cuda_grid (self, total, THREADS), THREADS, 0, (float *) dtable,
                    (const __nv_bfloat16 *) dout, ids, N, C, V, (float) scale);
  else
    pt_cuda_launch (self, "embedding_backward", embedding_backward_kernel<float>,
                    pt_cuda_grid (self, total, THREADS), THREADS, 0, (float *) dtable,
                    (const float *) dout, ids, N, C, V, (float) scale);
}

/* ---- row gathers and scatters ---------------------------------------------- */

/* out (M,C) = src rows idx; a negative index gives a zero row */
template <typename T>
__global__ static void
gather_rows_kernel (T *out, const T *src, const int32_t *idx, int M, int C)
{
  size_t total = (size_t) M * C;

  GRID_STRIDE (i, total)
    {
      int r = idx[i / C];
      out[i] = r >= 0 ? src[(size_t) r * C + i % C] : pt_from_f<T> (0.0f);
    }
}

/* dst rows idx (=) src (M,C); negative indices are skipped */
template <typename T>
__global__ static void
scatter_rows_kernel (T *dst, const T *src, const int32_t *idx, int M, int C)
{
  size_t total = (size_t) M * C;

  GRID_STRIDE (i, total)
    {
      int r = idx[i / C];
      if (r >= 0)
        dst[(size_t) r * C + i % C] = src[i];
    }
}

/* dst rows idx += src; repeated indices meet in atomics */
template <typename T>
__global__ static void
scatter_add_rows_kernel (T *dst, const T *src, const int32_t *idx, int M, int C)
{
  size_t total = (size_t) M * C;

  GRID_STRIDE (i, total)
    {
      int r = idx[i / C];
      if (r >= 0)
        atomicAdd (&dst[(size_t) r * C + i % C], src[i]);
    }
}

static void
cuda_gather_rows (PtBackend *be, void *out, const void *src, const int32_t *idx, int M, int C)
{
  PtCudaBackend *self = pt_cuda (be);
  size_t total = (size_t) (M > 0 ? M : 0) * (size_t) (C > 0 ? C : 0);

  if (total == 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "gather_rows", gather_rows_kernel<__nv_bfloat16>,
                    pt_cuda_grid (self, total, THREADS), THREADS, 0, (__nv_bfloat16 *) out,
                    (const __nv_bfloat16 *) src, idx, M, C);
  else
    pt_cuda_launch (self, "gather_rows", gather_rows_kernel<float>,
                    pt_cuda_grid (self, total, THREADS), THREADS, 0, (float *) out,
                    (const float *) src, idx, M, C);
}

static void
cuda_scatter_rows (PtBackend *be, void *dst, const void *src, const int32_t *idx, int M, int C,
                   gboolean accumulate)
{
  PtCudaBackend *self = pt_cuda (be);
  size_t total = (size_t) (M > 0 ? M : 0) * (size_t) (C > 0 ? C : 0);
  unsigned grid = pt_cuda_grid (self, total, THREADS);

  if (total == 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    {
      if (accumulate)
        pt_cuda_launch (self, "scatter_rows", scatter_add_rows_kernel<__nv_bfloat16>, grid, THREADS, 0,
                        (__nv_bfloat16 *) dst, (const __nv_bfloat16 *) src, idx, M, C);
      else
        pt_cuda_launch (self, "scatter_rows", scatter_rows_kernel<__nv_bfloat16>, grid, THREADS, 0,
                        (__nv_bfloat16 *) dst, (const __nv_bfloat16 *) src, idx, M, C);
    }
  else
    {
      if (accumulate)
        pt_cuda_launch (self, "scatter_rows", scatter_add_rows_kernel<float>, grid, THREADS, 0,
                        (float *) dst, (const float *) src, idx, M, C);
      else
        pt_cuda_launch (self, "scatter_rows", scatter_rows_kernel<float>, grid, THREADS, 0,
                        (float *) dst, (const float *) src, idx, M, C);
    }
}

/* ---- im2col ------------------------------------------------------------------ */

/* out (B, (H/P)*(W/P), Cin*P*P) from pixels (B, Cin, H, W); patches
 * row-major, features (c, py, px) as a Conv2d weight flattens */
template <typename T>
__global__ static void
im2col_kernel (T *out, const T *pixels, int B, int Cin, int H, int W, int P)
{
  int gw = W / P, gh = H / P, K = Cin * P * P;
  size_t total = (size_t) B * gh * gw * K;

  GRID_STRIDE (i, total)
    {
      int f = (int) (i % K);
      size_t patch = i / K;
      int pw = (int) (patch % gw), ph = (int) ((patch / gw) % gh), b = (int) (patch / ((size_t) gw * gh));
      int c = f / (P * P), ky = (f / P) % P, kx = f % P;
      out[i] = pixels[(((size_t) b * Cin + c) * H + (size_t) ph * P + ky) * W + (size_t) pw * P + kx];
    }
}

static void
cuda_im2col (PtBackend *be, void *out, const void *pixels, int B, int Cin, int H, int W, int P)
{
  PtCudaBackend *self = pt_cuda (be);
  size_t total;

  if (B <= 0 || Cin <= 0 || P <= 0 || H < P || W < P)
    return;
  total = (size_t) B * (H / P) * (W / P) * Cin * P * P;
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "im2col", im2col_kernel<__nv_bfloat16>, pt_cuda_grid (self, total, THREADS),
                    THREADS, 0, (__nv_bfloat16 *) out, (const __nv_bfloat16 *) pixels, B, Cin, H, W, P);
  else
    pt_cuda_launch (self, "im2col", im2col_kernel<float>, pt_cuda_grid (self, total, THREADS),
                    THREADS, 0, (float *) out, (const float *) pixels, B, Cin, H, W, P);
}

void
pt_cuda_embed_ops (PtBackendOps *ops)
{
  ops->embedding_forward = cuda_embedding_forward;
  ops->embedding_backward = cuda_embedding_backward;
  ops->gather_rows = cuda_gather_rows;
  ops->scatter_rows = cuda_scatter_rows;
  ops->im2col = cuda_im2col;
}
