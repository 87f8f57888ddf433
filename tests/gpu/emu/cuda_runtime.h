/* cuda_runtime.h (emulator) — the subset of the CUDA runtime and device
 * language that gpu/ uses, run on the CPU.
 *
 * Compiled instead of the real header when the gpu/ sources are built as plain C++
 * for tests/gpu (PT_CUDA_EMU). Each thread of a block is a fiber; blocks run
 * one after another; __syncthreads and warp shuffles are barriers between
 * the fibers, so kernels run with CUDA's semantics for correct programs, and
 * a divergent barrier or a shuffle some lanes skip stops the program with a
 * message (a deadlock) instead of hanging. Device memory is host memory, so
 * AddressSanitizer sees out-of-bounds accesses in kernels. Streams are
 * synchronous. This is a test tool: it knows nothing of speed.
 */
#pragma once

#define PT_CUDA_EMU 1

#include <cmath>        /* expf, sqrtf, … */
#include <cstddef>      /* size_t */
#include <cstdint>      /* uint32_t */
#include <cstring>      /* memcpy */
#include <functional>   /* std::function */

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __constant__
#define __align__(n) alignas (n)

struct uint3 { unsigned x, y, z; };
struct dim3
{
  unsigned x, y, z;
  dim3 (unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x (x_), y (y_), z (z_) {}
};
struct alignas (16) uint4 { unsigned x, y, z, w; };
struct alignas (8) uint2 { unsigned x, y; };
struct alignas (16) float4 { float x, y, z, w; };
struct alignas (8) float2 { float x, y; };

extern uint3 threadIdx;
extern uint3 blockIdx;
extern dim3 blockDim;
extern dim3 gridDim;

typedef enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorNoDevice = 100,
  cudaErrorLaunchFailure = 719,
} cudaError_t;

typedef struct PtEmuStream *cudaStream_t;
typedef struct PtEmuMemPool *cudaMemPool_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};
#define cudaStreamNonBlocking 0x01
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 };
enum cudaMemPoolAttr { cudaMemPoolAttrReleaseThreshold = 4 };

typedef enum cudaDataType_t {
  CUDA_R_32F = 0,
  CUDA_R_64F = 1,
  CUDA_R_16F = 2,
  CUDA_R_16BF = 14,
} cudaDataType_t;
typedef cudaDataType_t cudaDataType;

struct cudaDeviceProp {
  char   name[256];
  size_t totalGlobalMem;
  int    multiProcessorCount;
  size_t sharedMemPerBlock;
  size_t sharedMemPerBlockOptin;
  int    major, minor;
};

cudaError_t cudaGetDeviceCount (int *count);
cudaError_t cudaSetDevice (int device);
cudaError_t cudaGetDevice (int *device);
cudaError_t cudaGetDeviceProperties (cudaDeviceProp *prop, int device);
cudaError_t cudaGetLastError (void);
cudaError_t cudaPeekAtLastError (void);
const char *cudaGetErrorString (cudaError_t err);
cudaError_t cudaDeviceSynchronize (void);
cudaError_t cudaMemGetInfo (size_t *free_bytes, size_t *total_bytes);

cudaError_t cudaMalloc (void **ptr, size_t bytes);
cudaError_t cudaMallocAsync (void **ptr, size_t bytes, cudaStream_t stream);
cudaError_t cudaFree (void *ptr);
cudaError_t cudaFreeAsync (void *ptr, cudaStream_t stream);
cudaError_t cudaMallocHost (void **ptr, size_t bytes);
cudaError_t cudaFreeHost (void *ptr);
cudaError_t cudaMemsetAsync (void *ptr, int value, size_t bytes, cudaStream_t stream);
cudaError_t cudaMemcpyAsync (void *dst, const void *src, size_t bytes, cudaMemcpyKind kind,
                             cudaStream_t stream);
cudaError_t cudaMemcpy (void *dst, const void *src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaStreamCreateWithFlags (cudaStream_t *stream, unsigned flags);
cudaError_t cudaStreamDestroy (cudaStream_t stream);
cudaError_t cudaStreamSynchronize (cudaStream_t stream);
cudaError_t cudaFuncSetAttribute (const void *func, cudaFuncAttribute attr, int value);
cudaError_t cudaDeviceGetDefaultMemPool (cudaMemPool_t *pool, int device);
cudaError_t cudaMemPoolSetAttribute (cudaMemPool_t pool, cudaMemPoolAttr attr, void *value);
cudaError_t cudaMemPoolTrimTo (cudaMemPool_t pool, size_t min_bytes_to_keep);

/* ---- the emulator's own entry points --------------------------------------- */

/* Runs body once per thread of every block; validates the launch like the
 * driver (sets the last error on a bad configuration). */
void  pt_emu_launch (const void *kernel, dim3 grid, dim3 block, size_t smem,
                     std::function<void ()> body);
void *pt_emu_dynamic_smem (void);
/* warp exchange: mode 0 xor, 1 index, 2 down, 3 up */
void  pt_emu_shuffle (const void *mine, void *out, size_t size, int mode, int arg, int width);

/* ---- device functions --------------------------------------------------------- */

void __syncthreads (void);
void __syncwarp (unsigned mask = 0xffffffffu);

template <typename T>
static inline T
__shfl_xor_sync (unsigned mask, T v, int lane_mask, int width = 32)
{
  T r;
  (void) mask;
  static_assert (sizeof (T) <= 8, "shuffles move at most 8 bytes");
  pt_emu_shuffle (&v, &r, sizeof (T), 0, lane_mask, width);
  return r;
}

template <typename T>
static inline T
__shfl_sync (unsigned mask, T v, int src_lane, int width = 32)
{
  T r;
  (void) mask;
  pt_emu_shuffle (&v, &r, sizeof (T), 1, src_lane, width);
  return r;
}

template <typename T>
static inline T
__shfl_down_sync (unsigned mask, T v, unsigned delta, int width = 32)
{
  T r;
  (void) mask;
  pt_emu_shuffle (&v, &r, sizeof (T), 2, (int) delta, width);
  return r;
}

/* fibers switch only at barriers, so a read-modify-write is atomic */
template <typename T>
static inline T
atomicAdd (T *address, T value)
{
  T old = *address;
  *address = old + value;
  return old;
}

static inline float rsqrtf (float x) { return 1.0f / sqrtf (x); }
static inline float __fdividef (float a, float b) { return a / b; }
template <typename T> static inline T __ldg (const T *p) { return *p; }
