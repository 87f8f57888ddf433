/* pt-cuda-backend.cu — the CUDA backend: device memory, one compute stream,
 * a cuBLAS handle, error latching, and the op table assembled from the op
 * families (pt-cuda-*.cu).
 *
 * Activations are BF16 on the device, vectors/master weights/optimiser state
 * F32 (pt-backend.h). pt_cuda_backend_new_full() also builds an F32-activation
 * backend, which the op tests compare with the CPU at a tight tolerance.
 * Device errors are latched and reported by check().
 */
#include "config.h"

#include <stdio.h>          /* sscanf */
#include <stdlib.h>         /* getenv */
#include <string.h>         /* strstr, memset */

#include "pt-cuda-private.h"
#include "pt-cuda.h"
#include "pt-error.h"       /* PT_ERROR */

#define CUBLAS_WORKSPACE_BYTES (32u << 20)   /* Hopper wants 32 MiB */

void
pt_cuda_latch (PtCudaBackend *self, cudaError_t err, const char *op)
{
  if (err != cudaSuccess && self->first_error == cudaSuccess && self->first_blas_error == 0)
    {
      self->first_error = err;
      self->first_error_op = op;
    }
}

void
pt_cuda_latch_blas (PtCudaBackend *self, cublasStatus_t status, const char *op)
{
  if (status != CUBLAS_STATUS_SUCCESS && self->first_error == cudaSuccess
      && self->first_blas_error == 0)
    {
      self->first_blas_error = (int) status;
      self->first_error_op = op;
    }
}

/* Stream-ordered allocation; on failure, waits for pending frees, returns
 * the pool's cached blocks to the device and tries once more. An allocation failure is not a sticky device error. */
static void *
device_malloc (PtCudaBackend *self, size_t bytes, cudaError_t *err_out)
{
  void *ptr = NULL;
  cudaError_t err = cudaMallocAsync (&ptr, bytes > 0 ? bytes : 1, self->stream);

  if (err != cudaSuccess)
    {
      cudaMemPool_t pool;
      cudaGetLastError ();
      cudaStreamSynchronize (self->stream);
      if (cudaDeviceGetDefaultMemPool (&pool, self->device) == cudaSuccess)
        cudaMemPoolTrimTo (pool, 0);
      cudaGetLastError ();
      ptr = NULL;
      err = cudaMallocAsync (&ptr, bytes > 0 ? bytes : 1, self->stream);
      if (err != cudaSuccess)
        {
          cudaGetLastError ();
          ptr = NULL;
        }
    }
  if (err_out != NULL)
    *err_out = err;
  return ptr;
}

void *
pt_cuda_scratch_slot (PtCudaBackend *self, int slot, size_t bytes, const char *op)
{
  cudaError_t err;

  if (bytes <= self->scratch_size[slot] && self->scratch[slot] != NULL)
    return self->scratch[slot];
  if (self->scratch[slot] != NULL)
    pt_cuda_latch (self, cudaFreeAsync (self->scratch[slot], self->stream), op);
  g_mutex_lock (&self->lock);
  self->parent.in_use -= self->scratch_size[slot];
  g_mutex_unlock (&self->lock);
  self->scratch[slot] = NULL;
  self->scratch_size[slot] = 0;
  /* whole MiB, at least one, so that a run of slowly growing requests stays cheap */
  bytes = MAX (bytes, (size_t) 1 << 20);
  bytes = (bytes + ((size_t) 1 << 20) - 1) & ~(((size_t) 1 << 20) - 1);
  self->scratch[slot] = device_malloc (self, bytes, &err);
  if (self->scratch[slot] == NULL)
    {
      pt_cuda_latch (self, err, op);
      return NULL;
    }
  self->scratch_size[slot] = bytes;
  /* held memory: counted like the model's own */
  g_mutex_lock (&self->lock);
  self->parent.in_use += bytes;
  self->parent.peak = MAX (self->parent.peak, self->parent.in_use);
  g_mutex_unlock (&self->lock);
  return self->scratch[slot];
}

gboolean
pt_cuda_allow_smem (PtCudaBackend *self, const void *kernel, size_t bytes, const char *op)
{
  if (bytes > self->smem_optin)
    {
      pt_cuda_latch (self, cudaErrorInvalidValue, op);
      return FALSE;
    }
  if (bytes > 48 * 1024)
    {
      cudaError_t err = cudaFuncSetAttribute (kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                              (int) bytes);
      pt_cuda_latch (self, err, op);
      return err == cudaSuccess;
    }
  return TRUE;
}

static void *
cuda_alloc (PtBackend *be, size_t bytes, GError **error)
{
  PtCudaBackend *self = pt_cuda (be);
  cudaError_t err = cudaSuccess;
  void *ptr = NULL;

  if (bytes <= G_MAXSIZE / 2)
    ptr = device_malloc (self, bytes, &err);
  else
    err = cudaErrorMemoryAllocation;
  if (ptr == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY,
                   "Out of GPU memory allocating %.1f MiB on %s (%s)",
                   bytes / 1048576.0, be->device_name, cudaGetErrorString (err));
      return NULL;
    }
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->sizes, ptr, GSIZE_TO_POINTER (bytes));
  be->in_use += bytes;
  be->peak = MAX (be->peak, be->in_use);
  g_mutex_unlock (&self->lock);
  return ptr;
}

static void
cuda_free (PtBackend *be, void *ptr)
{
  PtCudaBackend *self = pt_cuda (be);
  gpointer size;

  if (ptr == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (g_hash_table_steal_extended (self->sizes, ptr, NULL, &size))
    be->in_use -= GPOINTER_TO_SIZE (size);
  g_mutex_unlock (&self->lock);
  pt_cuda_latch (self, cudaFreeAsync (ptr, self->stream), "free");
}

static void *
cuda_host_alloc (PtBackend *be, size_t bytes, GError **error)
{
  void *ptr = NULL;

  if (bytes > G_MAXSIZE / 2 || cudaMallocHost (&ptr, bytes > 0 ? bytes : 1) != cudaSuccess)
    {
      cudaGetLastError ();
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY,
                   "Out of pinned host memory allocating %.1f MiB", bytes / 1048576.0);
      return NULL;
    }
  return ptr;
}

static void
cuda_host_free (PtBackend *be, void *ptr)
{
  if (ptr != NULL)
    {
      /* pinned memory may still be the source of an async copy */
      cudaStreamSynchronize (pt_cuda (be)->stream);
      cudaFreeHost (ptr);
    }
}

static void
cuda_zero (PtBackend *be, void *ptr, size_t bytes)
{
  PtCudaBackend *self = pt_cuda (be);
  if (bytes > 0)
    pt_cuda_latch (self, cudaMemsetAsync (ptr, 0, bytes, self->stream), "zero");
}

/* Uploads from pageable memory are staged by the driver before the call
 * returns, so the caller may reuse its buffer at once. */
static void
cuda_upload (PtBackend *be, void *dst, const void *src, size_t bytes)
{
  PtCudaBackend *self = pt_cuda (be);
  if (bytes > 0)
    pt_cuda_latch (self, cudaMemcpyAsync (dst, src, bytes, cudaMemcpyHostToDevice, self->stream),
                   "upload");
}

static void
cuda_download (PtBackend *be, void *dst, const void *src, size_t bytes)
{
  PtCudaBackend *self = pt_cuda (be);
  if (bytes > 0)
    pt_cuda_latch (self, cudaMemcpyAsync (dst, src, bytes, cudaMemcpyDeviceToHost, self->stream),
                   "download");
  pt_cuda_latch (self, cudaStreamSynchronize (self->stream), "download");
}

static void
cuda_copy (PtBackend *be, void *dst, const void *src, size_t bytes)
{
  PtCudaBackend *self = pt_cuda (be);
  if (dst != src && bytes > 0)
    pt_cuda_latch (self, cudaMemcpyAsync (dst, src, bytes, cudaMemcpyDeviceToDevice, self->stream),
                   "copy");
}

static void
cuda_synchronize (PtBackend *be)
{
  PtCudaBackend *self = pt_cuda (be);
  pt_cuda_latch (self, cudaStreamSynchronize (self->stream), "synchronize");
}

static gboolean
cuda_check (PtBackend *be, GError **error)
{
  PtCudaBackend *self = pt_cuda (be);

  pt_cuda_latch (self, cudaGetLastError (), "a kernel");
  if (self->first_blas_error != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "cuBLAS error on %s in %s: %s",
                   be->device_name, self->first_error_op ? self->first_error_op : "?",
                   cublasGetStatusString ((cublasStatus_t) self->first_blas_error));
      return FALSE;
    }
  if (self->first_error == cudaSuccess)
    return TRUE;
  g_set_error (error, PT_ERROR,
               self->first_error == cudaErrorMemoryAllocation ? PT_ERROR_NO_MEMORY : PT_ERROR_DEVICE,
               "CUDA error on %s in %s: %s", be->device_name,
               self->first_error_op ? self->first_error_op : "?",
               cudaGetErrorString (self->first_error));
  /* running out of memory is not sticky: once reported, the device can go
   * on (the trainer retries the step with a smaller micro-batch) */
  if (self->first_error == cudaErrorMemoryAllocation)
    {
      self->first_error = cudaSuccess;
      self->first_error_op = NULL;
    }
  return FALSE;
}

static void
cuda_destroy (PtBackend *be)
{
  PtCudaBackend *self = pt_cuda (be);

  cudaSetDevice (self->device);
  if (self->stream != NULL)
    cudaStreamSynchronize (self->stream);
  for (int slot = 0; slot < 2; slot++)
    if (self->scratch[slot] != NULL)
      cudaFreeAsync (self->scratch[slot], self->stream);
  if (self->cublas != NULL)
    cublasDestroy (self->cublas);
  if (self->cublas_workspace != NULL)
    cudaFree (self->cublas_workspace);
  if (self->stream != NULL)
    {
      cudaStreamSynchronize (self->stream);
      cudaStreamDestroy (self->stream);
    }
  cudaGetLastError ();
  g_hash_table_unref (self->sizes);
  g_mutex_clear (&self->lock);
  g_free (be->device_id);
  g_free (be->device_name);
  g_free (self);
}

static PtBackendOps
make_ops (void)
{
  PtBackendOps ops;
  memset (&ops, 0, sizeof ops);
  ops.name = "cuda";
  ops.alloc = cuda_alloc;
  ops.free = cuda_free;
  ops.host_alloc = cuda_host_alloc;
  ops.host_free = cuda_host_free;
  ops.zero = cuda_zero;
  ops.upload = cuda_upload;
  ops.download = cuda_download;
  ops.copy = cuda_copy;
  ops.synchronize = cuda_synchronize;
  ops.check = cuda_check;
  pt_cuda_gemm_ops (&ops);
  pt_cuda_elementwise_ops (&ops);
  pt_cuda_norm_ops (&ops);
  pt_cuda_rope_ops (&ops);
  pt_cuda_attention_ops (&ops);
  pt_cuda_embed_ops (&ops);
  pt_cuda_loss_ops (&ops);
  pt_cuda_optim_ops (&ops);
  pt_cuda_nf4_ops (&ops);
  return ops;
}

static const PtBackendOps cuda_ops = make_ops ();

extern "C" int
pt_cuda_device_count (void)
{
  int n = 0;
  if (cudaGetDeviceCount (&n) != cudaSuccess)
    {
      cudaGetLastError ();
      return 0;
    }
  return n;
}

static double
peak_tflops (const char *name)
{
  /* dense BF16 tensor-core peaks, for MFU */
  if (strstr (name, "H200") != NULL || strstr (name, "H100") != NULL)
    return strstr (name, "PCIe") != NULL ? 756.0 : 989.0;
  if (strstr (name, "A100") != NULL)
    return 312.0;
  if (strstr (name, "L40S") != NULL)
    return 362.0;
  if (strstr (name, "A10") != NULL)
    return 125.0;
  return 0.0;
}

static GPtrArray *
cuda_list_devices (void)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_device_info_free);
  int n = pt_cuda_device_count ();

  for (int i = 0; i < n; i++)
    {
      cudaDeviceProp prop;
      PtDeviceInfo *info;

      if (cudaGetDeviceProperties (&prop, i) != cudaSuccess)
        {
          cudaGetLastError ();
          continue;
        }
      info = g_new0 (PtDeviceInfo, 1);
      info->id = g_strdup_printf ("cuda:%d", i);
      info->name = g_strdup (prop.name);
      info->total_memory = prop.totalGlobalMem;
      info->peak_tflops = peak_tflops (prop.name);
      g_ptr_array_add (out, info);
    }
  return out;
}

extern "C" PtBackend *
pt_cuda_backend_new_full (const char *device_id,
                          PtDType     act_dtype,
                          GError    **error)
{
  PtCudaBackend *self;
  cudaDeviceProp prop;
  int index = 0;
  int n = pt_cuda_device_count ();

  if (act_dtype != PT_DTYPE_BF16 && act_dtype != PT_DTYPE_F32)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "The CUDA backend computes activations in BF16 or F32, not %s",
                   pt_dtype_name (act_dtype));
      return NULL;
    }
  if (device_id == NULL || sscanf (device_id, "cuda:%d", &index) != 1 || index < 0 || index >= n)
    {
      if (n == 0)
        g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "No CUDA device is available (“%s”)",
                     device_id ? device_id : "(null)");
      else
        g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                     "No such CUDA device “%s” (this machine has %d)",
                     device_id ? device_id : "(null)", n);
      return NULL;
    }
  if (cudaSetDevice (index) != cudaSuccess || cudaGetDeviceProperties (&prop, index) != cudaSuccess)
    {
      cudaError_t err = cudaGetLastError ();
      g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "Cannot open CUDA device %d: %s",
                   index, cudaGetErrorString (err));
      return NULL;
    }

  self = g_new0 (PtCudaBackend, 1);
  g_mutex_init (&self->lock);
  self->sizes = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->device = index;
  self->n_sms = prop.multiProcessorCount;
  self->smem_optin = prop.sharedMemPerBlockOptin > 0 ? prop.sharedMemPerBlockOptin : 48 * 1024;
  self->parent.ops = &cuda_ops;
  self->parent.act_dtype = act_dtype;
  self->parent.acc_dtype = PT_DTYPE_F32;
  self->parent.device_id = g_strdup_printf ("cuda:%d", index);
  self->parent.device_name = g_strdup (prop.name);
  self->parent.total_memory = prop.totalGlobalMem;
  self->parent.destroy = cuda_destroy;
  {
    const char *path = getenv ("PT_CUDA_ATTENTION");
    self->attention_path = path == NULL ? PT_CUDA_ATTENTION_AUTO
                           : g_str_equal (path, "flash") ? PT_CUDA_ATTENTION_FLASH
                           : g_str_equal (path, "gemm") ? PT_CUDA_ATTENTION_GEMM
                           : PT_CUDA_ATTENTION_AUTO;
  }

  if (cudaStreamCreateWithFlags (&self->stream, cudaStreamNonBlocking) != cudaSuccess
      || cudaMalloc (&self->cublas_workspace, CUBLAS_WORKSPACE_BYTES) != cudaSuccess
      || cublasCreate (&self->cublas) != CUBLAS_STATUS_SUCCESS
      || cublasSetStream (self->cublas, self->stream) != CUBLAS_STATUS_SUCCESS
      || cublasSetWorkspace (self->cublas, self->cublas_workspace,
                             CUBLAS_WORKSPACE_BYTES) != CUBLAS_STATUS_SUCCESS)
    {
      cudaError_t err = cudaGetLastError ();
      g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "Cannot initialise CUDA/cuBLAS on %s (%s)",
                   prop.name, cudaGetErrorString (err));
      cuda_destroy (&self->parent);
      return NULL;
    }
  /* pure fp32 for F32 operands: no TF32 behind the caller's back */
  cublasSetMathMode (self->cublas, CUBLAS_DEFAULT_MATH);
  /* the pool keeps freed blocks for the next step instead of returning them
   * to the driver at every synchronisation */
  {
    cudaMemPool_t pool;
    guint64 keep = G_MAXUINT64;
    if (cudaDeviceGetDefaultMemPool (&pool, index) == cudaSuccess)
      cudaMemPoolSetAttribute (pool, cudaMemPoolAttrReleaseThreshold, &keep);
    cudaGetLastError ();
  }
  return &self->parent;
}

extern "C" PtBackend *
pt_cuda_backend_new (const char *device_id, GError **error)
{
  const char *env = getenv ("PT_CUDA_ACT_DTYPE");
  PtDType act = PT_DTYPE_BF16;

  if (env != NULL && g_ascii_strcasecmp (env, "F32") == 0)
    act = PT_DTYPE_F32;
  return pt_cuda_backend_new_full (device_id, act, error);
}

extern "C" void
pt_cuda_register (void)
{
  pt_backend_register ("cuda", cuda_list_devices, pt_cuda_backend_new);
}
