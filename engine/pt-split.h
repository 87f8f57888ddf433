/* pt-split.h — the train/validation split and each epoch's order.
 *
 * Both are pure functions of their inputs, so a run replays exactly and
 * resumes from (epoch, position) with nothing but the seed saved:
 *  - the split ranks the usable records by pt_rng_hash (seed, record index)
 *    and takes the lowest val_split of them (a fraction, rounded up like
 *    datasets' train_test_split, or a count) for validation; a record's side
 *    depends only on its own index, so fixing or breaking other records
 *    moves few records across;
 *  - epoch e visits the training records in a Fisher-Yates permutation
 *    drawn from PtRng (hash (seed, e), 0) — pt-rng.h, the same numbers
 *    everywhere.
 */
#pragma once

#include <glib.h>

#include "pt-dataset.h"

G_BEGIN_DECLS

typedef struct {
  PtDataset *train_dataset;   /* the records train indexes */
  PtDataset *val_dataset;     /* the records val indexes (the same dataset, or a separate file) */
  guint     *train;           /* record indices, ascending */
  guint      n_train;
  guint     *val;             /* record indices, ascending */
  guint      n_val;
} PtSplit;

/* Splits the usable records of dataset. val_split: 0 = no validation,
 * < 1 a fraction, >= 1 a whole count. A split that leaves no training
 * record (or asks for a fractional count) is a PT_ERROR_INVALID_INPUT. */
PtSplit *pt_split_new          (PtDataset *dataset, double val_split, guint64 seed, GError **error);
/* Every usable record of train for training, of val for validation. */
PtSplit *pt_split_new_separate (PtDataset *train, PtDataset *val, GError **error);
void     pt_split_free         (PtSplit *split);

/* Shuffles items in place: a permutation that is a function of (seed, stream). */
void     pt_shuffle            (guint *items, guint n, guint64 seed, guint64 stream);
/* The training records in epoch's order (n_train of them, g_free it). */
guint   *pt_split_epoch_order  (const PtSplit *split, guint64 seed, guint epoch);

/* Micro-batches in an epoch of n records (the last one may be short unless drop_last). */
guint    pt_epoch_n_batches    (guint n, guint batch_size, gboolean drop_last);

/* Data parallel (pt-comm.h): world ranks share each global batch of
 * world × batch_size records of order[0..n). Global batch k is
 * order[k·G, (k+1)·G) with G = world × batch_size (the batches one process
 * with batch size G makes); rank r takes rows [r·m/world, (r+1)·m/world) of
 * a global batch of m rows, so every rank gets batch_size rows of a full
 * batch and at least one of the short last one, which is left out when it has
 * fewer rows than there are ranks. Returns rank's records in order (its
 * share of batch 0, then of batch 1, …), *n_out of them; cut into batches of
 * batch_size they are the rank's share of each global batch, one for one.
 * *n_global: the global batches of the epoch. world 1 gives order itself. */
guint   *pt_shard_order        (const guint *order, guint n, guint batch_size, int rank, int world,
                                guint *n_out, guint *n_global);
/* The global batches pt_shard_order makes of n records. */
guint    pt_shard_n_batches    (guint n, guint batch_size, int world);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSplit, pt_split_free)

G_END_DECLS
