/* pt-loader.c — worker threads that prepare batches ahead of the trainer.
 *
 * Work is handed out record by record in (batch, row) order from one
 * cursor, so all threads help with the oldest batches first; a batch lives
 * in slot k % depth from its first record until the trainer takes it, and
 * the cursor never runs more than depth batches ahead of the trainer. The
 * thread that finishes a batch's last record collates it.
 */
#include "config.h"

#include <string.h>

#include "pt-error.h"
#include "pt-loader.h"

#define FREE_SLOT G_MAXUINT

typedef struct {
  guint     k;            /* batch held, or FREE_SLOT */
  int       n;            /* its records */
  int       remaining;    /* records not yet prepared */
  gboolean  ready;
  gpointer *examples;     /* (B) NULL where a record failed */
  float    *pixels;       /* (B, 3, S, S) */
  PtBatch  *batch;        /* once ready; NULL if every record failed */
} Slot;

struct _PtLoader {
  PtLoaderFuncs funcs;
  gpointer      user_data;
  GDestroyNotify user_data_free;
  PtDataset    *dataset;
  guint        *order;
  guint         n;
  int           B;
  gsize         image_floats;   /* 3·S·S */
  guint         end_k;          /* batches in the epoch */
  guint         start_k;
  int           depth;
  Slot         *slots;

  GMutex        lock;
  GCond         work_cond;      /* a slot came free, or cancel */
  GCond         ready_cond;     /* a batch is ready, or cancel */
  guint         next_k;         /* the next record to prepare: (next_k, next_row) */
  int           next_row;
  guint         consume_k;      /* the next batch to hand out */
  gboolean      cancelled;
  gint          n_failed;

  GThread     **threads;
  int           n_threads;
};

void
pt_loader_options_init (PtLoaderOptions *o)
{
  memset (o, 0, sizeof *o);
  o->batch_size = 16;
}

static void
free_examples (PtLoader *l, Slot *s)
{
  for (int i = 0; i < l->B; i++)
    if (s->examples[i] != NULL)
      {
        if (l->funcs.free_example != NULL)
          l->funcs.free_example (s->examples[i]);
        s->examples[i] = NULL;
      }
}

/* Called without the lock by the thread that prepared the last record. */
static PtBatch *
collate (PtLoader *l, Slot *s, guint k)
{
  g_autofree gpointer *ok_examples = g_new (gpointer, s->n);
  g_autofree const float **ok_pixels = g_new (const float *, s->n);
  g_autofree guint *ok_records = g_new (guint, s->n);
  int n_ok = 0;
  PtBatch *batch = NULL;

  for (int i = 0; i < s->n; i++)
    if (s->examples[i] != NULL)
      {
        ok_examples[n_ok] = s->examples[i];
        ok_pixels[n_ok] = s->pixels + (gsize) i * l->image_floats;
        ok_records[n_ok] = l->order[(gsize) k * l->B + i];
        n_ok++;
      }
  if (n_ok > 0)
    batch = l->funcs.collate (l->user_data, ok_examples, ok_pixels, ok_records, n_ok);
  free_examples (l, s);
  return batch;
}

static gpointer
worker (gpointer data)
{
  PtLoader *l = data;

  g_mutex_lock (&l->lock);
  while (!l->cancelled && l->next_k < l->end_k)
    {
      guint k;
      int row;
      Slot *s;
      guint record;
      gpointer example;
      g_autoptr(GError) error = NULL;

      if (l->next_k >= l->consume_k + (guint) l->depth)
        {
          g_cond_wait (&l->work_cond, &l->lock);
          continue;
        }
      k = l->next_k;
      row = l->next_row;
      s = &l->slots[k % l->depth];
      if (row == 0)
        {
          g_assert (s->k == FREE_SLOT);
          s->k = k;
          s->n = (int) MIN ((guint) l->B, l->n - k * (guint) l->B);
          s->remaining = s->n;
          s->ready = FALSE;
          s->batch = NULL;
        }
      if (++l->next_row == s->n)
        {
          l->next_k++;
          l->next_row = 0;
        }
      record = l->order[(gsize) k * l->B + row];
      g_mutex_unlock (&l->lock);

      example = l->funcs.prepare (l->user_data, record, s->pixels + (gsize) row * l->image_floats, &error);
      if (example == NULL)
        {
          g_atomic_int_inc (&l->n_failed);
          if (l->dataset != NULL)
            pt_dataset_add_problem (l->dataset, (int) record, PT_PROBLEM_LOAD_FAILED, "%s",
                                    error != NULL ? error->message : "the record could not be loaded");
        }

      g_mutex_lock (&l->lock);
      s->examples[row] = example;
      if (--s->remaining == 0)
        {
          PtBatch *batch;
          g_mutex_unlock (&l->lock);
          batch = collate (l, s, k);
          g_mutex_lock (&l->lock);
          s->batch = batch;
          s->ready = TRUE;
          g_cond_broadcast (&l->ready_cond);
        }
    }
  g_mutex_unlock (&l->lock);
  return NULL;
}

PtLoader *
pt_loader_new_custom (const PtLoaderFuncs    *funcs,
                      gpointer                user_data,
                      PtDataset              *dataset,
                      const guint            *order,
                      guint                   n,
                      const PtLoaderOptions  *options)
{
  return pt_loader_new_full (funcs, user_data, NULL, dataset, order, n, options);
}

PtLoader *
pt_loader_new_full (const PtLoaderFuncs    *funcs,
                    gpointer                user_data,
                    GDestroyNotify          user_data_free,
                    PtDataset              *dataset,
                    const guint            *order,
                    guint                   n,
                    const PtLoaderOptions  *options)
{
  PtLoader *l;
  PtLoaderOptions defaults;

  g_return_val_if_fail (funcs != NULL && funcs->prepare != NULL && funcs->collate != NULL, NULL);
  g_return_val_if_fail (funcs->image_size > 0, NULL);
  g_return_val_if_fail (order != NULL || n == 0, NULL);
  if (options == NULL)
    {
      pt_loader_options_init (&defaults);
      options = &defaults;
    }
  g_return_val_if_fail (options->batch_size > 0, NULL);

  l = g_new0 (PtLoader, 1);
  l->funcs = *funcs;
  l->user_data = user_data;
  l->user_data_free = user_data_free;
  l->dataset = dataset != NULL ? pt_dataset_ref (dataset) : NULL;
  l->order = g_memdup2 (order, sizeof (guint) * MAX (n, 1));
  l->n = n;
  l->B = options->batch_size;
  l->image_floats = (gsize) 3 * funcs->image_size * funcs->image_size;
  l->end_k = options->drop_last ? n / (guint) l->B : (n + (guint) l->B - 1) / (guint) l->B;
  l->start_k = MIN (options->start_batch, l->end_k);
  l->next_k = l->consume_k = l->start_k;
  l->n_threads = options->n_threads > 0 ? options->n_threads
                                        : (int) MAX (g_get_num_processors (), 2u) - 1;
  l->depth = options->depth > 0 ? options->depth : 3;
  l->slots = g_new0 (Slot, l->depth);
  for (int i = 0; i < l->depth; i++)
    {
      l->slots[i].k = FREE_SLOT;
      l->slots[i].examples = g_new0 (gpointer, l->B);
      l->slots[i].pixels = g_new0 (float, l->image_floats * l->B);
    }
  g_mutex_init (&l->lock);
  g_cond_init (&l->work_cond);
  g_cond_init (&l->ready_cond);
  l->threads = g_new0 (GThread *, l->n_threads);
  for (int i = 0; i < l->n_threads; i++)
    l->threads[i] = g_thread_new ("pt-loader", worker, l);
  return l;
}

PtBatch *
pt_loader_next (PtLoader *l,
                guint    *batch_index,
                GError  **error)
{
  PtBatch *batch = NULL;

  g_return_val_if_fail (l != NULL, NULL);
  g_mutex_lock (&l->lock);
  for (;;)
    {
      Slot *s;
      if (l->cancelled)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_CANCELLED, "Loading was cancelled");
          break;
        }
      if (l->consume_k >= l->end_k)
        break;
      s = &l->slots[l->consume_k % l->depth];
      if (s->k != l->consume_k || !s->ready)
        {
          g_cond_wait (&l->ready_cond, &l->lock);
          continue;
        }
      batch = s->batch;
      s->batch = NULL;
      s->ready = FALSE;
      s->k = FREE_SLOT;
      if (batch_index != NULL)
        *batch_index = l->consume_k;
      l->consume_k++;
      g_cond_broadcast (&l->work_cond);
      if (batch != NULL)
        break;   /* else every record failed: on to the next batch */
    }
  g_mutex_unlock (&l->lock);
  return batch;
}

guint
pt_loader_get_n_batches (PtLoader *l)
{
  g_return_val_if_fail (l != NULL, 0);
  return l->end_k - l->start_k;
}

guint
pt_loader_get_n_failed (PtLoader *l)
{
  g_return_val_if_fail (l != NULL, 0);
  return (guint) g_atomic_int_get (&l->n_failed);
}

void
pt_loader_cancel (PtLoader *l)
{
  g_return_if_fail (l != NULL);
  g_mutex_lock (&l->lock);
  l->cancelled = TRUE;
  g_cond_broadcast (&l->work_cond);
  g_cond_broadcast (&l->ready_cond);
  g_mutex_unlock (&l->lock);
}

void
pt_loader_free (PtLoader *l)
{
  if (l == NULL)
    return;
  pt_loader_cancel (l);
  for (int i = 0; i < l->n_threads; i++)
    g_thread_join (l->threads[i]);
  for (int i = 0; i < l->depth; i++)
    {
      free_examples (l, &l->slots[i]);
      g_clear_pointer (&l->slots[i].batch, pt_batch_free);
      g_free (l->slots[i].examples);
      g_free (l->slots[i].pixels);
    }
  g_free (l->slots);
  g_free (l->threads);
  g_free (l->order);
  g_mutex_clear (&l->lock);
  g_cond_clear (&l->work_cond);
  g_cond_clear (&l->ready_cond);
  g_clear_pointer (&l->dataset, pt_dataset_unref);
  if (l->user_data_free != NULL)
    l->user_data_free (l->user_data);
  g_free (l);
}
