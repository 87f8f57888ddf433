/* pt-train-settings-view.h — the settings half of the Train page.
 *
 * A form over PtTrainSettings (engine/pt-settings.h, the schema the CLI and
 * run.json share): model, data, method (LoRA / QLoRA / full) with its
 * options, optimiser, length, evaluation and checkpoints, device. Every
 * change is validated at once (pt_train_settings_validate); the message
 * shows under the form and `valid` turns FALSE. The settings persist in
 * GSettings ("train-settings", the JSON string) and come back at start.
 *
 * The application's train controller fills in what the GUI cannot know
 * alone: what was found in the model folder (set_model_info) and the
 * memory/time estimate (set_estimate), on notify::model-dir and ::changed;
 * ::measure-speed-requested asks it to time a few steps.
 */
#pragma once

#include <adwaita.h>

#include "pt-settings.h"   /* PtTrainSettings */

G_BEGIN_DECLS

/* What a run will need, as the engine estimates it. */
typedef struct {
  guint64     weights_bytes;      /* model weights as stored on the device */
  guint64     training_bytes;     /* gradients, optimiser state, master copies */
  guint64     activations_bytes;  /* peak activations of one micro-batch */
  guint64     device_bytes;       /* what the device has; 0 = unknown */
  guint64     trainable_params;
  double      seconds_per_step;   /* one optimiser step; 0 = unknown */
  guint64     total_steps;        /* 0 = unknown (the dataset is not counted yet) */
  gboolean    fits;               /* FALSE: expected not to fit the device */
  const char *message;            /* a hint shown with the estimate, or NULL */
  guint64     steps_per_epoch;    /* 0 = unknown */
  const char *time_note;          /* where the time comes from ("measured …"), or NULL */
  /* when it does not fit: what would */
  int         fit_batch;          /* the largest micro-batch that fits (accumulation × batch / it), 0 none */
  int         qlora_batch;        /* the largest micro-batch of the same LoRA run in QLoRA that fits, 0 none */
} PtTrainEstimate;

#define PT_TYPE_TRAIN_SETTINGS_VIEW (pt_train_settings_view_get_type ())

G_DECLARE_FINAL_TYPE (PtTrainSettingsView, pt_train_settings_view, PT, TRAIN_SETTINGS_VIEW, AdwBin)

GtkWidget             *pt_train_settings_view_new            (void);

/* The settings as the form shows them (owned by the view). */
const PtTrainSettings *pt_train_settings_view_get_settings   (PtTrainSettingsView   *self);
/* Replaces every field (a copy is taken), updates the form, saves. */
void                   pt_train_settings_view_set_settings   (PtTrainSettingsView   *self,
                                                              const PtTrainSettings *settings);
/* "quick-test", "seed", "best-quality" (pt_train_settings_apply_preset). */
gboolean               pt_train_settings_view_apply_preset   (PtTrainSettingsView   *self,
                                                              const char            *preset,
                                                              GError               **error);

/* The dataset chosen on the Data page (NULL: none). */
void                   pt_train_settings_view_set_data_path  (PtTrainSettingsView   *self,
                                                              const char            *path);
const char            *pt_train_settings_view_get_model_dir  (PtTrainSettingsView   *self);
/* What was found in the model folder, e.g. "PaliGemma 3B · 224 px ·
 * 2.92 B parameters"; native_resolution 0 = unknown. usable FALSE marks
 * the folder unusable (summary says why) and the form invalid. summary
 * NULL clears it. */
void                   pt_train_settings_view_set_model_info (PtTrainSettingsView   *self,
                                                              const char            *summary,
                                                              int                    native_resolution,
                                                              gboolean               usable);
/* NULL: not estimated (the placeholder shows). */
void                   pt_train_settings_view_set_estimate   (PtTrainSettingsView   *self,
                                                              const PtTrainEstimate *estimate);

/* The Measure button's state while the application times a few steps
 * (::measure-speed-requested starts it). */
void                   pt_train_settings_view_set_measuring  (PtTrainSettingsView   *self,
                                                              gboolean               measuring);

/* FALSE when the settings have an error or a model/dataset is missing. */
gboolean               pt_train_settings_view_get_valid      (PtTrainSettingsView   *self);
/* Why not valid (or NULL when valid). */
const char            *pt_train_settings_view_get_message    (PtTrainSettingsView   *self);

G_END_DECLS
