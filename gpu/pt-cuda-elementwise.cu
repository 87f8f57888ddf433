/* pt-cuda-elementwise.cu — element-wise ops: add, scale, GELU (tanh), GeGLU,
 * dropout, bias add and dtype conversion. fp32 math, one rounding to the
 * activation dtype per output; grid-stride loops.
 */
#include "config.h"

#include "pt-cuda-private.h"
#include "pt-rng.h"         /* pt_rng_uniform */

#define THREADS 256
#define GRID_STRIDE(i, n) \
  for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
       i += (size_t) gridDim.x * blockDim.x)

#define GELU_C 0.7978845608028654f   /* sqrt(2/pi) */
#define GELU_A 0.044715f

static __device__ __forceinline__ float
gelu_f (float x)
{
  float t = tanhf (GELU_C * (x + GELU_A * x * x * x));
  return 0.5f * x * (1.0f + t);
}

static __device__ __forceinline__ float
gelu_grad_f (float x)
{
  float t = tanhf (GELU_C * (x + GELU_A * x * x * x));
  return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_C * (1.0f + 3.0f * GELU_A * x * x);
}

/* ---- add --------------------------------------------------------------- */

template <typename T>
__global__ static void
add_kernel (T *out, const T *a, const T *b, size_t n)
{
  GRID_STRIDE (i, n)
    out[i] = pt_from_f<T> (pt_to_f (a[i]) + pt_to_f (b[i]));
}

/* 8 BF16 per 16-byte access when every pointer is aligned */
typedef PtPacked<__nv_bfloat16, 8> Bf16x8;

__global__ static void
add_bf16x8_kernel (Bf16x8 *out, const Bf16x8 *a, const Bf16x8 *b, size_t n8)
{
  GRID_STRIDE (i, n8)
    {
      Bf16x8 va = a[i], vb = b[i], vo;
      for (int j = 0; j < 8; j++)
        vo.v[j] = __float2bfloat16 (__bfloat162float (va.v[j]) + __bfloat162float (vb.v[j]));
      out[i] = vo;
    }
}

static gboolean
aligned16 (const void *p)
{
  return ((uintptr_t) p & 15) == 0;
}

static void
cuda_add (PtBackend *be, void *out, const void *a, const void *b, size_t n)
{
  PtCudaBackend *self = pt_cuda (be);

  if (n == 0)
    return;
  if (be->act_dtype == PT_DTYPE_BF16)
    {
      size_t n8 = aligned16 (out) && aligned16 (a) && aligned16 (b) ? n / 8 : 0;
      if (n8 > 0)
        pt_cuda_launch (self, "add", add_bf16x8_kernel, pt_cuda_grid (self, n8, THREADS), THREADS, 0,
                        (Bf16x8 *) out, (const Bf16x8 *) a, (const Bf16x8 *) b, n8);
      if (n8 * 8 < n)
        pt_cuda_launch (self, "add", add_kernel<__nv_bfloat16>, pt_cuda_grid (self, n - n8 * 8, THREADS),
                        THREADS, 0, (__nv_bfloat16 *) out + n8 * 8,
                        (const __nv_bfloat16 *) a + n8 * 8, (const __nv_bfloat16 *) b + n8 * 8,
                        n - n8 * 8);
    }
  else
    pt_cuda_launch (self, "add", add_kernel<float>, pt_cuda_grid (self, n, THREADS), THREADS, 0,
                    (float *) out, (const float *) a, (const float *) b, n);
}

/* ---- scale --------------------------------------------------------------- */

__global__ static void
scale_kernel (void *x, PtDType dtype, size_t n, double alpha)
{
  GRID_STRIDE (i, n)
    pt_store_any (x, dtype, i, pt_load_any (x, dtype, i) * alpha);
}

static void
cuda_scale (PtBackend *be, void *x, PtDType dtype, size_t n, double alpha)
{
  PtCudaBackend *self = pt_cuda (be);

  g_return_if_fail (dtype == PT_DTYPE_F32 || dtype == PT_DTYPE_BF16 || dtype == PT_DTYPE_F16
                    || dtype == PT_DTYPE_F64);
  if (n == 0 || alpha == 1.0)
    return;
  pt_cuda_launch (self, "scale", scale_kernel, pt_cuda_grid (self, n, THREADS), THREADS, 0,
                  x, dtype, n, alpha);
}

/* ---- GELU and GeGLU ------------------------------------------------------- */

template <typename T>
__global__ static void
gelu_forward_kernel (T *out, const T *inp, size_t n)
{
  GRID_STRIDE (i, n)
    out[i] = pt_from_f<T> (gelu_f (pt_to_f (inp[i])));
}

template <typename T>
__global__ static void
gelu_backward_kernel (T *dinp, const T *inp, const T *dout, size_t n)
{
  GRID_STRIDE (i, n)
    dinp[i] = pt_from_f<T> (gelu_grad_f (pt_to_f (inp[i])) * pt_to_f (dout[i]));
}

template <typename T>
__global__ static void
geglu_forward_kernel (T *out, const T *gate, const T *up, size_t n)
{
  GRID_STRIDE (i, n)
    out[i] = pt_from_f<T> (gelu_f (pt_to_f (gate[i])) * pt_to_f (up[i]));
}

template <typename T>
__global__ static void
geglu_backward_kernel (T *dgate, T *dup, const T *dout, const T *gate, const T *up, size_t n)
{
  GRID_STRIDE (i, n)
    {
      float g = pt_to_f (gate[i]), u = pt_to_f (up[i]), d = pt_to_f (dout[i]);
      /* read everything before writing: dgate or dup may alias dout */
      float dg = d * u * gelu_grad_f (g), du = d * gelu_f (g);
      dgate[i] = pt_from_f<T> (dg);
      dup[i] = pt_from_f<T> (du);
    }
}

#define DISPATCH_ACT(be, what, kernel, n, ...) \
  do { \
    PtCudaBackend *self_ = pt_cuda (be); \
    if ((n) == 0) \
      break; \
    if ((be)->act_dtype == PT_DTYPE_BF16) \
      pt_cuda_launch (self_, what, kernel<__nv_bfloat16>, pt_cuda_grid (self_, n, THREADS), THREADS, 0, \
                      __VA_ARGS__); \
    else \
      pt_cuda_launch (self_, what, kernel<float>, pt_cuda_grid (self_, n, THREADS), THREADS, 0, \
                      __VA_ARGS__); \
  } while (0)

static void
cuda_gelu_forward (PtBackend *be, void *out, const void *inp, size_t n)
{
  DISPATCH_ACT (be, "gelu_forward", gelu_forward_kernel, n, out, inp, n);
}

static void
cuda_gelu_backward (PtBackend *be, void *dinp, const void *inp, const void *dout, size_t n)
{
  DISPATCH_ACT (be, "gelu_backward", gelu_backward_kernel, n, dinp, inp, dout, n);
}

static void
cuda_geglu_forward (PtBackend *be, void *out, const void *gate, const void *up, size_t n)
{
  DISPATCH_ACT (be, "geglu_forward", geglu_forward_kernel, n, out, gate, up, n);
}

static void
cuda_geglu_backward (PtBackend *be, void *dgate, void *dup, const void *dout,
                     const void *gate, const void *up, size_t n)
{
  DISPATCH_ACT (be, "geglu_backward", geglu_backward_kernel, n, dgate, dup, dout, gate, up, n);
}

/* ---- dropout ----------------------------------------------------------- */

template <typename T>
__global__ static void
dropout_kernel (T *out, const T *inp, size_t n, float p, float keep_scale,
                unsigned long long seed, unsigned long long offset)
{
  GRID_STRIDE (i, n)
    {
      gboolean keep = pt_rng_uniform (seed, offset + i) >= p;
      out[i] = pt_from_f<T> (keep ? pt_to_f (inp[i]) * keep_scale : 0.0f);
    }
}

static void
cuda_dropout (PtBackend *be, void *out, const void *inp, size_t n, double p,
              uint64_t seed, uint64_t offset)
{
  float keep_scale = p < 1.0 ? (float) (1.0 / (1.0 - p)) : 0.0f;

  DISPATCH_ACT (be, "dropout", dropout_kernel, n, out, inp, n, (float) p, keep_scale,
                (unsigned long long) seed, (unsigned long long) offset);
}

/* ---- softcap: x = cap·tanh(x / cap), torch's order ----------------------- */

template <typename T>
__global__ static void
softcap_kernel (T *x, size_t n, float cap)
{
  GRID_STRIDE (i, n)
    x[i] = pt_from_f<T> (tanhf (pt_to_f (x[i]) / cap) * cap);
}

static void
cuda_softcap (PtBackend *be, void *x, size_t n, double cap)
{
  DISPATCH_ACT (be, "softcap", softcap_kernel, n, x, n, (float) cap);
}

/* ---- bias add ---------------------------------------------------------- */

template <typename T>
__global__ static void
bias_add_kernel (T *out, const float *bias, size_t n, int C)
{
  GRID_STRIDE (i, n)
    out[i] = pt_from_f<T> (pt_to_f (out[i]) + bias[i % (size_t) C]);
}

static void
cuda_bias_add (PtBackend *be, void *out, const void *bias, int N, int C)
{
  size_t n = (size_t) (N > 0 ? N : 0) * (size_t) (C > 0 ? C : 0);
  DISPATCH_ACT (be, "bias_add", bias_add_kernel, n, out, bias, n, C);
}

/* ---- convert ------------------------------------------------------------- */

template <typename S, typename D>
__global__ static void
convert_kernel (D *dst, const S *src, size_t n)
{
  GRID_STRIDE (i, n)
    dst[i] = pt_from_f<D> (pt_to_f (src[i]));
}

__global__ static void
convert_any_kernel (void *dst, PtDType dst_dtype, const void *src, PtDType src_dtype, size_t n)
{
  GRID_STRIDE (i, n)
    pt_store_any (dst, dst_dtype, i, pt_load_any (src, src_dtype, i));
}

void
pt_cuda_convert_n (PtCudaBackend *self, void *dst, PtDType dst_dtype,
                   const void *src, PtDType src_dtype, size_t n, const char *op)
{
  unsigned grid = pt_cuda_grid (self, n, THREADS);

  if (n == 0)
    return;
  if (dst_dtype == src_dtype)
    pt_cuda_latch (self, cudaMemcpyAsync (dst, src, n * pt_dtype_size (dst_dtype),
                                          cudaMemcpyDeviceToDevice, self->stream), op);
  else if (src_dtype == PT_DTYPE_F32 && dst_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, op, convert_kernel<float, __nv_bfloat16>, grid, THREADS, 0,
                    (__nv_bfloat16 *) dst, (const float *) src, n);
  else if (src_dtype == PT_DTYPE_BF16 && dst_dtype == PT_DTYPE_F32)
    pt_cuda_launch (self, op, convert_kernel<__nv_bfloat16, float>, grid, THREADS, 0,
                    (float *) dst, (const __nv_bfloat16 *) src, n);
  else if (src_dtype == PT_DTYPE_F16 && dst_dtype == PT_DTYPE_F32)
    pt_cuda_launch (self, op, convert_kernel<__half, float>, grid, THREADS, 0,
                    (float *) dst, (const __half *) src, n);
  else
    pt_cuda_launch (self, op, convert_any_kernel, grid, THREADS, 0,
                    dst, dst_dtype, src, src_dtype, n);
}

static void
cuda_convert (PtBackend *be, void *dst, PtDType dst_dtype, const void *src, PtDType src_dtype,
              size_t n)
{
  g_return_if_fail ((unsigned) dst_dtype < PT_N_DTYPES && (unsigned) src_dtype < PT_N_DTYPES);
  pt_cuda_convert_n (pt_cuda (be), dst, dst_dtype, src, src_dtype, n, "convert");
}

void
pt_cuda_elementwise_ops (PtBackendOps *ops)
{
  ops->convert = cuda_convert;
  ops->add = cuda_add;
  ops->scale = cuda_scale;
  ops->gelu_forward = cuda_gelu_forward;
  ops->gelu_backward = cuda_gelu_backward;
  ops->geglu_forward = cuda_geglu_forward;
  ops->geglu_backward = cuda_geglu_backward;
  ops->dropout = cuda_dropout;
  ops->softcap = cuda_softcap;
  ops->bias_add = cuda_bias_add;
}
