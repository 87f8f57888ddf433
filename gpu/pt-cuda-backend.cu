/* pt-cuda-backend.cu — the CUDA backend: device memory, one compute stream,
 * a cuBLAS handle, and the op table.
 *
 * Activations are BF16 on the device, vectors/master weights/optimiser state
 * F32 (pt-backend.h). Device errors are latched and reported by check().
 */
#include "config.h"

#include <cuda_runtime.h>   /* cudaMalloc, streams */
#include <cublas_v2.h>      /* cublasCreate */
#include <stdio.h>          /* sscanf */
#include <string.h>         /* strstr */

extern "C" {
#include "pt-cuda.h"
#include "pt-error.h"       /* PT_ERROR */
}

struct PtCudaBackend {
  PtBackend      parent;
  int            device;
  cudaStream_t   stream;
  cublasHandle_t cublas;
  cudaError_t    first_error;
  GMutex         lock;
};

static void
latch (PtCudaBackend *self, cudaError_t err)
{
  if (err != cudaSuccess && self->first_error == cudaSuccess)
    self->first_error = err;
}

static void *
cuda_alloc (PtBackend *be, size_t bytes, GError **error)
{
  PtCudaBackend *self = (PtCudaBackend *) be;
  void *ptr = NULL;
  cudaError_t err = cudaMallocAsync (&ptr, MAX (bytes, (size_t) 1), self->stream);

  if (err != cudaSuccess)
    {
      cudaGetLastError ();   /* an allocation failure is not sticky */
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY,
                   "Out of GPU memory allocating %.1f MiB on %s (%s)",
                   bytes / 1048576.0, be->device_name, cudaGetErrorString (err));
      return NULL;
    }
  /* the usable size is recorded by the caller-visible accounting only */
  g_mutex_lock (&self->lock);
  be->in_use += bytes;
  be->peak = MAX (be->peak, be->in_use);
  g_mutex_unlock (&self->lock);
  return ptr;
}

static void
cuda_free (PtBackend *be, void *ptr)
{
  PtCudaBackend *self = (PtCudaBackend *) be;

  if (ptr == NULL)
    return;
  latch (self, cudaFreeAsync (ptr, self->stream));
}

static void *
cuda_host_alloc (PtBackend *be, size_t bytes, GError **error)
{
  void *ptr = NULL;

  if (cudaMallocHost (&ptr, MAX (bytes, (size_t) 1)) != cudaSuccess)
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
    cudaFreeHost (ptr);
}

static void
cuda_zero (PtBackend *be, void *ptr, size_t bytes)
{
  PtCudaBackend *self = (PtCudaBackend *) be;
  latch (self, cudaMemsetAsync (ptr, 0, bytes, self->stream));
}

static void
cuda_upload (PtBackend *be, void *dst, const void *src, size_t bytes)
{
  PtCudaBackend *self = (PtCudaBackend *) be;
  latch (self, cudaMemcpyAsync (dst, src, bytes, cudaMemcpyHostToDevice, self->stream));
}

static void
cuda_download (PtBackend *be, void *dst, const void *src, size_t bytes)
{
  PtCudaBackend *self = (PtCudaBackend *) be;
  latch (self, cudaMemcpyAsync (dst, src, bytes, cudaMemcpyDeviceToHost, self->stream));
  latch (self, cudaStreamSynchronize (self->stream));
}

static void
cuda_copy (PtBackend *be, void *dst, const void *src, size_t bytes)
{
  PtCudaBackend *self = (PtCudaBackend *) be;
  if (dst != src)
    latch (self, cudaMemcpyAsync (dst, src, bytes, cudaMemcpyDeviceToDevice, self->stream));
}

static void
cuda_synchronize (PtBackend *be)
{
  PtCudaBackend *self = (PtCudaBackend *) be;
  latch (self, cudaStreamSynchronize (self->stream));
}

static gboolean
cuda_check (PtBackend *be, GError **error)
{
  PtCudaBackend *self = (PtCudaBackend *) be;

  latch (self, cudaGetLastError ());
  if (self->first_error == cudaSuccess)
    return TRUE;
  g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "CUDA error on %s: %s",
               be->device_name, cudaGetErrorString (self->first_error));
  return FALSE;
}

/* x *= alpha, F32 */
__global__ static void
scale_f32_kernel (float *x, size_t n, float alpha)
{
  size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    x[i] *= alpha;
}

static void
cuda_scale (PtBackend *be, void *x, PtDType dtype, size_t n, double alpha)
{
  PtCudaBackend *self = (PtCudaBackend *) be;
  unsigned blocks = (unsigned) ((n + 255) / 256);

  g_return_if_fail (dtype == PT_DTYPE_F32);
  if (n == 0)
    return;
  scale_f32_kernel<<<blocks, 256, 0, self->stream>>> ((float *) x, n, (float) alpha);
  latch (self, cudaGetLastError ());
}

static void
cuda_destroy (PtBackend *be)
{
  PtCudaBackend *self = (PtCudaBackend *) be;

  cudaSetDevice (self->device);
  cudaStreamSynchronize (self->stream);
  if (self->cublas != NULL)
    cublasDestroy (self->cublas);
  cudaStreamDestroy (self->stream);
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
  ops.scale = cuda_scale;
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
        continue;
      info = g_new0 (PtDeviceInfo, 1);
      info->id = g_strdup_printf ("cuda:%d", i);
      info->name = g_strdup (prop.name);
      info->total_memory = prop.totalGlobalMem;
      /* dense BF16 tensor-core peaks, for MFU */
      if (strstr (prop.name, "H200") != NULL || strstr (prop.name, "H100") != NULL)
        info->peak_tflops = strstr (prop.name, "PCIe") != NULL ? 756.0 : 989.0;
      else if (strstr (prop.name, "A100") != NULL)
        info->peak_tflops = 312.0;
      g_ptr_array_add (out, info);
    }
  return out;
}

extern "C" PtBackend *
pt_cuda_backend_new (const char *device_id, GError **error)
{
  PtCudaBackend *self;
  cudaDeviceProp prop;
  int index = 0;
  int n = pt_cuda_device_count ();

  if (device_id == NULL || sscanf (device_id, "cuda:%d", &index) != 1 || index < 0 || index >= n)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   n == 0 ? "No CUDA device is available (“%s”)"
                          : "No such CUDA device “%s” (this machine has %d)",
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
  self->device = index;
  self->parent.ops = &cuda_ops;
  self->parent.act_dtype = PT_DTYPE_BF16;
  self->parent.acc_dtype = PT_DTYPE_F32;
  self->parent.device_id = g_strdup_printf ("cuda:%d", index);
  self->parent.device_name = g_strdup (prop.name);
  self->parent.total_memory = prop.totalGlobalMem;
  self->parent.destroy = cuda_destroy;

  if (cudaStreamCreateWithFlags (&self->stream, cudaStreamNonBlocking) != cudaSuccess
      || cublasCreate (&self->cublas) != CUBLAS_STATUS_SUCCESS
      || cublasSetStream (self->cublas, self->stream) != CUBLAS_STATUS_SUCCESS)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "Cannot initialise CUDA/cuBLAS on %s",
                   prop.name);
      cuda_destroy (&self->parent);
      return NULL;
    }
  return &self->parent;
}

extern "C" void
pt_cuda_register (void)
{
  pt_backend_register ("cuda", cuda_list_devices, pt_cuda_backend_new);
}
