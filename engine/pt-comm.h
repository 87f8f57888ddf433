/* pt-comm.h — the collective operations data-parallel training needs.
 *
 * N copies of the trainer (ranks), one per device, each started by mpirun or
 * srun, train one model together: every rank computes the gradients of its
 * share of each global batch, the gradients are summed over the ranks, and
 * every rank then makes the same optimiser step. The trainer calls only this
 * interface; these implementations stand behind it:
 *
 *   single   one process, world 1 (the default): every operation is a no-op;
 *   threads  (pt-comm-threads.c) trainer threads of one process, one per GPU;
 *   MPI      (pt-comm-mpi.c, built when MPI is found) host buffers through
 *            MPI_Allreduce / MPI_Bcast / MPI_Barrier;
 *   NCCL     (gpu/pt-nccl.cu, built with the CUDA backend when nccl.h is
 *            found, libnccl.so.2 opened when needed) attached to a host
 *            communicator once the rank's CUDA backend is open: sums device
 *            buffers in place (ncclAllReduce on the backend's stream); host
 *            buffers still go through the host one.
 *
 * Ranks come from the launcher: Open MPI's mpirun (OMPI_COMM_WORLD_*), srun
 * (SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID), MPICH / PMI (PMI_RANK,
 * PMI_SIZE). The local rank (the rank among those on the same machine) picks
 * the GPU: cuda:<local rank>.
 *
 * Every rank must make the same collective calls in the same order, or they
 * wait for one another for ever; a rank that fails ends the job (it exits
 * without MPI_Finalize, pt_comm_abandon, and mpirun or srun stop the others)
 * or, with threads, leaves (pt_comm_leave) so the others' waits fail.
 */
#pragma once

#include <glib.h>

#include "pt-backend.h"   /* PtBackend, PtDType */

G_BEGIN_DECLS

typedef struct _PtComm PtComm;

typedef struct {
  /* In-place sum over every rank of count elements (PT_DTYPE_F32 or
   * PT_DTYPE_F64) in host memory; every rank ends with the same sums. */
  gboolean (*all_reduce_sum) (PtComm *comm, void *buf, size_t count, PtDType dtype, GError **error);
  /* bytes of root's buf copied into every other rank's buf. */
  gboolean (*broadcast)      (PtComm *comm, void *buf, size_t bytes, int root, GError **error);
  gboolean (*barrier)        (PtComm *comm, GError **error);
  void     (*free)           (PtComm *comm);
} PtCommOps;

/* A reducer of device memory attached to a communicator (NCCL). */
typedef struct {
  /* In-place sum of count elements (F32 or F64) of be's memory over every rank. */
  gboolean (*all_reduce_sum) (gpointer impl, PtBackend *be, void *buf, size_t count, PtDType dtype,
                              GError **error);
  void     (*free)           (gpointer impl);
  const char *name;
} PtCommDeviceOps;

struct _PtComm {
  const PtCommOps       *ops;
  const char            *name;        /* "single", "threads", "MPI" */
  int                    rank;        /* 0 .. world-1; rank 0 writes the run folder */
  int                    world;
  int                    local_rank;  /* among the ranks on this machine */
  gboolean               abandoned;   /* pt_comm_abandon: free without waiting for the others */
  const PtCommDeviceOps *device_ops;  /* attached by pt_comm_attach_backend, or NULL */
  gpointer               device_impl;
};

/* What the launcher's environment says about this process: FALSE when it was
 * not started as one of several ranks (then rank 0, world 1, local rank 0). */
gboolean  pt_comm_launched_as_rank  (int *rank, int *world, int *local_rank);

/* One process: rank 0 of 1. */
PtComm   *pt_comm_new_single        (void);
/* The communicator of this process: MPI when a launcher started it as one of
 * several ranks (or as the only rank of mpirun -np 1), else single. Fails
 * when several ranks were launched but the program was built without MPI.
 * Call it on the thread that will use it, or on one thread before handing it
 * to another (MPI is initialised for one thread at a time). */
PtComm   *pt_comm_new_from_environment (GError **error);
/* Ends MPI when this communicator started it; frees an attached device reducer. */
void      pt_comm_free              (PtComm *comm);
/* This process failed and ends while the other ranks may wait for it: freeing
 * the communicator then does not end MPI (MPI_Finalize would wait for them
 * too), so the process exits at once with its error and the launcher stops
 * the job. */
void      pt_comm_abandon           (PtComm *comm);

/* "cuda:all" in the settings: every GPU of the machine, one rank each. */
#define PT_DEVICE_ALL_GPUS "cuda:all"

/* The device a rank trains on: "cuda:<local rank>" when the settings ask
 * for every GPU, or for a CUDA device and several ranks share the machines;
 * else device. */
char     *pt_comm_rank_device       (PtComm *comm, const char *device);

/* A device reducer for a backend (NCCL for CUDA). gpu/ registers one at
 * start-up; without one, backend buffers go through host memory. */
typedef gboolean (*PtCommDeviceFactory) (PtComm *comm, PtBackend *be, GError **error);
void      pt_comm_set_device_factory (PtCommDeviceFactory factory);
/* Attaches the registered device reducer for be when it applies (several
 * ranks, or PT_COMM_DEVICE=1 to use it with one rank too). */
gboolean  pt_comm_attach_backend    (PtComm *comm, PtBackend *be, GError **error);

gboolean  pt_comm_all_reduce_sum    (PtComm *comm, void *buf, size_t count, PtDType dtype,
                                     GError **error);
/* Sums count elements (F32 or F64) of be's memory over the ranks: in place
 * through the device reducer, else downloaded, summed on the host, uploaded. */
gboolean  pt_comm_all_reduce_backend (PtComm *comm, PtBackend *be, void *buf, size_t count,
                                      PtDType dtype, GError **error);
gboolean  pt_comm_broadcast         (PtComm *comm, void *buf, size_t bytes, int root,
                                     GError **error);
/* The same, for bytes of be's memory (through host memory). */
gboolean  pt_comm_broadcast_backend (PtComm *comm, PtBackend *be, void *buf, size_t bytes,
                                     int root, GError **error);
gboolean  pt_comm_barrier           (PtComm *comm, GError **error);

/* n communicators for n trainer threads of one process (ranks 0..n-1, all
 * local), of PtComm*: the app trains on every GPU this way. */
GPtrArray *pt_comm_new_threads      (int n);
/* This rank takes part in no more collectives (its trainer ended, well or
 * not): the other threads' collectives then fail at once instead of waiting
 * for it. Nothing for the other communicators (mpirun and srun end a job
 * whose process failed). */
void      pt_comm_leave             (PtComm *comm);

#if HAVE_MPI
/* MPI_COMM_WORLD (initialising MPI unless the program already did). */
PtComm   *pt_comm_new_mpi           (GError **error);
#endif

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtComm, pt_comm_free)

G_END_DECLS
