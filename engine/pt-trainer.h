/* pt-trainer.h — the training loop: batches → forward/backward → optimiser,
 * evaluation, metrics, checkpoints, early stopping, resume.
 *
 * pt_trainer_run blocks: call it on a dedicated thread (the GUI's training
 * session, or the CLI's main thread). Callbacks are invoked on that thread;
 * the GUI marshals them to its main loop. Control requests (pause, stop) are
 * thread-safe and honoured between steps: a stop takes effect within one
 * step and leaves the last good checkpoint.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>               /* GCancellable */
#include <json-glib/json-glib.h>   /* JsonNode */

#include "pt-comm.h"               /* PtComm */
#include "pt-evaluate.h"           /* PtEvalMetrics */
#include "pt-metrics.h"            /* PtStepMetrics, pt_step_metrics_to_json */
#include "pt-run.h"                /* PtRun, PtRunStatus */

G_BEGIN_DECLS

typedef struct _PtTrainer PtTrainer;

typedef struct {
  void (*step)     (const PtStepMetrics *metrics, gpointer user_data);
  void (*eval)     (const PtEvalMetrics *metrics, gpointer user_data);
  /* status changes and human-readable progress lines ("Loading model…") */
  void (*status)   (PtRunStatus status, const char *message, gpointer user_data);
  void (*log)      (const char *line, gpointer user_data);
  gpointer user_data;
} PtTrainerCallbacks;

/* Prepares a trainer for a run (new, or one to resume from its latest
 * checkpoint — or from `checkpoint` when not NULL). Does not load anything
 * heavy yet. When resuming and the run's inputs changed, fails unless force. */
PtTrainer *pt_trainer_new           (PtRun *run, const char *checkpoint, gboolean force,
                                     const PtTrainerCallbacks *callbacks, GError **error);
void       pt_trainer_free          (PtTrainer *trainer);

/* Loads the model and data, trains to the end or until a pause/stop, writes
 * checkpoints and metrics, updates run.json. Returns FALSE with an error on
 * failure (the run is marked failed with the message); TRUE when finished,
 * paused or stopped (see pt_run_get_status). */
gboolean   pt_trainer_run           (PtTrainer *trainer, GError **error);

/* Thread-safe requests, honoured between steps. Pause lets a due evaluation
 * finish, writes a checkpoint and marks the run paused (resume continues
 * exactly); stop also interrupts an evaluation or the loading, and ends the
 * run as stopped, keeping the checkpoints written so far. */
void       pt_trainer_request_pause (PtTrainer *trainer);
void       pt_trainer_request_stop  (PtTrainer *trainer);

/* Data parallel: train as comm's rank (borrowed; it must outlive the
 * trainer). Every rank opens the same run (a folder all of them see); rank 0
 * alone writes it. Without this call the trainer is a single process. */
void       pt_trainer_set_comm      (PtTrainer *trainer, PtComm *comm);
/* Optimiser steps the run will make (known once pt_trainer_run loaded the data). */
int        pt_trainer_get_total_steps (PtTrainer *trainer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTrainer, pt_trainer_free)

G_END_DECLS
