/* pt-comm-mpi.c — the collective interface over MPI_COMM_WORLD. */
#include "config.h"

#include <mpi.h>             /* MPI_Allreduce, MPI_Bcast, MPI_Barrier */

#include "pt-comm.h"
#include "pt-error.h"

typedef struct {
  PtComm   parent;
  gboolean finalize;   /* this communicator initialised MPI */
} PtCommMpi;

static gboolean
check (int rc, const char *what, GError **error)
{
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;

  if (rc == MPI_SUCCESS)
    return TRUE;
  if (MPI_Error_string (rc, message, &length) != MPI_SUCCESS)
    length = 0;
  message[CLAMP (length, 0, MPI_MAX_ERROR_STRING - 1)] = '\0';
  g_set_error (error, PT_ERROR, PT_ERROR_DEVICE, "MPI %s failed: %s", what, message);
  return FALSE;
}

/* MPI counts are ints: big buffers go in pieces */
#define CHUNK ((size_t) 1 << 28)

static gboolean
mpi_all_reduce (PtComm *comm, void *buf, size_t count, PtDType dtype, GError **error)
{
  MPI_Datatype type = dtype == PT_DTYPE_F64 ? MPI_DOUBLE : MPI_FLOAT;
  size_t size = pt_dtype_size (dtype);

  for (size_t i = 0; i < count; i += CHUNK)
    if (!check (MPI_Allreduce (MPI_IN_PLACE, (char *) buf + i * size, (int) MIN (CHUNK, count - i),
                               type, MPI_SUM, MPI_COMM_WORLD), "all-reduce", error))
      return FALSE;
  return TRUE;
}

static gboolean
mpi_broadcast (PtComm *comm, void *buf, size_t bytes, int root, GError **error)
{
  for (size_t i = 0; i < bytes; i += CHUNK)
    if (!check (MPI_Bcast ((char *) buf + i, (int) MIN (CHUNK, bytes - i), MPI_BYTE, root,
                           MPI_COMM_WORLD), "broadcast", error))
      return FALSE;
  return TRUE;
}

static gboolean
mpi_barrier (PtComm *comm, GError **error)
{
  return check (MPI_Barrier (MPI_COMM_WORLD), "barrier", error);
}

static void
mpi_free (PtComm *comm)
{
  PtCommMpi *self = (PtCommMpi *) comm;
  int finalized = 0;

  if (self->finalize && !comm->abandoned && MPI_Finalized (&finalized) == MPI_SUCCESS && !finalized)
    MPI_Finalize ();
  g_free (self);
}

static const PtCommOps mpi_ops = {
  mpi_all_reduce, mpi_broadcast, mpi_barrier, mpi_free,
};

PtComm *
pt_comm_new_mpi (GError **error)
{
  g_autofree PtCommMpi *self = g_new0 (PtCommMpi, 1);
  MPI_Comm local;
  int initialized = 0, provided = 0;

  if (!check (MPI_Initialized (&initialized), "initialisation", error))
    return NULL;
  if (!initialized)
    {
      /* the trainer runs on its own thread: one thread at a time calls MPI */
      if (!check (MPI_Init_thread (NULL, NULL, MPI_THREAD_SERIALIZED, &provided), "initialisation", error))
        return NULL;
      self->finalize = TRUE;
      if (provided < MPI_THREAD_SERIALIZED)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                       "This MPI library cannot be called from a worker thread (MPI_THREAD_SERIALIZED)");
          MPI_Finalize ();
          return NULL;
        }
    }
  self->parent.ops = &mpi_ops;
  self->parent.name = "MPI";
  if (!check (MPI_Comm_rank (MPI_COMM_WORLD, &self->parent.rank), "rank", error)
      || !check (MPI_Comm_size (MPI_COMM_WORLD, &self->parent.world), "size", error)
      /* the ranks that share this machine's memory: the local rank picks the GPU */
      || !check (MPI_Comm_split_type (MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, self->parent.rank,
                                      MPI_INFO_NULL, &local), "local split", error))
    {
      if (self->finalize)
        MPI_Finalize ();
      return NULL;
    }
  MPI_Comm_rank (local, &self->parent.local_rank);
  MPI_Comm_free (&local);
  return (PtComm *) g_steal_pointer (&self);
}
