/* pt-cuda-nf4.cu — bitsandbytes NF4 dequantisation: out[i] =
 * nf4_code[index i] * absmax[i / 64] in fp32, then one rounding to the output
 * dtype. Two indices per byte, the first element in the high nibble.
 *
 * The 16-entry code table lives in constant memory and is copied into
 * shared memory per block: the lanes of a warp read different entries, which
 * constant memory would serialise.
 */
#include "config.h"

#include "pt-cuda-private.h"

#define THREADS 256

/* bitsandbytes functional.py get_4bit_type ("nf4") */
static __constant__ float nf4_code[16] = {
  -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
  -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
  0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
  0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
};

/* one byte (two outputs) per step; any alignment, any n */
template <typename T>
__global__ static void
nf4_kernel (T *out, const uint8_t *packed, const float *absmax, size_t n)
{
  __shared__ float code[16];
  size_t n_bytes = (n + 1) / 2;

  if (threadIdx.x < 16)
    code[threadIdx.x] = nf4_code[threadIdx.x];
  __syncthreads ();
  for (size_t j = (size_t) blockIdx.x * blockDim.x + threadIdx.x; j < n_bytes;
       j += (size_t) gridDim.x * blockDim.x)
    {
      uint8_t byte = packed[j];
      size_t i = 2 * j;
      out[i] = pt_from_f<T> (code[byte >> 4] * absmax[i / 64]);
      if (i + 1 < n)
        out[i + 1] = pt_from_f<T> (code[byte & 15] * absmax[(i + 1) / 64]);
    }
}

/* BF16 output, 4 bytes in and 8 outputs (16 bytes) out per step: packed
 * 4-byte aligned, out 16-byte aligned, n8 groups of 8 elements */
typedef PtPacked<__nv_bfloat16, 8> Bf16x8;

__global__ static void
nf4_bf16x8_kernel (Bf16x8 *out, const uint32_t *packed, const float *absmax, size_t n8)
{
  __shared__ float code[16];

  if (threadIdx.x < 16)
    code[threadIdx.x] = nf4_code[threadIdx.x];
  __syncthreads ();
  for (size_t j = (size_t) blockIdx.x * blockDim.x + threadIdx.x; j < n8;
       j += (size_t) gridDim.x * blockDim.x)
    {
      uint32_t word = packed[j];
      const uint8_t *bytes = reinterpret_cast<const uint8_t *> (&word);
      float scale = absmax[(8 * j) / 64];     /* 8 elements never straddle a block of 64 */
      Bf16x8 v;
      for (int k = 0; k < 4; k++)
        {
          v.v[2 * k] = __float2bfloat16 (code[bytes[k] >> 4] * scale);
          v.v[2 * k + 1] = __float2bfloat16 (code[bytes[k] & 15] * scale);
        }
      out[j] = v;
    }
}

static void
cuda_nf4_dequantize (PtBackend *be, void *out, PtDType out_dtype, const uint8_t *packed,
                     const float *absmax, size_t n)
{
  PtCudaBackend *self = pt_cuda (be);

  g_return_if_fail (out_dtype == PT_DTYPE_BF16 || out_dtype == PT_DTYPE_F32
                    || out_dtype == PT_DTYPE_F16);
  if (n == 0)
    return;
  if (out_dtype == PT_DTYPE_BF16)
    {
      size_t n8 = ((uintptr_t) out & 15) == 0 && ((uintptr_t) packed & 3) == 0 ? n / 8 : 0;
      if (n8 > 0)
        pt_cuda_launch (self, "nf4_dequantize", nf4_bf16x8_kernel, pt_cuda_grid (self, n8, THREADS),
                        THREADS, 0, (Bf16x8 *) out, (const uint32_t *) packed, absmax, n8);
      if (n8 * 8 < n)
        /* the tail starts on a byte (8 elements = 4 bytes) and keeps its
         * absmax blocks: shift all three pointers by whole groups of 64 */
        {
          size_t start = n8 * 8, block0 = start / 64 * 64;
          pt_cuda_launch (self, "nf4_dequantize", nf4_kernel<__nv_bfloat16>,
                          pt_cuda_grid (self, (n - block0 + 1) / 2, THREADS), THREADS, 0,
                          (__nv_bfloat16 *) out + block0, packed + block0 / 2, absmax + block0 / 64,
                          n - block0);
        }
    }
  else if (out_dtype == PT_DTYPE_F32)
    pt_cuda_launch (self, "nf4_dequantize", nf4_kernel<float>, pt_cuda_grid (self, (n + 1) / 2, THREADS),
                    THREADS, 0, (float *) out, packed, absmax, n);
  else
    pt_cuda_launch (self, "nf4_dequantize", nf4_kernel<__half>, pt_cuda_grid (self, (n + 1) / 2, THREADS),
                    THREADS, 0, (__half *) out, packed, absmax, n);
}

void
pt_cuda_nf4_ops (PtBackendOps *ops)
{
  ops->nf4_dequantize = cuda_nf4_dequantize;
}
