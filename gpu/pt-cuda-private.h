/* pt-cuda-private.h — shared by the CUDA backend's files: the backend
 * struct, error latching, kernel launches, scratch memory and small device
 * helpers (dtype conversion, warp and block reductions).
 *
 * Every .cu file of gpu/ also compiles as plain C++ against the CPU emulator
 * in tests/gpu/emu/ (PT_CUDA_EMU), so the kernels are tested on machines
 * without a GPU. Hence: launches go through pt_cuda_launch(), dynamic shared
 * memory through PT_DYNAMIC_SMEM(), and kernels use only the intrinsics the
 * emulator provides (shuffles, __syncthreads, atomicAdd, the math library).
 */
#pragma once

#include <cuda_runtime.h>   /* streams, cudaError_t, dim3 */
#include <cuda_bf16.h>      /* __nv_bfloat16 */
#include <cuda_fp16.h>      /* __half */
#include <cublas_v2.h>      /* cublasHandle_t */
#include <stddef.h>         /* size_t */
#include <stdint.h>         /* int32_t, uint64_t */
#include <string.h>         /* memcpy, memset */

#include "pt-backend.h"     /* PtBackend, PtBackendOps, PtDType */

struct PtCudaBackend {
  PtBackend      parent;
  int            device;
  int            n_sms;            /* multiprocessors */
  size_t         smem_optin;       /* most dynamic shared memory a block may ask for */
  cudaStream_t   stream;
  cublasHandle_t cublas;
  void          *cublas_workspace;
  cudaError_t    first_error;      /* latched: the first CUDA error and where */
  int            first_blas_error; /* cublasStatus_t, 0 = none */
  const char    *first_error_op;
  void          *scratch[2];       /* per-op temporary device memory, by slot */
  size_t         scratch_size[2];
  int            attention_path;   /* PT_CUDA_ATTENTION_* */
  GHashTable    *sizes;            /* device pointer -> allocation size */
  GMutex         lock;             /* guards parent.in_use / peak and sizes */
};

/* ---- host side --------------------------------------------------------- */

static inline PtCudaBackend *
pt_cuda (PtBackend *be)
{
  return (PtCudaBackend *) be;
}

/* Records the first error; later ones are dropped (check() reports it). */
void  pt_cuda_latch       (PtCudaBackend *self, cudaError_t err, const char *op);
void  pt_cuda_latch_blas  (PtCudaBackend *self, cublasStatus_t status, const char *op);
/* Temporary device memory for one op, valid until the next call with the
 * same slot (stream ordered, so kernels still running on the old block
 * finish first). NULL (and a latched error) when the device is out of memory.
 * Slot 0: any op (GEMM operand promotion, column sums, Dsum); slot 1: the
 * attention's score buffers, which live across the GEMMs they feed. */
void *pt_cuda_scratch_slot (PtCudaBackend *self, int slot, size_t bytes, const char *op);
static inline void *
pt_cuda_scratch (PtCudaBackend *self, size_t bytes, const char *op)
{
  return pt_cuda_scratch_slot (self, 0, bytes, op);
}

/* attention: scores through cuBLAS (tensor cores) and a softmax kernel, or
 * the flash kernels (no score buffer); PT_CUDA_ATTENTION=flash|gemm forces one */
enum { PT_CUDA_ATTENTION_AUTO, PT_CUDA_ATTENTION_GEMM, PT_CUDA_ATTENTION_FLASH };

/* strided-batched row-major GEMM (pt-backend.h's gemm_batched), for ops
 * built on it; operands of one dtype need no scratch */
void pt_cuda_gemm_strided (PtCudaBackend *self, gboolean trans_a, gboolean trans_b,
                           int m, int n, int k, double alpha,
                           const void *a, PtDType a_dtype, int lda, int64_t stride_a,
                           const void *b, PtDType b_dtype, int ldb, int64_t stride_b,
                           double beta, void *c, PtDType c_dtype, int ldc, int64_t stride_c,
                           int batch);
/* Raises a kernel's dynamic shared memory limit (once per kernel). */
gboolean pt_cuda_allow_smem (PtCudaBackend *self, const void *kernel, size_t bytes, const char *op);

/* Grid for a grid-stride loop over n items with `threads` per block. */
static inline unsigned
pt_cuda_grid (PtCudaBackend *self, size_t n, int threads)
{
  size_t blocks = (n + (size_t) threads - 1) / (size_t) threads;
  size_t cap = (size_t) (self->n_sms > 0 ? self->n_sms : 16) * 32;
  if (blocks > cap)
    blocks = cap;
  return (unsigned) (blocks > 0 ? blocks : 1);
}

#if defined(__CUDACC__)
template <typename... KP, typename... A>
static inline void
pt_cuda_launch (PtCudaBackend *self, const char *op, void (*kernel) (KP...),
                dim3 grid, dim3 block, size_t smem, A... args)
{
  kernel<<<grid, block, smem, self->stream>>> (static_cast<KP> (args)...);
  pt_cuda_latch (self, cudaGetLastError (), op);
}
#define PT_DYNAMIC_SMEM(type, name) \
  extern __shared__ __align__ (16) unsigned char pt_dynamic_smem_[]; \
  type *name = reinterpret_cast<type *> (pt_dynamic_smem_)
#else
template <typename... KP, typename... A>
static inline void
pt_cuda_launch (PtCudaBackend *self, const char *op, void (*kernel) (KP...),
                dim3 grid, dim3 block, size_t smem, A... args)
{
  pt_emu_launch ((const void *) kernel, grid, block, smem,
                 [=] () { kernel (static_cast<KP> (args)...); });
  pt_cuda_latch (self, cudaGetLastError (), op);
}
#define PT_DYNAMIC_SMEM(type, name) \
  type *name = reinterpret_cast<type *> (pt_emu_dynamic_smem ())
#endif

/* The op families fill their entries of the table. */
void pt_cuda_gemm_ops        (PtBackendOps *ops);
void pt_cuda_elementwise_ops (PtBackendOps *ops);
void pt_cuda_norm_ops        (PtBackendOps *ops);
void pt_cuda_rope_ops        (PtBackendOps *ops);
void pt_cuda_attention_ops   (PtBackendOps *ops);
void pt_cuda_embed_ops       (PtBackendOps *ops);
void pt_cuda_loss_ops        (PtBackendOps *ops);
void pt_cuda_optim_ops       (PtBackendOps *ops);
void pt_cuda_nf4_ops         (PtBackendOps *ops);

/* Converts n elements between float dtypes (and I32, U8) on the stream;
 * shared by convert() and the GEMM's operand promotion. */
void pt_cuda_convert_n (PtCudaBackend *self, void *dst, PtDType dst_dtype,
                        const void *src, PtDType src_dtype, size_t n, const char *op);

/* ---- device side --------------------------------------------------------- */

#define PT_FULL_MASK 0xffffffffu

static __host__ __device__ __forceinline__ int
pt_imin (int a, int b)
{
  return a < b ? a : b;
}

static __host__ __device__ __forceinline__ int
pt_imax (int a, int b)
{
  return a > b ? a : b;
}

/* Loads and stores of the activation types through fp32. */
static __device__ __forceinline__ float pt_to_f (float x) { return x; }
static __device__ __forceinline__ float pt_to_f (__nv_bfloat16 x) { return __bfloat162float (x); }
static __device__ __forceinline__ float pt_to_f (__half x) { return __half2float (x); }
static __device__ __forceinline__ float pt_to_f (double x) { return (float) x; }

template <typename T> static __device__ __forceinline__ T pt_from_f (float x);
template <> __device__ __forceinline__ float pt_from_f<float> (float x) { return x; }
template <> __device__ __forceinline__ __nv_bfloat16 pt_from_f<__nv_bfloat16> (float x) { return __float2bfloat16 (x); }
template <> __device__ __forceinline__ __half pt_from_f<__half> (float x) { return __float2half (x); }
template <> __device__ __forceinline__ double pt_from_f<double> (float x) { return (double) x; }

/* N elements moved as one aligned access (16 bytes for 8 BF16), read and
 * written through their own type (no punning through uint4). */
template <typename T, int N>
struct alignas (sizeof (T) * N) PtPacked {
  T v[N];
};

/* A value read from memory of a run-time dtype. */
static __device__ __forceinline__ double
pt_load_any (const void *p, PtDType dtype, size_t i)
{
  switch (dtype)
    {
    case PT_DTYPE_F32: return ((const float *) p)[i];
    case PT_DTYPE_F64: return ((const double *) p)[i];
    case PT_DTYPE_BF16: return __bfloat162float (((const __nv_bfloat16 *) p)[i]);
    case PT_DTYPE_F16: return __half2float (((const __half *) p)[i]);
    case PT_DTYPE_U8: return ((const uint8_t *) p)[i];
    case PT_DTYPE_I32: return ((const int32_t *) p)[i];
    default: return 0.0;
    }
}

/* as torch: toward zero, saturating, NaN → 0 (what the device's cvt.rzi
 * does, spelled out so the CPU emulator agrees) */
static __device__ __forceinline__ int32_t
pt_double_to_i32 (double v)
{
  if (v != v)
    return 0;
  if (v >= 2147483647.0)
    return 2147483647;
  if (v <= -2147483648.0)
    return (int32_t) -2147483647 - 1;
  return (int32_t) v;
}

static __device__ __forceinline__ void
pt_store_any (void *p, PtDType dtype, size_t i, double v)
{
  switch (dtype)
    {
    case PT_DTYPE_F32: ((float *) p)[i] = (float) v; break;
    case PT_DTYPE_F64: ((double *) p)[i] = v; break;
    case PT_DTYPE_BF16: ((__nv_bfloat16 *) p)[i] = __float2bfloat16 ((float) v); break;
    case PT_DTYPE_F16: ((__half *) p)[i] = __float2half ((float) v); break;
    case PT_DTYPE_U8: ((uint8_t *) p)[i] = (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : v + 0.5); break;
    case PT_DTYPE_I32: ((int32_t *) p)[i] = pt_double_to_i32 (v); break;
    default: break;
    }
}

static __device__ __forceinline__ float
pt_warp_sum (float v)
{
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync (PT_FULL_MASK, v, o);
  return v;
}

static __device__ __forceinline__ double
pt_warp_sum_d (double v)
{
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync (PT_FULL_MASK, v, o);
  return v;
}

static __device__ __forceinline__ float
pt_warp_max (float v)
{
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf (v, __shfl_xor_sync (PT_FULL_MASK, v, o));
  return v;
}

/* Sum over a 1-D block (blockDim.x a multiple of 32, at most 1024); every
 * thread gets the total. `shared` holds 32 floats. Fixed order: deterministic. */
static __device__ __forceinline__ float
pt_block_sum (float v, float *shared)
{
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, n_warps = blockDim.x >> 5;

  v = pt_warp_sum (v);
  __syncthreads ();           /* shared may still be read by a previous call */
  if (lane == 0)
    shared[warp] = v;
  __syncthreads ();
  v = lane < n_warps ? shared[lane] : 0.0f;
  return pt_warp_sum (v);
}
