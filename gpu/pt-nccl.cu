/* pt-nccl.cu — the collective interface's device reducer over NCCL. Host
 * code only: ncclAllReduce runs on the CUDA backend's stream, so it follows
 * the backward pass and precedes the optimiser step without a host wait. */
#include "config.h"

#include <nccl.h>               /* ncclCommInitRank, ncclAllReduce */

#include "pt-cuda-private.h"    /* PtCudaBackend: device, stream */
#include "pt-error.h"
#include "pt-nccl.h"

typedef struct {
  ncclComm_t comm;
  int        device;
} PtNccl;

static gboolean
check (ncclResult_t r, const char *what, GError **error)
{
  if (r == ncclSuccess)
    return TRUE;
  g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "NCCL %s failed: %s", what, ncclGetErrorString (r));
  return FALSE;
}

static gboolean
nccl_all_reduce (gpointer impl, PtBackend *be, void *buf, size_t count, PtDType dtype, GError **error)
{
  PtNccl *self = (PtNccl *) impl;
  PtCudaBackend *cb = pt_cuda (be);

  if (dtype != PT_DTYPE_F32 && dtype != PT_DTYPE_F64)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "NCCL sums F32 or F64 buffers here");
      return FALSE;
    }
  if (cb->device != self->device)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "NCCL was set up for cuda:%d, not cuda:%d",
                   self->device, cb->device);
      return FALSE;
    }
  if (count == 0)
    return TRUE;
  return check (ncclAllReduce (buf, buf, count, dtype == PT_DTYPE_F64 ? ncclFloat64 : ncclFloat32,
                               ncclSum, self->comm, cb->stream), "all-reduce", error);
}

static void
nccl_free (gpointer impl)
{
  PtNccl *self = (PtNccl *) impl;

  ncclCommDestroy (self->comm);
  g_free (self);
}

static const PtCommDeviceOps nccl_ops = {
  nccl_all_reduce, nccl_free, "NCCL",
};

extern "C" gboolean
pt_nccl_attach (PtComm *comm, PtBackend *be, GError **error)
{
  PtNccl *self;
  ncclUniqueId id;
  cudaError_t err;

  if (be->device_id == NULL || !g_str_has_prefix (be->device_id, "cuda"))
    return TRUE;   /* a CPU rank: host memory through the host communicator */
  memset (&id, 0, sizeof id);
  if (comm->rank == 0 && !check (ncclGetUniqueId (&id), "unique id", error))
    return FALSE;
  if (!pt_comm_broadcast (comm, &id, sizeof id, 0, error))
    return FALSE;
  self = g_new0 (PtNccl, 1);
  self->device = pt_cuda (be)->device;
  err = cudaSetDevice (self->device);
  if (err != cudaSuccess)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "cuda:%d: %s", self->device, cudaGetErrorString (err));
      g_free (self);
      return FALSE;
    }
  if (!check (ncclCommInitRank (&self->comm, comm->world, id, comm->rank), "initialisation", error))
    {
      g_free (self);
      return FALSE;
    }
  comm->device_ops = &nccl_ops;
  comm->device_impl = self;
  return TRUE;
}

extern "C" void
pt_nccl_register (void)
{
  pt_comm_set_device_factory (pt_nccl_attach);
}
