/* pt-comm-threads.c — the collective interface between trainer threads of
 * one process: the app's "all GPUs", one thread per GPU (NCCL attaches to
 * these ranks like to MPI's). The last thread to arrive at a collective does
 * the work for all (sums in rank order, so every run sums alike) while the
 * others wait; a rank that leaves (its trainer ended) makes the others'
 * waits fail instead of last for ever. */
#include "config.h"

#include <string.h>

#include "pt-comm.h"
#include "pt-error.h"

typedef enum { OP_ALL_REDUCE, OP_BROADCAST, OP_BARRIER } Op;

typedef struct {
  gatomicrefcount refs;
  GMutex   lock;
  GCond    cond;
  int      n;
  int      arrived;
  guint64  generation;
  gboolean left;          /* a rank left: no collective can complete */
  gboolean mismatch;      /* the ranks asked for different collectives */
  void   **bufs;          /* (n) each rank's buffer for the current collective */
  Op       op;
  size_t   count;         /* elements (all-reduce) or bytes (broadcast) */
  PtDType  dtype;
  int      root;
} Group;

typedef struct {
  PtComm  parent;
  Group  *group;
} PtCommThread;

static void
group_unref (Group *g)
{
  if (!g_atomic_ref_count_dec (&g->refs))
    return;
  g_mutex_clear (&g->lock);
  g_cond_clear (&g->cond);
  g_free (g->bufs);
  g_free (g);
}

/* The last arrival: every rank's buffer is in g->bufs and none runs. */
static void
complete (Group *g)
{
  switch (g->op)
    {
    case OP_ALL_REDUCE:
      if (g->dtype == PT_DTYPE_F64)
        {
          double *acc = g->bufs[0];
          for (int r = 1; r < g->n; r++)
            for (size_t i = 0; i < g->count; i++)
              acc[i] += ((const double *) g->bufs[r])[i];
        }
      else
        {
          float *acc = g->bufs[0];
          for (int r = 1; r < g->n; r++)
            for (size_t i = 0; i < g->count; i++)
              acc[i] += ((const float *) g->bufs[r])[i];
        }
      for (int r = 1; r < g->n; r++)
        memcpy (g->bufs[r], g->bufs[0], g->count * pt_dtype_size (g->dtype));
      break;
    case OP_BROADCAST:
      for (int r = 0; r < g->n; r++)
        if (r != g->root)
          memcpy (g->bufs[r], g->bufs[g->root], g->count);
      break;
    case OP_BARRIER:
      break;
    }
}

static gboolean
collective (PtComm *comm, Op op, void *buf, size_t count, PtDType dtype, int root, GError **error)
{
  Group *g = ((PtCommThread *) comm)->group;
  guint64 generation;
  gboolean ok = TRUE;

  g_mutex_lock (&g->lock);
  if (g->left || g->mismatch)
    ok = FALSE;
  else if (g->arrived == 0)
    {
      g->op = op;
      g->count = count;
      g->dtype = dtype;
      g->root = root;
    }
  else if (g->op != op || g->count != count || g->dtype != dtype || g->root != root)
    {
      g->mismatch = TRUE;   /* a bug: summing buffers of different sizes would corrupt memory */
      g_cond_broadcast (&g->cond);
      ok = FALSE;
    }
  if (ok)
    {
      g->bufs[comm->rank] = buf;
      generation = g->generation;
      if (++g->arrived == g->n)
        {
          complete (g);
          g->arrived = 0;
          g->generation++;
          g_cond_broadcast (&g->cond);
        }
      else
        {
          while (g->generation == generation && !g->left && !g->mismatch)
            g_cond_wait (&g->cond, &g->lock);
          ok = g->generation != generation;
        }
    }
  if (!ok)
    g_set_error (error, PT_ERROR, PT_ERROR_FAILED, g->mismatch
                 ? "The training threads went out of step (rank %d)"
                 : "Another training thread ended (rank %d waited for it)", comm->rank);
  g_mutex_unlock (&g->lock);
  return ok;
}

static gboolean
threads_all_reduce (PtComm *comm, void *buf, size_t count, PtDType dtype, GError **error)
{
  return collective (comm, OP_ALL_REDUCE, buf, count, dtype, 0, error);
}

static gboolean
threads_broadcast (PtComm *comm, void *buf, size_t bytes, int root, GError **error)
{
  return collective (comm, OP_BROADCAST, buf, bytes, PT_DTYPE_F32, root, error);
}

static gboolean
threads_barrier (PtComm *comm, GError **error)
{
  return collective (comm, OP_BARRIER, NULL, 0, PT_DTYPE_F32, 0, error);
}

static void
threads_free (PtComm *comm)
{
  PtCommThread *self = (PtCommThread *) comm;

  pt_comm_leave (comm);
  group_unref (self->group);
  g_free (self);
}

static const PtCommOps threads_ops = {
  threads_all_reduce, threads_broadcast, threads_barrier, threads_free,
};

GPtrArray *
pt_comm_new_threads (int n)
{
  Group *g;
  GPtrArray *comms;

  g_return_val_if_fail (n >= 1, NULL);

  g = g_new0 (Group, 1);
  g_atomic_ref_count_init (&g->refs);
  g_mutex_init (&g->lock);
  g_cond_init (&g->cond);
  g->n = n;
  g->bufs = g_new0 (void *, n);
  comms = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_comm_free);
  for (int r = 0; r < n; r++)
    {
      PtCommThread *c = g_new0 (PtCommThread, 1);
      c->parent.ops = &threads_ops;
      c->parent.name = "threads";
      c->parent.rank = r;
      c->parent.world = n;
      c->parent.local_rank = r;
      if (r > 0)
        g_atomic_ref_count_inc (&g->refs);
      c->group = g;
      g_ptr_array_add (comms, c);
    }
  return comms;
}

void
pt_comm_leave (PtComm *comm)
{
  Group *g;

  g_return_if_fail (comm != NULL);
  if (comm->ops != &threads_ops)
    return;
  g = ((PtCommThread *) comm)->group;
  g_mutex_lock (&g->lock);
  g->left = TRUE;
  g_cond_broadcast (&g->cond);
  g_mutex_unlock (&g->lock);
}
