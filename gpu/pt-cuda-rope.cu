/* pt-cuda-rope.cu — rotary position embedding, half-split (NeoX/Gemma), in
 * place. The angles are computed as Hugging Face does: inv_freq_j =
 * 1 / theta^(2j/D) in fp32 (here on the host), angle = position · inv_freq_j
 * in fp32, then fp32 cos/sin; the rotation itself is fp32 with one rounding
 * per output.
 */
#include "config.h"

#include <math.h>           /* powf */

#include "pt-cuda-private.h"

#define MAX_HALF 256   /* head_dim up to 512 */

typedef struct {
  int32_t v[PT_MAX_BATCH];
} BatchInts;   /* a per-row host array, passed by value as a kernel parameter */

typedef struct {
  float v[MAX_HALF];
} InvFreq;     /* computed on the host: the same bits as the CPU reference's */

template <typename T>
__global__ static void
rope_kernel (T *x, int B, int T_, int H, int D, BatchInts pos_start, int has_pos_start, int pos0,
             InvFreq inv_freq, int inverse)
{
  int half = D / 2;
  size_t total = (size_t) B * T_ * H * half;

  for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (size_t) gridDim.x * blockDim.x)
    {
      int j = (int) (i % half);
      size_t row = i / half;                 /* (b, t, h) */
      int t = (int) ((row / H) % T_), b = (int) (row / ((size_t) H * T_));
      int pos = (has_pos_start ? pos_start.v[b] : pos0) + t;
      float angle = (float) pos * inv_freq.v[j];
      float c = cosf (angle), s = sinf (angle);
      T *p = x + row * D;
      float x1 = pt_to_f (p[j]), x2 = pt_to_f (p[j + half]);

      if (inverse)
        s = -s;
      p[j] = pt_from_f<T> (x1 * c - x2 * s);
      p[j + half] = pt_from_f<T> (x2 * c + x1 * s);
    }
}

static void
cuda_rope (PtBackend *be, void *x, int B, int T, int H, int D, const int32_t *pos_start,
           int pos0, double theta, gboolean inverse)
{
  PtCudaBackend *self = pt_cuda (be);
  BatchInts starts;
  InvFreq inv_freq;
  size_t total;

  g_return_if_fail (B <= PT_MAX_BATCH && D % 2 == 0 && D / 2 <= MAX_HALF);
  if (B <= 0 || T <= 0 || H <= 0 || D <= 0)
    return;
  memset (&starts, 0, sizeof starts);
  memset (&inv_freq, 0, sizeof inv_freq);
  for (int j = 0; j < D / 2; j++)
    inv_freq.v[j] = 1.0f / powf ((float) theta, (float) (2 * j) / (float) D);
  if (pos_start != NULL)
    memcpy (starts.v, pos_start, (size_t) B * sizeof (int32_t));
  total = (size_t) B * T * H * (D / 2);
  if (be->act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "rope", rope_kernel<__nv_bfloat16>, pt_cuda_grid (self, total, 256), 256, 0,
                    (__nv_bfloat16 *) x, B, T, H, D, starts, pos_start != NULL, pos0,
                    inv_freq, (int) inverse);
  else
    pt_cuda_launch (self, "rope", rope_kernel<float>, pt_cuda_grid (self, total, 256), 256, 0,
                    (float *) x, B, T, H, D, starts, pos_start != NULL, pos0,
                    inv_freq, (int) inverse);
}

void
pt_cuda_rope_ops (PtBackendOps *ops)
{
  ops->rope = cuda_rope;
}
