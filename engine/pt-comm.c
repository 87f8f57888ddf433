/* pt-comm.c — the collective interface, the single-process communicator and
 * the launcher's environment. */
#include "config.h"

#include <stdlib.h>          /* strtol */
#include <string.h>

#include "pt-comm.h"
#include "pt-error.h"

static PtCommDeviceFactory device_factory;

/* An environment variable holding a whole number ≥ 0, else -1. */
static int
env_int (const char *name)
{
  const char *v = g_getenv (name);
  char *end = NULL;
  long n;

  if (v == NULL || *v == '\0')
    return -1;
  n = strtol (v, &end, 10);
  return *end == '\0' && n >= 0 && n <= G_MAXINT ? (int) n : -1;
}

gboolean
pt_comm_launched_as_rank (int *rank,
                          int *world,
                          int *local_rank)
{
  /* Open MPI's mpirun, then srun (a job step's tasks), then MPICH / PMI */
  static const char *const names[][3] = {
    { "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK" },
    { "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID" },
    { "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID" },
  };

  *rank = 0;
  *world = 1;
  *local_rank = 0;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      int r = env_int (names[i][0]), w = env_int (names[i][1]), l = env_int (names[i][2]);
      if (r < 0 || w < 1 || r >= w)
        continue;
      *rank = r;
      *world = w;
      *local_rank = MAX (l, 0);
      /* mpirun -np 1 is a launch too: MPI is what it expects */
      return TRUE;
    }
  return FALSE;
}

/* ---- single process ---- */

static gboolean
single_all_reduce (PtComm *comm, void *buf, size_t count, PtDType dtype, GError **error)
{
  return TRUE;
}

static gboolean
single_broadcast (PtComm *comm, void *buf, size_t bytes, int root, GError **error)
{
  return TRUE;
}

static gboolean
single_barrier (PtComm *comm, GError **error)
{
  return TRUE;
}

static void
single_free (PtComm *comm)
{
  g_free (comm);
}

static const PtCommOps single_ops = {
  single_all_reduce, single_broadcast, single_barrier, single_free,
};

PtComm *
pt_comm_new_single (void)
{
  PtComm *comm = g_new0 (PtComm, 1);

  comm->ops = &single_ops;
  comm->name = "single";
  comm->rank = 0;
  comm->world = 1;
  comm->local_rank = 0;
  return comm;
}

PtComm *
pt_comm_new_from_environment (GError **error)
{
  int rank, world, local_rank;

  if (!pt_comm_launched_as_rank (&rank, &world, &local_rank))
    return pt_comm_new_single ();
#if HAVE_MPI
  return pt_comm_new_mpi (error);
#else
  if (world == 1)
    return pt_comm_new_single ();
  g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
               "This process was started as rank %d of %d, but PaliTune was built without MPI: "
               "install Open MPI (libopenmpi-dev) and rebuild, or start one process",
               rank, world);
  return NULL;
#endif
}

void
pt_comm_abandon (PtComm *comm)
{
  g_return_if_fail (comm != NULL);
  comm->abandoned = TRUE;
  pt_comm_leave (comm);
}

void
pt_comm_free (PtComm *comm)
{
  if (comm == NULL)
    return;
  if (comm->device_ops != NULL)
    comm->device_ops->free (comm->device_impl);
  comm->ops->free (comm);
}

char *
pt_comm_rank_device (PtComm     *comm,
                     const char *device)
{
  g_return_val_if_fail (comm != NULL && device != NULL, NULL);

  if (g_str_equal (device, PT_DEVICE_ALL_GPUS) || (comm->world > 1 && g_str_has_prefix (device, "cuda")))
    return g_strdup_printf ("cuda:%d", comm->local_rank);
  return g_strdup (device);
}

void
pt_comm_set_device_factory (PtCommDeviceFactory factory)
{
  device_factory = factory;
}

gboolean
pt_comm_attach_backend (PtComm    *comm,
                        PtBackend *be,
                        GError   **error)
{
  g_return_val_if_fail (comm != NULL && be != NULL, FALSE);

  if (comm->device_ops != NULL || device_factory == NULL)
    return TRUE;
  if (comm->world == 1 && g_strcmp0 (g_getenv ("PT_COMM_DEVICE"), "1") != 0)
    return TRUE;
  return device_factory (comm, be, error);
}

gboolean
pt_comm_all_reduce_sum (PtComm  *comm,
                        void    *buf,
                        size_t   count,
                        PtDType  dtype,
                        GError **error)
{
  g_return_val_if_fail (comm != NULL, FALSE);
  g_return_val_if_fail (dtype == PT_DTYPE_F32 || dtype == PT_DTYPE_F64, FALSE);

  if (comm->world == 1 || count == 0)
    return TRUE;
  return comm->ops->all_reduce_sum (comm, buf, count, dtype, error);
}

gboolean
pt_comm_all_reduce_backend (PtComm    *comm,
                            PtBackend *be,
                            void      *buf,
                            size_t     count,
                            PtDType    dtype,
                            GError   **error)
{
  size_t bytes = count * pt_dtype_size (dtype);
  g_autofree void *host = NULL;

  g_return_val_if_fail (comm != NULL && be != NULL, FALSE);

  if (comm->device_ops != NULL)
    return comm->device_ops->all_reduce_sum (comm->device_impl, be, buf, count, dtype, error);
  if (comm->world == 1 || count == 0)
    return TRUE;
  host = g_try_malloc (bytes);
  if (host == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY,
                   "Out of memory summing %zu gradient values over the ranks", count);
      return FALSE;
    }
  be->ops->download (be, host, buf, bytes);
  if (!pt_comm_all_reduce_sum (comm, host, count, dtype, error))
    return FALSE;
  be->ops->upload (be, buf, host, bytes);
  return TRUE;
}

gboolean
pt_comm_broadcast (PtComm  *comm,
                   void    *buf,
                   size_t   bytes,
                   int      root,
                   GError **error)
{
  g_return_val_if_fail (comm != NULL && root >= 0 && root < comm->world, FALSE);

  if (comm->world == 1 || bytes == 0)
    return TRUE;
  return comm->ops->broadcast (comm, buf, bytes, root, error);
}

gboolean
pt_comm_broadcast_backend (PtComm    *comm,
                           PtBackend *be,
                           void      *buf,
                           size_t     bytes,
                           int        root,
                           GError   **error)
{
  g_autofree void *host = NULL;

  if (comm->world == 1 || bytes == 0)
    return TRUE;
  host = g_try_malloc (bytes);
  if (host == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY, "Out of memory sharing the weights between the ranks");
      return FALSE;
    }
  be->ops->download (be, host, buf, bytes);
  if (!pt_comm_broadcast (comm, host, bytes, root, error))
    return FALSE;
  be->ops->upload (be, buf, host, bytes);
  return TRUE;
}

gboolean
pt_comm_barrier (PtComm  *comm,
                 GError **error)
{
  g_return_val_if_fail (comm != NULL, FALSE);

  if (comm->world == 1)
    return TRUE;
  return comm->ops->barrier (comm, error);
}
