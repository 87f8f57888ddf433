/* pt-training-ranks.c — the other GPUs of an "all GPUs" run: one trainer thread each. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-comm.h"              /* pt_comm_new_threads */
#include "pt-training-ranks.h"

typedef struct {
  PtRun     *run;        /* the same folder, opened again: this rank only reads it */
  PtTrainer *trainer;
  PtComm    *comm;       /* borrowed from the group */
  GThread   *thread;
  GError    *error;
} Rank;

struct _PtTrainingRanks {
  GPtrArray *comms;      /* of PtComm*, one per rank (0 is the session's trainer's) */
  GPtrArray *ranks;      /* of Rank*, ranks 1 … n-1 */
};

GPtrArray *
pt_training_ranks_list_gpus (void)
{
  g_autoptr(GPtrArray) devices = pt_backend_list_devices ();
  GPtrArray *gpus = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < devices->len; i++)
    {
      PtDeviceInfo *d = devices->pdata[i];
      if (g_str_has_prefix (d->id, "cuda:"))
        g_ptr_array_add (gpus, g_strdup (d->id));
    }
  return gpus;
}

static gpointer
rank_thread (gpointer data)
{
  Rank *r = data;

  pt_trainer_run (r->trainer, &r->error);
  pt_comm_leave (r->comm);   /* rank 0 must not wait for a rank that ended */
  return NULL;
}

static void
rank_free (Rank *r)
{
  if (r->thread != NULL)
    g_thread_join (r->thread);
  g_clear_pointer (&r->trainer, pt_trainer_free);
  g_clear_pointer (&r->run, pt_run_free);
  g_clear_error (&r->error);
  g_free (r);
}

PtTrainingRanks *
pt_training_ranks_start (PtRun     *run,
                         PtTrainer *rank0,
                         int        n_ranks,
                         gboolean   force,
                         GError   **error)
{
  g_autoptr(PtTrainingRanks) self = g_new0 (PtTrainingRanks, 1);

  g_return_val_if_fail (n_ranks >= 2, NULL);

  self->comms = pt_comm_new_threads (n_ranks);
  self->ranks = g_ptr_array_new_with_free_func ((GDestroyNotify) rank_free);
  for (int k = 1; k < n_ranks; k++)
    {
      Rank *r = g_new0 (Rank, 1);
      g_ptr_array_add (self->ranks, r);
      r->comm = self->comms->pdata[k];
      r->run = pt_run_open (pt_run_get_dir (run), error);
      if (r->run == NULL)
        return NULL;
      r->trainer = pt_trainer_new (r->run, NULL, force, NULL, error);
      if (r->trainer == NULL)
        return NULL;
      pt_trainer_set_comm (r->trainer, r->comm);
    }
  pt_trainer_set_comm (rank0, self->comms->pdata[0]);
  for (guint i = 0; i < self->ranks->len; i++)
    {
      Rank *r = self->ranks->pdata[i];
      r->thread = g_thread_new ("palitune-rank", rank_thread, r);
    }
  return g_steal_pointer (&self);
}

char *
pt_training_ranks_finish (PtTrainingRanks *self)
{
  char *message = NULL;

  pt_comm_leave (self->comms->pdata[0]);
  for (guint i = 0; i < self->ranks->len; i++)
    {
      Rank *r = self->ranks->pdata[i];
      if (r->thread != NULL)
        g_thread_join (g_steal_pointer (&r->thread));
      if (message == NULL && r->error != NULL)
        /* Translators: an error of one GPU of several: "GPU 2: Out of memory…" */
        message = g_strdup_printf (_("GPU %d: %s"), r->comm->rank, r->error->message);
    }
  return message;
}

void
pt_training_ranks_stop (PtTrainingRanks *self)
{
  for (guint i = 0; i < self->ranks->len; i++)
    pt_trainer_request_stop (((Rank *) self->ranks->pdata[i])->trainer);
}

void
pt_training_ranks_free (PtTrainingRanks *self)
{
  if (self == NULL)
    return;
  if (self->comms != NULL)
    pt_comm_leave (self->comms->pdata[0]);
  g_clear_pointer (&self->ranks, g_ptr_array_unref);   /* joins the threads */
  g_clear_pointer (&self->comms, g_ptr_array_unref);
  g_free (self);
}
