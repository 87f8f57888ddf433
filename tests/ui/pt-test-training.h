/* pt-test-training.h — a synthetic training run fed to the Train page's live
 * view, for the GUI tests that look at it (charts, step line, samples). */
#pragma once

#include "pt-training-view.h"

G_BEGIN_DECLS

/* Feeds `view` steps 1..done of a `total`-step run (linear warm-up over
 * `warmup` steps, then decay; a loss falling from ~2.8 to ~0.6) as the trainer
 * reports them, in batches of ten as the session delivers them, with an
 * evaluation every 100 steps, each the best so far. Evaluations carry
 * n_samples validation samples (demo scenes drawn as PNGs into dir, colour
 * and count questions in turn; the last one answered wrong), at every
 * evaluation or, when samples_every_eval is FALSE, only at step `done`.
 * Deterministic (seed 3). */
void pt_test_feed_training_view (PtTrainingView *view, guint done, guint total, guint warmup,
                                 guint n_samples, gboolean samples_every_eval, const char *dir);

G_END_DECLS
