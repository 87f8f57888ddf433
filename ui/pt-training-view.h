/* pt-training-view.h — the live half of the Train page: Start / Pause /
 * Stop, progress, the step line and four charts (loss with validation
 * points, learning rate, gradient norm, throughput).
 *
 * It holds no training state: the integration round's session calls the
 * setters and listens to ::start-requested, ::pause-requested and
 * ::stop-requested. Until set_session_ready (TRUE), Start stays
 * insensitive with a tooltip saying why.
 */
#pragma once

#include <adwaita.h>

#include "pt-loss-chart.h"

G_BEGIN_DECLS

typedef enum {
  PT_TRAINING_IDLE,       /* nothing running: Start */
  PT_TRAINING_RUNNING,    /* Pause, Stop */
  PT_TRAINING_PAUSED,     /* Resume (Start), Stop */
  PT_TRAINING_STOPPING,   /* waiting for the step to finish: nothing */
} PtTrainingState;

/* The charts' names for get_chart, and the series each has:
 *   "loss"        "train" (area), "val" (points)
 *   "lr"          "lr" (line)
 *   "grad-norm"   "grad_norm" (line)
 *   "throughput"  "tokens_per_s" (line) */
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
/* The llm.c line: "step 120/6000 | loss 0.512 | norm 1.02 | lr 2e-5 | 830 ms | MFU n/a | 1,234 tok/s" */
void         pt_training_view_set_step_line     (PtTrainingView *self, const char *line);

/* The page's sidebar toggle (shown when the settings fold away). */
GtkToggleButton *pt_training_view_get_settings_toggle (PtTrainingView *self);

G_END_DECLS
