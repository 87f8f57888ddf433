/* pt-eval-samples.h — a few validation records with what the model answers
 * now: thumbnail, question, the truth and the prediction, ✓ or ✗. Updated at
 * each evaluation. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PT_TYPE_EVAL_SAMPLES (pt_eval_samples_get_type ())

G_DECLARE_FINAL_TYPE (PtEvalSamples, pt_eval_samples, PT, EVAL_SAMPLES, GtkWidget)

GtkWidget *pt_eval_samples_new          (void);
/* samples: PtEvalSample* (pt-evaluate.h) of the evaluation at step; NULL clears. */
void       pt_eval_samples_set_samples  (PtEvalSamples *self, int step, GPtrArray *samples);
guint      pt_eval_samples_get_n_samples (PtEvalSamples *self);
/* How many of the shown predictions match their truth. */
guint      pt_eval_samples_get_n_correct (PtEvalSamples *self);

G_END_DECLS
