/* pt-ckpt.h — a run's checkpoints: trained tensors, optimiser state and the
 * loop's position, written atomically.
 *
 *   RUN/checkpoints/step-NNNNNNN/trainable.safetensors   trained tensors (F32), by
 *                                                        PtTrainable name (PEFT keys for LoRA)
 *   RUN/checkpoints/step-NNNNNNN/optimizer.safetensors   "<name>.exp_avg", "<name>.exp_avg_sq"
 *   RUN/checkpoints/step-NNNNNNN/state.json              step, epoch, batch, samples, RNG, best …
 *
 * A checkpoint is written into a hidden ".step-NNNNNNN.partial" folder and
 * renamed into place when every file is on disk, so a crash or a full disk
 * mid-write leaves the previous checkpoints as they were and no half
 * checkpoint that could be resumed from.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>   /* JsonNode */

#include "pt-model.h"              /* PtModel */
#include "pt-optim.h"              /* PtOptimizer */
#include "pt-run.h"                /* PtRun */

G_BEGIN_DECLS

/* Writes the checkpoint for step (optimiser may be NULL: weights only);
 * state is stored as state.json. Returns the checkpoint folder. */
char      *pt_ckpt_save            (PtRun *run, int step, PtModel *model, PtOptimizer *opt,
                                    JsonNode *state, GError **error);
/* Loads the trained tensors into the model. */
gboolean   pt_ckpt_load_weights    (const char *ckpt_dir, PtModel *model, GError **error);
/* Loads the optimiser moments (and its step from state.json). */
gboolean   pt_ckpt_load_optimizer  (const char *ckpt_dir, PtOptimizer *opt, PtModel *model,
                                    GError **error);
JsonNode  *pt_ckpt_load_state      (const char *ckpt_dir, GError **error);

/* Complete checkpoints of the run, oldest first (folder paths). */
GPtrArray *pt_ckpt_list            (PtRun *run);
/* The newest complete checkpoint, or NULL. */
char      *pt_ckpt_latest          (PtRun *run);
/* The checkpoint to export: the best one recorded in run.json when it still
 * exists, else the latest; NULL when the run has none. */
char      *pt_ckpt_preferred       (PtRun *run);
/* Deletes all but the newest keep checkpoints, never the one named keep_also
 * (the best), and any leftover partial folders. */
void       pt_ckpt_prune           (PtRun *run, int keep, const char *keep_also);

/* TRUE for a checkpoint folder name ("step-" and seven digits). */
gboolean   pt_ckpt_is_name         (const char *name);

/* Tests: the next save fails with an I/O error after this many bytes of
 * tensor data (< 0: never). */
void       pt_ckpt_inject_failure  (gint64 after_bytes);

G_END_DECLS
