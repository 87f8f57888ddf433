/* pt-optim.h — AdamW over a model's trained tensors, with the Hugging Face
 * Trainer's recipe:
 * - no weight decay on biases and norm weights (Trainer.get_decay_parameter_names);
 * - global-norm clipping like torch.nn.utils.clip_grad_norm_:
 *   coef = max_norm / (norm + 1e-6), clamped to 1, applied to every gradient;
 * - learning rate schedules exactly as transformers' get_linear / cosine /
 *   constant_schedule_with_warmup: optimiser step k (0-based) uses
 *   lr · lambda(k), so the first step of a warmup has lr 0;
 * - torch.optim.AdamW (decoupled decay, bias correction) through be->ops->adamw.
 * The state (moments and step counter) can be read and written for checkpoints.
 */
#pragma once

#include <glib.h>          /* gboolean, GError */

#include "pt-model.h"      /* PtModel */
#include "pt-settings.h"   /* PtTrainSettings, PtSchedule */

G_BEGIN_DECLS

typedef struct _PtOptimizer PtOptimizer;

typedef struct {
  int      step;          /* optimiser steps done after this one */
  double   lr;            /* the learning rate this step used */
  double   grad_norm;     /* global L2 norm of the gradients before clipping */
  double   clip_coef;     /* the factor the gradients were scaled by (1 when not clipped) */
  gboolean skipped;       /* non-finite gradients and skip_nonfinite: nothing changed */
} PtStepInfo;

/* lambda(step) · base_lr for a run of total_steps optimiser steps. */
double       pt_schedule_lr          (PtSchedule schedule, double base_lr, int warmup_steps,
                                      int total_steps, int step);

/* The optimiser for the model's trained tensors (lr, betas, epsilon, weight
 * decay, clipping, warmup, schedule and skip_nonfinite from settings).
 * total_steps: the run's optimiser steps (for the schedules). Allocates the
 * moments (zero) on the model's backend. */
PtOptimizer *pt_optimizer_new        (PtModel *model, const PtTrainSettings *settings, int total_steps,
                                      GError **error);
void         pt_optimizer_free       (PtOptimizer *opt);

/* Global gradient norm (without changing anything). */
double       pt_optimizer_grad_norm  (PtOptimizer *opt);
/* One step: norm, clipping, schedule, AdamW on every trained tensor (master
 * and working copy). A non-finite norm is a PT_ERROR_NUMERIC, unless the
 * settings skip such steps (info->skipped; parameters, moments and the step
 * counter stay). The caller zeroes the gradients afterwards. */
gboolean     pt_optimizer_step       (PtOptimizer *opt, PtStepInfo *info, GError **error);

int          pt_optimizer_get_step   (PtOptimizer *opt);
void         pt_optimizer_set_step   (PtOptimizer *opt, int step);
double       pt_optimizer_current_lr (PtOptimizer *opt);   /* the lr the next step will use */

/* Moments of trained tensor i (pt_model_get_trainable order) as host float32,
 * numel elements; which: 0 = exp_avg (m), 1 = exp_avg_sq (v). */
gboolean     pt_optimizer_read_state  (PtOptimizer *opt, guint i, int which, float *data,
                                       size_t numel, GError **error);
gboolean     pt_optimizer_write_state (PtOptimizer *opt, guint i, int which, const float *data,
                                       size_t numel, GError **error);
/* The moments in backend memory (acc dtype), for device-side checkpointing. */
void         pt_optimizer_state_ptrs  (PtOptimizer *opt, guint i, void **m, void **v);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtOptimizer, pt_optimizer_free)

G_END_DECLS
