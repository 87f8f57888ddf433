/* pt-cuda-emu.cpp — the CUDA emulator: fibers for threads, barriers for
 * __syncthreads and shuffles, host memory for device memory, a naive
 * column-major GEMM for cuBLAS. See cuda_runtime.h beside this file.
 */
#include "cuda_runtime.h"
#include "cuda_bf16.h"
#include "cuda_fp16.h"
#include "cublas_v2.h"

#include <map>           /* std::map */
#include <vector>        /* std::vector */
#include <cstdio>        /* fprintf */
#include <cstdlib>       /* abort, getenv */
#include <sys/mman.h>    /* mmap */
#if !defined(__x86_64__)
#include <ucontext.h>    /* makecontext, swapcontext */
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>         /* __asan_unpoison_memory_region */
#include <sanitizer/common_interface_defs.h>   /* __sanitizer_*_switch_fiber */
#define PT_EMU_ASAN 1
#endif

uint3 threadIdx, blockIdx;
dim3 blockDim, gridDim;

#if defined(__x86_64__)
/* A context switch without glibc's swapcontext, which saves the signal mask
 * with a system call every time: push the callee-saved registers, swap
 * stacks, pop them. pt_emu_switch (&save_sp, load_sp). */
extern "C" void pt_emu_switch (void **save_sp, void *load_sp);
__asm__ (
  ".text\n"
  ".globl pt_emu_switch\n"
  ".type pt_emu_switch, @function\n"
  "pt_emu_switch:\n"
  "  pushq %rbp\n"
  "  pushq %rbx\n"
  "  pushq %r12\n"
  "  pushq %r13\n"
  "  pushq %r14\n"
  "  pushq %r15\n"
  "  movq %rsp, (%rdi)\n"
  "  movq %rsi, %rsp\n"
  "  popq %r15\n"
  "  popq %r14\n"
  "  popq %r13\n"
  "  popq %r12\n"
  "  popq %rbx\n"
  "  popq %rbp\n"
  "  ret\n"
  ".size pt_emu_switch, .-pt_emu_switch\n"
  ".section .note.GNU-stack,\"\",@progbits\n"
  ".text\n");
typedef void *Context;   /* the saved stack pointer */
#else
typedef ucontext_t Context;
#endif

namespace {

const size_t STACK_BYTES = 256 * 1024;
const size_t DEFAULT_SMEM = 48 * 1024;
const size_t OPTIN_SMEM = 227 * 1024;          /* an H100's limit */
const size_t DEVICE_MEMORY = (size_t) 2 << 30;  /* 2 GiB pretend device */

struct Barrier
{
  unsigned count = 0;
  unsigned gen = 0;
};

struct Fiber
{
  Context ctx;
  void *stack = nullptr;
  bool done = true;
  const unsigned *wait_ptr = nullptr;   /* blocked while *wait_ptr == wait_gen */
  unsigned wait_gen = 0;
  const char *wait_what = nullptr;
  uint3 tid;
#if PT_EMU_ASAN
  void *fake_stack = nullptr;
#endif
};

std::vector<Fiber> fibers;
Context scheduler;
Fiber *current;
const std::function<void ()> *body;
unsigned n_threads;
Barrier block_barrier;
std::vector<Barrier> warp_barriers;
std::vector<uint64_t> warp_slots;                 /* 32 per warp */
unsigned char *dynamic_smem;
std::map<const void *, size_t> smem_limits;       /* per kernel, raised by cudaFuncSetAttribute */
std::map<void *, size_t> allocations;
size_t allocated;
cudaError_t last_error = cudaSuccess;
#if PT_EMU_ASAN
void *scheduler_fake_stack;
const void *scheduler_bottom;
size_t scheduler_size;
#endif

cudaError_t
fail (cudaError_t err)
{
  last_error = err;
  return err;
}

void
switch_context (Context *save, Context *load)
{
#if defined(__x86_64__)
  pt_emu_switch (save, *load);
#else
  swapcontext (save, load);
#endif
}

void
yield_to_scheduler (void)
{
#if PT_EMU_ASAN
  __sanitizer_start_switch_fiber (&current->fake_stack, scheduler_bottom, scheduler_size);
#endif
  switch_context (&current->ctx, &scheduler);
#if PT_EMU_ASAN
  __sanitizer_finish_switch_fiber (current->fake_stack, nullptr, nullptr);
#endif
}

void
fiber_main (void)
{
  Fiber *self = current;
#if PT_EMU_ASAN
  __sanitizer_finish_switch_fiber (nullptr, &scheduler_bottom, &scheduler_size);
#endif
  (*body) ();
  self->done = true;
#if PT_EMU_ASAN
  __sanitizer_start_switch_fiber (nullptr, scheduler_bottom, scheduler_size);
#endif
#if defined(__x86_64__)
  {
    Context dead;
    pt_emu_switch (&dead, scheduler);   /* never resumed */
  }
  abort ();
#endif
  /* ucontext: returning resumes uc_link, the scheduler */
}

/* a fresh context that starts in fiber_main on the fiber's stack */
void
make_context (Fiber &f)
{
#if PT_EMU_ASAN
  /* a stack reused from a finished fiber keeps that fiber's frame poisoning */
  __asan_unpoison_memory_region (f.stack, STACK_BYTES);
#endif
#if defined(__x86_64__)
  /* the return address sits at a 16-byte boundary, so fiber_main starts with
   * rsp ≡ 8 (mod 16) as after a call; below it the six registers pt_emu_switch pops */
  uintptr_t top = ((uintptr_t) f.stack + STACK_BYTES) & ~(uintptr_t) 15;
  void **ret = (void **) (top - 16);
  *ret = (void *) fiber_main;
  for (int i = 1; i <= 6; i++)
    ret[-i] = nullptr;
  f.ctx = (void *) (ret - 6);
#else
  getcontext (&f.ctx);
  f.ctx.uc_stack.ss_sp = f.stack;
  f.ctx.uc_stack.ss_size = STACK_BYTES;
  f.ctx.uc_link = &scheduler;
  makecontext (&f.ctx, fiber_main, 0);
#endif
}

void
arrive (Barrier &b, unsigned expected, const char *what)
{
  unsigned gen = b.gen;

  if (++b.count == expected)
    {
      b.count = 0;
      b.gen++;
      return;
    }
  current->wait_ptr = &b.gen;
  current->wait_gen = gen;
  current->wait_what = what;
  yield_to_scheduler ();
}

unsigned
lanes_in_warp (unsigned warp)
{
  unsigned first = warp * 32;
  return n_threads - first < 32 ? n_threads - first : 32;
}

unsigned alive;   /* not a local: swapcontext would clobber it */
std::vector<void *> free_stacks;

void *
take_stack (void)
{
  void *stack;

  if (!free_stacks.empty ())
    {
      stack = free_stacks.back ();
      free_stacks.pop_back ();
      return stack;
    }
  stack = mmap (nullptr, STACK_BYTES, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED)
    {
      fprintf (stderr, "cuda emulator: cannot map a fiber stack\n");
      abort ();
    }
  return stack;
}

/* Threads start lazily, in order, each on a free stack: a thread that
 * returns without waiting hands its stack (hot in the cache) to the next,
 * so a kernel without barriers runs its whole block on one stack. */
void
run_block (void)
{
  alive = n_threads;

  block_barrier = Barrier ();
  warp_barriers.assign ((n_threads + 31) / 32, Barrier ());
  warp_slots.assign (((n_threads + 31) / 32) * 32, 0);
  if (fibers.size () < n_threads)
    fibers.resize (n_threads);
  for (unsigned t = 0; t < n_threads; t++)
    {
      Fiber &f = fibers[t];
      f.stack = nullptr;
      f.done = false;
      f.wait_ptr = nullptr;
      f.tid.x = t % blockDim.x;
      f.tid.y = (t / blockDim.x) % blockDim.y;
      f.tid.z = t / (blockDim.x * blockDim.y);
    }

  while (alive > 0)
    {
      bool progress = false;
      for (unsigned t = 0; t < n_threads; t++)
        {
          Fiber &f = fibers[t];
          if (f.done || (f.wait_ptr != nullptr && *f.wait_ptr == f.wait_gen))
            continue;
          if (f.stack == nullptr)
            {
              f.stack = take_stack ();
              make_context (f);
            }
          f.wait_ptr = nullptr;
          current = &f;
          threadIdx = f.tid;
#if PT_EMU_ASAN
          __sanitizer_start_switch_fiber (&scheduler_fake_stack, f.stack, STACK_BYTES);
#endif
          switch_context (&scheduler, &f.ctx);
#if PT_EMU_ASAN
          __sanitizer_finish_switch_fiber (scheduler_fake_stack, nullptr, nullptr);
#endif
          progress = true;
          if (f.done)
            {
              alive--;
              free_stacks.push_back (f.stack);
              f.stack = nullptr;
            }
        }
      if (!progress)
        {
          fprintf (stderr, "cuda emulator: deadlock in block (%u,%u,%u): %u of %u threads wait, "
                   "the others have returned\n", blockIdx.x, blockIdx.y, blockIdx.z, alive, n_threads);
          for (unsigned t = 0; t < n_threads; t++)
            if (!fibers[t].done)
              {
                fprintf (stderr, "  thread %u waits in %s\n", t, fibers[t].wait_what);
                break;
              }
          abort ();
        }
    }
}

}  // namespace

/* ---- kernels ---------------------------------------------------------------- */

void
pt_emu_launch (const void *kernel, dim3 grid, dim3 block, size_t smem, std::function<void ()> fn)
{
  size_t limit = DEFAULT_SMEM;
  auto it = smem_limits.find (kernel);

  if (it != smem_limits.end ())
    limit = it->second;
  n_threads = block.x * block.y * block.z;
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535
      || n_threads == 0 || n_threads > 1024 || block.z > 64)
    {
      fail (cudaErrorInvalidConfiguration);
      return;
    }
  if (smem > limit)
    {
      fprintf (stderr, "cuda emulator: launch asks for %zu bytes of dynamic shared memory, "
               "the kernel is allowed %zu\n", smem, limit);
      fail (cudaErrorInvalidValue);
      return;
    }
  dynamic_smem = smem > 0 ? (unsigned char *) malloc (smem) : nullptr;
  if (dynamic_smem != nullptr)
    memset (dynamic_smem, 0xff, smem);   /* NaN floats: uninitialised reads show */
  gridDim = grid;
  blockDim = block;
  body = &fn;
  for (unsigned z = 0; z < grid.z; z++)
    for (unsigned y = 0; y < grid.y; y++)
      for (unsigned x = 0; x < grid.x; x++)
        {
          blockIdx.x = x;
          blockIdx.y = y;
          blockIdx.z = z;
          run_block ();
        }
  free (dynamic_smem);
  dynamic_smem = nullptr;
  body = nullptr;
}

void *
pt_emu_dynamic_smem (void)
{
  return dynamic_smem;
}

void
__syncthreads (void)
{
  arrive (block_barrier, n_threads, "__syncthreads");
}

void
__syncwarp (unsigned mask)
{
  unsigned t = (unsigned) (current - fibers.data ());
  (void) mask;
  arrive (warp_barriers[t / 32], lanes_in_warp (t / 32), "__syncwarp");
}

void
pt_emu_shuffle (const void *mine, void *out, size_t size, int mode, int arg, int width)
{
  unsigned t = (unsigned) (current - fibers.data ());
  unsigned warp = t / 32, lane = t % 32, lanes = lanes_in_warp (warp);
  unsigned seg = lane - lane % (unsigned) width, src = lane;
  uint64_t value = 0;

  if (lanes != 32)
    {
      fprintf (stderr, "cuda emulator: shuffle in a partial warp (%u lanes)\n", lanes);
      abort ();
    }
  memcpy (&value, mine, size);
  warp_slots[warp * 32 + lane] = value;
  arrive (warp_barriers[warp], 32, "a shuffle");
  switch (mode)
    {
    case 0: src = lane ^ (unsigned) arg; if (src >= seg + (unsigned) width) src = lane; break;
    case 1: src = seg + (unsigned) arg % (unsigned) width; break;
    case 2: src = lane + (unsigned) arg; if (src >= seg + (unsigned) width) src = lane; break;
    default: src = lane >= seg + (unsigned) arg ? lane - (unsigned) arg : lane; break;
    }
  value = warp_slots[warp * 32 + src];
  arrive (warp_barriers[warp], 32, "a shuffle");   /* nobody overwrites a slot still being read */
  memcpy (out, &value, size);
}

/* ---- runtime --------------------------------------------------------------------- */

static size_t
device_memory (void)
{
  const char *env = getenv ("PT_CUDA_EMU_MEMORY");
  return env != nullptr ? (size_t) strtoull (env, nullptr, 10) : DEVICE_MEMORY;
}

cudaError_t cudaGetDeviceCount (int *count) { *count = 1; return cudaSuccess; }
cudaError_t cudaSetDevice (int device) { return device == 0 ? cudaSuccess : fail (cudaErrorInvalidValue); }
cudaError_t cudaGetDevice (int *device) { *device = 0; return cudaSuccess; }

cudaError_t
cudaGetDeviceProperties (cudaDeviceProp *prop, int device)
{
  if (device != 0)
    return fail (cudaErrorInvalidValue);
  memset (prop, 0, sizeof *prop);
  snprintf (prop->name, sizeof prop->name, "CUDA emulator (CPU)");
  prop->totalGlobalMem = device_memory ();
  prop->multiProcessorCount = 4;
  prop->sharedMemPerBlock = DEFAULT_SMEM;
  prop->sharedMemPerBlockOptin = OPTIN_SMEM;
  prop->major = 9;
  prop->minor = 0;
  return cudaSuccess;
}

cudaError_t
cudaGetLastError (void)
{
  cudaError_t err = last_error;
  last_error = cudaSuccess;
  return err;
}

cudaError_t cudaPeekAtLastError (void) { return last_error; }

const char *
cudaGetErrorString (cudaError_t err)
{
  switch (err)
    {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    default: return "unknown error";
    }
}

cudaError_t cudaDeviceSynchronize (void) { return cudaSuccess; }

cudaError_t
cudaMemGetInfo (size_t *free_bytes, size_t *total_bytes)
{
  *total_bytes = device_memory ();
  *free_bytes = *total_bytes - allocated;
  return cudaSuccess;
}

cudaError_t
cudaMalloc (void **ptr, size_t bytes)
{
  void *p;

  *ptr = nullptr;
  if (bytes > device_memory () - allocated)
    return fail (cudaErrorMemoryAllocation);
  p = malloc (bytes > 0 ? bytes : 1);
  if (p == nullptr)
    return fail (cudaErrorMemoryAllocation);
  memset (p, 0xa5, bytes);   /* device memory starts as garbage */
  allocations[p] = bytes;
  allocated += bytes;
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaMallocAsync (void **ptr, size_t bytes, cudaStream_t) { return cudaMalloc (ptr, bytes); }

cudaError_t
cudaFree (void *ptr)
{
  auto it = allocations.find (ptr);

  if (ptr == nullptr)
    return cudaSuccess;
  if (it == allocations.end ())
    return fail (cudaErrorInvalidDevicePointer);
  allocated -= it->second;
  allocations.erase (it);
  free (ptr);
  return cudaSuccess;
}

cudaError_t cudaFreeAsync (void *ptr, cudaStream_t) { return cudaFree (ptr); }

cudaError_t
cudaMallocHost (void **ptr, size_t bytes)
{
  *ptr = malloc (bytes > 0 ? bytes : 1);
  return *ptr != nullptr ? cudaSuccess : fail (cudaErrorMemoryAllocation);
}

cudaError_t cudaFreeHost (void *ptr) { free (ptr); return cudaSuccess; }

cudaError_t
cudaMemsetAsync (void *ptr, int value, size_t bytes, cudaStream_t)
{
  memset (ptr, value, bytes);
  return cudaSuccess;
}

cudaError_t
cudaMemcpyAsync (void *dst, const void *src, size_t bytes, cudaMemcpyKind, cudaStream_t)
{
  memmove (dst, src, bytes);
  return cudaSuccess;
}

cudaError_t
cudaMemcpy (void *dst, const void *src, size_t bytes, cudaMemcpyKind kind)
{
  return cudaMemcpyAsync (dst, src, bytes, kind, nullptr);
}

cudaError_t
cudaStreamCreateWithFlags (cudaStream_t *stream, unsigned)
{
  static int token;
  *stream = (cudaStream_t) &token;
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy (cudaStream_t) { return cudaSuccess; }
cudaError_t cudaStreamSynchronize (cudaStream_t) { return cudaSuccess; }

cudaError_t
cudaFuncSetAttribute (const void *func, cudaFuncAttribute attr, int value)
{
  if (attr != cudaFuncAttributeMaxDynamicSharedMemorySize || value < 0 || (size_t) value > OPTIN_SMEM)
    return fail (cudaErrorInvalidValue);
  smem_limits[func] = (size_t) value;
  return cudaSuccess;
}

cudaError_t
cudaDeviceGetDefaultMemPool (cudaMemPool_t *pool, int)
{
  static int token;
  *pool = (cudaMemPool_t) &token;
  return cudaSuccess;
}

cudaError_t cudaMemPoolSetAttribute (cudaMemPool_t, cudaMemPoolAttr, void *) { return cudaSuccess; }
cudaError_t cudaMemPoolTrimTo (cudaMemPool_t, size_t) { return cudaSuccess; }

/* ---- cuBLAS ------------------------------------------------------------------------ */

cublasStatus_t
cublasCreate (cublasHandle_t *handle)
{
  static int token;
  *handle = (cublasHandle_t) &token;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy (cublasHandle_t) { return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetStream (cublasHandle_t, cudaStream_t) { return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetWorkspace (cublasHandle_t, void *, size_t) { return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetMathMode (cublasHandle_t, cublasMath_t) { return CUBLAS_STATUS_SUCCESS; }

const char *
cublasGetStatusString (cublasStatus_t status)
{
  switch (status)
    {
    case CUBLAS_STATUS_SUCCESS: return "the operation completed successfully";
    case CUBLAS_STATUS_INVALID_VALUE: return "an unsupported value or parameter was passed to the function";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "the functionality requested is not supported";
    default: return "unknown cuBLAS status";
    }
}

static double
load (const void *p, cudaDataType_t type, size_t i)
{
  switch (type)
    {
    case CUDA_R_32F: return ((const float *) p)[i];
    case CUDA_R_64F: return ((const double *) p)[i];
    case CUDA_R_16F: return __half2float (((const __half *) p)[i]);
    case CUDA_R_16BF: return __bfloat162float (((const __nv_bfloat16 *) p)[i]);
    default: abort ();
    }
}

static void
store (void *p, cudaDataType_t type, size_t i, double v)
{
  switch (type)
    {
    case CUDA_R_32F: ((float *) p)[i] = (float) v; break;
    case CUDA_R_64F: ((double *) p)[i] = v; break;
    case CUDA_R_16F: ((__half *) p)[i] = __float2half ((float) v); break;
    case CUDA_R_16BF: ((__nv_bfloat16 *) p)[i] = __float2bfloat16 ((float) v); break;
    default: abort ();
    }
}

static bool
combination_ok (cudaDataType_t a, cudaDataType_t b, cudaDataType_t c, cublasComputeType_t compute)
{
  if (a != b)
    return false;
  if (compute == CUBLAS_COMPUTE_64F)
    return a == CUDA_R_64F && c == CUDA_R_64F;
  if (compute != CUBLAS_COMPUTE_32F)
    return false;
  if (a == CUDA_R_32F)
    return c == CUDA_R_32F;
  if (a == CUDA_R_16BF || a == CUDA_R_16F)
    return c == a || c == CUDA_R_32F;
  return false;
}

cublasStatus_t
cublasGemmStridedBatchedEx (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                            int m, int n, int k, const void *alpha,
                            const void *A, cudaDataType_t Atype, int lda, long long strideA,
                            const void *B, cudaDataType_t Btype, int ldb, long long strideB,
                            const void *beta, void *C, cudaDataType_t Ctype, int ldc,
                            long long strideC, int batch, cublasComputeType_t compute,
                            cublasGemmAlgo_t)
{
  bool ta = transa != CUBLAS_OP_N, tb = transb != CUBLAS_OP_N;
  double al, be;

  if (handle == nullptr)
    return CUBLAS_STATUS_NOT_INITIALIZED;
  if (m < 0 || n < 0 || k < 0 || batch < 0
      || lda < (ta ? (k > 1 ? k : 1) : (m > 1 ? m : 1))
      || ldb < (tb ? (n > 1 ? n : 1) : (k > 1 ? k : 1))
      || ldc < (m > 1 ? m : 1))
    {
      fprintf (stderr, "cuda emulator: cublasGemm*Ex: invalid value (m %d n %d k %d lda %d ldb %d "
               "ldc %d transa %d transb %d)\n", m, n, k, lda, ldb, ldc, ta, tb);
      return CUBLAS_STATUS_INVALID_VALUE;
    }
  if (!combination_ok (Atype, Btype, Ctype, compute))
    return CUBLAS_STATUS_NOT_SUPPORTED;
  al = compute == CUBLAS_COMPUTE_64F ? *(const double *) alpha : *(const float *) alpha;
  be = compute == CUBLAS_COMPUTE_64F ? *(const double *) beta : *(const float *) beta;
  for (int bi = 0; bi < batch; bi++)
    for (int j = 0; j < n; j++)
      for (int i = 0; i < m; i++)
        {
          size_t ci = (size_t) bi * strideC + (size_t) j * ldc + i;
          double acc = 0.0;
          float acc32 = 0.0f;
          for (int p = 0; p < k; p++)
            {
              /* column-major: op(A)(i,p), op(B)(p,j) */
              double a = load (A, Atype, (size_t) bi * strideA + (ta ? (size_t) i * lda + p : (size_t) p * lda + i));
              double b = load (B, Btype, (size_t) bi * strideB + (tb ? (size_t) p * ldb + j : (size_t) j * ldb + p));
              if (compute == CUBLAS_COMPUTE_64F)
                acc += a * b;
              else
                acc32 += (float) a * (float) b;
            }
          if (compute != CUBLAS_COMPUTE_64F)
            acc = acc32;
          store (C, Ctype, ci, al * acc + (be != 0.0 ? be * load (C, Ctype, ci) : 0.0));
        }
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasGemmEx (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
              int m, int n, int k, const void *alpha,
              const void *A, cudaDataType_t Atype, int lda,
              const void *B, cudaDataType_t Btype, int ldb, const void *beta,
              void *C, cudaDataType_t Ctype, int ldc,
              cublasComputeType_t compute, cublasGemmAlgo_t algo)
{
  return cublasGemmStridedBatchedEx (handle, transa, transb, m, n, k, alpha, A, Atype, lda, 0,
                                     B, Btype, ldb, 0, beta, C, Ctype, ldc, 0, 1, compute, algo);
}
