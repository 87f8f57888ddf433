/* pt-training-view.h — the live half of the Train page: Start / Pause /
 * Stop, progress, the step line, where the step time goes, six charts (loss
 * with validation points, validation accuracy, learning rate, gradient norm,
 * throughput, device memory) and a few validation samples with the model's
 * current answers.
 *
 * It holds no training state: the application's train controller
 * (app/pt-train-controller.c) feeds it the session's metrics and listens to
 * ::start-requested, ::pause-requested and ::stop-requested. Until
 * set_session_ready (TRUE), Start stays insensitive with a tooltip saying
 * why.
 */
#pragma once

#include <adwaita.h>

#include "pt-eval-samples.h"
#include "pt-loss-chart.h"
#include "pt-step-breakdown.h"
#include "pt-trainer.h"          /* PtStepMetrics, PtEvalMetrics */

G_BEGIN_DECLS

typedef enum {
  PT_TRAINING_IDLE,       /* nothing running: Start */
  PT_TRAINING_RUNNING,    /* Pause, Stop */
  PT_TRAINING_PAUSED,     /* Resume (Start), Stop */
  PT_TRAINING_STOPPING,   /* waiting for the step to finish: nothing */
} PtTrainingState;

/* The charts' names for get_chart, and the series each has:
 *   "loss"        "train" (area), "val" (points); the "best" marker
 *   "accuracy"    "vqa_accuracy", "exact_match" (points, percent); "best"
 *   "lr"          "lr" (line)
 *   "grad-norm"   "grad_norm" (line)
 *   "throughput"  "samples_per_s" (area)
 *   "memory"      "memory" (area, bytes in use on the device) */
#define PT_TYPE_TRAINING_VIEW (pt_training_view_get_type ())

G_DECLARE_FINAL_TYPE (PtTrainingView, pt_training_view, PT, TRAINING_VIEW, AdwBin)

GtkWidget   *pt_training_view_new               (void);
PtLossChart *pt_training_view_get_chart         (PtTrainingView *self, const char *name);
/* Drops every chart's points, resets progress and the step line. */
void         pt_training_view_clear             (PtTrainingView *self);

/* Whether a run can start: the session exists (ready) and why not otherwise
 * (the settings' message, shown as Start's tooltip). */
void         pt_training_view_set_session_ready (PtTrainingView *self, gboolean ready);
void         pt_training_view_set_blocker       (PtTrainingView *self, const char *why_not);
gboolean     pt_training_view_get_can_start     (PtTrainingView *self);
void         pt_training_view_set_state         (PtTrainingView *self, PtTrainingState state);
PtTrainingState pt_training_view_get_state      (PtTrainingView *self);
/* step of total optimiser steps; eta_seconds < 0 = unknown. */
void         pt_training_view_set_progress      (PtTrainingView *self, guint64 step, guint64 total,
                                                 double eta_seconds);
/* The llm.c line: "step 120/6000 | loss 0.5120 | norm 1.02 | lr 2.0e-5 | 830 ms | 19.3 samples/s" */
void         pt_training_view_set_step_line     (PtTrainingView *self, const char *line);
/* What the trainer is doing ("Evaluating…"), beside the progress. */
void         pt_training_view_set_status        (PtTrainingView *self, const char *text);

/* A run's metrics as they arrive: n steps update every chart, the progress
 * (with the ETA), the step line and the step-time breakdown; an evaluation
 * adds the validation points, moves the best-checkpoint marker and shows
 * its samples. */
void         pt_training_view_add_steps         (PtTrainingView *self, const PtStepMetrics *metrics,
                                                 guint n);
void         pt_training_view_add_eval          (PtTrainingView *self, const PtEvalMetrics *metrics);

/* What is shown (tests, the controller). */
int          pt_training_view_get_best_step     (PtTrainingView *self);
double       pt_training_view_get_progress      (PtTrainingView *self);
const char  *pt_training_view_get_step_line     (PtTrainingView *self);
const char  *pt_training_view_get_status        (PtTrainingView *self);
PtStepBreakdown *pt_training_view_get_breakdown (PtTrainingView *self);
PtEvalSamples   *pt_training_view_get_eval_samples (PtTrainingView *self);

/* The page's sidebar toggle (shown when the settings fold away). */
GtkToggleButton *pt_training_view_get_settings_toggle (PtTrainingView *self);

G_END_DECLS
