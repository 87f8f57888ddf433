/* pt-train-controller-private.h — the controller's fields, shared by
 * pt-train-controller.c (session ↔ widgets), pt-train-controller-estimate.c
 * (model folder, dataset, memory and speed before a run) and
 * pt-train-controller-runs.c (resume and export for the Runs page). */
#pragma once

#include "pt-train-controller.h"
#include "pt-train-probe.h"

G_BEGIN_DECLS

struct _PtTrainController
{
  GObject            parent_instance;

  PtWindow          *window;          /* weak */
  PtTrainingSession *session;
  char              *runs_root;
  char              *paused_run_dir;  /* the run Resume continues, or NULL */
  char              *run_key;         /* the speed key of the running run's settings */
  gboolean           close_when_idle; /* the window asked to close during a run */
  gboolean           started_here;    /* the running run was started or resumed by us */
  double             live_step_s;     /* EMA of the running run's step time */
  gint64             live_shown;      /* when the estimate last showed it (µs) */
  AdwToast          *run_toast;       /* the last "run ended" toast (weak) */

  /* the model folder */
  GCancellable      *model_cancellable;
  char              *model_dir;
  PtModelInfo       *model_info;
  /* the dataset */
  GCancellable      *data_cancellable;
  char              *data_key;
  PtDataInfo        *data_info;
  /* the speed */
  GCancellable      *speed_cancellable;
  char              *speed_key;       /* settings the measured time is valid for */
  double             speed_s;         /* seconds per optimiser step, 0 = not measured */
  const char        *speed_note;      /* where speed_s comes from */
  GStrv              estimate_messages;
  gboolean           estimate_fits;
  gboolean           has_estimate;
};

/* pt-train-controller-estimate.c */
void  pt_train_controller_connect_estimate (PtTrainController *self);
void  pt_train_controller_update_estimate  (PtTrainController *self);
char *pt_train_controller_speed_key        (PtTrainController *self, const PtTrainSettings *s);
void  pt_train_controller_probe_model      (PtTrainController *self);
void  pt_train_controller_probe_data       (PtTrainController *self);

/* pt-train-controller-runs.c */
void  pt_train_controller_connect_runs_page (PtTrainController *self);
void  pt_train_controller_load_history      (PtTrainController *self, const char *run_dir);

/* pt-train-controller.c */
void  pt_train_controller_error_dialog      (PtTrainController *self, const char *heading,
                                             const char *message, const char *hint);
void  pt_train_controller_toast             (PtTrainController *self, const char *text);
PtTrainSettingsView *pt_train_controller_settings_view (PtTrainController *self);
PtTrainingView      *pt_train_controller_training_view (PtTrainController *self);

G_END_DECLS
