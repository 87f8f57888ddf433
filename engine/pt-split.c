/* pt-split.c — the train/validation split and each epoch's order. */
#include "config.h"

#include <math.h>          /* ceil */
#include <stdlib.h>        /* qsort */

#include "pt-error.h"
#include "pt-rng.h"        /* pt_rng_hash, PtRng */
#include "pt-split.h"

/* Streams of the seed, so the split and the epochs draw unrelated numbers. */
#define SPLIT_STREAM G_GUINT64_CONSTANT (0x73706c6974)   /* "split" */
#define EPOCH_STREAM G_GUINT64_CONSTANT (0x65706f6368)   /* "epoch" */

typedef struct {
  guint64 key;
  guint   index;
} Ranked;

static int
ranked_cmp (gconstpointer a, gconstpointer b)
{
  const Ranked *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

static int
uint_cmp (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return (x > y) - (x < y);
}

PtSplit *
pt_split_new (PtDataset *dataset,
              double     val_split,
              guint64    seed,
              GError   **error)
{
  g_autoptr(PtSplit) split = NULL;
  g_autofree guint *usable = NULL;
  g_autofree Ranked *ranked = NULL;
  guint n, n_val;
  guint64 split_seed = pt_rng_hash (seed, SPLIT_STREAM);

  g_return_val_if_fail (dataset != NULL, NULL);
  if (!(val_split >= 0) || (val_split >= 1 && val_split != floor (val_split)))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The validation split must be a fraction below 1 or a whole count, not %g", val_split);
      return NULL;
    }
  usable = pt_dataset_get_usable (dataset, &n);
  if (n == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s has no usable record",
                   pt_dataset_get_path (dataset));
      return NULL;
    }
  n_val = val_split < 1 ? (guint) ceil (val_split * n - 1e-9) : (guint) MIN (val_split, (double) G_MAXUINT);
  if (n_val > 0 && n_val >= n)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "A validation split of %g leaves no training record (%u usable record%s)",
                   val_split, n, n == 1 ? "" : "s");
      return NULL;
    }

  ranked = g_new (Ranked, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      ranked[i].key = pt_rng_hash (split_seed, usable[i]);
      ranked[i].index = usable[i];
    }
  qsort (ranked, n, sizeof *ranked, ranked_cmp);

  split = g_new0 (PtSplit, 1);
  split->train_dataset = pt_dataset_ref (dataset);
  split->val_dataset = pt_dataset_ref (dataset);
  split->n_val = n_val;
  split->n_train = n - n_val;
  split->val = g_new (guint, MAX (n_val, 1));
  split->train = g_new (guint, MAX (split->n_train, 1));
  for (guint i = 0; i < n_val; i++)
    split->val[i] = ranked[i].index;
  for (guint i = n_val; i < n; i++)
    split->train[i - n_val] = ranked[i].index;
  qsort (split->val, split->n_val, sizeof (guint), uint_cmp);
  qsort (split->train, split->n_train, sizeof (guint), uint_cmp);
  return g_steal_pointer (&split);
}

PtSplit *
pt_split_new_separate (PtDataset *train,
                       PtDataset *val,
                       GError   **error)
{
  PtSplit *split;

  g_return_val_if_fail (train != NULL && val != NULL, NULL);
  split = g_new0 (PtSplit, 1);
  split->train_dataset = pt_dataset_ref (train);
  split->val_dataset = pt_dataset_ref (val);
  split->train = pt_dataset_get_usable (train, &split->n_train);
  split->val = pt_dataset_get_usable (val, &split->n_val);
  if (split->n_train == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s has no usable record",
                   pt_dataset_get_path (train));
      pt_split_free (split);
      return NULL;
    }
  return split;
}

void
pt_split_free (PtSplit *split)
{
  if (split == NULL)
    return;
  g_clear_pointer (&split->train_dataset, pt_dataset_unref);
  g_clear_pointer (&split->val_dataset, pt_dataset_unref);
  g_free (split->train);
  g_free (split->val);
  g_free (split);
}

void
pt_shuffle (guint  *items,
            guint   n,
            guint64 seed,
            guint64 stream)
{
  PtRng rng = { pt_rng_hash (seed, stream), 0 };

  /* Durstenfeld's Fisher-Yates: position i takes a uniform pick of [0, i] */
  for (guint i = n; i > 1; i--)
    {
      guint j = pt_rng_next_below (&rng, i);
      guint t = items[i - 1];
      items[i - 1] = items[j];
      items[j] = t;
    }
}

guint *
pt_split_epoch_order (const PtSplit *split,
                      guint64        seed,
                      guint          epoch)
{
  guint *order;

  g_return_val_if_fail (split != NULL, NULL);
  order = g_memdup2 (split->train, sizeof (guint) * MAX (split->n_train, 1));
  pt_shuffle (order, split->n_train, pt_rng_hash (seed, EPOCH_STREAM), epoch);
  return order;
}

guint
pt_epoch_n_batches (guint    n,
                    guint    batch_size,
                    gboolean drop_last)
{
  g_return_val_if_fail (batch_size > 0, 0);
  return drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
}

guint
pt_shard_n_batches (guint n,
                    guint batch_size,
                    int   world)
{
  guint64 g = (guint64) batch_size * (guint) world;
  guint full, rest;

  g_return_val_if_fail (batch_size > 0 && world > 0, 0);
  full = (guint) (n / g);
  rest = (guint) (n % g);
  return full + (rest >= (guint) world ? 1 : 0);
}

guint *
pt_shard_order (const guint *order,
                guint        n,
                guint        batch_size,
                int          rank,
                int          world,
                guint       *n_out,
                guint       *n_global)
{
  guint64 g = (guint64) batch_size * (guint) world;
  guint batches = pt_shard_n_batches (n, batch_size, world);
  guint *out = g_new (guint, (gsize) MIN ((guint64) n, (guint64) batches * batch_size) + 1);
  guint k = 0;

  g_return_val_if_fail (rank >= 0 && rank < world, NULL);

  for (guint b = 0; b < batches; b++)
    {
      guint64 start = b * g;
      guint64 m = MIN (g, n - start);
      guint64 lo = start + m * (guint) rank / (guint) world;
      guint64 hi = start + m * (guint) (rank + 1) / (guint) world;
      for (guint64 i = lo; i < hi; i++)
        out[k++] = order[i];
    }
  *n_out = k;
  *n_global = batches;
  return out;
}
