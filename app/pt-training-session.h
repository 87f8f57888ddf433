/* pt-training-session.h — one training run on its own thread, seen from the
 * main loop.
 *
 * The session owns the trainer thread (not the shared GTask pool: a run can
 * last days) and turns the engine's callbacks into signals on the main
 * thread. Step metrics are queued by the trainer and delivered in batches
 * (one idle dispatch drains everything queued), so a fast trainer never
 * floods the main loop. Widgets observe the session; they never touch the
 * engine.
 */
#pragma once

#include <glib-object.h>

#include "pt-run.h"         /* PtRunStatus */
#include "pt-settings.h"    /* PtTrainSettings */
#include "pt-trainer.h"     /* PtStepMetrics, PtEvalMetrics */

G_BEGIN_DECLS

#define PT_TYPE_TRAINING_SESSION (pt_training_session_get_type ())

G_DECLARE_FINAL_TYPE (PtTrainingSession, pt_training_session, PT, TRAINING_SESSION, GObject)

typedef enum {
  PT_SESSION_IDLE,       /* nothing running (before, or after a run ended) */
  PT_SESSION_RUNNING,    /* loading or training */
  PT_SESSION_PAUSING,    /* pause requested: finishing the step, saving */
  PT_SESSION_STOPPING,   /* stop requested: finishing the step */
} PtSessionState;

PtTrainingSession *pt_training_session_new          (void);

/* Creates a run under runs_root (NULL: pt_runs_default_root ()) with the
 * settings and starts training it. Fails when a run is in progress or the
 * settings are invalid. */
gboolean    pt_training_session_start        (PtTrainingSession     *self,
                                              const PtTrainSettings *settings,
                                              const char            *runs_root,
                                              GError               **error);
/* Resumes the run in run_dir from its latest checkpoint. */
gboolean    pt_training_session_resume       (PtTrainingSession *self,
                                              const char        *run_dir,
                                              gboolean           force,
                                              GError           **error);
void        pt_training_session_pause        (PtTrainingSession *self);
void        pt_training_session_stop         (PtTrainingSession *self);
/* Blocks until the trainer thread has ended (shutdown). */
void        pt_training_session_join         (PtTrainingSession *self);

PtSessionState pt_training_session_get_state (PtTrainingSession *self);
/* The folder of the current (or last) run, or NULL. */
const char *pt_training_session_get_run_dir  (PtTrainingSession *self);
/* What the trainer is doing ("Loading the model…"), for a status line. */
const char *pt_training_session_get_message  (PtTrainingSession *self);
int         pt_training_session_get_step     (PtTrainingSession *self);
int         pt_training_session_get_total_steps (PtTrainingSession *self);
/* Steps delivered so far, and how many dispatches delivered them (to check
 * the batching). */
guint       pt_training_session_get_n_dispatches (PtTrainingSession *self);
/* The longest the main loop spent delivering one batch of events (signal
 * handlers included), in microseconds: what the session costs the UI. */
gint64      pt_training_session_get_max_dispatch_us (PtTrainingSession *self);

/* Signals (main thread):
 *   ::steps (gpointer metrics /\* const PtStepMetrics[] *\/, guint n)
 *   ::eval  (gpointer metrics /\* const PtEvalMetrics * *\/)
 *   ::log   (const char *line)
 *   ::finished (PtRunStatus status, const char *message_or_error)
 * and notify::state, ::message, ::step. */

G_END_DECLS
