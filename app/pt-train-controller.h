/* pt-train-controller.h — the application's side of the Train page.
 *
 * One controller per window owns the window's PtTrainingSession and wires it
 * to the widgets (app → ui → engine): Start / Pause / Resume / Stop follow
 * the session's state; step and evaluation metrics feed the training view;
 * a run that ends says so in a toast (and a desktop notification when the
 * window is not focused); errors become dialogs that say what to do next.
 * Before a run it reads the model folder and the dataset in GTasks and
 * shows the memory and time estimate, and times a few steps on request. It
 * also resumes and exports runs for the Runs page and keeps the
 * Playground's base model in step with the Train page.
 */
#pragma once

#include <adwaita.h>

#include "pt-training-session.h"
#include "pt-window.h"

G_BEGIN_DECLS

#define PT_TYPE_TRAIN_CONTROLLER (pt_train_controller_get_type ())

G_DECLARE_FINAL_TYPE (PtTrainController, pt_train_controller, PT, TRAIN_CONTROLLER, GObject)

/* Creates the controller of window; the window keeps it (get_for_window). */
PtTrainController *pt_train_controller_new          (PtWindow *window);
PtTrainController *pt_train_controller_get_for_window (PtWindow *window);
PtTrainingSession *pt_train_controller_get_session  (PtTrainController *self);

/* Where new runs go (NULL: pt_runs_default_root ()). */
void        pt_train_controller_set_runs_root       (PtTrainController *self, const char *runs_root);
const char *pt_train_controller_get_runs_root       (PtTrainController *self);

/* What the Train page's buttons do. Start trains the settings form's
 * settings (or resumes the paused run); errors show in a dialog and come
 * back in error. */
gboolean    pt_train_controller_start               (PtTrainController *self, GError **error);
void        pt_train_controller_pause               (PtTrainController *self);
void        pt_train_controller_stop                (PtTrainController *self);

/* The Runs page's Resume: shows the run's history on the Train page and
 * continues it from its latest checkpoint (asking first when its model or
 * data files changed since). */
gboolean    pt_train_controller_resume_run          (PtTrainController *self, const char *run_dir,
                                                     GError **error);
/* The Runs page's Export: asks for a folder, then writes the run's best
 * checkpoint there as a PEFT adapter (merged FALSE) or a merged Hugging Face
 * model folder, in a GTask, with toasts. */
void        pt_train_controller_export_run          (PtTrainController *self, const char *run_dir,
                                                     gboolean merged);
/* The Runs page's Export with no kind: asks adapter or merged (a full
 * fine-tune exports the merged model), then as export_run. */
void        pt_train_controller_export_run_ask      (PtTrainController *self, const char *run_dir);
/* The same into exactly out_dir (no folder chooser); the result comes to
 * callback (finish with pt_train_controller_export_finish). */
void        pt_train_controller_export_run_to       (PtTrainController *self, const char *run_dir,
                                                     gboolean merged, const char *out_dir,
                                                     GAsyncReadyCallback callback, gpointer user_data);
char       *pt_train_controller_export_finish       (PtTrainController *self, GAsyncResult *result,
                                                     GError **error);

/* What the estimate knows (tests): TRUE once the model folder was read. */
gboolean    pt_train_controller_has_model_info      (PtTrainController *self);
/* The measured or running seconds per step the estimate uses (0: none). */
double      pt_train_controller_get_seconds_per_step (PtTrainController *self);
/* Busy reading the model folder or the dataset, or timing steps. */
gboolean    pt_train_controller_is_probing          (PtTrainController *self);

G_END_DECLS
