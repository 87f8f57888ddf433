/* pt-nccl.cu — the collective interface's device reducer over NCCL. Host
 * code only: ncclAllReduce runs on the CUDA backend's stream, so it follows
 * the backward pass and precedes the optimiser step without a host wait.
 * libnccl.so.2 is opened when a run first needs it, not linked: it is 200 MB,
 * and training on one GPU must not depend on it. */
#include "config.h"

#include <dlfcn.h>              /* dlopen, dlsym */
#include <nccl.h>               /* the types and the signatures */

#include "pt-cuda-private.h"    /* PtCudaBackend: device, stream */
#include "pt-error.h"
#include "pt-nccl.h"

typedef struct {
  ncclComm_t comm;
  int        device;
} PtNccl;

/* The NCCL functions used, from libnccl.so.2 */
static struct {
  const char *(*get_error_string) (ncclResult_t);
  ncclResult_t (*get_unique_id)   (ncclUniqueId *);
  ncclResult_t (*comm_init_rank)  (ncclComm_t *, int, ncclUniqueId, int);
  ncclResult_t (*all_reduce)      (const void *, void *, size_t, ncclDataType_t, ncclRedOp_t,
                                   ncclComm_t, cudaStream_t);
  ncclResult_t (*comm_destroy)    (ncclComm_t);
} nccl;

extern "C" gboolean
pt_nccl_load (GError **error)
{
  static gsize done;
  static char *failure;

  if (g_once_init_enter (&done))
    {
      void *lib = dlopen ("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
      if (lib == NULL)
        lib = dlopen ("libnccl.so", RTLD_NOW | RTLD_LOCAL);
      if (lib == NULL)
        failure = g_strdup_printf ("NCCL is not installed (%s): it sums the gradients between GPUs",
                                   dlerror ());
      else
        {
#define SYM(field, name) G_STMT_START { \
            *(void **) &nccl.field = dlsym (lib, name); \
            if (nccl.field == NULL && failure == NULL) \
              failure = g_strdup_printf ("This NCCL lacks %s", name); } G_STMT_END
          SYM (get_error_string, "ncclGetErrorString");
          SYM (get_unique_id, "ncclGetUniqueId");
          SYM (comm_init_rank, "ncclCommInitRank");
          SYM (all_reduce, "ncclAllReduce");
          SYM (comm_destroy, "ncclCommDestroy");
#undef SYM
        }
      g_once_init_leave (&done, 1);
    }
  if (failure != NULL)
    {
      g_set_error_literal (error, PT_ERROR, PT_ERROR_UNSUPPORTED, failure);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check (ncclResult_t r, const char *what, GError **error)
{
  if (r == ncclSuccess)
    return TRUE;
  g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "NCCL %s failed: %s", what, nccl.get_error_string (r));
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
  return check (nccl.all_reduce (buf, buf, count, dtype == PT_DTYPE_F64 ? ncclFloat64 : ncclFloat32,
                               ncclSum, self->comm, cb->stream), "all-reduce", error);
}

static void
nccl_free (gpointer impl)
{
  PtNccl *self = (PtNccl *) impl;

  nccl.comm_destroy (self->comm);
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
  if (!pt_nccl_load (error))
    return FALSE;
  memset (&id, 0, sizeof id);
  if (comm->rank == 0 && !check (nccl.get_unique_id (&id), "unique id", error))
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
  if (!check (nccl.comm_init_rank (&self->comm, comm->world, id, comm->rank), "initialisation", error))
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
