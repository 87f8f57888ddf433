/* pt-training-ranks.h — the other GPUs of an "all GPUs" run in the app.
 *
 * When a run's device is PT_DEVICE_ALL_GPUS, the session's trainer is rank 0
 * of one rank per GPU: this object makes the others — each its own trainer
 * on its own thread, reading the same run folder, on cuda:<rank> — and the
 * threads communicator (NCCL joins it for the gradients) that ties them to
 * rank 0. Only rank 0 reports and writes; pauses and stops asked of it reach
 * the others through the collectives. One process, no launcher: what
 * `mpirun -np N palitune-cli train` does across processes.
 */
#pragma once

#include <glib.h>

#include "pt-trainer.h"   /* PtTrainer, PtRun */

G_BEGIN_DECLS

typedef struct _PtTrainingRanks PtTrainingRanks;

/* The GPU ids of this computer ("cuda:N"), in order. */
GPtrArray       *pt_training_ranks_list_gpus (void);

/* For rank 0's trainer of run (not started yet): n_ranks - 1 more trainers
 * on their threads, started now. NULL with an error when they cannot be made. */
PtTrainingRanks *pt_training_ranks_start   (PtRun *run, PtTrainer *rank0, int n_ranks,
                                            gboolean force, GError **error);
/* Rank 0's trainer ended (call on its thread): the others stop waiting for
 * it and are joined. Returns the first error of another rank, or NULL. */
char            *pt_training_ranks_finish  (PtTrainingRanks *ranks);
/* Passes a stop on to every rank (a stop while loading ends each at once). */
void             pt_training_ranks_stop    (PtTrainingRanks *ranks);
void             pt_training_ranks_free    (PtTrainingRanks *ranks);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTrainingRanks, pt_training_ranks_free)

G_END_DECLS
